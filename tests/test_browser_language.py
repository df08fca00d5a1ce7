"""The desk in each of its languages, in a real browser at a desk's width (1280 px) and a phone's (360 px).

Debian's chromium driven by Playwright against the seeded server, as tests/test_browser.py does:
each page says its language and direction, nothing scrolls sideways on a phone, Arabic is laid
out from the right, and the margin is written in the page's language with its unit.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.conftest import BROWSER_TIMEOUT_MS

LEVEL_114, LEVEL_123 = "1,14 milliard de dirhams (MMDH)", "quelque 1,23 milliard de dirhams"
PAGES = ["/", "/desk/rules", "/desk/new", "/desk/blame", "/subjects/ma.handicraft.exports", "/desk/articles/new", "/desk/unchecked"]
MARGIN = {"en": "off by 80 M MAD (7.0 % of the smaller figure)", "fr": "écart de 80 M MAD (7,0 % du plus petit chiffre)", "ar": "فارق 80 مليون درهم (7.0 % من الرقم الأصغر)"}
DIRECTION = {"en": "ltr", "fr": "ltr", "ar": "rtl"}


def _overflow(page: Page) -> int:
    """How many pixels the page is wider than the window: a reader would scroll sideways."""
    return page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")


@pytest.mark.parametrize("lang", ["fr", "en", "ar"])
def test_each_page_speaks_its_language_right_to_left_in_arabic_and_fits_a_phone(page: Page, seeded_server: str, lang: str) -> None:
    for path in PAGES:
        page.goto(f"{seeded_server}{path}?lang={lang}")
        expect(page.locator("html")).to_have_attribute("lang", lang)
        expect(page.locator("html")).to_have_attribute("dir", DIRECTION[lang])
        assert page.evaluate("() => getComputedStyle(document.body).direction") == DIRECTION[lang], path
        assert _overflow(page) <= 0, f"{path} in {lang} is {_overflow(page)} px wider than a {page.viewport_size['width']} px window"
        brand = page.locator("header .brand").bounding_box()
        width = page.viewport_size["width"]
        assert brand is not None
        if lang == "ar":  # the masthead starts on the right
            assert brand["x"] > width / 2, (path, brand)
        else:
            assert brand["x"] < width / 2, (path, brand)
        # the language menu names each language in itself, and the current one is marked
        expect(page.locator("nav.languages a[aria-current='true']")).to_have_attribute("hreflang", lang)


@pytest.mark.parametrize("lang", ["fr", "en", "ar"])
def test_a_verdict_s_margin_is_written_in_the_page_s_language(page: Page, seeded_server: str, lang: str) -> None:
    listed = httpx.get(seeded_server + "/verdicts", params={"rule": "same-figure", "status": "contradicted"}).json()["verdicts"]
    [wanted] = [v["id"] for v in listed if {c["figure"] for c in v["claims"]} == {LEVEL_114, LEVEL_123}]
    page.goto(f"{seeded_server}/desk/verdicts/{wanted}?lang={lang}")
    expect(page.locator("h1.verdict-heading .margin")).to_contain_text(MARGIN[lang])
    # navigating on keeps the language: the verdicts list, in the same language
    page.locator("header nav a").first.click()
    expect(page.locator("html")).to_have_attribute("lang", lang)
    assert _overflow(page) <= 0


def test_the_browser_s_language_chooses_when_no_link_does(browser: Any, seeded_server: str) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 800}, locale="ar-MA")  # Accept-Language: ar-MA
    context.set_default_timeout(BROWSER_TIMEOUT_MS)
    try:
        opened = context.new_page()
        opened.goto(seeded_server + "/desk/rules")
        expect(opened.locator("html")).to_have_attribute("dir", "rtl")
        expect(opened.get_by_role("heading", name="القواعد السارية")).to_be_visible()
    finally:
        context.close()


# The computation of the seeds' 1,14 / 1,23 billion verdict, its bounds written the page's way: a decimal comma and
# "Md" in French; in Arabic the desk's Latin digits with a decimal point and Arabic words (مليار, درهم).
COMPUTED = {
    "en": "1.135 bn to 1.145 bn MAD == 1.225 bn to 1.235 bn MAD; cannot hold: off by 80.0 M MAD",
    "fr": "1,135 Md à 1,145 Md MAD == 1,225 Md à 1,235 Md MAD ; ne peut tenir : écart de 80,0 M MAD",
    "ar": "من 1.135 مليار إلى 1.145 مليار درهم == من 1.225 مليار إلى 1.235 مليار درهم؛ لا يمكن أن يصحّ: فارق 80.0 مليون درهم",
}


@pytest.mark.parametrize("lang", ["fr", "en", "ar"])
def test_a_verdict_page_speaks_one_language_with_no_english_island(browser: Any, seeded_server: str, lang: str) -> None:
    """Every sentence of a shipped rule's verdict page, the engine's included, is in the page's language: no ``lang="en"`` left."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(BROWSER_TIMEOUT_MS)
    try:
        page = context.new_page()
        listed = httpx.get(seeded_server + "/verdicts", params={"rule": "same-figure", "status": "contradicted"}).json()["verdicts"]
        [levels] = [v["id"] for v in listed if {c["figure"] for c in v["claims"]} == {LEVEL_114, LEVEL_123}]
        implausible = httpx.get(seeded_server + "/verdicts", params={"rule": "growth-links-levels", "status": "implausible", "limit": 1}).json()["verdicts"][0]["id"]
        page.goto(f"{seeded_server}/desk/verdicts/{levels}?lang={lang}")
        expect(page.locator("p.computation")).to_contain_text(COMPUTED[lang])
        expect(page.locator("main [lang]")).to_have_count(0)  # the rule's title, the computation, the diagnoses: all the page's
        if lang != "en":
            expect(page.locator("p.computation")).not_to_contain_text("1.135 bn")
        if lang == "fr":
            expect(page.locator("p.computation")).not_to_contain_text("1.135")  # never an English decimal point among French words
        # notes, warnings and diagnoses too, on a verdict that has them all
        page.goto(f"{seeded_server}/desk/verdicts/{implausible}?lang={lang}")
        expect(page.locator("p.note").first).to_be_visible()
        expect(page.locator("p.warning").first).to_be_visible()
        expect(page.locator("main [lang]")).to_have_count(0)
        warning = {"en": "times an average one", "fr": "fois un mois moyen", "ar": "مرة الشهر المتوسط"}[lang]
        expect(page.locator("p.warning").first).to_contain_text(warning)
        expect(page.locator("h1.verdict-heading")).to_contain_text({"en": "handicraft exports", "fr": "exportations de l'artisanat", "ar": "صادرات الصناعة التقليدية"}[lang])
    finally:
        context.close()


# The seeds' 1,14 billion claim read in the page's language: its steps, the numbers in them too, and no English island.
READ_AS = {"fr": "« 1,14 » lu comme 1,14 (virgule décimale)", "ar": "«1,14» يُقرأ 1.14 (فاصلة عشرية)"}
HALF = {"fr": "±0,005", "ar": "±0.005"}


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_a_claim_s_reading_steps_are_in_the_page_s_language(page: Page, seeded_server: str, lang: str) -> None:
    claims = httpx.get(seeded_server + "/claims", params={"subject": "ma.handicraft.exports", "limit": 1000}).json()
    [claim] = [c["id"] for c in claims if c["figure"] == LEVEL_114][:1]
    page.goto(f"{seeded_server}/desk/claims/{claim}?lang={lang}")
    reading = page.locator("ul.reading")
    expect(reading.locator("li").first).to_have_text(READ_AS[lang])
    expect(reading.locator("li").nth(1)).to_contain_text(HALF[lang])
    expect(page.locator("main [lang]")).to_have_count(0)
    assert _overflow(page) <= 0
