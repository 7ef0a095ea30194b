"""Dates as offices write them: every accepted shape, full-width input, and refusals with the user message."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from models.intake.importing.dates import parse_datetime

TZ = ZoneInfo("Asia/Shanghai")


def local(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=TZ)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2020/1/6 12:09:38", local(2020, 1, 6, 12, 9, 38)),
        ("2020/1/6 12:09", local(2020, 1, 6, 12, 9)),
        ("2020/01/06", local(2020, 1, 6)),
        ("2019-08-01", local(2019, 8, 1)),
        ("2019-08-01 08:30", local(2019, 8, 1, 8, 30)),
        ("2019-08-01 8:30:05", local(2019, 8, 1, 8, 30, 5)),
        ("2019.8.1", local(2019, 8, 1)),
        ("2019-08-01T08:30:00+08:00", local(2019, 8, 1, 8, 30)),
        ("2019-08-01T00:30:00Z", local(2019, 8, 1, 8, 30)),
        ("2019-08-01T00:30:00.250+00:00", local(2019, 8, 1, 8, 30, 0, 250_000)),
        ("2019-08-01 09:30+0900", local(2019, 8, 1, 8, 30)),
        ("2019年8月1日", local(2019, 8, 1)),
        ("2019年08月01日", local(2019, 8, 1)),
        ("2019年8月1日 8时30分", local(2019, 8, 1, 8, 30)),
        ("2019年8月1日8时30分15秒", local(2019, 8, 1, 8, 30, 15)),
        ("2019年8月1号 08:30", local(2019, 8, 1, 8, 30)),
        ("2019年8月1日下午3点", local(2019, 8, 1, 15)),
        ("2019年8月1日 中午12点", local(2019, 8, 1, 12)),
        ("20190801", local(2019, 8, 1)),
        ("201908010830", local(2019, 8, 1, 8, 30)),
        ("20190801083015", local(2019, 8, 1, 8, 30, 15)),
        ("２０２０／１／６ １２：０９", local(2020, 1, 6, 12, 9)),
        ("２０１９年８月１日", local(2019, 8, 1)),
        ("\u3000 2020/1/6 12:09:38 \t\n", local(2020, 1, 6, 12, 9, 38)),
        ("2020-02-29", local(2020, 2, 29)),
    ],
)
def test_accepted_shapes(text: str, expected: datetime) -> None:
    parsed = parse_datetime(text, TZ)
    assert parsed == expected
    assert parsed.utcoffset() == expected.utcoffset()  # always returned in the office's zone


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "yesterday",
        "2020-02-30",  # impossible day
        "2019-02-29",  # not a leap year
        "2019-13-01",
        "2019-08-01 24:00",
        "2019-08-01 08:60",
        "2019-08-01/08",
        "2019-08/01",  # mixed separators
        "43836",  # an Excel serial: the XLSX reader's job, not text's
        "2019年13月1日",
        "0219-08-01",  # a typo'd year
        "2019-08-01T08:30:00+25:00",
        "2019-08-01 08:30 tomorrow",
        "2019080",
    ],
)
def test_refused_with_user_message(text: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_datetime(text, TZ)
    message = str(caught.value)
    assert message.startswith(f"unrecognised date '{text[:40]}'")
    assert message.endswith("expected e.g. 2020/1/6 12:09:38 or 2019-08-01")


def test_long_garbage_is_shortened_in_message() -> None:
    with pytest.raises(ValueError, match="…'; expected"):
        parse_datetime("x" * 500, TZ)


def test_naive_input_takes_the_given_zone() -> None:
    utc = ZoneInfo("UTC")
    assert parse_datetime("2019-08-01 08:30", utc).hour == 8
    assert parse_datetime("2019-08-01T08:30:00+08:00", utc).hour == 0
