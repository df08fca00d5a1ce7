"""A rule's examples, run with both executors: what passes, what fails and where, and `tally rules test`."""

from __future__ import annotations

import itertools

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from service.rules.examples import ExampleResult, run_examples
from service.rules.loader import load_rules_dir, load_rules_file, load_rules_text
from service.trials import Trials
from tests.helpers import NO_RULE_FOLDERS, OLD_RULES_DIR, RULES_DIR, no_rule_folder
from tests.test_cli import one_line, tally
from tests.test_docs import readme_rule_blocks

SAME_FIGURE = """\
id: same-figure
title: One quantity, one figure
description: Two sources print the same quantity.
bind:
  first: {measure: [level, growth, share]}
  second: {measure: same as first, like: first, compared_to: same as first}
check: first == second
examples:
"""
# The lines of the file above: the first example starts on line 9.
FIRST_EXAMPLE_LINE = SAME_FIGURE.count("\n") + 1

LEVELS = """\
  - title: {title}
    claims:
      - {{measure: level, figure: "1,14 milliard de dirhams", period: 2025-01/2025-11, source: communique}}
      - {{measure: level, figure: "{second}", period: 2025-01/2025-11, source: akhannouch}}
    expect: {expect}
"""


def levels(second: str, expect: str, title: str = "Jan-Nov exports") -> str:
    return LEVELS.format(title=title, second=second, expect=expect)


@pytest.fixture(scope="module")
def trials() -> Iterator[Trials]:
    with Trials() as opened:
        yield opened


def rule_file(folder: Path, *examples: str, name: str = "same-figure.yaml") -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(SAME_FIGURE + "".join(examples), encoding="utf-8")
    return path


def run(path: Path, trials: Trials) -> list[ExampleResult]:
    return run_examples(load_rules_file(path), trials)


# --- what an example checks -----------------------------------------------------------------


def test_an_example_that_holds_passes(tmp_path: Path, trials: Trials) -> None:
    path = rule_file(tmp_path, levels("1,1 milliard de dirhams", "{status: consistent}"))
    [result] = run(path, trials)
    assert result.passed and result.number == 1 and result.example.title == "Jan-Nov exports"


def test_a_contradiction_with_its_margin_passes(tmp_path: Path, trials: Trials) -> None:
    path = rule_file(tmp_path, levels("quelque 1,23 milliard de dirhams", '{status: contradicted, margin: "80 millions de dirhams"}'))
    assert [r.passed for r in run(path, trials)] == [True]


def test_a_wrong_status_is_reported_at_the_example_with_what_the_rule_found(tmp_path: Path, trials: Trials) -> None:
    path = rule_file(
        tmp_path,
        levels("1,1 milliard de dirhams", "{status: consistent}"),
        levels("quelque 1,23 milliard de dirhams", "{status: consistent}", title="The two ministers"),
    )
    first, second = run(path, trials)
    assert first.passed
    [failure] = second.failures
    second_example_line = FIRST_EXAMPLE_LINE + LEVELS.count("\n")
    assert str(failure).startswith(f"{path}:{second_example_line}:5: same-figure: example 2 (The two ministers): expected consistent, got contradicted: ")
    # what the verdict found, in a reporter's words: the figures and the computation with its margin
    assert "'quelque 1,23 milliard de dirhams'" in failure.reason
    # a symmetric check takes each pair once, in the order of the readings' keys
    assert any(
        f"{a} == {b}; cannot hold: off by 80.0 M" in failure.reason
        for a, b in itertools.permutations(["1.225 bn to 1.235 bn", "1.135 bn to 1.145 bn"])
    ), failure.reason


def test_a_wrong_margin_is_reported_at_the_margin(tmp_path: Path, trials: Trials) -> None:
    example = levels("quelque 1,23 milliard de dirhams", '{status: contradicted, margin: "90 millions de dirhams"}')
    [failure] = run(rule_file(tmp_path, example), trials)[0].failures
    expect_line = example.splitlines()[4]
    assert (failure.line, failure.column) == (FIRST_EXAMPLE_LINE + 4, expect_line.index('"90') + 1)
    assert "expected a margin of 90 millions de dirhams (89.5 M to 90.5 M), got 80.0 M" in failure.reason


