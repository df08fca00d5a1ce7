"""Measure Tally on stores of increasing size: ``.venv/bin/python -m bench.run``.

For each size the bench builds a temporary DuckDB store from the synthetic
corpus (bench/corpus.py) and measures, with ``time.perf_counter``:

(a) loading: ``service.loading.load_file`` on a JSON file of claims and the
    sources they cite, as ``tally load`` and ``tally serve`` do (claims/s);
(b) the whole store: ``RuleBook.all_verdicts`` (GET /verdicts, ``tally check``);
(c) an anchored check of one new claim: build it, add it and run
    ``RuleBook.verdicts_for`` in ``store.transaction(commit=False)``, as POST
    /check does;
(d) POST /claims through ``litestar.testing.TestClient``: the same work plus
    HTTP, msgspec and the commit;
and once, (e) ``service.figures.parse_figure`` over the fixtures' figures.

For the largest store it also times each compiled rule's SQL alone (whole
store and anchored) and the Python that turns its rows into verdicts.

Loading goes through ``load_file`` for at most ``--load-cap`` claims of each
store (it runs at about 100 claims/s, see bench/README.md); the rest of the
store is inserted in bulk with the rows ``Store.add_claim`` would write, which
is not a measurement.  Nothing is written to the repository unless
``--record`` is given: it updates the results section of bench/README.md.
"""

from __future__ import annotations

import collections
import contextlib
import datetime
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: python bench/run.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import click
import duckdb
import msgspec
from rich.console import Console
from rich.table import Table

from bench.corpus import Corpus, generate
from service.claims import ClaimIn, build_claim
from service.figures import Rounding, parse_figure
from service.loading import load_file
from service.rules.book import RuleBook
from service.rules.compiler import ANCHOR, CompiledRule
from service.rules.evaluate import RuleEngine, build_verdict, could_bind
from service.sources import Source
from service.store import (  # the exact rows add_claim writes
    _SOURCE_COLUMNS,
    Store,
    _claim_row,
)

REPO = Path(__file__).resolve().parent.parent
README = Path(__file__).resolve().parent / "README.md"
RESULTS_START = "<!-- bench:results:start -->"
RESULTS_END = "<!-- bench:results:end -->"
DEFAULT_SIZES = "100,1000,10000"
FULL_SIZES = "100,1000,10000,50000"
BUILD_SAMPLE = 200

# A table of eleven columns folds at 80 columns: when piped, print as if on a wide terminal.
console = Console() if sys.stdout.isatty() else Console(width=180)


# --- what is measured -----------------------------------------------------------------


@dataclass
class SizeResult:
    claims: int
    sources: int
    subjects: int
    loaded: int = 0
    load_runs: list[float] = field(default_factory=list)
    bulk_seconds: float = 0.0
    whole_runs: list[float] = field(default_factory=list)
    statuses: collections.Counter[str] = field(default_factory=collections.Counter)
    check_runs: list[float] = field(default_factory=list)
    check_verdicts: int = 0
    post_runs: list[float] = field(default_factory=list)
    post_failures: int = 0


@dataclass
class RuleTiming:
    rule: str
    sql_runs: list[float] = field(default_factory=list)
    rows: int = 0
    build_seconds: float = 0.0
    build_sampled: bool = False  # estimated from BUILD_SAMPLE rows
    anchored_runs: list[float] = field(
        default_factory=list
    )  # only for the probes it could bind
    anchored_tried: int = 0


@dataclass
class Report:
    machine: dict[str, str]
    sizes: list[SizeResult] = field(default_factory=list)
    rules_size: int = 0
    rules: list[RuleTiming] = field(default_factory=list)
    anchored_totals: list[float] = field(
        default_factory=list
    )  # per probe: the anchored SQL of the rules run
    figures: int = 0
    parse_runs: list[float] = field(
        default_factory=list
    )  # seconds per pass over the figures
    command: str = ""


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def p90(values: list[float]) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]


@contextlib.contextmanager
def stopwatch(into: list[float]) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        into.append(time.perf_counter() - start)


# --- building a store -------------------------------------------------------------------


