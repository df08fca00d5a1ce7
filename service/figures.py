"""Printed text of a figure -> an interval in a canonical unit, with the reasons.

A newspaper never prints a number, it prints a *rounded* number with words around
it: "quelque 1,23 milliard de dirhams", "près de 440.000", "plus de 47 %".  This
module reads such a figure into the :class:`~service.intervals.Interval` of every
value the printed text allows, in one of the canonical units of
:mod:`service.units` (``MAD``, ``percent``, ``points``, ``count``), and says how
it got there, one short sentence per step, so a reporter can check the reading.

No library reads press figures with their qualifiers: babel parses one locale's
numbers and pint parses units, but neither knows that "près de" caps a value or
that Moroccan French prints ``2.520.000`` with dots.  So this is a small
tokenizer made of regexes over a fixed vocabulary, and it never guesses: any word
it does not know raises :class:`FigureError` naming that word.

Reading a number
----------------
A separator followed by exactly three digits (every group having exactly three)
groups thousands when it is a group separator of ``lang`` (fr: ``.`` and spaces;
en: ``,`` and spaces) or when the number has two or more such groups; otherwise it
is the decimal mark.  So ``1.14`` is 1.14 in both languages, ``1,140`` is 1.140 in
fr, ``1.140`` is 1140 in fr, and ``2,520,000`` is 2520000 in fr.  When both ``.``
and ``,`` appear, the last one is the decimal mark; when spaces group the
thousands, a ``.`` or ``,`` is the decimal mark.  Number words one..twelve
(``trois``, ``three``, ``douze``) are integers.  ``un``/``une``/``a``/``an`` are
read as articles, never as the number one.

Arabic text (``lang="ar"``, see :mod:`service.arabic`) prints Western,
Arabic-Indic (``١٫٢٣``) or Persian (``۱۲۳``) digits, read alike; ``٫`` is always
the decimal mark and ``٬`` always groups thousands, in any language, and so is the
Arabic comma ``،`` written between two digits (``108،7`` is 108.7: a list
separator is followed by a space, ``108، 90``, and is refused in a figure); a comma or
a point follows babel's ``ar_MA``, as in Moroccan French (``1,23`` is 1.23,
``440.000`` is 440000).  Tatweel, diacritics and the direction marks (LRM, RLM,
ALM) are not read; ``بـ``, ``لـ`` and ``و`` attached to a number or a known word
are read as prefixes, and a dual (``ملياران``, ``نقطتين``) is the number two and
its unit in one word.

The intervals
-------------
Let x be the printed number, u one unit of its last printed digit (``1,14`` ->
0.01, ``2.520.000`` -> 1) and s one unit of its last *significant* digit (trailing
zeros of an integer printed without decimals are not significant: ``440.000`` ->
10 000, ``70`` -> 10, ``1,20`` -> 0.01, a number word -> 1).  base is the
unqualified interval; w = max(s, u).

==========  ===================================================================  ==========================
qualifier   words (case- and accent-insensitive; ' and ’ are the same)          interval
==========  ===================================================================  ==========================
(none)      rounding ``half_up`` (the default)                                   [x - u/2, x + u/2]
(none)      rounding ``truncate`` (toward zero; some offices truncate)           [x, x + u)
(none)      rounding ``ceiling`` (toward +inf)                                   (x - u, x]
(none)      rounding ``floor`` (toward -inf)                                     [x, x + u)
about       environ, quelque, autour de, approximativement, about,               [x - w/2, x + w/2] ∪ base
            approximately, around, roughly, some, ~, approx.
nearly      près de, presque, pas loin de, nearly, almost, close to              [x - w, base.hi]
more_than   plus de, au-delà de, more than, over, above, exceeding, upwards of  [base.lo, +inf]
at_least    au moins, at least, no less than                                     [base.lo, +inf]
less_than   moins de, less than, fewer than, under, below                        [-inf, base.hi]
at_most     au plus, jusqu'à, up to, at most, no more than                       [-inf, base.hi]
==========  ===================================================================  ==========================

The Arabic qualifier words, mapped onto the same keys:

==========  ===========================================================
qualifier   Arabic words (hamza seats, diacritics and tatweel folded)
==========  ===========================================================
about       حوالي, حوالى, نحو
nearly      قرابة, ما يقارب, ما يناهز
more_than   أكثر من, أزيد من, ما يفوق, ما يزيد عن, ما يزيد على
at_least    على الأقل, ما لا يقل عن
less_than   أقل من, ما يقل عن
at_most     على الأكثر, ما لا يزيد عن
==========  ===========================================================

Qualifiers therefore only ever widen.  Every interval above is for the *size* of
the printed number; a sign (printed ``-8``/``−8``, or a downward word such as
``baisse de``) is applied afterwards by mirroring the interval.  So ``reculer de
8 points`` is [-8.5, -7.5] points, truncated ``-8`` is [-9, -8], and ``baisse de
plus de 8 %`` is [-inf, -7.5] percent: the qualifier bounds how large the fall is.

``half_up`` and ``truncate`` round the size, so a fall mirrors a rise.  ``ceiling``
and ``floor`` round the signed value, as a spreadsheet's CEILING and FLOOR do, so
for a fall the size is rounded the other way: ceiling's ``-8,2`` is (-8.3, -8.2]
(its size truncated, [8.2, 8.3)) and floor's ``-8,2`` is [-8.2, -8.1) (its size
rounded up).  Zero follows: ceiling's ``0`` and ``-0`` are both (-u, 0], floor's
both [0, u).  Truncation alone loses the sign of zero: -0.3 and 0.3 both truncate
to 0, so an unsigned ``0`` is (-u, u), while ``-0`` is (-u, 0] and ``+0`` or ``hausse
de 0`` is [0, u).  A half-open interval is stored as its closed hull (ceiling's
``8,2`` is kept as [8.1, 8.2]): the hull only adds an end no value reaches, so it
stays sound, and the explanation shows which end is open.

Then the interval is scaled to the canonical unit by an exact factor (``milliard``
10^9, ``MMDH`` 10^9 MAD, ``MDH`` 10^6 MAD), all in :class:`decimal.Decimal`; the
bounds become floats only at the end.

=====================================================  =================================
printed                                                reading
=====================================================  =================================
number (+ mille/thousand/k, million(s)/M/mn,           count
milliard(s)/billion(s)/bn/Md/Mds)
... + dirham(s)/MAD/DH/Dhs, or MDH, MMDH               MAD
%, pour cent, percent, per cent                        percent
points, pts, pp, points de pourcentage,                points (percentage points)
percentage points
multiplié par 3, multiplied by 3, x3, ×3, 3x,          ratio r -> growth (r - 1) × 100
doublé/doubled, triplé/tripled, quadruplé/quadrupled   percent (a word is an integer)
hausse de, en progression, up, ...  + number           sets the number's sign
en hausse (alone) / en baisse (alone)                  [0, +inf] / [-inf, 0] percent
la majorité, the majority, most                        [50, 100] percent
=====================================================  =================================

In Arabic: ألف/آلاف, مليون/ملايين/مليونا, مليار/مليارات/مليارا scale (the duals
ألفان, مليونان, ملياران and their other cases are 2 of the scale); درهم/دراهم/درهما,
د.م. and درهم مغربي (babel's symbol and name) are MAD; ٪ (babel's), في المائة,
في المئة, بالمائة, بالمئة are percent; نقطة/نقاط (نقطتان/نقطتين: 2) are points;
تضاعف, ضعف, مرتين are a ratio of 2, and مرات/أضعاف after a number multiply by it
(ثلاث مرات: [150, 250] percent); ارتفاع, زيادة, نمو ... go up and انخفاض,
تراجع ... go down, with or without بـ; الأغلبية, معظم are a majority.

The dirham may carry its adjective: ``Moroccan dirhams``, ``dirhams marocains``,
``درهم مغربي``.

Ignored but reported in the explanation: ``de``, ``d'``, ``of``, ``soit``, ``à``,
``to``, articles, ``en glissement annuel``, ``year-on-year``, ``yoy``, ``en
moyenne``, ``on average``, ``average``, ``par <word>``/``per <word>``, a
parenthesised abbreviation repeating the unit (``1,14 milliard de dirhams
(MMDH)``), and a parenthesised conversion of a dirham figure into another currency
(``120 billion Moroccan dirhams ($11.5 billion)``, ``(1,05 milliard d'euros)``):
the article's own aid to its reader, context and not a second figure.  Anything
else is a :class:`FigureError`, as are empty text, text without a number (and
without a direction or majority word), two numbers (``13 % à 20 %``), a unit that
contradicts another, and a figure printed in another currency than the dirham.

An article often prints a unit once for two figures: "passé de 1,2 milliard de
dirhams en 2023 à 3,6 milliards en 2024".  ``parse_figure(text, unit=...)`` reads
the second figure as printed (``3,6 milliards``, its scale kept) with the unit it
leaves unsaid (``MAD``), as if printed after its words; a given unit that
contradicts the printed one (``3,6 %`` in ``MAD``, ``3,6 milliards`` in ``MMDH``,
a second scale) is a :class:`UnitError`.
"""

