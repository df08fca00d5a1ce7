"""A rule's plan -> sqlglot AST -> SQL that runs every verdict of the rule over a whole store.

Nothing here pastes text into SQL: every identifier is built with
``exp.column(..., quoted=True)`` and every value from a rule is an
``exp.Literal``, so a rule cannot inject SQL, and the same tree can be emitted
for another engine (``compiled.sql("spark")``).  Conditions are the plan's
predicates (``plan.py``), translated node for node; the in-process executor
(``local.py``) reads the same predicates.

Shape of the query, for bindings ``b1..bn`` and at most one group binding ``g``::

    WITH "g_part" AS (SELECT keys, unit, SUM(lo ORDER BY lo) AS lo, ..., LIST_SORT(FLATTEN(LIST(ids))) AS ids
                      FROM (SELECT keys, unit, <quantity columns>, MIN(lo * scale) AS lo,
                                   MAX(hi * scale) AS hi, ..., LIST(id) AS ids
                            FROM live_claims WHERE <part's filters>
                            GROUP BY keys, unit, <quantity columns>) AS "quantity"
                      GROUP BY keys, unit HAVING COUNT(*) >= 2)
    SELECT <verdict id>, "b1__id", ..., <status>, <margin>, <bounds of both sides>
    FROM (SELECT ... FROM live_claims AS "b1", live_claims AS "b2", "g_part" AS "g"
          WHERE <filters> AND <relations> AND <unit combinations that type-check>) staged

A group sums *quantities*, not claims: figures of one quantity (``plan.QUANTITY_COLUMNS``)
are one term, the hull of their intervals.

Interval arithmetic is staged in nested subqueries (see ``_Builder``); each row
carries what the words of a verdict need, so nothing is recomputed to write them.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlglot import exp

from service.rules.model import Arith, Compound, Expr, Negate, Number, Power, Ref, Total, Years, leaves
from service.rules.plan import (
    CLAIM_COLUMNS,
    Distinct,
    AllOf,
    AnyOf,
    CalendarYear,
    Col,
    Compare,
    Const,
    Longer,
    Not,
    OneOf,
    Predicate,
    STRICT_COMPARISONS,
    TOLERANCE,
    RulePlan,
    Span,
    StandIn,
    Term,
    plan_rule,
)
from service.rules.plan import FLOW_MEASURES, RELEASE_KEYS, REVISED
from service.rules.model import Rule
from service.units import base_factor

# The claims in force (the store's view of the claims table without retracted or superseded
# ones): every rule reads them, so a withdrawn claim is in no verdict.
CLAIMS = "live_claims"
# The readings of the claims in force (``plan.READING_COLUMNS``): what a rule's scalar bindings
# bind, keyed by figure alone or, for a rule relating sources, by figure and source.
READINGS = {False: "live_readings", True: "live_readings_by_source"}
# The columns every rule's query returns besides its role ids, in this order.
VERDICT_COLUMNS = ("_id", "_status", "_margin", "_margin_unit", "_left_lo", "_left_hi", "_right_lo", "_right_hi")


def col(table: str, name: str) -> exp.Column:
    return exp.column(name, table=table, quoted=True)


def lit(value: object) -> exp.Expression:
    if isinstance(value, str):
        return exp.Literal.string(value)
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, float) and value in (float("inf"), float("-inf")):
        return exp.cast(exp.Literal.string("inf" if value > 0 else "-inf"), "DOUBLE")
    return exp.Literal.number(value)


_ATOMS = (exp.Column, exp.Literal, exp.Paren, exp.Cast, exp.Null)
_OPERATORS = {"+": exp.Add, "-": exp.Sub, "*": exp.Mul, "/": exp.Div, "%": exp.Mod}


def arith(op: str, left: exp.Expression, right: exp.Expression) -> exp.Expression:
    """``left op right`` with every compound operand parenthesised.

    sqlglot prints a tree as built, without adding parentheses, so ``1 / (a * b)``
    built from nodes would print as ``1 / a * b``; wrapping keeps the tree's meaning.
    """
    wrap = lambda e: e if isinstance(e, _ATOMS) else exp.paren(e)  # noqa: E731
    return _OPERATORS[op](this=wrap(left), expression=wrap(right))


def _and(conditions: list[exp.Expression]) -> exp.Expression:
    return exp.and_(*conditions, copy=False) if conditions else exp.true()


@dataclass
class IntervalSQL:
    lo: exp.Expression
    hi: exp.Expression


@dataclass
class StoodIn:
    """A stand-in binding's figure in the query: as printed, as proved, and the months on each side."""

    printed: IntervalSQL
    proved: IntervalSQL
    longer: exp.Expression  # its period is longer than the needed one
    flow: exp.Expression  # its measure is a flow (level, count)
    share: exp.Expression  # its measure is a share
    months: exp.Expression  # of its own period
    needed_months: exp.Expression


