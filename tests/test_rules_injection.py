"""SQL through every part of a rule file: refused by the loader, or carried as a string literal; a rule reads the claims and nothing else.

Each part a rule author writes (its id, title, description, binding names, measures,
subjects, breakdown keys and members, periods, relations, units, the check, examples)
gets each hostile text below.  Either the loader refuses the file (RuleFileError), or
the SQL the rule compiles to, read back by sqlglot, is one SELECT that:

* names no table but the live claims view (and the CTEs it defines itself);
* holds no statement that writes, attaches, copies, sets or calls a table function;
* carries the hostile text only inside string literals.

Then the rule runs on a real store, and every table is still there with its rows.
"""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlglot
import yaml
from sqlglot import exp

from service import checking
from service.errors import RuleFileError
from service.rules.book import RuleBook
from service.rules.loader import load_rules_text
from service.rules.model import Rule
from service.rules.plan import AllOf, plan_rule
from service.rules.sql import CLAIMS, READINGS, compile_rule, neighbourhood_conditions
from service.store import Store
from tests.conftest import serving
from tests.helpers import RULES_DIR

HOSTILE = [
    "'; DROP TABLE claims; --",
    '"; DELETE FROM verdicts; --',
    "x') OR 1=1 UNION SELECT * FROM sources --",
    "x\\'; DROP TABLE sources; --",
    "$subject",
    "?",
    "x'; ATTACH 'evil.duckdb' AS evil; --",
    "read_csv('/etc/passwd')",
    "x' || (SELECT string_agg(id, ',') FROM sources) || '",
    "x\x00'; DROP TABLE claims; --",
]

BASE: dict[str, Any] = {
    "id": "probe",
    "title": "A probe",
    "description": "Each part below is replaced by hostile text in turn.",
    "bind": {
        "part": {"measure": "share", "breakdown": {"product": "phosphates"}, "period": "2025", "unit": "percent", "printed": "number"},
        "whole": {"measure": "share", "subject": "same as part", "period": "same as part", "source": "other than part", "breakdown": "total"},
        "other": {"measure": "share", "subject": "ma.regions", "period": "within part"},
    },
    "check": "part <= whole + 0 * other",
    "margin_unit": "percent",
    "examples": [
        {
            "title": "an example",
            "claims": [{"measure": "share", "figure": "10 %", "subject": "ma.x", "period": "2025", "breakdown": {"product": "phosphates"}}],
            "expect": {"status": "none"},
        }
    ],
}

# Where hostile text goes: a path into BASE, or a function that puts it there.
PARTS: dict[str, Any] = {
    "id": ("id",),
    "title": ("title",),
    "description": ("description",),
    "check": ("check",),
    "margin_unit": ("margin_unit",),
    "measure": ("bind", "part", "measure"),
    "measure list": lambda rule, text: rule["bind"]["part"].__setitem__("measure", ["share", text]),
    "subject": ("bind", "other", "subject"),
    "subject relation": ("bind", "whole", "subject"),
    "breakdown member": ("bind", "part", "breakdown", "product"),
    "breakdown key": lambda rule, text: rule["bind"]["part"].__setitem__("breakdown", {text: "phosphates"}),
    "breakdown word": ("bind", "whole", "breakdown"),
    "period": ("bind", "part", "period"),
    "period relation": ("bind", "other", "period"),
    "source relation": ("bind", "whole", "source"),
    "unit": ("bind", "part", "unit"),
    "printed": ("bind", "part", "printed"),
    "group key": lambda rule, text: rule["bind"]["other"].__setitem__("group", [text]),
    "binding name": lambda rule, text: rule["bind"].__setitem__(text, {"measure": "level"}),
    "check name": lambda rule, text: rule.__setitem__("check", f"part <= whole + 0 * {text}"),
    "example title": ("examples", 0, "title"),
    "example subject": ("examples", 0, "claims", 0, "subject"),
    "example figure": ("examples", 0, "claims", 0, "figure"),
    "example breakdown": ("examples", 0, "claims", 0, "breakdown", "product"),
}


def rule_text(part: str, text: str) -> str:
    rule = copy.deepcopy(BASE)
    where = PARTS[part]
    if callable(where):
        where(rule, text)
    else:
        holder = rule
        for key in where[:-1]:
            holder = holder[key]
        holder[where[-1]] = text
    return yaml.safe_dump(rule, allow_unicode=True, sort_keys=False)


def loaded_or_refused(part: str, text: str) -> Rule | None:
    try:
        return load_rules_text(rule_text(part, text))[0]
    except RuleFileError:
        return None


# What the shipped rules' SQL calls: a hostile rule may call nothing else.
def _functions(tree: exp.Expression) -> set[str]:
    return {node.sql_name() if not isinstance(node, exp.Anonymous) else node.name.lower() for node in tree.find_all(exp.Func)}


SHIPPED_FUNCTIONS = {name for rule in RuleBook(RULES_DIR).rules for sql in (compile_rule(rule).sql(), compile_rule(rule).verdict_rows_sql()) for name in _functions(sqlglot.parse_one(sql, read="duckdb"))}
FORBIDDEN = (exp.Insert, exp.Delete, exp.Update, exp.Drop, exp.Create, exp.Alter, exp.Command, exp.Copy, exp.Set, exp.Attach, exp.Detach, exp.Parameter)