def write_sample(directory: Path, corpus: Corpus, claims: list[dict[str, Any]]) -> Path:
    """The claims and the sources they cite, as one JSON file of the kind ``tally load`` reads."""
    cited = {claim["source"] for claim in claims}
    path = directory / f"sample-{len(corpus.claims)}.json"
    path.write_bytes(
        msgspec.json.encode(
            {
                "sources": [s for s in corpus.sources if s["id"] in cited],
                "claims": claims,
            }
        )
    )
    return path


def insert_in_bulk(
    directory: Path, store: Store, corpus: Corpus, claims: list[dict[str, Any]]
) -> None:
    """The rest of the store, fast: every claim still goes through build_claim and the row add_claim writes.

    DuckDB spends about 5 ms on each single-row INSERT (and executemany about 2 ms
    a row), so the rows go through an NDJSON file and one INSERT ... SELECT.
    """
    sources = {s["id"]: msgspec.convert(s, Source) for s in corpus.sources}
    stored = {row[0] for row in store.query("SELECT id FROM sources")}
    source_rows = [
        {c: getattr(s, c) for c in _SOURCE_COLUMNS}
        for s in sources.values()
        if s.id not in stored
    ]
    claim_rows = [
        _claim_row(build_claim(msgspec.convert(body, ClaimIn), sources[body["source"]]))
        for body in claims
    ]
    with store.transaction() as connection:
        _insert_rows(directory, connection, "sources", source_rows)
        _insert_rows(directory, connection, "claims", claim_rows)


def _insert_rows(
    directory: Path,
    connection: duckdb.DuckDBPyConnection,
    table: str,
    rows: list[dict[str, Any]],
) -> None:
    if not rows:
        return
    columns = list(rows[0])
    types = dict(
        connection.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ?",
            [table],
        ).fetchall()
    )
    path = directory / f"bulk-{table}.ndjson"
    # Every value as text, cast back by DuckDB: JSON has no infinity, and an open interval's bound is one.
    path.write_bytes(
        b"\n".join(
            msgspec.json.encode(
                {c: None if v is None else str(v) for c, v in row.items()}
            )
            for row in rows
        )
    )
    select = ", ".join(f'CAST("{c}" AS {types[c]})' for c in columns)
    as_text = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in columns) + "}"
    connection.execute(
        f"INSERT INTO {table} ({', '.join(columns)}) SELECT {select} FROM read_json(?, format = 'newline_delimited', columns = {as_text})",
        [str(path)],
    )


def build_store(
    directory: Path,
    corpus: Corpus,
    result: SizeResult,
    load_cap: int,
    runs: int,
    budget: float,
) -> Store:
    """A store of the corpus: its first claims through load_file (timed), the rest in bulk."""
    sample = corpus.claims if load_cap <= 0 else corpus.claims[:load_cap]
    path = write_sample(directory, corpus, sample)
    if len(sample) == len(corpus.claims) and runs > 1:
        # Loading the whole store again: into fresh stores, within half the budget (loading is slow).
        scratch = iter(range(runs))

        def load_into_scratch() -> None:
            with Store(
                str(directory / f"scratch-{result.claims}-{next(scratch)}.duckdb")
            ) as store:
                load_file(store, path)

        repeat(load_into_scratch, result.load_runs, runs - 1, budget / 2)
    store = Store(str(directory / f"store-{result.claims}.duckdb"))
    with stopwatch(result.load_runs):
        result.loaded = load_file(store, path).claims_added
    start = time.perf_counter()
    insert_in_bulk(directory, store, corpus, corpus.claims[len(sample) :])
    result.bulk_seconds = time.perf_counter() - start
    stored = store.count_claims()
    if stored != result.claims:
        raise SystemExit(f"the store holds {stored} claims, not {result.claims}")
    return store


# --- measurements -----------------------------------------------------------------------


def repeat(
    action: Callable[[], Any], into: list[float], runs: int, budget: float
) -> Any:
    """Run ``runs`` times, or fewer when one more run would overrun ``budget`` seconds (always once); return the last value."""
    value = None
    for _ in range(runs):
        with stopwatch(into):
            value = action()
        if sum(into) + into[-1] > budget:
            break
    return value


def measure_whole_store(
    store: Store, book: RuleBook, result: SizeResult, runs: int, budget: float
) -> None:
    verdicts = repeat(lambda: book.all_verdicts(store), result.whole_runs, runs, budget)
    result.statuses = collections.Counter(v.status for v in verdicts)


