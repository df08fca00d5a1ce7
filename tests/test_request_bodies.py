"""Request bodies: only the media types a route declares, JSON of bounded depth, each key once (service/api/bodies.py).

A browser's cross-origin "simple" request (``text/plain``, a form, or a body with no
type) needs no preflight: every write must refuse it with a 415 rather than read it
as JSON.  Each case runs against a real server on 127.0.0.1, over a real socket.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from service.api.bodies import MAX_JSON_DEPTH
from service.rules.book import RuleBook
from service.store import Store
from tests.conftest import serving
from tests.helpers import RULES_DIR, SOURCE, assert_problem, claim_body

JSON = {"content-type": "application/json"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, rules: RuleBook) -> Iterator[tuple[httpx.Client, Store]]:
    path = tmp_path_factory.mktemp("bodies") / "tally.duckdb"
    with Store(str(path)) as store, serving(store, rules) as base_url, httpx.Client(base_url=base_url) as http:
        assert http.post("/sources", json=SOURCE).status_code == 201
        yield http, store


@pytest.fixture
def http(server: tuple[httpx.Client, Store]) -> httpx.Client:
    return server[0]


@pytest.fixture
def store(server: tuple[httpx.Client, Store]) -> Store:
    return server[1]


SIMPLE_REQUESTS = ["text/plain", "text/plain; charset=utf-8", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]


@pytest.mark.parametrize("content_type", [*SIMPLE_REQUESTS, "application/xml", "application/json; charset=latin-1", None])
@pytest.mark.parametrize("path", ["/sources", "/claims", "/check", "/claims/batch"])
def test_a_body_of_another_type_is_a_415_and_stores_nothing(http: httpx.Client, store: Store, path: str, content_type: str | None) -> None:
    before = (store.count_claims(), len(store.list_sources().items))
    body = json.dumps({**SOURCE, "id": "cross-site"} if path == "/sources" else claim_body("posted cross-site")).encode()
    headers = {} if content_type is None else {"content-type": content_type}
    assert_problem(http.post(path, content=body, headers=headers), 415, "content-type")
    assert (store.count_claims(), len(store.list_sources().items)) == before


def test_a_rule_reload_posted_as_text_is_a_415(http: httpx.Client) -> None:
    assert_problem(http.post("/rules/reload", content=b"x", headers={"content-type": "text/plain"}), 415, "content-type")


def test_rules_are_validated_from_yaml_only(http: httpx.Client) -> None:
    text = (RULES_DIR / "same-figure.yaml").read_bytes()
    assert http.post("/rules/validate", content=text, headers={"content-type": "application/yaml"}).status_code == 200
    assert_problem(http.post("/rules/validate", content=text, headers={"content-type": "text/plain"}), 415, "content-type")


def test_the_declared_types_are_still_taken(http: httpx.Client) -> None:
    ndjson = json.dumps(claim_body("one per line")).encode()
    assert http.post("/claims/batch", content=ndjson, headers={"content-type": "application/x-ndjson"}).status_code == 201
    assert http.post("/check", content=json.dumps(claim_body("checked")), headers={"content-type": "application/json; charset=UTF-8"}).status_code == 200


@pytest.mark.parametrize(("body", "content_type"), [(b"[]", "application/json"), (b"", "application/x-ndjson"), (b"\n\n", "application/x-ndjson")])
def test_an_empty_batch_stores_nothing(http: httpx.Client, store: Store, body: bytes, content_type: str) -> None:
    before = store.count_claims()
    response = http.post("/claims/batch", content=body, headers={"content-type": content_type})
    assert response.status_code == 201 and response.json() == {"claims_added": 0, "skipped": 0}, response.text
    assert store.count_claims() == before


def nested(depth: int) -> bytes:
    return b'{"quote": ' + b"[" * depth + b"]" * depth + b"}"


@pytest.mark.parametrize("path", ["/claims", "/check", "/sources", "/claims/batch"])
def test_json_nested_a_thousand_deep_is_a_400(http: httpx.Client, path: str) -> None:
    body = assert_problem(http.post(path, content=nested(1000), headers=JSON), 400, "$")
    assert f"at most {MAX_JSON_DEPTH}" in body["detail"]


def test_ndjson_lines_are_bounded_too(http: httpx.Client) -> None:
    lines = json.dumps(claim_body("fine")).encode() + b"\n" + nested(1000)
    assert_problem(http.post("/claims/batch", content=lines, headers={"content-type": "application/x-ndjson"}), 400, "line 2")


def test_depth_inside_strings_does_not_count(http: httpx.Client) -> None:
    quote = "[" * 1000 + "{"
    assert http.post("/check", json=claim_body(quote), headers=JSON).status_code == 200


@pytest.mark.parametrize("key", ["figure", "quote", "source"])
def test_a_key_twice_is_a_400_naming_it(http: httpx.Client, store: Store, key: str) -> None:
    before = store.count_claims()
    fields = [f'"{k}": {json.dumps(v)}' for k, v in claim_body("twice").items()]
    fields.append(f'"{key}": {json.dumps(claim_body("other")[key] + " bis")}')
    body = assert_problem(http.post("/claims", content="{" + ", ".join(fields) + "}", headers=JSON), 400, key)
    assert "twice" in body["detail"]
    assert store.count_claims() == before


def test_a_nested_key_twice_is_a_400(http: httpx.Client) -> None:
    body = json.dumps(claim_body("nested")).encode()[:-1] + b', "breakdown": {"product": "a", "product": "b"}}'
    assert_problem(http.post("/check", content=body, headers=JSON), 400, "product")
