"""/desk/articles/new in chromium: at 1280 px without script (paste, read, check, store), and at 360 px on a phone."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import BrowserContext, expect, Page

from service.loading import load_directory
from service.store import Store
from tests.conftest import BROWSER_TIMEOUT_MS
from tests.helpers import FIXTURES_DIR

SEED_001 = (FIXTURES_DIR / "articles" / "001_781b1e4fa559a8cc.txt").read_text(encoding="utf-8")
PARAGRAPH = "Les exportations de l'artisanat ont atteint 1,30 milliard de dirhams entre janvier et novembre 2025."
SOURCE = {"id": "desk-2026-01-21", "title": "Un nouveau chiffre", "outlet": "Le Desk", "language": "fr", "published": "2026-01-21"}


@pytest.fixture
def served(tmp_path: Path, rules, start_server) -> Iterator[tuple[str, Store]]:
    with Store(str(tmp_path / "tally.duckdb")) as store:
        load_directory(store, FIXTURES_DIR, rules)
        with start_server(store) as base_url:
            assert httpx.post(f"{base_url}/sources", json=SOURCE).status_code == 201
            yield base_url, store


@pytest.fixture
def desktop_without_script(browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, java_script_enabled=False)
    context.set_default_timeout(BROWSER_TIMEOUT_MS)
    yield context
    context.close()


def paste(page: Page, base_url: str, text: str, source_label: str) -> None:
    page.goto(base_url + "/desk/articles/new")
    page.get_by_label("Source (outlet)").select_option(label=source_label)
    page.get_by_label("The article").fill(text)
    page.get_by_role("button", name="Read the figures").click()
    page.wait_for_selector("table.candidates")


def test_a_desk_without_script_reads_checks_and_stores_at_1280px(desktop_without_script: BrowserContext, served) -> None:
    base_url, store = served
    page = desktop_without_script.new_page()
    before = store.count_claims()
    # seed article 001: every figure highlighted, numbered, and recognised as the stored claim
    paste(page, base_url, SEED_001, "unknown — La valeur des exportations du secteur de l’artisanat a atteint jusqu’à novembre dernier quelque 1,23 milliard de dirhams (2026-01-19)")
    marks = page.locator(".article-text mark")
    assert marks.count() == 14
    assert marks.first.inner_text().replace("\n", "") == "1quelque 1,23 milliard de dirhams"
    assert page.get_by_label("period of figure 1", exact=True).input_value() == "2025-01/2025-11"
    page.get_by_role("button", name="Check (store nothing)").click()
    page.wait_for_selector("section.article-verdicts")
    assert page.locator(".recognised").count() == 14
    page.get_by_role("button", name="Store the ticked figures").click()
    page.wait_for_selector("ul.stored")
    assert "14 were stored already and were not stored again" in page.locator("section[aria-label=Stored]").inner_text()
    assert store.count_claims() == before
    # a new paragraph: contradicted by the stored 1,14 and 1,23 milliard, with no field typed
    paste(page, base_url, PARAGRAPH, "Le Desk — Un nouveau chiffre (2026-01-21)")
    page.get_by_role("button", name="Check (store nothing)").click()
    first = page.locator("section.article-verdicts article.verdict").first
    assert "contradicted" in (first.get_attribute("class") or "")
    verdicts = page.locator("section.article-verdicts").inner_text()
    assert "1,14 milliard de dirhams (MMDH)" in verdicts and "quelque 1,23 milliard de dirhams" in verdicts
    page.get_by_role("button", name="Store the ticked figures").click()
    page.get_by_role("link", name="1. 1,30 milliard de dirhams").click()
    page.wait_for_url("**/desk/claims/c-*")
    assert store.list_claims(source=SOURCE["id"]).total == 1


def test_the_article_page_fits_a_phone_at_360px(phone: BrowserContext, served, tmp_path: Path) -> None:
    base_url, _ = served
    page = phone.new_page()
    paste(page, base_url, SEED_001, "unknown — La valeur des exportations du secteur de l’artisanat a atteint jusqu’à novembre dernier quelque 1,23 milliard de dirhams (2026-01-19)")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the page is {width} px wide: the table must scroll inside its box, not the page"
    assert page.locator(".table-scroll").evaluate("box => box.scrollWidth > box.clientWidth")  # the table scrolls
    doubted = page.locator(".article-text mark.doubted")
    assert doubted.count() >= 1, "a figure Tally doubts is marked in the text"
    expect(page.locator(".doubt").first).to_be_visible()
    # an .html upload, read through its article
    upload = tmp_path / "article.html"
    from tests.test_cli_read import PAGE

    upload.write_text(PAGE, encoding="utf-8")
    page.goto(base_url + "/desk/articles/new")
    page.get_by_label("or upload it (.txt or .html)").set_input_files(str(upload))
    page.get_by_role("button", name="Read the figures").click()
    page.wait_for_selector("table.candidates")
    assert page.locator(".article-text mark").count() == 5
