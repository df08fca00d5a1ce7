"""Conditional GETs and the render cache (service/api/conditional.py), over a real server on 127.0.0.1.

Every desk page and ClaimReview answer carries an ETag; a matching If-None-Match is a 304
answered without rendering; a claim posted or withdrawn, or the rules reloaded, makes a new
ETag; a page is rendered once per change however many read it at once; and a page signed
in, or holding a form's CSRF token, is never served to anyone else.
"""

from __future__ import annotations

import math
import shutil
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from service.store import Store
from tests.helpers import SOURCE, ServerStarter, claim_body

WRITE, ADMIN = "write-" + "5" * 20, "admin-" + "6" * 20
PAGES = ["/", "/desk/blame", "/desk/rules", "/desk/unchecked", "/subjects/ma.handicraft.exports", "/claimreview"]


@pytest.fixture
def store_copy(seeded_file: Path, tmp_path: Path) -> Iterator[Store]:
    path = tmp_path / "desk.duckdb"
    shutil.copyfile(seeded_file, path)
    with Store(str(path)) as opened:
        yield opened


@pytest.fixture
def served(store_copy: Store, start_server: ServerStarter) -> Iterator[str]:
    with start_server(store_copy, write_token=WRITE, admin_token=ADMIN) as base_url:
        yield base_url


def _admin(base_url: str) -> httpx.Client:
    return httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {ADMIN}"}, timeout=60)


def test_every_desk_page_and_claimreview_carries_an_etag_and_a_match_is_a_304(served: str) -> None:
    with httpx.Client(base_url=served, timeout=60) as reader:
        for path in [*PAGES, _a_verdict_page(reader), _a_verdict_page(reader).replace("/desk/verdicts/", "/verdicts/") + "/claimreview"]:
            first = reader.get(path)
            assert first.status_code == 200, path
            etag = first.headers["etag"]
            assert "Accept-Language" in first.headers["vary"] and "Cookie" in first.headers["vary"]
            again = reader.get(path, headers={"If-None-Match": etag})
            assert again.status_code == 304, path
            assert again.content == b"" and again.headers["etag"] == etag
            assert "content-security-policy" in again.headers, "a 304 carries the headers every answer does"
            assert reader.get(path, headers={"If-None-Match": 'W/"another"'}).status_code == 200


def test_a_304_is_answered_without_rendering(served: str, store_copy: Store) -> None:
    """While the store is held (a long write), a render would wait for it; a 304 does not."""
    with httpx.Client(base_url=served, timeout=60) as reader:
        etag = reader.get("/desk/blame").headers["etag"]
        with store_copy._lock:  # what a recompute holds: every render waits for it
            with pytest.raises(httpx.ReadTimeout):  # the check has teeth: a render is held (generous: 3 s, a 304 takes ms)
                httpx.get(served + "/desk/blame?subject=ma.handicraft.exports", timeout=3)
            assert reader.get("/desk/blame", headers={"If-None-Match": etag}, timeout=30).status_code == 304


def test_a_claim_posted_or_withdrawn_or_the_rules_reloaded_make_a_new_etag(served: str) -> None:
    with httpx.Client(base_url=served, timeout=60) as reader, _admin(served) as admin:
        seen = [reader.get("/").headers["etag"]]

        def changed() -> None:
            answer = reader.get("/", headers={"If-None-Match": seen[-1]})
            assert answer.status_code == 200, "the page changed: not a 304"
            assert answer.headers["etag"] not in seen
            seen.append(answer.headers["etag"])
            assert reader.get("/", headers={"If-None-Match": seen[-1]}).status_code == 304

        assert admin.post("/sources", json=SOURCE).status_code == 201
        changed()
        posted = admin.post("/claims", json=claim_body("les exportations ont atteint 5 millions de dirhams"))
        assert posted.status_code == 201, posted.text
        changed()
        retracted = admin.post(f"/claims/{posted.json()['claim']['id']}/retract", json={"by": "desk", "reason": "typed twice"})
        assert retracted.status_code == 200, retracted.text
        changed()
        assert admin.post("/rules/reload").status_code == 200
        changed()


def test_a_dry_run_and_reads_change_no_etag(served: str) -> None:
    with httpx.Client(base_url=served, timeout=60) as reader, _admin(served) as admin:
        etag = reader.get("/").headers["etag"]
        admin.post("/sources", json=SOURCE)
        etag = reader.get("/").headers["etag"]
        assert admin.post("/check", json=claim_body("les exportations ont atteint 5 millions de dirhams")).status_code == 200
        for path in PAGES:
            reader.get(path)
        reader.get("/claims")
        assert reader.get("/", headers={"If-None-Match": etag}).status_code == 304


