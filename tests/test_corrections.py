"""Correcting and retracting a claim: kept and marked, and out of every verdict (POST /claims/{id}/retract, /correct)."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from service import checking
from service.rules.book import RuleBook
from service.store import Store
from tests.helpers import assert_problem, error_for, make_client
from tests.strategies import rounded

WHO = {"by": "desk@example.org", "reason": "entered the wrong figure"}


def claim_printed(client: TestClient, figure: str, measure: str = "level") -> dict[str, Any]:
    """The one seed claim of the exports' level printed as ``figure``."""
    claims = client.get("/claims", params={"subject": "ma.handicraft.exports", "measure": measure, "limit": 500}).json()
    (found,) = [c for c in claims if c["figure"] == figure]
    return found


def verdict_claim_sets(client: TestClient, **filters: str) -> list[set[str]]:
    answer = client.get("/verdicts", params={"limit": 1000, **filters}).json()
    assert answer["next"] is None
    return [{evidence["id"] for evidence in verdict["claims"]} for verdict in answer["verdicts"]]


def stored_verdicts(store: Store, rules: RuleBook) -> list[tuple[Any, ...]]:
    page = store.list_verdicts(rules.current)
    # rounded: the verdicts around a withdrawal are found in process, a recompute's by DuckDB
    return sorted(rounded((row.id, row.status, row.margin, row.left, row.right, first_seen)) for row, first_seen in page.items)


@pytest.fixture
def exports(seeded_client: TestClient) -> tuple[dict[str, Any], dict[str, Any]]:
    """The seeds' two printed levels of the exports: 1,14 and (quelque) 1,23 milliard, contradicting each other."""
    return claim_printed(seeded_client, "1,14 milliard de dirhams (MMDH)"), claim_printed(seeded_client, "quelque 1,23 milliard de dirhams")


# --- retract -----------------------------------------------------------------------------------


def test_a_retracted_claim_is_kept_marked_and_in_no_verdict(seeded_client: TestClient, exports: tuple[dict[str, Any], ...]) -> None:
    low, high = exports
    assert {low["id"], high["id"]} in verdict_claim_sets(seeded_client, status="contradicted", rule="same-figure")
    assert high["id"] in {c["id"] for c in seeded_client.get("/blame").json()["claims"]}

    response = seeded_client.post(f"/claims/{high['id']}/retract", json=WHO)

    assert response.status_code == 200, response.text
    retracted = response.json()
    assert retracted["retracted"]["by"] == WHO["by"] and retracted["retracted"]["reason"] == WHO["reason"]
    assert retracted["retracted"]["at"]
    assert retracted["superseded_by"] is None and retracted["corrected"] is None
    assert {**retracted, "retracted": None} == high, "nothing but the mark changes"
    assert seeded_client.get(f"/claims/{high['id']}").json() == retracted
    assert claim_printed(seeded_client, high["figure"]) == retracted, "still listed"
    assert not any(high["id"] in claims for claims in verdict_claim_sets(seeded_client))
    assert seeded_client.get("/verdicts", params={"claim": high["id"]}).json()["total"] == 0
    blame = seeded_client.get("/blame").json()
    assert high["id"] not in {c["id"] for c in blame["claims"]}
    assert not any(high["id"] in chosen for chosen in blame["minimal_sets"])


def test_a_new_claim_is_not_checked_against_a_retracted_one(seeded_client: TestClient, exports: tuple[dict[str, Any], ...]) -> None:
    _, high = exports
    what_if = {key: high[key] for key in ("source", "subject", "measure", "period", "figure")} | {"quote": "quelque 1,23 milliard"}
    assert any(high["id"] in {e["id"] for e in v["claims"]} for v in seeded_client.post("/check", json=what_if).json()["verdicts"])
    assert seeded_client.post(f"/claims/{high['id']}/retract", json=WHO).status_code == 200
    verdicts = seeded_client.post("/check", json=what_if).json()["verdicts"]
    assert verdicts and not any(high["id"] in {e["id"] for e in v["claims"]} for v in verdicts)


def test_a_claim_is_retracted_once(seeded_client: TestClient, exports: tuple[dict[str, Any], ...]) -> None:
    _, high = exports
    assert seeded_client.post(f"/claims/{high['id']}/retract", json=WHO).status_code == 200
    body = assert_problem(seeded_client.post(f"/claims/{high['id']}/retract", json=WHO), 409, "id")
    assert "retracted already" in error_for(body, "id")["reason"]


