"""A true value -> a figure a reporter could print, true under :mod:`service.figures`' reading.

The inverse of :mod:`service.figures`, as hypothesis strategies: given the true
value of a quantity and the source that prints it, draw one of the many texts a
newspaper would print for it, at a random number of significant digits, in
French or English style, with scale words (milliard, million, billion), and
with or without a qualifier.  Every text drawn here reads back (through
``parse_figure`` with the source's language and rounding) as an interval that
holds the true value; :func:`check_printed` says so after each print, so a
printing slip is a loud bug, never a false contradiction blamed on a rule.

How each qualifier is made true, from the reading in ``service.figures``
(x the printed magnitude, u one unit of its last digit, w one unit of its last
significant digit, both at least u):

================  =======================================  =========================================
qualifier         reading (on the magnitude)               so the magnitude is printed
================  =======================================  =========================================
(none)            [x - u/2, x + u/2], [x, x + u), or       as the source rounds: half up, truncated,
                  (x - u, x] (the size, see figures)       or the signed value up (ceiling) or down (floor)
about             [x - w/2, x + w/2] and the base          half up, at any place down to w
nearly            [x - w, base.hi]                         rounded up (the truth is just below it)
more_than,        [base.lo, +inf]                          rounded down: the truth is above it
at_least
less_than,        [-inf, base.hi]                          rounded up: the truth is below it
at_most
================  =======================================  =========================================

A sign (``-8 %``, ``baisse de 8 %``) mirrors the interval, so a qualifier bounds
how large a fall is, and the rounding above is applied to the magnitude.
Integers printed with trailing zeros ("environ 440.000") are known to their
last significant digit only after "about" or "nearly"; without a qualifier an
integer is read to the unit, so it is printed to the unit.

Used by ``service.rules.soundness`` (the worlds every rule must hold on) and by
the tests' own worlds (``tests/strategies.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_FLOOR, ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

from hypothesis import strategies as st

from service.arabic import QUALIFIERS as ARABIC_QUALIFIERS
from service.figures import QUALIFIERS, parse_figure
from service.sources import Source

QUALIFIER_WORDS: dict[str, tuple[str, ...]] = {}
for _word, _key in QUALIFIERS.items():
    QUALIFIER_WORDS.setdefault(_key, ())
    QUALIFIER_WORDS[_key] += (_word,)
BOUNDED_QUALIFIERS = ("about", "nearly")  # keys whose interval stays bounded
# A French paper writes "plus de", an English one "more than"; "~" is both.
_FRENCH_QUALIFIERS = {
    "environ", "quelque", "autour de", "approximativement", "près de", "presque", "pas loin de",
    "plus de", "au-delà de", "au moins", "moins de", "au plus", "jusqu'à", "~",
}  # fmt: skip

GROUP_SEPARATORS = {"fr": (".", " ", "\u202f", ""), "en": (",", " ", "")}
DECIMAL_MARK = {"fr": ",", "en": "."}
SCALE = {"bn": Decimal(10) ** 9, "M": Decimal(10) ** 6, "k": Decimal(10) ** 3, "": Decimal(1)}
LEVEL_UNITS = {
    ("bn", "fr"): (" milliards de dirhams", " milliard de dirhams", " MMDH", " milliards de DH", " Mds de dirhams"),
    ("bn", "en"): (" billion dirhams", " bn dirhams", " MMDH", " billion MAD"),
    ("M", "fr"): (" millions de dirhams", " MDH", " millions de DH"),
    ("M", "en"): (" million dirhams", " mn dirhams", " MDH", " million MAD"),
    ("", "fr"): (" dirhams", " DH", " MAD"),
    ("", "en"): (" dirhams", " MAD", " DH"),
}
COUNT_UNITS = {
    ("M", "fr"): (" millions", " million"),
    ("M", "en"): (" million", " mn"),
    ("k", "fr"): (" mille",),
    ("k", "en"): (" thousand",),
    ("", "fr"): ("",),
    ("", "en"): ("",),
}
PERCENT_UNITS = {"fr": ("%", " %", " pour cent"), "en": ("%", " %", " percent", " per cent")}
POINTS_UNITS = {"fr": (" points", " pts", " points de pourcentage"), "en": (" points", " pp", " percentage points")}
UP_WORDS = {"fr": ("hausse de", "en hausse de", "progression de", "croissance de"), "en": ("up", "an increase of", "growth of", "rose")}
DOWN_WORDS = {"fr": ("baisse de", "en baisse de", "recul de", "diminution de"), "en": ("down", "a decrease of", "decline of", "fell")}
DIRECTION_ALONE = {("fr", 1): "en hausse", ("fr", -1): "en baisse", ("en", 1): "up", ("en", -1): "down"}
MULTIPLE_WORDS = {"fr": ("multiplié par", "multipliées par"), "en": ("multiplied by",)}
RATIO_WORDS = {("fr", 2): "doublé", ("fr", 3): "triplé", ("fr", 4): "quadruplé", ("en", 2): "doubled", ("en", 3): "tripled", ("en", 4): "quadrupled"}
MAJORITY_WORDS = {"fr": ("la majorité",), "en": ("most", "the majority")}

# How a magnitude is rounded before a qualifier so that the figure stays true (table above).
_QUALIFIED_ROUNDING = {
    "about": ROUND_HALF_UP,
    "nearly": ROUND_CEILING,
    "more_than": ROUND_FLOOR,
    "at_least": ROUND_FLOOR,
    "less_than": ROUND_CEILING,
    "at_most": ROUND_CEILING,
}
_MAX_DECIMALS = {"percent": 2, "points": 2, "ratio": 2}  # and 3 for a number before a scale word, 0 before none
_CANONICAL = {"MAD": "MAD", "count": "count", "percent": "percent", "points": "points"}


class PrintingError(AssertionError):
    """A printed figure whose reading does not hold the value it was printed from: a bug here."""


@dataclass(frozen=True)
class Figure:
    """A printed figure in parts, so a test can add a qualifier and print it again."""

    number: str = ""  # "1,14" (no sign); empty for words alone ("en hausse", "la majorité")
    unit: str = ""  # " milliard de dirhams", "%", " points"
    sign: str = ""  # "", "+", "-" or "−"
    direction: str = ""  # words before the number ("hausse de", "multiplié par"), or words alone ("en hausse")
    qualifier: str = ""  # a word of service.figures.QUALIFIERS

    @property
    def text(self) -> str:
        number = f"{self.sign}{self.number}{self.unit}" if self.number else ""
        return " ".join(part for part in (self.direction, self.qualifier, number) if part)

    @property
    def qualifiable(self) -> bool:
        """A number printed without a qualifier: one can be added."""
        return bool(self.number) and not self.qualifier

    def qualified(self, word: str) -> Figure:
        return replace(self, qualifier=word)


def format_number(magnitude: Decimal, decimals: int, lang: str, group: str) -> str:
    """``1140.5`` -> ``1 140,5`` (fr, space) or ``1,140.5`` (en, comma): one language's print."""
    text = f"{magnitude:.{max(decimals, 0)}f}"
    integer, _, fraction = text.partition(".")
    if group and len(integer) > 3:
        head = len(integer) % 3 or 3
        integer = integer[:head] + "".join(group + integer[i : i + 3] for i in range(head, len(integer), 3))
    return integer + (DECIMAL_MARK[lang] + fraction if fraction else "")


