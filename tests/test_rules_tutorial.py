"""rules/README.md's tutorial, run as a data editor would follow it on a fresh clone.

Every block of the tutorial runs, in order, in a folder of its own holding a copy
of the shipped rules: ``yaml file=PATH`` blocks are written to PATH, ``yaml
append=PATH`` blocks appended to it, and each ``$`` line of a ``console`` block
is run, its output compared with the lines printed under it (``...`` stands for
any number of lines).  ``tally`` runs as the installed command; ``curl`` lines are
read with shlex and sent with httpx to a real server on 127.0.0.1 over the seeded
store, so the test needs no curl binary.  A command of any other kind fails the
test: the tutorial shows nothing that is not run here.
"""

from __future__ import annotations

import functools
import json
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from service.rules.book import RuleBook
from service.store import Store
from tests.conftest import serving
from tests.helpers import RULES_DIR, run_in_terminal

TUTORIAL = (RULES_DIR / "README.md").read_text(encoding="utf-8").split("## Your first rule in ten minutes")[1].split("\n## ")[0]
PRINTED_URL = "http://127.0.0.1:8000"
TALLY = str(Path(sys.executable).with_name("tally"))


@dataclass(frozen=True)
class Block:
    info: str
    text: str


def blocks() -> list[Block]:
    return [Block(info, text) for info, text in re.findall(r"```([^\n]*)\n(.*?)```", TUTORIAL, re.S)]


def steps(console: str) -> list[tuple[str, list[str]]]:
    """(command, the output lines printed under it) for each ``$`` line."""
    found: list[tuple[str, list[str]]] = []
    for line in console.splitlines():
        if line.startswith("$ "):
            found.append((line[2:], []))
        else:
            found[-1][1].append(line)
    return found


def matches(expected: list[str], actual: list[str]) -> bool:
    """Line for line (trailing spaces aside), with ``...`` matching any run of lines."""

    @functools.cache
    def match(i: int, j: int) -> bool:
        if i == len(expected):
            return j == len(actual)
        if expected[i] == "...":
            return any(match(i + 1, k) for k in range(j, len(actual) + 1))
        return j < len(actual) and expected[i].rstrip() == actual[j].rstrip() and match(i + 1, j + 1)

    return match(0, 0)


def run_tally(arguments: list[str], folder: Path) -> str:
    """As the tutorial's reader runs it: at a terminal, which draws tables (a pipe gets tab-separated rows)."""
    code, printed = run_in_terminal(*arguments, cwd=folder)
    assert code == 0, printed
    return printed


def run_curl(command: str, base_url: str) -> str:
    """A curl line as a data editor types it (-s, -X, -H, -d, optionally piped into json.tool)."""
    request, _, pipe = command.partition(" | ")
    words = shlex.split(request)
    assert words[0] == "curl"
    method, url, headers, data = "GET", "", {}, None
    rest = iter(words[1:])
    for word in rest:
        if word == "-X":
            method = next(rest)
        elif word == "-H":
            name, _, value = next(rest).partition(":")
            headers[name.strip()] = value.strip()
        elif word == "-d":
            data, method = next(rest), method if method != "GET" else "POST"
        elif word == "-s":
            continue
        else:
            url = word
    assert url.startswith(PRINTED_URL), url
    response = httpx.request(method, base_url + url[len(PRINTED_URL) :], headers=headers, content=data, timeout=60)
    if pipe:
        assert shlex.split(pipe) == ["python3", "-m", "json.tool", "--no-ensure-ascii"], pipe
        return json.dumps(response.json(), indent=4, ensure_ascii=False) + "\n"
    return response.text + "\n"


def test_the_tutorial_runs_as_written(seeded_file: Path, tmp_path: Path) -> None:
    folder = tmp_path / "clone"
    shutil.copytree(RULES_DIR, folder / "rules", ignore=shutil.ignore_patterns("README.md", "__init__.py", "__pycache__"))
    store_path = tmp_path / "tally.duckdb"
    shutil.copyfile(seeded_file, store_path)
    ran = {"file": 0, "append": 0, "tally": 0, "curl": 0}
    with Store(str(store_path)) as store, serving(store, RuleBook(folder / "rules")) as base_url:
        for block in blocks():
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
                if program == "tally":
                    output = run_tally(shlex.split(command)[1:], folder)
                elif program == "curl":
                    output = run_curl(command, base_url)
                else:
                    pytest.fail(f"the tutorial shows a command this test does not run: {command}")
                assert matches(expected, output.splitlines()), f"$ {command}\n--- printed in the tutorial\n" + "\n".join(expected) + "\n--- got\n" + output
                ran[program] += 1
    assert ran == {"file": 1, "append": 1, "tally": 2, "curl": 3}


def test_the_tutorials_lint_error_is_what_lint_prints(tmp_path: Path) -> None:
    """The typo the tutorial quotes, made in the tutorial's file."""
    rule = next(block.text for block in blocks() if block.info == "yaml file=rules/part-within-total.yaml")
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "part-within-total.yaml").write_text(rule.replace("check: part <= whole", "check: part <= hole"), encoding="utf-8")
    done = subprocess.run([TALLY, "rules", "lint", "rules"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    printed = re.search(r"`(rules/part-within-total\.yaml:\d+:\d+: check: unbound name 'hole'[^`]*)`", TUTORIAL)
    assert printed and done.returncode == 1
    assert printed.group(1) in done.stderr, done.stderr


def test_the_tutorials_rule_written_the_wrong_way_round_is_caught(tmp_path: Path) -> None:
    """What step 4 says: ``part >= whole`` fails on a generated world."""
    rule = next(block.text for block in blocks() if block.info == "yaml file=rules/part-within-total.yaml")
    assert "`part >= whole`" in TUTORIAL
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "part-within-total.yaml").write_text(rule.replace("check: part <= whole", "check: part >= whole"), encoding="utf-8")
    done = subprocess.run([TALLY, "rules", "test", "rules", "--rule", "part-within-total"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    assert "part-within-total: unsound: a world where every figure is true, which it calls contradicted" in done.stderr
