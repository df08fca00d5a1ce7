"""A small reference evaluator in plain Python: the same rule semantics, without SQL.

It is deliberately naive (nested loops over claims) and shares nothing with the
plan, the SQL or the in-process executor but the rule AST and ``Interval``: it
reads the bindings' fields itself, keeps its own tolerance and its own table of
which units add up.  Tests run it beside both executors on generated stores and
demand the same verdicts.  Nothing in production calls it: an oracle that
production also used could not catch production's mistakes.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from service.intervals import DivisionBySpanningZero, Interval, gap
from service.periods import Period
from service.rules.model import (
    Arith,
    Binding,
    Comparison,
    Compound,
    Expr,
    Literally,
    Negate,
    Number,
    OtherThan,
    Power,
    Ref,
    Rule,
    SameAs,
    Total,
    Years,
    leaves,
)
from service.units import base_factor

Row = Mapping[str, Any]  # a row of the claims table, by column name
# A gap below this fraction of the figures is float noise, not a contradiction (the
# executors use the same figure; it is restated here, not imported, on purpose).
TOLERANCE = 1e-9


@dataclass(frozen=True)
class Outcome:
    status: str
    margin: float  # in base magnitudes (a fraction for percent); 0 unless contradicted
    left: Interval | None
    right: Interval | None


def value_of(row: Row) -> Interval:
    """A claim's interval in base magnitudes, as the check computes with it."""
    return Interval(row["lo"], row["hi"]).scaled(row["scale"])


class _NoValue(ArithmeticError):
    """A power with no real value or no bound (a negative base under a root, 1 / 0 ** 2)."""


def evaluate_expr(expr: Expr, values: Mapping[str, Interval], years: Mapping[str, int] | None = None) -> Interval:
    match expr:
        case Number(value=value, unit=unit):
            return Interval.point(value * base_factor(unit))
        case Ref(name=name) | Total(name=name):
            return values[name]
        case Compound(name=name):
            value = values[f"compound({name})"]
            if value is None:  # some 1 + g can be 0 or less: the product has no bound
                raise _NoValue
            return value
        case Years(name=name):
            return Interval.point(float((years or {})[name]))
        case Negate(operand=operand):
            return -evaluate_expr(operand, values, years)
        case Power(base=base, exponent=exponent):
            return _power(evaluate_expr(base, values, years), evaluate_expr(exponent, values, years))
        case Arith(op=op, left=left, right=right):
            a, b = evaluate_expr(left, values, years), evaluate_expr(right, values, years)
            return a + b if op == "+" else a - b if op == "-" else a * b if op == "*" else a / b
    raise TypeError(expr)


def _power(base: Interval, exponent: Interval) -> Interval:
    """Every ``x ** y`` over the two intervals: extremes at the ends, plus 0 for an even power across 0.

    Written apart from ``Interval.__pow__``: a whole exponent with Python's integer
    power, any other through ``exp(y log x)``, and no outward rounding (the
    tolerance absorbs a float's noise).
    """
    n = exponent.lo
    if exponent.lo == exponent.hi and math.isfinite(n) and n == math.floor(n):
        if n < 0 and base.lo <= 0 <= base.hi:
            raise _NoValue
        ends = [_whole_power(x, int(n)) for x in (base.lo, base.hi)]
        if n > 0 and n % 2 == 0 and base.lo < 0 < base.hi:
            ends.append(0.0)
        return Interval(min(ends), max(ends))
    if base.lo <= 0:
        raise _NoValue
    corners = [_real_power(x, y) for x in (base.lo, base.hi) for y in (exponent.lo, exponent.hi)]
    return Interval(min(corners), max(corners))


def _whole_power(x: float, n: int) -> float:
    if n == 0:
        return 1.0
    try:
        return x**n
    except OverflowError:
        return -math.inf if x < 0 and n % 2 else math.inf
    except ZeroDivisionError:  # an infinite end's negative power was handled above; 0 ** -n has no bound
        raise _NoValue from None


