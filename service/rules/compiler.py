"""Rule -> sqlglot AST -> SQL that DuckDB runs, for the whole store or anchored on one claim.

Nothing here pastes text into SQL: every identifier is built with
``exp.column(..., quoted=True)``, every value from a rule is an ``exp.Literal``
and the anchored claim id is a ``$anchor`` placeholder.  A rule or a claim field
therefore cannot inject SQL, and the same tree can be emitted for another engine
(``compiled.sql("spark")``).

Shape of the query, for bindings ``b1..bn`` and at most one group binding ``g``::

    WITH "g_part" AS (SELECT keys, unit, SUM(lo * scale) AS lo, ..., LIST(id) AS ids
                     FROM claims WHERE <part's own filters> GROUP BY keys, unit HAVING COUNT(*) >= 2)
    SELECT "b1"."id" AS "b1__id", ..., <interval arithmetic>, status, margin
    FROM claims AS "b1", claims AS "b2", "g_part" AS "g"
    WHERE <filters> AND <relations> AND <unit combinations that type-check>

Interval arithmetic is emitted as a chain of column aliases (``_n3_lo`` refers to
``_n1_lo``), which DuckDB (and Spark 3.4+) resolve as lateral column aliases: the
SQL stays linear in the size of the check instead of growing 4x per product.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from sqlglot import exp

from service.rules.loader import valid_unit_combinations
from service.rules.model import (
    Arith,
    Binding,
    Expr,
    Literally,
    Negate,
    Number,
    OtherThan,
    Ref,
    Rule,
    SameAs,
    Total,
    leaves,
)
from service.periods import Period
from service.units import base_factor

CLAIMS = "claims"
ANCHOR = "anchor"
# Relative tolerance under which a gap is float noise, not a contradiction.
TOLERANCE = 1e-9
_GROUP_KEY_COLUMNS = {
    "source": ("source",),
    "subject": ("subject",),
    "period": ("period_start", "period_end"),
    "dimension": ("breakdown_dims",),
    "measure": ("measure",),
}


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
_OPERATORS = {"+": exp.Add, "-": exp.Sub, "*": exp.Mul, "/": exp.Div}


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
class _Builder:
    """Accumulates the bound columns and the staged arithmetic of one rule's query.

    Each arithmetic node becomes a named column computed in the first stage where
    all of its inputs exist.  Stages are nested subqueries: DuckDB inlines a column
    alias at every use, so a chain of aliases in one SELECT grows 4x per product
    (seconds for a four-binding rule); a subquery boundary keeps it linear.
    """

    rule: Rule
    bound: dict[str, exp.Expression] = field(default_factory=dict)  # flat name -> "binding"."column"
    stages: list[list[exp.Expression]] = field(default_factory=list)
    stage_of: dict[str, int] = field(default_factory=dict)
    undefined: list[exp.Expression] = field(default_factory=list)
    counter: itertools.count = field(default_factory=itertools.count)

    def leaf(self, binding: str, column: str) -> exp.Column:
        """A bound claim's column, carried out of the join as ``binding__column``."""
        flat = f"{binding}__{column}"
        self.bound.setdefault(flat, col(binding, column))
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
                factor = self.leaf(name, "scale")
                return IntervalSQL(arith("*", self.leaf(name, "lo"), factor), arith("*", self.leaf(name, "hi"), factor.copy()))
            case Total(name=name):
                return IntervalSQL(self.leaf(name, "lo"), self.leaf(name, "hi"))
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
        raise TypeError(expr)

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

    def _reciprocal(self, b: IntervalSQL) -> IntervalSQL:
        # Dividing by an interval that holds zero has no finite bound: the verdict is
        # unverifiable, and the reciprocal is left NULL rather than computed.
        b = self._columns(b)
        spans_zero = self.name(exp.and_(exp.LTE(this=b.lo.copy(), expression=lit(0)), exp.GTE(this=b.hi.copy(), expression=lit(0))), "zero")
        self.undefined.append(spans_zero)

        def guarded(value: exp.Expression) -> exp.Expression:
            return exp.Case().when(spans_zero.copy(), exp.null()).else_(arith("/", lit(1.0), value.copy()))

        return self._named(guarded(b.hi), guarded(b.lo))


def _times(x: exp.Expression, y: exp.Expression) -> exp.Expression:
    # 0 * inf is NaN in IEEE arithmetic; in interval arithmetic an exact zero bound wins.
    zero = exp.or_(exp.EQ(this=x, expression=lit(0)), exp.EQ(this=y, expression=lit(0)))
    return exp.Case().when(zero, lit(0.0)).else_(arith("*", x, y))


def _finite_magnitude(value: exp.Expression) -> exp.Expression:
    finite = exp.Not(this=exp.paren(exp.or_(exp.IsInf(this=value), exp.IsNan(this=value))))
    return exp.Case().when(finite, exp.Abs(this=value)).else_(lit(0.0))


