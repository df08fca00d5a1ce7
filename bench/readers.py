"""Twenty readers of the desk at once, as when a story breaks (issue 22): ``.venv/bin/python -m bench.readers``.

``tally serve`` on a fresh store holding the seeds, then 20 threads, each with a client of
its own (a reader), ask for ``/`` as fast as they are answered, for a few seconds, three ways:

* **revalidating**: each reader sends the ETag it holds (``If-None-Match``), as a browser
  does on reload; the answers are 304s, decided before any page is rendered;
* **reading**: plain GETs, no validator: the page kept since the last change (``X-Cache: hit``);
* **rendering**: each request a query of its own (``/?_=<n>``): every page rendered, as
  every request was before the render cache; the baseline.

Requests per second over all readers, and the latency p50 and p99 client-side.  Part of
``python -m bench.run`` (``--no-readers`` skips it); client and server share the machine's
cores, so the numbers are a floor of what the server alone would do.
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):  # run as a script: python bench/readers.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import click
import httpx

from bench import product

READERS = 20
SECONDS = 5.0
GOAL_PER_SECOND = 500


@dataclass
class Run:
    """One way of reading: every request's latency and status, and how long the readers ran."""

    name: str
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)  # "304", "200 hit", "200 miss", "error ..."

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        if len(self.latencies) < 2:
            return self.latencies[0] if self.latencies else float("nan")
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[round(q * 100) - 1]


@dataclass
class ReadersBench:
    readers: int = READERS
    runs: list[Run] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)


def read_for(base_url: str, name: str, readers: int, seconds: float, request: "Request") -> Run:
    """``readers`` threads asking ``request(client, n)`` until ``seconds`` have passed; all start together."""
    run = Run(name)
    clock: dict[str, float] = {}
    # the clock starts once every reader made its first visit (the barrier's action runs before any is released)
    start = threading.Barrier(readers + 1, action=lambda: clock.update(began=time.perf_counter(), deadline=time.perf_counter() + seconds))
    lock = threading.Lock()

    def reader(number: int) -> None:
        latencies: list[float] = []
        statuses: Counter[str] = Counter()
        with httpx.Client(base_url=base_url, timeout=60) as client:
            request.prepare(client)
            start.wait()
            n = 0
            while time.perf_counter() < clock["deadline"]:
                began = time.perf_counter()
                try:
                    answer = request.send(client, number * 1_000_000 + n)
                    statuses[f"{answer.status_code} {answer.headers.get('x-cache', '')}".strip()] += 1
                except httpx.HTTPError as exc:
                    statuses[f"error {type(exc).__name__}"] += 1
                latencies.append(time.perf_counter() - began)
                n += 1
        with lock:
            run.latencies += latencies
            run.statuses.update(statuses)

    threads = [threading.Thread(target=reader, args=(i,), daemon=True) for i in range(readers)]
    for thread in threads:
        thread.start()
    start.wait()
    for thread in threads:
        thread.join()
    run.seconds = time.perf_counter() - clock["began"]
    return run


class Request:
    """What a reader asks for, again and again."""

    def prepare(self, client: httpx.Client) -> None:
        client.get("/")  # a first visit: the page, its ETag, the CSRF cookie a browser would hold

    def send(self, client: httpx.Client, n: int) -> httpx.Response:
        return client.get("/")


class Revalidating(Request):
    def prepare(self, client: httpx.Client) -> None:
        self.etag = client.get("/").headers.get("etag", "")

    def send(self, client: httpx.Client, n: int) -> httpx.Response:
        return client.get("/", headers={"If-None-Match": self.etag})


class Rendering(Request):
    def send(self, client: httpx.Client, n: int) -> httpx.Response:
        return client.get("/", params={"_": n})


def run(readers: int = READERS, seconds: float = SECONDS) -> ReadersBench:
    result = ReadersBench(readers)
    workdir = Path(tempfile.mkdtemp(prefix="tally-bench-readers-"))
    try:
        with product.serve(workdir / "seeds.duckdb", workdir / "serve.log", seeds=True) as server:
            for name, request in (("revalidating (If-None-Match)", PerReader(Revalidating)),
                                  ("reading (no validator)", PerReader(Request)),
                                  ("rendering (a query each)", PerReader(Rendering))):
                result.runs.append(read_for(server.base_url, name, readers, seconds, request))
    except (product.ProductError, httpx.HTTPError, OSError) as exc:
        result.failures["readers"] = f"{type(exc).__name__}: {exc}"
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return result


class PerReader(Request):
    """A fresh request object per reader: a revalidating reader holds its own ETag."""

    def __init__(self, kind: type[Request]) -> None:
        self.kind = kind
        self.local = threading.local()

    def prepare(self, client: httpx.Client) -> None:
        self.local.request = self.kind()
        self.local.request.prepare(client)

    def send(self, client: httpx.Client, n: int) -> httpx.Response:
        return self.local.request.send(client, n)


def rows(result: ReadersBench) -> tuple[list[str], list[list[str]]]:
    header = [f"{result.readers} readers of /", "requests/s", "p50", "p99", "answers", "goal"]
    table = []
    for run_ in result.runs:
        answers = ", ".join(f"{count:,} {status}" for status, count in run_.statuses.most_common())
        goal = "" if run_.name.startswith("rendering") else f"{GOAL_PER_SECOND}/s " + ("✓" if run_.per_second >= GOAL_PER_SECOND else "✗")
        table.append([run_.name, f"{run_.per_second:,.0f}", _ms(run_.percentile(0.5)), _ms(run_.percentile(0.99)), answers, goal])
    return header, table


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


@click.command()
@click.option("--readers", type=int, default=READERS, show_default=True, help="Readers asking at once (threads).")
@click.option("--seconds", type=float, default=SECONDS, show_default=True, help="How long each way of reading runs.")
def main(readers: int, seconds: float) -> None:
    """Readers of the desk's front page at once, on the seeds: requests per second, p50 and p99."""
    result = run(readers, seconds)
    header, table = rows(result)
    print("\t".join(header))
    for row in table:
        print("\t".join(row))
    for stage, text in result.failures.items():
        print(f"{stage} failed: {text}", file=sys.stderr)
    sys.exit(1 if result.failures else 0)


if __name__ == "__main__":
    main()
