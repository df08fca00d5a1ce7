"""/claims and /check: a printed figure goes in, the claim as read (with its interval) comes out."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from service.rules.book import RuleBook
from service.store import Store
from tests.helpers import FIXTURES_DIR, SEEDS_NEW_CLAIM, assert_problem, error_for, make_client

FIXTURE_FILES = sorted(FIXTURES_DIR.glob("*.json"))

SOURCE = {"id": "communique", "title": "Communiqué", "outlet": "Ministère", "language": "fr"}
TRUNCATING = {"id": "office-truncates", "title": "Note", "outlet": "Office", "language": "fr", "rounding": "truncate"}
EXPORTS = {
    "source": "communique",
    "quote": "les exportations ont atteint 1,14 milliard de dirhams entre janvier et novembre 2025",
    "subject": "ma.handicraft.exports",
    "measure": "level",
    "period": "2025-01/2025-11",
    "figure": "1,14 milliard de dirhams",
}


def claim(**changes: Any) -> dict[str, Any]:
    return {**EXPORTS, **changes}


@pytest.fixture
def with_source(client: TestClient) -> TestClient:
    assert client.post("/sources", json=SOURCE).status_code == 201
    return client


def post_claim(client: TestClient, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/claims", json=body)
    assert response.status_code == 201, response.text
    return response.json()


# --- POST and GET ---------------------------------------------------------------------


def test_a_posted_claim_is_answered_with_the_claim_as_read_and_its_verdicts(with_source: TestClient) -> None:
    body = post_claim(with_source, EXPORTS)
    assert set(body) == {"claim", "verdicts"}
    assert body["verdicts"] == []  # alone in the store, it binds no rule
    stored = body["claim"]
    assert stored["id"].startswith("c-")
    for field in ("source", "quote", "subject", "measure", "period", "figure"):
        assert stored[field] == EXPORTS[field]
    assert stored["breakdown"] == {}
    assert stored["compared_to"] is None, "only a growth or a share_change has a base period"
    assert stored["printed"] == "number"
    assert stored["reading"], "a claim says how its figure was read"


def test_a_claim_reads_back_by_id_exactly_as_answered(with_source: TestClient) -> None:
    posted = post_claim(with_source, EXPORTS)["claim"]
    response = with_source.get(f"/claims/{posted['id']}")
    assert response.status_code == 200
    assert response.json() == posted


def test_claims_are_listed_in_the_order_they_came(seeded_reader: TestClient) -> None:
    # the fixtures are loaded file by file, in name order, each file's claims in order
    came = [(c["source"], c["quote"], c["figure"]) for path in FIXTURE_FILES for c in json.loads(path.read_text())["claims"]]
    assert [(c["source"], c["quote"], c["figure"]) for c in listed(seeded_reader)] == came


def test_the_same_claim_posted_twice_is_a_conflict(with_source: TestClient) -> None:
    post_claim(with_source, EXPORTS)
    assert with_source.post("/claims", json=EXPORTS).status_code == 409
    assert len(with_source.get("/claims").json()) == 1


# --- intervals --------------------------------------------------------------------------

INTERVALS = [
    pytest.param({"measure": "level", "figure": "1,14 milliard de dirhams"}, (1.135e9, 1.145e9, "MAD"), id="milliard-fr"),
    pytest.param({"measure": "growth", "figure": "11 %"}, (10.5, 11.5, "percent"), id="percent"),
    pytest.param({"measure": "growth", "figure": "plus de 47 %"}, (46.5, None, "percent"), id="open-top"),
]


@pytest.mark.parametrize(("changes", "expected"), INTERVALS)
def test_a_printed_figure_is_read_as_an_interval(with_source: TestClient, changes: dict[str, Any], expected: tuple) -> None:
    interval = post_claim(with_source, claim(**changes))["claim"]["interval"]
    lo, hi, unit = expected
    assert interval["unit"] == unit
    assert interval["lo"] == pytest.approx(lo)
    assert interval["hi"] == (None if hi is None else pytest.approx(hi))


def test_a_structured_figure_is_read_as_an_interval_and_keeps_its_qualifier(with_source: TestClient) -> None:
    body = {k: v for k, v in EXPORTS.items() if k != "figure"} | {"value": 1.14, "unit": "MMDH", "qualifier": "about"}
    stored = post_claim(with_source, body)["claim"]
    assert stored["interval"] == {"lo": pytest.approx(1.135e9), "hi": pytest.approx(1.145e9), "unit": "MAD"}
    assert stored["qualifier"] == "about"
    assert stored["figure"] == "about 1.14 MMDH"


def test_a_truncating_source_reads_the_figure_upwards(client: TestClient) -> None:
    client.post("/sources", json=TRUNCATING)
    interval = post_claim(client, claim(source=TRUNCATING["id"]))["claim"]["interval"]
    assert (interval["lo"], interval["hi"], interval["unit"]) == (pytest.approx(1.14e9), pytest.approx(1.15e9), "MAD")


def test_a_category_claim_has_text_and_no_interval(with_source: TestClient) -> None:
    body = claim(subject="ma.handicraft.digital_platform.partner_bank", measure="category", period="2025-05", figure="Crédit Agricole")
    stored = post_claim(with_source, body)["claim"]
    assert stored["interval"] is None
    assert stored["text"] == "Crédit Agricole"
    assert stored["printed"] == "text"


# --- base periods ---------------------------------------------------------------------------


def test_a_growth_is_compared_by_default_with_the_same_months_a_year_earlier(with_source: TestClient) -> None:
    stored = post_claim(with_source, claim(measure="growth", figure="hausse de 13 %"))["claim"]
    assert stored["compared_to"] == "2024-01/2024-11"


def test_a_growth_keeps_the_base_period_it_names(with_source: TestClient) -> None:
    stored = post_claim(with_source, claim(measure="growth", period="2024", compared_to="2019", figure="40 %"))["claim"]
    assert (stored["period"], stored["compared_to"]) == ("2024", "2019")


# --- average annual growth over a span of years ----------------------------------------------


def test_an_average_growth_is_a_percent_over_a_span_of_whole_years(with_source: TestClient) -> None:
    stored = post_claim(with_source, claim(measure="average_growth", period="2021/2024", figure="7,4 %"))["claim"]
    assert (stored["measure"], stored["period"], stored["compared_to"]) == ("average_growth", "2021/2024", None)
    assert stored["interval"] == {"lo": 7.35, "hi": 7.45, "unit": "percent"}


@pytest.mark.parametrize("period", ["2024", "2021-03/2024", "2021/2024-11", "2025-01/2025-11"])
def test_an_average_growth_over_anything_but_a_span_of_years_is_refused(with_source: TestClient, period: str) -> None:
    response = with_source.post("/claims", json=claim(measure="average_growth", period=period, figure="7,4 %"))
    body = assert_problem(response, 422, "period")
    assert "span of at least two whole calendar years" in error_for(body, "period")["reason"]
    assert with_source.get("/claims").json() == []


def test_an_average_growth_in_dirhams_is_refused(with_source: TestClient) -> None:
    response = with_source.post("/claims", json=claim(measure="average_growth", period="2021/2024"))
    assert_problem(response, 422, "figure")


def test_a_direction_printed_apart_from_the_figure_is_given_beside_it(with_source: TestClient) -> None:
    """"les exportations reculent ainsi de 3 %": the figure is "3 %", the sentence says it fell."""
    fell = claim(measure="growth", figure="3 %", quote="les exportations reculent ainsi de 3 %", direction="down")
    answered = post_claim(with_source, fell)["claim"]
    assert (answered["interval"]["lo"], answered["interval"]["hi"], answered["direction"]) == (-3.5, -2.5, "down")
    assert "the direction given beside the figure (down) makes it a fall: [-3.5, -2.5]" in answered["reading"]
    assert answered["figure"] == "3 %", "the figure stays as printed"
    assert with_source.get(f"/claims/{answered['id']}").json()["direction"] == "down"
    unsigned = post_claim(with_source, {k: v for k, v in fell.items() if k != "direction"})["claim"]
    assert unsigned["id"] != answered["id"] and unsigned["direction"] is None, "3 % down is another claim than 3 %"


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"direction": "down"}, id="a-level-does-not-move"),
        pytest.param({"measure": "growth", "figure": "hausse de 3 %", "direction": "down"}, id="the-figure-says-up"),
        pytest.param({"measure": "growth", "figure": None, "value": 3, "unit": "percent", "direction": "down"}, id="a-value-has-its-sign"),
    ],
)
def test_a_direction_that_cannot_be_the_figures_is_a_422_naming_direction(with_source: TestClient, changes: dict[str, Any]) -> None:
    body = {k: v for k, v in claim(**changes).items() if v is not None}
    assert_problem(with_source.post("/claims", json=body), 422, "direction")


def test_a_direction_other_than_up_or_down_is_a_422_naming_direction(with_source: TestClient) -> None:
    response = with_source.post("/claims", json=claim(measure="growth", figure="3 %", direction="sideways"))
    assert_problem(response, 422, "direction")


# --- filters on the seeded store -----------------------------------------------------------


def listed(client: TestClient, **params: str) -> list[dict[str, Any]]:
    response = client.get("/claims", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_claims_filter_by_subject_measure_period_and_source(seeded_reader: TestClient) -> None:
    everything = listed(seeded_reader)
    assert len(everything) == 89
    for name, value in (
        ("subject", "ma.handicraft.exports"),
        ("measure", "growth"),
        ("period", "2025-01/2025-11"),
        ("source", "saidi-councillors-2025"),
    ):
        selected = listed(seeded_reader, **{name: value})
        assert selected, name
        assert selected == [c for c in everything if c[name] == value], name


def test_claim_filters_combine(seeded_reader: TestClient) -> None:
    selected = listed(seeded_reader, subject="ma.handicraft.exports", measure="level", period="2025-01/2025-11")
    assert sorted(c["figure"] for c in selected) == ["1,14 milliard de dirhams (MMDH)", "quelque 1,23 milliard de dirhams"]


def test_a_period_filter_matches_however_the_period_is_written(seeded_reader: TestClient) -> None:
    assert listed(seeded_reader, period="2024-01/2024-12") == listed(seeded_reader, period="2024")


def test_a_filter_that_matches_nothing_is_an_empty_list(seeded_reader: TestClient) -> None:
    assert listed(seeded_reader, source="no-such-source") == []


# --- POST /check: a "what if" ------------------------------------------------------------------

WHAT_IF = SEEDS_NEW_CLAIM


def test_check_answers_what_claims_would_and_stores_nothing(seeded_client: TestClient, seeded_store: Store) -> None:
    before = seeded_store.list_claims().items
    response = seeded_client.post("/check", json=WHAT_IF)
    assert response.status_code == 200
    checked = response.json()
    assert checked["claim"]["interval"]["lo"] == pytest.approx(1.45e9)
    contradicted = [v for v in checked["verdicts"] if v["rule"] == "same-figure"]
    assert len(contradicted) == 2 and all(v["status"] == "contradicted" for v in contradicted)
    assert seeded_store.list_claims().items == before
    assert seeded_client.get(f"/claims/{checked['claim']['id']}").status_code == 404

    assert all(v["first_seen"] is None for v in checked["verdicts"]), "a what-if was never held by the store"
    stored = seeded_client.post("/claims", json=WHAT_IF).json()
    assert all(v["first_seen"] for v in stored["verdicts"])
    assert [v | {"first_seen": None} for v in stored["verdicts"]] == checked["verdicts"]
    assert stored["claim"] == checked["claim"]


def test_checking_a_stored_claim_leaves_it_stored(seeded_client: TestClient, seeded_store: Store) -> None:
    stored = listed(seeded_client, subject="ma.handicraft.exports", measure="level", period="2025-01/2025-11")[0]
    body = {k: stored[k] for k in ("source", "quote", "subject", "measure", "period", "figure")}
    response = seeded_client.post("/check", json=body)
    assert response.status_code == 200
    assert response.json()["claim"] == stored
    assert seeded_client.get(f"/claims/{stored['id']}").json() == stored
    assert seeded_store.count_claims() == 89


# --- ids ----------------------------------------------------------------------------------------


def test_claim_ids_are_stable_across_fresh_stores(tmp_path: Path, rules: RuleBook) -> None:
    ids = []
    for name in ("one", "two"):
        with Store(str(tmp_path / f"{name}.duckdb")) as store, make_client(store, rules) as fresh:
            fresh.post("/sources", json=SOURCE)
            ids.append(post_claim(fresh, EXPORTS)["claim"]["id"])
    assert ids[0] == ids[1]
