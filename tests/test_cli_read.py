"""``tally read FILE``: an article's candidates as a table, as TSV when piped, or as JSON; .html through trafilatura."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from service.cli import main
from tests.helpers import FIXTURES_DIR

SEED_001 = FIXTURES_DIR / "articles" / "001_781b1e4fa559a8cc.txt"
PAGE = """<!DOCTYPE html><html><head><title>Artisanat</title></head><body>
<nav><a href="/">Accueil</a> <a href="/2024">Archives 2024</a> <span>Tél. 05 37 21 63 00</span></nav>
<article><h1>Les exportations de l'artisanat en hausse</h1>
<p>Les exportations de l'artisanat ont atteint 1,14 milliard de dirhams entre janvier et novembre 2025, en hausse de 13 % par rapport à la même période de l'année précédente.</p>
<p>Les tapis représentent 18 % du chiffre d'affaires du secteur, selon le département de l'Artisanat, qui précise que la France voit sa part reculer de 8 points.</p>
</article>
<aside>Les plus lus : 12 articles</aside><footer>© 2025 Le Journal, 3 rue des Fleurs</footer></body></html>"""


def run(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_piped_output_is_tab_separated_one_candidate_a_line_with_whole_fields():
    result = run("read", SEED_001, "--lang", "fr", "--published", "2026-01-19")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split("\t") == ["#", "figure", "measure", "period", "compared_to", "subject", "breakdown", "doubts"]
    assert lines[1].split("\t")[:6] == ["1", "quelque 1,23 milliard de dirhams", "level", "2025-01/2025-11", "", "ma.handicraft.exports"]
    assert len(lines) == 15 and all(len(line.split("\t")) == 8 for line in lines)


def test_json_carries_each_candidate_with_why_and_doubts():
    result = run("read", SEED_001, "--lang", "fr", "--json")
    candidates = json.loads(result.output)["candidates"]
    assert candidates[0]["figure"] == "quelque 1,23 milliard de dirhams"
    assert "no publication date" in candidates[0]["doubts"]["period"]  # no --published: the year is a doubt, said


def test_an_html_page_is_read_through_its_article_and_the_answer_holds_the_text_the_offsets_refer_to(tmp_path: Path):
    page = tmp_path / "article.html"
    page.write_text(PAGE, encoding="utf-8")
    answer = json.loads(run("read", page, "--lang", "fr", "--json").output)
    text = answer["text"]
    assert "Accueil" not in text and "Les plus lus" not in text  # the menus and asides are not the article
    figures = [c["figure"] for c in answer["candidates"]]
    assert figures == ["en hausse", "1,14 milliard de dirhams", "en hausse de 13 %", "18 %", "reculer de 8 points"]  # the headline says "en hausse" too
    for candidate in answer["candidates"]:
        assert text[candidate["start"] : candidate["end"]] == candidate["figure"]


def test_a_binary_file_is_refused_with_a_reason(tmp_path: Path):
    binary = tmp_path / "scan.html"
    binary.write_bytes(b"%PDF-1.7\x00\x01\x02")
    result = CliRunner().invoke(main, ["read", str(binary), "--lang", "fr"])
    assert result.exit_code == 2
    assert "binary" in result.output