from __future__ import annotations

import enum
import math
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from functools import lru_cache

import msgspec
from babel import UnknownLocaleError
from babel.numbers import get_decimal_symbol, get_group_symbol

from service import arabic
from service.intervals import Interval
from service.reading import steps as say
from service.reading.steps import Bounds, Number, Step, step
from service.reasons import N_, Quoted, Reason, Term
from service.units import to_canonical

__all__ = [
    "QUALIFIERS",
    "QUALIFIER_KEYS",
    "FigureError",
    "ParsedFigure",
    "Rounding",
    "UnitError",
    "DirectionError",
    "figure_from_value",
    "parse_figure",
]


class Rounding(enum.StrEnum):
    """How the office rounded the printed number (the module's table gives each one's interval).

    ``half_up`` and ``truncate`` round the *size* of a number (half up, or toward
    zero), so a fall is rounded as a rise is; ``ceiling`` and ``floor`` round the
    *signed* value toward +inf or -inf, so a fall's size rounds the other way.
    """

    HALF_UP = "half_up"
    TRUNCATE = "truncate"
    CEILING = "ceiling"
    FLOOR = "floor"


class FigureError(ValueError):
    """Text that cannot be read as a figure. Never guess."""

    def __init__(self, text: str, part: str, reason: str):
        # All three go to ValueError so the error pickles and reprs faithfully.
        super().__init__(text, part, reason)
        self.text = text
        self.part = part
        self.reason = reason

    def __str__(self) -> str:
        return str.__str__(self.said)

    @property
    def said(self) -> Reason:
        """The whole reason, to be said in a language (``service.reasons``); its English is ``str(error)``."""
        reason = self.reason if isinstance(self.reason, Reason) else Reason("%(why)s", why=self.reason)
        if self.part:
            return Reason(N_("cannot read %(text)s as a figure: %(part)s %(why)s"), text=Quoted(self.text), part=Quoted(self.part), why=reason)
        return Reason(N_("cannot read %(text)s as a figure: %(why)s"), text=Quoted(self.text), why=reason)


# A word a figure has twice, each its own message (a translator words each whole).
_SECOND_WORD = {
    "qualifier": N_("is a second qualifier word; a figure has one"), "direction": N_("is a second direction word; a figure has one"),
    "majority": N_("is a second majority word; a figure has one"),
}  # fmt: skip


class UnitError(FigureError):
    """A unit given beside a printed figure that cannot be its unit; ``part`` is the unit as given."""


class DirectionError(FigureError):
    """A direction given beside a printed figure that cannot be its direction; ``part`` is the direction as given."""


class ParsedFigure(msgspec.Struct, frozen=True):
    interval: Interval
    unit: str
    value: float | None
    qualifier: str | None
    explanation: list[str]  # the steps in the API's English (a contract: other tools read it)
    steps: tuple[Step, ...] = ()  # the same steps, to be said in another language (service.reading.steps)


# --- vocabulary ---------------------------------------------------------------
# Words are written as printed; matching folds case, accents and apostrophes.

QUALIFIER_KEYS = ("about", "nearly", "more_than", "at_least", "less_than", "at_most")

QUALIFIERS: dict[str, str] = {
    "environ": "about",
    "quelque": "about",
    "autour de": "about",
    "approximativement": "about",
    "about": "about",
    "approximately": "about",
    "around": "about",
    "roughly": "about",
    "some": "about",
    "~": "about",
    "approx.": "about",
    "près de": "nearly",
    "presque": "nearly",
    "pas loin de": "nearly",
    "nearly": "nearly",
    "almost": "nearly",
    "close to": "nearly",
    "plus de": "more_than",
    "au-delà de": "more_than",
    "more than": "more_than",
    "over": "more_than",
    "above": "more_than",
    "exceeding": "more_than",
    "upwards of": "more_than",
    "au moins": "at_least",
    "at least": "at_least",
    "no less than": "at_least",
    "moins de": "less_than",
    "less than": "less_than",
    "fewer than": "less_than",
    "under": "less_than",
    "below": "less_than",
    "au plus": "at_most",
    "jusqu'à": "at_most",
    "up to": "at_most",
    "at most": "at_most",
    "no more than": "at_most",
}


def _french_verb_forms(participle: str, *present: str) -> tuple[str, ...]:
    """augmenté, augmentée(s), a augmenté, ont augmenté, s'est accrue...: a verb of change as
    the press conjugates it.  Every agreement is listed, since writers agree the participle
    after avoir too; "de" before the figure is a context word, so "a augmenté de 6 %" reads."""
    forms = (participle, participle + "e", participle + "s", participle + "es")
    auxiliaries = ("", "a ", "ont ", "avait ", "avaient ", "s'est ", "se sont ")
    # "ont bondi de" is one phrase, as stored readings name it ("'ont bondi de' (up)")
    return tuple(f"{aux}{form}{de}" for form in forms for aux in auxiliaries for de in ("", " de")) + present


def _english_verb_forms(*verbs: str) -> tuple[str, ...]:
    """rose, rose by, has risen by...: "by" belongs to the verb, not to every figure."""
    auxiliaries = ("", "has ", "have ", "had ")
    return tuple(f"{aux}{verb}{by}" for verb in verbs for aux in auxiliaries for by in ("", " by"))


UPWARD_WORDS = (
    "en hausse", "hausse", "hausse de", "en progression", "progression de",
    "augmentation de", "croissance de", "accroissement de", "bond de", "un bond de",
    "envolée de", "progresse de", "augmente de", "grimpe de",
    *_french_verb_forms("augmenté"), *_french_verb_forms("progressé"), *_french_verb_forms("bondi"),
    *_french_verb_forms("grimpé"), *_french_verb_forms("accru"), *_french_verb_forms("crû"),
    "up", "up by", "rising", "increase of", "an increase of", "a rise of", "rise of", "growth of",
    *_english_verb_forms("rose", "risen", "increased", "grew", "grown", "jumped", "climbed",
                         "gained", "surged", "soared", "advanced"),
)  # fmt: skip
DOWNWARD_WORDS = (
    "en baisse", "baisse", "baisse de", "recul de", "reculer de", "recule de",
    "diminution de", "repli de", "en repli", "en repli de", "chute de", "une chute de",
    "contraction de", "régression de", "diminue de", "chute", "régresse de",
    *_french_verb_forms("reculé"), *_french_verb_forms("baissé"), *_french_verb_forms("diminué"),
    *_french_verb_forms("chuté"), *_french_verb_forms("régressé"), *_french_verb_forms("replié"),
    *_french_verb_forms("contracté"), *_french_verb_forms("fléchi"),
    "down", "down by", "falling", "decrease of", "decline of", "a fall of", "fall of", "drop of",
    *_english_verb_forms("fell", "fallen", "declined", "decreased", "dropped", "slipped",
                         "shrank", "shrunk", "slumped", "plunged", "contracted"),
)  # fmt: skip
MAJORITY_WORDS = ("la majorité", "majorité", "the majority", "majority", "most")

SCALES: dict[str, int] = {
    "mille": 3, "thousand": 3, "k": 3,
    "million": 6, "millions": 6, "m": 6, "mn": 6,
    "milliard": 9, "milliards": 9, "billion": 9, "billions": 9, "bn": 9, "md": 9, "mds": 9,
}  # fmt: skip

# Printed currency -> the unit name service.units converts from.
CURRENCIES: dict[str, str] = {
    "dirham": "MAD", "dirhams": "MAD", "MAD": "MAD", "DH": "MAD", "Dhs": "MAD",
    "MDH": "MDH", "MMDH": "MMDH",
    "Moroccan dirham": "MAD", "Moroccan dirhams": "MAD",
    "dirham marocain": "MAD", "dirhams marocains": "MAD",
}  # fmt: skip
# Other currencies, read only in a parenthesised conversion of a dirham figure:
# "120 billion Moroccan dirhams ($11.5 billion)".  A figure in one of them is refused.
FOREIGN_CURRENCIES = (
    "$", "US$", "USD", "dollar", "dollars", "US dollar", "US dollars", "U.S. dollars",
    "dollar américain", "dollars américains", "dollars US", "€", "euro", "euros", "EUR",
)  # fmt: skip
PERCENT_WORDS = ("%", "pour cent", "percent", "per cent")
POINTS_WORDS = (
    "points", "point", "pts", "pp", "points de pourcentage", "point de pourcentage",
    "percentage points", "percentage point",
)  # fmt: skip

