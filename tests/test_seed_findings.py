"""The seed findings (issue 4), end to end: the fixtures on a real server, verdicts over HTTP.

Each test looks a finding up in GET /verdicts by rule and by the printed figures
in their roles, and checks the status, the margin and what a reporter reads.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.helpers import find_verdicts, the_verdict, the_verdict_over

Verdicts = list[dict[str, Any]]

LEVEL_114 = "1,14 milliard de dirhams (MMDH)"  # communique-2025-12, Jan-Nov 2025
LEVEL_123 = "quelque 1,23 milliard de dirhams"  # akhannouch-2026-01-19, Jan-Nov 2025
GROWTH_13 = "hausse de 13%"
GROWTH_11 = "en hausse de 11 %"
LEVEL_2024_111 = "approximately 1.11 billion dirhams"  # saidi-councillors-2025, 2024
PERIOD_NOTE = ("2024 (12 months)", "Jan-Nov 2024 (11 months)")


@pytest.fixture(scope="module")
def http(seeded_server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=seeded_server) as client:
        yield client


@pytest.fixture(scope="module")
def seed_verdicts(http: httpx.Client) -> Verdicts:
    response = http.get("/verdicts")
    assert response.status_code == 200
    return response.json()["verdicts"]


def says_period_mismatch(verdict: dict[str, Any]) -> bool:
    return any(all(part in note for part in PERIOD_NOTE) for note in verdict["notes"])


# --- Jan-Nov 2025 exports: two sources, two figures --------------------------------------------


def test_the_two_levels_for_jan_nov_2025_contradict(seed_verdicts: Verdicts) -> None:
    verdict = the_verdict_over(seed_verdicts, "same-figure", LEVEL_114, LEVEL_123)
    assert verdict["status"] == "contradicted"
    assert verdict["margin"] == pytest.approx(80e6)
    assert verdict["margin_unit"] == "MAD"
    intervals = {e["figure"]: e["interval"] for e in verdict["claims"]}
    assert intervals[LEVEL_114]["hi"] == pytest.approx(1.145e9)
    assert intervals[LEVEL_123]["lo"] == pytest.approx(1.225e9)


def test_the_two_growth_rates_for_jan_nov_2025_contradict(seed_verdicts: Verdicts) -> None:
    verdict = the_verdict_over(seed_verdicts, "same-figure", GROWTH_13, GROWTH_11)
    assert verdict["status"] == "contradicted"
    assert verdict["margin"] == pytest.approx(1.0)
    assert verdict["margin_unit"] == "points"  # 13 % and 11 % are two points apart


# --- growth links levels ----------------------------------------------------------------------------


def test_1_23_with_11_percent_fits_the_2024_level_of_1_11_bn_only_implausibly(seed_verdicts: Verdicts) -> None:
    """2024's 1.11 bn stands in for Jan-Nov 2024: what 1,23 with +11 % implies leaves December at about nothing."""
    verdict = the_verdict(seed_verdicts, "growth-links-levels", current=LEVEL_123, growth=GROWTH_11, base=LEVEL_2024_111)
    assert verdict["status"] == "implausible"
    assert verdict["margin"] == 0
    assert "1.099 bn to 1.118 bn" in verdict["computation"]
    assert says_period_mismatch(verdict), verdict["notes"]
    [warning] = verdict["warnings"]
    assert warning["id"] == "added-months-unlike-the-rest"
    assert "Dec 2024 (1 month) would come to 0 to 16.3 M, against an average month of 92.1 M to 92.9 M" in warning["text"]


def test_1_14_with_13_percent_fits_every_2024_level(seed_verdicts: Verdicts) -> None:
    """What 1,14 with +13 % implies for Jan-Nov 2024 leaves an ordinary December in every 2024 figure."""
    found = find_verdicts(seed_verdicts, "growth-links-levels", current=LEVEL_114, growth=GROWTH_13)
    assert {v["claims"][-1]["period"] for v in found} == {"2024"}
    # 1,1 bn printed twice is one reading: one verdict naming both claims (issue 21)
    assert len(found) == 3, "1,1 bn (twice), plus de 1,1 bn and 1.11 bn were printed for 2024"
    assert sorted(len([c for c in v["claims"] if c["period"] == "2024"]) for v in found) == [1, 1, 2]
    for verdict in found:
        assert verdict["status"] == "consistent" and verdict["warnings"] == []
        assert "1.000 bn to 1.018 bn" in verdict["computation"]
        assert says_period_mismatch(verdict), verdict["notes"]


def test_the_two_pairs_imply_different_bases(seed_verdicts: Verdicts) -> None:
    verdict = the_verdict(
        seed_verdicts, "growths-imply-one-base", level_a=LEVEL_114, growth_a=GROWTH_13, level_b=LEVEL_123, growth_b=GROWTH_11
    )
    assert verdict["status"] == "contradicted"
    assert verdict["margin"] > 0


# --- shares -----------------------------------------------------------------------------------------------


