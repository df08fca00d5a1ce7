"""The blame solver on generated conflicts, against brute force over every subset of claims."""

from __future__ import annotations

import doctest
import itertools
import random
import time
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service import blame
from service.blame import MAX_SETS, minimal_sets

CLAIMS = [f"c{i}" for i in range(8)]
WEIGHTS = st.sampled_from([0.25, 0.5, 1.0, 1.0, 1.0, 1.5, 2.0, 3.0, 0.1, 0.2, 0.3])

conflicts = st.lists(st.lists(st.sampled_from(CLAIMS), min_size=1, max_size=4, unique=True), min_size=1, max_size=7)
weightings = st.dictionaries(st.sampled_from(CLAIMS), WEIGHTS, max_size=8)


def meets_every(chosen: tuple[str, ...], edges: list[list[str]]) -> bool:
    return all(set(chosen) & set(edge) for edge in edges)


def weight_of(chosen: tuple[str, ...], weights: dict[str, float]) -> Fraction:
    """Exact: 0.1 + 0.2 is not 0.3 in floats, and a solver must not be caught out by it."""
    return sum((Fraction(weights.get(c, 1)) for c in chosen), Fraction(0))


def brute_force(edges: list[list[str]], weights: dict[str, float]) -> tuple[Fraction, list[tuple[str, ...]]]:
    """The least weight and every set of that weight, in lexicographic order: every subset tried."""
    claims = sorted({c for edge in edges for c in edge})
    removal = [s for n in range(len(claims) + 1) for s in itertools.combinations(claims, n) if meets_every(s, edges)]
    least = min(weight_of(s, weights) for s in removal)
    return least, sorted(s for s in removal if weight_of(s, weights) == least)


def test_the_doctests_hold() -> None:
    assert doctest.testmod(blame).failed == 0


@settings(max_examples=300, deadline=None)
@given(conflicts, weightings)
def test_each_set_meets_every_conflict_and_none_is_lighter(edges: list[list[str]], weights: dict[str, float]) -> None:
    solution = minimal_sets(edges, weights)
    least, optimal = brute_force(edges, weights)
    assert solution.exact
    assert solution.sets, "there is always a set: every claim of every conflict"
    for chosen in solution.sets:
        assert list(chosen) == sorted(set(chosen))
        assert meets_every(chosen, edges), "removing the set leaves a contradiction"
        assert weight_of(chosen, weights) == least, "some set weighs less"
    assert len(set(solution.sets)) == len(solution.sets) == min(MAX_SETS, len(optimal))
    if len(optimal) <= MAX_SETS:
        assert list(solution.sets) == optimal, "every least-weight set, in order"
    assert solution.weight == pytest.approx(float(least))


@settings(max_examples=200, deadline=None)
@given(conflicts, weightings)
def test_one_component_answers_the_first_sets_in_lexicographic_order(edges: list[list[str]], weights: dict[str, float]) -> None:
    solution = minimal_sets(edges, weights)
    if len(solution.components) == 1:
        assert list(solution.sets) == brute_force(edges, weights)[1][:MAX_SETS]


@settings(max_examples=200, deadline=None)
@given(conflicts, weightings, st.randoms(use_true_random=False))
def test_the_answer_is_the_same_twice_and_whatever_the_order_of_the_conflicts(
    edges: list[list[str]], weights: dict[str, float], rng: random.Random
) -> None:
    first = minimal_sets(edges, weights)
    assert minimal_sets(edges, weights) == first
    shuffled = [rng.sample(edge, len(edge)) for edge in edges]  # each in another order
    rng.shuffle(shuffled)
    assert minimal_sets(shuffled, weights) == first
    repeated = minimal_sets(shuffled + shuffled[:1], weights)  # two verdicts over the same claims
    assert (repeated.sets, repeated.weight, repeated.exact) == (first.sets, first.weight, first.exact)


@settings(max_examples=200, deadline=None)
@given(conflicts, weightings)
def test_components_share_no_claim_and_add_up(edges: list[list[str]], weights: dict[str, float]) -> None:
    solution = minimal_sets(edges, weights)
    seen: set[str] = set()
    for component in solution.components:
        assert not seen & set(component.claims)
        seen |= set(component.claims)
    assert seen == {c for edge in edges for c in edge}
    assert sum(c.verdicts for c in solution.components) == len(edges)
    assert solution.weight == pytest.approx(sum(c.weight for c in solution.components))
    assert len(solution.sets) == min(MAX_SETS, _product(len(c.sets) for c in solution.components))


def _product(numbers) -> int:
    result = 1
    for n in numbers:
        result *= n
    return result


