"""Average annual growth: the rules that read it, on small stores built by hand, through both executors.

Every case runs twice: the whole-store SQL (``checking.all_verdicts``, what
``GET /verdicts`` keeps) and the in-process executor (``local.execute``, what
``POST /claims`` runs), and both must give the same verdicts with the margin
computed here from the printed intervals.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from service import checking
from service.claims import ClaimIn, build_claim
from service.rules.book import RuleBook
from service.rules.local import execute
from service.rules.plan import CLAIM_COLUMNS, RulePlan, VerdictRow, plan_rule
from service.rules.reference import reference_verdicts
from service.rules.sql import compile_rule
from service.sources import Source
from service.store import Store
from service.verdicts import Verdict
from service.units import base_factor
from tests.strategies import Scenario, average_growth_stores, claim_rows, claim_tuples, fill, fresh_store, sql_outcomes

ROOT = Path(__file__).resolve().parent.parent
EXPORTS = "ma.handicraft.exports"
LEVELS = "average-growth-links-levels"


@functools.cache
def book() -> RuleBook:
    return RuleBook(ROOT / "rules")


def plan_of(rule_id: str) -> RulePlan:
    return plan_rule(next(rule for rule in book().rules if rule.id == rule_id))


def claim(source: str, measure: str, figure: str, period: str, **extra: object) -> ClaimIn:
    return ClaimIn(source=source, quote=f"{source} printed {figure} for {period}", subject=EXPORTS, measure=measure, period=period, figure=figure, **extra)  # type: ignore[arg-type]


def both_executors(tmp_path: Path, rule_id: str, claims: list[ClaimIn]) -> tuple[list[Verdict], list[VerdictRow]]:
    """The rule's verdicts from the store's SQL (rendered) and from the in-process executor, checked against each other."""
    with Store(str(tmp_path / "growth.duckdb")) as store:
        with store.transaction() as connection:
            for source in sorted({c.source for c in claims}):
                store.add_source(Source(id=source, title=source, outlet="test", language="fr"), connection)
            for body in claims:
                store.add_claim(build_claim(body, store.source_of(body, connection)), connection)
        from_sql = [v for v in checking.all_verdicts(store, book()) if v.rule == rule_id]
        rows = claim_rows(store)
    plan = plan_of(rule_id)
    local = execute(plan, [tuple(row[c] for c in CLAIM_COLUMNS) for row in rows])
    assert sorted((v.id, v.status) for v in from_sql) == [(v.id, v.status) for v in local]
    by_id = {v.id: v for v in local}
    for verdict in from_sql:
        # a rendered margin keeps nine significant digits
        assert (verdict.margin or 0.0) == pytest.approx(by_id[verdict.id].margin or 0.0, rel=1e-8)
    expected = reference_verdicts(plan.rule, rows)
    assert sorted(status for status, _ in expected.values()) == sorted(v.status for v in local)
    return from_sql, local


# --- average-growth-links-levels -------------------------------------------------------------------

CAGR = claim("minister", "average_growth", "7,4 %", "2021/2024")
LEVEL_2024 = claim("minister", "level", "1,1 milliard de dirhams", "2024")


def test_a_start_level_grown_at_the_average_rate_reaches_the_end_level(tmp_path: Path) -> None:
    start = claim("office", "level", "880 millions de dirhams", "2021")
    [verdict], _ = both_executors(tmp_path, LEVELS, [CAGR, LEVEL_2024, start])
    assert verdict.status == "consistent" and verdict.margin == 0
    assert {c.role: c.figure for c in verdict.claims} == {"cagr": "7,4 %", "start": "880 millions de dirhams", "end": "1,1 milliard de dirhams"}
    # [879.5, 880.5] M * [1.0735, 1.0745] ^ 3 is 1.088 bn to 1.092 bn, inside [1.05, 1.15] bn
    assert "^ 3" in verdict.computation and "1.088 bn to 1.092 bn" in verdict.computation


def test_a_start_level_too_low_for_the_average_rate_is_contradicted_by_the_gap(tmp_path: Path) -> None:
    start = claim("office", "level", "700 millions de dirhams", "2021")
    [verdict], [row] = both_executors(tmp_path, LEVELS, [CAGR, LEVEL_2024, start])
    assert (verdict.status, verdict.margin_unit) == ("contradicted", "MAD")
    # the most 700 M can grow to at 7.45 % a year for three years, against the least 1,1 bn can be
    assert verdict.margin == pytest.approx(1.05e9 - 700.5e6 * 1.0745**3, rel=1e-8)
    assert row.margin == pytest.approx(1.05e9 - 700.5e6 * 1.0745**3, rel=1e-9)


def test_only_the_first_and_last_whole_years_of_the_span_bind(tmp_path: Path) -> None:
    near_misses = [
        claim("office", "level", "880 millions de dirhams", "2022"),  # the second year, not the first
        claim("office", "level", "800 millions de dirhams", "2021-01/2021-11"),  # not a whole year
        claim("office", "level", "1,2 milliard de dirhams", "2025"),  # past the span
    ]
    assert both_executors(tmp_path, LEVELS, [CAGR, LEVEL_2024, *near_misses]) == ([], [])


def test_a_whole_number_of_years_takes_a_base_that_can_be_negative(tmp_path: Path) -> None:
    # -100 % a year: 1 + [-100.5 %, -99.5 %] straddles 0, and its cube is [-0.005 ^ 3, 0.005 ^ 3]: a bound, not a guess
    fall = claim("minister", "average_growth", "-100 %", "2021/2024")
    start = claim("office", "level", "880 millions de dirhams", "2021")
    [verdict], _ = both_executors(tmp_path, LEVELS, [fall, LEVEL_2024, start])
    assert verdict.status == "contradicted"
    assert verdict.margin == pytest.approx(1.05e9 - 880.5e6 * 0.005**3, rel=1e-8)


def test_anchored_on_each_claim_the_executor_finds_the_whole_store_verdict(tmp_path: Path) -> None:
    """What POST /claims runs: anchored on any of the three claims, the one verdict over the store."""
    start = claim("office", "level", "700 millions de dirhams", "2021")
    _, whole = both_executors(tmp_path, LEVELS, [CAGR, LEVEL_2024, start])
    [verdict] = whole
    with Store(str(tmp_path / "growth.duckdb")) as store:
        rows = [tuple(row[c] for c in CLAIM_COLUMNS) for row in claim_rows(store)]
    for claim_id in verdict.roles_ids:
        assert execute(plan_of(LEVELS), rows, anchor=claim_id) == whole


# --- average-growth-links-yearly-growths -----------------------------------------------------------

YEARLY = "average-growth-links-yearly-growths"


def yearly(source: str, *rates: tuple[int, str]) -> list[ClaimIn]:
    return [claim(source, "growth", figure, str(year)) for year, figure in rates]


def test_yearly_growths_that_compound_to_the_average_rate_are_consistent(tmp_path: Path) -> None:
    # 1.0735^3 = 1.2371 and 1.0745^3 = 1.2406; 5 %, 8 % and 9 % compound to [1.2251, 1.2488]
    [verdict], [row] = both_executors(tmp_path, YEARLY, [CAGR, *yearly("office", (2022, "5 %"), (2023, "8 %"), (2024, "9 %"))])
    assert verdict.status == "consistent" and verdict.margin == 0
    assert sorted(c.figure for c in verdict.claims if c.role == "yearly") == ["5 %", "8 %", "9 %"]
    assert row.left == pytest.approx((1.045 * 1.075 * 1.085 - 1, 1.055 * 1.085 * 1.095 - 1))


def test_yearly_growths_far_below_the_average_rate_are_contradicted_by_the_gap(tmp_path: Path) -> None:
    [verdict], [row] = both_executors(tmp_path, YEARLY, [CAGR, *yearly("office", (2022, "2 %"), (2023, "3 %"), (2024, "1 %"))])
    assert (verdict.status, verdict.margin_unit) == ("contradicted", "points")  # two growth rates differ by points
    gap = (1.0735**3 - 1) - (1.025 * 1.035 * 1.015 - 1)  # the least the average implies, the most the years make
    assert verdict.margin == pytest.approx(gap * 100, rel=1e-8)
    assert row.margin == pytest.approx(gap * 100, rel=1e-9)
    assert "(1 + 2 %)" in verdict.computation.replace("1.5 % to 2.5 %", "2 %") or "compound(yearly)" in verdict.computation


def test_a_series_with_a_year_missing_makes_no_verdict(tmp_path: Path) -> None:
    missing = yearly("office", (2022, "5 %"), (2024, "9 %"))
    # 2023 printed twice is one year: 2024 is still missing
    doubled = yearly("office", (2022, "5 %"), (2023, "8 %")) + [claim("office", "growth", "9 %", "2023-01/2023-12")]
    outside = yearly("other", (2021, "4 %"), (2022, "5 %"), (2023, "8 %"))  # 2021 is the span's first year: its base lies before
    assert both_executors(tmp_path, YEARLY, [CAGR, *missing]) == ([], [])
    assert both_executors(tmp_path / "doubled", YEARLY, [CAGR, *doubled]) == ([], [])
    assert both_executors(tmp_path / "outside", YEARLY, [CAGR, *outside]) == ([], [])


def test_a_year_printed_twice_is_one_year_of_the_series_its_hull(tmp_path: Path) -> None:
    """2023's "8 %" [7.5, 8.5] and "8,9 %" [8.85, 8.95] are one growth: the series compounds their hull [7.5, 8.95]."""
    twice = yearly("office", (2022, "5 %"), (2023, "8 %"), (2024, "9 %")) + [claim("office", "growth", "8,9 %", "2023-01/2023-12")]
    [verdict], [row] = both_executors(tmp_path, YEARLY, [CAGR, *twice])
    assert verdict.status == "consistent"
    assert sorted(c.figure for c in verdict.claims if c.role == "yearly") == ["5 %", "8 %", "8,9 %", "9 %"]
    assert row.left == pytest.approx((1.045 * 1.075 * 1.085 - 1, 1.055 * 1.0895 * 1.095 - 1))


