"""Rule text is read within limits, off the event loop: a hostile rule body is a 422 with a line and a hint, never a 500 or a stall.

Before these limits, 237 bytes of nested YAML aliases on POST /rules/validate held
the server's event loop for 25 s; nine levels of them took 5 GB; 5,000 nested
parentheses or a 2,000-term sum in a check answered a 500 (RecursionError).
"""

from __future__ import annotations

import http.client
import select
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.cli import main
from service.errors import RuleFileError
from service.rules.expressions import MAX_CHECK_LENGTH, MAX_CHECK_NESTING, MAX_CHECK_TERMS
from service.rules.limits import MAX_ALIASES, MAX_DEPTH, MAX_NODES, MAX_RULE_BYTES
from service.rules.loader import MAX_UNIT_COMBINATIONS, load_rules_text
from service.store import Store
from tests.helpers import RULES_DIR, ServerStarter, assert_problem

ONE_RULE = """\
id: capped
title: t
description: d
bind:
  part: {measure: share}
check: CHECK
"""
YAML = {"content-type": "application/yaml"}  # the media type POST /rules/validate takes (service/api/bodies.py)


def laughs(levels: int, width: int = 9) -> str:
    """The billion laughs: each level a list of ``width`` aliases of the level below."""
    lines = [f"l0: &l0 [{', '.join(['lol'] * width)}]"]
    lines += [f"l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * width)}]" for n in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


def with_check(check: str) -> str:
    return ONE_RULE.replace("CHECK", check)


def refused(text: str) -> RuleFileError:
    with pytest.raises(RuleFileError) as caught:
        load_rules_text(text)
    return caught.value


# --- YAML: size, aliases, depth --------------------------------------------------------------------


def test_the_nine_level_billion_laughs_is_refused_at_the_alias_past_the_limit(client) -> None:
    text = laughs(9)
    assert len(text.encode()) < 1024
    problem = assert_problem(client.post("/rules/validate", content=text, headers=YAML), 422, "$")["errors"][0]
    assert f"more than {MAX_ALIASES} aliases" in problem["reason"] and "hint:" in problem["reason"]
    line, column = problem["line"], problem["column"]
    assert text.splitlines()[line - 1][column - 1] == "*"  # it points at the alias over the limit


def test_few_aliases_that_expand_past_the_node_limit_are_refused(client) -> None:
    text = laughs(5, width=8)  # 40 aliases, 8 ** 6 = 262,144 nodes once copied out
    assert text.count("*") <= MAX_ALIASES and 8**6 > MAX_NODES
    problem = assert_problem(client.post("/rules/validate", content=text, headers=YAML), 422, "$")["errors"][0]
    assert f"more than {MAX_NODES} nodes" in problem["reason"]
    assert problem["line"] > 1


def test_an_alias_inside_itself_is_refused(client) -> None:
    problem = assert_problem(client.post("/rules/validate", content="id: &me [x, *me]\n", headers=YAML), 422, "$")["errors"][0]
    assert "contains it" in problem["reason"]


@pytest.mark.parametrize("text", ["[" * 5000 + "]" * 5000, "a:\n" + "".join(f"{' ' * n}k{n}:\n" for n in range(1, 60))], ids=["flow", "block"])
def test_yaml_nested_past_the_depth_limit_is_refused(client, text: str) -> None:
    problem = assert_problem(client.post("/rules/validate", content=text, headers=YAML), 422, "$")["errors"][0]
    assert f"more than {MAX_DEPTH} levels" in problem["reason"] or "nesting depth" in problem["reason"]


def test_aliases_that_nest_past_the_depth_limit_are_refused() -> None:
    # 5 levels written, each alias 5 levels deep: 25 once copied out
    text = "a: &a [[[[[x]]]]]\n" + "".join(f"{chr(98 + n)}: &{chr(98 + n)} [[[[*{chr(97 + n)}]]]]\n" for n in range(5))
    assert f"more than {MAX_DEPTH} levels deep once its aliases" in str(refused(text))


def test_rule_text_over_the_size_limit_is_refused(client) -> None:
    text = with_check("part <= 100 %") + "# " + "x" * MAX_RULE_BYTES + "\n"
    problem = assert_problem(client.post("/rules/validate", content=text, headers=YAML), 422, "$")["errors"][0]
    assert f"at most {MAX_RULE_BYTES}" in problem["reason"]


def test_a_hostile_file_in_a_folder_is_a_lint_error_with_its_position(tmp_path: Path) -> None:
    folder = tmp_path / "rules"
    folder.mkdir()
    shutil.copy(RULES_DIR / "same-figure.yaml", folder)
    (folder / "laughs.yaml").write_text(laughs(9))
    (folder / "huge.yaml").write_text("#" * (MAX_RULE_BYTES + 1))
    (folder / "deep.yaml").write_text(with_check("(" * 5000 + "part" + ")" * 5000 + " <= 1"))
    result = CliRunner(env={"COLUMNS": "1000"}).invoke(main, ["rules", "lint", str(folder)], catch_exceptions=False)
    assert result.exit_code == 1
    printed = " ".join(result.stderr.split())
    assert f"{folder / 'laughs.yaml'}:9:15: $: more than {MAX_ALIASES} aliases" in printed
    assert f"{folder / 'huge.yaml'}:1:1: $: the file is over {MAX_RULE_BYTES} bytes" in printed
    assert f"{folder / 'deep.yaml'}:6:{7 + MAX_CHECK_LENGTH + 1}: check: a check is at most {MAX_CHECK_LENGTH} characters" in printed


# --- checks: length, terms, nesting, unit combinations ---------------------------------------------


@pytest.mark.parametrize(
    ("check", "says", "column"),
    [
        ("(" * 5000 + "part" + ")" * 5000 + " <= 1", f"at most {MAX_CHECK_LENGTH} characters", MAX_CHECK_LENGTH + 1),
        (" + ".join(["part"] * 2000) + " <= 1", f"at most {MAX_CHECK_LENGTH} characters", MAX_CHECK_LENGTH + 1),
        ("+".join(["part"] * (MAX_CHECK_TERMS + 1)) + " <= 1", f"at most {MAX_CHECK_TERMS} numbers and names", 5 * MAX_CHECK_TERMS + 1),
        ("(" * (MAX_CHECK_NESTING + 1) + "part" + ")" * (MAX_CHECK_NESTING + 1) + " <= 1", f"at most {MAX_CHECK_NESTING} levels", MAX_CHECK_NESTING + 1),
        ("-" * (MAX_CHECK_NESTING + 1) + "part <= 1", f"at most {MAX_CHECK_NESTING} levels", MAX_CHECK_NESTING + 1),
        ("part" + " ^ 2" * (MAX_CHECK_NESTING + 1) + " <= 1", f"at most {MAX_CHECK_NESTING} levels", 4 * MAX_CHECK_NESTING + 6),
    ],
    ids=["5000-parentheses", "2000-term-sum", "terms", "parentheses", "minus-signs", "powers"],
)
def test_a_check_past_a_limit_is_a_422_at_its_column(client, check: str, says: str, column: int) -> None:
    problem = assert_problem(client.post("/rules/validate", content=with_check(check), headers=YAML), 422, "check")["errors"][0]
    assert says in problem["reason"] and "hint:" in problem["reason"]
    assert (problem["line"], problem["column"]) == (6, 7 + column)


def test_a_check_at_every_limit_is_read() -> None:
    nested = "(" * (MAX_CHECK_NESTING - 1) + "part" + ")" * (MAX_CHECK_NESTING - 1)
    check = " + ".join([nested] + ["part"] * (MAX_CHECK_TERMS - 3)) + " <= 100 %"
    assert len(check) <= MAX_CHECK_LENGTH
    assert [rule.id for rule in load_rules_text(with_check(check))] == ["capped"]


def test_a_check_whose_units_combine_too_many_ways_is_refused() -> None:
    # a level is in MAD or a count: 2 ** 7 ways for seven levels
    bind = "".join(f"  b{n}: {{measure: level, subject: same as b0, period: same as b0}}\n" if n else "  b0: {measure: level}\n" for n in range(7))
    text = f"id: wide\ntitle: t\ndescription: d\nbind:\n{bind}check: " + " + ".join(f"b{n}" for n in range(7)) + " == 1 MAD\n"
    error = refused(text)
    assert f"128 combinations of units; at most {MAX_UNIT_COMBINATIONS}" in str(error)
    assert [rule.id for rule in load_rules_text(text.replace("  b6: ", "  b6: {unit: MAD, ").replace("{unit: MAD, {", "{unit: MAD, "))] == ["wide"]


# --- values PyYAML cannot construct, keys that are not names -----------------------------------------


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("id: x\nperiod: 2024-13-01\n", "month must be in 1..12"),
        ("id: !custom x\n", "constructor"),
        ("? [a, b]\n: c\n", "a key is a list or a mapping"),
        ("id: a\x00b\n", "control characters"),
        ("id: a\x85b\x00\n", "control characters"),
    ],
    ids=["impossible-date", "unknown-tag", "list-as-key", "nul", "nel-then-nul"],
)
def test_yaml_values_that_cannot_be_read_are_422s(client, text: str, says: str) -> None:
    assert says in assert_problem(client.post("/rules/validate", content=text.encode(), headers=YAML), 422, "$")["detail"]