@dataclass
class CompiledRule:
    """One rule's SQL, whole-store and anchored, plus what reading its rows needs."""

    rule: Rule
    select: exp.Expression
    anchored_select: exp.Expression
    id_columns: dict[str, str]  # binding name -> result column holding its claim id(s)
    _sql: dict[tuple[str, bool], str] = field(default_factory=dict, repr=False)

    def sql(self, dialect: str = "duckdb", anchored: bool = False) -> str:
        key = (dialect, anchored)
        if key not in self._sql:  # generated once: every request reuses the text
            self._sql[key] = (self.anchored_select if anchored else self.select).sql(dialect=dialect)
        return self._sql[key]


def compile_rule(rule: Rule) -> CompiledRule:
    scalar = [b for b in rule.bindings if not b.is_group]
    group = rule.group_binding
    builder = _Builder(rule)
    id_columns = {b.name: f"{b.name}__id" for b in scalar}
    if group is not None:
        id_columns[group.name] = f"{group.name}__ids"
    verdict = _verdict_columns(rule, builder)
    conditions = [condition for b in rule.bindings for condition in _binding_conditions(b, rule)]
    conditions.append(_unit_condition(rule))
    # Every node below is freshly built, so sqlglot's defensive deep copies (copy=True)
    # would only cost time: they were 90 % of compiling the shipped rules.
    ids = [exp.alias_(col(name, "ids" if name == getattr(group, "name", None) else "id"), column, quoted=True) for name, column in id_columns.items()]
    bound = [exp.alias_(expression, flat, quoted=True) for flat, expression in builder.bound.items()]
    join = exp.select(*ids, *bound, copy=False)
    tables = [exp.alias_(exp.to_table(CLAIMS, quoted=True), b.name, table=True, quoted=True) for b in scalar]
    if group is not None:
        tables.append(exp.alias_(exp.to_table(f"g_{group.name}", quoted=True), group.name, table=True, quoted=True))
    join = join.from_(tables[0], copy=False)
    for table in tables[1:]:
        join = join.join(table, join_type="CROSS", copy=False)
    join = join.where(_and(conditions), copy=False)

    def finish(query: exp.Select) -> exp.Select:
        staged = _staged(query, builder, id_columns, verdict)
        if group is not None:
            staged = staged.with_(exp.to_identifier(f"g_{group.name}", quoted=True), as_=_group_cte(group, rule), copy=False)
        return staged

    anchored = [finish(join.copy().where(anchor, append=True, copy=False)) for anchor in _anchors(rule)]
    anchored_select = anchored[0] if len(anchored) == 1 else exp.union(*anchored, distinct=False, copy=False)
    return CompiledRule(rule, finish(join), anchored_select, id_columns)


def _staged(join: exp.Select, builder: _Builder, id_columns: dict[str, str], verdict: list[exp.Expression]) -> exp.Select:
    """Wrap the join in one subquery per arithmetic stage, then pick the verdict's columns."""
    query = join
    for number, aliases in enumerate(builder.stages, start=1):
        query = exp.select(exp.Star(), *[a.copy() for a in aliases], copy=False).from_(query.subquery(f"_s{number}", copy=False), copy=False)
    columns = [exp.column(c, quoted=True) for c in id_columns.values()] + [v.copy() for v in verdict]
    return exp.select(*columns, copy=False).from_(query.subquery("_verdict", copy=False), copy=False)


def _anchors(rule: Rule) -> list[exp.Expression]:
    """One condition per binding that could hold the new claim: each an equality DuckDB can push down."""
    anchors = []
    for binding in rule.bindings:
        if binding.is_group:
            anchors.append(exp.ArrayContains(this=col(binding.name, "ids"), expression=exp.Placeholder(this=ANCHOR)))
        else:
            anchors.append(exp.EQ(this=col(binding.name, "id"), expression=exp.Placeholder(this=ANCHOR)))
    return anchors


