"""Rule files: YAML in, ``Rule`` out, or every problem with its file:line:column and a hint.

A file holds one rule (a mapping with ``id``) or several (``rules: [...]``).
Loading goes in three passes, each reporting positions from the YAML nodes:

1. YAML syntax (PyYAML's marks);
2. shape, checked by msgspec against ``RuleSpec``: unknown keys, wrong types
   (msgspec's error path, ``$.bind.growth.measure``, is mapped back to a node);
3. meaning: names bound before use, relations in their known forms, the check
   parsed, and units that agree (pint refuses to add a share to a level).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
import math
import re
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec
import pint
import yaml

from service.claims import MEASURES, UNITS_OF_MEASURE
from service.errors import FieldProblem, RuleFileError
from service.periods import Period, PeriodError
from service.rules.expressions import ExpressionError, parse_check
from service.rules.limits import compose_bounded, read_rule_file
from service.rules.model import (
    Arith,
    Binding,
    Comparison,
    Example,
    ExampleClaim,
    Expectation,
    Plausible,
    Compound,
    Expr,
    Literally,
    Negate,
    Number,
    OtherThan,
    PeriodRelation,
    Power,
    Ref,
    Rule,
    SameAs,
    Total,
    Years,
    figure_leaves,
    leaves,
)
from service.rules.symmetry import inferred_pair
from service.units import quantity

Name = Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z0-9_]*$", description="A binding name: lower case, digits, _")]
LABEL_LANGUAGES = ("fr", "en", "ar")  # the desk's languages
LABEL_LENGTH = 80


def _described(type_: Any, text: str, *examples: Any) -> Any:
    return Annotated[type_, msgspec.Meta(description=text, examples=list(examples) or None)]


class BindingSpec(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """One binding as written in YAML. Every relation names a binding declared above it."""

    measure: _described(
        str | list[str] | None, "A measure, a list of measures, or 'same as <binding>'.", "level", ["level", "count"], "same as first"
    ) = None
    like: _described(
        Name | None,
        "The same quantity as that binding: its subject, breakdown and period; 'subject', 'breakdown' or 'period' written beside it win.",
        "current",
    ) = None
    subject: _described(str | None, "'same as <binding>', or a dotted subject key.", "same as current", "ma.regions") = None
    breakdown: _described(
        str | dict[str, str] | None,
        "any (default), total (no breakdown), member (one member of a breakdown: a product, a country), 'same as <binding>', or a mapping.",
        "same as current",
        {"per": "region"},
    ) = None
    period: _described(
        str | None,
        "same as / base of / within / contains / strictly within / strictly contains / start of / end of <binding>, or an ISO 8601 period.",
        "base of growth",
        "2024",
    ) = None
    compared_to: _described(
        str | None, "'same as <binding>': this figure is compared to the same base period as that growth's.", "same as growth_a"
    ) = None
    base_period: _described(str | None, "Old spelling of compared_to.") = None
    source: _described(str | None, "'same as <binding>' or 'other than <binding>'.", "other than level_a") = None
    printed: _described(
        Literal["number", "direction"] | None, "Only figures printed as a number, or as a direction word ('en hausse')."
    ) = None
    unit: _described(Literal["MAD", "percent", "points", "count"] | None, "Only figures in this canonical unit.") = None
    pair_after: _described(
        Name | None, "Not needed: a symmetric check takes each pair once by itself. Kept for old files."
    ) = None
    stand_in_months: _described(
        Annotated[int, msgspec.Meta(ge=0, le=12)],
        "With period 'same as' or 'base of': a figure for a period up to this many months longer, containing the needed one, may stand in (noted in the verdict).",
    ) = 0
    group: _described(
        list[Literal["source", "subject", "period", "breakdown_by", "dimension", "measure"]],
        "Make this a group binding: its claims, grouped by these keys, are summed with sum(name). breakdown_by: what the breakdown is by (product, country).",
        ["source", "subject", "period", "breakdown_by"],
    ) = []
    each_year_of: _described(
        Name | None,
        "Make this a group of one growth for every year of that average_growth binding's span after the first, each over "
        "the year before (a verdict only when every year is there); its relations to that binding hold for each member; "
        "read it with compound(name).",
        "cagr",
    ) = None
    labels: _described(
        dict[str, str] | None,
        "What the desk calls this binding's figure, in French, English and/or Arabic (without one, the desk names the figure's outlet and period).",
        {"fr": "le chiffre du mois", "en": "the month's figure", "ar": "رقم الشهر"},
    ) = None


class TranslationSpec(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """A rule's title and description in another language the desk speaks."""

    title: _described(Annotated[str, msgspec.Meta(min_length=1)], "The title, in this language.")
    description: _described(Annotated[str, msgspec.Meta(min_length=1)], "The description, in this language.")


