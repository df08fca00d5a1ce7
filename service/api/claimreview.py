"""/claimreview and /verdicts/{id}/claimreview: verdicts as schema.org ClaimReview JSON-LD."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import PathParameter

from service import checking
from service.api.paging import DEFAULT_LIMIT, Limit, Offset, page_headers
from service.claimreview import ClaimReview, claim_review
from service.rules.book import RuleBook
from service.rules.explain import ENGLISH
from service.settings import Settings
from service.store import Store
from service.verdicts import Verdict

JSON_LD = "application/ld+json"


class ClaimReviewController(Controller):
    path = "/"
    tags = ["claimreview"]

    @get("/verdicts/{verdict_id:str}/claimreview", operation_id="getClaimReview", media_type=JSON_LD, sync_to_thread=True)
    def get_claim_review(
        self,
        verdict_id: Annotated[str, PathParameter(description="A verdict id such as v-1a2b3c4d5e6f7a8b")],
        store: NamedDependency[Store],
        rules: NamedDependency[RuleBook],
        settings: NamedDependency[Settings],
    ) -> ClaimReview:
        """One verdict as a schema.org ClaimReview (application/ld+json); 404 if no verdict has that id.

        Its ``reviewBody`` is the API's English computation, with the API's numbers (``explain.ENGLISH``), whatever the desk's language.
        """
        with checking.in_force(store, rules) as (current, connection):
            verdicts = checking.render(store, current, [store.get_verdict(verdict_id, current)], connection, ENGLISH)
        return _reviews(store, settings, verdicts)[0]

    @get("/claimreview", operation_id="listClaimReviews", media_type=JSON_LD, sync_to_thread=True)
    def list_claim_reviews(
        self,
        request: Request,
        store: NamedDependency[Store],
        rules: NamedDependency[RuleBook],
        settings: NamedDependency[Settings],
        limit: Limit = DEFAULT_LIMIT,
        offset: Offset = 0,
    ) -> Response[list[ClaimReview]]:
        """Every contradicted verdict as a ClaimReview, in a JSON array a page at a time (X-Total-Count, Link rel=next)."""
        with checking.in_force(store, rules) as (current, connection):
            page = store.list_verdicts(current, status="contradicted", limit=limit, offset=offset, connection=connection)
            verdicts = checking.render(store, current, page.items, connection, ENGLISH)
        reviews = _reviews(store, settings, verdicts)
        return Response(reviews, media_type=JSON_LD, headers=page_headers(request, limit, offset, len(reviews), page.total))


def _reviews(store: Store, settings: Settings, verdicts: list[Verdict]) -> list[ClaimReview]:
    sources = store.sources_by_id(list({evidence.source for verdict in verdicts for evidence in verdict.claims}))
    origins = store.origin_names()
    return [claim_review(verdict, sources, settings.desk_name, settings.public_url, origins) for verdict in verdicts]
