"""The issue's invented example, end to end over a real server: an office revises, an outlet misprints,
another relays an outdated figure; then the track records of the office and of the outlets.

The Office des changes' bulletin of December 2024 gives remittances for January-November 2023
as 105,10 MMDH; its bulletin of December 2025 gives the same months as 105,40 MMDH, and 2025
as 112,3 MMDH, up 6,9 %.  An outlet printing "105,1 milliards" in February 2026 relays an
outdated figure; one printing "105,9 milliards" relays no release at all.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from service.store import Store
from tests.helpers import ServerStarter, assert_problem

OFFICE = "ma.office_des_changes"
SOURCES = [
    {"id": "oc-bulletin-2024-12", "title": "Bulletin mensuel, décembre 2024", "outlet": "Office des changes", "language": "fr", "published": "2024-12-31"},
    {"id": "oc-bulletin-2025-12", "title": "Bulletin mensuel, décembre 2025", "outlet": "Office des changes", "language": "fr", "published": "2025-12-31"},
    {"id": "le360-2026-02", "title": "Transferts des MRE", "outlet": "Le360", "language": "fr", "published": "2026-02-10", "url": "https://le360.ma/a"},
    {"id": "h24-2025-03", "title": "MRE : les transferts", "outlet": "H24", "language": "fr", "published": "2025-03-02"},
]


def remittances(source: str, figure: str, **fields: str) -> dict[str, str]:
    return {"source": source, "quote": f"les transferts des MRE ont atteint {figure}", "subject": "ma.remittances", "measure": "level",
            "period": "2023-01/2023-11", "figure": figure, "origin": OFFICE} | fields  # fmt: skip


def posted(http: httpx.Client, body: dict[str, str]) -> dict[str, Any]:
    answer = http.post("/claims", json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()


@pytest.fixture
def example(db_path: Path, start_server: ServerStarter) -> Any:
    with Store(str(db_path)) as store, start_server(store) as url, httpx.Client(base_url=url) as http:
        assert http.post("/origins", json={"id": OFFICE, "name": "Office des changes", "url": "https://www.oc.gov.ma"}).status_code == 201
        for source in SOURCES:
            assert http.post("/sources", json=source).status_code == 201
        claims = {
            "old": posted(http, remittances("oc-bulletin-2024-12", "105,10 MMDH", released="2024-12")),
            "new": posted(http, remittances("oc-bulletin-2025-12", "105,40 MMDH", released="2025-12")),
            "year": posted(http, remittances("oc-bulletin-2025-12", "112,3 MMDH", released="2025-12", period="2025")),
            "growth": posted(http, remittances("oc-bulletin-2025-12", "en hausse de 6,9 %", released="2025-12", period="2025", measure="growth")),
            # printed in March 2025, before the revision: the then-current figure, not outdated
            "early": posted(http, remittances("h24-2025-03", "105,1 milliards de dirhams", quote="105,1 milliards, selon l'Office")),
            "misprint": posted(http, remittances("le360-2026-02", "105,9 milliards de dirhams")),
            "outdated": posted(http, remittances("le360-2026-02", "105,1 milliards de dirhams")),
        }
        yield http, claims


def by_figures(verdicts: list[dict[str, Any]], *figures: str) -> dict[str, Any]:
    """The one verdict over these figures (a reading printed by several outlets is one, naming each of them)."""
    [found] = [v for v in verdicts if set(figures) <= {e["figure"] for e in v["claims"]}]
    return found


def test_the_office_revised_and_the_outlet_misprinted(example: Any) -> None:
    http, claims = example
    [revised] = [v for v in claims["new"]["verdicts"] if v["status"] == "revised"]
    assert sorted(e["figure"] for e in revised["claims"]) == ["105,10 MMDH", "105,40 MMDH"]
    assert revised["notes"] == ["Office des changes: 105.100 bn (2024-12) → 105.400 bn (2025-12), revised up 0.300 bn, 0.29 % of the earlier figure"]
    assert "cannot hold as printed (off by 0.290 bn)" in revised["computation"]
    assert {(e["origin"], e["released"]) for e in revised["claims"]} == {(OFFICE, "2024-12"), (OFFICE, "2025-12")}
    listed = http.get("/verdicts", params={"status": "revised"}).json()
    assert [v["id"] for v in listed["verdicts"]] == [revised["id"]]
    misprint = by_figures(claims["misprint"]["verdicts"], "105,40 MMDH", "105,9 milliards de dirhams")
    assert misprint["status"] == "contradicted", "a figure no release printed is an error, not a revision"
    review = http.get(f"/verdicts/{revised['id']}/claimreview").json()
    assert review["reviewRating"]["ratingValue"] == 2 and review["reviewRating"]["alternateName"] == "Revised by its source"
    assert review["itemReviewed"]["author"]["name"] == "Office des changes"
    statuses = [v["status"] for v in http.get("/verdicts").json()["verdicts"]]
    assert statuses == sorted(statuses, key=["contradicted", "implausible", "revised", "unverifiable", "consistent"].index)
    csv_rows = http.get("/verdicts", params={"format": "csv", "status": "revised"}).text
    assert '"revised"' in csv_rows


def test_an_outlet_relaying_the_older_release_after_the_revision_is_warned_outdated(example: Any) -> None:
    http, claims = example
    outdated = claims["outdated"]["claim"]
    [warning] = outdated["warnings"]
    assert warning["id"] == "outdated"
    assert "Office des changes revised this figure in its 2025-12 release to '105,40 MMDH'" in warning["text"]
    assert "2024-12 release's '105,10 MMDH'" in warning["text"] and "2026-02-10" in warning["text"]
    assert http.get(f"/claims/{outdated['id']}").json()["warnings"] == [warning]
    against_new = by_figures(claims["outdated"]["verdicts"], "105,40 MMDH", "105,1 milliards de dirhams")
    assert against_new["status"] == "contradicted" and warning in against_new["warnings"], "its verdicts carry it too"
    what_if = http.post("/check", json=remittances("le360-2026-02", "105,1 milliards de dirhams", quote="une autre fois 105,1")).json()
    assert [w["id"] for w in what_if["claim"]["warnings"]] == ["outdated"], "a what-if is warned as a stored claim is"
    assert claims["early"]["claim"]["warnings"] == [], "printed before the revision: the figure of its day"
    assert claims["misprint"]["claim"]["warnings"] == [], "matches no release: a misprint, not an outdated figure"


def test_blame_ignores_revised_verdicts(example: Any) -> None:
    http, claims = example
    suspects = {c["id"]: c for c in http.get("/blame", params={"subject": "ma.remittances"}).json()["claims"]}
    assert claims["misprint"]["claim"]["id"] in suspects
    old = claims["old"]["claim"]["id"]
    contradicted = http.get("/verdicts", params={"claim": old, "status": "contradicted"}).json()["total"]
    revised = http.get("/verdicts", params={"claim": old, "status": "revised"}).json()["total"]
    assert revised == 1 and suspects[old]["contradictions"] == contradicted, "its revision is no contradiction to doubt it for"


def test_the_office_s_record_is_computed_from_the_store_and_links_to_its_verdicts(example: Any) -> None:
    http, claims = example
    record = http.get(f"/origins/{OFFICE}/record").json()
    assert (record["kind"], record["name"], record["figures"]) == ("origin", "Office des changes", 7)
    revisions = record["revisions"]
    assert (revisions["count"], revisions["median_percent"], revisions["largest_percent"], revisions["median_days"]) == (1, 0.2854, 0.2854, 365)
    [revision] = revisions["revisions"]
    assert (revision["earlier"], revision["later"]) == (claims["old"]["claim"]["id"], claims["new"]["claim"]["id"])
    revised = record["statuses"]["revised"]
    assert (revised["figures"], revised["verdicts"]) == (2, 1)
    # every number links to what is behind it, and the link lists exactly that
    behind = http.get(revised["link"]).json()
    assert behind["total"] == revised["verdicts"]
    contradicted = record["statuses"]["contradicted"]
    assert http.get(contradicted["link"]).json()["total"] == contradicted["verdicts"] > 0
    assert len(http.get(record["figures_link"]).json()) == record["figures"]
    assert record["blamed"]["exact"] is True and record["blamed"]["figures"] >= 1
    for subject in record["blamed"]["subjects"]:
        minimal = {i for chosen in http.get(subject["link"]).json()["minimal_sets"] for i in chosen}
        assert set(subject["figures"]) <= minimal


def test_a_source_s_record_counts_its_figures_corrections_and_retractions(example: Any) -> None:
    http, claims = example
    misprint = claims["misprint"]["claim"]["id"]
    assert http.post(f"/claims/{misprint}/retract", json={"by": "desk", "reason": "the outlet printed 105,9 by mistake"}).status_code == 200
    record = http.get("/sources/le360-2026-02/record").json()
    assert (record["kind"], record["figures"], record["revisions"]) == ("source", 1, None)
    assert record["withdrawn"] == {"retracted": [misprint], "corrected": []}
    assert record["statuses"]["contradicted"]["figures"] == 1  # its outdated figure, against the revised one
    assert_problem(http.get("/sources/nobody/record"), 404, "id")
    assert_problem(http.get("/origins/ma.nobody/record"), 404, "id")


def test_the_desk_shows_each_record_with_its_links(example: Any) -> None:
    http, _ = example
    page = http.get(f"/desk/origins/{OFFICE}")
    assert page.status_code == 200
    assert f'href="/?origin={OFFICE}&amp;status=revised"' in page.text and "+0.29 %" in page.text
    source_page = http.get("/desk/sources/le360-2026-02")
    assert source_page.status_code == 200 and 'href="/?source=le360-2026-02&amp;status=contradicted"' in source_page.text
    revised_page = http.get("/", params={"origin": OFFICE, "status": "revised"})
    assert revised_page.status_code == 200 and "revised up" in revised_page.text and "(2024-12) → " in revised_page.text
    assert http.get("/desk/sources/nobody").status_code == 404