class ExampleSpec(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """Claims a reporter could print, and what the rule must answer on them."""

    claims: _described(Annotated[list[ExampleClaim], msgspec.Meta(min_length=1)], "The printed claims.")
    expect: _described(Expectation, "The rule's answer.")
    title: _described(str | None, "What the example shows.") = None


class RuleSpec(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """One rule as written in YAML."""

    id: _described(Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9][a-z0-9-]*$")], "Stable id, kebab-case.", "growth-links-levels")
    title: _described(Annotated[str, msgspec.Meta(min_length=1)], "One line for the desk.")
    description: _described(Annotated[str, msgspec.Meta(min_length=1)], "What the rule checks and why, for the desk.")
    bind: _described(dict[Name, BindingSpec], "Names for the claims the check relates, in order; relations name bindings above.")
    check: _described(
        Annotated[str, msgspec.Meta(min_length=1)],
        "One comparison (== <= >= < >) of arithmetic (+ - * / ^ parentheses, sum(group), compound(group), years(x), numbers with %, points, MAD).",
        "current / (1 + growth) == base",
    )
    margin_unit: _described(
        Literal["MAD", "percent", "points", "count"] | None,
        "Unit of the margin; default: the unit of the right side's first figure, points for a difference of percentages.",
    ) = None
    plausible: _described(
        Plausible | None,
        "With stand_in_months: how far the months a longer period adds may stray from the rest before the verdict is implausible.",
    ) = None
    examples: _described(list[ExampleSpec], "Claims and the answer the rule must give on them; `tally rules test` runs them.") = []
    translations: _described(
        dict[str, TranslationSpec],
        "The title and description in French and/or Arabic, for the desk in those languages (without one, it shows the English, marked as English).",
        {"fr": {"title": "Un chiffre par quantité", "description": "Deux sources qui impriment la même quantité..."}},
    ) = {}


class RuleFileSpec(msgspec.Struct, forbid_unknown_fields=True):
    """A file of several rules."""

    rules: list[RuleSpec]


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a rule file (one rule, or ``rules: [...]``), for editors' autocompletion."""
    (rule, rule_file), definitions = msgspec.json.schema_components((RuleSpec, RuleFileSpec), ref_template="#/$defs/{name}")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Tally rule file",
        "description": "One rule, or several under 'rules'. See rules/README.md.",
        "anyOf": [rule, rule_file],
        "$defs": definitions,
    }


# --- positions -----------------------------------------------------------------

Position = tuple[int, int]  # 1-based line, column


class _Located:
    """Plain Python data from YAML nodes, with the position of every path."""

    def __init__(self) -> None:
        self.positions: dict[tuple[Any, ...], Position] = {}
        self.key_positions: dict[tuple[Any, ...], Position] = {}
        self.quoted: set[tuple[Any, ...]] = set()

    def build_or_raise(self, node: yaml.Node, path: str) -> Any:
        """``build``, with a value YAML cannot construct reported at its node."""
        try:
            return self.build(node)
        except _Unreadable as exc:
            line, column = exc.node.start_mark.line + 1, exc.node.start_mark.column + 1
            problem = FieldProblem(field="$", reason=f"{exc.reason} (hint: {exc.hint})", location="rule", line=line, column=column)
            raise RuleFileError(path, [problem]) from None

    def build(self, node: yaml.Node, path: tuple[Any, ...] = ()) -> Any:
        self.positions[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, yaml.MappingNode):
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise _Unreadable(key_node, "a key is a list or a mapping", "keys are plain names such as id, bind, check")
                key = key_node.value
                self.key_positions[path + (key,)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                result[key] = self.build(value_node, path + (key,))
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, path + (index,)) for index, item in enumerate(node.value)]
        if node.style in ("'", '"'):
            self.quoted.add(path)
        # Constructed, not re-serialised and re-read: an empty value (`margin:`) serialises
        # to a bare document end, which PyYAML cannot read back.
        try:
            return yaml.constructor.SafeConstructor().construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, OverflowError) as exc:  # an unknown tag, a date such as 2024-13-01
            why = exc.problem if isinstance(exc, yaml.MarkedYAMLError) else exc
            raise _Unreadable(node, f"cannot read the value {node.value[:40]!r}: {why}", "write a plain value, and quote dates, as in period: '2024'") from exc

    def within(self, path: tuple[Any, ...]) -> dict[str, Position]:
        """The positions of everything under ``path``, by dotted path relative to it."""
        depth = len(path)
        return {".".join(map(str, p[depth:])): at for p, at in self.positions.items() if p[:depth] == path and len(p) > depth}

    def at(self, path: tuple[Any, ...], key: bool = False) -> Position:
        table = self.key_positions if key else self.positions
        while path and path not in table:
            path = path[:-1]
            table = self.positions
        return table.get(path, (1, 1))


class _Unreadable(Exception):
    def __init__(self, node: yaml.Node, reason: str, hint: str) -> None:
        self.node, self.reason, self.hint = node, reason, hint


_MSGSPEC_PATH = re.compile(r" - at `\$(.*)`$")
_PATH_PART = re.compile(r"\.([A-Za-z0-9_]+)|\[(\d+)\]")


def _msgspec_problem(exc: msgspec.ValidationError, located: _Located, prefix: tuple[Any, ...]) -> FieldProblem:
    message = str(exc)
    path: tuple[Any, ...] = prefix
    if match := _MSGSPEC_PATH.search(message):
        message = message[: match.start()]
        for name, index in _PATH_PART.findall(match.group(1)):
            path += (name,) if name else (int(index),)
    field = ".".join(str(p) for p in path) or "$"
    unknown = re.search(r"unknown field `([^`]+)`", message)
    if unknown:
        path += (unknown.group(1),)
        field = ".".join(str(p) for p in path)
        message += f" (hint: {_hint_for_key(path)})"
    expected = re.match(r"Expected `([^`]*)`, got `(\w+)`$", message)
    if expected and "str" in expected.group(1).split(" | ") and expected.group(2) in ("int", "float"):
        message += " (hint: quote it, as in period: '2024')"  # YAML reads 2024 as a number
    elif expected and expected.group(2) == "null":
        message += " (hint: write a value after the ':', or remove the key)"
    line, column = located.at(path, key=bool(unknown))
    return FieldProblem(field=field, reason=message, location="rule", line=line, column=column)


def _hint_for_key(path: tuple[Any, ...]) -> str:
    in_binding = len(path) >= 3 and path[-3] == "bind"
    spec = BindingSpec if in_binding else RuleSpec
    return "allowed keys are " + ", ".join(spec.__struct_fields__)


# --- loading ---------------------------------------------------------------------


