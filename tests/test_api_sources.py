"""/sources: a newsroom posts who printed the figures, and reads them back as posted."""

from __future__ import annotations

import pytest
from litestar.testing import TestClient

from tests.helpers import assert_problem

MINIMAL = {"id": "communique-2025-12", "title": "Les exportations de l'artisanat", "outlet": "Ministère", "language": "fr"}
FULL = {
    "id": "akhannouch-2026-01-19",
    "title": "Exportations de l'artisanat",
    "outlet": "MAP",
    "language": "fr",
    "url": "https://example.org/article",
    "published": "2026-01-19",
    "speaker": "Aziz Akhannouch",
    "rounding": "truncate",
    "weight": 2.5,
}


def test_a_posted_source_is_answered_201_as_posted(client: TestClient) -> None:
    response = client.post("/sources", json=FULL)
    assert response.status_code == 201
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == FULL


def test_a_source_reads_back_by_id_with_every_field(client: TestClient) -> None:
    client.post("/sources", json=FULL)
    response = client.get(f"/sources/{FULL['id']}")
    assert response.status_code == 200
    assert response.json() == FULL


def test_a_source_that_rounds_up_or_down_reads_back_and_its_figures_follow(client: TestClient) -> None:
    for rounding, interval in (("ceiling", [8.1, 8.2]), ("floor", [8.2, 8.3])):
        body = MINIMAL | {"id": f"office-{rounding}", "rounding": rounding}
        assert client.post("/sources", json=body).json() == body
        assert client.get(f"/sources/{body['id']}").json() == body
        claim = {"source": body["id"], "quote": "8,2 %", "subject": "ma.x", "measure": "growth", "period": "2025", "figure": "8,2 %"}
        answer = client.post("/claims", json=claim).json()
        assert [answer["claim"]["interval"][end] for end in ("lo", "hi")] == interval


def test_a_minimal_source_reads_back_without_the_defaults(client: TestClient) -> None:
    posted = client.post("/sources", json=MINIMAL).json()
    assert posted == MINIMAL
    assert client.get(f"/sources/{MINIMAL['id']}").json() == MINIMAL


def test_sources_are_listed_by_id(client: TestClient) -> None:
    for body in (FULL, MINIMAL, MINIMAL | {"id": "b-source"}):
        assert client.post("/sources", json=body).status_code == 201
    listed = client.get("/sources").json()
    assert [s["id"] for s in listed] == sorted([FULL["id"], MINIMAL["id"], "b-source"])
    assert next(s for s in listed if s["id"] == FULL["id"]) == FULL


def test_an_empty_store_lists_no_sources(client: TestClient) -> None:
    response = client.get("/sources")
    assert response.status_code == 200
    assert response.json() == []


def test_the_seeded_store_lists_every_fixture_source(seeded_client: TestClient) -> None:
    ids = {s["id"] for s in seeded_client.get("/sources").json()}
    assert ids == {
        "ref-ma-regions",
        "communique-2025-12",
        "akhannouch-2026-01-19",
        "lopinion-2025-11-26",
        "convention-2025-04",
        "saidi-councillors-2025",
    }


def test_a_source_weighs_1_unless_it_says_otherwise(client: TestClient) -> None:
    client.post("/sources", json=MINIMAL)
    client.post("/sources", json=FULL)
    assert client.get(f"/sources/{MINIMAL['id']}").json().get("weight", 1) == 1  # a default is not repeated back
    assert client.get(f"/sources/{FULL['id']}").json()["weight"] == 2.5


@pytest.mark.parametrize("weight", [0, -1, -0.5, "heavy", None])
def test_a_weight_that_is_not_a_positive_number_is_a_422_naming_weight(client: TestClient, weight: object) -> None:
    assert_problem(client.post("/sources", json=MINIMAL | {"weight": weight}), 422, "weight")
    assert client.get("/sources").json() == []


def test_the_openapi_documents_the_weight(client: TestClient) -> None:
    document = client.get("/schema/openapi.json").json()
    schemas = document["components"]["schemas"]
    weight = next(schema["properties"]["weight"] for name, schema in schemas.items() if name.endswith("SourceIn"))
    assert weight["exclusiveMinimum"] == 0 and "blame" in weight["description"]
