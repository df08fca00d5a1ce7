"""A Spark standalone cluster on this machine: a master and a worker, each a JVM of its own.

The pyspark wheel carries Spark's jars and ``bin/spark-class`` but not ``sbin/start-master.sh``:
``spark-class`` runs a deploy class in the foreground, which is what a caller that must
stop what it started wants.  So :func:`standalone_cluster` starts

* ``org.apache.spark.deploy.master.Master --host 127.0.0.1 --port P --webui-port W``,
* ``org.apache.spark.deploy.worker.Worker spark://127.0.0.1:P --host 127.0.0.1 --cores C --memory M``,

waits until the master's JSON (``http://127.0.0.1:W/json/``) lists the worker alive, yields
the master's URL for ``tally check --engine spark --master``, and stops both on exit, the
exit of an exception included.  The test suite (tests/test_spark_cluster.py) and
``python -m bench.spark --cluster`` use it; docs/spark.md shows the same two commands for a
shell.

Everything listens on 127.0.0.1 only (``SPARK_LOCAL_IP``): a cluster for this machine's
own jobs is not offered to the network.  Logs, the worker's application folders and the
shuffle files go under the folder given, not into the wheel.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

LOOPBACK = "127.0.0.1"
# Daemon settings read from the cluster's own spark-defaults.conf (SPARK_CONF_DIR).
DAEMON_SETTINGS = {
    # The REST submission server listens on 6066 whatever the master's port: a second
    # cluster on the machine (a test run beside a bench) would fail to bind it.  Tally
    # never submits through it (its driver is the tally process).
    "spark.master.rest.enabled": "false",
}
DAEMON_MEMORY = "512m"  # heap of the master and of the worker daemon; executors get the worker's --memory
# The daemons only schedule: the JIT's quick tier (C1) is all they need, and starting them
# took half the CPU with it (17 s -> 9 s for the two, 2 cores at load 5.5).  The executors
# they start are the job's, with the job's own spark.executor.extraJavaOptions.
DAEMON_JAVA_OPTIONS = "-XX:TieredStopAtLevel=1"


class ClusterError(Exception):
    """The master or the worker exited, or the worker did not register in time: the message holds its log's end."""


@dataclass
class Cluster:
    """A running cluster: the URL to pass as ``--master``, the master's web UI, its processes."""

    url: str  # spark://127.0.0.1:P
    ui: str  # http://127.0.0.1:W
    master: subprocess.Popen[bytes]
    worker: subprocess.Popen[bytes]
    folder: Path

    def state(self) -> dict:
        """The master's view of the cluster, as its web UI serves it in JSON."""
        return httpx.get(f"{self.ui}/json/", timeout=5).json()


def spark_home() -> Path:
    """The pyspark wheel's folder: it holds ``bin/spark-class`` and ``jars/``."""
    import pyspark

    return Path(pyspark.__file__).resolve().parent


@contextlib.contextmanager
def standalone_cluster(folder: Path, cores: int = 1, memory: str = "1g", deadline: float = 120.0) -> Iterator[Cluster]:
    """A master and a worker (``cores``, ``memory`` for executors) on 127.0.0.1; stopped on exit.

    ``deadline``: seconds for the worker to register; only a broken start waits that long.
    """
    folder.mkdir(parents=True, exist_ok=True)
    environment = _environment(folder)
    port, webui = _free_ports(2)
    url, ui = f"spark://{LOOPBACK}:{port}", f"http://{LOOPBACK}:{webui}"
    spark_class = str(spark_home() / "bin" / "spark-class")
    with contextlib.ExitStack() as stack:
        stack.enter_context(_terminated_as_exit())
        master = stack.enter_context(daemon(
            folder / "master.log", environment, spark_class,
            "org.apache.spark.deploy.master.Master", "--host", LOOPBACK, "--port", str(port), "--webui-port", str(webui),
        ))  # fmt: skip
        worker = stack.enter_context(daemon(
            folder / "worker.log", environment, spark_class,
            "org.apache.spark.deploy.worker.Worker", url, "--host", LOOPBACK, "--cores", str(cores), "--memory", memory,
            "--work-dir", str(folder / "work"), "--webui-port", "0",
        ))  # fmt: skip
        cluster = Cluster(url, ui, master, worker, folder)
        _wait_for_worker(cluster, deadline)
        yield cluster


