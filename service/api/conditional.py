"""Conditional GETs and a render cache: the desk's pages and ClaimReview answers when a story breaks.

A desk page is a function of the store, the rules in force, the request's path and query,
its ``Host``, its language and, for a desk signed in, its session.  The ``Host`` matters
twice: links are written from it, and a kept page is answered before Litestar's guards
run, so a Host the desk refuses (service/api/access.py, ``loopback_host``) must never
find a page kept for another: it is rendered, and refused, like any first request.  So each answer carries a (weak)
``ETag`` made of those, and ``Last-Modified`` from the store's last change; a request whose
``If-None-Match`` (else ``If-Modified-Since``) matches is answered 304 *before* the page is
rendered, and a page is rendered at most once per change of the store and language: the
answer is kept in a small LRU under the same key, and the readers who ask while it renders
wait for it instead of rendering it again.

What makes a page personal:

* a session signed in (the header's "Sign out"): its pages are keyed by the session;
* the request's CSRF token in the page (a form: retract, correct, sign in): such a page is
  never kept, nor given an ETag, whoever asks.  Found in the rendered bytes, not listed:
  a form added to a page later is covered without a thought for this module.

A kept answer never carries ``Set-Cookie`` (the CSRF cookie of the reader it was rendered
for goes to that reader alone).  ``Vary: Accept-Language, Cookie`` tells caches between
the desk and its readers the same.

The validator is two counters, the store's (bumped by every committed write:
service/store.py ``Store.transaction``) and the rule book's (``RuleBook.install``), and a
nonce of this process: a restarted server never matches an ETag of the one before it.

Hand-written as ASGI middleware: Litestar's response cache keys on the path alone, has no
notion of a personal page and answers no conditional request.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import re
import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from urllib.parse import parse_qs

from litestar.datastructures import Headers
from litestar.middleware.base import DefineMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from litestar.utils.scope.state import ScopeState

from service.rules.book import RuleBook
from service.store import Store

# The desk's pages (as service/api/access.py's DESK_PAGES_EXCLUDED) and the ClaimReview answers.
PAGES = re.compile(r"/|/desk/.*|/subjects/.*|/claimreview|/verdicts/[^/]+/claimreview")
VARY = "Accept-Language, Cookie"
HIT, MISS = (b"x-cache", b"hit"), (b"x-cache", b"miss")
KEPT_PAGES = 256  # pages of a few to a few hundred kB: some tens of MB at most
LARGEST_KEPT = 2 * 1024 * 1024  # bytes; a larger answer is rendered each time (none of the desk's is near it)


def page_language(scope: Scope) -> str:
    """The language a page is written in, as far as the request chooses it.

    Until the desk negotiates its language (``desk_language(request)``), the raw ``?lang=``
    and ``Accept-Language`` are the key: two readers who would get the same page may then
    get two renders, never one reader another's language.  The one place to switch.
    """
    lang = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("lang", [""])[-1]
    return f"{lang}|{Headers.from_scope(scope).get('accept-language', '')}"


def _personal(scope: Scope) -> str:
    """Who a page is for: empty for everyone, else a digest of the signed-in session and its CSRF cookie."""
    session = scope.get("session")
    if not isinstance(session, dict) or not session.get("role"):
        return ""
    cookies = Headers.from_scope(scope).get("cookie", "")
    return "session:" + hashlib.sha256(cookies.encode("latin-1", "replace")).hexdigest()


@dataclass(frozen=True)
class Kept:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


class PageCache:
    """The pages kept, shared by every route (Litestar makes a middleware per route); one event loop uses it, so no lock."""

    def __init__(self, store: Store, rules: RuleBook) -> None:
        self.store, self.rules = store, rules
        self.nonce = secrets.token_hex(8)  # of this process: an ETag of a server before a restart never matches
        self.kept: OrderedDict[str, Kept] = OrderedDict()
        self.rendering: dict[str, asyncio.Event] = {}
        self.generation: tuple[int, int] | None = None

    def current(self) -> tuple[int, int]:
        """The store's and the rules' generation; read before rendering, so a page is never older than its key."""
        generation = (self.store.generation, self.rules.generation)
        if generation != self.generation:  # every page kept is of an older store: none will be asked for again
            self.kept.clear()
            self.generation = generation
        return generation

    def keep(self, key: str, answer: Kept) -> None:
        if len(answer.body) <= LARGEST_KEPT:
            self.kept[key] = answer
            while len(self.kept) > KEPT_PAGES:
                self.kept.popitem(last=False)


class ConditionalPages:
    """ASGI middleware: ETag, Last-Modified and 304s on the desk's GETs, and the render cache behind them.

    Each answer says how it was made in ``X-Cache``: ``hit`` (kept), ``miss`` (rendered),
    as caching proxies do; the bench counts them, and tests count renders with it.
    """

    def __init__(self, app: ASGIApp, cache: PageCache) -> None:
        self.app, self.cache = app, cache
        self.store = cache.store

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or not PAGES.fullmatch(scope["path"]):
            await self.app(scope, receive, send)
            return
        cache = self.cache
        generation = cache.current()
        personal = _personal(scope)
        key = "\n".join([cache.nonce, f"{generation}", scope["path"], scope.get("query_string", b"").decode("latin-1"),
                         Headers.from_scope(scope).get("host", ""), page_language(scope), personal])
        etag = 'W/"' + hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()[:32] + '"'
        changed_at = self.store.changed_at
        validators = _validators(etag, changed_at, personal)
        if _not_modified(Headers.from_scope(scope), etag, changed_at):
            await _send(send, Kept(304, validators, b""))
            return
        while (waiting := cache.rendering.get(key)) is not None:  # another reader renders this very page: wait for it
            await waiting.wait()
        if (kept := cache.kept.get(key)) is not None:
            cache.kept.move_to_end(key)
            await _send(send, Kept(kept.status, [*kept.headers, *validators, HIT], kept.body))
            return
        cache.rendering[key] = asyncio.Event()
        try:
            await self._render(scope, receive, send, key, validators)
        finally:
            cache.rendering.pop(key).set()

    async def _render(self, scope: Scope, receive: Receive, send: Send, key: str, validators: list[tuple[bytes, bytes]]) -> None:
        answer = _Answer()
        await self.app(scope, receive, answer.collect)
        if answer.status is None:
            return  # the app sent nothing (the client went away)
        token = ScopeState.from_scope(scope).csrf_token  # set by Litestar's CSRF middleware, inside this one
        holds_form = isinstance(token, str) and token.encode() in answer.body
        if answer.status != 200 or holds_form:
            extra = [(b"cache-control", b"private, no-cache")] if holds_form else []
            await _send(send, Kept(answer.status, [*answer.headers, *extra, MISS], answer.body))
            return
        self.cache.keep(key, Kept(200, [(n, v) for n, v in answer.headers if n.lower() != b"set-cookie"], answer.body))
        await _send(send, Kept(200, [*answer.headers, *validators, MISS], answer.body))


class _Answer:
    """The app's answer, gathered whole: whether it may be kept is known only once its body is."""

    def __init__(self) -> None:
        self.status: int | None = None
        self.headers: list[tuple[bytes, bytes]] = []
        self.chunks: list[bytes] = []

    async def collect(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            self.chunks.append(message.get("body", b""))

    @property
    def body(self) -> bytes:
        return b"".join(self.chunks)


async def _send(send: Send, answer: Kept) -> None:
    await send({"type": "http.response.start", "status": answer.status, "headers": answer.headers})
    await send({"type": "http.response.body", "body": answer.body, "more_body": False})


def _validators(etag: str, changed_at: float, personal: str) -> list[tuple[bytes, bytes]]:
    headers = [(b"etag", etag.encode()), (b"vary", VARY.encode()), (b"cache-control", b"private, no-cache" if personal else b"no-cache")]
    if _second_is_over(changed_at):
        headers.append((b"last-modified", formatdate(math.floor(changed_at), usegmt=True).encode()))
    return headers


def _second_is_over(changed_at: float) -> bool:
    """Whether no later change can fall in the second of the last one.

    ``Last-Modified`` counts whole seconds: sent while the second of the last change
    is still running, a second change within it would carry the same date, and a
    reader holding the first page would be told it has the second.  So until that
    second is over, only the ETag is sent (and ``If-Modified-Since`` matches nothing).
    """
    return math.floor(time.time()) > math.floor(changed_at)


def _not_modified(headers: Headers, etag: str, changed_at: float) -> bool:
    """RFC 9110 §13.2.2: If-None-Match (weak comparison) when present, else If-Modified-Since."""
    if (asked := headers.get("if-none-match")) is not None:
        # "*" is not taken: whether the page exists is known only once it is rendered
        return etag.removeprefix("W/") in {tag.strip().removeprefix("W/") for tag in asked.split(",")}
    if (since := headers.get("if-modified-since")) is None or not _second_is_over(changed_at):
        return False
    try:
        date = parsedate_to_datetime(since).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return False  # RFC 9110: an invalid date is ignored
    return math.floor(changed_at) <= date


def conditional_pages(store: Store, rules: RuleBook) -> DefineMiddleware:
    """The middleware for ``create_app``: inside the session's (it reads who signed in), outside CSRF's (it reads the token)."""
    return DefineMiddleware(ConditionalPages, cache=PageCache(store, rules))
