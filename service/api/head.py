"""HEAD wherever GET works (RFC 9110 §9.3.2): the answer GET would get, status and headers, without its body.

Litestar routes HEAD only to the handlers that declare it (its static files do, ``@get``
does not) and answers 405 before any middleware of its own runs, so the HEAD is turned
into a GET here, around the whole app: every GET route is covered, the desk's pages,
the API, ``/assets`` and ``/schema`` alike, and a route added later without a thought
for HEAD.  The body is dropped on the way out; ``Content-Length`` stays that of the GET
answer, as the RFC allows, so a client learns the size without the bytes.  An ``Allow``
header that lists GET also lists HEAD.

A hand-written wrapper (some thirty lines), as Litestar has no option for it (it is
in Starlette's router, which Litestar does not use).
"""

from __future__ import annotations

from litestar import Litestar
from litestar.types import Message, Receive, Scope, Send


class AnsweringHead(Litestar):
    """The Litestar app, answering HEAD as GET without the body."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "HEAD":
            await super().__call__({**scope, "method": "GET"}, receive, headers_only(send))  # type: ignore[arg-type, typeddict-item]
            return
        await super().__call__(scope, receive, with_head_allowed(send))


def headers_only(send: Send) -> Send:
    """Passes the start of an answer, with HEAD in its Allow; drops its body, ending it once."""

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            await send({**message, "headers": _allowing_head(message.get("headers", []))})  # type: ignore[typeddict-item]
        elif message["type"] == "http.response.body":
            if not message.get("more_body", False):
                await send({"type": "http.response.body", "body": b"", "more_body": False})
        else:
            await send(message)

    return sending


def with_head_allowed(send: Send) -> Send:
    """An answer as it is, but for HEAD in an Allow header that names GET (a 405, an OPTIONS)."""

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": _allowing_head(message.get("headers", []))}  # type: ignore[typeddict-item]
        await send(message)

    return sending


def _allowing_head(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    answer = []
    for name, value in headers:
        if name.lower() == b"allow":
            methods = [method.strip() for method in value.split(b",") if method.strip()]
            if b"GET" in methods and b"HEAD" not in methods:
                value = b", ".join(sorted([*methods, b"HEAD"]))
        answer.append((name, value))
    return answer
