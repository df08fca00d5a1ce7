"""Who may write, and from where (service/api/access.py): tokens, loopback hosts, the desk's session and CSRF, size limits.

Each app here is the real one, built with the settings under test, over a real store;
the suite's other apps have no token set (loopback mode) and are reached as 127.0.0.1.
"""

from __future__ import annotations

import hmac
import inspect
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
from click.testing import CliRunner
from litestar.testing import TestClient

from service.app import create_app
from service.cli import main
from service.rules.book import RuleBook
from service.store import Store
from tests.helpers import LOOPBACK, SOURCE, assert_problem, claim_body, desk_post, settings_for

WRITE, ADMIN = "w-" + "1" * 30, "a-" + "2" * 30
BEARER_WRITE, BEARER_ADMIN = {"Authorization": f"Bearer {WRITE}"}, {"Authorization": f"Bearer {ADMIN}"}


@pytest.fixture
def app_with(store: Store, rules: RuleBook) -> Iterator[Any]:
    """``with app_with(write_token=...) as client:``: the app over the test's store, with these settings."""
    opened: list[TestClient] = []

    def make(base_url: str = LOOPBACK, **changes: Any) -> TestClient:
        client = TestClient(create_app(msgspec.structs.replace(settings_for(store.path), **changes), store, rules), base_url=base_url)
        opened.append(client)
        return client

    yield make
    for client in opened:
        client.__exit__(None, None, None)


@pytest.fixture
def guarded(app_with: Any) -> TestClient:
    """Both tokens set, a source stored with the write token."""
    client = app_with(write_token=WRITE, admin_token=ADMIN).__enter__()
    assert client.post("/sources", json=SOURCE, headers=BEARER_WRITE).status_code == 201
    return client


def _stored_claims(client: TestClient) -> tuple[str, str]:
    """Two claims: one to retract, one to correct."""
    ids = []
    for figure in ("5 millions de dirhams", "4 millions de dirhams"):
        response = client.post("/claims", json=claim_body(figure, figure=figure), headers=BEARER_WRITE)
        assert response.status_code == 201, response.text
        ids.append(response.json()["claim"]["id"])
    return ids[0], ids[1]


def writes(claim_ids: tuple[str, str]) -> list[tuple[str, Any]]:
    """Every write of the JSON API, with a body it would take."""
    return [
        ("/sources", {**SOURCE, "id": "other"}),
        ("/claims", claim_body("6 millions", figure="6 millions de dirhams")),
        ("/claims/batch", [claim_body("7 millions", figure="7 millions de dirhams")]),
        (f"/claims/{claim_ids[0]}/retract", {"by": "desk", "reason": "entered twice"}),
        (f"/claims/{claim_ids[1]}/correct", claim_body("8 millions", figure="8 millions de dirhams") | {"by": "desk", "reason": "typo"}),
        ("/rules/reload", None),
    ]


# --- bearer tokens on the JSON API ------------------------------------------------------------


def test_reads_are_open_with_tokens_set(guarded: TestClient) -> None:
    for path in ("/claims", "/sources", "/verdicts", "/rules", "/", "/desk/new", "/health"):
        assert guarded.get(path).status_code == 200, path


def test_every_write_without_a_token_is_a_401_saying_how_to_authenticate(guarded: TestClient) -> None:
    claim_ids = _stored_claims(guarded)
    for path, body in writes(claim_ids):
        response = guarded.post(path, json=body)
        assert_problem(response, 401, "Authorization")
        assert response.headers["www-authenticate"] == 'Bearer realm="tally"', path
    assert guarded.get("/claims").headers["x-total-count"] == "2", "nothing was written"
    assert guarded.get(f"/claims/{claim_ids[0]}").json().get("retracted") is None


@pytest.mark.parametrize("authorization", [f"Bearer {WRITE}x", f"Bearer {WRITE[:-1]}", "Bearer nope", f"Basic {WRITE}", f"Bearer {WRITE.upper()}"])
def test_a_wrong_token_is_a_401(guarded: TestClient, authorization: str) -> None:
    response = guarded.post("/claims", json=claim_body("6 millions", figure="6 millions de dirhams"), headers={"Authorization": authorization})
    assert_problem(response, 401, "Authorization")
    assert response.headers["www-authenticate"].startswith('Bearer realm="tally"')


