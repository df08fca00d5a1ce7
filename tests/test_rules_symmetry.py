"""A symmetric check takes each pair once, found by the loader rather than written by the author."""

from __future__ import annotations

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings

from service.rules.loader import load_rules_text
from service.rules.model import Rule
from service.rules.symmetry import inferred_pair
from service.trials import Trials
from tests.helpers import RULES_DIR
from tests.strategies import Scenario, random_stores

HEAD = "id: r\ntitle: t\ndescription: d\n"


def rule(bind_and_check: str) -> Rule:
    (loaded,) = load_rules_text(HEAD + bind_and_check)
    return loaded


def pair_of(loaded: Rule) -> tuple[str, str] | None:
    return next(((b.name, b.pair_after) for b in loaded.bindings if b.pair_after), None)


@pytest.mark.parametrize(
    ("text", "pair"),
    [
        pytest.param("bind:\n  a: {measure: level}\n  b: {measure: level, like: a}\ncheck: a == b\n", ("b", "a"), id="equal-figures"),
        pytest.param("bind:\n  a: {measure: level}\n  b: {measure: level, like: a}\ncheck: b == a\n", ("b", "a"), id="written-backwards"),
        pytest.param("bind:\n  a: {measure: level}\n  b: {measure: level, like: a}\ncheck: a + b <= 100 MAD\n", ("b", "a"), id="commutative-sum"),
        pytest.param(
            "bind:\n  a: {measure: level}\n  b: {measure: level, like: a, source: other than a}\ncheck: a == b\n", ("b", "a"), id="other-source"
        ),
        pytest.param("bind:\n  a: {measure: level}\n  b: {measure: level, like: a}\ncheck: a <= b\n", None, id="order-matters"),
        pytest.param("bind:\n  a: {measure: level}\n  b: {measure: level, like: a}\ncheck: a - b == 0 MAD\n", None, id="difference"),
        pytest.param(
            "bind:\n  a: {measure: level}\n  b: {measure: level, like: a, period: contains a}\ncheck: a == b\n", None, id="asymmetric-period"
        ),
        pytest.param("bind:\n  a: {measure: level}\n  b: {measure: count, like: a}\ncheck: a == b\n", None, id="different-measures"),
        pytest.param(
            "bind:\n  a: {measure: level, breakdown: total}\n  b: {measure: level, subject: same as a, period: same as a}\ncheck: a == b\n",
            None,
            id="one-side-narrower",
        ),
    ],
)
def test_a_pair_is_ordered_only_when_swapping_changes_nothing(text: str, pair: tuple[str, str] | None) -> None:
    assert pair_of(rule(text)) == pair


def test_the_shipped_symmetric_rules_are_found() -> None:
    from service.rules.loader import load_rules_dir

    pairs = {loaded.id: pair_of(loaded) for loaded in load_rules_dir(RULES_DIR)}
    assert {rule_id: pair for rule_id, pair in pairs.items() if pair} == {
        "same-figure": ("second", "first"),
        "same-category": ("second", "first"),
        "growths-imply-one-base": ("level_b", "level_a"),
    }


def unpaired(loaded: Rule) -> Rule:
    """The rule as it would run with no pair ordered: every pair bound both ways round."""
    return msgspec.structs.replace(loaded, bindings=tuple(msgspec.structs.replace(b, pair_after=None) for b in loaded.bindings))


SYMMETRIC = ("same-figure", "same-category", "growths-imply-one-base")


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_stores(max_claims=12))
def test_the_pairs_dropped_are_mirror_images_of_those_kept(scenario: Scenario) -> None:
    """Soundness of the inference: each verdict dropped has a kept twin with swapped roles, same status and margin."""
    from service.rules.loader import load_rules_dir

    shipped = {loaded.id: loaded for loaded in load_rules_dir(RULES_DIR) if loaded.id in SYMMETRIC}
    with Trials() as trials:
        for loaded in shipped.values():
            later, earlier = pair_of(loaded) or ("", "")
            kept = {row.id: row for row in trials.run(loaded, scenario.sources, scenario.bodies).local}
            both_ways = trials.run(unpaired(loaded), scenario.sources, scenario.bodies).local
            # A reading printed twice faces itself (its two reprints): that assignment is its own mirror image.
            selves = sum(1 for row in kept.values() if later and row.roles[later] == row.roles[earlier])
            assert len(both_ways) == 2 * len(kept) - selves
            twins = {frozenset(sum(row.roles.values(), [])): row for row in kept.values()}
            for row in both_ways:
                twin = twins[frozenset(sum(row.roles.values(), []))]
                assert (row.status, row.margin, row.margin_unit) == (twin.status, twin.margin, twin.margin_unit)


def test_no_symmetry_is_looked_for_in_a_rule_with_a_group() -> None:
    loaded = rule("bind:\n  part: {measure: share, breakdown: member, group: [source, subject, period, breakdown_by]}\ncheck: sum(part) <= 100 %\n")
    assert inferred_pair(loaded.bindings, loaded.check) is None
