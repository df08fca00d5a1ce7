"""Loading files: every fixture loads, a second load adds nothing, a bad record stores nothing of its file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from service.rules.book import RuleBook
from service.loading import LoadError, load_directory, store_file
from service.store import Store
from tests.helpers import RULES_DIR
from tests.helpers import FIXTURES_DIR, SOURCE, claim_body

FIXTURE_FILES = sorted(FIXTURES_DIR.glob("*.json"))
claim = claim_body


def in_fixtures(key: str) -> int:
    return sum(len(json.loads(path.read_text(encoding="utf-8"))[key]) for path in FIXTURE_FILES)


def test_every_fixture_claim_loads(store: Store) -> None:
    reports = load_directory(store, FIXTURES_DIR, RuleBook(RULES_DIR))
    assert [Path(r.path).name for r in reports] == [p.name for p in FIXTURE_FILES]
    assert store.count_claims() == in_fixtures("claims") == sum(r.claims_added for r in reports)
    assert len(store.list_sources().items) == in_fixtures("sources") == sum(r.sources_added for r in reports)


def test_loading_the_fixtures_twice_adds_nothing_the_second_time(store: Store) -> None:
    load_directory(store, FIXTURES_DIR, RuleBook(RULES_DIR))
    claims, sources = store.list_claims().items, store.list_sources().items
    again = load_directory(store, FIXTURES_DIR, RuleBook(RULES_DIR))
    assert sum(r.claims_added + r.sources_added for r in again) == 0
    assert sum(r.skipped for r in again) == in_fixtures("claims") + in_fixtures("sources")
    assert store.list_claims().items == claims
    assert store.list_sources().items == sources


def test_a_bad_claim_in_a_json_file_stores_nothing_of_that_file(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "batch.json"
    path.write_text(json.dumps({"sources": [SOURCE], "claims": [claim("a"), claim("b", figure="beaucoup")]}))
    with pytest.raises(LoadError) as raised:
        store_file(store, path)
    assert raised.value.where == "$.claims[1]"
    assert "beaucoup" in raised.value.reason
    assert store.list_sources().items == [] and store.count_claims() == 0, "not even the file's source"
    assert store.find_source(SOURCE["id"]) is None, "nor in the sources the store holds in memory"


def test_a_bad_line_of_an_ndjson_file_is_reported_by_number_and_stores_nothing(store: Store, tmp_path: Path) -> None:
    sources = tmp_path / "sources.json"
    sources.write_text(json.dumps({"sources": [SOURCE]}))
    store_file(store, sources)
    path = tmp_path / "claims.ndjson"
    path.write_text("\n".join(json.dumps(c) for c in [claim("a"), claim("b"), claim("c", period="2025-13")]) + "\n")
    with pytest.raises(LoadError) as raised:
        store_file(store, path)
    assert raised.value.where == "line 3"
    assert str(raised.value).startswith(f"{path}: line 3: ")
    assert store.count_claims() == 0


def test_a_file_that_is_not_json_is_reported_as_a_whole(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"sources": [')
    with pytest.raises(LoadError) as raised:
        store_file(store, path)
    assert raised.value.where == "file"


def test_progress_counts_the_claims_read(store: Store) -> None:
    seen: list[tuple[int, int]] = []
    path = FIXTURES_DIR / "000_e809518fc2372e94.json"
    claims = len(json.loads(path.read_text())["claims"])
    store_file(store, path, lambda done, total: seen.append((done, total)))
    assert seen[-1][0] == claims
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


def test_only_json_and_ndjson_files_are_loaded(store: Store, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a fixture")
    (tmp_path / "1-sources.json").write_text(json.dumps({"sources": [SOURCE]}))
    (tmp_path / "2-claims.ndjson").write_text(json.dumps(claim("a")) + "\n")
    reports = load_directory(store, tmp_path, RuleBook(RULES_DIR))
    assert [Path(r.path).name for r in reports] == ["1-sources.json", "2-claims.ndjson"]
    assert store.count_claims() == 1
