"""/claims and /check: a newsroom posts a printed figure and gets the verdicts it takes part in."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, PathParameter, QueryParameter

from service.claims import Claim, ClaimIn, Measure, build_claim
from service.errors import InvalidField
from service.periods import Period, PeriodError
from service.rules.book import RuleBook
from service.store import Store
from service.verdicts import ClaimVerdicts


def _claim_with_verdicts(data: JSONBody[ClaimIn], store: NamedDependency[Store], rules: NamedDependency[RuleBook], keep: bool) -> ClaimVerdicts:
    # The claim is written and checked in one transaction: POST /check rolls it back,
    # so a reporter's "what if" sees exactly what POST /claims would have seen.
    with store.transaction(commit=keep) as connection:
        claim = build_claim(data, store.source_of(data, connection))
        if keep or not store.has_claim(claim.id, connection):
            store.add_claim(claim, connection)
        verdicts = rules.verdicts_for(store, claim.id, connection)
    return ClaimVerdicts(claim=claim, verdicts=verdicts)


class ClaimController(Controller):
    path = "/claims"
    tags = ["claims"]

    @post("/", operation_id="createClaim", status_code=201, sync_to_thread=True)
    def create_claim(self, data: JSONBody[ClaimIn], store: NamedDependency[Store], rules: NamedDependency[RuleBook]) -> ClaimVerdicts:
        """Store a printed figure; answer the claim as read and every verdict of every rule that binds it."""
        return _claim_with_verdicts(data, store, rules, keep=True)

    @get("/", operation_id="listClaims", sync_to_thread=True)
    def list_claims(
        self,
        store: NamedDependency[Store],
        subject: Annotated[str | None, QueryParameter(description="Dotted subject key, e.g. ma.handicraft.exports")] = None,
        measure: Annotated[Measure | None, QueryParameter(description="level, growth, share, ...")] = None,
        period: Annotated[str | None, QueryParameter(description="ISO 8601 period, e.g. 2025-01/2025-11")] = None,
        source: Annotated[str | None, QueryParameter(description="Source id")] = None,
    ) -> list[Claim]:
        """Stored claims in the order they came, filtered by subject, measure, period (ISO 8601) or source."""
        if period is not None:
            try:
                Period.parse(period)
            except PeriodError as exc:
                raise InvalidField("period", str(exc), location="query") from exc
        return store.list_claims(subject=subject, measure=measure, period=period, source=source)

    @get("/{claim_id:str}", operation_id="getClaim", sync_to_thread=True)
    def get_claim(self, claim_id: Annotated[str, PathParameter(description="A claim id such as c-1a2b3c4d5e6f")], store: NamedDependency[Store]) -> Claim:
        """One claim; 404 if no claim has that id."""
        return store.get_claim(claim_id)


class CheckController(Controller):
    path = "/check"
    tags = ["verdicts"]

    @post("/", operation_id="checkClaim", status_code=200, sync_to_thread=True)
    def check_claim(self, data: JSONBody[ClaimIn], store: NamedDependency[Store], rules: NamedDependency[RuleBook]) -> ClaimVerdicts:
        """The verdicts a claim would get, without storing it: a reporter's "what if"."""
        return _claim_with_verdicts(data, store, rules, keep=False)