# A multiplier either takes the printed number (None) or is the number itself.
MULTIPLIERS: dict[str, int | None] = {
    "multiplié par": None, "multipliée par": None, "multipliés par": None,
    "multipliées par": None, "a été multiplié par": None, "ont été multipliés par": None,
    "multiplied by": None, "x": None, "×": None,
    "doubled": 2, "tripled": 3, "quadrupled": 4,
}  # fmt: skip


def _french_participles(participle: str, ratio: int) -> dict[str, int]:
    """doublé, doublée(s), a doublé, ont doublé...: French agrees the participle."""
    forms = (participle, participle + "e", participle + "s", participle + "es")
    return {f"{aux}{form}": ratio for form in forms for aux in ("", "a ", "ont ")}


MULTIPLIERS |= _french_participles("doublé", 2)
MULTIPLIERS |= _french_participles("triplé", 3)
MULTIPLIERS |= _french_participles("quadruplé", 4)

# Arabic (service.arabic): the same tables, read in any language's text.
QUALIFIERS |= arabic.QUALIFIERS
UPWARD_WORDS += arabic.UPWARD_WORDS
DOWNWARD_WORDS += arabic.DOWNWARD_WORDS
MAJORITY_WORDS += arabic.MAJORITY_WORDS
SCALES |= arabic.SCALES
CURRENCIES |= arabic.CURRENCIES
FOREIGN_CURRENCIES += arabic.FOREIGN_CURRENCIES
PERCENT_WORDS += arabic.PERCENT_WORDS
POINTS_WORDS += arabic.POINTS_WORDS
MULTIPLIERS |= arabic.MULTIPLIERS
POSTFIX_MULTIPLIERS = ("x", "×", *arabic.POSTFIX_MULTIPLIERS)

NUMBER_WORDS: dict[str, int] = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "sept": 7, "huit": 8,
    "neuf": 9, "dix": 10, "onze": 11, "douze": 12,
}  # fmt: skip
NUMBER_WORDS |= arabic.NUMBER_WORDS

# Words that carry no value.  "un"/"une"/"a"/"an" are here and not in
# NUMBER_WORDS: "une hausse de 13 %" is far commoner in print than "un" for 1.
CONTEXT_WORDS = (
    "en glissement annuel", "year-on-year", "yoy", "en moyenne", "on average",
    "average", "soit", "à", "a", "to", "de", "d'", "of", "the", "la", "le", "les",
    "l'", "un", "une", "an", *arabic.CONTEXT_WORDS,
)  # fmt: skip

_SPACES = " \u00a0\u202f\u2009"
# Press conventions babel's locale data does not record: Moroccan French prints
# thousands with dots ("2.520.000", "440.000").
_PRESS_GROUP_SEPARATORS = {"fr": "."}
# The locale whose separators a language's press uses: Arabic in Morocco is ar_MA
# (babel's plain "ar" has the Middle East's point for decimals).
_PRESS_LOCALES = {"ar": arabic.PRESS_LOCALE}
_AR_DECIMAL, _AR_GROUP = arabic.ARABIC_DECIMAL_SEPARATOR, arabic.ARABIC_GROUP_SEPARATOR
_AR_COMMA = arabic.ARABIC_COMMA


# --- folding ------------------------------------------------------------------


def _fold_char(char: str) -> str:
    """One char for one char; :func:`_folded` drops the skipped ones and keeps their positions."""
    if (digit := arabic.western_digit(char)) is not None:
        return digit
    if char in "’‘ʼ`´":
        return "'"
    if char == "\u2212":
        return "-"
    base = unicodedata.normalize("NFD", char)[0]
    lower = base.lower()
    return lower if len(lower) == 1 else base


class _FoldTable(dict):
    """``str.translate``'s table for :func:`_folded`, filled a char at a time as texts bring them:
    a char maps to its fold (:func:`_fold_char`), or to None (deleted) when it is skipped."""

    def __missing__(self, code: int) -> str | None:
        char = chr(code)
        folded = self[code] = None if arabic.is_skipped(char) else _fold_char(char)
        return folded


_FOLD_TABLE = _FoldTable()


def _folded(text: str) -> tuple[str, list[int]]:
    """The folded text, and where each of its chars (and its end) is in the original.

    Tatweel, diacritics and direction marks are dropped (:func:`service.arabic.is_skipped`),
    so a token's printed text is the original slice, marks and all.
    """
    # One translate in C, with each char folded once per process: a bulk load reads tens of
    # thousands of texts.  A text with no skipped char keeps every position (most texts).
    folded = text.translate(_FOLD_TABLE)
    if len(folded) == len(text):
        return folded, list(range(len(text) + 1))
    chars: list[str] = []
    origin: list[int] = []
    for position, char in enumerate(text):
        if not arabic.is_skipped(char):
            chars.append(_fold_char(char))
            origin.append(position)
    origin.append(len(text))
    return "".join(chars), origin


def _fold(text: str) -> str:
    return _folded(text)[0]


# --- tokens -------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    # number, number_word, qualifier, direction, majority, scale, currency,
    # percent, points, multiplier, context, per or paren
    kind: str
    text: str  # as printed
    value: object = None


def _phrase_pattern(phrase: str) -> str:
    words = [re.escape(word) for word in re.split(r"[\s-]+", _fold(phrase))]
    pattern = r"(?:\s+|-)".join(words) if "-" in phrase else r"\s+".join(words)
    if phrase == "x":
        return pattern + r"(?![^\W\d_])"  # "x3": a digit may follow, a letter may not
    if phrase[-1].isalnum():
        return pattern + r"(?!\w)"
    return pattern


def _vocabulary() -> list[tuple[str, str, object]]:
    entries: list[tuple[str, str, object]] = []
    entries += [(word, "qualifier", key) for word, key in QUALIFIERS.items()]
    entries += [(word, "direction", 1) for word in UPWARD_WORDS]
    entries += [(word, "direction", -1) for word in DOWNWARD_WORDS]
    entries += [(word, "majority", None) for word in MAJORITY_WORDS]
    entries += [(word, "scale", exponent) for word, exponent in SCALES.items()]
    entries += [(word, "currency", unit) for word, unit in CURRENCIES.items()]
    entries += [(word, "foreign", None) for word in FOREIGN_CURRENCIES]
    entries += [(word, "percent", None) for word in PERCENT_WORDS]
    entries += [(word, "points", None) for word in POINTS_WORDS]
    entries += [(word, "multiplier", ratio) for word, ratio in MULTIPLIERS.items()]
    entries += [(word, "number_word", number) for word, number in NUMBER_WORDS.items()]
    entries += [(word, "context", None) for word in CONTEXT_WORDS]
    entries += [("approx", "qualifier", "about")]
    entries += [(word, "dual", ("scale", exponent)) for word, exponent in arabic.DUAL_SCALES.items()]
    entries += [(word, "dual", ("points", None)) for word in arabic.DUAL_POINTS]
    return entries


class _Alternation:
    """The vocabulary's alternation, one compiled part per first char; ``match`` as a pattern's.

    Python's ``re`` tries an alternation's branches one after another: with hundreds of
    phrases that was most of the time a figure took to read.  Every phrase starts with a
    literal char, so at a position only the branches starting with the char there can
    match; kept in their order, the first of them that matches is the branch the whole
    alternation takes.  A branch without a literal first char would go in every part.
    """

    def __init__(self, branches: list[tuple[str | None, str]]) -> None:
        firsts = {first for first, _ in branches if first is not None}
        self._parts = {char: self._compiled([p for first, p in branches if first in (char, None)]) for char in firsts}
        self._elsewhere = self._compiled([p for first, p in branches if first is None])

    @staticmethod
    def _compiled(patterns: list[str]) -> re.Pattern[str] | None:
        return re.compile("|".join(patterns)) if patterns else None

    def match(self, text: str, position: int = 0) -> re.Match[str] | None:
        part = self._parts.get(text[position : position + 1], self._elsewhere)
        return part.match(text, position) if part is not None else None


def _first_char(phrase: str) -> str | None:
    """The literal char :func:`_phrase_pattern`'s pattern starts with, or None."""
    first_word = re.split(r"[\s-]+", _fold(phrase))[0]
    return first_word[0] if first_word else None


