"""Every client error as one application/problem+json shape (see service.errors).

Litestar's ProblemDetailsPlugin renders; this module only maps our error tree
and Litestar's own exceptions onto ProblemDetailsException with an ``errors``
list that names the field.
"""

from __future__ import annotations

import logging
import uuid

from litestar import Request, Response
from litestar.exceptions import (
    HTTPException,
    MethodNotAllowedException,
    NotFoundException,
    ValidationException,
)
from litestar.plugins.problem_details import (
    ProblemDetailsConfig,
    ProblemDetailsException,
    ProblemDetailsPlugin,
)

from service.errors import (
    PROBLEM_TYPE_BASE,
    ClientError,
    FieldProblem,
    field_from_litestar,
)
from service.texts import in_words


def problem(status: int, title: str, slug: str, detail: str, errors: list[FieldProblem]) -> ProblemDetailsException:
    return ProblemDetailsException(
        status_code=status,
        title=title,
        detail=detail,
        type_=PROBLEM_TYPE_BASE + slug,
        extra={"errors": errors},
    )


def from_client_error(exc: ClientError) -> ProblemDetailsException:
    answer = problem(exc.status, exc.title, exc.slug, exc.detail, exc.problems)
    answer.headers = getattr(exc, "headers", None)  # a 401's WWW-Authenticate
    return answer


def from_validation(exc: ValidationException) -> ProblemDetailsException:
    """msgspec's findings (wrong type, unknown or missing field) keep their field path.

    A body that is not JSON at all is a 400; JSON that does not fit the schema is a 422,
    like every other field a client can correct.
    """
    details = exc.extra if isinstance(exc.extra, list) else []
    if any(item.get("key") == "data" and item.get("message") == "'data'" for item in details if isinstance(item, dict)):
        # Litestar's way of saying there was no body at all.
        reason = "the request has no body: send a JSON object"
        return problem(400, "Malformed request body", "malformed-body", reason, [FieldProblem(field="$", reason=reason)])
    errors = [
        FieldProblem(
            field=field_from_litestar(str(item.get("key", "data")), str(item.get("message", ""))),
            reason=in_words(str(item.get("message", "invalid"))),
            location=str(getattr(item.get("source"), "value", item.get("source") or "body")),
        )
        for item in details
        if isinstance(item, dict)
    ]
    if not errors:
        reason = str(exc.detail)
        errors = [FieldProblem(field="$", reason=reason)]
        return problem(400, "Malformed request body", "malformed-body", reason, errors)
    detail = "; ".join(f"{e.field}: {e.reason}" for e in errors)
    return problem(422, "Invalid field", "invalid-field", detail, errors)


def from_http(exc: HTTPException) -> ProblemDetailsException:
    """Litestar's own 4xx (no such route, wrong method): the field is the path or the method."""
    reason = str(exc.detail)
    if isinstance(exc, NotFoundException):
        if reason == "Not Found":  # the router's own words: say what is missing, and where the paths are
            reason = "nothing at this path: the API's paths are in its OpenAPI document, /schema/openapi.json"
        return problem(404, "Not found", "not-found", reason, [FieldProblem(field="path", reason=reason, location="path")])
    if isinstance(exc, MethodNotAllowedException):
        allowed = {name.lower(): value for name, value in (exc.headers or {}).items()}.get("allow")
        if reason == "Method Not Allowed" and allowed:
            methods = {method.strip() for method in allowed.split(",")}
            methods |= {"HEAD"} if "GET" in methods else set()  # service.api.head answers it
            reason = f"this path answers {', '.join(sorted(methods))}, not this method"
        errors = [FieldProblem(field="method", reason=reason, location="request")]
        not_allowed = problem(405, "Method not allowed", "method-not-allowed", reason, errors)
        not_allowed.headers = exc.headers  # keeps Allow, which a 405 must carry (RFC 9110)
        return not_allowed
    if exc.status_code == 400:
        # Litestar raises a bare 400 for a body it cannot decode at all (malformed JSON).
        errors = [FieldProblem(field="$", reason=reason)]
        return problem(400, "Malformed request body", "malformed-body", reason, errors)
    slug = "-".join(reason.lower().split())
    errors = [FieldProblem(field="request", reason=reason, location="request")]
    return problem(exc.status_code, reason, slug, reason, errors)


logger = logging.getLogger("tally.errors")


def from_unexpected(request: Request, exc: Exception) -> Response:
    """A bug, not the client's doing: its traceback goes to the log under an incident id, the client gets that id.

    Registered as an exception handler (not in the plugin's map, which only sees the
    exception): the log line needs the request's method and path.
    """
    incident = uuid.uuid4().hex[:12]
    logger.error("incident %s: %s %s raised an unexpected error", incident, request.method, request.url.path, exc_info=exc)
    reason = f"the server failed on this request (incident {incident}, logged with its traceback): not the client's doing"
    errors = [FieldProblem(field="request", reason=reason, location="server")]
    return problem(500, "Internal server error", "internal-error", reason, errors).to_response(request)


def problem_details_plugin() -> ProblemDetailsPlugin:
    return ProblemDetailsPlugin(
        ProblemDetailsConfig(
            exception_to_problem_detail_map={
                ClientError: from_client_error,
                ValidationException: from_validation,
                HTTPException: from_http,
            }
        )
    )
