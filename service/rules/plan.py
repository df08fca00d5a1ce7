"""A rule compiled once into a plan: what every executor of the rule reads.

The plan is the single statement of a rule's meaning below the YAML:

* each binding's **filters** (conditions on its own claim's columns) and
  **relations** (conditions between its claim and earlier bindings' claims), as
  small predicate trees over named columns;
* the **unit combinations** under which the check adds like with like;
* the **check** (the rule's typed expression) and how its margin is reported;
* which bindings are tied to one **subject**, from which the neighbourhood of a
  new claim is derived (the claims an in-process check must see).

``sql.py`` turns predicates into sqlglot nodes for a store, ``local.py`` into
Python closures over one claim's neighbourhood; neither looks at the rule's
bindings again, so a condition cannot mean one thing in SQL and another in Python.

>>> from service.rules.loader import load_rules_text
>>> rule = load_rules_text('''
... id: r
... title: t
... description: d
... bind:
...   a: {measure: level}
...   b: {measure: same as a, subject: same as a}
... check: a == b
... ''')[0]
>>> plan = plan_rule(rule)
>>> [str(p) for p in plan.binding("b").relations]
['b.measure = a.measure', 'b.subject = a.subject', 'b.n > count(b.id in a)']
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from collections.abc import Mapping, Sequence
from typing import Any, Literal, Union

import msgspec

from service.periods import Period
from service.rules.loader import kind_of, valid_unit_combinations
from service.rules.model import Binding, Literally, OtherThan, Ref, Rule, SameAs, Total, leaves
from service.rules.symmetry import symmetry
from service.units import base_factor

# Relative tolerance under which a gap is float noise, not a contradiction: part of what
# a check means, so every executor reads it from here.
TOLERANCE = 1e-9
# A strict comparison fails where the sides can at best be equal, so there the
# tolerance works the other way: sides within it of touching count as equal, and
# equal sides contradict ``<`` (margin 0) where they satisfy ``<=``.
STRICT_COMPARISONS = frozenset({"<", ">"})

# --- predicates ------------------------------------------------------------------------


@dataclass(frozen=True)
class Col:
    """A column of the claim (or group) a binding holds."""

    binding: str
    column: str

    def __str__(self) -> str:
        return f"{self.binding}.{self.column}"


@dataclass(frozen=True)
class Const:
    value: str | int | float | None

    def __str__(self) -> str:
        return repr(self.value)


@dataclass(frozen=True)
class Span:
    """How many months a binding's period (or base period) runs past its first: ``end - start``."""

    binding: str
    start: str = "period_start"
    end: str = "period_end"

    def __str__(self) -> str:
        return f"({self.binding}.{self.end} - {self.binding}.{self.start})"


@dataclass(frozen=True)
class Longer:
    """How many months one span is longer than another."""

    span: Span
    than: Span

    def __str__(self) -> str:
        return f"({self.span} - {self.than})"


@dataclass(frozen=True)
class CalendarYear:
    """The first (or last) month of the calendar year holding one of a binding's months.

    Months are ``year * 12 + month - 1``, so the year's first is ``m - m % 12``:
    what ``start of x`` and ``end of x`` compare a period with.
    """

    binding: str
    column: str  # period_start or period_end
    edge: Literal["first", "last"]

    def __str__(self) -> str:
        return f"{self.edge}_month_of_year({self.binding}.{self.column})"


Term = Union[Col, Const, Span, Longer, CalendarYear]
CompareOp = Literal["=", "!=", "<", "<=", ">", ">=", "is"]


@dataclass(frozen=True)
class Compare:
    """``left op right``; ``is`` is equality in which two NULLs are equal (SQL's IS NOT DISTINCT FROM)."""

    op: CompareOp
    left: Term
    right: Term

    def __str__(self) -> str:
        return f"{self.left} {self.op} {self.right}"


@dataclass(frozen=True)
class OneOf:
    term: Col
    values: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.term} in {self.values}"


