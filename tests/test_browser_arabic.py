"""An Arabic desk in a real browser: a figure entered through the claim form, read right to left on every page.

Debian's chromium driven by Playwright, as in tests/test_browser.py, against a
real server of its own (a copy of the seeded store): this module stores claims,
so it does not share test_browser.py's server.  The source is posted over HTTP
first, as a desk's tooling would; the claim goes through the page's form.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import BrowserContext, expect, Locator, Page

from service.store import Store
from tests.helpers import ServerStarter

DATA = Path(__file__).resolve().parent / "data" / "arabic"
ARABIC = json.loads((DATA / "claims.json").read_text(encoding="utf-8"))
SOURCE = ARABIC["sources"][0]
RLM = "\u200f"
# Diacritics (shadda, tanwin), tatweel and direction marks: stored and shown exactly as typed.
QUOTE = f"{RLM}وأكَّدت الوزارة أن صادرات الصناعة التقليدية بلغت ١٫٣٢ مليـار درهم{RLM}"
FIGURE = "١٫٣٢ مليار درهم"


@pytest.fixture
def arabic_desk(seeded_store: Store, start_server: ServerStarter) -> Iterator[str]:
    with start_server(seeded_store) as base_url:
        assert httpx.post(base_url + "/sources", json=SOURCE).status_code == 201
        yield base_url


@pytest.fixture
def page(phone: BrowserContext, arabic_desk: str) -> Page:
    return phone.new_page()


def _direction(locator: Locator) -> str:
    """The direction the browser resolved (dir="auto" reads the first strong letter)."""
    return locator.evaluate("element => element.matches(':dir(rtl)') ? 'rtl' : 'ltr'")


def _enter_the_arabic_figure(page: Page, base_url: str, action: str) -> None:
    page.goto(base_url + "/desk/new")
    page.get_by_label("Source").select_option(SOURCE["id"])
    page.get_by_label("Exact quote").fill(QUOTE)
    page.get_by_label("Subject").fill("ma.handicraft.exports")
    page.get_by_label("Measure").select_option("level")
    page.get_by_label("Period").fill("2025-01/2025-11")
    page.get_by_label("Figure, as printed").fill(FIGURE)
    page.locator("#reading").filter(has_text="1.315 bn to 1.325 bn MAD").wait_for()  # read as it is typed, the source's way
    assert _direction(page.get_by_label("Figure, as printed")) == "rtl"
    assert _direction(page.get_by_label("Exact quote")) == "rtl"
    page.get_by_role("button", name=action).click()


def test_an_arabic_figure_entered_through_the_form_contradicts_the_french_ones(page: Page, arabic_desk: str) -> None:
    _enter_the_arabic_figure(page, arabic_desk, "Store and check")
    heading = page.get_by_role("heading", name=f"{FIGURE}: 1.315 bn to 1.325 bn MAD")
    expect(heading).to_be_visible()
    assert _direction(heading.locator("bdi")) == "rtl"
    answer = page.locator("section.answer")
    assert answer.get_by_text("'١٫٣٢' read as 1.23").count() == 0
    expect(answer.get_by_text("'١٫٣٢' read as 1.32 (Arabic-Indic digits, the Arabic decimal separator '٫')")).to_be_visible()
    contradicted = answer.locator("article.verdict.contradicted")
    assert contradicted.count() >= 2  # against 1,14 (the ministry's communiqué) and quelque 1,23 (the Head of Government)
    stored = httpx.get(arabic_desk + "/claims", params={"source": SOURCE["id"]}).json()
    assert [(c["quote"], c["figure"]) for c in stored] == [(QUOTE, FIGURE)]  # byte for byte


def test_the_desk_reads_arabic_figures_and_quotes_right_to_left(page: Page, arabic_desk: str) -> None:
    _enter_the_arabic_figure(page, arabic_desk, "Store and check")
    page.goto(arabic_desk + "/?" + "source=" + SOURCE["id"])
    same_figure = page.locator("article.verdict.contradicted").filter(has_text="One quantity, one period, one figure")
    verdict = same_figure.filter(has_text="1,14 milliard de dirhams (MMDH)")
    verdict.locator("summary").first.click()
    arabic_figure = verdict.locator("q", has_text=FIGURE).first
    french_figure = verdict.locator("q", has_text="1,14 milliard de dirhams (MMDH)").first
    assert (_direction(arabic_figure), _direction(french_figure)) == ("rtl", "ltr")
    arabic_quote = verdict.locator("blockquote", has_text="وأكَّدت الوزارة")
    assert _direction(arabic_quote) == "rtl"
    assert arabic_quote.evaluate("element => element.textContent") == QUOTE  # marks and diacritics as printed
    assert _lines_end_on_the_right(arabic_quote), "an Arabic quote's lines start at the right edge"
    assert not _lines_end_on_the_right(verdict.locator("blockquote", has_text="a atteint 1,14 milliard").first)
    # The claim's own page: its figure and quote right to left too.
    verdict.get_by_role("link", name="correct or retract").nth(_place_of(verdict, FIGURE)).click()
    page.wait_for_url("**/desk/claims/c-*")
    assert _direction(page.locator("h1 q")) == "rtl"
    assert _direction(page.locator("blockquote").first) == "rtl"
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the Arabic claim's page scrolls sideways by {overflow}px at 360 px"


def _lines_end_on_the_right(block: Locator) -> bool:
    """Whether every line of the block's text reaches its right edge: text set right to left."""
    return block.evaluate(
        """element => {
            const range = document.createRange();
            range.selectNodeContents(element);
            const right = element.getBoundingClientRect().right - parseFloat(getComputedStyle(element).paddingRight);
            const lines = new Map();  // a line's runs share a bottom; a bidi line has several runs
            for (const run of range.getClientRects()) {
                const bottom = Math.round(run.bottom);
                lines.set(bottom, Math.max(lines.get(bottom) ?? -Infinity, run.right));
            }
            return lines.size > 0 && [...lines.values()].every(end => Math.abs(end - right) < 2);
        }"""
    )


def _place_of(verdict: Locator, figure: str) -> int:
    """Which row of the evidence table prints ``figure``."""
    rows = verdict.locator("tbody tr").evaluate_all("rows => rows.map(row => row.querySelector('q').textContent)")
    return rows.index(figure)
