"""Take the README's screenshots of the desk: ``python docs/screenshots.py http://127.0.0.1:8000``.

Run against a server on the seed fixtures (``make serve``); drives Debian's chromium
(``TALLY_CHROMIUM``, else ``/usr/bin/chromium``) as tests/test_browser.py does.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent


def main(base_url: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=os.environ.get("TALLY_CHROMIUM", "/usr/bin/chromium"), args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1000, "height": 900})
        page.goto(base_url + "/?status=contradicted")
        page.locator("article.verdict summary").first.click()
        page.screenshot(path=str(HERE / "desk.png"), full_page=False)
        page.goto(base_url + "/subjects/ma.handicraft.exports")
        page.locator("section.chart", has_text="level of the whole, Jan-Nov 2025").screenshot(path=str(HERE / "subject.png"))
        page.goto(base_url + "/desk/new")
        page.get_by_label("Source").select_option("communique-2025-12")
        page.get_by_label("Exact quote").fill("les exportations ont atteint 1,5 milliard de dirhams")
        page.get_by_label("Subject").fill("ma.handicraft.exports")
        page.get_by_label("Measure").select_option("level")
        page.get_by_label("Period").fill("2025-01/2025-11")
        page.get_by_label("Figure, as printed").fill("1,5 milliard de dirhams")
        page.get_by_role("button", name="Check (store nothing)").click()
        page.screenshot(path=str(HERE / "form.png"), full_page=True)
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000")
