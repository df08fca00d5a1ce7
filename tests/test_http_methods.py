"""HEAD wherever GET works, and every answer Litestar writes itself in the one problem shape.

``HEAD`` was a 405 on every route but ``/assets`` (Litestar's ``@get`` does not take it),
and ``/schema/redoc``, a viewer Tally does not serve, was Litestar's HTML 404 page.
Over a real server: every GET route of the app, its path parameters filled from the
seeded store, answers HEAD with GET's status and headers and no body.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from service.app import create_app
from service.rules.book import RuleBook
from service.store import Store
from tests.helpers import PROBLEM_CONTENT_TYPE, assert_problem, settings_for

# Headers that differ between any two answers: when, a fresh cookie's value, and whether the page was rendered or kept.
PER_ANSWER = {"date", "set-cookie", "x-cache"}


def every_get_path(base_url: str, rules: RuleBook, tmp_path: Path) -> list[str]:
    """Every GET route of the app, each path parameter filled with one value the seeded store has."""
    with httpx.Client(base_url=base_url, timeout=60) as client:
        claim = client.get("/claims", params={"limit": 1}).json()[0]
        verdict = client.get("/verdicts", params={"limit": 1}).json()["verdicts"][0]["id"]
        # the seeds name no origin: register one, so its routes answer as they would for a desk
        assert client.post("/origins", json={"id": "ma.office_des_changes", "name": "Office des changes"}).status_code in (201, 409)
    values = {
        "claim_id": claim["id"], "verdict_id": verdict, "source_id": claim["source"], "subject": claim["subject"],
        "rule_id": rules.current.rules[0].id, "file_path": "desk.css", "path": "redoc",  # /schema/{path}: Litestar's catch-all
        "origin_id": "ma.office_des_changes", "origin": "ma.office_des_changes", "source": claim["source"],
    }  # fmt: skip
    with Store(str(tmp_path / "routes.duckdb")) as store:
        app = create_app(settings_for(store.path), store, rules)
    paths = []
    for route in app.routes:
        if "GET" in route.methods:
            missing = set(route.path_parameters) - set(values)
            assert not missing, f"{route.path}: give {missing} a value in this test"
            paths.append(re.sub(r"\{(\w+):\w+\}", lambda match: values[match.group(1)], route.path))
    return paths


def comparable(response: httpx.Response) -> dict[str, str]:
    return {name: value for name, value in response.headers.items() if name not in PER_ANSWER}


def test_head_answers_as_get_on_every_get_route(seeded_server: str, rules: RuleBook, tmp_path: Path) -> None:
    paths = every_get_path(seeded_server, rules, tmp_path)
    assert {"/", "/claims", "/schema", "/schema/openapi.json", "/assets/desk.css", "/desk/read", "/health"} <= set(paths)
    for path in paths:
        got, head = httpx.get(seeded_server + path, timeout=60), httpx.head(seeded_server + path, timeout=60)
        assert head.status_code == got.status_code, (path, got.status_code, head.status_code, head.headers)
        assert head.content == b"", path
        assert comparable(head) == comparable(got), path
        assert got.status_code < 400 or path == "/schema/redoc", (path, got.status_code)


def test_head_of_a_missing_page_is_a_404_problem_without_a_body(seeded_server: str) -> None:
    got, head = httpx.get(seeded_server + "/desk/verdicts/v-none"), httpx.head(seeded_server + "/desk/verdicts/v-none")
    assert_problem(got, 404, "id")
    assert head.status_code == 404 and head.headers["content-type"] == PROBLEM_CONTENT_TYPE and head.content == b""
    assert head.headers["content-length"] == got.headers["content-length"]


@pytest.mark.parametrize("path", ["/schema/redoc", "/schema/rapidoc", "/schema/elements", "/schema/anything", "/schema/openapi.yaml"])
def test_a_path_under_schema_that_nothing_serves_is_a_404_problem(seeded_server: str, path: str) -> None:
    body = assert_problem(httpx.get(seeded_server + path), 404, "path")
    assert body["title"] == "Not found" and path in body["detail"]


@pytest.mark.parametrize(("method", "path"), [("DELETE", "/claims"), ("PUT", "/"), ("TRACE", "/health"), ("PATCH", "/schema"), ("POST", "/assets/desk.css")])
def test_a_method_a_path_does_not_take_is_a_405_problem_listing_head(seeded_server: str, method: str, path: str) -> None:
    response = httpx.request(method, seeded_server + path)
    body = assert_problem(response, 405, "method")
    allowed = {m.strip() for m in response.headers["allow"].split(",")}
    assert {"GET", "HEAD"} <= allowed, allowed
    assert body["title"] == "Method not allowed" and "GET" in body["detail"] and "HEAD" in body["detail"]


def test_an_unknown_path_is_a_404_problem_saying_where_the_paths_are(seeded_server: str) -> None:
    for method in ("GET", "OPTIONS", "POST"):
        body = assert_problem(httpx.request(method, seeded_server + "/nowhere"), 404, "path")
        assert "/schema/openapi.json" in body["detail"]


def test_options_lists_head_beside_get(seeded_server: str) -> None:
    response = httpx.options(seeded_server + "/health")
    assert response.status_code == 204
    assert {m.strip() for m in response.headers["allow"].split(",")} == {"GET", "HEAD", "OPTIONS"}
