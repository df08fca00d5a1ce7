"""The headers every answer of Tally carries, so a browser keeps its pages to themselves.

A desk page holds forms that write (retract a claim, correct it, sign in): framed by
another site, a click there could land on them (clickjacking).  So no page may be
framed (``frame-ancestors 'none'``, and ``X-Frame-Options: DENY`` for older browsers),
and the Content-Security-Policy lets a page run only the scripts and styles this
service ships from ``/assets`` (the desk's ``form.js``, Swagger UI and its
initialiser): no inline script or style, no other host, no plugin, no ``<base>``,
forms posted back here only.  Swagger UI's stylesheet draws its icons from
``data:`` images, hence ``img-src data:``.

Set in a ``before_send`` hook, Litestar's own place for what every message needs:
unlike ``response_headers``, it also reaches the answers of exception handlers
(a 404 for an unknown path, a 401, a 500) and static files.
"""

from __future__ import annotations

from typing import Any

from litestar.datastructures import MutableScopeHeaders

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",  # the desk's live reading of a figure, Swagger UI's document and its "try it out"
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",  # a JSON or CSV answer is never run as a script or shown as HTML
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",  # a desk's paths (claims under review) never reach a source's site
    "Cross-Origin-Opener-Policy": "same-origin",  # a page opened from another site gets no handle on the desk's window
}


async def add_security_headers(message: Any, scope: Any) -> None:
    """``before_send`` hook: the headers above on the start of every HTTP answer."""
    if message["type"] != "http.response.start":
        return
    headers = MutableScopeHeaders.from_message(message)
    for name, value in SECURITY_HEADERS.items():
        if name not in headers:
            headers[name] = value
