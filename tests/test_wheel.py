"""Tally installed from a wheel, run from another folder, checks with the rules and fixtures it ships.

Issue 7: installed the ordinary way, ``tally serve`` started with no rule and
answered every claim with no verdict.  This test builds the wheel from a copy of
the files the Dockerfile copies, installs it (``--no-deps``) into a new venv whose
dependencies come from the running environment, and runs the ``tally`` that venv
installed, from an empty folder with a clean environment.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import re
import shutil
import socket
import subprocess
import sys
import sysconfig
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.helpers import FIXTURES_DIR, RULES_DIR

ROOT = Path(__file__).resolve().parent.parent
WHEEL_SOURCES = ["pyproject.toml", "README.md", "service", "rules", "fixtures"]  # as docker/Dockerfile copies
SERVER_START_DEADLINE = 20.0  # seconds; a fresh process imports Litestar, DuckDB and pint first
COMMAND_TIMEOUT = 60.0


def run(*args: str | Path, cwd: Path, env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=COMMAND_TIMEOUT, check=False
    )
    if check:
        assert result.returncode == 0, f"{args}: exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result


def build_wheel(work: Path) -> Path:
    """Build from a copy, so the checkout's build/ and egg-info stay untouched and nothing else sneaks in."""
    source = work / "source"
    for name in WHEEL_SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            source.mkdir(parents=True, exist_ok=True)
            shutil.copy(ROOT / name, source / name)
    out = work / "dist"
    run(sys.executable, "-m", "pip", "wheel", source, "--no-deps", "--no-build-isolation", "--no-index", "-w", out, "-q",
        cwd=work, env=dict(os.environ))
    [wheel] = out.glob("tally-*.whl")
    return wheel


def venv_with_wheel(work: Path, wheel: Path) -> Path:
    """A new venv: tally from the wheel only; its dependencies seen through a .pth file.

    The test venv is itself a venv, so ``--system-site-packages`` would expose the
    base Python's packages, not the ones tally needs.  A .pth line appends the
    running environment's site-packages to sys.path, after the new venv's own; the
    editable install's finder there is not activated (a .pth only runs in a site dir).
    """
    venv = work / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=work, env=dict(os.environ))
    python = venv / "bin" / "python"
    purelib = run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))", cwd=work, env=dict(os.environ)).stdout.strip()
    Path(purelib, "tally-test-dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")
    run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", "-q", wheel, cwd=work, env=dict(os.environ))
    return venv