def test_the_write_token_opens_every_write_but_rule_changes(guarded: TestClient) -> None:
    for path, body in writes(_stored_claims(guarded)):
        response = guarded.post(path, json=body, headers=BEARER_WRITE)
        if path == "/rules/reload":
            assert_problem(response, 403, "Authorization")
        else:
            assert response.status_code in (200, 201), (path, response.text)


def test_the_admin_token_changes_the_rules_and_writes(guarded: TestClient) -> None:
    assert guarded.post("/rules/reload", headers=BEARER_ADMIN).status_code == 200
    assert guarded.post("/claims", json=claim_body("6 millions", figure="6 millions de dirhams"), headers=BEARER_ADMIN).status_code == 201


def test_with_the_write_token_alone_rule_changes_are_refused_to_everyone(app_with: Any) -> None:
    with app_with(write_token=WRITE) as client:
        assert_problem(client.post("/rules/reload"), 401, "Authorization")
        body = assert_problem(client.post("/rules/reload", headers=BEARER_WRITE), 403, "Authorization")
        assert "TALLY_ADMIN_TOKEN" in body["detail"]


def test_every_guard_runs_on_the_event_loop(app_with: Any) -> None:
    """A plain function guard is run in Litestar's thread pool: a POST /claims passed four, four hops to a
    thread and back before its handler ran (each a wait for a thread under load).  Ours are coroutines."""
    with app_with(write_token=WRITE, admin_token=ADMIN) as client:
        guards = {guard for route in client.app.routes for handler in getattr(route, "route_handlers", []) for guard in handler.resolve_guards()}
    assert guards
    ours = {getattr(guard, "func", guard): guard for guard in guards if getattr(guard, "func", guard).__module__.startswith("service.")}
    assert {function.__name__ for function in ours} >= {"writers", "admins", "body_within_limit", "accept_media_type", "desk_signed_in"}
    assert [function.__name__ for function, guard in ours.items() if not inspect.iscoroutinefunction(guard)] == []


def test_dry_runs_stay_open(guarded: TestClient) -> None:
    assert guarded.post("/check", json=claim_body("6 millions", figure="6 millions de dirhams")).status_code == 200
    assert guarded.post("/rules/validate", content=Path("rules/same-figure.yaml").read_bytes(), headers={"content-type": "application/yaml"}).status_code == 200
    assert guarded.get("/claims").headers["x-total-count"] == "0"


def test_tokens_are_compared_in_constant_time(guarded: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    compared: list[int] = []
    real = hmac.compare_digest

    def spy(a: Any, b: Any) -> bool:
        compared.append(len(a))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    assert guarded.post("/rules/reload", headers={"Authorization": "Bearer x"}).status_code == 401
    assert len(compared) == 2 and set(compared) == {32}, "both tokens compared, as equal-length digests"


@pytest.mark.parametrize("token", ["short", "0123456789abcde"])
def test_a_token_too_short_to_hold_stops_the_app(app_with: Any, token: str) -> None:
    with pytest.raises(ValueError, match="at least 16"):
        app_with(write_token=token)


# --- no token: this machine alone ---------------------------------------------------------


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.1:8000", "localhost", "LOCALHOST:8000", "[::1]", "[::1]:8000"])
def test_without_tokens_loopback_hosts_are_answered_and_may_write(client: TestClient, host: str) -> None:
    assert client.get("/claims", headers={"Host": host}).status_code == 200
    assert client.post("/sources", json=SOURCE, headers={"Host": host}).status_code in (201, 409)


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "127.0.0.1.nip.io", "localhost.evil.example", "testserver.local", "0.0.0.0:8000"])
def test_without_tokens_any_other_host_is_a_421_for_reads_and_writes(client: TestClient, host: str) -> None:
    assert_problem(client.get("/claims", headers={"Host": host}), 421, "Host")
    assert_problem(client.get("/", headers={"Host": host}), 421, "Host")
    assert_problem(client.post("/sources", json=SOURCE, headers={"Host": host}), 421, "Host")
    assert client.get("/sources").headers["x-total-count"] == "0"


def test_with_tokens_set_the_service_answers_its_public_name(app_with: Any) -> None:
    with app_with(base_url="https://tally.newsroom.example", write_token=WRITE) as client:
        assert client.get("/claims").status_code == 200


