"""The lexicon (rules/lexicon/*.yaml, service/reading/lexicon.py): data a desk edits, checked as rules are."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from service.reading.lexicon import lint_lexicon_dir, load_lexicon_dir
from service.rules.book import RuleBook
from tests.helpers import RULES_DIR

LEXICON_DIR = RULES_DIR / "lexicon"


def test_the_shipped_lexicon_lints_clean_and_reads_its_examples():
    assert lint_lexicon_dir(LEXICON_DIR) == []
    lexicon = load_lexicon_dir(LEXICON_DIR)
    assert {"ma.handicraft.exports", "ma.tourism.arrivals", "ma.remittances", "ma.cpi"} <= lexicon.subjects


def test_a_subject_and_a_member_are_named_in_three_languages():
    lexicon = load_lexicon_dir(LEXICON_DIR)
    for text in ("les tapis", "carpets", "الزرابي", "والزرابي"):
        [named] = lexicon.find(text, members=True)
        assert [(e.dimension, e.key) for e in named.entries] == [("product", "carpets")], text
    for text in ("les États-Unis", "the US", "الولايات المتحدة"):
        [named] = lexicon.find(text, members=True)
        assert {(e.dimension, e.key) for e in named.entries} == {("country", "us")}, text


def rules_with_lexicon(tmp_path: Path, yaml: str) -> Path:
    folder = tmp_path / "rules"
    shutil.copytree(RULES_DIR, folder, ignore=shutil.ignore_patterns("__pycache__", "lexicon"))
    (folder / "lexicon").mkdir()
    (folder / "lexicon" / "desk.yaml").write_text(yaml, encoding="utf-8")
    return folder


def lint(folder: Path) -> subprocess.CompletedProcess[str]:
    tally = Path(sys.executable).with_name("tally")
    return subprocess.run([str(tally), "rules", "lint", str(folder)], capture_output=True, text=True, timeout=120)


def test_tally_rules_lint_reports_a_broken_lexicon_at_its_file_line_and_column(tmp_path: Path):
    folder = rules_with_lexicon(tmp_path, "subjects:\n  - key: ma.ok\n    names: {fr: [truc]}\n  - key: ma.other\n    names: {fr: [Truc]}\n")
    result = lint(folder)
    assert result.returncode == 1
    assert f"{folder}/lexicon/desk.yaml:5:18: subjects.1.names.fr.0: the name 'Truc' already names ma.ok" in result.stderr

    folder = rules_with_lexicon(tmp_path / "2", "subjects:\n  - key: ma.ok\n    nams: {fr: [x]}\n")
    result = lint(folder)
    assert result.returncode == 1
    assert "desk.yaml:3:5: subjects.0.nams: Object contains unknown field `nams` (hint: allowed keys are key, names, within)" in result.stderr


def test_an_example_the_lexicon_no_longer_reads_fails_lint_where_it_is_written(tmp_path: Path):
    folder = rules_with_lexicon(tmp_path, "subjects:\n  - key: ma.ok\n    names: {fr: [truc]}\nexamples:\n  - {lang: fr, text: rien, subject: ma.ok}\n")
    result = lint(folder)
    assert result.returncode == 1
    assert "desk.yaml:5:5: examples: example 'rien': expected subject ma.ok, the lexicon finds no subject" in result.stderr


def test_a_desk_adds_a_subject_with_no_code_and_a_reload_puts_it_in_force(tmp_path: Path):
    folder = rules_with_lexicon(tmp_path, "subjects:\n  - key: ma.ok\n    names: {fr: [truc]}\n")
    book = RuleBook(folder)
    assert "ma.fishing.catch" not in book.current.lexicon.subjects
    (folder / "lexicon" / "fishing.yaml").write_text(
        "subjects:\n  - key: ma.fishing.catch\n    names: {fr: [débarquements de la pêche côtière], en: [coastal fishing landings], ar: [مفرغات الصيد الساحلي]}\n",
        encoding="utf-8",
    )
    book.reload()
    assert "ma.fishing.catch" in book.current.lexicon.subjects