@dataclass
class _Builder:
    """Accumulates the bound columns and the staged arithmetic of one rule's query.

    Each arithmetic node becomes a named column computed in the first stage where
    all of its inputs exist.  Stages are nested subqueries: DuckDB inlines a column
    alias at every use, so a chain of aliases in one SELECT grows 4x per product
    (seconds for a four-binding rule); a subquery boundary keeps it linear.
    """

    plan: RulePlan
    bound: dict[str, exp.Expression] = field(default_factory=dict)  # flat name -> "binding"."column"
    stages: list[list[exp.Expression]] = field(default_factory=list)
    stage_of: dict[str, int] = field(default_factory=dict)
    undefined: list[exp.Expression] = field(default_factory=list)
    counter: itertools.count = field(default_factory=itertools.count)
    stood_in: dict[str, StoodIn] = field(default_factory=dict)  # stand-in binding -> its printed bounds and months
    # "printed" reads each figure as printed; "release" reads its quantity from the verdict's
    # latest release (plan.RELEASE_KEYS), to decide whether it is revised
    reading: str = "printed"
    release_stood_in: dict[str, StoodIn] = field(default_factory=dict)

    def leaf(self, binding: str, column: str) -> exp.Column:
        """A bound claim's column, carried out of the join as ``binding__column``."""
        flat = f"{binding}__{column}"
        self.bound.setdefault(flat, col(binding, column))
        return exp.column(flat, quoted=True)

    def release_leaf(self, binding: str, column: str) -> exp.Column:
        """A column of the release reading joined for a binding (``RELEASES``, aliased ``binding~r``)."""
        flat = f"{binding}__r_{column}"
        self.bound.setdefault(flat, col(release_alias(binding), column))
        return exp.column(flat, quoted=True)

    def name(self, expression: exp.Expression, hint: str) -> exp.Column:
        inputs = [self.stage_of.get(column.name, 0) for column in expression.find_all(exp.Column)]
        stage = 1 + max(inputs, default=0)
        alias = f"_n{next(self.counter)}_{hint}"
        self.stage_of[alias] = stage
        while len(self.stages) < stage:
            self.stages.append([])
        self.stages[stage - 1].append(exp.alias_(expression, alias, quoted=True, copy=False))
        return exp.column(alias, quoted=True)

    def interval(self, expr: Expr) -> IntervalSQL:
        match expr:
            case Number(value=value, unit=unit):
                number = lit(value * base_factor(unit))
                return IntervalSQL(number, number)
            case Ref(name=name):
                if self.reading == "release":  # in base magnitudes already
                    printed = IntervalSQL(self.release_leaf(name, "lo"), self.release_leaf(name, "hi"))
                else:
                    factor = self.leaf(name, "scale")
                    printed = IntervalSQL(arith("*", self.leaf(name, "lo"), factor), arith("*", self.leaf(name, "hi"), factor.copy()))
                stand_in = next((s for s in self.plan.stand_ins if s.binding == name), None)
                return printed if stand_in is None else self._proved(stand_in, printed)
            case Total(name=name):
                return IntervalSQL(self.leaf(name, "lo"), self.leaf(name, "hi"))
            case Compound(name=name):
                # the product is bounded only while every 1 + g is positive (the group's CTE says)
                undefined = self.leaf(name, "c_undefined")
                self.undefined.append(undefined)
                guarded = lambda bound: exp.Case().when(undefined.copy(), exp.null()).else_(self.leaf(name, bound))  # noqa: E731
                return self._named(guarded("c_lo"), guarded("c_hi"))
            case Negate(operand=operand):
                inner = self.interval(operand)
                return self._named(arith("-", lit(0.0), inner.hi), arith("-", lit(0.0), inner.lo))
            case Arith(op="+", left=left, right=right):
                a, b = self.interval(left), self.interval(right)
                return self._named(arith("+", a.lo, b.lo), arith("+", a.hi, b.hi))
            case Arith(op="-", left=left, right=right):
                a, b = self.interval(left), self.interval(right)
                return self._named(arith("-", a.lo, b.hi), arith("-", a.hi, b.lo))
            case Arith(op="*", left=left, right=right):
                return self._product(self.interval(left), self.interval(right))
            case Arith(op="/", left=left, right=right):
                a, b = self.interval(left), self.interval(right)
                return self._product(a, self._reciprocal(b))
            case Years(name=name):
                years = self.name(_years(self.leaf(name, "period_start"), self.leaf(name, "period_end")), "years")
                return IntervalSQL(years, years.copy())
            case Power(base=base, exponent=exponent):
                return self._power(self.interval(base), self.interval(exponent))
        raise TypeError(expr)

    def _proved(self, stand_in: StandIn, printed: IntervalSQL) -> IntervalSQL:
        """A stand-in's figure as what it proves for the needed months (``plan.StandIn``)."""
        stood_in = self.stood_in if self.reading == "printed" else self.release_stood_in
        if stand_in.binding in stood_in:
            return stood_in[stand_in.binding].proved
        name, needed = stand_in.binding, stand_in.needed
        printed = self._named(printed.lo, printed.hi)
        longer_months = arith("-", self.leaf(name, "period_end"), self.leaf(name, "period_start"))
        needed_months = arith("-", self.leaf(needed.binding, needed.end), self.leaf(needed.binding, needed.start))
        longer = self.name(exp.GT(this=longer_months, expression=needed_months), "longer")
        measure = self.leaf(name, "measure")
        flow = exp.In(this=measure, expressions=[lit(m) for m in FLOW_MEASURES])
        share = exp.EQ(this=measure.copy(), expression=lit("share"))

        def proved(bound: exp.Expression, flow_bound: exp.Expression, share_bound: float, other: float) -> exp.Expression:
            what = exp.Case().when(flow, flow_bound).when(share, lit(share_bound)).else_(lit(other))
            return exp.Case().when(longer.copy(), what).else_(bound.copy())

        value = self._named(proved(printed.lo, lit(0.0), 0.0, float("-inf")), proved(printed.hi, printed.hi.copy(), 1.0, float("inf")))
        months = (arith("+", longer_months.copy(), lit(1)), arith("+", needed_months.copy(), lit(1)))
        stood_in[name] = StoodIn(printed, value, longer, flow.copy(), share.copy(), *months)
        return value

    def _named(self, lo: exp.Expression, hi: exp.Expression) -> IntervalSQL:
        return IntervalSQL(self.name(lo, "lo"), self.name(hi, "hi"))

    def _product(self, a: IntervalSQL, b: IntervalSQL) -> IntervalSQL:
        a, b = self._columns(a), self._columns(b)
        products = [self.name(_times(x.copy(), y.copy()), "p") for x in (a.lo, a.hi) for y in (b.lo, b.hi)]
        least = exp.Least(this=products[0], expressions=products[1:])
        greatest = exp.Greatest(this=products[0].copy(), expressions=[p.copy() for p in products[1:]])
        return self._named(least, greatest)

    def _columns(self, value: IntervalSQL) -> IntervalSQL:
        """Name both bounds, so that the four products refer to columns, not to copies of expressions."""
        if isinstance(value.lo, exp.Column) and isinstance(value.hi, exp.Column):
            return value
        if isinstance(value.lo, exp.Literal) and isinstance(value.hi, exp.Literal):
            return value
        return self._named(value.lo, value.hi)

    def _power(self, base: IntervalSQL, exponent: IntervalSQL) -> IntervalSQL:
        """``Interval.__pow__`` as columns: a whole exponent (a point) takes any base, and an
        even power of a base straddling 0 reaches down to 0; any other exponent needs a
        positive base, and the four corners bound the power.  Where no bound exists the
        verdict is unverifiable and the bounds are left NULL, as for a division by zero.
        Each bound moves one float outward (``nextafter``): pow is not exact.
        """
        base, exponent = self._columns(base), self._columns(exponent)
        whole = self.name(_whole_number(exponent), "whole")
        straddles = exp.and_(exp.LT(this=base.lo.copy(), expression=lit(0)), exp.GT(this=base.hi.copy(), expression=lit(0)))
        negative_whole = exp.and_(exp.LT(this=exponent.lo.copy(), expression=lit(0)), exp.LTE(this=base.lo.copy(), expression=lit(0)), exp.GTE(this=base.hi.copy(), expression=lit(0)))
        undefined = exp.Case().when(whole.copy(), negative_whole).else_(exp.LTE(this=base.lo.copy(), expression=lit(0)))
        no_bound = self.name(undefined, "nopow")
        self.undefined.append(no_bound)

        def power(x: exp.Expression, y: exp.Expression) -> exp.Expression:
            return exp.Case().when(no_bound.copy(), exp.null()).else_(exp.Pow(this=x.copy(), expression=y.copy()))

        corners = [self.name(power(x, y), "pow") for x in (base.lo, base.hi) for y in (exponent.lo, exponent.hi)]
        # an even whole power of a base holding 0 inside reaches down to 0 (an odd one passes through it)
        floor = exp.Case().when(exp.and_(whole.copy(), exp.GT(this=exponent.lo.copy(), expression=lit(0)), straddles), lit(0.0)).else_(corners[0].copy())
        least = exp.Least(this=corners[0].copy(), expressions=[c.copy() for c in corners[1:]] + [floor])
        greatest = exp.Greatest(this=corners[0].copy(), expressions=[c.copy() for c in corners[1:]] + [floor.copy()])
        lo, hi = self.name(least, "powlo"), self.name(greatest, "powhi")
        return self._named(_nextafter(lo, -1), _nextafter(hi, 1))

    def _reciprocal(self, b: IntervalSQL) -> IntervalSQL:
        # Dividing by an interval that holds zero has no finite bound: the verdict is
        # unverifiable, and the reciprocal is left NULL rather than computed.
        b = self._columns(b)
        spans_zero = self.name(exp.and_(exp.LTE(this=b.lo.copy(), expression=lit(0)), exp.GTE(this=b.hi.copy(), expression=lit(0))), "zero")
        self.undefined.append(spans_zero)

        def guarded(value: exp.Expression) -> exp.Expression:
            return exp.Case().when(spans_zero.copy(), exp.null()).else_(arith("/", lit(1.0), value.copy()))

        return self._named(guarded(b.hi), guarded(b.lo))


