"""Claims: one printed figure, its source, its exact quote, and the interval it means.

``build_claim`` is the whole of the domain step between a request and the
store: it reads the figure, checks it fits the measure, resolves periods and
gives the claim a content-derived id, so the same printed figure posted twice
is recognised, and verdict ids built from claim ids stay stable.
"""

from __future__ import annotations

import datetime
import hashlib
import math
import unicodedata
from collections.abc import Callable, Iterator
from decimal import Decimal
from functools import partial
from typing import Annotated, Literal

import msgspec

from service.errors import FieldProblem, InvalidField
from service.figures import DirectionError, FigureError, ParsedFigure, Rounding, UnitError, figure_from_value, parse_figure
from service.intervals import Interval
from service.origins import OriginKey, Released, checked_release
from service.periods import Period, PeriodError
from service.reading import steps as say
from service.reading.steps import Bounds, Number, Step, step
from service.reasons import N_, Reason, Term, either
from service.sources import Source, SourceId
from service.texts import KEY_PATTERN, SUBJECT_PATTERN, Passage
from service.units import base_factor

Measure = Literal["level", "growth", "share", "share_change", "count", "average", "average_growth", "category"]
MEASURES: tuple[str, ...] = Measure.__args__  # type: ignore[attr-defined]

# Which canonical units a measure's figure may come in: a share printed in
# dirhams is a mistake to report, not a number to store.
UNITS_OF_MEASURE: dict[str, tuple[str, ...]] = {
    "level": ("MAD", "count"),
    "growth": ("percent",),
    "share": ("percent",),
    "share_change": ("points",),
    "count": ("count",),
    "average": ("MAD", "count", "percent"),
    "average_growth": ("percent",),
}
COMPARATIVE_MEASURES = ("growth", "share_change")
NON_NEGATIVE_MEASURES = ("level", "share", "count")
# An average annual growth compounds over the years between its span's first and last
# year: a span is what gives it a number of years, so one year alone cannot carry it.
SPAN_MEASURES = ("average_growth",)
# A change can print which way it moved apart from its figure ("direction" beside it).
DIRECTED_MEASURES = (*COMPARATIVE_MEASURES, *SPAN_MEASURES)

Key = Annotated[str, msgspec.Meta(pattern=KEY_PATTERN, max_length=80)]
Subject = Annotated[
    str,
    msgspec.Meta(
        pattern=SUBJECT_PATTERN,
        max_length=200,
        description="Dotted key of what is measured.",
        examples=["ma.handicraft.exports"],
    ),
]
PeriodText = Annotated[
    str, msgspec.Meta(max_length=40, description="ISO 8601 months or years.", examples=["2025-01/2025-11", "2024"])
]


class ClaimIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, omit_defaults=True):
    """A claim as a newsroom posts it: ``figure`` as printed, or ``value`` + ``unit``.

    ``unit`` beside ``figure`` is the unit the article left unsaid for it ("passé de
    1,2 milliard de dirhams à 3,6 milliards": the second figure is "3,6 milliards",
    in MAD); the figure stays as printed.
    """

    source: SourceId
    quote: Passage
    subject: Subject
    measure: Measure
    period: PeriodText
    breakdown: dict[Key, Key] = {}
    compared_to: PeriodText | None = None
    figure: Annotated[str, msgspec.Meta(min_length=1, max_length=500)] | None = None
    value: float | str | None = None
    unit: (
        Annotated[
            str,
            msgspec.Meta(
                max_length=100,
                description="With value: its unit. With figure: the unit the printed figure leaves unsaid, if it does.",
                examples=["MMDH", "MAD"],
            ),
        ]
        | None
    ) = None
    qualifier: str | None = None
    direction: (
        Annotated[
            Literal["up", "down"],
            msgspec.Meta(
                description=(
                    "With figure, for a change: the direction the sentence prints apart from the figure "
                    "('تراجعت الصادرات بنسبة 3 في المائة' is 'down'); the figure stays as printed."
                )
            ),
        ]
        | None
    ) = None
    origin: OriginKey | None = None  # the body the figure is attributed to ("selon l'Office des changes")
    released: Released | None = None  # the date of that body's release that printed it


class IntervalOut(msgspec.Struct, frozen=True):
    """Bounds in ``unit``; ``null`` is an open end ("plus de 47 %" has no upper bound)."""

    lo: float | None
    hi: float | None
    unit: str

    @classmethod
    def of(cls, interval: Interval, unit: str) -> IntervalOut:
        return cls(_finite_or_none(interval.lo), _finite_or_none(interval.hi), unit)

    def to_interval(self) -> Interval:
        return Interval(-math.inf if self.lo is None else self.lo, math.inf if self.hi is None else self.hi)


