"""Every change recomputes only what it can alter (issue 21, item 3), and finds what a whole recompute finds.

A retraction, a correction and a load into a store whose verdicts are current each recompute
the rules that accept the claims they change, around those claims' subjects
(``checking._recompute_around``).  On generated stores (several subjects, reprints), the
verdicts table after each is compared, row for row, with a whole recompute of the same
claims; a verdict the change leaves alone keeps its first_seen.
"""

from __future__ import annotations

import itertools
import math
import re
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path

import msgspec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service import checking
from service.claims import ClaimIn
from service.rules.book import RuleBook
from service.sources import Source
from service.store import Store
from tests.helpers import ROOT
from tests.strategies import Scenario, examples_store, fill, fresh_store, rounded, stores_with_reprints, verdicts_table
from tests.test_revisions import Releases, released_stores

RULES = RuleBook(ROOT / "rules")
EXAMPLES = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)
Table = dict[str, tuple[object, ...]]


def _after_and_whole(store: Store, change: Callable[[], object]) -> tuple[Table, Table, Table]:
    """The table before the change, after it, and after a whole recompute of the same claims."""
    before = verdicts_table(store)
    change()
    after = verdicts_table(store)
    checking.recompute(store, RULES)
    return before, after, verdicts_table(store)


def _assert_same_as_whole(before: Table, after: Table, whole: Table) -> None:
    def rows(table: Table) -> dict[str, tuple[object, ...]]:
        return {k: rounded(v[:-1]) for k, v in table.items()}

    assert rows(after) == rows(whole)
    kept = {k for k in before.keys() & after.keys() if rows(before)[k] == rows(after)[k]}
    assert all(after[k][-1] == before[k][-1] for k in kept), "a verdict the change leaves as it was keeps its first_seen"


@EXAMPLES
@given(scenario=stores_with_reprints(max_claims=12), pick=st.integers(min_value=0))
def test_a_retraction_recomputes_around_its_claim_as_a_whole_recompute_would(scenario: Scenario, pick: int) -> None:
    with fresh_store() as store:
        ids = fill(store, scenario.sources, scenario.bodies)
        checking.recompute(store, RULES)
        withdrawn = ids[pick % len(ids)]
        tables = _after_and_whole(store, lambda: checking.retract(store, RULES, withdrawn, "desk", "misread"))
    _assert_same_as_whole(*tables)
    assert not any(withdrawn in row[1] for row in tables[1].values())


@EXAMPLES
@given(scenario=stores_with_reprints(max_claims=12), pick=st.integers(min_value=0), other=st.integers(min_value=0))
def test_a_correction_recomputes_around_both_claims_as_a_whole_recompute_would(scenario: Scenario, pick: int, other: int) -> None:
    """The old claim replaced by another claim's figure and quantity (maybe of another subject): both subjects change."""
    bodies = scenario.bodies
    with fresh_store() as store:
        ids = fill(store, scenario.sources, bodies)
        checking.recompute(store, RULES)
        old = ids[pick % len(ids)]
        body = msgspec.structs.replace(bodies[other % len(bodies)], quote=f"corrected: {old}")
        tables = _after_and_whole(store, lambda: checking.correct(store, RULES, old, body, "desk", "wrong year"))
    _assert_same_as_whole(*tables)


@EXAMPLES
@given(scenario=stores_with_reprints(max_claims=14), split=st.integers(min_value=1))
def test_a_load_into_a_current_store_recomputes_around_what_it_adds_as_a_whole_recompute_would(scenario: Scenario, split: int) -> None:
    bodies = scenario.bodies
    cut = 1 + split % len(bodies) if len(bodies) > 1 else 1
    with fresh_store() as store:
        fill(store, scenario.sources, bodies[:cut])
        checking.recompute(store, RULES)
        before = checking.mark(store, RULES)
        records = [(f"c{i}", body) for i, body in enumerate(bodies[cut:])]

        def load() -> None:
            checking.store_batch(store, records)
            checking.catch_up(store, RULES, before, around_at_most=math.inf)

        tables = _after_and_whole(store, load)
    _assert_same_as_whole(*tables)


@settings(max_examples=3, deadline=None, database=None)
@given(scenario=stores_with_reprints(max_claims=8))
def test_a_load_into_a_store_whose_verdicts_are_stale_recomputes_every_rule(scenario: Scenario) -> None:
    """Verdicts not those of the rules in force (a load not yet recomputed): around its subjects would keep stale rows elsewhere."""
    with fresh_store() as store:
        fill(store, scenario.sources, scenario.bodies[:1])
        before = checking.mark(store, RULES)
        assert not before.current  # filled without a recompute
        checking.store_batch(store, [("c", msgspec.structs.replace(scenario.bodies[-1], quote="loaded"))])
        timings = checking.catch_up(store, RULES, before, around_at_most=math.inf)
    assert set(timings) == set(RULES.current.compiled), "every rule ran"


