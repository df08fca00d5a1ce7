"""Verdicts bind readings, not claims (issue 21): reprints of one figure grow a verdict, not the verdicts table."""

from __future__ import annotations

from service import checking
from service.claims import ClaimIn
from service.rules.book import RuleBook
from service.sources import SourceIn
from service.store import Store
from tests.helpers import SOURCE, claim_body

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
