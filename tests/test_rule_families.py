"""Each shipped rule family on small hand-made stores: one case that holds, one that cannot."""

from __future__ import annotations

from pathlib import Path

import pytest

from service import checking
from service.claims import ClaimIn, build_claim
from service.rules.book import RuleBook
from service.rules.local import execute
from service.rules.plan import CLAIM_COLUMNS, plan_rule
from service.rules.reference import reference_verdicts
from service.sources import Source
from service.store import Store
from service.verdicts import Verdict
from tests.strategies import claim_rows

ROOT = Path(__file__).resolve().parent.parent
EXPORTS = "ma.handicraft.exports"
JAN_NOV_25, JAN_NOV_24 = "2025-01/2025-11", "2024-01/2024-11"


@pytest.fixture(scope="module")
def rules() -> RuleBook:
    return RuleBook(ROOT / "rules")


def claim(source: str, measure: str, figure: str, period: str = JAN_NOV_25, subject: str = EXPORTS, **extra: object) -> ClaimIn:
    return ClaimIn(source=source, quote=f"{source} printed {figure}", subject=subject, measure=measure, period=period, figure=figure, **extra)  # type: ignore[arg-type]


def verdicts(tmp_path: Path, rules: RuleBook, rule: str, claims: list[ClaimIn]) -> list[Verdict]:
    with Store(str(tmp_path / "family.duckdb")) as store:
        for source in sorted({c.source for c in claims}):
            store.add_source(Source(id=source, title=source, outlet="test", language="fr"))
        with store.transaction() as connection:
            for body in claims:
                store.add_claim(build_claim(body, store.source_of(body, connection)), connection)
        return [v for v in checking.all_verdicts(store, rules) if v.rule == rule]


def only(found: list[Verdict]) -> Verdict:
    assert len(found) == 1, [(v.rule, v.status, [c.figure for c in v.claims]) for v in found]
    return found[0]


def test_same_figure(tmp_path: Path, rules: RuleBook) -> None:
    holds = verdicts(tmp_path, rules, "same-figure", [claim("a", "level", "1,14 milliard de dirhams"), claim("b", "level", "1 140 millions de dirhams")])
    assert only(holds).status == "consistent"
    fails = verdicts(tmp_path / "x", rules, "same-figure", [claim("a", "growth", "13 %"), claim("b", "growth", "11 %")])
    assert (only(fails).status, only(fails).margin, only(fails).margin_unit) == ("contradicted", 1.0, "points")


def test_same_figure_ignores_different_base_periods(tmp_path: Path, rules: RuleBook) -> None:
    found = verdicts(tmp_path, rules, "same-figure", [claim("a", "growth", "40 %", "2024", compared_to="2019"), claim("b", "growth", "3 %", "2024")])
    assert found == []


def test_growth_links_levels_with_a_stand_in_period(tmp_path: Path, rules: RuleBook) -> None:
    found = verdicts(
        tmp_path,
        rules,
        "growth-links-levels",
        [claim("a", "level", "1,14 milliard de dirhams"), claim("a", "growth", "hausse de 13 %"), claim("b", "level", "1,11 milliard de dirhams", "2024")],
    )
    verdict = only(found)
    # 2024 proves only that Jan-Nov 2024 was at most 1.115 bn; December comes to 87 M to 0.115 bn, an ordinary month
    assert verdict.status == "consistent" and verdict.warnings == []
    assert "1.000 bn to 1.018 bn == 1.105 bn to 1.115 bn for 2024 (12 months), so 0 to 1.115 bn for Jan-Nov 2024 (11 months)" in verdict.computation
    assert "Dec 2024 (1 month)" in verdict.notes[0] and "upper bound" in verdict.notes[0]


def test_growth_links_levels_with_a_stand_in_that_leaves_december_empty_is_implausible(tmp_path: Path, rules: RuleBook) -> None:
    found = verdicts(
        tmp_path,
        rules,
        "growth-links-levels",
        [claim("a", "level", "1,23 milliard de dirhams"), claim("a", "growth", "hausse de 11 %"), claim("b", "level", "1,11 milliard de dirhams", "2024")],
    )
    verdict = only(found)
    assert verdict.status == "implausible" and verdict.margin == 0
    [warning] = verdict.warnings
    assert warning.id == "added-months-unlike-the-rest"
    assert warning.text.startswith("Dec 2024 (1 month) would come to 0 to 16.3 M, against an average month of 92.1 M to 92.9 M over 2024")


def test_growth_links_levels_with_a_stand_in_contradicts_what_exceeds_the_whole_year(tmp_path: Path, rules: RuleBook) -> None:
    found = verdicts(
        tmp_path,
        rules,
        "growth-links-levels",
        [claim("a", "level", "1,23 milliard de dirhams"), claim("a", "growth", "hausse de 11 %"), claim("b", "level", "1,05 milliard de dirhams", "2024")],
    )
    verdict = only(found)
    assert verdict.status == "contradicted"
    # the smallest base 1,23 with +11 % implies, against the most the whole of 2024 holds
    assert verdict.margin == pytest.approx(1.225e9 / 1.115 - 1.055e9, rel=1e-6)


