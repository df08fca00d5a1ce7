"""The desk's claim form: a figure in, its reading and verdicts out, problems next to the field they name."""

from __future__ import annotations

import re

from litestar.testing import TestClient

from service.store import Store
from tests.helpers import SEEDS_NEW_CLAIM, desk_post

NEW = SEEDS_NEW_CLAIM


def problems(html: str) -> dict[str, str]:
    return dict(re.findall(r'id="(\w+)-problem" role="alert">([^<]*)', html))


def test_the_blank_form_offers_the_sources_and_measures(seeded_client: TestClient) -> None:
    page = seeded_client.get("/desk/new").text
    assert '<option value="communique-2025-12">Département de l&#39;Artisanat et de l&#39;Économie sociale — Les exportations' in page
    assert '<option value="share_change">change of share</option>' in page
    names = ("source", "quote", "subject", "breakdown", "measure", "period", "compared_to", "figure", "origin", "released")
    assert all(f'name="{name}"' in page for name in names)


def test_a_dry_run_reads_the_figure_and_answers_its_verdicts_storing_nothing(seeded_client: TestClient, seeded_store: Store) -> None:
    before = seeded_store.list_claims().total
    page = desk_post(seeded_client, "/desk/new", {**NEW, "action": "check"}).text
    assert "<h2><bdi>1,5 milliard de dirhams</bdi>: <span class=\"interval\" title=\"1,450,000,000 – 1,550,000,000 MAD\">1.450 bn to 1.550 bn MAD</span></h2>" in page  # the figure isolated: it may be Arabic; every digit in its title
    assert "result: 1.450 bn to 1.550 bn MAD" in page  # the reading's result at the figure's scale, not [1,450,000,000, 1,550,000,000]
    assert "&#39;milliard&#39; scales by 10^9" in page  # the reading, line by line
    assert "nothing was stored" in page and re.findall(r'<article class="verdict contradicted"', page)
    assert seeded_store.list_claims().total == before


def test_storing_keeps_the_claim(seeded_client: TestClient, seeded_store: Store) -> None:
    before = seeded_store.list_claims().total
    page = desk_post(seeded_client, "/desk/new", {**NEW, "breakdown": "product=carpets", "action": "store"}).text
    stored = re.search(r"stored as (c-[0-9a-f]+)", page)
    assert stored and seeded_store.list_claims().total == before + 1
    assert seeded_client.get(f"/claims/{stored.group(1)}").json()["breakdown"] == {"product": "carpets"}


def test_problems_come_back_next_to_their_field_and_keep_what_was_typed(seeded_client: TestClient) -> None:
    response = desk_post(seeded_client, "/desk/new", {**NEW, "period": "2025-13", "action": "check"})
    assert response.status_code == 422
    assert "2025-13" in problems(response.text)["period"]
    assert 'value="1,5 milliard de dirhams"' in response.text  # nothing typed is lost
    unread = desk_post(seeded_client, "/desk/new", {**NEW, "figure": "beaucoup de dirhams", "action": "check"})
    assert unread.status_code == 422 and "beaucoup" in problems(unread.text)["figure"]
    bad_breakdown = desk_post(seeded_client, "/desk/new", {**NEW, "breakdown": "carpets", "action": "check"})
    assert "dimension=member" in problems(bad_breakdown.text)["breakdown"]


def test_the_reading_as_it_is_typed(seeded_client: TestClient) -> None:
    read = seeded_client.get("/desk/read", params={"figure": "quelque 1,23 milliard de dirhams", "source": "akhannouch-2026-01-19"}).json()
    assert read["interval"].startswith("1.22") and any("milliard" in line for line in read["reading"])
    assert seeded_client.get("/desk/read", params={"figure": "beaucoup"}).json()["interval"] is None


# --- correcting and retracting from the page ------------------------------------------------


def claim_printed(client: TestClient, figure: str) -> dict:
    claims = client.get("/claims", params={"subject": "ma.handicraft.exports", "limit": 1000}).json()
    return next(c for c in claims if c["figure"] == figure)


def test_every_figure_of_a_verdict_links_to_its_claims_page(seeded_client: TestClient) -> None:
    page = seeded_client.get("/", params={"status": "contradicted"}).text
    linked = set(re.findall(r'href="/desk/claims/(c-[0-9a-f]+)">correct or retract', page))
    assert claim_printed(seeded_client, "quelque 1,23 milliard de dirhams")["id"] in linked


def test_a_claim_is_retracted_from_its_page_and_leaves_every_verdict(seeded_client: TestClient) -> None:
    claim = claim_printed(seeded_client, "quelque 1,23 milliard de dirhams")
    refused = desk_post(seeded_client, f"/desk/claims/{claim['id']}/retract", {"by": "", "reason": "entered twice"})
    assert refused.status_code == 422 and 'for="retract-by"' in refused.text and "say who withdraws" in refused.text
    done = desk_post(seeded_client, f"/desk/claims/{claim['id']}/retract", {"by": "desk", "reason": "entered twice"})
    assert done.status_code == 200 and "Retracted by desk" in done.text and "Retract it" not in done.text
    assert seeded_client.get("/verdicts", params={"claim": claim["id"]}).json()["verdicts"] == []
    assert seeded_client.get(f"/claims/{claim['id']}").json()["retracted"]["reason"] == "entered twice"


def test_a_claim_is_corrected_from_its_page_and_both_are_linked(seeded_client: TestClient) -> None:
    old = claim_printed(seeded_client, "1,14 milliard de dirhams (MMDH)")
    form = seeded_client.get(f"/desk/claims/{old['id']}").text
    assert f'value="{old["period"]}"' in form  # the correction starts from the claim as stored
    fields = {"source": old["source"], "quote": old["quote"] + " (erratum)", "subject": old["subject"], "measure": "level",
              "period": old["period"], "figure": "1,24 milliard de dirhams", "by": "desk", "reason": "typo in the figure"}
    answer = desk_post(seeded_client, f"/desk/claims/{old['id']}/correct", fields)
    new_id = re.search(r"stored as (c-[0-9a-f]+)", answer.text)
    assert answer.status_code == 200 and new_id
    assert seeded_client.get(f"/claims/{old['id']}").json()["superseded_by"] == new_id.group(1)
    assert f'href="/desk/claims/{new_id.group(1)}"' in seeded_client.get(f"/desk/claims/{old['id']}").text