def _years(start: exp.Expression, end: exp.Expression) -> exp.Expression:
    """``end // 12 - start // 12`` as a double: the years an average growth's span compounds over."""
    year = lambda month: arith("-", month, arith("%", month.copy(), lit(12)))  # noqa: E731 - the year's first month
    return exp.cast(arith("/", arith("-", year(end), year(start)), lit(12)), "DOUBLE")


def _whole_number(interval: IntervalSQL) -> exp.Expression:
    """The exponent is one whole number: a point, finite, with no fraction (``intervals.whole_number``)."""
    point = exp.EQ(this=interval.lo.copy(), expression=interval.hi.copy())
    finite = exp.Not(this=exp.paren(exp.or_(exp.IsInf(this=interval.lo.copy()), exp.IsNan(this=interval.lo.copy()))))
    whole = exp.EQ(this=exp.Floor(this=interval.lo.copy()), expression=interval.lo.copy())
    return exp.and_(point, finite, whole)


def _nextafter(value: exp.Expression, direction: int) -> exp.Expression:
    """One float outward, except where the bound is exact by construction (0, ±1, an infinite end)."""
    exact = exp.or_(exp.In(this=value.copy(), expressions=[lit(0.0), lit(1.0), lit(-1.0)]), exp.IsInf(this=value.copy()))
    toward = lit(float("inf") if direction > 0 else float("-inf"))
    return exp.Case().when(exact, value).else_(exp.Anonymous(this="nextafter", expressions=[value.copy(), toward]))


def _times(x: exp.Expression, y: exp.Expression) -> exp.Expression:
    # 0 * inf is NaN in IEEE arithmetic; in interval arithmetic an exact zero bound wins.
    zero = exp.or_(exp.EQ(this=x, expression=lit(0)), exp.EQ(this=y, expression=lit(0)))
    return exp.Case().when(zero, lit(0.0)).else_(arith("*", x, y))


def _finite_magnitude(value: exp.Expression) -> exp.Expression:
    finite = exp.Not(this=exp.paren(exp.or_(exp.IsInf(this=value), exp.IsNan(this=value))))
    return exp.Case().when(finite, exp.Abs(this=value)).else_(lit(0.0))


@dataclass
class CompiledRule:
    """One rule's whole-store SQL, plus what reading its rows needs."""

    plan: RulePlan
    select: exp.Expression
    id_columns: dict[str, str]  # binding name -> result column holding its claim ids (a reading's, a group's)
    key_columns: dict[str, str] = field(default_factory=dict)  # binding name -> result column holding its reading or group key
    _sql: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def rule(self) -> Rule:
        return self.plan.rule

    def sql(self, dialect: str = "duckdb") -> str:
        if dialect not in self._sql:  # generated once: every recompute reuses the text
            self._sql[dialect] = self.select.sql(dialect=dialect)
        return self._sql[dialect]

    def verdict_rows_tree(self) -> exp.Select:
        """The rule's verdict rows as a sqlglot tree, for an engine that rewrites a node or two (``service/spark.py``)."""
        return _verdict_rows(self)

    def verdict_rows_sql(self, dialect: str = "duckdb") -> str:
        """The rule's verdicts as rows of the store's verdicts table (all but ``first_seen``)."""
        key = f"rows:{dialect}"
        if key not in self._sql:
            # The tree is this call's own (_verdict_rows copies the rule's query once): the generator's
            # defensive deep copy of it doubled the time every start spends printing the rules.
            self._sql[key] = _verdict_rows(self).sql(dialect=dialect, copy=False)
        return self._sql[key]


_COMPILED: dict[int, CompiledRule] = {}


