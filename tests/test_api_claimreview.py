"""GET /verdicts/{id}/claimreview and GET /claimreview: verdicts as schema.org ClaimReview JSON-LD."""

from __future__ import annotations

import datetime
from typing import Any

import msgspec

import pytest
from litestar.testing import TestClient

from service.app import create_app
from service.claimreview import MAX_CLAIM_REVIEWED, claim_review
from service.settings import Settings
from service.sources import Source
from service.verdicts import Verdict
from tests.helpers import LOOPBACK, assert_problem

SAME_FIGURE = ("1,14 milliard de dirhams (MMDH)", "quelque 1,23 milliard de dirhams")


def same_figure_verdict(client: TestClient) -> dict[str, Any]:
    verdicts = client.get("/verdicts", params={"rule": "same-figure", "status": "contradicted"}).json()["verdicts"]
    (found,) = [v for v in verdicts if [c["figure"] for c in v["claims"]] == list(SAME_FIGURE)]
    return found


def test_the_same_figure_contradiction_as_a_claim_review(seeded_reader: TestClient) -> None:
    verdict = same_figure_verdict(seeded_reader)
    response = seeded_reader.get(f"/verdicts/{verdict['id']}/claimreview")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/ld+json")
    review = response.json()
    assert review["@context"] == "https://schema.org" and review["@type"] == "ClaimReview"
    assert review["url"] == f"{Settings().public_url}/desk/verdicts/{verdict['id']}", "the verdict's page, where it is embedded"
    assert review["author"] == {"@type": "Organization", "name": "Tally"}
    assert review["reviewRating"] == {
        "@type": "Rating",
        "alternateName": "Contradicted by another official figure",
        "ratingValue": 1,
        "bestRating": 3,
        "worstRating": 1,
    }
    claim_reviewed = review["claimReviewed"]
    assert len(claim_reviewed) < 75 and claim_reviewed.startswith("1,14 milliard") and "ma.handicraft.exports" in claim_reviewed
    assert "contradict" not in claim_reviewed.lower(), "the claim, without the rating"
    assert review["itemReviewed"]["@type"] == "Claim"
    assert review["itemReviewed"]["author"] == {"@type": "Organization", "name": "Département de l'Artisanat et de l'Économie sociale"}
    # the review's words are the engine's English sentences: English numbers in them, never "1,135 bn" (issue 22)
    assert verdict["computation"] in review["reviewBody"]
    assert all(figure in review["reviewBody"] for figure in SAME_FIGURE)
    assert review["datePublished"] == verdict["first_seen"][:10]


def test_the_claim_reviewed_carries_its_speaker_date_and_appearance(seeded_reader: TestClient) -> None:
    """The first figure's source: its speaker as a Person, the day it published, its URL as where the claim appeared."""
    verdict = msgspec.convert(same_figure_verdict(seeded_reader), Verdict)
    source = Source(id=verdict.claims[0].source, title="Communiqué", outlet="Ministère", language="fr",
                    url="https://example.ma/communique", published=datetime.date(2025, 12, 30), speaker="A. Porte-parole")
    review = msgspec.to_builtins(claim_review(verdict, {source.id: source}, "Desk", "https://desk.example/"))
    assert review["url"] == f"https://desk.example/desk/verdicts/{verdict.id}"
    assert review["author"] == {"@type": "Organization", "name": "Desk"}
    assert review["itemReviewed"] == {
        "@type": "Claim",
        "author": {"@type": "Person", "name": "A. Porte-parole"},
        "datePublished": "2025-12-30",
        "appearance": {"@type": "CreativeWork", "url": "https://example.ma/communique", "headline": "Communiqué"},
    }
    unknown = msgspec.structs.replace(source, url=None, published=None, speaker=None)
    claim = msgspec.to_builtins(claim_review(verdict, {source.id: unknown}, "Desk", "https://desk.example"))["itemReviewed"]
    assert claim == {"@type": "Claim", "author": {"@type": "Organization", "name": "Ministère"}}, "what is not known is left out"


def test_the_list_holds_every_contradicted_verdict(seeded_reader: TestClient) -> None:
    contradicted = seeded_reader.get("/verdicts", params={"status": "contradicted"}).json()
    response = seeded_reader.get("/claimreview")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/ld+json")
    reviews = response.json()
    assert int(response.headers["x-total-count"]) == contradicted["total"] == len(reviews)
    assert [r["url"].rsplit("/", 1)[1] for r in reviews] == [v["id"] for v in contradicted["verdicts"]]
    assert all(r["@type"] == "ClaimReview" and r["reviewRating"]["ratingValue"] == 1 for r in reviews)
    assert all(len(r["claimReviewed"]) <= MAX_CLAIM_REVIEWED for r in reviews)
    first = seeded_reader.get("/claimreview", params={"limit": 1})
    assert len(first.json()) == 1 and 'rel="next"' in first.headers["link"]


@pytest.mark.parametrize("status", ["consistent", "implausible"])
def test_other_statuses_sit_on_the_documented_scale(seeded_reader: TestClient, status: str) -> None:
    verdict = seeded_reader.get("/verdicts", params={"status": status, "limit": 1}).json()["verdicts"][0]
    rating = seeded_reader.get(f"/verdicts/{verdict['id']}/claimreview").json()["reviewRating"]
    assert rating["ratingValue"] == {"consistent": 3, "implausible": 2}[status]


def test_an_unknown_verdict_is_a_404_problem(seeded_reader: TestClient) -> None:
    response = seeded_reader.get("/verdicts/v-0000000000000000/claimreview")
    assert_problem(response, 404, "id")


def test_the_desk_and_its_public_url_come_from_the_settings(seeded_store, rules) -> None:
    settings = Settings.from_env({"TALLY_DESK_NAME": "Le Desk", "TALLY_PUBLIC_URL": "https://tally.example.ma/"}, load_fixtures=False)
    with TestClient(create_app(settings, seeded_store, rules), base_url=LOOPBACK) as client:
        review = client.get("/claimreview", params={"limit": 1}).json()[0]
    assert review["author"]["name"] == "Le Desk"
    assert review["url"].startswith("https://tally.example.ma/desk/verdicts/v-")


def test_the_review_writes_numbers_for_the_desk_locale(seeded_store, rules) -> None:
    settings = Settings.from_env({"TALLY_DESK_LOCALE": "en"}, load_fixtures=False)
    with TestClient(create_app(settings, seeded_store, rules), base_url=LOOPBACK) as client:
        verdict = same_figure_verdict(client)
        review = client.get(f"/verdicts/{verdict['id']}/claimreview").json()
        page = client.get(f"/desk/verdicts/{verdict['id']}").text
    assert verdict["computation"] in review["reviewBody"], "an English desk writes the API's numbers"
    assert "off by 80 M MAD" in page and "1.135 bn to 1.145 bn" in page