def test_a_margin_lies_within_the_printed_margin_s_rounding(tmp_path: Path, trials: Trials) -> None:
    # 80 000 000 MAD apart: "0,08 milliard" is 75 to 85 million, "79 millions" 78.5 to 79.5 million
    path = rule_file(
        tmp_path,
        levels("quelque 1,23 milliard de dirhams", '{status: contradicted, margin: "0,08 milliard de dirhams"}'),
        levels("quelque 1,23 milliard de dirhams", '{status: contradicted, margin: "79 millions de dirhams"}'),
    )
    assert [r.passed for r in run(path, trials)] == [True, False]


def test_a_margin_in_another_kind_of_unit_fails_and_says_which(tmp_path: Path, trials: Trials) -> None:
    path = rule_file(tmp_path, levels("quelque 1,23 milliard de dirhams", '{status: contradicted, margin: "80 points"}'))
    [failure] = run(path, trials)[0].failures
    assert "the margin '80 points' reads as points, the verdict's is in MAD" in failure.reason


def test_a_margin_of_shares_may_be_printed_in_points_or_percent(tmp_path: Path, trials: Trials) -> None:
    shares = """\
  - claims:
      - {measure: share, figure: "36 %", period: "2024", source: saidi, language: en}
      - {measure: share, figure: "la majorité", period: "2024", source: convention}
    expect: {status: contradicted, margin: "MARGIN"}
"""
    path = rule_file(tmp_path, *(shares.replace("MARGIN", margin) for margin in ("13,5 points", "13,5 %", "12 points")))
    assert [r.passed for r in run(path, trials)] == [True, True, False]


def test_an_unreadable_figure_is_reported_at_its_line_with_its_field(tmp_path: Path, trials: Trials) -> None:
    path = rule_file(tmp_path, levels("beaucoup de dirhams", "{status: consistent}"))
    [failure] = run(path, trials)[0].failures
    assert failure.line == FIRST_EXAMPLE_LINE + 3  # the second claim's line
    assert failure.reason.startswith("claim 2: figure: cannot read 'beaucoup de dirhams'")
    assert "'beaucoup'" in failure.reason


def test_every_unreadable_claim_is_reported(tmp_path: Path, trials: Trials) -> None:
    example = """\
  - claims:
      - {measure: share, figure: "36 dirhams", period: "2025", source: a}
      - {measure: share, figure: "36 %", period: "2025", source: b, breakdown: {Product: carpets}}
    expect: {status: consistent}
"""
    [result] = run(rule_file(tmp_path, example), trials)
    reasons = [f.reason for f in result.failures]
    assert [f.line for f in result.failures] == [FIRST_EXAMPLE_LINE + 1, FIRST_EXAMPLE_LINE + 2]  # each claim's line
    assert reasons[0].startswith("claim 1: figure: a share is in percent")
    assert reasons[1].startswith("claim 2: breakdown: ") and "lower-case" in reasons[1]


def test_one_source_prints_in_one_language(tmp_path: Path, trials: Trials) -> None:
    example = """\
  - claims:
      - {measure: level, figure: "903 millions de dirhams", period: 2025-01/2025-09, source: desk}
      - {measure: level, figure: "903 million dirhams", period: 2025-01/2025-09, source: desk, language: en}
    expect: {status: none}
"""
    [failure] = run(rule_file(tmp_path, example), trials)[0].failures
    assert failure.line == FIRST_EXAMPLE_LINE + 2
    assert "claim 2: language: source 'desk' prints in fr" in failure.reason


def test_status_none_passes_when_nothing_binds_and_fails_when_something_does(tmp_path: Path, trials: Trials) -> None:
    other_period = """\
  - claims:
      - {measure: level, figure: "903 millions de dirhams", period: 2025-01/2025-09, source: lopinion}
      - {measure: level, figure: "1,14 milliard de dirhams", period: 2025-01/2025-11, source: communique}
    expect: {status: none}
"""
    path = rule_file(tmp_path, other_period, levels("1,1 milliard de dirhams", "{status: none}"))
    held, bound = run(path, trials)
    assert held.passed
    assert bound.failures[0].reason.startswith("expected no verdict, got 1: consistent (")


def test_an_example_that_binds_nothing_says_so(tmp_path: Path, trials: Trials) -> None:
    example = """\
  - claims:
      - {measure: level, figure: "903 millions de dirhams", period: 2025-01/2025-09}
    expect: {status: consistent}
"""
    [failure] = run(rule_file(tmp_path, example), trials)[0].failures
    assert failure.reason.startswith("expected consistent, got no verdict (the rule bound none of these claims")


