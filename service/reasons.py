"""Why a request is refused: each reason one message of the desk's catalogs and its values, said in a language.

A client error names a field and a reason (``service.errors.FieldProblem``).  The API answers
the reason in English, a contract other tools code against, byte for byte as it always has.
The desk shows the same reason beside the field, in the page's language.  Both come from one
:class:`Reason`: a message (marked ``N_`` where it is raised, so ``pybabel extract`` finds it)
and the values it names.  Its English *is* the string: a ``Reason`` is a ``str`` whose value is
the message said in English, so every place that took a reason as text still does, and the
API's problem+json never sees anything else (``FieldProblem`` keeps the ``Reason`` aside, never
encoded).  A desk page says it again with its ``DeskNumbers`` (:func:`said`).

A value is said in the language too:

* :class:`Term`: a word of ours (``scale``, ``unit``, a measure), translated;
* :class:`Quoted`: text the person typed, quoted as the language quotes (``'x'`` as Python's
  ``repr`` in the API's English, which its reasons have always used; ``« x »`` in French);
* ``service.reading.steps.Number``: a number, in the page's locale (``1 000``, ``0,5``);
* a nested :class:`Reason`: a fragment said inside the sentence (why a figure cannot be read);
* any other ``str``: said as it is (an identifier, a figure's printed words, a period).

Messages are whole sentences or whole predicates ("is not a number", said after the quoted part
of the figure it is about), so a translator can reorder them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, NamedTuple

from service.reading.steps import ENGLISH, Number, StepWords


def N_(message: str) -> str:
    """A message marked for the catalogs (``pybabel extract``), said where the reason is shown."""
    return message


class Term(NamedTuple):
    """One of our words (a measure, ``scale``), a message of its own."""

    message: str


class Quoted(NamedTuple):
    """Text a person typed, quoted as the language quotes it."""

    text: str


class Reason(str):
    """A reason said in English (the ``str`` itself: what the API answers), carrying its message and values to be said in another language."""

    message: str
    values: dict[str, Any]

    def __new__(cls, message: str, **values: Any) -> Reason:
        said_in_english = super().__new__(cls, _say(ENGLISH, message, values))
        said_in_english.message, said_in_english.values = message, values
        return said_in_english

    def said(self, words: StepWords) -> str:
        return _say(words, self.message, self.values)

    def __reduce__(self) -> tuple[Any, ...]:  # pickled as its message and values, not as the English alone
        return (_rebuilt, (self.message, self.values))


def either(first: Any, *others: Any) -> Any:
    """``a or b or c``, said in the language."""
    if not others:
        return first
    return Reason(N_("%(one)s or %(other)s"), one=first, other=either(*others))


# A measure or a unit a reason names, by its API name: the words the desk does not already have as messages
# (``service.api.language.MEASURE_WORDS`` names the others, and the desk's numbers "MAD").
N_("share_change"), N_("average_growth"), N_("percent"), N_("points"), N_("count")
# Python's own words for a date that is none (``datetime.date.fromisoformat``): said on the desk in its language.
N_("month must be in 1..12"), N_("day is out of range for month")


def _rebuilt(message: str, values: dict[str, Any]) -> Reason:
    return Reason(message, **values)


def said(problem: Any, words: StepWords) -> str:
    """A field problem's reason in ``words``' language: its sentence when it was given one, else its English."""
    sentence = getattr(problem, "sentence", None) if not isinstance(problem, str) else problem
    if isinstance(sentence, Reason):
        return sentence.said(words)
    return str(problem.reason if not isinstance(problem, str) else problem)


def _say(words: StepWords, message: str, values: dict[str, Any]) -> str:
    return words.gettext(message) % {name: _value(words, value) for name, value in values.items()}


def _value(words: StepWords, value: Any) -> str:
    if isinstance(value, Reason):
        return value.said(words)
    if isinstance(value, Term):
        return words.gettext(value.message)
    if isinstance(value, Quoted):
        return quoted(words, value.text)
    if isinstance(value, Number):
        return words.step_number(value)
    return str(value)


def quoted(words: StepWords, text: str) -> str:
    """``text`` quoted in the language: ``« x »`` in French; in the API's English, as Python's ``repr``, as its reasons always were."""
    quoting = words.gettext(N_("'%(text)s'"))
    if quoting == "'%(text)s'":  # English: repr's quotes and escapes (a contract: tools match on it)
        return repr(text)
    return quoting % {"text": text}


def number(value: float | int, english: str | None = None) -> Number:
    """A number a reason names, written in the API's English as ``english`` (``str(value)`` unless given)."""
    return Number(Decimal(repr(value)) if isinstance(value, float) else Decimal(value), str(value) if english is None else english)