def test_a_page_is_rendered_once_for_twenty_readers_at_once(served: str) -> None:
    with _admin(served) as admin:
        admin.post("/sources", json=SOURCE)  # a change: nothing kept of the store before it
    with ThreadPoolExecutor(20) as pool, httpx.Client(base_url=served, timeout=60, limits=httpx.Limits(max_connections=20)) as reader:
        answers = list(pool.map(lambda _: reader.get("/?status=contradicted"), range(20)))
    assert {a.status_code for a in answers} == {200}
    assert [a.headers["x-cache"] for a in answers].count("miss") == 1
    assert len({a.content for a in answers}) == 1


def test_each_language_has_its_own_etag(served: str) -> None:
    with httpx.Client(base_url=served, timeout=60) as reader:
        french, english = (reader.get("/", headers={"Accept-Language": language}) for language in ("fr", "en"))
        assert french.headers["etag"] != english.headers["etag"]
        assert reader.get("/?lang=ar").headers["etag"] not in {french.headers["etag"], english.headers["etag"]}
        sent = reader.get("/", headers={"Accept-Language": "en", "If-None-Match": french.headers["etag"]})
        assert sent.status_code == 200


def test_a_signed_in_page_is_never_served_to_another_reader(served: str) -> None:
    with httpx.Client(base_url=served, timeout=60) as desk, httpx.Client(base_url=served, timeout=60) as anonymous:
        before = anonymous.get("/")  # kept for anyone not signed in
        assert "Sign out" not in before.text
        desk.get("/desk/sign-in")
        signed = desk.post("/desk/sign-in", data={"token": WRITE, "next": "/", "_csrf_token": desk.cookies["tally-csrf"]})
        assert signed.status_code in (302, 303), signed.text
        mine = desk.get("/")
        assert "Sign out" in mine.text, "the signed-in desk never gets the page kept for anonymous readers"
        assert mine.headers["x-cache"] == "miss" and "private" in mine.headers["cache-control"]
        for _ in range(2):
            theirs = anonymous.get("/")
            assert "Sign out" not in theirs.text and desk.cookies["tally-csrf"] not in theirs.text
        assert anonymous.get("/", headers={"If-None-Match": mine.headers.get("etag", '"none"')}).status_code == 200
        stranger = httpx.get(served + "/", headers={"Cookie": "tally-session=" + "e" * 64})  # a session id this server never made
        assert "Sign out" not in stranger.text


def test_a_page_holding_a_form_is_never_kept(served: str) -> None:
    """A form carries the reader's CSRF token: kept, it would hand one reader's token to the next."""
    first, second = (httpx.get(served + "/desk/new", timeout=60) for _ in range(2))
    for answer in (first, second):
        token = answer.cookies["tally-csrf"]
        assert token in answer.text
        assert "etag" not in answer.headers and answer.headers["x-cache"] == "miss"
        assert "private" in answer.headers["cache-control"]
    assert first.cookies["tally-csrf"] not in second.text


def test_last_modified_answers_if_modified_since(served: str, store_copy: Store) -> None:
    with httpx.Client(base_url=served, timeout=60) as reader, _admin(served) as admin:
        _wait_for_the_next_second(store_copy.changed_at)
        first = reader.get("/desk/rules")
        since = first.headers["last-modified"]
        assert reader.get("/desk/rules", headers={"If-Modified-Since": since}).status_code == 304
        assert reader.get("/desk/rules", headers={"If-Modified-Since": "not a date"}).status_code == 200
        admin.post("/sources", json=SOURCE)
        assert "last-modified" not in reader.get("/desk/rules").headers, "not within the second of the change"
        assert reader.get("/desk/rules", headers={"If-Modified-Since": since}).status_code == 200
        _wait_for_the_next_second(store_copy.changed_at)
        assert reader.get("/desk/rules", headers={"If-Modified-Since": since}).status_code == 200


def _wait_for_the_next_second(changed_at: float) -> None:
    # Last-Modified counts whole seconds: it is sent once the second of the last change is over
    while math.floor(time.time()) <= math.floor(changed_at):
        time.sleep(0.05)


def _a_verdict_page(reader: httpx.Client) -> str:
    [verdict] = reader.get("/verdicts", params={"status": "contradicted", "limit": 1}).json()["verdicts"]
    return f"/desk/verdicts/{verdict['id']}"


def test_a_kept_page_is_not_served_to_a_host_the_desk_does_not_answer(store_copy: Store, start_server: ServerStarter) -> None:
    """With no token the desk answers loopback names only (DNS rebinding): a kept page, answered before the
    guards run, must not be a way round that, so the Host is part of what a page is kept under."""
    with start_server(store_copy) as base_url, httpx.Client(base_url=base_url, timeout=60) as reader:
        kept = reader.get("/")
        assert reader.get("/").headers["x-cache"] == "hit"
        rebound = reader.get("/", headers={"Host": "attacker.example"})
        assert rebound.status_code == 421 and "Sign" not in rebound.text
        again = reader.get("/", headers={"Host": "attacker.example", "If-None-Match": kept.headers["etag"]})
        assert again.status_code == 421
