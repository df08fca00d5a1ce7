"""Blame: which figures to doubt first, when the verdicts contradict each other.

Fellegi and Holt's principle (as R's ``errorlocate`` applies it): change the fewest
figures that make the rest consistent.  Each contradicted verdict is the set of
claims it used; a *removal set* meets every one of them (take its claims away and
no contradicted verdict is left).  A *minimal set* is a removal set of least total
weight, a claim weighing what its source weighs (1 by default).  It says which
figures, set aside, leave the others consistent; it does not say they are wrong.

The search, per connected component of contradictions (verdicts sharing claims):

0. a component of one contradiction (or of nested ones) is solved at sight: its lightest claims;
1. an upper bound from a greedy cover (the claim that meets the most open verdicts
   per unit of weight, ties to the smaller id), pruned to an inclusion-minimal set;
2. branch and bound for the least weight: branch on the open verdict with the fewest
   claims left, one branch per claim (earlier claims excluded from later branches,
   so no set is visited twice); bound by a packing of open verdicts that share no
   claim left, each needing at least its lightest claim;
3. the least-weight sets themselves, in lexicographic order of their sorted claim
   ids, by deciding claims smallest first, taking before leaving, bounded by the
   least weight: the first ``limit`` found are the first ``limit`` in that order.

Weights are compared exactly: floats are dyadic rationals, so scaled by the largest
denominator among them they are integers, and no sum is ever rounded.

Each component's search does at most ``COMPONENT_BUDGET`` units of work (machine words
of conflicts examined: about half a second), and all of them ``TOTAL_BUDGET`` (about
two seconds); work is counted, not timed, so the answer is the same on any machine.
A component that needs more (in practice: hundreds of claims tangled in one cluster of
contradictions, or dense ones such as 200 triples over 60 claims) is not solved
exactly: its best set found so far still meets every verdict of the component, but
its ``exact`` is false, and so is the answer's: no set is called minimal that was not
proven so.  (A component whose least weight is proven but whose sets of that weight
run out of budget to list stays exact, with the sets listed so far, or the one the
proof found.)  Components are solved in the order of their smallest claim id, so which
ones a spent total budget leaves inexact is deterministic too.  The sets of the whole
store are the products of the components' sets (components in that order, each one's
sets in lexicographic order, the first ``limit`` combinations), each sorted, then
listed in lexicographic order.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

import msgspec

MAX_SETS = 10  # minimal sets returned, for a component and for the whole
# The search's work, in machine words of conflicts examined (about 0.1 µs each), per component and for the
# whole answer: about half a second and two seconds.  Counted, not timed, so that the answer is the same on
# any machine.  A component that needs more, or comes after the whole budget is spent, keeps the best set
# found (at worst the greedy one), not exact.
COMPONENT_BUDGET = 5_000_000
TOTAL_BUDGET = 20_000_000


# --- the answer ------------------------------------------------------------------------


class Suspect(msgspec.Struct, kw_only=True):
    """A claim that takes part in at least one contradicted verdict."""

    id: str
    source: str
    quote: str
    contradictions: int  # contradicted verdicts it takes part in
    weight: float  # its source's weight: what removing it costs


class ComponentSummary(msgspec.Struct, kw_only=True):
    """Contradicted verdicts that share claims, solved together."""

    claims: int  # printing its readings
    verdicts: int
    weight: float  # of its minimal sets (or, if not exact, of the best set found)
    exact: bool  # the weight was proven least within the work budget
    alternatives: int  # least-weight sets found for it, at most MAX_SETS
    readings: int = 0  # the figures its contradictions read


class Reading(msgspec.Struct, kw_only=True):
    """A figure to doubt: one reading (``plan.figure_key``) and every claim in force that printed it."""

    key: str
    claims: list[str]


class Blame(msgspec.Struct, kw_only=True):
    """``GET /blame``: the figures to doubt first, and the fewest whose removal leaves no contradiction.

    The sets are sets of readings: to doubt a figure is to doubt every claim that printed it
    (a reading weighs what its claims weigh together).  ``minimal_sets`` lists each set's
    claims; ``readings``, beside it in the same order, the same set as readings with their claims.
    """

    claims: list[Suspect]
    minimal_sets: list[list[str]]
    weight: float  # the total weight of each minimal set
    exact: bool  # every component was solved exactly: each set is a least-weight removal set
    components: list[ComponentSummary]
    readings: list[list[Reading]] = []


# --- the solver ------------------------------------------------------------------------


@dataclass(frozen=True)
class ComponentSolution:
    claims: tuple[str, ...]  # sorted
    verdicts: int
    sets: tuple[tuple[str, ...], ...]  # each sorted; lexicographic order
    weight: float
    exact: bool


@dataclass(frozen=True)
class Solution:
    sets: tuple[tuple[str, ...], ...]
    weight: float
    exact: bool
    components: tuple[ComponentSolution, ...]


def minimal_sets(
    conflicts: Iterable[Iterable[str]],
    weights: Mapping[str, float] | None = None,
    limit: int = MAX_SETS,
    budget: int = COMPONENT_BUDGET,
    total_budget: int = TOTAL_BUDGET,
) -> Solution:
    """The least-weight sets of claims meeting every conflict (a claim absent from ``weights`` weighs 1).

    >>> minimal_sets([["a", "b"], ["b", "c"]]).sets
    (('b',),)
    >>> minimal_sets([["a", "b"], ["b", "c"]], {"b": 3}).sets
    (('a', 'c'),)
    >>> minimal_sets([["a", "b"], ["c", "d"]], {"a": 2, "c": 2}).sets
    (('b', 'd'),)
    >>> minimal_sets([["a", "b"], ["c", "d"]]).sets
    (('a', 'c'), ('a', 'd'), ('b', 'c'), ('b', 'd'))
    """
    edges = [frozenset(conflict) for conflict in conflicts]
    if any(not edge for edge in edges):
        raise ValueError("a conflict with no claim cannot be met")
    given = weights or {}
    claims = sorted({claim for edge in edges for claim in edge})
    for claim in claims:
        if not given.get(claim, 1) > 0:
            raise ValueError(f"claim {claim!r} weighs {given[claim]}: weights must be positive")
    scaled = _exact_weights({claim: given.get(claim, 1) for claim in claims})
    solved, left = [], total_budget
    for part in _components(edges):
        solution, spent = _solve_component(part, scaled, limit, min(budget, left))
        solved.append(solution)
        left = max(0, left - spent)
    combined = [tuple(sorted(itertools.chain(*choice))) for choice in itertools.islice(itertools.product(*(c.sets for c in solved)), limit)]
    return Solution(
        sets=tuple(sorted(combined)) if solved else (),
        weight=sum((c.weight for c in solved), 0.0),
        exact=all(c.exact for c in solved),
        components=tuple(solved),
    )


def _exact_weights(weights: Mapping[str, float]) -> dict[str, tuple[int, float]]:
    """Each weight as an integer on a common scale (exact: a float is a dyadic rational), and as given."""
    if all(float(w).is_integer() for w in weights.values()):  # the usual case, every source weighing 1
        return {claim: (int(w), float(w)) for claim, w in weights.items()}
    fractions = {claim: Fraction(w) for claim, w in weights.items()}
    scale = max((f.denominator for f in fractions.values()), default=1)  # powers of two: the largest is their lcm
    return {claim: (int(f * scale), float(weights[claim])) for claim, f in fractions.items()}


def _components(edges: Sequence[frozenset[str]]) -> list[list[frozenset[str]]]:
    """Conflicts grouped by shared claims (union-find), in the order of each group's smallest claim."""
    parent: dict[str, str] = {}

    def root(claim: str) -> str:
        while parent.setdefault(claim, claim) != claim:
            parent[claim] = parent[parent[claim]]
            claim = parent[claim]
        return claim

    for edge in edges:
        first, *rest = sorted(edge)
        for claim in rest:
            a, b = root(first), root(claim)
            if a != b:
                parent[max(a, b)] = min(a, b)  # the root is the group's smallest claim
    groups: dict[str, list[frozenset[str]]] = {}
    for edge in edges:
        groups.setdefault(root(min(edge)), []).append(edge)
    return [groups[key] for key in sorted(groups)]


