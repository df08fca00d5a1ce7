"""Test helpers: the one assertion of the problem+json shape, building apps, reading verdicts."""

from __future__ import annotations

import contextlib
import functools
import os
import re
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from litestar.testing import TestClient

from service.app import create_app
from service.rules.book import RuleBook
from service.rules.explain import render_verdict
from service.rules.model import Rule
from service.rules.plan import plan_rule
from service.rules.loader import load_rules_dir
from service.rules.sql import CompiledRule, compile_rule
from service.verdicts import Verdict
from service.settings import Settings
from service.store import Store

ROOT = Path(__file__).resolve().parent.parent
RULES_DIR = ROOT / "rules"
# The shipped rules as written before issue 8: old spellings, still read
OLD_RULES_DIR = ROOT / "tests" / "data" / "rules_before_8"
FIXTURES_DIR = ROOT / "fixtures"
PROBLEM_CONTENT_TYPE = "application/problem+json"
# With no token set the app answers loopback names only; TestClient's own default is http://testserver.local
LOOPBACK = "http://127.0.0.1"

# conftest's ``start_server``: ``with start_server(store) as base_url: ...``
ServerStarter = Callable[..., contextlib.AbstractContextManager[str]]


SOURCE = {"id": "desk", "title": "Dépêche", "outlet": "Agence", "language": "fr"}


def claim_body(quote: str, **changes: str) -> dict[str, str]:
    """A valid claim body of the source ``desk``, with ``changes`` applied."""
    return {
        "source": "desk",
        "quote": quote,
        "subject": "ma.handicraft.exports",
        "measure": "level",
        "period": "2025",
        "figure": "5 millions de dirhams",
    } | changes


# A new claim on the seeds' subject, as the desk's form or POST /check takes it: 1,5 milliard, not what the seeds print.
SEEDS_NEW_CLAIM = {
    "source": "communique-2025-12",
    "quote": "les exportations ont atteint 1,5 milliard de dirhams",
    "subject": "ma.handicraft.exports",
    "measure": "level",
    "period": "2025-01/2025-11",
    "figure": "1,5 milliard de dirhams",
}


# Rules folders that would put no rule in force; each must be refused.
NO_RULE_FOLDERS = ["missing", "empty", "other-files", "no-rule"]


def no_rule_folder(parent: Path, kind: str) -> Path:
    """A rules folder of one of the NO_RULE_FOLDERS kinds, made under ``parent``."""
    folder = parent / f"rules-{kind}"
    if kind == "missing":
        return folder
    folder.mkdir()
    if kind == "other-files":
        (folder / "README.md").write_text("# rules to come\n", encoding="utf-8")
    elif kind == "no-rule":
        (folder / "1-none.yaml").write_text("rules: []\n", encoding="utf-8")
    return folder


def settings_for(db_path: Path | str) -> Settings:
    # The tests read the desk in English unless they ask for another language (?lang=, Accept-Language): httpx sends no
    # Accept-Language, so the shipped default (French) would answer; tests/test_desk_language.py tests that default.
    return Settings(db_path=str(db_path), rules_dir=str(RULES_DIR), fixtures_dir=str(FIXTURES_DIR), load_fixtures=False, desk_locale="en")


def make_client(store: Store, rules: RuleBook) -> TestClient:
    """An in-process client over the real app, on a store the caller owns."""
    return TestClient(create_app(settings_for(store.path), store, rules), base_url=LOOPBACK)


def desk_post(client: TestClient, path: str, data: dict[str, str]) -> Any:
    """Post a desk form as a browser does: with the CSRF token of a desk page it was served first."""
    if "tally-csrf" not in client.cookies:
        client.get("/desk/new")
    return client.post(path, data={**data, "_csrf_token": client.cookies["tally-csrf"]})


