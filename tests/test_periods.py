"""Periods: ISO 8601 text round-trips, containment is containment of months, a year earlier is 12 months back."""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from service.periods import Period, PeriodError

MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# Parse takes any four-digit year ("\d{4}"), so the round trip must hold for all of them.
years = st.integers(0, 9999)
months = st.integers(1, 12)


@st.composite
def period_texts(draw: st.DrawFn) -> str:
    """``2024``, ``2025-11`` or ``first/last`` with first not after last."""

    def one(year: int) -> str:
        return f"{year:04d}" if draw(st.booleans()) else f"{year:04d}-{draw(months):02d}"

    first = draw(years)
    if draw(st.booleans()):
        return one(first)
    start, end = one(first), one(draw(st.integers(first, min(first + 3, 9999))))
    if Period.parse(start).start > Period.parse(end).end:
        start, end = end, start
    return f"{start}/{end}"


@st.composite
def periods(draw: st.DrawFn, first_year: int = 0, last_year: int = 9999) -> Period:
    start = draw(st.integers(first_year * 12, last_year * 12 + 11))
    end = draw(st.integers(start, min(start + 60, last_year * 12 + 11)))
    return Period(start, end)


def month_set(period: Period) -> set[int]:
    return set(range(period.start, period.end + 1))


@settings(max_examples=300, deadline=None)
@given(text=period_texts())
@example(text="2025-01/2025-11")
@example(text="2024/2025")
@example(text="0999")  # a four-digit year below 1000 must print with its four digits
def test_text_round_trips(text: str) -> None:
    period = Period.parse(text)
    assert Period.parse(str(period)) == period
    assert str(Period.parse(str(period))) == str(period)


@settings(max_examples=300, deadline=None)
@given(period=periods(first_year=1000))
def test_str_is_canonical_iso_8601(period: Period) -> None:
    text = str(period)
    assert re.fullmatch(r"\d{4}(-\d{2})?(/\d{4}(-\d{2})?)?", text)
    assert Period.parse(text) == period
    if period.start % 12 == 0 and period.end % 12 == 11:
        assert "-" not in text  # whole years print as years
    assert text.count("/") == (0 if period.months == 1 or (period.months == 12 and period.start % 12 == 0) else 1)


def test_the_documented_forms() -> None:
    assert Period.parse("2025-01/2025-11") == Period(2025 * 12, 2025 * 12 + 10)
    assert Period.parse("2024") == Period(2024 * 12, 2024 * 12 + 11)
    assert Period.parse("2025-11") == Period(2025 * 12 + 10, 2025 * 12 + 10)
    assert Period.parse(" 2024/2025 ").months == 24
    assert str(Period.parse("2024-01/2024-12")) == "2024"
    assert str(Period.parse("2025-11/2025-11")) == "2025-11"


@pytest.mark.parametrize("text", ["", "2025-13", "2025-00", "2025-1", "25", "2025/", "/2025", "2025/2024", "2025-11/2025-01", "2024/2025/2026", "2025-01-15", "Nov 2025"])
def test_what_is_not_a_period(text: str) -> None:
    with pytest.raises(PeriodError):
        Period.parse(text)


@settings(max_examples=300, deadline=None)
@given(outer=periods(2020, 2027), inner=periods(2020, 2027))
def test_containment_is_containment_of_months(outer: Period, inner: Period) -> None:
    assert outer.contains(inner) == (month_set(inner) <= month_set(outer))
    assert outer.contains(outer)
    assert outer.months == len(month_set(outer))
    if outer.contains(inner) and inner.contains(outer):
        assert outer == inner


@settings(max_examples=300, deadline=None)
@given(period=periods(first_year=1001))
def test_a_year_earlier_is_the_same_months_twelve_months_back(period: Period) -> None:
    earlier = period.year_earlier()
    assert earlier.months == period.months
    assert {month + 12 for month in month_set(earlier)} == month_set(period)
    assert earlier.describe() == re.sub(r"\d{4}", lambda year: str(int(year.group()) - 1), period.describe())
    assert Period.parse("2025-01/2025-11").year_earlier() == Period.parse("2024-01/2024-11")


@settings(max_examples=300, deadline=None)
@given(period=periods(first_year=1000))
def test_describe_says_the_months_and_how_many(period: Period) -> None:
    text = period.describe()
    count = period.months
    assert text.endswith(f"({count} month{'s' if count != 1 else ''})")
    span = text[: text.rindex(" (")]
    first, last = MONTH_NAMES[period.start % 12], MONTH_NAMES[period.end % 12]
    y1, y2 = period.start // 12, period.end // 12
    if count == 1:
        assert span == f"{first} {y1}"
    elif y1 == y2 and count == 12:
        assert span == str(y1)
    elif y1 == y2:
        assert span == f"{first}-{last} {y1}"
    else:
        assert span == f"{first} {y1}-{last} {y2}"


def test_describe_reads_as_a_reporter_writes() -> None:
    assert Period.parse("2025-01/2025-11").describe() == "Jan-Nov 2025 (11 months)"
    assert Period.parse("2024").describe() == "2024 (12 months)"
    assert Period.parse("2025-11").describe() == "Nov 2025 (1 month)"
    assert Period.parse("2024-12/2025-01").describe() == "Dec 2024-Jan 2025 (2 months)"
    assert Period.parse("2015/2026").describe() == "Jan 2015-Dec 2026 (144 months)"


@settings(max_examples=100, deadline=None)
@given(first=periods(2020, 2027), second=periods(2020, 2027))
def test_periods_order_by_start_then_end(first: Period, second: Period) -> None:
    assert (first < second) == ((first.start, first.end) < (second.start, second.end))