def read_yaml(text: str, path: str) -> yaml.Node | None:
    """The YAML node graph of one file, read within the limits; RuleFileError with the mark of any problem."""
    try:
        return compose_bounded(text, path)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        reason = f"YAML: {exc.problem or exc}" + (f" ({exc.context})" if exc.context else "")
        reason += " (hint: check the indentation and that every key ends with ':' on the line above)"
        raise RuleFileError(path, [FieldProblem(field="$", reason=reason, location="rule", line=line, column=column)]) from exc
    except yaml.reader.ReaderError as exc:  # a control character (NUL...) or bad encoding: no mark, a character offset
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        reason = f"YAML: {exc.reason} (character {exc.character!r}) (hint: rule text is printable characters, tabs and newlines)"
        raise RuleFileError(path, [FieldProblem(field="$", reason=reason, location="rule", line=line, column=column)]) from exc
    except yaml.YAMLError as exc:
        reason = f"YAML: {exc} (hint: check the indentation and that every key ends with ':' on the line above)"
        raise RuleFileError(path, [FieldProblem(field="$", reason=reason, location="rule")]) from exc


def load_rules_text(text: str, path: str = "<text>") -> list[Rule]:
    """Every rule of one file's text, or RuleFileError listing every problem found."""
    problems: list[FieldProblem] = []
    node = read_yaml(text, path)
    if node is None:
        raise RuleFileError(path, [FieldProblem(field="$", reason="the file is empty (hint: start with 'id:')", location="rule")])
    located = _Located()
    raw = located.build_or_raise(node, path)
    entries = _rule_entries(raw, located, problems)
    rules = []
    for prefix, entry in entries:
        if not _bindings_have_shape(entry, located, prefix, problems):
            continue
        try:
            spec = msgspec.convert(entry, RuleSpec)
        except msgspec.ValidationError as exc:
            problems.append(_msgspec_problem(exc, located, prefix))
            continue
        rule = _compile_rule(spec, path, located, prefix, problems)
        if rule is not None:
            rules.append(rule)
    if problems:
        raise RuleFileError(path, problems)
    return [_with_file_shape_hint(rule, path, several=len(entries) > 1 or entries[0][0] != ()) for rule in rules]


def _with_file_shape_hint(rule: Rule, path: str, several: bool) -> Rule:
    """One rule per file, named after its id: the documented shape; the others are read, with a hint."""
    if path.startswith("<"):  # posted text has no file name
        return rule
    if several:
        reason, hint = "several rules in one file are still read", f"one rule per file: move it to {rule.id}.yaml"
    elif Path(path).stem != rule.id:
        reason, hint = "a rule file is named after its rule", f"rename the file to {rule.id}.yaml"
    else:
        return rule
    problem = FieldProblem(field="id", reason=f"{reason} (hint: {hint})", location="rule", line=rule.line, column=1)
    return msgspec.structs.replace(rule, hints=(*rule.hints, problem))


def _bindings_have_shape(entry: Any, located: _Located, prefix: tuple[Any, ...], problems: list[FieldProblem]) -> bool:
    """Check each binding on its own: msgspec's error path does not name dict keys."""
    bind = entry.get("bind") if isinstance(entry, dict) else None
    if not isinstance(bind, dict):
        return True  # the whole-rule conversion reports it
    found = len(problems)
    for name, binding in bind.items():
        try:
            msgspec.convert(binding, BindingSpec)
        except msgspec.ValidationError as exc:
            problems.append(_msgspec_problem(exc, located, prefix + ("bind", name)))
    return len(problems) == found


def load_rules_file(path: Path) -> list[Rule]:
    return load_rules_text(read_rule_file(str(path)), str(path))


def load_rules_dir(directory: Path) -> list[Rule]:
    """All rules of a folder; RuleFileError for the first broken file (lint reports them all).

    A folder that is missing or holds no rule is an error too: a service with no
    rules would answer every claim with no verdict, which reads as "nothing wrong".
    """
    if not directory.is_dir():
        raise _rules_folder_error(directory, "no such folder")
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for path in sorted(directory.glob("*.yaml")) + sorted(directory.glob("*.yml")):
        for rule in load_rules_file(path):
            if rule.id in seen:
                problem = FieldProblem(
                    field="id",
                    reason=f"rule id {rule.id!r} is already used in {seen[rule.id]} (hint: ids are unique across the folder: rename one)",
                    location="rule",
                    line=rule.line
                )
                raise RuleFileError(str(path), [problem])
            seen[rule.id] = str(path)
            rules.append(rule)
    if not rules:
        raise _rules_folder_error(directory, "the folder holds no rule (no *.yaml or *.yml file with a rule in it)")
    return rules


def _rules_folder_error(directory: Path, reason: str) -> RuleFileError:
    hint = "hint: pass --rules DIR or set TALLY_RULES_DIR to a folder of rule files; leave both unset for the shipped rules"
    return RuleFileError(str(directory), [FieldProblem(field="rules_dir", reason=f"{reason} ({hint})", location="settings")])


def lint_dir(directory: Path) -> list[RuleFileError]:
    """Every broken file of a folder (not just the first), for ``tally rules lint``."""
    failures = []
    for path in sorted(directory.glob("*.yaml")) + sorted(directory.glob("*.yml")):
        try:
            load_rules_file(path)
        except RuleFileError as exc:
            failures.append(exc)
    try:
        load_rules_dir(directory)
    except RuleFileError as exc:
        if not any(f.path == exc.path for f in failures):
            failures.append(exc)
    return failures


def _rule_entries(raw: Any, located: _Located, problems: list[FieldProblem]) -> list[tuple[tuple[Any, ...], Any]]:
    if isinstance(raw, dict) and "rules" in raw and "id" not in raw:
        if not isinstance(raw["rules"], list):
            line, column = located.at(("rules",))
            problems.append(FieldProblem(field="rules", reason="'rules' is a list of rules", location="rule", line=line, column=column))
            return []
        return [(("rules", index), entry) for index, entry in enumerate(raw["rules"])]
    if not isinstance(raw, dict):
        problems.append(
            FieldProblem(field="$", reason="a rule file is a mapping with id, title, description, bind and check", location="rule")
        )
        return []
    return [((), raw)]