@contextlib.contextmanager
def _terminated_as_exit() -> Iterator[None]:
    """SIGTERM raises SystemExit while the cluster runs, so the daemons are stopped on the way out.

    By default SIGTERM ends Python without unwinding: a bench or a test run stopped by a
    timeout would leave two JVMs behind, each in a session of its own.  Only the main
    thread may set a handler, and one set by the caller is left alone.
    """
    import threading

    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        yield
        return

    def leave(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, leave)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def spark_conf(folder: Path, settings: dict[str, str]) -> dict[str, str]:
    """Spark ``settings`` written to ``folder/spark-defaults.conf``; the variable to add to a process's environment.

    Every Spark program reads that file from SPARK_CONF_DIR: a daemon, and a driver such as
    ``tally check --engine spark``, whose command line stays Tally's.
    """
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "spark-defaults.conf").write_text("".join(f"{key} {value}\n" for key, value in settings.items()))
    return {"SPARK_CONF_DIR": str(folder)}


def _environment(folder: Path) -> dict[str, str]:
    (folder / "local").mkdir(exist_ok=True)
    return {
        **os.environ,
        **spark_conf(folder / "conf", DAEMON_SETTINGS),
        "SPARK_HOME": str(spark_home()),
        "SPARK_LOCAL_IP": LOOPBACK,
        "SPARK_LOCAL_DIRS": str(folder / "local"),
        "SPARK_DAEMON_MEMORY": DAEMON_MEMORY,
        "SPARK_DAEMON_JAVA_OPTS": DAEMON_JAVA_OPTIONS,
    }


def _free_ports(count: int) -> list[int]:
    """``count`` different ports free now (held together while chosen, so never one twice).

    The daemons bind them a second later: another process could take one meanwhile, and the
    start then fails with the log saying so.  Spark would take port 0 for the master, but
    not report back a web UI's port chosen so.
    """
    with contextlib.ExitStack() as stack:
        probes = [stack.enter_context(socket.socket()) for _ in range(count)]
        for probe in probes:
            probe.bind((LOOPBACK, 0))
        return [probe.getsockname()[1] for probe in probes]


@contextlib.contextmanager
def daemon(log: Path, environment: dict[str, str], *command: str) -> Iterator[subprocess.Popen[bytes]]:
    """``command`` (``spark-class CLASS ARGUMENTS``) in a session of its own, its output to ``log``; stopped on exit.

    ``spark-class`` execs the JVM, so the process is the daemon.  A worker starts its
    executors as its children, in its process group: SIGTERM to the group stops the worker
    and whatever executor it still runs; SIGKILL after a grace period if one lingers.
    """
    with log.open("wb") as output:
        process = subprocess.Popen(
            list(command),
            stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT, env=environment, start_new_session=True,
        )  # fmt: skip
    try:
        yield process
    finally:
        _stop_group(process)


def _stop_group(process: subprocess.Popen[bytes], grace: float = 30.0) -> None:
    """SIGTERM to the daemon's group, SIGKILL to whatever is left of it after ``grace`` seconds."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)  # the group this module made (start_new_session): the daemon and its children only
        if _group_ended(process, grace):
            return


def _group_ended(process: subprocess.Popen[bytes], seconds: float) -> bool:
    """Whether every process of the daemon's group has exited within ``seconds``."""
    stop = time.monotonic() + seconds
    while time.monotonic() < stop:
        process.poll()  # reap the daemon, our child: until then it counts in its group
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


def _wait_for_worker(cluster: Cluster, deadline: float) -> None:
    """Poll the master's JSON until it lists the worker alive; ClusterError if a daemon exits or time runs out."""
    stop = time.monotonic() + deadline
    while time.monotonic() < stop:
        for name, process in (("master", cluster.master), ("worker", cluster.worker)):
            if process.poll() is not None:
                raise ClusterError(f"the Spark {name} exited ({process.returncode}): {_tail(cluster.folder / f'{name}.log')}")
        with contextlib.suppress(httpx.HTTPError, ValueError):
            if cluster.state().get("aliveworkers", 0) >= 1:
                return
        time.sleep(0.2)  # the next poll: the master answers as soon as its UI is up
    raise ClusterError(f"no worker registered with {cluster.url} within {deadline:.0f} s: {_tail(cluster.folder / 'worker.log')}")


def _tail(log: Path, lines: int = 15) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
