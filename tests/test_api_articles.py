"""POST /articles/read and POST /articles/check over a real server: an article pasted, its figures read and checked, nothing stored.

Issue 20's scenario: with the seed fixtures loaded, seed article 001 pasted is recognised
figure by figure as the claims stored (nothing stored twice), and a new paragraph printing
1,30 milliard de dirhams for January to November 2025 is contradicted by the stored 1,14
and 1,23 milliard, with no field typed by hand.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from service.store import Store
from service.loading import load_directory
from tests.helpers import FIXTURES_DIR, assert_problem

SEED_001 = (FIXTURES_DIR / "articles" / "001_781b1e4fa559a8cc.txt").read_text(encoding="utf-8")
NEW_PARAGRAPH = "Les exportations de l'artisanat ont atteint 1,30 milliard de dirhams entre janvier et novembre 2025, selon le ministère."
NEW_SOURCE = {"id": "desk-2026-01-21", "title": "Un nouveau chiffre", "outlet": "Le Desk", "language": "fr", "published": "2026-01-21"}


@pytest.fixture
def seeded(tmp_path: Path, rules) -> Store:
    with Store(str(tmp_path / "tally.duckdb")) as store:
        load_directory(store, FIXTURES_DIR, rules)
        yield store


def test_read_answers_every_figure_in_text_order_with_its_reasons(seeded_server: str):
    response = httpx.post(f"{seeded_server}/articles/read", json={"text": SEED_001, "language": "fr", "source": "akhannouch-2026-01-19"}, timeout=60)
    assert response.status_code == 200, response.text
    candidates = response.json()["candidates"]
    assert [c["start"] for c in candidates] == sorted(c["start"] for c in candidates)
    for candidate in candidates:
        assert SEED_001[candidate["start"] : candidate["end"]] == candidate["figure"]
        assert SEED_001[candidate["quote"]["start"] : candidate["quote"]["end"]] == candidate["quote"]["text"]
    first = candidates[0]
    assert first["figure"] == "quelque 1,23 milliard de dirhams"
    assert (first["measure"], first["period"], first["subject"]) == ("level", "2025-01/2025-11", "ma.handicraft.exports")
    # the period came from "jusqu'à novembre dernier" and the source's publication date
    assert first["why"]["period"] == "period from 'jusqu’à novembre dernier'"
    assert first["reading"]["unit"] == "MAD" and first["reading"]["steps"]


def test_seed_article_001_is_recognised_claim_by_claim_and_checking_stores_nothing(seeded: Store, start_server):
    before = seeded.count_claims()
    with start_server(seeded) as base_url:
        response = httpx.post(f"{base_url}/articles/check", json={"text": SEED_001, "language": "fr", "source": "akhannouch-2026-01-19"}, timeout=120)
    assert response.status_code == 200, response.text
    checked = response.json()["candidates"]
    assert len(checked) == 14 and all(c["recognised"] for c in checked), [(c["figure"], c["recognised"], c["problems"]) for c in checked]
    stored_ids = {c.id for c in seeded.list_claims(source="akhannouch-2026-01-19").items}
    assert {c["claim"]["id"] for c in checked} == stored_ids  # each candidate is the stored claim itself
    assert seeded.count_claims() == before


def test_a_new_paragraph_is_contradicted_by_the_stored_levels_with_no_field_typed(seeded: Store, start_server):
    with start_server(seeded) as base_url:
        assert httpx.post(f"{base_url}/sources", json=NEW_SOURCE).status_code == 201
        response = httpx.post(f"{base_url}/articles/check", json={"text": NEW_PARAGRAPH, "language": "fr", "source": NEW_SOURCE["id"]}, timeout=60)
    assert response.status_code == 200, response.text
    [candidate] = response.json()["candidates"]
    assert candidate["recognised"] is False
    assert (candidate["claim"]["subject"], candidate["claim"]["measure"], candidate["claim"]["period"]) == ("ma.handicraft.exports", "level", "2025-01/2025-11")
    contradicted = [v for v in candidate["verdicts"] if v["status"] == "contradicted"]
    assert candidate["verdicts"][0]["status"] == "contradicted"  # contradictions first
    against = {c["figure"] for v in contradicted if v["rule"] == "same-figure" for c in v["claims"]}
    assert {"1,14 milliard de dirhams (MMDH)", "quelque 1,23 milliard de dirhams"} <= against
    assert response.json()["contradicted"] == 1
    assert seeded.find_source(NEW_SOURCE["id"]) is not None and seeded.list_claims(source=NEW_SOURCE["id"]).total == 0


def test_a_candidate_is_checked_against_the_articles_other_candidates(seeded: Store, start_server):
    text = ("Les exportations de l'artisanat ont atteint 1,30 milliard de dirhams entre janvier et novembre 2025. "
            "Elles avaient atteint 1,00 milliard de dirhams entre janvier et novembre 2024, soit une hausse de 50 %.")
    with start_server(seeded) as base_url:
        assert httpx.post(f"{base_url}/sources", json=NEW_SOURCE).status_code == 201
        response = httpx.post(f"{base_url}/articles/check", json={"text": text, "language": "fr", "source": NEW_SOURCE["id"]}, timeout=60)
    level = response.json()["candidates"][0]
    assert level["claim"]["figure"] == "1,30 milliard de dirhams"
    # a verdict binding it with the article's own level of 2024, which the store does not hold
    bound = {(c["source"], c["figure"]) for v in level["verdicts"] for c in v["claims"]}
    assert (NEW_SOURCE["id"], "1,00 milliard de dirhams") in bound
    assert seeded.list_claims(source=NEW_SOURCE["id"]).total == 0


def test_the_desks_corrections_are_what_is_checked(seeded: Store, start_server):
    corrected = [{"figure": "1,30 milliard de dirhams", "quote": NEW_PARAGRAPH, "measure": "level", "period": "2024", "subject": "ma.handicraft.exports"}]
    with start_server(seeded) as base_url:
        assert httpx.post(f"{base_url}/sources", json=NEW_SOURCE).status_code == 201
        body = {"text": NEW_PARAGRAPH, "language": "fr", "source": NEW_SOURCE["id"], "candidates": corrected}
        [candidate] = httpx.post(f"{base_url}/articles/check", json=body, timeout=60).json()["candidates"]
        assert candidate["claim"]["period"] == "2024"
        missing = {**corrected[0], "subject": None}
        [candidate] = httpx.post(f"{base_url}/articles/check", json={**body, "candidates": [missing]}, timeout=60).json()["candidates"]
        assert candidate["claim"] is None and candidate["problems"][0]["field"] == "candidates[0].subject"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": "", "language": "fr"}, "text"),
        ({"text": "   \n  ", "language": "fr"}, "text"),
        ({"text": "x" * 200_001, "language": "fr"}, "text"),
        ({"text": "abc\x00def", "language": "fr"}, "text"),
        ({"text": "Les exportations ont crû de 5 %.", "language": "de"}, "language"),
        ({"text": "Les exportations ont crû de 5 %.", "language": "fr", "published": "2025-13-01"}, "published"),
        ({"text": "Les exportations ont crû de 5 %.", "language": "fr", "source": "no-such-source"}, "source"),
        ({"text": "Les exportations ont crû de 5 %.", "language": "fr", "subject": "Not A Key"}, "subject"),
        ({"language": "fr"}, "text"),
    ],
)
def test_bad_input_is_a_4xx_problem_naming_the_field(seeded_server: str, body, field):
    for route in ("read", "check"):
        response = httpx.post(f"{seeded_server}/articles/{route}", json=body, timeout=60)
        assert_problem(response, 422, field)


def test_check_needs_a_source(seeded_server: str):
    assert_problem(httpx.post(f"{seeded_server}/articles/check", json={"text": "Hausse de 5 %.", "language": "fr"}), 422, "source")


def test_a_text_of_200000_characters_is_read(seeded_server: str):
    paragraph = "Les exportations de l'artisanat ont atteint 1,14 milliard de dirhams entre janvier et novembre 2025, en hausse de 13 %.\n"
    text = (paragraph * (200_000 // len(paragraph) + 1))[:200_000]
    response = httpx.post(f"{seeded_server}/articles/read", json={"text": text, "language": "fr"}, timeout=300)
    assert response.status_code == 200, response.text[:500]
    assert len(response.json()["candidates"]) >= 3000


def test_reading_and_checking_stay_open_with_a_write_token_set(seeded: Store, start_server):
    token = "w" * 24
    with start_server(seeded, write_token=token) as base_url:
        assert httpx.post(f"{base_url}/articles/read", json={"text": NEW_PARAGRAPH, "language": "fr"}).status_code == 200
        response = httpx.post(f"{base_url}/articles/check", json={"text": SEED_001, "language": "fr", "source": "akhannouch-2026-01-19"}, timeout=120)
        assert response.status_code == 200, response.text
        assert httpx.post(f"{base_url}/claims/batch", json=[], headers={}).status_code == 401  # storing still needs the token
