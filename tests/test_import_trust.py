"""Issue 18: no row lost or damaged without a word — stray quotes, JSONL keys, padded XLSX, the
rejects path, rows without a source id, Open311 without a description, one text limit. Every
import here also checks that the summary's counts add up to the rows in the file."""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
from click.testing import Result

from models.intake.importer import Importer, ImportResult, import_file, mapping_for
from models.intake.importing.readers import RowError, SourceRow, open_source
from models.org.context import Context
from models.store.schema import Case, Report
from models.text.textnorm import MAX_TEXT_CHARS
from models.worktime.timeutil import parse_iso, to_epoch
from tests.test_import import hotline_row, write_csv


def adds_up(result: ImportResult, rows: int) -> None:
    assert result.read == rows, result.as_json()
    assert result.read == result.imported + result.duplicate + result.rejected, result.as_json()


def test_a_stray_quote_rejects_its_own_row_and_keeps_every_other(ctx_for: Callable[..., Context],
                                                                  tmp_path: Path) -> None:
    ctx = ctx_for()
    path = write_csv(tmp_path / "stray.csv", [hotline_row(n) for n in range(1, 61)])
    lines = path.read_bytes().decode("utf-8").split("\r\n")
    assert lines[11].startswith("RX00011,")
    lines[11] = lines[11].replace("第11号楼", '"第11号楼')  # a stray quote at the start of row 11's text
    path.write_bytes("\r\n".join(lines).encode("utf-8"))
    rejects = tmp_path / "bad.csv"
    result = import_file(ctx, path, profile="hotline", rejects=rejects)
    adds_up(result, 60)
    assert (result.imported, result.duplicate, result.rejected) == (59, 0, 1)
    [reject] = result.rejects
    assert reject["row"] == 12 and "quote opened on line 12" in reject["reason"]
    assert "swallowed the next 49 rows" in reject["reason"]
    texts = [t for (t,) in Report.select(Report.text).tuples()]
    assert not any("\n" in t for t in texts) and max(map(len, texts)) < 20
    assert sorted(s for (s,) in Report.select(Report.source_id).tuples()) == [
        f"RX{n:05d}" for n in range(1, 61) if n != 11]
    # The rejected row goes to the rejects file as written, quote and all, to be fixed.
    again = open_source(rejects)
    [row] = list(again.rows)
    assert isinstance(row, SourceRow) and row.fields["诉求内容"] == '"第11号楼下水道堵塞，污水外溢'
    again.close()


def test_a_long_text_with_line_breaks_is_not_a_stray_quote(tmp_path: Path) -> None:
    text = "\n\t\t\n楼下饭店油烟, 噪音, 污水, 占道, 都很严重\n已经反映多次, 没人管, 请处理, 谢谢, 急"
    path = write_csv(tmp_path / "long.csv", [hotline_row(1, text=text), hotline_row(2)])
    with open_source(path) as source:
        rows = list(source.rows)
    assert [type(r) for r in rows] == [SourceRow, SourceRow]
    assert rows[0].fields["诉求内容"] == text


def test_json_lines_take_each_objects_own_keys(ctx_for: Callable[..., Context], tmp_path: Path) -> None:
    ctx = ctx_for()
    path = tmp_path / "reports.jsonl"
    objects = [{"source_id": "J1", "text": "北关社区积水", "channel": "grid"},
               {"source_id": "J2", "text": "南关社区路灯不亮", "channel": "grid", "phone": "13812345678",
                "address": "南关社区3号楼", "received": "2026-11-20T09:30:00+08:00", "township": "城关镇"}]
    path.write_text("".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objects), encoding="utf-8")
    result = import_file(ctx, path)
    adds_up(result, 2)
    assert (result.imported, result.rejected) == (2, 0)
    second = Report.get(Report.source_id == "J2")
    assert (second.phone, second.address) == ("13812345678", "南关社区3号楼")
    assert second.received_at == to_epoch(parse_iso("2026-11-20T09:30:00+08:00", ctx.config.tz, "t"))
    assert Case.get_by_id(second.case).township == "chengguan"


