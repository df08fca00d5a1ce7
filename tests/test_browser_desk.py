"""The desk says who and what, as a person sees it: chromium at 1280 px and at 360 px (issue 22).

Every test runs at both widths; what it looks for it waits for (Playwright's ``expect``).
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.conftest import BROWSER_TIMEOUT_MS

LEVEL_114, LEVEL_123 = "1,14 milliard de dirhams (MMDH)", "quelque 1,23 milliard de dirhams"
OUTLET = "Département de l'Artisanat et de l'Économie sociale"
MIN_TYPE_PX = 11


@pytest.fixture(params=[1280, 360], ids=["desktop", "phone"])
def screen(request: pytest.FixtureRequest, browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport={"width": request.param, "height": 900})
    context.set_default_timeout(BROWSER_TIMEOUT_MS)
    yield context
    context.close()


@pytest.fixture
def page(screen: BrowserContext) -> Iterator[Page]:
    opened = screen.new_page()
    yield opened
    overflow = opened.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{opened.url} scrolls sideways by {overflow}px"  # nothing overflows, at either width


def levels_verdict(base_url: str) -> str:
    listed = httpx.get(base_url + "/verdicts", params={"rule": "same-figure", "status": "contradicted"}).json()["verdicts"]
    return next(v["id"] for v in listed if {c["figure"] for c in v["claims"]} == {LEVEL_114, LEVEL_123})


def test_a_verdict_row_says_who_printed_what_when_and_by_how_much(page: Page, seeded_server: str) -> None:
    page.goto(seeded_server + "/")
    row = page.locator(f"article#{levels_verdict(seeded_server)} > details > summary")
    expect(row).to_contain_text(f"{OUTLET}: {LEVEL_114}")
    expect(row).to_contain_text(f"Aziz Akhannouch: {LEVEL_123}")
    expect(row).to_contain_text("handicraft exports, Jan–Nov 2025: off by 80 M MAD (7.0 % of the smaller figure)")
    expect(row.locator(".outlets")).to_contain_text("Les exportations de l'artisanat marocain poursuivent leur dynamique positive")
    expect(row).not_to_contain_text("akhannouch-2026-01-19")
    expect(row).not_to_contain_text("communique-2025-12")


def test_a_verdict_pages_heading_is_the_sentence(page: Page, seeded_server: str) -> None:
    page.goto(seeded_server + f"/desk/verdicts/{levels_verdict(seeded_server)}")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(
        # <q>'s quotation marks are drawn by CSS, not text
        f"{OUTLET}: {LEVEL_114}; Aziz Akhannouch: {LEVEL_123} — handicraft exports, Jan–Nov 2025: off by 80 M MAD (7.0 % of the smaller figure)",
        use_inner_text=True,
    )
    roles = page.locator("table.evidence tbody tr td:first-child")
    expect(roles).to_have_count(2)
    expect(roles.first).to_contain_text(f"{OUTLET}, Jan–Nov 2025")  # no label in same-figure: its outlet and period
    expect(page.locator("table.evidence")).not_to_contain_text("second")


def test_readings_that_explain_nothing_are_folded_under_one_line(page: Page, seeded_server: str) -> None:
    listed = httpx.get(seeded_server + "/verdicts", params={"rule": "growth-links-levels", "limit": 100}).json()["verdicts"]
    chain = next(v for v in listed if {c["figure"] for c in v["claims"]} == {LEVEL_123, "en hausse de 11 %", "approximately 1.11 billion dirhams"})
    page.goto(seeded_server + f"/desk/verdicts/{chain['id']}")
    explaining = page.locator("article.verdict > details > ul.diagnoses")
    expect(explaining).to_be_visible()
    expect(explaining).to_contain_text("consistent")
    folded = page.locator("details.other-readings")
    expect(folded.locator("summary")).to_have_text("3 other readings tried; none makes the figures tally")
    expect(folded.locator("ul.diagnoses")).to_be_hidden()
    folded.locator("summary").click()
    expect(folded.locator("ul.diagnoses li")).to_have_count(3)
    assert explaining.bounding_box()["y"] < folded.bounding_box()["y"]  # type: ignore[index]  # what explains comes first
    expect(page.locator("table.evidence tbody tr td:first-child").first).to_contain_text("the period's level")  # the rule's label
    page.goto(seeded_server + f"/desk/verdicts/{chain['id']}?lang=fr")  # and its label in the page's language
    expect(page.locator("table.evidence tbody tr td:first-child").first).to_contain_text("le niveau de la période")


def test_the_subject_view_opens_with_its_contradictions_then_bars_that_name_period_and_base(page: Page, seeded_server: str) -> None:
    page.goto(seeded_server + "/subjects/ma.handicraft.exports")
    contradictions = page.locator("section.contradictions")
    expect(contradictions.locator("article.verdict.contradicted").first).to_be_visible()
    first_chart = page.locator("section.chart").first
    assert contradictions.bounding_box()["y"] < first_chart.bounding_box()["y"]  # type: ignore[index]
    expect(page.locator("section.chart h3", has_text="vs 2023")).to_have_count(1)  # +3 % vs 2023 ...
    expect(page.locator("section.chart h3", has_text="vs 2019")).to_have_count(1)  # ... and +40 % vs 2019: two axes
    levels = page.locator("section.chart", has=page.locator("h3", has_text="level of the whole, Jan–Nov 2025 (11 months)"))
    low = levels.locator("li.bar-row", has_text=LEVEL_114)
    high = levels.locator("li.bar-row", has_text=LEVEL_123)
    for row in (low, high):
        expect(row).to_have_class("bar-row contradicted")  # figures that cannot both hold are marked
        expect(row.locator(".mark")).to_have_text("✗")
        expect(row).to_contain_text("Jan–Nov 2025")
    low_bar, high_bar = low.locator("rect").bounding_box(), high.locator("rect").bounding_box()
    assert low_bar and high_bar and low_bar["x"] + low_bar["width"] < high_bar["x"], "the eye sees 1,14 and 1,23 apart"
    sizes = page.locator("section.chart .bar-label, section.chart .axis span").evaluate_all(
        "nodes => nodes.map(n => parseFloat(getComputedStyle(n).fontSize))"
    )
    assert sizes and min(sizes) >= MIN_TYPE_PX, f"chart labels of {min(sizes)} px"


def test_a_claims_page_shows_its_reading_verdicts_subject_and_source_beside_the_forms(page: Page, seeded_server: str) -> None:
    claim = next(c for c in httpx.get(seeded_server + "/claims", params={"limit": 1000}).json() if c["figure"] == LEVEL_123)
    verdicts = httpx.get(seeded_server + "/verdicts", params={"claim": claim["id"], "limit": 100}).json()
    page.goto(seeded_server + f"/desk/claims/{claim['id']}")
    facts = page.locator("dl.claim-facts")
    expect(facts).to_contain_text("1.225 bn to 1.235 bn MAD")
    expect(facts.locator("ul.reading li").first).to_be_visible()
    expect(facts.get_by_role("link", name="handicraft exports")).to_be_visible()  # named from the lexicon, its key beside it
    expect(facts.locator("code", has_text="ma.handicraft.exports")).to_be_visible()
    expect(facts).to_contain_text("Aziz Akhannouch")
    expect(page.locator("section.claim-verdicts article.verdict")).to_have_count(verdicts["total"])
    expect(page.get_by_role("button", name="Retract")).to_be_visible()
    expect(page.get_by_role("button", name="Store the correction")).to_be_visible()


def test_the_form_picks_sources_by_outlet_and_title_and_a_dry_run_names_each_figures_outlet(page: Page, seeded_server: str) -> None:
    page.goto(seeded_server + "/desk/new")
    source = page.get_by_label("Source")
    expect(source).to_have_value("")  # no silent default
    expect(source).to_have_attribute("required", "")
    source.select_option("lopinion-2025-11-26")
    page.get_by_label("Exact quote").fill("les exportations ont atteint 1,5 milliard de dirhams")
    page.get_by_label("Subject").fill("ma.handicraft.exports")
    page.get_by_label("Measure").select_option("level")
    page.get_by_label("Period", exact=True).fill("2025-01/2025-11")
    page.get_by_label("Figure, as printed").fill("1,5 milliard de dirhams")
    expect(page.get_by_label("Origin")).to_be_editable()
    expect(page.get_by_label("Released")).to_be_editable()
    page.get_by_role("button", name="Check (store nothing)").click()
    first = page.locator("section.answer article.verdict").first
    expect(first).to_have_class("verdict contradicted")
    expect(first.locator("details > summary").first).to_contain_text("L'Opinion: 1,5 milliard de dirhams")
    expect(first.locator("details > summary").first).to_contain_text("of the smaller figure")


def test_blame_ranks_figures_first_with_their_figure_then_the_minimal_sets(page: Page, seeded_server: str) -> None:
    page.goto(seeded_server + "/desk/blame")
    ranked = page.locator("ol.suspects > li").first
    expect(ranked.locator("q.figure")).to_be_visible()
    sets = page.locator("ol.minimal-sets")
    expect(sets.locator("q.figure").first).to_be_visible()
    assert ranked.bounding_box()["y"] < sets.bounding_box()["y"]  # type: ignore[index]


def test_unchecked_breaks_no_key_inside_a_word(page: Page, seeded_server: str) -> None:
    page.goto(seeded_server + "/desk/unchecked")
    expect(page.locator("table.unchecked td.breakdown").first).to_be_visible()
    # every word of every key (what lies between its dots) sits on one line: its text has a single box
    broken = page.locator("table.unchecked td.key").evaluate_all(
        """cells => cells.flatMap(cell => {
            const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
            const split = [];
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                for (const match of node.textContent.matchAll(/[^.,:\\s]+/g)) {
                    const range = document.createRange();
                    range.setStart(node, match.index);
                    range.setEnd(node, match.index + match[0].length);
                    if (range.getClientRects().length > 1) split.push(match[0]);
                }
            }
            return split;
        })"""
    )
    assert broken == [], f"words broken across lines: {broken[:5]}"


def test_a_favicon_and_the_schema_linked_both_ways(page: Page, seeded_server: str) -> None:
    page.goto(seeded_server + "/")
    expect(page.locator('link[rel="icon"]')).to_have_attribute("href", "/assets/favicon.svg")
    page.get_by_role("navigation", name="Desk").get_by_role("link", name="API").click()
    page.wait_for_url("**/schema")
    back = page.get_by_role("link", name="← Tally's desk")
    expect(back).to_be_visible()
    back.click()
    page.wait_for_url(seeded_server + "/")
    assert httpx.get(seeded_server + "/favicon.ico").headers["content-type"].startswith("image/svg+xml")
