"""``revised``: a contradiction that rests on one origin's revision, decided alike by SQL, the
in-process executor and the reference, and never hiding a contradiction within one release or
between two origins.

Stores here are drawn so that revisions meet: a few levels and growths of one subject, each
with an origin among two offices or none, and a release among a few dates or none.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service import checking
from service.claims import Claim, ClaimIn, base_interval, quantity_of
from service.rules.book import RuleBook
from service.rules.reference import reference_verdicts
from service.sources import Source
from service.store import Store
from tests.helpers import shipped_book, shipped_compiled as compiled
from tests.strategies import claim_rows, fill, fresh_store, sql_outcomes
from tests.test_rules_reference import assert_same_verdicts

STORE_SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
# weighted toward one office and two releases, so that chains of one origin across releases are common
OFFICE = "ma.office_des_changes"
OFFICES = (None, "ma.office_des_changes", "ma.office_des_changes", "ma.office_des_changes", "ma.hcp")
RELEASES = (None, "2024-12", "2024-12", "2025-06", "2025-12", "2025-12", "2025-12-15")
# (measure, period, figures): a level of 2023, one of 2024, the growth between them, and a
# level for a slightly longer period, which stands in for 2023 in growth-links-levels
KINDS = (
    ("level", "2023", ("100 MDH", "105 MDH", "105,4 MDH", "110 MDH")),
    ("level", "2024", ("105 MDH", "110 MDH", "115,5 MDH")),
    ("growth", "2024", ("5 %", "4,8 %", "10 %", "0 %")),
    ("level", "2022-12/2023-12", ("108 MDH", "120 MDH")),
)


@dataclass(frozen=True)
class Releases:
    sources: tuple[Source, ...]
    bodies: tuple[ClaimIn, ...]


@st.composite
def released_stores(draw: st.DrawFn, max_claims: int = 8) -> Releases:
    sources = tuple(Source(id=f"desk-{i}", title=f"Article {i}", outlet="Le Matin", language="fr") for i in range(2))
    bodies = []
    for index in range(draw(st.integers(2, max_claims))):
        measure, period, figures = draw(st.sampled_from(KINDS))
        bodies.append(
            ClaimIn(
                source=draw(st.sampled_from(sources)).id,
                quote=f"claim {index}",
                subject="ma.remittances",
                measure=measure,  # type: ignore[arg-type]
                period=period,
                figure=draw(st.sampled_from(figures)),
                origin=draw(st.sampled_from(OFFICES)),
                released=draw(st.sampled_from(RELEASES)),
            )
        )
    return Releases(sources, tuple(bodies))


@st.composite
def revised_chains(draw: st.DrawFn) -> Releases:
    """A chain (2023 level, 2024 level, growth) and a second 2023 level, each of a drawn origin and release:
    a chain that the latest release revises when the draws line up, and its near misses otherwise."""
    sources = tuple(Source(id=f"desk-{i}", title=f"Article {i}", outlet="Le Matin", language="fr") for i in range(2))
    earlier, later = ("2024-12",) * 3 + ("2025-12", None), ("2025-12",) * 3 + ("2024-12", None)
    shapes = [("level", "2023", ("100 MDH", "105 MDH"), earlier), ("level", "2024", ("110 MDH", "115,5 MDH"), later),
              ("growth", "2024", ("4,8 %", "10 %"), later), ("level", "2023", ("105 MDH", "100 MDH"), later)]  # fmt: skip
    bodies = []
    for index, (measure, period, figures, releases) in enumerate(shapes):
        bodies.append(
            ClaimIn(
                source=sources[index % 2].id, quote=f"chain {index}", subject="ma.remittances", measure=measure,  # type: ignore[arg-type]
                period=period, figure=draw(st.sampled_from(figures)),
                origin=draw(st.sampled_from((OFFICE,) * 6 + ("ma.hcp", None))), released=draw(st.sampled_from(releases)),
            )  # fmt: skip
        )
    return Releases(sources, tuple(bodies))


def stores() -> st.SearchStrategy[Releases]:
    return st.one_of(released_stores(), revised_chains())


@settings(STORE_SETTINGS, max_examples=40)
@given(scenario=stores())
def test_sql_and_the_reference_agree_on_revisions(scenario: Releases) -> None:
    with fresh_store() as store:
        fill(store, scenario.sources, list(scenario.bodies))
        rows = claim_rows(store)
        for rule in compiled():
            assert_same_verdicts(rule, rows, sql_outcomes(store, rule))


@settings(STORE_SETTINGS, max_examples=25)
@given(scenario=stores())
def test_the_in_process_executor_finds_the_revisions_sql_finds(scenario: Releases) -> None:
    """Each claim's neighbourhood holds its origins' figures of its subject: the same statuses as over the whole store."""
    book = shipped_book()
    with fresh_store() as store:
        ids = fill(store, scenario.sources, list(scenario.bodies))
        checking.recompute(store, book)
        whole = [row for row, _ in store.list_verdicts(book.current).items]
        for claim_id in ids:
            anchored = {row.id: (row.status, row.margin) for row in checking.anchored_rows(store, book, claim_id)}
            expected = {row.id: (row.status, row.margin) for row in whole if claim_id in row.roles_ids}
            assert anchored.keys() == expected.keys()
            for verdict_id, (status, margin) in anchored.items():
                assert status == expected[verdict_id][0], verdict_id
                assert margin == pytest.approx(expected[verdict_id][1], rel=1e-9, abs=1e-12)


@settings(STORE_SETTINGS, max_examples=15)
@given(scenario=st.one_of(released_stores(max_claims=6), revised_chains()))
def test_claims_posted_one_by_one_leave_the_verdicts_a_recompute_gives(scenario: Releases) -> None:
    """A revision posted after the verdicts it changes (a chain's older figure, a second figure of a release) re-reads them."""
    book = shipped_book()
    with fresh_store() as store:
        fill(store, scenario.sources, [])
        for body in scenario.bodies:
            try:
                checking.submit(store, book, body, keep=True)
            except Exception as exc:  # the same claim drawn twice
                assert "stored already" in str(exc)
        posted = {row.id: row.status for row, _ in store.list_verdicts(book.current).items}
        checking.recompute(store, book)
        assert posted == {row.id: row.status for row, _ in store.list_verdicts(book.current).items}


@settings(STORE_SETTINGS, max_examples=40)
@given(scenario=stores())
def test_revised_never_hides_a_contradiction_within_one_release_or_between_two_origins(scenario: Releases) -> None:
    book = shipped_book()
    with fresh_store() as store:
        fill(store, scenario.sources, list(scenario.bodies))
        checking.recompute(store, book)
        claims = {claim.id: claim for claim in store.list_claims().items}
        for row, _ in store.list_verdicts(book.current).items:
            read = [claims[i] for i in row.roles_ids]
            origins, releases = {c.origin for c in read}, {c.released for c in read}
            if len(origins) > 1 or None in origins or None in releases or len(releases) == 1:
                assert row.status != "revised", (row.rule, [(c.figure, c.origin, c.released) for c in read])
            if row.status == "revised":
                latest = max(releases)  # type: ignore[type-var]
                for claim in read:
                    assert _figures_agree(claims.values(), claim, latest), "the latest release disagrees with itself: no revision"


def _figures_agree(claims: Any, claim: Claim, released: str) -> bool:
    there = [base_interval(c.interval) for c in claims if c.origin == claim.origin and c.released == released and quantity_of(c) == quantity_of(claim)]  # type: ignore[arg-type]
    return bool(there) and max(i.lo for i in there) <= min(i.hi for i in there)


# --- cases a desk writes ----------------------------------------------------------------------

OFFICE = "ma.office_des_changes"


def post(store: Store, book: RuleBook, source: str, figure: str, **fields: Any) -> checking.Checked:
    body = {"quote": figure, "subject": "ma.remittances", "measure": "level", "period": "2023-01/2023-11", "figure": figure} | fields
    return checking.submit(store, book, ClaimIn(source=source, **body), keep=True)


@pytest.fixture
def office(store: Store) -> Store:
    fill(store, [Source(id=s, title="Bulletin", outlet="Office des changes", language="fr") for s in ("b2024", "b2025")], [])
    return store


def statuses(store: Store, book: RuleBook) -> dict[tuple[str, frozenset[str]], str]:
    claims = {c.id: c for c in store.list_claims().items}
    return {(row.rule, frozenset(claims[i].figure for i in row.roles_ids)): row.status for row, _ in store.list_verdicts(book.current).items}


def test_a_chain_is_revised_when_the_later_release_makes_it_hold(office: Store, rules: RuleBook) -> None:
    """A 2024 level and its growth from the 2025 release, against the 2024 release's 2023 level: the 2025 release revised 2023."""
    yearly = {"period": "2023"}
    post(office, rules, "b2024", "100 MDH", origin=OFFICE, released="2024-12", **yearly)
    post(office, rules, "b2025", "110 MDH", origin=OFFICE, released="2025-12", period="2024")
    post(office, rules, "b2025", "4,8 %", origin=OFFICE, released="2025-12", period="2024", measure="growth")
    assert statuses(office, rules)[("growth-links-levels", frozenset({"100 MDH", "110 MDH", "4,8 %"}))] == "contradicted", "no revision of 2023 yet"
    answer = post(office, rules, "b2025", "105 MDH", origin=OFFICE, released="2025-12", **yearly)
    found = statuses(office, rules)
    assert found[("growth-links-levels", frozenset({"100 MDH", "110 MDH", "4,8 %"}))] == "revised", "posting the revision re-read the chain"
    assert found[("same-figure", frozenset({"100 MDH", "105 MDH"}))] == "revised"
    assert found[("growth-links-levels", frozenset({"105 MDH", "110 MDH", "4,8 %"}))] == "consistent"
    [chain] = [v for v in checking.render(office, rules.current, office.list_verdicts(rules.current, status="revised").items) if v.rule == "growth-links-levels"]
    assert chain.notes == ["ma.office_des_changes: 0.100 bn (2024-12) → 0.105 bn (2025-12), revised up 5.0 M, 5.00 % of the earlier figure"]
    assert answer.claim.released == "2025-12"


def test_a_second_figure_of_one_release_that_disagrees_undoes_the_revision(office: Store, rules: RuleBook) -> None:
    post(office, rules, "b2024", "105,10 MMDH", origin=OFFICE, released="2024-12")
    post(office, rules, "b2025", "105,40 MMDH", origin=OFFICE, released="2025-12")
    assert set(statuses(office, rules).values()) == {"revised"}
    post(office, rules, "b2025", "105,9 milliards de dirhams", origin=OFFICE, released="2025-12", quote="105,9 in the same bulletin")
    assert set(statuses(office, rules).values()) == {"contradicted"}, "the 2025 release contradicts itself: nothing there is a revision"


def test_two_origins_or_no_origin_stay_contradicted(office: Store, rules: RuleBook) -> None:
    post(office, rules, "b2024", "105,10 MMDH", origin="ma.hcp", released="2024-12")
    post(office, rules, "b2025", "105,40 MMDH", origin=OFFICE, released="2025-12")
    post(office, rules, "b2025", "105,9 milliards de dirhams")
    assert set(statuses(office, rules).values()) == {"contradicted"}


def test_sources_of_different_dates_without_origins_say_a_revision_might_explain_it(store: Store, rules: RuleBook) -> None:
    import datetime

    fill(store, [Source(id=f"s{y}", title="t", outlet="o", language="fr", published=datetime.date(y, 1, 10)) for y in (2025, 2026)], [])
    post(store, rules, "s2025", "105,10 MMDH")
    answer = post(store, rules, "s2026", "105,40 MMDH")
    [verdict] = answer.verdicts
    assert verdict.status == "contradicted"
    assert any("2025-01-10, 2026-01-10" in note and "a revision between those dates would explain the gap" in note for note in verdict.notes)


def test_every_place_that_lists_statuses_knows_revised() -> None:
    from service.claimreview import RATINGS
    from service.verdicts import STATUS_ORDER, STATUSES

    assert STATUS_ORDER == ("contradicted", "implausible", "revised", "unverifiable", "consistent")
    assert set(STATUSES) == set(STATUS_ORDER) == set(RATINGS)
    assert RATINGS["revised"] == (2, "Revised by its source")


def by_quantity(claims: list[Claim]) -> dict[tuple[object, ...], list[Claim]]:
    found: dict[tuple[object, ...], list[Claim]] = defaultdict(list)
    for claim in claims:
        found[quantity_of(claim)].append(claim)
    return found