# --- property: nothing but RuleFileError escapes the loader -------------------------------------------

yaml_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=30)
yaml_values = st.recursive(yaml_scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4), max_leaves=30)
RULE_KEYS = ["id", "title", "description", "bind", "check", "margin_unit", "plausible", "examples", "rules"]
BINDING_KEYS = ["measure", "like", "subject", "breakdown", "period", "compared_to", "source", "printed", "unit", "stand_in_months", "group", "each_year_of"]
rule_shaped = st.fixed_dictionaries(
    {"id": st.from_regex(r"[a-z][a-z0-9-]{0,8}", fullmatch=True), "title": st.text(max_size=10), "description": st.text(max_size=10)},
    optional={
        "bind": st.dictionaries(
            st.from_regex(r"[a-z][a-z0-9_]{0,5}", fullmatch=True),
            st.dictionaries(st.sampled_from(BINDING_KEYS), yaml_values | st.sampled_from(["same as a", "level", "base of a", "2024", "any"]), max_size=4),
            max_size=4,
        ),
        "check": st.text(alphabet="ab0123456789+-*/^()%<>= .", max_size=40) | st.sampled_from(["a <= b", "sum(a) == 100 %", "years == 2"]),
        "examples": yaml_values,
        "margin_unit": yaml_values,
    },
)
LOADER_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def only_rule_file_errors(text: str) -> None:
    try:
        load_rules_text(text)
    except RuleFileError as exc:
        assert exc.problems and all(p.line is None or p.line >= 1 for p in exc.problems)