# --- meaning ---------------------------------------------------------------------

_RELATION = re.compile(
    r"^\s*(same as|other than|base of|strictly within|strictly contains|within|contains|start of|end of)\s+([a-z][a-z0-9_]*)\s*$"
)
_SUBJECT = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)*$")
_PERIOD_KINDS = {
    "same as": "same",
    "base of": "base_of",
    "within": "within",
    "contains": "contains",
    "strictly within": "strictly_within",
    "strictly contains": "strictly_contains",
    # the first / last calendar year of x's period: the levels an average growth links
    "start of": "start_of",
    "end of": "end_of",
}


class _RuleContext:
    """What one rule's meaning checks share: its positions and the problems found so far."""

    def __init__(self, path: str, located: _Located, prefix: tuple[Any, ...], problems: list[FieldProblem]) -> None:
        self.path, self.located, self.prefix, self.problems = path, located, prefix, problems
        self.hints: list[FieldProblem] = []

    def old_spelling(self, where: tuple[Any, ...], reason: str, hint: str) -> None:
        """An old spelling still read: a lint hint, not an error."""
        line, column = self.located.at(self.prefix + where, key=True)
        field = ".".join(str(p) for p in self.prefix + where)
        self.hints.append(FieldProblem(field=field, reason=f"{reason} (hint: {hint})", location="rule", line=line, column=column))

    def report(self, where: tuple[Any, ...], reason: str, hint: str = "", key: bool = False) -> None:
        line, column = self.located.at(self.prefix + where, key=key)
        field = ".".join(str(p) for p in self.prefix + where)
        text = f"{reason} (hint: {hint})" if hint else reason
        self.problems.append(FieldProblem(field=field, reason=text, location="rule", line=line, column=column))


def _compile_rule(
    spec: RuleSpec, path: str, located: _Located, prefix: tuple[Any, ...], problems: list[FieldProblem]
) -> Rule | None:
    context = _RuleContext(path, located, prefix, problems)
    before = len(problems)
    bindings: list[Binding] = []
    for name, binding_spec in spec.bind.items():
        binding = _binding(name, binding_spec, bindings, context)
        if binding is not None:
            bindings.append(binding)
    if not bindings:
        context.report(("bind",), "a rule binds at least one claim")
    if sum(1 for b in bindings if b.is_group) > 1:
        context.report(("bind",), "a rule has at most one group binding", "split the rule in two")
    check = _check(spec, bindings, context)
    examples = _examples(spec, context)
    translations = translated(spec.translations, (), context.report)
    if check is None or len(problems) > before:
        return None
    bindings = _pairs_taken_once(bindings, check, context)
    if spec.plausible is not None:
        _plausible_band(spec.plausible, bindings, context)
    line, _ = located.at(prefix + ("id",))
    return Rule(
        id=spec.id,
        title=spec.title,
        description=spec.description.strip(),
        translations=translations,
        bindings=tuple(bindings),
        check=check,
        check_text=spec.check,
        margin_unit=spec.margin_unit,
        plausible=spec.plausible,
        examples=examples,
        hints=tuple(context.hints),
        file=path,
        line=line,
    )


def _plausible_band(band: Plausible, bindings: list[Binding], context: _RuleContext) -> None:
    if not any(binding.stand_in_months for binding in bindings):
        context.report(("plausible",), "plausible judges the months a stand-in period adds", "give a binding stand_in_months, or remove plausible")
    if band.month_ratio is not None and band.month_ratio[0] >= band.month_ratio[1]:
        context.report(("plausible", "month_ratio"), "month_ratio is [lowest, highest]", "write the smaller ratio first, as in [0.25, 4]")


def _pairs_taken_once(bindings: list[Binding], check: Comparison, context: _RuleContext) -> list[Binding]:
    """Order the pair a symmetric check binds both ways round; say so where the author did it by hand."""
    written = [b for b in bindings if b.pair_after]
    unwritten = [msgspec.structs.replace(b, pair_after=None) for b in bindings]
    pair = inferred_pair(unwritten, check)
    if written:
        if pair is not None and len(written) == 1 and (written[0].name, written[0].pair_after) == pair:
            context.old_spelling(("bind", pair[0], "pair_after"), "pair_after is not needed here", "the check is symmetric, so Tally takes each pair once by itself: remove it")
        return bindings
    if pair is None:
        return bindings
    later, earlier = pair
    return [msgspec.structs.replace(b, pair_after=earlier) if b.name == later else b for b in bindings]


def _examples(spec: RuleSpec, context: _RuleContext) -> tuple[Example, ...]:
    """The examples as written, with their lines; what they say is checked by ``tally rules test``."""
    examples = []
    for index, example in enumerate(spec.examples):
        where = ("examples", index)
        for number, claim in enumerate(example.claims):
            _example_claim_reads(claim, where + ("claims", number), context)
        expect = example.expect
        if expect.margin is not None and expect.status not in ("contradicted", "revised"):
            # a revised verdict is contradicted as printed: its margin is the gap the revision explains
            context.report(where + ("expect", "margin"), "only a contradiction (or a revision) has a margin", "drop margin, or expect status: contradicted")
        if expect.status == "none" and expect.verdicts:
            context.report(where + ("expect", "verdicts"), "status none means no verdict", "drop verdicts")
        line, column = context.located.at(context.prefix + where)
        positions = context.located.within(context.prefix + where)
        examples.append(
            Example(claims=tuple(example.claims), expect=expect, title=example.title, line=line, column=column, positions=positions)
        )
    return tuple(examples)


