"""The rule language: a new rule is a YAML file, not code; its SQL is portable and cannot be injected.

Also the meaning of each operator on hand-computed intervals, and what a
division by an interval holding zero gives (``unverifiable``, never an error).
"""

from __future__ import annotations

import functools
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlglot
from litestar.testing import TestClient
from sqlglot import exp

from service import checking
from service.app import create_app
from service.claims import ClaimIn, build_claim
from service.errors import RuleFileError
from service.rules.book import RuleBook
from service.rules.sql import compile_rule
from service.rules.loader import load_rules_dir, load_rules_text
from service.rules.model import Rule
from service.settings import Settings
from service.sources import Source
from service.store import Store
from service.verdicts import Verdict
from tests.helpers import LOOPBACK, verdicts_of

ROOT = Path(__file__).resolve().parent.parent
RULES_DIR = ROOT / "rules"
EXPORTS = "ma.handicraft.exports"
JAN_NOV_25, JAN_NOV_24 = "2025-01/2025-11", "2024-01/2024-11"
INJECTION = "'; DROP TABLE claims; --"


@functools.cache
def shipped_rules() -> tuple[Rule, ...]:
    return tuple(load_rules_dir(RULES_DIR))


def store_with(path: Path, sources: list[Source], bodies: list[ClaimIn]) -> Store:
    store = Store(str(path))
    by_id = {source.id: source for source in sources}
    with store.transaction() as connection:
        for source in sources:
            store.add_source(source, connection)
        for body in bodies:
            store.add_claim(build_claim(body, by_id[body.source]), connection)
    return store


def claims_table_exists(store: Store) -> bool:
    return store.query("SELECT count(*) FROM information_schema.tables WHERE table_name = 'claims'")[0][0] == 1


# --- a brand-new rule, with no code change -------------------------------------------------

PART_WITHIN_TOTAL = """\
# yaml-language-server: $schema=schema.json
id: part-within-total
title: A part's level cannot exceed the total level
description: >
  The exports of one product (a part of the breakdown by product) cannot exceed
  the exports of all products for the same period.
bind:
  total:
    measure: level
    breakdown: total
  part:
    measure: same as total
    subject: same as total
    breakdown: part
    period: same as total
check: part <= total
"""


def test_a_new_rule_file_is_in_force_through_the_api(tmp_path: Path) -> None:
    rules_dir = tmp_path / "rules"
    shutil.copytree(RULES_DIR, rules_dir)
    (rules_dir / "10-part-within-total.yaml").write_text(PART_WITHIN_TOTAL, encoding="utf-8")
    settings = Settings(db_path=str(tmp_path / "tally.duckdb"), rules_dir=str(rules_dir), load_fixtures=False)
    with Store(settings.db_path) as store:
        app = create_app(settings, store, RuleBook(rules_dir))
        with TestClient(app, base_url=LOOPBACK) as client:
            assert client.post("/sources", json={"id": "communique", "title": "t", "outlet": "o", "language": "fr"}).status_code == 201
            total = {"source": "communique", "subject": EXPORTS, "measure": "level", "period": JAN_NOV_25}
            posted = client.post("/claims", json={**total, "quote": "1,14 milliard de dirhams", "figure": "1,14 milliard de dirhams"})
            assert posted.status_code == 201
            assert [v["rule"] for v in posted.json()["verdicts"]] == []

            part = {**total, "breakdown": {"product": "pottery_stone"}}
            too_big = client.post("/claims", json={**part, "quote": "1 200 millions de dirhams", "figure": "1 200 millions de dirhams"})
            assert too_big.status_code == 201
            found = [v for v in too_big.json()["verdicts"] if v["rule"] == "part-within-total"]
            assert [(v["status"], v["margin_unit"]) for v in found] == [("contradicted", "MAD")]
            # part [1199.5, 1200.5] M against total [1135, 1145] M: 54.5 M apart
            assert found[0]["margin"] == pytest.approx(1199.5e6 - 1145e6, rel=1e-9)
            assert {c["role"] for c in found[0]["claims"]} == {"part", "total"}

            fits = client.post("/claims", json={**part, "quote": "410 MDH", "figure": "410 MDH"})
            assert [(v["rule"], v["status"]) for v in fits.json()["verdicts"] if v["rule"] == "part-within-total"] == [
                ("part-within-total", "consistent")
            ]
            assert "part-within-total" in {rule["id"] for rule in client.get("/rules").json()["rules"]}


# --- portable SQL -------------------------------------------------------------------------------


