"""Take the README's screenshots of the desk: ``python docs/screenshots.py http://127.0.0.1:8000``.

Run against a server on the seed fixtures (``make serve``); drives Debian's chromium
(``TALLY_CHROMIUM``, else ``/usr/bin/chromium``) as tests/test_browser.py does.
``arabic.png`` needs the Arabic test source and its claims (tests/data/arabic/claims.json):
the script posts them first, so run it against a store you may write to.
``desk-<lang>-<width>.png``: the verdicts in each language the desk speaks, at a desk's
width and a phone's (docs/desk-language.md); the window only, so each stays small (every
docs/*.png under 250 KB, tests/test_docs.py).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import httpx
from playwright.sync_api import Browser, Page, sync_playwright

HERE = Path(__file__).resolve().parent
ARABIC = HERE.parent / "tests" / "data" / "arabic" / "claims.json"
FORM_HEIGHT = 1400  # px: the most of the claim form's page form.png shows


def main(base_url: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=os.environ.get("TALLY_CHROMIUM", "/usr/bin/chromium"), args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1000, "height": 900})
        page.goto(base_url + "/?status=contradicted")
        page.locator("article.verdict summary").first.click()
        page.screenshot(path=str(HERE / "desk.png"), full_page=False)
        page.goto(base_url + "/subjects/ma.handicraft.exports")
        page.locator("section.chart", has_text="level of the whole, Jan–Nov 2025").screenshot(path=str(HERE / "subject.png"))
        page.goto(base_url + "/desk/new")
        page.get_by_label("Source").select_option("communique-2025-12")
        page.get_by_label("Exact quote").fill("les exportations ont atteint 1,5 milliard de dirhams")
        page.get_by_label("Subject").fill("ma.handicraft.exports")
        page.get_by_label("Measure").select_option("level")
        page.get_by_label("Period").fill("2025-01/2025-11")
        page.get_by_label("Figure, as printed").fill("1,5 milliard de dirhams")
        page.get_by_role("button", name="Check (store nothing)").click()
        # the form and its answer down to the first verdict, not the whole page: every docs/*.png stays under
        # 250 KB (tests/test_docs.py), a page of text at device scale 1 being about 150 KB per 900 px
        answer = page.locator("section.answer article.verdict").first.bounding_box()
        bottom = min(answer["y"] + answer["height"] + 16, FORM_HEIGHT) if answer else FORM_HEIGHT
        page.screenshot(path=str(HERE / "form.png"), full_page=True, clip={"x": 0, "y": 0, "width": 1000, "height": bottom})
        arabic(page, base_url)
        languages(browser, base_url)
        browser.close()


def arabic(page: Page, base_url: str) -> None:
    """An Arabic source's figure against the French ones, read right to left (arabic.png)."""
    fixture = json.loads(ARABIC.read_text(encoding="utf-8"))
    httpx.post(base_url + "/sources", json=fixture["sources"][0])  # 409 when it is there already
    for claim in fixture["claims"]:
        httpx.post(base_url + "/claims", json=claim)
    page.goto(base_url + "/?rule=same-figure&status=contradicted&source=" + fixture["sources"][0]["id"])
    opened = page.locator("article.verdict").filter(has_text="quelque 1,23 milliard de dirhams").first
    opened.locator("summary").first.click()
    opened.screenshot(path=str(HERE / "arabic.png"))


def languages(browser: Browser, base_url: str) -> None:
    """The verdicts, the first opened to its evidence, in French, English and Arabic at 1280 px and 360 px."""
    for lang in ("fr", "en", "ar"):
        for width in (1280, 360):
            context = browser.new_context(viewport={"width": width, "height": 720})
            page = context.new_page()
            page.goto(f"{base_url}/?status=contradicted&lang={lang}")
            page.locator("article.verdict summary").first.click()
            page.screenshot(path=str(HERE / f"desk-{lang}-{width}.png"))
            context.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000")
