"""The real server: uvicorn on 127.0.0.1, a DuckDB file on disk, httpx over the wire."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from service.store import Store
from tests.helpers import ServerStarter, assert_problem

SOURCE = {
    "id": "communique-2025-12",
    "title": "Les exportations de l'artisanat",
    "outlet": "Ministère",
    "language": "fr",
    "published": "2025-12-20",
}
QUOTE = "les exportations ont atteint 1,14 milliard de dirhams, en hausse de 13 %"
LEVEL = {
    "source": SOURCE["id"],
    "quote": QUOTE,
    "subject": "ma.handicraft.exports",
    "measure": "level",
    "period": "2025-01/2025-11",
    "figure": "1,14 milliard de dirhams",
}
GROWTH = LEVEL | {"measure": "growth", "figure": "en hausse de 13 %"}


def test_what_was_posted_is_still_there_after_a_restart(db_path: Path, start_server: ServerStarter) -> None:
    with Store(str(db_path)) as store, start_server(store) as url, httpx.Client(base_url=url) as http:
        assert http.post("/sources", json=SOURCE).status_code == 201
        ids = [http.post("/claims", json=body).json()["claim"]["id"] for body in (LEVEL, GROWTH)]
        before = {
            "sources": http.get("/sources").json(),
            "source": http.get(f"/sources/{SOURCE['id']}").json(),
            "claims": http.get("/claims").json(),
            "each": [http.get(f"/claims/{i}").json() for i in ids],
        }

    with Store(str(db_path)) as reopened, start_server(reopened) as url, httpx.Client(base_url=url) as http:
        after = {
            "sources": http.get("/sources").json(),
            "source": http.get(f"/sources/{SOURCE['id']}").json(),
            "claims": http.get("/claims").json(),
            "each": [http.get(f"/claims/{i}").json() for i in ids],
        }
        assert http.post("/claims", json=LEVEL).status_code == 409, "the stored claim is still recognised"
    assert after == before
    assert [c["id"] for c in after["claims"]] == ids


def test_a_stopped_server_no_longer_answers(store: Store, start_server: ServerStarter) -> None:
    with start_server(store) as url:
        assert httpx.get(f"{url}/rules").status_code == 200
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/rules")


def test_post_claims_over_the_wire_answers_the_verdicts(store: Store, start_server: ServerStarter) -> None:
    other = SOURCE | {"id": "akhannouch-2026-01-19"}
    rival = LEVEL | {"source": other["id"], "quote": "quelque 1,23 milliard de dirhams", "figure": "quelque 1,23 milliard de dirhams"}
    with start_server(store) as url, httpx.Client(base_url=url) as http:
        for source in (SOURCE, other):
            http.post("/sources", json=source)
        first = http.post("/claims", json=LEVEL).json()["claim"]["id"]
        response = http.post("/claims", json=rival)
        assert response.status_code == 201
        assert response.headers["content-type"].startswith("application/json")
        [verdict] = response.json()["verdicts"]
        assert verdict["rule"] == "same-figure"
        assert verdict["status"] == "contradicted"
        assert {e["id"] for e in verdict["claims"]} == {first, response.json()["claim"]["id"]}
        assert http.get("/verdicts", params={"status": "contradicted"}).json()["verdicts"] == [verdict]


def test_errors_over_the_wire_are_problem_documents(store: Store, start_server: ServerStarter) -> None:
    with start_server(store) as url, httpx.Client(base_url=url) as http:
        assert_problem(http.post("/claims", content=b"{not json", headers={"content-type": "application/json"}), 400, "$")
        assert_problem(http.post("/claims", json=LEVEL), 422, "source")
        assert_problem(http.get("/nowhere"), 404, "path")


def test_the_same_claim_posted_at_once_is_stored_once(store: Store, start_server: ServerStarter) -> None:
    with start_server(store) as url, httpx.Client(base_url=url) as http:
        http.post("/sources", json=SOURCE)
        with ThreadPoolExecutor(max_workers=4) as pool:
            statuses = sorted(pool.map(lambda _: http.post("/claims", json=LEVEL).status_code, range(4)))
        assert statuses == [201, 409, 409, 409]
        assert len(http.get("/claims").json()) == 1