def _verdict_columns(rule: Rule, builder: _Builder) -> list[exp.Expression]:
    """``_status``, ``_margin`` (in the margin unit) and ``_margin_unit``, over the staged columns."""
    check = rule.check
    if _is_category_check(rule):
        same = exp.EQ(this=builder.leaf(check.left.name, "text_key"), expression=builder.leaf(check.right.name, "text_key"))  # type: ignore[union-attr]
        status = exp.Case().when(same, lit("consistent")).else_(lit("contradicted"))
        return [
            exp.alias_(status, "_status", quoted=True),
            exp.alias_(exp.cast(exp.null(), "DOUBLE"), "_margin", quoted=True),
            exp.alias_(exp.cast(exp.null(), "VARCHAR"), "_margin_unit", quoted=True),
        ]
    left, right = builder.interval(check.left), builder.interval(check.right)
    left, right = builder._columns(left), builder._columns(right)
    margin = builder.name(_gap(check.op, left, right), "gap")
    sides = [left.lo, left.hi, right.lo, right.hi]
    magnitude = exp.Greatest(this=_finite_magnitude(sides[0].copy()), expressions=[_finite_magnitude(v.copy()) for v in sides[1:]])
    tolerance = builder.name(arith("*", lit(TOLERANCE), magnitude), "tol")
    undefined = [u.copy() for u in builder.undefined] + [exp.IsNan(this=margin.copy()), exp.Is(this=margin.copy(), expression=exp.null())]
    contradicted = exp.GT(this=margin.copy(), expression=tolerance.copy())
    status = exp.Case().when(exp.or_(*undefined, copy=False), lit("unverifiable")).when(contradicted, lit("contradicted")).else_(lit("consistent"))
    unit, scale = _margin_unit(rule, builder)
    shown = exp.Case().when(contradicted.copy(), arith("/", margin.copy(), scale)).else_(lit(0.0))
    return [
        exp.alias_(status, "_status", quoted=True),
        exp.alias_(shown, "_margin", quoted=True),
        exp.alias_(unit, "_margin_unit", quoted=True),
    ]


def _gap(op: str, left: IntervalSQL, right: IntervalSQL) -> exp.Expression:
    """How far the relation is from holding for any values of the intervals (0 when it can hold)."""
    zero = lit(0.0)
    if op == "==":
        return exp.Greatest(this=arith("-", left.lo, right.hi), expressions=[arith("-", right.lo, left.hi), zero])
    if op in ("<=", "<"):
        return exp.Greatest(this=arith("-", left.lo, right.hi), expressions=[zero])
    return exp.Greatest(this=arith("-", right.lo, left.hi), expressions=[zero])


def _margin_unit(rule: Rule, builder: _Builder) -> tuple[exp.Expression, exp.Expression]:
    """The unit of the compared figures: the rule's choice, else the right side's first figure."""
    if rule.margin_unit is not None:
        return lit(rule.margin_unit), lit(base_factor(rule.margin_unit))
    first = leaves(rule.check.right)[0]
    if isinstance(first, Number):
        return lit(first.unit), lit(base_factor(first.unit))
    return builder.leaf(first.name, "unit"), builder.leaf(first.name, "scale")


def _is_category_check(rule: Rule) -> bool:
    """The loader admits text only in ``a == b`` between two categories."""
    return any("text" in assignment.values() for assignment in valid_unit_combinations(rule.bindings, rule.check))


def _own_conditions(binding: Binding, table: str) -> list[exp.Expression]:
    """Filters on one binding's own columns, the same in a FROM and in a group's CTE."""
    conditions: list[exp.Expression] = []
    if binding.measures:
        conditions.append(exp.In(this=col(table, "measure"), expressions=[lit(m) for m in binding.measures]))
    if isinstance(binding.subject, Literally):
        conditions.append(exp.EQ(this=col(table, "subject"), expression=lit(binding.subject.value)))
    breakdown = binding.breakdown
    if breakdown == "total":
        conditions.append(exp.EQ(this=col(table, "breakdown_key"), expression=lit("")))
    elif breakdown == "part":
        conditions.append(exp.NEQ(this=col(table, "breakdown_key"), expression=lit("")))
    elif isinstance(breakdown, dict):
        key = ",".join(f"{k}={v}" for k, v in sorted(breakdown.items()))
        conditions.append(exp.EQ(this=col(table, "breakdown_key"), expression=lit(key)))
    if binding.period is not None and binding.period.kind == "literal":
        period = Period.parse(binding.period.literal or "")
        conditions.append(exp.EQ(this=col(table, "period_start"), expression=lit(period.start)))
        conditions.append(exp.EQ(this=col(table, "period_end"), expression=lit(period.end)))
    if binding.printed is not None:
        conditions.append(exp.EQ(this=col(table, "printed"), expression=lit(binding.printed)))
    if binding.unit is not None:
        conditions.append(exp.EQ(this=col(table, "unit"), expression=lit(binding.unit)))
    return conditions


