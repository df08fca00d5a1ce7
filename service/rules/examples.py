"""A rule's examples, run: claims a reporter could print, and the answer the rule must give.

Each example's claims are built as a newsroom's would be (one source per name,
the figure as printed and quoted) and tried with both executors
(``service.trials``).  An example fails when

- one of its claims cannot be read (the claim's field and why, at its line);
- the two executors disagree: a bug in Tally, said so, never blamed on the rule;
- the verdicts are not what ``expect`` says: the status of every verdict, how
  many there are, and a contradiction's margin, which must lie within the
  interval the margin as printed means (``3,5 points`` is 3.45 to 3.55 points,
  as ``tally parse`` reads it) and be of the same kind (money, ratio, count).

Nothing here prints: ``tally rules test`` and ``tally rules lint`` do.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

import msgspec

from service.claims import Claim, ClaimIn, build_claim
from service.errors import InvalidField
from service.figures import FigureError, Rounding, parse_figure
from service.intervals import Interval
from service.rules.explain import format_interval, format_number, render_verdict
from service.rules.loader import kind_of
from service.rules.model import Example, ExampleClaim, Expectation, Number, Rule
from service.rules.plan import VerdictRow, plan_rule
from service.sources import Source
from service.trials import Trial, Trials
from service.units import base_factor


@dataclass(frozen=True)
class ExampleFailure:
    """Why one example of one rule fails, and where its author wrote what to fix."""

    path: str
    rule: str
    number: int  # 1-based, in the order of the file
    title: str | None
    line: int  # the claim's field when the failure is about one claim, else the example
    column: int
    reason: str

    @property
    def example(self) -> str:
        return f"example {self.number}" + (f" ({self.title})" if self.title else "")

    def __str__(self) -> str:
        """``rules/x.yaml:31:7: same-figure: example 2 (title): reason``: what editors jump to."""
        return f"{self.path}:{self.line}:{self.column}: {self.rule}: {self.example}: {self.reason}"


@dataclass(frozen=True)
class ExampleResult:
    rule: Rule
    number: int
    example: Example
    failures: tuple[ExampleFailure, ...]

    @property
    def passed(self) -> bool:
        return not self.failures


def run_examples(rules: Iterable[Rule], trials: Trials) -> list[ExampleResult]:
    """Every example of every rule, in file order, with what failed."""
    return [
        ExampleResult(rule, number, example, tuple(_failures(rule, number, example, trials)))
        for rule in rules
        for number, example in enumerate(rule.examples, start=1)
    ]


def _failures(rule: Rule, number: int, example: Example, trials: Trials) -> list[ExampleFailure]:
    def failure(reason: str, *where: str | int) -> ExampleFailure:
        line, column = example.at(*where)
        return ExampleFailure(rule.file, rule.id, number, example.title, line, column, reason)

    sources, unreadable = _sources(example.claims)
    bodies = []
    for index, claim in enumerate(example.claims):
        try:
            bodies.append(_built(claim, sources[claim.source]))
        except InvalidField as exc:
            problem = exc.problems[0]
            field = "figure" if problem.field == "quote" else problem.field
            unreadable.append((index, field, problem.reason))
    if unreadable:
        return [failure(f"claim {index + 1}: {field}: {reason}", "claims", index, field) for index, field, reason in unreadable]
    trial = trials.run(rule, list(sources.values()), bodies)
    if (difference := trial.disagreement()) is not None:
        reason = f"Tally's executors disagree, a bug in Tally (not in the rule or the example): {difference}"
        return [failure(reason)]
    unmet = _unmet(rule, example, trial)
    return [] if unmet is None else [failure(unmet[0], *unmet[1])]


# --- the claims, as a newsroom would post them ---------------------------------------------


def posted(example: Example) -> tuple[list[Source], list[ClaimIn]]:
    """An example's sources and claims as a newsroom would post them; InvalidField for one that cannot be read."""
    sources, _ = _sources(example.claims)
    return list(sources.values()), [_built(claim, sources[claim.source]) for claim in example.claims]



def _sources(claims: tuple[ExampleClaim, ...]) -> tuple[dict[str, Source], list[tuple[int, str, str]]]:
    """One source per name, printing in the language of its first claim; a second language is a mistake."""
    sources: dict[str, Source] = {}
    mistakes = []
    for index, claim in enumerate(claims):
        if claim.source not in sources:
            ident = _source_id(claim.source, {s.id for s in sources.values()})
            sources[claim.source] = Source(
                id=ident, title=claim.source, outlet=claim.source, language=claim.language, rounding=Rounding(claim.rounding)
            )
        elif sources[claim.source].language != claim.language:
            first = sources[claim.source].language
            mistakes.append((index, "language", f"source {claim.source!r} prints in {first} in an earlier claim: one source, one language"))
        elif sources[claim.source].rounding != claim.rounding:
            first = sources[claim.source].rounding
            mistakes.append((index, "rounding", f"source {claim.source!r} rounds {first} in an earlier claim: one source, one rounding"))
    return sources, mistakes


_NOT_IN_ID = re.compile(r"[^A-Za-z0-9._-]+")


def _source_id(name: str, taken: set[str]) -> str:
    """A valid SourceId for any short name ("Le Matin" -> "Le-Matin"), distinct from those taken."""
    base = _NOT_IN_ID.sub("-", name).strip("-._") or "source"
    ident, suffix = base, 2
    while ident in taken:
        ident, suffix = f"{base}-{suffix}", suffix + 1
    return ident