def _claims_to_retract(store: Store) -> list[str]:
    """For each rule, the claim in the most of its verdicts, and a bystander: a claim of the subject of
    one of its verdicts that the verdict does not hold (its retraction must leave the verdict as it is,
    which needs every claim the verdict binds, ``ma.regions``'s count of regions included)."""
    most = store.query(
        "SELECT DISTINCT arg_max(claim_id, n) FROM (SELECT rule, claim_id, count(*) AS n FROM "
        "(SELECT rule, unnest(claim_ids) AS claim_id FROM verdicts) GROUP BY ALL) GROUP BY rule"
    )
    bystanders = store.query(
        "SELECT min(other.id) FROM (SELECT rule, min(id) AS verdict FROM verdicts GROUP BY rule) AS first "
        "JOIN verdicts ON verdicts.id = first.verdict "
        "JOIN claims AS held ON list_contains(verdicts.claim_ids, held.id) "
        "JOIN claims AS other ON other.subject = held.subject AND NOT list_contains(verdicts.claim_ids, other.id) "
        "GROUP BY first.rule"
    )
    return sorted({row[0] for row in most + bystanders})


def test_retracting_the_seeds_most_bound_claims_recomputes_as_a_whole_recompute_would(seeded_file: Path, tmp_path: Path) -> None:
    """On the founding case, for each rule: the claim in the most of its verdicts, and a bystander of one of them."""
    with Store(str(seeded_file)) as seeded:
        chosen = _claims_to_retract(seeded)
    for claim_id in chosen:
        path = tmp_path / f"{claim_id}.duckdb"
        shutil.copyfile(seeded_file, path)
        with Store(str(path)) as store:
            tables = _after_and_whole(store, lambda: checking.retract(store, RULES, claim_id, "desk", "misread"))
        _assert_same_as_whole(*tables)


# --- every rule's own examples in one store ------------------------------------------------------


def test_a_load_of_each_examples_last_claim_recomputes_around_them_as_a_whole_recompute_would() -> None:
    """Every rule's shape (groups, series, stand-ins, literal subjects, revisions) is in some example: each example's
    last claim is loaded into a store holding the rest, whose verdicts are current."""
    sources, examples = examples_store(RULES)
    with fresh_store() as store:
        fill(store, sources, [body for bodies in examples for body in bodies[:-1]])
        checking.recompute(store, RULES)
        before = checking.mark(store, RULES)

        def load() -> None:
            checking.store_batch(store, [(f"e{n}", bodies[-1]) for n, bodies in enumerate(examples)])
            checking.catch_up(store, RULES, before, around_at_most=math.inf)

        tables = _after_and_whole(store, load)
    _assert_same_as_whole(*tables)
    assert tables[0] != tables[1]


def _thirty_years_earlier(body: ClaimIn) -> ClaimIn:
    """The same claim about a period thirty years earlier (its base too): a rule accepts it, and it binds with none of its example."""
    def earlier(period: str | None) -> str | None:
        return None if period is None else re.sub(r"\b(\d{4})\b", lambda year: str(int(year.group(1)) - 30), period)

    return msgspec.structs.replace(body, period=earlier(body.period), compared_to=earlier(body.compared_to), quote=f"bystander: {body.quote}")


def test_retracting_a_claim_of_each_example_recomputes_around_it_as_a_whole_recompute_would() -> None:
    """In one store: for every example, a bystander (its first claim printed thirty years earlier, which
    the rule accepts but which binds with none of its example) is retracted, one after the other, and
    the table compared with a whole recompute; then each example's first claim, compared again.  A
    bystander's retraction recomputes its example's verdicts: they must come back whole, the count of
    regions an average divides by included."""
    sources, examples = examples_store(RULES)
    bystanders = [_thirty_years_earlier(bodies[0]) for bodies in examples]
    with fresh_store() as store:
        ids = fill(store, sources, [body for bodies in examples for body in bodies] + bystanders)
        checking.recompute(store, RULES)
        firsts = list(itertools.accumulate([0] + [len(bodies) for bodies in examples[:-1]]))
        for phase in (range(len(ids) - len(bystanders), len(ids)), firsts):

            def retract_each(indices: Iterable[int] = phase) -> None:
                for index in indices:
                    checking.retract(store, RULES, ids[index], "desk", "misread")

            _assert_same_as_whole(*_after_and_whole(store, retract_each))


# --- what a retraction writes ----------------------------------------------------------------

DESKS = [Source(id=f"desk-{i}", title=f"Article {i}", outlet="Le Matin", language="fr") for i in range(4)]


def _printed(desk: int, measure: str, period: str, figure: str, **fields: object) -> ClaimIn:
    return ClaimIn(source=f"desk-{desk}", quote=f"{desk}: {measure} {period} {figure}", subject="ma.exports", measure=measure, period=period, figure=figure, **fields)  # type: ignore[arg-type]


def _rowids(store: Store) -> dict[str, int]:
    """Where each verdict lies in the table: a verdict deleted and written again gets a row of its own."""
    return dict(store.query("SELECT id, rowid FROM verdicts"))


