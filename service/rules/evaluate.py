"""Run compiled rules on DuckDB and turn each result row into a verdict with its evidence.

SQL decides which claims bind, the status and the margin.  Python then writes
what a reporter reads: the figures used (source, quote, interval), the check
with the numbers substituted, and a note for every period that had to stand in
for another.
"""

from __future__ import annotations

import hashlib
import math
from functools import lru_cache
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import duckdb
import msgspec

from service.claims import Claim, base_interval
from service.intervals import DivisionBySpanningZero, Interval
from service.periods import Period
from service.rules.compiler import ANCHOR, CompiledRule, compile_rule
from service.rules.expressions import render
from service.rules.loader import kind_of
from service.rules.model import Arith, Binding, Comparison, Expr, Literally, Negate, Number, Ref, Rule, Total
from service.rules.reference import evaluate_check, evaluate_expr
from service.units import base_factor
from service.verdicts import Evidence, Verdict

ClaimFetcher = Callable[[Iterable[str]], dict[str, Claim]]
_STATUS_ORDER = {"contradicted": 0, "unverifiable": 1, "consistent": 2}


class RuleEngine:
    """Compiled rules, ready to run over a whole store or anchored on one claim."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        self.rules = list(rules)
        self.compiled = [compiled_rule(rule) for rule in rules]

    def verdicts(self, connection: duckdb.DuckDBPyConnection, fetch: ClaimFetcher, anchor: str | None = None) -> list[Verdict]:
        """Every verdict over the store, or only those the ``anchor`` claim takes part in."""
        compiled_rules = self.compiled
        if anchor is not None and (anchored := fetch([anchor]).get(anchor)) is not None:
            # Planning a rule's anchored SQL costs tens of milliseconds: skip the rules
            # no binding of which could take this claim (a bank name never binds a growth rule).
            compiled_rules = [c for c in compiled_rules if could_bind(c.rule, anchored)]
        results = [(compiled, row) for compiled in compiled_rules for row in _rows(connection, compiled, anchor)]
        claims = fetch({claim_id for compiled, row in results for claim_id in _bound_ids(compiled, row)})
        verdicts: dict[str, Verdict] = {}
        for compiled, row in results:
            verdict = build_verdict(compiled, row, claims)
            verdicts.setdefault(verdict.id, verdict)
        rule_order = {rule.id: index for index, rule in enumerate(self.rules)}
        return sorted(verdicts.values(), key=lambda v: (_STATUS_ORDER[v.status], rule_order[v.rule], v.id))


def could_bind(rule: Rule, claim: Claim) -> bool:
    """Whether some binding's own filters accept the claim (relations aside): a cheap pre-check."""
    return any(_binding_accepts(rule, binding, claim) for binding in rule.bindings)


def _binding_accepts(rule: Rule, binding: Binding, claim: Claim) -> bool:
    root = binding
    while root.measure_of is not None:
        root = rule.binding(root.measure_of)
    unit = claim.interval.unit if claim.interval is not None else None
    breakdown = binding.breakdown
    return (
        claim.measure in root.measures
        and (not isinstance(binding.subject, Literally) or binding.subject.value == claim.subject)
        and (breakdown != "total" or not claim.breakdown)
        and (breakdown != "part" or bool(claim.breakdown))
        and (not isinstance(breakdown, dict) or breakdown == claim.breakdown)
        and (binding.printed is None or binding.printed == claim.printed)
        and (binding.unit is None or binding.unit == unit)
    )


_COMPILED: dict[bytes, CompiledRule] = {}


def compiled_rule(rule: Rule) -> CompiledRule:
    """Compile a rule once per process: a reload recompiles only what changed.

    Compiling and printing the SQL of the shipped rules takes about a second
    (sqlglot copies trees); requests must never pay it.
    """
    key = msgspec.json.encode(rule)
    if key not in _COMPILED:
        compiled = compile_rule(rule)
        compiled.sql()
        compiled.sql(anchored=True)
        _COMPILED[key] = compiled
    return _COMPILED[key]


def _rows(connection: duckdb.DuckDBPyConnection, compiled: CompiledRule, anchor: str | None) -> list[dict[str, Any]]:
    if anchor is None:
        cursor = connection.execute(compiled.sql())
    else:
        cursor = connection.execute(compiled.sql(anchored=True), {ANCHOR: anchor})
    names = [description[0] for description in cursor.description]
    return [dict(zip(names, values)) for values in cursor.fetchall()]


def _bound_ids(compiled: CompiledRule, row: dict[str, Any]) -> list[str]:
    ids: list[str] = []
    for column in compiled.id_columns.values():
        value = row[column]
        ids.extend(value if isinstance(value, list) else [value])
    return ids


