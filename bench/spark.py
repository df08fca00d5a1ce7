"""The Spark engine against DuckDB on the same store: ``.venv/bin/python -m bench.spark``.

For each size (10 000 and 100 000 claims by default; ``--sizes 10000,100000,1000000``
adds a million), on a fresh store in a temporary folder, through the command line only
(bench/product.py):

1. ``tally load`` of the bench's corpus (bench/corpus.py, cached);
2. ``tally check --json --status all --limit 0``: DuckDB, every rule over the store;
3. ``tally check --engine spark --json --status all --limit 0`` on the same store:
   the claims exported to Parquet, a Spark session (``--master``, ``local[2]`` by
   default), every rule's SQL on it;
4. the verdicts counted per rule and status by each engine, which must agree.

Two figures per engine: the command's wall time (for Spark: the JVM's start, the export
and the session included) and the seconds its rules' SQL took (``seconds`` of its JSON).

``--cluster`` starts a standalone cluster on 127.0.0.1 for the run (bench/cluster.py: a
master and one worker of ``--worker-cores`` and ``--worker-memory``, processes of their
own) and measures on it: ``tally check`` is then a driver whose one executor runs in
the worker, with all the worker's cores and memory (``spark.executor.*``, given to the
driver in its SPARK_CONF_DIR).  ``--master URL`` measures on a cluster already running.

``--record`` replaces the text between the ``spark:results`` markers of bench/README.md
(``spark:cluster`` for a run on a standalone cluster, ``--cluster`` or ``--master spark://``).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a script: python bench/spark.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import click
from rich.console import Console

from bench.cluster import spark_conf, standalone_cluster
from bench.corpus import corpus_files
from bench.product import RULES, run_tally
from bench.run import machine

README = Path(__file__).resolve().parent / "README.md"
CORPUS_CACHE = Path(tempfile.gettempdir()) / "tally-bench-corpus"  # as bench.run caches its corpora
RESULTS = "spark:results"  # local mode's results, between <!-- spark:results:start --> and <!-- ...:end -->
CLUSTER_RESULTS = "spark:cluster"  # a standalone cluster's
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


def check(db: Path, *engine: str, env: dict[str, str] | None = None) -> EngineRun:
    run = run_tally("check", "--db", str(db), "--rules", RULES, "--json", "--status", "all", "--limit", "0", *engine, env=env)
    if run.returncode != 0:
        raise click.ClickException(f"tally check {' '.join(engine)} failed: " + "\n".join(line for _, line in run.stderr_lines[-20:]))
    report = json.loads(run.stdout)
    counts = {(row["rule"], status): row[status] for row in report["rules"] for status in ("contradicted", "implausible", "unverifiable", "consistent")}
    return EngineRun(run.seconds, report["seconds"], counts)


def measure(size: int, seed: int, master: str, workdir: Path, env: dict[str, str] | None = None) -> SizeRun:
    files = corpus_files(size, seed, 0, CORPUS_CACHE)
    db = workdir / f"{size}.duckdb"
    loaded = run_tally("load", "--db", str(db), "--rules", RULES, str(files.sources_path), str(files.claims_path))
    if loaded.returncode != 0:
        raise click.ClickException(f"tally load failed at {size} claims")
    console.print(f"[dim]{size:,} claims loaded in {loaded.seconds:.1f} s[/]")
    on_duckdb = check(db)
    console.print(f"[dim]  duckdb {on_duckdb.wall:.1f} s[/]")
    on_spark = check(db, "--engine", "spark", "--master", master, env=env)
    console.print(f"[dim]  spark  {on_spark.wall:.1f} s[/]")
    return SizeRun(files.claims, on_duckdb, on_spark)


def markdown(runs: list[SizeRun], about: dict[str, str], master: str) -> str:
    lines = [
        f"Measured {about['date']} on {about['cpu']}, {about['ram']}, {about['os']}, Python {about['python']}, "
        f"DuckDB {about['duckdb']}, Spark {about['spark']}, master {master}, commit {about['commit']} ({about['load']}).",
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
@click.option("--sizes", default="10000,100000", show_default=True, help="Claims per store, comma-separated (1000000: a million).")
@click.option("--seed", type=int, default=20261123, show_default=True)
@click.option("--master", default="local[2]", show_default=True, help="The Spark master to measure (spark://host:port: a cluster already running).")
@click.option("--cluster", is_flag=True, help="Start a standalone cluster on 127.0.0.1 for the run and measure on it (--master is then its URL).")
@click.option("--worker-cores", type=int, default=2, show_default=True, help="--cluster: the worker's cores, all given to its executor.")
@click.option("--worker-memory", default="6g", show_default=True, help="--cluster: the worker's memory, all given to its executor.")
@click.option("--record", is_flag=True, help="Rewrite the results in bench/README.md.")
def main(sizes: str, seed: int, master: str, cluster: bool, worker_cores: int, worker_memory: str, record: bool) -> None:
    """DuckDB and Spark on the same stores: wall time, rules' SQL time, and whether the verdict counts agree."""
    about = {**machine(), "spark": _spark_version()}
    with contextlib.ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="tally-bench-spark-")))
        env, described = None, f"`{master}`"
        if cluster:
            running = stack.enter_context(standalone_cluster(workdir / "cluster", worker_cores, worker_memory))
            console.print(f"[dim]standalone cluster {running.url} (web UI {running.ui}), logs in {running.folder}[/]")
            master = running.url
            described = f"a standalone cluster on 127.0.0.1 (one worker, one executor of {worker_cores} cores and {worker_memory})"
            executor = {"spark.executor.cores": str(worker_cores), "spark.executor.memory": worker_memory}
            env = {**os.environ, **spark_conf(workdir / "driver-conf", executor)}
        runs = [measure(int(size), seed, master, workdir, env) for size in sizes.split(",")]
    table = markdown(runs, about, described)
    console.print(table, highlight=False, markup=False)
    if record:
        _record(table, CLUSTER_RESULTS if master.startswith("spark://") else RESULTS)
    if not all(run.agree for run in runs):
        raise SystemExit("the engines' verdict counts differ")


def _record(table: str, marker: str) -> None:
    """Replace the text between ``<!-- marker:start -->`` and ``<!-- marker:end -->`` of bench/README.md."""
    start_mark, end_mark = f"<!-- {marker}:start -->", f"<!-- {marker}:end -->"
    text = README.read_text(encoding="utf-8")
    start, end = text.index(start_mark) + len(start_mark), text.index(end_mark)
    README.write_text(text[:start] + "\n" + table + "\n" + text[end:], encoding="utf-8")


def _spark_version() -> str:
    try:
        import pyspark
    except ImportError:
        return "(pyspark not installed)"
    return pyspark.__version__


if __name__ == "__main__":
    main()
