"""Symmetric checks take each pair once, without the author saying so.

``first == second`` over two bindings that ask the same of their claims binds
every pair of claims twice, once each way round, and the two verdicts say the
same thing.  Authors used to write ``pair_after: first`` to keep one of them;
that exposes claim-id ordering for what is only "each pair once".  Here the
loader finds the renaming of bindings (an involution: pairs swapped, the rest
kept) under which the rule is unchanged, and orders the first swapped pair by
claim id, which is exactly what ``pair_after`` did.

"Unchanged" is decided on a normal form of the rule, so a symmetry is only ever
missed, never invented: every relation is a fact about named bindings ("these
bindings share a subject", "this one's period is the base of that one's",
"these two have different sources"), equalities are merged into classes, and
the check is compared with ``==``, ``+`` and ``*`` taken as commutative.  A
missed symmetry costs duplicate verdicts; an invented one would hide verdicts,
so when in doubt there is none.
"""

from __future__ import annotations

from collections.abc import Iterator

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
    SameAs,
    Total,
    Years,
)

Renaming = dict[str, str]

# The relations whose "same as" is an equality between bindings (transitive, symmetric).
_EQUALITIES = ("measure", "subject", "breakdown", "period", "compared_to", "source")
_MAX_BINDINGS = 8  # involutions of 8 names: 764; rules bind four or five


def inferred_pair(bindings: tuple[Binding, ...] | list[Binding], check: Comparison) -> tuple[str, str] | None:
    """(later, earlier): the pair to order by claim id, if a swap of bindings leaves the rule unchanged."""
    renaming = symmetry(bindings, check)
    if renaming is None:
        return None
    first = next(b.name for b in bindings if renaming[b.name] != b.name)
    return renaming[first], first


def symmetry(bindings: tuple[Binding, ...] | list[Binding], check: Comparison) -> Renaming | None:
    """The swap of bindings (an involution) under which the rule is unchanged, if any."""
    names = [b.name for b in bindings]
    if len(names) > _MAX_BINDINGS or any(b.is_group or b.pair_after for b in bindings):
        return None
    facts = _facts(bindings)
    shape = _shape(check, {})
    for renaming in _involutions(names):
        if _facts(bindings, renaming) == facts and _shape(check, renaming) == shape:
            return renaming
    return None


def _involutions(names: list[str]) -> Iterator[Renaming]:
    """Every renaming that swaps some pairs and keeps the rest, fewest swaps first."""
    for swaps in range(1, len(names) // 2 + 1):
        for pairs in _matchings(names, swaps):
            renaming = {name: name for name in names}
            for a, b in pairs:
                renaming[a], renaming[b] = b, a
            yield renaming


def _matchings(names: list[str], count: int) -> Iterator[list[tuple[str, str]]]:
    if count == 0:
        yield []
        return
    for i, a in enumerate(names):
        for j in range(i + 1, len(names)):
            rest = [n for n in names[i + 1 :] if n != names[j]]
            for more in _matchings(rest, count - 1):
                yield [(a, names[j]), *more]


def _facts(bindings: tuple[Binding, ...] | list[Binding], renaming: Renaming | None = None) -> frozenset[tuple[object, ...]]:
    """The rule's constraints as a set of facts about (renamed) bindings."""
    name = (lambda n: renaming[n]) if renaming else (lambda n: n)
    facts: set[tuple[object, ...]] = set()
    values: list[tuple[str, str, str]] = []  # (relation, binding, value): said of the binding's whole class
    classes = {relation: _Classes() for relation in _EQUALITIES}
    by_name = {b.name: b for b in bindings}
    for binding in bindings:
        me = name(binding.name)
        facts.add(("binding", me, _measures(binding, by_name), binding.printed, binding.unit))
        if binding.each_year_of:
            facts.add(("series", me, name(binding.each_year_of)))
        if binding.measure_of:
            classes["measure"].join(me, name(binding.measure_of))
        for relation in ("subject", "compared_to", "source"):
            value = getattr(binding, relation)
            if isinstance(value, SameAs):
                classes[relation].join(me, name(value.other))
            elif isinstance(value, OtherThan):
                facts.add((relation, "differs", frozenset((me, name(value.other)))))
            elif isinstance(value, Literally):
                values.append((relation, me, value.value))
        if isinstance(binding.breakdown, SameAs):
            classes["breakdown"].join(me, name(binding.breakdown.other))
        elif binding.breakdown != "any":
            values.append(("breakdown", me, repr(binding.breakdown)))
        period = binding.period
        if period is not None and period.kind == "same" and not binding.stand_in_months:
            classes["period"].join(me, name(period.other or ""))
        elif period is not None and period.kind == "literal":
            values.append(("period", me, period.literal or ""))
        elif period is not None:
            facts.add(("period", period.kind, me, name(period.other or ""), binding.stand_in_months))
    for relation, found in classes.items():
        facts.add((relation, "classes", found.partition()))
    for relation, me, value in values:
        facts.add((relation, "is", classes[relation].members_with(me), value))
    return frozenset(facts)


def _measures(binding: Binding, by_name: dict[str, Binding]) -> tuple[str, ...]:
    """The measures a binding may take, through ``measure: same as x``."""
    while binding.measure_of is not None:
        binding = by_name[binding.measure_of]
    return binding.measures


class _Classes:
    """Union-find over binding names: who shares a subject, a period, a source."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, name: str) -> str:
        self.parent.setdefault(name, name)
        while self.parent[name] != name:
            name = self.parent[name]
        return name

    def join(self, a: str, b: str) -> None:
        self.parent[self.find(a)] = self.find(b)

    def members_with(self, name: str) -> frozenset[str]:
        root = self.find(name)
        return frozenset(other for other in self.parent if self.find(other) == root)

    def partition(self) -> frozenset[frozenset[str]]:
        groups: dict[str, set[str]] = {}
        for name in self.parent:
            groups.setdefault(self.find(name), set()).add(name)
        return frozenset(frozenset(group) for group in groups.values() if len(group) > 1)


def _shape(expr: Expr | Comparison, renaming: Renaming) -> str:
    """A text of the expression in which commutative operands are sorted, so ``a == b`` reads as ``b == a``."""
    match expr:
        case Comparison(op=op, left=left, right=right):
            if op in (">=", ">"):
                op, left, right = op.replace(">", "<"), right, left
            sides = [_shape(left, renaming), _shape(right, renaming)]
            if op == "==":
                sides.sort()
            return f"({sides[0]} {op} {sides[1]})"
        case Arith(op=op, left=left, right=right):
            operands = [_shape(left, renaming), _shape(right, renaming)]
            if op in "+*":
                operands.sort()
            return f"({operands[0]} {op} {operands[1]})"
        case Power(base=base, exponent=exponent):
            return f"({_shape(base, renaming)} ^ {_shape(exponent, renaming)})"
        case Negate(operand=operand):
            return f"-{_shape(operand, renaming)}"
        case Years(name=name) | Compound(name=name):
            return f"{type(expr).__name__}({renaming.get(name, name)})"
        case Ref(name=name):
            return renaming.get(name, name)
        case Total(name=name):
            return f"sum({renaming.get(name, name)})"
        case Number(value=value, unit=unit):
            return f"{value!r}{unit}"
    raise TypeError(expr)