@dataclass(frozen=True)
class AllOf:
    parts: tuple[Predicate, ...]

    def __str__(self) -> str:
        return "(" + " and ".join(map(str, self.parts)) + ")"


@dataclass(frozen=True)
class AnyOf:
    parts: tuple[Predicate, ...]

    def __str__(self) -> str:
        return "(" + " or ".join(map(str, self.parts)) + ")"


@dataclass(frozen=True)
class Not:
    part: Predicate

    def __str__(self) -> str:
        return f"not {self.part}"


@dataclass(frozen=True)
class Distinct:
    """A binding's reading holds a claim of its own besides those earlier bindings took from it.

    Bindings hold *readings* (claims a rule cannot tell apart, bound once: ``READING_COLUMNS``),
    and two names never hold the same claim.  So a reading bound by k names needs k claims:
    ``me.n > (number of earlier names holding the same reading)``.  Between two readings this
    is always true; one reading printed twice may face itself (two reprints agree or not).
    """

    binding: str
    earlier: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.binding}.n > count({self.binding}.id in {', '.join(self.earlier)})"


Predicate = Union[Compare, OneOf, AllOf, AnyOf, Not, Distinct]


def bindings_in(predicate: Predicate) -> set[str]:
    """The bindings a predicate reads: it can be tested once all of them hold a claim."""
    match predicate:
        case Compare(left=left, right=right):
            return _term_bindings(left) | _term_bindings(right)
        case OneOf(term=term):
            return {term.binding}
        case AllOf(parts=parts) | AnyOf(parts=parts):
            return set().union(*(bindings_in(p) for p in parts))
        case Not(part=part):
            return bindings_in(part)
        case Distinct(binding=binding, earlier=earlier):
            return {binding, *earlier}
    raise TypeError(predicate)


def _term_bindings(term: Term) -> set[str]:
    match term:
        case Col(binding=binding) | Span(binding=binding) | CalendarYear(binding=binding):
            return {binding}
        case Longer(span=span, than=than):
            return {span.binding, than.binding}
    return set()


# --- the plan ---------------------------------------------------------------------------

# The columns a group exposes: the keys its members share, which are all a relation may name.
GROUP_KEY_COLUMNS: dict[str, tuple[str, ...]] = {
    "source": ("source",),
    "subject": ("subject",),
    "period": ("period_start", "period_end"),
    "breakdown_by": ("breakdown_dims",),
    "measure": ("measure",),
}

# What makes two claims the same quantity: one desk printing it twice (the lede's "près de
# 60 %", the body's "60 %") gives a group one term, not two (NULLs equal, as GROUP BY has them).
QUANTITY_COLUMNS = ("measure", "subject", "breakdown_key", "period_start", "period_end", "compared_start", "compared_end")


@dataclass(frozen=True)
class BindingPlan:
    name: str
    filters: tuple[Predicate, ...]  # on this binding's own claim (a group's: on each member)
    relations: tuple[Predicate, ...]  # with earlier bindings
    group_keys: tuple[str, ...] = ()  # columns a group's members share; empty for one claim
    stand_in_of: str | None = None  # the binding whose period this one's may stand in for
    stand_in_base: bool = False  # ... its base period rather than its period
    series_of: str | None = None  # a series: its groups are formed per claim of this binding ...
    member_relations: tuple[Predicate, ...] = ()  # ... from the members related to that claim thus
    # and a group is kept only when complete: as many quantities as the span has years, one per year

    @property
    def is_group(self) -> bool:
        return bool(self.group_keys)

    @property
    def quantity_keys(self) -> tuple[str, ...]:
        """A group's members with equal group keys and these columns print one quantity: one term of its sum."""
        return tuple(c for c in QUANTITY_COLUMNS if c not in self.group_keys)


# What a figure for a longer period proves about the period it stands in for
# (``stand_in_months``), and how far the months it adds may stray from the rest
# before the figures fit only implausibly.  A rule may set the band (``plausible:``).
FLOW_MEASURES = ("level", "count")  # never negative: the needed months hold at most what the longer period holds
MONTH_RATIO = (0.25, 4.0)  # an added month, against an average month of the longer period
SHARE_POINTS = 15.0  # the added months' share, against the needed period's, in percentage points


