"""The true economy: members and "other" make up the total each month, and measures follow from levels."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from service.economy import Dimension, Economy, Subject, Trend
from service.periods import Period

TRENDS = st.builds(Trend, st.floats(1, 10**9), st.integers(-30, 60), st.integers(0, 50), st.integers(0, 1000))


@st.composite
def economies(draw: st.DrawFn) -> Economy:
    members = tuple(f"m{i}" for i in range(draw(st.integers(2, 10))))
    weights = tuple(draw(st.builds(Trend, st.floats(1, 10), st.integers(-30, 30), st.integers(0, 40), st.integers(0, 1000))) for _ in members)
    coverage = draw(st.builds(Trend, st.floats(30, 90), st.integers(-30, 30), st.integers(0, 40), st.integers(0, 1000)))
    subject = Subject("s", draw(st.sampled_from(("MAD", "count"))), draw(TRENDS), {"product": Dimension(members, weights, coverage)})
    return Economy({"s": subject})


@settings(max_examples=100, deadline=None)
@given(economy=economies(), month=st.integers(2019 * 12, 2026 * 12 + 11))
def test_members_and_other_make_up_the_total(economy: Economy, month: int) -> None:
    split = economy.split("s", "product", month)
    assert sum(split.values()) == economy.total_flow("s", month)
    assert all(flow >= 1 for member, flow in split.items() if member != "other") and split["other"] >= 0


@settings(max_examples=50, deadline=None)
@given(economy=economies(), start=st.integers(2021 * 12, 2025 * 12), months=st.integers(1, 12))
def test_measures_follow_from_levels(economy: Economy, start: int, months: int) -> None:
    period = Period(start, start + months - 1)
    base = period.year_earlier()
    member = {"product": "m0"}
    assert economy.growth("s", member, period, base) == (Fraction(economy.level("s", member, period), economy.level("s", member, base)) - 1) * 100
    shares = sum(economy.share("s", {"product": m}, period) for m in economy.subjects["s"].dimensions["product"].members)
    assert shares <= 100
    assert economy.share_change("s", member, period, base) == economy.share("s", member, period) - economy.share("s", member, base)
