"""Periods: runs of whole calendar months, written in ISO 8601.

``2025-01/2025-11`` is January to November 2025, ``2024`` the whole year,
``2025-11`` one month.  Months are numbered ``year * 12 + month - 1`` so that
containment and "the same months a year earlier" are integer arithmetic, in
Python here and in SQL in the store.
"""

from __future__ import annotations

import functools
import re

import msgspec

from service.reasons import N_, Quoted, Reason

_MONTH = re.compile(r"^(\d{4})(?:-(0[1-9]|1[0-2]))?$")
_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class PeriodError(ValueError):
    """A period that is not ISO 8601 months or years, or that ends before it starts; ``reason`` to be said in a language."""

    @property
    def reason(self) -> Reason:
        return self.args[0]


class Period(msgspec.Struct, frozen=True, order=True):
    start: int  # month index, year * 12 + month - 1
    end: int  # inclusive

    @classmethod
    def parse(cls, text: str) -> Period:
        return _parsed(text)

    @property
    def months(self) -> int:
        return self.end - self.start + 1

    def contains(self, other: Period) -> bool:
        return self.start <= other.start and other.end <= self.end

    def year_earlier(self) -> Period:
        """The same months a year earlier; a PeriodError before year 0000, which ISO 8601 years cannot write."""
        if self.start < 12:
            raise PeriodError(Reason(N_("%(period)s has no year before it: a change over it needs a compared_to period"), period=str(self)))
        return Period(self.start - 12, self.end - 12)

    def __str__(self) -> str:
        return _iso_text(self.start, self.end)

    def describe(self) -> str:
        """Readable for a reporter: ``Jan-Nov 2025 (11 months)``."""
        unit = "month" if self.months == 1 else "months"
        return f"{self.span()} ({self.months} {unit})"

    def span(self) -> str:
        """The months alone, as a heading names them: ``Jan-Nov 2025``, ``2024``, ``Nov 2025``."""
        y1, y2 = self.start // 12, self.end // 12
        m1, m2 = _MONTH_NAMES[self.start % 12], _MONTH_NAMES[self.end % 12]
        if self.months == 1:
            span = f"{m1} {y1}"
        elif y1 == y2 and self.months == 12:
            span = f"{y1}"
        elif y1 == y2:
            span = f"{m1}-{m2} {y1}"
        else:
            span = f"{m1} {y1}-{m2} {y2}"
        return span



@functools.lru_cache(maxsize=4096)
def _parsed(text: str) -> Period:
    # A store holds a few hundred distinct periods, parsed millions of times in a bulk
    # load; a Period is frozen, so one instance serves every claim that prints it.
    parts = text.strip().split("/")
    if len(parts) > 2 or not all(parts):
        raise PeriodError(Reason(N_("%(text)s is not an ISO 8601 period such as 2025-01/2025-11, 2024 or 2025-11"), text=Quoted(text)))
    first, last = _bounds(parts[0]), _bounds(parts[-1])
    period = Period(first[0], last[1])
    if period.start > period.end:
        raise PeriodError(Reason(N_("%(text)s ends before it starts"), text=Quoted(text)))
    return period


@functools.lru_cache(maxsize=4096)
def _iso_text(start: int, end: int) -> str:
    """A period in ISO 8601, its shortest form: written once per period, not once per claim."""
    first, last = _month_text(start), _month_text(end)
    if start % 12 == 0 and end % 12 == 11:
        years = [f"{start // 12:04d}", f"{end // 12:04d}"]
        return years[0] if years[0] == years[1] else "/".join(years)
    return first if first == last else f"{first}/{last}"


def _bounds(text: str) -> tuple[int, int]:
    match = _MONTH.match(text)
    if not match:
        raise PeriodError(Reason(N_("%(text)s is not a year (2024) or a month (2025-11)"), text=Quoted(text)))
    year = int(match.group(1))
    if match.group(2) is None:
        return year * 12, year * 12 + 11
    month = year * 12 + int(match.group(2)) - 1
    return month, month


def _month_text(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"
