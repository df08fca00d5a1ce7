"""Verdicts kept in the store: paged, read one by one, kept current claim by claim, recomputed whole.

Also POST /claims/batch, which stores many claims through the bulk path and then
recomputes once, and the paging headers of the bare-array listings.
"""

from __future__ import annotations

import json
from typing import Any

from litestar.testing import TestClient

from service import checking
from service.rules.book import RuleBook
from service.store import Store
from tests.helpers import SOURCE, assert_problem, claim_body

SHARES = "ma.handicraft.exports"


def share(quote: str, product: str, figure: str) -> dict[str, Any]:
    return claim_body(quote, measure="share", breakdown={"product": product}, period="2025", figure=figure)  # type: ignore[arg-type]


def group_verdicts(client: TestClient) -> list[dict[str, Any]]:
    return client.get("/verdicts", params={"rule": "shares-sum-to-whole", "limit": 1000}).json()["verdicts"]


# --- pages ------------------------------------------------------------------------------


def test_verdict_pages_cover_every_verdict_once_and_link_the_next(seeded_reader: TestClient) -> None:
    everything = seeded_reader.get("/verdicts", params={"limit": 1000}).json()
    assert everything["next"] is None and everything["total"] == len(everything["verdicts"])
    seen, path, pages = [], "/verdicts?limit=7&status=consistent", 0
    while path is not None:
        page = seeded_reader.get(path).json()
        assert page["total"] == sum(v["status"] == "consistent" for v in everything["verdicts"])
        assert len(page["verdicts"]) <= 7
        seen += [v["id"] for v in page["verdicts"]]
        path, pages = page["next"], pages + 1
        assert path is None or "status=consistent" in path, "the next page keeps the filters"
    assert seen == [v["id"] for v in everything["verdicts"] if v["status"] == "consistent"]
    assert pages == -(-len(seen) // 7)


def test_the_default_page_is_a_hundred_and_a_limit_over_a_thousand_is_refused(seeded_reader: TestClient) -> None:
    assert len(seeded_reader.get("/verdicts").json()["verdicts"]) <= 100
    assert_problem(seeded_reader.get("/verdicts", params={"limit": 1001}), 422, "limit")
    assert_problem(seeded_reader.get("/verdicts", params={"offset": -1}), 422, "offset")


def test_claims_and_sources_keep_their_arrays_and_page_in_headers(seeded_reader: TestClient) -> None:
    every = seeded_reader.get("/claims", params={"limit": 1000})
    total = int(every.headers["x-total-count"])
    assert total == len(every.json()) and "link" not in every.headers
    first = seeded_reader.get("/claims", params={"limit": 10, "subject": SHARES})
    assert isinstance(first.json(), list) and len(first.json()) == 10
    link = first.headers["link"]
    assert link.startswith("<") and link.endswith('>; rel="next"') and f"subject={SHARES}" in link
    second = seeded_reader.get(link[1 : link.index(">")])
    assert [c["id"] for c in second.json()] == [c["id"] for c in seeded_reader.get("/claims", params={"subject": SHARES}).json()][10:20]
    sources = seeded_reader.get("/sources", params={"limit": 2})
    assert len(sources.json()) == 2 and int(sources.headers["x-total-count"]) > 2


def test_one_verdict_reads_back_by_id_with_its_evidence(seeded_reader: TestClient) -> None:
    listed = seeded_reader.get("/verdicts", params={"status": "contradicted", "limit": 1}).json()["verdicts"][0]
    assert seeded_reader.get(f"/verdicts/{listed['id']}").json() == listed
    assert_problem(seeded_reader.get("/verdicts/v-0000000000000000"), 404, "id")


# --- kept current ------------------------------------------------------------------------


def test_a_group_that_gains_a_member_rewrites_its_verdict(client: TestClient) -> None:
    """A group's verdict is named by its group keys (issue 21), not its members: a new member rewrites it under its id."""
    client.post("/sources", json=SOURCE)
    client.post("/claims", json=share("a", "pottery", "40 %"))
    client.post("/claims", json=share("b", "carpets", "30 %"))
    [before] = group_verdicts(client)
    assert before["status"] == "consistent" and len(before["claims"]) == 2
    answer = client.post("/claims", json=share("c", "leather", "45 %")).json()
    [after] = group_verdicts(client)
    assert after["id"] == before["id"] and len(after["claims"]) == 3
    assert after["first_seen"] == before["first_seen"], "the group's verdict keeps the time it first appeared"
    # 40 % + 30 % + 45 % is at least 39.5 + 29.5 + 44.5 = 113.5 %: 13.5 points over the whole
    assert after["status"] == "contradicted" and after["margin"] == 13.5
    assert after["id"] in {v["id"] for v in answer["verdicts"]}


def test_a_verdict_keeps_the_time_it_first_appeared_through_recomputes(seeded_store: Store, rules: RuleBook) -> None:
    first = {row.id: seen for row, seen in seeded_store.list_verdicts(rules.current).items}
    checking.recompute(seeded_store, rules)
    again = {row.id: seen for row, seen in seeded_store.list_verdicts(rules.current).items}
    assert again == first


def test_a_recompute_tells_of_each_rule_before_it_runs(seeded_store: Store, rules: RuleBook) -> None:
    """What tally check's progress bar hears: every rule in force, in order, counted; the timings are per rule as before."""
    heard: list[tuple[str, int, int]] = []
    timings = checking.recompute(seeded_store, rules, lambda rule_id, done, total: heard.append((rule_id, done, total)))
    ids = list(rules.current.compiled)
    assert heard == [(rule_id, done, len(ids)) for done, rule_id in enumerate(ids)]
    assert list(timings) == ids


def test_a_store_recomputes_only_when_the_rules_changed(seeded_store: Store, rules: RuleBook) -> None:
    assert checking.ensure_current(seeded_store, rules) is False
    seeded_store.set_setting("verdicts_rules", "older rules", seeded_store._connection)
    assert checking.ensure_current(seeded_store, rules) is True
    assert checking.ensure_current(seeded_store, rules) is False


# --- POST /claims/batch ---------------------------------------------------------------------


def test_a_batch_in_ndjson_or_a_json_array_is_stored_and_checked_once(client: TestClient) -> None:
    client.post("/sources", json=SOURCE)
    lines = [share("a", "pottery", "40 %"), share("b", "carpets", "30 %")]
    ndjson = "\n".join(json.dumps(body) for body in lines).encode()
    response = client.post("/claims/batch", content=ndjson, headers={"content-type": "application/x-ndjson"})
    assert response.status_code == 201, response.text
    assert response.json() == {"claims_added": 2, "skipped": 0}
    array = json.dumps([*lines, share("c", "leather", "45 %")]).encode()
    response = client.post("/claims/batch", content=array, headers={"content-type": "application/json"})
    assert response.json() == {"claims_added": 1, "skipped": 2}, "claims stored already are skipped"
    [verdict] = group_verdicts(client)
    assert verdict["status"] == "contradicted" and len(verdict["claims"]) == 3


def test_a_batch_with_one_bad_record_stores_nothing_and_names_it(client: TestClient) -> None:
    client.post("/sources", json=SOURCE)
    lines = [json.dumps(share("a", "pottery", "40 %")), json.dumps(share("b", "carpets", "trente pour cent"))]
    response = client.post("/claims/batch", content="\n".join(lines).encode(), headers={"content-type": "application/x-ndjson"})
    body = assert_problem(response, 422, "line 2.figure")
    assert "nothing of the batch was stored" in body["detail"]
    assert client.get("/claims").json() == []
    broken = client.post("/claims/batch", content=b'[{"source": "desk"}]', headers={"content-type": "application/json"})
    assert_problem(broken, 422, "[0]")
