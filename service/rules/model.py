"""The rule language as data: a tagged-union AST for checks, and bindings.

A rule binds claims to names and states one comparison over them::

    bind:
      current: {measure: level}
      growth:  {measure: growth, subject: same as current, period: same as current}
      base:    {measure: level, subject: same as current, period: base of growth}
    check: current / (1 + growth) == base

Expressions are msgspec tagged unions (``match`` on them); every node keeps the
line and column where the author wrote it, so a type error points at the token.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

import msgspec

from service.errors import FieldProblem


class Node(msgspec.Struct, frozen=True, kw_only=True, tag_field="node"):
    line: int = 1
    column: int = 1


class Number(Node, tag="number"):
    """A literal: ``1``, ``100 %``, ``8 points``, ``12``."""

    value: float
    unit: str  # canonical unit: count, percent, points, MAD


class Ref(Node, tag="ref"):
    """The figure a binding holds, as an interval."""

    name: str


class Total(Node, tag="sum"):
    """``sum(part)``: the sum over a group binding's claims."""

    name: str


class Compound(Node, tag="compound"):
    """``compound(yearly)``: the growth the members of a group binding make together, ``(1 + g1) (1 + g2) ... - 1``."""

    name: str


class Years(Node, tag="years"):
    """``years(cagr)``: how many years an average_growth binding's span compounds over (2021/2024: 3).

    A bare ``years`` is parsed with an empty name; the loader resolves it to the
    rule's one average_growth binding, so every executor sees a named node.
    """

    name: str = ""


class Negate(Node, tag="neg"):
    operand: Expr


class Arith(Node, tag="arith"):
    op: Literal["+", "-", "*", "/"]
    left: Expr
    right: Expr


class Power(Node, tag="pow"):
    """``base ^ exponent``: ``(1 + cagr) ^ years(cagr)``."""

    base: Expr
    exponent: Expr


Expr = Union[Number, Ref, Total, Compound, Years, Negate, Arith, Power]

ComparisonOp = Literal["==", "<=", ">=", "<", ">"]


class Comparison(Node, tag="compare"):
    op: ComparisonOp
    left: Expr
    right: Expr


# Binding relations ------------------------------------------------------------

Measure = Literal["level", "growth", "share", "share_change", "count", "average", "average_growth", "category"]
PeriodRelationKind = Literal[
    "same", "base_of", "within", "contains", "strictly_within", "strictly_contains", "start_of", "end_of", "literal"
]
GroupKey = Literal["source", "subject", "period", "breakdown_by", "measure"]


class SameAs(msgspec.Struct, frozen=True, tag="same"):
    other: str


class OtherThan(msgspec.Struct, frozen=True, tag="other"):
    other: str


class Literally(msgspec.Struct, frozen=True, tag="literal"):
    value: str


class PeriodRelation(msgspec.Struct, frozen=True):
    kind: PeriodRelationKind
    other: str | None = None  # the binding it relates to
    literal: str | None = None  # an ISO 8601 period, for kind == "literal"


BreakdownSpec = Union[Literal["any", "total", "member"], SameAs, dict[str, str]]


class Binding(msgspec.Struct, frozen=True, kw_only=True):
    """Which claims a name may stand for; every relation names an earlier binding."""

    name: str
    measures: tuple[str, ...] = ()  # empty when measure is "same as" another binding
    measure_of: str | None = None
    subject: SameAs | Literally | None = None
    breakdown: BreakdownSpec = "any"
    period: PeriodRelation | None = None
    compared_to: SameAs | None = None  # a growth's base period, the same as another binding's
    source: SameAs | OtherThan | None = None
    printed: Literal["number", "direction"] | None = None
    unit: str | None = None
    pair_after: str | None = None
    stand_in_months: int = 0
    group: tuple[str, ...] = ()
    each_year_of: str | None = None  # a series: one member per year of that binding's span (see is_series)
    labels: tuple[tuple[str, str], ...] = ()  # (language, words) the desk names this binding's figure by: ("en", "the earlier figure")
    line: int = 1
    column: int = 1

    @property
    def is_group(self) -> bool:
        return bool(self.group) or self.is_series

    @property
    def is_series(self) -> bool:
        """A group formed per claim of ``each_year_of``: a growth for every year of its span after the first,
        each over the year before; only a complete series makes a verdict."""
        return self.each_year_of is not None

    def related(self) -> set[str]:
        """Names of the bindings this one is defined against."""
        names = {self.measure_of, self.pair_after, self.each_year_of}
        for relation in (self.subject, self.compared_to, self.source, self.breakdown):
            if isinstance(relation, (SameAs, OtherThan)):
                names.add(relation.other)
        if self.period is not None:
            names.add(self.period.other)
        return {name for name in names if name}


# Examples ------------------------------------------------------------------------


def _described(type_: Any, text: str, *examples: Any) -> Any:
    return Annotated[type_, msgspec.Meta(description=text, examples=list(examples) or None)]