def compile_rule(rule: Rule) -> CompiledRule:
    """The rule's plan as SQL, built once per plan (plans are cached per rule)."""
    plan = plan_rule(rule)
    if id(plan) not in _COMPILED:
        _COMPILED[id(plan)] = compile_plan(plan)
    return _COMPILED[id(plan)]


_WITHOUT_RELEASES: dict[int, CompiledRule] = {}


def compile_without_releases(rule: Rule) -> CompiledRule:
    """The rule's SQL for claims none of which names both an origin and a release: no verdict can be
    revised there, so the release reading (``_revised``) is left out; the verdicts are the same."""
    plan = plan_rule(rule)
    if id(plan) not in _WITHOUT_RELEASES:
        _WITHOUT_RELEASES[id(plan)] = compile_plan(plan, releases=False)
    return _WITHOUT_RELEASES[id(plan)]


def compile_plan(plan: RulePlan, releases: bool = True) -> CompiledRule:
    group = plan.group
    revisable = plan.revisable and releases
    builder = _Builder(plan)
    id_columns = {b.name: f"{b.name}__ids" for b in plan.bindings}
    key_columns = {b.name: f"{b.name}__key" for b in plan.bindings}
    verdict = _verdict_columns(plan, builder, revisable)
    conditions = [predicate_sql(p) for b in plan.scalars for p in b.filters]
    conditions += [predicate_sql(p) for b in plan.bindings for p in b.relations]
    conditions.append(predicate_sql(plan.unit_predicate()))
    # Every node below is freshly built, so sqlglot's defensive deep copies (copy=True)
    # would only cost time: they were 90 % of compiling the shipped rules.
    keys = [exp.alias_(col(b.name, "key" if b.is_group else "id"), key_columns[b.name], quoted=True) for b in plan.bindings]
    ids = [exp.alias_(col(b.name, "ids"), id_columns[b.name], quoted=True) for b in plan.bindings]
    bound = [exp.alias_(expression, flat, quoted=True) for flat, expression in builder.bound.items()]
    join = exp.select(*keys, *ids, *bound, copy=False)
    readings = READINGS[plan.reads_source]
    tables = [exp.alias_(exp.to_table(readings, quoted=True), b.name, table=True, quoted=True) for b in plan.scalars]
    if group is not None:
        tables.append(exp.alias_(exp.to_table(f"g_{group.name}", quoted=True), group.name, table=True, quoted=True))
    join = join.from_(tables[0], copy=False)
    for table in tables[1:]:
        join = join.join(table, join_type="CROSS", copy=False)
    if revisable:
        for binding in plan.scalars:
            join = join.join(_release_table(binding.name), on=_release_join(plan, binding.name), join_type="LEFT", copy=False)
    if group is not None and group.series_of is not None:
        conditions.append(exp.EQ(this=col(group.name, "series_of"), expression=col(group.series_of, "id")))
    join = join.where(_and(conditions), copy=False)
    staged = _staged(join, builder, plan, id_columns, key_columns, verdict)
    if group is not None:
        cte = _series_cte(plan) if group.series_of is not None else _group_cte(plan)
        staged = staged.with_(exp.to_identifier(f"g_{group.name}", quoted=True), as_=cte, copy=False)
    if revisable:
        staged = staged.with_(exp.to_identifier(RELEASES, quoted=True), as_=_releases_cte(), copy=False)
    return CompiledRule(plan, staged, id_columns, key_columns)


# --- a revision: each quantity read from the verdict's latest release (plan.RELEASE_KEYS) ---------

RELEASES = "_releases"  # one row per origin, release and quantity: the hull of its figures, and whether they agree


def release_alias(binding: str) -> str:
    return f"{binding}~r"


def _releases_cte() -> exp.Select:
    """``origin, released, <quantity>, unit, lo, hi, agree`` over the claims that name an origin and a release."""
    claim = lambda name: col("claim", name)  # noqa: E731
    lo, hi = arith("*", claim("lo"), claim("scale")), arith("*", claim("hi"), claim("scale"))
    keys = [claim(k) for k in ("origin", "released", *RELEASE_KEYS)]
    query = exp.select(
        *[exp.alias_(k, k.name, quoted=True) for k in keys],
        exp.alias_(exp.Min(this=lo), "lo", quoted=True),
        exp.alias_(exp.Max(this=hi), "hi", quoted=True),
        exp.alias_(exp.LTE(this=exp.Max(this=lo.copy()), expression=exp.Min(this=hi.copy())), "agree", quoted=True),
        copy=False,
    )
    query = query.from_(exp.alias_(exp.to_table(CLAIMS, quoted=True), "claim", table=True, quoted=True), copy=False)
    present = [exp.Not(this=exp.Is(this=claim(c), expression=exp.null())) for c in ("origin", "released", "unit")]
    return query.where(_and(present), copy=False).group_by(*[k.copy() for k in keys], copy=False)


def _release_table(binding: str) -> exp.Expression:
    return exp.alias_(exp.to_table(RELEASES, quoted=True), release_alias(binding), table=True, quoted=True)


def _latest_release(plan: RulePlan) -> exp.Expression:
    released = [col(b.name, "released") for b in plan.scalars]
    return released[0] if len(released) == 1 else exp.Greatest(this=released[0], expressions=released[1:])


def _release_join(plan: RulePlan, binding: str) -> exp.Expression:
    """The binding's quantity in the verdict's latest release of its origin (matched on ``plan.RELEASE_KEYS``)."""
    release = release_alias(binding)
    conditions: list[exp.Expression] = [
        exp.EQ(this=col(release, "origin"), expression=col(binding, "origin")),
        exp.EQ(this=col(release, "released"), expression=_latest_release(plan)),
    ]
    conditions += [exp.NullSafeEQ(this=col(release, k), expression=col(binding, k)) for k in RELEASE_KEYS]
    return _and(conditions)


