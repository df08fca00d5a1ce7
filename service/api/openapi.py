"""The OpenAPI document's answers to a wrong request, and its viewer served from the package.

Litestar writes each operation from its handler; what it cannot see is added here,
once for every route as it is registered (a ``ReceiveRoutePlugin``):

- the problem+json answers (:class:`service.errors.ProblemDocument`) each operation can
  give: 400 and 422 for any request with a body or parameters, 404 for an operation on
  one resource (a path parameter), 409 where a write can clash with what is stored,
  401, 403, 408, 413, 415 and 429 for a body (see :mod:`service.api.access`, :mod:`service.api.throttle`,
  :mod:`service.api.bodies` and :mod:`service.api.deadline`);
  421 for any (a Host that is not loopback, when no token is set);
- the request body of a route that reads its body itself (``opt={"body_types": ...}``):
  ``POST /rules/validate`` (YAML text) and ``POST /claims/batch`` (claims as JSON or NDJSON);
- the CSV a listing with a ``format`` parameter answers (:mod:`service.api.formats`);
- the bearer token every write but a dry run takes (:data:`BEARER`, ``security`` on the operation).

``/schema`` shows Swagger UI from ``service/assets/swagger-ui`` (swagger-ui-dist from
npm, its version in that folder's VERSION file), not from a CDN, so the docs work offline;
``service/assets/schema.js`` starts it, so the page needs no inline script.
Any other path under ``/schema`` (``/schema/redoc``, which Tally does not serve) is a
404 problem like every other, not Litestar's HTML page (:func:`schema_router`).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from litestar import Request, Router
from litestar.connection import ASGIConnection
from litestar.exceptions import NotFoundException
from litestar.handlers import BaseRouteHandler, HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import ParameterKwarg
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import Components, OpenAPIMediaType, SecurityScheme, OpenAPIResponse, OpenAPIType, Operation, Reference, RequestBody, Schema
from litestar.plugins import ReceiveRoutePlugin
from litestar.routes import BaseRoute, HTTPRoute

from service.api import access
from service.api.formats import CSV_MEDIA_TYPE
from service.api.bodies import JSON_TYPES, NDJSON_TYPES, YAML_TYPES
from service.errors import ProblemDocument

PROBLEM_MEDIA_TYPE = "application/problem+json"
# The writes that answer 409 when what they would store clashes with what is stored.
CONFLICTING_OPERATIONS = frozenset({"createSource", "createClaim", "retractClaim", "correctClaim"})
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

BEARER = "writeToken"  # the security scheme of every write: TALLY_WRITE_TOKEN, or TALLY_ADMIN_TOKEN for rule changes


def security_components(tokens_set: bool) -> Components:
    """The bearer scheme, when this service takes tokens."""
    if not tokens_set:
        return Components()
    return Components(
        security_schemes={
            BEARER: SecurityScheme(
                type="http",
                scheme="bearer",
                description="TALLY_WRITE_TOKEN for writes, TALLY_ADMIN_TOKEN for rule changes (it opens every write too); "
                "with neither set, the service answers loopback requests only and needs no token",
            )
        }
    )


WHY = {
    400: "Malformed request: the body is not JSON, nests too deep, or repeats a key",
    401: "A write without a valid bearer token, when tokens are set (service/api/access.py)",
    403: "A valid token that does not open this route",
    404: "No resource with that id",
    408: "The body did not arrive in full within TALLY_BODY_TIMEOUT_SECONDS",
    409: "Conflict with what is stored",
    413: "The body is too large",
    415: "The body's content type is not one this route takes",
    421: "Without tokens, a Host that is not a loopback name (no DNS rebinding)",
    422: "A field or parameter cannot be used; each problem names it",
    429: "Too many wrong tokens from this address within a minute (TALLY_AUTH_FAILURES_PER_MINUTE); Retry-After says when to try again",
}


def problem_statuses(handler: HTTPRouteHandler, path_parameters: bool) -> list[int]:
    """What a wrong request to this operation can be answered, besides its success."""
    statuses: set[int] = {421}
    has_body = bool(WRITE_METHODS & set(handler.http_methods))
    provided = handler.resolve_dependencies()  # the store, the rules, the settings: not the client's to send
    parameters = [
        name
        for name, parameter in handler.parsed_fn_signature.parameters.items()
        if isinstance(parameter.kwarg_definition, ParameterKwarg) and name not in provided
    ]
    if has_body or parameters or path_parameters:
        statuses |= {400, 422}
    if path_parameters:
        statuses.add(404)
    if has_body:
        statuses |= {408, 413, 415}
        if needs_token(handler):
            statuses |= {401, 403, 429}
    if handler.operation_id in CONFLICTING_OPERATIONS:
        statuses.add(409)
    return sorted(statuses)


def needs_token(handler: HTTPRouteHandler) -> bool:
    """Whether the access guards ask this operation for a bearer token: a write, under one of them, and not a dry run."""
    # Litestar wraps some guards (AsyncCallable, the function in ``func``) once the app is built
    guarded = any(getattr(guard, "func", guard) in (access.writers, access.admins) for guard in handler.resolve_guards())
    return guarded and bool(WRITE_METHODS & set(handler.http_methods)) and not handler.opt.get("dry_run")


def _problem(status: int) -> ResponseSpec:
    return ResponseSpec(data_container=ProblemDocument, media_type=PROBLEM_MEDIA_TYPE, description=WHY[status], generate_examples=False)


def _body_schema(media_type: str) -> Schema | Reference:
    if media_type in JSON_TYPES:
        return Schema(type=OpenAPIType.ARRAY, items=Reference(ref="#/components/schemas/ClaimIn"))
    if media_type in NDJSON_TYPES:
        return Schema(type=OpenAPIType.STRING, description="One claim body (as POST /claims takes it) per line")
    return Schema(type=OpenAPIType.STRING, description="A rule file's YAML text")


def documented_operation(body_types: tuple[str, ...], csv: bool) -> type[Operation]:
    """An Operation that also documents what Litestar cannot see in the handler's signature:
    the body a handler reads itself, and the CSV a listing answers with ``?format=csv``."""

    @dataclass
    class Documented(Operation):
        def __post_init__(self) -> None:
            if body_types:
                content = {media_type: OpenAPIMediaType(schema=_body_schema(media_type)) for media_type in body_types}
                self.request_body = RequestBody(content=content, required=True)
            success = next((r for status, r in (self.responses or {}).items() if status.startswith("2")), None)
            if csv and isinstance(success, OpenAPIResponse) and success.content is not None:
                success.content[CSV_MEDIA_TYPE] = OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING, description="The same page as CSV"))

    return Documented


class ProblemResponses(ReceiveRoutePlugin):
    """Adds the problem+json answers, and self-read bodies, to every operation as its route is registered.

    ``tokens_set``: the document describes this service as it runs.  With a token set,
    every guarded write says it needs one (``security``); with none, no request needs
    one (the service then answers loopback requests only), and the document says so.
    """

    def __init__(self, tokens_set: bool = False) -> None:
        self.tokens_set = tokens_set

    def receive_route(self, route: BaseRoute) -> None:
        if not isinstance(route, HTTPRoute):
            return
        for handler in route.route_handlers:
            if handler.include_in_schema is False:
                continue
            statuses = problem_statuses(handler, bool(route.path_parameters))
            if self.tokens_set and needs_token(handler):
                handler.security = [{BEARER: []}]
            handler.responses = {status: _problem(status) for status in statuses} | dict(handler.responses or {})
            body_types: tuple[str, ...] = ()
            if "body_types" in handler.opt and "data" not in handler.parsed_fn_signature.parameters:
                body_types = tuple(t for t in handler.opt["body_types"] if t in YAML_TYPES[:1] + JSON_TYPES + NDJSON_TYPES[:1])
            csv = "format" in handler.parsed_fn_signature.parameters  # service.api.formats: ?format=csv
            if body_types or csv:
                handler.operation_class = documented_operation(body_types, csv)


ASSETS = "/assets"  # the package's service/assets, served by create_app


class SwaggerFromAssets(SwaggerRenderPlugin):
    """Litestar's Swagger UI page, with no inline script or style, so the Content-Security-Policy
    (service/api/headers.py) can allow scripts and styles from this service's files alone.

    Litestar's page starts Swagger UI in an inline ``<script>`` holding the whole OpenAPI
    document; here ``/assets/schema.js`` starts it, reading the document from
    ``/schema/openapi.json`` (named in the container's ``data-spec``).  Its OAuth2
    redirect page (another inline script) is not served: Tally's tokens are bearer tokens.
    """

    def render(self, request: Request, openapi_schema: dict[str, Any]) -> bytes:
        title = html.escape(str(openapi_schema["info"]["title"]))
        spec = html.escape(self.get_openapi_json_route(request))
        return f"""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{title}</title>
  {self.favicon}
  <link href="{self.css_url}" rel="stylesheet">
  <link href="{ASSETS}/schema.css" rel="stylesheet">
  <script src="{self.js_url}" defer></script>
  <script src="{self.standalone_preset_js_url}" defer></script>
  <script src="{ASSETS}/schema.js" defer></script>
</head>
<body>
  <nav class="back-to-desk" aria-label="Desk"><a href="/">← Tally's desk</a></nav>
  <div id="swagger-container" data-spec="{spec}"></div>
</body>
</html>
""".encode()

    def receive_router(self, router: Router) -> None:
        return  # no oauth2-redirect.html


def api_viewer() -> SwaggerRenderPlugin:
    """Swagger UI at /schema, its script, style and icon from /assets (the package), no other host."""
    base = f"{ASSETS}/swagger-ui"
    return SwaggerFromAssets(
        js_url=f"{base}/swagger-ui-bundle.js",
        css_url=f"{base}/swagger-ui.css",
        standalone_preset_js_url=f"{base}/swagger-ui-standalone-preset.js",
        favicon=f"<link rel='icon' type='image/svg+xml' href='{ASSETS}/favicon.svg'>",  # the desk's own icon: one service
        path=["/", "/swagger"],
    )


def schema_router(path: str = "/schema") -> Router:
    """The router Litestar puts the API's documentation on, refusing every path no viewer serves."""
    return Router(path, route_handlers=[], include_in_schema=False, guards=[documented_paths_only])


async def documented_paths_only(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Litestar answers a path under /schema that no viewer serves with an HTML page of its own
    (its catch-all handler, the one route there with a ``path`` parameter): a 404 problem instead."""
    if "path" in connection.path_params:
        raise NotFoundException(
            f"nothing at {connection.url.path}: the API's documentation is Swagger UI at /schema, its OpenAPI document at /schema/openapi.json"
        )


__all__: list[Any] = ["BEARER", "ProblemResponses", "SwaggerFromAssets", "api_viewer", "documented_operation", "problem_statuses",
                      "schema_router", "security_components"]
