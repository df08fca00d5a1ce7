"""Measure Tally as a newsroom uses it, at 10k and 100k claims (1M with ``--full``): ``.venv/bin/python -m bench.run``.

For each size, in one run, on a fresh store in a temporary folder:

1. a seeded corpus (bench/corpus.py) written once as ``sources.json`` and
   ``claims.ndjson`` (cached by size, seed and generator version);
2. ``tally load``: claims/s with parsing, and the part spent recomputing the verdicts;
3. ``tally check --json --stats --status contradicted``: every rule over the
   whole store, seconds per rule; recall of the planted contradictions and the
   contradictions nobody planted;
4. growth-links-levels and shares-sum-to-whole three ways on the same file:
   the compiled SQL (as ``GET /rules`` publishes it), hand-written DuckDB SQL,
   and a plain-Python evaluator with dictionary joins (bench/baselines.py);
5. ``tally serve`` on the store: ``POST /claims`` of the probes (new figures on
   stored subjects, a fifth of them wrong), p50 and p99 client-side; the
   server's peak RSS (VmHWM) after the posts.

The bench uses only the command line and the HTTP API (bench/product.py), so it
outlives refactors of the engine.  It writes to the repository only with
``--record``, which replaces the text between the ``bench:results`` markers of
bench/README.md.
"""

from __future__ import annotations

import contextlib
import datetime
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):  # run as a script: python bench/run.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import click
import duckdb
from rich.console import Console
from rich.table import Table

from bench import articles, baselines, changes, product, readers
from bench.corpus import PROBE_SOURCE, CorpusFiles, corpus_files
from bench.recall import Recall, score

REPO = Path(__file__).resolve().parent.parent
README = Path(__file__).resolve().parent / "README.md"
RESULTS_START = "<!-- bench:results:start -->"
RESULTS_END = "<!-- bench:results:end -->"
DEFAULT_SIZES = (10_000, 100_000)
FULL_SIZES = (10_000, 100_000, 1_000_000)
GIB = 1 << 30

console = Console() if sys.stdout.isatty() else Console(width=200)


@dataclass
class SizeResult:
    size: int
    corpus: CorpusFiles | None = None
    load: product.LoadTiming | None = None
    check: product.CheckTiming | None = None
    recall: Recall | None = None
    recall_from: str = "tally check"
    baselines: baselines.Baselines | None = None
    posts: product.Posts | None = None
    server_ready_seconds: float = math.nan
    server_memory: dict[str, int] = field(default_factory=dict)
    changes: changes.Changes | None = None  # issue 21: a retraction, a load, a rule, reprints (bench/changes.py)
    failures: dict[str, str] = field(default_factory=dict)  # stage -> what went wrong

    def rule_seconds(self, rule: str) -> float:
        if not self.check:
            return math.nan
        return next((r.seconds for r in self.check.report.rules if r.rule == rule), math.nan)

    @property
    def rules_sql_seconds(self) -> float:
        return sum(r.seconds for r in self.check.report.rules) if self.check else math.nan


@dataclass
class Report:
    machine: dict[str, str]
    command: str
    sizes: list[SizeResult] = field(default_factory=list)
    rule_sql: dict[str, str] = field(default_factory=dict)
    empty_server_ready_seconds: float = math.nan
    articles: articles.ArticleBench | None = None  # issue 20: the article reader (bench/articles.py)
    readers: readers.ReadersBench | None = None  # issue 22: 20 readers of the desk at once (bench/readers.py)


# --- one size --------------------------------------------------------------------------------


@contextlib.contextmanager
def stage(result: SizeResult, name: str) -> Iterator[None]:
    """A failed stage is reported in its cells and the run carries on."""
    try:
        yield
    except Exception as exc:  # noqa: BLE001 - any failure of the product is a result
        result.failures[name] = f"{type(exc).__name__}: {exc}"
        console.print(f"[red]{name} failed at {result.size:,} claims[/]: {exc}")
        if not isinstance(exc, product.ProductError):
            console.print(traceback.format_exc(), markup=False, highlight=False)