@dataclass(frozen=True)
class StandIn:
    """A binding whose claim may be for a longer period than the one the check needs.

    When it is, the executors read it as what it proves: a flow's figure is an upper
    bound of the needed months' ([0, hi]), a share's bounds nothing by itself ([0, 100 %]),
    any other measure nothing at all.  When the binding is one whole side of an ``==``
    check, the other side is what the check implies for the needed months; the months
    the longer period adds are then judged against the rest (``MONTH_RATIO``,
    ``SHARE_POINTS``), and outside that band the verdict is ``implausible``.
    """

    binding: str
    needed: Span  # the period the check needs: the related binding's period or base period
    implied_side: Literal["left", "right"] | None  # the other side of ``==``, when the binding is one whole side
    month_ratio: tuple[float, float] = MONTH_RATIO
    share_points: float = SHARE_POINTS


@dataclass(frozen=True)
class AddedMonths:
    """What the months a longer period adds come to, as the check implies them, and the band they must reach.

    A flow: ``added`` per added month, ``usual`` an average month of the longer period.
    A share: ``added`` the added months' share (every month weighing the same), ``usual``
    the needed period's share as the check implies it.
    """

    kind: Literal["flow", "share"]
    added: tuple[float, float]
    usual: tuple[float, float]
    band: tuple[float, float]

    @property
    def implausible(self) -> bool:
        return self.added[1] < self.band[0] or self.added[0] > self.band[1]


def added_months(
    stand_in: StandIn, measure: str, printed: tuple[float, float], implied: tuple[float, float], months: int, needed_months: int
) -> AddedMonths | None:
    """The months a longer period adds, judged (``sql._implausible`` computes the same, in the same order)."""
    if measure in FLOW_MEASURES:
        extra = months - needed_months
        added = (max(printed[0] - implied[1], 0.0) / extra, (printed[1] - implied[0]) / extra)
        usual = (printed[0] / months, printed[1] / months)
        low, high = stand_in.month_ratio
        return AddedMonths("flow", added, usual, (low * usual[0], high * usual[1]))
    if measure == "share":
        weight = float(needed_months) / months
        rest = 1.0 - weight
        added = ((printed[0] - weight * implied[1]) / rest, (printed[1] - weight * implied[0]) / rest)
        band = stand_in.share_points / 100
        return AddedMonths("share", added, implied, (max(implied[0] - band, 0.0), min(implied[1] + band, 1.0)))
    return None


@dataclass(frozen=True)
class MarginUnit:
    """Where a verdict's margin unit comes from: fixed by the rule, or the unit of one binding's figure."""

    unit: str | None = None
    binding: str | None = None

    @property
    def factor(self) -> float:
        return base_factor(self.unit) if self.unit else 1.0


