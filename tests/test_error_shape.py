"""One error shape for every client error: 4xx application/problem+json naming the field.

Each case is one way a client can get a request wrong; ``assert_problem`` is the
single assertion of the shape.  After every failing write, the store holds
exactly what it held before: nothing half-written.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import msgspec
import pytest
from litestar.testing import TestClient

from service.claims import ClaimIn, build_claim
from service.rules.book import RuleBook
from service.sources import Source
from service.store import Store
from tests.helpers import assert_problem, error_for, make_client

SOURCE = {"id": "s1", "title": "Communiqué", "outlet": "Ministry", "language": "fr"}
CLAIM = {
    "source": "s1",
    "quote": "les exportations ont atteint 1,14 milliard de dirhams",
    "subject": "ma.handicraft.exports",
    "measure": "level",
    "period": "2025-01/2025-11",
    "figure": "1,14 milliard de dirhams",
}
STRUCTURED = {k: v for k, v in CLAIM.items() if k != "figure"} | {"quote": "structured"}
GROWTH = CLAIM | {"quote": "en hausse de 13 %", "measure": "growth", "figure": "hausse de 13 %"}
JSON = {"content-type": "application/json"}
YAML = {"content-type": "application/yaml"}


def claim(**changes: Any) -> dict[str, Any]:
    return {**CLAIM, "quote": "another quote", **changes}


def without(body: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != key}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, rules: RuleBook) -> Iterator[tuple[TestClient, Store]]:
    """One app over a store holding one source and one claim, shared by the module.

    Sharing is safe because every test asserts the store is unchanged by its
    request; the claim goes in through the store so set-up runs no rules.
    """
    path = tmp_path_factory.mktemp("errors") / "tally.duckdb"
    with Store(str(path)) as store:
        store.add_source(msgspec.convert(SOURCE, Source))
        store.add_claim(build_claim(msgspec.convert(CLAIM, ClaimIn), store.get_source("s1")))
        with make_client(store, rules) as client:
            yield client, store


@pytest.fixture
def client(served: tuple[TestClient, Store]) -> TestClient:
    return served[0]


@pytest.fixture
def store_with_one_claim(served: tuple[TestClient, Store]) -> Store:
    return served[1]


def stored(store: Store) -> tuple[int, int]:
    return len(store.list_sources().items), store.count_claims()


# (method, path, request keyword arguments, status, field)
BODY_ERRORS = [
    pytest.param("POST", "/claims", {"content": b"{not json", "headers": JSON}, 400, "$", id="malformed-json-claim"),
    pytest.param("POST", "/sources", {"content": b'{"id": "x",', "headers": JSON}, 400, "$", id="malformed-json-source"),
    pytest.param("POST", "/check", {"content": b"{not json", "headers": JSON}, 400, "$", id="malformed-json-check"),
    pytest.param("POST", "/claims", {"json": [CLAIM]}, 422, "$", id="array-for-object"),
    pytest.param("POST", "/claims", {"json": claim(period=2025)}, 422, "period", id="wrong-type-period"),
    pytest.param("POST", "/claims", {"json": claim(value=True, unit="MAD", figure=None)}, 422, "value", id="wrong-type-value"),
    pytest.param("POST", "/sources", {"json": SOURCE | {"id": "s2", "title": 3}}, 422, "title", id="wrong-type-title"),
    pytest.param("POST", "/claims", {"json": claim(colour="red")}, 422, "colour", id="unknown-field-claim"),
    pytest.param("POST", "/sources", {"json": SOURCE | {"id": "s2", "colour": "red"}}, 422, "colour", id="unknown-field-source"),
    pytest.param("POST", "/claims", {"json": claim(breakdown={"product": 3})}, 422, "breakdown", id="nested-non-string"),
    pytest.param("POST", "/claims", {"json": claim(breakdown={"Product": "x"})}, 422, "breakdown", id="nested-bad-key"),
    pytest.param("POST", "/claims", {"json": without(claim(), "quote")}, 422, "quote", id="missing-quote"),
    pytest.param("POST", "/claims", {"json": without(claim(), "period")}, 422, "period", id="missing-period"),
    pytest.param("POST", "/sources", {"json": without(SOURCE | {"id": "s2"}, "outlet")}, 422, "outlet", id="missing-outlet"),
    pytest.param("POST", "/claims", {"json": claim(quote="")}, 422, "quote", id="empty-quote"),
    pytest.param("POST", "/claims", {"json": claim(subject="Ma.Exports")}, 422, "subject", id="bad-subject"),
    pytest.param("POST", "/sources", {"json": SOURCE | {"id": "bad id!"}}, 422, "id", id="bad-source-id"),
    pytest.param("POST", "/sources", {"json": SOURCE | {"id": "s2", "published": "yesterday"}}, 422, "published", id="bad-date"),
    pytest.param("POST", "/claims", {"json": claim(measure="speed")}, 422, "measure", id="enum-measure"),
    pytest.param("POST", "/sources", {"json": SOURCE | {"id": "s2", "language": "de"}}, 422, "language", id="enum-language"),
    pytest.param("POST", "/sources", {"json": SOURCE | {"id": "s2", "rounding": "ceil"}}, 422, "rounding", id="enum-rounding"),
    pytest.param("POST", "/sources", {"json": SOURCE | {"id": "s2", "weight": 0}}, 422, "weight", id="zero-weight"),
    pytest.param("POST", "/sources", {"json": SOURCE | {"id": "s2", "weight": -1.5}}, 422, "weight", id="negative-weight"),
    pytest.param("POST", "/sources", {"json": SOURCE | {"id": "s2", "weight": "heavy"}}, 422, "weight", id="wrong-type-weight"),
    pytest.param("POST", "/claims", {"json": claim(period="2025-13")}, 422, "period", id="bad-period"),
    pytest.param("POST", "/claims", {"json": claim(period="2025-11/2025-01")}, 422, "period", id="period-ends-first"),
    pytest.param("POST", "/claims", {"json": GROWTH | {"compared_to": "last year"}}, 422, "compared_to", id="bad-compared-to"),
    pytest.param("POST", "/claims", {"json": claim(compared_to="2024")}, 422, "compared_to", id="compared-to-on-level"),
    pytest.param("POST", "/claims", {"json": claim(figure="beaucoup de dirhams")}, 422, "figure", id="unreadable-figure"),
    pytest.param("POST", "/claims", {"json": claim(figure="   ")}, 422, "figure", id="blank-figure"),
    pytest.param("POST", "/claims", {"json": claim(measure="share")}, 422, "figure", id="unit-not-fitting-measure"),
    pytest.param("POST", "/claims", {"json": claim(measure="share", figure="120 %")}, 422, "figure", id="share-over-100"),
    pytest.param("POST", "/claims", {"json": claim(measure="category", figure=None, value=3, unit="count")}, 422, "figure",
                 id="category-without-text"),
    pytest.param("POST", "/claims", {"json": claim(value=1.14, unit="MMDH")}, 422, "figure", id="figure-and-value"),
    pytest.param("POST", "/claims", {"json": STRUCTURED | {"value": 1.14}}, 422, "unit", id="value-without-unit"),
    pytest.param("POST", "/claims", {"json": STRUCTURED | {"unit": "MMDH"}}, 422, "value", id="unit-without-value"),
    pytest.param("POST", "/claims", {"json": STRUCTURED | {"value": 1.14, "unit": "furlongs"}}, 422, "unit", id="unknown-unit"),
    pytest.param("POST", "/claims", {"json": STRUCTURED | {"value": 1.14, "unit": "MMDH", "qualifier": "roughly-ish"}}, 422,
                 "qualifier", id="unknown-qualifier"),
    pytest.param("POST", "/claims", {"json": STRUCTURED | {"value": "abc", "unit": "MAD"}}, 422, "value", id="unreadable-value"),
    pytest.param("POST", "/claims", {"json": claim(source="nope")}, 422, "source", id="unknown-source"),
    pytest.param("POST", "/check", {"json": claim(source="nope")}, 422, "source", id="check-unknown-source"),
    pytest.param("POST", "/check", {"json": claim(figure="beaucoup")}, 422, "figure", id="check-unreadable-figure"),
    pytest.param("POST", "/sources", {"json": SOURCE}, 409, "id", id="duplicate-source"),
    pytest.param("POST", "/claims", {"json": CLAIM}, 409, None, id="duplicate-claim"),
    pytest.param("DELETE", "/sources", {}, 405, "method", id="wrong-method"),
    pytest.param("PUT", "/claims/c-000000000000", {"json": CLAIM}, 405, "method", id="wrong-method-on-item"),
]

READ_ERRORS = [
    pytest.param("/sources/nope", 404, "id", id="unknown-source-get"),
    pytest.param("/claims/nope", 404, "id", id="unknown-claim-get"),
    pytest.param("/nowhere", 404, "path", id="unknown-route"),
    pytest.param("/rules/unknown", 404, "id", id="unknown-rule"),
    pytest.param("/verdicts?status=wrong", 422, "status", id="enum-status-filter"),
    pytest.param("/verdicts?rule=unknown", 422, "rule", id="unknown-rule-filter"),
    pytest.param("/verdicts?claim=unknown", 422, "claim", id="unknown-claim-filter"),
    pytest.param("/claims?period=garbage", 422, "period", id="bad-period-query"),
    pytest.param("/claims?period=2025-11/2025-01", 422, "period", id="backwards-period-query"),
    pytest.param("/claims?measure=speed", 422, "measure", id="enum-measure-query"),
    pytest.param("/sources?offset=1861466306395480511831508779008", 422, "offset", id="offset-past-bigint"),
    pytest.param("/claimreview?offset=1861466306395480511831508779008", 422, "offset", id="offset-past-bigint-claimreview"),
]


@pytest.mark.parametrize(("method", "path", "request_args", "status", "field"), BODY_ERRORS)
def test_a_failed_write_is_one_problem_and_stores_nothing(
    client: TestClient, store_with_one_claim: Store, method: str, path: str, request_args: dict, status: int, field: str | None
) -> None:
    before = stored(store_with_one_claim)
    response = client.request(method, path, **request_args)
    assert_problem(response, status, field)
    assert stored(store_with_one_claim) == before


@pytest.mark.parametrize(("path", "status", "field"), READ_ERRORS)
def test_a_failed_read_is_one_problem(client: TestClient, store_with_one_claim: Store, path: str, status: int, field: str) -> None:
    body = assert_problem(client.get(path), status, field)
    if status == 422:
        assert error_for(body, field)["in"] == "query"


def test_a_duplicate_claim_names_the_stored_claim(client: TestClient, store_with_one_claim: Store) -> None:
    stored_id = client.get("/claims").json()[0]["id"]
    body = assert_problem(client.post("/claims", json=CLAIM), 409)
    assert stored_id in body["detail"]


def test_an_unreadable_figure_names_the_unreadable_part(client: TestClient, store_with_one_claim: Store) -> None:
    body = assert_problem(client.post("/claims", json=claim(figure="beaucoup de dirhams")), 422, "figure")
    assert error_for(body, "figure")["part"] == "beaucoup"


def test_an_unknown_structured_unit_names_the_unit_as_the_part(client: TestClient, store_with_one_claim: Store) -> None:
    body = assert_problem(client.post("/claims", json=STRUCTURED | {"value": 1.14, "unit": "furlongs"}), 422, "unit")
    assert error_for(body, "unit")["part"] == "furlongs"


def test_an_empty_body_is_a_malformed_body(client: TestClient, store_with_one_claim: Store) -> None:
    # An empty body is not a JSON document: a 400 like any malformed JSON, with a readable reason.
    body = assert_problem(client.post("/claims", content=b"", headers=JSON), 400, "$")
    assert body["errors"][0]["reason"] != "'data'"


def test_a_wrong_method_says_which_methods_are_allowed(client: TestClient) -> None:
    # RFC 9110 15.5.6: a 405 response MUST carry Allow; Litestar sets it, the problem must keep it.
    response = client.delete("/sources")
    assert_problem(response, 405, "method")
    assert {m.strip() for m in response.headers.get("allow", "").split(",")} >= {"GET", "POST"}


@pytest.mark.parametrize("compared_to", ["2025", "2025-06/2026-05"], ids=["same-period", "overlapping-period"])
def test_a_base_period_does_not_overlap_the_period(client: TestClient, store_with_one_claim: Store, compared_to: str) -> None:
    # A growth "par rapport à" months it is itself measured over compares a period with itself.
    before = stored(store_with_one_claim)
    response = client.post("/claims", json=GROWTH | {"period": "2025", "compared_to": compared_to})
    assert_problem(response, 422, "compared_to")
    assert stored(store_with_one_claim) == before


def test_a_negative_level_is_refused_not_read_as_zero(client: TestClient, store_with_one_claim: Store) -> None:
    # A level (exports, a budget) cannot be negative; "-5 milliards" must not be stored as exactly 0 MAD.
    before = stored(store_with_one_claim)
    assert_problem(client.post("/claims", json=claim(figure="-5 milliards de dirhams")), 422, "figure")
    assert stored(store_with_one_claim) == before


# --- POST /rules/validate: every problem with its line and column ------------------------

GOOD_RULE = """\
id: same-figure
title: One quantity, one period, one figure
description: Two sources print the same quantity.
bind:
  first:
    measure: [level, growth, share]
  second:
    measure: same as first
    subject: same as first
    period: same as first
    pair_after: first