def measure_size(
    size: int, seed: int, probes: int, runs: int, cache: Path, rule_sql: dict[str, str], keep: bool, check_timeout: float
) -> SizeResult:
    result = SizeResult(size)
    step = _stepper(size)
    step("corpus")
    result.corpus = files = corpus_files(size, seed, probes, cache)
    workdir = Path(tempfile.mkdtemp(prefix=f"tally-bench-{size}-"))
    db = workdir / "store.duckdb"
    try:
        step("tally load")
        with stage(result, "load"):
            result.load = product.load(db, [files.sources_path, files.claims_path])
        step("tally check")
        with stage(result, "check"):
            result.check = product.check_contradictions(db, timeout=check_timeout)
            result.recall = score(files.plants, [v for v in result.check.report.verdicts if v.status == "contradicted"])
        step("hand SQL and plain Python")
        with stage(result, "baselines"):
            result.baselines = baselines.compare(db, rule_sql, runs)
            if result.check:
                for rule, comparison in result.baselines.comparisons.items():
                    comparison.compiled_contradicted = next((r.contradicted for r in result.check.report.rules if r.rule == rule), 0)
        step("tally serve, POST /claims")
        with stage(result, "serve"), product.serve(db, workdir / "serve.log") as server:
            result.server_ready_seconds = server.ready_seconds
            if result.recall is None:  # tally check failed or ran out of time: the verdicts kept in the store
                step("GET /verdicts?status=contradicted")
                result.recall = score(files.plants, product.contradictions(server))
                result.recall_from = "GET /verdicts"
            try:
                result.posts = product.post_claims(server, PROBE_SOURCE, files.probes)
            finally:
                result.server_memory = server.status()
        step("a retraction, loads, a rule, reprints (in process)")
        with stage(result, "changes"):
            result.changes = changes.measure(db)  # last: it changes the store
    finally:
        if keep:
            console.print(f"[dim]store kept in {workdir}[/]")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return result


def published_rule_sql(workdir: Path) -> tuple[dict[str, str], float]:
    """The compiled SQL of every rule, from ``GET /rules`` of a server on an empty store (and how fast it came up)."""
    with product.serve(workdir / "empty.duckdb", workdir / "empty-serve.log") as server:
        return product.rule_sql(server), server.ready_seconds


def _stepper(size: int) -> Callable[[str], None]:
    started = time.perf_counter()

    def step(name: str) -> None:
        console.print(f"[dim]{size:>9,} claims  {time.perf_counter() - started:7.1f} s  {name}[/]")

    return step


# --- the machine ---------------------------------------------------------------------------


def machine() -> dict[str, str]:
    cpu = platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram = ""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = f"{int(line.split()[1]) / (1 << 20):.1f} GiB RAM"
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": f"{cores} x {cpu}",
        "ram": ram,
        "os": platform.platform(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "commit": _commit(),
        "load": f"load average {os.getloadavg()[0]:.2f} at start",
    }


def _commit() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "service", "rules"], cwd=REPO, capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + (" + uncommitted changes to service/ or rules/" if dirty.stdout.strip() else "")


# --- the tables -----------------------------------------------------------------------------

NA = "-"


def _num(value: float, digits: int = 0) -> str:
    return NA if value is None or math.isnan(value) else f"{value:,.{digits}f}"


def _sec(value: float) -> str:
    if value is None or math.isnan(value):
        return NA
    return f"{value * 1000:,.1f} ms" if value < 1 else f"{value:,.2f} s"


def _ok(text: str, ok: bool | None) -> str:
    return text if ok is None or text == NA else f"{text} {'✓' if ok else '✗'}"


