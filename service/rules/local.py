"""A rule's plan, run in process over a handful of claim rows: the executor behind POST /claims.

When a claim arrives, only the verdicts it takes part in are new, and they lie in
its neighbourhood (a few hundred rows).  Sending that through SQL costs DuckDB's
planning on every request; this module runs the same plan in Python instead.
It reads a rule only through its :class:`~service.rules.plan.RulePlan`: each
binding's filters and relations, the unit combinations, the group keys, the
margin unit and the check.  So a condition cannot mean one thing here and
another in ``sql.py``.

How it runs, for a plan compiled once into closures (:func:`_compiled`):

1. **Pools.**  Each binding's candidates are the rows passing its own filters; a
   group binding's candidates are its groups (members sharing the group keys,
   printing two or more quantities, each summed once as the hull of its figures).
   Pools are built lazily, the first time a binding is reached.
2. **Join.**  Bindings are bound one at a time, starting from the binding that
   holds the anchor (or, over a whole store, the rule's first binding), in an
   order that always extends what is bound by the binding with most relations to
   it.  Every predicate is decided at the first step at which all the bindings
   it reads hold a claim, so a partial assignment is dropped as early as
   possible; an equality with an earlier binding is looked up in a hash index of
   the pool rather than tested on every candidate.
3. **Check.**  The check is evaluated with :class:`~service.intervals.Interval`,
   staged like the SQL's subqueries: each sub-expression is computed at the step
   at which its bindings all hold a claim, so ``new * (1 + total)`` is not redone
   for every ``old``.  Each full assignment's two sides are then read as a status
   and margin exactly as the SQL's ``CASE`` does.

:func:`execute` runs a plan over rows, whole or anchored on one claim;
:func:`accepting_bindings` says which bindings a new claim could hold, before
any neighbourhood is fetched.

Predicates follow SQL's three-valued logic (``None`` is unknown): a comparison
with a NULL operand is unknown, ``not unknown`` is unknown, and only a true
condition keeps an assignment.  ``is`` is ``IS NOT DISTINCT FROM``.
"""

from __future__ import annotations

import functools
import math
import operator
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from service.intervals import Interval, UndefinedResult
from service.rules.model import Arith, Compound, Expr, Negate, Number, Power, Ref, Total, Years
from service.rules.plan import (
    READING_COLUMNS,
    STRICT_COMPARISONS,
    Distinct,
    TOLERANCE,
    AllOf,
    AnyOf,
    BindingPlan,
    CalendarYear,
    Col,
    Compare,
    Const,
    Longer,
    Not,
    OneOf,
    Predicate,
    RulePlan,
    Span,
    Term,
    VerdictRow,
    FLOW_MEASURES,
    RELEASE_KEYS,
    REVISED,
    StandIn,
    figures_agree,
    added_months,
    bindings_in,
    difference_unit,
    group_key,
    reading_key,
    verdict_id,
)
from service.units import base_factor

Row = tuple[Any, ...]  # a claims row, in CLAIM_COLUMNS order; a reading's, in READING_COLUMNS order
Truth = bool | None  # SQL's three-valued logic: None is "unknown"
Bound = list[Any]  # binding slot -> the row it holds (a reading, or a group's first member), None while unbound

COLUMN = {name: index for index, name in enumerate(READING_COLUMNS)}
ID, LO, HI, UNIT, SCALE, TEXT_KEY = (COLUMN[c] for c in ("id", "lo", "hi", "unit", "scale", "text_key"))
SOURCE, FIGURE_KEY, COUNT, IDS = (COLUMN[c] for c in ("source", "figure_key", "n", "ids"))
PERIOD_START, PERIOD_END, MEASURE = COLUMN["period_start"], COLUMN["period_end"], COLUMN["measure"]
ORIGIN, RELEASED = COLUMN["origin"], COLUMN["released"]
RELEASE_KEY = tuple(COLUMN[c] for c in ("origin", "released", *RELEASE_KEYS))


def execute(
    plan: RulePlan, rows: Sequence[Row] | Grouped, anchor: str | None = None, anchors: Collection[str] | None = None
) -> list[VerdictRow]:
    """Every verdict of ``plan`` over ``rows``, or with ``anchor`` only those in which that claim takes part
    (with ``anchors``, those in which one of them does).

    ``rows`` are claims (``CLAIM_COLUMNS``), bound as readings (``readings``): a verdict
    lists every claim of each reading it binds.  They must hold every claim the verdicts
    need: for an anchor, its whole neighbourhood, including every member of any group it
    could join (a group is formed from the rows given, so a missing member changes its sum)
    and every reprint of a figure it could face.  Verdicts come deduplicated and sorted by id.
    Several rules over the same rows: pass them :class:`Grouped`, and they are grouped once.
    """
    if anchor is not None:
        anchors = {anchor}
    elif anchors is not None and not isinstance(anchors, (set, frozenset)):
        anchors = set(anchors)
    grouped = rows if isinstance(rows, Grouped) else Grouped(rows)
    rows = grouped.claims
    compiled = _compiled(plan)
    pools = _Pools(compiled, grouped.readings(plan.reads_source), rows)
    found: dict[str, VerdictRow] = {}

    def emit(verdict: VerdictRow) -> None:
        found.setdefault(verdict.id, verdict)

    for start, first in _starts(compiled, pools, grouped, anchors):
        _Join(compiled, compiled.orders[start], pools, emit).extend(0, first)
    # A series is joined from its span's claims, so an anchored run may meet verdicts without the anchor.
    return [found[key] for key in sorted(found) if anchors is None or not anchors.isdisjoint(found[key].roles_ids)]