@lru_cache(maxsize=1)
def _lexicon() -> tuple[_Alternation, list[tuple[str, object]]]:
    """One alternation, longest phrases first: Python takes the first alternative that matches."""
    entries = sorted(_vocabulary(), key=lambda entry: len(entry[0]), reverse=True)
    branches = [(_first_char(word), f"(?P<w{i}>{_phrase_pattern(word)})") for i, (word, _, _) in enumerate(entries)]
    return _Alternation(branches), [(kind, value) for _, kind, value in entries]


# Digits joined by '.' or ',' or by a space before exactly three digits (so "13 % à 20 %"
# stays two numbers); which separator is the decimal mark is decided later.  An Arabic
# comma joins digits only when it touches both: "108، 90" is a list, two numbers.
_MARKS = f".,{_AR_DECIMAL}{_AR_GROUP}{_AR_COMMA}"
_NUMBER = re.compile(
    rf"(?P<sign>[+-])?(?P<body>[0-9]+(?:(?:[{_MARKS}]|[{_SPACES}](?=[0-9]{{3}}(?![0-9])))[0-9]+)*)(?![0-9])"
)
_PAREN = re.compile(r"\([^()]*\)")
_PER = re.compile(r"(?:par|per)\s+([^\W\d_][\w'-]*)")
_UNKNOWN_WORD = re.compile(r"[^\W\d_]+(?:['-][^\W\d_]+)*'?|[^\w\s]+|\S")


def _tokenize(text: str) -> list[_Token]:
    folded, origin = _folded(text)
    lexicon, meanings = _lexicon()
    tokens: list[_Token] = []
    position = 0

    def printed(start: int, end: int) -> str:
        # A word keeps its diacritics and tatweel; a direction mark after it is not part of it.
        stop = origin[end - 1] + 1
        while stop < len(text) and arabic.is_skipped(text[stop]) and text[stop] not in arabic.DIRECTION_MARKS:
            stop += 1
        return text[origin[start] : stop]

    while position < len(folded):
        if folded[position].isspace():
            position += 1
            continue
        if match := _NUMBER.match(folded, position):
            tokens.append(_Token("number", printed(match.start(), match.end())))
        elif match := _PAREN.match(folded, position):
            tokens.append(_Token("paren", printed(match.start(), match.end())))
        elif match := lexicon.match(folded, position):
            kind, value = meanings[int(match.lastgroup[1:])]
            tokens.append(_Token(kind, printed(match.start(), match.end()), value))
        elif match := _PER.match(folded, position):
            per_what = printed(match.start(1), match.end(1))
            tokens.append(_Token("per", printed(match.start(), match.end()), per_what))
        elif _attached_prefix(folded, position):
            tokens.append(_Token("prefix", printed(position, position + 1), arabic.PREFIXES[folded[position]]))
            position += 1
            continue
        else:
            match = _UNKNOWN_WORD.match(folded, position)
            unknown = printed(match.start(), match.end())
            raise FigureError(text, unknown, Reason(N_("is not a number, unit, scale, qualifier or known context word")))
        position = match.end()
    return tokens


def _attached_prefix(folded: str, position: int, depth: int = 0) -> bool:
    """An Arabic prefix (بـ, لـ, و) written onto a number or a known word, perhaps after another (وبـ).

    Only then: a word that merely begins with one of these letters (بلغت) is not cut.
    """
    if depth > 1 or folded[position] not in arabic.PREFIXES or position + 1 >= len(folded):
        return False
    rest = position + 1
    if _NUMBER.match(folded, rest) or _lexicon()[0].match(folded, rest):
        return True
    return _attached_prefix(folded, rest, depth + 1)


# --- numbers ------------------------------------------------------------------


@dataclass(frozen=True)
class _Number:
    """A printed number: its value, u (last printed digit) and s (last significant digit)."""

    text: str
    value: Decimal
    unit_of_last_digit: Decimal
    unit_of_last_significant_digit: Decimal
    how: tuple[Step, ...]  # how its digits were read, fragments of the "read as" step (service.reading.steps)

    @property
    def magnitude(self) -> Decimal:
        return abs(self.value)

    @property
    def signed(self) -> bool:
        return self.text.lstrip()[:1] in ("+", "-", "\u2212")

    @property
    def negative(self) -> bool:
        return self.text.lstrip()[:1] in ("-", "\u2212")


@lru_cache(maxsize=None)
def _separators(lang: str) -> tuple[str, str]:
    """(decimal mark, group separators) of a language, from babel plus what the press does.

    babel's ``parse_decimal`` alone is not enough: press text mixes conventions.
    Moroccan French prints ``2.520.000`` with dots, which babel rejects for fr, and
    it reads ``440.000`` as 440 for fr and ``1,14`` as 114 for en.  So babel gives
    each language's own symbols and the rules of :func:`_read_number` decide.
    """
    locale = _PRESS_LOCALES.get(lang, lang)
    try:
        decimal_mark, group = get_decimal_symbol(locale), get_group_symbol(locale)
    except (UnknownLocaleError, ValueError, TypeError) as exc:
        raise ValueError(f"unknown language {lang!r}") from exc
    return decimal_mark, group + _SPACES + _PRESS_GROUP_SEPARATORS.get(lang.split("_")[0], "")


def _read_number(printed: str, lang: str, whole_text: str) -> _Number:
    match = _NUMBER.fullmatch(_fold(printed).strip())
    if match is None:
        raise FigureError(whole_text, printed, Reason(N_("is not a number")))
    parts = re.split(f"([{_MARKS}{_SPACES}])", match["body"])
    runs, separators = parts[0::2], parts[1::2]
    decimal_at, how = _decimal_mark_position(runs, separators, lang, printed, whole_text)
    integer_runs = runs[: decimal_at + 1] if decimal_at is not None else runs
    _check_groups(integer_runs, printed, whole_text)
    integer = "".join(integer_runs)
    decimals = runs[decimal_at + 1] if decimal_at is not None else ""
    sign = "-" if match["sign"] == "-" else ""
    value = Decimal(f"{sign}{integer}.{decimals}" if decimals else f"{sign}{integer}")
    unit_of_last_digit = Decimal(1).scaleb(-len(decimals))
    if scripts := arabic.digit_scripts(printed):
        how = (step(say.digits, scripts), *how)
    return _Number(printed, value, unit_of_last_digit, _last_significant(integer, decimals), how)


def _decimal_mark_position(
    runs: list[str], separators: list[str], lang: str, printed: str, whole_text: str
) -> tuple[int | None, tuple[Step, ...]]:
    """Index of the separator that is the decimal mark (None: an integer), and why."""
    decimal_symbol, groups = _separators(lang)
    if _AR_DECIMAL in separators and _AR_COMMA in separators:
        raise FigureError(whole_text, printed, Reason(N_("has two decimal marks, '%(one)s' and '%(other)s'"), one=_AR_DECIMAL, other=_AR_COMMA))
    if _AR_DECIMAL in separators:
        return _arabic_decimal_mark(separators, _AR_DECIMAL, printed, whole_text)
    if _AR_COMMA in separators:
        return _arabic_decimal_mark(separators, _AR_COMMA, printed, whole_text)
    punctuation = [(i, sep) for i, sep in enumerate(separators) if sep in ".,"]
    spaced = any(sep in _SPACES + _AR_GROUP for sep in separators)
    spaces = step(say.groups, _AR_GROUP if _AR_GROUP in separators else " ")
    if not punctuation:
        return None, (spaces,) if spaced else ()
    last_index, last = punctuation[-1]
    others = {sep for _, sep in punctuation[:-1]}
    if last_index != len(separators) - 1:
        raise FigureError(whole_text, printed, Reason(N_("has digits grouped after its decimal mark")))
    if others and last not in others:
        return last_index, (step(say.groups, others.pop()), step(say.decimal_mark, last, None))
    if others or len(punctuation) >= 2:
        return None, (step(say.groups, last),)
    if spaced:
        return last_index, (spaces, step(say.decimal_mark, last, None))
    could_group = len(runs[-1]) == 3 and 1 <= len(runs[0]) <= 3
    if could_group:
        grouping = last in groups
        return (None if grouping else last_index), (step(say.before_three_digits, lang, last, grouping),)
    return last_index, (step(say.decimal_mark, last, None if last == decimal_symbol else lang),)