_FIELD_IN_PATH = re.compile(r"`\$\.(\w+)")  # msgspec's "- at `$.subject`", "- at `key` in `$.breakdown`"


def _built(claim: ExampleClaim, source: Source) -> ClaimIn:
    """The claim a newsroom would post, checked as POST /claims checks it; InvalidField naming the field."""
    body = {
        "source": source.id,
        "quote": claim.quote if claim.quote is not None else claim.figure,
        "subject": claim.subject,
        "measure": claim.measure,
        "period": claim.period,
        "breakdown": claim.breakdown,
        "figure": claim.figure,
    } | ({"compared_to": claim.compared_to} if claim.compared_to is not None else {})
    body |= {name: value for name in ("origin", "released") if (value := getattr(claim, name)) is not None}
    try:
        posted = msgspec.convert(body, ClaimIn)
    except msgspec.ValidationError as exc:
        field = _FIELD_IN_PATH.search(str(exc))
        message = str(exc).split(" - at ")[0]
        if "matching regex" in message:
            message += " (hint: lower-case letters, digits and _ only, dots between the parts of a subject)"
        raise InvalidField(field.group(1) if field else "figure", message) from exc
    build_claim(posted, source)  # reads the figure now, so its failure names this claim
    return posted


# --- what the rule must answer ------------------------------------------------------------


def _unmet(rule: Rule, example: Example, trial: Trial) -> tuple[str, tuple[str, ...]] | None:
    """None when the verdicts are what the example expects; else why not, and where to look."""
    expect, rows = example.expect, trial.sql
    described = _Described(rule, trial.claims)
    if expect.status == "none":
        return None if not rows else (f"expected no verdict, got {len(rows)}: {described.all(rows)}", ())
    if expect.verdicts is not None and len(rows) != expect.verdicts:
        got = f"{len(rows)}: {described.all(rows)}" if rows else "none"
        return f"expected {expect.verdicts} verdict{'s' if expect.verdicts != 1 else ''}, got {got}", ()
    if not rows:
        hint = "the rule bound none of these claims: check their measures, periods, breakdowns and sources"
        return f"expected {expect.status}, got no verdict ({hint})", ()
    wrong = [row for row in rows if row.status != expect.status]
    if wrong:
        share = f" ({len(wrong)} of {len(rows)} verdicts)" if len(rows) > 1 else ""
        return f"expected {expect.status}, got {wrong[0].status}{share}: {described(wrong[0])}", ()
    if expect.margin is not None:
        return _margin_unmet(expect, example, rows, described)
    return None


def _margin_unmet(
    expect: Expectation, example: Example, rows: tuple[VerdictRow, ...], described: _Described
) -> tuple[str, tuple[str, ...]] | None:
    """A contradiction's margin, in its unit's kind, within the printed margin's rounding."""
    assert expect.margin is not None
    language = example.claims[0].language
    try:
        printed = parse_figure(expect.margin, language)
    except FigureError as exc:
        return f"cannot read the margin {expect.margin!r} ({language}): {exc}", ("expect", "margin")
    allowed = printed.interval.scaled(base_factor(printed.unit))
    for row in rows:
        if row.margin is None or row.margin_unit is None:
            return f"expected a margin of {expect.margin}, but this verdict has none: {described(row)}", ("expect", "margin")
        if _kind(row.margin_unit) != _kind(printed.unit):
            unit = row.margin_unit
            return f"the margin {expect.margin!r} reads as {printed.unit}, the verdict's is in {unit} (write it in {unit}): {described(row)}", ("expect", "margin")
        found = row.margin * base_factor(row.margin_unit)
        if not _within(found, allowed):
            shown = format_interval(allowed, printed.unit)
            return f"expected a margin of {expect.margin} ({shown}), got {format_number(found, row.margin_unit)}: {described(row)}", ("expect", "margin")
    return None


def _kind(unit: str) -> str:
    """money, ratio or number (a count): a margin of 3,5 % and one of 3,5 points are one kind."""
    return kind_of(Number(value=1.0, unit=unit), {})


def _within(value: float, interval: Interval) -> bool:
    # A margin at the very edge of the printed rounding differs from it by float noise only.
    return any(math.isclose(value, end, rel_tol=1e-9, abs_tol=1e-12) for end in (interval.lo, interval.hi)) or (
        interval.lo <= value <= interval.hi
    )


class _Described:
    """A verdict in the words a reporter reads: its figures by role, and the computation the executor's row shows."""

    def __init__(self, rule: Rule, claims: tuple[Claim, ...]) -> None:
        self._plan = plan_rule(rule)
        self._claims = {claim.id: claim for claim in claims}

    def __call__(self, row: VerdictRow) -> str:
        verdict = render_verdict(self._plan, row, self._claims)
        figures = ", ".join(f"{evidence.role} {evidence.figure!r}" for evidence in verdict.claims)
        return f"{figures}: {verdict.computation}"

    def all(self, rows: tuple[VerdictRow, ...]) -> str:
        return "; ".join(f"{row.status} ({self(row)})" for row in rows)


__all__ = ["ExampleFailure", "ExampleResult", "run_examples"]