class Warning(msgspec.Struct, frozen=True):
    """What a desk should read beside a status: on a claim, ``outdated`` (a newer release revised it);
    on a verdict, those of its claims, and why figures that can all hold fit only implausibly."""

    id: str
    text: str


class Withdrawal(msgspec.Struct, frozen=True):
    """Who took a claim out of every verdict, why, and when; the claim itself is kept."""

    by: str
    reason: str
    at: datetime.datetime


class Claim(msgspec.Struct, kw_only=True):
    """A stored claim. ``interval`` is null for a ``category`` claim, which has ``text``.

    A claim entered wrongly is ``retracted``, or ``corrected`` by a new claim
    (``superseded_by`` it; the new one ``corrects`` it): either way it is kept,
    marked, and in no verdict.
    """

    id: str
    source: str
    quote: str
    subject: str
    breakdown: dict[str, str]
    measure: Measure
    period: str
    compared_to: str | None
    figure: str
    unit: str | None = None  # given beside a figure that leaves it unsaid; None when printed
    direction: str | None = None  # given beside a change whose sentence prints it apart from the figure
    interval: IntervalOut | None
    text: str | None
    qualifier: str | None
    printed: Literal["number", "direction", "words", "text"]
    reading: list[str]
    retracted: Withdrawal | None = None
    corrected: Withdrawal | None = None
    superseded_by: str | None = None
    corrects: str | None = None
    origin: str | None = None  # a claim without an origin is its own origin
    released: str | None = None
    warnings: list[Warning] = []


# (figure, language, rounding, unit the figure leaves unsaid or None, direction printed apart or None) -> its reading
FigureReader = Callable[[str, str, Rounding, str | None, str | None], ParsedFigure]


def build_claim(body: ClaimIn, source: Source, parse: FigureReader = parse_figure) -> Claim:
    """Validate a posted claim against its source and read its figure; raise InvalidField.

    ``parse`` reads the printed figure; a bulk load passes one that remembers texts it read.
    """
    period = _period(body.period, "period")
    released = None if body.released is None else checked_release(body.released)
    if body.measure in SPAN_MEASURES:
        _span_of_years(period, body.measure)
    compared_to = _compared_to(body, period)
    figure_text, parsed = _read_figure(body, source, parse)
    interval = text = None
    reading: list[str] = []
    if parsed is None:
        text = figure_text.strip()
    else:
        cuts: list[Step] = []
        interval = IntervalOut.of(_within_measure(parsed, body.measure, cuts), parsed.unit)
        reading = [*parsed.explanation, *say.said(cuts)]
    claim = Claim(
        id="",
        source=body.source,
        quote=body.quote,
        subject=body.subject,
        breakdown=dict(sorted(body.breakdown.items())),
        measure=body.measure,
        period=str(period),
        compared_to=None if compared_to is None else str(compared_to),
        figure=figure_text,
        unit=body.unit if body.figure is not None else None,
        direction=body.direction,
        interval=interval,
        text=text,
        qualifier=None if parsed is None else parsed.qualifier,
        printed=_printed(parsed),
        reading=reading,
        origin=body.origin,
        released=released,
    )
    claim.id = claim_id(claim)
    return claim


def claim_id(claim: Claim) -> str:
    """Derived from what was printed, where: the same claim posted twice has the same id."""
    fields = [claim.source, claim.quote, claim.subject, claim.breakdown, claim.measure, claim.period, claim.compared_to, claim.figure]
    if claim.unit is not None:
        # "3,6 milliards" in MAD is not the count "3,6 milliards"; a claim without one keeps its id.
        fields.append(claim.unit)
    if claim.direction is not None:
        # "3 %" down is not "3 %"; a claim without one keeps its id.
        fields.append(f"direction:{claim.direction}")
    if claim.origin is not None or claim.released is not None:
        # only then: a claim without them keeps the id it had before claims could carry them
        fields += [claim.origin, claim.released]
    identity = msgspec.json.encode(fields)
    return "c-" + hashlib.sha256(identity).hexdigest()[:12]


