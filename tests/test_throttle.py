"""Guessing tokens (service/api/throttle.py): failed authentications counted per client address.

Over a real server on 127.0.0.1; a second client binds its socket to 127.0.0.2, another
address of this machine, to show that one throttled address does not lock out the rest.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import msgspec
import pytest
from click.testing import CliRunner

from service.api.throttle import MAX_ADDRESSES, WINDOW_SECONDS, FailedAuthentications, client_address
from service.app import create_app
from service.cli import main
from service.rules.book import RuleBook
from service.store import Store
from tests.helpers import SOURCE, ServerStarter, assert_problem, claim_body, settings_for

WRITE = "w-" + "3" * 30
LIMIT = 3
RIGHT, WRONG = {"Authorization": f"Bearer {WRITE}"}, {"Authorization": "Bearer " + "x" * 32}
OTHER_ADDRESS = "127.0.0.2"


@contextmanager
def client_from(base_url: str, address: str = "127.0.0.1") -> Iterator[httpx.Client]:
    """An httpx client whose connections leave from ``address`` (a loopback address of this machine)."""
    with httpx.Client(base_url=base_url, transport=httpx.HTTPTransport(local_address=address)) as client:
        yield client


@pytest.fixture
def guarded_server(store: Store, start_server: ServerStarter) -> Iterator[str]:
    """A real server with a write token, LIMIT failures a minute, and a source stored."""
    with start_server(store, write_token=WRITE, auth_failures_per_minute=LIMIT) as base_url:
        assert httpx.post(base_url + "/sources", json=SOURCE, headers=RIGHT).status_code == 201
        yield base_url


def _post_claim(client: httpx.Client, n: int, headers: dict[str, str]) -> httpx.Response:
    return client.post("/claims", json=claim_body(f"{n} millions", figure=f"{n} millions de dirhams"), headers=headers)


def _exhaust(client: httpx.Client, headers: dict[str, str] | None = None) -> None:
    """LIMIT wrong tokens, each a 401."""
    for n in range(LIMIT):
        assert_problem(_post_claim(client, 100 + n, WRONG | (headers or {})), 401, "Authorization")


def assert_throttled(response: httpx.Response, field: str) -> int:
    problem = assert_problem(response, 429, field)
    wait = int(response.headers["retry-after"])
    assert 1 <= wait <= WINDOW_SECONDS, wait
    assert "TALLY_AUTH_FAILURES_PER_MINUTE" in problem["detail"]
    return wait


def test_past_the_limit_a_wrong_bearer_token_is_a_429_with_retry_after(guarded_server: str) -> None:
    with client_from(guarded_server) as guesser:
        # Before, 300 wrong tokens were 300 answers of 401 in 0.4 s: as many guesses.
        statuses = [_post_claim(guesser, n, {"Authorization": f"Bearer guess-{n:04d}-{'y' * 20}"}).status_code for n in range(300)]
        assert statuses == [401] * LIMIT + [429] * (300 - LIMIT)
        assert_throttled(_post_claim(guesser, 1, WRONG), "Authorization")
        assert guesser.get("/claims").status_code == 200, "reads stay open"


def test_a_throttled_address_is_refused_even_the_right_token_and_another_address_keeps_working(guarded_server: str) -> None:
    with client_from(guarded_server) as guesser, client_from(guarded_server, OTHER_ADDRESS) as desk:
        _exhaust(guesser)
        # Were the right token let through, the throttle would tell the guesser when it hit.
        assert_throttled(_post_claim(guesser, 1, RIGHT), "Authorization")
        stored = _post_claim(desk, 2, RIGHT)
        assert stored.status_code == 201, stored.text
        assert_problem(_post_claim(desk, 3, WRONG), 401, "Authorization")  # its own count, one failure so far
        assert _post_claim(desk, 4, RIGHT).status_code == 201
    assert httpx.get(guarded_server + "/claims").headers["x-total-count"] == "2"


def test_a_missing_token_is_not_a_guess(guarded_server: str) -> None:
    with client_from(guarded_server) as client:
        for n in range(LIMIT + 2):
            assert_problem(_post_claim(client, n, {}), 401, "Authorization")
        assert _post_claim(client, 9, RIGHT).status_code == 201


def _sign_in(client: httpx.Client, token: str) -> httpx.Response:
    if "tally-csrf" not in client.cookies:
        client.get("/desk/sign-in")
    return client.post("/desk/sign-in", data={"token": token, "next": "/desk/new", "_csrf_token": client.cookies["tally-csrf"]})


def test_wrong_desk_sign_ins_are_throttled_per_address(guarded_server: str) -> None:
    with client_from(guarded_server) as guesser, client_from(guarded_server, OTHER_ADDRESS) as desk:
        for _ in range(LIMIT):
            wrong = _sign_in(guesser, "not-the-token")
            assert wrong.status_code == 401 and "not a token this service accepts" in wrong.text
        assert_throttled(_sign_in(guesser, "not-the-token"), "token")
        assert_throttled(_sign_in(guesser, WRITE), "token")
        signed = _sign_in(desk, WRITE)
        assert signed.status_code == 303 and signed.headers["location"] == "/desk/new"
        assert "tally-session" in desk.cookies


def test_sign_ins_and_bearer_tokens_share_one_count(guarded_server: str) -> None:
    with client_from(guarded_server) as guesser:
        _sign_in(guesser, "not-the-token")
        for n in range(LIMIT - 1):
            assert_problem(_post_claim(guesser, n, WRONG), 401, "Authorization")
        assert_throttled(_sign_in(guesser, WRITE), "token")


# --- behind a reverse proxy ---------------------------------------------------------------


def test_x_forwarded_for_is_ignored_from_a_peer_not_named_a_proxy(guarded_server: str) -> None:
    with client_from(guarded_server) as guesser:
        for n in range(LIMIT):  # a new forwarded address each time: it would reset a count that believed it
            assert_problem(_post_claim(guesser, n, WRONG | {"X-Forwarded-For": f"198.51.100.{n}"}), 401, "Authorization")
        assert_throttled(_post_claim(guesser, 9, RIGHT | {"X-Forwarded-For": "198.51.100.99"}), "Authorization")


def test_behind_a_trusted_proxy_each_forwarded_client_counts_alone(store: Store, start_server: ServerStarter) -> None:
    with start_server(store, write_token=WRITE, auth_failures_per_minute=LIMIT, trusted_proxies="127.0.0.1, 10.0.0.0/8") as base_url:
        with client_from(base_url) as proxy, client_from(base_url, OTHER_ADDRESS) as not_a_proxy:
            assert proxy.post("/sources", json=SOURCE, headers=RIGHT).status_code == 201
            _exhaust(proxy, {"X-Forwarded-For": "198.51.100.7"})
            assert_throttled(_post_claim(proxy, 1, RIGHT | {"X-Forwarded-For": "198.51.100.7"}), "Authorization")
            # the guesser cannot pass for someone else: the proxy appends the address it saw, the right-most untrusted one counts
            spoofed = {"X-Forwarded-For": "203.0.113.5, 198.51.100.7"}
            assert_throttled(_post_claim(proxy, 2, RIGHT | spoofed), "Authorization")
            # a chain of trusted proxies (10.0.0.3 in front of 127.0.0.1) is looked through
            assert_throttled(_post_claim(proxy, 3, RIGHT | {"X-Forwarded-For": "198.51.100.7, 10.0.0.3"}), "Authorization")
            # another client of the same proxy writes
            assert _post_claim(proxy, 4, RIGHT | {"X-Forwarded-For": "198.51.100.8"}).status_code == 201
            # 127.0.0.2 is not a trusted proxy: what it forwards is not believed, it counts as itself
            _exhaust(not_a_proxy, {"X-Forwarded-For": "198.51.100.9"})
            assert_throttled(_post_claim(not_a_proxy, 5, RIGHT | {"X-Forwarded-For": "198.51.100.10"}), "Authorization")
            assert _post_claim(proxy, 6, RIGHT | {"X-Forwarded-For": "198.51.100.9"}).status_code == 201


@pytest.mark.parametrize("setting", ["*", "proxy.example", "10.0.0.0/33", "127.0.0.1, nope"])
def test_trusted_proxies_must_be_addresses_or_networks(store: Store, rules: RuleBook, setting: str) -> None:
    with pytest.raises(ValueError, match="TALLY_TRUSTED_PROXIES"):
        create_app(msgspec.structs.replace(settings_for(store.path), write_token=WRITE, trusted_proxies=setting), store, rules)


def test_the_limit_must_be_at_least_one(store: Store, rules: RuleBook) -> None:
    with pytest.raises(ValueError, match="TALLY_AUTH_FAILURES_PER_MINUTE"):
        create_app(msgspec.structs.replace(settings_for(store.path), auth_failures_per_minute=0), store, rules)


# --- the counter itself, on a clock the test turns -----------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_window_slides_and_retry_after_says_when_the_oldest_failure_ages_out() -> None:
    clock = Clock()
    failures = FailedAuthentications(3, clock=clock)
    for step in (0, 10, 20):
        clock.now = 1000 + step
        assert failures.wait_for("192.0.2.1") == 0
        failures.failed("192.0.2.1")
    assert failures.wait_for("192.0.2.1") == 40  # the failure at 1000 ages out at 1060
    assert failures.wait_for("192.0.2.2") == 0
    clock.now = 1060.5
    assert failures.wait_for("192.0.2.1") == 0  # one more try, then the failure at 1010 holds it
    failures.failed("192.0.2.1")
    assert failures.wait_for("192.0.2.1") == 10


def test_the_table_of_addresses_is_bounded() -> None:
    clock = Clock()
    failures = FailedAuthentications(2, clock=clock, capacity=100)
    for n in range(1_000):
        failures.failed(f"198.51.{n // 256}.{n % 256}")
    assert len(failures._failures) == 100
    assert MAX_ADDRESSES == 10_000


@pytest.mark.parametrize(("peer", "counted_as"), [
    ("192.0.2.7", "192.0.2.7"),
    ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),  # one host usually holds a whole /64
    ("::ffff:192.0.2.7", "192.0.2.7"),
    ("testclient", "testclient"),
])
def test_the_address_a_failure_counts_against(peer: str, counted_as: str) -> None:
    assert client_address({"client": (peer, 50000)}) == counted_as


def test_no_peer_counts_as_one_address() -> None:
    assert client_address({"client": None}) == client_address({})


def test_tally_serve_leaves_x_forwarded_for_to_the_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """uvicorn's own --proxy-headers would believe X-Forwarded-For from 127.0.0.1 before the app sees the request."""
    import uvicorn

    started: dict[str, object] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: started.update(options))  # uvicorn itself is not under test
    environment = {"TALLY_WRITE_TOKEN": "", "TALLY_ADMIN_TOKEN": ""}
    result = CliRunner().invoke(main, ["serve", "--db", str(tmp_path / "t.duckdb"), "--no-fixtures"], env=environment)
    assert result.exit_code == 0, result.output
    assert started["proxy_headers"] is False