def build_verdict(compiled: CompiledRule, row: dict[str, Any], claims: dict[str, Claim]) -> Verdict:
    rule = compiled.rule
    bound: dict[str, list[Claim]] = {}
    for name, column in compiled.id_columns.items():
        value = row[column]
        bound[name] = [claims[i] for i in (value if isinstance(value, list) else [value])]
    evidence = [_evidence(name, claim) for binding in rule.bindings for name in [binding.name] for claim in bound[name]]
    margin = row["_margin"]
    unit = row["_margin_unit"]
    return Verdict(
        id=verdict_id(rule.id, bound),
        rule=rule.id,
        title=rule.title,
        status=row["_status"],
        claims=evidence,
        computation=computation(rule, bound, row["_status"], margin, unit),
        margin=None if margin is None else _clean(margin),
        margin_unit=unit,
        notes=_notes(rule, bound, row["_status"]),
    )


def verdict_id(rule_id: str, bound: dict[str, list[Claim]]) -> str:
    """The same rule over the same claims in the same roles gives the same id: a desk can link to it."""
    key = rule_id + "|" + ";".join(f"{name}={','.join(sorted(c.id for c in claims))}" for name, claims in sorted(bound.items()))
    return "v-" + hashlib.sha256(key.encode()).hexdigest()[:16]


def _evidence(role: str, claim: Claim) -> Evidence:
    return Evidence(
        role=role,
        id=claim.id,
        source=claim.source,
        quote=claim.quote,
        interval=claim.interval,
        figure=claim.figure,
        subject=claim.subject,
        breakdown=claim.breakdown,
        measure=claim.measure,
        period=claim.period,
        text=claim.text,
    )


# --- the computation, as a reporter reads it ------------------------------------------


def _values(bound: dict[str, list[Claim]]) -> dict[str, Interval]:
    values = {}
    for name, claims in bound.items():
        if all(claim.interval is not None for claim in claims):
            total = base_interval(claims[0].interval)  # type: ignore[arg-type]
            for claim in claims[1:]:
                total = total + base_interval(claim.interval)  # type: ignore[arg-type]
            values[name] = total
    return values


def computation(rule: Rule, bound: dict[str, list[Claim]], status: str, margin: float | None, margin_unit: str | None) -> str:
    check = rule.check
    if margin_unit is None:  # a category check
        left, right = (bound[side.name][0] for side in (check.left, check.right))  # type: ignore[union-attr]
        relation = "the same" if status == "consistent" else "different"
        return f"{render(check)}: {left.text!r} vs {right.text!r}: {relation}"
    values = _values(bound)
    units = {name: claims[0].interval.unit for name, claims in bound.items() if claims[0].interval is not None}  # type: ignore[union-attr]
    shown_kind = _display_kind(check, tuple(sorted(units.items())))
    sides = []
    for side in (check.left, check.right):
        text = _substituted(side, bound, values)
        if not isinstance(side, (Ref, Number)):
            try:
                text += " = " + format_interval(evaluate_expr(side, values), shown_kind)
            except DivisionBySpanningZero:
                text += " = undefined (a divisor can be zero)"
        sides.append(text)
    outcome = evaluate_check(check, values) if status != "unverifiable" else None
    if status == "unverifiable" or outcome is None:
        conclusion = "cannot be computed: a divisor spans zero"
    elif status == "consistent":
        conclusion = "can hold"
    else:
        conclusion = f"cannot hold: off by {format_number((margin or 0.0) * base_factor(margin_unit), margin_unit)}"
    return f"{render(check)}: {sides[0]} {check.op} {sides[1]}; {conclusion}"


@lru_cache(maxsize=4096)
def _display_kind(check: Comparison, units: tuple[tuple[str, str], ...]) -> str:
    """money, ratio or count: how to show each side (pint work, so once per rule and units)."""
    kinds = {kind_of(side, dict(units)) for side in (check.left, check.right)} - {"number"}
    return next(iter(kinds), "number")


def _substituted(expr: Expr, bound: dict[str, list[Claim]], values: dict[str, Interval]) -> str:
    match expr:
        case Ref(name=name):
            claim = bound[name][0]
            return format_interval(values[name], claim.interval.unit) if claim.interval else repr(claim.text)  # type: ignore[union-attr]
        case Total(name=name):
            parts = [format_interval(base_interval(c.interval), c.interval.unit) for c in bound[name]]  # type: ignore[arg-type]
            return "(" + " + ".join(parts) + ")"
        case Number():
            return render(expr)
        case Negate(operand=operand):
            return f"-({_substituted(operand, bound, values)})"
        case Arith(op=op, left=left, right=right):
            inner = [_substituted(side, bound, values) for side in (left, right)]
            wrapped = [f"({text})" if isinstance(side, Arith) else text for side, text in zip((left, right), inner)]
            return f"{wrapped[0]} {op} {wrapped[1]}"
    raise TypeError(expr)