def assert_problem(response: Any, status: int, field: str | None = None) -> dict[str, Any]:
    """Assert an RFC 9457 problem with our ``errors`` list; return the body.

    ``field`` names the field a client must fix: some error must name it, either
    exactly or as the head of a JSON path (``breakdown`` matches ``breakdown[...]``).
    """
    content_type = response.headers.get("content-type", "")
    assert content_type.split(";")[0].strip() == PROBLEM_CONTENT_TYPE, (content_type, response.text)
    assert response.status_code == status, (response.status_code, response.text)
    body = response.json()
    for key in ("type", "title", "status", "detail"):
        assert key in body, f"problem without {key!r}: {body}"
    assert body["status"] == status
    assert isinstance(body["type"], str) and body["type"]
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]
    errors = body.get("errors")
    assert isinstance(errors, list) and errors, f"problem without errors: {body}"
    for error in errors:
        assert isinstance(error, dict), error
        assert isinstance(error.get("field"), str) and error["field"], f"error without a field: {error}"
        assert isinstance(error.get("reason"), str) and error["reason"], f"error without a reason: {error}"
    if field is not None:
        named = [e["field"] for e in errors]
        assert any(_names(e, field) for e in named), f"no error names {field!r}: {named}"
    return body


def error_for(body: dict[str, Any], field: str) -> dict[str, Any]:
    """The first error of a problem body naming ``field``."""
    return next(e for e in body["errors"] if _names(e["field"], field))


def _names(error_field: str, field: str) -> bool:
    return error_field == field or error_field.startswith((field + "[", field + "."))


# --- verdicts ----------------------------------------------------------------------


def figures_by_role(verdict: dict[str, Any]) -> dict[str, list[str]]:
    roles: dict[str, list[str]] = {}
    for evidence in verdict["claims"]:
        roles.setdefault(evidence["role"], []).append(evidence["figure"])
    return roles


def find_verdicts(verdicts: Iterable[dict[str, Any]], rule: str, **figures: str) -> list[dict[str, Any]]:
    """Verdicts of ``rule`` whose claims in the given roles print exactly these figures."""
    return [
        v
        for v in verdicts
        if v["rule"] == rule and all(figure in figures_by_role(v).get(role, []) for role, figure in figures.items())
    ]


def the_verdict(verdicts: Iterable[dict[str, Any]], rule: str, **figures: str) -> dict[str, Any]:
    found = find_verdicts(verdicts, rule, **figures)
    assert len(found) == 1, f"expected one {rule} verdict over {figures}, found {len(found)}"
    return found[0]


def the_verdict_over(verdicts: Iterable[dict[str, Any]], rule: str, *figures: str) -> dict[str, Any]:
    """The one verdict of ``rule`` over these printed figures, whatever their roles.

    A verdict binds readings: a figure printed again by another outlet (same reading) is in
    the same verdict, so the verdict's figures are these, each possibly printed more than once.
    """
    found = [v for v in verdicts if v["rule"] == rule and set(figures) <= {e["figure"] for e in v["claims"]}]
    assert len(found) == 1, f"expected one {rule} verdict over {figures}, found {len(found)}"
    return found[0]


def verdicts_of(store: Store, rules: list[Rule]) -> list[Verdict]:
    """Rules that are not in a book (a README example, a hand-made check) run over a store and rendered."""
    rows = [row for rule in rules for row in store.verdict_rows(compile_rule(rule).verdict_rows_sql(), _Shapes(rules))]
    claims = store.claims_by_id(sorted({i for row in rows for i in row.roles_ids}))
    return [render_verdict(plan_rule(rule), row, claims) for rule in rules for row in rows if row.rule == rule.id]


class _Shapes:
    """How rules outside a book split their verdicts' claims by role (RuleSet does this for a book)."""

    def __init__(self, rules: list[Rule]) -> None:
        self.plans = {rule.id: plan_rule(rule) for rule in rules}

    @property
    def rule_ids(self) -> list[str]:
        return list(self.plans)

    def roles_of(self, rule: str, claim_ids: list[str], sizes: list[int]) -> dict[str, list[str]]:
        return self.plans[rule].roles_of(claim_ids, sizes)


# Shipped rules whose check is turned into a strict comparison, both ways: random stores
# print from small pools, so their sides often touch, which is where `<` and `<=` part.
STRICT_VARIANTS_OF = ("same-figure", "cumulative-periods", "shares-sum-to-whole", "growth-links-levels")


