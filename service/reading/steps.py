"""A figure's reading steps, each one sentence said in a language: how the printed text became an interval.

``service.figures`` reads a figure and records each thing it does as a :class:`Step`: which
sentence (a function of this module) and what the sentence names (the words printed, the numbers
the reading found).  A step is said in a language given as :class:`StepWords`, as a verdict's
sentences are in ``service.rules.explain`` (its ``Words``): the language's gettext, from the desk's
catalogs (``service/locales``), and how it writes a number the reading found.

The API says every step in :data:`ENGLISH`: the ``explanation`` (and a claim's ``reading``) other
tools have always read, byte for byte, a contract.  A desk page says them with its ``DeskNumbers``
(``service.api.reading``): ``« 1,14 » lu comme 1,14`` on a French page, where the API reads
``'1,14' read as 1.14``.

Each sentence is one function taking the words, and its variants are whole messages, so a
translator can reorder them; a few fragments (how a number's digits were read, a digit's place)
are messages of their own, said inside a sentence.  A number is a :class:`Number`: its exact value,
which a page writes in its locale, and the English the API writes it in (``1.135e9``, ``0.005``,
``inf``), decided where the reading found it, so the API's text never changes with this module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any, NamedTuple, Protocol


def N_(message: str) -> str:
    """A message marked for the catalogs (``pybabel extract``), translated where it is said."""
    return message


# Named tuples rather than dataclasses: every figure read makes a dozen of them (a bulk load reads
# hundreds of thousands of figures), and a tuple is made in a third of a frozen dataclass's time.


class Number(NamedTuple):
    """A number a reading found: its value, and the English the API writes it in.

    ``printed``: the value holds the digits as printed (``1,10`` read as 1.10), which a page keeps;
    any other number a page writes without its trailing zeros, as the API's English does.
    """

    value: Decimal
    english: str
    printed: bool = False


class Bounds(NamedTuple):
    """An interval a step names; ``brackets`` say which ends are open: ``[]``, ``(]``, ``[)`` or ``()``."""

    lo: Number
    hi: Number
    brackets: str = "[]"


class StepWords(Protocol):
    """The language a step is said in: its messages, and how it writes a number the reading found."""

    def gettext(self, message: str) -> str: ...

    def step_number(self, number: Number) -> str: ...

    def step_interval(self, bounds: Bounds, unit: str) -> str | None:
        """The interval a reading ends on, as a reporter writes it at the figure's scale (``1.135 bn to 1.145 bn MAD``); None: its bounds."""
        ...


class English:
    """The API's words: the English the reading has always written, numbers as the API writes them (a contract)."""

    def gettext(self, message: str) -> str:
        return message

    def step_number(self, number: Number) -> str:
        return number.english

    def step_interval(self, bounds: Bounds, unit: str) -> None:
        return None  # the API's result is its bounds, ``[1.135e9, 1.145e9] MAD``, as it always was


ENGLISH = English()


class Step(NamedTuple):
    """One sentence of a reading: the function that says it, and what it names."""

    sentence: Callable[..., str]
    args: tuple[Any, ...]

    def said(self, words: StepWords) -> str:
        return self.sentence(words, *self.args)


def step(sentence: Callable[..., str], *args: Any) -> Step:
    return Step(sentence, args)


def said(steps: Iterable[Step], words: StepWords = ENGLISH) -> list[str]:
    """The steps as sentences in ``words``' language (the API's English by default)."""
    return [sentence(words, *args) for sentence, args in steps]


# --- what a step names -----------------------------------------------------------------------------


def _bounds(words: StepWords, bounds: Bounds) -> str:
    _ = words.gettext
    ends = {"lo": words.step_number(bounds.lo), "hi": words.step_number(bounds.hi)}
    if bounds.brackets == "(]":
        return _("(%(lo)s, %(hi)s]") % ends
    if bounds.brackets == "[)":
        return _("[%(lo)s, %(hi)s)") % ends
    if bounds.brackets == "()":
        return _("(%(lo)s, %(hi)s)") % ends
    return _("[%(lo)s, %(hi)s]") % ends


def _listed(words: StepWords, parts: list[str]) -> str:
    _ = words.gettext
    listed = parts[0]
    for part in parts[1:]:
        listed = _("%(first)s, %(then)s") % {"first": listed, "then": part}
    return listed


