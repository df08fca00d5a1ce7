"""Numbers on the desk's pages, as the desk's readers write them (babel, the ``desk_locale`` setting).

A figure is shown as printed; the bounds Tally reads from it are numbers it
writes itself, and those follow the reader's locale: ``1 135 000 000 – 1 145 000 000 MAD``
for a French desk, ``1,135,000,000 – 1,145,000,000 MAD`` for an English one.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from babel import Locale, UnknownLocaleError
from babel.numbers import format_decimal

from service.claims import IntervalOut
from service.rules.explain import Numerals

UNIT_WORDS = {"percent": "%", "points": "points", "MAD": "MAD", "count": ""}


def desk_locale(name: str) -> Locale:
    """The reader's locale; a ValueError naming the setting when babel does not know it (the app then does not start)."""
    try:
        return Locale.parse(name.replace("-", "_"))
    except (UnknownLocaleError, ValueError) as exc:
        raise ValueError(f"desk_locale (TALLY_DESK_LOCALE): {name!r} is not a locale babel knows, such as fr, fr_MA, en or ar") from exc


def babel_numerals(locale: Locale) -> Numerals:
    """The numbers of a verdict's computation, notes and margin in the reader's locale: ``1,135 bn`` in French."""

    def write(value: Decimal, grouped: bool) -> str:
        places = max(0, -int(value.as_tuple().exponent))
        pattern = ("#,##0" if grouped else "0") + ("." + "0" * places if places else "")
        return format_decimal(value, format=pattern, locale=locale)

    return write


def interval_filter(locale: Locale) -> Callable[[IntervalOut | None], str]:
    """A template filter: an interval's bounds in the reader's numbers, an open end said as such."""

    def number(value: float) -> str:
        return format_decimal(value, format="#,##0.######", locale=locale)

    def interval(value: IntervalOut | None) -> str:
        if value is None:
            return ""
        unit = UNIT_WORDS.get(value.unit, value.unit)
        if value.lo is None and value.hi is None:
            text = "any value"
        elif value.hi is None:
            text = f"≥ {number(value.lo)}"  # type: ignore[arg-type]
        elif value.lo is None:
            text = f"≤ {number(value.hi)}"
        else:
            text = number(value.lo) if value.lo == value.hi else f"{number(value.lo)} – {number(value.hi)}"
        return f"{text} {unit}".strip()

    return interval