@pytest.mark.parametrize("rule", shipped_rules(), ids=lambda rule: rule.id)
def test_every_shipped_rule_transpiles_to_spark_sql(rule: Rule) -> None:
    spark = compile_rule(rule).sql("spark")
    parsed = sqlglot.parse_one(spark, read="spark")
    assert isinstance(parsed, exp.Select)
    assert "__id" in spark or "__ids" in spark


# --- no text reaches SQL as SQL --------------------------------------------------------------------


def test_injection_text_in_claims_is_stored_as_data(tmp_path: Path) -> None:
    """A subject the API would refuse goes straight to the store here: still data."""
    sly = Source(id="desk", title=INJECTION, outlet=INJECTION, language="fr", speaker=INJECTION)
    plain = Source(id="plain", title="t", outlet="o", language="fr")
    bodies = [
        ClaimIn(source=sly.id, quote=INJECTION, subject=f"ma.x{INJECTION}", measure="level", period=JAN_NOV_25, figure="1,14 milliard de dirhams"),
        ClaimIn(source=plain.id, quote=f"q {INJECTION}", subject=f"ma.x{INJECTION}", measure="level", period=JAN_NOV_25, figure="2 MMDH"),
        ClaimIn(source=sly.id, quote="c1", subject=f"ma.y{INJECTION}", measure="category", period="2025", figure=INJECTION),
        ClaimIn(source=plain.id, quote="c2", subject=f"ma.y{INJECTION}", measure="category", period="2025", figure=f"x{INJECTION}"),
    ]
    with store_with(tmp_path / "sly.duckdb", [sly, plain], bodies) as store:
        verdicts = checking.all_verdicts(store, RuleBook(RULES_DIR))
        assert claims_table_exists(store)
        assert store.count_claims() == 4
        assert sorted((v.rule, v.status) for v in verdicts) == [("same-category", "contradicted"), ("same-figure", "contradicted")]
        assert {c.subject for c in store.list_claims().items} == {f"ma.x{INJECTION}", f"ma.y{INJECTION}"}
        assert store.get_source(sly.id).title == INJECTION


def test_injection_text_through_the_api_is_refused_or_stored_as_data(tmp_path: Path) -> None:
    settings = Settings(db_path=str(tmp_path / "tally.duckdb"), rules_dir=str(RULES_DIR), load_fixtures=False)
    with Store(settings.db_path) as store:
        with TestClient(create_app(settings, store, RuleBook(RULES_DIR)), base_url=LOOPBACK) as client:
            assert client.post("/sources", json={"id": INJECTION, "title": "t", "outlet": "o", "language": "fr"}).status_code == 422
            assert client.post("/sources", json={"id": "desk", "title": INJECTION, "outlet": "o", "language": "fr"}).status_code == 201
            base = {"source": "desk", "measure": "category", "period": "2025"}
            refused = client.post("/claims", json={**base, "quote": "q", "subject": f"ma{INJECTION}", "figure": "BMCE"})
            assert refused.status_code == 422
            unreadable = client.post("/claims", json={**base, "measure": "level", "quote": "q", "subject": "ma.x", "figure": INJECTION})
            assert unreadable.status_code == 422
            first = client.post("/claims", json={**base, "quote": INJECTION, "subject": "ma.partner", "figure": INJECTION})
            second = client.post("/claims", json={**base, "quote": f"{INJECTION} 2", "subject": "ma.partner", "figure": "BMCE"})
            assert (first.status_code, second.status_code) == (201, 201)
            assert [(v["rule"], v["status"]) for v in second.json()["verdicts"]] == [("same-category", "contradicted")]
            assert [c["figure"] for c in client.get("/claims", params={"subject": "ma.partner"}).json()] == [INJECTION, "BMCE"]
        assert claims_table_exists(store)


def rule_with_breakdown(value: str) -> str:
    return f"""\
id: sly
title: t
description: d
bind:
  first:
    measure: level
    breakdown: {{product: "{value}"}}
  second:
    measure: level
    subject: same as first
check: first <= second
"""


def test_a_rule_cannot_inject_sql(tmp_path: Path) -> None:
    with pytest.raises(RuleFileError, match="subject"):
        load_rules_text(
            f'id: sly\ntitle: t\ndescription: d\nbind:\n  first: {{measure: level, subject: "ma.x{INJECTION}"}}\ncheck: first <= 1\n'
        )
    rule = load_rules_text(rule_with_breakdown(INJECTION))[0]
    compiled = compile_rule(rule)
    for sql in (compiled.sql(), compiled.verdict_rows_sql()):
        statements = sqlglot.parse(sql, read="duckdb")
        assert len(statements) == 1
        literals = {lit.this for lit in statements[0].find_all(exp.Literal) if lit.is_string}
        assert f"product={INJECTION}" in literals
        assert f"'product={INJECTION.replace(chr(39), chr(39) * 2)}'" in sql
    with Store(str(tmp_path / "sly.duckdb")) as store:
        store.add_source(Source(id="desk", title="t", outlet="o", language="fr"))
        with store.transaction(commit=False) as connection:
            assert connection.execute(compiled.sql()).fetchall() == []
        assert claims_table_exists(store)


