"""What a request body may be, checked before any handler reads it: its media type, its nesting, its keys.

A route takes ``application/json`` unless it says otherwise: ``opt={"body_types": ...}``
on its decorator (``POST /rules/validate`` takes YAML, ``POST /claims/batch`` NDJSON
too), or a form body declared on its ``data`` parameter (the desk's HTML forms).
Anything else is a 415, so a web page a reporter visits cannot post to Tally with a
cross-origin "simple" request (``text/plain``, or a body with no type at all): those
carry no preflight, and a JSON body sent as ``text/plain`` used to be read as JSON.

JSON is then refused, with a 400 naming the problem, when it is nested deeper than
:data:`MAX_JSON_DEPTH` (msgspec's decoder would recurse until a RecursionError) or
when one object holds the same key twice (msgspec, like most decoders, keeps the last
one silently: a claim posted with two ``figure`` keys would store whichever came last).

The order is the point. The media type is a guard of the whole app, read from the
headers (:func:`accept_media_type`); the body is inspected by :func:`inspect_body`,
Litestar's ``before_request`` hook, which runs after every guard (the app's, then a
router's, a controller's, a handler's: tokens, Host, size, media type). A request
refused by any of them is answered without its body being read. The inspection takes
time linear in the body (service/api/json_shape.py), and a body larger than one slice
is inspected in a worker thread, so the event loop keeps answering everyone else.
"""

from __future__ import annotations

from typing import Any

from anyio import to_thread
from litestar.connection import ASGIConnection, Request
from litestar.enums import RequestEncodingType
from litestar.handlers.base import BaseRouteHandler
from litestar.params import BodyKwarg

from service.api.json_shape import SLICE, nesting_depth, repeated_key
from service.errors import ClientError, FieldProblem

JSON_TYPES = ("application/json",)
NDJSON_TYPES = ("application/x-ndjson", "application/ndjson")
# application/yaml is RFC 9512's name; the older names are what editors and curl users still send
YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml")
FORM_TYPES = (RequestEncodingType.URL_ENCODED.value, RequestEncodingType.MULTI_PART.value)
MAX_JSON_DEPTH = 32  # a claim is 2 deep, a batch of claims 3: anything near the limit is not a Tally body
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class UnsupportedMediaType(ClientError):
    status = 415
    title = "Unsupported media type"
    slug = "unsupported-media-type"


class MalformedBody(ClientError):
    status = 400
    title = "Malformed request body"
    slug = "malformed-body"


async def accept_media_type(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """A guard on the whole app: refuse a body of a type the route does not take, from the headers alone."""
    if connection.scope["type"] != "http" or connection.scope["method"] not in BODY_METHODS:
        return
    declared = connection.headers.get("content-type") is not None
    if not declared and not _posts_a_body(connection):
        return  # nothing posted (POST /rules/reload): the handler says if it needed a body
    media_type, params = _content_type(connection)
    accepted = body_types(handler)
    if media_type not in accepted or params.get("charset", "utf-8").lower() not in ("utf-8", "utf8"):
        sent = connection.headers.get("content-type") or "no content type"
        reason = f"this route takes {' or '.join(accepted)} (UTF-8), not {sent}"
        raise UnsupportedMediaType([FieldProblem(field="content-type", reason=reason, location="header")])


async def inspect_body(request: Request[Any, Any, Any]) -> None:
    """The app's ``before_request`` hook: refuse JSON too deep or ambiguous, after every guard let the request in.

    Litestar keeps the body it reads here for the handler: it is read once.
    """
    if request.scope["method"] not in BODY_METHODS:
        return
    media_type, _ = _content_type(request)
    if media_type not in JSON_TYPES + NDJSON_TYPES:
        return  # YAML and forms: their parsers take them as they come
    body = await request.body()
    if len(body) <= SLICE:
        _check(body, media_type, request.route_handler)  # a claim: microseconds, not worth a thread
    else:
        await to_thread.run_sync(_check, body, media_type, request.route_handler)


def _check(body: bytes, media_type: str, handler: BaseRouteHandler) -> None:
    # POST /claims/batch reads a body as a JSON array if it starts with "[", else as lines, whatever its type
    # says: a body typed JSON is checked as JSON, and also as lines when the route will read it so.
    array = body.lstrip()[:1] == b"["
    if media_type in JSON_TYPES or array:
        check_json(body)
    if not array and any(accepted in NDJSON_TYPES for accepted in body_types(handler)):
        if media_type in JSON_TYPES and not body.strip():  # no lines at all is an empty batch only when typed NDJSON
            reason = "the body holds no JSON: send a JSON array of claims, or claims one per line as application/x-ndjson"
            raise MalformedBody([FieldProblem(field="$", reason=reason)])
        check_ndjson(body)


def _posts_a_body(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    length = connection.headers.get("content-length", "0").strip()
    return "transfer-encoding" in connection.headers or length not in ("", "0")


def _content_type(connection: ASGIConnection[Any, Any, Any, Any]) -> tuple[str, dict[str, str]]:
    request = connection if isinstance(connection, Request) else Request(connection.scope)
    return request.content_type


def body_types(handler: BaseRouteHandler) -> tuple[str, ...]:
    if "body_types" in handler.opt:
        return tuple(handler.opt["body_types"])
    data = handler.parsed_fn_signature.parameters.get("data")
    kwarg = None if data is None else data.kwarg_definition
    if isinstance(kwarg, BodyKwarg) and kwarg.media_type in (RequestEncodingType.URL_ENCODED, RequestEncodingType.MULTI_PART):
        return FORM_TYPES
    return JSON_TYPES


def check_json(text: bytes, where: str = "$") -> None:
    """Refuse JSON nested deeper than MAX_JSON_DEPTH or with a key twice in one object.

    Malformed JSON passes through: msgspec reports it where the body is decoded, with its position.
    """
    _check_depth(text, where)
    if (key := repeated_key(text)) is not None:
        raise MalformedBody([FieldProblem(field=key, reason=f"the key {key!r} appears twice in one object: send it once")])


def check_ndjson(body: bytes) -> None:
    """check_json on every line, naming the line too deep; in two passes of the whole body, not two per line.

    Each line of valid NDJSON is balanced, so the depth of the whole body is the deepest
    line's; only when it is too deep are the lines scanned one by one, to name it.
    Read as one JSON array (of bounded depth, then), the lines show a repeated key as
    check_json would, without a Python call per line.
    """
    lines = body.splitlines()
    if nesting_depth(body, stop_above=MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
        for number, line in enumerate(lines, start=1):
            _check_depth(line, f"line {number}")
        return  # no line alone is too deep: one is malformed (a bracket or a string left open), and the decoder names it
    if (key := repeated_key(b"[" + b",".join(line for line in lines if line.strip()) + b"]")) is not None:
        raise MalformedBody([FieldProblem(field=key, reason=f"the key {key!r} appears twice in one object: send it once")])


def _check_depth(text: bytes, where: str) -> None:
    if (depth := nesting_depth(text, stop_above=MAX_JSON_DEPTH)) > MAX_JSON_DEPTH:
        reason = f"the JSON is nested more than {MAX_JSON_DEPTH} levels deep (at least {depth}); at most {MAX_JSON_DEPTH} are read"
        raise MalformedBody([FieldProblem(field=where, reason=reason)])
