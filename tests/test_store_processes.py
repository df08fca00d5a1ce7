"""One store, two processes: ``tally serve`` as a real process on a DuckDB file.

A second ``tally`` command on the file of a running server says so in one line, naming
the process that has it and what to do instead, and exits 2: never a traceback.  The
server, stopped by SIGTERM or SIGINT, closes its store (DuckDB checkpoints it, and its
write-ahead log is gone) and exits 0.
"""

from __future__ import annotations

import json
import signal
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from service.store import Store
from tests.helpers import FIXTURES_DIR, PROCESS_DEADLINE, SOURCE, ServeProcess, claim_body, run_tally, tally_serve

SEED_CLAIMS = sum(len(json.loads(path.read_text(encoding="utf-8"))["claims"]) for path in FIXTURES_DIR.glob("*.json"))


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServeProcess, Path]]:
    """A running ``tally serve`` on a file of its own (the seed fixtures loaded), shared by the module's second processes."""
    db = tmp_path_factory.mktemp("served") / "tally.duckdb"
    with tally_serve(db) as server:
        yield server, db


@pytest.fixture(scope="module")
def claims_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("claims") / "claims.json"
    path.write_text(json.dumps({"sources": [SOURCE], "claims": [claim_body("a claim to load")]}), encoding="utf-8")
    return path


@pytest.mark.parametrize("command", ["check", "load", "serve"])
def test_a_second_process_on_a_served_store_is_told_so_in_one_line(
    served: tuple[ServeProcess, Path], claims_file: Path, command: str
) -> None:
    server, db = served
    extra = {"load": [claims_file], "serve": ["--port", "0"]}.get(command, [])
    result = run_tally(command, "--db", db, *extra)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    assert f"process {server.process.pid} (tally serve --db {db}" in line, "names the process that has the store"
    assert str(db) in line
    assert "use its HTTP API instead (GET /verdicts, POST /claims/batch) or stop it first" in line, "says what to do instead"
    assert httpx.get(f"{server.url}/health").json()["claims"] == SEED_CLAIMS, "the server goes on, its store untouched"


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_serve_closes_its_store_and_exits_0_when_stopped(tmp_path: Path, stop: signal.Signals) -> None:
    db = tmp_path / "tally.duckdb"
    wal = db.with_name(db.name + ".wal")
    with tally_serve(db) as server:
        with httpx.Client(base_url=server.url) as http:
            assert http.post("/sources", json=SOURCE).status_code == 201
            posted = http.post("/claims", json=claim_body("posted before the stop")).json()["claim"]["id"]
        assert wal.exists(), "what the server wrote is in the write-ahead log until the store is closed"
        server.process.send_signal(stop)
        assert server.process.wait(PROCESS_DEADLINE) == 0, "".join(server.log)
    assert not wal.exists(), "the store was closed: DuckDB checkpointed it and removed its write-ahead log"
    with Store(str(db)) as reopened:
        assert reopened.count_claims() == SEED_CLAIMS + 1
        assert reopened.has_claim(posted)
