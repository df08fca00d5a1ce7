"""Numbers on the desk's pages, as the desk's readers write them (babel, in the language the page speaks).

A figure is shown as printed; the bounds Tally reads from it are numbers it
writes itself, and those follow the reader's locale: ``1 135 000 000 – 1 145 000 000 MAD``
for a French desk, ``1,135,000,000 – 1,145,000,000 MAD`` for an English one.

Any finite double the API accepts is written, from 5e-324 to 1.8e308.  A number a
reader can read in full (from one millionth up to, not including, a million billion:
:data:`READABLE`) is written in full; beyond, in scientific notation with at most
:data:`SCIENTIFIC_DIGITS` significant digits (``1,5E308``, ``4,941E-324``): 309 digits
or 300 zeros after the point say nothing a desk can check, and babel's own decimal
formatting stops at the decimal context's 28 digits (``decimal.InvalidOperation``, the
500 every page once answered for a figure of 29 digits).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import Decimal, localcontext
from gettext import NullTranslations
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import get_month_names
from babel.numbers import format_decimal, format_scientific

from service.claims import IntervalOut
from service.intervals import Interval
from service.periods import Period, PeriodError
from service.reading.steps import Bounds, Number
from service.rules.explain import Digits
from service.units import base_factor

# Written in full from one millionth up to a million billion (1e15, past any economy's figure in dirhams);
# beyond, in scientific notation.
READABLE = (Decimal("1e-6"), Decimal("1e15"))
SCIENTIFIC_DIGITS = 6  # a double's digits past these are noise from its binary fraction


def readable_in_full(value: Decimal) -> bool:
    """Whether a reader can take this number in written out, every digit."""
    return value == 0 or READABLE[0] <= abs(value) < READABLE[1]


def write_number(value: Decimal, pattern: str, locale: Locale) -> str:
    """``value`` by babel's ``pattern`` in ``locale``, or in scientific notation when it is too large or too small to read in full.

    babel rounds in the current decimal context, 28 digits by default: the context here
    holds every digit the pattern asks for, so no value raises.
    """
    if not readable_in_full(value):
        return format_scientific(value, format="0." + "#" * (SCIENTIFIC_DIGITS - 1) + "E0", locale=locale)
    places = len(pattern.partition(".")[2])  # the most decimals the pattern writes
    with localcontext() as context:
        context.prec = max(context.prec, value.adjusted() + 1 + places + 2)
        return format_decimal(value, format=pattern, locale=locale)


def desk_locale(name: str) -> Locale:
    """The reader's locale; a ValueError naming the setting when babel does not know it (the app then does not start)."""
    try:
        return Locale.parse(name.replace("-", "_"))
    except (UnknownLocaleError, ValueError) as exc:
        raise ValueError(f"desk_locale (TALLY_DESK_LOCALE): {name!r} is not a locale babel knows, such as fr, fr_MA, en or ar") from exc


def babel_numerals(locale: Locale) -> Digits:
    """The numbers of a verdict's computation, notes and margin in the reader's locale: ``1,135 bn`` in French."""

    def write(value: Decimal, grouped: bool) -> str:
        places = max(0, -int(value.as_tuple().exponent))
        pattern = ("#,##0" if grouped else "0") + ("." + "0" * places if places else "")
        return write_number(value, pattern, locale)

    return write


def interval_filter(locale: Locale) -> Callable[[IntervalOut | None], str]:
    """An interval's bounds in ``locale``'s numbers, with English words (the desk's pages use :class:`DeskNumbers` of their language)."""
    return DeskNumbers(locale, NullTranslations()).interval