def _arabic_decimal_mark(separators: list[str], mark: str, printed: str, whole_text: str) -> tuple[int, tuple[Step, ...]]:
    """'٫', or '،' between digits, is only ever a decimal mark: the last separator, after groups of '٬' or spaces only."""
    at = separators.index(mark)
    if at != len(separators) - 1:
        raise FigureError(whole_text, printed, Reason(N_("has digits or a second mark after its decimal mark '%(mark)s'"), mark=mark))
    if any(sep in ".," for sep in separators):
        raise FigureError(whole_text, printed, Reason(N_("mixes the Arabic decimal mark '%(mark)s' with '.' or ','"), mark=mark))
    grouped = (step(say.groups, _AR_GROUP),) if _AR_GROUP in separators else ()
    return at, (*grouped, step(say.arabic_mark, mark))


def _check_groups(integer_runs: list[str], printed: str, whole_text: str) -> None:
    if len(integer_runs) > 1 and not (
        1 <= len(integer_runs[0]) <= 3 and all(len(run) == 3 for run in integer_runs[1:])
    ):
        raise FigureError(whole_text, printed, Reason(N_("groups its digits in other than threes")))


def _last_significant(integer: str, decimals: str) -> Decimal:
    # Printed decimals are all significant ("1,10"); an integer's trailing zeros are
    # not ("440.000" is known to the ten thousand).  Zero is asked of the digits, not of int():
    # int() refuses a text of more than 4300 digits (sys.get_int_max_str_digits), a 500 once.
    if decimals or not integer.strip("0"):
        return Decimal(1).scaleb(-len(decimals))
    return Decimal(1).scaleb(len(integer) - len(integer.rstrip("0")))


def _number_from_word(token: _Token) -> _Number:
    value = Decimal(token.value)
    return _Number(token.text, value, Decimal(1), Decimal(1), (step(say.number_word),))


def _number_from_float(number: float, whole_text: str) -> _Number:
    printed = repr(number)
    value = Decimal(printed)
    if not value.is_finite():
        raise FigureError(whole_text, printed, Reason(N_("is not a finite number")))
    places = max(-value.as_tuple().exponent, 0)
    unit = Decimal(1).scaleb(value.as_tuple().exponent)
    significant = unit if places or value == 0 else _last_significant(str(int(abs(value))), "")
    return _Number(printed, value, unit, max(significant, unit), (step(say.float_repr),))


# --- reading: tokens -> what was printed ----------------------------------------


@dataclass
class _Reading:
    """What a figure's text says, before any arithmetic."""

    text: str
    number: _Number | None = None
    qualifier: _Token | None = None
    direction: _Token | None = None
    majority: _Token | None = None
    scale: _Token | None = None
    currency: _Token | None = None
    family: _Token | None = None  # the percent or points token
    multiplier: _Token | None = None
    given_unit: str | None = None  # a unit the text leaves unsaid, given beside it
    given_direction: bool = False  # the direction is printed elsewhere in the sentence, given beside the figure
    ignored: list[Step] = field(default_factory=list)

    def fail(self, part: str, reason: str) -> FigureError:
        return FigureError(self.text, part, reason)

    @property
    def unit_tokens(self) -> list[_Token]:
        return [t for t in (self.scale, self.currency, self.family) if t is not None]


def _read_tokens(text: str, tokens: list[_Token], lang: str) -> _Reading:
    reading = _Reading(text)
    for token in tokens:
        _take(reading, token, lang)
    _check_complete(reading)
    return reading


def _take(reading: _Reading, token: _Token, lang: str) -> None:
    kind = token.kind
    if kind in ("number", "number_word"):
        _take_number(reading, token, lang)
    elif kind == "qualifier":
        _once(reading, "qualifier", token)
        if reading.number is not None:
            raise reading.fail(token.text, Reason(N_("comes after the number; a qualifier goes before it")))
    elif kind in ("direction", "majority"):
        _once(reading, kind, token)
    elif kind in ("scale", "currency", "percent", "points"):
        _take_unit(reading, token)
    elif kind == "multiplier":
        _take_multiplier(reading, token)
    elif kind == "paren":
        _take_paren(reading, token)
    elif kind == "foreign":
        raise reading.fail(token.text, Reason(N_("is a currency other than the dirham: Tally reads dirham figures (a conversion in parentheses after one is context)")))
    elif kind == "per":
        reading.ignored.append(step(say.per, token.value))
    elif kind == "dual":
        _take_dual(reading, token, lang)
    elif kind == "prefix":
        reading.ignored.append(step(say.prefix, token.text, token.value))
    else:
        reading.ignored.append(step(say.ignored, token.text))


def _once(reading: _Reading, slot: str, token: _Token) -> None:
    if getattr(reading, slot) is not None:
        raise reading.fail(token.text, Reason(_SECOND_WORD[slot]))
    setattr(reading, slot, token)


def _take_number(reading: _Reading, token: _Token, lang: str) -> None:
    if reading.number is not None:
        raise reading.fail(token.text, Reason(N_("is a second number; quote one figure at a time")))
    if reading.multiplier is not None and reading.multiplier.value is not None:
        raise reading.fail(token.text, Reason(N_("follows '%(multiple)s', which is already a number"), multiple=reading.multiplier.text))
    if reading.unit_tokens:
        raise reading.fail(token.text, Reason(N_("comes after its unit")))
    if token.kind == "number_word":
        reading.number = _number_from_word(token)
    else:
        reading.number = _read_number(token.text, lang, reading.text)


def _take_dual(reading: _Reading, token: _Token, lang: str) -> None:
    """An Arabic dual is the number two and its unit in one word: ملياران is 2 milliards."""
    if reading.number is not None:
        raise reading.fail(token.text, Reason(N_("is a dual (two) after a number; quote one figure at a time")))
    kind, value = token.value
    _take_number(reading, _Token("number_word", token.text, 2), lang)
    reading.number = _Number(token.text, Decimal(2), Decimal(1), Decimal(1), (step(say.dual),))
    _take_unit(reading, _Token(kind, token.text, value))


def _take_unit(reading: _Reading, token: _Token) -> None:
    if reading.number is None:
        raise reading.fail(token.text, Reason(N_("is a unit without a number before it")))
    if reading.multiplier is not None:
        raise reading.fail(token.text, Reason(N_("cannot follow a multiple, which is a growth in percent")))
    if token.kind == "scale":
        if reading.scale is not None:
            raise reading.fail(token.text, Reason(N_("scales the number a second time")))
        if reading.currency is not None or reading.family is not None:
            raise reading.fail(token.text, Reason(N_("is a scale after the unit")))
        reading.scale = token
    elif token.kind == "currency":
        if reading.currency is not None or reading.family is not None:
            raise reading.fail(token.text, Reason(N_("is a second unit")))
        if reading.scale is not None and token.value != "MAD":
            raise reading.fail(token.text, Reason(N_("scales the number a second time")))
        reading.currency = token
    else:
        if reading.unit_tokens:
            kind = "scale" if reading.scale else "unit"
            raise reading.fail(token.text, Reason(N_("cannot follow the scale '%(unit)s'") if kind == "scale" else N_("cannot follow the unit '%(unit)s'"), unit=reading.unit_tokens[-1].text))
        reading.family = token


def _take_multiplier(reading: _Reading, token: _Token) -> None:
    if reading.multiplier is not None:
        raise reading.fail(token.text, Reason(N_("is a second multiple")))
    postfix = token.value is None and _fold(token.text) in {_fold(word) for word in POSTFIX_MULTIPLIERS}
    if reading.number is not None and not (postfix and not reading.unit_tokens):
        reason = Reason(N_("cannot follow the number") if token.value is None else N_("is already a number"))
        raise reading.fail(token.text, reason)
    reading.multiplier = token


def _take_paren(reading: _Reading, token: _Token) -> None:
    """A parenthesised abbreviation may repeat the unit: "1,14 milliard de dirhams (MMDH)"."""
    inner = token.text[1:-1]
    try:
        inner_tokens = [t for t in _tokenize(inner) if t.kind != "context"]
    except FigureError:
        inner_tokens = []
    if any(t.kind == "foreign" for t in inner_tokens):
        _take_conversion(reading, token, inner_tokens)
        return
    unit_kinds = {"scale", "currency", "percent", "points"}
    if not inner_tokens or any(t.kind not in unit_kinds for t in inner_tokens):
        raise reading.fail(token.text, Reason(N_("is not a unit in parentheses")))
    if not reading.unit_tokens:
        raise reading.fail(token.text, Reason(N_("repeats no unit printed before it")))
    repeated = _Reading(inner, number=_Number("1", Decimal(1), Decimal(1), Decimal(1), ()))
    try:
        for inner_token in inner_tokens:
            _take_unit(repeated, inner_token)
    except FigureError as exc:
        raise reading.fail(token.text, Reason(N_("is not a unit in parentheses"))) from exc
    if _conversion(repeated) != _conversion(reading):
        raise reading.fail(token.text, Reason(N_("does not repeat the unit printed before it")))
    reading.ignored.append(step(say.repeats_unit, token.text))


