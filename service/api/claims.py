"""/claims and /check: a newsroom posts a printed figure and gets the verdicts it takes part in."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, PathParameter, QueryParameter

from service import checking
from service.building import BatchError
from service.checking import BatchReport
from service.claims import Claim, ClaimIn, Measure
from service.errors import ClientError, InvalidField
from service.texts import PASSAGE_PATTERN
from service.loading import array_records, ndjson_records
from service.periods import Period, PeriodError
from service.rules.book import RuleBook
from service.store import Store
from service.verdicts import Verdict
from service.api.bodies import JSON_TYPES, NDJSON_TYPES
from service.api.formats import Format, csv_response, wants_csv
from service.api.paging import DEFAULT_LIMIT, Limit, Offset, page_headers
from service.spreadsheets import claims_csv
from service.api.access import at_most, writers
from service.settings import Settings



ClaimId = Annotated[str, PathParameter(description="A claim id such as c-1a2b3c4d5e6f")]


class ClaimVerdicts(msgspec.Struct):
    """What POST /claims and POST /check answer: the claim as read, and every verdict it takes part in."""

    claim: Claim
    verdicts: list[Verdict]


class BatchResult(msgspec.Struct):
    """What POST /claims/batch answers: how many claims were stored, how many were stored already."""

    claims_added: int
    skipped: int


# Who withdraws a claim, and why: both said, in words (a blank one says nothing).
Said = Annotated[str, msgspec.Meta(min_length=1, max_length=2000, pattern=PASSAGE_PATTERN)]


class RetractionIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """What POST /claims/{id}/retract takes: who retracts the claim, and why."""

    by: Said
    reason: Said


class CorrectionIn(ClaimIn, forbid_unknown_fields=True, kw_only=True):
    """What POST /claims/{id}/correct takes: the corrected claim, as POST /claims takes it, and who corrects it, and why."""

    by: Said
    reason: Said

    def claim(self) -> ClaimIn:
        return ClaimIn(**{name: getattr(self, name) for name in ClaimIn.__struct_fields__})


def _answer(checked: checking.Checked) -> ClaimVerdicts:
    return ClaimVerdicts(checked.claim, checked.verdicts)


class ClaimController(Controller):
    path = "/claims"
    guards = [writers]
    tags = ["claims"]

    @post("/", operation_id="createClaim", status_code=201, sync_to_thread=True)
    def create_claim(self, data: JSONBody[ClaimIn], store: NamedDependency[Store], rules: NamedDependency[RuleBook]) -> ClaimVerdicts:
        """Store a printed figure; answer the claim as read and every verdict of every rule that binds it."""
        return _answer(checking.submit(store, rules, data, keep=True))

    @post("/batch", operation_id="createClaims", status_code=201, opt={"body_types": JSON_TYPES + NDJSON_TYPES})
    async def create_claims(self, request: Request[Any, Any, Any], store: NamedDependency[Store], rules: NamedDependency[RuleBook], settings: NamedDependency[Settings]) -> BatchResult:
        """Store many claims in one transaction (all or nothing), then recompute every verdict once.

        The body is NDJSON or a JSON array of the bodies POST /claims takes; a bad record
        is a 422 naming it (``line 3``, ``$[2]``) and nothing is stored; more records than
        TALLY_MAX_BATCH_CLAIMS is a 413, and nothing is stored.
        """
        body = await request.body()
        return await _run_sync(_store_batch, store, rules, body, settings.max_batch_claims)

    @get("/", operation_id="listClaims", sync_to_thread=True)
    def list_claims(
        self,
        request: Request,
        store: NamedDependency[Store],
        subject: Annotated[str | None, QueryParameter(description="Dotted subject key, e.g. ma.handicraft.exports")] = None,
        measure: Annotated[Measure | None, QueryParameter(description="level, growth, share, ...")] = None,
        period: Annotated[str | None, QueryParameter(description="ISO 8601 period, e.g. 2025-01/2025-11")] = None,
        source: Annotated[str | None, QueryParameter(description="Source id")] = None,
        origin: Annotated[str | None, QueryParameter(description="Origin key: the figures attributed to it")] = None,
        limit: Limit = DEFAULT_LIMIT,
        offset: Offset = 0,
        format: Format = None,
    ) -> Response[list[Claim]]:
        """Stored claims in the order they came, a page at a time (X-Total-Count, Link rel=next), filtered by subject, measure, period, source or origin.

        ``Accept: text/csv`` or ``?format=csv`` answers the same page as CSV.
        """
        if period is not None:
            try:
                Period.parse(period)
            except PeriodError as exc:
                raise InvalidField("period", str(exc), location="query") from exc
        page = store.list_claims(limit=limit, offset=offset, subject=subject, measure=measure, period=period, source=source, origin=origin)
        headers = page_headers(request, limit, offset, len(page.items), page.total)
        if wants_csv(request, format):
            return csv_response(claims_csv(page.items), headers)
        return Response(page.items, headers=headers)

    @get("/{claim_id:str}", operation_id="getClaim", sync_to_thread=True)
    def get_claim(self, claim_id: ClaimId, store: NamedDependency[Store]) -> Claim:
        """One claim; 404 if no claim has that id."""
        return store.get_claim(claim_id)

    @post("/{claim_id:str}/retract", operation_id="retractClaim", status_code=200, sync_to_thread=True)
    def retract_claim(
        self,
        claim_id: ClaimId,
        data: JSONBody[RetractionIn],
        store: NamedDependency[Store],
        rules: NamedDependency[RuleBook],
    ) -> Claim:
        """Retract a claim entered wrongly: kept and marked (who, why, when), and out of every verdict; 404 if unknown, 409 if withdrawn already."""
        return checking.retract(store, rules, claim_id, data.by, data.reason)

    @post("/{claim_id:str}/correct", operation_id="correctClaim", status_code=201, sync_to_thread=True)
    def correct_claim(
        self,
        claim_id: ClaimId,
        data: JSONBody[CorrectionIn],
        store: NamedDependency[Store],
        rules: NamedDependency[RuleBook],
    ) -> ClaimVerdicts:
        """Store a claim that supersedes a stored one (linked both ways; the old one leaves every verdict); answer as POST /claims does."""
        return _answer(checking.correct(store, rules, claim_id, data.claim(), data.by, data.reason))


def _store_batch(store: Store, rules: RuleBook, body: bytes, limit: int) -> BatchResult:
    records = array_records(body) if body.lstrip()[:1] == b"[" else ndjson_records(body.splitlines())
    before = checking.mark(store, rules)
    try:
        report: BatchReport = checking.store_batch(store, at_most(records, limit))
    except BatchError as exc:
        raise _batch_problem(exc) from exc
    if report.claims_added:
        checking.catch_up(store, rules, before)
    return BatchResult(report.claims_added, report.skipped)


def _batch_problem(exc: BatchError) -> ClientError:
    """The record's own problem, its field prefixed with where the record is: ``line 3.figure``."""
    problem = exc.error.problems[0]
    field = problem.field if problem.field.startswith((exc.where, "[")) else f"{exc.where}.{problem.field}"
    error = InvalidField(field, problem.reason, part=problem.part)
    error.detail = f"{exc.where}: {exc.reason} (nothing of the batch was stored)"
    return error


async def _run_sync(function: Any, *args: Any) -> Any:
    # Reading the body is async; storing it is blocking DuckDB work, kept off the event loop.
    from anyio import to_thread

    return await to_thread.run_sync(function, *args)


class CheckController(Controller):
    path = "/check"
    tags = ["verdicts"]

    @post("/", operation_id="checkClaim", status_code=200, sync_to_thread=True)
    def check_claim(self, data: JSONBody[ClaimIn], store: NamedDependency[Store], rules: NamedDependency[RuleBook]) -> ClaimVerdicts:
        """The verdicts a claim would get, without storing it: a reporter's "what if"."""
        return _answer(checking.submit(store, rules, data, keep=False))