def strict_variants() -> list[Rule]:
    """``first < second``, ``first > second``, ``part < whole``...: the shipped checks made strict."""
    import msgspec

    from service.rules.loader import load_rules_dir

    variants = []
    for rule in load_rules_dir(RULES_DIR):
        if rule.id in STRICT_VARIANTS_OF:
            for op, name in (("<", "less"), (">", "greater")):
                check = msgspec.structs.replace(rule.check, op=op)
                # a strict check is not symmetric: each pair both ways round, as the loader would bind it
                # (the pair ordered by claim id it kept had no meaning over readings, whose claims differ in id)
                bindings = tuple(msgspec.structs.replace(b, pair_after=None) for b in rule.bindings)
                variants.append(msgspec.structs.replace(rule, id=f"{rule.id}-{name}", check=check, bindings=bindings))
    return variants


# --- the tally command as a process of its own ------------------------------------------------

TALLY = str(Path(sys.executable).with_name("tally"))  # the console script installed beside this Python
PROCESS_DEADLINE = 120.0  # seconds; only a hung process ever waits this long


def tally_environment() -> dict[str, str]:
    """This environment without TALLY_* settings: a process's store and rules come from its command line."""
    return {name: value for name, value in os.environ.items() if not name.startswith("TALLY_")}


def run_tally(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """``tally ARGS`` in a process of its own, to the end; its exit code and what it printed."""
    return subprocess.run(
        [TALLY, *map(str, args)], capture_output=True, text=True, env=tally_environment(), timeout=PROCESS_DEADLINE, check=False
    )


def run_in_terminal(*args: str | Path, cwd: Path | None = None) -> tuple[int, str]:
    """``tally ARGS`` as a person runs it: stdout a pseudo-terminal (80 columns, TERM=dumb: no colours); its exit code and stdout."""
    import pty
    import tempfile

    controller, terminal = pty.openpty()
    environment = {**tally_environment(), "TERM": "dumb", "COLUMNS": "80"}
    with tempfile.TemporaryFile() as stderr:
        process = subprocess.Popen([TALLY, *map(str, args)], stdin=subprocess.DEVNULL, stdout=terminal, stderr=stderr, cwd=cwd, env=environment)
        os.close(terminal)
        printed = bytearray()
        while True:
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # EIO: the process closed the terminal
                break
            if not chunk:
                break
            printed += chunk
        os.close(controller)
        code = process.wait(timeout=PROCESS_DEADLINE)
    text = printed.decode("utf-8", "replace").replace("\r\n", "\n")
    return code, re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)  # any escape a terminal would act on


class ServeProcess:
    """A ``tally serve`` process: ``process``, its ``url`` once it listens, and what it logged."""

    def __init__(self, process: subprocess.Popen[str], url: str, log: list[str]) -> None:
        self.process, self.url, self.log = process, url, log


@contextlib.contextmanager
def tally_serve(db_path: Path, *options: str) -> Iterator[ServeProcess]:
    """``tally serve --db DB_PATH --port 0 OPTIONS`` as a process; yield it once it listens; kill it on exit if it still runs.

    Readiness is uvicorn's "Uvicorn running on URL" line, read from the process's
    stderr as it comes (the OS picked the port): no sleeping.  The rest of stderr is
    drained by a thread, so a chatty server never blocks on a full pipe.
    """
    command = [TALLY, "serve", "--db", str(db_path), "--port", "0", "--rules", str(RULES_DIR), *options]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=tally_environment())
    assert process.stderr is not None
    log: list[str] = []
    drain = threading.Thread(target=log.extend, args=(process.stderr,), daemon=True)
    try:
        for line in process.stderr:
            log.append(line)
            if listening := re.search(r"Uvicorn running on (http://\S+)", line):
                break
        else:
            raise RuntimeError(f"tally serve stopped before listening (exit {process.wait()}):\n{''.join(log)}")
        drain.start()
        yield ServeProcess(process, listening.group(1), log)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(PROCESS_DEADLINE)
        if drain.is_alive():
            drain.join(PROCESS_DEADLINE)  # the process is gone: its stderr ends
        process.stderr.close()


@functools.cache
def shipped_book() -> RuleBook:
    """The shipped rules, read once per test process."""
    return RuleBook(RULES_DIR)


@functools.cache
def shipped_compiled() -> tuple[CompiledRule, ...]:
    """The shipped rules, compiled once (not a fixture: hypothesis would print it with a failing example)."""
    return tuple(compile_rule(rule) for rule in load_rules_dir(RULES_DIR))