def clean_environment(venv: Path) -> dict[str, str]:
    """No PYTHONPATH, no TALLY_* settings, no active venv: only the new venv's bin on PATH."""
    keep = {k: v for k, v in os.environ.items() if k in ("HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")}
    return keep | {"PATH": f"{venv / 'bin'}{os.pathsep}/usr/bin:/bin", "COLUMNS": "1000", "PYTHONDONTWRITEBYTECODE": "1"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_health(base_url: str, server: subprocess.Popen[str]) -> dict:
    """Wait for uvicorn to say it listens (its log line on stderr, read by a thread), then GET /health."""
    lines: queue.Queue[str | None] = queue.Queue()

    def read_log() -> None:
        assert server.stderr is not None
        for line in server.stderr:
            lines.put(line)
        lines.put(None)  # the server exited

    threading.Thread(target=read_log, daemon=True).start()
    deadline, seen = time.monotonic() + SERVER_START_DEADLINE, []
    while (left := deadline - time.monotonic()) > 0:
        try:
            line = lines.get(timeout=left)
        except queue.Empty:
            break
        if line is None:
            pytest.fail(f"tally serve exited with {server.wait()}: {''.join(seen)}")
        seen.append(line)
        if "Uvicorn running on" in line:
            return httpx.get(f"{base_url}/health", timeout=5.0).raise_for_status().json()
    pytest.fail(f"tally serve did not start within {SERVER_START_DEADLINE} s: {''.join(seen)}")


@contextlib.contextmanager
def serving(tally: Path, *args: str, cwd: Path, env: dict[str, str]) -> Iterator[tuple[dict, str]]:
    """``tally serve`` running: its /health answer and its base URL."""
    port = free_port()
    server = subprocess.Popen(
        [str(tally), "serve", "--port", str(port), *args], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        yield wait_for_health(f"http://127.0.0.1:{port}", server), f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(COMMAND_TIMEOUT)


def package_folders(root: Path) -> set[str]:
    return {str(init.parent.relative_to(root)) for init in (root / "service").rglob("__init__.py")}


def test_an_installed_wheel_checks_with_the_rules_and_fixtures_it_ships(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path)
    inside = set(zipfile.ZipFile(wheel).namelist())
    assert {f"service/shipped/rules/{p.name}" for p in RULES_DIR.glob("*.yaml")} <= inside
    assert {f"service/shipped/fixtures/{p.name}" for p in FIXTURES_DIR.glob("*.json")} <= inside
    assert {f"service/shipped/fixtures/articles/{p.name}" for p in (FIXTURES_DIR / "articles").glob("*.txt")} <= inside
    # pyproject.toml lists packages by hand: every package of service/ must be in the wheel
    assert {f"{folder}/__init__.py" for folder in package_folders(ROOT)} <= inside
    # so are the error mechanisms beside the rules, and the desk's templates and stylesheet
    assert {f"service/shipped/rules/diagnoses/{p.name}" for p in (RULES_DIR / "diagnoses").glob("*.yaml")} <= inside
    # and the lexicon an article is read with (service/reading/lexicon.py)
    assert {f"service/shipped/rules/lexicon/{p.name}" for p in (RULES_DIR / "lexicon").glob("*.yaml")} <= inside
    assert {f"service/templates/{p.name}" for p in (ROOT / "service" / "templates").glob("*.html")} | {"service/assets/desk.css"} <= inside
    # the desk's message catalogs, compiled when the app starts (service/api/language.py)
    assert {f"service/locales/{lang}/LC_MESSAGES/desk.po" for lang in ("fr", "en", "ar")} <= inside
    # /schema's viewer ships in the package, so the API docs work offline (tests/test_api_docs.py)
    assert {f"service/assets/swagger-ui/{p.name}" for p in (ROOT / "service" / "assets" / "swagger-ui").iterdir()} <= inside

    venv = venv_with_wheel(tmp_path, wheel)
    site = Path(run(venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_path('purelib'))",
                    cwd=tmp_path, env=clean_environment(venv)).stdout.strip())
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = clean_environment(venv)
    tally = venv / "bin" / "tally"

    where = json.loads(run(venv / "bin" / "python", "-c",
                           "import json, service, service.shipped as s; "
                           "print(json.dumps([service.__file__, str(s.rules_dir()), str(s.fixtures_dir())]))",
                           cwd=elsewhere, env=env).stdout)
    assert all(Path(path).is_relative_to(site) for path in where), (where, site)
    fixtures = Path(where[2])

    lint = run(tally, "rules", "lint", cwd=elsewhere, env=env)
    assert lint.stdout.strip() == f"14 rules in {site / 'service' / 'shipped' / 'rules'}: ok"

    run(tally, "load", *sorted(fixtures.glob("*.json")), cwd=elsewhere, env=env)
    assert (elsewhere / "tally.duckdb").exists(), "the store defaults to ./tally.duckdb in the working folder"
    check = run(tally, "check", "--status", "contradicted", cwd=elsewhere, env=env)
    # piped: the rows on stdout, the count a person reads on stderr (service/output.py)
    contradicted = int(re.search(r"(\d+) verdicts listed \(contradicted\)\s*$", check.stderr).group(1))
    assert contradicted > 0, check.stdout

    # --no-fixtures: the claims are the ones loaded above, and the rules are in force all the same
    with serving(tally, "--no-fixtures", cwd=elsewhere, env=env) as (loaded, base_url):
        assert loaded["status"] == "ok" and loaded["rules"] == 14 and loaded["claims"] > 0
        # the desk's catalogs ship in the wheel: each language is served from it
        for lang, heading in (("fr", "<h1>Règles en vigueur</h1>"), ("en", "<h1>Rules in force</h1>"), ("ar", "<h1>القواعد السارية</h1>")):
            page = httpx.get(f"{base_url}/desk/rules", params={"lang": lang}, timeout=30.0).text
            assert f'<html lang="{lang}" dir="{"rtl" if lang == "ar" else "ltr"}">' in page and heading in page, lang
    # on a fresh store, without --no-fixtures: serve loads the same fixtures from the package
    with serving(tally, "--db", "fresh.duckdb", cwd=elsewhere, env=env) as (seeded, _):
        assert seeded == loaded
