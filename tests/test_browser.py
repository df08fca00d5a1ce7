"""The desk in a real browser: Debian's chromium driven by Playwright, against a real server on 127.0.0.1.

Playwright cannot download its own browsers here, so it drives the system's
chromium (``TALLY_CHROMIUM``, else ``/usr/bin/chromium``); ``make test`` installs
it.  Without one, every test here fails saying so: a browser test that quietly
skips would look like one that passed.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import BrowserContext, expect, Page

LEVEL_114, LEVEL_123 = "1,14 milliard de dirhams (MMDH)", "quelque 1,23 milliard de dirhams"


@pytest.fixture
def page(phone: BrowserContext, seeded_server: str) -> Iterator[Page]:
    opened = phone.new_page()
    hosts: list[str] = []
    opened.on("request", lambda request: hosts.append(urlsplit(request.url).netloc))
    yield opened
    server = urlsplit(seeded_server).netloc
    assert hosts and set(hosts) == {server}, f"the page asked another host: {sorted(set(hosts) - {server})}"


def test_a_reporter_opens_the_desk_and_reads_the_evidence_of_1_14_against_1_23(page: Page, seeded_server: str) -> None:
    listed = httpx.get(seeded_server + "/verdicts", params={"rule": "same-figure", "status": "contradicted"}).json()["verdicts"]
    [wanted] = [v["id"] for v in listed if {c["figure"] for c in v["claims"]} == {LEVEL_114, LEVEL_123}]
    page.goto(seeded_server + "/")
    verdict = page.locator(f"article#{wanted}")
    assert verdict.count() == 1 and "contradicted" in (verdict.get_attribute("class") or "")
    verdict.locator("summary").first.click()  # opens the evidence, keyboard or mouse
    expect(verdict.locator(".margin")).to_contain_text("off by 80 M MAD (7.0 % of the smaller figure)")  # English words, English numbers
    expect(verdict.get_by_text("la valeur des exportations du secteur a atteint 1,14 milliard de dirhams").first).to_be_visible()
    expect(verdict.locator(".computation")).to_contain_text("1.135 bn to 1.145 bn MAD == 1.225 bn to 1.235 bn MAD")  # the desk's English


def test_the_subject_view_shows_the_intervals_apart(page: Page, seeded_server: str) -> None:
    page.goto(seeded_server + "/")
    page.locator("article.verdict.contradicted summary").first.click()
    page.get_by_role("link", name="every figure on handicraft exports").first.click()  # the subject named from the lexicon
    page.wait_for_url("**/subjects/ma.handicraft.exports")
    chart = page.locator("section.chart", has_text="level of the whole, Jan–Nov 2025 (11 months)")
    low = chart.locator("rect", has_text=LEVEL_114).bounding_box()
    high = chart.locator("rect", has_text=LEVEL_123).bounding_box()
    assert low and high and low["x"] + low["width"] < high["x"], "the eye sees 1,14 and 1,23 apart"
    expect(chart.get_by_role("table").get_by_text("1.225 bn to 1.235 bn MAD")).to_be_visible()


def test_filters_are_a_link_to_share(page: Page, seeded_server: str) -> None:
    page.goto(seeded_server + "/")
    page.get_by_label("Status").select_option("implausible")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**/?*status=implausible*")
    statuses = page.locator("article.verdict").evaluate_all("articles => articles.map(a => a.classList[1])")
    assert statuses and set(statuses) == {"implausible"}


def test_a_reporter_enters_a_new_figure_and_reads_its_verdict(page: Page, seeded_server: str) -> None:
    page.goto(seeded_server + "/")
    page.get_by_role("link", name="New figure").click()
    page.get_by_label("Source").select_option("communique-2025-12")
    page.get_by_label("Exact quote").fill("les exportations ont atteint 1,5 milliard de dirhams")
    page.get_by_label("Subject").fill("ma.handicraft.exports")
    page.get_by_label("Measure").select_option("level")
    page.get_by_label("Period").fill("2025-01/2025-11")
    page.get_by_label("Figure, as printed").fill("1,5 milliard de dirhams")
    page.locator("#reading").filter(has_text="1.450 bn to 1.550 bn MAD").wait_for()  # read as it is typed
    page.get_by_role("button", name="Check (store nothing)").click()
    expect(page.get_by_role("heading", name="1,5 milliard de dirhams: 1.450 bn to 1.550 bn MAD")).to_be_visible()
    assert page.locator("section.answer article.verdict.contradicted").count() >= 1


def test_from_the_desk_to_blame_to_a_contradiction(page: Page, seeded_server: str) -> None:
    page.goto(seeded_server + "/")
    page.get_by_role("navigation", name="Desk").get_by_role("link", name="Blame").click()
    page.wait_for_url("**/desk/blame")
    first = page.locator("ol.suspects > li").first
    suspect = first.get_attribute("id")
    link = first.locator("ul.contradictions a").first
    expect(link).to_be_visible()
    link.focus()
    page.keyboard.press("Enter")  # a link the keyboard follows
    page.wait_for_url("**/desk/verdicts/v-*")
    verdict = page.locator("article.verdict.contradicted")
    assert verdict.count() == 1
    expect(verdict.locator(".computation"), "the evidence comes opened").to_be_visible()
    listed = httpx.get(seeded_server + "/verdicts/" + (verdict.get_attribute("id") or "")).json()
    assert suspect in {claim["id"] for claim in listed["claims"]}, "the contradiction uses the figure blamed"


@pytest.mark.parametrize("path", ["/desk/blame", "/desk/rules", "/desk/rules/same-figure", "/desk/unchecked"])
def test_the_new_pages_fit_a_phone(page: Page, seeded_server: str, path: str) -> None:
    page.goto(seeded_server + path)
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 360 px"
