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
from service.rules.examples import posted
from service.sources import Source
from service.store import Store
from tests.helpers import ROOT
from tests.strategies import Scenario, fill, fresh_store, rounded, stores_with_reprints, verdicts_table

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


def _examples_store() -> tuple[list[Source], list[list[ClaimIn]]]:
    """Every shipped rule's examples, each under subjects and sources of its own (``example`` -> ``example.e7``),
    while the subjects rules name literally stay shared: the regions every average divides by is one figure."""
    sources: list[Source] = []
    examples: list[list[ClaimIn]] = []
    for rule in RULES.current.rules:
        for example in rule.examples:
            tag = f"e{len(examples)}"
            posted_sources, bodies = posted(example)
            sources += [msgspec.structs.replace(source, id=f"{source.id}-{tag}") for source in posted_sources]
            examples.append([
                msgspec.structs.replace(body, source=f"{body.source}-{tag}", subject=f"{body.subject}.{tag}" if body.subject == "example" else body.subject)
                for body in bodies
            ])
    return sources, examples


def test_a_load_of_each_examples_last_claim_recomputes_around_them_as_a_whole_recompute_would() -> None:
    """Every rule's shape (groups, series, stand-ins, literal subjects, revisions) is in some example: each example's
    last claim is loaded into a store holding the rest, whose verdicts are current."""
    sources, examples = _examples_store()
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
    sources, examples = _examples_store()
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
