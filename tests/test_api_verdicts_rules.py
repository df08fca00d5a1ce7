"""/verdicts, /rules and the OpenAPI document: what a desk filters, what a rule author reads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from service.loading import load_directory
from service.rules.book import RuleBook
from service.store import Store
from tests.helpers import FIXTURES_DIR, OLD_RULES_DIR, RULES_DIR, make_client

YAML = {"content-type": "application/yaml"}

RULE_IDS = [  # in the order of their files' names, which are the rules' ids
    "average-growth-links-levels",
    "average-growth-links-yearly-growths",
    "average-per-region",
    "cumulative-periods",
    "direction-agrees-with-levels",
    "direction-agrees-with-shares",
    "growth-links-levels",
    "growths-imply-one-base",
    "same-category",
    "same-figure",
    "share-change-in-points",
    "share-follows-growth",
    "share-from-levels",
    "shares-sum-to-whole",
]
STATUS_ORDER = {"contradicted": 0, "implausible": 1, "unverifiable": 2, "consistent": 3}


@pytest.fixture(scope="module")
def all_verdicts(seeded_reader: TestClient) -> list[dict[str, Any]]:
    response = seeded_reader.get("/verdicts")
    assert response.status_code == 200
    return response.json()["verdicts"]


def verdicts(client: TestClient, **params: str) -> list[dict[str, Any]]:
    response = client.get("/verdicts", params=params)
    assert response.status_code == 200, response.text
    return response.json()["verdicts"]


# --- /verdicts ----------------------------------------------------------------------------------


def test_verdicts_come_contradictions_first(all_verdicts: list[dict[str, Any]]) -> None:
    ranks = [STATUS_ORDER[v["status"]] for v in all_verdicts]
    assert ranks == sorted(ranks)
    assert ranks[0] == 0, "the seeds hold contradictions"


def test_verdicts_filter_by_status(seeded_reader: TestClient, all_verdicts: list[dict[str, Any]]) -> None:
    selected = verdicts(seeded_reader, status="contradicted")
    assert selected and selected == [v for v in all_verdicts if v["status"] == "contradicted"]


def test_verdicts_filter_by_rule(seeded_reader: TestClient, all_verdicts: list[dict[str, Any]]) -> None:
    selected = verdicts(seeded_reader, rule="shares-sum-to-whole")
    assert selected and selected == [v for v in all_verdicts if v["rule"] == "shares-sum-to-whole"]


def test_verdicts_filter_by_subject(seeded_reader: TestClient, all_verdicts: list[dict[str, Any]]) -> None:
    subject = "ma.handicraft.digital_platform.partner_bank"
    selected = verdicts(seeded_reader, subject=subject)
    assert [v["rule"] for v in selected] == ["same-category"]
    assert selected == [v for v in all_verdicts if any(e["subject"] == subject for e in v["claims"])]


def test_verdicts_filter_by_claim(seeded_reader: TestClient, all_verdicts: list[dict[str, Any]]) -> None:
    [claim] = seeded_reader.get("/claims", params={"source": "communique-2025-12", "measure": "level"}).json()
    selected = verdicts(seeded_reader, claim=claim["id"])
    expected = [v for v in all_verdicts if any(e["id"] == claim["id"] for e in v["claims"])]
    assert selected and [v["id"] for v in selected] == [v["id"] for v in expected]


def test_verdict_filters_combine(seeded_reader: TestClient, all_verdicts: list[dict[str, Any]]) -> None:
    selected = verdicts(seeded_reader, status="consistent", rule="same-figure")
    assert selected == [v for v in all_verdicts if v["status"] == "consistent" and v["rule"] == "same-figure"]


def test_verdict_ids_are_unique(all_verdicts: list[dict[str, Any]]) -> None:
    ids = [v["id"] for v in all_verdicts]
    assert len(ids) == len(set(ids))
    assert all(i.startswith("v-") for i in ids)


def test_verdict_ids_are_stable_across_runs_and_stores(
    tmp_path: Path, rules: RuleBook, seeded_reader: TestClient, all_verdicts: list[dict[str, Any]]
) -> None:
    assert [v["id"] for v in verdicts(seeded_reader)] == [v["id"] for v in all_verdicts]
    with Store(str(tmp_path / "again.duckdb")) as fresh:
        load_directory(fresh, FIXTURES_DIR, RuleBook(RULES_DIR))
        with make_client(fresh, rules) as client:
            again = verdicts(client)
    assert [v["id"] for v in again] == [v["id"] for v in all_verdicts]
    # everything but when each store first held the verdict
    assert [v | {"first_seen": None} for v in again] == [v | {"first_seen": None} for v in all_verdicts]


# --- /rules ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def listed_rules(seeded_reader: TestClient) -> list[dict[str, Any]]:
    response = seeded_reader.get("/rules")
    assert response.status_code == 200
    return response.json()["rules"]


def test_rules_lists_the_shipped_rules_with_their_sql(listed_rules: list[dict[str, Any]]) -> None:
    listed = listed_rules
    assert [r["id"] for r in listed] == RULE_IDS
    for rule in listed:
        assert rule["sql"].lstrip().upper().startswith(("SELECT", "WITH")), rule["id"]
        assert rule["title"] and rule["description"] and rule["check"] and rule["bindings"], rule["id"]
        assert Path(rule["file"]).parent == RULES_DIR or Path(rule["file"]).parent.name == "rules"


def test_one_rule_reads_back_by_id_as_listed(seeded_reader: TestClient, listed_rules: list[dict[str, Any]]) -> None:
    listed = {r["id"]: r for r in listed_rules}
    for rule_id in ("same-figure", "share-change-in-points"):
        response = seeded_reader.get(f"/rules/{rule_id}")
        assert response.status_code == 200
        assert response.json() == listed[rule_id]
    assert listed["growth-links-levels"]["check"] == "current / (1 + growth) == base"


def test_a_rule_lists_only_the_constraints_its_bindings_set(seeded_reader: TestClient) -> None:
    # A binding's spec leaves out what it does not constrain: an empty list is no constraint.
    for binding in seeded_reader.get("/rules/same-figure").json()["bindings"]:
        empty = {key for key, value in binding["spec"].items() if value in (None, [], {}, 0, "any")}
        assert not empty, f"{binding['name']}: {sorted(empty)}"


def test_rules_schema_is_a_json_schema_of_a_rule_file(seeded_reader: TestClient) -> None:
    response = seeded_reader.get("/rules/schema")
    assert response.status_code == 200
    schema = response.json()
    assert schema["$schema"].startswith("https://json-schema.org/")
    definitions = schema["$defs"]
    assert {"RuleSpec", "RuleFileSpec", "BindingSpec"} <= set(definitions)
    rule = definitions["RuleSpec"]
    assert {"id", "title", "description", "bind", "check"} <= set(rule["required"])
    assert rule["additionalProperties"] is False, "a typo in a key is an error, not ignored"
    assert {ref["$ref"] for ref in schema["anyOf"]} == {"#/$defs/RuleSpec", "#/$defs/RuleFileSpec"}


def test_validate_answers_the_ids_of_a_valid_rule_file(seeded_reader: TestClient) -> None:
    text = (OLD_RULES_DIR / "6-share-change.yaml").read_text(encoding="utf-8")
    response = seeded_reader.post("/rules/validate", content=text.encode(), headers={"content-type": "application/yaml"})
    assert response.status_code == 200
    report = response.json()
    assert (report["valid"], report["rules"]) == (True, ["share-follows-growth", "share-change-in-points"])
    # the old file's spellings are read, and each hint names the new one with its line and column
    hints = {(hint["field"], hint["line"]) for hint in report["hints"]}
    assert ("rules.0.bind.new.breakdown", 14) in hints and ("rules.0.bind.total_growth.base_period", 26) in hints, hints
    assert all("(hint: " in hint["reason"] for hint in report["hints"])


def test_validate_does_not_install_the_rule(seeded_reader: TestClient) -> None:
    text = (RULES_DIR / "same-figure.yaml").read_text(encoding="utf-8").replace("id: same-figure", "id: same-figure-copy")
    assert seeded_reader.post("/rules/validate", content=text.encode(), headers=YAML).json()["rules"] == ["same-figure-copy"]
    assert seeded_reader.get("/rules/same-figure-copy").status_code == 404


# --- OpenAPI --------------------------------------------------------------------------------------

OPERATIONS = {
    ("post", "/sources"): "createSource",
    ("get", "/sources"): "listSources",
    ("get", "/sources/{source_id}"): "getSource",
    ("post", "/claims"): "createClaim",
    ("get", "/claims"): "listClaims",
    ("get", "/claims/{claim_id}"): "getClaim",
    ("post", "/check"): "checkClaim",
    ("get", "/verdicts"): "listVerdicts",
    ("get", "/verdicts/{verdict_id}"): "getVerdict",
    ("get", "/verdicts/{verdict_id}/claimreview"): "getClaimReview",
    ("get", "/claimreview"): "listClaimReviews",
    ("get", "/blame"): "getBlame",
    ("post", "/claims/batch"): "createClaims",
    ("post", "/rules/reload"): "reloadRules",
    ("get", "/rules"): "listRules",
    ("get", "/rules/{rule_id}"): "getRule",
    ("get", "/rules/schema"): "ruleFileSchema",
    ("post", "/rules/validate"): "validateRules",
    ("get", "/health"): "getHealth",
}


def test_openapi_lists_every_route_with_its_operation_id(seeded_reader: TestClient) -> None:
    response = seeded_reader.get("/schema/openapi.json")
    assert response.status_code == 200
    document = response.json()
    found = {(method, path): op.get("operationId") for path, ops in document["paths"].items() for method, op in ops.items()}
    for operation, operation_id in OPERATIONS.items():
        assert found.get(operation) == operation_id, operation
    assert all(found.values()), "every operation has an operationId"
    assert len(set(found.values())) == len(found), "operationIds are unique"


def test_openapi_types_the_claim_a_post_answers(seeded_reader: TestClient) -> None:
    document = seeded_reader.get("/schema/openapi.json").json()
    answer = document["paths"]["/claims"]["post"]["responses"]["201"]["content"]["application/json"]["schema"]["$ref"]
    fields = document["components"]["schemas"][answer.rsplit("/", 1)[-1]]["properties"]
    claim = document["components"]["schemas"][fields["claim"]["$ref"].rsplit("/", 1)[-1]]
    assert {"id", "source", "quote", "interval", "period", "reading"} <= set(claim["properties"])
    listing = document["paths"]["/verdicts"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert {"verdicts", "total", "next"} <= set(document["components"]["schemas"][listing.rsplit("/", 1)[-1]]["properties"])


def test_every_operation_says_what_it_does(seeded_reader: TestClient) -> None:
    document = seeded_reader.get("/schema/openapi.json").json()
    for path, ops in document["paths"].items():
        for method, op in ops.items():
            assert op.get("description") or op.get("summary"), (method, path)


def test_the_api_documentation_is_served_at_schema(seeded_reader: TestClient) -> None:
    assert seeded_reader.get("/schema").status_code == 200
