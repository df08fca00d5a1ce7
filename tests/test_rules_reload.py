"""POST /rules/reload: a new rule goes into force without a restart; a broken one never does."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar.testing import TestClient

from service import checking

from service.app import create_app
from service.rules.book import RuleBook
from service.settings import Settings
from service.store import Store
from tests.helpers import LOOPBACK, ROOT, assert_problem
from tests.strategies import Scenario, fill, fresh_store, random_stores, verdicts_table

ROOT = Path(__file__).resolve().parent.parent

NEW_RULE = """\
id: share-at-most-whole
title: A share is at most the whole
description: No part of a whole exceeds all of it.
bind:
  part: {measure: share, breakdown: part}
check: part <= 100 %
"""


def test_reload_puts_a_new_rule_in_force_and_keeps_the_old_ones_on_error(tmp_path: Path) -> None:
    rules_dir = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules_dir)
    with Store(str(tmp_path / "store.duckdb")) as store:
        app = create_app(Settings(rules_dir=str(rules_dir)), store, RuleBook(rules_dir))
        with TestClient(app, base_url=LOOPBACK) as client:
            before = {rule["id"] for rule in client.get("/rules").json()["rules"]}

            (rules_dir / "10-share-at-most-whole.yaml").write_text(NEW_RULE)
            reloaded = client.post("/rules/reload")
            assert reloaded.status_code == 200
            assert set(reloaded.json()["rules"]) == before | {"share-at-most-whole"}

            (rules_dir / "11-broken.yaml").write_text(NEW_RULE.replace("id: share-at-most-whole", "id: broken").replace("part <=", "part =<"))
            refused = client.post("/rules/reload")
            assert refused.status_code == 422
            assert refused.headers["content-type"].startswith("application/problem+json")
            error = refused.json()["errors"][0]
            assert (error["line"], error["column"]) == (6, 13)
            assert {rule["id"] for rule in client.get("/rules").json()["rules"]} == before | {"share-at-most-whole"}


def test_reload_refuses_a_folder_that_lost_its_rules_and_keeps_them(tmp_path: Path) -> None:
    rules_dir = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules_dir)
    with Store(str(tmp_path / "store.duckdb")) as store:
        with TestClient(create_app(Settings(rules_dir=str(rules_dir)), store, RuleBook(rules_dir)), base_url=LOOPBACK) as client:
            before = client.get("/rules").json()["rules"]

            for rule_file in rules_dir.glob("*.yaml"):
                rule_file.unlink()
            emptied = assert_problem(client.post("/rules/reload"), 422, "rules_dir")
            assert str(rules_dir) in emptied["detail"] and "holds no rule" in emptied["detail"]

            shutil.rmtree(rules_dir)
            missing = assert_problem(client.post("/rules/reload"), 422, "rules_dir")
            assert str(rules_dir) in missing["detail"] and "no such folder" in missing["detail"]

            assert client.get("/rules").json()["rules"] == before
            assert client.get("/health").json()["rules"] == len(before)


# --- a reload recomputes the rules it changes, and only them (issue 21, item 3) -------------------



@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture], database=None)
@given(scenario=random_stores(max_claims=12), added=st.sampled_from(["same-figure", "shares-sum-to-whole", "share-follows-growth", "cumulative-periods"]))
def test_a_reload_gives_the_verdicts_a_whole_recompute_gives(tmp_path_factory: pytest.TempPathFactory, scenario: Scenario, added: str) -> None:
    """A rule added, one changed (growth-links-levels' stand-in months) and one removed: the verdicts, row for row, of a recompute."""
    folder = tmp_path_factory.mktemp("rules") / "rules"
    shutil.copytree(ROOT / "rules", folder)
    (folder / f"{added}.yaml").unlink()
    changed = folder / "growth-links-levels.yaml"
    changed.write_text(changed.read_text(encoding="utf-8").replace("stand_in_months: 1", "stand_in_months: 2"), encoding="utf-8")
    removed = (ROOT / "rules" / "same-category.yaml").read_text(encoding="utf-8").replace("id: same-category", "id: same-category-again")
    (folder / "same-category-again.yaml").write_text(removed, encoding="utf-8")
    with fresh_store() as store:
        fill(store, scenario.sources, scenario.bodies)
        book = RuleBook(folder)
        checking.recompute(store, book)
        before = verdicts_table(store)
        shutil.copy(ROOT / "rules" / f"{added}.yaml", folder / f"{added}.yaml")
        shutil.copy(ROOT / "rules" / "growth-links-levels.yaml", changed)
        (folder / "same-category-again.yaml").unlink()
        checking.reload(store, book)
        reloaded = verdicts_table(store)
        checking.recompute(store, book)
        recomputed = verdicts_table(store)
    assert {k: v[:-1] for k, v in reloaded.items()} == {k: v[:-1] for k, v in recomputed.items()}
    kept = before.keys() & reloaded.keys()
    assert all(reloaded[k][-1] == before[k][-1] for k in kept), "a verdict a reload keeps keeps its first_seen"
    assert not any(v[0] == "same-category-again" for v in reloaded.values())
