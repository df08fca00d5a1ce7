"""Closed intervals over the extended reals, with sound arithmetic.

Every printed figure is an interval: "1,14 milliard" is [1.135e9, 1.145e9].
Arithmetic here is *sound*: the result of ``a op b`` contains every ``x op y``
for ``x`` in ``a`` and ``y`` in ``b``.  That is what lets a rule say
"contradicted" only when no reading of the printed figures can satisfy it.

Open ends ("plus de 47 %") are ``inf`` bounds.  In products we take
``0 * inf = 0``: an exact zero bound times an unbounded one is bounded by the
other products, the usual convention of extended interval arithmetic.
"""

from __future__ import annotations

import math
from fractions import Fraction

import msgspec

INF = math.inf


class UndefinedResult(ArithmeticError):
    """No bound exists for the result: a check that needs it is unverifiable, not wrong.

    * :class:`DivisionBySpanningZero`: dividing by an interval that holds zero;
    * :class:`PowerOfNonPositive`: a base that can be zero or negative raised to
      an exponent that is not one whole number.
    """


class DivisionBySpanningZero(UndefinedResult):
    """Raised when dividing by an interval that contains zero: no finite bound exists."""


class PowerOfNonPositive(UndefinedResult):
    """Raised for ``base ** exponent`` when a base value can be 0 or negative and the exponent is
    not one whole number (``(-8) ** (1/3)`` is not real), or is a negative whole number and the base holds 0."""


class Interval(msgspec.Struct, frozen=True):
    lo: float
    hi: float

    def __post_init__(self) -> None:
        if math.isnan(self.lo) or math.isnan(self.hi) or self.lo > self.hi:
            raise ValueError(f"not an interval: [{self.lo}, {self.hi}]")

    @classmethod
    def point(cls, value: float) -> Interval:
        return cls(value, value)

    @property
    def width(self) -> float:
        return self.hi - self.lo

    @property
    def bounded(self) -> bool:
        return math.isfinite(self.lo) and math.isfinite(self.hi)

    def contains(self, value: float) -> bool:
        return self.lo <= value <= self.hi

    def encloses(self, other: Interval) -> bool:
        return self.lo <= other.lo and other.hi <= self.hi

    def hull(self, other: Interval) -> Interval:
        return Interval(min(self.lo, other.lo), max(self.hi, other.hi))

    def scaled(self, factor: float) -> Interval:
        return self * Interval.point(factor)

    def clamp_below(self, floor: float) -> Interval:
        """Cut off what a non-negative quantity cannot be (an open "moins de" on a level)."""
        return Interval(max(self.lo, floor), max(self.hi, floor))

    def __add__(self, other: Interval) -> Interval:
        return Interval(self.lo + other.lo, self.hi + other.hi)

    def __sub__(self, other: Interval) -> Interval:
        return Interval(self.lo - other.hi, self.hi - other.lo)

    def __neg__(self) -> Interval:
        return Interval(-self.hi, -self.lo)

    def __mul__(self, other: Interval) -> Interval:
        products = [_mul(a, b) for a in (self.lo, self.hi) for b in (other.lo, other.hi)]
        return Interval(min(products), max(products))

    def __truediv__(self, other: Interval) -> Interval:
        if other.lo <= 0 <= other.hi:
            raise DivisionBySpanningZero(f"division by [{other.lo}, {other.hi}]")
        # Divide each pair of bounds directly: going through 1 / other overflows to
        # inf for a subnormal divisor (1 / 2.2e-313), and 2.2e-313 / 2.2e-313 is 1.
        # Each quotient is correctly rounded, so one step outward makes the result sound.
        quotients = [_div(a, b) for a in (self.lo, self.hi) for b in (other.lo, other.hi)]
        return Interval(min(_outward(q, -INF) for q in quotients), max(_outward(q, INF) for q in quotients))


    def __pow__(self, exponent: Interval) -> Interval:
        """Every ``x ** y`` for ``x`` in self and ``y`` in exponent, rounded outward.

        A whole exponent ``n`` (a point) takes any base: ``x ** n`` is monotone on
        each side of 0, so the ends give the bounds, and 0 is the least of an even
        power over a base that straddles 0.  Any other exponent needs a positive
        base: ``x ** y = exp(y ln x)`` and ``y ln x`` is bilinear, so the four
        corners give the bounds.  ``libm``'s pow is not exact, so each bound that
        is not exact by construction moves one float outward.
        """
        whole = whole_number(exponent)
        if whole is not None:
            if whole < 0 and self.lo <= 0 <= self.hi:
                raise PowerOfNonPositive(f"[{self.lo}, {self.hi}] ** {whole}")
            powers = [_pow(x, whole) for x in (self.lo, self.hi)]
            if whole > 0 and self.lo < 0 < self.hi:
                powers.append((0.0, True))
        else:
            if self.lo <= 0:
                raise PowerOfNonPositive(f"[{self.lo}, {self.hi}] ** [{exponent.lo}, {exponent.hi}]")
            powers = [_pow(x, y) for x in (self.lo, self.hi) for y in (exponent.lo, exponent.hi)]
        return Interval(min(_outward(p, -INF) for p in powers), max(_outward(p, INF) for p in powers))


def whole_number(interval: Interval) -> float | None:
    """The interval's one value when it is a single whole number (``years(x)``, ``2``), else None."""
    if interval.lo == interval.hi and math.isfinite(interval.lo) and float(interval.lo).is_integer():
        return interval.lo
    return None


def _pow(x: float, y: float) -> tuple[float, bool]:
    """``x ** y`` and whether it is exact; an overflow is an infinite bound, signed as the power is."""
    if y == 0 or x == 1:
        return 1.0, True
    try:
        value = math.pow(x, y)
    except OverflowError:
        odd = float(y).is_integer() and y % 2 == 1
        return (-INF if x < 0 and odd else INF), False
    exact = y == 1 or x == 0 or math.isinf(x) or math.isinf(y)
    if not exact and math.isfinite(value) and float(y).is_integer() and 1 < y <= 64:
        # Small whole powers (a square, a cube) are often exact: check, as division does.
        exact = Fraction(value) == Fraction(x) ** int(y)
    return value, exact


def _mul(a: float, b: float) -> float:
    if a == 0 or b == 0:
        return 0.0
    return a * b


def _div(a: float, b: float) -> tuple[float, bool]:
    """``a / b`` and whether it is exact (a zero dividend, an unbounded end) rather than rounded."""
    if math.isinf(b):  # a finite bound over an unbounded one tends to 0; inf / inf keeps the 0 * inf convention
        return _mul(a, 0.0), True
    if a == 0 or math.isinf(a):
        return a / b, True
    quotient = a / b
    return quotient, math.isfinite(quotient) and Fraction(quotient) * Fraction(b) == Fraction(a)


def _outward(quotient: tuple[float, bool], direction: float) -> float:
    value, exact = quotient
    return value if exact else math.nextafter(value, direction)


def gap(a: Interval, b: Interval) -> float:
    """Distance between two intervals: 0 when they overlap."""
    return max(a.lo - b.hi, b.lo - a.hi, 0.0)
