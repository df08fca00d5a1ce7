"""The desk says who and what (issue 22): names, quantities, periods and margins with their units, on every page.

Read over HTTP from a real app on the seeded store; what a person sees in a browser is in
tests/test_browser_desk.py.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from litestar.testing import TestClient

from service.api.language import catalog
from service.api.reading import DeskNumbers, desk_locale
from service.api.verdict_views import margin_with_unit
from service.errors import RuleFileError
from service.rules.loader import load_rules_file
from service.store import Store
from tests.helpers import desk_post

LEVEL_114, LEVEL_123 = "1,14 milliard de dirhams (MMDH)", "quelque 1,23 milliard de dirhams"
SOURCE_IDS = ("akhannouch-2026-01-19", "communique-2025-12", "saidi-councillors-2025", "lopinion-2025-11-26", "convention-2025-04")
FRENCH = DeskNumbers(desk_locale("fr"), catalog("fr"))  # a French page: its digits and its words


def text_of(fragment: str) -> str:
    """The words a reader sees in an HTML fragment: tags out (a cell's or a line's end a space), entities read; <q>'s marks are CSS's."""
    spaced = re.sub(r"<(br|/td|/th|/li|/p|/dt|/dd|/h\d)\b[^>]*>", " ", fragment)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", spaced)).split())


def article_of(page: str, verdict_id: str) -> str:
    return next(a for a in page.split("<article")[1:] if f'id="{verdict_id}"' in a)


def summary_of(article: str) -> str:
    return text_of(article.split("<summary>")[1].split("</summary>")[0])


def the_levels_verdict(client: TestClient) -> dict:
    listed = client.get("/verdicts", params={"rule": "same-figure", "status": "contradicted"}).json()["verdicts"]
    return next(v for v in listed if {c["figure"] for c in v["claims"]} == {LEVEL_114, LEVEL_123})


def the_chain_verdict(client: TestClient) -> dict:
    """Akhannouch's 1,23 billion up 11 % against Saidi's 1,11 billion for 2024: growth-links-levels, with diagnoses."""
    listed = client.get("/verdicts", params={"rule": "growth-links-levels", "limit": 100}).json()["verdicts"]
    return next(v for v in listed if {c["figure"] for c in v["claims"]} == {LEVEL_123, "en hausse de 11 %", "approximately 1.11 billion dirhams"})


# --- 1. say who and what ---------------------------------------------------------------------


def test_every_verdict_row_names_the_subject_the_period_and_the_outlets_beside_the_quotes_and_the_margin(seeded_reader: TestClient) -> None:
    page = seeded_reader.get("/", params={"status": "contradicted"}).text
    levels = summary_of(article_of(page, the_levels_verdict(seeded_reader)["id"]))
    assert "Aziz Akhannouch: quelque 1,23 milliard de dirhams" in levels  # the speaker, and the figure as printed
    assert "Département de l'Artisanat et de l'Économie sociale: 1,14 milliard de dirhams (MMDH)" in levels  # no speaker: the outlet
    assert "— handicraft exports, Jan–Nov 2025: off by 80 M MAD (7.0 % of the smaller figure)" in levels
    assert "Les exportations de l'artisanat marocain poursuivent leur dynamique positive" in levels  # the article's title
    for article in page.split("<article")[1:]:
        summary = summary_of(article)
        assert not any(source_id in summary for source_id in SOURCE_IDS), summary  # outlets by name, never an id
        assert re.search(r"\d{4}", summary) and "printed in" in summary, summary  # a period, and where it was printed


def test_a_verdict_pages_heading_is_a_sentence_naming_who_printed_each_figure_and_how_far_apart(seeded_reader: TestClient) -> None:
    verdict = the_levels_verdict(seeded_reader)
    page = seeded_reader.get(f"/desk/verdicts/{verdict['id']}").text
    heading = text_of(re.search(r'<h1 class="verdict-heading">(.*?)</h1>', page, re.S).group(1))  # type: ignore[union-attr]
    assert heading == (
        "Département de l'Artisanat et de l'Économie sociale: 1,14 milliard de dirhams (MMDH); "
        "Aziz Akhannouch: quelque 1,23 milliard de dirhams — handicraft exports, Jan–Nov 2025: off by 80 M MAD (7.0 % of the smaller figure)"
    )


def test_roles_are_the_rules_labels_else_the_outlet_and_period_never_a_binding_name(seeded_reader: TestClient) -> None:
    chain = the_chain_verdict(seeded_reader)
    page = seeded_reader.get(f"/desk/verdicts/{chain['id']}", params={"lang": "fr"}).text
    roles = [text_of(cell) for cell in re.findall(r"<tr>\s*<td>(.*?)<br>", page, re.S)]
    # growth-links-levels labels its bindings; the page's language (here French) picks the French ones
    assert roles == ["le niveau de la période", "sa croissance", "le niveau de la période de base"]
    english = seeded_reader.get(f"/desk/verdicts/{chain['id']}").text
    assert "le niveau de la période" not in english
    levels = seeded_reader.get(f"/desk/verdicts/{the_levels_verdict(seeded_reader)['id']}").text
    roles = [text_of(cell) for cell in re.findall(r"<tr>\s*<td>(.*?)<br>", levels, re.S)]
    assert roles == ["Département de l'Artisanat et de l'Économie sociale, Jan–Nov 2025", "unknown, Jan–Nov 2025"]  # same-figure has no labels
    for shown in (page, levels):
        table = shown.split('<table class="evidence">')[1].split("</table>")[0]
        assert not re.search(r"<td>\s*(first|second|current|base|growth)\b", table)


def test_a_margin_always_names_its_unit() -> None:
    assert margin_with_unit(80e6, "MAD", FRENCH) == "80 M MAD"
    assert margin_with_unit(1.25e9, "MAD", FRENCH) == "1,25 Md MAD"
    assert re.fullmatch(r"4\W?500 MAD", margin_with_unit(4500, "MAD", FRENCH) or "")  # grouped as the locale groups
    assert margin_with_unit(13.5, "points", FRENCH) == "13,5 points"
    assert margin_with_unit(1.4, "count", FRENCH) == "1,4 (nombre)"
    assert margin_with_unit(None, "MAD", FRENCH) is None and margin_with_unit(0.0, "MAD", FRENCH) is None
    assert (margin_with_unit(1.7e308, "MAD", FRENCH) or "").endswith(" Md MAD")  # any double the API takes


# --- 2. diagnoses that explain come first -----------------------------------------------------


def test_readings_that_explain_come_first_and_the_rest_are_folded_under_one_line(seeded_reader: TestClient) -> None:
    chain = the_chain_verdict(seeded_reader)
    explaining = [d for d in chain["diagnoses"] if d["status"] == "consistent"]
    others = [d for d in chain["diagnoses"] if d["status"] != "consistent"]
    assert explaining and others  # the seeds: a full-year base would make them tally; three readings would not
    article = article_of(seeded_reader.get(f"/desk/verdicts/{chain['id']}").text, chain["id"])
    first, folded = article.split('<details class="other-readings">')
    assert all(html.escape(d["title"], quote=False) in first for d in explaining)
    summary = text_of(folded.split("</summary>")[0])
    assert summary == f"{len(others)} other readings tried; none makes the figures tally"
    assert all(html.escape(d["title"], quote=False) in folded and html.escape(d["title"], quote=False) not in first for d in others)
    levels = the_levels_verdict(seeded_reader)  # nothing explains it: every reading folded, "tried", not "other"
    folded_only = article_of(seeded_reader.get(f"/desk/verdicts/{levels['id']}").text, levels["id"])
    assert f"{len(levels['diagnoses'])} readings tried; none makes the figures tally" in folded_only
    assert '<ul class="diagnoses">' not in folded_only.split('<details class="other-readings">')[0]


# --- 3. the subject view -----------------------------------------------------------------------


def test_the_subject_view_opens_with_its_contradictions_then_one_chart_per_period_and_base(seeded_reader: TestClient) -> None:
    page = seeded_reader.get("/subjects/ma.handicraft.exports").text
    assert page.index('<section class="contradictions"') < page.index('<section class="chart">')
    contradicted = seeded_reader.get("/verdicts", params={"subject": "ma.handicraft.exports", "status": "contradicted", "limit": 100}).json()
    assert len(re.findall(r'<article class="verdict contradicted"', page)) == contradicted["total"]
    headings = [text_of(h) for h in re.findall(r'<section class="chart">\s*<h3>(.*?)</h3>', page, re.S)]
    # "+3 % vs 2023" and "+40 % vs 2019" (one quote) are two quantities, on two axes
    assert "growth of the whole, 2024 (12 months), vs 2023" in headings and "growth of the whole, 2024 (12 months), vs 2019" in headings
    levels = next(s for s in page.split('<section class="chart">')[1:] if "level of the whole, Jan–Nov 2025 (11 months)</h3>" in s)
    rows = re.findall(r'<li class="bar-row( contradicted)?">(.*?)</li>', levels, re.S)
    marked = {text_of(row) for flag, row in rows if flag}
    assert any(LEVEL_114 in row and "✗" in row for row in marked) and any(LEVEL_123 in row for row in marked)
    assert all("Jan–Nov 2025" in text_of(row) for _, row in rows)  # every bar names its period


# --- 4. a claim's page --------------------------------------------------------------------------


def test_a_claims_page_shows_its_reading_its_verdicts_its_subject_and_its_source(seeded_reader: TestClient) -> None:
    claim = next(c for c in seeded_reader.get("/claims", params={"subject": "ma.handicraft.exports", "limit": 1000}).json() if c["figure"] == LEVEL_123)
    page = seeded_reader.get(f"/desk/claims/{claim['id']}").text
    facts = text_of(page.split('<dl class="claim-facts">')[1].split("</dl>")[0])
    assert "1.225 bn to 1.235 bn MAD" in facts and "'milliard' scales by 10^9" in facts  # the interval and its steps
    assert "Aziz Akhannouch" in facts and "La valeur des exportations du secteur" in facts  # its source: speaker, title
    assert 'href="/subjects/ma.handicraft.exports"' in page
    verdicts = seeded_reader.get("/verdicts", params={"claim": claim["id"], "limit": 100}).json()
    shown = re.findall(r'<article class="verdict \w+" id="([^"]+)"', page.split('<section class="claim-verdicts"')[1])
    assert sorted(shown) == sorted(v["id"] for v in verdicts["verdicts"]) and len(shown) == verdicts["total"] > 1
    assert page.index('<section class="claim-verdicts"') < page.index("<h2>Retract it</h2>") < page.index("<h2>Correct it</h2>")


# --- 5. forms, blame, unchecked, favicon, schema -----------------------------------------------


def test_the_form_picks_a_source_by_outlet_and_title_with_no_silent_default(seeded_client: TestClient) -> None:
    page = seeded_client.get("/desk/new").text
    select = page.split('<select id="source" name="source" required>')[1].split("</select>")[0]
    options = re.findall(r'<option value="([^"]*)"([^>]*)>([^<]*)</option>', select)
    assert options[0][0] == "" and all("selected" not in attributes for _, attributes, _ in options)
    named = {value: html.unescape(text) for value, _, text in options[1:]}
    assert named["akhannouch-2026-01-19"].startswith("unknown — La valeur des exportations") and "(Aziz Akhannouch)" in named["akhannouch-2026-01-19"]
    assert all(value not in text for value, text in named.items())  # the id is the value sent, never the words read
    missing = desk_post(seeded_client, "/desk/new", {"source": "", "quote": "x", "subject": "ma.x", "measure": "level", "period": "2025", "figure": "3", "action": "check"})
    assert missing.status_code == 422 and re.search(r'id="source-problem" role="alert">[^<]+', missing.text)


def test_the_form_takes_origin_and_released(seeded_client: TestClient, seeded_store: Store) -> None:
    fields = {"source": "lopinion-2025-11-26", "quote": "selon l'Office des changes, 1,15 milliard de dirhams", "subject": "ma.handicraft.exports",
              "measure": "level", "period": "2025-01/2025-11", "figure": "1,15 milliard de dirhams", "origin": "ma.office_des_changes",
              "released": "2025-12", "action": "store"}
    page = desk_post(seeded_client, "/desk/new", fields).text
    stored = re.search(r"stored as (c-[0-9a-f]+)", page)
    assert stored, text_of(page)[:2000]
    claim = seeded_client.get(f"/claims/{stored.group(1)}").json()
    assert (claim["origin"], claim["released"]) == ("ma.office_des_changes", "2025-12")
    again = seeded_client.get(f"/desk/claims/{claim['id']}").text  # the correction form starts from them
    assert 'value="ma.office_des_changes"' in again and 'value="2025-12"' in again


def test_a_dry_run_lists_contradictions_first_by_margin_with_each_figures_outlet(seeded_client: TestClient) -> None:
    fields = {"source": "lopinion-2025-11-26", "quote": "les exportations ont atteint 1,5 milliard de dirhams", "subject": "ma.handicraft.exports",
              "measure": "level", "period": "2025-01/2025-11", "figure": "1,5 milliard de dirhams", "action": "check"}
    page = desk_post(seeded_client, "/desk/new", fields).text
    answer = page.split('<section class="answer">')[1]
    statuses = re.findall(r'<article class="verdict (\w+)"', answer)
    order = ["contradicted", "implausible", "revised", "unverifiable", "consistent"]
    assert statuses and statuses == sorted(statuses, key=order.index) and statuses[0] == "contradicted"
    percents = [float(p.replace(",", "").replace("\u202f", "").replace("\xa0", "")) for p in re.findall(r"\(([\d  ,.]+) % of the smaller figure\)", answer)]
    contradicted = [a for a in answer.split("<article")[1:] if a.startswith(' class="verdict contradicted"')]
    assert len(percents) >= len(contradicted) > 1
    assert percents[: len(contradicted)] == sorted(percents[: len(contradicted)], reverse=True)
    assert all("L'Opinion" in summary_of(a) or "L&#39;Opinion" in a for a in contradicted)  # the new figure's outlet, by name


def test_blame_lists_the_ranked_figures_first_each_with_its_figure_then_the_minimal_sets(seeded_reader: TestClient) -> None:
    blame = seeded_reader.get("/blame").json()
    page = seeded_reader.get("/desk/blame").text
    assert page.index('<ol class="suspects">') < page.index('<ol class="minimal-sets">')
    claims = {c["id"]: c for c in seeded_reader.get("/claims", params={"limit": 1000}).json()}
    ranked = page.split('<ol class="suspects">')[1].split('<ol class="minimal-sets">')[0]
    for suspect in blame["claims"]:
        item = ranked.split(f'<li id="{suspect["id"]}">')[1].split('<ul class="contradictions">')[0]
        assert f'<q dir="auto" class="figure">{html.escape(claims[suspect["id"]]["figure"])}</q>' in item
    sets = page.split('<ol class="minimal-sets">')[1]
    for chosen in blame["minimal_sets"]:
        for claim_id in chosen:
            assert html.escape(claims[claim_id]["figure"]) in sets.split(f'href="#{claim_id}"')[1].split("</a>")[0]


def test_unchecked_shows_the_breakdown_and_breaks_keys_only_at_their_dots(seeded_reader: TestClient) -> None:
    page = seeded_reader.get("/desk/unchecked").text
    claims = {c["id"]: c for c in seeded_reader.get("/claims", params={"limit": 1000}).json()}
    rows = re.findall(r'<tr id="(c-[^"]+)">(.*?)</tr>', page, re.S)
    assert rows
    for claim_id, row in rows:
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        breakdown = claims[claim_id]["breakdown"]
        assert text_of(cells[2]) == (", ".join(f"{k}: {v}" for k, v in breakdown.items()) or "the whole")
        subject = claims[claim_id]["subject"]
        assert ".<wbr>".join(subject.split(".")) in cells[1]
    assert any(claims[claim_id]["breakdown"] for claim_id, _ in rows)  # the seeds have unchecked claims of a breakdown
    css = (Path(__file__).resolve().parent.parent / "service" / "assets" / "desk.css").read_text(encoding="utf-8")
    assert ".unchecked td { overflow-wrap: anywhere" not in css


def test_a_favicon_and_the_schema_linked_both_ways(seeded_reader: TestClient) -> None:
    icon = seeded_reader.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml") and b"<svg" in icon.content
    page = seeded_reader.get("/").text
    assert '<link rel="icon" type="image/svg+xml" href="/assets/favicon.svg">' in page
    assert seeded_reader.get("/assets/favicon.svg").status_code == 200
    nav = page.split('<nav aria-label="Desk">')[1].split("</nav>")[0]
    assert '<a href="/schema">API</a>' in nav
    schema = seeded_reader.get("/schema").text
    assert '<a href="/">' in schema and "/assets/favicon.svg" in schema


# --- labels in the rule language ---------------------------------------------------------------

RULE = """\
id: labelled
title: Labelled
description: Two figures of one quantity.
bind:
  first:
    measure: level
    labels: {fr: le premier chiffre, en: the first figure, ar: الرقم الأول}
  second:
    measure: same as first
    like: first
{extra}check: first == second
"""


def test_a_rule_may_label_its_bindings_in_the_three_languages(tmp_path: Path) -> None:
    path = tmp_path / "labelled.yaml"
    path.write_text(RULE.replace("{extra}", ""), encoding="utf-8")
    [rule] = load_rules_file(path)
    assert dict(rule.binding("first").labels) == {"fr": "le premier chiffre", "en": "the first figure", "ar": "الرقم الأول"}
    assert rule.binding("second").labels == ()


@pytest.mark.parametrize(
    ("labels", "where", "reason"),
    [
        ("{de: erste}", (11, 14), "no desk language 'de'"),
        ("{en: '  '}", (11, 18), "a blank label"),
        ('{en: "two\\nlines"}', (11, 18), "a few words on one line"),
        ("{en: " + "x" * 81 + "}", (11, 18), "at most 80 characters"),
        ("[en, fr]", (11, 13), "Expected `object | null`"),
    ],
)
def test_a_broken_label_is_refused_at_its_line_and_column(tmp_path: Path, labels: str, where: tuple[int, int], reason: str) -> None:
    path = tmp_path / "labelled.yaml"
    path.write_text(RULE.replace("    like: first\n", f"    like: first\n    labels: {labels}\n").replace("{extra}", ""), encoding="utf-8")
    with pytest.raises(RuleFileError) as raised:
        load_rules_file(path)
    [problem] = raised.value.problems
    assert (problem.line, problem.column) == where and reason in problem.reason, (problem.line, problem.column, problem.reason)
