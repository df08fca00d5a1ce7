"""Diagnoses: which common error would make a verdict's figures tally, with error mechanisms as data."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from service import checking
from service.claims import ClaimIn, build_claim
from service.errors import RuleFileError
from service.rules.book import RuleBook
from service.rules.mechanisms import load_mechanisms
from service.sources import Source
from service.store import Store
from service.verdicts import Verdict
from tests.helpers import RULES_DIR, the_verdict

JAN_NOV_25, EXPORTS = "2025-01/2025-11", "ma.handicraft.exports"
SHIPPED = ["full-year-base", "points-as-percent", "previous-period-base", "scale-slip", "truncation"]


def test_the_shipped_mechanisms_load() -> None:
    assert [m.id for m in load_mechanisms(RULES_DIR / "diagnoses")] == SHIPPED


def test_1_23_up_11_percent_tallies_with_2024_if_the_growth_was_against_the_full_year(seeded_reader: TestClient) -> None:
    verdicts: list[dict[str, Any]] = seeded_reader.get("/verdicts", params={"rule": "growth-links-levels"}).json()["verdicts"]
    verdict = the_verdict(verdicts, "growth-links-levels", current="quelque 1,23 milliard de dirhams", growth="en hausse de 11 %", base="approximately 1.11 billion dirhams")
    assert verdict["status"] == "implausible", "a diagnosis explains a verdict, never changes it"
    diagnoses = {d["id"]: d for d in verdict["diagnoses"]}
    assert diagnoses["full-year-base"]["status"] == "consistent"
    assert diagnoses["full-year-base"]["title"].startswith("A growth computed against the full previous year")
    assert diagnoses["full-year-base"]["computation"].startswith("Reading growth 'en hausse de 11 %' compared to the full year: current / (1 + growth) == base:")
    assert diagnoses["full-year-base"]["computation"].endswith("can hold")


def test_a_consistent_verdict_has_no_diagnoses(seeded_reader: TestClient) -> None:
    verdicts = seeded_reader.get("/verdicts", params={"status": "consistent", "limit": 1000}).json()["verdicts"]
    assert verdicts and all(v["diagnoses"] == [] for v in verdicts)


def store_with(tmp_path: Path, claims: list[ClaimIn]) -> Store:
    store = Store(str(tmp_path / "diagnoses.duckdb"))
    for source in sorted({c.source for c in claims}):
        store.add_source(Source(id=source, title=source, outlet="test", language="fr"))
    with store.transaction() as connection:
        for body in claims:
            store.add_claim(build_claim(body, store.source_of(body, connection)), connection)
    return store


def level(source: str, figure: str) -> ClaimIn:
    return ClaimIn(source=source, quote=f"{source}: {figure}", subject=EXPORTS, measure="level", period=JAN_NOV_25, figure=figure)


def same_figure(store: Store, book: RuleBook) -> Verdict:
    [verdict] = [v for v in checking.all_verdicts(store, book) if v.rule == "same-figure"]
    return verdict


def test_a_new_mechanism_is_a_yaml_file_with_no_code_change(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(RULES_DIR, rules)
    store = store_with(tmp_path, [level("a", "1,14 milliard de dirhams"), level("b", "114 millions de dirhams")])
    before = same_figure(store, RuleBook(rules))
    assert before.status == "contradicted" and "decimal-slip" not in {d.id for d in before.diagnoses}

    (rules / "diagnoses" / "decimal-slip.yaml").write_text(
        "id: decimal-slip\ntitle: A decimal separator in the wrong place\nmeasures: [level]\nreadings:\n  - scale: 10\n  - scale: 0.1\n",
        encoding="utf-8",
    )
    after = same_figure(store, RuleBook(rules))
    assert after.status == "contradicted"
    [decimal] = [d for d in after.diagnoses if d.id == "decimal-slip"]
    assert decimal.status == "consistent"
    assert "times 10" in decimal.computation or "times 0.1" in decimal.computation
    store.close()


def test_a_broken_mechanism_file_is_refused_with_its_position_and_the_rules_in_force_stay(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(RULES_DIR, rules)
    book = RuleBook(rules)
    (rules / "diagnoses" / "broken.yaml").write_text("id: broken\ntitle: t\nmeasures: [level]\nreadings:\n  - scale: -3\n", encoding="utf-8")
    with pytest.raises(RuleFileError) as caught:
        book.reload()
    problem = caught.value.problems[0]
    assert caught.value.path.endswith("broken.yaml")
    assert (problem.line, problem.column) == (5, 12) and problem.field == "readings.0.scale"
    assert [m.id for m in book.current.mechanisms] == SHIPPED


def test_france_down_8_points_tallies_with_2024_if_it_was_down_8_percent(seeded_reader: TestClient) -> None:
    verdicts = seeded_reader.get("/verdicts", params={"rule": "share-change-in-points"}).json()["verdicts"]
    verdict = the_verdict(verdicts, "share-change-in-points", new="11 %", change="reculer de 8 points", old="14%")
    assert verdict["status"] == "implausible"
    [points] = [d for d in verdict["diagnoses"] if d["id"] == "points-as-percent"]
    assert points["status"] == "consistent"
    # 11 % now after a fall of 8 %: 10.5 % to 11.5 % times 0.075 / 0.925 to 0.085 / 0.915 points
    assert "-1.068 points to -0.8514 points = 11.35 % to 12.57 %" in points["computation"]
