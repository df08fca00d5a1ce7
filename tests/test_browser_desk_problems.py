"""A refused form and an article's notes, in a real browser, in the page's language: no English island of ours.

Debian's chromium driven by Playwright against the seeded server, as tests/test_browser_language.py
does.  A reporter who types a period that is none, or a figure Tally cannot read, reads why in
the language the desk speaks; the article page's notes on each candidate (why Tally proposes a
measure, a period; what it doubts) are in that language too.  Nothing the desk writes itself is
left marked ``lang="en"`` in the page's main part (the language menu, in the header, names
"English" in English on purpose).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect


PROBLEMS = {
    "fr": {"period": "« 2025-13 » n'est ni une année (2024) ni un mois (2025-11)",
           "figure": "impossible de lire « beaucoup » comme un chiffre : « beaucoup » n'est ni un nombre",
           "quote": "obligatoire : remplissez-le"},
    "en": {"period": "'2025-13' is not a year (2024) or a month (2025-11)",
           "figure": "cannot read 'beaucoup' as a figure: 'beaucoup' is not a number",
           "quote": "required: fill it in"},
    "ar": {"period": "«2025-13» ليس سنة (2024) ولا شهرًا (2025-11)",
           "figure": "تعذّرت قراءة «beaucoup» رقمًا: «beaucoup» ليس عددًا",
           "quote": "إلزامي: املأه"},
}  # fmt: skip
ARTICLE = "Les exportations ont atteint 1,14 milliard de dirhams, en hausse de 3 %."
NOTES = {
    "fr": ("un montant en dirhams (« 1,14 milliard de dirhams »)", "période : aucune période nommée, et pas de date de publication"),
    "en": ("an amount in dirhams ('1,14 milliard de dirhams')", "period: no period named, and no publication date"),
    "ar": ("مبلغ بالدرهم («1,14 milliard de dirhams»)", "فترة: لا فترة مذكورة، ولا تاريخ نشر"),
}


def _fill_claim(page: Page, server: str, lang: str, **typed: str) -> None:
    page.goto(f"{server}/desk/new?lang={lang}")
    page.select_option("#source", "communique-2025-12")
    page.select_option("#measure", "level")
    fields = {"quote": "les exportations ont atteint 1,5 milliard de dirhams", "subject": "ma.handicraft.exports", "period": "2025-01/2025-11",
              "figure": "1,5 milliard de dirhams", **typed}
    for name, value in fields.items():
        page.fill(f"#{name}", value)
    page.click("button[name=action][value=check]")


@pytest.mark.parametrize("lang", ["fr", "en", "ar"])
def test_a_refused_claim_form_says_each_problem_in_the_page_s_language(page: Page, seeded_server: str, lang: str) -> None:
    for field, typed in (("period", "2025-13"), ("figure", "beaucoup"), ("quote", "")):
        _fill_claim(page, seeded_server, lang, **{field: typed})
        expect(page.locator(f"#{field}-problem")).to_contain_text(PROBLEMS[lang][field])
        expect(page.locator("html")).to_have_attribute("lang", lang)
        if lang != "en":
            expect(page.locator("main [lang=en]")).to_have_count(0)


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_the_figure_read_as_it_is_typed_says_why_it_cannot_be_read_in_the_page_s_language(page: Page, seeded_server: str, lang: str) -> None:
    page.goto(f"{seeded_server}/desk/new?lang={lang}")
    page.fill("#figure", "beaucoup")
    expect(page.locator("#reading")).to_contain_text(PROBLEMS[lang]["figure"])


@pytest.mark.parametrize("lang", ["fr", "en", "ar"])
def test_the_article_page_s_notes_are_in_the_page_s_language(page: Page, seeded_server: str, lang: str) -> None:
    page.goto(f"{seeded_server}/desk/articles/new?lang={lang}")
    page.fill("textarea[name=text]", ARTICLE)
    page.select_option("select[name=language]", "fr")
    page.click("button[name=action][value=read]")
    why, doubt = NOTES[lang]
    expect(page.locator("small.why").first).to_contain_text(why)
    expect(page.locator("span.doubt").first).to_contain_text(doubt)
    if lang != "en":
        # the article itself is French (lang="fr"); nothing of ours is English
        expect(page.locator("main [lang=en]")).to_have_count(0)
    assert page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 0, "the page scrolls sideways"
