"""Properties of the shipped rules over generated stores: sound, sensitive, monotone in qualifiers.

* Soundness: figures printed from one consistent world (rounded true values, with
  any qualifier) never contradict each other, whatever each source rounds to.
* Sensitivity: move one printed level past the rounding slack of the figures a
  rule binds it with, by a known excess; the rule says ``contradicted`` and its
  margin is that excess, derived here from the intervals, not from the SQL.
* Monotonicity: a qualifier only widens a figure, so adding one never turns a
  consistent verdict into a contradiction.

Soundness goes through ``RuleBook.all_verdicts``, the path the API takes; the
other properties read statuses and margins straight from the compiled SQL
(``tests.strategies.sql_outcomes``), so that a failure points at the rule's meaning.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, assume, example, given, settings
from hypothesis import strategies as st

from service import checking
from service.claims import ClaimIn, base_interval, build_claim
from service.intervals import Interval, gap
from service.rules.book import RuleBook
from service.rules.sql import CompiledRule, compile_rule
from service.sources import Source
from service.store import Store
from service.units import base_factor
from tests.strategies import (
    BASE,
    CURRENT,
    SUBJECT,
    Figure,
    Scenario,
    SqlOutcome,
    World,
    fill,
    fresh_store,
    qualifier_words,
    random_stores,
    sql_outcomes,
    structured_level,
    value_with_bound,
    worlds,
)

RULES_DIR = Path(__file__).resolve().parent.parent / "rules"
# Each example fills a DuckDB file and runs every rule (~0.3 s).  A failing world is
# printed in full (roles, figures, true values), so shrinking is not worth minutes.
STORE_SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow], phases=(Phase.explicit, Phase.reuse, Phase.generate))


@functools.cache
def book() -> RuleBook:
    """Loaded once per process (not a fixture: hypothesis would print it with every failing example)."""
    return RuleBook(RULES_DIR)


@functools.cache
def compiled() -> dict[str, CompiledRule]:
    return {rule.id: compile_rule(rule) for rule in book().rules}


def interval_of(body: ClaimIn, source: Source) -> tuple[str, Interval]:
    """A claim's id and its interval in base magnitudes, as the rules compute with it."""
    claim = build_claim(body, source)
    assert claim.interval is not None
    return claim.id, base_interval(claim.interval)


def describe(world: World) -> list[tuple[str, str, str, float]]:
    return [(c.body.source, c.role, c.figure.text, float(c.true)) for c in world.claims]


# --- soundness ---------------------------------------------------------------------------


@settings(STORE_SETTINGS, max_examples=30)
@given(world=worlds())
def test_a_consistent_world_is_never_contradicted(world: World) -> None:
    with fresh_store() as store:
        fill(store, world.sources, [c.body for c in world.claims])
        verdicts = checking.all_verdicts(store, book())
    found = [(v.rule, v.computation, [(c.source, c.figure) for c in v.claims]) for v in verdicts if v.status == "contradicted"]
    assert found == [], describe(world)


# --- sensitivity -------------------------------------------------------------------------


def moved_level(world: World, data: st.DataObject, near: Interval, role: str, period: str) -> tuple[ClaimIn, Source, float]:
    """A structured level printed by a source other than desk-0, beyond ``near`` by at least a drawn fraction.

    Returns the claim, its source, and the least excess asked for (MAD).
    """
    mover = data.draw(st.sampled_from(world.sources[1:]), label="mover")
    fraction = data.draw(st.floats(1e-3, 0.5), label="excess fraction")
    decimals = data.draw(st.integers(0, 3), label="decimals")
    unit = data.draw(st.sampled_from(("MMDH", "MDH")), label="unit")
    below = data.draw(st.booleans(), label="below") and near.lo > 0
    if below:
        excess = near.lo * fraction
        value = value_with_bound(Decimal(near.lo) - Decimal(excess), "hi", decimals, unit, str(mover.rounding))
        if Decimal(value) < 0:
            below = False
    if not below:
        excess = near.hi * fraction
        value = value_with_bound(Decimal(near.hi) + Decimal(excess), "lo", decimals, unit, str(mover.rounding))
    return structured_level(mover, role, period, value, unit), mover, excess


def with_moved(world: World, moved: ClaimIn, role: str) -> list[ClaimIn]:
    """The world's claims, the mover's own figure for ``role`` replaced by the moved one."""
    kept = [c.body for c in world.claims if not (c.body.source == moved.source and c.role == role)]
    return [*kept, moved]


def only_outcome(store: Store, rule: CompiledRule, ids: set[str]) -> SqlOutcome:
    found = [o for o in sql_outcomes(store, rule) if o.ids == ids]
    assert len(found) == 1, found
    return found[0]