@dataclass
class Grouped:
    """Claims rows and their readings, grouped once for every rule run over them (``POST /claims`` runs up to
    fourteen over one neighbourhood of 400 claims: grouping it for each was half the executor's time)."""

    claims: Sequence[Row]
    _readings: dict[bool, list[Row]] = field(default_factory=dict)  # by whether a rule tells sources apart
    _readings_by_id: dict[bool, dict[str, Row]] = field(default_factory=dict)

    def readings(self, sourced: bool) -> list[Row]:
        if sourced not in self._readings:
            self._readings[sourced] = _readings(self.claims, sourced)
        return self._readings[sourced]

    def readings_by_id(self, sourced: bool) -> dict[str, Row]:
        if sourced not in self._readings_by_id:
            self._readings_by_id[sourced] = {row[ID]: row for row in self.readings(sourced)}
        return self._readings_by_id[sourced]

    @functools.cached_property
    def claims_by_id(self) -> dict[str, Row]:
        return {row[ID]: row for row in self.claims}


def _readings(rows: Sequence[Row], sourced: bool) -> list[Row]:
    """Claims a rule cannot tell apart (the same figure; the same source too for a rule that reads it,
    ``RulePlan.reads_source``), as one row each (``plan.READING_COLUMNS``, ``sql.readings_select``)."""
    by_key: dict[Any, list[Row]] = defaultdict(list)
    key_of = operator.itemgetter(FIGURE_KEY, SOURCE) if sourced else operator.itemgetter(FIGURE_KEY)
    for row in rows:
        by_key[key_of(row)].append(row)
    found = []
    for claims in by_key.values():
        first = claims[0]
        source = first[SOURCE] if sourced else None
        ids = sorted([row[ID] for row in claims])
        found.append((reading_key(first[FIGURE_KEY], source), source, *first[SOURCE + 1 : FIGURE_KEY + 1], len(claims), ids))
    return found


def accepting_bindings(plan: RulePlan, row: Row) -> list[str]:
    """The bindings whose own filters a claim passes: where it could take part (in a group, as a member).

    A rule none of whose bindings accept a new claim has no verdict for it, so
    its neighbourhood need not be fetched; the others say which bindings the
    neighbourhood must serve.
    """
    compiled = _compiled(plan)
    return [name for name, filters in zip(compiled.names, compiled.filters) if _holds(filters, row)]


def group_mates(plan: RulePlan, row: Row, rows: Iterable[Row]) -> set[str]:
    """The claims among ``rows`` that share a group with ``row`` in a group binding of ``plan`` that accepts it:
    the same group keys, each passing the binding's filters (for a series, whatever span it relates to: more
    than its series, never fewer).  A change to ``row`` changes those groups, so the verdicts holding their members."""
    compiled = _compiled(plan)
    mates: set[str] = set()
    for slot, binding in enumerate(plan.bindings):
        filters = compiled.filters[slot]
        if not binding.is_group or not _holds(filters, row):
            continue
        key_of = _key_getter(tuple(COLUMN[c] for c in binding.group_keys))
        key = key_of(row)
        mates |= {other[ID] for other in rows if key_of(other) == key and _holds(filters, other)}
    return mates


# --- predicates as closures ----------------------------------------------------------------

Reader = Callable[[str, int], Callable[[Any], Any]]  # (binding, column index) -> getter


def _row_reader(binding: str, index: int) -> Callable[[Row], Any]:
    """For a binding's own filters: a column of the one row under test."""
    return operator.itemgetter(index)


def _bound_reader(slots: dict[str, int]) -> Reader:
    """For relations: a column of the row a binding holds in the partial assignment."""

    def read(binding: str, index: int) -> Callable[[Bound], Any]:
        slot = slots[binding]
        return lambda bound: bound[slot][index]

    return read


def _term(term: Term, read: Reader) -> Callable[[Any], Any]:
    match term:
        case Col(binding=binding, column=column):
            return read(binding, COLUMN[column])
        case Const(value=value):
            return lambda _: value
        case Span(binding=binding, start=start, end=end):
            return _difference(read(binding, COLUMN[end]), read(binding, COLUMN[start]))
        case Longer(span=span, than=than):
            return _difference(_term(span, read), _term(than, read))
        case CalendarYear(binding=binding, column=column, edge=edge):
            month, offset = read(binding, COLUMN[column]), (0 if edge == "first" else 11)
            return lambda x: None if (m := month(x)) is None else m - m % 12 + offset
    raise TypeError(term)


