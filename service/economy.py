"""A true economy: monthly flows from which every printed quantity follows.

Soundness checks of rules (``service.rules.soundness``) need worlds in which
every claim is true *by the meaning of its measure*, not by the rule being
checked.  So the world is an economy of non-negative monthly flows, and each
measure is derived from them the way a statistics office derives it:

* **level** and **count** over a period: the sum of the monthly flows;
* **growth** of a period P compared to Q: level(P) / level(Q) - 1 (percent);
* **share** of a breakdown member: level(member, P) / level(total, P) (percent);
* **share_change**: share(P) - share(Q) (percentage points);
* **average_growth** over a span of whole years: the yearly rate that, compounded
  over the span's years, turns its first year's level into its last year's;
* **category**: one value per subject, breakdown and period.

Each subject has a total flow and, per breakdown dimension (product, country),
members whose flows plus an "other" remainder make up the total, month by
month; so the members of one dimension never exceed the total, whatever other
dimensions say.  Flows are whole dirhams (or whole units for a count subject),
so levels are exact integers and growths and shares exact fractions: a
contradiction can only come from a rule, never from float noise in the world.

Limits, all deliberate: every flow is at least 1 (a growth from nothing is not
a number); a breakdown is by one dimension at a time (no "pottery exported to
France"); the members of a dimension are fixed before any value is derived;
and averages are not modelled (an average over what: regions, salons, days?).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from fractions import Fraction

from service.periods import Period

REFERENCE_MONTH = 2024 * 12  # where a trend's scale is the flow: January 2024
# A total's flow is never below this, nor the members' coverage above 90 %: then
# up to MAX_MEMBERS members of at least 1 each always fit within the total.
MIN_TOTAL_FLOW = 100
MAX_COVERAGE = 90.0
MAX_MEMBERS = 10


@dataclass(frozen=True)
class Trend:
    """Monthly values: ``scale`` at the reference month, growing ``yearly`` percent a year, wobbling up to ``wobble`` percent."""

    scale: float
    yearly: int  # percent a year
    wobble: int  # percent, up or down, month by month
    seed: int

    def at(self, month: int) -> float:
        years = (month - REFERENCE_MONTH) / 12
        return self.scale * (1 + self.yearly / 100) ** years * (1 + self.wobble / 100 * _noise(self.seed, month))


def _noise(seed: int, month: int) -> float:
    """A fixed number in [-1, 1] for each (seed, month): the same world gives the same flows."""
    mixed = (seed * 0x9E3779B1 + month * 0x85EBCA77 + 0x27D4EB2F) & 0xFFFFFFFF
    mixed ^= mixed >> 15
    mixed = (mixed * 0x2C1B3C6D) & 0xFFFFFFFF
    mixed ^= mixed >> 12
    return mixed / 0x7FFFFFFF - 1.0


@dataclass(frozen=True)
class Dimension:
    """The members of one breakdown dimension of a subject, and how the total splits among them."""

    members: tuple[str, ...]
    weights: tuple[Trend, ...]  # relative sizes, one per member
    coverage: Trend  # percent of the total the members make together; the rest is "other"


@dataclass
class Subject:
    """One measured thing: its kind (MAD or count), its total flow, and its breakdowns."""

    name: str
    kind: str  # "MAD" or "count": the unit its levels are printed in
    total: Trend
    dimensions: dict[str, Dimension] = field(default_factory=dict)


@dataclass
class Economy:
    """Subjects by name, and the seed that picks categories; derived values are exact."""

    subjects: dict[str, Subject] = field(default_factory=dict)
    category_seed: int = 0
    _flows: dict[tuple[str, str, int], dict[str, int]] = field(default_factory=dict, repr=False)

    # --- flows ------------------------------------------------------------------------

    def total_flow(self, subject: str, month: int) -> int:
        # Any non-negative flows make a true world; the floor only keeps members at 1 or more.
        return max(MIN_TOTAL_FLOW, round(self.subjects[subject].total.at(month)))

    def split(self, subject: str, dimension: str, month: int) -> dict[str, int]:
        """Each member's flow in ``month`` (at least 1), and "other" for the rest (at least 0)."""
        key = (subject, dimension, month)
        if key not in self._flows:
            self._flows[key] = self._split(subject, dimension, month)
        return self._flows[key]

    def _split(self, subject: str, dimension: str, month: int) -> dict[str, int]:
        total = self.total_flow(subject, month)
        dim = self.subjects[subject].dimensions[dimension]
        weights = [max(w.at(month), 1e-3) for w in dim.weights]
        covered = min(max(dim.coverage.at(month), 1.0), MAX_COVERAGE) / 100 * total
        flows, left = {}, total
        for member, weight in zip(dim.members, weights):
            # floor, then at least 1: with MIN_TOTAL_FLOW and MAX_COVERAGE the sum stays within the total
            flow = min(left, max(1, math.floor(covered * weight / sum(weights))))
            flows[member], left = flow, left - flow
        flows["other"] = left
        return flows

    def flow(self, subject: str, breakdown: dict[str, str], month: int) -> int:
        if not breakdown:
            return self.total_flow(subject, month)
        ((dimension, member),) = breakdown.items()
        return self.split(subject, dimension, month)[member]

    # --- measures -----------------------------------------------------------------------

    def level(self, subject: str, breakdown: dict[str, str], period: Period) -> int:
        return sum(self.flow(subject, breakdown, month) for month in range(period.start, period.end + 1))

    def growth(self, subject: str, breakdown: dict[str, str], period: Period, base: Period) -> Fraction:
        """Percent."""
        return (Fraction(self.level(subject, breakdown, period), self.level(subject, breakdown, base)) - 1) * 100

    def share(self, subject: str, breakdown: dict[str, str], period: Period) -> Fraction:
        """Percent of the subject's total."""
        return Fraction(self.level(subject, breakdown, period), self.level(subject, {}, period)) * 100

    def share_change(self, subject: str, breakdown: dict[str, str], period: Period, base: Period) -> Fraction:
        """Percentage points."""
        return self.share(subject, breakdown, period) - self.share(subject, breakdown, base)

    def average_growth(self, subject: str, breakdown: dict[str, str], span: Period) -> Decimal:
        """Percent a year, to 50 digits: an n-th root is not a fraction, but its error is far below any printed digit."""
        years = span.end // 12 - span.start // 12
        first = Period(span.start - span.start % 12, span.start - span.start % 12 + 11)
        last = Period(span.end - span.end % 12, span.end - span.end % 12 + 11)
        with localcontext(prec=50):
            ratio = Decimal(self.level(subject, breakdown, last)) / Decimal(self.level(subject, breakdown, first))
            return (ratio ** (Decimal(1) / years) - 1) * 100

    def category(self, subject: str, breakdown: dict[str, str], period: Period, choices: int) -> int:
        """Which of ``choices`` values, fixed by subject, breakdown and period: a thing has one partner bank a year."""
        key = f"{subject}|{sorted(breakdown.items())}|{period.start}-{period.end}"
        return _pick(self.category_seed, key, choices)


def _pick(seed: int, key: str, count: int) -> int:
    """An index in range(count), fixed by seed and key."""
    value = seed
    for char in key:
        value = (value * 131 + ord(char)) % 1_000_000_007
    return value % count
