"""A request body that does not arrive in time is a 408, and its connection is closed.

uvicorn reads a body as the client sends it and keeps no clock: a client sending a
byte a second holds a connection, and whatever coroutine awaits the body, for as
long as it likes. :class:`BodyDeadline` wraps the ASGI ``receive`` of every request
that announces a body (``Content-Length`` above 0, or ``Transfer-Encoding``) with one
deadline for the whole body (``TALLY_BODY_TIMEOUT_SECONDS``), counted from the moment
the request's headers were read. The wait is a cancel scope around ``receive``: no
thread, no task left behind, the event loop free meanwhile.

A 408 says ``Connection: close``: the rest of that body is not coming, so the
connection cannot carry another request.  An answer refused before its body was read
(a 401, a 413) does not: the client may already have sent megabytes, and a server
that closes a socket with unread bytes in it sends a TCP reset, which can destroy
the answer before the client reads it.  uvicorn discards the rest of such a body as
it arrives and keeps the connection; a client that drips it is the reverse proxy's
to cut off (``client_body_timeout``, docs/security.md, "Behind a reverse proxy").

Slow *headers* are not seen here: the application is called only once they have
arrived. The reverse proxy in front of Tally bounds them (docs/security.md, "Behind a reverse proxy").
"""

from __future__ import annotations

import anyio
from litestar.middleware import DefineMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from service.errors import ClientError, FieldProblem

class BodyTooSlow(ClientError):
    status = 408
    title = "Request timeout"
    slug = "request-timeout"

    def __init__(self, seconds: float) -> None:
        reason = f"the body did not arrive within {seconds:g} s (TALLY_BODY_TIMEOUT_SECONDS): send it at once"
        super().__init__([FieldProblem(field="body", reason=reason)])
        self.headers = {"Connection": "close"}  # the rest of the body is not read: the connection cannot carry another request


def body_deadline(seconds: float) -> DefineMiddleware:
    """The middleware for ``Litestar(middleware=[...])``: first in the list, so it wraps every other."""
    if not seconds > 0:  # 0 would refuse every body, a NaN none
        raise ValueError(f"TALLY_BODY_TIMEOUT_SECONDS is {seconds}; it must be a number of seconds above 0")
    return DefineMiddleware(BodyDeadline, seconds=seconds)


class BodyDeadline:
    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not announces_body(scope["headers"]):
            await self.app(scope, receive, send)
            return
        deadline = anyio.current_time() + self.seconds
        arrived = False

        async def receive_in_time() -> Message:
            nonlocal arrived
            if arrived:
                return await receive()  # after the body, receive waits for a disconnect: no deadline on that
            with anyio.CancelScope(deadline=deadline):
                message = await receive()
                arrived = message["type"] != "http.request" or not message.get("more_body", False)
                return message
            raise BodyTooSlow(self.seconds)

        await self.app(scope, receive_in_time, send)


def announces_body(headers: list[tuple[bytes, bytes]] | tuple[tuple[bytes, bytes], ...]) -> bool:
    """A request with a body to wait for: a Content-Length above 0, or a body sent in chunks."""
    for name, value in headers:
        if name == b"transfer-encoding" or (name == b"content-length" and value.strip() not in (b"", b"0")):
            return True
    return False
