"""Trying rules on a handful of claims with both executors: what ``tally rules test`` runs.

A rule's examples and its generated consistent worlds are small sets of
claims.  Each goes into an in-memory DuckDB inside a transaction that is rolled
back afterwards (one store serves every trial: opening one costs 21 ms), the
rule's whole-store SQL runs over it, and the in-process executor runs over the
same claims.  The two must agree; a disagreement is a bug in Tally, reported
as such, never blamed on the rule.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from service.claims import Claim, ClaimIn, build_claim
from service.rules import local
from service.rules.book import RuleSet
from service.rules.model import Rule
from service.rules.plan import VerdictRow
from service.sources import Source
from service.store import Store, executor_row


@dataclass(frozen=True)
class Trial:
    """What each executor answered on one set of claims."""

    claims: tuple[Claim, ...]
    sql: tuple[VerdictRow, ...]
    local: tuple[VerdictRow, ...]

    def disagreement(self) -> str | None:
        """None when both executors give the same verdicts; else what differs, for a bug report."""
        by_sql, by_local = {row.id: row for row in self.sql}, {row.id: row for row in self.local}
        if by_sql.keys() != by_local.keys():
            only_sql, only_local = sorted(by_sql.keys() - by_local.keys()), sorted(by_local.keys() - by_sql.keys())
            return f"verdicts only in SQL: {only_sql}; only in process: {only_local}"
        for verdict_id, row in by_sql.items():
            other = by_local[verdict_id]
            if (row.status, row.margin_unit) != (other.status, other.margin_unit) or not _close(row.margin, other.margin):
                return f"verdict {verdict_id}: SQL says {row.status} {row.margin} {row.margin_unit}, in process {other.status} {other.margin} {other.margin_unit}"
        return None


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


class Trials:
    """One in-memory store on which any number of trials run and leave nothing behind."""

    def __init__(self) -> None:
        self._store = Store(":memory:")

    def close(self) -> None:
        self._store.close()

    def __enter__(self) -> Trials:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def run(self, rule: Rule, sources: Sequence[Source], bodies: Sequence[ClaimIn]) -> Trial:
        """Both executors' verdicts on these claims; InvalidField if a claim cannot be read."""
        by_id = {source.id: source for source in sources}
        claims = tuple(build_claim(body, by_id[body.source]) for body in bodies)
        rules = RuleSet.of([rule])
        with self._store.transaction(commit=False) as connection:
            self._store.add_sources(list(sources), connection)
            for claim in claims:
                self._store.add_claim_if_new(claim, connection)  # the same claim printed twice is one claim
            sql = self._store.verdict_rows(rules.compiled[rule.id].verdict_rows_sql(), rules)
        unique = list({claim.id: executor_row(claim) for claim in claims}.values())
        in_process = local.execute(rules.plans[rule.id], unique)
        return Trial(claims, tuple(sorted(sql, key=lambda row: row.id)), tuple(in_process))
