"""The desk's server-side sessions (service/api/access.py): only an id this server made is ever used.

A cookie naming a session the server does not hold loads nothing, stores nothing and is
never sent back: a client cannot have the server keep an entry per request, nor have an
id of its choosing set.  Measured on ``tally serve`` in a process of its own.
"""

from __future__ import annotations

import secrets
import socket
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from tests.helpers import desk_post, tally_serve

WRITE = "w-" + "5" * 30
REQUESTS = 10_000
BATCH = 500  # requests written at once on one keep-alive connection (HTTP/1.1 pipelining): the server, not the client, sets the pace
GROWTH_LIMIT_MB = 20  # the bound; a stored session per request grew the server by ~72 MB per 10,000


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmRSS for process {pid}")


def _random_cookie_requests(host: str, port: int, count: int) -> list[bytes]:
    """``count`` GET /health, each with a new random session id, pipelined; the answers' heads."""
    heads: list[bytes] = []
    with socket.create_connection((host, port), timeout=60) as connection:
        for start in range(0, count, BATCH):
            size = min(BATCH, count - start)
            connection.sendall(b"".join(
                b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: tally-session=" + secrets.token_hex(32).encode() + b"\r\n\r\n"
                for _ in range(size)
            ))
            received = b""
            while received.count(b"HTTP/1.1 ") < size or not received.endswith(b"}"):
                chunk = connection.recv(1 << 20)
                assert chunk, "the server closed the connection"
                received += chunk
            heads += [answer.split(b"\r\n\r\n", 1)[0] for answer in received.split(b"HTTP/1.1 ")[1:]]
    return heads


def test_unknown_session_ids_are_never_kept_nor_echoed_and_memory_stays_flat(tmp_path: Path) -> None:
    with tally_serve(tmp_path / "sessions.duckdb", "--no-fixtures") as served:
        host, port = served.url.removeprefix("http://").rsplit(":", 1)
        _random_cookie_requests(host, int(port), 500)  # warm-up: lazy imports and caches, not sessions
        before = _rss_mb(served.process.pid)
        heads = _random_cookie_requests(host, int(port), REQUESTS)
        grown = _rss_mb(served.process.pid) - before
    assert len(heads) == REQUESTS and all(head.startswith(b"200 ") for head in heads), heads[:1]
    echoed = [head for head in heads if b"tally-session" in head.lower()]
    assert not echoed, f"{len(echoed)} answers set a session cookie, e.g. {echoed[0]!r}"
    assert grown < GROWTH_LIMIT_MB, f"the server grew by {grown:.1f} MB over {REQUESTS:,} requests with random session ids"


@pytest.fixture
def signed_in(store: Any, rules: Any) -> Any:
    """A desk signed in with the write token, on an app with tokens set."""
    import msgspec

    from service.app import create_app
    from tests.helpers import LOOPBACK, settings_for

    settings = msgspec.structs.replace(settings_for(store.path), write_token=WRITE)
    with TestClient(create_app(settings, store, rules), base_url=LOOPBACK) as client:
        yield client


def _session_cookies(response: Any) -> list[str]:
    return [c for c in response.headers.get_list("set-cookie") if c.startswith("tally-session=")]


def test_an_unknown_id_is_not_echoed_on_any_page(signed_in: TestClient) -> None:
    for path in ("/", "/claims", "/desk/new", "/desk/sign-in", "/health"):
        answer = signed_in.get(path, headers={"Cookie": "tally-session=" + "e" * 64})
        assert not _session_cookies(answer), path


def test_a_session_made_at_sign_in_is_kept_and_renewed_under_its_own_id(signed_in: TestClient) -> None:
    signed = desk_post(signed_in, "/desk/sign-in", {"token": WRITE, "next": "/"}).history[0]
    [cookie] = _session_cookies(signed)
    session_id = cookie.split(";")[0].split("=", 1)[1]
    assert len(session_id) == 64
    [renewed] = _session_cookies(signed_in.get("/desk/new"))  # a known session is sent back as it is
    assert renewed.split(";")[0] == f"tally-session={session_id}"
    assert "Sign out" in signed_in.get("/desk/new").text


def test_signing_out_forgets_the_session(signed_in: TestClient) -> None:
    desk_post(signed_in, "/desk/sign-in", {"token": WRITE, "next": "/"})
    session_id = signed_in.cookies["tally-session"]
    desk_post(signed_in, "/desk/sign-out", {})
    signed_in.cookies.set("tally-session", session_id)  # replayed after signing out
    answer = signed_in.get("/desk/new")
    assert "Sign out" not in answer.text and not _session_cookies(answer)