def _real_power(x: float, y: float) -> float:
    if y == 0 or x == 1:
        return 1.0
    exponent = y * math.log(x)
    if math.isnan(exponent):
        return 1.0
    try:
        return math.exp(exponent)
    except OverflowError:
        return math.inf


def span_years(row: Row) -> int:
    """How many years an average growth's span compounds over: its last year minus its first."""
    return row["period_end"] // 12 - row["period_start"] // 12


def evaluate_check(check: Comparison, values: Mapping[str, Interval], years: Mapping[str, int] | None = None) -> Outcome:
    """Consistent when some values inside the intervals satisfy the check; else the gap."""
    try:
        left, right = evaluate_expr(check.left, values, years), evaluate_expr(check.right, values, years)
    except (DivisionBySpanningZero, _NoValue):
        return Outcome("unverifiable", 0.0, None, None)
    if check.op == "==":
        distance = gap(left, right)
    elif check.op in ("<=", "<"):
        distance = left.lo - right.hi  # the least left minus the greatest right
    else:
        distance = right.lo - left.hi
    if math.isnan(distance):
        return Outcome("unverifiable", 0.0, left, right)
    noise = TOLERANCE * max((abs(v) for v in (left.lo, left.hi, right.lo, right.hi) if math.isfinite(v)), default=0.0)
    if check.op in ("<", ">"):
        # Strict: sides that can at best touch (within float noise) cannot satisfy it.
        holds = distance < -noise
    else:
        holds = distance <= noise
    if holds:
        return Outcome("consistent", 0.0, left, right)
    return Outcome("contradicted", max(distance, 0.0), left, right)


# --- binding, in plain Python -----------------------------------------------------


def bindings_of(rule: Rule, rows: list[Row]) -> Iterator[dict[str, Any]]:
    """Every assignment of claims (rows, or lists of rows for a group) to the rule's names."""
    if rule.group_binding is not None and rule.group_binding.each_year_of is not None:
        yield from _series_bindings(rule, rows)
        return
    groups = _groups(rule.group_binding, rows) if rule.group_binding else [None]
    scalar = [b for b in rule.bindings if not b.is_group]
    for group in groups:
        start: dict[str, Any] = {} if group is None else {rule.group_binding.name: group}  # type: ignore[union-attr]
        for assignment in _extend(scalar, rows, start):
            if group is not None and not _group_relations_hold(rule.group_binding, group, assignment):  # type: ignore[arg-type]
                continue
            if _units_agree(assignment, rule):
                yield assignment


def _series_bindings(rule: Rule, rows: list[Row]) -> Iterator[dict[str, Any]]:
    """The scalars first; then, for the span's claim, every complete series of yearly growths."""
    series = rule.group_binding
    assert series is not None and series.each_year_of is not None
    scalar = [b for b in rule.bindings if not b.is_group]
    for assignment in _extend(scalar, rows, {}):
        span = assignment[series.each_year_of]
        members = [row for row in rows if _own_match(series, row) and _in_series(series, row, span, assignment)]
        for group in _groups(series, members, least=1):
            # a year printed twice is one quantity: the series is complete with it
            first_year, last_year = span["period_start"] // 12, span["period_end"] // 12
            years = [rows[0]["period_start"] for rows in quantities(group)]
            if len(years) != last_year - first_year or len(set(years)) != len(years):
                continue
            if not _group_relations_hold(series, group, assignment):
                continue
            candidate = {**assignment, series.name: group}
            if _units_agree(candidate, rule):
                yield candidate


def _in_series(series: Binding, row: Row, span: Row, assignment: dict[str, Any]) -> bool:
    """A calendar year after the span's first and up to its last, compared with the year before, related to the span."""
    year = row["period_start"] // 12
    if (row["period_start"], row["period_end"]) != (year * 12, year * 12 + 11):
        return False
    if not span["period_start"] // 12 < year <= span["period_end"] // 12:
        return False
    if (row["compared_start"], row["compared_end"]) != (row["period_start"] - 12, row["period_end"] - 12):
        return False
    return _relations_hold(series, row, assignment, distinct=False)


