"""Slow clients (service/api/deadline.py): a body not arrived within TALLY_BODY_TIMEOUT_SECONDS is a 408, and its connection closed.

Each case is a raw socket to a real server on 127.0.0.1, sending the request's head at
once and its body a few bytes at a time, while another thread keeps asking ``/health``.
"""

from __future__ import annotations

import json
import threading
import time

import httpx
import msgspec
import pytest

from service.app import create_app
from service.rules.book import RuleBook
from service.settings import Settings
from service.store import Store
from tests.helpers import SOURCE, ServerStarter, assert_problem, claim_body, settings_for
from tests.raw_http import RawClient, raw_client, watching_health

DEADLINE = 2.0  # seconds; the default is 30
JSON = {"content-type": "application/json"}


def drip(client: RawClient, body: bytes, every: float) -> None:
    """Send the body a byte at a time until the server answers (or the body is all sent)."""
    for byte in body:
        if client.answered(wait=every):
            return
        client.send(bytes([byte]))


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
def test_a_body_sent_a_byte_at_a_time_is_a_408_and_the_connection_is_closed(store: Store, start_server: ServerStarter, framing: str) -> None:
    body = json.dumps(claim_body("sent slowly")).encode()
    length = {"content-length": str(len(body))} if framing == "content-length" else {"transfer-encoding": "chunked"}
    with start_server(store, body_timeout_seconds=DEADLINE) as base_url, watching_health(base_url) as health, raw_client(base_url) as client:
        client.head("POST", "/check", {**JSON, **length})
        drip(client, body, every=0.25)
        answer = client.answer()
        assert answer.status == 408, answer
        assert answer.headers["content-type"].startswith("application/problem+json")
        problem = answer.json()
        assert problem["errors"][0]["field"] == "body" and "TALLY_BODY_TIMEOUT_SECONDS" in problem["detail"]
        # Answered at the deadline: not before it, and not never, as before (generous upper bound for a loaded machine).
        assert DEADLINE - 0.1 <= answer.seconds < DEADLINE + 8, answer.seconds
        assert answer.headers.get("connection") == "close"
        assert client.closed_by_server()
    assert health.seconds and not health.failures and health.slowest < 2, health  # the wait held nothing


def test_many_slow_clients_at_once_hold_neither_the_loop_nor_each_other(store: Store, start_server: ServerStarter) -> None:
    answers: list[int] = []

    def slow_client(base_url: str) -> None:
        with raw_client(base_url) as client:
            client.head("POST", "/check", {**JSON, "content-length": "100"})
            drip(client, b"{" * 100, every=0.5)
            answers.append(client.answer().status)

    with start_server(store, body_timeout_seconds=DEADLINE) as base_url, watching_health(base_url) as health:
        started = time.perf_counter()
        clients = [threading.Thread(target=slow_client, args=(base_url,)) for _ in range(20)]
        for thread in clients:
            thread.start()
        for thread in clients:
            thread.join(60)
        seconds = time.perf_counter() - started
    assert answers == [408] * 20
    assert seconds < DEADLINE + 15, seconds  # all cut off at about the same deadline, not one after another
    assert health.slowest < 2, health


def test_a_body_that_arrives_in_time_is_read_whole(store: Store, start_server: ServerStarter) -> None:
    body = json.dumps(claim_body("sent in pieces")).encode()
    with start_server(store, body_timeout_seconds=DEADLINE) as base_url, raw_client(base_url) as client:
        client.head("POST", "/sources", {**JSON, "content-length": str(len(json.dumps(SOURCE)))})
        client.send(json.dumps(SOURCE).encode())
        client.end()
        assert client.answer().status == 201
        client.head("POST", "/check", {**JSON, "content-length": str(len(body))})
        for start in range(0, len(body), len(body) // 3 + 1):  # three pieces, well within the deadline
            time.sleep(0.2)
            client.send(body[start : start + len(body) // 3 + 1])
        client.end()
        answer = client.answer()
        assert answer.status == 200, answer
        assert answer.headers.get("connection") != "close"  # the connection stays open for the next request


def test_a_response_refused_before_its_body_arrived_comes_at_once(store: Store, start_server: ServerStarter) -> None:
    with start_server(store, write_token="w" * 24) as base_url, raw_client(base_url) as client:
        client.head("POST", "/claims", {**JSON, "content-length": str(32 * 1024)})
        answer = client.answer()  # the 32 KB were never sent: the 401 does not wait for them
        assert answer.status == 401, answer


def test_a_refused_body_already_sent_does_not_cost_the_client_its_answer(seeded_server: str) -> None:
    """A server that closes a socket holding unread bytes sends a TCP reset, which can destroy the answer
    on its way: a 413 for a body already sent whole reaches the client, on a connection used before and after."""
    with httpx.Client(base_url=seeded_server) as client:
        for _ in range(3):
            assert client.get("/health").status_code == 200
            refused = client.post("/claims", content=b" " * (5 * 1024 * 1024), headers=JSON)
            assert_problem(refused, 413, "body")


def test_the_deadline_is_a_setting_above_zero(store: Store, rules: RuleBook) -> None:
    assert Settings().body_timeout_seconds == 30.0
    assert Settings.from_env({"TALLY_BODY_TIMEOUT_SECONDS": "2.5"}).body_timeout_seconds == 2.5
    for seconds in (0.0, -1.0, float("nan")):
        with pytest.raises(ValueError, match="TALLY_BODY_TIMEOUT_SECONDS"):
            create_app(msgspec.structs.replace(settings_for(store.path), body_timeout_seconds=seconds), store, rules)


def test_the_docs_say_what_the_server_bounds_and_what_the_proxy_must() -> None:
    from service.cli import UVICORN_LIMITS
    from tests.helpers import ROOT

    security = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    proxy = security.split("\n## Behind a reverse proxy\n")[1].split("\n## ")[0]
    for name, value in UVICORN_LIMITS.items():
        assert f"{name}={value}" in proxy, name
    for directive in ("client_header_timeout", "client_body_timeout", "client_max_body_size", "proxy_request_buffering"):
        assert directive in proxy, directive