def quantity_of(claim: Claim) -> tuple[object, ...]:
    """What makes two claims figures of one quantity, in one unit (``plan.RELEASE_KEYS``, read from a claim)."""
    return (claim.measure, claim.subject, tuple(sorted(claim.breakdown.items())), claim.period, claim.compared_to, claim.interval and claim.interval.unit)


def category_key(text: str) -> str:
    """Compare categories as a reader would: "Crédit Agricole" is "credit agricole"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).casefold().split())


def base_interval(interval: IntervalOut) -> Interval:
    """The interval in pint's base magnitudes (percent as a fraction), what rules compute with."""
    return interval.to_interval().scaled(base_factor(interval.unit))


def _period(text: str, field: str) -> Period:
    try:
        return Period.parse(text)
    except PeriodError as exc:
        raise InvalidField(field, exc.reason) from exc


def span_years(period: Period) -> int:
    """How many years a span of whole years compounds over: 2021/2024 is 3 (rules' ``years(x)``)."""
    return period.end // 12 - period.start // 12


def _span_of_years(period: Period, measure: str) -> None:
    whole_years = period.start % 12 == 0 and period.end % 12 == 11
    if not whole_years or span_years(period) < 1:
        raise InvalidField(
            "period",
            Reason(N_("an %(measure)s runs over a span of at least two whole calendar years, such as 2021/2024; %(period)s is not one"), measure=Term(measure), period=str(period)),
        )


def _compared_to(body: ClaimIn, period: Period) -> Period | None:
    if body.measure not in COMPARATIVE_MEASURES:
        if body.compared_to is not None:
            raise InvalidField("compared_to", Reason(N_("only a growth or a share_change has a base period, not a %(measure)s"), measure=Term(body.measure)))
        return None
    if body.compared_to is None:
        try:
            return period.year_earlier()
        except PeriodError as exc:
            raise InvalidField("period", exc.reason) from exc
    base = _period(body.compared_to, "compared_to")
    if base.start <= period.end and period.start <= base.end:
        raise InvalidField("compared_to", Reason(N_("the base period %(base)s overlaps the period %(period)s: a change is measured against another time"), base=str(base), period=str(period)))
    return base


def _read_figure(body: ClaimIn, source: Source, parse: FigureReader) -> tuple[str, ParsedFigure | None]:
    structured = body.value is not None or body.unit is not None or body.qualifier is not None
    if body.figure is not None and (body.value is not None or body.qualifier is not None):
        raise InvalidField("figure", Reason(N_("give either the printed figure (with the unit it leaves unsaid, if any) or value + unit, not both")))
    if body.direction is not None:
        _check_direction_given(body)
    if body.measure == "category":
        if structured or body.figure is None or not body.figure.strip():
            raise InvalidField("figure", Reason(N_("a category claim carries its text in figure (e.g. 'Crédit Agricole')")))
        return body.figure, None
    try:
        if body.figure is not None:
            return body.figure, parse(body.figure, source.language, source.rounding, body.unit, body.direction)
        if body.value is None or body.unit is None:
            missing = "value" if body.value is None else "unit"
            raise InvalidField(missing, Reason(N_("a claim needs figure, or value and unit")))
        parsed = figure_from_value(body.value, body.unit, body.qualifier, source.language, source.rounding)
    except UnitError as exc:
        raise InvalidField("unit", exc.said, part=exc.part) from exc
    except DirectionError as exc:
        raise InvalidField("direction", exc.said, part=exc.part) from exc
    except FigureError as exc:
        field = "figure" if body.figure is not None else _structured_field(body, exc)
        raise InvalidField(field, exc.said, part=exc.part) from exc
    return _structured_text(body), parsed


def _check_direction_given(body: ClaimIn) -> None:
    if body.figure is None:
        raise InvalidField("direction", Reason(N_("goes beside a printed figure; a value carries its own sign")))
    if body.measure not in DIRECTED_MEASURES:
        raise InvalidField("direction", Reason(N_("only a change (%(changes)s) moves up or down, not a %(measure)s"), changes=", ".join(DIRECTED_MEASURES), measure=Term(body.measure)))


def _structured_field(body: ClaimIn, exc: FigureError) -> str:
    for name in ("unit", "qualifier"):
        if getattr(body, name) is not None and exc.part == str(getattr(body, name)):
            return name
    return "value"


def _structured_text(body: ClaimIn) -> str:
    parts = [body.qualifier or "", str(body.value), body.unit or ""]
    return " ".join(p for p in parts if p)