def measure_checks(
    store: Store, book: RuleBook, probes: list[dict[str, Any]], result: SizeResult
) -> None:
    """What POST /check does, without HTTP: the claim is added and checked, then rolled back."""
    verdicts = 0
    for body in probes:
        claim_in = msgspec.convert(body, ClaimIn)
        with (
            stopwatch(result.check_runs),
            store.transaction(commit=False) as connection,
        ):
            claim = build_claim(claim_in, store.source_of(claim_in, connection))
            if not store.has_claim(claim.id, connection):
                store.add_claim(claim, connection)
            verdicts += len(book.verdicts_for(store, claim.id, connection))
    result.check_verdicts = verdicts


def measure_posts(
    store: Store, book: RuleBook, probes: list[dict[str, Any]], result: SizeResult
) -> None:
    """POST /claims through the ASGI app: the probes are stored, so this runs last on a store."""
    import logging

    from litestar.testing import TestClient

    from service.app import create_app
    from service.settings import Settings

    logging.getLogger("httpx").setLevel(
        logging.WARNING
    )  # one INFO line per request otherwise
    settings = Settings(
        db_path=store.path, rules_dir=str(book.rules_dir), load_fixtures=False
    )
    with TestClient(create_app(settings, store, book)) as client:
        for body in probes:
            with stopwatch(result.post_runs):
                response = client.post("/claims", json=body)
            if response.status_code != 201:
                result.post_failures += 1
                console.print(
                    f"[red]POST /claims answered {response.status_code}[/]: {response.text[:300]}"
                )


def _rows(
    connection: duckdb.DuckDBPyConnection,
    sql: str,
    parameters: dict[str, str] | None = None,
) -> list[dict[str, Any]]:
    cursor = (
        connection.execute(sql, parameters) if parameters else connection.execute(sql)
    )
    names = [description[0] for description in cursor.description]
    return [dict(zip(names, values)) for values in cursor.fetchall()]


def measure_rules(
    store: Store,
    engine: RuleEngine,
    probes: list[dict[str, Any]],
    runs: int,
    budget: float,
    report: Report,
) -> None:
    """Each rule alone: its whole-store SQL, the Python that builds its verdicts, its anchored SQL.

    A rule's anchored SQL runs for the probes it could bind, as in the engine.
    """
    timings = [RuleTiming(compiled.rule.id) for compiled in engine.compiled]
    with store.transaction(commit=False) as connection:
        for compiled, timing in zip(engine.compiled, timings):
            rows = repeat(
                partial(_rows, connection, compiled.sql()),
                timing.sql_runs,
                runs,
                budget / len(timings),
            )
            timing.rows = len(rows)
            timing.build_seconds, timing.build_sampled = _build_seconds(
                store, connection, compiled, rows
            )
    for body in probes:
        claim_in = msgspec.convert(body, ClaimIn)
        with store.transaction(commit=False) as connection:
            claim = build_claim(claim_in, store.source_of(claim_in, connection))
            store.add_claim(claim, connection)
            before = sum(sum(t.anchored_runs) for t in timings)
            for compiled, timing in zip(engine.compiled, timings):
                timing.anchored_tried += 1
                if could_bind(compiled.rule, claim):
                    with stopwatch(timing.anchored_runs):
                        _rows(
                            connection, compiled.sql(anchored=True), {ANCHOR: claim.id}
                        )
            report.anchored_totals.append(
                sum(sum(t.anchored_runs) for t in timings) - before
            )
    report.rules_size = store.count_claims()
    report.rules = timings