@dataclass(frozen=True)
class RulePlan:
    rule: Rule
    bindings: tuple[BindingPlan, ...]
    units: tuple[tuple[tuple[str, str], ...], ...]  # each: (binding, unit) pairs under which units agree
    margin_unit: MarginUnit
    is_category: bool
    literal_subjects: tuple[str, ...]
    subject_ties: tuple[tuple[str, str], ...]  # (binding, binding) pairs whose subjects are equal
    stand_ins: tuple[StandIn, ...] = ()
    _by_name: dict[str, BindingPlan] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_name.update({b.name: b for b in self.bindings})

    @property
    def id(self) -> str:
        return self.rule.id

    def binding(self, name: str) -> BindingPlan:
        return self._by_name[name]

    @property
    def revisable(self) -> bool:
        """Whether a verdict of this rule can be ``revised``: figures only, no group (see RELEASE_KEYS)."""
        return not self.is_category and self.group is None

    @property
    def group(self) -> BindingPlan | None:
        return next((b for b in self.bindings if b.is_group), None)

    @property
    def scalars(self) -> list[BindingPlan]:
        return [b for b in self.bindings if not b.is_group]

    def roles_of(self, claim_ids: list[str], sizes: Sequence[int]) -> dict[str, list[str]]:
        """Claim ids by role, from the flat list a store keeps (bindings in order) and how many each role holds."""
        roles, at = {}, 0
        for binding, taken in zip(self.bindings, sizes):
            roles[binding.name], at = claim_ids[at : at + taken], at + taken
        return roles

    @property
    def reads_source(self) -> bool:
        """Whether a binding relates its claim's source to another's: then claims of one figure from two sources are two readings."""
        return any(isinstance(b.source, (SameAs, OtherThan)) for b in self.rule.bindings)

    def group_key_columns(self, binding: BindingPlan) -> tuple[str, ...]:
        """The columns a group binding's key is made of (``group_key``)."""
        return (("series_of",) if binding.series_of is not None else ()) + binding.group_keys

    def unit_predicate(self) -> Predicate:
        """The claims' units make the check add like with like (loader.valid_unit_combinations)."""
        options = []
        for combination in self.units:
            terms = tuple(_unit_is(name, unit) for name, unit in combination)
            options.append(terms[0] if len(terms) == 1 else AllOf(terms))
        if not options:
            return Compare("=", Const(1), Const(0))
        return options[0] if len(options) == 1 else AnyOf(tuple(options))

    @property
    def one_subject(self) -> bool:
        """Whether every claim of each verdict shares one subject: no binding names a subject
        literally, and every binding's subject is tied to the first's."""
        return not self.literal_subjects and not self.untied_to(self.bindings[0].name)

    def untied_to(self, name: str) -> list[str]:
        """Bindings whose subject is not fixed by ``name``'s claim's subject or by a literal.

        A new claim in binding ``name`` shares its subject with the bindings tied to
        it; the others can hold claims of any subject that pass their own filters.
        """
        tied = {name} | {b.name for b in self.bindings if _literal_subject(self.rule.binding(b.name))}
        changed = True
        while changed:
            changed = False
            for a, b in self.subject_ties:
                if (a in tied) != (b in tied):
                    tied |= {a, b}
                    changed = True
        return [b.name for b in self.bindings if b.name not in tied]


def _unit_is(name: str, unit: str) -> Predicate:
    return Compare("is", Col(name, "unit"), Const(None)) if unit == "text" else Compare("=", Col(name, "unit"), Const(unit))


def _literal_subject(binding: Binding) -> bool:
    return isinstance(binding.subject, Literally)


_PLANS: dict[bytes, RulePlan] = {}


def plan_rule(rule: Rule) -> RulePlan:
    """Compile a rule once per process: a reload recompiles only the rules that changed."""
    key = msgspec.json.encode(rule)
    if key not in _PLANS:
        _PLANS[key] = _build(rule)
    return _PLANS[key]


def _build(rule: Rule) -> RulePlan:
    bindings = tuple(_binding_plan(rule, b) for b in rule.bindings)
    combinations = valid_unit_combinations(rule.bindings, rule.check)
    is_category = any("text" in c.values() for c in combinations)
    return RulePlan(
        rule=rule,
        bindings=bindings,
        units=tuple(tuple(sorted(c.items())) for c in combinations),
        margin_unit=_margin_unit(rule, combinations),
        is_category=is_category,
        literal_subjects=tuple(sorted({b.subject.value for b in rule.bindings if isinstance(b.subject, Literally)})),
        subject_ties=_subject_ties(rule),
        stand_ins=tuple(_stand_in(rule, b) for b in bindings if b.stand_in_of is not None),
    )


def _stand_in(rule: Rule, binding: BindingPlan) -> StandIn:
    other = binding.stand_in_of or ""
    needed = Span(other, "compared_start", "compared_end") if binding.stand_in_base else Span(other)
    check, side = rule.check, None
    if check.op == "==":
        if isinstance(check.right, Ref) and check.right.name == binding.name:
            side = "left"
        elif isinstance(check.left, Ref) and check.left.name == binding.name:
            side = "right"
    band = rule.plausible
    ratio = MONTH_RATIO if band is None or band.month_ratio is None else (band.month_ratio[0], band.month_ratio[1])
    points = SHARE_POINTS if band is None or band.share_points is None else band.share_points
    return StandIn(binding.name, needed, side, ratio, points)  # type: ignore[arg-type]