def _revised(plan: RulePlan, builder: _Builder) -> exp.Expression:
    """The verdict's claims read from their origin's latest release hold (``plan.RELEASE_KEYS``, steps 1 to 4)."""
    names = [b.name for b in plan.scalars]
    origin, released = (builder.leaf(names[0], c) for c in ("origin", "released"))
    conditions: list[exp.Expression] = []
    for name in names:
        for column in ("origin", "released"):
            conditions.append(exp.Not(this=exp.Is(this=builder.leaf(name, column), expression=exp.null())))
        conditions.append(exp.EQ(this=builder.leaf(name, "origin"), expression=origin.copy()))
        conditions.append(exp.EQ(this=builder.release_leaf(name, "agree"), expression=exp.true()))
    conditions.append(exp.paren(exp.or_(*[exp.NEQ(this=builder.leaf(n, "released"), expression=released.copy()) for n in names], copy=False)))
    check = plan.rule.check
    printed_undefined, builder.undefined, builder.reading = builder.undefined, [], "release"
    try:
        left, right = builder._columns(builder.interval(check.left)), builder._columns(builder.interval(check.right))
        gap = builder.name(_gap(check.op, left, right), "rgap")
        magnitude = exp.Greatest(this=_finite_magnitude(left.lo.copy()), expressions=[_finite_magnitude(v.copy()) for v in (left.hi, right.lo, right.hi)])
        tolerance = builder.name(arith("*", lit(TOLERANCE), magnitude), "rtol")
        undefined = builder.undefined + [exp.IsNan(this=gap.copy()), exp.Is(this=gap.copy(), expression=exp.null())]
    finally:
        builder.undefined, builder.reading = printed_undefined, "printed"
    if check.op in STRICT_COMPARISONS:
        holds = exp.LT(this=gap.copy(), expression=exp.Neg(this=tolerance.copy()))
    else:
        holds = exp.LTE(this=gap.copy(), expression=tolerance.copy())
    # a NULL (a quantity the release does not print) is no revision: CASE reads it as false
    defined = exp.Not(this=exp.paren(exp.or_(*[u.copy() for u in undefined], copy=False)))
    return exp.and_(*conditions, defined, holds, copy=False)


def _staged(
    join: exp.Select, builder: _Builder, plan: RulePlan, id_columns: dict[str, str], key_columns: dict[str, str], verdict: list[exp.Expression]
) -> exp.Select:
    """Wrap the join in one subquery per arithmetic stage, then pick the verdict's columns."""
    query = join
    for number, aliases in enumerate(builder.stages, start=1):
        query = exp.select(exp.Star(), *[a.copy() for a in aliases], copy=False).from_(query.subquery(f"_s{number}", copy=False), copy=False)
    columns = [exp.alias_(_verdict_id(plan, key_columns), "_id", quoted=True)]
    columns += [exp.column(c, quoted=True) for c in (*key_columns.values(), *id_columns.values())] + [v.copy() for v in verdict]
    return exp.select(*columns, copy=False).from_(query.subquery("_verdict", copy=False), copy=False)


def _verdict_id(plan: RulePlan, key_columns: dict[str, str]) -> exp.Expression:
    """``'v-' || left(sha256(key), 16)``, the key as ``plan.verdict_key`` writes it: each role's reading or group key."""
    parts: list[exp.Expression] = []
    for index, name in enumerate(sorted(key_columns)):
        prefix = ("" if index == 0 else ";") + f"{name}="
        if index == 0:
            prefix = f"{plan.id}|" + prefix
        parts += [lit(prefix), exp.column(key_columns[name], quoted=True)]
    key = parts[0]
    for part in parts[1:]:
        key = exp.DPipe(this=key, expression=part, safe=True)
    digest = exp.Substring(this=exp.SHA2(this=key, length=exp.Literal.number(256)), start=lit(1), length=lit(16))
    return exp.DPipe(this=lit("v-"), expression=digest, safe=True)


def _verdict_columns(plan: RulePlan, builder: _Builder, revisable: bool) -> list[exp.Expression]:
    """Status, margin (in the margin unit), its unit, and both sides' bounds, over the staged columns."""
    check = plan.rule.check
    if plan.is_category:
        same = exp.EQ(this=builder.leaf(check.left.name, "text_key"), expression=builder.leaf(check.right.name, "text_key"))  # type: ignore[union-attr]
        status = exp.Case().when(same, lit("consistent")).else_(lit("contradicted"))
        nothing = [exp.alias_(exp.cast(exp.null(), "DOUBLE"), name, quoted=True) for name in VERDICT_COLUMNS[4:]]
        return [
            exp.alias_(status, "_status", quoted=True),
            exp.alias_(exp.cast(exp.null(), "DOUBLE"), "_margin", quoted=True),
            exp.alias_(exp.cast(exp.null(), "VARCHAR"), "_margin_unit", quoted=True),
            *nothing,
        ]
    left, right = builder.interval(check.left), builder.interval(check.right)
    left, right = builder._columns(left), builder._columns(right)
    gap = builder.name(_gap(check.op, left, right), "gap")
    margin = exp.Greatest(this=gap.copy(), expressions=[lit(0.0)])
    sides = [left.lo, left.hi, right.lo, right.hi]
    magnitude = exp.Greatest(this=_finite_magnitude(sides[0].copy()), expressions=[_finite_magnitude(v.copy()) for v in sides[1:]])
    tolerance = builder.name(arith("*", lit(TOLERANCE), magnitude), "tol")
    undefined = [u.copy() for u in builder.undefined] + [exp.IsNan(this=gap.copy()), exp.Is(this=gap.copy(), expression=exp.null())]
    if check.op in STRICT_COMPARISONS:
        contradicted = exp.GTE(this=gap.copy(), expression=exp.Neg(this=tolerance.copy()))
    else:
        contradicted = exp.GT(this=gap.copy(), expression=tolerance.copy())
    is_undefined = exp.or_(*undefined, copy=False)
    status = exp.Case().when(is_undefined, lit("unverifiable"))
    if revisable:
        status = status.when(exp.and_(contradicted.copy(), _revised(plan, builder)), lit(REVISED))
    status = status.when(contradicted, lit("contradicted"))
    for stand_in in plan.stand_ins:
        if stand_in.implied_side is not None and stand_in.binding in builder.stood_in:
            implied = left if stand_in.implied_side == "left" else right
            status = status.when(_implausible(builder, stand_in, implied), lit("implausible"))
    status = status.else_(lit("consistent"))
    unit, scale = _margin_unit(plan, builder)
    # 0 unless contradicted: an undefined side (a zero divisor) may still leave a finite gap.
    shown = exp.Case().when(is_undefined.copy(), lit(0.0)).when(contradicted.copy(), arith("/", margin.copy(), scale)).else_(lit(0.0))
    # A side is shown only where it is defined: an undefined quotient leaves NULL bounds.
    defined = exp.Not(this=exp.paren(exp.or_(*[u.copy() for u in builder.undefined], copy=False))) if builder.undefined else None
    bounds = []
    for name, value in zip(VERDICT_COLUMNS[4:], sides):
        shown_value = value.copy() if defined is None else exp.Case().when(defined.copy(), value.copy()).else_(exp.cast(exp.null(), "DOUBLE"))
        bounds.append(exp.alias_(shown_value, name, quoted=True))
    return [
        exp.alias_(status, "_status", quoted=True),
        exp.alias_(shown, "_margin", quoted=True),
        exp.alias_(unit, "_margin_unit", quoted=True),
        *bounds,
    ]


