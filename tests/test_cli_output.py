"""What ``tally`` prints for a pipe and for a person (service/output.py).

In a pipe (click's CliRunner is not a terminal) no row cuts an identifier or wraps a
number: tab-separated rows, or ``--format json|ndjson``; at a pseudo-terminal, rich tables,
and ``--json`` indented.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from service.cli import main
from tests.helpers import FIXTURES_DIR, RULES_DIR, run_in_terminal

LONGEST_RULE = "average-growth-links-yearly-growths"  # the id a table at 80 columns cut first


def tally(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)  # 80 columns, as a pipe gets


@pytest.fixture(scope="module")
def seeded_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("output") / "seeded.duckdb"
    assert tally("load", "--db", db, *sorted(FIXTURES_DIR.glob("*.json"))).exit_code == 0
    return db


def test_check_stats_in_a_pipe_is_a_row_per_rule_that_grep_finds(seeded_db: Path) -> None:
    """``tally check --stats | grep growth-links-levels`` finds the rule's row, whole."""
    printed = tally("check", "--db", seeded_db, "--rules", RULES_DIR, "--stats").stdout
    summary = printed.split("\n\n")[0].splitlines()
    [row] = [line for line in summary if line.split("\t")[0] == "growth-links-levels"]
    rule, *counts, seconds = row.split("\t")
    assert len(counts) == 5 and all(count.isdigit() for count in counts)
    float(seconds)
    assert any(line.startswith(LONGEST_RULE + "\t") for line in summary), "no identifier cut"
    assert "…" not in printed and "│" not in printed, "no table in a pipe"


def test_check_verdict_rows_hold_every_field_whole_and_numbers_unrounded(seeded_db: Path) -> None:
    printed = tally("check", "--db", seeded_db, "--rules", RULES_DIR).stdout
    verdicts = json.loads(tally("check", "--db", seeded_db, "--rules", RULES_DIR, "--json").stdout)["verdicts"]
    listing = printed.split("\n\n")[1].splitlines()
    assert listing[0].split("\t") == ["verdict", "status", "rule", "margin", "unit", "figures", "computation"]
    for line, verdict in zip(listing[1:], verdicts, strict=True):
        cells = line.split("\t")
        assert len(cells) == 7, line
        assert cells[:3] == [verdict["id"], verdict["status"], verdict["rule"]]
        assert (float(cells[3]) if cells[3] else None) == verdict["margin"], "the margin in full, not as a table rounds it"
        for evidence in verdict["claims"]:
            assert " ".join(evidence["quote"].split()) in cells[5]


@pytest.mark.parametrize("command", [["check"], ["blame"]])
def test_ndjson_is_a_json_object_a_row_and_json_one_compact_document(seeded_db: Path, command: list[str]) -> None:
    base = [*command, "--db", seeded_db, "--rules", RULES_DIR]
    lines = tally(*base, "--format", "ndjson").stdout.splitlines()
    document = tally(*base, "--format", "json").stdout
    assert document.count("\n") == 1, "compact in a pipe: one line"
    whole = json.loads(document)
    rows = whole["verdicts"] if command == ["check"] else whole["claims"]
    assert [json.loads(line) for line in lines] == rows
    timeless = lambda answer: {**answer, "seconds": None, "rules": [{**rule, "seconds": None} for rule in answer.get("rules", [])]}  # noqa: E731
    assert timeless(json.loads(tally(*base, "--json").stdout)) == timeless(whole), "--json stays, as --format json"


def test_parse_in_a_pipe_keeps_the_interval_on_one_line() -> None:
    figure = "quelque 123 456 789,5 millions de dirhams"  # at a terminal: [123 456 789 450 000, 123 456 789 550 000] MAD, wrapped at 80 columns
    result = tally("parse", figure)
    header, row = result.stdout.splitlines()
    assert row.split("\t")[:4] == [figure, "123456789450000", "123456789550000", "MAD"]
    assert "result: [1.2345678945e14, 1.2345678955e14] MAD" in row.split("\t")[4]
    assert json.loads(tally("parse", figure, "--format", "json").stdout)["lo"] == 123456789450000


def test_blame_in_a_pipe_names_each_claim_whole(seeded_db: Path) -> None:
    answer = json.loads(tally("blame", "--db", seeded_db, "--rules", RULES_DIR, "--json").stdout)
    claims = tally("blame", "--db", seeded_db, "--rules", RULES_DIR).stdout.split("\n\n")[0].splitlines()[1:]
    for line, suspect in zip(claims, answer["claims"], strict=True):
        claim, contradictions, weight, source, quote, in_a_set = line.split("\t")
        assert (claim, source, quote) == (suspect["id"], suspect["source"], " ".join(suspect["quote"].split()))


def test_rules_test_in_a_pipe_is_a_row_per_rule() -> None:
    result = tally("rules", "test", RULES_DIR, "--worlds", "0", "--rule", LONGEST_RULE, "--rule", "same-figure")
    header, *rows = result.stdout.splitlines()[:3]
    assert header.split("\t") == ["rule", "examples_passed", "examples"]
    assert [row.split("\t")[0] for row in rows] == [LONGEST_RULE, "same-figure"]


# --- at a terminal ----------------------------------------------------------------------------


def test_at_a_terminal_check_draws_tables_and_json_is_indented(seeded_db: Path) -> None:
    code, printed = run_in_terminal("check", "--db", seeded_db, "--rules", RULES_DIR, "--stats")
    assert code == 0, printed
    assert "Tally rules over the store" in printed and "┃ rule" in printed and "\t" not in printed
    assert printed.rstrip().endswith("verdicts listed (contradicted)")
    code, printed = run_in_terminal("check", "--db", seeded_db, "--rules", RULES_DIR, "--json")
    assert code == 0 and printed.startswith("{\n  "), printed[:80]
    assert json.loads(printed)["verdicts"]


def test_at_a_terminal_parse_prints_the_interval_then_its_reasons() -> None:
    code, printed = run_in_terminal("parse", "1,14 milliard de dirhams")
    assert code == 0
    first, *steps = printed.splitlines()
    assert first == "1,14 milliard de dirhams -> [1 135 000 000, 1 145 000 000] MAD"
    assert "  - '1,14' read as 1.14 (decimal comma)" in steps