def _subject_ties(rule: Rule) -> tuple[tuple[str, str], ...]:
    ties = []
    for binding in rule.bindings:
        if isinstance(binding.subject, SameAs):
            ties.append((binding.name, binding.subject.other))
        elif binding.is_group and "subject" in binding.group:
            # a group's relations name its keys; with subject among them, its subject is one
            ties += [(binding.name, other) for other in binding.related()]
    return tuple(ties)


def difference_unit(unit: str | None) -> str | None:
    """The unit of a difference of two figures in ``unit``: two shares 3.5 % apart are 3.5 points apart."""
    return "points" if unit == "percent" else unit


# The unit a difference of two values of each kind is read in: two shares 3.5 % apart
# are 3.5 points apart, two growth rates too; a plain number is counted.
_DIFFERENCE_UNIT_OF_KIND = {"money": "MAD", "ratio": "points", "count": "count", "number": "count"}


def _margin_unit(rule: Rule, combinations: list[dict[str, str]]) -> MarginUnit:
    """The rule's margin unit; else the unit of a difference of the kind the check compares.

    When that kind depends on the claims (``first == second`` over levels or shares),
    it is read from the claim of the right side's first binding, as a difference.
    """
    if rule.margin_unit is not None:
        return MarginUnit(unit=rule.margin_unit)
    kinds = {_compared_kind(rule, combination) for combination in combinations}
    if len(kinds) == 1 and None not in kinds:
        return MarginUnit(unit=_DIFFERENCE_UNIT_OF_KIND[kinds.pop()])
    first = next(leaf for leaf in leaves(rule.check.right) + leaves(rule.check.left) if isinstance(leaf, (Ref, Total)))
    return MarginUnit(binding=first.name)


def _compared_kind(rule: Rule, units: dict[str, str]) -> str | None:
    """money, ratio, count or number: what the two sides of the check are; None for categories."""
    if "text" in units.values():
        return None
    right = kind_of(rule.check.right, units)
    return right if right != "number" else kind_of(rule.check.left, units)


def _binding_plan(rule: Rule, binding: Binding) -> BindingPlan:
    stand_in = binding.period is not None and binding.stand_in_months > 0 and binding.period.kind in ("same", "base_of")
    group_keys = tuple(c for key in binding.group for c in GROUP_KEY_COLUMNS[key]) + (("unit",) if binding.is_group else ())
    relations, member_relations = _relations(rule, binding), []
    if binding.each_year_of is not None:
        span = binding.each_year_of
        member_relations = [p for p in relations if bindings_in(p) <= {binding.name, span}] + _series_member(binding.name, span)
        relations = [p for p in relations if not bindings_in(p) <= {binding.name, span}]
    return BindingPlan(
        name=binding.name,
        filters=tuple(_own_filters(binding)),
        relations=tuple(relations),
        series_of=binding.each_year_of,
        member_relations=tuple(member_relations),
        group_keys=group_keys,
        stand_in_of=binding.period.other if stand_in else None,  # type: ignore[union-attr]
        stand_in_base=stand_in and binding.period.kind == "base_of",  # type: ignore[union-attr]
    )


def _series_member(me: str, span: str) -> list[Predicate]:
    """A member of a series: one calendar year of the span after its first, compared with the year before."""
    start, end = Col(me, "period_start"), Col(me, "period_end")
    return [
        Compare("=", start, CalendarYear(me, "period_start", "first")),
        Compare("=", end, CalendarYear(me, "period_start", "last")),
        Compare(">", start, CalendarYear(span, "period_start", "last")),
        Compare("<=", end, CalendarYear(span, "period_end", "last")),
        Compare("=", Span(me, "compared_start", "period_start"), Const(12)),
        Compare("=", Span(me, "compared_end", "period_end"), Const(12)),
    ]


