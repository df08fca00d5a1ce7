"""Shared fixtures: real objects only (a DuckDB file, the shipped rules, a real server).

Nothing of ours is mocked.  ``client`` drives the app in-process through
Litestar's TestClient; ``start_server`` runs the same app under uvicorn on
127.0.0.1 in a thread, and can be entered again on the same DuckDB file to
show what survives a restart.
"""

from __future__ import annotations

import contextlib
import os
from typing import Any
import shutil

# Litestar warns about sync handlers that do not say how they run: noise in test output.
os.environ.setdefault("LITESTAR_WARN_IMPLICIT_SYNC_TO_THREAD", "0")

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest
import uvicorn
from hypothesis import settings as hypothesis_settings
from litestar.testing import TestClient

from service.app import create_app
from service.loading import load_directory
from service.rules.book import RuleBook
from service.store import Store
from tests.helpers import FIXTURES_DIR, RULES_DIR, ServerStarter, make_client, settings_for

# No hypothesis deadline anywhere: a per-example time limit is a timed assertion, and on a shared
# two-core machine a 200 ms example once took 356 ms (test_figures_arabic).  A test's own
# @settings still sets its examples; it inherits this profile's deadline.
hypothesis_settings.register_profile("tally", deadline=None)
hypothesis_settings.load_profile("tally")

SERVER_START_DEADLINE = 10.0  # seconds; a healthy start takes a few milliseconds

# --- the domain objects ------------------------------------------------------------


@pytest.fixture(scope="session")
def rules() -> RuleBook:
    """The shipped rules; read-only, so one book serves the whole session."""
    return RuleBook(RULES_DIR)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "tally.duckdb"


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    with Store(str(db_path)) as opened:
        yield opened


@pytest.fixture(scope="session")
def seeded_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A DuckDB file with every fixture loaded by ``load_directory``, made once per session."""
    path = tmp_path_factory.mktemp("seeded") / "seeded.duckdb"
    with Store(str(path)) as opened:
        load_directory(opened, FIXTURES_DIR, RuleBook(RULES_DIR))
    return path


@pytest.fixture
def seeded_store(seeded_file: Path, tmp_path: Path) -> Iterator[Store]:
    """A store of its own holding every fixture: a copy of the session's seeded file.

    Copying a closed DuckDB file is a byte copy; loading the fixtures again in
    every test would only repeat ``load_directory`` (tested in test_loading.py).
    """
    path = tmp_path / "seeded.duckdb"
    shutil.copyfile(seeded_file, path)
    with Store(str(path)) as opened:
        yield opened


# --- in-process HTTP -----------------------------------------------------------------


@pytest.fixture
def client(store: Store, rules: RuleBook) -> Iterator[TestClient]:
    with make_client(store, rules) as test_client:
        yield test_client


@pytest.fixture
def seeded_client(seeded_store: Store, rules: RuleBook) -> Iterator[TestClient]:
    with make_client(seeded_store, rules) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def seeded_reader(seeded_file: Path, tmp_path_factory: pytest.TempPathFactory, rules: RuleBook) -> Iterator[TestClient]:
    """A seeded client shared by a module's tests that only read (GET, POST /check, /rules/validate)."""
    path = tmp_path_factory.mktemp("reader") / "seeded.duckdb"
    shutil.copyfile(seeded_file, path)
    with Store(str(path)) as opened, make_client(opened, rules) as test_client:
        yield test_client


# --- a real server on 127.0.0.1 --------------------------------------------------------


@contextlib.contextmanager
def serving(store: Store, rules: RuleBook, **settings: object) -> Iterator[str]:
    """Run the app under uvicorn in a thread; yield its base URL; stop it on exit.

    The listening socket is bound here (port 0: the OS picks a free port), so the
    URL is known before the server starts; readiness is an event uvicorn's start-up
    sets, waited on with a deadline.
    """
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    host, port = listener.getsockname()
    app = create_app(msgspec.structs.replace(settings_for(store.path), **settings), store, rules)
    config = uvicorn.Config(app, log_level="warning", lifespan="on", proxy_headers=False)  # as `tally serve` runs it
    server = _SignallingServer(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    try:
        _wait_until_started(server, thread)
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(SERVER_START_DEADLINE)
        listener.close()
    assert not thread.is_alive(), "uvicorn did not stop"


class _SignallingServer(uvicorn.Server):
    """uvicorn's server, with an event set once it listens (or once it gave up)."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        try:
            await super().startup(sockets=sockets)
        finally:
            self.ready.set()


def _wait_until_started(server: _SignallingServer, thread: threading.Thread) -> None:
    if not server.ready.wait(SERVER_START_DEADLINE) or not server.started:
        raise RuntimeError(f"uvicorn did not start within {SERVER_START_DEADLINE} s (thread alive: {thread.is_alive()})")


@pytest.fixture
def start_server(rules: RuleBook) -> ServerStarter:
    """``with start_server(store) as base_url:`` — enter as often as a test needs; ``start_server(store, write_token=...)`` changes settings."""
    return lambda store, **settings: serving(store, rules, **settings)


@pytest.fixture(scope="module")
def seeded_server(tmp_path_factory: pytest.TempPathFactory, rules: RuleBook) -> Iterator[str]:
    """One real server over a store with every fixture loaded, shared by a module's read-mostly tests."""
    path = tmp_path_factory.mktemp("served") / "tally.duckdb"
    with Store(str(path)) as opened:
        load_directory(opened, FIXTURES_DIR, rules)
        with serving(opened, rules) as base_url:
            yield base_url


# --- a real browser -----------------------------------------------------------------------

CHROMIUM = Path(os.environ.get("TALLY_CHROMIUM", "/usr/bin/chromium"))
# Generous: on a shared two-core machine a page can take seconds to answer, and a slow
# machine is not a broken page.  A page that never shows what a test waits for still fails.
BROWSER_TIMEOUT_MS = 90_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's chromium, driven by Playwright (which cannot download its own browsers here), once per module.

    Without one, every browser test fails saying so: a browser test that quietly
    skips would look like one that passed.
    """
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.fail(f"no chromium at {CHROMIUM}: run `make test` (it installs Debian's chromium) or set TALLY_CHROMIUM")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture(params=[1280, 360], ids=["desk", "phone"])
def page(request: pytest.FixtureRequest, browser: Any) -> Iterator[Any]:
    """A page at a desk's width and at a phone's: each test that takes it runs at both (a module may define its own)."""
    context = browser.new_context(viewport={"width": request.param, "height": 800})
    context.set_default_timeout(BROWSER_TIMEOUT_MS)
    yield context.new_page()
    context.close()


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    """A browser context as wide as a phone, the narrowest a desk uses."""
    context = browser.new_context(viewport={"width": 360, "height": 800})
    context.set_default_timeout(BROWSER_TIMEOUT_MS)
    yield context
    context.close()