def _within_measure(parsed: ParsedFigure, measure: str, reading: list[Step]) -> Interval:
    """The parsed interval cut to what the measure can be; every cut is added to the reading."""
    allowed = UNITS_OF_MEASURE[measure]
    if parsed.unit not in allowed:
        raise InvalidField("figure", Reason(N_("a %(measure)s is in %(allowed)s; this figure reads as %(unit)s"), measure=Term(measure), allowed=either(*map(Term, allowed)), unit=Term(parsed.unit)))
    interval = parsed.interval
    if measure in NON_NEGATIVE_MEASURES:
        if interval.hi < 0:
            raise InvalidField("figure", Reason(N_("a %(measure)s cannot be negative; this figure reads as %(lo)s to %(hi)s"), measure=Term(measure), lo=_general(interval.lo), hi=_general(interval.hi)))
        if interval.lo < 0:
            interval = interval.clamp_below(0.0)
            reading.append(step(say.not_negative, measure, Bounds(_general(interval.lo), _general(interval.hi))))
    if measure == "share":
        if interval.lo > 100.0:
            raise InvalidField("figure", Reason(N_("a share is a part of a whole: it cannot exceed 100 %%")))
        if interval.hi > 100.0:
            interval = Interval(interval.lo, 100.0)
            reading.append(step(say.share_at_most_all, Bounds(_general(interval.lo), Number(Decimal(100), "100"))))
    return interval


def _general(bound: float) -> Number:
    """A cut's bound, written for the API as ``{bound:g}`` writes it."""
    return Number(Decimal(repr(bound)), format(bound, "g"))


def reading_steps(claim: Claim, source: Source | None) -> list[Step] | None:
    """The claim's reading as steps a page says in its language; None when they cannot be had again.

    The steps are read again from what the claim keeps (its figure, the unit and direction given
    beside it, by its source's language and rounding) rather than stored beside the English:
    reading one figure is deterministic and takes a fraction of a millisecond, the English
    ``reading`` stays the one thing stored (no second column, no schema change), and the steps can
    be checked against it.  They are kept only when, said in English, they are the stored reading
    word for word: a claim stored by an older reader, or under a rounding its source has since
    changed, keeps its English (None) rather than a page saying a reading other than the one its
    verdicts were judged on.
    """
    if not claim.reading:
        return []
    if source is None or claim.interval is None:
        return None
    for parsed in _read_again(claim, source):
        cuts: list[Step] = []
        try:
            _within_measure(parsed, claim.measure, cuts)
        except InvalidField:
            continue
        steps = [*parsed.steps, *cuts]
        if say.said(steps) == claim.reading:
            return steps
    return None


def _read_again(claim: Claim, source: Source) -> Iterator[ParsedFigure]:
    """The claim's figure read as :func:`build_claim` may have read it: printed, else the structured value its text joins.

    A claim posted as ``value`` + ``unit`` (+ ``qualifier``) keeps them joined in ``figure``
    (:func:`_structured_text`), and the value as posted, a JSON number or a string: each way of
    splitting the text back is tried, and :func:`reading_steps` keeps the one whose English is the
    stored reading.
    """
    readings = [partial(parse_figure, claim.figure, source.language, source.rounding, claim.unit, claim.direction)]
    if claim.unit is None and claim.direction is None:
        words = claim.figure.split()
        for at, value in enumerate(words[:-1]):
            qualifier, unit = " ".join(words[:at]) or None, " ".join(words[at + 1 :])
            for posted in _as_posted(value):
                readings.append(partial(figure_from_value, posted, unit, qualifier, source.language, source.rounding))
    for read in readings:
        try:
            yield read()
        except ValueError:  # FigureError among them: not the way this claim was read
            continue


def _as_posted(value: str) -> list[float | str]:
    """A structured value as it may have been posted: a JSON number (written by ``str()``) or a string."""
    try:
        return [float(value), value]
    except ValueError:
        return [value]


def _printed(parsed: ParsedFigure | None) -> Literal["number", "direction", "words", "text"]:
    """How the figure was printed: rules about direction words bind only those."""
    if parsed is None:
        return "text"
    if parsed.value is not None:
        return "number"
    return "direction" if parsed.unit == "percent" and parsed.interval.lo in (0.0, -math.inf) and parsed.interval.hi in (0.0, math.inf) else "words"


def _finite_or_none(value: float) -> float | None:
    return value if math.isfinite(value) else None


__all__ = ["Claim", "ClaimIn", "Warning", "Withdrawal", "FieldProblem", "IntervalOut", "build_claim", "category_key", "MEASURES"]
