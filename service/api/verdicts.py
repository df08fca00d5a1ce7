"""/verdicts: every verdict over the whole store, filtered for a desk."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from service.errors import InvalidField
from service.rules.book import RuleBook
from service.store import Store
from service.verdicts import Status, VerdictList


class VerdictController(Controller):
    path = "/verdicts"
    tags = ["verdicts"]

    @get("/", operation_id="listVerdicts", sync_to_thread=True)
    def list_verdicts(
        self,
        store: NamedDependency[Store],
        rules: NamedDependency[RuleBook],
        status: Annotated[Status | None, QueryParameter(description="consistent, contradicted or unverifiable")] = None,
        rule: Annotated[str | None, QueryParameter(description="Rule id")] = None,
        subject: Annotated[str | None, QueryParameter(description="Only verdicts using a claim on this subject")] = None,
        claim: Annotated[str | None, QueryParameter(description="Only verdicts this claim takes part in")] = None,
    ) -> VerdictList:
        """Run every rule over the store; contradictions first. Filter by status, rule id, subject or claim id."""
        if rule is not None and rule not in {r.id for r in rules.rules}:
            # a typo in a filter is the client's to fix, not an empty list
            raise InvalidField("rule", f"no rule with id {rule!r}", location="query")
        if claim is not None and not store.has_claim(claim):
            raise InvalidField("claim", f"no claim with id {claim!r}", location="query")
        verdicts = rules.all_verdicts(store, anchor=claim)
        selected = [
            v
            for v in verdicts
            if (status is None or v.status == status)
            and (rule is None or v.rule == rule)
            and (subject is None or any(e.subject == subject for e in v.claims))
        ]
        return VerdictList(verdicts=selected)
