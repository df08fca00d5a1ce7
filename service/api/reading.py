"""Numbers on the desk's pages, as the desk's readers write them (babel, the ``desk_locale`` setting).

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

from collections.abc import Callable
from decimal import Decimal, localcontext

from babel import Locale, UnknownLocaleError
from babel.numbers import format_decimal, format_scientific

from service.claims import IntervalOut
from service.rules.explain import Numerals

UNIT_WORDS = {"percent": "%", "points": "points", "MAD": "MAD", "count": ""}

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


def babel_numerals(locale: Locale) -> Numerals:
    """The numbers of a verdict's computation, notes and margin in the reader's locale: ``1,135 bn`` in French."""

    def write(value: Decimal, grouped: bool) -> str:
        places = max(0, -int(value.as_tuple().exponent))
        pattern = ("#,##0" if grouped else "0") + ("." + "0" * places if places else "")
        return write_number(value, pattern, locale)

    return write


def interval_filter(locale: Locale) -> Callable[[IntervalOut | None], str]:
    """A template filter: an interval's bounds in the reader's numbers, an open end said as such."""

    def number(value: float) -> str:
        return write_number(Decimal(repr(value)), "#,##0.######", locale)  # repr: the shortest digits that are this double

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