def _implausible(builder: _Builder, stand_in: StandIn, implied: IntervalSQL) -> exp.Expression:
    """The months a longer period adds, as the check implies them, fall outside the plausible band.

    ``plan.StandIn`` says what is judged; ``local._implausible`` and the reference
    compute the same in Python, in the same order.
    """
    stood = builder.stood_in[stand_in.binding]
    printed, extra_months = stood.printed, arith("-", stood.months.copy(), stood.needed_months.copy())
    # a flow: the added months, per month, against an average month of the longer period
    added_lo = arith("/", exp.Greatest(this=arith("-", printed.lo.copy(), implied.hi.copy()), expressions=[lit(0.0)]), extra_months)
    added_hi = arith("/", arith("-", printed.hi.copy(), implied.lo.copy()), extra_months.copy())
    usual_lo, usual_hi = arith("/", printed.lo.copy(), stood.months.copy()), arith("/", printed.hi.copy(), stood.months.copy())
    low, high = stand_in.month_ratio
    flow_off = exp.or_(
        exp.LT(this=builder.name(added_hi, "addhi"), expression=arith("*", lit(low), usual_lo)),
        exp.GT(this=builder.name(added_lo, "addlo"), expression=arith("*", lit(high), usual_hi)),
    )
    # a share: the added months' share, if every month weighs the same, against the needed period's
    weight = arith("/", exp.cast(stood.needed_months.copy(), "DOUBLE"), stood.months.copy())
    rest = arith("-", lit(1.0), weight.copy())
    share_lo = arith("/", arith("-", printed.lo.copy(), arith("*", weight.copy(), implied.hi.copy())), rest)
    share_hi = arith("/", arith("-", printed.hi.copy(), arith("*", weight.copy(), implied.lo.copy())), rest.copy())
    band = stand_in.share_points / 100
    region_lo = exp.Greatest(this=arith("-", implied.lo.copy(), lit(band)), expressions=[lit(0.0)])
    region_hi = exp.Least(this=arith("+", implied.hi.copy(), lit(band)), expressions=[lit(1.0)])
    share_off = exp.or_(
        exp.LT(this=builder.name(share_hi, "sharehi"), expression=region_lo),
        exp.GT(this=builder.name(share_lo, "sharelo"), expression=region_hi),
    )
    judged = exp.Case().when(stood.flow.copy(), flow_off).when(stood.share.copy(), share_off).else_(exp.false())
    return exp.and_(stood.longer.copy(), judged)


def _gap(op: str, left: IntervalSQL, right: IntervalSQL) -> exp.Expression:
    """How far apart the sides are where the relation needs them to meet: above 0, it fails for every value.

    Negative when the relation can hold with room to spare; 0 when the sides can at
    best be equal (``<=`` holds there, ``<`` fails).
    """
    if op == "==":
        return exp.Greatest(this=arith("-", left.lo, right.hi), expressions=[arith("-", right.lo, left.hi)])
    if op in ("<=", "<"):
        return arith("-", left.lo, right.hi)
    return arith("-", right.lo, left.hi)


def _margin_unit(plan: RulePlan, builder: _Builder) -> tuple[exp.Expression, exp.Expression]:
    """The rule's margin unit, else the unit of the figure the plan names."""
    source = plan.margin_unit
    if source.unit is not None:
        return lit(source.unit), lit(base_factor(source.unit))
    unit = builder.leaf(source.binding or "", "unit")
    # plan.difference_unit, in SQL: two percentages differ by points
    as_difference = exp.Case(ifs=[exp.If(this=exp.EQ(this=unit, expression=lit("percent")), true=lit("points"))], default=unit.copy())
    return as_difference, builder.leaf(source.binding or "", "scale")


def _verdict_rows(compiled: CompiledRule) -> exp.Select:
    """``id, rule, claim_ids, role_sizes, status, margin, margin_unit, left_lo .. right_hi`` from the rule's query.

    ``claim_ids`` lists the claims in the order of the rule's bindings, each role's
    together, and ``role_sizes`` how many each holds (``RulePlan.roles_of`` splits it
    again); a JSON object of roles beside it doubled the time to write a million claims' verdicts.
    """
    lists = [exp.column(compiled.id_columns[binding.name], quoted=True) for binding in compiled.plan.bindings]
    claim_ids = lists[0] if len(lists) == 1 else exp.ArrayConcat(this=lists[0], expressions=[ids.copy() for ids in lists[1:]])
    sizes = exp.Array(expressions=[exp.cast(exp.ArraySize(this=ids.copy()), "INT") for ids in lists])
    columns = [
        exp.alias_(exp.column("_id", quoted=True), "id", quoted=True),
        exp.alias_(lit(compiled.plan.id), "rule", quoted=True),
        exp.alias_(claim_ids, "claim_ids", quoted=True),
        exp.alias_(sizes, "role_sizes", quoted=True),
    ] + [exp.alias_(exp.column(c, quoted=True), c.lstrip("_"), quoted=True) for c in VERDICT_COLUMNS[1:]]
    return exp.select(*columns, copy=False).from_(compiled.select.subquery("_rule", copy=True), copy=False)


def neighbourhood_conditions(subject_parameter: str, literal_subjects: list[str], untied: list[Predicate]) -> list[str]:
    """Which claims an in-process check of one new claim must see, as WHERE conditions to run one by one.

    Its subject's claims (the first condition, the only one with the ``$subject`` parameter);
    then the claims of subjects rules name literally (``ma.regions``)
    and those that bindings not tied to its subject could hold (their filters).  The
    first stands alone: OR-ed with others, DuckDB could no longer skip the row groups
    that hold no claim of the subject.
    """
    conditions = [exp.EQ(this=exp.column("subject", quoted=True), expression=exp.Placeholder(this=subject_parameter))]
    if (others := _beyond_the_subject(literal_subjects, untied)) is not None:
        conditions.append(others)
    return [condition.sql(dialect="duckdb") for condition in conditions]