def test_each_source_series_is_checked_on_its_own(tmp_path: Path) -> None:
    claims = [CAGR, *yearly("office", (2022, "5 %"), (2023, "8 %"), (2024, "9 %")), *yearly("bank", (2022, "2 %"), (2023, "3 %"), (2024, "1 %"))]
    verdicts, _ = both_executors(tmp_path, YEARLY, claims)
    assert sorted((v.status, {c.source for c in v.claims if c.role == "yearly"}.pop()) for v in verdicts) == [
        ("consistent", "office"),
        ("contradicted", "bank"),
    ]


def test_a_yearly_fall_of_a_hundred_percent_is_unverifiable(tmp_path: Path) -> None:
    # 1 + [-100.5 %, -99.5 %] can be negative: the product of the years is no longer bounded by their bounds
    [verdict], _ = both_executors(tmp_path, YEARLY, [CAGR, *yearly("office", (2022, "-100 %"), (2023, "8 %"), (2024, "9 %"))])
    assert verdict.status == "unverifiable"


def test_anchored_on_any_member_the_executor_finds_the_series_verdict(tmp_path: Path) -> None:
    claims = [CAGR, *yearly("office", (2022, "2 %"), (2023, "3 %"), (2024, "1 %")), claim("office", "growth", "4 %", "2025")]
    _, whole = both_executors(tmp_path, YEARLY, claims)
    [verdict] = whole
    with Store(str(tmp_path / "growth.duckdb")) as store:
        rows = [tuple(row[c] for c in CLAIM_COLUMNS) for row in claim_rows(store)]
    for claim_id in verdict.roles_ids:
        assert execute(plan_of(YEARLY), rows, anchor=claim_id) == whole
    outside = next(row[0] for row in rows if row[CLAIM_COLUMNS.index("period_start")] == 2025 * 12)
    assert execute(plan_of(YEARLY), rows, anchor=outside) == []