def test_serve_refuses_a_public_interface_without_tokens_in_one_line(tmp_path: Path) -> None:
    db = tmp_path / "never.duckdb"
    result = CliRunner().invoke(main, ["serve", "--host", "0.0.0.0", "--db", str(db), "--no-fixtures"], env={"TALLY_WRITE_TOKEN": "", "TALLY_ADMIN_TOKEN": ""})
    assert result.exit_code == 2
    assert "refusing to listen on 0.0.0.0 without a token" in result.output and result.output.count("\n") == 1, result.output
    assert not db.exists(), "a refused start writes nothing"


@pytest.mark.parametrize(("env", "host", "says"), [
    ({}, "127.0.0.1", "listening on loopback only"),
    ({}, "::1", "listening on loopback only"),
    ({"TALLY_WRITE_TOKEN": WRITE}, "0.0.0.0", "Tally on http://0.0.0.0"),
])
def test_serve_starts_on_loopback_or_with_a_token(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, env: dict[str, str], host: str, says: str) -> None:
    import uvicorn

    started: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: started.update(options))  # uvicorn itself is not under test
    environment = {"TALLY_WRITE_TOKEN": "", "TALLY_ADMIN_TOKEN": ""} | env
    result = CliRunner().invoke(main, ["serve", "--host", host, "--db", str(tmp_path / "t.duckdb"), "--no-fixtures"], env=environment)
    assert result.exit_code == 0, result.output
    assert says in result.output
    assert started["host"] == host


# --- the desk: a session signed in with the token, forms carrying the CSRF token -------------------


def test_the_desk_refuses_to_write_until_signed_in(guarded: TestClient) -> None:
    refused = desk_post(guarded, "/desk/new", {**claim_body("9 millions", figure="9 millions de dirhams"), "action": "store"})
    assert refused.status_code == 401 and "Sign in to write" in refused.text
    assert refused.headers["www-authenticate"] == 'Bearer realm="tally"'
    assert guarded.get("/claims").headers["x-total-count"] == "0"
    wrong = desk_post(guarded, "/desk/sign-in", {"token": "not-it", "next": "/desk/new"})
    assert wrong.status_code == 401 and "not a token this service accepts" in wrong.text
    signed = desk_post(guarded, "/desk/sign-in", {"token": WRITE, "next": "/desk/new"})
    assert signed.status_code == 200 and signed.url.path == "/desk/new"
    stored = desk_post(guarded, "/desk/new", {**claim_body("9 millions", figure="9 millions de dirhams"), "action": "store"})
    assert stored.status_code == 200 and "stored as c-" in stored.text
    assert guarded.get("/claims").headers["x-total-count"] == "1"
    desk_post(guarded, "/desk/sign-out", {})
    assert desk_post(guarded, "/desk/new", {**claim_body("10 millions"), "action": "store"}).status_code == 401


def test_the_session_is_not_a_bearer_token_for_the_json_api(guarded: TestClient) -> None:
    desk_post(guarded, "/desk/sign-in", {"token": WRITE, "next": "/"})
    assert "tally-session" in guarded.cookies
    assert_problem(guarded.post("/claims", json=claim_body("6 millions")), 401, "Authorization")


@pytest.mark.parametrize(("public_url", "secure"), [("http://127.0.0.1:8000", False), ("https://tally.newsroom.example", True)])
def test_the_session_cookie_is_httponly_strict_and_secure_behind_https(app_with: Any, public_url: str, secure: bool) -> None:
    with app_with(base_url=public_url if secure else LOOPBACK, write_token=WRITE, public_url=public_url) as client:
        assert "tally-session" not in client.get("/desk/new").headers.get("set-cookie", ""), "no session before signing in"
        signed = desk_post(client, "/desk/sign-in", {"token": WRITE, "next": "/"}).history[0]
        [cookie] = [c for c in signed.headers.get_list("set-cookie") if c.startswith("tally-session=")]
        attributes = {part.strip().lower() for part in cookie.split(";")}
        assert {"httponly", "samesite=strict"} <= attributes
        assert ("secure" in attributes) is secure


