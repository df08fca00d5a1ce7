"""Broken rule files: refused with file:line:column and a hint; a broken reload keeps the rules in force."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from service import checking
from service.claims import ClaimIn, build_claim
from service.errors import FieldProblem, RuleFileError, format_rule_problem
from service.rules.book import RuleBook
from service.rules.loader import json_schema, load_rules_dir, load_rules_text
from service.sources import Source
from service.store import Store
from tests.helpers import NO_RULE_FOLDERS, no_rule_folder

ROOT = Path(__file__).resolve().parent.parent
RULES_DIR = ROOT / "rules"

GOOD = """\
id: implied-base-is-positive
title: A growth implies a positive base
description: A level and its growth rate imply the base period's level, which is positive.
bind:
  current:
    measure: level
  growth:
    measure: growth
    subject: same as current
check: current / (1 + growth) >= 0
"""
CHECK = "check: current / (1 + growth) >= 0"


def broken(old: str, new: str) -> str:
    assert old in GOOD
    return GOOD.replace(old, new)


# name -> (text, line, column, words the message must hold)
BROKEN = {
    "unknown operator": (broken(CHECK, "check: current & growth >= 0"), 10, 16, ["'&'", "+ - * / ^"]),
    "unknown operator, quoted check": (broken(CHECK, "check: 'current & growth >= 0'"), 10, 17, ["'&'"]),
    "money to a power": (broken(CHECK, "check: current ^ 2 >= growth"), 10, 16, ["type error", "cannot raise money (MAD) to a power"]),
    "a ratio as exponent": (broken(CHECK, "check: (1 + growth) ^ growth >= 0"), 10, 21, ["type error", "an exponent is a plain number or a count"]),
    "years of a level": (broken(CHECK, "check: current * (1 + growth) ^ years(current) >= 0"), 10, 33, ["years(current) counts the years of an average_growth"]),
    "bare years without a span": (broken(CHECK, "check: current * (1 + growth) ^ years >= 0"), 10, 33, ["bare 'years'", "binds none"]),
    "assignment for comparison": (broken(CHECK, "check: current = growth"), 10, 16, ["'=='"]),
    "unbound name": (broken(CHECK, "check: current / (1 + growht) >= 0"), 10, 23, ["unbound name 'growht'", "current, growth"]),
    "type error": (
        broken("  growth:\n    measure: growth", "  growth:\n    measure: share").replace(CHECK, "check: current + growth >= 0"),
        10,
        16,
        ["type error", "money", "ratio"],
    ),
    "unknown key": (broken("    measure: growth", "    mesure: growth"), 8, 5, ["mesure", "allowed keys are measure"]),
    "unknown rule key": (broken("title:", "titel:"), 2, 1, ["titel", "allowed keys are id, title"]),
    "unknown measure": (broken("measure: growth", "measure: revenue"), 8, 14, ["unknown measure 'revenue'", "share_change"]),
    "YAML syntax": (broken("  growth:\n", "  growth\n"), 8, 12, ["YAML"]),
    "relation to a later binding": (
        broken("    measure: level\n", "    measure: level\n    subject: same as growth\n"),
        7,
        14,
        ["unbound name 'growth'", "bindings above 'current': none"],
    ),
    "relation to itself": (broken("subject: same as current", "subject: same as growth"), 9, 14, ["cannot relate to itself"]),
    "unknown relation": (broken("subject: same as current", "subject: like current"), 9, 14, ["cannot read subject", "same as <binding>"]),
    "sum of a scalar": (broken(CHECK, "check: sum(current) >= 0"), 10, 8, ["needs a group binding"]),
    # an empty value once crashed PyYAML's re-read of the node instead of being reported
    "empty value": (broken("title: A growth implies a positive base", "title:"), 2, 7, ["Expected `str`, got `null`"]),
    "a year unquoted": (broken("    measure: level\n", "    measure: level\n    period: 2024\n"), 7, 13, ["got `int`", "quote it"]),
}


def first_problem(text: str, path: str = "rules/broken.yaml") -> tuple[RuleFileError, FieldProblem]:
    with pytest.raises(RuleFileError) as caught:
        load_rules_text(text, path)
    return caught.value, caught.value.problems[0]


def test_the_good_rule_loads() -> None:
    [rule] = load_rules_text(GOOD)
    assert [b.name for b in rule.bindings] == ["current", "growth"]


@pytest.mark.parametrize(("text", "line", "column", "words"), BROKEN.values(), ids=BROKEN.keys())
def test_a_broken_rule_is_refused_at_its_line_and_column(text: str, line: int, column: int, words: list[str]) -> None:
    error, problem = first_problem(text)
    assert (problem.line, problem.column) == (line, column), str(error)
    assert str(error).startswith(f"rules/broken.yaml:{line}:{column}: ")
    for word in words:
        assert word in problem.reason


def test_every_refusal_carries_a_hint(tmp_path: Path) -> None:
    """The loader's promise (its module docstring): every problem with file:line:column *and a hint*."""
    without = [name for name, (text, *_) in BROKEN.items() if not _hinted(first_problem(text)[1])]
    if not all(_hinted(p) for p in duplicate_ids_error(tmp_path).problems):
        without.append("duplicate rule id")
    assert without == []


def _hinted(problem: FieldProblem) -> bool:
    # "(hint: ...)" or, for the check's tokens, the list of what is allowed.
    return "(hint: " in problem.reason or "(use " in problem.reason or "'=' compares only as '=='" in problem.reason


def test_every_problem_of_a_file_is_reported_not_just_the_first() -> None:
    text = broken("    measure: growth", "    measure: revenue").replace(CHECK, "check: current & 2")
    error, _ = first_problem(text)
    assert [(p.field, p.line, p.column) for p in error.problems] == [("bind.growth.measure", 8, 14), ("check", 10, 16)]
    assert len(str(error).splitlines()) == 2