def padded_workbook(path: Path, rows: int) -> Path:
    """A workbook whose every row also has an (empty) cell in column XFD, as some exports leave."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["source_id", "text", "channel"])
    for n in range(1, rows + 1):
        sheet.append([f"P{n}", "" if n % 2 else f"东关社区{n}号楼下水道堵塞", "grid"])
    sheet.append(["P-extra", "多一格", "grid", "多出的数据"])
    plain = path.with_suffix(".plain.xlsx")
    book.save(plain)
    with zipfile.ZipFile(plain) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                xml = re.sub(r'<row r="(\d+)"([^>]*)>(.*?)</row>',
                             lambda m: f'<row r="{m[1]}"{m[2]}>{m[3]}<c r="XFD{m[1]}" s="0"/></row>', data.decode())
                data = xml.encode()
            zout.writestr(item, data)
    return path


def test_xlsx_padded_to_xfd_is_read_by_its_real_columns(ctx_for: Callable[..., Context], tmp_path: Path) -> None:
    path = padded_workbook(tmp_path / "padded.xlsx", 40)
    with open_source(path) as source:
        assert source.header == ["source_id", "text", "channel"]
        rows = list(source.rows)
    assert len(rows) == 41 and all(len(r.raw) <= 4 for r in rows)  # not 16,384 cells a row
    [extra] = [r for r in rows if isinstance(r, RowError)]
    assert extra.reason == "row 42: 4 cells but the header has 3 columns"  # data past the header still seen
    ctx = ctx_for()
    # Without a rejects file the rejected rows' cells are not kept at all.
    with open_source(path) as source:
        mapping = mapping_for(ctx.config, source, None, None)
        result = ImportResult(str(path), source.format, source.encoding, None, mapping.channel, True)
        importer = Importer(ctx, source, mapping, result)
        importer.write(importer.stage(list(source.rows)), None)
    adds_up(result, 41)
    assert (result.imported, result.rejected) == (20, 21) and importer.rejected == []
    rejects = tmp_path / "bad.xlsx"
    done = import_file(ctx, path, rejects=rejects)
    adds_up(done, 41)
    written = openpyxl.load_workbook(rejects, read_only=True).active
    widths = [len(row) for row in written.iter_rows(values_only=True)]
    assert len(widths) == 22 and max(widths) <= 5  # header + 21 rejected rows, none 16,384 cells wide


def test_rejects_never_overwrite_and_are_checked_before_any_row(cli_run: Callable[..., Result],
                                                                 tmp_path: Path) -> None:
    assert cli_run("init").exit_code == 0
    path = write_csv(tmp_path / "orders.csv", [hotline_row(n) for n in range(1, 11)] + [hotline_row(11, text=" ")])
    before = path.read_bytes()
    other = tmp_path / "old.csv"
    other.write_text("keep me", encoding="utf-8")
    for target, message in ((path, "that is the input file"), (other, "already exists"),
                            (tmp_path / "no" / "bad.csv", "no directory")):
        result = cli_run("intake", "import", str(path), "--profile", "hotline", "--rejects", str(target))
        assert result.exit_code == 2 and message in result.output, result.output
        assert "Traceback" not in result.output
    assert path.read_bytes() == before and other.read_text(encoding="utf-8") == "keep me"
    assert Case.select().count() == 0  # refused before the first row was committed
    done = cli_run("intake", "import", str(path), "--profile", "hotline", "--rejects", str(tmp_path / "bad.csv"),
                   "--json")
    result = json.loads(done.output)
    assert (result["read"], result["imported"], result["rejected"]) == (11, 10, 1)
    assert result["read"] == result["imported"] + result["duplicate"] + result["rejected"]


def test_rows_without_a_source_id_are_fingerprinted(cli_run: Callable[..., Result], tmp_path: Path) -> None:
    assert cli_run("init").exit_code == 0
    rows = [["", "2026/11/20 9:30", "标题", "东关社区5号楼下水道堵塞", "张三", "13912340001", "", "城关镇", ""],
            ["", "2026/11/20 9:31", "标题", "东关社区5号楼下水道堵塞", "张三", "13912340001", "", "城关镇", ""],
            ["", "2026/11/20 9:30", "标题", "东关社区 5号楼，下水道堵塞", "张三", "139-1234-0001", "", "城关镇", ""],
            ["", "2026/11/20 9:30", "标题", "东关社区5号楼下水道堵塞", "李四", "13700000000", "", "城关镇", ""]]
    path = write_csv(tmp_path / "noids.csv", rows)
    args = ("intake", "import", str(path), "--profile", "hotline")
    first = cli_run(*args)
    assert first.exit_code == 0 and "3 imported, 1 duplicate, 0 rejected" in first.output, first.output
    assert "4 rows had no source id" in first.output and "fingerprint" in first.output
    assert "row 4: fingerprint fp:" in first.output and "repeats row 2" in first.output
    second = json.loads(cli_run(*args, "--json").output)
    assert (second["read"], second["imported"], second["duplicate"], second["fingerprinted"]) == (4, 0, 4, 4)
    assert second["read"] == second["imported"] + second["duplicate"] + second["rejected"]
    assert Case.select().count() == 3


def test_open311_without_description_uses_service_name_and_address(ctx_for: Callable[..., Context],
                                                                     tmp_path: Path) -> None:
    ctx = ctx_for()
    requests = [{"service_request_id": "1", "service_name": "Noise - Street/Sidewalk",
                 "requested_datetime": "2026-11-20T09:30:00+08:00", "address": "1355 FIRST AVENUE"},
                {"service_request_id": "2", "service_name": "Street Light Condition", "description": None,
                 "requested_datetime": "2026-11-20T10:00:00+08:00"},
                {"service_request_id": "3", "description": "", "requested_datetime": "2026-11-20T10:00:00+08:00"}]
    path = tmp_path / "requests.json"
    path.write_text(json.dumps(requests), encoding="utf-8")
    result = import_file(ctx, path, channel="online")
    adds_up(result, 3)
    assert (result.imported, result.rejected) == (2, 1) and result.rejects[0]["row"] == 3
    assert Report.get(Report.source_id == "1").text == "Noise - Street/Sidewalk\n1355 FIRST AVENUE"
    assert Report.get(Report.source_id == "2").text == "Street Light Condition"
    assert Case.get(Case.id == Report.get(Report.source_id == "1").case).title == "Noise - Street/Sidewalk"


def test_one_text_limit_for_intake_notes_and_import(cli_run: Callable[..., Result], tmp_path: Path) -> None:
    assert cli_run("init").exit_code == 0
    longest, too_long = "长" * MAX_TEXT_CHARS, "长" * (MAX_TEXT_CHARS + 1)
    assert cli_run("intake", "add", "--channel", "grid", "--text", longest).exit_code == 0
    refused = cli_run("intake", "add", "--channel", "grid", "--text", too_long)
    assert refused.exit_code == 1 and f"{MAX_TEXT_CHARS + 1} characters (limit {MAX_TEXT_CHARS})" in refused.output
    note = cli_run("case", "note", "1", "--text", too_long)
    assert note.exit_code == 1 and f"(limit {MAX_TEXT_CHARS})" in note.output
    assert cli_run("case", "note", "1", "--text", longest).exit_code == 0
    path = write_csv(tmp_path / "in.csv", [hotline_row(1, text=longest), hotline_row(2, text=too_long)])
    result = json.loads(cli_run("intake", "import", str(path), "--profile", "hotline", "--json").output)
    assert (result["read"], result["imported"], result["rejected"]) == (2, 1, 1)
    assert f"limit {MAX_TEXT_CHARS}" in result["rejects"][0]["reason"]
    assert Case.select().count() == 2
