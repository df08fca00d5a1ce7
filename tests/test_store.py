"""The DuckDB store: transactions leave nothing half-written; a file keeps what it holds."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import msgspec
import pytest

from service import checking
from service.claims import Claim, ClaimIn, build_claim
from service.errors import Conflict, NotFound
from service.figures import Rounding
from service.sources import Source
from service.rules.book import RuleBook
from service.store import Store
from tests.helpers import FIXTURES_DIR, ROOT
from tests.strategies import examples_store, fill, fresh_store

SOURCE = Source(id="desk", title="Dépêche", outlet="Agence", language="fr")
RULES = RuleBook(ROOT / "rules")


def make_claim(quote: str = "q", **changes: object) -> Claim:
    body = {
        "source": "desk",
        "quote": quote,
        "subject": "ma.handicraft.exports",
        "measure": "level",
        "period": "2025-01/2025-11",
        "figure": "1,14 milliard de dirhams",
    } | changes
    return build_claim(msgspec.convert(body, ClaimIn), SOURCE)


def fixture_claims() -> list[tuple[Source, Claim]]:
    pairs = []
    for path in sorted(FIXTURES_DIR.glob("*.json")):
        batch = json.loads(path.read_text(encoding="utf-8"))
        sources = {s["id"]: msgspec.convert(s, Source) for s in batch["sources"]}
        pairs += [(sources[c["source"]], build_claim(msgspec.convert(c, ClaimIn), sources[c["source"]])) for c in batch["claims"]]
    return pairs


def test_a_transaction_that_fails_leaves_nothing(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction() as connection:
        store.add_source(SOURCE, connection)
        store.add_claim(make_claim(), connection)
        raise RuntimeError("the request failed half-way")
    assert store.list_sources().items == []
    assert store.count_claims() == 0


def test_a_conflict_rolls_back_the_whole_transaction(store: Store) -> None:
    store.add_source(SOURCE)
    store.add_claim(make_claim("stored"))
    with pytest.raises(Conflict), store.transaction() as connection:
        store.add_claim(make_claim("new"), connection)
        store.add_claim(make_claim("stored"), connection)
    assert [c.quote for c in store.list_claims().items] == ["stored"]


def test_a_what_if_transaction_rolls_back_even_on_success(store: Store) -> None:
    store.add_source(SOURCE)
    with store.transaction(commit=False) as connection:
        store.add_claim(make_claim(), connection)
        assert store.has_claim(make_claim().id, connection)
    assert store.count_claims() == 0


def test_the_store_is_usable_after_a_rolled_back_transaction(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction():
        raise RuntimeError
    store.add_source(SOURCE)
    assert store.get_source("desk") == SOURCE


def test_a_reopened_file_holds_what_was_stored(db_path: Path) -> None:
    claims = [make_claim("first"), make_claim("second", measure="growth", figure="plus de 13 %")]
    with Store(str(db_path)) as store:
        store.add_source(SOURCE)
        for claim in claims:
            store.add_claim(claim)
    with Store(str(db_path)) as reopened:
        assert reopened.list_sources().items == [SOURCE]
        assert reopened.list_claims().items == claims
        assert reopened.get_claim(claims[1].id).interval.hi is None, "an open end stays open"


def test_claims_keep_their_arrival_order_across_a_reopen(db_path: Path) -> None:
    with Store(str(db_path)) as store:
        store.add_source(SOURCE)
        for quote in ("z first", "y second"):
            store.add_claim(make_claim(quote))
    with Store(str(db_path)) as reopened:
        reopened.add_claim(make_claim("a third"))
        assert [c.quote for c in reopened.list_claims().items] == ["z first", "y second", "a third"]


def test_every_fixture_claim_reads_back_as_built(store: Store) -> None:
    pairs = fixture_claims()
    for source in {s.id: s for s, _ in pairs}.values():
        store.add_source(source)
    for _, claim in pairs:
        store.add_claim(claim)
    built = [claim for _, claim in pairs]
    assert store.list_claims().items == built
    assert store.claims_by_id([c.id for c in built]) == {c.id: c for c in built}


def test_a_source_with_every_field_reads_back_as_stored(store: Store) -> None:
    full = msgspec.convert(
        {"id": "full", "title": "T", "outlet": "O", "language": "en", "url": "https://x.example", "published": "2026-01-19",
         "speaker": "S", "rounding": "truncate", "weight": 0.5},
        Source,
    )
    store.add_source(full)
    assert store.get_source("full") == full


def test_a_store_made_before_sources_had_a_weight_opens_and_weighs_them_1(db_path: Path) -> None:
    import duckdb

    from service.store import SCHEMA

    old_schema = SCHEMA.split("-- a store made before")[0].replace(",\n    weight DOUBLE NOT NULL DEFAULT 1", "")
    assert "weight" not in old_schema
    with duckdb.connect(str(db_path)) as old:
        old.execute(old_schema)
        old.execute("INSERT INTO sources VALUES ('old', 'T', 'O', 'fr', NULL, NULL, NULL, 'half_up')")
    with Store(str(db_path)) as store:
        assert store.get_source("old").weight == 1
        store.add_source(Source(id="new", title="T", outlet="O", language="fr", weight=3))
    with Store(str(db_path)) as reopened:
        assert [(s.id, s.weight) for s in reopened.list_sources().items] == [("new", 3), ("old", 1)]


@pytest.mark.parametrize("rounding", list(Rounding))
def test_every_rounding_reads_back_as_stored(store: Store, rounding: Rounding) -> None:
    source = msgspec.convert({"id": f"desk-{rounding}", "title": "T", "outlet": "O", "language": "fr", "rounding": rounding.value}, Source)
    store.add_source(source)
    assert store.get_source(source.id).rounding is rounding


def test_unknown_ids_are_not_found(store: Store) -> None:
    with pytest.raises(NotFound):
        store.get_source("nope")
    with pytest.raises(NotFound):
        store.get_claim("c-000000000000")


def test_claims_filter_by_a_period_however_it_is_written(store: Store) -> None:
    store.add_source(SOURCE)
    year = make_claim("year", period="2024-01/2024-12")
    store.add_claim(year)
    assert store.list_claims(period="2024").items == [year]
    assert store.list_claims(period="2024-01/2024-12").items == [year]
    assert store.list_claims(period="2024-01/2024-11").items == []


def test_writes_from_many_threads_all_land(store: Store) -> None:
    store.add_source(SOURCE)
    claims = [make_claim(f"thread {i}") for i in range(8)]
    threads = [threading.Thread(target=store.add_claim, args=(claim,)) for claim in claims]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {c.id for c in store.list_claims().items} == {c.id for c in claims}


def test_a_claims_and_a_subjects_verdicts_are_those_holding_them_paged_in_order() -> None:
    """``list_verdicts(claim=)`` and ``(subject=)`` read a subject's own verdicts by its column and those
    spanning subjects (``ma.regions``' count in an average per region) by their claims, then a page by
    rowid: every page is the slice of all verdicts filtered in Python, in the same order, with its total."""
    sources, examples = examples_store(RULES)
    with fresh_store() as store:
        ids = fill(store, sources, [body for bodies in examples for body in bodies])
        checking.recompute(store, RULES)
        rules = RULES.current
        subject_of = {claim.id: claim.subject for claim in store.claims_by_id(ids).values()}
        everything = store.list_verdicts(rules).items
        assert any(len({subject_of[i] for i in row.roles_ids}) > 1 for row, _ in everything), "some verdicts span subjects"
        for by_weight in (False, True):
            ordered = store.list_verdicts(rules, by_weight=by_weight).items
            for field, value in [*(("subject", s) for s in sorted(set(subject_of.values()))), *(("claim", c) for c in ids[::3])]:
                holds = (lambda row: value in {subject_of[i] for i in row.roles_ids}) if field == "subject" else (lambda row: value in row.roles_ids)
                expected = [(row.id, seen) for row, seen in ordered if holds(row)]
                pages = [store.list_verdicts(rules, limit=2, offset=offset, by_weight=by_weight, **{field: value}) for offset in range(0, len(expected) + 2, 2)]
                assert [(row.id, seen) for page in pages for row, seen in page.items] == expected, (field, value)
                assert {page.total for page in pages} == {len(expected)}, (field, value)