def _take_conversion(reading: _Reading, token: _Token, inner_tokens: list[_Token]) -> None:
    """"($11.5 billion)" after a dirham figure: the article converts it for its reader.

    It is context, not a second figure: a reader checks the dirhams an office
    printed, not the outlet's exchange rate.  So it must be one amount in another
    currency and nothing else, after a figure in dirhams.
    """
    kinds = [t.kind for t in inner_tokens]
    numbers = sum(kind in ("number", "number_word") for kind in kinds)
    allowed = {"qualifier", "number", "number_word", "scale", "foreign"}
    if numbers != 1 or kinds.count("scale") > 1 or not set(kinds) <= allowed:
        raise reading.fail(token.text, Reason(N_("is not one amount in another currency")))
    if reading.currency is None:
        raise reading.fail(token.text, Reason(N_("converts into another currency a figure not printed in dirhams")))
    reading.ignored.append(step(say.converted, token.text))


def _given_unit(reading: _Reading, unit: str) -> None:
    """The unit the text leaves unsaid, read as if printed after its words; it must agree with a printed one.

    A text that prints its unit keeps it: the given unit only has to name the same
    canonical unit (and, when it carries a scale such as MMDH, the same scale).
    """
    tokens = _unit_name_tokens(unit)
    if tokens is None:
        raise UnitError(reading.text, unit, Reason(N_("is not a known unit")))
    given_factor, given_canonical = _unit_reading(tokens, unit, reading.text)
    printed = _printed_unit(reading)
    if printed is None:
        try:
            for token in tokens:
                _take_unit(reading, token)
        except FigureError as exc:
            raise UnitError(reading.text, unit, Reason(N_("cannot be the unit of this figure: %(why)s"), why=exc.reason)) from exc
        reading.given_unit = unit
        return
    if given_canonical != printed:
        raise UnitError(reading.text, unit, Reason(N_("contradicts the unit printed in the figure (%(printed)s)"), printed=Term(printed)))
    if given_factor != 1 and _conversion(reading)[0] != given_factor:
        raise UnitError(reading.text, unit, Reason(N_("carries a scale (%(scale)s) the printed figure does not"), scale=_power_of_ten(given_factor)))
    reading.ignored.append(step(say.unit_agrees, unit))


DIRECTIONS = {"up": 1, "down": -1}


def _given_direction(reading: _Reading, direction: str) -> None:
    """The direction a sentence prints apart from its figure, read as if printed with it.

    Arabic puts the verb first ("تراجعت صادرات الفوسفاط بنسبة 3 في المائة"), French and
    English often put words between ("reculent ainsi de 3 %"): the figure as printed is
    "3 في المائة", and only the sentence says it fell.  A figure that prints its own
    direction or sign keeps it; the given one must agree.
    """
    if direction not in DIRECTIONS:
        raise DirectionError(reading.text, direction, Reason(N_("is not a direction: 'up' or 'down'")))
    sign = DIRECTIONS[direction]
    number = reading.number
    if reading.majority is not None or reading.multiplier is not None:
        own = reading.majority or reading.multiplier
        raise DirectionError(reading.text, direction, Reason(N_("cannot go with '%(word)s', which says what it is by itself"), word=own.text))
    if number is None and reading.direction is None:
        raise DirectionError(reading.text, direction, Reason(N_("goes with a figure that has a number")))
    printed = reading.direction.value if reading.direction is not None else (-1 if number.negative else 1) if number.signed else None
    if printed is None:
        reading.direction = _Token("direction", direction, sign)
        reading.given_direction = True
        return
    if printed != sign:
        word = reading.direction.text if reading.direction is not None else number.text
        raise DirectionError(reading.text, direction, Reason(N_("contradicts the direction printed in the figure ('%(word)s')"), word=word))
    reading.ignored.append(step(say.direction_agrees, direction))


def _unit_name_tokens(unit: str) -> list[_Token] | None:
    """The tokens of a unit's name ('MAD', 'milliards de dirhams', 'percent'); [] for a count; None if not a unit."""
    if " ".join(_fold(unit).split()) == "count":
        return []
    try:
        tokens = [t for t in _tokenize(unit) if t.kind != "context"]
    except FigureError:
        return None
    if not tokens or any(t.kind not in ("scale", "currency", "percent", "points") for t in tokens):
        return None
    if all(t.kind == "scale" for t in tokens):
        return None  # "milliards" is no unit: a scale word belongs to the printed figure
    return tokens


def _unit_reading(tokens: list[_Token], unit: str, text: str) -> tuple[Decimal, str]:
    """The factor and canonical unit a unit's name stands for, as '1 <unit>' would read."""
    alone = _Reading(unit, number=_Number("1", Decimal(1), Decimal(1), Decimal(1), ()))
    try:
        for token in tokens:
            _take_unit(alone, token)
    except FigureError as exc:
        raise UnitError(text, unit, Reason(N_("is not a unit: %(why)s"), why=exc.reason)) from exc
    return _conversion(alone)


def _printed_unit(reading: _Reading) -> str | None:
    """The canonical unit the text itself says, or None when it prints a bare number (a count)."""
    if reading.majority is not None or reading.multiplier is not None or reading.number is None:
        return "percent"
    if reading.currency is not None or reading.family is not None:
        return _conversion(reading)[1]
    return None


def _check_complete(reading: _Reading) -> None:
    """What can only be judged once the whole text is read."""
    if reading.majority is not None:
        _check_majority_alone(reading)
        return
    ratio_word = reading.multiplier is not None and reading.multiplier.value is not None
    if reading.number is None and not ratio_word:
        if reading.multiplier is not None:
            raise reading.fail(reading.multiplier.text, Reason(N_("needs a number")))
        if reading.direction is None:
            raise reading.fail(reading.text.strip(), Reason(N_("has no number, direction or majority word")))
        if reading.qualifier is not None:
            raise reading.fail(reading.qualifier.text, Reason(N_("qualifies no number")))
    if reading.direction is not None:
        _check_direction(reading)


def _check_majority_alone(reading: _Reading) -> None:
    others = [reading.number, reading.qualifier, reading.direction, reading.multiplier, *reading.unit_tokens]
    extra = next((token for token in others if token is not None), None)
    if extra is not None:
        raise reading.fail(extra.text, Reason(N_("cannot go with '%(word)s'"), word=reading.majority.text))


def _check_direction(reading: _Reading) -> None:
    direction = reading.direction
    if reading.multiplier is not None:
        reason = Reason(N_("goes with a multiple ('%(multiple)s'), which has its own direction"), multiple=reading.multiplier.text)
        raise reading.fail(direction.text, reason)
    number = reading.number
    if number is not None and number.signed:
        if number.negative or direction.value < 0:
            reason = Reason(N_("has a printed sign as well as the direction '%(word)s'"), word=direction.text)
            raise reading.fail(number.text, reason)


# --- arithmetic: reading -> interval --------------------------------------------


@dataclass(frozen=True)
class _Bounds:
    lo: Decimal
    hi: Decimal

    def said(self, brackets: str = "[]") -> Bounds:
        """The interval as a step names it: its ends as the API writes them and as a page does."""
        return Bounds(_number(self.lo), _number(self.hi), brackets)

    def mirrored(self) -> _Bounds:
        return _Bounds(-self.hi, -self.lo)

    def times(self, factor: Decimal) -> _Bounds:
        return _Bounds(self.lo * factor, self.hi * factor)


_INF = Decimal("Infinity")