class _OutOfBudget(Exception):
    pass


def _solve_component(
    edges: list[frozenset[str]], weights: Mapping[str, tuple[int, float]], limit: int, budget: int
) -> tuple[ComponentSolution, int]:
    """The component's least-weight sets, and the work spent on them."""
    claims = tuple(sorted({claim for edge in edges for claim in edge}))
    index = {claim: i for i, claim in enumerate(claims)}
    masks = _minimal_masks({sum(1 << index[c] for c in edge) for edge in edges})
    scaled = [weights[c][0] for c in claims]
    if len(masks) == 1:  # one conflict (or nested ones): its lightest claims, each alone, proven at sight
        least = min(scaled[i] for i in _bits(masks[0]))
        named = tuple((claims[i],) for i in _bits(masks[0]) if scaled[i] == least)[:limit]
        return ComponentSolution(claims, len(edges), named, weights[named[0][0]][1], exact=True), 0
    search = _Search(masks, scaled, budget)
    try:
        search.least_weight()
        sets = search.least_weight_sets(limit) or [search.best_set]
    except _OutOfBudget:
        # Out of budget: the least weight is proven or not; the sets found in order are kept either way.
        sets = search.found or [search.best_set]
    named = tuple(tuple(claims[i] for i in _bits(mask)) for mask in sets)
    solution = ComponentSolution(
        claims=claims, verdicts=len(edges), sets=named, weight=sum(weights[c][1] for c in named[0]), exact=search.proven
    )
    return solution, search.work


def _minimal_masks(masks: set[int]) -> list[int]:
    """Drop a conflict that contains another (whatever meets the smaller meets it); the rest smallest first."""
    ordered = sorted(masks, key=lambda m: (m.bit_count(), m))
    kept: list[int] = []
    for mask in ordered:
        if not any(smaller & mask == smaller for smaller in kept):
            kept.append(mask)
    return kept


