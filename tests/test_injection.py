"""SQL through every claim field and every filter is plain data (issue 11, item 7).

Each payload goes through the HTTP API to the real DuckDB store: what is stored comes
back byte for byte, a filter that names nothing finds nothing, and the store keeps
every table and row it had.  (Rule files are the `rules` part's: tests/test_rules_*.py.)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from litestar.testing import TestClient

from service.rules.book import RuleBook
from service.store import Store
from tests.helpers import SOURCE, claim_body, make_client

PAYLOADS = [
    "'; DROP TABLE claims; --",
    "\" OR 1=1 --",
    "x' OR '1'='1",
    "1; DELETE FROM verdicts",
    "' UNION SELECT id, quote FROM claims --",
    "$1",
    "?",
    "%' --",
    "ma.exports') OR (1=1",
    "'); ATTACH 'evil.db' AS evil; --",
    "\\'; COPY claims TO '/tmp/stolen.csv'; --",
]


@pytest.fixture(scope="module")
def desk(seeded_file, tmp_path_factory: pytest.TempPathFactory, rules: RuleBook) -> Iterator[tuple[TestClient, Store]]:
    import shutil

    path = tmp_path_factory.mktemp("injection") / "tally.duckdb"
    shutil.copyfile(seeded_file, path)
    with Store(str(path)) as store, make_client(store, rules) as client:
        assert client.post("/sources", json=SOURCE).status_code == 201
        yield client, store


def tables(store: Store) -> list[tuple[Any, ...]]:
    return store.query("SELECT table_name FROM information_schema.tables ORDER BY table_name")


def snapshot(store: Store) -> tuple[Any, ...]:
    counts = tuple(store.query(f"SELECT count(*) FROM {name}")[0][0] for (name,) in tables(store))  # noqa: S608  names from the catalogue
    return tuple(tables(store)), counts


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_source_with_sql_in_every_text_field_reads_back_as_written(desk: tuple[TestClient, Store], payload: str) -> None:
    client, store = desk
    source_id = f"inj-{PAYLOADS.index(payload)}"
    # a url is an http(s) address (tests/test_api_sources.py): the payload rides in its query, its quotes and semicolons raw
    url = "https://example.org/?q=" + quote(payload, safe="'\";=()$?%,-\\")
    body = SOURCE | {"id": source_id, "title": payload, "outlet": payload, "speaker": payload, "url": url}
    assert client.post("/sources", json=body).status_code == 201, url
    assert client.get(f"/sources/{source_id}").json() == body


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_claim_with_sql_in_its_quote_reads_back_as_written(desk: tuple[TestClient, Store], payload: str) -> None:
    client, store = desk
    before = store.count_claims()
    response = client.post("/claims", json=claim_body(payload))
    assert response.status_code == 201, response.text
    claim = client.get(f"/claims/{response.json()['claim']['id']}").json()
    assert claim["quote"] == payload
    assert store.count_claims() == before + 1
    retracted = client.post(f"/claims/{claim['id']}/retract", json={"by": payload, "reason": payload})
    assert retracted.status_code == 200 and retracted.json()["retracted"]["reason"] == payload


CLAIM_FIELDS = ["source", "subject", "measure", "period", "compared_to", "figure", "value", "unit", "qualifier"]


@pytest.mark.parametrize("field", CLAIM_FIELDS)
@pytest.mark.parametrize("payload", PAYLOADS[:3])
def test_sql_in_any_other_claim_field_is_refused_as_data(desk: tuple[TestClient, Store], field: str, payload: str) -> None:
    client, store = desk
    before = snapshot(store)
    body = claim_body("structured") | {field: payload}
    if field in ("value", "unit", "qualifier"):
        body = {k: v for k, v in body.items() if k != "figure"} | {"value": "5", "unit": "MAD", field: payload}
    response = client.post("/claims", json=body)
    assert response.status_code == 422, response.text
    assert snapshot(store) == before
    breakdown = client.post("/claims", json=claim_body("q") | {"breakdown": {"product": payload}})
    assert breakdown.status_code == 422


FILTERS = [
    ("/claims", ["subject", "source", "period", "measure"]),
    ("/verdicts", ["status", "rule", "subject", "claim"]),
    ("/blame", ["subject"]),
    ("/", ["subject", "rule", "status", "source"]),
    ("/desk/blame", ["subject"]),
    ("/desk/read", ["figure", "source"]),
]


@pytest.mark.parametrize(("path", "names"), FILTERS, ids=[path for path, _ in FILTERS])
@pytest.mark.parametrize("payload", PAYLOADS[:6])
def test_sql_in_a_filter_finds_nothing_and_changes_nothing(desk: tuple[TestClient, Store], path: str, names: list[str], payload: str) -> None:
    client, store = desk
    before = snapshot(store)
    for name in names:
        response = client.get(path, params={name: payload})
        assert response.status_code in (200, 422), (name, response.status_code, response.text[:300])
        if response.status_code == 200 and path in ("/claims", "/verdicts"):
            listed = response.json()
            assert (listed if path == "/claims" else listed["verdicts"]) == [], (name, payload)
    assert snapshot(store) == before


@pytest.mark.parametrize("template", ["/claims/{}", "/sources/{}", "/verdicts/{}", "/verdicts/{}/claimreview", "/rules/{}",
                                      "/subjects/{}", "/desk/verdicts/{}", "/desk/claims/{}", "/desk/rules/{}"])
@pytest.mark.parametrize("payload", PAYLOADS[:6])
def test_sql_in_an_id_is_a_404(desk: tuple[TestClient, Store], template: str, payload: str) -> None:
    client, store = desk
    before = snapshot(store)
    response = client.get(template.format(payload.replace("/", "%2F").replace("?", "%3F").replace("%", "%25").replace("#", "%23")))
    assert response.status_code in (200, 404), (response.status_code, response.text[:300])
    assert snapshot(store) == before
