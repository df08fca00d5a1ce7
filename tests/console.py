"""Running what the documentation shows, as a reader would type it.

The README's tour and rules/README.md's tutorial print ``console`` blocks: each ``$``
line is a command, the lines under it what it prints (``...`` stands for any number
of lines).  ``tally`` commands run in a pseudo-terminal, since a reader types them at
one and the command prints for a terminal (a table, not tab-separated rows; a progress
bar, drawn then erased); pyte plays the terminal, so what is compared is what a reader
sees once the command is done.  ``curl`` lines are read with shlex and sent with httpx, so the tests need no curl binary.
"""

from __future__ import annotations

import fcntl
import functools
import json
import os
import pty
import re
import select
import shlex
import struct
import subprocess
import sys
import termios
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pyte

PRINTED_URL = "http://127.0.0.1:8000"  # where `make serve` listens, as the documents print it
TERMINAL_COLUMNS = 120  # wide enough that no line the documents print is wrapped
TERMINAL_LINES = 500  # tall enough that nothing scrolls away
DEADLINE = 300.0  # seconds; only a hung command waits this long


@dataclass(frozen=True)
class Block:
    info: str
    text: str


def blocks(markdown: str) -> list[Block]:
    return [Block(info, text) for info, text in re.findall(r"```([^\n]*)\n(.*?)```", markdown, re.S)]


def steps(console: str) -> list[tuple[str, list[str]]]:
    """(command, the output lines printed under it) for each ``$`` line.

    A command goes on over the next lines, as in a shell, while it ends with a
    backslash or holds a quotation not yet closed; a backslash-newline is dropped.
    """
    found: list[tuple[str, list[str]]] = []
    pending = ""
    for line in console.splitlines():
        if pending or line.startswith("$ "):
            pending = pending + "\n" + line if pending else line[2:]
            if not _complete(pending):
                continue
            found.append((pending.replace("\\\n", ""), []))
            pending = ""
        else:
            found[-1][1].append(line)
    assert not pending, f"a command that never ends: {pending}"
    return found


def _complete(command: str) -> bool:
    if command.endswith("\\"):
        return False
    try:
        shlex.split(command.replace("\\\n", ""))
    except ValueError:  # "No closing quotation"
        return False
    return True


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


def clone_with_venv(folder: Path) -> Path:
    """A folder standing for a fresh clone after `make serve`: its ``.venv`` is the one running the tests."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / ".venv").symlink_to(Path(sys.prefix), target_is_directory=True)
    return folder


def run_in_terminal(command: str, folder: Path) -> str:
    """A command line as typed at a terminal in FOLDER; what the terminal shows once it is done.

    A pseudo-terminal of TERMINAL_COLUMNS columns is the command's stdin, stdout and
    stderr, as a reader's terminal is.  The command must succeed.
    """
    words = shlex.split(command)
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", TERMINAL_LINES, TERMINAL_COLUMNS, 0, 0))
    environment = {name: value for name, value in os.environ.items() if not name.startswith("TALLY_") and name not in ("COLUMNS", "LINES")}
    environment["TERM"] = "xterm-256color"
    try:
        process = subprocess.Popen([str(folder / words[0]) if words[0].startswith(".venv/") else words[0], *words[1:]],
                                   cwd=folder, stdin=terminal, stdout=terminal, stderr=terminal, env=environment, close_fds=True)
    finally:
        os.close(terminal)
    shown = bytearray()
    deadline = time.monotonic() + DEADLINE
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([controller], [], [], 1.0)
            if not ready:
                continue
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # EIO: every end of the terminal is closed, the command is done
                break
            if not chunk:
                break
            shown += chunk
        else:
            process.kill()
            raise AssertionError(f"$ {command}\ndid not finish within {DEADLINE} s:\n{shown.decode(errors='replace')}")
        returncode = process.wait(DEADLINE)
    finally:
        os.close(controller)
    screen = pyte.Screen(TERMINAL_COLUMNS, TERMINAL_LINES)
    pyte.ByteStream(screen).feed(bytes(shown))
    text = "\n".join(line.rstrip() for line in screen.display[: screen.cursor.y + 1]).rstrip("\n") + "\n"
    assert returncode == 0, f"$ {command}\nexit {returncode}:\n{text}"
    return text


def run_curl(command: str, base_url: str) -> str:
    """A curl line as a reader types it (-s, -X, -H, -d, optionally piped into json.tool), sent to BASE_URL."""
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