def test_signing_in_starts_a_session_of_its_own(guarded: TestClient, app_with: Any) -> None:
    planted = "f" * 64  # an id set in the desk's browser before it signs in (session fixation)
    guarded.cookies.set("tally-session", planted)
    signed = desk_post(guarded, "/desk/sign-in", {"token": WRITE, "next": "/desk/new"}).history[0]
    [cookie] = [c for c in signed.headers.get_list("set-cookie") if c.startswith("tally-session=")]
    assert planted not in cookie
    guarded.cookies.clear()
    guarded.cookies.set("tally-session", planted)  # the planter, with its own id
    assert desk_post(guarded, "/desk/new", {**claim_body("9 millions"), "action": "store"}).status_code == 401


@pytest.mark.parametrize("back_to", ["//evil.example/", "https://evil.example/", "/\\evil.example"])
def test_signing_in_never_sends_the_desk_to_another_site(guarded: TestClient, back_to: str) -> None:
    signed = desk_post(guarded, "/desk/sign-in", {"token": WRITE, "next": back_to})
    assert signed.history[0].headers["location"] == "/"


@pytest.mark.parametrize("token", [None, "forged"])
def test_a_desk_form_without_its_csrf_token_is_refused(client: TestClient, token: str | None) -> None:
    client.get("/desk/new")  # the CSRF cookie is set; a cross-site page cannot read it to fill the form
    form = {**claim_body("9 millions"), "action": "store"} | ({"_csrf_token": token} if token else {})
    assert_problem(client.post("/desk/new", data=form), 403)
    assert client.get("/claims").headers["x-total-count"] == "0"


def test_every_desk_form_carries_the_csrf_token(seeded_client: TestClient) -> None:
    claim_id = seeded_client.get("/claims", params={"limit": 1}).json()[0]["id"]
    for path in ("/desk/new", f"/desk/claims/{claim_id}"):
        page = seeded_client.get(path).text
        assert page.count("<form method=\"post\"") == page.count('name="_csrf_token" value="' + seeded_client.cookies["tally-csrf"]), path


def test_anonymous_requests_keep_no_session(guarded: TestClient) -> None:
    for path in ("/", "/claims", "/desk/new"):
        assert "tally-session" not in guarded.get(path).headers.get("set-cookie", ""), path


# --- size limits --------------------------------------------------------------------------------


def test_a_body_over_the_limit_is_a_413_naming_it(app_with: Any) -> None:
    with app_with(max_body_bytes=1_000) as client:
        client.post("/sources", json=SOURCE)
        body = claim_body("x" * 2_000)
        problem = assert_problem(client.post("/claims", json=body), 413, "body")
        assert "1,000" in problem["detail"] and "TALLY_MAX_BODY_BYTES" in problem["detail"]
        assert client.post("/claims", json=claim_body("small")).status_code == 201


def test_a_body_of_undeclared_length_over_the_limit_is_a_413(app_with: Any) -> None:
    with app_with(max_body_bytes=1_000) as client:
        client.post("/sources", json=SOURCE)
        chunks = iter([json.dumps(claim_body("x" * 2_000)).encode()])  # no Content-Length: sent chunked
        response = client.post("/claims", content=chunks, headers={"content-type": "application/json"})
        assert response.status_code == 413 and response.headers["content-type"].startswith("application/problem+json")
        assert client.get("/claims").headers["x-total-count"] == "0"


def test_the_default_body_limit_is_a_few_mib(client: TestClient) -> None:
    assert_problem(client.post("/claims", content=b" " * (5 * 1024 * 1024), headers={"content-type": "application/json"}), 413, "body")


def test_a_batch_over_the_limit_is_a_413_naming_it_and_stores_nothing(app_with: Any) -> None:
    with app_with(max_batch_claims=3) as client:
        client.post("/sources", json=SOURCE)
        lines = [json.dumps(claim_body(f"{n} millions", figure=f"{n} millions de dirhams")) for n in range(1, 5)]
        for content, media in (("\n".join(lines), "application/x-ndjson"), ("[" + ",".join(lines) + "]", "application/json")):
            problem = assert_problem(client.post("/claims/batch", content=content.encode(), headers={"content-type": media}), 413, "body")
            assert "at most 3" in problem["detail"] and "TALLY_MAX_BATCH_CLAIMS" in problem["detail"]
        assert client.get("/claims").headers["x-total-count"] == "0"
        three = "\n".join(lines[:3]).encode()
        assert client.post("/claims/batch", content=three, headers={"content-type": "application/x-ndjson"}).json()["claims_added"] == 3