check: first == second
"""
TYPE_ERROR_RULE = """\
id: bad-types
title: t
description: d
bind:
  a:
    measure: level
  b:
    measure: share
    subject: same as a
check: a == b
"""

RULE_ERRORS = [
    pytest.param("id: [unclosed", "$", (1, 14), id="broken-yaml"),
    pytest.param(GOOD_RULE.replace("pair_after:", "pair_aftr:"), "bind.second.pair_aftr", (11, 5), id="unknown-key"),
    pytest.param(GOOD_RULE.replace("first == second", "first == secnd"), "check", (12, 17), id="unbound-name"),
    pytest.param(TYPE_ERROR_RULE, "check", (10, 10), id="type-error"),
    pytest.param(GOOD_RULE.replace("title: One quantity, one period, one figure", "title: 3"), "title", (2, 8), id="wrong-type"),
]


@pytest.mark.parametrize(("text", "field", "position"), RULE_ERRORS)
def test_a_broken_rule_file_is_a_problem_with_line_and_column(
    client: TestClient, text: str, field: str, position: tuple[int, int]
) -> None:
    response = client.post("/rules/validate", content=text.encode(), headers={"content-type": "application/yaml"})
    body = assert_problem(response, 422, field)
    error = error_for(body, field)
    assert error["in"] == "rule"
    assert (error["line"], error["column"]) == position


def test_a_rule_file_that_is_not_utf8_is_a_problem(client: TestClient) -> None:
    assert_problem(client.post("/rules/validate", content=b"\xff\xfe", headers=YAML), 422, "$")


def test_an_empty_rule_file_is_a_problem(client: TestClient) -> None:
    assert_problem(client.post("/rules/validate", content=b"", headers=YAML), 422, "$")