def _example_claim_reads(claim: ExampleClaim, where: tuple[Any, ...], context: _RuleContext) -> None:
    if claim.measure not in MEASURES:
        context.report(where + ("measure",), f"unknown measure {claim.measure!r}", "one of " + ", ".join(MEASURES))
    for key in ("period", "compared_to"):
        text = getattr(claim, key)
        if text is None:
            continue
        try:
            Period.parse(text)
        except PeriodError as exc:
            context.report(where + (key,), str(exc), "write 2024, 2025-11 or 2025-01/2025-11")


def _binding(name: str, spec: BindingSpec, earlier: list[Binding], context: _RuleContext) -> Binding | None:
    where = ("bind", name)
    known = {b.name: b for b in earlier}
    before = len(context.problems)

    def relation(key: str, text: str | None, forms: tuple[str, ...]) -> tuple[str, str] | None:
        if text is None:
            return None
        match = _RELATION.match(text)
        if match is None or match.group(1) not in forms:
            context.report(where + (key,), f"cannot read {key}: {text!r}", "write " + " or ".join(f"'{f} <binding>'" for f in forms))
            return None
        other = match.group(2)
        if other not in known:
            hint = f"bindings above {name!r}: {', '.join(known) or 'none'}" if other != name else "a binding cannot relate to itself"
            context.report(where + (key,), f"unbound name {other!r}", hint)
            return None
        if known[other].is_group and match.group(1) == "base of":
            context.report(where + (key,), f"{other!r} is a group: it has no base period", "use 'same as', 'within' or 'contains'")
            return None
        if known[other].is_group and not _group_has_key(known[other], key):
            context.report(where + (key,), f"{other!r} is a group over {', '.join(known[other].group)}: it has no single {key}", f"relate to a group only by its group keys, or add '{_GROUP_KEY_OF.get(key, key)}' to its group")
            return None
        if spec.each_year_of is not None and other == spec.each_year_of:
            return match.group(1), other  # a series' relations to its span hold member by member
        if (spec.group or spec.each_year_of) and not _group_has_key_spec(spec.group, key):
            context.report(where + (key,), f"{name!r} is a group over {', '.join(spec.group)}: it has no single {key}", f"add '{_GROUP_KEY_OF.get(key, key)}' to its group, or drop the relation")
            return None
        return match.group(1), other

    spec = _new_spellings(spec, where, context)
    if spec.like is not None and relation("like", f"same as {spec.like}", ("same as",)) is not None:
        spec = _like(spec)
    measures, measure_of = _measures(spec, where, relation, context)
    subject = None
    if spec.subject is not None:
        if _SUBJECT.match(spec.subject):
            subject = Literally(spec.subject)
        elif (found := relation("subject", spec.subject, ("same as",))) is not None:
            subject = SameAs(found[1])
    breakdown = _breakdown(spec, where, relation, context)
    period = _period(spec, where, relation, context)
    compared_to = None
    if (found := relation("compared_to", spec.compared_to, ("same as",))) is not None:
        compared_to = SameAs(found[1])
    source = None
    if (found := relation("source", spec.source, ("same as", "other than"))) is not None:
        source = SameAs(found[1]) if found[0] == "same as" else OtherThan(found[1])
    if spec.pair_after is not None and spec.pair_after not in known:
        context.report(where + ("pair_after",), f"unbound name {spec.pair_after!r}", f"bindings above: {', '.join(known) or 'none'}")
    elif spec.pair_after is not None and (spec.group or spec.each_year_of or known[spec.pair_after].is_group):
        context.report(where + ("pair_after",), "pair_after orders two single claims, not a group", "remove it")
    _series(name, spec, known, where, context)
    if spec.stand_in_months and (period is None or period.kind not in ("same", "base_of")):
        context.report(where + ("stand_in_months",), "stand_in_months needs period: 'same as x' or 'base of x'")
    if len(context.problems) > before:
        return None
    _labels(spec, where, context)  # after: a bad label fails the rule, but the names below it are still bound
    line, column = context.located.at(context.prefix + where, key=True)
    return Binding(
        name=name,
        measures=measures,
        measure_of=measure_of,
        subject=subject,
        breakdown=breakdown,
        period=period,
        compared_to=compared_to,
        source=source,
        printed=spec.printed,
        unit=spec.unit,
        pair_after=spec.pair_after,
        stand_in_months=spec.stand_in_months,
        group=tuple(spec.group),
        each_year_of=spec.each_year_of,
        labels=tuple(sorted((spec.labels or {}).items())),
        line=line,
        column=column,
    )


TRANSLATED_LANGUAGES = tuple(language for language in LABEL_LANGUAGES if language != "en")  # English is the title itself
TITLE_LENGTH = 200


def translated(
    translations: Mapping[str, TranslationSpec], where: tuple[Any, ...], report: Callable[..., None]
) -> tuple[tuple[str, str, str], ...]:
    """(language, title, description) of each translation of a rule's (or a diagnosis's) title; a problem at its line:column for each bad one."""
    found = []
    for language, translation in translations.items():
        at = where + ("translations", language)
        title, description = translation.title.strip(), " ".join(translation.description.split())
        if language not in TRANSLATED_LANGUAGES:
            hint = "the English ones are title and description themselves" if language == "en" else f"translations in {', '.join(TRANSLATED_LANGUAGES)}"
            report(at, f"no other desk language {language!r}", hint, key=True)
        elif not title or not description:
            report(at + ("title" if not title else "description",), "a blank translation", "write it, or leave the language out: the desk then shows the English")
        elif len(title) > TITLE_LENGTH or any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in title):
            report(at + ("title",), f"a title is one line (at most {TITLE_LENGTH} characters, no control character)", "shorten it")
        else:
            found.append((language, title, translation.description.strip()))
    return tuple(sorted(found))


