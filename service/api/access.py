"""Who may write, and from where: bearer tokens for the JSON API, a signed-in session for the desk.

Reads are open to anyone who reaches the service.  Writes follow the tokens in the settings:

* ``TALLY_WRITE_TOKEN``: every write of the JSON API (``POST /sources``, ``/claims``,
  ``/claims/batch``, ``/claims/{id}/retract``, ``/claims/{id}/correct``) needs
  ``Authorization: Bearer <token>``; the desk's forms need a session signed in with it.
* ``TALLY_ADMIN_TOKEN``: rule changes (``POST /rules/reload``) need it; it also opens every
  write.  Without it, rule changes are refused to everyone.
* Neither: the service is this machine's alone.  ``tally serve`` listens on loopback only,
  every write is open, and a request whose ``Host`` is not a loopback name is a 421, so a
  web page whose DNS name is rebound to 127.0.0.1 cannot talk to it.

Dry runs stay open: ``POST /check`` and ``POST /rules/validate`` store nothing (their
handlers say so with ``opt={"dry_run": True}`` where a guarded controller holds them).

A missing or wrong token is a 401 with ``WWW-Authenticate``; a valid token on a route it
does not open is a 403.  Tokens are compared in constant time, after hashing, so neither
their bytes nor their length leak through timing; wrong ones are counted per client
address, and past ``TALLY_AUTH_FAILURES_PER_MINUTE`` the address waits (429,
service/api/throttle.py).  Every answer carries the headers of service/api/headers.py.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from dataclasses import dataclass, field
from typing import Any, Literal

from litestar.config.csrf import CSRFConfig
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.handlers import BaseRouteHandler
from litestar.response import Template
from litestar.middleware.session.server_side import ServerSideSessionBackend, ServerSideSessionConfig
from litestar.types import Empty

from service.api.language import N_
from service.api.headers import add_security_headers
from service.api.throttle import FailedAuthentications, client_address, forwarded_by, trusted_proxies
from service.errors import Forbidden, MisdirectedRequest, TooLarge, TooManyFailures, Unauthenticated
from service.settings import Settings

Role = Literal["write", "admin"]
RANK: dict[str, int] = {"write": 1, "admin": 2}  # admin opens everything write opens
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
REALM = 'Bearer realm="tally"'
DESK_PAGES_EXCLUDED = r"^(?!/$|/desk/|/subjects/)"  # every path but the desk's pages
SESSION_SECONDS = 12 * 3600  # a desk's shift

logger = logging.getLogger("tally.access")


@dataclass(frozen=True)
class Access:
    """The tokens this service was started with (None: not set)."""

    write_token: str | None = field(default=None, repr=False)  # never in a log or a traceback
    admin_token: str | None = field(default=None, repr=False)

    @classmethod
    def of(cls, settings: Settings) -> Access:
        return cls(write_token=settings.write_token or None, admin_token=settings.admin_token or None)

    @property
    def loopback_only(self) -> bool:
        """No token set: the service answers this machine alone, and every write is open."""
        return self.write_token is None and self.admin_token is None

    def role_of(self, presented: str) -> Role | None:
        """The role a presented token opens; both tokens are always compared, in constant time."""
        admin, write = _same(presented, self.admin_token), _same(presented, self.write_token)
        return "admin" if admin else "write" if write else None


def _same(presented: str, expected: str | None) -> bool:
    # Hashing first gives compare_digest equal lengths: not even the token's length leaks.
    digest = lambda text: hashlib.sha256(text.encode("utf-8", "surrogateescape")).digest()  # noqa: E731
    return hmac.compare_digest(digest(presented), digest(expected or "")) and expected is not None


def weak_tokens(settings: Settings) -> str | None:
    """Why the tokens cannot be used (one line), or None."""
    for name in ("write_token", "admin_token"):
        token = getattr(settings, name)
        if token and len(token) < 16:
            return f"TALLY_{name.upper()} is {len(token)} characters; use at least 16 (e.g. `python -c 'import secrets; print(secrets.token_urlsafe())'`)"
    return None


# A Host header, or --host: a name or IPv4 address, or an IPv6 address in brackets, with an optional port.
# Anything else (userinfo, a path, a bare IPv6 address with a port) is not a loopback name.
_HOST = re.compile(r"(?:\[(?P<v6>[0-9A-Fa-f:.]+)\]|(?P<name>[^:\[\]/@\s]+))(?::[0-9]{1,5})?")


def is_loopback(host: str) -> bool:
    """An interface or Host name of this machine alone: 127.0.0.1, localhost, [::1] (any port, any case)."""
    if host.count(":") > 1 and not host.startswith("["):
        host = f"[{host}]"  # a bare IPv6 address, as --host takes it
    found = _HOST.fullmatch(host)
    return bool(found) and (found["v6"] or found["name"]).lower() in LOOPBACK_NAMES


# --- guards ------------------------------------------------------------------------------
#
# Every guard here (and bodies.accept_media_type, openapi.documented_paths_only) is async
# though it awaits nothing: Litestar runs a plain function guard in its thread pool, and a
# POST /claims passed four of them, four hops to a thread and back before its handler ran.


def access_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Access:
    return connection.app.state.access


def _writes(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> bool:
    return connection.scope.get("method") not in SAFE_METHODS and not handler.opt.get("dry_run")


async def writers(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """Guard of a JSON controller that writes: its reads stay open, its writes need the write (or admin) token."""
    if _writes(connection, handler):
        _require_bearer(connection, "write")


async def admins(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """Guard of the rules: reading them is open, changing them needs the admin token."""
    if _writes(connection, handler):
        _require_bearer(connection, "admin")


def _require_bearer(connection: ASGIConnection[Any, Any, Any, Any], needed: Role) -> None:
    access = access_of(connection)
    if access.loopback_only:
        return
    scheme, _, presented = connection.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not presented.strip():
        raise Unauthenticated("this route writes: send Authorization: Bearer <token>", REALM)
    role = authenticate(connection, presented.strip(), "Authorization")
    if role is None:
        raise Unauthenticated("the bearer token is not one this service accepts", f'{REALM}, error="invalid_token"')
    if RANK[role] < RANK[needed]:
        unset = " (this service was started without TALLY_ADMIN_TOKEN, so rules cannot be changed over HTTP)" if access.admin_token is None else ""
        raise Forbidden(f"this route changes the rules: it needs the admin token, not the write token{unset}")


def authenticate(connection: ASGIConnection[Any, Any, Any, Any], presented: str, field: str) -> Role | None:
    """The role a presented token opens, each wrong one counted against the client's address (service/api/throttle.py).

    An address past its failures of the minute is a 429 before its token is compared, even a
    right one: were the right token let through, the throttle would tell a guesser when it hit.
    """
    failures: FailedAuthentications = connection.app.state.failures
    address = client_address(connection.scope)
    if wait := failures.wait_for(address):
        raise TooManyFailures(
            field,
            f"{failures.per_minute} wrong tokens from {address} within a minute (TALLY_AUTH_FAILURES_PER_MINUTE): "
            f"no token from it is compared for {wait} s",
            wait,
        )
    role = access_of(connection).role_of(presented)
    if role is None:
        failures.failed(address)
        if failures.wait_for(address):
            logger.warning("%s: %d wrong tokens within a minute; its tokens are refused for a minute", address, failures.per_minute)
    return role


class SignInRequired(Exception):
    """A desk form posted without a signed-in session; answered with the sign-in page (401)."""

    def __init__(self, back_to: str) -> None:
        super().__init__(back_to)
        self.back_to = back_to


async def desk_signed_in(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """Guard of the desk's forms: a write needs a session signed in with a token (the JSON API's bearer rule, for a browser)."""
    if not _writes(connection, handler) or access_of(connection).loopback_only:
        return
    if connection.session.get("role") not in RANK:
        path = connection.url.path
        raise SignInRequired(path.rsplit("/", 1)[0] if path.endswith(("/retract", "/correct")) else path)


async def loopback_host(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """With no token set, only a request addressed to a loopback name is answered (no DNS rebinding).

    Litestar's AllowedHostsConfig is not used: it matches the Host header with its port
    (so it cannot say "any port") and answers a plain 400, not our problem+json.
    """
    host = connection.headers.get("host", "")
    if not is_loopback(host):
        raise MisdirectedRequest(
            f"this service has no token set, so it answers only requests to 127.0.0.1, localhost or [::1], not {host!r}"
        )


async def body_within_limit(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """A declared body over the limit is refused before it is read; Litestar's own limit catches an undeclared one."""
    limit: int = connection.app.state.max_body_bytes
    declared = connection.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TooLarge("body", f"the body is {int(declared):,} bytes; this service takes at most {limit:,} (TALLY_MAX_BODY_BYTES)")