def _rounding_bounds(number: _Number, rounding: Rounding, falling: bool, steps: list[Step]) -> _Bounds:
    """The interval of the printed number's size before any qualifier: how the office rounded it.

    ``falling`` says the value is negative (a printed minus or a downward word):
    ceiling and floor round the signed value, so a fall's size is rounded the
    other way.  A half-open interval is kept as its closed hull: ceiling's 8,2
    is (8.1, 8.2], stored [8.1, 8.2].
    """
    magnitude, unit = number.magnitude, number.unit_of_last_digit
    place = unit.adjusted()  # the last printed digit's place: -2 for hundredths
    if rounding is Rounding.HALF_UP:
        steps.append(step(say.last_digit, place, _number(unit / 2)))
        return _Bounds(magnitude - unit / 2, magnitude + unit / 2)
    if rounding is Rounding.TRUNCATE and magnitude == 0 and not number.signed and not falling:
        # Truncation sends -0.3 and 0.3 alike to 0: only a printed sign or word says which.
        bounds = _Bounds(-unit, unit)
        steps.append(step(say.last_digit_unsigned_zero, place, bounds.said("()")))
        return bounds
    away_from_zero = (rounding is Rounding.CEILING and not falling) or (rounding is Rounding.FLOOR and falling)
    if away_from_zero:
        bounds, brackets = _Bounds(magnitude - unit, magnitude), "(]"
    else:
        bounds, brackets = _Bounds(magnitude, magnitude + unit), "[)"
    steps.append(step(say.last_digit_rounded, place, rounding.value, falling, bounds.said(brackets)))
    return bounds


def _qualified(base: _Bounds, number: _Number, qualifier: _Token, steps: list[Step]) -> _Bounds:
    key = qualifier.value
    reach = max(number.unit_of_last_significant_digit, number.unit_of_last_digit)
    magnitude = number.magnitude
    if key == "about":
        # "About" says the figure is rounded at its last significant digit: 2.520.000
        # may be anything that rounds to 2,52 million.  For 1,23 that is the rounding
        # already, which is why "quelque 1,23 milliard" stays [1.225, 1.235].
        # Never narrower than the source's own rounding: a truncating office's
        # "environ 1,23" still covers [1.23, 1.24].
        reach = reach / 2
        bounds = _Bounds(min(base.lo, magnitude - reach), max(base.hi, magnitude + reach))
    elif key == "nearly":
        bounds = _Bounds(magnitude - reach, base.hi)
    elif key in ("more_than", "at_least"):
        bounds = _Bounds(base.lo, _INF)
    else:
        bounds = _Bounds(-_INF, base.hi)
    steps.append(step(say.qualified, qualifier.text, key, _number(reach), bounds.said()))
    return bounds


def _number_bounds(reading: _Reading, number: _Number, rounding: Rounding, steps: list[Step]) -> _Bounds:
    """The interval of the printed number with its qualifier and its sign, still unscaled."""
    steps.append(step(say.read_as, number.text, Number(number.value, str(number.value), printed=True), number.how))
    falling = number.negative or (reading.direction is not None and reading.direction.value < 0)
    bounds = _rounding_bounds(number, rounding, falling, steps)
    if reading.qualifier is not None:
        bounds = _qualified(bounds, number, reading.qualifier, steps)
    if number.negative:
        bounds = bounds.mirrored()
        steps.append(step(say.minus_sign, bounds.said()))
    elif reading.direction is not None:
        word = None if reading.given_direction else reading.direction.text  # None: given beside the figure
        if reading.direction.value < 0:
            bounds = bounds.mirrored()
            steps.append(step(say.falls, word, bounds.said()))
        else:
            steps.append(step(say.rises, word))
    return bounds


def _signed_value(reading: _Reading) -> Decimal:
    falling = reading.direction is not None and reading.direction.value < 0
    return -reading.number.magnitude if falling else reading.number.value


def _conversion(reading: _Reading) -> tuple[Decimal, str]:
    """Exact factor from the printed number to the canonical unit, and that unit."""
    exponent = reading.scale.value if reading.scale is not None else 0
    if reading.currency is not None:
        source = reading.currency.value
    elif reading.family is not None:
        source = reading.family.kind
    else:
        source = "count"
    factor, canonical = to_canonical(Decimal(1), source)
    return factor * Decimal(1).scaleb(exponent), canonical


def _unit_steps(reading: _Reading, steps: list[Step]) -> None:
    if reading.given_unit is not None:
        steps.append(step(say.unit_given, reading.given_unit))
    if reading.scale is not None:
        steps.append(step(say.scales, reading.scale.text, reading.scale.value))
    if reading.currency is not None:
        factor, _ = to_canonical(Decimal(1), reading.currency.value)
        steps.append(step(say.dirhams, reading.currency.text, None if factor == 1 else factor.adjusted()))
    elif reading.family is not None and reading.family.kind == "percent":
        steps.append(step(say.percent, reading.family.text))
    elif reading.family is not None:
        steps.append(step(say.points, reading.family.text))
    else:
        steps.append(step(say.count))


def _figure(reading: _Reading, rounding: Rounding) -> ParsedFigure:
    steps: list[Step] = []
    # Enough digits for 10^9 times a number printed to many decimals, exactly.
    with localcontext(prec=80):
        if reading.majority is not None:
            bounds, unit, value = _Bounds(Decimal(50), Decimal(100)), "percent", None
            steps.append(step(say.majority, reading.majority.text, bounds.said()))
        elif reading.multiplier is not None:
            bounds, unit, value = _growth_of_multiple(reading, rounding, steps)
        elif reading.number is None:
            bounds, unit, value = _direction_alone(reading, steps)
        else:
            bounds = _number_bounds(reading, reading.number, rounding, steps)
            _unit_steps(reading, steps)
            factor, unit = _conversion(reading)
            bounds, value = bounds.times(factor), _signed_value(reading) * factor
        steps.extend(reading.ignored)
        steps.append(step(say.result, bounds.said(), unit))
        return ParsedFigure(
            interval=Interval(_double(bounds.lo, reading), _double(bounds.hi, reading)),
            unit=unit,
            value=None if value is None else _double(value, reading),
            qualifier=reading.qualifier.value if reading.qualifier is not None else None,
            explanation=say.said(steps),
            steps=tuple(steps),
        )


def _double(number: Decimal, reading: _Reading) -> float:
    """A bound as the double every later step computes with; a finite figure beyond a double's range is refused.

    ``float()`` would turn it into an infinity: a bound of "any value", with which
    every rule would then find the figure consistent.
    """
    as_float = float(number)
    if number.is_finite() and not math.isfinite(as_float):
        part = reading.number.text if reading.number is not None else reading.text
        raise reading.fail(part, Reason(N_("is unrepresentable: %(number)s is beyond a double's range (about 1.8e308)"), number=_show(number)))
    return as_float


def _growth_of_multiple(
    reading: _Reading, rounding: Rounding, steps: list[Step]
) -> tuple[_Bounds, str, Decimal]:
    """A ratio r printed like any number, then read as a growth of (r - 1) × 100 percent."""
    multiplier = reading.multiplier
    if multiplier.value is not None:
        number = _Number(multiplier.text, Decimal(multiplier.value), Decimal(1), Decimal(1), ())
        steps.append(step(say.ratio_word, multiplier.text, Number(Decimal(multiplier.value), str(multiplier.value))))
        ratio = _rounding_bounds(number, rounding, False, steps)
        if reading.qualifier is not None:
            ratio = _qualified(ratio, number, reading.qualifier, steps)
    else:
        if reading.number.negative:
            raise reading.fail(reading.number.text, Reason(N_("is a negative multiple after '%(multiple)s'"), multiple=multiplier.text))
        steps.append(step(say.ratio_printed, multiplier.text))
        ratio = _number_bounds(reading, reading.number, rounding, steps)
        number = reading.number
    growth = _Bounds((ratio.lo - 1) * 100, (ratio.hi - 1) * 100)
    steps.append(step(say.growth_of_ratio, ratio.said(), growth.said()))
    return growth, "percent", (number.value - 1) * 100


def _direction_alone(reading: _Reading, steps: list[Step]) -> tuple[_Bounds, str, None]:
    direction = reading.direction
    if direction.value > 0:
        bounds = _Bounds(Decimal(0), _INF)
    else:
        bounds = _Bounds(-_INF, Decimal(0))
    steps.append(step(say.direction_alone, direction.text, direction.value > 0, bounds.said()))
    return bounds, "percent", None


def _power_of_ten(factor: Decimal) -> str:
    return f"10^{factor.adjusted()}"


def _number(value: Decimal) -> Number:
    """A number a step names, written for the API as :func:`_show` writes it."""
    return Number(value, _show(value))


def _show(number: Decimal) -> str:
    """Decimals as a reader writes them: 0.005, 440000.5, 1.135e9, inf."""
    if number.is_infinite():
        return "inf" if number > 0 else "-inf"
    normal = number.normalize()
    if normal == 0:
        return "0"
    if abs(normal) >= 10**6 and normal == normal.to_integral_value():
        return format(normal, "e").replace("e+", "e")
    return format(normal, "f")


# --- public entry points ---------------------------------------------------------

Reading = _Reading  # what reading_of gives and figure_of takes: a text's words, before rounding