def format_interval(interval: Interval, unit_or_kind: str) -> str:
    """``1.135 bn to 1.145 bn``, ``12.5 % to 13.5 %``, ``at least 46.5 %``."""
    lo, hi = (format_number(v, unit_or_kind) for v in (interval.lo, interval.hi))
    if math.isinf(interval.lo) and math.isinf(interval.hi):
        return "any value"
    if math.isinf(interval.hi):
        return f"at least {lo}"
    if math.isinf(interval.lo):
        return f"at most {hi}"
    return lo if lo == hi else f"{lo} to {hi}"


def format_number(base_value: float, unit_or_kind: str) -> str:
    """A base magnitude as a reporter writes it, in the unit (or kind) given."""
    unit = {"money": "MAD", "ratio": "percent"}.get(unit_or_kind, unit_or_kind)
    if unit == "MAD":
        magnitude = abs(base_value)
        if magnitude == 0:
            return "0"
        if magnitude >= 1e8:
            return f"{base_value / 1e9:.3f} bn"
        if magnitude >= 1e5:
            return f"{base_value / 1e6:.1f} M"
        return f"{base_value:,.0f} MAD"
    if unit in ("percent", "points"):
        number = _significant(base_value / base_factor(unit))
        return f"{number} %" if unit == "percent" else f"{number} points"
    return _significant(base_value)


def _significant(value: float, digits: int = 4) -> str:
    if value == 0 or not math.isfinite(value):
        return f"{value:g}"
    decimals = max(0, digits - 1 - int(math.floor(math.log10(abs(value)))))
    text = f"{value:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _clean(value: float) -> float:
    """Round off float noise (1e-16 of the figures): a margin is a measured gap, not 17 digits."""
    return float(f"{value:.9g}")


# --- notes: every period that stood in for another ---------------------------------------


def _notes(rule: Rule, bound: dict[str, list[Claim]], status: str) -> list[str]:
    notes = []
    for binding in rule.bindings:
        if not binding.stand_in_months or binding.period is None or binding.period.other is None:
            continue
        claim, other = bound[binding.name][0], bound[binding.period.other][0]
        needed_text = other.compared_to if binding.period.kind == "base_of" else other.period
        used, needed = Period.parse(claim.period), Period.parse(needed_text or claim.period)
        if used == needed:
            continue
        notes.append(_stand_in_note(rule, binding.name, claim, used, needed, bound))
    if status == "unverifiable":
        notes.append("A divisor in the check can be zero within its rounding, so no bound can be computed.")
    return notes


def _stand_in_note(rule: Rule, name: str, claim: Claim, used: Period, needed: Period, bound: dict[str, list[Claim]]) -> str:
    others = _months_outside(used, needed)
    note = (
        f"Period mismatch: {name} is printed for {used.describe()} ({claim.source}: {claim.figure!r}) "
        f"and stands in for {needed.describe()}, the period the check needs: it adds {others}."
    )
    implied = _implied_for(rule.check, name, _values(bound))
    if implied is None or claim.interval is None or claim.measure not in ("level", "count"):
        return note
    printed = base_interval(claim.interval)
    # A flow over the added months is what the longer figure holds beyond the implied one;
    # it cannot be negative.
    rest = (printed - implied).clamp_below(0.0)
    unit = claim.interval.unit
    note += (
        f" The check implies {format_interval(implied, unit)} for {needed.describe()}; with {format_interval(printed, unit)}"
        f" for {used.describe()}, {others} would come to {format_interval(rest, unit)}"
    )
    average_month = printed.lo / used.months
    if math.isfinite(rest.hi) and rest.hi < average_month / 4:
        return note + f": about zero, against {format_number(average_month, unit)} for an average month."
    return note + "."


def _months_outside(used: Period, needed: Period) -> str:
    """The months a longer period adds to the one it stands in for: "Dec 2024 (1 month)"."""
    parts = []
    if used.start < needed.start:
        parts.append(Period(used.start, needed.start - 1).describe())
    if used.end > needed.end:
        parts.append(Period(needed.end + 1, used.end).describe())
    return " and ".join(parts) or "no month"


def _implied_for(check: Comparison, name: str, values: dict[str, Interval]) -> Interval | None:
    """When the check is ``expression == name``, the value the expression implies for ``name``."""
    if check.op != "==":
        return None
    for side, other in ((check.right, check.left), (check.left, check.right)):
        if isinstance(side, Ref) and side.name == name:
            try:
                return evaluate_expr(other, values)
            except ArithmeticError:
                return None
    return None