def _labels(spec: BindingSpec, where: tuple[Any, ...], context: _RuleContext) -> None:
    """A label per desk language, each a few words on one line: the desk prints it beside the figure."""
    for language, text in (spec.labels or {}).items():
        if language not in LABEL_LANGUAGES:
            context.report(where + ("labels", language), f"no desk language {language!r}", f"label in {', '.join(LABEL_LANGUAGES)}", key=True)
        elif not text.strip():
            context.report(where + ("labels", language), "a blank label", "a few words naming the figure, or no label: the desk then names its outlet and period")
        elif len(text) > LABEL_LENGTH or any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in text):
            context.report(where + ("labels", language), f"a label is a few words on one line (at most {LABEL_LENGTH} characters, no control character)", "shorten it")


def _new_spellings(spec: BindingSpec, where: tuple[Any, ...], context: _RuleContext) -> BindingSpec:
    """Read the old spellings as the new ones, with a hint that names the new one."""
    if spec.base_period is not None:
        if spec.compared_to is not None:
            context.report(where + ("base_period",), "base_period and compared_to say the same thing", "keep compared_to")
        else:
            context.old_spelling(where + ("base_period",), "base_period is an old spelling", "write compared_to: " + spec.base_period)
            spec = msgspec.structs.replace(spec, compared_to=spec.base_period, base_period=None)
    if spec.breakdown == "part":
        context.old_spelling(where + ("breakdown",), "breakdown: part is an old spelling", "write breakdown: member")
        spec = msgspec.structs.replace(spec, breakdown="member")
    if "dimension" in spec.group:
        context.old_spelling(where + ("group",), "the group key dimension is an old spelling", "write breakdown_by")
        spec = msgspec.structs.replace(spec, group=["breakdown_by" if key == "dimension" else key for key in spec.group])
    return spec


def _like(spec: BindingSpec) -> BindingSpec:
    """``like: x`` is subject, breakdown and period 'same as x', each unless written beside it.

    A series (``each_year_of``) takes its periods from its span, so ``like`` gives it no period.
    """
    same = f"same as {spec.like}"
    implied_period = spec.period if spec.period is not None or spec.each_year_of is not None else same
    return msgspec.structs.replace(
        spec,
        subject=spec.subject if spec.subject is not None else same,
        breakdown=spec.breakdown if spec.breakdown is not None else same,
        period=implied_period,
    )


def _series(name: str, spec: BindingSpec, known: dict[str, Binding], where: tuple[Any, ...], context: _RuleContext) -> None:
    """A series runs over one average_growth binding above it; its members' periods are the span's years."""
    if spec.each_year_of is None:
        return
    span = known.get(spec.each_year_of)
    if span is None:
        hint = f"bindings above {name!r}: {', '.join(known) or 'none'}"
        context.report(where + ("each_year_of",), f"unbound name {spec.each_year_of!r}", hint)
    elif not _spans_years(span):
        hint = f"bind {spec.each_year_of!r} with 'measure: average_growth' alone"
        context.report(where + ("each_year_of",), f"each_year_of runs over an average_growth binding's span; {spec.each_year_of!r} is not one", hint)
    if spec.period is not None:
        context.report(where + ("period",), "a series' periods are the years of its span", "remove period, each_year_of sets it")
    if "period" in spec.group:
        context.report(where + ("group",), "a series' members have a period each: it cannot be a group key", "remove period from group")


# Which group key lets a relation name a group binding: a group summed per source,
# subject and period has one subject, one period and one source, nothing else.
_GROUP_KEY_OF = {"subject": "subject", "period": "period", "source": "source", "measure": "measure", "like": "subject"}


def _group_has_key(group: Binding, relation_key: str) -> bool:
    return _group_has_key_spec(list(group.group), relation_key)


def _group_has_key_spec(group: list[str] | tuple[str, ...], relation_key: str) -> bool:
    return _GROUP_KEY_OF.get(relation_key) in group


def _measures(spec: BindingSpec, where, relation, context: _RuleContext) -> tuple[tuple[str, ...], str | None]:
    if spec.measure is None:
        context.report(where, "a binding says which measure it takes", "add 'measure: level' (or growth, share, ...)", key=True)
        return (), None
    if isinstance(spec.measure, str) and spec.measure.startswith("same as"):
        found = relation("measure", spec.measure, ("same as",))
        return (), (found[1] if found else None)
    names = [spec.measure] if isinstance(spec.measure, str) else spec.measure
    unknown = [m for m in names if m not in MEASURES]
    if unknown:
        context.report(where + ("measure",), f"unknown measure {unknown[0]!r}", "one of " + ", ".join(MEASURES))
        return (), None
    return tuple(names), None


def _breakdown(spec: BindingSpec, where, relation, context: _RuleContext):
    value = spec.breakdown
    if value is None:
        return "any"
    if isinstance(value, dict):
        return dict(sorted(value.items()))
    if value in ("any", "total", "member"):
        return value
    found = relation("breakdown", value, ("same as",))
    return SameAs(found[1]) if found else "any"


def _period(spec: BindingSpec, where, relation, context: _RuleContext) -> PeriodRelation | None:
    if spec.period is None:
        return None
    if not _RELATION.match(spec.period):
        try:
            return PeriodRelation(kind="literal", literal=str(Period.parse(spec.period)))
        except PeriodError:
            pass
    found = relation("period", spec.period, tuple(_PERIOD_KINDS))
    return PeriodRelation(kind=_PERIOD_KINDS[found[0]], other=found[1]) if found else None  # type: ignore[arg-type]


