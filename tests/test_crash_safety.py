"""Crash safety: a process killed with SIGKILL leaves the store as its last commit left it.

* ``tally load`` killed halfway through a file leaves nothing of that file; the server
  starts on the store; the load, run again, stores each claim once, and a retried
  ``POST /claims`` answers 409 naming the stored claim.
* A load that committed its claims but died before recomputing the verdicts leaves
  them marked stale: the next start recomputes them.
* ``tally serve`` killed while clients post loses no claim it acknowledged.

The kill lands mid-load by construction, not by timing: the loader reads its NDJSON
file from a named pipe, which the test fills past the loader's first chunk and then
leaves open, so the loader has staged that chunk and waits, inside its transaction,
for the rest of the file.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from service import checking
from service.loading import store_file
from service.rules.book import RuleBook
from service.store import Store
from tests.helpers import PROCESS_DEADLINE, RULES_DIR, TALLY, ServerStarter, run_tally, tally_environment, tally_serve

SOURCES = ("communique-2025-12", "akhannouch-2026-01-19")  # two seed sources: each subject's two claims bind (same-figure)
FED = checking.CHUNK + 5_000  # lines written to the pipe before the kill
TOTAL = FED + 5_000  # lines of the whole file


def bulk_claim(n: int) -> dict[str, str]:
    figure = f"{n % 9 + 1} millions de dirhams"
    return {
        "source": SOURCES[n % 2],
        "quote": f"les ventes du poste {n} ont atteint {figure}",
        "subject": f"ma.bulk.item{n // 2:05d}",
        "measure": "level",
        "period": "2025",
        "figure": figure,
    }


def ndjson(claims: range) -> bytes:
    return b"".join(json.dumps(bulk_claim(n), ensure_ascii=False).encode() + b"\n" for n in claims)


def snapshot(db: Path, rules: RuleBook) -> dict[str, Any]:
    """Everything a store holds that a reader can see: sources, claims in order, verdicts with their dates."""
    with Store(str(db)) as store:
        return {
            "sources": store.list_sources().items,
            "claims": store.list_claims().items,
            "verdicts": store.list_verdicts(rules.current).items,
            "settings": store.query("SELECT * FROM settings ORDER BY key"),
        }


@pytest.fixture
def seeded_db(seeded_file: Path, tmp_path: Path) -> Path:
    db = tmp_path / "tally.duckdb"
    shutil.copyfile(seeded_file, db)
    return db


def kill_loader_halfway(db: Path, tmp_path: Path) -> int:
    """Run ``tally load`` on a named pipe, feed it FED lines, SIGKILL it while it waits for more; its exit status."""
    fifo = tmp_path / "claims.ndjson"
    os.mkfifo(fifo)
    fed, release = threading.Event(), threading.Event()
    first_part = ndjson(range(FED))
    # The write returns once the loader has read all but a pipe's capacity (64 KiB, at most
    # 1 MiB) of it; it reads line CHUNK + 1 only after staging the first CHUNK lines.
    assert len(first_part) - len(ndjson(range(checking.CHUNK))) > 2**20

    def feed() -> None:
        with fifo.open("wb") as pipe:  # opens once the loader opens its file
            pipe.write(first_part)
            pipe.flush()
            fed.set()
            release.wait(PROCESS_DEADLINE)  # held open: the loader must not see the end of its file

    with (tmp_path / "load.log").open("w") as log:
        loader = subprocess.Popen(
            [TALLY, "load", "--db", str(db), "--rules", str(RULES_DIR), str(fifo)], stdout=log, stderr=log, env=tally_environment()
        )
        feeder = threading.Thread(target=feed, daemon=True)
        feeder.start()
        try:
            assert fed.wait(PROCESS_DEADLINE), f"the loader never read its file: {(tmp_path / 'load.log').read_text()}"
            assert loader.poll() is None, "the loader is mid-load, waiting for the rest of its file"
            loader.send_signal(signal.SIGKILL)
            return loader.wait(PROCESS_DEADLINE)
        finally:
            if loader.poll() is None:
                loader.kill()
            release.set()


def test_a_load_killed_halfway_leaves_the_store_as_it_was_and_can_be_run_again(
    seeded_db: Path, tmp_path: Path, rules: RuleBook, start_server: ServerStarter
) -> None:
    before = snapshot(seeded_db, rules)
    assert kill_loader_halfway(seeded_db, tmp_path) == -signal.SIGKILL
    assert snapshot(seeded_db, rules) == before, "nothing of the killed load is in the store"

    with Store(str(seeded_db)) as store, start_server(store) as url, httpx.Client(base_url=url) as http:
        assert http.get("/health").json()["claims"] == len(before["claims"]), "the server starts on it"

    whole = tmp_path / "again" / "claims.ndjson"
    whole.parent.mkdir()
    whole.write_bytes(ndjson(range(TOTAL)))
    first = run_tally("load", "--db", seeded_db, "--rules", RULES_DIR, whole)
    assert first.returncode == 0, first.stderr
    assert f"{TOTAL} claims added, 0 already stored" in first.stderr
    again = run_tally("load", "--db", seeded_db, "--rules", RULES_DIR, whole)
    assert again.returncode == 0, again.stderr
    assert f"0 claims added, {TOTAL} already stored" in again.stderr

    with Store(str(seeded_db)) as store, start_server(store) as url, httpx.Client(base_url=url) as http:
        assert http.get("/health").json()["claims"] == len(before["claims"]) + TOTAL
        [stored] = http.get("/claims", params={"subject": bulk_claim(0)["subject"], "source": SOURCES[0]}).json()
        retried = http.post("/claims", json=bulk_claim(0))
        assert retried.status_code == 409
        assert stored["id"] in retried.json()["errors"][0]["reason"], "the 409 names the stored claim"
        bulk = http.get("/verdicts", params={"rule": "same-figure", "limit": 1}).json()["total"]
    assert bulk == TOTAL // 2 + sum(v.rule == "same-figure" for v, _ in before["verdicts"]), "each subject's pair has its verdict"


def test_a_load_that_died_before_its_recompute_is_recomputed_at_the_next_start(
    seeded_db: Path, tmp_path: Path, rules: RuleBook, start_server: ServerStarter
) -> None:
    path = tmp_path / "pair.ndjson"
    path.write_bytes(ndjson(range(2)))
    with Store(str(seeded_db)) as store:
        assert store_file(store, path).claims_added == 2  # committed; the process "dies" before checking.recompute
    with Store(str(seeded_db)) as store, start_server(store) as url, httpx.Client(base_url=url) as http:
        found = http.get("/verdicts", params={"subject": bulk_claim(0)["subject"]}).json()["verdicts"]
    assert [v["rule"] for v in found] == ["same-figure"], "the start recomputed the verdicts the load left stale"


CLIENTS = 4
ACKNOWLEDGED_BEFORE_KILL = 60


def test_a_server_killed_while_clients_post_loses_no_acknowledged_claim(seeded_db: Path) -> None:
    acknowledged: list[str] = []
    enough = threading.Event()
    lock = threading.Lock()

    def post(url: str, client: int) -> None:
        with httpx.Client(base_url=url) as http:
            for n in range(client, 10_000, CLIENTS):
                try:
                    response = http.post("/claims", json=bulk_claim(n))
                except httpx.TransportError:
                    return  # the server is gone
                assert response.status_code == 201, response.text
                with lock:
                    acknowledged.append(response.json()["claim"]["id"])
                    if len(acknowledged) >= ACKNOWLEDGED_BEFORE_KILL:
                        enough.set()

    with tally_serve(seeded_db, "--no-fixtures") as server, ThreadPoolExecutor(CLIENTS) as pool:
        posting = [pool.submit(post, server.url, client) for client in range(CLIENTS)]
        assert enough.wait(PROCESS_DEADLINE), "".join(server.log)
        server.process.send_signal(signal.SIGKILL)
        server.process.wait(PROCESS_DEADLINE)
        for future in posting:
            future.result()
    with Store(str(seeded_db)) as reopened:  # DuckDB replays the write-ahead log of every commit
        assert len(acknowledged) >= ACKNOWLEDGED_BEFORE_KILL
        assert set(reopened.claims_by_id(acknowledged)) == set(acknowledged)