def test_retracting_an_unknown_claim_is_not_found(seeded_client: TestClient) -> None:
    assert_problem(seeded_client.post("/claims/c-000000000000/retract", json=WHO), 404, "id")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reason": "typo"}, "by"),
        ({"by": "desk"}, "reason"),
        ({"by": "", "reason": "typo"}, "by"),
        ({"by": "desk", "reason": "   "}, "reason"),
        ({"by": "desk", "reason": "typo", "why": "x"}, "why"),
    ],
)
def test_a_retraction_says_who_and_why(seeded_client: TestClient, exports: tuple[dict[str, Any], ...], body: dict[str, str], field: str) -> None:
    _, high = exports
    assert_problem(seeded_client.post(f"/claims/{high['id']}/retract", json=body), 422, field)
    assert seeded_client.get(f"/claims/{high['id']}").json() == high


# --- correct -----------------------------------------------------------------------------------


def correction_of(claim: dict[str, Any], figure: str, **who: str) -> dict[str, Any]:
    body = {key: claim[key] for key in ("source", "quote", "subject", "measure", "period", "figure")}
    return {**body, "figure": figure, **(who or WHO)}


def test_a_correction_supersedes_the_claim_linked_both_ways(seeded_client: TestClient, exports: tuple[dict[str, Any], ...]) -> None:
    low, high = exports
    response = seeded_client.post(f"/claims/{high['id']}/correct", json=correction_of(high, "quelque 1,14 milliard de dirhams"))

    assert response.status_code == 201, response.text
    answer = response.json()
    assert set(answer) == {"claim", "verdicts"}
    new = answer["claim"]
    assert new["id"] != high["id"] and new["corrects"] == high["id"] and new["figure"] == "quelque 1,14 milliard de dirhams"
    assert new["retracted"] is None and new["superseded_by"] is None
    assert seeded_client.get(f"/claims/{new['id']}").json() == new
    old = seeded_client.get(f"/claims/{high['id']}").json()
    assert old["superseded_by"] == new["id"] and old["retracted"] is None
    assert old["corrected"]["by"] == WHO["by"] and old["corrected"]["reason"] == WHO["reason"]
    # the new claim's verdicts, as GET /verdicts keeps them; the old claim is in none
    assert [v["id"] for v in answer["verdicts"]] == [v["id"] for v in seeded_client.get("/verdicts", params={"claim": new["id"]}).json()["verdicts"]]
    assert any(low["id"] in {e["id"] for e in v["claims"]} and v["status"] == "consistent" for v in answer["verdicts"])
    assert not any(high["id"] in claims for claims in verdict_claim_sets(seeded_client))
    assert {low["id"], high["id"]} not in verdict_claim_sets(seeded_client, status="contradicted")


def test_a_superseded_claim_is_neither_corrected_nor_retracted_again(seeded_client: TestClient, exports: tuple[dict[str, Any], ...]) -> None:
    _, high = exports
    new = seeded_client.post(f"/claims/{high['id']}/correct", json=correction_of(high, "1,14 milliard de dirhams")).json()["claim"]
    for action, body in (("retract", WHO), ("correct", correction_of(high, "1,2 milliard de dirhams"))):
        problem = assert_problem(seeded_client.post(f"/claims/{high['id']}/{action}", json=body), 409, "id")
        assert new["id"] in error_for(problem, "id")["reason"]
    assert seeded_client.get(f"/claims/{high['id']}").json()["superseded_by"] == new["id"]


def test_a_correction_already_stored_is_a_conflict_and_changes_nothing(
    seeded_client: TestClient, seeded_store: Store, rules: RuleBook, exports: tuple[dict[str, Any], ...]
) -> None:
    low, high = exports
    before = stored_verdicts(seeded_store, rules)
    same_as_low = {key: low[key] for key in ("source", "quote", "subject", "measure", "period", "figure")} | WHO
    problem = assert_problem(seeded_client.post(f"/claims/{high['id']}/correct", json=same_as_low), 409, "quote")
    assert low["id"] in error_for(problem, "quote")["reason"]
    assert seeded_client.get(f"/claims/{high['id']}").json() == high
    assert seeded_client.get(f"/claims/{low['id']}").json() == low
    assert stored_verdicts(seeded_store, rules) == before


def test_correcting_an_unknown_claim_is_not_found(seeded_client: TestClient, exports: tuple[dict[str, Any], ...]) -> None:
    _, high = exports
    assert_problem(seeded_client.post("/claims/c-000000000000/correct", json=correction_of(high, "1,2 milliard de dirhams")), 404, "id")


