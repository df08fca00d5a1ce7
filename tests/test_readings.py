"""Verdicts bind readings, not claims (issue 21): reprints of one figure grow a verdict, not the verdicts table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from service import checking
from service.claims import ClaimIn
from service.rules.book import RuleBook
from service.rules.local import execute
from service.rules.plan import CLAIM_COLUMNS, RulePlan, VerdictRow
from service.rules.reference import reference_verdicts
from service.sources import SourceIn
from service.rules.sql import READINGS
from service.store import Store
from service.units import base_factor
from tests.helpers import SOURCE, claim_body, shipped_compiled
from tests.strategies import Key, Scenario, claim_rows, claim_tuples, fill, fresh_store, sql_outcomes, stores_with_reprints

REPRINTS = 1_000  # per batch: two batches, as the desk logged them


def reprints(batch: int, figure: str = "5 millions de dirhams") -> list[tuple[str, ClaimIn | SourceIn]]:
    records: list[tuple[str, ClaimIn | SourceIn]] = [("source", SourceIn(**SOURCE))]
    records += [(f"{batch}:{n}", ClaimIn(**claim_body(f"reprint {batch}-{n}: {figure}", figure=figure))) for n in range(REPRINTS)]
    return records


def stored_rows(store: Store) -> int:
    return store.query("SELECT count(*) FROM verdicts")[0][0]


def test_two_thousand_reprints_of_one_figure_cost_verdict_rows_in_proportion(store: Store, rules: RuleBook) -> None:
    """Claim by claim, 2 000 reprints made 2 001 000 same-figure pairs (8 M verdicts for the issue's 4 000); as one reading, one verdict."""
    for batch in (1, 2):
        checking.store_batch(store, reprints(batch))
        checking.recompute(store, rules)
    claims = 2 * REPRINTS
    assert store.count_claims() == claims
    assert stored_rows(store) < 10 * claims, "O(N) rows for N reprints, not N²"
    [verdict] = [row for row, _ in store.list_verdicts(rules.current, rule="same-figure").items]
    assert verdict.status == "consistent"
    assert len(verdict.roles["first"]) == len(verdict.roles["second"]) == claims, "every reprint named on each side"
    # a contradicting figure printed twice: one verdict naming all 2 002 claims
    for n in range(2):
        checking.submit(store, rules, ClaimIn(**claim_body(f"other {n}", figure="7 millions de dirhams")), keep=True)
    contradicted = [row for row, _ in store.list_verdicts(rules.current, rule="same-figure", status="contradicted").items]
    assert len(contradicted) == 1 and len(contradicted[0].roles_ids) == claims + 2
    assert stored_rows(store) < 10 * claims


def test_one_more_reprint_joins_the_verdicts_of_its_reading_under_their_ids(store: Store, rules: RuleBook) -> None:
    checking.store_batch(store, [("source", SourceIn(**SOURCE))])
    for n in range(2):
        checking.submit(store, rules, ClaimIn(**claim_body(f"first print {n}")), keep=True)
    checking.submit(store, rules, ClaimIn(**claim_body("another figure", figure="7 millions de dirhams")), keep=True)
    before = {row.id: (row, seen) for row, seen in store.list_verdicts(rules.current).items}
    checked = checking.submit(store, rules, ClaimIn(**claim_body("one more reprint")), keep=True)
    after = {row.id: (row, seen) for row, seen in store.list_verdicts(rules.current).items}
    assert after.keys() == before.keys(), "no verdict is added or dropped by a reprint"
    joined = [verdict_id for verdict_id, (row, _) in after.items() if checked.claim.id in row.roles_ids]
    assert joined and {v.id for v in checked.verdicts} == set(joined)
    for verdict_id in joined:
        assert after[verdict_id][1] == before[verdict_id][1], "first_seen stays the verdict's"
    # and a whole recompute finds the same verdicts, claim for claim
    checking.recompute(store, rules)
    again = {row.id: row for row, _ in store.list_verdicts(rules.current).items}
    assert again == {verdict_id: row for verdict_id, (row, _) in after.items()}


# --- the seeds, before and after --------------------------------------------------------------

BEFORE = Path(__file__).parent / "data" / "seed_verdicts_by_claim.json"
# tests/data/seed_verdicts_by_claim.json: the seeds' verdicts as the claim-keyed engine found them
# (commit d05aff9, before issue 21), written by running that commit's `checking.recompute` on
# fixtures/ and listing every VerdictRow's rule, roles, status, margin and sides.


def claim_level(plan: RulePlan, row: VerdictRow) -> dict[tuple[str, tuple[tuple[str, str], ...]], tuple[object, ...]]:
    """A verdict over readings as the claim-keyed verdicts it stands for: {(rule, roles): (status, margin, unit, sides)}."""
    found = {}
    for key, swapped in claim_tuples(plan, row.roles).items():
        sides = (row.right, row.left) if swapped else (row.left, row.right)
        found[row.rule, key] = (row.status, row.margin, row.margin_unit, *sides)
    return found


def test_the_seeds_verdicts_expand_into_the_claim_keyed_verdicts_they_were(seeded_store: Store, rules: RuleBook) -> None:
    """Status, margin and both sides' bounds equal, assignment for assignment; only the ids changed (once, by migration)."""
    before = {}
    for verdict in json.loads(BEFORE.read_text(encoding="utf-8")):
        key = tuple(sorted((name, ",".join(ids)) for name, ids in verdict["roles"].items()))
        sides = [None if side is None else tuple(side) for side in (verdict["left"], verdict["right"])]
        before[verdict["rule"], key] = (verdict["status"], verdict["margin"], verdict["margin_unit"], *sides)
    after = {}
    rows = [row for row, _ in seeded_store.list_verdicts(rules.current).items]
    for row in rows:
        expanded = claim_level(rules.current.plans[row.rule], row)
        assert not expanded.keys() & after.keys(), "no assignment in two verdicts"
        after.update(expanded)
    assert after.keys() == before.keys()
    for key, (status, margin, unit, left, right) in before.items():
        assert after[key][:3] == (status, margin, unit), key
        assert after[key][3] == left and after[key][4] == right, key
    assert len(rows) < len(before), "the reprinted 1,1 bn is one reading"


# --- generated stores with reprints ---------------------------------------------------------------


@settings(deadline=None, max_examples=10, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=stores_with_reprints())
def test_verdicts_over_readings_expand_into_the_reference_verdicts_over_claims(scenario: Scenario) -> None:
    """SQL and the in-process executor bind readings; expanded into claims, each is the reference's claim-keyed verdict."""
    with fresh_store() as store:
        fill(store, scenario.sources, scenario.bodies)
        rows = claim_rows(store)
        executor_rows = [tuple(row[c] for c in CLAIM_COLUMNS) for row in rows]
        for compiled in shipped_compiled():
            expected = reference_verdicts(compiled.rule, rows)
            from_sql = {outcome.key: (outcome.status, outcome.margin) for outcome in sql_outcomes(store, compiled)}
            in_process: dict[Key, tuple[str, float]] = {}
            for row in execute(compiled.plan, executor_rows):
                margin = 0.0 if row.margin is None or row.margin_unit is None else row.margin * base_factor(row.margin_unit)
                for key in claim_tuples(compiled.plan, row.roles):
                    assert key not in in_process, (compiled.rule.id, key)
                    in_process[key] = (row.status, margin)
            for found in (from_sql, in_process):
                assert found.keys() == expected.keys(), compiled.rule.id
                for key, (status, margin) in expected.items():
                    assert found[key][0] == status, (compiled.rule.id, key, found[key], status)
                    assert found[key][1] == pytest.approx(margin, rel=1e-9, abs=1e-12), (compiled.rule.id, key)


def test_a_recompute_groups_the_readings_its_rules_read_once(seeded_store: Store, rules: RuleBook) -> None:
    """Each rule reads the readings from temporary tables grouped once for all of them: read through the
    views instead, every reference groups the claims again (1.3 s a rule at 1M claims, whatever it finds)."""
    queries = [compiled.verdict_rows_sql() for compiled in rules.current.compiled.values()]
    with seeded_store.transaction(commit=False) as connection, seeded_store._readings_grouped(connection, queries):
        grouped = {row[0] for row in connection.execute("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall()}
    assert set(READINGS.values()) <= grouped
    one = [rules.current.compiled["same-category"].verdict_rows_sql()]
    with seeded_store.transaction(commit=False) as connection, seeded_store._readings_grouped(connection, one):
        grouped = {row[0] for row in connection.execute("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall()}
    assert grouped == {READINGS[False]}, "only what its query reads"