# An office rounds the value it computed: half up and truncation act on its size
# (Decimal's ROUND_HALF_UP and ROUND_DOWN are symmetric), ceiling and floor on its sign too.
_OFFICE_ROUNDING = {"half_up": ROUND_HALF_UP, "truncate": ROUND_DOWN, "ceiling": ROUND_CEILING, "floor": ROUND_FLOOR}


def rounded(magnitude: Decimal, decimals: int, rounding: str, negative: bool = False) -> Decimal:
    """The size an office prints for a value of this size (negative: a fall), as it rounds.

    The figure's reading mirrors this: ceiling's fall of 8.23 is printed 8,2, not 8,3.
    """
    signed = -magnitude if negative else magnitude
    return abs(_quantized(signed, decimals, _OFFICE_ROUNDING[rounding]))


def _quantized(magnitude: Decimal, decimals: int, mode: str) -> Decimal:
    """Rounded at 10^-decimals (decimals < 0: to tens, hundreds...), in ``mode``."""
    step = Decimal(1).scaleb(-decimals)
    with localcontext(prec=60):
        return (magnitude / step).to_integral_value(rounding=mode) * step


def as_decimal(value: Decimal | Fraction | int) -> Decimal:
    """An exact rational as a Decimal of 50 digits: far below any printed digit."""
    if isinstance(value, Fraction):
        with localcontext(prec=50):
            return Decimal(value.numerator) / Decimal(value.denominator)
    return Decimal(value)


