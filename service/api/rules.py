"""/rules: the rules in force, their JSON Schema, and validation of a rule author's YAML."""

from __future__ import annotations

from typing import Any

import msgspec
from anyio import to_thread
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from service.api.bodies import YAML_TYPES
from service.errors import ClientError, FieldProblem, RuleFileError
from service import checking
from service.rules.book import RuleBook
from service.store import Store
from service.rules.sql import compile_rule
from service.rules.loader import json_schema, load_rules_text
from service.rules.model import Rule
from service.api.access import admins


class RuleBindingOut(msgspec.Struct):
    name: str
    spec: dict[str, Any]


class RuleOut(msgspec.Struct):
    id: str
    title: str
    description: str
    check: str
    bindings: list[RuleBindingOut]
    margin_unit: str | None
    file: str
    sql: str


class RuleList(msgspec.Struct):
    rules: list[RuleOut]


class ValidationReport(msgspec.Struct):
    valid: bool
    rules: list[str]
    # old spellings still read, each with the new one to write (what `tally rules lint` prints as hints)
    hints: list[FieldProblem] = []


class RuleFileInvalid(ClientError):
    status = 422
    title = "Invalid rule file"
    slug = "invalid-rule-file"


def _set(value: Any) -> bool:
    """A binding key the author set: not a default (None, empty, 0, "any")."""
    return value not in (None, 0, "any") and value != [] and value != ()


def rule_out(rule: Rule) -> RuleOut:
    bindings = [
        RuleBindingOut(name=b.name, spec={k: v for k, v in msgspec.to_builtins(b).items() if k not in ("name", "line", "column") and _set(v)})
        for b in rule.bindings
    ]
    return RuleOut(
        id=rule.id,
        title=rule.title,
        description=rule.description,
        check=rule.check_text,
        bindings=bindings,
        margin_unit=rule.margin_unit,
        file=rule.file,
        sql=compile_rule(rule).sql(),
    )


class RuleController(Controller):
    path = "/rules"
    guards = [admins]
    tags = ["rules"]

    @get("/", operation_id="listRules", sync_to_thread=False)
    def list_rules(self, rules: NamedDependency[RuleBook]) -> RuleList:
        """The rules in force, each with its check and the SQL it compiles to."""
        return RuleList(rules=[rule_out(rule) for rule in rules.rules])

    @get("/schema", operation_id="ruleFileSchema", sync_to_thread=False)
    def rule_schema(self) -> dict[str, Any]:
        """The JSON Schema of a rule file, for editors' autocompletion."""
        return json_schema()

    @get("/{rule_id:str}", operation_id="getRule", sync_to_thread=False)
    def get_rule(self, rule_id: FromPath[str], rules: NamedDependency[RuleBook]) -> RuleOut:
        """One rule in force; 404 if no rule has that id."""
        return rule_out(rules.get(rule_id))

    @post("/reload", operation_id="reloadRules", status_code=200, sync_to_thread=True)
    def reload_rules(self, rules: NamedDependency[RuleBook], store: NamedDependency[Store]) -> ValidationReport:
        """Load the rules folder again and recompute every verdict. On any broken file: 422 with its problems, and the rules in force stay."""
        try:
            loaded = checking.reload(store, rules)
        except RuleFileError as exc:
            raise RuleFileInvalid(exc.problems, detail=str(exc)) from exc
        return ValidationReport(valid=True, rules=[rule.id for rule in loaded])

    @post("/validate", operation_id="validateRules", status_code=200, opt={"dry_run": True, "body_types": YAML_TYPES})  # installs nothing: open
    async def validate_rules(self, request: Request[Any, Any, Any]) -> ValidationReport:
        """Check a rule file's YAML (the request body, application/yaml) without installing it.

        200 with the rule ids, or 422 with every problem's line and column.
        """
        raw = await request.body()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise RuleFileInvalid([FieldProblem(field="$", reason="the body is not UTF-8 text")]) from exc
        try:
            # Off the event loop: reading a rule file within the limits still takes a worker
            # some milliseconds, and the loop must keep answering everyone else meanwhile.
            rules = await to_thread.run_sync(load_rules_text, text, "<posted>")
        except RuleFileError as exc:
            raise RuleFileInvalid(exc.problems, detail=str(exc)) from exc
        return ValidationReport(valid=True, rules=[rule.id for rule in rules], hints=[hint for rule in rules for hint in rule.hints])