def _bits(mask: int) -> list[int]:
    found = []
    while mask:
        low = mask & -mask
        found.append(low.bit_length() - 1)
        mask ^= low
    return found


Node = tuple[int, int, int]  # (claims chosen, claims excluded, weight chosen) as bits and a scaled weight


class _Search:
    """Branch and bound over one component's conflicts, claims as the bits of an int.

    Depth-first with an explicit stack (a component may hold thousands of claims).
    ``work`` counts the machine words of conflicts examined; past ``budget`` the search stops.
    """

    def __init__(self, masks: list[int], weights: list[int], budget: int) -> None:
        self.masks = masks
        self.weights = weights
        self.budget = budget
        self.work = 0
        self.proven = False
        self.found: list[int] = []
        # a node examines every conflict, each a bit mask of len(weights) bits: 64 to a machine word
        self.node_cost = len(masks) * (1 + len(weights) // 64)
        self.best_set = _greedy_cover(masks, weights)
        self.best = sum(weights[i] for i in _bits(self.best_set))

    def _open(self, chosen: int) -> list[int]:
        self.work += self.node_cost
        if self.work > self.budget:
            raise _OutOfBudget
        return [mask for mask in self.masks if not mask & chosen]

    def _bound(self, open_: list[int], excluded: int) -> int | None:
        """Least weight still to add: open conflicts sharing no claim left each need one. None if one cannot be met."""
        used, bound = 0, 0
        for mask in open_:
            left = mask & ~excluded
            if not left:
                return None
            if not left & used:
                used |= left
                bound += min(self.weights[i] for i in _bits(left))
        return bound

    def least_weight(self) -> None:
        """Lower ``best`` to the least weight, proven: branch on the open conflict with the fewest claims left."""
        stack: list[Node] = [(0, 0, 0)]
        while stack:
            chosen, excluded, weight = stack.pop()
            open_ = self._open(chosen)
            if not open_:
                if weight < self.best:
                    self.best, self.best_set = weight, chosen
                continue
            bound = self._bound(open_, excluded)  # conflicts in order of size: a fair packing, without a sort per node
            if bound is None or weight + bound >= self.best:
                continue
            narrowest = min(open_, key=lambda m: ((m & ~excluded).bit_count(), m))
            branches = []
            for i in sorted(_bits(narrowest & ~excluded), key=lambda i: (self.weights[i], i)):
                branches.append((chosen | 1 << i, excluded, weight + self.weights[i]))
                excluded |= 1 << i  # later branches leave it out: no set is visited twice
            stack.extend(reversed(branches))
        self.proven = True

    def least_weight_sets(self, limit: int) -> list[int]:
        """The sets of the least weight, in lexicographic order of their claims, up to ``limit``."""
        stack: list[Node] = [(0, 0, 0)]
        while stack and len(self.found) < limit:
            chosen, excluded, weight = stack.pop()
            open_ = self._open(chosen)
            if not open_:
                if weight == self.best:
                    self.found.append(chosen)
                continue
            bound = self._bound(open_, excluded)
            if bound is None or weight + bound > self.best:
                continue
            # A claim in no open conflict would be redundant, so it is left out: decide the smallest other one,
            # taking it before leaving it (a set with it comes first in lexicographic order).
            pool = 0
            for mask in open_:
                pool |= mask
            low = pool & ~excluded & -(pool & ~excluded)
            stack.append((chosen, excluded | low, weight))
            stack.append((chosen | low, excluded, weight + self.weights[low.bit_length() - 1]))
        return self.found


def _greedy_cover(masks: list[int], weights: list[int]) -> int:
    """A cover to start from: most open conflicts met per unit of weight, smaller index on ties; then pruned.

    A lazy heap over counts that only fall, and per-conflict cover counts for the
    pruning, keep it near-linear in the component's size.
    """
    containing: dict[int, list[int]] = {}
    for k, mask in enumerate(masks):
        for i in _bits(mask):
            containing.setdefault(i, []).append(k)
    count = {i: len(ks) for i, ks in containing.items()}
    # Float ratios are enough here: this set only bounds the search, which compares weights exactly.
    heap = [(-n / weights[i], i) for i, n in count.items()]
    heapq.heapify(heap)
    met = [False] * len(masks)
    chosen = 0
    remaining = len(masks)
    while remaining:
        key, i = heapq.heappop(heap)
        if -key != count[i] / weights[i]:
            heapq.heappush(heap, (-count[i] / weights[i], i))
            continue
        chosen |= 1 << i
        for k in containing[i]:
            if not met[k]:
                met[k] = True
                remaining -= 1
                for j in _bits(masks[k]):
                    count[j] -= 1
    covered = [(mask & chosen).bit_count() for mask in masks]
    for i in sorted(_bits(chosen), key=lambda i: (-weights[i], i)):  # the heaviest leave first, if not needed
        if all(covered[k] > 1 for k in containing[i]):
            chosen &= ~(1 << i)
            for k in containing[i]:
                covered[k] -= 1
    return chosen