class DeskNumbers:
    """Numbers the desk writes itself (bounds, margins, chart labels), in one language: its digits and its words.

    It is also the language the engine's sentences are written in on a page (``service.rules.explain.Words``):
    a verdict's computation, notes and diagnoses say ``1,135 Md à 1,145 Md MAD`` on a French page.

    ``1.135 bn MAD`` in English, ``1,135 Md MAD`` in French, ``1.135 مليار درهم`` in Arabic:
    a number is never written in one language's style beside another language's words.
    The scales are the engine's (``service.rules.explain.format_number``: billions from
    1e8, millions from 1e5, four significant digits for a ratio); tests/test_desk_language.py
    checks the English ones read as the engine writes them, so the two cannot drift apart.
    """

    def __init__(self, locale: Locale, words: NullTranslations) -> None:
        self.locale = locale
        self.language = locale.language  # which title of a rule to show (``explain.Words``)
        self.write = babel_numerals(locale)
        self._ = self.gettext = words.gettext
        self.ngettext = words.ngettext

    def unit(self, unit: str, value: float = 2.0) -> str:
        """A unit's word after a number: MAD, %, points."""
        _ = self._
        if unit in ("MAD", "money"):
            return _("MAD")
        if unit in ("percent", "ratio"):
            return "%"
        if unit == "points":
            return self.ngettext("point", "points", 1 if abs(value) == 1 else 2)
        return "" if unit in ("count", "number") else unit

    def quantity(self, base_value: float, unit: str) -> str:
        """A base magnitude as a reporter writes it, with its scale and unit: ``80.0 M MAD``, ``3.5 points``, ``7.02 %``."""
        return f"{self._magnitude(base_value, unit)} {self.unit(unit, base_value / base_factor(_canonical(unit)))}".strip()

    def span(self, interval: Interval | tuple[float, float], unit: str) -> str:
        """An interval a reporter can read: ``1.135 bn to 1.145 bn MAD``, ``at least 46.5 %``."""
        lo, hi = interval if isinstance(interval, tuple) else (interval.lo, interval.hi)
        _ = self._
        if math.isinf(lo) and math.isinf(hi):
            return _("any value")
        if math.isinf(hi):
            return _("at least %(value)s") % {"value": self.quantity(lo, unit)}
        if math.isinf(lo):
            return _("at most %(value)s") % {"value": self.quantity(hi, unit)}
        low, high = (self._magnitude(v, unit) for v in (lo, hi))
        words = self.unit(unit, hi / base_factor(_canonical(unit)))
        if low == high:
            return f"{low} {words}".strip()
        return (_("%(low)s to %(high)s") % {"low": low, "high": high} + " " + words).strip()

    def step_number(self, number: Number) -> str:
        """A number a figure's reading found (``service.reading.steps``), in full and grouped: ``1 135 000 000``, ``0,005``, ``+∞``.

        A number read as printed keeps its digits (``1,10`` read as 1,10); any other is written without
        trailing zeros, as the API's English writes it.  An open end is the sign of infinity, which reads
        alike in every language.
        """
        value = number.value
        if value.is_infinite():
            return "+∞" if value > 0 else "−∞"
        if not number.printed:
            value = value.normalize() if value else Decimal(0)  # never "-0"
        return self.write(value if value.as_tuple().exponent <= 0 else Decimal(int(value)), True)

    def step_interval(self, bounds: Bounds, unit: str) -> str:
        """The interval a figure's reading ends on, at the figure's scale: ``1.135 bn to 1.145 bn MAD``, ``1,135 Md à 1,145 Md MAD``.

        Its bounds in full (``[1,135,000,000, 1,145,000,000]``) are right but make a reader count
        digits; the steps before it give them, and the interval's ``title`` on the page.
        """
        factor = base_factor(unit)
        return self.span((float(bounds.lo.value) * factor, float(bounds.hi.value) * factor), unit)

    def margin(self, verdict: Any) -> str:
        """A verdict's margin with its unit (``80.0 M MAD``), or "" when it has none."""
        margin, unit = getattr(verdict, "margin", None), getattr(verdict, "margin_unit", None)
        if not margin or not unit:
            return ""
        return self.quantity(margin * base_factor(unit), unit)

    def period(self, text: Period | str, length: bool = True) -> str:
        """A period as a reporter reads it, in the language's month names: ``Jan–Nov 2025 (11 months)``, ``janv.–nov. 2025 (11 mois)``.

        Without ``length``, the months alone (``Jan–Nov 2025``); a text that is no period is given back as it is.
        """
        try:
            period = text if isinstance(text, Period) else Period.parse(text)
        except PeriodError:
            return text
        months = get_month_names("abbreviated", locale=self.locale)
        (y1, m1), (y2, m2) = divmod(period.start, 12), divmod(period.end, 12)
        if period.months == 1:
            span = f"{months[m1 + 1]} {y1}"
        elif y1 == y2 and period.months == 12:
            span = f"{y1}"
        elif y1 == y2:
            span = f"{months[m1 + 1]}–{months[m2 + 1]} {y1}"
        else:
            span = f"{months[m1 + 1]} {y1} – {months[m2 + 1]} {y2}"
        if not length:
            return span
        months_long = self.ngettext("%(num)s month", "%(num)s months", period.months) % {"num": period.months}
        return f"{span} ({months_long})"

    def count(self, value: float | int) -> str:
        """A count or a number of days, grouped as the reader groups digits: ``1 295`` in French."""
        return format_decimal(value, format="#,##0.##", locale=self.locale)

    def percent(self, value: float, signed: bool = False) -> str:
        """A percentage Tally computed, to two decimals: ``2,50 %``, ``+2.50 %`` (signed)."""
        written = format_decimal(abs(value) if signed else value, format="#,##0.00", locale=self.locale)
        sign = ("+" if value >= 0 else "-") if signed else ""
        return f"{sign}{written} %"

    def interval(self, value: IntervalOut | None) -> str:
        """An interval's bounds written in full in the reader's numbers, an open end said as such (a template filter)."""
        if value is None:
            return ""
        if value.lo is None and value.hi is None:
            text = self._("any value")
        elif value.hi is None:
            text = f"≥ {self._full(value.lo)}"  # type: ignore[arg-type]
        elif value.lo is None:
            text = f"≤ {self._full(value.hi)}"
        else:
            text = self._full(value.lo) if value.lo == value.hi else f"{self._full(value.lo)} – {self._full(value.hi)}"
        return f"{text} {self.unit(value.unit)}".strip()

    def _full(self, value: float) -> str:
        return write_number(Decimal(repr(value)), "#,##0.######", self.locale)  # repr: the shortest digits that are this double

    def _magnitude(self, base_value: float, unit: str) -> str:
        """The number and its scale word, without the unit: the engine's scales, in the reader's words."""
        unit = _canonical(unit)
        if not math.isfinite(base_value):
            return f"{base_value:g}"
        if unit == "MAD":
            magnitude = abs(base_value)
            _ = self._
            if magnitude >= 1e8:  # grouped: a scale slip reads 1,315.000 bn
                return self.write(Decimal(f"{base_value / 1e9:.3f}"), True) + " " + _("bn")
            if magnitude >= 1e5:
                return self.write(Decimal(f"{base_value / 1e6:.1f}"), False) + " " + _("M")
            return "0" if magnitude == 0 else self.write(Decimal(f"{base_value:.0f}"), True)
        if unit in ("percent", "points"):
            return self._significant(base_value / base_factor(unit))
        return self._significant(base_value)

    def _significant(self, value: float, digits: int = 4) -> str:
        if value == 0 or not math.isfinite(value):
            return f"{value:g}"
        decimals = max(0, digits - 1 - int(math.floor(math.log10(abs(value)))))
        text = f"{value:.{decimals}f}"
        return self.write(Decimal(text.rstrip("0").rstrip(".") if "." in text else text), False)


def _canonical(unit: str) -> str:
    return {"money": "MAD", "ratio": "percent"}.get(unit, unit)
