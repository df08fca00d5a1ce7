"""The bench's baselines compute what the compiled rules compute, or their timings compare nothing.

bench/baselines.py times each of two rules three ways: the compiled SQL, a hand-written
query and a plain-Python evaluator.  A ratio of their times means something only if all
three produce the same verdicts; here they are compared binding by binding (verdict id,
status and claims) on a store of the bench's own generated corpus, reprints included.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import duckdb
import msgspec
import pytest

from bench import baselines
from bench.corpus import generate
from service.loading import store_file
from service.rules.book import RuleBook
from service.store import Store


@pytest.fixture(scope="module")
def corpus_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("baselines")
    corpus = generate(3_000)
    (folder / "sources.json").write_bytes(msgspec.json.encode({"sources": corpus.sources}))
    (folder / "claims.ndjson").write_bytes(b"\n".join(msgspec.json.encode(body) for body in corpus.claims))
    db = folder / "corpus.duckdb"
    with Store(str(db)) as store:
        store_file(store, folder / "sources.json")
        store_file(store, folder / "claims.ndjson")
    return db


@pytest.fixture(scope="module")
def connection(corpus_file: Path):
    with duckdb.connect(str(corpus_file), read_only=True) as opened:
        yield opened


@pytest.mark.parametrize("rule", baselines.RULES)
def test_the_hand_written_sql_gives_the_compiled_rules_verdicts(connection, rules: RuleBook, rule: str) -> None:
    compiled = connection.execute(f"SELECT id, status, list_sort(claim_ids) FROM ({rules.current.compiled[rule].verdict_rows_sql()})").fetchall()
    claims = "claim_ids" if rule == "growth-links-levels" else "ids"
    hand = connection.execute(f"SELECT id, status, list_sort({claims}) FROM ({baselines.HAND_SQL[rule]})").fetchall()
    assert Counter(status for _, status, _ in compiled)["contradicted"] > 0  # the corpus plants errors for both rules
    assert sorted(hand) == sorted(compiled)


def test_the_corpus_reprints_figures_so_that_binding_them_once_matters(connection) -> None:
    reprinted = connection.execute("SELECT count(*) FROM (SELECT figure_key FROM claims GROUP BY figure_key HAVING count(*) > 1)").fetchone()[0]
    assert reprinted > 100


@pytest.mark.parametrize(("rule", "evaluate"), [("growth-links-levels", baselines.growth_links_levels), ("shares-sum-to-whole", baselines.shares_sum_to_whole)])
def test_the_plain_python_evaluator_counts_the_compiled_rules_statuses(connection, rules: RuleBook, rule: str, evaluate) -> None:
    compiled = Counter(status for (status,) in connection.execute(f"SELECT status FROM ({rules.current.compiled[rule].verdict_rows_sql()})").fetchall())
    rows = connection.execute(baselines.CLAIMS_SELECT).fetchall()
    assert Counter(verdict[-2] for verdict in evaluate(rows)) == compiled
