"""GET /blame: the figures to doubt first, over a real server, and end to end on generated stores."""

from __future__ import annotations

import itertools
from fractions import Fraction
from typing import Any

import httpx
import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service import checking
from service.rules.book import RuleBook
from service.store import Store
from tests.helpers import ServerStarter
from tests.strategies import fill, fresh_store, random_stores

LEVEL = {"subject": "ma.handicraft.exports", "measure": "level", "period": "2025-01/2025-11"}


def contradicted(http: httpx.Client, **filters: str) -> list[list[str]]:
    """The claim ids of every contradicted verdict, as GET /verdicts lists them."""
    verdicts = http.get("/verdicts", params={"status": "contradicted", "limit": 1000, **filters}).json()
    assert verdicts["next"] is None
    return [[evidence["id"] for evidence in verdict["claims"]] for verdict in verdicts["verdicts"]]


def meets_every(chosen: list[str], conflicts: list[list[str]]) -> bool:
    return all(set(chosen) & set(conflict) for conflict in conflicts)


@pytest.fixture(scope="module")
def http(seeded_server: str) -> httpx.Client:
    with httpx.Client(base_url=seeded_server) as client:
        yield client


def test_blame_on_the_seeds_names_the_claims_and_sets_that_remove_every_contradiction(http: httpx.Client) -> None:
    response = http.get("/blame")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/json")
    answer = response.json()
    assert set(answer) == {"claims", "minimal_sets", "weight", "exact", "components", "readings"}
    # each set as readings too (issue 21): the same claims, grouped by the figure they printed
    assert [sorted(i for r in chosen for i in r["claims"]) for chosen in answer["readings"]] == answer["minimal_sets"]
    conflicts = contradicted(http)
    counts: dict[str, int] = {}
    for conflict in conflicts:
        for claim_id in conflict:
            counts[claim_id] = counts.get(claim_id, 0) + 1
    assert {c["id"]: c["contradictions"] for c in answer["claims"]} == counts
    assert [c["id"] for c in answer["claims"]] == sorted(counts, key=lambda i: (-counts[i], i)), "most contradictions first, then id"
    for claim in answer["claims"]:
        assert set(claim) == {"id", "source", "quote", "contradictions", "weight"} and claim["weight"] == 1
        assert http.get(f"/claims/{claim['id']}").json()["quote"] == claim["quote"]
    # the seeds' best-known quarrel: 1,14 MMDH (+13 %) against quelque 1,23 milliard (+11 %)
    quotes = " ".join(c["quote"] for c in answer["claims"])
    assert "1,14 milliard de dirhams" in quotes and "quelque 1,23 milliard de dirhams" in quotes
    assert answer["exact"] is True and 1 <= len(answer["minimal_sets"]) <= 10
    assert sum(c["verdicts"] for c in answer["components"]) == len(conflicts)
    for chosen in answer["minimal_sets"]:
        assert chosen == sorted(set(chosen)) and meets_every(chosen, conflicts)
        assert len(chosen) == answer["weight"] == sum(c["weight"] for c in answer["components"])
    assert answer["minimal_sets"] == sorted(answer["minimal_sets"])


def test_no_smaller_set_removes_every_seed_contradiction(http: httpx.Client) -> None:
    """Brute force per component (independent: a smaller set would be smaller in one of them)."""
    answer = http.get("/blame").json()
    least = []
    for component in _components(contradicted(http)):
        ids = sorted({i for conflict in component for i in conflict})
        size = next(n for n in range(len(ids) + 1) if any(meets_every(list(s), component) for s in itertools.combinations(ids, n)))
        least.append((len(ids), len(component), size))
    assert sorted((c["claims"], c["verdicts"], c["weight"]) for c in answer["components"]) == sorted(least)
    assert len(answer["minimal_sets"][0]) == sum(size for _, _, size in least)


def _components(conflicts: list[list[str]]) -> list[list[list[str]]]:
    groups: list[tuple[set[str], list[list[str]]]] = []
    for conflict in conflicts:
        touching = [g for g in groups if g[0] & set(conflict)]
        merged = (set(conflict).union(*(g[0] for g in touching)), [conflict, *(c for g in touching for c in g[1])])
        groups = [g for g in groups if g not in touching] + [merged]
    return [members for _, members in groups]


def test_blame_answers_the_same_twice(http: httpx.Client) -> None:
    assert http.get("/blame").json() == http.get("/blame").json()


@pytest.mark.parametrize("subject", ["ma.handicraft.exports", "ma.handicraft.digital_platform.partner_bank"])
def test_a_subject_narrows_blame_to_the_verdicts_using_it(http: httpx.Client, subject: str) -> None:
    answer = http.get("/blame", params={"subject": subject}).json()
    conflicts = contradicted(http, subject=subject)
    assert conflicts and len(conflicts) < len(contradicted(http))
    assert {c["id"] for c in answer["claims"]} == {i for conflict in conflicts for i in conflict}
    assert sum(c["verdicts"] for c in answer["components"]) == len(conflicts)
    assert answer["minimal_sets"] and all(meets_every(chosen, conflicts) for chosen in answer["minimal_sets"])


