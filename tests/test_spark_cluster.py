"""``tally check --engine spark --master spark://...`` on a real standalone cluster gives DuckDB's verdicts.

tests/test_spark.py runs the engine in local mode: one JVM, the driver's.  Here a master
and a worker run as processes of their own (bench/cluster.py, from the pyspark wheel), the
worker starts an executor JVM for the job, and ``tally check`` is a process too, the
driver: what a desk with a cluster runs.  The cluster is started once per session and
stopped at its end; the module shares the Spark tests' xdist group (``--dist
loadgroup``), so the JVMs of the two modules do not compete for the two cores.  Without
pyspark or Java it is skipped, or fails under ``make test`` (TALLY_REQUIRE_SPARK=1).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from bench.cluster import Cluster, daemon, spark_conf, standalone_cluster
from service import spark
from tests.helpers import RULES_DIR, TALLY, run_tally, tally_environment

pytestmark = pytest.mark.xdist_group("spark")

# Three cheap rules that give the seeds every kind of row worth comparing: contradictions with
# diagnoses (same-figure), an implausible figure (share-change-in-points), consistent pairs and
# a category's text (same-category).  The engine's equality on every rule is test_spark.py's.
RULES = ("same-figure", "same-category", "share-change-in-points")
# The job's settings, read by the `tally check` process from SPARK_CONF_DIR as any Spark job
# reads them: the seeds are tiny, so what local mode gets over a small store (service/spark.py,
# SMALL_JOB_SETTINGS: no Java code generation, one shuffle partition, no adaptive re-planning)
# and the JIT's quick tier for the driver's JVM and the executor's (QUICK_JVM).
DRIVER_SETTINGS = {
    **spark.SMALL_JOB_SETTINGS,
    "spark.driver.extraJavaOptions": spark.QUICK_JVM,
    "spark.executor.extraJavaOptions": spark.QUICK_JVM,
}
DEADLINE = 600.0  # seconds; only a hung job waits this long (a loaded machine took 70 s)


@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    if (missing := spark.missing_requirements()) is not None:
        if os.environ.get("TALLY_REQUIRE_SPARK"):
            pytest.fail(f"the Spark cluster tests cannot run: {missing}")
        pytest.skip(f"the Spark cluster tests need pyspark and a Java runtime: {missing}")
    with standalone_cluster(tmp_path_factory.mktemp("spark-cluster")) as running:
        yield running
    # stopped: neither daemon, nor an executor the worker started, is left
    for daemon in (running.master, running.worker):
        assert daemon.poll() is not None
        with pytest.raises(ProcessLookupError):
            os.killpg(daemon.pid, 0)


def test_check_on_the_cluster_gives_the_verdicts_of_duckdb(cluster: Cluster, seeded_file: Path, tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(RULES_DIR / "diagnoses", rules / "diagnoses")
    for rule in RULES:
        shutil.copy(RULES_DIR / f"{rule}.yaml", rules)
    db = tmp_path / "seeded.duckdb"
    shutil.copyfile(seeded_file, db)
    on_duckdb = run_tally("check", "--db", db, "--rules", rules, "--status", "all", "--json")
    assert on_duckdb.returncode == 0, on_duckdb.stderr
    out = tmp_path / "verdicts"
    on_cluster = spark_check(tmp_path, "--db", db, "--rules", rules, "--status", "all", "--json", "--master", cluster.url, "--out", out)
    assert on_cluster.returncode == 0, on_cluster.stderr[-3000:]

    expected, found = json.loads(on_duckdb.stdout), json.loads(on_cluster.stdout)
    for report in (expected, found):
        for row in report["rules"]:
            row.pop("seconds")
        for verdict in report["verdicts"]:
            verdict.pop("first_seen")  # when a store first held it: Spark has no store
    assert found["rules"] == expected["rules"] and found["total"] == expected["total"]
    statuses = {verdict["status"] for verdict in expected["verdicts"]}
    assert statuses >= {"contradicted", "implausible", "consistent"}, "the comparison compares something"
    assert found["verdicts"] == expected["verdicts"], "the same ids, statuses, margins, claims and words"
    # the rows the executor wrote, as --out keeps them: every verdict, with its status and raw margin
    written = duckdb.sql(f"SELECT id, status, margin FROM read_parquet('{out}/*.parquet')").fetchall()
    listed = {verdict["id"]: (verdict["status"], verdict["margin"]) for verdict in expected["verdicts"]}
    assert {row[0]: row[1] for row in written} == {key: status for key, (status, _) in listed.items()}
    for verdict_id, _, margin in written:
        assert (margin is None) == (listed[verdict_id][1] is None)
        if margin is not None:
            assert margin == pytest.approx(listed[verdict_id][1], rel=1e-6), verdict_id  # the words round the margin

    # the job ran on the cluster, not in a local session of the tally process
    apps = cluster.state()["completedapps"]
    assert [(app["name"], app["state"]) for app in apps][-1:] == [("tally", "FINISHED")]


def spark_check(folder: Path, *options: str | Path) -> subprocess.CompletedProcess[str]:
    """``tally check --engine spark OPTIONS`` as a driver process, with :data:`DRIVER_SETTINGS`."""
    command = [TALLY, "check", "--engine", "spark", *map(str, options)]
    environment = {**tally_environment(), **spark_conf(folder / "spark-conf", DRIVER_SETTINGS)}
    return subprocess.run(command, capture_output=True, text=True, env=environment, timeout=DEADLINE, check=False)


def test_a_cluster_start_that_fails_stops_what_it_started(tmp_path: Path) -> None:
    """The daemons are stopped with their process group, on an exception as on a normal exit:
    here a shell standing in for a daemon, with a child of its own (as a worker has executors)."""
    environment = dict(os.environ)
    with pytest.raises(RuntimeError, match="the worker never registered"):
        with daemon(tmp_path / "daemon.log", environment, "sh", "-c", "sleep 600 & echo started; wait") as process:
            group = process.pid
            raise RuntimeError("the worker never registered")
    assert process.poll() == -signal.SIGTERM
    with pytest.raises(ProcessLookupError):
        os.killpg(group, 0)  # the child sleep too