def test_retracting_one_of_two_reprints_changes_the_claim_lists_of_its_figure_and_writes_nothing_else() -> None:
    """Withdrawing one of two reprints leaves the figure in force: its verdicts keep their ids and
    first_seen and lose the claim, the figure no longer faces itself, and every other verdict of
    the subject stays as it lies in the table (it used to be deleted and written again)."""
    bodies = [
        _printed(0, "level", "2024", "100 MDH"),
        _printed(1, "level", "2024", "100 MDH"),  # the same figure, relayed
        _printed(2, "level", "2024", "120 MDH"),  # another figure of the quantity: a contradiction
        _printed(0, "level", "2023", "90 MDH"),
        _printed(2, "level", "2023", "95 MDH"),  # another year, verdicts of its own
    ]
    with fresh_store() as store:
        ids = fill(store, DESKS, bodies)
        checking.recompute(store, RULES)
        before, where = verdicts_table(store), _rowids(store)
        checking.retract(store, RULES, ids[1], "desk", "relayed twice")
        after, moved = verdicts_table(store), _rowids(store)
        checking.recompute(store, RULES)
        whole = verdicts_table(store)
    _assert_same_as_whole(before, after, whole)
    contradicted = [verdict_id for verdict_id, row in after.items() if row[0] == "same-figure" and row[3] == "contradicted"]
    assert len(contradicted) == 2, after  # 2024 and 2023
    [kept] = [verdict_id for verdict_id in contradicted if ids[0] in after[verdict_id][1]]
    assert ids[1] in before[kept][1] and ids[1] not in after[kept][1], "the same verdict, without the withdrawn reprint"
    assert after[kept][-1] == before[kept][-1]
    facing = [verdict_id for verdict_id, row in before.items() if row[1] == [ids[0], ids[1], ids[0], ids[1]]]
    assert facing and set(before) - set(after) == set(facing), "the figure facing its reprint is gone, and only it"
    untouched = [verdict_id for verdict_id, row in after.items() if ids[0] not in row[1]]
    assert untouched and all(moved[verdict_id] == where[verdict_id] for verdict_id in untouched), "verdicts without the figure are not written again"


def test_withdrawing_a_misprint_in_a_release_revises_a_verdict_that_does_not_hold_it() -> None:
    """A release that prints a quantity twice, with figures that disagree, reads nothing for it; withdraw
    one and the release reads the other, so a contradiction between two releases becomes ``revised``,
    though its verdict never held the withdrawn claim."""
    office = {"origin": "ma.office_des_changes"}
    bodies = [
        _printed(0, "level", "2024", "100 MDH", released="2024-12", **office),
        _printed(1, "level", "2024", "110 MDH", released="2025-06", **office),
        _printed(2, "level", "2024", "130 MDH", released="2025-06", **office),  # a misprint of the same release
    ]
    with fresh_store() as store:
        ids = fill(store, DESKS, bodies)
        checking.recompute(store, RULES)
        before, after, whole = _after_and_whole(store, lambda: checking.retract(store, RULES, ids[2], "desk", "misprint"))
    _assert_same_as_whole(before, after, whole)
    [pair] = [row for row in after.values() if row[0] == "same-figure"]
    assert sorted(pair[1]) == sorted(ids[:2]) and pair[3] == "revised"
    assert [row[3] for row in before.values() if sorted(row[1]) == sorted(ids[:2])] == ["contradicted"]


def test_a_stand_in_is_bound_beside_the_exact_period_and_stays_when_it_is_withdrawn() -> None:
    """A figure for a longer period stands in by a relation to the claims it binds, not for want of
    the exact period: both are bound, and withdrawing the exact one leaves the stand-in's verdict
    as it was (what finding again only the verdicts a change touches relies on)."""
    bodies = [
        _printed(0, "level", "2025-01/2025-11", "1,14 milliard de dirhams"),
        _printed(0, "growth", "2025-01/2025-11", "hausse de 13%"),
        _printed(1, "level", "2024", "1,11 milliard de dirhams"),  # stands in for January to November 2024
        _printed(2, "level", "2024-01/2024-11", "1,01 milliard de dirhams"),  # the period itself
    ]
    with fresh_store() as store:
        ids = fill(store, DESKS, bodies)
        checking.recompute(store, RULES)
        before, after, whole = _after_and_whole(store, lambda: checking.retract(store, RULES, ids[3], "desk", "misread"))
    _assert_same_as_whole(before, after, whole)
    links = {verdict_id: row for verdict_id, row in after.items() if row[0] == "growth-links-levels"}
    assert [row[1] for row in links.values()] == [ids[:3]]
    assert all(before[verdict_id] == row for verdict_id, row in links.items())


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large], database=None)
@given(scenario=released_stores(), pick=st.integers(min_value=0))
def test_a_retraction_among_releases_recomputes_as_a_whole_recompute_would(scenario: Releases, pick: int) -> None:
    """One origin's figures across releases: a withdrawn figure changes what a release reads of its quantity."""
    with fresh_store() as store:
        ids = fill(store, scenario.sources, list(scenario.bodies))
        checking.recompute(store, RULES)
        withdrawn = ids[pick % len(ids)]
        tables = _after_and_whole(store, lambda: checking.retract(store, RULES, withdrawn, "desk", "misread"))
    _assert_same_as_whole(*tables)