def breakdown_key(breakdown: dict[str, str]) -> str:
    """A breakdown as one comparable text: ``country=fr,product=pottery``."""
    return ",".join(f"{k}={v}" for k, v in sorted(breakdown.items()))


def _own_filters(binding: Binding) -> list[Predicate]:
    me = binding.name
    filters: list[Predicate] = []
    if binding.measures:
        filters.append(OneOf(Col(me, "measure"), tuple(binding.measures)))
    if isinstance(binding.subject, Literally):
        filters.append(Compare("=", Col(me, "subject"), Const(binding.subject.value)))
    breakdown = binding.breakdown
    if breakdown == "total":
        filters.append(Compare("=", Col(me, "breakdown_key"), Const("")))
    elif breakdown == "member":
        filters.append(Compare("!=", Col(me, "breakdown_key"), Const("")))
    elif isinstance(breakdown, dict):
        filters.append(Compare("=", Col(me, "breakdown_key"), Const(breakdown_key(breakdown))))
    if binding.period is not None and binding.period.kind == "literal":
        period = Period.parse(binding.period.literal or "")
        filters.append(Compare("=", Col(me, "period_start"), Const(period.start)))
        filters.append(Compare("=", Col(me, "period_end"), Const(period.end)))
    if binding.printed is not None:
        filters.append(Compare("=", Col(me, "printed"), Const(binding.printed)))
    if binding.unit is not None:
        filters.append(Compare("=", Col(me, "unit"), Const(binding.unit)))
    return filters


def _relations(rule: Rule, binding: Binding) -> list[Predicate]:
    me = binding.name
    relations: list[Predicate] = []
    if binding.measure_of is not None:
        relations.append(Compare("=", Col(me, "measure"), Col(binding.measure_of, "measure")))
    if isinstance(binding.subject, SameAs):
        relations.append(Compare("=", Col(me, "subject"), Col(binding.subject.other, "subject")))
    if isinstance(binding.breakdown, SameAs):
        relations.append(Compare("=", Col(me, "breakdown_key"), Col(binding.breakdown.other, "breakdown_key")))
    if binding.period is not None and binding.period.kind != "literal":
        relations.append(_period_relation(binding, binding.period.kind, binding.period.other or ""))
    if binding.compared_to is not None:
        other = binding.compared_to.other
        relations += [Compare("is", Col(me, c), Col(other, c)) for c in ("compared_start", "compared_end")]
    if isinstance(binding.source, SameAs):
        relations.append(Compare("=", Col(me, "source"), Col(binding.source.other, "source")))
    elif isinstance(binding.source, OtherThan):
        relations.append(Compare("!=", Col(me, "source"), Col(binding.source.other, "source")))
    if binding.pair_after is not None:
        relations.append(_taken_once(rule, me, binding.pair_after))
    if not binding.is_group:
        # Two names never hold the same claim: a figure cannot contradict itself.
        earlier = []
        for other in rule.bindings:
            if other.name == me:
                break
            if not other.is_group:
                earlier.append(other.name)
        if earlier:
            relations.append(Distinct(me, tuple(earlier)))
    return relations


def mirror(rule: Rule) -> dict[str, str]:
    """The swap of bindings under which a symmetric rule is unchanged (``symmetry.py``); its pair alone if none is found."""
    unwritten = [msgspec.structs.replace(b, pair_after=None) for b in rule.bindings]
    renaming = symmetry(unwritten, rule.check)
    if renaming is None:
        later = next(b for b in rule.bindings if b.pair_after is not None)
        return {b.name: b.name for b in rule.bindings} | {later.name: later.pair_after or "", later.pair_after or "": later.name}
    return renaming