def test_a_subject_no_contradiction_uses_answers_an_empty_blame(http: httpx.Client) -> None:
    empty = {"claims": [], "minimal_sets": [], "weight": 0, "exact": True, "components": [], "readings": []}
    assert http.get("/blame", params={"subject": "ma.nothing.here"}).json() == empty
    assert http.get("/blame", params={"subject": "ma.handicraft.exports.rank"}).json() == empty


def test_unknown_query_parameters_are_ignored_as_elsewhere(http: httpx.Client) -> None:
    assert http.get("/blame", params={"colour": "red"}).json() == http.get("/blame").json()


def test_the_openapi_lists_blame(http: httpx.Client) -> None:
    operation = http.get("/schema/openapi.json").json()["paths"]["/blame"]["get"]
    assert operation["operationId"] == "getBlame" and "subject" in {p["name"] for p in operation["parameters"]}


def _lone_against_two(http: httpx.Client, lone_weight: float) -> dict[str, Any]:
    """One source prints 1,14; two others print 1,23 for the same quantity."""
    for source, weight in (("lone", lone_weight), ("first", 1), ("second", 1)):
        body = {"id": source, "title": "T", "outlet": "O", "language": "fr", "weight": weight}
        assert http.post("/sources", json=body).status_code == 201
    for source, figure in (("lone", "1,14 milliard de dirhams"), ("first", "1,23 milliard de dirhams"), ("second", "1,23 milliard de dirhams")):
        assert http.post("/claims", json=LEVEL | {"source": source, "quote": f"{figure} ({source})", "figure": figure}).status_code == 201
    return http.get("/blame").json()


@pytest.mark.parametrize(("lone_weight", "blamed"), [(1, [["lone"]]), (1.9, [["lone"]]), (2, [["first", "second"], ["lone"]]), (2.5, [["first", "second"]])])
def test_a_source_weight_moves_the_blame(store: Store, start_server: ServerStarter, lone_weight: float, blamed: list[list[str]]) -> None:
    with start_server(store) as url, httpx.Client(base_url=url) as http:
        answer = _lone_against_two(http, lone_weight)
    source_of = {claim["id"]: claim["source"] for claim in answer["claims"]}
    assert sorted(sorted(source_of[i] for i in chosen) for chosen in answer["minimal_sets"]) == blamed  # ties: by claim id
    assert answer["weight"] == min(lone_weight, 2)
    assert {c["source"]: c["weight"] for c in answer["claims"]} == {"lone": lone_weight, "first": 1, "second": 1}


# --- end to end on generated stores ---------------------------------------------------------


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(random_stores(max_claims=12), st.lists(st.sampled_from([0.5, 1.0, 1.0, 2.0, 3.0]), min_size=3, max_size=3))
def test_on_generated_stores_each_set_is_a_least_weight_removal_set(rules: RuleBook, scenario, weights: list[float]) -> None:
    desks = [msgspec.structs.replace(desk, weight=w) for desk, w in zip(scenario.sources, weights)]
    with fresh_store() as store:
        fill(store, desks, [body for body, _ in scenario.claims])
        checking.recompute(store, rules)
        answer = checking.blame(store, rules)
        assert checking.blame(store, rules) == answer
        conflicts = [[e.id for e in v.claims] for v in checking.render(store, rules.current, store.list_verdicts(rules.current, status="contradicted").items)]
        source_weight = {desk.id: Fraction(desk.weight) for desk in desks}
        claim_weight = {c.id: source_weight[c.source] for c in store.list_claims().items}
        figure_of = dict(store.query("SELECT id, figure_key FROM claims"))
    claims = sorted({i for conflict in conflicts for i in conflict})
    assert sorted(c.id for c in answer.claims) == claims
    if not conflicts:
        assert answer.minimal_sets == [] and answer.weight == 0
        return
    assert answer.exact
    weigh = lambda chosen: sum((claim_weight[i] for i in chosen), Fraction(0))  # noqa: E731
    # to doubt a figure is to doubt every claim that printed it (issue 21): sets are unions of readings
    printing = {key: [i for i, k in figure_of.items() if k == key] for key in {figure_of[i] for i in claims}}
    unions = [sorted(i for key in keys for i in printing[key]) for n in range(len(printing) + 1) for keys in itertools.combinations(sorted(printing), n)]
    least = min(weigh(s) for s in unions if meets_every(s, conflicts))
    for chosen in answer.minimal_sets:
        assert meets_every(chosen, conflicts), "removing the set leaves a contradiction"
        assert weigh(chosen) == least, "a lighter set removes every contradiction"
