"""POST /rules/reload: a new rule goes into force without a restart; a broken one never does."""

from __future__ import annotations

import shutil
from pathlib import Path

from litestar.testing import TestClient

from service.app import create_app
from service.rules.book import RuleBook
from service.settings import Settings
from service.store import Store
from tests.helpers import LOOPBACK, assert_problem

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