@settings(STORE_SETTINGS, max_examples=12)
@given(world=worlds(anchor_bounded=True), data=st.data())
def test_same_figure_contradicts_a_level_moved_past_the_rounding(world: World, data: st.DataObject) -> None:
    anchor = world.claim("desk-0", "level:total:current")
    anchor_id, printed = interval_of(anchor.body, world.source("desk-0"))
    moved, mover, excess = moved_level(world, data, printed, "level:total:current", CURRENT)
    moved_id, moved_interval = interval_of(moved, mover)
    expected = gap(printed, moved_interval)
    assert expected >= excess * (1 - 1e-9)
    with fresh_store() as store:
        fill(store, world.sources, with_moved(world, moved, "level:total:current"))
        outcome = only_outcome(store, compiled()["same-figure"], {anchor_id, moved_id})
    assert (outcome.status, outcome.margin_unit) == ("contradicted", "MAD")
    assert outcome.shown_margin == pytest.approx(expected / base_factor("MAD"), rel=1e-6)


@settings(STORE_SETTINGS, max_examples=12)
@given(world=worlds(anchor_bounded=True), data=st.data())
def test_growth_links_levels_contradicts_a_base_moved_past_the_implied_one(world: World, data: st.DataObject) -> None:
    desk = world.source("desk-0")
    current_id, current = interval_of(world.claim("desk-0", "level:total:current").body, desk)
    growth_id, growth = interval_of(world.claim("desk-0", "growth:total").body, desk)
    implied = current / (Interval.point(1.0) + growth)  # what the check's left side computes
    moved, mover, excess = moved_level(world, data, implied, "level:total:base", BASE)
    moved_id, moved_interval = interval_of(moved, mover)
    expected = gap(implied, moved_interval)
    assert expected >= excess * (1 - 1e-9)
    with fresh_store() as store:
        fill(store, world.sources, with_moved(world, moved, "level:total:base"))
        outcome = only_outcome(store, compiled()["growth-links-levels"], {current_id, growth_id, moved_id})
    assert outcome.key == (("base", moved_id), ("current", current_id), ("growth", growth_id))
    assert (outcome.status, outcome.margin_unit) == ("contradicted", "MAD")
    assert outcome.shown_margin == pytest.approx(expected / base_factor("MAD"), rel=1e-6)


# --- qualifiers only widen ------------------------------------------------------------------

TRUNCATING = Source(id="desk-t", title="Truncating office", outlet="o", language="fr", rounding="truncate")
ROUNDING = Source(id="desk-r", title="Rounding paper", outlet="o", language="fr")


def _level(source: Source, index: int, figure: Figure) -> tuple[ClaimIn, Figure]:
    body = ClaimIn(source=source.id, quote=f"claim {index}: {figure.text}", subject=SUBJECT, measure="level", period=CURRENT, figure=figure.text)
    return body, figure


# A truncating office prints 1,23 for anything in [1.23, 1.24) bn; a paper rounding
# half up prints 1,238 for [1.2375, 1.2385): both can hold.  "environ 1,23" must not
# rule that out.
TRUNCATED_ABOUT = Scenario(
    (TRUNCATING, ROUNDING),
    (
        _level(TRUNCATING, 0, Figure(number="1,23", unit=" milliard de dirhams")),
        _level(ROUNDING, 1, Figure(number="1,238", unit=" milliard de dirhams")),
    ),
)


def statuses_by_claims(scenario: Scenario, rule_ids: set[str] | None = None) -> dict[tuple[str, frozenset[int]], list[str]]:
    """Each rule's statuses, keyed by which claims (by position in the scenario) it bound."""
    with fresh_store() as store:
        ids = fill(store, scenario.sources, scenario.bodies)
        position = {claim_id: index for index, claim_id in enumerate(ids)}
        found: dict[tuple[str, frozenset[int]], list[str]] = defaultdict(list)
        for rule in compiled().values():
            if rule_ids is None or rule.rule.id in rule_ids:
                for outcome in sql_outcomes(store, rule):
                    found[(rule.rule.id, frozenset(position[i] for i in outcome.ids))].append(outcome.status)
    return {key: sorted(value) for key, value in found.items()}


@settings(STORE_SETTINGS, max_examples=12)
@given(scenario=random_stores(max_claims=10, min_claims=4), choice=st.integers(0, 1000), word=qualifier_words())
@example(scenario=TRUNCATED_ABOUT, choice=0, word="environ")
def test_a_qualifier_never_turns_a_consistent_verdict_into_a_contradiction(scenario: Scenario, choice: int, word: str) -> None:
    before = statuses_by_claims(scenario)
    # A figure no rule binds cannot change a verdict; and the bindings do not depend on
    # the intervals, so only the rules that bound the widened figure need running again.
    bound = {index for _, positions in before for index in positions}
    candidates = [index for index, (_, figure) in enumerate(scenario.claims) if figure.qualifiable and index in bound]
    assume(candidates)
    index = candidates[choice % len(candidates)]
    rules = {rule_id for rule_id, positions in before if index in positions}
    widened = scenario.with_figure(index, scenario.claims[index][1].qualified(word))
    after = statuses_by_claims(widened, rules)
    before = {key: statuses for key, statuses in before.items() if key[0] in rules}
    assert before.keys() == after.keys()
    turned = {key: (before[key], after[key]) for key in before if "contradicted" in after[key] and "contradicted" not in before[key]}
    assert turned == {}, (scenario.claims[index][0].figure, "->", widened.claims[index][0].figure)
