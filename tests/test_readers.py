"""Import file reading: every format, every encoding, every broken row, and rejects written back and re-read."""

from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from models.intake.importing.readers import (
    MAX_FIELD_CHARS,
    REJECT_REASON_COLUMN,
    REJECT_REASON_KEY,
    ImportFileError,
    RowError,
    SourceFile,
    SourceRow,
    open_source,
)
from models.intake.importing.writers import write_rejects

SAMPLE = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "tipdm2020" / "messages_sample.csv"
needs_sample = pytest.mark.skipif(not SAMPLE.is_file(), reason="tipdm2020 sample data not present")


def read_all(path: Path, fmt: str | None = None) -> tuple[SourceFile, list[SourceRow], list[RowError]]:
    source = open_source(path, fmt)
    items = list(source.rows)
    good = [item for item in items if isinstance(item, SourceRow)]
    bad = [item for item in items if isinstance(item, RowError)]
    assert len(good) + len(bad) == len(items)
    return source, good, bad


def write_bytes(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@needs_sample
def test_sample_reads_every_row_exactly() -> None:
    source, good, bad = read_all(SAMPLE)
    assert source.format == "csv" and source.encoding == "utf-8"
    assert source.header == ["留言编号", "留言用户", "留言主题", "留言时间", "留言详情", "一级分类"]
    assert len(good) == 495 and bad == []
    first = good[0]
    assert first.number == 2
    assert first.fields["留言编号"] == "24"
    assert first.fields["留言时间"] == "2020/1/6 12:09:38"
    assert first.fields["留言详情"].startswith("\n\t\t\t\t\t\n\t\t\t\t\tA3区大道西行便道")
    assert first.fields["留言详情"].endswith("的路段。\n\t\t\t\t\t\n\t\t\t\t\t\n\t\t\t\t")
    # The same text the csv module sees: nothing trimmed, nothing normalised.
    with SAMPLE.open(encoding="utf-8", newline="") as handle:
        expected = list(csv.DictReader(handle))
    assert [row.fields for row in good] == expected
    assert [row.number for row in good] == list(range(2, 497))
    assert good[0].raw == list(expected[0].values())
    assert source.total_hint is not None and 300 <= source.total_hint <= 700


@needs_sample
@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig"])  # strict GBK lacks the sample's U+00A0
def test_sample_reencoded_reads_identically(tmp_path: Path, encoding: str) -> None:
    copy = tmp_path / "messages.csv"
    copy.write_bytes(SAMPLE.read_text(encoding="utf-8").encode(encoding))
    _, original, _ = read_all(SAMPLE)
    source, good, bad = read_all(copy)
    assert source.encoding == ("utf-8-sig" if encoding == "utf-8-sig" else "gb18030")
    assert bad == []
    assert [(r.number, r.fields) for r in good] == [(r.number, r.fields) for r in original]


def test_bom_is_not_part_of_the_first_column(tmp_path: Path) -> None:
    path = write_bytes(tmp_path, "bom.csv", "\ufeff编号,标题\n1,路灯不亮\n".encode())
    source, good, _ = read_all(path)
    assert source.encoding == "utf-8-sig"
    assert source.header == ["编号", "标题"]
    assert good[0].fields == {"编号": "1", "标题": "路灯不亮"}


@pytest.mark.parametrize(
    ("encoding", "label"),
    [("gbk", "GB18030"), ("utf-8", "UTF-8")],
)
def test_row_with_invalid_bytes_is_an_error_others_import(tmp_path: Path, encoding: str, label: str) -> None:
    rows = ["编号,标题,详情", "1,路灯不亮,东门外三盏路灯一周不亮", "2,BROKEN,下水道堵塞", "3,噪音扰民,工地夜间施工"]
    data = "\n".join(rows).encode(encoding) + b"\n"
    data = data.replace(b"BROKEN", "井盖".encode(encoding) + b"\xff")
    path = write_bytes(tmp_path, "broken.csv", data)
    source, good, bad = read_all(path)
    assert source.encoding == encoding.replace("gbk", "gb18030")
    assert [r.fields["编号"] for r in good] == ["1", "3"]
    assert [(e.number, e.reason) for e in bad] == [(3, f"row 3: bytes not valid {label} in column 标题")]
    # Rejects go back out byte for byte, so the person sees their own (broken) text to fix.
    out = tmp_path / "rejects.csv"
    write_rejects(out, source, [(e.raw, e.reason) for e in bad])
    assert "井盖".encode(encoding) + b"\xff" in out.read_bytes()


def test_damaged_utf8_is_not_mistaken_for_clean_gb18030(tmp_path: Path) -> None:
    data = "编号,标题\n1,路灯不亮\n2,井盖缺失了\n3,噪音扰民\n".encode()
    cut = data.index("井".encode()) + 1
    data = data[:cut] + data[cut + 1 :]  # one byte lost: this happens to be valid (garbled) GB18030
    data.decode("gb18030")
    source, good, bad = read_all(write_bytes(tmp_path, "damaged.csv", data))
    assert source.encoding == "utf-8"
    assert [r.fields["标题"] for r in good] == ["路灯不亮", "噪音扰民"]
    assert [e.reason for e in bad] == ["row 3: bytes not valid UTF-8 in column 标题"]


def test_quoted_multiline_fields_and_empty_lines_keep_record_numbers(tmp_path: Path) -> None:
    text = (
        '编号,详情\n'
        '1,"第一行\n第二行\n\n第四行"\n'
        '\n'  # an empty record: skipped, but it is row 3 in Excel
        ',\n'  # a row of empty cells: also skipped
        '2,"  前后空格  "\n'
        '3,"含""引号"",逗号"\n'
    )
    path = tmp_path / "multi.csv"
    path.write_text(text, encoding="utf-8", newline="")
    _, good, bad = read_all(path)
    assert bad == []
    assert [(r.number, r.fields["详情"]) for r in good] == [
        (2, "第一行\n第二行\n\n第四行"),
        (5, "  前后空格  "),
        (6, '含"引号",逗号'),
    ]


def test_crlf_line_endings_inside_and_between_records(tmp_path: Path) -> None:
    path = write_bytes(tmp_path, "crlf.csv", '编号,详情\r\n1,"甲\r\n乙"\r\n2,丙\r\n'.encode())
    _, good, _ = read_all(path)
    assert [r.fields["详情"] for r in good] == ["甲\r\n乙", "丙"]


def test_cell_count_mismatches(tmp_path: Path) -> None:
    path = tmp_path / "cells.csv"
    path.write_text("a,b,c\n1,2,3,4\n5,6\n7,8,9,,\n", encoding="utf-8")
    _, good, bad = read_all(path)
    assert [(e.number, e.reason) for e in bad] == [(2, "row 2: 4 cells but the header has 3 columns")]
    assert bad[0].raw == ["1", "2", "3", "4"]
    # Fewer cells: the missing ones are empty; trailing empty cells (Excel residue) are harmless.
    assert [(r.number, r.fields) for r in good] == [
        (3, {"a": "5", "b": "6", "c": ""}),
        (4, {"a": "7", "b": "8", "c": "9"}),
    ]


def test_over_long_field_and_nul_byte(tmp_path: Path) -> None:
    huge = "长" * 200_000  # beyond csv's own 128 KiB field limit too: must not abort the file
    long = "长" * (MAX_FIELD_CHARS + 1)
    path = tmp_path / "long.csv"
    path.write_text(f"编号,详情\n1,{long}\n2,ok\n3,{huge}\n4,a\x00b\n5,fine\n", encoding="utf-8")
    _, good, bad = read_all(path)
    assert [r.number for r in good] == [3, 6]
    assert [e.reason for e in bad] == [
        f"row 2: {MAX_FIELD_CHARS + 1} characters (limit {MAX_FIELD_CHARS}) in column 详情",
        "row 4: 200000 characters (limit 20000) in column 详情",
        "row 5: NUL byte in column 详情",
    ]


def test_tab_delimited_txt(tmp_path: Path) -> None:
    path = tmp_path / "export.txt"
    path.write_text("编号\t标题\n1\t路灯, 不亮\n", encoding="utf-8")
    source, good, _ = read_all(path)
    assert source.delimiter == "\t"
    assert good[0].fields == {"编号": "1", "标题": "路灯, 不亮"}


@pytest.mark.parametrize(
    ("name", "data", "fmt", "message"),
    [
        ("missing.csv", None, None, "no such file"),
        ("empty.csv", b"", None, "the file is empty"),
        ("blank.csv", b"\n\n,,\n", None, "no header row"),
        ("dup.csv", "编号,编号\n1,2\n".encode(), None, "column '编号' appears twice"),
        ("file.xls", b"\xd0\xcf\x11\xe0", None, "save old .xls workbooks as .xlsx"),
        ("file.pdf", b"%PDF", None, "unknown file type '.pdf'"),
        ("file.csv", b"a\n", "tsv", "unknown format 'tsv'"),
        ("utf16.txt", "编号\t标题\n".encode("utf-16"), None, "UTF-16"),
        ("bad.xlsx", b"not a zip", None, "cannot open as an .xlsx workbook"),
        ("obj.json", b'{"service_request_id": "1"}', None, "expected a JSON array"),
        ("bad.json", b"[{", None, "not valid JSON"),
        ("plain.json", b'[{"id": 1}]', None, "not of Open311 service requests"),
        ("none.jsonl", b"\n \n", None, "no JSON lines"),
    ],
)
def test_file_level_problems_name_the_file(
    tmp_path: Path, name: str, data: bytes | None, fmt: str | None, message: str
) -> None:
    path = tmp_path / name
    if data is not None:
        path.write_bytes(data)
    with pytest.raises(ImportFileError) as caught:
        open_source(path, fmt)
    assert str(path) in str(caught.value)
    assert message in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_stopping_early_closes_the_file(tmp_path: Path) -> None:
    path = tmp_path / "many.csv"
    path.write_text("a\n" + "x\n" * 1000, encoding="utf-8")
    with open_source(path) as source:
        assert next(source.rows).fields == {"a": "x"}
    assert source.total_hint == 1000


@pytest.mark.parametrize("name", ["a.csv", "a.jsonl", "a.xlsx"])
def test_close_without_reading(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    if name.endswith(".xlsx"):
        make_workbook(path)
    else:
        path.write_text('{"a": 1}\n' if name.endswith(".jsonl") else "a\n1\n", encoding="utf-8")
    source = open_source(path)
    source.close()
    source.close()
    assert list(source.rows) == []


def make_workbook(path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "来件"
    sheet.append(["编号", "标题", "时间", "日期", "数量", "比例", "详情"])
    sheet.append([24, "路灯不亮", datetime(2020, 1, 6, 12, 9, 38), datetime(2019, 8, 1), 3.5, 0.256, "\n\t 原文"])
    sheet["D2"].number_format = "yyyy-mm-dd"
    sheet["F2"].number_format = "0.0%"
    sheet.append([])  # row 3 left empty: skipped, numbers stay true
    sheet.append([25, "井盖缺失", None, None, 1234567.0, None, None, None])
    sheet.append([26, "太多", None, None, None, None, None, "多出一格"])
    sheet["E4"].number_format = "#,##0.00"
    book.create_sheet("其他").append(["别的"])
    book.save(path)


def test_xlsx_reads_cells_as_shown_from_a_chosen_sheet(tmp_path: Path) -> None:
    path = tmp_path / "in.xlsx"
    make_workbook(path)
    source, good, bad = read_all(path)
    assert source.format == "xlsx" and source.encoding is None and source.sheet == "来件"
    assert source.header == ["编号", "标题", "时间", "日期", "数量", "比例", "详情"]
    assert [(r.number, r.fields) for r in good] == [
        (2, {"编号": "24", "标题": "路灯不亮", "时间": "2020-01-06 12:09:38", "日期": "2019-08-01",
             "数量": "3.5", "比例": "25.6%", "详情": "\n\t 原文"}),
        (4, {"编号": "25", "标题": "井盖缺失", "时间": "", "日期": "", "数量": "1,234,567.00", "比例": "",
             "详情": ""}),
    ]
    assert [(e.number, e.reason) for e in bad] == [(5, "row 5: 8 cells but the header has 7 columns")]
    assert good[0].raw[2] == datetime(2020, 1, 6, 12, 9, 38)  # raw keeps the typed value
    assert source.total_hint == 4
    source = open_source(path, sheet="其他")
    assert source.header == ["别的"] and list(source.rows) == []
    with pytest.raises(ImportFileError, match="no sheet named '无'; sheets: 来件, 其他"):
        open_source(path, sheet="无")


def test_xlsx_cells_past_the_header_and_gaps_between_columns_are_read(tmp_path: Path) -> None:
    """Every cell a row holds is read, however far past the header: a cell two or more columns past
    it was once dropped without a word. Gaps (an empty column in the header, empty cells in a row)
    keep each cell under its own column."""
    path = tmp_path / "gaps.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet["A2"], sheet["B2"], sheet["D2"] = "编号", "标题", "详情"  # row 1 empty, column C unnamed
    sheet["A3"], sheet["D3"] = "1", "只有详情"  # a gap of two columns inside the header's width
    sheet["A4"], sheet["B4"], sheet["F4"] = "2", "两列之外", "多出的数据"  # two columns past the header
    sheet["A5"], sheet["B5"], sheet["K5"] = "3", "七列之外", "很远的数据"
    sheet["A6"], sheet["B6"], sheet["E6"] = "4", "紧挨着", "多一格"  # one column past
    sheet["A7"], sheet["B7"], sheet["C7"] = "5", "无名列", "有值"
    sheet["Z8"] = None  # an empty cell far out (openpyxl writes no value): not data
    sheet["A8"], sheet["B8"] = "6", "正常"
    book.save(path)
    source, good, bad = read_all(path)
    assert source.header == ["编号", "标题", "列3", "详情"]
    assert [(r.number, r.fields) for r in good] == [
        (3, {"编号": "1", "标题": "", "列3": "", "详情": "只有详情"}),
        (7, {"编号": "5", "标题": "无名列", "列3": "有值", "详情": ""}),
        (8, {"编号": "6", "标题": "正常", "列3": "", "详情": ""}),
    ]
    assert [(e.number, e.reason) for e in bad] == [
        (4, "row 4: 6 cells but the header has 4 columns"),
        (5, "row 5: 11 cells but the header has 4 columns"),
        (6, "row 6: 5 cells but the header has 4 columns"),
    ]
    assert bad[0].raw[5] == "多出的数据" and bad[1].raw[10] == "很远的数据"  # kept for a rejects file


def test_xlsx_rejects_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "in.xlsx"
    make_workbook(path)
    source, good, bad = read_all(path)
    rejected = [(good[0].raw, "标题重复"), (bad[0].raw, bad[0].reason)]
    out = tmp_path / "rejects.xlsx"
    assert write_rejects(out, source, rejected) == 2
    sheet = openpyxl.load_workbook(out).active
    assert [c.value for c in sheet[1]][:8] == [*source.header, REJECT_REASON_COLUMN]
    assert sheet["H2"].value == "标题重复"
    again, regood, rebad = read_all(out)
    assert again.header == source.header  # the reason column is dropped on re-import
    assert regood[0].fields["编号"] == "24" and regood[0].fields["时间"] == "2020-01-06 12:09:38"
    assert regood[0].fields["详情"] == "\n\t 原文"
    assert [e.reason for e in rebad] == ["row 3: 8 cells but the header has 7 columns"]


def test_jsonl_with_broken_lines(tmp_path: Path) -> None:
    lines = [
        '{"id": "a1", "title": " 路灯 ", "lat": 28.2, "n": 3, "ok": true, "note": null, "tags": ["x"]}',
        '{"id": "a2", "title": broken',
        "",
        '["not", "an", "object"]',
        '{"id": "a3", "title": "井盖\\u0000"}',
        '{"id": "a4", "title": "正常"}',
    ]
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    source, good, bad = read_all(path)
    assert source.header == ["id", "title", "lat", "n", "ok", "note", "tags"]
    assert source.total_hint == 5
    assert [(r.number, r.fields["id"]) for r in good] == [(1, "a1"), (6, "a4")]
    assert good[0].fields == {"id": "a1", "title": " 路灯 ", "lat": "28.2", "n": "3", "ok": "true",
                              "note": "", "tags": '["x"]'}
    assert good[0].raw == lines[0]
    assert [e.number for e in bad] == [2, 4, 5]
    assert bad[0].reason.startswith("line 2: not valid JSON (")
    assert bad[1].reason == "line 4: not a JSON object"
    assert bad[2].reason == "line 5: NUL byte in field 'title'"

    out = tmp_path / "rejects.jsonl"
    write_rejects(out, source, [(good[0].raw, "重复"), *((e.raw, e.reason) for e in bad)])
    written = out.read_text(encoding="utf-8").splitlines()
    assert written[0] == lines[0][:-1] + ', "_reject_reason": "重复"}'  # original text kept to the byte
    assert written[1] == lines[1]  # broken JSON has no object to carry a reason: verbatim
    again, regood, rebad = read_all(out)
    assert again.header == source.header
    assert regood[0].fields == good[0].fields and REJECT_REASON_KEY not in regood[0].fields
    assert [e.number for e in rebad] == [2, 3, 4]
    # Rejected twice: the reason is replaced, not duplicated (into a new file: none is overwritten).
    twice = tmp_path / "rejects-again.jsonl"
    write_rejects(twice, again, [(regood[0].raw, "再次")])
    assert json.loads(twice.read_text(encoding="utf-8"))[REJECT_REASON_KEY] == "再次"
    with pytest.raises(FileExistsError):
        write_rejects(out, again, [(regood[0].raw, "再次")])


OPEN311 = [
    {
        "service_request_id": "638344", "status": "closed", "status_notes": "Duplicate request.",
        "service_name": "Sidewalk and Curb Issues", "service_code": "006",
        "description": "  坑洼 near the curb\n", "agency_responsible": None, "service_notice": None,
        "requested_datetime": "2010-04-14T06:37:38-08:00", "updated_datetime": "2010-04-14T06:37:38-08:00",
        "expected_datetime": "2010-04-15T06:37:38-08:00", "address": "8TH AVE and JUDAH ST",
        "address_id": "545483", "zipcode": 94122, "lat": 37.762221815, "long": -122.4651145,
        "media_url": "http://city.example.com/media/638344.jpg",
    },
    {"service_request_id": "638349", "status": "open", "service_name": "Graffiti", "lat": 37.76, "long": -122.46,
     "description": "x" * (MAX_FIELD_CHARS + 5)},
    "not an object",
    {"token": "12345", "service_code": "001", "description": "pending, no id yet"},
]


def test_open311_array(tmp_path: Path) -> None:
    path = tmp_path / "requests.json"
    path.write_text(json.dumps(OPEN311, ensure_ascii=False, indent=1), encoding="utf-8")
    source, good, bad = read_all(path)
    assert source.format == "open311" and source.total_hint == 4
    assert source.header[:3] == ["service_request_id", "status", "status_notes"] and "token" in source.header
    assert [r.number for r in good] == [1, 4]
    first = good[0].fields
    assert first["description"] == "  坑洼 near the curb\n"
    assert first["lat"] == "37.762221815" and first["long"] == "-122.4651145" and first["zipcode"] == "94122"
    assert first["agency_responsible"] == ""
    assert good[0].raw is not None and good[0].raw["lat"] == 37.762221815
    assert [(e.number, e.reason) for e in bad] == [
        (2, f"record 2: {MAX_FIELD_CHARS + 5} characters (limit {MAX_FIELD_CHARS}) in field 'description'"),
        (3, "record 3: not a JSON object"),
    ]

    out = tmp_path / "rejects.json"
    write_rejects(out, source, [(good[0].raw, "地址不在本县"), *((e.raw, e.reason) for e in bad)])
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data[0] == {**OPEN311[0], REJECT_REASON_KEY: "地址不在本县"}
    assert data[2] == "not an object"
    again, regood, rebad = read_all(out)
    assert REJECT_REASON_KEY not in again.header
    assert regood[0].fields == first
    assert [e.number for e in rebad] == [2, 3]


def test_explicit_open311_format_skips_the_id_check(tmp_path: Path) -> None:
    path = tmp_path / "requests.txt"
    path.write_text('[{"description": "无编号"}]', encoding="utf-8")
    _, good, _ = read_all(path, "open311")
    assert good[0].fields == {"description": "无编号"}


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_rejects_round_trip(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes("编号,标题,详情\n1,路灯,\"多行\n文本\"\n2,井盖\n3,a,b,c\n4,正常,正常\n".encode(encoding))
    source, good, bad = read_all(path)
    assert source.encoding == encoding
    rejected = [(good[0].raw, "标题太短"), (good[1].raw, "缺少详情"), (bad[0].raw, bad[0].reason)]
    out = tmp_path / "rejects.csv"
    assert write_rejects(out, source, rejected) == 3
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") == (encoding == "utf-8-sig")
    with out.open(encoding=encoding, newline="") as handle:
        table = list(csv.reader(handle))
    assert table[0] == ["编号", "标题", "详情", REJECT_REASON_COLUMN]
    assert table[2] == ["2", "井盖", "", "缺少详情"]  # padded so the reason sits in its column
    again, regood, rebad = read_all(out)
    assert again.encoding == encoding and again.header == source.header
    assert [r.fields for r in regood] == [good[0].fields, good[1].fields]
    assert [(e.number, e.reason) for e in rebad] == [(4, "row 4: 4 cells but the header has 3 columns")]