def test_growth_links_levels_refuses_a_stand_in_longer_than_allowed(tmp_path: Path, rules: RuleBook) -> None:
    nine_months = [claim("a", "level", "903 millions de dirhams", "2025-01/2025-09"), claim("a", "growth", "11 %", "2025-01/2025-09")]
    assert verdicts(tmp_path, rules, "growth-links-levels", [*nine_months, claim("b", "level", "1,1 milliard de dirhams", "2024")]) == []


def test_growths_imply_one_base(tmp_path: Path, rules: RuleBook) -> None:
    pairs = [
        claim("a", "level", "1,14 milliard de dirhams"),
        claim("a", "growth", "13 %"),
        claim("b", "level", "quelque 1,23 milliard de dirhams"),
        claim("b", "growth", "11 %"),
    ]
    verdict = only(verdicts(tmp_path, rules, "growths-imply-one-base", pairs))
    assert verdict.status == "contradicted"
    assert "1.000 bn to 1.018 bn" in verdict.computation and "1.099 bn to 1.118 bn" in verdict.computation


def test_cumulative_periods(tmp_path: Path, rules: RuleBook) -> None:
    fine = verdicts(tmp_path, rules, "cumulative-periods", [claim("a", "level", "903 millions de dirhams", "2025-01/2025-09"), claim("b", "level", "1,14 milliard de dirhams")])
    assert only(fine).status == "consistent"
    wrong = verdicts(tmp_path / "x", rules, "cumulative-periods", [claim("a", "level", "1,2 milliard de dirhams", "2025-01/2025-09"), claim("b", "level", "1,14 milliard de dirhams", "2025")])
    assert (only(wrong).status, only(wrong).margin) == ("contradicted", pytest.approx(1.15e9 - 1.145e9))


def test_shares_sum_to_whole(tmp_path: Path, rules: RuleBook) -> None:
    shares = [claim("a", "share", figure, breakdown={"country": country}) for country, figure in (("us", "49 %"), ("fr", "31 %"), ("es", "25 %"))]
    verdict = only(verdicts(tmp_path, rules, "shares-sum-to-whole", shares))
    assert (verdict.status, verdict.margin, verdict.margin_unit) == ("contradicted", pytest.approx(3.5), "points")
    assert len(verdict.claims) == 3


POTTERY, LEATHER = {"product": "pottery"}, {"product": "leather"}


def every_executor(tmp_path: Path, rules: RuleBook, rule_id: str, claims: list[ClaimIn]) -> list[Verdict]:
    """The rule's verdicts from the store's SQL (rendered), once the in-process executor and the reference agree with them."""
    found = verdicts(tmp_path, rules, rule_id, claims)
    with Store(str(tmp_path / "family.duckdb")) as store:
        rows = claim_rows(store)
    rule = next(r for r in rules.rules if r.id == rule_id)
    local = execute(plan_rule(rule), [tuple(row[c] for c in CLAIM_COLUMNS) for row in rows])
    assert sorted((v.id, v.status, v.margin) for v in found) == [(v.id, v.status, pytest.approx(v.margin)) for v in local]
    expected = reference_verdicts(rule, rows)
    assert sorted(tuple(sorted((n, ",".join(ids)) for n, ids in v.roles.items())) for v in local) == sorted(expected)
    assert sorted(v.status for v in local) == sorted(status for status, _ in expected.values())
    return found


def test_shares_sum_to_whole_counts_a_share_printed_twice_once(tmp_path: Path, rules: RuleBook) -> None:
    """The lede's "près de 60 %" [50, 60.5] and the body's "60 %" are one share: one term, their hull.

    Summed as two terms with leather's 30 %, they made [139, 151.5] %: a false contradiction.
    """
    shares = [claim("a", "share", "près de 60 %", breakdown=POTTERY), claim("a", "share", "60 %", breakdown=POTTERY), claim("a", "share", "30 %", breakdown=LEATHER)]
    verdict = only(every_executor(tmp_path, rules, "shares-sum-to-whole", shares))
    assert verdict.status == "consistent"
    assert sorted(c.figure for c in verdict.claims if c.role == "part") == ["30 %", "60 %", "près de 60 %"]
    # one term for pottery, as the executors summed it
    assert "((either 50 % to 60.5 % or 59.5 % to 60.5 %) + 29.5 % to 30.5 %) = 79.5 % to 91 %" in verdict.computation


def test_shares_sum_to_whole_still_adds_different_shares(tmp_path: Path, rules: RuleBook) -> None:
    shares = [claim("a", "share", "60 %", breakdown=POTTERY), claim("a", "share", "60,0 %", breakdown=POTTERY), claim("a", "share", "45 %", breakdown=LEATHER)]
    verdict = only(every_executor(tmp_path, rules, "shares-sum-to-whole", shares))
    # pottery [59.95, 60.05] within [59.5, 60.5], plus leather [44.5, 45.5]
    assert (verdict.status, verdict.margin, verdict.margin_unit) == ("contradicted", pytest.approx(4.0), "points")
    assert len(verdict.claims) == 3
    # one share printed twice is one quantity: a group of it alone sums nothing
    alone = [claim("b", "share", "près de 60 %", breakdown=POTTERY), claim("b", "share", "60 %", breakdown=POTTERY)]
    assert every_executor(tmp_path / "alone", rules, "shares-sum-to-whole", alone) == []