def _taken_once(rule: Rule, later: str, earlier: str) -> Predicate:
    """Each mirrored assignment once, over readings: the later half's reading keys at least the earlier half's, in order.

    Over claims, ``later.id > earlier.id`` sufficed: two claims differ.  Two readings of a
    pair may be one (two reprints face each other), so ties are broken by the next pair the
    swap exchanges (a level's growth beside it), and an assignment that is its own mirror is
    taken once (``>=``; ``Distinct`` demands the claims).
    """
    renaming = mirror(rule)
    pairs = [(later, earlier)] + [(renaming[b.name], b.name) for b in rule.bindings if renaming[b.name] != b.name and b.name not in (later, earlier) and b.name < renaming[b.name]]
    predicate: Predicate = Compare(">=", Col(pairs[-1][0], "id"), Col(pairs[-1][1], "id"))
    for x, y in reversed(pairs[:-1]):
        predicate = AnyOf((Compare(">", Col(x, "id"), Col(y, "id")), AllOf((Compare("=", Col(x, "id"), Col(y, "id")), predicate))))
    return predicate


def _period_relation(binding: Binding, kind: str, other: str) -> Predicate:
    me = binding.name
    start, end = Col(me, "period_start"), Col(me, "period_end")
    if kind in ("start_of", "end_of"):
        # one whole calendar year: the first (start of) or last (end of) that x's period touches
        month = "period_start" if kind == "start_of" else "period_end"
        first, last = CalendarYear(other, month, "first"), CalendarYear(other, month, "last")
        return AllOf((Compare("=", start, first), Compare("=", end, last)))
    if kind == "base_of":
        need_start, need_end = Col(other, "compared_start"), Col(other, "compared_end")
    else:
        need_start, need_end = Col(other, "period_start"), Col(other, "period_end")
    equal = AllOf((Compare("=", start, need_start), Compare("=", end, need_end)))
    around = AllOf((Compare("<=", start, need_start), Compare(">=", end, need_end)))
    if kind in ("same", "base_of"):
        if not binding.stand_in_months:
            return equal
        # A figure for a slightly longer period containing the needed one may stand in;
        # the verdict then says which months it adds.
        needed = Span(other, "compared_start", "compared_end") if kind == "base_of" else Span(other)
        return AllOf((around, Compare("<=", Longer(Span(me), needed), Const(binding.stand_in_months))))
    inside = AllOf((Compare(">=", start, need_start), Compare("<=", end, need_end)))
    relation = inside if kind.endswith("within") else around
    if kind.startswith("strictly"):
        return AllOf((relation, Not(equal)))
    return relation


# --- a revision: one origin's figures, read from one of its releases -----------------------
#
# A statistics office publishes a preliminary figure, then revises it; outlets relay both.
# A verdict contradicted as printed is ``revised`` when its contradiction rests on a
# revision, which every executor decides the same way (``sql._revised``, ``local._revised``):
#
# 1. every claim it reads names one origin (a claim without one is its own origin), and
#    a release; the releases are not all one (a contradiction within one release stays one);
# 2. R is the latest of those releases;
# 3. each claim's quantity (``RELEASE_KEYS``: the quantity, in the claim's unit) is read
#    from release R of that origin: the claims of the store printing it there, which must
#    agree among themselves (their intervals share a point: the greatest lower bound is no
#    more than the least upper one), read as their hull; a quantity R does not print, or
#    prints twice with figures that disagree, leaves the verdict contradicted;
# 4. the check, computed on those readings (a longer period standing in as it does as
#    printed), holds: it is neither contradicted nor unverifiable.
#
# A pair of one quantity printed in two releases is the simplest case (both read as R's
# figure); a chain (a level x growth against a level) is revised when R's figures of each
# quantity make it hold.  A group (a sum, a series) or a category is never revised.
RELEASE_KEYS = QUANTITY_COLUMNS + ("unit",)
REVISED = "revised"


def figures_agree(values: list[tuple[float, float]]) -> bool:
    """Figures of one quantity in one release agree when their intervals share a point (no tolerance: exact in every engine)."""
    return max(lo for lo, _ in values) <= min(hi for _, hi in values)


# --- what every executor returns ------------------------------------------------------

