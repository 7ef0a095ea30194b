"""Real cases from the county's database as an exercise's situation, anonymised: the citizen's phone
and name are replaced (in the report's fields and wherever they recur in its text, as is any other
mobile number there); the text is otherwise kept as it came in. The trainer then writes the task and
the answer key, which a real case cannot supply.
"""

from __future__ import annotations

import json
import re
from typing import Any

from models.cases.casebase import get_case
from models.org.context import Context
from models.org.permissions import require_case
from models.store.schema import Report

MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"


def fake_phone(n: int) -> str:
    """A number in the 139-0000-xxxx block, never a real subscriber of the county's sample."""
    return f"1390000{n:04d}"


def fake_name(n: int) -> str:
    return f"{SURNAMES[(n - 1) % len(SURNAMES)]}某"


def anonymise(text: str, phone: str | None, name: str | None, n: int) -> str:
    """The text with the citizen's name and every mobile number replaced."""
    if name and len(name.strip()) >= 2:
        text = text.replace(name.strip(), fake_name(n))
    numbers: dict[str, str] = {}
    if phone:
        numbers[phone] = fake_phone(n)

    def swap(match: re.Match[str]) -> str:
        return numbers.setdefault(match.group(0), fake_phone(100 * n + len(numbers)))

    return MOBILE.sub(swap, text)


def capture(ctx: Context, case_ids: list[int]) -> list[dict[str, Any]]:
    """One situation case (template `new`) per county case, from its first report, anonymised."""
    out = []
    for n, case_id in enumerate(case_ids, 1):
        case = get_case(case_id)
        require_case(ctx, case)
        report = Report.select().where(Report.case == case.id).order_by(Report.id).first()
        spec: dict[str, Any] = {"ref": f"case{n}", "template": "new", "channel": report.channel,
                                "title": anonymise(case.title or report.title or "", report.phone,
                                                   report.citizen_name, n),
                                "text": anonymise(report.text, report.phone, report.citizen_name, n)}
        if case.township:
            spec["township"] = case.township
        if report.address:
            spec["address"] = anonymise(report.address, report.phone, report.citizen_name, n)
        if report.phone:
            spec["phone"] = fake_phone(n)
        if report.citizen_name:
            spec["name"] = fake_name(n)
        out.append(spec)
    return out


def exercise_toml(exercise_id: str, cases: list[dict[str, Any]]) -> str:
    """An exercise file to finish: the captured situation, the task and answer key left to the trainer."""
    lines = ["# 由 chuishao training capture 从县库案件生成（电话、姓名已替换）。请补写任务和答案后使用。",
             f'id = "{exercise_id}"', 'title = "（请填写标题）"', 'skill = "triage"',
             'task = """\n（请用平实的中文写明任务）\n"""', ""]
    for spec in cases:
        lines.append("[[cases]]")
        lines.extend(f"{key} = {json.dumps(value, ensure_ascii=False)}" for key, value in spec.items())
        lines.append("")
    first = cases[0]["ref"] if cases else "case1"
    lines += ["# 答案示例（至少一条）：", "# [[answers]]", f'# case = "{first}"', '# kind = "decision"',
              '# expect = ["local"]', "# points = 10", '# rule = "乡镇履职事项清单 XZ-…：……"', ""]
    return "\n".join(lines)