def _check(spec: RuleSpec, bindings: list[Binding], context: _RuleContext) -> Comparison | None:
    line, column = context.located.at(context.prefix + ("check",))
    # A quoted scalar's text starts one column after its opening quote.
    offset = 1 if context.prefix + ("check",) in context.located.quoted else 0
    try:
        check = parse_check(spec.check, line)
    except ExpressionError as exc:
        context.problems.append(
            FieldProblem(
                field=".".join(map(str, context.prefix + ("check",))),
                reason=exc.reason,
                location="rule",
                line=line,
                column=column + offset + exc.column - 1,
                part=exc.token or None,
            )
        )
        return None
    check = _resolve_years(check, bindings, context, line, column + offset - 1)
    _check_names(check, bindings, context, line, column + offset - 1)
    if not context.problems:
        _check_units(check, bindings, context, line, column + offset - 1)
    return check


def _spans_years(binding: Binding) -> bool:
    """A binding every claim of which is an average_growth: one claim whose period is a span of whole years."""
    return binding.measures == ("average_growth",) and not binding.is_group


def _resolve_years(check: Comparison, bindings: list[Binding], context: _RuleContext, line: int, column0: int) -> Comparison:
    """A bare ``years`` is ``years(x)`` for the rule's one average_growth binding x; with none or several it is refused."""
    bare = [leaf for leaf in leaves(check) if isinstance(leaf, Years) and not leaf.name]
    if not bare:
        return check
    spans = [b.name for b in bindings if _spans_years(b)]
    if len(spans) == 1:
        return _named_years(check, spans[0])
    where = ".".join(map(str, context.prefix + ("check",)))
    found = f"this rule binds {len(spans)}: {', '.join(spans)}" if spans else "this rule binds none"
    hint = "write years(<binding>) with an average_growth binding" if spans else "bind one with 'measure: average_growth', or write years(<binding>)"
    for leaf in bare:
        reason = f"a bare 'years' counts the span of the rule's one average_growth binding; {found} (hint: {hint})"
        _problem_at(context, where, reason, line, column0 + leaf.column, "years")
    return check


def _named_years(expr: Any, name: str) -> Any:
    match expr:
        case Years(name=""):
            return msgspec.structs.replace(expr, name=name)
        case Comparison() | Arith():
            return msgspec.structs.replace(expr, left=_named_years(expr.left, name), right=_named_years(expr.right, name))
        case Power():
            return msgspec.structs.replace(expr, base=_named_years(expr.base, name), exponent=_named_years(expr.exponent, name))
        case Negate():
            return msgspec.structs.replace(expr, operand=_named_years(expr.operand, name))
    return expr


def _check_names(check: Comparison, bindings: list[Binding], context: _RuleContext, line: int, column0: int) -> None:
    by_name = {b.name: b for b in bindings}
    used = set()
    for leaf in leaves(check):
        if isinstance(leaf, Number) or (isinstance(leaf, Years) and not leaf.name):
            continue
        used.add(leaf.name)
        binding = by_name.get(leaf.name)
        where = ".".join(map(str, context.prefix + ("check",)))
        if binding is None:
            hint = f"bound names: {', '.join(by_name) or 'none'}"
            _problem_at(context, where, f"unbound name {leaf.name!r} (hint: {hint})", line, column0 + leaf.column, leaf.name)
        elif isinstance(leaf, Ref) and binding.is_group:
            reason = f"{leaf.name!r} is a group: write sum({leaf.name}) or compound({leaf.name})"
            _problem_at(context, where, reason, line, column0 + leaf.column, leaf.name)
        elif isinstance(leaf, (Total, Compound)) and not binding.is_group:
            function = "sum" if isinstance(leaf, Total) else "compound"
            hint = f"add 'group: [source, subject, period, breakdown_by]' to {leaf.name!r}"
            reason = f"{function}({leaf.name}) needs a group binding (hint: {hint})"
            _problem_at(context, where, reason, line, column0 + leaf.column, leaf.name)
        elif isinstance(leaf, Years) and not _spans_years(binding):
            takes = ", ".join(binding.measures) or f"the measure of {binding.measure_of}"
            hint = f"bind {leaf.name!r} with 'measure: average_growth' alone, or count the years of such a binding"
            reason = f"years({leaf.name}) counts the years of an average_growth binding's span; {leaf.name!r} takes {takes} (hint: {hint})"
            _problem_at(context, where, reason, line, column0 + leaf.column, leaf.name)
    for binding in bindings:
        if binding.name not in used and not any(binding.name in b.related() for b in bindings):
            context.report(("bind", binding.name), f"{binding.name!r} is bound but never used", "use it in check, or remove it", key=True)


def _problem_at(context: _RuleContext, field: str, reason: str, line: int, column: int, part: str) -> None:
    context.problems.append(FieldProblem(field=field, reason=reason, location="rule", line=line, column=column, part=part))


def unit_options(binding: Binding, bindings: dict[str, Binding]) -> tuple[str, ...]:
    """The canonical units the claims a binding takes can come in ("text" for a category)."""
    root = binding
    while root.measure_of is not None:
        root = bindings[root.measure_of]
    units: list[str] = []
    for measure in root.measures:
        for unit in UNITS_OF_MEASURE.get(measure, ("text",)):
            if unit not in units:
                units.append(unit)
    if binding.unit is not None:
        units = [u for u in units if u == binding.unit]
    return tuple(units)


def valid_unit_combinations(rule_bindings: tuple[Binding, ...] | list[Binding], check: Comparison) -> list[dict[str, str]]:
    """Every assignment of units to the bindings the check uses under which its units agree."""
    by_name = {b.name: b for b in rule_bindings}
    names = sorted({leaf.name for leaf in figure_leaves(check)})
    options = [unit_options(by_name[name], by_name) for name in names]
    valid = []
    for combination in itertools.product(*options):
        assignment = dict(zip(names, combination))
        if _unit_error(check, assignment) is None:
            valid.append(assignment)
    return valid


# The units a check's figures may come in are tried in every combination (a level in MAD
# or as a count...): 3 ** n for n bindings.  Real rules try a few; past this, a posted rule
# would hold a worker for seconds (the shipped rules try at most 16), so the author narrows with 'unit:'.
MAX_UNIT_COMBINATIONS = 64