def at_most(records: Any, limit: int) -> Any:
    """The records of a batch, a 413 naming the limit as soon as there are more (the batch's transaction rolls back)."""
    for count, record in enumerate(records, start=1):
        if count > limit:
            raise TooLarge("body", f"a batch holds at most {limit:,} records (TALLY_MAX_BATCH_CLAIMS); send the rest in another")
        yield record


FRESH_SESSION_ID = "tally.fresh_session_id"  # scope key: the id a session signed in now is kept under
KNOWN_SESSION_ID = "tally.known_session_id"  # scope key: the request's cookie named a session this server keeps


def start_session(connection: ASGIConnection[Any, Any, Any, Any], role: Role) -> None:
    """Sign the desk in under a new session id: an id planted before signing in (session fixation) never gains a role."""
    connection.scope[FRESH_SESSION_ID] = secrets.token_hex(32)  # type: ignore[literal-required]
    connection.set_session({"role": role})


class _SignedInSessions(ServerSideSessionBackend):
    """Litestar's server-side sessions, kept only for a desk that signed in, under an id made at sign-in.

    Litestar, left alone, stores a session for every response, even an empty one, under
    whatever id the request's cookie names, and echoes that id in ``Set-Cookie``: any
    client could make the server keep an entry per request (memory that never comes back
    within ``max_age``) and have an id of its choosing set.  Here an id is used only if
    this server made it: one made at sign-in, or one whose session the store holds;
    an unknown id loads nothing, is stored nowhere and is never echoed.
    """

    async def load_from_connection(self, connection: ASGIConnection[Any, Any, Any, Any]) -> dict[str, Any]:
        if session_id := connection.cookies.get(self.config.key):
            data = await self.get(session_id, store=self.config.get_store_from_app(connection.scope["app"]))
            if data is not None:
                connection.scope[KNOWN_SESSION_ID] = session_id  # type: ignore[literal-required]
                return self.deserialize_data(data)
        return {}

    def get_session_id(self, connection: ASGIConnection[Any, Any, Any, Any]) -> str:
        made_here = connection.scope.get(FRESH_SESSION_ID) or connection.scope.get(KNOWN_SESSION_ID)
        return made_here or connection.get_session_id() or self.generate_session_id()  # type: ignore[return-value]

    async def store_in_message(self, scope_session: Any, message: Any, connection: ASGIConnection[Any, Any, Any, Any]) -> None:
        known = connection.scope.get(KNOWN_SESSION_ID)
        if scope_session is not Empty and not scope_session and not known:
            return  # nothing to keep, no session to renew: no entry, no cookie
        fresh = connection.scope.get(FRESH_SESSION_ID)
        if fresh and known and fresh != known:  # signed in again: the session it replaces goes
            await self.delete(known, store=self.config.get_store_from_app(connection.scope["app"]))
        await super().store_in_message(scope_session, message, connection)