def _binding_conditions(binding: Binding, rule: Rule) -> list[exp.Expression]:
    """Conditions in the join's WHERE; a group's own filters live in its CTE, its relations here."""
    me = binding.name
    conditions = [] if binding.is_group else _own_conditions(binding, me)
    if binding.measure_of is not None:
        conditions.append(exp.EQ(this=col(me, "measure"), expression=col(binding.measure_of, "measure")))
    if isinstance(binding.subject, SameAs):
        conditions.append(exp.EQ(this=col(me, "subject"), expression=col(binding.subject.other, "subject")))
    if isinstance(binding.breakdown, SameAs):
        conditions.append(exp.EQ(this=col(me, "breakdown_key"), expression=col(binding.breakdown.other, "breakdown_key")))
    if binding.period is not None and binding.period.kind != "literal":
        conditions.append(_period_condition(binding, binding.period.kind, binding.period.other or ""))
    if binding.base_period is not None:
        other = binding.base_period.other
        for column in ("compared_start", "compared_end"):
            conditions.append(exp.NullSafeEQ(this=col(me, column), expression=col(other, column)))
    if isinstance(binding.source, SameAs):
        conditions.append(exp.EQ(this=col(me, "source"), expression=col(binding.source.other, "source")))
    elif isinstance(binding.source, OtherThan):
        conditions.append(exp.NEQ(this=col(me, "source"), expression=col(binding.source.other, "source")))
    if binding.pair_after is not None:
        conditions.append(exp.GT(this=col(me, "id"), expression=col(binding.pair_after, "id")))
    if not binding.is_group:
        conditions += _distinct_from_earlier(binding, rule)
    return conditions


def _distinct_from_earlier(binding: Binding, rule: Rule) -> list[exp.Expression]:
    """Two names never hold the same claim: a figure cannot contradict itself."""
    conditions = []
    for earlier in rule.bindings:
        if earlier.name == binding.name:
            break
        if not earlier.is_group:
            conditions.append(exp.NEQ(this=col(binding.name, "id"), expression=col(earlier.name, "id")))
    return conditions


def _period_condition(binding: Binding, kind: str, other: str) -> exp.Expression:
    me = binding.name
    start, end = col(me, "period_start"), col(me, "period_end")
    if kind == "base_of":
        need_start, need_end = col(other, "compared_start"), col(other, "compared_end")
    else:
        need_start, need_end = col(other, "period_start"), col(other, "period_end")
    equal = exp.and_(exp.EQ(this=start, expression=need_start), exp.EQ(this=end, expression=need_end))
    if kind in ("same", "base_of"):
        if not binding.stand_in_months:
            return equal
        # A figure for a slightly longer period containing the needed one may stand in;
        # the evidence then carries a note saying which months it adds.
        extra = arith("-", arith("-", end, start), arith("-", need_end, need_start))
        return exp.and_(
            exp.LTE(this=start, expression=need_start),
            exp.GTE(this=end, expression=need_end),
            exp.LTE(this=extra, expression=lit(binding.stand_in_months)),
        )
    inside = exp.and_(exp.GTE(this=start, expression=need_start), exp.LTE(this=end, expression=need_end))
    around = exp.and_(exp.LTE(this=start, expression=need_start), exp.GTE(this=end, expression=need_end))
    relation = inside if kind.endswith("within") else around
    if kind.startswith("strictly"):
        return exp.and_(relation, exp.Not(this=exp.paren(equal)))
    return relation


def _unit_condition(rule: Rule) -> exp.Expression:
    """Only claims whose units make the check add like with like (see loader.valid_unit_combinations)."""
    combinations = valid_unit_combinations(rule.bindings, rule.check)
    options = []
    for assignment in combinations:
        terms = []
        for name, unit in sorted(assignment.items()):
            terms.append(exp.Is(this=col(name, "unit"), expression=exp.null()) if unit == "text" else exp.EQ(this=col(name, "unit"), expression=lit(unit)))
        options.append(_and(terms))
    return exp.paren(exp.or_(*options)) if len(options) > 1 else (options[0] if options else exp.false())


def _group_cte(group: Binding, rule: Rule) -> exp.Select:
    keys = [c for key in group.group for c in _GROUP_KEY_COLUMNS[key]] + ["unit"]
    table = "member"
    member = lambda name: col(table, name)  # noqa: E731 - reads better than a def for one line
    scale = member("scale")
    projections = [exp.alias_(member(k), k, quoted=True) for k in keys] + [
        exp.alias_(exp.Sum(this=arith("*", member("lo"), scale)), "lo", quoted=True),
        exp.alias_(exp.Sum(this=arith("*", member("hi"), scale)), "hi", quoted=True),
        exp.alias_(exp.Max(this=scale), "scale", quoted=True),
        exp.alias_(exp.ArrayAgg(this=exp.Order(this=member("id"), expressions=[exp.Ordered(this=member("id"))])), "ids", quoted=True),
    ]
    cte = exp.select(*projections, copy=False).from_(exp.alias_(exp.to_table(CLAIMS, quoted=True), table, table=True, quoted=True), copy=False)
    cte = cte.where(_and(_own_conditions(group, table)), copy=False)
    cte = cte.group_by(*[member(k) for k in keys], copy=False)
    # A sum over one figure checks nothing: a group needs two members.
    return cte.having(exp.GTE(this=exp.Count(this=exp.Star()), expression=lit(2)), copy=False)