def test_the_number_of_verdicts_is_checked_when_given(tmp_path: Path, trials: Trials) -> None:
    """Three readings of one growth, each pair a verdict (two reprints of one reading would be one)."""
    three_sources = """\
  - claims:
      - {measure: growth, figure: "11 %", period: 2025-01/2025-09, source: a}
      - {measure: growth, figure: "11,0 %", period: 2025-01/2025-09, source: b}
      - {measure: growth, figure: "11,00 %", period: 2025-01/2025-09, source: c}
    expect: {status: consistent, verdicts: %d}
"""
    path = rule_file(tmp_path, three_sources.replace("%d", "3"), three_sources.replace("%d", "2"))
    passed, failed = run(path, trials)
    assert passed.passed
    assert failed.failures[0].reason.startswith("expected 2 verdicts, got 3: ")


def test_any_short_name_is_a_source(tmp_path: Path, trials: Trials) -> None:
    example = """\
  - claims:
      - {measure: level, figure: "1,14 milliard de dirhams", period: 2025-01/2025-11, source: "Le Matin (web)"}
      - {measure: level, figure: "1,23 milliard de dirhams", period: 2025-01/2025-11, source: "Le Matin, print"}
    expect: {status: contradicted}
"""
    assert run(rule_file(tmp_path, example), trials)[0].passed


# --- the shipped rules and the README -------------------------------------------------------------


def test_every_shipped_rule_has_an_example_that_holds_and_one_contradicted() -> None:
    for rule in load_rules_dir(RULES_DIR):
        statuses = [example.expect.status for example in rule.examples]
        assert "consistent" in statuses and "contradicted" in statuses, rule.id
        for example in rule.examples:
            assert example.title, (rule.id, example.line)
            if example.expect.status == "contradicted" and rule.id != "same-category":  # a category has no margin
                assert example.expect.margin, (rule.id, example.line)


def test_every_shipped_example_passes(trials: Trials) -> None:
    results = run_examples(load_rules_dir(RULES_DIR), trials)
    assert results and [str(f) for r in results for f in r.failures] == []


def test_examples_come_after_check_in_every_shipped_file() -> None:
    for path in sorted(RULES_DIR.glob("*.yaml")):
        keys = re.findall(r"^([a-z_]+):", path.read_text(encoding="utf-8"), re.M)
        assert keys.index("examples") == keys.index("check") + 1, path.name


def test_the_rules_readme_examples_pass(trials: Trials) -> None:
    rules = [rule for block in readme_rule_blocks() for rule in load_rules_text(block, "rules/README.md") if rule.examples]
    assert rules, "rules/README.md shows a rule with examples"
    assert all(result.passed for result in run_examples(rules, trials))


# --- the command line ------------------------------------------------------------------------------


def test_rules_test_passes_the_shipped_rules() -> None:
    # the generated worlds of every shipped rule are tested rule by rule in test_rules_soundness.py
    result = tally("rules", "test", RULES_DIR, "--worlds", "0")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    printed = one_line(result.stdout)
    assert "same-figure" in printed and "examples" in printed
    total = sum(len(rule.examples) for rule in load_rules_dir(RULES_DIR))
    assert f"{total} of {total} examples pass" in printed


def test_rules_test_prints_each_failure_and_exits_1(tmp_path: Path) -> None:
    path = rule_file(
        tmp_path / "rules",
        levels("1,1 milliard de dirhams", "{status: consistent}"),
        levels("quelque 1,23 milliard de dirhams", "{status: consistent}", title="Two ministers"),
    )
    result = tally("rules", "test", path.parent, "--worlds", "0")
    assert result.exit_code == 1
    [line] = result.stderr.splitlines()
    assert line.startswith(f"{path}:{FIRST_EXAMPLE_LINE + LEVELS.count(chr(10))}:5: same-figure: example 2 (Two ministers): expected consistent, got contradicted")
    rows = [line.split("\t") for line in result.stdout.splitlines()]  # a pipe gets tab-separated rows
    assert ["same-figure", "1", "2"] in rows and "1 of 2 examples pass" in one_line(result.stdout)