def parse_figure(
    text: str, lang: str = "fr", rounding: Rounding = Rounding.HALF_UP, unit: str | None = None, direction: str | None = None
) -> ParsedFigure:
    """Read the printed text of one figure into an interval in its canonical unit.

    ``lang`` only decides what a lone separator before three digits means; the
    words of both languages are read in either.  Unreadable text raises
    :class:`FigureError`; an unknown ``lang`` is a bug and raises ``ValueError``.
    ``unit`` is a unit the text leaves unsaid ("3,6 milliards" of dirhams): read as
    if printed after it, or checked against the one it prints; :class:`UnitError`
    when it cannot be the figure's.  ``direction`` ('up' or 'down') is a direction the
    sentence prints apart from the figure ("تراجعت الصادرات بنسبة 3 في المائة"): read as if
    printed with it; :class:`DirectionError` when the figure says otherwise.

    >>> parse_figure("1,14 milliard de dirhams (MMDH)").interval
    Interval(lo=1135000000.0, hi=1145000000.0)
    >>> parse_figure("plus de 47 %").interval
    Interval(lo=46.5, hi=inf)
    >>> parse_figure("3,6 milliards", unit="MAD").interval
    Interval(lo=3550000000.0, hi=3650000000.0)
    >>> parse_figure("3 في المائة", "ar", direction="down").interval
    Interval(lo=-3.5, hi=-2.5)
    """
    rounding = Rounding(rounding)
    return figure_of(reading_of(text, lang, unit, direction), rounding)


def reading_of(text: str, lang: str = "fr", unit: str | None = None, direction: str | None = None) -> Reading:
    """What a figure's text says (its number, unit, qualifier, direction), before any rounding.

    The first half of :func:`parse_figure`, most of its time: a bulk load whose sources
    round differently reads a text once and gives the reading to :func:`figure_of` for
    each rounding.  FigureError, UnitError and DirectionError as :func:`parse_figure` raises them.
    """
    _separators(lang)  # an unknown language is the caller's bug: fail before the text
    if not text.strip():
        raise FigureError(text, "", Reason(N_("the text is empty")))
    reading = _read_tokens(text, _tokenize(text), lang)
    if unit is not None:
        _given_unit(reading, unit)
    if direction is not None:
        _given_direction(reading, direction)
    return reading


def figure_of(reading: Reading, rounding: Rounding = Rounding.HALF_UP) -> ParsedFigure:
    """The interval a reading means under a source's rounding; the second half of :func:`parse_figure`.

    The reading is only read here (every slot is set while the tokens are taken), so one
    reading serves any number of roundings.
    """
    return _figure(reading, Rounding(rounding))


def figure_from_value(
    value: float | str,
    unit: str,
    qualifier: str | None = None,
    lang: str = "en",
    rounding: Rounding = Rounding.HALF_UP,
) -> ParsedFigure:
    """The structured form: a number, a unit name and an optional qualifier key or word.

    Precision comes from the text of the value: ``"1.10"`` has two decimals, a
    float is read through ``repr()``.

    >>> figure_from_value("1.14", "MMDH").interval
    Interval(lo=1135000000.0, hi=1145000000.0)
    """
    rounding = Rounding(rounding)
    _separators(lang)
    described = f"{value} {unit}" + (f", {qualifier}" if qualifier else "")
    reading = _Reading(described)
    if qualifier is not None:
        reading.qualifier = _structured_qualifier(qualifier, described)
    number = _structured_number(value, lang, described)
    _structured_unit(reading, number, unit)
    _check_complete(reading)
    return _figure(reading, rounding)


def _structured_number(value: float | str, lang: str, described: str) -> _Number:
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise FigureError(described, repr(value), Reason(N_("is not a number")))
    if isinstance(value, float):
        return _number_from_float(value, described)
    return _read_number(str(value).strip(), lang, described)


def _structured_qualifier(qualifier: str, described: str) -> _Token:
    if qualifier in QUALIFIER_KEYS:
        return _Token("qualifier", qualifier, qualifier)
    folded = {_fold(word): key for word, key in QUALIFIERS.items()}
    key = folded.get(" ".join(_fold(qualifier).split()))
    if key is None:
        raise FigureError(described, qualifier, Reason(N_("is not a known qualifier")))
    return _Token("qualifier", qualifier, key)


def _structured_unit(reading: _Reading, number: _Number, unit: str) -> None:
    """Place the number and read the unit name as if it followed the number in print."""
    if " ".join(_fold(unit).split()) == "count":
        reading.number = number
        return
    try:
        tokens = [t for t in _tokenize(unit) if t.kind != "context"]
    except FigureError:
        tokens = []
    unit_kinds = {"scale", "currency", "percent", "points"}
    is_multiple = len(tokens) == 1 and tokens[0].kind == "multiplier" and tokens[0].value is None
    if not tokens or not (is_multiple or all(t.kind in unit_kinds for t in tokens)):
        raise FigureError(reading.text, unit, Reason(N_("is not a known unit")))
    if is_multiple:
        reading.multiplier = tokens[0]
        reading.number = number
        return
    reading.number = number
    for token in tokens:
        _take_unit(reading, token)


# --- running text (service.reading.articles finds figures with this) -------------------


class Word(msgspec.Struct, frozen=True):
    """A word of running text as the figure reader classes it: ``start``/``end`` index the text (code points).

    ``kind`` is a token kind of the reader (``number``, ``qualifier``, ``direction``, ``scale``, ...),
    ``word`` for letters it does not read, ``mark`` for punctuation.
    """

    kind: str
    start: int
    end: int


def scan_words(text: str) -> list[Word]:
    """Every word of a text with the kind the figure reader gives it; never raises.

    The tokenizer of :func:`parse_figure` walked over running text: an unknown word is
    a ``word`` instead of a FigureError, so an article reader can see which runs of words
    could be a figure.  A parenthesis holding a digit is not one token here: "tapis (18 %)"
    holds a figure of its own.
    """
    folded_text, origin = folded(text)
    lexicon, meanings = _lexicon()
    starts = _first_letters()
    words: list[Word] = []
    position = 0
    while position < len(folded_text):
        if folded_text[position].isspace():
            position += 1
            continue
        kind = None
        letters = _LETTERS.match(folded_text, position)
        if letters and letters.group() not in starts and folded_text[position] not in arabic.PREFIXES:
            # no phrase of the vocabulary starts with this word: skip the long alternation (an article is mostly such words)
            match = _UNKNOWN_WORD.match(folded_text, position)
            words.append(Word("word", origin[match.start()], origin[match.end() - 1] + 1))
            position = match.end()
            continue
        if match := _NUMBER.match(folded_text, position):
            kind = "number"
        elif (match := _PAREN.match(folded_text, position)) and not any(c.isdigit() for c in match.group()):
            kind = "paren"
        elif match := lexicon.match(folded_text, position):
            kind = meanings[int(match.lastgroup[1:])][0]
        elif match := _PER.match(folded_text, position):
            kind = "per"
        elif _attached_prefix(folded_text, position):
            words.append(Word("prefix", origin[position], origin[position + 1]))
            position += 1
            continue
        else:
            match = _UNKNOWN_WORD.match(folded_text, position)
            kind = "word" if match.group()[0].isalpha() else "mark"
        words.append(Word(kind, origin[match.start()], origin[match.end() - 1] + 1))
        position = match.end()
    return words


_LETTERS = re.compile(r"[^\W\d_]+")


@lru_cache(maxsize=1)
def _first_letters() -> frozenset[str]:
    """The first run of letters of every phrase the reader knows, and par/per."""
    firsts = {match.group() for word, _, _ in _vocabulary() if (match := _LETTERS.match(_fold(word)))}
    return frozenset(firsts | {"par", "per"})


_FOLDED_CHARS: dict[str, str] = {}  # char -> its folded char, or "" when it is skipped; an article repeats few chars


@lru_cache(maxsize=8)
def folded(text: str) -> tuple[str, list[int]]:
    """The text as the figure reader compares words (case, accents, digits folded), and where each char came from.

    ``positions[i]`` is the index in ``text`` of folded char ``i``; one more entry gives the end.
    :func:`_folded`'s result, a char's folding remembered: an article is read in one pass.
    """
    chars: list[str] = []
    origin: list[int] = []
    memo = _FOLDED_CHARS
    for position, char in enumerate(text):
        fold = memo.get(char)
        if fold is None:
            fold = memo[char] = "" if arabic.is_skipped(char) else _fold_char(char)
        if fold:
            chars.append(fold)
            origin.append(position)
    origin.append(len(text))
    return "".join(chars), origin
