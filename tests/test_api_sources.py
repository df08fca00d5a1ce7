"""/sources: a newsroom posts who printed the figures, and reads them back as posted."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from litestar.testing import TestClient

from service.loading import LoadError, store_file
from service.settings import Settings
from service.sources import Source
from service.store import Store
from tests.helpers import ServerStarter, assert_problem, claim_body, error_for

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


# --- a source's url: published as a link, so http or https only -------------------------------------

NOT_LINKS = [
    "javascript:alert(4)", "JaVaScRiPt:alert(4)", "java\tscript:alert(4)", " https://example.org", "\x01https://example.org",
    "\u200bhttps://example.org", "https://example.org\n", "data:text/html,<script>alert(4)</script>", "vbscript:msgbox(4)",
    "file:///etc/passwd", "/article", "//evil.example/article", "example.org/article", "http:///evil.example",
    "https:\\\\evil.example", "http://", "https://example.org@evil.example", "https://user:pw@example.org/",
    "https://example.org/a b", "ftp://example.org/article", "https://example.org:99999999/",
]
LINKS = ["https://example.org/article", "http://example.org", "HTTPS://EXAMPLE.ORG/A?b=1#c", "http://127.0.0.1:8000/a",
         "https://[2001:db8::1]/article", "https://مثال.ma/مقال", "https://example.org/path/@user"]


def test_only_http_and_https_urls_are_stored(store: Store, start_server: ServerStarter) -> None:
    """Any other address, in any case and behind any blank or control, is a 422 naming url, over a real socket."""
    with start_server(store) as base_url, httpx.Client(base_url=base_url) as api:
        for index, url in enumerate(NOT_LINKS):
            body = assert_problem(api.post("/sources", json=MINIMAL | {"id": f"bad-{index}", "url": url}), 422, "url")
            assert "http or https" in error_for(body, "url")["reason"], "the reason says what a url may be, in words"
        assert api.get("/sources").json() == [], "nothing stored"
        for index, url in enumerate(LINKS):
            response = api.post("/sources", json=MINIMAL | {"id": f"good-{index}", "url": url})
            assert response.status_code == 201 and response.json()["url"] == url, (url, response.text)


def test_a_source_file_with_a_url_that_is_no_link_is_not_loaded(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "sources.json"
    path.write_text(json.dumps({"sources": [MINIMAL | {"url": "javascript:alert(4)"}]}), encoding="utf-8")
    with pytest.raises(LoadError, match=r"url"):
        store_file(store, path)
    assert store.list_sources().items == []


def test_a_url_stored_before_the_check_is_never_published_as_a_link(store: Store, start_server: ServerStarter) -> None:
    """A store written before urls were checked may hold javascript:alert(4): it reads back, and no ClaimReview carries it."""
    old = {"old-desk": "javascript:alert(4)", "older-desk": "data:text/html,<script>alert(4)</script>"}
    for source_id, url in old.items():  # as an older Tally stored them: the API no longer would
        store.add_source(Source(id=source_id, title="Dépêche", outlet="Agence", language="fr", url=url))
    figures = {"old-desk": "1,14 milliard de dirhams", "older-desk": "1,23 milliard de dirhams"}
    with start_server(store) as base_url, httpx.Client(base_url=base_url) as api:
        for source, figure in figures.items():
            body = claim_body(f"les exportations ont atteint {figure}", source=source, figure=figure, period="2025-01/2025-11")
            assert api.post("/claims", json=body).status_code == 201
        assert api.get("/sources/old-desk").json()["url"] == old["old-desk"], "the stored value is data, read back as it is"
        reviews = api.get("/claimreview").json()
        pages = [api.get(review["url"].replace(Settings().public_url, base_url)).text for review in reviews]
    assert reviews, "the two figures contradict each other"
    assert all("appearance" not in review["itemReviewed"] for review in reviews), "no link to where the claim appeared"
    assert all("alert(4)" not in json.dumps(review) for review in reviews)
    assert pages and all("alert(4)" not in page for page in pages), "nor in the desk's pages, where the reviews are embedded"