@settings(max_examples=200, deadline=None)
@given(conflicts, weightings, st.integers(min_value=0, max_value=60))
def test_out_of_budget_a_set_still_meets_every_conflict_and_says_it_is_not_proven(
    edges: list[list[str]], weights: dict[str, float], budget: int
) -> None:
    solution = minimal_sets(edges, weights, budget=budget)
    least, _ = brute_force(edges, weights)
    for chosen in solution.sets:
        assert meets_every(chosen, edges)
    for component in solution.components:
        if component.exact:  # a component that says exact is exact
            sub = [e for e in edges if set(e) <= set(component.claims)]
            assert weight_of(component.sets[0], weights) == brute_force(sub, weights)[0]
    if solution.exact:
        assert all(weight_of(s, weights) == least for s in solution.sets)


def test_no_budget_at_all_keeps_the_greedy_set_and_says_so() -> None:
    edges = [["a", "b"], ["b", "c"], ["c", "d"]]
    solution = minimal_sets(edges, budget=0)
    assert not solution.exact and [c.exact for c in solution.components] == [False]
    assert solution.sets and all(meets_every(s, edges) for s in solution.sets)


def triangle(name: str) -> list[list[str]]:
    return [[f"{name}1", f"{name}2"], [f"{name}2", f"{name}3"], [f"{name}1", f"{name}3"]]


def test_a_spent_total_budget_leaves_the_later_components_not_exact() -> None:
    edges = triangle("x") + triangle("y") + triangle("z")
    solution = minimal_sets(edges, total_budget=9)  # three nodes of three conflicts: the first triangle only
    assert [c.exact for c in solution.components] == [True, False, False]
    assert not solution.exact and all(meets_every(s, edges) for s in solution.sets)
    assert minimal_sets(edges).exact


def test_a_lone_contradiction_needs_no_search() -> None:
    solution = minimal_sets([["a", "b", "c"], ["d", "e"]], {"b": 2}, budget=0, total_budget=0)
    assert solution.exact and solution.sets == (("a", "d"), ("a", "e"), ("c", "d"), ("c", "e"))


def test_weights_move_the_blame() -> None:
    # One figure against two that agree with each other: doubt the one, unless it weighs more than both.
    edges = [["lone", "first"], ["lone", "second"]]
    assert minimal_sets(edges).sets == (("lone",),)
    assert minimal_sets(edges, {"lone": 1.5}).sets == (("lone",),)
    assert minimal_sets(edges, {"lone": 2}).sets == (("first", "second"), ("lone",))  # a tie: both, in order
    assert minimal_sets(edges, {"lone": 2.5}).sets == (("first", "second"),)
    assert minimal_sets(edges, {"lone": 2.5}).weight == 2


def test_weights_are_compared_exactly() -> None:
    # 0.1 + 0.2 > 0.3 in floats; as the dyadic rationals they are, 0.1 + 0.2 and 0.3 differ too, by 2**-54:
    # the lighter one wins and no tie is invented.
    edges = [["a", "c"], ["b", "c"]]
    weights = {"a": 0.1, "b": 0.2, "c": 0.3}
    assert Fraction(0.1) + Fraction(0.2) > Fraction(0.3)
    assert minimal_sets(edges, weights).sets == (("c",),)


def test_no_conflict_no_set() -> None:
    solution = minimal_sets([])
    assert solution.sets == () and solution.exact and solution.weight == 0 and solution.components == ()


@pytest.mark.parametrize("bad", [0, -1.0])
def test_a_weight_must_be_positive(bad: float) -> None:
    with pytest.raises(ValueError, match="positive"):
        minimal_sets([["a"]], {"a": bad})


def test_at_most_ten_sets_from_many_components() -> None:
    edges = [[f"x{i}", f"y{i}"] for i in range(6)]  # 2**6 least sets
    solution = minimal_sets(edges)
    assert len(solution.sets) == MAX_SETS and solution.exact
    assert all(len(s) == 6 and meets_every(s, edges) for s in solution.sets)
    assert [c.exact for c in solution.components] == [True] * 6


def test_a_large_component_is_answered_within_its_budget() -> None:
    # A chain of 3000 contradictions over 3001 claims, and a clique of pairs: no recursion limit, bounded time.
    rng = random.Random(9)
    chain = [[f"k{i:05d}", f"k{i + 1:05d}"] for i in range(3000)]
    pairs = [[f"q{a:02d}", f"q{b:02d}"] for a, b in itertools.combinations(range(40), 2) if rng.random() < 0.5]
    started = time.perf_counter()
    solution = minimal_sets(chain + pairs)
    seconds = time.perf_counter() - started
    assert all(meets_every(s, chain + pairs) for s in solution.sets)
    assert seconds < 30, seconds
    for component in solution.components:
        if component.exact and component.claims[0].startswith("k"):
            assert component.weight == 1500  # every other claim of the chain