# --- group bindings and their relations ------------------------------------------------------------

PARTS_OF_THE_TOTALS_SUBJECT = """\
id: parts-of-one-total
title: t
description: d
bind:
  total:
    measure: level
    breakdown: total
  part:
    measure: level
    breakdown: part
    subject: same as total
    period: same as total
    group: [source, subject, period, dimension]
check: sum(part) <= total
"""


def test_a_group_binding_keeps_its_relations(tmp_path: Path) -> None:
    """``subject: same as total`` on a group: parts of another subject are no parts of this total."""
    desk = Source(id="desk", title="t", outlet="o", language="fr")
    level = dict(source="desk", measure="level", period="2025")
    bodies = [
        ClaimIn(**level, quote="total", subject="ma.handicraft.exports", figure="1 MMDH"),  # type: ignore[arg-type]
        ClaimIn(**level, quote="a", subject="ma.tourism.receipts", breakdown={"city": "fes"}, figure="1 800 MDH"),  # type: ignore[arg-type]
        ClaimIn(**level, quote="b", subject="ma.tourism.receipts", breakdown={"city": "rabat"}, figure="700 MDH"),  # type: ignore[arg-type]
    ]
    rule = load_rules_text(PARTS_OF_THE_TOTALS_SUBJECT)[0]
    with store_with(tmp_path / "groups.duckdb", [desk], bodies) as store:
        assert [(v.rule, v.status) for v in hand_verdicts(store, rule)] == []


RELATION_TO_AN_UNGROUPED_KEY = """\
id: total-of-the-parts-subject
title: t
description: d
bind:
  part:
    measure: level
    breakdown: part
    group: [source, period, dimension]
  total:
    measure: level
    breakdown: total
    subject: same as part
check: sum(part) <= total
"""


def test_a_relation_to_a_group_names_one_of_its_group_keys() -> None:
    """A group summed per source, period and dimension has no single subject to be "the same as"."""
    with pytest.raises(RuleFileError, match="subject"):
        rules = load_rules_text(RELATION_TO_AN_UNGROUPED_KEY)
        # if the loader lets it through, the SQL cannot run: the group has no subject column
        with Store(":memory:") as store, store.transaction(commit=False) as connection:
            connection.execute(compile_rule(rules[0]).sql())


# --- a divisor that spans zero ----------------------------------------------------------------------


def test_dividing_by_an_interval_spanning_zero_is_unverifiable(tmp_path: Path) -> None:
    """ "-100 %" is [-100.5, -99.5] %: 1 + g spans zero, so current / (1 + g) has no bound."""
    desk = Source(id="desk", title="t", outlet="o", language="fr")
    level = dict(source="desk", subject=EXPORTS, measure="level")
    bodies = [
        ClaimIn(**level, quote="a", period=JAN_NOV_25, figure="1,14 milliard de dirhams"),  # type: ignore[arg-type]
        ClaimIn(source="desk", quote="b", subject=EXPORTS, measure="growth", period=JAN_NOV_25, figure="-100 %"),
        ClaimIn(**level, quote="c", period=JAN_NOV_24, figure="1 milliard de dirhams"),  # type: ignore[arg-type]
    ]
    book = RuleBook(RULES_DIR)
    with store_with(tmp_path / "zero.duckdb", [desk], bodies) as store:
        verdicts = [v for v in checking.all_verdicts(store, book) if v.rule == "growth-links-levels"]
        assert [v.status for v in verdicts] == ["unverifiable"]
        assert any("divisor" in note for note in verdicts[0].notes)
        growth_id = build_claim(bodies[1], desk).id
        anchored = checking.anchored_rows(store, book, growth_id)
        assert [(v.rule, v.status) for v in anchored] == [("growth-links-levels", "unverifiable")]


