"""The article reader (service/reading/articles.py): figures found in running text, and the claim proposed for each.

Properties (hypothesis) hold for any text the grammar below writes: a day, a year, a
period, a phone number, a page or article number, a code or an ordinal is never a
candidate; every candidate's span is ``text[start:end]`` and lies inside its quote,
and candidates come in text order.  Examples pin what a desk sees on the seeds.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.figures import parse_figure
from service.reading.articles import read_article, sentences
from service.reading.calendar import MONTHS
from service.reading.lexicon import load_lexicon_dir
from tests.helpers import FIXTURES_DIR, RULES_DIR

LEXICON = load_lexicon_dir(RULES_DIR / "lexicon")
SEED_001 = (FIXTURES_DIR / "articles" / "001_781b1e4fa559a8cc.txt").read_text(encoding="utf-8")


def read(text: str, lang: str = "fr", published: str | None = None, subject: str | None = None):
    day = datetime.date.fromisoformat(published) if published else None
    return read_article(text, lang, day, subject=subject, lexicon=LEXICON)


def by_figure(candidates, figure: str):
    [found] = [c for c in candidates if figure in c.figure]
    return found


# --- examples --------------------------------------------------------------------------


def test_a_figures_span_is_what_the_figure_reader_reads_with_its_qualifier_and_direction():
    text = "Les exportations ont totalisé 1,1 milliard de dirhams en 2024, soit une augmentation de 40 % par rapport à 2019."
    figures = [c.figure for c in read(text)]
    assert figures == ["1,1 milliard de dirhams", "une augmentation de 40 %"]
    assert [c.figure for c in read("a atteint jusqu'à novembre dernier quelque 1,23 milliard de dirhams.", published="2026-01-19")] == ["quelque 1,23 milliard de dirhams"]
    arabic = read("بلغت الصادرات ١٫٢٣ مليار درهم متم نونبر 2025.", "ar")
    assert [c.figure for c in arabic] == ["١٫٢٣ مليار درهم"]
    assert arabic[0].period == "2025-01/2025-11"


def test_seed_article_001_reads_as_the_desk_stored_it():
    candidates = read(SEED_001, published="2026-01-19")
    level = by_figure(candidates, "1,23 milliard")
    assert (level.figure, level.measure, level.period, level.subject) == ("quelque 1,23 milliard de dirhams", "level", "2025-01/2025-11", "ma.handicraft.exports")
    assert level.why["period"] == "period from 'jusqu’à novembre dernier'"
    assert level.reading.unit == "MAD" and level.reading.interval.lo < 1.23e9 < level.reading.interval.hi
    growth = by_figure(candidates, "11 %")
    assert (growth.figure, growth.measure, growth.period, growth.compared_to) == ("en hausse de 11 %", "growth", "2025-01/2025-11", None)
    assert "même période de 2024" in growth.why["compared_to"]
    base = by_figure(candidates, "40 %")
    assert (base.period, base.compared_to) == ("2024", "2019")
    average = by_figure(candidates, "7,4 %")
    assert (average.measure, average.period) == ("average_growth", "2021/2024")
    per_region = by_figure(candidates, "6 salons")  if any(c.figure == "6 salons" for c in candidates) else by_figure([c for c in candidates if c.figure == "6"], "6")
    assert (per_region.measure, per_region.breakdown) == ("average", {"per": "region"})
    artisans = by_figure(candidates, "440.000")
    assert (artisans.subject, artisans.period) == ("ma.handicraft.artisans_registered", "2026-01")
    assert artisans.doubts["period"].startswith("no period named near this figure")


def test_without_a_publication_date_novembre_dernier_is_a_doubt_not_a_guess():
    [candidate] = read("Les exportations ont atteint jusqu'à novembre dernier 1,23 milliard de dirhams.")
    assert candidate.period is None
    assert "publication" in candidate.doubts["period"]


def test_a_sentence_naming_no_period_takes_the_one_in_force_in_its_paragraph_with_a_doubt():
    text = "Les exportations de l'artisanat ont atteint 1,14 milliard de dirhams entre janvier et novembre 2025. Les tapis en captent 18 %."
    first, second = read(text)
    assert first.period == second.period == "2025-01/2025-11"
    assert "period" not in first.doubts
    assert second.doubts["period"] == "period taken from an earlier sentence of the paragraph"
    assert (second.subject, second.breakdown, second.measure) == ("ma.handicraft.exports", {"product": "carpets"}, "share")


def test_the_requests_subject_is_the_articles_unless_a_sentence_names_another():
    text = "Le chiffre a progressé de 5 %.\nLes recettes touristiques ont atteint 112 milliards de dirhams en 2024."
    first, second = read(text, subject="ma.tourism.arrivals")
    assert first.subject == "ma.tourism.arrivals" and first.doubts["subject"] == "the article's subject, as the request gave it"
    assert second.subject == "ma.tourism.receipts"


def test_measures_in_three_languages():
    cases = [
        ("fr", "Les États-Unis captent désormais 49% de la valeur totale des exportations de l'artisanat, en hausse de 28 %.", {"49%": "share", "en hausse de 28 %": "growth"}),
        ("fr", "La France voit sa part reculer de 8 points, pour se stabiliser à 11 %.", {"reculer de 8 points": "share_change", "11 %": "share"}),
        ("fr", "Le chiffre d'affaires a été multiplié par trois en Turquie.", {"a été multiplié par trois": "growth"}),
        ("en", "Exports reached 903 million dirhams, representing an 11% increase.", {"903 million dirhams": "level", "11%": "growth"}),
        ("ar", "ارتفعت الصادرات بنسبة 6,3 في المائة، وبلغت حصة فرنسا 31 في المائة.", {"6,3 في المائة": "growth", "31 في المائة": "share"}),
        ("fr", "un taux de croissance annuel moyen (TCAM) de 7,4 % entre 2021 et 2024", {"7,4 %": "average_growth"}),
    ]
    for lang, text, expected in cases:
        got = {c.figure: c.measure for c in read(text, lang)}
        assert got == expected, (text, got)


def test_a_change_whose_sentence_says_it_fell_apart_from_its_figure_is_read_as_a_fall():
    """Arabic puts the verb first; French and English put words between: the figure alone reads as a rise."""
    cases = [
        ("ar", "تراجعت صادرات الفوسفاط بنسبة 3 في المائة خلال سنة 2025.", "3 في المائة", (-3.5, -2.5)),
        ("ar", "وهبطت واردات الطاقة بـ 3,1 في المائة متم شتنبر 2025.", "3,1 في المائة", (-3.15, -3.05)),
        ("fr", "Les importations reculent ainsi de 3 % en 2025.", "3 %", (-3.5, -2.5)),
        ("en", "Exports posted a 4% drop in 2025.", "4%", (-4.5, -3.5)),
    ]
    for lang, text, figure, bounds in cases:
        [candidate] = [c for c in read(text, lang) if c.figure == figure]
        assert (candidate.measure, candidate.direction) == ("growth", "down"), (text, candidate)
        assert (candidate.reading.interval.lo, candidate.reading.interval.hi) == bounds, text
        assert candidate.why["direction"].startswith("down from"), candidate.why
    risen = read("ارتفعت عائدات السياحة بنسبة 5 في المائة سنة 2025.", "ar")
    assert [(c.direction, c.reading.interval.lo) for c in risen] == [(None, 4.5)], "a rise needs no direction: its figure reads as one"
    printed = read("Les importations ont reculé de 3 % en 2025.", "fr")
    assert [(c.figure, c.direction) for c in printed] == [("ont reculé de 3 %", None)], "a figure printing its direction keeps it"


def test_periods_and_bases_in_words():
    cases = [
        ("fr", "au terme des onze premiers mois de 2025, les exportations ont progressé de 5 %", "2025-01/2025-11", None),
        ("fr", "sur les neuf premiers mois de l'année, les recettes ont crû de 5 %", "2025-01/2025-09", None),
        ("fr", "au titre de l'année 2021, les recettes ont crû de 5 % par rapport à 2019", "2021", "2019"),
        ("fr", "au T3 2025, les recettes ont crû de 5 % en glissement annuel", "2025-07/2025-09", None),
        ("en", "in the first nine months, receipts grew 5% year-on-year", "2025-01/2025-09", None),
        ("ar", "خلال الأشهر الأحد عشر الأولى من سنة 2025 ارتفعت الصادرات بنسبة 5 في المائة مقارنة بسنة 2023", "2025-01/2025-11", "2023-01/2023-11"),
        ("ar", "ارتفعت الصادرات بنسبة 5 في المائة متم نوفمبر 2025", "2025-01/2025-11", None),
    ]
    for lang, text, period, base in cases:
        [candidate] = read(text, lang, published="2025-12-15")
        assert (candidate.period, candidate.compared_to) == (period, base), text


def test_an_elided_unit_is_proposed_with_its_reason():
    text = "It lowers the required minimum turnover from 2 million dirhams to 1 million."
    first, second = read(text, "en")
    assert second.unit == "MAD" and second.measure == "level"
    assert "2 million dirhams" in second.why["unit"] and "unit" in second.doubts


def test_sentences_split_on_their_ends_not_on_abbreviations_or_decimals():
    text = "M. Akhannouch a parlé. Les exportations ont atteint 1.11 milliard. Puis (encore) d'autres."
    spans = sentences(text, 0, len(text))
    assert [text[a:b] for a, b in spans] == ["M. Akhannouch a parlé.", "Les exportations ont atteint 1.11 milliard.", "Puis (encore) d'autres."]


# --- properties ----------------------------------------------------------------------------

FR_MONTHS = [m for m, n in MONTHS.items() if m.isascii() and m not in ("may", "march") and n]
years = st.integers(1990, 2035).map(str)
days = st.integers(1, 28).map(str)
non_figures = st.one_of(
    st.builds(lambda d, m, y: f"le {d} {m} {y}", days, st.sampled_from(["janvier", "mars", "novembre", "décembre"]), years),
    st.builds(lambda d, m, y: f"on {m} {d}, {y}", days, st.sampled_from(["January", "May", "November"]), years),
    st.builds(lambda d, m, y: f"{d}/{m}/{y}", days, st.integers(1, 12).map(str), years),
    st.builds(lambda y, m, d: f"{y}-{m:02d}-{d:02d}", years, st.integers(1, 12), st.integers(1, 28)),
    st.builds(lambda y: f"en {y}", years),
    st.builds(lambda y: f"in {y}", years),
    st.builds(lambda y: f"سنة {y}", years),
    st.builds(lambda a, b: f"entre {a} et {b}", years, years),
    st.builds(lambda a, b: f"{a}-{b}", years, years),
    st.builds(lambda h, m: f"à {h}h{m:02d}", st.integers(0, 23), st.integers(0, 59)),
    st.builds(lambda n: f"page {n}", st.integers(1, 500)),
    st.builds(lambda n: f"section {n}", st.integers(1, 50)),
    st.builds(lambda n: f"l'article {n}", st.integers(1, 200)),
    st.builds(lambda a, b: f"la loi n° {a}-{b}", st.integers(1, 99), st.integers(1, 25)),
    st.builds(lambda n: f"الصفحة {n}", st.integers(1, 99)),
    st.builds(lambda *g: "0{} {:02d} {:02d} {:02d} {:02d}".format(*g), st.integers(5, 7), st.integers(0, 99), st.integers(0, 99), st.integers(0, 99), st.integers(0, 99)),
    st.builds(lambda *g: "+212 {} {:02d} {:02d} {:02d} {:02d}".format(*g), st.integers(5, 7), st.integers(0, 99), st.integers(0, 99), st.integers(0, 99), st.integers(0, 99)),
    st.builds(lambda n: f"0{n}", st.integers(500000000, 799999999)),
    st.builds(lambda n, s: f"la {n}{s} place", st.integers(1, 30), st.sampled_from(["e", "ème", "er"])),
    st.builds(lambda n, s: f"the {n}{s} edition", st.integers(1, 30), st.sampled_from(["st", "nd", "rd", "th"])),
    st.sampled_from(["la deuxième place", "the second place", "المرتبة الثانية", "COP22", "le G20"]),
)
frames = st.sampled_from([
    "Le rapport a été publié {x}.", "Selon le communiqué, {x}, rien n'a changé.", "The report came out {x}, officials said.",
    "{x} : voir le détail.", "صدر التقرير {x} في الرباط.",
])


@settings(max_examples=300, deadline=None)
@given(frames, non_figures)
def test_a_date_year_page_phone_number_code_or_ordinal_is_never_a_candidate(frame, words):
    text = frame.format(x=words)
    assert read(text, "fr") == [] and read(text, "en") == [] and read(text, "ar") == []


figures = st.sampled_from([
    "1,14 milliard de dirhams (MMDH)", "une hausse de 13%", "plus de 47 %", "près de 440.000", "reculer de 8 points",
    "quelque 2.520.000", "en hausse de 11 %", "multiplié par trois", "approximately 1.11 billion dirhams", "up 16%",
    "١٫٢٣ مليار درهم", "بارتفاع 16 في المائة", "20 %", "(18 %)",
])
glue = st.sampled_from([" ", ", ", " et ", " dont ", ". Puis ", " entre janvier et novembre 2025 ", " selon le ministère ", "\n"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(glue, figures, st.one_of(st.none(), non_figures)), min_size=1, max_size=6), st.sampled_from(["fr", "en", "ar"]))
def test_candidates_are_their_spans_in_text_order_inside_their_quotes(parts, lang):
    text = "Les exportations".join("") + "".join(f"{g}{f}{' ' + n if n else ''}" for g, f, n in parts)
    candidates = read(text, lang)
    starts = [c.start for c in candidates]
    assert starts == sorted(starts)
    for candidate in candidates:
        assert text[candidate.start : candidate.end] == candidate.figure
        assert candidate.quote.text == text[candidate.quote.start : candidate.quote.end]
        assert candidate.quote.start <= candidate.start and candidate.end <= candidate.quote.end
        parse_figure(candidate.figure, lang)  # what the figure reader reads, and nothing else
    for _, figure, _ in parts:  # every printed figure is found (its number, at least)
        number = figure.strip("()")
        assert any(number in c.figure or c.figure in number for c in candidates), (text, figure, [c.figure for c in candidates])


@pytest.mark.parametrize("path", sorted((FIXTURES_DIR / "articles").glob("*.txt")), ids=lambda p: p.stem)
def test_every_seed_candidate_explains_every_field_it_proposes(path: Path):
    for candidate in read(path.read_text(encoding="utf-8")):
        for name in ("measure", "period", "subject"):
            if getattr(candidate, name) is not None:
                assert candidate.why.get(name), (candidate.figure, name)
            else:
                assert name in candidate.doubts or name == "measure", (candidate.figure, name)
        for dimension in candidate.breakdown:
            assert candidate.why[f"breakdown.{dimension}"]
