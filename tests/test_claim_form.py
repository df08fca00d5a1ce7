"""The desk's claim form: a figure in, its reading and verdicts out, problems next to the field they name."""

from __future__ import annotations

import re

from litestar.testing import TestClient

from service.store import Store

NEW = {
    "source": "communique-2025-12",
    "quote": "les exportations ont atteint 1,5 milliard de dirhams",
    "subject": "ma.handicraft.exports",
    "measure": "level",
    "period": "2025-01/2025-11",
    "figure": "1,5 milliard de dirhams",
}


def problems(html: str) -> dict[str, str]:
    return dict(re.findall(r'id="(\w+)-problem" role="alert">([^<]*)', html))


def test_the_blank_form_offers_the_sources_and_measures(seeded_client: TestClient) -> None:
    page = seeded_client.get("/desk/new").text
    assert "<option>communique-2025-12</option>" in page and "<option>share_change</option>" in page
    assert all(f'name="{name}"' in page for name in ("source", "quote", "subject", "breakdown", "measure", "period", "compared_to", "figure"))


def test_a_dry_run_reads_the_figure_and_answers_its_verdicts_storing_nothing(seeded_client: TestClient, seeded_store: Store) -> None:
    before = seeded_store.list_claims().total
    page = seeded_client.post("/desk/new", data={**NEW, "action": "check"}).text
    assert "<h2>1,5 milliard de dirhams: 1.450 bn to 1.550 bn</h2>" in page
    assert "&#39;milliard&#39; scales by 10^9" in page  # the reading, line by line
    assert "nothing was stored" in page and re.findall(r'<article class="verdict contradicted"', page)
    assert seeded_store.list_claims().total == before


def test_storing_keeps_the_claim(seeded_client: TestClient, seeded_store: Store) -> None:
    before = seeded_store.list_claims().total
    page = seeded_client.post("/desk/new", data={**NEW, "breakdown": "product=carpets", "action": "store"}).text
    stored = re.search(r"stored as (c-[0-9a-f]+)", page)
    assert stored and seeded_store.list_claims().total == before + 1
    assert seeded_client.get(f"/claims/{stored.group(1)}").json()["breakdown"] == {"product": "carpets"}


def test_problems_come_back_next_to_their_field_and_keep_what_was_typed(seeded_client: TestClient) -> None:
    response = seeded_client.post("/desk/new", data={**NEW, "period": "2025-13", "action": "check"})
    assert response.status_code == 422
    assert "2025-13" in problems(response.text)["period"]
    assert 'value="1,5 milliard de dirhams"' in response.text  # nothing typed is lost
    unread = seeded_client.post("/desk/new", data={**NEW, "figure": "beaucoup de dirhams", "action": "check"})
    assert unread.status_code == 422 and "beaucoup" in problems(unread.text)["figure"]
    bad_breakdown = seeded_client.post("/desk/new", data={**NEW, "breakdown": "carpets", "action": "check"})
    assert "dimension=member" in problems(bad_breakdown.text)["breakdown"]


def test_the_reading_as_it_is_typed(seeded_client: TestClient) -> None:
    read = seeded_client.get("/desk/read", params={"figure": "quelque 1,23 milliard de dirhams", "source": "akhannouch-2026-01-19"}).json()
    assert read["interval"].startswith("1.22") and any("milliard" in line for line in read["reading"])
    assert seeded_client.get("/desk/read", params={"figure": "beaucoup"}).json()["interval"] is None
