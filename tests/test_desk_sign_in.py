"""The desk's access in a real browser (Debian's chromium through Playwright) against a real server on 127.0.0.1.

With a token set, the desk signs in once and then stores a claim through its form; with
none, a form posted from another site, without the page's CSRF token, stores nothing.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import BrowserContext, expect, Page, Route

from service.store import Store
from tests.helpers import ServerStarter

WRITE = "desk-" + "7" * 27
NEW_FIGURE = "1,6 milliard de dirhams"


@pytest.fixture
def store_copy(seeded_file: Path, tmp_path: Path) -> Iterator[Store]:
    path = tmp_path / "desk.duckdb"
    shutil.copyfile(seeded_file, path)
    with Store(str(path)) as opened:
        yield opened


@pytest.fixture
def page(phone: BrowserContext) -> Page:
    return phone.new_page()


def _claims(base_url: str) -> int:
    return int(httpx.get(base_url + "/claims", params={"limit": 1}).headers["x-total-count"])


def _fill_the_claim_form(page: Page) -> None:
    page.get_by_label("Source").select_option("communique-2025-12")
    page.get_by_label("Exact quote").fill(f"les exportations ont atteint {NEW_FIGURE}")
    page.get_by_label("Subject").fill("ma.handicraft.exports")
    page.get_by_label("Measure").select_option("level")
    page.get_by_label("Period").fill("2025-01/2025-11")
    page.get_by_label("Figure, as printed").fill(NEW_FIGURE)


def test_with_a_token_set_the_desk_signs_in_once_then_stores_a_claim(page: Page, store_copy: Store, start_server: ServerStarter) -> None:
    with start_server(store_copy, write_token=WRITE) as base_url:
        before = _claims(base_url)
        page.goto(base_url + "/desk/new")
        _fill_the_claim_form(page)
        page.get_by_role("button", name="Store and check").click()
        expect(page.get_by_role("heading", name="Sign in to write")).to_be_visible()
        assert _claims(base_url) == before, "refused until signed in"

        page.get_by_label("Token").fill("not the token")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("alert").filter(has_text="not a token this service accepts")).to_be_visible()

        page.get_by_label("Token").fill(WRITE)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/desk/new")
        _fill_the_claim_form(page)
        page.get_by_role("button", name="Store and check").click()
        expect(page.get_by_text("stored as c-")).to_be_visible()
        assert _claims(base_url) == before + 1
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_a_form_posted_from_another_site_without_the_csrf_token_stores_nothing(page: Page, store_copy: Store, start_server: ServerStarter) -> None:
    with start_server(store_copy) as base_url:  # no token: loopback mode, where the forms write without signing in
        before = _claims(base_url)
        fields = {"source": "communique-2025-12", "quote": f"les exportations ont atteint {NEW_FIGURE}", "subject": "ma.handicraft.exports",
                  "measure": "level", "period": "2025-01/2025-11", "figure": NEW_FIGURE, "action": "store"}
        inputs = "".join(f'<input type="hidden" name="{name}" value="{value}">' for name, value in fields.items())
        attack = f'<form id="f" method="post" action="{base_url}/desk/new">{inputs}</form><script>document.getElementById("f").submit()</script>'

        def serve_the_attack(route: Route) -> None:
            route.fulfill(status=200, content_type="text/html", body=attack)

        page.route("http://evil.example/**", serve_the_attack)  # another site, as the browser sees it
        with page.expect_response(base_url + "/desk/new") as posted:
            page.goto("http://evil.example/")
        assert posted.value.status == 403
        assert "CSRF token verification failed" in posted.value.text()
        assert _claims(base_url) == before, "the cross-site post stored nothing"