def duplicate_ids_error(directory: Path) -> RuleFileError:
    (directory / "1-first.yaml").write_text(GOOD, encoding="utf-8")
    (directory / "2-second.yaml").write_text("# the same rule again\n" + GOOD, encoding="utf-8")
    with pytest.raises(RuleFileError) as caught:
        load_rules_dir(directory)
    return caught.value


def test_a_rule_id_used_in_two_files_is_refused(tmp_path: Path) -> None:
    error = duplicate_ids_error(tmp_path)
    assert error.path == str(tmp_path / "2-second.yaml")
    [problem] = error.problems
    assert (problem.field, problem.line) == ("id", 2)
    assert "'implied-base-is-positive' is already used in" in problem.reason and "1-first.yaml" in problem.reason
    assert str(error).startswith(f"{tmp_path / '2-second.yaml'}:2:")


def test_problems_format_as_editors_expect() -> None:
    problem = FieldProblem(field="check", reason="unbound name 'x'", location="rule", line=3, column=7)
    assert format_rule_problem("rules/x.yaml", problem) == "rules/x.yaml:3:7: check: unbound name 'x'"
    assert re.fullmatch(r"rules/x\.yaml:1:1: \$: .+", format_rule_problem("rules/x.yaml", FieldProblem(field="$", reason="empty")))


def test_an_empty_file_is_refused() -> None:
    error, problem = first_problem("# nothing yet\n")
    assert "empty" in problem.reason and "hint" in problem.reason
    assert str(error).startswith("rules/broken.yaml:1:1: ")


# --- a rules folder that is missing or holds no rule is refused ------------------------------------


@pytest.mark.parametrize("kind", NO_RULE_FOLDERS)
def test_a_rules_folder_with_no_rule_is_refused_naming_it(tmp_path: Path, kind: str) -> None:
    folder = no_rule_folder(tmp_path, kind)
    with pytest.raises(RuleFileError) as caught:
        load_rules_dir(folder)
    assert caught.value.path == str(folder)
    [problem] = caught.value.problems
    assert problem.field == "rules_dir" and "hint" in problem.reason
    assert str(caught.value).startswith(f"{folder}:")
    with pytest.raises(RuleFileError):
        RuleBook(folder)


# --- a reload that fails keeps the rules in force ------------------------------------------------


def test_a_broken_reload_keeps_the_rules_in_force(tmp_path: Path) -> None:
    rules_dir = tmp_path / "rules"
    shutil.copytree(RULES_DIR, rules_dir)
    book = RuleBook(rules_dir)
    in_force = [rule.id for rule in book.rules]
    desk = Source(id="desk", title="t", outlet="o", language="fr")
    bodies = [
        ClaimIn(source="desk", quote="a", subject="ma.x", measure="growth", period="2025", figure="13 %"),
        ClaimIn(source="desk", quote="b", subject="ma.x", measure="growth", period="2025", figure="11 %"),
    ]
    with Store(str(tmp_path / "store.duckdb")) as store:
        store.add_source(desk)
        for body in bodies:
            store.add_claim(build_claim(body, desk))
        before = [(v.id, v.status) for v in checking.all_verdicts(store, book)]
        assert [status for _, status in before] == ["contradicted"]

        same_figure = rules_dir / "same-figure.yaml"
        lines = same_figure.read_text(encoding="utf-8").splitlines(keepends=True)
        check_line = next(number for number, line in enumerate(lines, start=1) if line == "check: first == second\n")
        lines[check_line - 1] = "check: first === second\n"
        same_figure.write_text("".join(lines), encoding="utf-8")
        with pytest.raises(RuleFileError) as caught:
            book.reload()
        assert caught.value.path == str(same_figure)
        assert (caught.value.problems[0].line, caught.value.problems[0].column) == (check_line, 16)

        assert [rule.id for rule in book.rules] == in_force
        assert [(v.id, v.status) for v in checking.all_verdicts(store, book)] == before

        (rules_dir / "10-new.yaml").write_text(GOOD, encoding="utf-8")
        with pytest.raises(RuleFileError):
            book.reload()  # still broken: the new file waits with the rest
        assert [rule.id for rule in book.rules] == in_force

        shutil.copy(RULES_DIR / "same-figure.yaml", same_figure)
        assert sorted(rule.id for rule in book.reload()) == sorted([*in_force, "implied-base-is-positive"])


# --- the published JSON Schema ---------------------------------------------------------------------


def test_the_published_schema_is_the_loaders() -> None:
    published = json.loads((RULES_DIR / "schema.json").read_text(encoding="utf-8"))
    assert published == json.loads(json.dumps(json_schema()))


def test_every_shipped_rule_file_points_editors_at_the_schema() -> None:
    for path in sorted(RULES_DIR.glob("*.yaml")):
        assert path.read_text(encoding="utf-8").startswith("# yaml-language-server: $schema=schema.json\n"), path.name


def test_the_schema_knows_every_key_the_loader_accepts() -> None:
    schema = json_schema()
    definitions = schema["$defs"]
    rule_keys = set(definitions["RuleSpec"]["properties"])
    binding_keys = set(definitions["BindingSpec"]["properties"])
    assert {"id", "title", "description", "bind", "check", "margin_unit", "plausible", "examples", "translations"} == rule_keys
    used: set[str] = set()
    for path in sorted(RULES_DIR.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for rule in data.get("rules", [data]):
            assert set(rule) <= rule_keys, path.name
            for binding in rule["bind"].values():
                used |= set(binding)
    assert used <= binding_keys
