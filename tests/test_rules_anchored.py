"""POST /claims answers with the verdicts the new claim takes part in: exactly the whole-store ones.

The whole store runs the rules' SQL; one claim runs the in-process executor over
the claim's neighbourhood.  Both come from one plan, and must agree on every seed claim.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import RULES_DIR
from service import checking
from service.loading import load_directory
from service.rules.book import RuleBook
from service.store import Store

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory):
    store = Store(str(tmp_path_factory.mktemp("anchored") / "seed.duckdb"))
    load_directory(store, ROOT / "fixtures", RuleBook(RULES_DIR))
    yield store, RuleBook(ROOT / "rules")
    store.close()


def test_anchored_verdicts_are_the_whole_store_verdicts_of_that_claim(seeded) -> None:
    store, rules = seeded
    checking.recompute(store, rules)
    whole = store.list_verdicts(rules.current).items
    for claim in store.list_claims().items:
        expected = {(row.id, row.status, row.margin) for row, _ in whole if claim.id in row.roles_ids}
        anchored = {(row.id, row.status, row.margin) for row in checking.anchored_rows(store, rules, claim.id)}
        assert _rounded(anchored) == _rounded(expected), claim.id


def _rounded(rows: set[tuple[str, str, float | None]]) -> set[tuple[str, str, float | None]]:
    """Margins to 9 significant digits: SQL and Python sum a group in different orders."""
    return {(i, s, None if m is None else float(f"{m:.9g}")) for i, s, m in rows}
