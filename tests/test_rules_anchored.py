"""POST /claims answers with the verdicts the new claim takes part in: exactly the whole-store ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.loading import load_directory
from service.rules.book import RuleBook
from service.store import Store

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory):
    store = Store(str(tmp_path_factory.mktemp("anchored") / "seed.duckdb"))
    load_directory(store, ROOT / "fixtures")
    yield store, RuleBook(ROOT / "rules")
    store.close()


def one_claim_per_kind(store: Store) -> list[str]:
    """A claim of every (measure, printed, breakdown or not) kind in the seeds, so each rule is exercised."""
    chosen: dict[tuple[str, str, bool], str] = {}
    for claim in store.list_claims():
        chosen.setdefault((claim.measure, claim.printed, bool(claim.breakdown)), claim.id)
    return sorted(chosen.values())


def test_anchored_verdicts_are_the_whole_store_verdicts_of_that_claim(seeded) -> None:
    store, rules = seeded
    whole = rules.all_verdicts(store)
    for claim_id in one_claim_per_kind(store):
        expected = {v.id for v in whole if claim_id in {e.id for e in v.claims}}
        with store.transaction(commit=False) as connection:
            anchored = {v.id for v in rules.verdicts_for(store, claim_id, connection)}
        assert anchored == expected, claim_id
