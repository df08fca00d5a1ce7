"""Error mechanisms as data: re-readings of a printed figure under which contradicted figures might tally.

A statistics desk knows how figures go wrong: a growth computed against the full
previous year instead of the same months, points printed as a percent change, a
scale slip of a thousand, a truncated figure read as rounded.  Each is a YAML
file in ``rules/diagnoses/`` naming the measures it applies to and one or more
*readings*, each a change to one claim:

    id: full-year-base
    title: A growth against the full previous year instead of the same months
    measures: [growth]
    readings:
      - compared_to: full year

A reading sets ``scale`` (the value times a factor), ``compared_to`` (``full
year``: the calendar year holding the printed base; ``previous period``: the
same number of months just before), ``rounding`` (the figure read again as that
rounding), or ``relative_to: share`` (a change printed in points read as a
percent change of the share the verdict prints for the same quantity: "down 8
points" from a share now at 11 % is, as "down 8 %", 11 % x 0.08 / 0.92 = 0.96
points).
``service.diagnosing`` re-runs the verdict's rule on its figures with one of them
re-read; the mechanism's status is the best any of its readings reaches.  A
diagnosis explains a verdict; it never changes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal

import msgspec

from service.claims import MEASURES, Claim, IntervalOut, base_interval
from service.errors import FieldProblem, RuleFileError
from service.figures import FigureError, Rounding, parse_figure
from service.intervals import Interval, UndefinedResult
from service.periods import Period
from service.rules.limits import read_rule_file
from service.rules.explain import ENGLISH, Words
from service.rules.loader import TranslationSpec, _Located, _msgspec_problem, read_yaml, translated
from service.units import base_factor


class Reading(msgspec.Struct, frozen=True, forbid_unknown_fields=True, omit_defaults=True):
    """One change to one printed figure."""

    scale: Annotated[float, msgspec.Meta(gt=0)] | None = None
    compared_to: Literal["full year", "previous period"] | None = None
    rounding: Literal["half_up", "truncate"] | None = None
    relative_to: Literal["share"] | None = None

    def describe(self, words: Words = ENGLISH) -> str:
        """The reading in a few words of ``words``' language: ``times 1000``, ``compared to the full year``."""
        _ = words.gettext
        if self.scale is not None:
            return _("times %(factor)s") % {"factor": words.write(Decimal(f"{self.scale:g}"), False)}
        if self.compared_to == "full year":
            return _("compared to the full year")
        if self.compared_to == "previous period":
            return _("compared to the previous period")
        if self.rounding is not None:
            return _("as truncated") if self.rounding == "truncate" else _("as rounded half up")
        return _("as a percent change of the share") if self.relative_to else _("as printed")


class Mechanism(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """An error a desk knows, as the readings of one figure that would undo it."""

    id: Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    title: Annotated[str, msgspec.Meta(min_length=1)]
    measures: Annotated[list[str], msgspec.Meta(min_length=1)]
    readings: Annotated[list[Reading], msgspec.Meta(min_length=1)]
    description: str = ""
    translations: dict[str, TranslationSpec] = {}  # the title and description in fr and ar, as a rule's

    def title_in(self, language: str) -> str:
        """The title in ``language``, else the English one."""
        translation = self.translations.get(language)
        return translation.title.strip() if translation is not None else self.title

    def speaks(self, language: str) -> bool:
        return language == "en" or language in self.translations


def load_mechanisms(folder: Path) -> list[Mechanism]:
    """Every mechanism of a folder, in file order; RuleFileError with file:line:column for a broken one."""
    if not folder.is_dir():
        return []
    found, seen = [], set()
    for path in sorted(folder.glob("*.yaml")):
        mechanism = _load(path)
        if mechanism.id in seen:
            raise RuleFileError(str(path), [FieldProblem(field="id", reason=f"mechanism id {mechanism.id!r} is used twice (hint: rename one)", location="rule")])
        seen.add(mechanism.id)
        found.append(mechanism)
    return found


def _load(path: Path) -> Mechanism:
    text = read_rule_file(str(path))
    node = read_yaml(text, str(path))  # the same limits as a rule file: the folder is the same
    located = _Located()
    try:
        mechanism = msgspec.convert(located.build_or_raise(node, str(path)) if node is not None else None, Mechanism)
    except msgspec.ValidationError as exc:
        raise RuleFileError(str(path), [_msgspec_problem(exc, located, ())]) from exc
    problems: list[FieldProblem] = []

    def report(where: tuple[str, ...], reason: str, hint: str = "", key: bool = False) -> None:
        line, column = located.at(where, key=key)
        problems.append(FieldProblem(field=".".join(where), reason=f"{reason} (hint: {hint})" if hint else reason, location="rule", line=line, column=column))

    translated(mechanism.translations, (), report)  # the checks of a rule's translations, at their line:column
    if problems:
        raise RuleFileError(str(path), problems)
    unknown = [m for m in mechanism.measures if m not in MEASURES]
    if unknown:
        line, column = located.at(("measures",))
        raise RuleFileError(str(path), [FieldProblem(field="measures", reason=f"unknown measure {unknown[0]!r} (hint: one of {', '.join(MEASURES)})", location="rule", line=line, column=column)])
    return mechanism


def reread(claim: Claim, reading: Reading, language: str, others: Sequence[Claim] = ()) -> Claim | None:
    """The claim as the reading would have it, or None when the reading does not apply to it.

    ``others`` are the verdict's other figures, which a relative reading reads its share from.
    """
    if claim.interval is None:
        return None
    if reading.scale is not None:
        interval = claim.interval
        scaled = IntervalOut(*(None if v is None else v * reading.scale for v in (interval.lo, interval.hi)), unit=interval.unit)
        return msgspec.structs.replace(claim, interval=scaled)
    if reading.compared_to is not None:
        return _with_base(claim, reading.compared_to)
    if reading.rounding is not None:
        try:
            parsed = parse_figure(claim.figure, language, Rounding(reading.rounding), claim.unit)
        except FigureError:
            return None
        interval = parsed.interval
        if parsed.unit != claim.interval.unit:
            return None
        return msgspec.structs.replace(claim, interval=IntervalOut.of(interval, parsed.unit))
    if reading.relative_to is not None:
        return _relative(claim, others)
    return None


def _relative(change: Claim, others: Sequence[Claim]) -> Claim | None:
    """A change in points read as a percent change g of the share S printed for its quantity: S * g / (1 + g) points."""
    if change.measure != "share_change" or change.interval is None:
        return None
    share = next((c for c in others if c.measure == "share" and c.interval is not None and (c.subject, c.breakdown, c.period) == (change.subject, change.breakdown, change.period)), None)
    if share is None or share.interval is None:
        return None
    growth, now = base_interval(change.interval), base_interval(share.interval)
    try:
        points = now * (growth / (Interval.point(1.0) + growth))
    except UndefinedResult:  # a fall of 100 % or more: no share before it
        return None
    return msgspec.structs.replace(change, interval=IntervalOut.of(points.scaled(1 / base_factor("points")), "points"))


def _with_base(claim: Claim, which: str) -> Claim | None:
    period = Period.parse(claim.period)
    base = Period.parse(claim.compared_to) if claim.compared_to else period.year_earlier()
    if which == "full year":
        year = base.start // 12
        if base.end // 12 != year:
            return None
        new = Period(year * 12, year * 12 + 11)
    else:
        new = Period(period.start - period.months, period.start - 1)
    if new == base:
        return None
    return msgspec.structs.replace(claim, compared_to=str(new))
