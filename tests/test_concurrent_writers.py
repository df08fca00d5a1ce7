"""Concurrent writers: 8 clients post 250 distinct claims each, at once, to a real server on 127.0.0.1.

Every claim is stored exactly once, the counts are exact, and the verdicts the server
kept claim by claim are exactly those a whole recompute over the store finds.  The 8
clients print a figure each for the same 250 subjects, so every claim binds with claims
that other clients post at the same moment: a write that did not see one committed just
before it would leave a verdict out.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import msgspec

from service import checking
from service.rules.book import RuleBook
from service.store import Store
from tests.helpers import ServerStarter

CLIENTS = 8
CLAIMS_EACH = 250
PAGE = 1000
# What each client prints for every subject: seven readings of about 100 million that
# overlap, and one (120 million) that contradicts four of them.
FIGURES = (
    "100 millions de dirhams", "environ 100 millions de dirhams", "près de 100 millions de dirhams", "plus de 99 millions de dirhams",
    "moins de 101 millions de dirhams", "0,1 milliard de dirhams", "100 MDH", "120 millions de dirhams",
)  # fmt: skip


def source(client: int) -> dict[str, str]:
    return {"id": f"desk-{client}", "title": f"Desk {client}", "outlet": "Agence", "language": "fr"}


def claim(client: int, n: int) -> dict[str, str]:
    """Client ``client``'s figure for subject ``n``."""
    figure = FIGURES[client]
    return {
        "source": f"desk-{client}",
        "quote": f"les exportations du poste {n} ont atteint {figure}",
        "subject": f"ma.load.item{n:03d}",
        "measure": "level",
        "period": "2025",
        "figure": figure,
    }


def post_all(url: str, client: int, start: threading.Barrier) -> list[dict[str, Any]]:
    """One client's 250 POSTs, one after another on its own connection, begun when every client is ready."""
    answers = []
    with httpx.Client(base_url=url, timeout=60) as http:
        start.wait()
        for n in range(CLAIMS_EACH):
            response = http.post("/claims", json=claim(client, n))
            assert response.status_code == 201, response.text
            answers.append(response.json())
    return answers


def every_page(http: httpx.Client, path: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    while True:
        response = http.get(path, params={"limit": PAGE, "offset": len(found)})
        items = response.json()["verdicts"] if path == "/verdicts" else response.json()
        found += items
        if len(items) < PAGE:
            return found


def verdict_key(verdict: dict[str, Any]) -> tuple[Any, ...]:
    return (verdict["id"], verdict["rule"], verdict["status"], verdict["margin"], tuple(c["id"] for c in verdict["claims"]))


def test_eight_clients_posting_at_once_store_every_claim_once_and_every_verdict(
    store: Store, start_server: ServerStarter, rules: RuleBook
) -> None:
    with start_server(store) as url, httpx.Client(base_url=url, timeout=60) as http:
        for client in range(CLIENTS):
            assert http.post("/sources", json=source(client)).status_code == 201
        start = threading.Barrier(CLIENTS)
        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            answers = [a for each in pool.map(lambda c: post_all(url, c, start), range(CLIENTS)) for a in each]
        claims = every_page(http, "/claims")
        kept = every_page(http, "/verdicts")
        health = http.get("/health").json()

    posted_ids = [answer["claim"]["id"] for answer in answers]
    assert len(answers) == len(set(posted_ids)) == CLIENTS * CLAIMS_EACH, "every POST stored a claim of its own"
    assert sorted(c["id"] for c in claims) == sorted(posted_ids), "each claim stored exactly once"
    assert health["claims"] == store.count_claims() == CLIENTS * CLAIMS_EACH

    # Each subject's 8 claims, from 8 clients, are bound as readings (claims printing one reading are
    # one): under same-figure, every two readings are a verdict, and a reading printed twice faces itself.
    per_subject = store.query(
        "SELECT count(*), count(*) FILTER (n > 1) FROM (SELECT subject, count(*) AS n FROM live_claims GROUP BY subject, figure_key) GROUP BY subject"
    )
    pairs = sum(r * (r - 1) // 2 + twice for r, twice in per_subject)
    assert len(per_subject) == CLAIMS_EACH and pairs >= CLAIMS_EACH * 15
    assert sum(v["rule"] == "same-figure" for v in kept) == pairs
    answered = {v["id"] for answer in answers for v in answer["verdicts"]}
    assert answered == {v["id"] for v in kept}, "every verdict a POST answered is kept, and only those"

    checking.recompute(store, rules)  # every rule's SQL over the whole store, from scratch
    recomputed = msgspec.to_builtins(checking.render(store, rules.current, store.list_verdicts(rules.current).items))
    assert {v["status"] for v in kept} == {"consistent", "contradicted"}
    assert sorted(map(verdict_key, kept)) == sorted(map(verdict_key, recomputed))