def _group_relations_hold(binding: Binding, group: list[Row], assignment: dict[str, Any]) -> bool:
    """A group's relations name only its group keys, which every member shares: any member stands for it."""
    others = {name: value for name, value in assignment.items() if name != binding.name}
    return _relations_hold(binding, group[0], others, distinct=False)


def _extend(bindings: list[Binding], rows: list[Row], assignment: dict[str, Any]) -> Iterator[dict[str, Any]]:
    if not bindings:
        yield dict(assignment)
        return
    binding, rest = bindings[0], bindings[1:]
    for row in rows:
        if _own_match(binding, row) and _relations_hold(binding, row, assignment):
            assignment[binding.name] = row
            yield from _extend(rest, rows, assignment)
            del assignment[binding.name]


def _own_match(binding: Binding, row: Row) -> bool:
    if binding.measures and row["measure"] not in binding.measures:
        return False
    if isinstance(binding.subject, Literally) and row["subject"] != binding.subject.value:
        return False
    breakdown = binding.breakdown
    if breakdown == "total" and row["breakdown_key"] != "":
        return False
    if breakdown == "member" and row["breakdown_key"] == "":
        return False
    if isinstance(breakdown, dict) and row["breakdown_key"] != ",".join(f"{k}={v}" for k, v in sorted(breakdown.items())):
        return False
    if binding.period is not None and binding.period.kind == "literal":
        period = Period.parse(binding.period.literal or "")
        if (row["period_start"], row["period_end"]) != (period.start, period.end):
            return False
    if binding.printed is not None and row["printed"] != binding.printed:
        return False
    return binding.unit is None or row["unit"] == binding.unit


def _relations_hold(binding: Binding, row: Row, assigned: dict[str, Any], distinct: bool = True) -> bool:
    if distinct and any(isinstance(other, Mapping) and other["id"] == row["id"] for other in assigned.values()):
        return False
    # Other bindings relate to a group only by subject, period or source, which
    # are among its group keys and so shared by every member: any member stands for it.
    bound = {name: value[0] if isinstance(value, list) else value for name, value in assigned.items()}
    checks = []
    if binding.measure_of:
        checks.append(row["measure"] == bound[binding.measure_of]["measure"])
    if isinstance(binding.subject, SameAs):
        checks.append(row["subject"] == bound[binding.subject.other]["subject"])
    if isinstance(binding.breakdown, SameAs):
        checks.append(row["breakdown_key"] == bound[binding.breakdown.other]["breakdown_key"])
    if binding.period is not None and binding.period.kind != "literal":
        checks.append(_period_holds(binding, row, bound[binding.period.other or ""]))
    if binding.compared_to is not None:
        other = bound[binding.compared_to.other]
        checks.append((row["compared_start"], row["compared_end"]) == (other["compared_start"], other["compared_end"]))
    if isinstance(binding.source, SameAs):
        checks.append(row["source"] == bound[binding.source.other]["source"])
    if isinstance(binding.source, OtherThan):
        checks.append(row["source"] != bound[binding.source.other]["source"])
    if binding.pair_after:
        checks.append(row["id"] > bound[binding.pair_after]["id"])
    return all(checks)


def _period_holds(binding: Binding, row: Row, other: Row) -> bool:
    kind = binding.period.kind  # type: ignore[union-attr]
    start, end = row["period_start"], row["period_end"]
    if kind in ("start_of", "end_of"):
        year = (other["period_start"] if kind == "start_of" else other["period_end"]) // 12
        return (start, end) == (year * 12, year * 12 + 11)
    if kind == "base_of":
        need = (other["compared_start"], other["compared_end"])
    else:
        need = (other["period_start"], other["period_end"])
    if need[0] is None:
        return False
    if kind in ("same", "base_of"):
        if binding.stand_in_months:
            extra = (end - start) - (need[1] - need[0])
            return start <= need[0] and end >= need[1] and extra <= binding.stand_in_months
        return (start, end) == need
    inside = start >= need[0] and end <= need[1]
    around = start <= need[0] and end >= need[1]
    holds = inside if kind.endswith("within") else around
    return holds and (not kind.startswith("strictly") or (start, end) != need)