@dataclass
class _SessionConfig(ServerSideSessionConfig):
    _backend_class = _SignedInSessions  # type: ignore[assignment]


# --- what create_app hands Litestar ------------------------------------------------------


def protection(settings: Settings) -> dict[str, Any]:
    """Litestar's settings for access, sessions, CSRF, body size, throttling and headers; ``Litestar(**protection(settings), ...)``."""
    access = Access.of(settings)
    if problem := weak_tokens(settings):
        raise ValueError(problem)
    secure = settings.public_url.startswith("https://")
    sessions = _SessionConfig(key="tally-session", httponly=True, samesite="strict", secure=secure, max_age=SESSION_SECONDS)
    csrf = CSRFConfig(
        secret=secrets.token_urlsafe(32),  # per process: a form older than the server is refused, and reloaded
        cookie_name="tally-csrf",
        cookie_httponly=True,
        cookie_samesite="strict",
        cookie_secure=secure,
        # CSRF guards the desk's pages (/, /subjects/..., /desk/...), whose forms authenticate with the session
        # cookie a browser sends by itself.  The JSON API is left out: it never reads that cookie, it authenticates
        # with the Authorization header, which a cross-site page cannot set without a CORS preflight this service
        # never grants (and, with no token set, only the JSON content type is read, which needs the same preflight).
        exclude=DESK_PAGES_EXCLUDED,
    )
    if settings.auth_failures_per_minute < 1:
        raise ValueError(f"TALLY_AUTH_FAILURES_PER_MINUTE is {settings.auth_failures_per_minute}; it must be at least 1")
    proxies = trusted_proxies(settings.trusted_proxies)
    failures = FailedAuthentications(settings.auth_failures_per_minute)
    return {
        "guards": [body_within_limit, *([loopback_host] if access.loopback_only else [])],
        # first the client's address (behind a trusted proxy, the one it forwards), then the session
        "middleware": [*([forwarded_by(proxies)] if proxies else []), sessions.middleware],
        "csrf_config": csrf,
        "request_max_body_size": settings.max_body_bytes,
        "state": State({"access": access, "max_body_bytes": settings.max_body_bytes, "failures": failures}),
        "exception_handlers": {SignInRequired: _sign_in_page},
        "before_send": [add_security_headers],  # every answer, errors and static files included (service/api/headers.py)
    }


def announce(app: Any) -> None:
    """Say at start who may write."""
    access: Access = app.state.access
    if access.loopback_only:
        logger.warning("no TALLY_WRITE_TOKEN nor TALLY_ADMIN_TOKEN: loopback only, every write open to this machine, "
                       "requests to a Host other than 127.0.0.1, localhost or [::1] refused")
    else:
        rules = "rule changes need TALLY_ADMIN_TOKEN" if access.admin_token else "rule changes refused (no TALLY_ADMIN_TOKEN)"
        logger.warning("writes need a bearer token (TALLY_WRITE_TOKEN); %s; reads open", rules)


def sign_in_page(back_to: str, problem: str | None, status: int = 200, open_: bool = False) -> Template:
    """The desk's sign-in form (service/api/signin.py), also the answer to a desk form posted before signing in."""
    context = {"next": back_to, "problem": problem, "open": open_, "active": "sign-in"}
    challenge = {"WWW-Authenticate": REALM} if status == 401 else None  # RFC 9110: a 401 names a scheme
    return Template(template_name="sign_in.html", context=context, status_code=status, headers=challenge)


def _sign_in_page(request: Any, exc: SignInRequired) -> Template:
    return sign_in_page(exc.back_to, N_("sign in with the desk's token to write"), status=401)  # shown in the page's language