@pytest.mark.parametrize(
    ("change", "field"),
    [({"by": None}, "by"), ({"reason": ""}, "reason"), ({"figure": "beaucoup"}, "figure"), ({"source": "nowhere"}, "source")],
)
def test_a_correction_is_checked_as_a_posted_claim(
    seeded_client: TestClient, exports: tuple[dict[str, Any], ...], change: dict[str, Any], field: str
) -> None:
    _, high = exports
    body = {key: value for key, value in {**correction_of(high, "1,2 milliard de dirhams"), **change}.items() if value is not None}
    assert_problem(seeded_client.post(f"/claims/{high['id']}/correct", json=body), 422, field)
    assert seeded_client.get(f"/claims/{high['id']}").json() == high


# --- the store ---------------------------------------------------------------------------------


def test_the_verdicts_after_a_withdrawal_are_those_of_a_full_recompute(
    seeded_client: TestClient, seeded_store: Store, rules: RuleBook, exports: tuple[dict[str, Any], ...]
) -> None:
    low, high = exports
    assert seeded_client.post(f"/claims/{low['id']}/retract", json=WHO).status_code == 200
    assert seeded_client.post(f"/claims/{high['id']}/correct", json=correction_of(high, "1,2 milliard de dirhams")).status_code == 201
    after = stored_verdicts(seeded_store, rules)
    checking.recompute(seeded_store, rules)
    assert stored_verdicts(seeded_store, rules) == after
    assert not any({low["id"], high["id"]} & set(row.roles_ids) for row, _ in seeded_store.list_verdicts(rules.current).items)


def test_a_store_made_before_claims_could_be_withdrawn_opens(seeded_file: Path, tmp_path: Path, rules: RuleBook) -> None:
    import duckdb

    path = tmp_path / "before.duckdb"
    shutil.copyfile(seeded_file, path)
    with duckdb.connect(str(path)) as old:
        old.execute("DROP VIEW live_claims")
        old.execute("DELETE FROM settings WHERE key = 'schema_version'")  # stores of that time recorded no version
        for column in ("withdrawn_by", "withdrawn_reason", "withdrawn_at", "superseded_by", "corrects"):
            old.execute(f"ALTER TABLE claims DROP COLUMN {column}")
        claims, verdicts = old.execute("SELECT (SELECT count(*) FROM claims), (SELECT count(*) FROM verdicts)").fetchall()[0]
    with Store(str(path)) as store, make_client(store, rules) as client:
        listed = client.get("/claims", params={"limit": 500}).json()
        assert len(listed) == claims and not any(c["retracted"] or c["corrected"] or c["superseded_by"] or c["corrects"] for c in listed)
        assert client.get("/verdicts").json()["total"] == verdicts
        high = claim_printed(client, "quelque 1,23 milliard de dirhams")
        assert client.post(f"/claims/{high['id']}/retract", json=WHO).status_code == 200
    with Store(str(path)) as reopened:
        assert reopened.get_claim(high["id"]).retracted is not None


def test_the_subject_view_no_longer_draws_a_retracted_figure(seeded_client: TestClient) -> None:
    claims = seeded_client.get("/claims", params={"subject": "ma.handicraft.exports", "limit": 1000}).json()
    [level_123] = [c for c in claims if c["figure"] == "quelque 1,23 milliard de dirhams"]
    drawn = '<q dir="auto">quelque 1,23 milliard de dirhams</q>'
    assert drawn in seeded_client.get("/subjects/ma.handicraft.exports").text
    seeded_client.post(f"/claims/{level_123['id']}/retract", json={"by": "desk", "reason": "entered twice"})
    assert drawn not in seeded_client.get("/subjects/ma.handicraft.exports").text


def test_the_csv_listing_keeps_withdrawn_claims_marked(seeded_client: TestClient, exports: tuple[dict[str, Any], ...]) -> None:
    low, high = exports
    assert seeded_client.post(f"/claims/{low['id']}/retract", json=WHO).status_code == 200
    new = seeded_client.post(f"/claims/{high['id']}/correct", json=correction_of(high, "quelque 1,14 milliard de dirhams")).json()["claim"]
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(seeded_client.get("/claims", params={"format": "csv", "limit": 500}).text))}
    assert (rows[low["id"]]["withdrawn"], rows[low["id"]]["withdrawn_by"], rows[low["id"]]["withdrawn_reason"]) == ("retracted", WHO["by"], WHO["reason"])
    assert rows[low["id"]]["withdrawn_at"] and not rows[low["id"]]["superseded_by"]
    assert (rows[high["id"]]["withdrawn"], rows[high["id"]]["superseded_by"]) == ("corrected", new["id"])
    assert rows[new["id"]]["corrects"] == high["id"] and not rows[new["id"]]["withdrawn"]