_GROUP_COLUMNS = {"source": ("source",), "subject": ("subject",), "period": ("period_start", "period_end"), "breakdown_by": ("breakdown_dims",), "measure": ("measure",)}


def _groups(binding: Binding, rows: list[Row], least: int = 2) -> list[list[Row]]:
    """Members by group keys, sorted by id; a group needs ``least`` quantities, however often each is printed."""
    members = [row for row in rows if _own_match(binding, row)]
    columns = [c for key in binding.group for c in _GROUP_COLUMNS[key]] + ["unit"]
    key = lambda row: tuple(row[c] for c in columns)  # noqa: E731
    grouped = [list(g) for _, g in itertools.groupby(sorted(members, key=lambda r: (key(r), r["id"])), key=key)]
    return [g for g in grouped if len(quantities(g)) >= least]


# One quantity, however many figures print it: the same measure of the same thing over
# the same months against the same base (restated here, not imported from the plan).
_QUANTITY = ("measure", "subject", "breakdown_key", "period_start", "period_end", "compared_start", "compared_end")


def quantities(group: list[Row]) -> list[list[Row]]:
    """A group's members by the quantity they print, each list in id order, ordered by first id."""
    found: dict[tuple[Any, ...], list[Row]] = {}
    for row in sorted(group, key=lambda r: r["id"]):
        found.setdefault(tuple(row[c] for c in _QUANTITY), []).append(row)
    return list(found.values())


def hull(rows: list[Row]) -> Interval:
    """What figures of one quantity allow together: the true value lies in the hull when any of them is true."""
    values = [value_of(row) for row in rows]
    return Interval(min(v.lo for v in values), max(v.hi for v in values))


# Which units a check may add or compare, restated here rather than taken from the
# loader's pint-based typing: money with money, a ratio (percent, points) with a
# ratio, a count with a count; a plain number goes with anything, and a quotient
# of two like things is a plain number.
_KIND = {"MAD": "money", "percent": "ratio", "points": "ratio", "count": "count"}


def _units_agree(assignment: dict[str, Any], rule: Rule) -> bool:
    def unit(name: str) -> str | None:
        bound = assignment[name]
        return (bound[0] if isinstance(bound, list) else bound)["unit"]

    check = rule.check
    if any(unit(leaf.name) is None for leaf in _named_leaves(check)):
        # categories: compared only as "a == b" between two of them
        return all(unit(leaf.name) is None for leaf in _named_leaves(check))
    try:
        return _same_kind(_kind_of(check.left, unit), _kind_of(check.right, unit)) is not None
    except _Mismatch:
        return False


class _Mismatch(Exception):
    pass


def _named_leaves(expr: Any) -> list[Ref | Total | Compound]:
    """The leaves that name a binding (``model.leaves`` walks the tree; which figures it names is all this needs)."""
    return [leaf for leaf in leaves(expr) if isinstance(leaf, (Ref, Total, Compound))]


def _kind_of(expr: Expr, unit: Any) -> str:
    match expr:
        case Number(unit=u):
            return "number" if u == "count" else _KIND[u]
        case Ref(name=name) | Total(name=name):
            return _KIND[unit(name)]
        case Compound(name=name):
            if _KIND[unit(name)] != "ratio":
                raise _Mismatch
            return "ratio"
        case Years():
            return "number"
        case Power(base=base, exponent=exponent):
            # a ratio or a plain number to the power of a plain number or a count
            kind = _kind_of(base, unit)
            if kind not in ("ratio", "number") or _kind_of(exponent, unit) not in ("number", "count"):
                raise _Mismatch
            return kind
        case Negate(operand=operand):
            return _kind_of(operand, unit)
        case Arith(op=op, left=left, right=right):
            a, b = _kind_of(left, unit), _kind_of(right, unit)
            if op in "+-":
                kind = _same_kind(a, b)
                if kind is None:
                    raise _Mismatch
                return kind
            if op == "*":
                return next((k for k in ("money", "count", "ratio") if k in (a, b)), "number")
            return "number" if a == b or a == "number" else a
    raise TypeError(expr)