_PLACES = {
    6: N_("millions"), 5: N_("hundreds of thousands"), 4: N_("tens of thousands"), 3: N_("thousands"),
    2: N_("hundreds"), 1: N_("tens"), 0: N_("units"), -1: N_("tenths"), -2: N_("hundredths"),
    -3: N_("thousandths"), -4: N_("ten-thousandths"), -5: N_("hundred-thousandths"), -6: N_("millionths"),
}  # fmt: skip


def _place(words: StepWords, exponent: int) -> str:
    """The place of a digit: ``hundredths`` for 10^-2."""
    _ = words.gettext
    if exponent in _PLACES:
        return _(_PLACES[exponent])
    return _("the 10^%(exponent)s place") % {"exponent": words.step_number(Number(Decimal(exponent), str(exponent)))}


def _exponent(words: StepWords, exponent: int) -> str:
    return words.step_number(Number(Decimal(exponent), str(exponent)))


# --- how a number's digits were read (fragments of "read as") -------------------------------------------


def groups(words: StepWords, separator: str) -> str:
    """Which separator groups the thousands: ``.``, ``,``, the Arabic ``٬``, or spaces (any other)."""
    _ = words.gettext
    if separator == ".":
        return _("dots group thousands")
    if separator == ",":
        return _("commas group thousands")
    if separator == "\u066c":
        return _("'%(mark)s's group thousands") % {"mark": separator}
    return _("spaces group thousands")


def decimal_mark(words: StepWords, mark: str, not_own_in: str | None) -> str:
    """``.`` or ``,`` read as the decimal mark; ``not_own_in``: the language whose own mark it is not."""
    _ = words.gettext
    if not_own_in is None:
        return _("decimal point") if mark == "." else _("decimal comma")
    if mark == ".":
        return _("decimal point, not %(lang)s's own") % {"lang": not_own_in}
    return _("decimal comma, not %(lang)s's own") % {"lang": not_own_in}


def before_three_digits(words: StepWords, lang: str, mark: str, grouping: bool) -> str:
    """What a lone ``.`` or ``,`` before three digits is in ``lang``."""
    _ = words.gettext
    if mark == "." and grouping:
        return _("in %(lang)s a dot before three digits groups thousands") % {"lang": lang}
    if grouping:
        return _("in %(lang)s a comma before three digits groups thousands") % {"lang": lang}
    if mark == ".":
        return _("in %(lang)s a dot before three digits is the decimal mark") % {"lang": lang}
    return _("in %(lang)s a comma before three digits is the decimal mark") % {"lang": lang}


def arabic_mark(words: StepWords, mark: str) -> str:
    """The Arabic decimal separator ``٫``, or the Arabic comma ``،`` between digits."""
    _ = words.gettext
    if mark == "\u060c":
        return _("the Arabic comma '%(mark)s' between digits is the decimal mark") % {"mark": mark}
    return _("the Arabic decimal separator '%(mark)s'") % {"mark": mark}


def digits(words: StepWords, scripts: tuple[str, ...]) -> str:
    """Which Arabic digits the number is printed in (``service.arabic.digit_scripts``)."""
    _ = words.gettext
    if scripts == ("arabic-indic", "persian"):
        return _("Arabic-Indic digits and Persian digits")
    if scripts == ("persian",):
        return _("Persian digits")
    return _("Arabic-Indic digits")


def number_word(words: StepWords) -> str:
    return words.gettext("number word, an integer")


def dual(words: StepWords) -> str:
    return words.gettext("a dual: two, an integer")


def float_repr(words: StepWords) -> str:
    return words.gettext("the float's repr()")


# --- the steps -------------------------------------------------------------------------------------------


def read_as(words: StepWords, printed: str, value: Number, how: tuple[Step, ...]) -> str:
    _ = words.gettext
    values = {"printed": printed, "value": words.step_number(value)}
    if not how:
        return _("'%(printed)s' read as %(value)s") % values
    return _("'%(printed)s' read as %(value)s (%(how)s)") % {**values, "how": _listed(words, said(how, words))}


def last_digit(words: StepWords, exponent: int, half: Number) -> str:
    """Rounded half up: the printed number is within half a unit of its last digit."""
    _ = words.gettext
    return _("last printed digit is %(place)s: ±%(half)s") % {"place": _place(words, exponent), "half": words.step_number(half)}


