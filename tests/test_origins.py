"""Origins and releases on claims: who a figure comes from, which release printed it, and where both show."""

from __future__ import annotations

import csv
import io

import pytest
from litestar.testing import TestClient

from service.claimreview import claim_review
from service.sources import Source
from tests.helpers import assert_problem

OFFICE = "ma.office_des_changes"
SOURCE = {"id": "bulletin-2025-12", "title": "Bulletin mensuel", "outlet": "Office des changes", "language": "fr", "published": "2026-01-05"}


def remittances(quote: str, figure: str, **changes: str) -> dict[str, str]:
    return {
        "source": "bulletin-2025-12", "quote": quote, "subject": "ma.remittances", "measure": "level",
        "period": "2023-01/2023-11", "figure": figure,
    } | changes  # fmt: skip


@pytest.fixture
def desk(client: TestClient) -> TestClient:
    assert client.post("/sources", json=SOURCE).status_code == 201
    return client


def test_an_origin_registers_its_name_and_reads_back(desk: TestClient) -> None:
    body = {"id": OFFICE, "name": "Office des changes", "url": "https://www.oc.gov.ma"}
    assert desk.post("/origins", json=body).json() == body
    assert desk.get(f"/origins/{OFFICE}").json() == body
    assert_problem(desk.post("/origins", json=body), 409, "id")
    assert_problem(desk.get("/origins/ma.nobody"), 404, "id")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"id": "Office des changes", "name": "x"}, "id"),  # a key, like a subject
        ({"id": "ma.oc", "name": ""}, "name"),
        ({"id": "ma.oc", "name": "OC", "url": "javascript:alert(1)"}, "url"),  # shown as a link on the desk
        ({"id": "ma.oc", "name": "OC", "url": "ftp://oc.gov.ma/"}, "url"),
        ({"id": "ma.oc", "name": "OC", "url": "http://["}, "url"),  # urlsplit raises: still the client's field, never a 500
        ({"id": "ma.oc", "name": "OC", "url": "https://oc.gov.ma:99999/"}, "url"),
        ({"id": "ma.oc", "name": "OC", "colour": "red"}, "colour"),
    ],
)
def test_an_origin_that_cannot_be_registered_is_a_problem_naming_its_field(desk: TestClient, body: dict, field: str) -> None:
    assert_problem(desk.post("/origins", json=body), 422, field)


def test_a_claim_carries_its_origin_and_release_in_every_answer(desk: TestClient) -> None:
    body = remittances("105,40 MMDH", "105,40 MMDH", origin=OFFICE, released="2025-12")
    answer = desk.post("/claims", json=body)
    assert answer.status_code == 201, answer.text
    claim = answer.json()["claim"]
    assert (claim["origin"], claim["released"], claim["warnings"]) == (OFFICE, "2025-12", [])
    assert desk.get(f"/claims/{claim['id']}").json() | {} == claim
    assert [c["origin"] for c in desk.get("/claims").json()] == [OFFICE]
    row = next(csv.DictReader(io.StringIO(desk.get("/claims?format=csv").text)))
    assert (row["origin"], row["released"], row["warnings"]) == (OFFICE, "2025-12", "")


def test_a_claim_without_origin_keeps_the_id_it_had(desk: TestClient) -> None:
    plain = desk.post("/claims", json=remittances("105,1 MMDH", "105,1 MMDH")).json()["claim"]
    assert (plain["origin"], plain["released"]) == (None, None)
    attributed = desk.post("/claims", json=remittances("105,1 MMDH", "105,1 MMDH", origin=OFFICE)).json()["claim"]
    assert attributed["id"] != plain["id"], "the same words attributed to an office are another claim"


@pytest.mark.parametrize("released", ["2025-13", "2025-02-30", "2025", "25-12", "2025-12\n", "2025/12"])
def test_a_release_that_is_no_date_is_a_problem_naming_released(desk: TestClient, released: str) -> None:
    assert_problem(desk.post("/claims", json=remittances("105,40", "105,40 MMDH", origin=OFFICE, released=released)), 422, "released")


def test_an_origin_that_is_no_key_is_a_problem_naming_origin(desk: TestClient) -> None:
    assert_problem(desk.post("/claims", json=remittances("105,40", "105,40 MMDH", origin="Office des changes")), 422, "origin")


def test_claimreview_names_the_origin_as_author_and_the_outlet_as_appearance(desk: TestClient) -> None:
    desk.post("/origins", json={"id": OFFICE, "name": "Office des changes"})
    desk.post("/sources", json=SOURCE | {"id": "le360", "outlet": "Le360", "url": "https://le360.ma/a", "published": "2026-02-10"})
    desk.post("/claims", json=remittances("105,40 MMDH", "105,40 MMDH", origin=OFFICE, released="2025-12"))
    answer = desk.post("/claims", json=remittances("105,9 milliards", "105,9 milliards de dirhams", source="le360", origin=OFFICE)).json()
    [verdict] = [v for v in answer["verdicts"] if v["rule"] == "same-figure"]
    review = desk.get(f"/verdicts/{verdict['id']}/claimreview").json()
    item = review["itemReviewed"]
    assert item["author"] == {"@type": "Organization", "name": "Office des changes"}
    appearance = item["appearance"]
    assert appearance["publisher"]["name"] in ("Le360", "Office des changes")
    assert appearance["headline"] == "Bulletin mensuel"


def test_claimreview_rates_a_revised_verdict_2_of_3() -> None:
    from service.verdicts import Evidence, Verdict

    evidence = Evidence(role="first", id="c-1", source="s", quote="q", interval=None, figure="105,10 MMDH", subject="ma.remittances",
                        breakdown={}, measure="level", period="2023-01/2023-11", origin=OFFICE, released="2024-12")  # fmt: skip
    verdict = Verdict(id="v-1", rule="same-figure", title="t", status="revised", claims=[evidence], computation="c", margin=0.3, margin_unit="MAD", notes=[])
    source = Source(id="s", title="Bulletin", outlet="Office des changes", language="fr")
    review = claim_review(verdict, {"s": source}, "Desk", "https://desk.example")
    assert (review.reviewRating.ratingValue, review.reviewRating.alternateName) == (2, "Revised by its source")
    assert review.itemReviewed.author.name == OFFICE, "an origin without a registered name is shown by its key"