def _check_units(check: Comparison, bindings: list[Binding], context: _RuleContext, line: int, column0: int) -> None:
    by_name = {b.name: b for b in bindings}
    combinations = math.prod(len(unit_options(by_name[leaf.name], by_name) or ("text",)) for leaf in {l.name: l for l in figure_leaves(check)}.values())
    if combinations > MAX_UNIT_COMBINATIONS:
        where = ".".join(map(str, context.prefix + ("check",)))
        reason = f"the check's figures can come in {combinations} combinations of units; at most {MAX_UNIT_COMBINATIONS} are tried"
        _problem_at(context, where, f"{reason} (hint: narrow bindings with 'unit:', or split the rule)", line, column0 + check.column, "")
        return
    if valid_unit_combinations(bindings, check):
        return
    by_name = {b.name: b for b in bindings}
    names = sorted({leaf.name for leaf in figure_leaves(check)})
    first = {name: (unit_options(by_name[name], by_name) or ("text",))[0] for name in names}
    node, reason = _unit_error(check, first) or (check, "units never agree")
    where = ".".join(map(str, context.prefix + ("check",)))
    hint = "levels are MAD, growth and shares percent, share changes points, counts plain numbers; 'unit:' narrows a binding"
    _problem_at(context, where, f"type error: {reason} (hint: {hint})", line, column0 + node.column, "")


_UNIT_NAMES = {"MAD": "a level (MAD)", "percent": "a ratio (percent)", "points": "a change in points", "count": "a count"}


def _unit_error(check: Comparison, assignment: dict[str, str]) -> tuple[Any, str] | None:
    """None when the check's units agree under ``assignment``; else the node and why not."""
    if "text" in assignment.values():
        if isinstance(check.left, Ref) and isinstance(check.right, Ref) and check.op == "==":
            if assignment[check.left.name] == assignment[check.right.name] == "text":
                return None
        return check, "a category is compared only as 'a == b' with another category"
    try:
        left, right = _kind(check.left, assignment), _kind(check.right, assignment)
        _agree(check, left, right, "compare")
    except _UnitMismatch as exc:
        return exc.node, exc.reason
    return None


class _UnitMismatch(Exception):
    def __init__(self, node: Any, reason: str) -> None:
        self.node, self.reason = node, reason


# pint knows that money is not a ratio; it does not know that a share (a ratio) and
# a count of salons are different things, since both are dimensionless.  A kind
# carries that difference: money, ratio (percent, points), count, or a plain number.
_KIND_OF_UNIT = {"MAD": "money", "percent": "ratio", "points": "ratio", "count": "count"}
_KIND_NAMES = {"money": "money (MAD)", "ratio": "a ratio (percent, points)", "count": "a count", "number": "a number"}
Kind = tuple[pint.Quantity, str]


def _kind(expr: Expr, assignment: dict[str, str]) -> Kind:
    match expr:
        case Number(unit=unit):
            return quantity(1.0, unit), ("number" if unit == "count" else _KIND_OF_UNIT[unit])
        case Ref(name=name) | Total(name=name):
            return quantity(1.0, assignment[name]), _KIND_OF_UNIT[assignment[name]]
        case Years():
            return quantity(1.0, "count"), "number"
        case Compound(name=name):
            kind = _KIND_OF_UNIT[assignment[name]]
            if kind != "ratio":
                raise _UnitMismatch(expr, f"compound({name}) multiplies growth rates (1 + g); {_KIND_NAMES[kind]} is not one")
            return quantity(1.0, assignment[name]), kind
        case Power(base=base, exponent=exponent):
            a, b = _kind(base, assignment), _kind(exponent, assignment)
            if b[1] not in ("number", "count"):
                raise _UnitMismatch(expr, f"an exponent is a plain number or a count (2, years(x)), not {_KIND_NAMES[b[1]]}")
            if a[1] not in ("number", "ratio"):
                raise _UnitMismatch(
                    expr, f"cannot raise {_KIND_NAMES[a[1]]} to a power: only a ratio or a plain number (as in level * (1 + growth) ^ n)"
                )
            return a
        case Negate(operand=operand):
            return _kind(operand, assignment)
        case Arith(op=op, left=left, right=right):
            a, b = _kind(left, assignment), _kind(right, assignment)
            if op in "+-":
                kind = _agree(expr, a, b, "add" if op == "+" else "subtract")
                return a[0] + b[0], kind
            if op == "*":
                return a[0] * b[0], _product_kind(a[1], b[1])
            return a[0] / b[0], _quotient_kind(a[1], b[1])
    raise TypeError(expr)


def kind_of(expr: Expr, units: dict[str, str]) -> str:
    """money, ratio, count or number: what an expression's value is, for display."""
    return _kind(expr, units)[1]


def _agree(node: Any, a: Kind, b: Kind, verb: str) -> str:
    """The kind of a sum or a comparison; _UnitMismatch if money meets a ratio, or a ratio a count."""
    if a[0].dimensionality != b[0].dimensionality or not ({a[1], b[1]} <= {a[1], "number"} or {a[1], b[1]} <= {b[1], "number"}):
        joiner = {"add": "to", "subtract": "from", "compare": "with"}[verb]
        first, second = (b, a) if verb in ("add", "subtract") else (a, b)
        raise _UnitMismatch(node, f"cannot {verb} {_KIND_NAMES[first[1]]} {joiner} {_KIND_NAMES[second[1]]}")
    return a[1] if a[1] != "number" else b[1]


def _product_kind(a: str, b: str) -> str:
    for kind in ("money", "count", "ratio"):
        if kind in (a, b):
            return kind
    return "number"


def _quotient_kind(a: str, b: str) -> str:
    if a == b or a == "number":
        return "number"
    return a
