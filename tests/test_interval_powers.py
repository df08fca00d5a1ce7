"""``Interval ** Interval`` is sound: it holds the exact ``x ** y`` of every ``x`` in the base and ``y`` in the exponent.

"Exact" is computed in ``Decimal`` with 60 digits and exponents far past a float's,
so a bound that overflowed to ``inf`` or underflowed to 0 is checked against the
true power, not against another float.  Where no real power exists (a negative
base under a fractional exponent) or no bound does (``0 ** -1``), the power raises
``PowerOfNonPositive`` and a rule's verdict is unverifiable.
"""

from __future__ import annotations

import decimal
import math
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from service.intervals import INF, Interval, PowerOfNonPositive, UndefinedResult, whole_number

EXACT = decimal.Context(prec=60, Emax=10**7, Emin=-(10**7), traps=[decimal.InvalidOperation, decimal.DivisionByZero])

magnitudes = st.one_of(
    st.sampled_from([0.0, 1.0, 0.5, 2.0, 5e-324, 2.2e-313, 1e300, 1.7976931348623157e308]),
    st.floats(0.0, 10.0, allow_nan=False),
    st.floats(0.0, 1e300, allow_nan=False),
)
bases = st.tuples(magnitudes, magnitudes, st.sampled_from([1, 1, 1, -1])).map(
    lambda t: Interval(*sorted((t[0] * t[2], t[1]))) if t[2] < 0 else Interval(*sorted(t[:2]))
)
exponents = st.one_of(
    st.integers(-6, 40).map(lambda n: Interval.point(float(n))),
    st.tuples(st.floats(-50, 50, allow_nan=False), st.floats(-50, 50, allow_nan=False)).map(lambda t: Interval(*sorted(t))),
)


def inside(draw: st.DrawFn, interval: Interval) -> float:
    if interval.lo == interval.hi:
        return interval.lo
    return draw(st.one_of(st.sampled_from([interval.lo, interval.hi]), st.floats(interval.lo, interval.hi)))


def exact_power(x: float, y: float) -> Fraction:
    """A whole power exactly (a Fraction); any other to 60 digits, far below a float's 17."""
    if float(y).is_integer():
        return Fraction(x) ** int(y)
    return Fraction(EXACT.power(Decimal(x), Decimal(y)))


def holds(interval: Interval, value: Fraction) -> bool:
    above = interval.lo == -INF or Fraction(interval.lo) <= value
    below = interval.hi == INF or value <= Fraction(interval.hi)
    return above and below


def has_no_bound(base: Interval, exponent: Interval) -> bool:
    whole = whole_number(exponent)
    if whole is None:
        return base.lo <= 0
    return whole < 0 and base.lo <= 0 <= base.hi


@settings(max_examples=400, deadline=None)
@given(base=bases, exponent=exponents, data=st.data())
@example(base=Interval(5e-324, 5e-324), exponent=Interval(0.5, 0.5), data=None)  # a subnormal base: sqrt is 2.2e-162
@example(base=Interval(5e-324, 1e-300), exponent=Interval(-3.0, 2.5), data=None)  # 1 / subnormal ** 3 overflows
@example(base=Interval(1e300, 1e300), exponent=Interval(2.0, 2.0), data=None)  # overflows to inf
@example(base=Interval(-3.0, -2.0), exponent=Interval(3.0, 3.0), data=None)  # a negative base, odd power
@example(base=Interval(-3.0, 2.0), exponent=Interval(2.0, 2.0), data=None)  # straddles 0: least is 0
@example(base=Interval(-3.0, -2.0), exponent=Interval(-1.0, -1.0), data=None)
def test_a_power_holds_every_power_of_its_points(base: Interval, exponent: Interval, data: st.DataObject | None) -> None:
    if has_no_bound(base, exponent):
        with pytest.raises(PowerOfNonPositive):
            base ** exponent
        return
    result = base ** exponent
    points = [(base.lo, exponent.lo), (base.hi, exponent.hi), (base.lo, exponent.hi), (base.hi, exponent.lo)]
    if data is not None:
        points.append((inside(data.draw, base), inside(data.draw, exponent)))
    for x, y in points:
        exact = exact_power(x, y)
        assert holds(result, exact), (base, exponent, x, y, result)


@settings(max_examples=200, deadline=None)
@given(base=bases, exponent=exponents)
def test_a_power_is_tight_to_a_few_floats(base: Interval, exponent: Interval) -> None:
    """Sound is not enough: the bounds are the extreme powers, two floats outward at most (one for pow's error, one outward)."""
    if has_no_bound(base, exponent):
        return
    result = base ** exponent
    corners = [base.lo, base.hi] + ([0.0] if base.lo < 0 < base.hi else [])
    finite = [exact_power(x, y) for x in corners for y in (exponent.lo, exponent.hi) if not (x == 0 and y < 0)]
    finite = [v for v in finite if abs(v) < Fraction(1e300)]
    if math.isfinite(result.lo) and abs(result.lo) < 1e300 and finite:
        assert Fraction(math.nextafter(math.nextafter(result.lo, INF), INF)) >= min(finite), (base, exponent, result)
    if math.isfinite(result.hi) and abs(result.hi) < 1e300 and finite:
        assert Fraction(math.nextafter(math.nextafter(result.hi, -INF), -INF)) <= max(finite), (base, exponent, result)


@pytest.mark.parametrize(
    ("base", "exponent", "expected"),
    [
        (Interval(1.073, 1.075), Interval.point(3.0), (1.073**3, 1.075**3)),  # (1 + 7,4 %) over three years
        (Interval(-2.0, 3.0), Interval.point(2.0), (0.0, 9.0)),
        (Interval(-2.0, -1.0), Interval.point(3.0), (-8.0, -1.0)),
        (Interval(4.0, 9.0), Interval.point(0.5), (2.0, 3.0)),
        (Interval(2.0, INF), Interval.point(-1.0), (0.0, 0.5)),
        (Interval(-INF, INF), Interval.point(0.0), (1.0, 1.0)),
    ],
)
def test_worked_powers(base: Interval, exponent: Interval, expected: tuple[float, float]) -> None:
    result = base ** exponent
    assert result.lo == pytest.approx(expected[0], rel=1e-15, abs=1e-300) and result.hi == pytest.approx(expected[1], rel=1e-15)
    assert result.lo <= expected[0] and expected[1] <= result.hi


@pytest.mark.parametrize(
    ("base", "exponent"),
    [
        (Interval(-1.0, 2.0), Interval.point(0.5)),  # a negative base under a root
        (Interval(0.0, 2.0), Interval(1.0, 2.0)),  # 0 under an exponent that is not one whole number
        (Interval(-1.0, 1.0), Interval.point(-2.0)),  # 1 / 0 ** 2
        (Interval(-2.0, -1.0), Interval(2.0, 3.0)),  # a negative base under a range of exponents
    ],
)
def test_a_power_without_a_bound_raises(base: Interval, exponent: Interval) -> None:
    with pytest.raises(PowerOfNonPositive) as raised:
        base ** exponent
    assert isinstance(raised.value, UndefinedResult)