def test_share_follows_growth(tmp_path: Path, rules: RuleBook) -> None:
    clothing = {"product": "traditional_clothing"}
    found = verdicts(
        tmp_path,
        rules,
        "share-follows-growth",
        [
            claim("a", "share", "17 %", breakdown=clothing),
            claim("a", "growth", "83 %", breakdown=clothing),
            claim("a", "growth", "13 %"),
            claim("b", "share", "13 %", "2024-01/2024-11", breakdown=clothing),
        ],
    )
    verdict = only(found)
    assert verdict.status == "contradicted"
    assert "10.12 % to 10.88 %" in verdict.computation
    # the highest prior share the printed figures allow is 17.5 % * 1.135 / 1.825
    assert verdict.margin == pytest.approx(12.5 - 17.5 * 1.135 / 1.825, rel=1e-6)


def test_a_multiple_is_a_growth(tmp_path: Path, rules: RuleBook) -> None:
    turkey = {"country": "tr"}
    found = verdicts(
        tmp_path,
        rules,
        "share-follows-growth",
        [claim("a", "share", "9 %", breakdown=turkey), claim("a", "growth", "multiplié par trois", breakdown=turkey), claim("a", "growth", "13 %"), claim("a", "share", "3 %", JAN_NOV_24, breakdown=turkey)],
    )
    assert only(found).status == "consistent"


def test_share_change_in_points(tmp_path: Path, rules: RuleBook) -> None:
    france = {"country": "fr"}
    found = verdicts(
        tmp_path,
        rules,
        "share-change-in-points",
        [claim("a", "share", "11 %", breakdown=france), claim("a", "share_change", "reculer de 8 points", breakdown=france), claim("b", "share", "19 %", JAN_NOV_24, breakdown=france)],
    )
    assert only(found).status == "consistent"


def test_direction_agrees_with_levels(tmp_path: Path, rules: RuleBook) -> None:
    found = verdicts(
        tmp_path,
        rules,
        "direction-agrees-with-levels",
        [claim("a", "growth", "en hausse"), claim("a", "level", "1,14 milliard de dirhams"), claim("b", "level", "1,2 milliard de dirhams", JAN_NOV_24)],
    )
    verdict = only(found)
    assert verdict.status == "contradicted"
    # "1,2 milliard" is [1.15, 1.25] bn: at best a fall of 1 - 1.145 / 1.15
    assert verdict.margin == pytest.approx((1 - 1.145 / 1.15) * 100, rel=1e-6)


def test_direction_agrees_with_shares(tmp_path: Path, rules: RuleBook) -> None:
    carpets = {"product": "carpets"}
    found = verdicts(
        tmp_path,
        rules,
        "direction-agrees-with-shares",
        [claim("a", "growth", "en hausse", breakdown=carpets), claim("a", "share", "18 %", breakdown=carpets), claim("a", "growth", "13 %"), claim("b", "share", "20 %", "2024", breakdown=carpets)],
    )
    verdict = only(found)
    # a share over the whole of 2024 bounds nothing for January to November by itself
    assert verdict.status == "unverifiable"
    assert "2024 (12 months)" in verdict.notes[0] and "bounds nothing" in verdict.notes[0]


def test_average_per_region(tmp_path: Path, rules: RuleBook) -> None:
    found = verdicts(
        tmp_path,
        rules,
        "average-per-region",
        [
            claim("a", "count", "70", "2024", subject="ma.handicraft.exhibitions"),
            claim("a", "average", "8", "2024", subject="ma.handicraft.exhibitions", breakdown={"per": "region"}),
            claim("ref", "count", "12", "2015/2026", subject="ma.regions"),
        ],
    )
    verdict = only(found)
    assert verdict.status == "contradicted"
    assert verdict.margin == pytest.approx(7.5 - 70.5 / 11.5, rel=1e-6)


def test_same_category(tmp_path: Path, rules: RuleBook) -> None:
    bank = "ma.handicraft.digital_platform.partner_bank"
    same = verdicts(tmp_path, rules, "same-category", [claim("a", "category", "Crédit Agricole", "2025-05", subject=bank), claim("b", "category", "credit agricole", "2025-05", subject=bank)])
    assert only(same).status == "consistent"
    different = verdicts(tmp_path / "x", rules, "same-category", [claim("a", "category", "BCP", "2025-05", subject=bank), claim("b", "category", "Crédit Agricole", "2025-05", subject=bank)])
    verdict = only(different)
    assert (verdict.status, verdict.margin, verdict.margin_unit) == ("contradicted", None, None)
    assert {"'BCP'", "'Crédit Agricole'"} <= set(verdict.computation.split(": ")[1].split(" vs "))