def reach_condition(subjects_parameter: str, literal_subjects: list[str], untied: list[Predicate]) -> str:
    """The claims verdicts holding a claim of some subjects (a list, the ``$subjects`` parameter) can bind, as one condition.

    What :func:`neighbourhood_conditions` reads for one claim, for every claim of those
    subjects at once: a recompute around a change (``Store.replace_verdicts_around``).
    """
    mine = exp.In(this=exp.column("subject", quoted=True), query=exp.select(exp.Unnest(expressions=[exp.Placeholder(this=subjects_parameter)])).subquery())
    others = _beyond_the_subject(literal_subjects, untied)
    return (mine if others is None else exp.or_(mine, others, copy=False)).sql(dialect="duckdb")


def _beyond_the_subject(literal_subjects: list[str], untied: list[Predicate]) -> exp.Expression | None:
    others: list[exp.Expression] = []
    if literal_subjects:
        others.append(exp.In(this=exp.column("subject", quoted=True), expressions=[lit(s) for s in literal_subjects]))
    others += [predicate_sql(p, table="claims") for p in untied]
    return exp.or_(*others, copy=False) if others else None


# --- predicates -------------------------------------------------------------------------

_COMPARISONS = {"=": exp.EQ, "!=": exp.NEQ, "<": exp.LT, "<=": exp.LTE, ">": exp.GT, ">=": exp.GTE, "is": exp.NullSafeEQ}


def predicate_sql(predicate: Predicate, table: str | None = None) -> exp.Expression:
    """A plan predicate as a sqlglot condition; ``table`` reads every column from one alias (a group's members)."""
    match predicate:
        case Compare(op=op, left=left, right=right):
            return _COMPARISONS[op](this=_term_sql(left, table), expression=_term_sql(right, table))
        case OneOf(term=term, values=values):
            return exp.In(this=_term_sql(term, table), expressions=[lit(v) for v in values])
        case AllOf(parts=parts):
            return exp.paren(_and([predicate_sql(p, table) for p in parts]))
        case AnyOf(parts=parts):
            return exp.paren(exp.or_(*[predicate_sql(p, table) for p in parts], copy=False))
        case Not(part=part):
            return exp.Not(this=exp.paren(predicate_sql(part, table)))
        case Distinct(binding=binding, earlier=earlier):
            same = [exp.Case().when(exp.EQ(this=col(binding, "id"), expression=col(other, "id")), lit(1)).else_(lit(0)) for other in earlier]
            taken = same[0]
            for more in same[1:]:
                taken = exp.Add(this=taken, expression=more)
            return exp.GT(this=col(binding, "n"), expression=exp.paren(taken))
    raise TypeError(predicate)


def readings_select(by_source: bool) -> exp.Select:
    """The claims in force as readings (``plan.READING_COLUMNS``): one row per figure key (and source).

    ``id`` is the reading's key (``plan.reading_key``), ``n`` its claims, ``ids`` their ids
    sorted; every other column is the same for all of them (the key hashes it), read with MIN.
    """
    claim = lambda name: col("claim", name)  # noqa: E731
    key: exp.Expression = claim("figure_key")
    if by_source:
        key = exp.DPipe(this=exp.DPipe(this=key, expression=lit("@"), safe=True), expression=claim("source"), safe=True)
    columns = [exp.alias_(key, "id", quoted=True)]
    for name in CLAIM_COLUMNS[1:]:
        if name == "source":
            value = claim("source") if by_source else exp.cast(exp.null(), "VARCHAR")
        else:
            value = claim(name) if name == "figure_key" else exp.Min(this=claim(name))
        columns.append(exp.alias_(value, name, quoted=True))
    columns += [
        exp.alias_(exp.Count(this=exp.Star()), "n", quoted=True),
        exp.alias_(exp.ArraySort(this=exp.ArrayAgg(this=claim("id"))), "ids", quoted=True),
    ]
    query = exp.select(*columns, copy=False).from_(exp.alias_(exp.to_table(CLAIMS, quoted=True), "claim", table=True, quoted=True), copy=False)
    return query.group_by(claim("figure_key"), *([claim("source")] if by_source else []), copy=False)


def _term_sql(term: Term, table: str | None) -> exp.Expression:
    match term:
        case Col(binding=binding, column=column):
            return col(table or binding, column)
        case Const(value=None):
            return exp.null()
        case Const(value=value):
            return lit(value)
        case Span(binding=binding, start=start, end=end):
            return arith("-", col(table or binding, end), col(table or binding, start))
        case Longer(span=span, than=than):
            return arith("-", _term_sql(span, table), _term_sql(than, table))
        case CalendarYear(binding=binding, column=column, edge=edge):
            month = col(table or binding, column)
            first = arith("-", month, arith("%", month.copy(), lit(12)))
            return first if edge == "first" else arith("+", first, lit(11))
    raise TypeError(term)


def _quantity_hulls(table: str) -> list[exp.Expression]:
    """One quantity's term: the hull of the figures printing it, in base magnitudes, their scale and their ids.

    The hull holds the true value when any of the figures does; figures that disagree
    are same-figure's to report, not the sum's.
    """
    member = lambda name: col(table, name)  # noqa: E731 - reads better than a def for one line
    return [
        exp.alias_(exp.Min(this=arith("*", member("lo"), member("scale"))), "lo", quoted=True),
        exp.alias_(exp.Max(this=arith("*", member("hi"), member("scale"))), "hi", quoted=True),
        exp.alias_(exp.Max(this=member("scale")), "scale", quoted=True),
        exp.alias_(exp.ArrayAgg(this=member("id")), "ids", quoted=True),
    ]