def _percentile(values: list[float], q: float) -> float:
    """Nearest rank: the smallest value with at least q of the values at or below it."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def _ratio(a: float, b: float) -> float:
    return a / b if b and not math.isnan(a) and not math.isnan(b) else math.nan


def _failed(result: SizeResult, *stages: str) -> str | None:
    for name in stages:
        if name in result.failures:
            return f"failed ({name})"
    return None


Row = tuple[str, str, Callable[[SizeResult], str]]


def _comparison(rule: str) -> list[Row]:
    def ratios(result: SizeResult, kind: str) -> str:
        failed = _failed(result, "check", "baselines")
        if failed or not result.baselines:
            return failed or NA
        comparison = result.baselines.comparisons[rule]
        compiled, stats = comparison.compiled_seconds, result.rule_seconds(rule)
        if kind == "hand":
            ratio = _ratio(compiled, comparison.hand_seconds)
            if math.isnan(ratio):
                return NA
            return (_ok(f"{ratio:.2f}x", ratio <= 1.2)
                    + f" ({_sec(compiled)} / {_sec(comparison.hand_seconds)}; --stats {_ratio(stats, comparison.hand_seconds):.2f}x)")
        if kind == "python":
            speedup = _ratio(comparison.python_seconds, compiled)
            return _ok(f"{speedup:.1f}x", speedup >= 10) + f" (python {_sec(comparison.python_seconds)})" if not math.isnan(speedup) else NA
        return f"{comparison.compiled_contradicted:,} / {comparison.hand_contradicted:,} / {comparison.python_contradicted:,}"

    return [
        (f"{rule}: compiled / hand SQL", "<= 1.2x", lambda r: ratios(r, "hand")),
        (f"{rule}: plain Python / compiled", ">= 10x", lambda r: ratios(r, "python")),
        (f"{rule}: contradicted, compiled / hand / Python", "", lambda r: ratios(r, "counts")),
    ]


def _load_cell(result: SizeResult) -> str:
    if _failed(result, "load") or not result.load:
        return _failed(result, "load") or NA
    rate = result.load.claims_added / result.load.seconds
    return _ok(f"{rate:,.0f}", rate >= 50_000) + f" ({_sec(result.load.seconds)})"


def _load_parts(result: SizeResult) -> str:
    if not result.load:
        return _failed(result, "load") or NA
    stored_rate = result.load.claims_added / result.load.stored_seconds
    return f"{_sec(result.load.stored_seconds)} ({stored_rate:,.0f} claims/s) + {_sec(result.load.verdict_seconds)} verdicts"


def _posts(result: SizeResult, q: float, target: float) -> str:
    if not result.posts or not result.posts.seconds:
        return _failed(result, "serve") or _post_failure(result) or NA
    value = _percentile(result.posts.seconds, q)
    return _ok(_sec(value), value < target)


def _post_failure(result: SizeResult) -> str | None:
    if result.posts and result.posts.failures:
        return "failed: " + ", ".join(f"{n} x {status or 'no answer'}" for status, n in sorted(result.posts.failures.items()))
    return None


def _post_count(result: SizeResult) -> str:
    if not result.posts:
        return _failed(result, "serve") or NA
    failed = sum(result.posts.failures.values())
    return f"{len(result.posts.seconds)} stored" + (f", {failed} failed" if failed else "") + f", {result.posts.verdicts:,} verdicts answered"


def _probe_recall(result: SizeResult) -> str:
    if not result.posts or not result.corpus or not result.posts.seconds:
        return NA
    wrong = set(result.corpus.wrong_probes)
    flagged_wrong = len(wrong & result.posts.contradicted)
    flagged_right = len(result.posts.contradicted - wrong)
    return f"{flagged_wrong}/{len(wrong)} wrong flagged; {flagged_right}/{len(result.corpus.probes) - len(wrong)} right flagged"


def _rss(result: SizeResult) -> str:
    peak = result.server_memory.get("VmHWM")
    if not peak:
        return _failed(result, "serve") or NA
    return _ok(f"{peak / (1 << 20):,.0f} MiB", peak < GIB) + f" (now {result.server_memory.get('VmRSS', 0) / (1 << 20):,.0f} MiB)"


def _recall(result: SizeResult) -> str:
    r = result.recall
    if not r:
        return _failed(result, "check") or NA
    text = f"{r.found_total}/{r.plants} ({100 * r.found_total / max(r.plants, 1):.1f} %); by its rule {r.found_by_rule_total}"
    return text if result.recall_from == "tally check" else f"{text} (from {result.recall_from})"


def _whole_store(result: SizeResult) -> str:
    if not result.check:
        return _failed(result, "check") or NA
    return _ok(_sec(result.rules_sql_seconds), result.rules_sql_seconds < 2)


SUMMARY_ROWS: list[Row] = [
    ("claims / sources / subjects", "", lambda r: f"{r.corpus.claims:,} / {r.corpus.sources:,} / {r.corpus.subjects:,}" if r.corpus else NA),
    ("corpus generated and written", "", lambda r: (_sec(r.corpus.generate_seconds) if r.corpus.generate_seconds else "cached") if r.corpus else NA),
    ("tally load: claims/s with parsing (wall)", ">= 50,000", _load_cell),
    ("tally load: stored + verdicts", "", _load_parts),
    ("tally load / tally check: peak RSS", "", lambda r: " / ".join(
        f"{x.peak_rss_bytes / (1 << 20):,.0f} MiB" if x else NA for x in (r.load, r.check))),
    ("whole store: every rule's SQL (sum, --stats)", "< 2 s", _whole_store),
    ("whole store: recompute (check's seconds) / check wall", "", lambda r: f"{_sec(r.check.report.seconds)} / {_sec(r.check.wall_seconds)}" if r.check else NA),
    ("contradicted verdicts", "", lambda r: f"{r.recall.contradicted:,}" if r.recall else NA),
    ("planted contradictions found", "", _recall),
    ("unplanted contradictions", "", lambda r: f"{len(r.recall.unplanted):,}" if r.recall else NA),
    ("POST /claims p50", "< 10 ms", lambda r: _posts(r, 0.5, 0.010)),
    ("POST /claims p99", "< 30 ms", lambda r: _posts(r, 0.99, 0.030)),
    ("POST /claims probes", "", _post_count),
    ("POST /claims answers", "", _probe_recall),
    ("server ready (start-up)", "", lambda r: _sec(r.server_ready_seconds)),
    ("server peak RSS after the posts", "< 1 GiB", _rss),
    *[(name, target, lambda r, key=key: changes.cells(r.changes, r.rule_seconds(changes.ADDED_RULE))[key] if r.changes else _failed(r, "changes") or NA)
      for key, name, target in changes.ROWS],
    *_comparison("growth-links-levels"),
    *_comparison("shares-sum-to-whole"),
]


def summary_rows(report: Report) -> tuple[list[str], list[list[str]]]:
    header = ["measure", "target", *(f"{r.size:,} claims" for r in report.sizes)]
    rows = [[name, target, *(cell(r) for r in report.sizes)] for name, target, cell in SUMMARY_ROWS]
    return header, rows


def rule_rows(result: SizeResult) -> tuple[list[str], list[list[str]]]:
    header = ["rule", "seconds (--stats)", "contradicted", "implausible", "unverifiable", "consistent", "unplanted contradicted"]
    unplanted = result.recall.unplanted_by_rule() if result.recall else {}
    rows = [
        [r.rule, _sec(r.seconds), f"{r.contradicted:,}", f"{r.implausible:,}", f"{r.unverifiable:,}", f"{r.consistent:,}", f"{unplanted.get(r.rule, 0):,}"]
        for r in (result.check.report.rules if result.check else [])
    ]
    if result.check:
        report = result.check.report
        rows.append(["all rules", _sec(result.rules_sql_seconds), *(f"{sum(getattr(r, s) for r in report.rules):,}" for s in ("contradicted", "implausible", "unverifiable", "consistent")),
                     f"{len(result.recall.unplanted):,}" if result.recall else NA])
    return header, rows


def recall_rows(result: SizeResult) -> tuple[list[str], list[list[str]]]:
    header = ["plant", "expected rule", "planted", "found", "found by its rule"]
    r = result.recall
    if not r:
        return header, []
    from bench.corpus import PLANT_RULES

    return header, [[kind, PLANT_RULES[kind], str(r.planted[kind]), str(r.found[kind]), str(r.found_by_rule[kind])] for kind in PLANT_RULES]


def print_report(report: Report) -> None:
    console.print(f"[bold]Tally bench[/]  {machine_line(report.machine)}")
    header, rows = summary_rows(report)
    table = Table(title="Tally at scale, through its command line and HTTP API")
    for name in header:
        table.add_column(name, justify="left" if name in ("measure", "target") else "right")
    for row in rows:
        table.add_row(*row)
    console.print(table)
    for result in report.sizes:
        for title, (header, rows) in ((f"Per rule at {result.size:,} claims", rule_rows(result)), (f"Plants at {result.size:,} claims", recall_rows(result))):
            if rows:
                table = Table(title=title)
                for name in header:
                    table.add_column(name, justify="left" if name in ("rule", "plant", "expected rule") else "right")
                for row in rows:
                    table.add_row(*row)
                console.print(table)
    for result in report.sizes:
        for stage_name, failure in result.failures.items():
            console.print(f"[red]{result.size:,} claims, {stage_name}[/]: {failure}", markup=True, highlight=False)
        if result.posts and result.posts.first_failure:
            console.print(f"[red]{result.size:,} claims, first POST failure[/]: {result.posts.first_failure}", highlight=False)


def print_articles(result: articles.ArticleBench) -> None:
    for header, rows in (articles.rows(result), articles.timing_rows(result)):
        table = Table(*header, title="Reading articles" if header[1] == "figures" else None)
        for row in rows:
            table.add_row(*row)
        console.print(table)
    for stage_name, text in result.failures.items():
        console.print(f"[red]{stage_name} failed[/]: {text}")


def print_readers(result: readers.ReadersBench) -> None:
    header, rows = readers.rows(result)
    table = Table(*header, title="Readers of the desk at once")
    for row in rows:
        table.add_row(*row)
    console.print(table)
    for stage_name, text in result.failures.items():
        console.print(f"[red]{stage_name} failed[/]: {text}")


def print_unplanted(result: SizeResult, per_rule: int) -> None:
    """A few contradictions nobody planted, per rule, to judge whether they are real."""
    if not result.recall or not result.recall.unplanted:
        return
    console.print(f"\n[bold]Unplanted contradictions at {result.size:,} claims[/] ({len(result.recall.unplanted):,}; {per_rule} per rule shown)")
    shown: dict[str, int] = {}
    for verdict in result.recall.unplanted:
        if shown.get(verdict.rule, 0) >= per_rule:
            continue
        shown[verdict.rule] = shown.get(verdict.rule, 0) + 1
        console.print(f"[bold red]{verdict.rule}[/]  {verdict.computation}", highlight=False)
        for claim in verdict.claims:
            console.print(f"    {claim.role}: {claim.figure} [{claim.period}] ({claim.source}: \u201c{claim.quote}\u201d)", markup=False, highlight=False)
        for note in verdict.notes:
            console.print(f"    note: {note}", markup=False, highlight=False)


def print_missed(result: SizeResult, count: int) -> None:
    if not result.recall or not result.recall.missed:
        return
    console.print(f"\n[bold]Plants missed at {result.size:,} claims[/] ({len(result.recall.missed)}; {count} shown)")
    for plant in result.recall.missed[:count]:
        console.print(f"    {plant.kind} ({plant.rule}): " + "; ".join(f"{s}: \u201c{q}\u201d" for s, q in plant.claims[:3]), markup=False, highlight=False)


def machine_line(m: dict[str, str]) -> str:
    return " | ".join(m[k] for k in ("cpu", "ram", "python", "duckdb", "load") if m.get(k)) + f" | commit {m['commit']}"


def markdown(report: Report) -> str:
    m = report.machine
    lines = [
        f"Measured {m['date']} with `{report.command}`",
        "",
        f"Machine: {m['cpu']} | {m['ram']} | {m['os']} | Python {m['python']} | DuckDB {m['duckdb']} | commit {m['commit']} | {m['load']}",
        "",
    ]
    lines += _markdown_table(*summary_rows(report))
    largest = max((r for r in report.sizes if r.check), key=lambda r: r.size, default=None)
    if largest:
        lines += ["", f"Per rule at {largest.size:,} claims:", ""] + _markdown_table(*rule_rows(largest))
        lines += ["", f"Plants at {largest.size:,} claims:", ""] + _markdown_table(*recall_rows(largest))
    if report.articles:
        lines += ["", "Reading articles (bench/articles.py):", ""] + _markdown_table(*articles.rows(report.articles))
        lines += [""] + _markdown_table(*articles.timing_rows(report.articles))
    failures = [f"- {r.size:,} claims, {name}: {text}" for r in report.sizes for name, text in r.failures.items()]
    if report.readers:
        lines += ["", "Readers of the desk at once (bench/readers.py):", ""] + _markdown_table(*readers.rows(report.readers))
    failures += [f"- articles: {text}" for text in (report.articles.failures.values() if report.articles else ())]
    failures += [f"- readers: {text}" for text in (report.readers.failures.values() if report.readers else ())]
    failures += [f"- {r.size:,} claims: {r.posts.first_failure}" for r in report.sizes if r.posts and r.posts.first_failure]
    if failures:
        lines += ["", "Failures:", "", *(f.replace("\n", " ") for f in failures)]
    return "\n".join(lines)


def _markdown_table(header: list[str], rows: list[list[str]]) -> list[str]:
    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header), *("| " + " | ".join(cell(c) for c in row) + " |" for row in rows)]


def record(report: Report) -> None:
    text = README.read_text(encoding="utf-8")
    start, end = text.index(RESULTS_START) + len(RESULTS_START), text.index(RESULTS_END)
    README.write_text(text[:start] + "\n" + markdown(report) + "\n" + text[end:], encoding="utf-8")
    console.print(f"results written to {README.relative_to(REPO)}")


# --- the command ----------------------------------------------------------------------------


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError as exc:
        raise click.BadParameter(f"{text!r}: sizes are whole numbers separated by commas, e.g. 10000,100000") from exc
    if not sizes or any(size < 100 for size in sizes):
        raise click.BadParameter("each size is at least 100 claims")
    return sizes


@click.command()
@click.option("--sizes", default=None, help="Comma-separated store sizes in claims (default 10000,100000).")
@click.option("--full", is_flag=True, help="Also 1,000,000 claims.")
@click.option("--seed", type=int, default=20261123, show_default=True, help="Seed of the corpus generator.")
@click.option("--probes", type=int, default=200, show_default=True, help="Claims posted one by one to POST /claims, per size.")
@click.option("--runs", type=int, default=3, show_default=True, help="Runs of the compiled and hand-written SQL (median).")
@click.option("--cache", type=click.Path(file_okay=False, path_type=Path), default=Path(tempfile.gettempdir()) / "tally-bench-corpus",
              show_default=True, help="Where generated corpora are kept between runs.")
@click.option("--examples", type=int, default=3, show_default=True, help="Unplanted contradictions shown per rule.")
@click.option("--check-timeout", type=float, default=1800, show_default=True,
              help="Seconds before tally check is stopped; the contradictions are then read from GET /verdicts.")
@click.option("--keep", is_flag=True, help="Keep each size's store and server log (their folder is printed).")
@click.option("--record", "record_results", is_flag=True, help="Write the results into bench/README.md.")
@click.option("--articles/--no-articles", "with_articles", default=True, show_default=True,
              help="Also measure the article reader: its figures on the seeds and the held-out set, reading and checking times.")
@click.option("--readers/--no-readers", "with_readers", default=True, show_default=True,
              help="Also measure 20 readers of the desk's front page at once, on the seeds (bench/readers.py).")
def main(sizes: str | None, full: bool, seed: int, probes: int, runs: int, cache: Path, examples: int, check_timeout: float, keep: bool,
         record_results: bool, with_articles: bool, with_readers: bool) -> None:
    """Measure Tally on seeded corpora of increasing size, through its command line and HTTP API."""
    chosen = _sizes(sizes) if sizes else list(FULL_SIZES if full else DEFAULT_SIZES)
    command = "python -m bench.run" + "".join(f" {a}" for a in sys.argv[1:])
    report = Report(machine(), command)
    with tempfile.TemporaryDirectory(prefix="tally-bench-rules-") as scratch:
        try:
            report.rule_sql, report.empty_server_ready_seconds = published_rule_sql(Path(scratch))
        except product.ProductError as exc:
            console.print(f"[red]GET /rules on an empty store failed[/]: {exc}; the compiled SQL is not re-timed")
    for size in chosen:
        result = measure_size(size, seed, probes, runs, cache, report.rule_sql, keep, check_timeout)
        report.sizes.append(result)
        print_unplanted(result, examples)
        print_missed(result, examples * 2)
    if with_articles:
        console.print("[bold]articles[/]: POST /articles/read on the seeds and the held-out set, then POST /articles/check at 100,000 claims")
        report.articles = articles.run(cache, seed, probes)
    if with_readers:
        console.print(f"[bold]readers[/]: {readers.READERS} readers of / at once on the seeds, {readers.SECONDS:g} s each way")
        report.readers = readers.run()
    print_report(report)
    if report.articles:
        print_articles(report.articles)
    if report.readers:
        print_readers(report.readers)
    if record_results:
        record(report)


if __name__ == "__main__":
    main()