def test_rules_test_reports_a_broken_file_as_lint_does(tmp_path: Path) -> None:
    folder = tmp_path / "rules"
    rule_file(folder, levels("1,1 milliard de dirhams", "{status: consistent}"))
    broken = folder / "broken.yaml"
    broken.write_text("id: broken\ntitle: t\ndescription: d\nbind:\n  a:\n    measure: level\ncheck: a == b\n")
    tested, linted = tally("rules", "test", folder, "--worlds", "0"), tally("rules", "lint", folder)
    assert tested.exit_code == linted.exit_code == 1
    assert f"{broken}:7:13: check: unbound name 'b'" in tested.stderr
    assert tested.stderr == linted.stderr and tested.stdout == ""


@pytest.mark.parametrize("kind", NO_RULE_FOLDERS)
def test_rules_test_refuses_a_folder_with_no_rule(tmp_path: Path, kind: str) -> None:
    folder = no_rule_folder(tmp_path, kind)
    result = tally("rules", "test", folder)
    assert result.exit_code == 1 and result.stdout == ""
    assert f"{folder}:1:1: rules_dir: " in result.stderr


def test_rules_test_without_a_folder_tests_tally_rules_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "rules"
    rule_file(folder, levels("quelque 1,23 milliard de dirhams", "{status: consistent}"))
    monkeypatch.setenv("TALLY_RULES_DIR", str(folder))
    assert tally("rules", "test", "--worlds", "0").exit_code == 1


def test_rules_lint_fails_on_a_failing_example(tmp_path: Path) -> None:
    path = rule_file(tmp_path / "rules", levels("quelque 1,23 milliard de dirhams", '{status: contradicted, margin: "1 point"}'))
    result = tally("rules", "lint", path.parent)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"{path}:{FIRST_EXAMPLE_LINE + 4}:")
    assert "same-figure: example 1 (Jan-Nov exports): the margin '1 point' reads as points" in result.stderr
    assert result.stdout == ""


def test_rules_lint_prints_old_spellings_as_hints_and_passes(tmp_path: Path) -> None:
    folder = tmp_path / "rules"
    shutil.copytree(OLD_RULES_DIR, folder)
    result = tally("rules", "lint", folder)
    assert result.exit_code == 0, result.output
    hint = f"{folder / '1-same-figure.yaml'}:17:5: hint: bind.second.base_period: base_period is an old spelling"
    assert hint in result.stderr.splitlines()[0]
    assert all(": hint: " in line for line in result.stderr.splitlines())
    assert one_line(result.stdout).endswith(": ok")


UNSOUND = """\
id: part-above-whole
title: A part at least the whole (wrong way round)
description: Deliberately unsound, for the test.
bind:
  part: {measure: level}
  whole: {measure: level, like: part, period: strictly contains part}
check: part >= whole
"""


def test_rules_test_catches_an_unsound_rule_and_prints_a_counterexample_that_reproduces(tmp_path: Path) -> None:
    folder = tmp_path / "rules"
    folder.mkdir()
    path = folder / "part-above-whole.yaml"
    path.write_text(UNSOUND, encoding="utf-8")
    result = tally("rules", "test", folder, "--worlds", "50")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"{path}:1:1: part-above-whole: unsound: a world where every figure is true, which it calls contradicted")
    [row] = [dict(zip(*(line.split("\t") for line in result.stdout.splitlines()[:2]), strict=True))]  # header, then the rule's row
    assert (row["rule"], row["status"]) == ("part-above-whole", "unsound") and "0 of 1 rules sound" in one_line(result.stdout)
    # the counter-example, pasted under the rule, is an example that fails the same way
    block = result.stderr[result.stderr.index("examples:\n") :]
    path.write_text(UNSOUND + block, encoding="utf-8")
    pasted = tally("rules", "test", folder, "--worlds", "0")
    assert pasted.exit_code == 1
    assert "expected consistent, got contradicted" in pasted.stderr


def test_rules_test_selects_rules_and_refuses_an_unknown_one() -> None:
    chosen = tally("rules", "test", RULES_DIR, "--rule", "same-category", "--worlds", "5")
    assert chosen.exit_code == 0, chosen.output
    assert "same-category" in chosen.stdout and "same-figure" not in chosen.stdout
    assert "1 of 1 rules sound over 5 generated worlds each" in one_line(chosen.stdout)
    unknown = tally("rules", "test", RULES_DIR, "--rule", "no-such-rule")
    assert unknown.exit_code == 2 and "no rule 'no-such-rule'" in unknown.stderr