def last_digit_unsigned_zero(words: StepWords, exponent: int, bounds: Bounds) -> str:
    _ = words.gettext
    values = {"place": _place(words, exponent), "bounds": _bounds(words, bounds)}
    return _("last printed digit is %(place)s, truncated, and an unsigned 0 may be a rise or a fall: %(bounds)s") % values


def last_digit_rounded(words: StepWords, exponent: int, rounding: str, falling: bool, bounds: Bounds) -> str:
    """Truncated, or rounded up or down (``rounding``: truncate, ceiling, floor): a half-open interval."""
    _ = words.gettext
    values = {"place": _place(words, exponent), "bounds": _bounds(words, bounds)}
    if rounding == "ceiling" and falling:
        return _("last printed digit is %(place)s, rounded up (ceiling), so the size of a fall is truncated: %(bounds)s") % values
    if rounding == "ceiling":
        return _("last printed digit is %(place)s, rounded up (ceiling): %(bounds)s") % values
    if rounding == "floor" and falling:
        return _("last printed digit is %(place)s, rounded down (floor), so the size of a fall is rounded up: %(bounds)s") % values
    if rounding == "floor":
        return _("last printed digit is %(place)s, rounded down (floor): %(bounds)s") % values
    return _("last printed digit is %(place)s, truncated: %(bounds)s") % values


def qualified(words: StepWords, printed: str, key: str, reach: Number, bounds: Bounds) -> str:
    """A qualifier word widening the interval; ``reach`` is half a unit (about) or one unit (nearly) of the last significant digit."""
    _ = words.gettext
    values = {"printed": printed, "bounds": _bounds(words, bounds)}
    if key == "about":
        return _("'%(printed)s' (about) is rounded at its last significant digit: ±%(half)s: %(bounds)s") % {**values, "half": words.step_number(reach)}
    if key == "nearly":
        message = _("'%(printed)s' (nearly) reaches down 1 unit of the last significant digit (%(reach)s), not above: %(bounds)s")
        return message % {**values, "reach": words.step_number(reach)}
    if key == "more_than":
        return _("'%(printed)s' (more_than) leaves the top open: %(bounds)s") % values
    if key == "at_least":
        return _("'%(printed)s' (at_least) leaves the top open: %(bounds)s") % values
    if key == "less_than":
        return _("'%(printed)s' (less_than) leaves the bottom open: %(bounds)s") % values
    return _("'%(printed)s' (at_most) leaves the bottom open: %(bounds)s") % values


def minus_sign(words: StepWords, bounds: Bounds) -> str:
    return words.gettext("the printed minus sign mirrors it: %(bounds)s") % {"bounds": _bounds(words, bounds)}


def falls(words: StepWords, printed: str | None, bounds: Bounds) -> str:
    """A word saying down mirrors the interval; ``printed`` None: the direction was given beside the figure."""
    _ = words.gettext
    if printed is None:
        return _("the direction given beside the figure (down) makes it a fall: %(bounds)s") % {"bounds": _bounds(words, bounds)}
    return _("'%(printed)s' (down) makes it a fall: %(bounds)s") % {"printed": printed, "bounds": _bounds(words, bounds)}


def rises(words: StepWords, printed: str | None) -> str:
    _ = words.gettext
    if printed is None:
        return _("the direction given beside the figure (up) keeps it a rise")
    return _("'%(printed)s' (up) keeps it a rise") % {"printed": printed}


def unit_given(words: StepWords, unit: str) -> str:
    return words.gettext("the unit '%(unit)s' is given beside the figure, which leaves it unsaid") % {"unit": unit}


def scales(words: StepWords, printed: str, exponent: int) -> str:
    return words.gettext("'%(printed)s' scales by 10^%(exponent)s") % {"printed": printed, "exponent": _exponent(words, exponent)}


def dirhams(words: StepWords, printed: str, exponent: int | None) -> str:
    """A currency word: dirhams (``exponent`` None), or dirhams times a power of ten (``MMDH``)."""
    _ = words.gettext
    if exponent is None:
        return _("'%(printed)s' is MAD") % {"printed": printed}
    return _("'%(printed)s' is 10^%(exponent)s MAD") % {"printed": printed, "exponent": _exponent(words, exponent)}


def percent(words: StepWords, printed: str) -> str:
    return words.gettext("'%(printed)s' is percent") % {"printed": printed}


def points(words: StepWords, printed: str) -> str:
    return words.gettext("'%(printed)s' is percentage points") % {"printed": printed}


def count(words: StepWords) -> str:
    return words.gettext("no unit: a count")