class ExampleClaim(msgspec.Struct, frozen=True, forbid_unknown_fields=True, omit_defaults=True):
    """One printed claim of an example: the fields a reporter fills in."""

    measure: _described(str, "level, growth, share, share_change, count, average or category.", "level")
    figure: _described(Annotated[str, msgspec.Meta(min_length=1)], "As printed, in the source's language.", "1,14 milliard de dirhams")
    period: _described(str, "ISO 8601 months or years.", "2025-01/2025-11")
    source: _described(str, "A short name for who printed it; claims of one source share it.", "le360") = "example"
    language: _described(Literal["fr", "en", "ar"], "The language the figure is printed in.") = "fr"
    subject: _described(str, "What is measured; examples share one subject unless they say otherwise.") = "example"
    breakdown: _described(dict[str, str], "Which part of the subject.", {"product": "tapis"}) = {}
    compared_to: _described(str | None, "A growth's base period; by default the same months a year earlier.") = None
    quote: _described(str | None, "The sentence it is printed in; by default the figure. Two claims with one quote and figure are one claim.") = None
    rounding: _described(
        Literal["half_up", "truncate", "ceiling", "floor"],
        "How the source rounds (a source's claims share it): truncate and floor read '1,1' as 1.1 to 1.2, ceiling as 1.0 to 1.1.",
    ) = "half_up"
    origin: _described(str | None, "Who the figure is attributed to, a key like a subject (its author, not the outlet).", "ma.office_des_changes") = None
    released: _described(str | None, "The date of the origin's release that printed it: YYYY-MM or YYYY-MM-DD.", "2025-12") = None


class Expectation(msgspec.Struct, frozen=True, forbid_unknown_fields=True, omit_defaults=True):
    """What the rule must answer on an example's claims."""

    status: _described(
        Literal["consistent", "contradicted", "implausible", "revised", "unverifiable", "none"], "The status of every verdict; none: the rule binds nothing."
    )
    margin: _described(
        str | None, "A contradiction's margin, printed as a figure: the verdict's margin must lie within its rounding.", "80 millions MAD", "3,5 points"
    ) = None
    verdicts: _described(Annotated[int, msgspec.Meta(ge=0)] | None, "How many verdicts; by default at least one (none for status none).") = None


class Example(msgspec.Struct, frozen=True, kw_only=True):
    """Claims a reporter could print, and what the rule must answer on them (``tally rules test``)."""

    claims: tuple[ExampleClaim, ...]
    expect: Expectation
    title: str | None = None
    line: int = 1
    column: int = 1
    # (line, column) of what the example writes, by dotted path: "claims.0.figure", "expect.margin"
    positions: dict[str, tuple[int, int]] = {}

    def at(self, *path: str | int) -> tuple[int, int]:
        """Where the author wrote ``path`` (``"claims", 0, "figure"``), else its nearest enclosing part."""
        parts = [str(part) for part in path]
        while parts:
            if (found := self.positions.get(".".join(parts))) is not None:
                return found
            parts.pop()
        return self.line, self.column


class Plausible(msgspec.Struct, frozen=True, forbid_unknown_fields=True, omit_defaults=True):
    """How far the months a stand-in period adds may stray from the rest before a verdict says implausible."""

    month_ratio: _described(
        tuple[Annotated[float, msgspec.Meta(gt=0)], Annotated[float, msgspec.Meta(gt=0)]] | None,
        "A flow: an added month's implied value against an average month of the longer period, lowest and highest (default 0.25 to 4).",
        [0.25, 4],
    ) = None
    share_points: _described(
        Annotated[float, msgspec.Meta(gt=0)] | None,
        "A share: how many points the added months' implied share may stray from the needed period's (default 15).",
        15,
    ) = None


class Rule(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    title: str
    description: str
    translations: tuple[tuple[str, str, str], ...] = ()  # (language, title, description): the desk's other languages
    bindings: tuple[Binding, ...]
    check: Comparison
    check_text: str
    margin_unit: str | None = None
    plausible: Plausible | None = None
    examples: tuple[Example, ...] = ()
    hints: tuple[FieldProblem, ...] = ()  # old spellings and file shapes, still read: lint hints
    file: str = ""
    line: int = 1

    def binding(self, name: str) -> Binding:
        return next(b for b in self.bindings if b.name == name)

    def speaks(self, language: str) -> bool:
        """Whether the rule's title and description are written in ``language`` (English always is)."""
        return language == "en" or any(found == language for found, _, _ in self.translations)

    def title_in(self, language: str) -> str:
        """The title in ``language``, else the English one."""
        return next((title for found, title, _ in self.translations if found == language), self.title)

    def description_in(self, language: str) -> str:
        """The description in ``language``, else the English one."""
        return next((text for found, _, text in self.translations if found == language), self.description)

    @property
    def group_binding(self) -> Binding | None:
        return next((b for b in self.bindings if b.is_group), None)


def leaves(expr: Expr | Comparison) -> list[Number | Ref | Total | Compound | Years]:
    """The leaves of an expression, left to right."""
    match expr:
        case Comparison(left=left, right=right) | Arith(left=left, right=right):
            return leaves(left) + leaves(right)
        case Power(base=base, exponent=exponent):
            return leaves(base) + leaves(exponent)
        case Negate(operand=operand):
            return leaves(operand)
        case _:
            return [expr]


def figure_leaves(expr: Expr | Comparison) -> list[Ref | Total | Compound]:
    """The leaves that stand for printed figures (not numbers, not a span's count of years): what has a unit."""
    return [leaf for leaf in leaves(expr) if isinstance(leaf, (Ref, Total, Compound))]
