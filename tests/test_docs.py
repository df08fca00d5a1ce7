"""Tests that keep the documentation honest: what README and rules/README.md say is what runs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import click
import msgspec
import pytest

from tests.helpers import RULES_DIR, verdicts_of
from service.app import create_app
from service.claims import ClaimIn, build_claim
from service.cli import main
from service.figures import QUALIFIERS
from service.loading import load_directory
from service.rules.loader import BindingSpec, json_schema, load_rules_text
from service.rules.book import RuleBook
from service.settings import Settings
from service.sources import Source
from service.store import Store

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
RULES_README = (ROOT / "rules" / "README.md").read_text(encoding="utf-8")


def readme_rule_blocks() -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", RULES_README, re.S)


def test_readme_opens_with_the_two_set_up_commands() -> None:
    set_up = README.split("## Set up (fresh clone)")[1].split("##")[0]
    commands = [line for line in set_up.splitlines() if line.startswith("make ")]
    assert [c.split()[1] for c in commands] == ["serve", "test"]
    assert "make test" in (ROOT / ".ci" / "run").read_text()


@pytest.mark.parametrize("block", readme_rule_blocks(), ids=lambda b: b.split("\n")[0])
def test_every_rule_in_the_rules_readme_loads(block: str) -> None:
    assert load_rules_text(block, "rules/README.md")


def test_rules_readme_documents_every_binding_key() -> None:
    for key in BindingSpec.__struct_fields__:
        assert f"`{key}`" in RULES_README, key


def test_rules_readme_has_a_worked_example_per_operator() -> None:
    for heading in ("`==`", "`+`", "`-`", "`*`", "`/`", "`^`", "`sum()`", "`<=`", "`>=`", "`<` and `>`", "unary `-`"):
        assert f"### {heading}" in RULES_README, heading


def test_published_json_schema_is_current() -> None:
    published = json.loads((ROOT / "rules" / "schema.json").read_text(encoding="utf-8"))
    assert published == json_schema(), "run: tally rules schema > rules/schema.json"


@pytest.fixture(scope="module")
def seed_verdicts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list]:
    """The worked examples of rules/README.md run on the seed fixtures."""
    store = Store(str(tmp_path_factory.mktemp("docs") / "seed.duckdb"))
    load_directory(store, ROOT / "fixtures", RuleBook(RULES_DIR))
    rules = [r for block in readme_rule_blocks() for r in load_rules_text(block) if r.id.startswith("example-")]
    verdicts = verdicts_of(store, rules)
    store.close()
    by_rule: dict[str, list] = {}
    for verdict in verdicts:
        by_rule.setdefault(verdict.rule, []).append(verdict)
    return by_rule


# The worked examples of +, -, * and / carry their own claims (``examples:``), which
# tests/test_rules_examples.py runs; on the seeds, `==` is checked here.
@pytest.mark.parametrize(("rule", "margin", "unit"), [("example-equal", 80_000_000, "MAD")])
def test_worked_examples_give_the_stated_margins(seed_verdicts, rule: str, margin: float, unit: str) -> None:
    margins = {(v.margin, v.margin_unit) for v in seed_verdicts[rule] if v.status == "contradicted"}
    assert any(m == pytest.approx(margin, rel=1e-5) and u == unit for m, u in margins), margins


def test_worked_examples_that_hold(seed_verdicts) -> None:
    for rule in ("example-sum", "example-at-most", "example-at-least", "example-strict", "example-negate"):
        assert seed_verdicts[rule] and {v.status for v in seed_verdicts[rule]} == {"consistent"}, rule
    over_2024 = {v.status for v in seed_verdicts["example-stand-in"] if "approximately 1.11 billion dirhams" in [c.figure for c in v.claims]}
    assert over_2024 == {"consistent", "implausible"}  # 1,14 with +13 %, and 1,23 with +11 %


def test_the_strict_worked_example_fails_where_the_sides_can_only_touch(tmp_path: Path) -> None:
    """rules/README.md: `part < 100 %` on a floored `100 %` is contradicted by 0 points; half up, consistent."""
    (strict,) = [r for block in readme_rule_blocks() for r in load_rules_text(block) if r.id == "example-strict"]
    at_most = msgspec.structs.replace(strict, id="example-at-most-100", check=msgspec.structs.replace(strict.check, op="<="))
    with Store(str(tmp_path / "strict.duckdb")) as store:
        for rounding in ("floor", "half_up"):
            source = Source(id=f"desk-{rounding}", title="t", outlet="o", language="fr", rounding=rounding)
            store.add_source(source)
            body = ClaimIn(source=source.id, quote="q", subject="ma.x", breakdown={"product": "p"}, measure="share", period="2025", figure="100 %")
            store.add_claim(build_claim(body, source))
        verdicts = verdicts_of(store, [strict, at_most])
    found = {(v.rule, v.claims[0].source): (v.status, v.margin, v.margin_unit) for v in verdicts}
    assert found == {
        ("example-strict", "desk-floor"): ("contradicted", 0.0, "points"),
        ("example-strict", "desk-half_up"): ("consistent", 0.0, "points"),
        ("example-at-most-100", "desk-floor"): ("consistent", 0.0, "points"),
        ("example-at-most-100", "desk-half_up"): ("consistent", 0.0, "points"),
    }


def test_readme_lists_every_qualifier_word() -> None:
    table = README.split("## A printed figure is an interval")[1].split("## The HTTP API")[0].lower()
    for word in QUALIFIERS:
        assert word.lower() in table, word


def _commands(group: click.Group, prefix: str = "tally") -> list[tuple[str, click.Command]]:
    found = []
    for name, command in group.commands.items():
        path = f"{prefix} {name}"
        if isinstance(command, click.Group):
            found += _commands(command, path)
        else:
            found.append((path, command))
    return found


def test_readme_documents_every_command_and_option() -> None:
    usage = README.split("## The command line")[1].split("##")[0]
    for path, command in _commands(main):
        assert path in usage, path
        for param in command.params:
            if isinstance(param, click.Option):
                assert any(opt in usage for opt in param.opts), f"{path} {param.opts}"


def test_readme_documents_every_http_route(tmp_path: Path) -> None:
    with Store(str(tmp_path / "routes.duckdb")) as store:
        app = create_app(Settings(), store, RuleBook(ROOT / "rules"))
        # /favicon.ico is the browser's icon, not an API route (docs/desk.md says it is answered)
        paths = {route.path for route in app.routes if not route.path.startswith("/schema") and route.path != "/favicon.ico"}
    api = README.split("## The HTTP API")[1].split("## Rules are data")[0]
    for path in paths:
        documented = re.escape(re.sub(r"\{(\w+):\w+\}", "{id}", path))
        assert re.search(rf"[ `]{documented}[`?,\s]", api), path


def test_readme_documents_every_setting() -> None:
    for name in Settings.__struct_fields__:
        assert f"TALLY_{name.upper()}" in README, name


def test_readme_says_an_installed_tally_carries_its_rules_and_fixtures() -> None:
    set_up = README.split("## Set up (fresh clone)")[1].split("## Try it")[0]
    assert "pip install ." in set_up and "rules and seed fixtures inside the package" in set_up
    usage = README.split("## The command line")[1].split("## The seed case")[0]
    assert re.search(r"tally rules lint \[FOLDER\] +FOLDER: TALLY_RULES_DIR, else the shipped rules", usage)
    assert "`./tally.duckdb` in the current folder" in usage