def _same_kind(a: str, b: str) -> str | None:
    if a == b or b == "number":
        return a
    return b if a == "number" else None


def values_of(assignment: Mapping[str, Any]) -> dict[str, Interval]:
    """The intervals the check computes with: a group's is the sum of its quantities' hulls."""
    values: dict[str, Any] = {}
    for name, bound in assignment.items():
        if isinstance(bound, list):
            terms = [hull(rows) for rows in quantities(bound)]
            total = Interval(0.0, 0.0)
            for term in terms:
                total = total + term
            values[name] = total
            values[f"compound({name})"] = _compound(terms)
        elif bound["unit"] is not None:
            values[name] = value_of(bound)
    return values


def _compound(growths: list[Interval]) -> Interval | None:
    """``prod(1 + g) - 1`` over the quantities, or None when some ``1 + g`` can be 0 or negative."""
    if any(1.0 + g.lo <= 0 for g in growths):
        return None
    return Interval(math.prod(1.0 + g.lo for g in growths) - 1.0, math.prod(1.0 + g.hi for g in growths) - 1.0)


def reference_verdicts(rule: Rule, rows: list[Row]) -> dict[tuple[tuple[str, str], ...], tuple[str, float]]:
    """{binding key: (status, margin in base magnitudes)} for every assignment: what SQL must match."""
    results = {}
    for assignment in bindings_of(rule, rows):
        key = tuple(sorted((name, _ids(bound)) for name, bound in assignment.items()))
        if any(isinstance(b, Mapping) and b["unit"] is None for b in assignment.values()):
            left, right = assignment[rule.check.left.name], assignment[rule.check.right.name]  # type: ignore[union-attr]
            status = "consistent" if left["text_key"] == right["text_key"] else "contradicted"
            results[key] = (status, 0.0)
            continue
        years = {name: span_years(bound) for name, bound in assignment.items() if isinstance(bound, Mapping)}
        values = values_of(assignment)
        longer = _stood_in(rule, assignment)
        for name in longer:
            values[name] = _what_a_longer_period_proves(assignment[name], values[name])
        outcome = evaluate_check(rule.check, values, years)
        status = outcome.status
        if status == "consistent" and any(_unlike_the_rest(rule, name, assignment, values_of(assignment)[name], outcome) for name in longer):
            status = "implausible"
        elif status == "contradicted" and _a_revision(rule, assignment, rows, longer, years):
            status = "revised"
        results[key] = (status, outcome.margin)
    return results


# --- a revision: the words, read again ------------------------------------------
# "A verdict that is contradicted as printed, and whose contradiction rests on two figures
# of one quantity (subject, breakdown, measure, period, base) that one origin printed in two
# releases, is revised: the pair itself, or a chain that holds when each such quantity is
# read from one release of that origin.  It never hides a contradiction among figures of
# one release, or between two origins."  Written here from those words, not from plan.py.