def assert_reads_only_claims_and_holds_text_as_literals(sql: str, text: str, placeholders: tuple[str, ...] = ()) -> None:
    """``placeholders``: the parameters the store binds itself (a new claim's subject), and no other."""
    statements = sqlglot.parse(sql, read="duckdb")
    assert len(statements) == 1 and isinstance(statements[0], (exp.Select, exp.Union)), sql
    tree = statements[0]
    defined = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    assert {table.name for table in tree.find_all(exp.Table)} - defined <= {CLAIMS, *READINGS.values()}, sql
    assert not [node for node in tree.walk() if isinstance(node, FORBIDDEN)], sql
    assert _functions(tree) <= SHIPPED_FUNCTIONS, _functions(tree) - SHIPPED_FUNCTIONS
    assert sorted(node.name for node in tree.find_all(exp.Placeholder)) == sorted(placeholders), sql
    data = lambda node: isinstance(node, exp.Placeholder) or (isinstance(node, exp.Literal) and node.is_string)  # noqa: E731
    without_strings = tree.copy().transform(lambda node: exp.Literal.string("") if data(node) else node)
    code = without_strings.sql(dialect="duckdb")
    for fragment in ("DROP", "DELETE", "ATTACH", "UNION", "read_csv", "$subject", "string_agg(id"):
        if fragment in text:
            assert fragment not in code, code


def neighbourhood_sql(rule: Rule) -> list[str]:
    """The conditions a new claim's neighbourhood is read with, as ``Store.neighbourhood`` runs them."""
    plan = plan_rule(rule)
    untied = [AllOf(plan.binding(other).filters) for binding in rule.bindings for other in plan.untied_to(binding.name)]
    conditions = neighbourhood_conditions("subject", sorted(plan.literal_subjects), untied)
    return [f"SELECT id FROM {CLAIMS} AS claims WHERE {condition}" for condition in conditions]


def test_the_base_rule_loads_so_every_refusal_below_is_the_hostile_text() -> None:
    assert [rule.id for rule in load_rules_text(yaml.safe_dump(BASE, sort_keys=False))] == ["probe"]


@pytest.mark.parametrize("part", list(PARTS))
def test_hostile_text_in_any_part_of_a_rule_is_refused_or_a_string_literal(part: str) -> None:
    loaded = 0
    for text in HOSTILE:
        rule = loaded_or_refused(part, text)
        if rule is None:
            continue
        loaded += 1
        compiled = compile_rule(rule)
        for sql in (compiled.sql(), compiled.verdict_rows_sql()):
            assert_reads_only_claims_and_holds_text_as_literals(sql, text)
        first, *others = neighbourhood_sql(rule)
        assert_reads_only_claims_and_holds_text_as_literals(first, text, placeholders=("subject",))
        for sql in others:
            assert_reads_only_claims_and_holds_text_as_literals(sql, text)
    # free text and breakdowns are the author's to write: they load, and still stay data
    if part in ("title", "description", "breakdown member", "breakdown key", "example title"):
        assert loaded == len(HOSTILE)


def hostile_rules_that_load() -> list[str]:
    """Every hostile rule the loader accepts, each under its own id: the ones that reach SQL at all."""
    texts = []
    for part in PARTS:
        for number, text in enumerate(HOSTILE):
            if loaded_or_refused(part, text) is not None:
                texts.append(rule_text(part, text).replace("id: probe", f"id: probe-{len(texts)}"))
    return texts


TABLES = "SELECT table_name, estimated_size FROM duckdb_tables() ORDER BY table_name"


def test_hostile_rules_in_force_on_a_real_server_leave_every_table_as_it_was(tmp_path: Path) -> None:
    rules_dir = tmp_path / "rules"
    shutil.copytree(RULES_DIR, rules_dir)
    book = RuleBook(rules_dir)
    hostile = hostile_rules_that_load()
    assert len(hostile) >= len(HOSTILE) * 4
    with Store(str(tmp_path / "tally.duckdb")) as store, serving(store, book) as base_url, httpx.Client(base_url=base_url, timeout=300) as client:
        assert client.post("/sources", json={"id": "desk", "title": "t", "outlet": "o", "language": "fr"}).status_code == 201
        for n, subject in enumerate(["ma.x", "ma.regions", "ma.x"]):
            body = {"source": "desk", "quote": f"q{n}", "subject": subject, "measure": "share", "period": "2025", "figure": f"{10 + n} %", "breakdown": {"product": "phosphates"}}
            assert client.post("/claims", json=body).status_code == 201
        tables_before = store.query(TABLES)
        for n, text in enumerate(hostile):
            (rules_dir / f"probe-{n}.yaml").write_text(text, encoding="utf-8")
        reloaded = client.post("/rules/reload")
        assert reloaded.status_code == 200, reloaded.text
        assert {f"probe-{n}" for n in range(len(hostile))} <= set(reloaded.json()["rules"])
        for n, subject in enumerate(["ma.x", "ma.regions"]):
            body = {"source": "desk", "quote": f"after {n}", "subject": subject, "measure": "share", "period": "2025", "figure": "20 %", "breakdown": {"product": "phosphates"}}
            assert client.post("/claims", json=body).status_code == 201
        assert client.get("/health").json()["claims"] == 5
        assert client.get("/verdicts").status_code == 200
        assert [name for name, _ in store.query(TABLES)] == [name for name, _ in tables_before]
        assert store.query("SELECT count(*) FROM sources") == [(1,)]
        assert checking.all_verdicts(store, book) is not None
