"""Driving Tally as its users do: the ``tally`` command in a subprocess and the HTTP API of a real server.

Nothing here imports ``service``: the bench sees only what a newsroom sees
(the command line, its JSON, the HTTP API), so it survives refactors of the
engine.  Every timing is wall-clock ``time.perf_counter`` around the call.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import msgspec

REPO = Path(__file__).resolve().parent.parent
TALLY = str(REPO / ".venv" / "bin" / "tally")
RULES = str(REPO / "rules")


class ProductError(RuntimeError):
    """The product did not do what a user asked: a command failed or the server did not come up."""


@dataclass
class Run:
    """A finished ``tally`` command: its wall time, exit code, output, and peak RSS (from ``wait4``)."""

    seconds: float
    returncode: int
    stdout: bytes
    stderr_lines: list[tuple[float, str]]  # (seconds since start, line)
    peak_rss_bytes: int


class Timeout(ProductError):
    """A command ran past the bench's deadline and was stopped (SIGTERM to its own process)."""


def run_tally(*args: str, timeout: float | None = None, env: dict[str, str] | None = None) -> Run:
    """``tally ARGS`` in a subprocess (``env``: its environment, else this one); stderr lines are
    time-stamped as they arrive (load reports each file as it is stored)."""
    started = time.perf_counter()
    process = subprocess.Popen([TALLY, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    lines: list[tuple[float, str]] = []
    timer = threading.Timer(timeout, process.terminate) if timeout else None
    if timer:
        timer.start()

    def read_stderr() -> None:
        assert process.stderr is not None
        for raw in process.stderr:
            lines.append((time.perf_counter() - started, raw.decode(errors="replace").rstrip()))

    reader = threading.Thread(target=read_stderr, daemon=True)
    reader.start()
    assert process.stdout is not None
    stdout = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    reader.join(timeout=5)
    if timer:
        timer.cancel()
        if process.returncode == -signal.SIGTERM:
            raise Timeout(f"tally {args[0]} stopped after {timeout:.0f} s")
    return Run(seconds, process.returncode, stdout, lines, usage.ru_maxrss * 1024)


# --- tally load -------------------------------------------------------------------------


@dataclass
class LoadTiming:
    seconds: float  # the whole command: start-up, parsing, storing, verdicts
    stored_seconds: float  # until the last file was reported stored (start-up included)
    verdict_seconds: float  # after that: recomputing every verdict once, and exiting
    claims_added: int
    peak_rss_bytes: int


def load(db: Path, files: list[Path]) -> LoadTiming:
    run = run_tally("load", "--db", str(db), "--rules", RULES, *map(str, files))
    if run.returncode != 0:
        raise ProductError(f"tally load exited {run.returncode}: " + "\n".join(line for _, line in run.stderr_lines[-10:]))
    reported = [(at, line) for at, line in run.stderr_lines if " claims added" in line]
    stored_at = reported[-1][0] if reported else run.seconds
    added = sum(int(line.split(" claims added")[0].rsplit(" ", 1)[-1]) for _, line in reported)
    return LoadTiming(run.seconds, stored_at, run.seconds - stored_at, added, run.peak_rss_bytes)


# --- tally check --json --stats -----------------------------------------------------------


class EvidenceClaim(msgspec.Struct):
    role: str
    id: str
    source: str
    quote: str
    figure: str | None = None
    period: str | None = None


class CheckedVerdict(msgspec.Struct):
    rule: str
    status: str
    claims: list[EvidenceClaim]
    computation: str = ""
    notes: list[str] = []


class RuleStats(msgspec.Struct):
    rule: str
    contradicted: int
    unverifiable: int
    consistent: int
    seconds: float
    implausible: int = 0  # a status since issue 9
    revised: int = 0  # a status since issue 19 (the bench's claims name no origin: always 0)


class CheckReport(msgspec.Struct):
    rules: list[RuleStats]
    seconds: float
    total: int
    verdicts: list[CheckedVerdict]


@dataclass
class CheckTiming:
    wall_seconds: float
    report: CheckReport
    peak_rss_bytes: int


def check_contradictions(db: Path, timeout: float | None = None) -> CheckTiming:
    """Every rule over the whole store (``tally check --json --stats``), listing every contradiction."""
    run = run_tally(
        "check", "--db", str(db), "--rules", RULES, "--json", "--stats", "--status", "contradicted", "--limit", "100000000", timeout=timeout
    )
    if run.returncode != 0:
        raise ProductError(f"tally check exited {run.returncode}: " + "\n".join(line for _, line in run.stderr_lines[-10:]))
    return CheckTiming(run.seconds, msgspec.json.decode(run.stdout, type=CheckReport), run.peak_rss_bytes)


# --- tally serve ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base_url: str
    ready_seconds: float  # from spawn to the first good answer
    health_path: str  # /health, or /rules where there is none
    log_path: Path

    def status(self) -> dict[str, int]:
        """VmHWM (peak RSS) and VmRSS of the server process, in bytes."""
        values = {}
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmHWM", "VmRSS"):
                values[key] = int(rest.split()[0]) * 1024
        return values


@contextlib.contextmanager
def serve(db: Path, log_path: Path, deadline_seconds: float = 600.0, seeds: bool = False) -> Iterator[Server]:
    """``tally serve`` on a free port, ready once ``GET /health`` (or ``GET /rules``) answers 200; stopped with SIGINT.

    ``seeds``: the server loads the seed fixtures into the store first (as ``make serve`` does).
    """
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [TALLY, "serve", "--db", str(db), *([] if seeds else ["--no-fixtures"]), "--host", "127.0.0.1", "--port", str(port), "--rules", RULES],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        health_path = _wait_until_ready(process, base_url, started + deadline_seconds, log_path)
        yield Server(process, base_url, time.perf_counter() - started, health_path, log_path)
    finally:
        _stop(process)


def _wait_until_ready(process: subprocess.Popen[bytes], base_url: str, deadline: float, log_path: Path) -> str:
    """Poll with a deadline (the store's verdicts may be recomputed at start-up: this can take a while)."""
    pause = 0.02
    with httpx.Client(base_url=base_url, timeout=5.0) as client:
        while time.perf_counter() < deadline:
            if process.poll() is not None:
                raise ProductError(f"tally serve exited {process.returncode}: {log_path.read_text(errors='replace')[-2000:]}")
            with contextlib.suppress(httpx.TransportError):
                if client.get("/health").status_code == 200:
                    return "/health"
                if client.get("/rules").status_code == 200:
                    return "/rules"
            time.sleep(pause)
            pause = min(pause * 1.5, 0.5)
    raise ProductError(f"tally serve did not answer within the deadline: {log_path.read_text(errors='replace')[-2000:]}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)  # uvicorn shuts down cleanly and the store is closed
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class Posts:
    """``POST /claims`` of each probe, timed client-side."""

    seconds: list[float] = field(default_factory=list)  # answered 201
    failures: dict[int, int] = field(default_factory=dict)  # status -> count (0: no answer)
    first_failure: str = ""
    contradicted: set[int] = field(default_factory=set)  # probe indexes whose answer holds a contradiction
    verdicts: int = 0


def post_claims(server: Server, source: dict[str, Any], probes: list[dict[str, Any]]) -> Posts:
    """POST /sources for the probes' source, then POST /claims for each probe, one at a time."""
    posts = Posts()
    with httpx.Client(base_url=server.base_url, timeout=120.0) as client:
        answer = client.post("/sources", json=source)
        if answer.status_code not in (201, 409):
            posts.first_failure = f"POST /sources answered {answer.status_code}: {answer.text[:300]}"
        for index, body in enumerate(probes):
            started = time.perf_counter()
            try:
                answer = client.post("/claims", json=body)
            except httpx.HTTPError as exc:
                posts.failures[0] = posts.failures.get(0, 0) + 1
                posts.first_failure = posts.first_failure or f"POST /claims: {type(exc).__name__}: {exc}"
                continue
            elapsed = time.perf_counter() - started
            if answer.status_code != 201:
                posts.failures[answer.status_code] = posts.failures.get(answer.status_code, 0) + 1
                posts.first_failure = posts.first_failure or f"POST /claims answered {answer.status_code}: {answer.text[:300]}"
                continue
            posts.seconds.append(elapsed)
            verdicts = answer.json().get("verdicts", [])
            posts.verdicts += len(verdicts)
            if any(v.get("status") == "contradicted" for v in verdicts):
                posts.contradicted.add(index)
    return posts


def contradictions(server: Server) -> list[CheckedVerdict]:
    """Every contradicted verdict the store keeps, page by page (``GET /verdicts?status=contradicted``)."""
    decoder = msgspec.json.Decoder(VerdictPage)
    verdicts: list[CheckedVerdict] = []
    path: str | None = "/verdicts?status=contradicted&limit=1000"
    with httpx.Client(base_url=server.base_url, timeout=600.0) as client:
        while path:
            answer = client.get(path)
            if answer.status_code != 200:
                raise ProductError(f"GET {path} answered {answer.status_code}: {answer.text[:300]}")
            page = decoder.decode(answer.content)
            verdicts.extend(page.verdicts)
            path = page.next
    return verdicts


class VerdictPage(msgspec.Struct):
    verdicts: list[CheckedVerdict]
    total: int
    next: str | None = None


def rule_sql(server: Server) -> dict[str, str]:
    """Each rule's compiled SQL, as ``GET /rules`` publishes it."""
    with httpx.Client(base_url=server.base_url, timeout=30.0) as client:
        answer = client.get("/rules")
        answer.raise_for_status()
        return {rule["id"]: rule["sql"] for rule in answer.json()["rules"] if rule.get("sql")}