def majority(words: StepWords, printed: str, bounds: Bounds) -> str:
    return words.gettext("'%(printed)s' is a share above one half: %(bounds)s percent") % {"printed": printed, "bounds": _bounds(words, bounds)}


def ratio_word(words: StepWords, printed: str, ratio: Number) -> str:
    return words.gettext("'%(printed)s' is a ratio of %(ratio)s, a word: an integer") % {"printed": printed, "ratio": words.step_number(ratio)}


def ratio_printed(words: StepWords, printed: str) -> str:
    return words.gettext("'%(printed)s' multiplies by the printed ratio") % {"printed": printed}


def growth_of_ratio(words: StepWords, ratio: Bounds, growth: Bounds) -> str:
    values = {"ratio": _bounds(words, ratio), "growth": _bounds(words, growth)}
    return words.gettext("ratio %(ratio)s is a growth of (r - 1) × 100: %(growth)s percent") % values


def direction_alone(words: StepWords, printed: str, rising: bool, bounds: Bounds) -> str:
    _ = words.gettext
    values = {"printed": printed, "bounds": _bounds(words, bounds)}
    if rising:
        return _("'%(printed)s' alone is a growth above zero: %(bounds)s percent") % values
    return _("'%(printed)s' alone is a fall below zero: %(bounds)s percent") % values


def result(words: StepWords, bounds: Bounds, unit: str) -> str:
    """The interval read, in its canonical unit (``service.units.CANONICAL_UNITS``)."""
    _ = words.gettext
    at_scale = words.step_interval(bounds, unit)
    if at_scale is not None:  # a desk page: the steps above give every digit, the result reads as the figure was printed
        return _("result: %(interval)s") % {"interval": at_scale}
    values = {"bounds": _bounds(words, bounds)}
    if unit == "MAD":
        return _("result: %(bounds)s MAD") % values
    if unit == "percent":
        return _("result: %(bounds)s percent") % values
    if unit == "points":
        return _("result: %(bounds)s points") % values
    return _("result: %(bounds)s count") % values


# --- what the reading read and set aside ------------------------------------------------------------------


def per(words: StepWords, what: str) -> str:
    return words.gettext("per %(what)s") % {"what": what}


def prefix(words: StepWords, printed: str, meaning: str) -> str:
    """An Arabic prefix attached to the next word (``service.arabic.PREFIXES``: by, to, and)."""
    _ = words.gettext
    if meaning == "by":
        return _("'%(printed)s' is a prefix (by) attached to what follows") % {"printed": printed}
    if meaning == "to":
        return _("'%(printed)s' is a prefix (to) attached to what follows") % {"printed": printed}
    return _("'%(printed)s' is a prefix (and) attached to what follows") % {"printed": printed}


def ignored(words: StepWords, printed: str) -> str:
    return words.gettext("'%(printed)s' ignored") % {"printed": printed}


def repeats_unit(words: StepWords, printed: str) -> str:
    return words.gettext("'%(printed)s' repeats the unit") % {"printed": printed}


def converted(words: StepWords, printed: str) -> str:
    return words.gettext("'%(printed)s' converts the figure into another currency: context, not a second figure") % {"printed": printed}


def unit_agrees(words: StepWords, unit: str) -> str:
    return words.gettext("the unit '%(unit)s' given beside the figure agrees with the one printed") % {"unit": unit}


def direction_agrees(words: StepWords, direction: str) -> str:
    """The direction given beside the figure (up or down) is the one it prints."""
    _ = words.gettext
    if direction == "up":
        return _("the direction 'up' given beside the figure agrees with the one printed")
    return _("the direction 'down' given beside the figure agrees with the one printed")


# --- what a claim's measure cuts (service.claims) --------------------------------------------------------


def not_negative(words: StepWords, measure: str, bounds: Bounds) -> str:
    """A level, a share or a count cut at zero (``service.claims.NON_NEGATIVE_MEASURES``)."""
    _ = words.gettext
    values = {"bounds": _bounds(words, bounds)}
    if measure == "level":
        return _("a level is not negative: %(bounds)s") % values
    if measure == "share":
        return _("a share is not negative: %(bounds)s") % values
    return _("a count is not negative: %(bounds)s") % values


def share_at_most_all(words: StepWords, bounds: Bounds) -> str:
    return words.gettext("a share is at most 100 %%: %(bounds)s") % {"bounds": _bounds(words, bounds)}