# The claim columns an executor reads, in this order, for rows handed to ``local.py``.
CLAIM_COLUMNS = (
    "id", "source", "subject", "breakdown_key", "breakdown_dims", "measure", "period_start", "period_end",
    "compared_start", "compared_end", "printed", "lo", "hi", "unit", "scale", "text_key", "origin", "released",
    "figure_key",
)  # fmt: skip

# --- readings: claims a rule cannot tell apart, bound once ---------------------------------
#
# Two claims printing the same reading (interval and unit) of the same quantity, with the same
# origin and release, differ to a rule only by their id and their source; a rule that relates
# sources (``source: same as`` / ``other than``) tells sources apart too.  Every executor binds
# such a *reading* once, as one row whose ``id`` is the reading's key, with ``n`` its claims and
# ``ids`` their ids (sorted): N reprints of a figure are one row, and a verdict over readings
# lists every claim of each.  The key is a hash computed once per claim (``figure_key``, stored
# with it), so DuckDB, Spark and Python read the same text whatever their float formatting.
FIGURE_COLUMNS = (
    "subject", "breakdown_key", "breakdown_dims", "measure", "period_start", "period_end", "compared_start",
    "compared_end", "printed", "lo", "hi", "unit", "scale", "text_key", "origin", "released",
)  # fmt: skip
_FLOAT_COLUMNS = frozenset({"lo", "hi", "scale"})
# A reading row: the claim columns (``id`` the reading's key, ``source`` NULL unless the rule
# relates sources, ``figure_key`` the figure's), then how many claims print it and their ids.
READING_COLUMNS = CLAIM_COLUMNS + ("n", "ids")


def figure_key(values: Mapping[str, Any]) -> str:
    """What every rule reads of a claim but its id and source, as one short hash (``f-`` and 16 hex digits).

    Floats are written as Python's shortest round-trip text, after ``float()``: a bound read
    back from DuckDB and one computed from the printed text give the same key.
    """
    parts = [repr(float(values[c])) if c in _FLOAT_COLUMNS and values[c] is not None else repr(values[c]) for c in FIGURE_COLUMNS]
    return "f-" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]


def reading_key(figure: str, source: str | None) -> str:
    """A reading's key for a rule: the figure's, and its source's when the rule relates sources (``sql.py`` builds the same)."""
    return figure if source is None else f"{figure}@{source}"


def group_key(values: Sequence[Any]) -> str:
    """A group binding's key: its group keys' values (a series': its span's reading first), NULLs left out, as CONCAT_WS does."""
    return "|".join(str(v) for v in values if v is not None)


class VerdictRow(msgspec.Struct, frozen=True, kw_only=True):
    """One verdict as an executor found it: the words a reporter reads are rendered from this.

    ``left`` and ``right`` are the bounds of the check's two sides in base magnitudes
    (a share as a fraction), ``None`` for a category check or an undefined quotient;
    ``margin`` is in ``margin_unit``, unrounded, and 0 unless contradicted.
    """

    id: str
    rule: str
    roles: dict[str, list[str]]  # binding name -> claim ids, sorted: a reading's claims, or a group's members
    status: str
    margin: float | None
    margin_unit: str | None
    left: tuple[float, float] | None
    right: tuple[float, float] | None

    @property
    def roles_ids(self) -> set[str]:
        """Every claim the verdict reads, whatever its role."""
        return {claim_id for ids in self.roles.values() for claim_id in ids}


def verdict_key(rule_id: str, keys: Mapping[str, str]) -> str:
    """What a verdict id hashes: the rule and each role's reading or group key, names sorted (``sql.py`` builds the same text).

    Not claim ids: one more reprint of a figure joins the verdicts of its reading under their ids.
    """
    return rule_id + "|" + ";".join(f"{name}={key}" for name, key in sorted(keys.items()))


def verdict_id(rule_id: str, keys: Mapping[str, str]) -> str:
    """The same rule over the same readings in the same roles gives the same id: a desk can link to it."""
    return "v-" + hashlib.sha256(verdict_key(rule_id, keys).encode()).hexdigest()[:16]
