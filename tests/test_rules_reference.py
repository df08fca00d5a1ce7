"""The compiled SQL and the plain-Python reference evaluator agree, on stores nobody wrote by hand.

The reference (``service.rules.reference``) binds claims with nested loops and
computes with :class:`~service.intervals.Interval`; the compiler emits one
sqlglot tree that DuckDB runs.  They share only the rule AST, so agreeing on
random stores (open intervals, direction words, growths of -100 % whose
``1 + g`` spans zero, shares over 100 %, categories) is evidence both read the
rules the same way.  The in-process executor, which POST /claims runs on a new
claim's neighbourhood, must find exactly the whole-store verdicts that involve it.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from service import checking
from service.claims import ClaimIn, build_claim
from service.rules.sql import CompiledRule, compile_rule
from service.rules.loader import load_rules_text
from service.rules.reference import reference_verdicts
from service.sources import Source
from service.store import Store
from tests.helpers import shipped_book, shipped_compiled as compiled, strict_variants
from tests.strategies import PARTS_WITHIN_TOTAL, Scenario, SqlOutcome, claim_rows, fill, fresh_store, random_stores, sql_outcomes

STORE_SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assert_same_verdicts(rule: CompiledRule, store_rows: list[dict[str, Any]], outcomes: list[SqlOutcome]) -> None:
    keys = [outcome.key for outcome in outcomes]
    assert len(keys) == len(set(keys)), f"{rule.rule.id}: the SQL gives one binding twice"
    from_sql = {outcome.key: (outcome.status, outcome.margin) for outcome in outcomes}
    from_reference = reference_verdicts(rule.rule, store_rows)
    assert from_sql.keys() == from_reference.keys(), rule.rule.id
    for key, (status, margin) in from_reference.items():
        sql_status, sql_margin = from_sql[key]
        assert sql_status == status, (rule.rule.id, key, from_sql[key], (status, margin))
        assert sql_margin == pytest.approx(margin, rel=1e-9, abs=1e-12), (rule.rule.id, key, from_sql[key], (status, margin))


@settings(STORE_SETTINGS, max_examples=25)
@given(scenario=random_stores())
def test_compiled_sql_agrees_with_the_reference(scenario: Scenario) -> None:
    with fresh_store() as store:
        fill(store, scenario.sources, scenario.bodies)
        rows = claim_rows(store)
        for rule in compiled():
            assert_same_verdicts(rule, rows, sql_outcomes(store, rule))
            # bindings do not hang on the order rows come in (groups are sorted by id)
            assert reference_verdicts(rule.rule, rows[::-1]) == reference_verdicts(rule.rule, rows), rule.rule.id


@settings(STORE_SETTINGS, max_examples=25)
@given(scenario=random_stores(max_claims=14))
def test_a_new_claims_check_finds_exactly_the_whole_store_verdicts_it_takes_part_in(scenario: Scenario) -> None:
    """The two executors of one plan agree: SQL over the store, in-process over each claim's neighbourhood.

    Same verdict ids, statuses and margins (to 1e-9 relative: a group is summed in another order).
    """
    book = shipped_book()
    with fresh_store() as store:
        ids = fill(store, scenario.sources, scenario.bodies)
        checking.recompute(store, book)
        whole = [row for row, _ in store.list_verdicts(book.current).items]
        for claim_id in ids:
            anchored = {row.id: row for row in checking.anchored_rows(store, book, claim_id)}
            expected = {row.id: row for row in whole if claim_id in row.roles_ids}
            assert set(anchored) == set(expected), claim_id
            for verdict_id, row in anchored.items():
                same = expected[verdict_id]
                assert (row.rule, row.roles, row.status, row.margin_unit) == (same.rule, same.roles, same.status, same.margin_unit)
                if same.margin is None:  # a category check has no margin
                    assert row.margin is None, row.rule
                else:
                    assert row.margin == pytest.approx(same.margin, rel=1e-9, abs=1e-12), row.rule


@functools.cache
def compiled_strict() -> tuple[CompiledRule, ...]:
    return tuple(compile_rule(rule) for rule in strict_variants())


@settings(STORE_SETTINGS, max_examples=25)
@given(scenario=random_stores())
def test_strict_comparisons_agree_with_the_reference(scenario: Scenario) -> None:
    """`<` and `>` fail where the sides can at best touch: SQL and the reference say so alike, margin 0."""
    with fresh_store() as store:
        fill(store, scenario.sources, scenario.bodies)
        rows = claim_rows(store)
        for rule in compiled_strict():
            assert_same_verdicts(rule, rows, sql_outcomes(store, rule))


# A group over two unit families: the reference sums only parts whose unit matches the
# total's (the unit combinations the loader accepted); the SQL must do the same.
def test_a_group_binding_is_only_compared_with_a_figure_in_its_own_unit(tmp_path: Path) -> None:
    rule = compile_rule(load_rules_text(PARTS_WITHIN_TOTAL)[0])
    source = Source(id="desk", title="t", outlet="o", language="fr")
    bodies = [
        ClaimIn(source="desk", quote="q1", subject="ma.salons", breakdown={"city": "fes"}, measure="count", period="2025", figure="40"),
        ClaimIn(source="desk", quote="q2", subject="ma.salons", breakdown={"city": "rabat"}, measure="count", period="2025", figure="50"),
        ClaimIn(source="desk", quote="q3", subject="ma.salons", measure="level", period="2025", figure="1 MDH"),
    ]
    with Store(str(tmp_path / "units.duckdb")) as store:
        store.add_source(source)
        for body in bodies:
            store.add_claim(build_claim(body, source))
        rows = claim_rows(store)
        assert reference_verdicts(rule.rule, rows) == {}
        # a count of salons is never compared with dirhams, whatever the numbers
        assert sql_outcomes(store, rule) == []
