"""The two set-up commands: what `make serve` and `make test` install, and a build setuptools has nothing to say about.

The Makefile is read with ``make -n`` (print the commands, run none) in a folder
holding only it and pyproject.toml: a fresh clone, before anything is installed.
The build is setuptools' own backend on a copy of the sources, its warnings made
errors, so a configuration it would warn about fails here rather than scrolling past
a newcomer's first install.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BUILD_SOURCES = ["pyproject.toml", "README.md", "service", "rules", "fixtures"]  # as tests/test_wheel.py builds
DEADLINE = 300.0  # seconds; a build takes a few

needs_make = pytest.mark.skipif(shutil.which("make") is None, reason="the set-up commands are make targets")


def dry_run(target: str, clone: Path, *variables: str) -> list[str]:
    """The commands ``make TARGET`` would run in CLONE, one a line."""
    clone.mkdir(exist_ok=True)
    for name in ("Makefile", "pyproject.toml"):
        if not (clone / name).exists():  # copied once: a later copy would be newer than the stamps
            shutil.copy(ROOT / name, clone / name)
    # Under `make test` this runs inside a make: without its variables and directory lines, as a person types it
    outer = ("MAKEFLAGS", "MAKELEVEL", "MFLAGS", "MAKEOVERRIDES")
    environment = {name: value for name, value in os.environ.items() if name not in outer}
    done = subprocess.run(["make", "--no-print-directory", "-n", target, *variables], cwd=clone, capture_output=True, text=True,
                          timeout=60, check=False, env=environment)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def pip_installs(commands: list[str]) -> list[list[str]]:
    return [command.split("pip install", 1)[1].split() for command in commands if "-m pip install" in command and "--upgrade pip" not in command]


@needs_make
def test_make_serve_installs_the_runtime_dependencies_only_then_serves(tmp_path: Path) -> None:
    commands = dry_run("serve", tmp_path / "clone")
    assert pip_installs(commands) == [["--quiet", "-e", "."]], "no test or Spark extras for serving"
    assert commands[-1] == ".venv/bin/tally serve"
    assert not any("apt-get" in command for command in commands), "serving needs nothing beyond Python"


@needs_make
def test_make_test_installs_everything_and_waits_for_a_busy_package_manager(tmp_path: Path) -> None:
    commands = dry_run("test", tmp_path / "clone", f"CHROMIUM={tmp_path / 'no-chromium'}")
    assert pip_installs(commands) == [["--quiet", "-e", "'.[test,spark]'"]]
    script = "\n".join(commands)
    calls = re.findall(r"apt-get((?: -o \S+)*) (?:update|install)", script)
    assert len(calls) == 4, "update and install, for chromium and for java, when they are missing"
    assert all("-o DPkg::Lock::Timeout=600" in options for options in calls), "apt-get waits for the lock"
    assert "install -y -qq --no-install-recommends chromium" in script
    assert "install -y -qq --no-install-recommends openjdk-17-jre-headless" in script
    assert commands[-1].endswith("-m pytest -q -n 2 --dist loadgroup -p no:cacheprovider")


@needs_make
def test_an_installed_test_environment_serves_without_installing_again(tmp_path: Path) -> None:
    """`make test` then `make serve`: the test install holds everything serving needs."""
    clone = tmp_path / "clone"
    dry_run("serve", clone)
    (clone / ".venv" / "bin").mkdir(parents=True)
    (clone / ".venv" / "bin" / "python").touch()
    for stamp in (".installed-test", ".installed-serve"):  # what the test install's recipe touches
        (clone / ".venv" / stamp).touch()
    assert dry_run("serve", clone) == [".venv/bin/tally serve"]


def test_setuptools_builds_tally_without_a_warning(tmp_path: Path) -> None:
    source = tmp_path / "source"
    for name in BUILD_SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            source.mkdir(parents=True, exist_ok=True)
            shutil.copy(ROOT / name, source / name)
    build = "from setuptools import build_meta; build_meta.build_wheel(%r)" % str(tmp_path / "dist")
    done = subprocess.run(
        [sys.executable, "-W", "error::setuptools.warnings.SetuptoolsWarning", "-c", build],
        cwd=source, capture_output=True, text=True, timeout=DEADLINE, check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    assert "Warning" not in done.stderr, done.stderr[-4000:]
    assert list((tmp_path / "dist").glob("tally-*.whl"))