@st.composite
def qualifier_words(draw: st.DrawFn, keys: tuple[str, ...] | None = None, lang: str | None = None) -> str:
    """A qualifier word with one of ``keys`` (None: any), in ``lang`` (None: either language)."""
    keys = keys if keys is not None else tuple(QUALIFIER_WORDS)
    key = draw(st.sampled_from(keys))
    # None is French or English: the worlds print no Arabic (tests/test_figures_arabic.py does).
    languages = (lang, "both") if lang is not None else ("fr", "en", "both")
    words = [word for word in QUALIFIER_WORDS[key] if _language_of(word) in languages]
    return draw(st.sampled_from(words))


def _language_of(word: str) -> str:
    if word == "~":
        return "both"
    if word in ARABIC_QUALIFIERS:
        return "ar"
    return "fr" if word in _FRENCH_QUALIFIERS else "en"


@st.composite
def printed_magnitude(
    draw: st.DrawFn, magnitude: Decimal, most: int, rounding: str, qualifier_key: str | None, negative: bool = False
) -> tuple[Decimal, int]:
    """The magnitude a reporter prints (rounded so the qualifier holds) and its number of decimals.

    ``negative``: the value is a fall, printed with its sign (ceiling and floor round it as signed).

    A reporter keeps 1 to 5 significant digits and at most ``most`` decimals;
    without a qualifier, never fewer than 0 (an integer is read to the unit).
    """
    leading = magnitude.adjusted() if magnitude else 0  # the place of the first significant digit
    significant = draw(st.integers(1, 5))
    fewest = -leading  # never round the first significant digit away
    decimals = min(max(significant - 1 - leading, fewest), max(most, fewest))
    if qualifier_key is None:
        decimals = max(decimals, 0)  # only a qualified integer may round its tail to zeros
        return rounded(magnitude, decimals, rounding, negative), decimals
    return _quantized(magnitude, decimals, _QUALIFIED_ROUNDING[qualifier_key]), decimals


@st.composite
def printed(
    draw: st.DrawFn,
    value: Decimal | Fraction | int,
    kind: str,
    source: Source,
    qualifiers: tuple[str, ...] | None = None,
    signed: bool = False,
    qualify: bool | None = None,
) -> Figure:
    """One true value, printed by ``source``; ``kind`` is the value's unit: MAD, count, percent or points.

    ``qualifiers`` are the qualifier keys allowed (None: any, () none); ``qualify``
    says whether one is printed (None: drawn).  With ``signed``, the value may be
    negative and its sign is printed (a sign, or a word such as "baisse de").
    The figure's reading holds the value.
    """
    value = as_decimal(value)
    lang = source.language
    qualifier = ""
    keys = tuple(QUALIFIER_WORDS) if qualifiers is None else qualifiers
    if keys and (qualify if qualify is not None else draw(st.booleans())):
        qualifier = draw(qualifier_words(keys, lang))
    scale, unit = draw(_scale_and_unit(abs(value), kind, lang))
    with localcontext(prec=60):
        magnitude = abs(value) / SCALE[scale]
    most = _MAX_DECIMALS.get(kind, 3 if scale else 0)
    falling = signed and value < 0
    shown, decimals = draw(printed_magnitude(magnitude, most, str(source.rounding), QUALIFIERS.get(qualifier), falling))
    number = format_number(shown, decimals, lang, draw(st.sampled_from(GROUP_SEPARATORS[lang])))
    figure = Figure(number=number, unit=unit, qualifier=qualifier)
    if signed:
        figure = draw(_signed(figure, value < 0, lang))
    check_printed(figure.text, source, value, kind)
    return figure