def test_a_divisor_of_exactly_zero_is_unverifiable_with_no_margin(tmp_path: Path) -> None:
    """An office rounding up prints a count below 1 as "0": [-1, 0], clamped to [0, 0] for a count.

    Nothing divided by it has a bound; the SQL once reported the gap it found anyway.
    """
    desk = Source(id="desk", title="t", outlet="o", language="fr", rounding="ceiling")
    bodies = [
        ClaimIn(source="desk", quote="a", subject="ma.salons", breakdown={"per": "region"}, measure="average", period="2025", figure="5"),
        ClaimIn(source="desk", quote="b", subject="ma.salons", measure="count", period="2025", figure="0"),
        ClaimIn(source="desk", quote="c", subject="ma.regions", measure="count", period="2015/2026", figure="0"),
    ]
    book = RuleBook(RULES_DIR)
    with store_with(tmp_path / "zero.duckdb", [desk], bodies) as store:
        verdicts = [v for v in checking.all_verdicts(store, book) if v.rule == "average-per-region"]
        assert [(v.status, v.margin) for v in verdicts] == [("unverifiable", 0.0)]
        regions = build_claim(bodies[2], desk).id
        anchored = checking.anchored_rows(store, book, regions)
        assert [(v.rule, v.status, v.margin) for v in anchored] == [("average-per-region", "unverifiable", 0.0)]


# --- each operator on intervals worked out by hand ------------------------------------------------------

# count claims: a = "10" [9.5, 10.5], b = "4" [3.5, 4.5], c = "30" [29.5, 30.5],
# d = "2" [1.5, 2.5], e = "9" [8.5, 9.5]; g = "13 %" [12.5, 13.5] %; shares of one
# source's breakdown: "60 %" [59.5, 60.5] and "45,5 %" [45.45, 45.55].
HAND_CLAIMS = {"a": "10", "b": "4", "c": "30", "d": "2", "e": "9"}
OPERATOR_CASES = [
    # check, status, margin in the margin unit (the right side's first figure's unit)
    ("a + b == c", "contradicted", 29.5 - 15.0),  # [13, 15]
    ("a + b == 14", "consistent", 0.0),
    ("a - b == c", "contradicted", 29.5 - 7.0),  # [5, 7]
    ("a - b == 6", "consistent", 0.0),
    ("a * b == c", "contradicted", 9.5 * 3.5 - 30.5),  # [33.25, 47.25]
    ("a / b == d", "consistent", 0.0),  # [2.11, 3]
    ("b / a == d", "contradicted", 1.5 - 4.5 / 9.5),  # [0.33, 0.47]
    ("a / b == c", "contradicted", 29.5 - 3.0),
    ("a == -b", "contradicted", 9.5 + 3.5),  # [-4.5, -3.5]
    ("a == b", "contradicted", 9.5 - 4.5),
    ("a <= b", "contradicted", 9.5 - 4.5),
    ("a < b", "contradicted", 9.5 - 4.5),
    ("a >= b", "consistent", 0.0),
    ("a > b", "consistent", 0.0),
    ("b >= a", "contradicted", 9.5 - 4.5),
    ("b > a", "contradicted", 9.5 - 4.5),
    ("a <= e", "consistent", 0.0),  # touching at 9.5: closed intervals
    ("a < e", "contradicted", 0.0),  # strict: at best a == e == 9.5, and 9.5 < 9.5 fails
    ("e > a", "contradicted", 0.0),
    ("e < a", "consistent", 0.0),
    ("e >= a", "consistent", 0.0),
    ("a < 9.5", "contradicted", 0.0),  # a number is a point: [9.5, 10.5] touches it
    ("a <= 9.5", "consistent", 0.0),
    ("a < 9.5001", "consistent", 0.0),  # room of 1e-4, far above float noise
    ("a > 10.5", "contradicted", 0.0),
    ("a >= 10.5", "consistent", 0.0),
    ("g == 11 %", "contradicted", 1.5),  # in percent
    ("g <= 13 %", "consistent", 0.0),
    ("sum(part) <= 100 %", "contradicted", 59.5 + 45.45 - 100),  # in points (margin_unit)
    ("sum(part) >= 100 %", "consistent", 0.0),  # up to 106.05
    ("sum(part) == 105 %", "consistent", 0.0),  # [104.95, 106.05]
    ("sum(part) < 104 %", "contradicted", 104.95 - 104),
]


def test_a_strict_comparison_whose_sides_can_only_touch_says_so(hand_store: Store) -> None:
    (verdict,) = hand_verdicts(hand_store, operator_rule("a < e", 1000))
    assert verdict.status == "contradicted" and verdict.margin == 0.0
    assert verdict.computation.endswith("cannot hold: the two sides can at best be equal")


