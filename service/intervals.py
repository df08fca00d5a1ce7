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


class DivisionBySpanningZero(ArithmeticError):
    """Raised when dividing by an interval that contains zero: no finite bound exists."""


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