@st.composite
def _scale_and_unit(draw: st.DrawFn, magnitude: Decimal, kind: str, lang: str) -> tuple[str, str]:
    """The scale word a reporter picks for this size (the largest that leaves a number of at least 1, or one below it)."""
    if kind in ("percent", "points"):
        return "", draw(st.sampled_from((PERCENT_UNITS if kind == "percent" else POINTS_UNITS)[lang]))
    units = LEVEL_UNITS if kind == "MAD" else COUNT_UNITS
    scales = [scale for scale in ("bn", "M", "k", "") if (scale, lang) in units and magnitude >= SCALE[scale]] or [""]
    scale = draw(st.sampled_from(scales[:2]))
    return scale, draw(st.sampled_from(units[(scale, lang)]))


@st.composite
def _signed(draw: st.DrawFn, figure: Figure, negative: bool, lang: str) -> Figure:
    # The sign comes from the true value even when the magnitude rounds to 0: a
    # truncated "-0 %" is [-1, 0], a bare "0 %" the wider [-1, 1].
    style = draw(st.sampled_from(("sign", "word", "bare")))
    if style == "word":
        return replace(figure, direction=draw(st.sampled_from((DOWN_WORDS if negative else UP_WORDS)[lang])))
    if negative or style == "sign":
        return replace(figure, sign=draw(st.sampled_from(("-", "\u2212"))) if negative else "+")
    return figure


@st.composite
def printed_growth(draw: st.DrawFn, percent: Decimal | Fraction, source: Source, form: str | None = None) -> Figure:
    """A growth in percent as printed: a signed number, a multiple ("multiplié par 3"), or a direction word alone.

    ``form`` is "number" (a number or a multiple), "direction", or None (any).
    A multiple is printed only for growths of 50 % and more, as reporters do.
    """
    percent = as_decimal(percent)
    forms = {"number": ("number", "multiple"), "direction": ("direction",), None: ("number", "direction", "multiple")}[form]
    if percent < 50:
        forms = tuple(f for f in forms if f != "multiple")
    chosen = draw(st.sampled_from(forms))
    if chosen == "direction":
        figure = Figure(direction=DIRECTION_ALONE[(source.language, -1 if percent < 0 else 1)])
        check_printed(figure.text, source, percent, "percent")
        return figure
    if chosen == "number":
        return draw(printed(percent, "percent", source, signed=True))
    return draw(_multiple(percent, source))


@st.composite
def _multiple(draw: st.DrawFn, percent: Decimal, source: Source) -> Figure:
    """"Multiplié par 2,5", "a doublé": the ratio 1 + g, printed and qualified like any number."""
    lang = source.language
    ratio = 1 + percent / 100
    qualifier = draw(st.one_of(st.just(""), qualifier_words(("about", "nearly", "more_than"), lang)))
    shown, decimals = draw(printed_magnitude(ratio, _MAX_DECIMALS["ratio"], str(source.rounding), QUALIFIERS.get(qualifier)))
    word = RATIO_WORDS.get((lang, int(shown))) if decimals <= 0 and not qualifier else None
    if word is not None and draw(st.booleans()):
        figure = Figure(direction=word)
    else:
        number = format_number(shown, decimals, lang, "")
        figure = Figure(number=number, direction=draw(st.sampled_from(MULTIPLE_WORDS[lang])), qualifier=qualifier)
    check_printed(figure.text, source, percent, "percent")
    return figure


@st.composite
def printed_share(draw: st.DrawFn, percent: Decimal | Fraction, source: Source, words: bool = True) -> Figure:
    """A share in percent: a number, or "la majorité" for a share of at least one half (with ``words``)."""
    percent = as_decimal(percent)
    if words and percent >= 50 and draw(st.integers(0, 3)) == 0:
        figure = Figure(direction=draw(st.sampled_from(MAJORITY_WORDS[source.language])))
        check_printed(figure.text, source, percent, "percent")
        return figure
    return draw(printed(percent, "percent", source))


def check_printed(text: str, source: Source, value: Decimal, kind: str) -> None:
    """Raise PrintingError unless ``text``, read as ``source`` prints, holds ``value`` (in ``kind``'s unit)."""
    parsed = parse_figure(text, source.language, source.rounding)
    interval, expected = parsed.interval, _CANONICAL[kind]
    exact = float(value)
    slack = 1e-12 * max(abs(exact), 1.0)  # the bounds were rounded once, to floats
    if parsed.unit != expected or not (interval.lo - slack <= exact <= interval.hi + slack):
        raise PrintingError(f"{text!r} ({source.language}, {source.rounding}) reads as {interval} {parsed.unit}, which misses {value} {expected}")