def operator_rule(check: str, index: int) -> Rule:
    names = [name for name in (*HAND_CLAIMS, "g") if name in check.replace("sum(part)", "")]
    bind = "".join(f"  {name}: {{measure: count, subject: ma.{name}}}\n" for name in names if name != "g")
    if "g" in names:
        bind += "  g: {measure: growth, subject: ma.g}\n"
    if "sum(part)" in check:
        bind += "  part: {measure: share, breakdown: part, group: [source, subject, period, dimension]}\n"
    margin = "margin_unit: points\n" if "sum(part)" in check else ""
    return load_rules_text(f"id: op-{index}\ntitle: t\ndescription: d\nbind:\n{bind}check: {check}\n{margin}")[0]


@pytest.fixture(scope="module")
def hand_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    desk = Source(id="desk", title="t", outlet="o", language="fr")
    bodies = [ClaimIn(source="desk", quote=name, subject=f"ma.{name}", measure="count", period="2025", figure=value) for name, value in HAND_CLAIMS.items()]
    bodies.append(ClaimIn(source="desk", quote="g", subject="ma.g", measure="growth", period="2025", figure="13 %"))
    for product, share in (("pottery", "60 %"), ("clothing", "45,5 %")):
        bodies.append(ClaimIn(source="desk", quote=product, subject="ma.s", breakdown={"product": product}, measure="share", period="2025", figure=share))
    store = store_with(tmp_path_factory.mktemp("operators") / "hand.duckdb", [desk], bodies)
    yield store
    store.close()


def hand_verdicts(store: Store, rule: Rule) -> list[Verdict]:
    return verdicts_of(store, [rule])


@pytest.mark.parametrize(("check", "status", "margin"), OPERATOR_CASES, ids=[case[0] for case in OPERATOR_CASES])
def test_operators_on_hand_computed_intervals(hand_store: Store, check: str, status: str, margin: float) -> None:
    rule = operator_rule(check, OPERATOR_CASES.index((check, status, margin)))
    found = hand_verdicts(hand_store, rule)
    assert [v.status for v in found] == [status]
    assert found[0].margin == pytest.approx(margin, rel=1e-9, abs=1e-12)


# --- the lighter spellings -------------------------------------------------------------------------

HEAD = "id: r\ntitle: t\ndescription: d\n"


def test_like_is_subject_breakdown_and_period_each_overridable() -> None:
    (written,) = load_rules_text(
        HEAD + "bind:\n  a: {measure: level}\n  b: {measure: growth, like: a}\n  c: {measure: level, like: a, period: base of b}\ncheck: a / (1 + b) == c\n"
    )
    (spelled,) = load_rules_text(
        HEAD
        + "bind:\n  a: {measure: level}\n"
        + "  b: {measure: growth, subject: same as a, breakdown: same as a, period: same as a}\n"
        + "  c: {measure: level, subject: same as a, breakdown: same as a, period: base of b}\n"
        + "check: a / (1 + b) == c\n"
    )
    assert compile_rule(written).sql() == compile_rule(spelled).sql()


@pytest.mark.parametrize(
    ("binding", "field", "reason", "position"),
    [
        ("{measure: level, like: z}", "bind.b.like", "unbound name 'z'", (6, 29)),
        ("{measure: level, like: b}", "bind.b.like", "unbound name 'b'", (6, 29)),
        ("{measure: growth, compared_to: same as a, base_period: same as a}", "bind.b.base_period", "say the same thing", (6, 61)),
    ],
)
def test_a_misused_new_spelling_is_an_error_at_its_key(binding: str, field: str, reason: str, position: tuple[int, int]) -> None:
    text = HEAD + f"bind:\n  a: {{measure: growth}}\n  b: {binding}\ncheck: a == b\n"
    with pytest.raises(RuleFileError) as caught:
        load_rules_text(text)
    problem = caught.value.problems[0]
    assert problem.field == field and reason in problem.reason
    assert (problem.line, problem.column) == position


def test_a_difference_of_percentages_is_in_points_unless_the_rule_says() -> None:
    from service.rules.plan import plan_rule

    (shares,) = load_rules_text(HEAD + "bind:\n  a: {measure: share}\n  b: {measure: share, like: a}\ncheck: a == b\n")
    (spelled,) = load_rules_text(HEAD + "bind:\n  a: {measure: share}\n  b: {measure: share, like: a}\ncheck: a == b\nmargin_unit: percent\n")
    (levels,) = load_rules_text(HEAD + "bind:\n  a: {measure: [level, share]}\n  b: {measure: same as a, like: a}\ncheck: a == b\n")
    assert plan_rule(shares).margin_unit.unit == "points"
    assert plan_rule(spelled).margin_unit.unit == "percent"
    assert plan_rule(levels).margin_unit.binding == "b"  # MAD or points, read from the claim (sql: CASE on its unit)
