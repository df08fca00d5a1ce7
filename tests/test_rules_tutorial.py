"""rules/README.md's tutorial, run as a data editor would follow it on a fresh clone.

Every block of the tutorial runs, in order, in a folder standing for a fresh clone
after `make serve`: a copy of the shipped rules and the clone's ``.venv`` (the one
running the tests).  ``yaml file=PATH`` blocks are written to PATH, ``yaml
append=PATH`` blocks appended to it, and each ``$`` line of a ``console`` block is run
as typed (tests/console.py): ``.venv/bin/tally`` in a terminal of its own, ``curl``
against a real server on 127.0.0.1 over the seeded store, reading the folder's rules.
Its output is compared with the lines printed under it.  A command of any other kind
fails the test: the tutorial shows nothing that is not run here.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from service.rules.book import RuleBook
from service.store import Store
from tests.conftest import serving
from tests.console import blocks, clone_with_venv, matches, run_curl, run_in_terminal, steps
from tests.helpers import RULES_DIR

TUTORIAL = (RULES_DIR / "README.md").read_text(encoding="utf-8").split("## Your first rule in ten minutes")[1].split("\n## ")[0]
TALLY = str(Path(sys.executable).with_name("tally"))
THE_CLONES_TALLY = ".venv/bin/tally"  # what `make serve` installed: no PATH is assumed


def test_the_tutorial_runs_as_written(seeded_file: Path, tmp_path: Path) -> None:
    folder = clone_with_venv(tmp_path / "clone")
    shutil.copytree(RULES_DIR, folder / "rules", ignore=shutil.ignore_patterns("README.md", "__init__.py", "__pycache__"))
    store_path = tmp_path / "tally.duckdb"
    shutil.copyfile(seeded_file, store_path)
    ran = {"file": 0, "append": 0, "tally": 0, "curl": 0}
    with Store(str(store_path)) as store, serving(store, RuleBook(folder / "rules")) as base_url:
        for block in blocks(TUTORIAL):
            kind, _, target = block.info.partition(" ")
            if kind == "yaml":
                mode, _, path = target.partition("=")
                assert mode in ("file", "append"), block.info
                with (folder / path).open("w" if mode == "file" else "a", encoding="utf-8") as written:
                    written.write(block.text)
                ran[mode] += 1
                continue
            assert kind == "console", block.info
            for command, expected in steps(block.text):
                program = command.split()[0]
                if program == THE_CLONES_TALLY:
                    output = run_in_terminal(command, folder)
                    program = "tally"
                elif program == "curl":
                    output = run_curl(command, base_url)
                else:
                    pytest.fail(f"the tutorial shows a command this test does not run: {command}")
                assert matches(expected, output.splitlines()), f"$ {command}\n--- printed in the tutorial\n" + "\n".join(expected) + "\n--- got\n" + output
                ran[program] += 1
    assert ran == {"file": 1, "append": 1, "tally": 2, "curl": 3}


def test_the_tutorials_lint_error_is_what_lint_prints(tmp_path: Path) -> None:
    """The typo the tutorial quotes, made in the tutorial's file."""
    rule = next(block.text for block in blocks(TUTORIAL) if block.info == "yaml file=rules/part-within-total.yaml")
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "part-within-total.yaml").write_text(rule.replace("check: part <= whole", "check: part <= hole"), encoding="utf-8")
    done = subprocess.run([TALLY, "rules", "lint", "rules"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    printed = re.search(r"`(rules/part-within-total\.yaml:\d+:\d+: check: unbound name 'hole'[^`]*)`", TUTORIAL)
    assert printed and done.returncode == 1
    assert printed.group(1) in done.stderr, done.stderr


def test_the_tutorials_rule_written_the_wrong_way_round_is_caught(tmp_path: Path) -> None:
    """What step 4 says: ``part >= whole`` fails on a generated world."""
    rule = next(block.text for block in blocks(TUTORIAL) if block.info == "yaml file=rules/part-within-total.yaml")
    assert "`part >= whole`" in TUTORIAL
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "part-within-total.yaml").write_text(rule.replace("check: part <= whole", "check: part >= whole"), encoding="utf-8")
    done = subprocess.run([TALLY, "rules", "test", "rules", "--rule", "part-within-total"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    assert "part-within-total: unsound: a world where every figure is true, which it calls contradicted" in done.stderr