# --- on generated stores: the three readings of the rules agree --------------------------------------


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=average_growth_stores())
def test_sql_local_and_reference_agree_on_generated_spans(scenario: Scenario) -> None:
    """Same bindings, statuses and margins from the store's SQL, the in-process executor and the reference;
    anchored on each claim, the executor gives exactly the whole-store verdicts that claim is in."""
    with fresh_store() as store:
        fill(store, scenario.sources, scenario.bodies)
        rows = claim_rows(store)
        tuples = [tuple(row[c] for c in CLAIM_COLUMNS) for row in rows]
        for rule_id in (LEVELS, YEARLY):
            plan = plan_of(rule_id)
            expected = reference_verdicts(plan.rule, rows)
            local = execute(plan, tuples)
            from_sql = {o.key: (o.status, o.margin) for o in sql_outcomes(store, compile_rule(plan.rule))}
            found = {key: v for v in local for key in claim_tuples(plan, v.roles)}  # readings expanded into their claims
            assert found.keys() == expected.keys() == from_sql.keys(), rule_id
            for key, (status, margin) in expected.items():
                base_margin = (found[key].margin or 0.0) * base_factor(found[key].margin_unit or "count")
                assert found[key].status == from_sql[key][0] == status, (rule_id, key)
                assert base_margin == pytest.approx(margin, rel=1e-9, abs=1e-12)
                assert from_sql[key][1] == pytest.approx(margin, rel=1e-9, abs=1e-12)
            for claim_id in (row["id"] for row in rows):
                assert execute(plan, tuples, anchor=claim_id) == [v for v in local if claim_id in v.roles_ids]