@LOADER_SETTINGS
@given(st.text(max_size=300))
def test_any_text_loads_or_raises_a_rule_file_error(text: str) -> None:
    only_rule_file_errors(text)


@LOADER_SETTINGS
@given(yaml_values | st.dictionaries(st.sampled_from(RULE_KEYS), yaml_values, max_size=6))
def test_any_yaml_structure_loads_or_raises_a_rule_file_error(value: object) -> None:
    only_rule_file_errors(yaml.safe_dump(value, allow_unicode=True))


@LOADER_SETTINGS
@given(rule_shaped, st.booleans())
def test_any_rule_shaped_mapping_loads_or_raises_a_rule_file_error(rule: dict, flow: bool) -> None:
    only_rule_file_errors(yaml.safe_dump(rule, allow_unicode=True, default_flow_style=flow))


# --- off the event loop ------------------------------------------------------------------------------


def worst_allowed_rule_text() -> str:
    """As many rules as fit the size limit, each with as many unit combinations as a check may try."""
    def one_rule(n: int) -> str:
        bind = "".join(f"      b{i}: {{measure: level, subject: same as b0, period: same as b0}}\n" if i else "      b0: {measure: level}\n" for i in range(6))
        return f"  - id: r{n}\n    title: t\n    description: d\n    bind:\n{bind}    check: " + " + ".join(f"b{i}" for i in range(6)) + " == 1 MAD\n"

    parts = ["rules:\n"]
    while sum(map(len, parts)) + len(one_rule(len(parts))) <= MAX_RULE_BYTES:
        parts.append(one_rule(len(parts)))
    return "".join(parts)


def test_the_server_answers_others_while_it_validates_the_costliest_rule_text(tmp_path: Path, start_server: ServerStarter) -> None:
    """No clock: the order in which answers arrive.

    The validation's body is sent in full before any /health; on an event loop that
    parsed it in place, every later request would wait behind it, so its answer would
    always be ready before theirs.  Answers to /health while it is still unanswered
    show that the loop kept serving.
    """
    text = worst_allowed_rule_text().encode()
    with Store(str(tmp_path / "tally.duckdb")) as store, start_server(store) as base_url, httpx.Client(base_url=base_url) as other:
        assert other.get("/health").status_code == 200  # its connection is open before the validation starts
        address = urlsplit(base_url)
        validation = http.client.HTTPConnection(address.hostname, address.port)
        validation.request("POST", "/rules/validate", body=text, headers={"Content-Type": "application/yaml"})
        answered_meanwhile = 0
        while not select.select([validation.sock], [], [], 0)[0]:
            assert other.get("/health").status_code == 200
            answered_meanwhile += select.select([validation.sock], [], [], 0)[0] == []
        response = validation.getresponse()
        assert response.status == 200, response.read()
        validation.close()
    assert answered_meanwhile >= 1
