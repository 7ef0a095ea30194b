"""The shape of chuishao.toml, as data. Unknown keys are errors; see models/org/config.py for loading."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from models.org.tomlspec import Validator, array, boolean, either, number, string, table

ID = r"[a-z][a-z0-9_]*"
ROLES = ("dispatcher", "township", "department", "supervisor", "admin")
PRIORITIES = ("urgent", "utility", "general", "complex")
CLOCKS = ("dispatch", "acknowledge", "arrive", "resolve")
CLOCK_STARTS = ("received", "triaged", "dispatched", "acknowledged")
EVAL_SOURCES = ("citizen", "township", "third_party")
CHANNEL_TYPES = ("webhook", "wecom", "dingtalk", "email", "sms")
IMPORT_TARGETS = ("source_id", "title", "text", "received", "citizen_name", "phone", "address",
                  "township", "category", "channel")


def _duration_problem(text: str) -> str | None:
    from models.worktime.durations import parse_duration

    try:
        parse_duration(text)
    except ValueError as exc:
        return str(exc)
    return None


def _zone_problem(text: str) -> str | None:
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        return f"unknown time zone '{text}' (expected an IANA name such as Asia/Shanghai)"
    return None


def _date_problem(text: str) -> str | None:
    from datetime import date

    try:
        date.fromisoformat(text)
    except ValueError:
        return f"'{text}' is not a date YYYY-MM-DD"
    return None


def _hours_problem(text: str) -> str | None:
    import re

    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d", text):
        return f"'{text}' is not a range like 09:00-12:00"
    start, end = text.split("-")
    return None if start < end else f"'{text}' ends before it starts"


DURATION = string(check=_duration_problem)
STR = string()
STR_LIST = array(string())
IDS = array(string(ID))


def _is_str(value: Any) -> bool:
    return isinstance(value, str)


def _is_table(value: Any) -> bool:
    return isinstance(value, dict)


CLOCK_RULE: Validator = either(
    (_is_str, DURATION),
    (_is_table, table({"limit": DURATION, "from": string(choices=CLOCK_STARTS),
                       "next_working_day": boolean()}, required=("limit",))),
    what="a duration such as \"2h\" or a table {limit = \"5wd\", from = \"received\"}",
)

CLOCKS_TABLE = table({name: CLOCK_RULE for name in CLOCKS})

PRIORITY = table({"name": STR, "name_en": STR, "urgent_keywords": STR_LIST, "clocks": CLOCKS_TABLE,
                  "resolve_requires_arrival": boolean()},
                 required=("name", "clocks"))

CATEGORY_LEVEL2 = table({}, extra=array(string(), min_len=0))
CATEGORIES = table({}, extra=CATEGORY_LEVEL2)

WEIGHTS = table({}, extra=number(low=0))

CONFIG_SPEC: Validator = table({
    "office": table({"name": STR, "county": STR, "timezone": string(check=_zone_problem),
                     "language": string(choices=("zh", "en"))}),
    "database": table({"url": STR, "read_url": STR}),
    "channels": array(table({"id": string(ID), "name": STR, "name_en": STR}, required=("id", "name")),
                      min_len=1),
    "townships": array(table({"id": string(ID), "name": STR, "villages": STR_LIST, "aliases": STR_LIST},
                             required=("id", "name")), min_len=1),
    "departments": array(table({"id": string(ID), "name": STR, "short": STR, "aliases": STR_LIST},
                               required=("id", "name")), min_len=1),
    "categories": CATEGORIES,
    "duty_items": array(table({
        "code": STR, "text": STR, "category": STR, "scope": string(choices=("township", "whistle")),
        "lead": string(ID), "cooperating": IDS, "keywords": STR_LIST,
    }, required=("code", "text", "category", "scope"))),
    "priorities": table({name: PRIORITY for name in PRIORITIES}, required=PRIORITIES),
    "clock_overrides": array(table({"category": STR, **{name: CLOCK_RULE for name in CLOCKS}},
                                   required=("category",))),
    "calendar": table({
        "office_hours": array(string(check=_hours_problem), min_len=1),
        "years": table({}, extra=table({"holidays": array(string(check=_date_problem)),
                                        "workdays": array(string(check=_date_problem))})),
    }),
    "supervision": table({
        "repeat_count": number(int, 2), "repeat_days": number(int, 1), "stall_days": number(int, 1),
        "pingpong_returns": number(int, 1), "reminder_after": DURATION, "notice_after": DURATION,
        "max_extensions": number(int, 0),
    }),
    # 追责建议 (models/supervision/proposals.py): 0 / [] turns a rule off.
    "accountability": table({
        "notices_per_month": number(int, 0),
        "late_arrival_priorities": array(string(choices=PRIORITIES)),
    }),
    "evaluation": table({
        "close_requires": array(string(choices=EVAL_SOURCES)), "callback_attempts": number(int, 1),
        "satisfaction_floor": number(low=0, high=1),
    }),
    "duplicates": table({
        "window_days": number(int, 1), "threshold": number(low=0, high=1), "weights": WEIGHTS,
        "max_candidates": number(int, 1),
    }),
    "scoring": table({
        "whistle_band": array(number(low=0, high=1), min_len=2, max_len=2),
        "weights": WEIGHTS, "deductions": WEIGHTS,
    }),
    "operators": array(table({
        "name": string(r"[A-Za-z0-9_.\-]+"), "display": STR, "role": string(choices=ROLES),
        "os_user": STR, "township": string(ID), "department": string(ID),
    }, required=("name", "role"))),
    "import_profiles": table({}, extra=table({
        "format": string(choices=("csv", "xlsx", "jsonl", "open311")), "channel": string(ID),
        "columns": table({name: STR for name in IMPORT_TARGETS}, required=("text",)),
    }, required=("columns",))),
    "suggest": table({"min_score": number(low=0, high=1), "history_weight": number(low=0)}),
    "keymap": table({}, extra=STR),
    "training": table({"exercises": STR, "database": STR}),
    "notify": table({
        "secrets": STR, "max_attempts": number(int, 1), "backoff_seconds": number(int, 1),
        "max_backoff_seconds": number(int, 1), "timeout_seconds": number(low=0.1), "quiet_hours": boolean(),
        "lead_time": table({name: DURATION for name in PRIORITIES}),
        "channels": array(table({
            "name": string(ID), "type": string(choices=CHANNEL_TYPES), "department": string(ID),
            "township": string(ID), "operator": STR, "office": boolean(), "url": STR, "secret": STR,
            "sign_secret": STR, "host": STR, "port": number(int, 1, 65535), "user": STR, "password": STR,
            "sender": STR, "to": STR_LIST, "phones": STR_LIST, "body": STR, "starttls": boolean(), "ca_file": STR,
        }, required=("name", "type"))),
    }),
})
