"""Rule durations: parsing what people type, and the compact countdown text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.worktime.durations import MAX_AMOUNT, UNITS, Duration, format_timedelta, parse_duration


@pytest.mark.parametrize(
    ("text", "amount", "unit"),
    [
        ("30m", 30, "m"),
        ("2h", 2, "h"),
        ("3d", 3, "d"),
        ("5wd", 5, "wd"),
        ("4wh", 4, "wh"),
        ("  13wd ", 13, "wd"),
        ("90min", 90, "m"),
        ("10 mins", 10, "m"),
        ("5 WD", 5, "wd"),
        ("24H", 24, "h"),
        ("５ｗｄ", 5, "wd"),  # full-width, as a Chinese IME types it
    ],
)
def test_parse_duration_accepts(text: str, amount: int, unit: str) -> None:
    assert parse_duration(text) == Duration(amount, unit)


@pytest.mark.parametrize(
    "text",
    ["", "   ", "h", "5", "1.5h", "-2h", "+2h", "5x", "5 w d", "wd5", "0h", "10000d", "5wdd", "2h30m", "٥wd"],
)
def test_parse_duration_rejects_with_a_message_fit_for_users(text: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_duration(text)
    message = str(caught.value)
    # Users see this verbatim: it must repeat their input and, for unreadable text, show the forms.
    assert repr(text) in message
    if text not in {"0h", "10000d"}:
        for form in ("30m", "2h", "3d", "5wd", "4wh"):
            assert form in message


@pytest.mark.parametrize("value", [None, 5, 2.5, ["5wd"]])
def test_parse_duration_rejects_non_text_with_value_error(value: object) -> None:
    with pytest.raises(ValueError, match="5wd"):
        parse_duration(value)  # type: ignore[arg-type]


def test_duration_str_and_flags() -> None:
    assert str(Duration(5, "wd")) == "5wd"
    assert str(parse_duration("90min")) == "90m"
    assert Duration(5, "wd").is_working and Duration(4, "wh").is_working
    assert not any(Duration(1, u).is_working for u in ("m", "h", "d"))
    assert Duration(2, "h").natural_seconds == 7200
    assert Duration(3, "d").natural_seconds == 3 * 86400
    with pytest.raises(ValueError, match="working time"):
        _ = Duration(1, "wd").natural_seconds


def test_duration_validates_itself() -> None:
    with pytest.raises(ValueError):
        Duration(0, "h")
    with pytest.raises(ValueError):
        Duration(MAX_AMOUNT + 1, "h")
    with pytest.raises(ValueError, match="unit"):
        Duration(1, "w")
    with pytest.raises(TypeError):
        Duration(True, "h")


@given(st.integers(min_value=1, max_value=MAX_AMOUNT), st.sampled_from(sorted(UNITS)))
def test_str_round_trips(amount: int, unit: str) -> None:
    duration = Duration(amount, unit)
    assert parse_duration(str(duration)) == duration
    assert parse_duration(f" {amount} {unit.upper()} ") == duration


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (3 * 86400 + 4 * 3600 + 59 * 60, "3d 4h"),
        (2 * 3600 + 5 * 60, "2h 05m"),
        (45 * 60 + 59, "45m"),
        (-(86400 + 2 * 3600), "-1d 2h"),
        (86400, "1d 0h"),
        (3600, "1h 00m"),
        (0, "0m"),
        (59, "0m"),
        (-30, "-0m"),  # overdue by seconds still shows the sign
        (-(3 * 3600 + 7 * 60), "-3h 07m"),
        (400 * 86400, "400d 0h"),
    ],
)
def test_format_timedelta(seconds: int, text: str) -> None:
    assert format_timedelta(seconds) == text


@given(st.integers(min_value=-(10**8), max_value=10**8))
def test_format_timedelta_sign_and_symmetry(seconds: int) -> None:
    text = format_timedelta(seconds)
    assert text.startswith("-") == (seconds < 0)
    assert text.lstrip("-") == format_timedelta(abs(seconds))