def _a_revision(rule: Rule, assignment: Mapping[str, Any], rows: list[Row], longer: list[str], years: Mapping[str, int]) -> bool:
    claims = list(assignment.values())
    if any(not isinstance(claim, Mapping) for claim in claims):
        return False  # a sum or a series reads many figures at once: never revised
    origins = {claim["origin"] for claim in claims}
    releases = {claim["released"] for claim in claims}
    if len(origins) != 1 or None in origins or None in releases or len(releases) < 2:
        return False  # two origins, a claim that is its own origin, or one release: a contradiction stays one
    origin, latest = origins.pop(), max(releases)
    values: dict[str, Interval] = {}
    for name, claim in assignment.items():
        printed_there = [value_of(row) for row in rows if _same_quantity(row, claim) and row["origin"] == origin and row["released"] == latest]
        if not printed_there or max(v.lo for v in printed_there) > min(v.hi for v in printed_there):
            return False  # the latest release does not print this quantity, or prints it twice, differently
        values[name] = Interval(min(v.lo for v in printed_there), max(v.hi for v in printed_there))
    for name in longer:
        values[name] = _what_a_longer_period_proves(assignment[name], values[name])
    return evaluate_check(rule.check, values, years).status == "consistent"


def _same_quantity(row: Row, claim: Row) -> bool:
    columns = ("subject", "breakdown_key", "measure", "period_start", "period_end", "compared_start", "compared_end", "unit")
    return row.get("withdrawn_at") is None and all(row[c] == claim[c] for c in columns)


# --- a longer period standing in for the one the check needs ---------------------------
# Written again here, from the words rather than from plan.StandIn, so that the
# executors are checked against an independent reading.

_MONTH_BAND, _SHARE_POINTS = (0.25, 4.0), 15.0


def _needed(binding: Binding, other: Row) -> tuple[int, int]:
    if binding.period is not None and binding.period.kind == "base_of":
        return other["compared_start"], other["compared_end"]
    return other["period_start"], other["period_end"]


def _stood_in(rule: Rule, assignment: Mapping[str, Any]) -> list[str]:
    """The bindings whose claim is for a longer period than the one the check needs."""
    found = []
    for binding in rule.bindings:
        if not binding.stand_in_months or binding.period is None or binding.period.kind not in ("same", "base_of"):
            continue
        row, (start, end) = assignment[binding.name], _needed(binding, assignment[binding.period.other or ""])
        if row["period_end"] - row["period_start"] > end - start:
            found.append(binding.name)
    return found


def _what_a_longer_period_proves(row: Row, printed: Interval) -> Interval:
    if row["measure"] in ("level", "count"):
        return Interval(0.0, printed.hi)  # a flow over fewer months is no larger, and not negative
    if row["measure"] == "share":
        return Interval(0.0, 1.0)  # any share of the needed months mixes into the longer period's
    return Interval(-math.inf, math.inf)


def _unlike_the_rest(rule: Rule, name: str, assignment: Mapping[str, Any], printed: Interval, outcome: Outcome) -> bool:
    """The months the longer period adds would have to be unlike the rest for the figures to hold."""
    check = rule.check
    if check.op != "==" or outcome.left is None or outcome.right is None:
        return False
    if isinstance(check.right, Ref) and check.right.name == name:
        implied = outcome.left
    elif isinstance(check.left, Ref) and check.left.name == name:
        implied = outcome.right
    else:
        return False
    binding = rule.binding(name)
    row = assignment[name]
    start, end = _needed(binding, assignment[binding.period.other or ""])  # type: ignore[union-attr]
    months, needed = row["period_end"] - row["period_start"] + 1, end - start + 1
    band = rule.plausible
    if row["measure"] in ("level", "count"):
        low, high = band.month_ratio if band and band.month_ratio else _MONTH_BAND
        per_month = (max(printed.lo - implied.hi, 0.0) / (months - needed), (printed.hi - implied.lo) / (months - needed))
        return per_month[1] < low * (printed.lo / months) or per_month[0] > high * (printed.hi / months)
    if row["measure"] == "share":
        points = (band.share_points if band and band.share_points else _SHARE_POINTS) / 100
        weight = float(needed) / months
        share = ((printed.lo - weight * implied.hi) / (1.0 - weight), (printed.hi - weight * implied.lo) / (1.0 - weight))
        return share[1] < max(implied.lo - points, 0.0) or share[0] > min(implied.hi + points, 1.0)
    return False


def _ids(bound: Any) -> str:
    return ",".join(r["id"] for r in bound) if isinstance(bound, list) else bound["id"]