def _aggregates(plan: RulePlan, table: str) -> list[exp.Expression]:
    """Over a group's quantities (``_quantity_hulls``): the sum (``sum(name)``), the compound growth
    when the check reads one, the scale and every member's id, sorted."""
    term = lambda name: col(table, name)  # noqa: E731 - reads better than a def for one line
    aggregates = [
        exp.alias_(exp.Sum(this=_in_order(term("lo"))), "lo", quoted=True),
        exp.alias_(exp.Sum(this=_in_order(term("hi"))), "hi", quoted=True),
    ]
    if any(isinstance(leaf, Compound) for leaf in leaves(plan.rule.check)):
        # (1 + g1)(1 + g2)... - 1 is monotone in each g only while every 1 + g is positive
        growth = lambda bound: arith("+", lit(1.0), term(bound))  # noqa: E731
        product = lambda bound: arith("-", exp.Anonymous(this="PRODUCT", expressions=[_in_order(growth(bound))]), lit(1.0))  # noqa: E731
        positive = exp.LogicalAnd(this=exp.GT(this=growth("lo"), expression=lit(0)))
        aggregates += [
            exp.alias_(product("lo"), "c_lo", quoted=True),
            exp.alias_(product("hi"), "c_hi", quoted=True),
            exp.alias_(exp.Not(this=positive), "c_undefined", quoted=True),
        ]
    ids = exp.ArraySort(this=exp.Flatten(this=exp.ArrayAgg(this=term("ids"))))
    return aggregates + [
        exp.alias_(exp.Max(this=term("scale")), "scale", quoted=True),
        exp.alias_(ids, "ids", quoted=True),
    ]


def _in_order(value: exp.Expression) -> exp.Order:
    """``value ORDER BY value``, for a sum or product of doubles: DuckDB's threads feed an aggregate
    rows in no fixed order, and a float sum's last bits depend on it, so the same store gave bounds
    of 0.9181 and 0.9181000000000001 from one run to the next.  Ordered by value, the same figures
    always give the same bits."""
    return exp.Order(this=value, expressions=[exp.Ordered(this=value.copy(), nulls_first=False)])


QUANTITY = "quantity"  # the inner query's alias: one row per quantity of a group


def _series_cte(plan: RulePlan) -> exp.Select:
    """A series' groups, one per claim of the span binding: the members related to it, complete or not at all.

    Inner: ``FROM claims AS span, claims AS member`` under both bindings' filters and
    the member relations, one row per span claim and quantity (``_quantity_hulls``).
    Outer: grouped by the span claim and the group keys, a group is kept when it has
    one quantity for each year the span compounds over; a year one source prints
    twice is one quantity, its hull.
    """
    group = plan.group
    assert group is not None and group.series_of is not None
    span, me = group.series_of, group.name
    conditions = [predicate_sql(p) for p in plan.binding(span).filters] + [predicate_sql(p) for p in group.filters]
    conditions += [predicate_sql(p) for p in group.member_relations]
    spans = {"series_of": col(span, "id"), "_span_start": col(span, "period_start"), "_span_end": col(span, "period_end")}
    columns = [*group.group_keys, *group.quantity_keys]
    projections = [exp.alias_(value, name, quoted=True) for name, value in spans.items()]
    projections += [exp.alias_(col(me, k), k, quoted=True) for k in columns] + _quantity_hulls(me)
    tables = [
        exp.alias_(exp.to_table(READINGS[plan.reads_source], quoted=True), span, table=True, quoted=True),
        exp.alias_(exp.to_table(CLAIMS, quoted=True), me, table=True, quoted=True),
    ]
    inner = exp.select(*projections, copy=False).from_(tables[0], copy=False).join(tables[1], join_type="CROSS", copy=False)
    inner = inner.where(_and(conditions), copy=False)
    inner = inner.group_by(*[value.copy() for value in spans.values()], *[col(me, k) for k in columns], copy=False)
    term = lambda name: col(QUANTITY, name)  # noqa: E731
    outer_keys = ["series_of", *group.group_keys]
    outer = exp.select(*[exp.alias_(term(k), k, quoted=True) for k in outer_keys], _group_key(plan, term), *_aggregates(plan, QUANTITY), copy=False)
    outer = outer.from_(inner.subquery(QUANTITY, copy=False), copy=False)
    outer = outer.group_by(*[term(k) for k in (*outer_keys, "_span_start", "_span_end")], copy=False)
    years = _years(term("_span_start"), term("_span_end"))
    count = exp.Count(this=exp.Star())
    one_per_year = exp.EQ(this=exp.Count(this=exp.Distinct(expressions=[term("period_start")])), expression=count.copy())
    return outer.having(exp.and_(exp.EQ(this=count, expression=years), one_per_year), copy=False)


def _group_key(plan: RulePlan, term: "Callable[[str], exp.Expression]") -> exp.Expression:
    """The group's key (``plan.group_key``): its key columns as text, joined by ``|``, NULLs left out."""
    group = plan.group
    assert group is not None
    parts = [exp.cast(term(k), "VARCHAR") for k in plan.group_key_columns(group)]
    return exp.alias_(exp.ConcatWs(expressions=[lit("|"), *parts]), "key", quoted=True)


def _group_cte(plan: RulePlan) -> exp.Select:
    """A group binding's groups: its members' quantities (inner, ``_quantity_hulls``), summed per group keys (outer)."""
    group = plan.group
    assert group is not None
    table = "member"
    member = lambda name: col(table, name)  # noqa: E731 - reads better than a def for one line
    columns = [*group.group_keys, *group.quantity_keys]
    inner = exp.select(*[exp.alias_(member(k), k, quoted=True) for k in columns], *_quantity_hulls(table), copy=False)
    inner = inner.from_(exp.alias_(exp.to_table(CLAIMS, quoted=True), table, table=True, quoted=True), copy=False)
    inner = inner.where(_and([predicate_sql(p, table) for p in group.filters]), copy=False)
    inner = inner.group_by(*[member(k) for k in columns], copy=False)
    term = lambda name: col(QUANTITY, name)  # noqa: E731
    outer = exp.select(*[exp.alias_(term(k), k, quoted=True) for k in group.group_keys], _group_key(plan, term), *_aggregates(plan, QUANTITY), copy=False)
    outer = outer.from_(inner.subquery(QUANTITY, copy=False), copy=False)
    outer = outer.group_by(*[term(k) for k in group.group_keys], copy=False)
    # A sum over one quantity checks nothing, even printed twice: a group needs two quantities.
    return outer.having(exp.GTE(this=exp.Count(this=exp.Star()), expression=lit(2)), copy=False)
