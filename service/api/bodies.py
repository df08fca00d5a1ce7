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
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from itertools import accumulate
from typing import Any

from litestar.connection import ASGIConnection, Request
from litestar.types import Empty
from litestar.utils.scope.state import ScopeState
from litestar.enums import RequestEncodingType
from litestar.handlers.base import BaseRouteHandler
from litestar.params import BodyKwarg

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


async def accept_body(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """A guard on the whole app: refuse a body of a type the route does not take, or JSON too deep or ambiguous."""
    if connection.scope["type"] != "http" or connection.scope["method"] not in BODY_METHODS:
        return
    request = connection if isinstance(connection, Request) else Request(connection.scope, connection.receive)
    media_type, params = request.content_type
    if media_type == RequestEncodingType.MULTI_PART and ScopeState.from_scope(connection.scope).form is not Empty:
        # The CSRF middleware parsed this form from the stream, which Litestar does not keep:
        # reading the body again would wait for bytes that never come.  Its type is checked below.
        body = b"(a multipart form, parsed)"
    else:
        body = await request.body()
    declared = connection.headers.get("content-type") is not None
    if not body and not declared:
        return  # nothing posted (POST /rules/reload): the handler says if it needed a body
    accepted = body_types(handler)
    if media_type not in accepted or params.get("charset", "utf-8").lower() not in ("utf-8", "utf8"):
        sent = connection.headers.get("content-type") or "no content type"
        reason = f"this route takes {' or '.join(accepted)} (UTF-8), not {sent}"
        raise UnsupportedMediaType([FieldProblem(field="content-type", reason=reason, location="header")])
    if media_type in JSON_TYPES:
        check_json(body, "$")
    elif media_type in NDJSON_TYPES:
        for number, line in enumerate(body.splitlines(), start=1):
            check_json(line, f"line {number}")


def body_types(handler: BaseRouteHandler) -> tuple[str, ...]:
    if "body_types" in handler.opt:
        return tuple(handler.opt["body_types"])
    data = handler.parsed_fn_signature.parameters.get("data")
    kwarg = None if data is None else data.kwarg_definition
    if isinstance(kwarg, BodyKwarg) and kwarg.media_type in (RequestEncodingType.URL_ENCODED, RequestEncodingType.MULTI_PART):
        return FORM_TYPES
    return JSON_TYPES


def check_json(text: bytes, where: str) -> None:
    """Refuse JSON nested deeper than MAX_JSON_DEPTH or with a key twice in one object.

    Malformed JSON passes through: msgspec reports it where the body is decoded, with its position.
    """
    if (depth := nesting_depth(text)) > MAX_JSON_DEPTH:
        reason = f"the JSON is nested {depth} levels deep; at most {MAX_JSON_DEPTH} are read"
        raise MalformedBody([FieldProblem(field=where, reason=reason)])
    try:
        # The standard library's decoder is the one that shows every key of an object
        # (object_pairs_hook); msgspec's, which decodes the body for the handler, cannot.
        json.loads(text, object_pairs_hook=_refuse_duplicate_keys)
    except (ValueError, RecursionError):
        return


def _refuse_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            reason = f"the key {key!r} appears twice in one object: send it once"
            raise MalformedBody([FieldProblem(field=key, reason=reason)])
        seen.add(key)
    return dict(pairs)


_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = re.compile(rb"[^\[\]{}]")


def nesting_depth(text: bytes) -> int:
    """How deep arrays and objects nest, counted on the brackets outside strings (no recursion, no decoding).

    Hand-written because no JSON decoder at hand takes a depth limit: the standard
    library's and msgspec's both recurse, and fail only when Python's stack does.
    """
    brackets = _NOT_BRACKET.sub(b"", _STRING.sub(b"", text))
    return max(accumulate(_steps(brackets)), default=0)


def _steps(brackets: bytes) -> Iterable[int]:
    return (1 if b in b"[{" else -1 for b in brackets)
