"""Reloading rules while claims are posted: every answer reads one rule set, and the verdicts kept follow the set in force.

Two rule sets share a rule id and disagree on purpose: under set A a 70 % share is
contradicted ("at most half"), under set B it is consistent ("at least half").  A
verdict whose title says one set and whose status says the other was computed by one
set and rendered by the other: the mix this file forbids.  Real server, real threads,
no clock: the assertions are on what each answer says, and on the store once all is done.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from service.api.paging import MAX_LIMIT
from service.rules.book import RuleBook
from service.store import Store
from tests.conftest import serving

RULE = """\
id: half
title: "{title}"
description: A share set against one half of the whole.
bind:
  part: {{measure: share}}
check: {check}
"""
SETS = {
    "A": RULE.format(title="Set A: the part is at most half", check="part <= 50 %"),
    "B": RULE.format(title="Set B: the part is at least half", check="part >= 50 %"),
}
STATUS_UNDER = {"A": "contradicted", "B": "consistent"}  # of a 70 % share
POSTERS, CLAIMS_EACH, RELOADS, PRELOADED = 3, 40, 24, 1500


def rule_set_of(verdict: dict[str, Any]) -> str:
    """The set a verdict was rendered by (its title), checked against the set that computed it (its status)."""
    named = verdict["title"].split(":")[0].removeprefix("Set ")
    assert verdict["status"] == STATUS_UNDER[named], f"title of set {named} with the status of the other set: {verdict}"
    return named


def share_claim(subject: str) -> dict[str, str]:
    return {"source": "desk", "quote": f"{subject} pèse 70 %", "subject": subject, "measure": "share", "period": "2025", "figure": "70 %"}


def in_threads(*jobs: Callable[[], None]) -> list[BaseException]:
    """Run the jobs at once; the exceptions they raised (a failed assertion in a thread fails the test)."""
    failures: list[BaseException] = []

    def run(job: Callable[[], None]) -> None:
        try:
            job()
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures


def test_reloads_between_two_rule_sets_never_mix_them_in_an_answer_or_in_the_store(tmp_path: Path) -> None:
    rules_dir = tmp_path / "rules"
    rules_dir.mkdir()
    rule_file = rules_dir / "half.yaml"
    rule_file.write_text(SETS["A"])
    book = RuleBook(rules_dir)
    with Store(str(tmp_path / "tally.duckdb")) as store, serving(store, book) as base_url:
        with httpx.Client(base_url=base_url, timeout=60) as client:
            assert client.post("/sources", json={"id": "desk", "title": "Dépêche", "outlet": "Agence", "language": "fr"}).status_code == 201
            # claims already stored make every recompute take a while: the window a mix would need
            preloaded = [share_claim(f"ma.kept.s{n}") for n in range(PRELOADED)]
            assert client.post("/claims/batch", json=preloaded).status_code == 201
        posting = threading.Event()
        sets_seen: dict[str, int] = {"A": 0, "B": 0}

        def post_claims(poster: int) -> Callable[[], None]:
            def job() -> None:
                with httpx.Client(base_url=base_url, timeout=60) as client:
                    for n in range(CLAIMS_EACH):
                        answer = client.post("/claims", json=share_claim(f"ma.new.p{poster}.c{n}"))
                        assert answer.status_code == 201, answer.text
                        used = {rule_set_of(verdict) for verdict in answer.json()["verdicts"]}
                        assert len(used) == 1, answer.json()
                        sets_seen[used.pop()] += 1
            return job

        def reload_back_and_forth() -> None:
            with httpx.Client(base_url=base_url, timeout=60) as client:
                for n in range(RELOADS):
                    rule_file.write_text(SETS["B" if n % 2 == 0 else "A"])
                    assert client.post("/rules/reload").status_code == 200
            posting.set()

        def read_verdicts() -> None:
            with httpx.Client(base_url=base_url, timeout=60) as client:
                while not posting.is_set():
                    for verdict in client.get("/verdicts", params={"limit": MAX_LIMIT}).json()["verdicts"]:
                        rule_set_of(verdict)

        failures = in_threads(*(post_claims(p) for p in range(POSTERS)), reload_back_and_forth, read_verdicts)
        assert not failures, failures[0]
        assert sets_seen["A"] and sets_seen["B"], sets_seen  # the reloads did land between the posts

        with httpx.Client(base_url=base_url, timeout=60) as client:
            in_force = "A" if RELOADS % 2 == 0 else "B"
            kept = [verdict for offset in range(0, PRELOADED + POSTERS * CLAIMS_EACH, MAX_LIMIT)
                    for verdict in client.get("/verdicts", params={"limit": MAX_LIMIT, "offset": offset}).json()["verdicts"]]
            assert len(kept) == PRELOADED + POSTERS * CLAIMS_EACH
            assert {rule_set_of(verdict) for verdict in kept} == {in_force}


def test_a_broken_rule_file_on_reload_keeps_the_set_in_force_and_says_why(tmp_path: Path) -> None:
    rules_dir = tmp_path / "rules"
    rules_dir.mkdir()
    (rules_dir / "half.yaml").write_text(SETS["A"])
    book = RuleBook(rules_dir)
    with Store(str(tmp_path / "tally.duckdb")) as store, serving(store, book) as base_url, httpx.Client(base_url=base_url) as client:
        assert client.post("/sources", json={"id": "desk", "title": "Dépêche", "outlet": "Agence", "language": "fr"}).status_code == 201
        (rules_dir / "half.yaml").write_text(SETS["B"].replace("part >= 50 %", "part >= 50 % +"))
        refused = client.post("/rules/reload")
        assert refused.status_code == 422
        assert refused.headers["content-type"].startswith("application/problem+json")
        error = refused.json()["errors"][0]
        assert (error["field"], error["line"]) == ("check", 6) and "half.yaml:6:" in refused.json()["detail"]
        answer = client.post("/claims", json=share_claim("ma.after.refusal"))
        assert [rule_set_of(verdict) for verdict in answer.json()["verdicts"]] == ["A"]
        assert client.get("/rules/half").json()["title"].startswith("Set A")