def _difference(minuend: Callable[[Any], Any], subtrahend: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def difference(x: Any) -> Any:
        a, b = minuend(x), subtrahend(x)
        return None if a is None or b is None else a - b

    return difference


_SQL_COMPARISONS = {"=": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


def _predicate(predicate: Predicate, read: Reader) -> Callable[[Any], Truth]:
    match predicate:
        case Compare(op="is", left=left, right=right):
            a, b = _term(left, read), _term(right, read)
            return lambda x: a(x) == b(x)  # None == None: IS NOT DISTINCT FROM
        case Compare(op=op, left=left, right=right):
            return _comparison(_SQL_COMPARISONS[op], _term(left, read), _term(right, read))
        case OneOf(term=term, values=values):
            get, allowed = _term(term, read), frozenset(values)
            return lambda x: None if (value := get(x)) is None else value in allowed
        case AllOf(parts=parts):
            return _all_of([_predicate(p, read) for p in parts])
        case AnyOf(parts=parts):
            return _any_of([_predicate(p, read) for p in parts])
        case Not(part=part):
            inner = _predicate(part, read)
            return lambda x: None if (truth := inner(x)) is None else not truth
        case Distinct(binding=binding, earlier=earlier):
            key, count = read(binding, ID), read(binding, COUNT)
            others = [read(other, ID) for other in earlier]
            return lambda x: count(x) > sum(1 for other in others if other(x) == key(x))
    raise TypeError(predicate)


def _comparison(compare: Callable[[Any, Any], bool], left: Callable[[Any], Any], right: Callable[[Any], Any]) -> Callable[[Any], Truth]:
    def comparison(x: Any) -> Truth:
        a, b = left(x), right(x)
        return None if a is None or b is None else compare(a, b)

    return comparison


def _all_of(parts: list[Callable[[Any], Truth]]) -> Callable[[Any], Truth]:
    return _junction(parts, decisive=False)


def _any_of(parts: list[Callable[[Any], Truth]]) -> Callable[[Any], Truth]:
    return _junction(parts, decisive=True)


def _junction(parts: list[Callable[[Any], Truth]], decisive: bool) -> Callable[[Any], Truth]:
    """AND (one false decides) or OR (one true decides), in SQL's three-valued logic."""

    def junction(x: Any) -> Truth:
        unknown = False
        for part in parts:
            truth = part(x)
            if truth is decisive:
                return decisive
            unknown = unknown or truth is None
        return None if unknown else not decisive

    return junction


def _holds(tests: Iterable[Callable[[Any], Truth]], x: Any) -> bool:
    """A WHERE clause: only a condition that is true keeps the row (unknown drops it, as in SQL)."""
    for test in tests:
        if test(x) is not True:
            return False
    return True


# --- the plan, compiled once -----------------------------------------------------------------

UNDEFINED = object()  # a value of the check that does not exist: a quotient by an interval holding 0
Compute = Callable[[list[Any], list[Any], "_Pools"], Any]  # (computed, chosen, pools) -> Interval or UNDEFINED


@dataclass(frozen=True)
class _Node:
    """One sub-expression of the check, computed into ``computed[index]`` once its bindings hold claims."""

    index: int
    needs: frozenset[str]
    compute: Compute


@dataclass(frozen=True)
class _Step:
    """Binding one more name: its slot, what to test then, what to compute, and how to look candidates up."""

    slot: int
    tests: tuple[Callable[[Bound], Truth], ...]  # predicates first decidable at this step
    nodes: tuple[_Node, ...] = ()  # sub-expressions of the check first computable at this step
    key_columns: tuple[int, ...] = ()  # own columns an equality relation pins ...
    key_values: tuple[Callable[[Bound], Any], ...] = ()  # ... to these values of bindings bound earlier
    key_strict: tuple[bool, ...] = ()  # "=" (a NULL matches nothing) rather than "is"


@dataclass
class _CompiledPlan:
    plan: RulePlan
    names: tuple[str, ...]
    filters: tuple[tuple[Callable[[Row], Truth], ...], ...]  # per slot, on one row (a group's: each member)
    orders: dict[str, tuple[_Step, ...]]  # per starting binding, the steps that bind every name
    node_count: int
    sides: tuple[int, int]  # the check's two sides: node indexes, or slots for a category check
    margin_slot: int | None  # the binding whose unit the margin is in, unless the rule fixes it
    series: dict[int, tuple[int, tuple[Callable[[Bound], Truth], ...]]] = field(default_factory=dict)
    # series slot -> (its span's slot, the member relations, tested with the member in the series' slot)
    nodes: tuple[_Node, ...] = ()  # every node of the check, in post-order: a release reading computes them all again


# Keyed by id(plan), holding the plan itself so that its id is never reused; plans are
# cached per rule (plan_rule), so this grows only with the rules a process ever loads.
_COMPILED: dict[int, tuple[RulePlan, _CompiledPlan]] = {}


def _compiled(plan: RulePlan) -> _CompiledPlan:
    """Closures for a plan, built once (hashing a plan on every call would cost more than a small check)."""
    entry = _COMPILED.get(id(plan))
    if entry is None or entry[0] is not plan:
        entry = (plan, _compile(plan))
        _COMPILED[id(plan)] = entry
    return entry[1]


def _compile(plan: RulePlan) -> _CompiledPlan:
    names = tuple(b.name for b in plan.bindings)
    slots = {name: slot for slot, name in enumerate(names)}
    filters = tuple(tuple(_predicate(p, _row_reader) for p in b.filters) for b in plan.bindings)
    # Everything tested on an assignment: relations, and the units under which the check type-checks.
    conditions = [p for b in plan.bindings for p in b.relations] + [plan.unit_predicate()]
    check = plan.rule.check
    nodes: list[_Node] = []
    if plan.is_category:
        sides = (slots[check.left.name], slots[check.right.name])  # type: ignore[union-attr]
    else:
        stand_ins = {stand_in.binding: stand_in for stand_in in plan.stand_ins}
        sides = (_node(check.left, slots, nodes, stand_ins).index, _node(check.right, slots, nodes, stand_ins).index)
    orders = {name: _order(plan, slots, conditions, nodes, name) for name in names}
    margin_slot = None if plan.margin_unit.unit is not None else slots[plan.margin_unit.binding or ""]
    read = _bound_reader(slots)
    series = {
        slots[b.name]: (slots[b.series_of], tuple(_predicate(p, read) for p in b.member_relations))
        for b in plan.bindings
        if b.series_of is not None
    }
    return _CompiledPlan(plan, names, filters, orders, len(nodes), sides, margin_slot, series, tuple(nodes))


def _order(plan: RulePlan, slots: dict[str, int], conditions: list[Predicate], nodes: list[_Node], start: str) -> tuple[_Step, ...]:
    """The steps binding every name from ``start``, each next name the one most related to those bound.

    A predicate is tested, and a sub-expression computed, at the first step at
    which every binding it reads holds a claim.
    """
    pending = [(p, bindings_in(p)) for p in conditions]
    waiting = list(nodes)  # in post-order: a node's operands come before it
    bound: set[str] = set()
    steps = []
    name = start
    while True:
        bound.add(name)
        ready = [p for p, needs in pending if needs <= bound]
        pending = [(p, needs) for p, needs in pending if not needs <= bound]
        computable = tuple(node for node in waiting if node.needs <= bound)
        waiting = [node for node in waiting if not node.needs <= bound]
        steps.append(_step(plan.binding(name), slots, ready, computable, bound - {name}))
        unbound = [b.name for b in plan.bindings if b.name not in bound]
        if not unbound:
            return tuple(steps)
        # a series is formed per claim of its span: bind the span first
        unbound = [n for n in unbound if plan.binding(n).series_of in (None, *bound)] or unbound
        name = max(unbound, key=lambda n: _relatedness(n, bound, pending))  # max keeps plan order on ties


def _relatedness(name: str, bound: set[str], pending: list[tuple[Predicate, set[str]]]) -> int:
    return sum(1 for _, needs in pending if name in needs and needs <= bound | {name})


def _step(binding: BindingPlan, slots: dict[str, int], ready: list[Predicate], nodes: tuple[_Node, ...], earlier: set[str]) -> _Step:
    """A hash index answers the ``me.column = earlier.column`` conjuncts; the rest is tested on each candidate.

    A predicate whose conjuncts the index answers in full is not tested again: a
    lookup compares with ``==`` as ``is`` does, and a NULL is never looked up
    for ``=`` (see ``_Pools.candidates``).
    """
    read = _bound_reader(slots)
    equalities: dict[tuple[str, str, str, str], None] = {}
    tests = []
    if binding.series_of is not None:  # a series' candidates are formed per span claim, not looked up in an index
        return _Step(slot=slots[binding.name], tests=tuple(_predicate(p, read) for p in ready), nodes=nodes)
    for predicate in ready:
        conjuncts = list(_conjuncts([predicate]))
        answered = [e for e in (_equality(binding.name, c, earlier) for c in conjuncts) if e is not None]
        equalities.update(dict.fromkeys(answered))
        if len(answered) < len(conjuncts):
            tests.append(_predicate(predicate, read))
    return _Step(
        slot=slots[binding.name],
        tests=tuple(tests),
        nodes=nodes,
        key_columns=tuple(COLUMN[own] for _, own, _, _ in equalities),
        key_values=tuple(read(other, COLUMN[column]) for other, _, column, _ in equalities),
        key_strict=tuple(op == "=" for _, _, _, op in equalities),
    )


def _equality(me: str, predicate: Predicate, earlier: set[str]) -> tuple[str, str, str, str] | None:
    """``(earlier binding, my column, its column, op)`` for ``me.column = earlier.column`` (or ``is``)."""
    if not isinstance(predicate, Compare) or predicate.op not in ("=", "is"):
        return None
    left, right = predicate.left, predicate.right
    if not (isinstance(left, Col) and isinstance(right, Col)):
        return None
    if left.binding == me and right.binding in earlier:
        return right.binding, left.column, right.column, predicate.op
    if right.binding == me and left.binding in earlier:
        return left.binding, right.column, left.column, predicate.op
    return None


def _conjuncts(predicates: Iterable[Predicate]) -> Iterable[Predicate]:
    for predicate in predicates:
        if isinstance(predicate, AllOf):
            yield from _conjuncts(predicate.parts)
        else:
            yield predicate


# --- the check, staged along the join ----------------------------------------------------------

_ARITHMETIC = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv, "^": operator.pow}


def _node(expr: Expr, slots: dict[str, int], nodes: list[_Node], stand_ins: dict[str, StandIn]) -> _Node:
    """Append ``expr``'s nodes to ``nodes`` in post-order and return its own.

    Staging matters: a check like ``new * (1 + total) / (1 + part) == old`` is
    otherwise recomputed for every ``old``, and a sound quotient costs
    microseconds (``Interval`` proves each bound exact or rounds it outward).
    """
    match expr:
        case Number(value=value, unit=unit):
            constant = Interval.point(value * base_factor(unit))
            return _add(nodes, frozenset(), lambda computed, chosen, pools: constant)
        case Ref(name=name) if name in stand_ins:
            return _proved_node(stand_ins[name], slots, nodes)
        case Ref(name=name) | Total(name=name):
            slot = slots[name]
            return _add(nodes, frozenset({name}), lambda computed, chosen, pools: pools.value(chosen[slot]))
        case Compound(name=name):
            slot = slots[name]
            return _add(nodes, frozenset({name}), lambda computed, chosen, pools: chosen[slot].compound)
        case Years(name=name):
            slot = slots[name]
            return _add(nodes, frozenset({name}), lambda computed, chosen, pools: _years(chosen[slot]))
        case Negate(operand=operand):
            inner = _node(operand, slots, nodes, stand_ins)
            return _add(nodes, inner.needs, _negation(inner.index))
        case Power(base=base, exponent=exponent):
            return _operation("^", base, exponent, slots, nodes, stand_ins)
        case Arith(op=op, left=left, right=right):
            return _operation(op, left, right, slots, nodes, stand_ins)
    raise TypeError(expr)


def _proved_node(stand_in: StandIn, slots: dict[str, int], nodes: list[_Node]) -> _Node:
    """A stand-in's figure as what it proves for the needed months (``plan.StandIn``, ``sql._Builder._proved``)."""
    slot, needed_slot = slots[stand_in.binding], slots[stand_in.needed.binding]

    def proved(computed: list[Any], chosen: list[Any], pools: _Pools) -> Any:
        row, printed = chosen[slot], pools.value(chosen[slot])
        if printed is UNDEFINED or not _longer(stand_in, row, chosen[needed_slot]):
            return printed
        if row[MEASURE] in FLOW_MEASURES:
            return Interval(0.0, printed.hi)
        if row[MEASURE] == "share":
            return Interval(0.0, 1.0)
        return Interval(-math.inf, math.inf)

    return _add(nodes, frozenset({stand_in.binding, stand_in.needed.binding}), proved)


def _longer(stand_in: StandIn, row: Row, needed_row: Row) -> bool:
    needed = stand_in.needed
    return row[PERIOD_END] - row[PERIOD_START] > needed_row[COLUMN[needed.end]] - needed_row[COLUMN[needed.start]]


def _months(stand_in: StandIn, row: Row, needed_row: Row) -> tuple[int, int]:
    """Months of the stand-in's period, and of the needed one."""
    needed = stand_in.needed
    return row[PERIOD_END] - row[PERIOD_START] + 1, needed_row[COLUMN[needed.end]] - needed_row[COLUMN[needed.start]] + 1


def _implausible(stand_in: StandIn, row: Row, needed_row: Row, printed: Interval, implied: Interval) -> bool:
    """The months a longer period adds, as the check implies them, fall outside the plausible band."""
    if not _longer(stand_in, row, needed_row):
        return False
    months, needed_months = _months(stand_in, row, needed_row)
    judged = added_months(stand_in, row[MEASURE], (printed.lo, printed.hi), (implied.lo, implied.hi), months, needed_months)
    return judged is not None and judged.implausible


def _operation(op: str, left: Expr, right: Expr, slots: dict[str, int], nodes: list[_Node], stand_ins: dict[str, StandIn]) -> _Node:
    a, b = _node(left, slots, nodes, stand_ins), _node(right, slots, nodes, stand_ins)
    needs = a.needs | b.needs
    compute = _arithmetic(_ARITHMETIC[op], a.index, b.index)
    if op in ("*", "/", "^"):
        index = len(nodes)  # the one _add gives this node
        compute = _memoized(index, tuple(sorted(slots[n] for n in needs)), compute)
    return _add(nodes, needs, compute)


def _memoized(index: int, slots: tuple[int, ...], compute: Compute) -> Compute:
    """A product or quotient remembered per claims it reads, for the rest of the call.

    Staging cannot help when the join binds both operands last (``new / old``
    with ``old`` last); the same pair then recurs under every other binding, and a
    sound quotient costs tens of microseconds.  The claims (rows, groups) live as
    long as the call, so their ``id`` names them.
    """

    def memoized(computed: list[Any], chosen: list[Any], pools: _Pools) -> Any:
        key = (index, *[id(chosen[slot]) for slot in slots])
        memo = pools.memo
        if key not in memo:
            memo[key] = compute(computed, chosen, pools)
        return memo[key]

    return memoized


def _add(nodes: list[_Node], needs: frozenset[str], compute: Compute) -> _Node:
    node = _Node(len(nodes), needs, compute)
    nodes.append(node)
    return node


def _negation(operand: int) -> Compute:
    def negation(computed: list[Any], chosen: list[Any], pools: _Pools) -> Any:
        value = computed[operand]
        return UNDEFINED if value is UNDEFINED else -value

    return negation


def _arithmetic(apply: Callable[[Interval, Interval], Interval], left: int, right: int) -> Compute:
    def arithmetic(computed: list[Any], chosen: list[Any], pools: _Pools) -> Any:
        a, b = computed[left], computed[right]
        if a is UNDEFINED or b is UNDEFINED:
            return UNDEFINED
        try:
            return apply(a, b)
        except UndefinedResult:  # a divisor holding 0, a power of a base that can be 0 or negative
            return UNDEFINED
        except ValueError:
            # A bound came out NaN (inf - inf), which Interval refuses; SQL would carry
            # the NaN on, and a NaN gap is unverifiable too.
            return UNDEFINED

    return arithmetic


def _years(row: Row) -> Interval:
    """The years an average growth's span compounds over (2021/2024: 3), as the check's point."""
    return Interval.point(float(row[PERIOD_END] // 12 - row[PERIOD_START] // 12))


def _value(row: Row) -> Any:
    """A claim's interval in base magnitudes (lo and hi are stored in its canonical unit).

    A claim without bounds (a category) has no value; the unit predicate drops any
    assignment of one to a number, but its operands may be computed before that test.
    """
    lo, hi, scale = row[LO], row[HI], row[SCALE]
    if lo is None or hi is None or scale is None:
        return UNDEFINED
    return Interval(lo, hi).scaled(scale)


@dataclass(eq=False)
class _Group:
    """The members of a group binding that share its keys, sorted by id as the SQL lists them,
    and the quantities they print: each one term of the group's sum (``plan.QUANTITY_COLUMNS``)."""

    members: list[Row]
    quantities: list[list[Row]]  # members printing one quantity, in the order of their first id
    key: str = ""  # plan.group_key: what a verdict id names it by

    @property
    def first(self) -> Row:
        return self.members[0]

    @functools.cached_property
    def ids(self) -> list[str]:
        return [row[ID] for row in self.members]

    @functools.cached_property
    def terms(self) -> list[Any]:
        """Each quantity's hull: [least lo, greatest hi] of the figures printing it (``sql._quantity_hulls``)."""
        terms = []
        for rows in self.quantities:
            values = [_value(row) for row in rows]
            if any(value is UNDEFINED for value in values):
                terms.append(UNDEFINED)
            else:
                terms.append(Interval(min(v.lo for v in values), max(v.hi for v in values)))
        return terms

    @functools.cached_property
    def value(self) -> Any:
        """The sum of the quantities' hulls, added in the order of their first ids as the reference does."""
        total = Interval(0.0, 0.0)
        for term in self.terms:
            if term is UNDEFINED:
                return UNDEFINED
            total = total + term
        return total

    @functools.cached_property
    def compound(self) -> Any:
        """``(1 + g1)(1 + g2)... - 1``: bounded by the hulls' bounds while every ``1 + g`` is positive."""
        lo = hi = 1.0
        for term in self.terms:
            if term is UNDEFINED or 1.0 + term.lo <= 0:
                return UNDEFINED
            lo, hi = lo * (1.0 + term.lo), hi * (1.0 + term.hi)
        return Interval(lo - 1.0, hi - 1.0)


def _revised(compiled: _CompiledPlan, chosen: list[Any], pools: _Pools) -> bool:
    """The check holds on each claim's quantity read from its origin's latest release among them (``plan.RELEASE_KEYS``)."""
    origins = {row[ORIGIN] for row in chosen}
    released = [row[RELEASED] for row in chosen]
    if len(origins) != 1 or None in origins or None in released or len(set(released)) == 1:
        return False
    latest = max(released)
    readings = [pools.release_row(row, latest) for row in chosen]
    if any(reading is None for reading in readings):
        return False
    computed: list[Any] = [None] * compiled.node_count
    for node in compiled.nodes:
        computed[node.index] = node.compute(computed, readings, pools)
    left, right = (computed[side] for side in compiled.sides)
    return left is not UNDEFINED and right is not UNDEFINED and _status(compiled.plan.rule.check.op, left, right)[0] == "consistent"


def _verdict(compiled: _CompiledPlan, chosen: list[Any], computed: list[Any], pools: _Pools) -> VerdictRow:
    plan = compiled.plan
    roles = {name: (held.ids if isinstance(held, _Group) else held[IDS]) for name, held in zip(compiled.names, chosen)}
    keys = {name: (held.key if isinstance(held, _Group) else held[ID]) for name, held in zip(compiled.names, chosen)}
    common = {"id": verdict_id(plan.id, keys), "rule": plan.id, "roles": roles}
    if plan.is_category:
        return VerdictRow(**common, status=_category_status(compiled, chosen), margin=None, margin_unit=None, left=None, right=None)
    unit, factor = _margin_unit(compiled, chosen)
    left, right = (computed[side] for side in compiled.sides)
    if left is UNDEFINED or right is UNDEFINED:
        return VerdictRow(**common, status="unverifiable", margin=0.0, margin_unit=unit, left=None, right=None)
    status, gap = _status(plan.rule.check.op, left, right)
    if status == "consistent" and _judged_implausible(compiled, chosen, left, right):
        status = "implausible"
    elif status == "contradicted" and plan.revisable and _revised(compiled, chosen, pools):
        status = REVISED
    return VerdictRow(
        **common,
        status=status,
        margin=gap / factor if status in ("contradicted", REVISED) else 0.0,  # a revised verdict is contradicted as printed
        margin_unit=unit,
        left=(left.lo, left.hi),
        right=(right.lo, right.hi),
    )


def _judged_implausible(compiled: _CompiledPlan, chosen: list[Any], left: Interval, right: Interval) -> bool:
    slots = {name: slot for slot, name in enumerate(compiled.names)}
    for stand_in in compiled.plan.stand_ins:
        if stand_in.implied_side is None:
            continue
        row = chosen[slots[stand_in.binding]]
        printed = _value(row)
        implied = left if stand_in.implied_side == "left" else right
        if printed is not UNDEFINED and _implausible(stand_in, row, chosen[slots[stand_in.needed.binding]], printed, implied):
            return True
    return False


def _category_status(compiled: _CompiledPlan, chosen: list[Any]) -> str:
    # SQL's ``a.text_key = b.text_key`` in a CASE: a NULL key on either side is not a match.
    a, b = (chosen[slot][TEXT_KEY] for slot in compiled.sides)
    return "consistent" if a is not None and b is not None and a == b else "contradicted"


def _margin_unit(compiled: _CompiledPlan, chosen: list[Any]) -> tuple[str | None, float]:
    """The rule's margin unit, else the unit of the figure the plan names (a group's unit key)."""
    source = compiled.plan.margin_unit
    if compiled.margin_slot is None:
        return source.unit, source.factor
    held = chosen[compiled.margin_slot]
    unit = difference_unit((held.first if isinstance(held, _Group) else held)[UNIT])
    return unit, base_factor(unit) if unit is not None else 1.0


def _status(op: str, left: Interval, right: Interval) -> tuple[str, float]:
    """(status, margin in base magnitudes), as the SQL's CASE reads them."""
    distance = _gap(op, left, right)
    if math.isnan(distance):
        return "unverifiable", 0.0
    tolerance = TOLERANCE * max((abs(v) for v in (left.lo, left.hi, right.lo, right.hi) if math.isfinite(v)), default=0.0)
    fails = distance >= -tolerance if op in STRICT_COMPARISONS else distance > tolerance
    if fails:
        return "contradicted", max(distance, 0.0)
    return "consistent", 0.0


def _gap(op: str, left: Interval, right: Interval) -> float:
    """How far apart the sides are where the relation needs them to meet (sql._gap); NaN wins, as in SQL's GREATEST."""
    if op == "==":
        candidates = (left.lo - right.hi, right.lo - left.hi)
    elif op in ("<=", "<"):
        candidates = (left.lo - right.hi,)
    else:
        candidates = (right.lo - left.hi,)
    if any(math.isnan(c) for c in candidates):
        return math.nan
    return max(candidates)


# --- running it: pools of candidates, and the join ------------------------------------------------

Candidate = tuple[Row, Any]  # (the row predicates read, what the binding holds: the row itself or a _Group)


@dataclass
class _Pools:
    """Each binding's candidates over the rows of one call, built when first needed."""

    compiled: _CompiledPlan
    rows: Sequence[Row]  # readings: what scalar bindings hold
    claims: Sequence[Row]  # claims: what groups are made of, and releases read
    _pools: dict[int, list[Candidate]] = field(default_factory=dict)
    _indexes: dict[tuple[int, tuple[int, ...]], dict[tuple[Any, ...], list[Candidate]]] = field(default_factory=dict)
    _scanned: set[tuple[int, tuple[int, ...]]] = field(default_factory=set)  # looked up once already
    _group_of: dict[str, _Group] = field(default_factory=dict)  # member id -> its group
    _values: dict[int, Any] = field(default_factory=dict)  # id(row) -> its interval; rows outlive the call
    memo: dict[tuple[int, ...], Any] = field(default_factory=dict)  # see _memoized
    _series_groups: dict[tuple[int, int], list[Candidate]] = field(default_factory=dict)  # (slot, id(span row)) -> groups
    _member_rows: dict[int, list[Row]] = field(default_factory=dict)  # a series' members passing its filters
    _releases: dict[tuple[Any, ...], Row | None] | None = None  # release key -> the reading of its quantity there
    _release_rows: dict[tuple[int, str], Row | None] = field(default_factory=dict)  # (id(row), release) -> its reading

    def release_row(self, row: Row, released: str) -> Row | None:
        """``row`` with its figure replaced by its quantity's reading in ``released`` of its origin (``sql._releases_cte``).

        The reading is a row like the claim's (its period and measure, for a stand-in)
        whose bounds are the hull in base magnitudes (scale 1); None when the release does
        not print the quantity or prints figures that disagree.  Rows are kept for the
        call, so that ``_memoized``'s keys (ids of rows) stay unique.
        """
        key = (id(row), released)
        if key not in self._release_rows:
            if self._releases is None:
                self._releases = _release_readings(self.claims)
            reading = self._releases.get((row[ORIGIN], released, *(row[COLUMN[c]] for c in RELEASE_KEYS)))
            self._release_rows[key] = None if reading is None else row[:LO] + reading[LO : HI + 1] + row[HI + 1 : SCALE] + (1.0,) + row[SCALE + 1 :]
        return self._release_rows[key]

    def pool(self, slot: int) -> list[Candidate]:
        if slot not in self._pools:
            self._pools[slot] = self._build(slot)
        return self._pools[slot]

    def group_holding(self, slot: int, claim_id: str) -> _Group | None:
        self.pool(slot)
        return self._group_of.get(claim_id)

    def value(self, held: Any) -> Any:
        if isinstance(held, _Group):
            return held.value
        key = id(held)
        if key not in self._values:
            self._values[key] = _value(held)
        return self._values[key]

    def candidates(self, step: _Step, bound: Bound) -> list[Candidate]:
        if step.slot in self.compiled.series:
            return self._series(step.slot, bound)
        if not step.key_columns:
            return self.pool(step.slot)
        key = tuple(value(bound) for value in step.key_values)
        if any(v is None and strict for v, strict in zip(key, step.key_strict)):
            return []  # "= NULL" is never true
        lookup = (step.slot, step.key_columns)
        index = self._indexes.get(lookup)
        if index is not None:
            return index.get(key, [])
        key_of = _key_getter(step.key_columns)
        if lookup not in self._scanned:
            # The step after the anchor is reached once: a scan costs less than an index.
            self._scanned.add(lookup)
            return [candidate for candidate in self.pool(step.slot) if key_of(candidate[0]) == key]
        index = self._indexes[lookup] = defaultdict(list)
        for candidate in self.pool(step.slot):
            index[key_of(candidate[0])].append(candidate)
        return index.get(key, [])

    def _series(self, slot: int, bound: Bound) -> list[Candidate]:
        """The series' complete groups for the span claim bound now (``sql._series_cte``)."""
        span_slot, member_tests = self.compiled.series[slot]
        span = bound[span_slot]
        key = (slot, id(span))
        if key not in self._series_groups:
            members = []
            for row in self._members(slot):
                bound[slot] = row
                if _holds(member_tests, bound):
                    members.append(row)
            bound[slot] = None
            years = span[PERIOD_END] // 12 - span[PERIOD_START] // 12
            binding = self.compiled.plan.bindings[slot]
            complete = [g for g in _groups(binding, members, least=1) if _one_per_year(g, years)]
            for group in complete:
                group.key = group_key([span[ID], *(group.first[COLUMN[c]] for c in binding.group_keys)])
            self._series_groups[key] = [(group.first, group) for group in complete]
        return self._series_groups[key]

    def _members(self, slot: int) -> list[Row]:
        if slot not in self._member_rows:
            self._member_rows[slot] = [row for row in self.claims if _holds(self.compiled.filters[slot], row)]
        return self._member_rows[slot]

    def _build(self, slot: int) -> list[Candidate]:
        filters = self.compiled.filters[slot]
        binding = self.compiled.plan.bindings[slot]
        if not binding.is_group:
            return [(row, row) for row in self.rows if _holds(filters, row)]
        groups = _groups(binding, [row for row in self.claims if _holds(filters, row)])
        for group in groups:
            group.key = group_key([group.first[COLUMN[c]] for c in binding.group_keys])
            self._group_of.update((claim_id, group) for claim_id in group.ids)
        return [(group.first, group) for group in groups]


def _release_readings(rows: Sequence[Row]) -> dict[tuple[Any, ...], Row | None]:
    """Each (origin, release, quantity, unit)'s figures as one reading: their hull if they agree, else None."""
    by_key: dict[tuple[Any, ...], list[tuple[float, float]]] = defaultdict(list)
    for row in rows:
        if row[ORIGIN] is not None and row[RELEASED] is not None and row[UNIT] is not None:
            by_key[tuple(row[c] for c in RELEASE_KEY)].append((row[LO] * row[SCALE], row[HI] * row[SCALE]))
    readings: dict[tuple[Any, ...], Row | None] = {}
    for key, values in by_key.items():
        if figures_agree(values):
            reading = [None] * len(COLUMN)
            reading[LO], reading[HI] = min(lo for lo, _ in values), max(hi for _, hi in values)
            readings[key] = tuple(reading)
        else:
            readings[key] = None
    return readings


def _key_getter(columns: tuple[int, ...]) -> Callable[[Row], tuple[Any, ...]]:
    if len(columns) == 1:
        column = columns[0]
        return lambda row: (row[column],)
    return operator.itemgetter(*columns)


def _groups(binding: BindingPlan, members: list[Row], least: int = 2) -> list[_Group]:
    """Members sharing every group key (NULLs together, as GROUP BY puts them); a group needs two
    quantities (a series, one), however many times each is printed."""
    columns = [COLUMN[c] for c in binding.group_keys]
    quantity = [COLUMN[c] for c in binding.quantity_keys]
    by_key: dict[tuple[Any, ...], list[Row]] = defaultdict(list)
    for row in members:
        by_key[tuple(row[c] for c in columns)].append(row)
    groups = []
    for rows in by_key.values():
        rows.sort(key=operator.itemgetter(ID))
        by_quantity: dict[tuple[Any, ...], list[Row]] = {}
        for row in rows:  # in id order, so quantities come in the order of their first ids
            by_quantity.setdefault(tuple(row[c] for c in quantity), []).append(row)
        if len(by_quantity) >= least:
            groups.append(_Group(rows, list(by_quantity.values())))
    return groups


def _one_per_year(group: _Group, years: int) -> bool:
    """A complete series: a quantity for each year the span compounds over, no year twice.

    A year printed twice (by one source, or by two when the series is not split by
    source) is one quantity, its hull: the series is complete with it.
    """
    starts = {rows[0][PERIOD_START] for rows in group.quantities}
    return len(group.quantities) == years and len(starts) == years


def _starts(compiled: _CompiledPlan, pools: _Pools, grouped: Grouped, anchors: Collection[str] | None) -> Iterable[tuple[str, list[Candidate]]]:
    """Where each join begins: the rule's first binding over its pool, or every binding that can hold an anchor,
    each reading or group once however many of the anchors it holds (2 000 reprints of a figure are one start)."""
    if anchors is None:
        yield compiled.names[0], pools.pool(0)
        return
    claims, readings = grouped.claims_by_id, grouped.readings_by_id(compiled.plan.reads_source)
    started: set[tuple[int, int]] = set()

    def first(slot: int, held: Any) -> bool:
        key = (slot, id(held))
        if key in started:
            return False
        started.add(key)
        return True

    for anchor in anchors:
        claim = claims.get(anchor)
        if claim is None:
            continue
        row = readings[reading_key(claim[FIGURE_KEY], claim[SOURCE] if compiled.plan.reads_source else None)]
        for slot, binding in enumerate(compiled.plan.bindings):
            if binding.series_of is not None:
                if _holds(compiled.filters[slot], row):  # its series are formed from each span claim: start there
                    span = compiled.names.index(binding.series_of)
                    if first(span, pools):
                        yield binding.series_of, pools.pool(span)
            elif binding.is_group:
                group = pools.group_holding(slot, anchor)
                if group is not None and first(slot, group):
                    yield binding.name, [(group.first, group)]
            elif _holds(compiled.filters[slot], row) and first(slot, row):
                yield binding.name, [(row, row)]


@dataclass
class _Join:
    """One walk through a plan's steps: the partial assignment, and what the check computed of it so far."""

    compiled: _CompiledPlan
    steps: tuple[_Step, ...]
    pools: _Pools
    emit: Callable[[VerdictRow], None]

    def __post_init__(self) -> None:
        width = len(self.compiled.names)
        self.bound: Bound = [None] * width
        self.chosen: list[Any] = [None] * width
        self.computed: list[Any] = [None] * self.compiled.node_count

    def extend(self, depth: int, candidates: list[Candidate]) -> None:
        """Try each candidate for the step at ``depth``; go deeper while every decidable predicate holds."""
        step, bound, chosen, computed, pools = self.steps[depth], self.bound, self.chosen, self.computed, self.pools
        last = depth + 1 == len(self.steps)
        for row, held in candidates:
            bound[step.slot], chosen[step.slot] = row, held
            if not _holds(step.tests, bound):
                continue
            for node in step.nodes:
                computed[node.index] = node.compute(computed, chosen, pools)
            if last:
                self.emit(_verdict(self.compiled, chosen, computed, pools))
            else:
                self.extend(depth + 1, pools.candidates(self.steps[depth + 1], bound))
        bound[step.slot] = chosen[step.slot] = None