def _build_seconds(
    store: Store,
    connection: duckdb.DuckDBPyConnection,
    compiled: CompiledRule,
    rows: list[dict[str, Any]],
) -> tuple[float, bool]:
    """Fetching the bound claims (all of them), then building each verdict (BUILD_SAMPLE rows at most, scaled up)."""
    start = time.perf_counter()
    ids = set()
    for row in rows:
        for column in compiled.id_columns.values():
            value = row[column]
            ids.update(value if isinstance(value, list) else [value])
    claims = store.claims_by_id(list(ids), connection)
    fetch = time.perf_counter() - start
    sample = rows[:: max(1, len(rows) // BUILD_SAMPLE)][:BUILD_SAMPLE]
    start = time.perf_counter()
    for row in sample:
        build_verdict(compiled, row, claims)
    build = time.perf_counter() - start
    if len(sample) < len(rows):
        return fetch + build * len(rows) / len(sample), True
    return fetch + build, False


def fixture_figures() -> list[tuple[str, str, Rounding]]:
    """Every printed figure of the seed fixtures, with its source's language and rounding."""
    figures = []
    for path in sorted((REPO / "fixtures").glob("*.json")):
        batch = json.loads(path.read_text(encoding="utf-8"))
        sources = {s["id"]: s for s in batch.get("sources", [])}
        for claim in batch.get("claims", []):
            if claim.get("figure") is None or claim.get("measure") == "category":
                continue
            source = sources.get(claim["source"], {})
            figures.append(
                (
                    claim["figure"],
                    source.get("language", "fr"),
                    Rounding(source.get("rounding", "half_up")),
                )
            )
    return figures


def measure_parsing(report: Report, passes: int) -> None:
    figures = fixture_figures()
    report.figures = len(figures)
    for _ in range(passes):
        with stopwatch(report.parse_runs):
            for _ in range(20):
                for text, language, rounding in figures:
                    parse_figure(text, language, rounding)
    report.parse_runs = [seconds / 20 for seconds in report.parse_runs]


# --- the machine and the report ---------------------------------------------------------


def machine() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "platform": platform.platform(),
        "cpu": f"{os.cpu_count()} x {cpu}",
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "commit": _commit(),
        "load": f"load average {os.getloadavg()[0]:.2f}"
        if hasattr(os, "getloadavg")
        else "",
    }


def _commit() -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "service", "rules"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + (
        " + uncommitted changes to service/ or rules/" if dirty.stdout.strip() else ""
    )


def _ms(seconds: float) -> str:
    return (
        "-"
        if math.isnan(seconds)
        else f"{seconds * 1000:,.1f} ms"
        if seconds < 10
        else f"{seconds:,.1f} s"
    )


def _s(seconds: float) -> str:
    return "-" if math.isnan(seconds) else f"{seconds:,.2f} s"


def _n(value: float) -> str:
    return f"{value:,.0f}"


def size_rows(report: Report) -> tuple[list[str], list[list[str]]]:
    header = [
        "claims",
        "sources",
        "(a) load claims/s",
        "(a) loaded",
        "(b) whole store",
        "verdicts",
        "contradicted",
        "(c) check median",
        "(c) p90",
        "(c) verdicts/check",
        "(d) POST median",
        "(d) p90",
    ]
    rows = []
    for r in report.sizes:
        load = median(r.load_runs)
        rows.append(
            [
                _n(r.claims),
                _n(r.sources),
                _n(r.loaded / load) if r.load_runs else "-",
                f"{_n(r.loaded)} in {_s(load)} (n={len(r.load_runs)})"
                if r.load_runs
                else "-",
                f"{_s(median(r.whole_runs))} (n={len(r.whole_runs)})"
                if r.whole_runs
                else "-",
                _n(sum(r.statuses.values())),
                _n(r.statuses["contradicted"])
                + (
                    f" (+{r.statuses['unverifiable']} unverifiable)"
                    if r.statuses["unverifiable"]
                    else ""
                ),
                f"{_ms(median(r.check_runs))} (n={len(r.check_runs)})"
                if r.check_runs
                else "-",
                _ms(p90(r.check_runs)),
                f"{r.check_verdicts / len(r.check_runs):,.1f}" if r.check_runs else "-",
                f"{_ms(median(r.post_runs))} (n={len(r.post_runs)})"
                + (f", {r.post_failures} failed" if r.post_failures else "")
                if r.post_runs
                else "-",
                _ms(p90(r.post_runs)),
            ]
        )
    return header, rows


def rule_rows(report: Report) -> tuple[list[str], list[list[str]]]:
    header = [
        "rule",
        "whole-store SQL",
        "rows",
        "building verdicts (Python)",
        "anchored SQL: median (runs for)",
    ]
    rows = []
    for t in sorted(
        report.rules, key=lambda t: -(median(t.sql_runs) + t.build_seconds)
    ):
        build = ("~" if t.build_sampled else "") + _ms(t.build_seconds)
        anchored = (
            f"{_ms(median(t.anchored_runs))} ({len(t.anchored_runs)} of {t.anchored_tried} probes)"
            if t.anchored_runs
            else f"- (0 of {t.anchored_tried})"
        )
        rows.append(
            [
                t.rule,
                f"{_ms(median(t.sql_runs))} (n={len(t.sql_runs)})",
                _n(t.rows),
                build,
                anchored,
            ]
        )
    total_sql = sum(median(t.sql_runs) for t in report.rules)
    total_build = sum(t.build_seconds for t in report.rules)
    total_anchored = median(report.anchored_totals)
    approximate = "~" if any(t.build_sampled for t in report.rules) else ""
    anchored = f"{_ms(total_anchored)} per probe (median)"
    rows.append(
        [
            "all rules",
            _ms(total_sql),
            _n(sum(t.rows for t in report.rules)),
            approximate + _ms(total_build),
            anchored,
        ]
    )
    return header, rows


def parse_line(report: Report) -> str:
    per_pass = median(report.parse_runs)
    return f"(e) parse_figure: {_n(report.figures / per_pass)} figures/s ({report.figures} fixture figures, {_ms(per_pass)} per pass, median of {len(report.parse_runs)})"


def machine_line(report: Report, dated: bool = True) -> str:
    m = report.machine
    return f"{m['date'] + ' | ' if dated else ''}{m['platform']} | {m['cpu']} | Python {m['python']} | DuckDB {m['duckdb']} | commit {m['commit']} | {m['load']} at start"


def print_report(report: Report) -> None:
    sizes = Table(title="Tally bench", caption=machine_line(report), show_lines=True)
    header, rows = size_rows(report)
    for name in header:
        sizes.add_column(name, overflow="fold")
    for row in rows:
        sizes.add_row(*row)
    console.print(sizes)
    if report.rules:
        table = Table(
            title=f"Per rule, on the {report.rules_size:,}-claim store",
            show_lines=False,
        )
        header, rows = rule_rows(report)
        for name in header:
            table.add_column(name, justify="left" if name == "rule" else "right")
        for row in rows:
            table.add_row(*row)
        console.print(table)
    if report.parse_runs:
        console.print(parse_line(report))


def markdown(report: Report) -> str:
    def table(header: list[str], rows: list[list[str]]) -> list[str]:
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += [
            "| " + " | ".join(cell.replace("|", "/") for cell in row) + " |"
            for row in rows
        ]
        return lines

    lines = [
        f"Measured {report.machine['date']} with `{report.command}`",
        "",
        f"Machine: {machine_line(report, dated=False)}",
        "",
    ]
    lines += table(*size_rows(report))
    if report.rules:
        lines += [
            "",
            f"Per rule, on the {report.rules_size:,}-claim store (rows = verdict rows before de-duplication):",
            "",
        ]
        lines += table(*rule_rows(report))
    if report.parse_runs:
        lines += ["", parse_line(report)]
    return "\n".join(lines) + "\n"


def record(report: Report) -> None:
    """Replace the results section of bench/README.md (append one if it has none)."""
    block = f"{RESULTS_START}\n{markdown(report)}{RESULTS_END}"
    text = README.read_text(encoding="utf-8") if README.exists() else "# Tally bench\n"
    if RESULTS_START in text and RESULTS_END in text:
        before, rest = text.split(RESULTS_START, 1)
        after = rest.split(RESULTS_END, 1)[1]
        text = before + block + after
    else:
        text = text.rstrip("\n") + "\n\n## Results\n\n" + block + "\n"
    README.write_text(text, encoding="utf-8")
    console.print(f"recorded in {README}")


# --- the command ------------------------------------------------------------------------


def _sizes(text: str) -> list[int]:
    try:
        sizes = sorted(
            {int(part.replace("_", "")) for part in text.split(",") if part.strip()}
        )
    except ValueError as exc:
        raise click.BadParameter(
            f"{text!r} is not a comma-separated list of claim counts"
        ) from exc
    if not sizes or sizes[0] < 1:
        raise click.BadParameter("sizes are positive claim counts")
    return sizes


@click.command()
@click.option(
    "--sizes",
    default=None,
    help=f"Comma-separated store sizes in claims [default: {DEFAULT_SIZES}; --full: {FULL_SIZES}].",
)
@click.option(
    "--quick",
    is_flag=True,
    help="Sizes 100,1000, one run, 5 probes: a smoke test in about 15 s.",
)
@click.option(
    "--full",
    is_flag=True,
    help=f"Sizes {FULL_SIZES}, 50 probes, 10 000 claims through load_file: about 15 minutes.",
)
@click.option(
    "--runs",
    type=click.IntRange(1),
    default=None,
    help="Most repetitions of a whole-store measurement [default 3; --quick 1].",
)
@click.option(
    "--budget",
    type=click.FloatRange(0),
    default=None,
    help="Seconds after which a measurement stops repeating [default 15; --full 300].",
)
@click.option(
    "--probes",
    type=click.IntRange(1),
    default=None,
    help="New claims checked (c) and posted (d) per store [default 10; --quick 5; --full 50].",
)
@click.option(
    "--load-cap",
    type=click.IntRange(0),
    default=None,
    help="Claims loaded through load_file per store, the rest in bulk; 0: all [default 1000; --full 10000].",
)
@click.option(
    "--rules",
    "rules_dir",
    type=click.Path(exists=True, file_okay=False),
    default=str(REPO / "rules"),
    show_default=True,
    help="Folder of rule files to measure.",
)
@click.option(
    "--seed",
    type=int,
    default=20261123,
    show_default=True,
    help="Seed of the synthetic corpus.",
)
@click.option(
    "--record",
    "record_results",
    is_flag=True,
    help="Write the results into bench/README.md (between its results markers).",
)
def main(
    sizes: str | None,
    quick: bool,
    full: bool,
    runs: int | None,
    budget: float | None,
    probes: int | None,
    load_cap: int | None,
    rules_dir: str,
    seed: int,
    record_results: bool,
) -> None:
    """Measure loading, whole-store verdicts, anchored checks and POST /claims on stores of increasing size."""
    if quick and full:
        raise click.UsageError("--quick and --full do not go together")
    chosen = _sizes(
        sizes or ("100,1000" if quick else FULL_SIZES if full else DEFAULT_SIZES)
    )
    runs = runs or (1 if quick else 3)
    budget = budget if budget is not None else (300.0 if full else 15.0)
    probes = probes or (5 if quick else 50 if full else 10)
    load_cap = (10_000 if full else 1000) if load_cap is None else load_cap
    report = Report(
        machine=machine(), command="python -m bench.run " + " ".join(sys.argv[1:])
    )
    console.print(f"[bold]Tally bench[/] {machine_line(report)}")
    book = RuleBook(rules_dir)
    engine = RuleEngine(book.rules)
    with tempfile.TemporaryDirectory(prefix="tally-bench-") as folder:
        directory = Path(folder)
        for size in chosen:
            corpus = generate(size, seed=seed, probes=probes)
            result = SizeResult(size, len(corpus.sources), corpus.subjects)
            report.sizes.append(result)
            step = _stepper(size)
            store = step(
                "load", build_store, directory, corpus, result, load_cap, runs, budget
            )
            with store:
                step(
                    "whole store",
                    measure_whole_store,
                    store,
                    book,
                    result,
                    runs,
                    budget,
                )
                if size == chosen[-1]:
                    step(
                        "per rule",
                        measure_rules,
                        store,
                        engine,
                        corpus.probes[: min(10, probes)],
                        runs,
                        budget,
                        report,
                    )
                step(
                    "anchored checks",
                    measure_checks,
                    store,
                    book,
                    corpus.probes,
                    result,
                )
                # Last: the posted probes stay in the store.
                step("POST /claims", measure_posts, store, book, corpus.probes, result)
    measure_parsing(report, passes=5)
    print_report(report)
    if record_results:
        record(report)


def _stepper(size: int) -> Callable[..., Any]:
    def step(name: str, action: Callable[..., Any], *arguments: Any) -> Any:
        start = time.perf_counter()
        with console.status(f"{size:,} claims: {name}"):
            value = action(*arguments)
        console.print(
            f"[dim]{size:,} claims: {name} in {time.perf_counter() - start:.1f} s[/]"
        )
        return value

    return step


if __name__ == "__main__":
    main()
