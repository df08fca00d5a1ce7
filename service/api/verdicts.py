"""/verdicts: the verdicts kept in the store, filtered and paged for a desk."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import PathParameter, QueryParameter

from service import checking
from service.api.formats import Format, csv_response, wants_csv
from service.api.paging import DEFAULT_LIMIT, Limit, Offset, next_page, page_headers
from service.spreadsheets import verdicts_csv
from service.errors import InvalidField
from service.rules.book import RuleBook
from service.store import Store
from service.verdicts import Status, Verdict, VerdictList


class VerdictController(Controller):
    path = "/verdicts"
    tags = ["verdicts"]

    @get("/", operation_id="listVerdicts", sync_to_thread=True)
    def list_verdicts(
        self,
        request: Request,
        store: NamedDependency[Store],
        rules: NamedDependency[RuleBook],
        status: Annotated[Status | None, QueryParameter(description="contradicted, implausible, revised, unverifiable or consistent")] = None,
        rule: Annotated[str | None, QueryParameter(description="Rule id")] = None,
        subject: Annotated[str | None, QueryParameter(description="Only verdicts using a claim on this subject")] = None,
        claim: Annotated[str | None, QueryParameter(description="Only verdicts this claim takes part in")] = None,
        source: Annotated[str | None, QueryParameter(description="Only verdicts using a figure of this source")] = None,
        origin: Annotated[str | None, QueryParameter(description="Only verdicts using a figure attributed to this origin")] = None,
        limit: Limit = DEFAULT_LIMIT,
        offset: Offset = 0,
        format: Format = None,
    ) -> Response[VerdictList]:
        """Every verdict over the store, contradictions first, a page at a time; filter by status, rule id, subject, claim id, source or origin.

        ``Accept: text/csv`` or ``?format=csv`` answers the same page as CSV, its total and
        next page in X-Total-Count and Link as on GET /claims.
        """
        with checking.in_force(store, rules) as (current, connection):
            if rule is not None and rule not in current.plans:
                # a typo in a filter is the client's to fix, not an empty list
                raise InvalidField("rule", f"no rule with id {rule!r}", location="query")
            if claim is not None and not store.has_claim(claim, connection):
                raise InvalidField("claim", f"no claim with id {claim!r}", location="query")
            page = store.list_verdicts(
                current, status=status, rule=rule, subject=subject, claim=claim, limit=limit, offset=offset, connection=connection, source=source, origin=origin
            )
            verdicts = checking.render(store, current, page.items, connection)
        if wants_csv(request, format):
            return csv_response(verdicts_csv(verdicts), page_headers(request, limit, offset, len(verdicts), page.total))
        return Response(VerdictList(verdicts, page.total, next_page(request, limit, offset, len(verdicts), page.total)))

    @get("/{verdict_id:str}", operation_id="getVerdict", sync_to_thread=True)
    def get_verdict(
        self,
        verdict_id: Annotated[str, PathParameter(description="A verdict id such as v-1a2b3c4d5e6f7a8b")],
        store: NamedDependency[Store],
        rules: NamedDependency[RuleBook],
    ) -> Verdict:
        """One verdict with its evidence; 404 if no verdict has that id."""
        with checking.in_force(store, rules) as (current, connection):
            return checking.render(store, current, [store.get_verdict(verdict_id, current)], connection)[0]