def test_traditional_clothing_share_follows_its_growth_only_implausibly(seed_verdicts: Verdicts) -> None:
    verdict = the_verdict(
        seed_verdicts, "share-follows-growth", new="17 %", part_growth="bondi de 83 %", total_growth=GROWTH_13, old="13%"
    )
    # 2024's share stands in for Jan-Nov 2024: December's share would have to be 30 to 51 %
    assert verdict["status"] == "implausible"
    assert "10.12 % to 10.88 %" in verdict["computation"]
    assert says_period_mismatch(verdict), verdict["notes"]
    assert "the share in Dec 2024 (1 month) would be 30.28 % to 50.73 %" in verdict["warnings"][0]["text"]


def test_france_share_change_in_points_fits_2024_only_implausibly(seed_verdicts: Verdicts) -> None:
    verdict = the_verdict(seed_verdicts, "share-change-in-points", new="11 %", change="reculer de 8 points", old="14%")
    assert verdict["status"] == "implausible"
    assert verdict["margin_unit"] == "points"
    assert "the share in Dec 2024 (1 month) would be -58 % to -24 %" in verdict["warnings"][0]["text"]


def test_pottery_la_majorite_contradicts_36_percent(seed_verdicts: Verdicts) -> None:
    verdict = the_verdict_over(seed_verdicts, "same-figure", "la majorité", "36%")
    assert verdict["status"] == "contradicted"
    assert verdict["margin"] == pytest.approx(13.5)


SHARE_GROUPS = {
    ("2025-01/2025-11", "product"): {"36 %", "18 %", "17 %"},
    ("2025-01/2025-11", "country"): {"49%", "11 %"},
    ("2025-01/2025-11", "city"): {"39 %", "31 %", "20 %"},
    ("2024", "product"): {"36%", "20%", "13%"},
    ("2024", "country"): {"44%", "14%", "7%"},
}


def test_every_share_group_sums_to_at_most_100(seed_verdicts: Verdicts) -> None:
    found = find_verdicts(seed_verdicts, "shares-sum-to-whole")
    assert found and all(v["status"] == "consistent" for v in found)
    groups = [
        ((v["claims"][0]["period"], next(iter(v["claims"][0]["breakdown"]))), {e["figure"] for e in v["claims"]}) for v in found
    ]
    for group, figures in SHARE_GROUPS.items():
        assert (group, figures) in groups, group


# --- averages and categories ----------------------------------------------------------------------------


def test_70_salons_over_12_regions_is_about_6_per_region(seed_verdicts: Verdicts) -> None:
    found = find_verdicts(seed_verdicts, "average-per-region", average="6", total="70", regions="12")
    assert found and all(v["status"] == "consistent" for v in found)


def test_two_banks_named_as_the_platform_partner_contradict(seed_verdicts: Verdicts) -> None:
    verdict = the_verdict_over(seed_verdicts, "same-category", "BCP", "Crédit Agricole")
    assert verdict["status"] == "contradicted"


# --- every verdict carries its evidence ------------------------------------------------------------------


def test_every_verdict_shows_its_figures_with_source_quote_and_interval(seed_verdicts: Verdicts) -> None:
    for verdict in seed_verdicts:
        assert verdict["claims"], verdict["id"]
        for evidence in verdict["claims"]:
            assert evidence["source"] and evidence["quote"], verdict["id"]
            assert "interval" in evidence, verdict["id"]
            if evidence["measure"] == "category":
                assert evidence["interval"] is None and evidence["text"]
            else:
                assert set(evidence["interval"]) == {"lo", "hi", "unit"}
        assert verdict["computation"], verdict["id"]


def test_a_consistent_verdict_has_no_margin(seed_verdicts: Verdicts) -> None:
    for verdict in seed_verdicts:
        if verdict["status"] == "consistent":
            assert verdict["margin"] in (0, None), verdict["id"]
            assert verdict["margin"] == 0 or verdict["rule"] == "same-category", verdict["id"]
        if verdict["status"] == "contradicted" and verdict["rule"] != "same-category":
            assert verdict["margin"] > 0, verdict["id"]


def test_a_new_contradicting_claim_gets_its_verdicts_in_the_same_response(http: httpx.Client) -> None:
    http.post("/sources", json={"id": "new-desk-2026", "title": "Dépêche", "outlet": "Agence", "language": "fr"})
    response = http.post(
        "/claims",
        json={
            "source": "new-desk-2026",
            "quote": "les ventes à l'étranger ont atteint 1,5 milliard de dirhams sur onze mois",
            "subject": "ma.handicraft.exports",
            "measure": "level",
            "period": "2025-01/2025-11",
            "figure": "1,5 milliard de dirhams",
        },
    )
    assert response.status_code == 201
    body = response.json()
    same_figure = [v for v in body["verdicts"] if v["rule"] == "same-figure"]
    against = {e["figure"] for v in same_figure for e in v["claims"]} - {"1,5 milliard de dirhams"}
    assert against == {LEVEL_114, LEVEL_123}
    assert all(v["status"] == "contradicted" for v in same_figure)
    assert all(any(e["id"] == body["claim"]["id"] for e in v["claims"]) for v in body["verdicts"])
    listed = http.get("/verdicts", params={"claim": body["claim"]["id"]}).json()["verdicts"]
    assert {v["id"] for v in listed} == {v["id"] for v in body["verdicts"]}
