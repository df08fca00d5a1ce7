"""/verdicts: every verdict over the whole store, filtered for a desk."""

from __future__ import annotations

from litestar import Controller, get

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
        store: Store,
        rules: RuleBook,
        status: Status | None = None,
        rule: str | None = None,
        subject: str | None = None,
        claim: str | None = None,
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
