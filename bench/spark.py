"""The Spark engine against DuckDB on the same store: ``.venv/bin/python -m bench.spark``.

For each size (10 000 and 100 000 claims by default), on a fresh store in a temporary
folder, through the command line only (bench/product.py):

1. ``tally load`` of the bench's corpus (bench/corpus.py, cached);
2. ``tally check --json --status all --limit 0``: DuckDB, every rule over the store;
3. ``tally check --engine spark --json --status all --limit 0`` on the same store:
   the claims exported to Parquet, a Spark session (``--master``, ``local[2]`` by
   default), every rule's SQL on it;
4. the verdicts counted per rule and status by each engine, which must agree.

Two figures per engine: the command's wall time (for Spark: the JVM's start, the export
and the session included) and the seconds its rules' SQL took (``seconds`` of its JSON).
``--record`` replaces the text between the ``spark:results`` markers of bench/README.md.
"""

from __future__ import annotations

import json
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a script: python bench/spark.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import click
from rich.console import Console

from bench.corpus import corpus_files
from bench.product import RULES, run_tally
from bench.run import machine

README = Path(__file__).resolve().parent / "README.md"
CORPUS_CACHE = Path(tempfile.gettempdir()) / "tally-bench-corpus"  # as bench.run caches its corpora
RESULTS_START = "<!-- spark:results:start -->"
RESULTS_END = "<!-- spark:results:end -->"
console = Console()


@dataclass
class EngineRun:
    wall: float  # the command, start to exit
    rules: float  # every rule's SQL, as the command reports it
    counts: dict[tuple[str, str], int]


@dataclass
class SizeRun:
    claims: int
    duckdb: EngineRun
    spark: EngineRun

    @property
    def agree(self) -> bool:
        return self.duckdb.counts == self.spark.counts


def check(db: Path, *engine: str) -> EngineRun:
    run = run_tally("check", "--db", str(db), "--rules", RULES, "--json", "--status", "all", "--limit", "0", *engine)
    if run.returncode != 0:
        raise click.ClickException(f"tally check {' '.join(engine)} failed: " + "\n".join(line for _, line in run.stderr_lines[-20:]))
    report = json.loads(run.stdout)
    counts = {(row["rule"], status): row[status] for row in report["rules"] for status in ("contradicted", "implausible", "unverifiable", "consistent")}
    return EngineRun(run.seconds, report["seconds"], counts)


def measure(size: int, seed: int, master: str, workdir: Path) -> SizeRun:
    files = corpus_files(size, seed, 0, CORPUS_CACHE)
    db = workdir / f"{size}.duckdb"
    loaded = run_tally("load", "--db", str(db), "--rules", RULES, str(files.sources_path), str(files.claims_path))
    if loaded.returncode != 0:
        raise click.ClickException(f"tally load failed at {size} claims")
    console.print(f"[dim]{size:,} claims loaded in {loaded.seconds:.1f} s[/]")
    on_duckdb = check(db)
    console.print(f"[dim]  duckdb {on_duckdb.wall:.1f} s[/]")
    on_spark = check(db, "--engine", "spark", "--master", master)
    console.print(f"[dim]  spark  {on_spark.wall:.1f} s[/]")
    return SizeRun(files.claims, on_duckdb, on_spark)


def markdown(runs: list[SizeRun], about: dict[str, str], master: str) -> str:
    lines = [
        f"Measured {about['date']} on {about['cpu']}, {about['ram']}, {about['os']}, Python {about['python']}, "
        f"DuckDB {about['duckdb']}, Spark master `{master}`, commit {about['commit']} ({about['load']}).",
        "",
        "| claims | verdicts | DuckDB: rules' SQL | DuckDB: `tally check` | Spark: rules' SQL | Spark: `tally check --engine spark` | same counts |",
        "|---:|---:|---:|---:|---:|---:|:---:|",
    ]
    for run in runs:
        verdicts = sum(run.duckdb.counts.values())
        lines.append(
            f"| {run.claims:,} | {verdicts:,} | {run.duckdb.rules:.2f} s | {run.duckdb.wall:.2f} s | {run.spark.rules:.2f} s | "
            f"{run.spark.wall:.2f} s | {'yes' if run.agree else 'NO'} |"
        )
    return "\n".join(lines)


@click.command()
@click.option("--sizes", default="10000,100000", show_default=True, help="Claims per store, comma-separated.")
@click.option("--seed", type=int, default=20261123, show_default=True)
@click.option("--master", default="local[2]", show_default=True, help="The Spark master to measure.")
@click.option("--record", is_flag=True, help="Rewrite the results in bench/README.md.")
def main(sizes: str, seed: int, master: str, record: bool) -> None:
    """DuckDB and Spark on the same stores: wall time, rules' SQL time, and whether the verdict counts agree."""
    about = machine()
    with tempfile.TemporaryDirectory(prefix="tally-bench-spark-") as workdir:
        runs = [measure(int(size), seed, master, Path(workdir)) for size in sizes.split(",")]
    table = markdown(runs, about, master)
    console.print(table, highlight=False, markup=False)
    if record:
        text = README.read_text(encoding="utf-8")
        start, end = text.index(RESULTS_START) + len(RESULTS_START), text.index(RESULTS_END)
        README.write_text(text[:start] + "\n" + table + "\n" + text[end:], encoding="utf-8")
    if not all(run.agree for run in runs):
        raise SystemExit("the engines' verdict counts differ")


if __name__ == "__main__":
    main()
