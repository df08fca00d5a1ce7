"""The errors Tally raises on purpose, and how each reaches a client.

::

    TallyError                  anything we raise knowingly
    ├── ClientError             the request is wrong; answered 4xx application/problem+json
    │   ├── InvalidField        a field's value cannot be used (422): unreadable or
    │   │                       unrepresentable figure, unknown source, period that is
    │   │                       not ISO 8601, control characters (refused, never normalised)...
    │   ├── MalformedBody       (service.api.bodies) JSON nested too deep, or a key twice (400)
    │   ├── UnsupportedMediaType (service.api.bodies) a body of a type the route does not take (415)
    │   ├── BodyTooSlow         (service.api.deadline) a body not arrived within TALLY_BODY_TIMEOUT_SECONDS
    │   │                       (408, Connection: close)
    │   ├── NotFound            no resource with that id (404)
    │   ├── Conflict            the id is taken, or the same claim is stored already (409)
    │   ├── Unauthenticated     a write without a valid bearer token (401, WWW-Authenticate)
    │   ├── Forbidden           a valid token for a route it does not open (403)
    │   ├── TooLarge            a body or a batch over its documented limit (413)
    │   ├── TooManyFailures     (service.api.throttle) an address past its failed
    │   │                       authentications of the minute (429, Retry-After)
    │   └── MisdirectedRequest  no token set and a Host that is not a loopback name (421)
    ├── RuleFileError           a rule file is broken: carries file:line:column and a hint;
    │                           or the rules folder is missing or holds no rule
    │                           (rules.loader raises it; POST /rules/validate and
    │                           /rules/reload answer 422; the CLI exits 1)
    └── StoreUnavailable        the store file cannot be opened: not a store, or written by a
        │                       newer Tally (a schema version this code does not know);
        │                       the CLI says so in one line and exits 2
        └── StoreLocked         another process (a running server) has the file open: DuckDB
                                lets one process at a time open it; names that process

Every client error, ours or Litestar's (malformed JSON, a wrong type caught by
msgspec, an unknown route), leaves as one problem+json shape::

    {"type", "title", "status", "detail", "errors": [{"field", "in", "reason"}]}

``errors`` is never empty: a newsroom's tool can always say which field to fix.
Anything else raised while answering is a bug: a 500 in the same shape, naming
``request`` and an incident id, its traceback logged under that id
(``service.api.problems.from_unexpected``).
"""

from __future__ import annotations

import re
from typing import Any

import msgspec

PROBLEM_TYPE_BASE = "https://tally.example/problems/"


class FieldProblem(msgspec.Struct, frozen=True, omit_defaults=True, dict=True):
    """One field's problem, as the API answers it: ``reason`` is English, a contract other tools read.

    A reason given as a :class:`service.reasons.Reason` (a message and its values) is kept beside
    the English, under ``sentence``: the desk says it in its page's language.  It is an undeclared
    attribute (``dict=True``), so no answer ever encodes it.
    """

    field: str
    reason: str
    # where the field lives: body, query, path, a rule file, or the settings (rules_dir)
    location: str = msgspec.field(default="body", name="in")
    line: int | None = None
    column: int | None = None
    # the unreadable part of a figure, or the offending token of a rule
    part: str | None = None

    def __post_init__(self) -> None:
        if type(self.reason) is not str:  # a Reason: the English goes on the wire, the sentence stays for the desk
            self.said_as(self.reason)
            msgspec.structs.force_setattr(self, "reason", str.__str__(self.reason))

    @property
    def sentence(self) -> Any:
        """The :class:`service.reasons.Reason` this problem was given, or None for a reason given as English alone."""
        return self.__dict__.get("sentence")

    def said_as(self, sentence: Any) -> FieldProblem:
        """This problem, said on the desk as ``sentence`` (a Reason) while the API keeps answering its English ``reason``."""
        self.__dict__["sentence"] = sentence
        return self

    def moved(self, field: str) -> FieldProblem:
        """The same problem under another field's name (``candidates[2].figure``), its sentence kept."""
        moved = FieldProblem(field=field, reason=self.reason, location=self.location, line=self.line, column=self.column, part=self.part)
        return moved.said_as(self.sentence) if self.sentence is not None else moved


class TallyError(Exception):
    """Anything Tally raises on purpose."""


class ClientError(TallyError):
    status = 400
    title = "Bad request"
    slug = "bad-request"

    def __init__(self, problems: list[FieldProblem], detail: str | None = None) -> None:
        self.problems = problems
        self.detail = detail or "; ".join(f"{p.field}: {p.reason}" for p in problems)
        super().__init__(self.detail)


class InvalidField(ClientError):
    status = 422
    title = "Invalid field"
    slug = "invalid-field"

    def __init__(self, field: str, reason: str, location: str = "body", **extra: Any) -> None:
        super().__init__([FieldProblem(field=field, reason=reason, location=location, **extra)])


class NotFound(ClientError):
    status = 404
    title = "Not found"
    slug = "not-found"

    def __init__(self, resource: str, ident: str, field: str = "id") -> None:
        super().__init__([FieldProblem(field=field, reason=f"no {resource} with id {ident!r}", location="path")])


class Conflict(ClientError):
    status = 409
    title = "Conflict"
    slug = "conflict"

    def __init__(self, field: str, reason: str, location: str = "body") -> None:
        super().__init__([FieldProblem(field=field, reason=reason, location=location)])


class Unauthenticated(ClientError):
    status = 401
    title = "Unauthenticated"
    slug = "unauthenticated"

    def __init__(self, reason: str, challenge: str) -> None:
        super().__init__([FieldProblem(field="Authorization", reason=reason, location="header")])
        self.headers = {"WWW-Authenticate": challenge}  # RFC 9110: a 401 says how to authenticate


class Forbidden(ClientError):
    status = 403
    title = "Forbidden"
    slug = "forbidden"

    def __init__(self, reason: str, field: str = "Authorization") -> None:
        super().__init__([FieldProblem(field=field, reason=reason, location="header")])


class TooLarge(ClientError):
    status = 413
    title = "Too large"
    slug = "too-large"

    def __init__(self, field: str, reason: str) -> None:
        super().__init__([FieldProblem(field=field, reason=reason)])


class TooManyFailures(ClientError):
    status = 429
    title = "Too many failed authentications"
    slug = "too-many-failed-authentications"

    def __init__(self, field: str, reason: str, retry_after: int) -> None:
        super().__init__([FieldProblem(field=field, reason=reason, location="header" if field == "Authorization" else "body")])
        self.headers = {"Retry-After": str(retry_after)}  # RFC 9110: how many seconds to wait


class MisdirectedRequest(ClientError):
    status = 421
    title = "Misdirected request"
    slug = "misdirected-request"

    def __init__(self, reason: str) -> None:
        super().__init__([FieldProblem(field="Host", reason=reason, location="header")])


class StoreUnavailable(TallyError):
    """The DuckDB file cannot be opened: another process holds its lock, or it is not a store."""

    def __init__(self, path: str, reason: str) -> None:
        self.path, self.reason = path, reason
        super().__init__(f"cannot open the store {path}: {reason}")


class StoreLocked(StoreUnavailable):
    """Another process has the store file open; ``pid`` and ``command`` say which, when DuckDB names it."""

    def __init__(self, path: str, pid: int | None, command: str | None) -> None:
        self.pid, self.command = pid, command
        holder = "another process" if pid is None else f"process {pid}" + (f" ({command})" if command else "")
        super().__init__(path, f"{holder} has it open (one process at a time may open a store)")


class RuleFileError(TallyError):
    """A rule file that cannot be loaded; every problem has its file, line and column."""

    def __init__(self, path: str, problems: list[FieldProblem]) -> None:
        self.path = path
        self.problems = problems
        super().__init__("\n".join(format_rule_problem(path, p) for p in problems))


def format_rule_problem(path: str, problem: FieldProblem) -> str:
    """``rules/x.yaml:3:7: check: unknown name 'growht' (hint: ...)``: what editors jump to."""
    return f"{path}:{problem.line or 1}:{problem.column or 1}: {problem.field}: {problem.reason}"


class ProblemDocument(msgspec.Struct, omit_defaults=True):
    """RFC 9457 problem details, with our ``errors`` extension."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldProblem]


_BACKTICKED = re.compile(r"`([^`]+)`")


def field_from_litestar(key: str, message: str) -> str:
    """Turn Litestar's key for a msgspec error into the field a client should fix.

    Litestar reports errors at the root of the body under the key ``data`` and
    keeps the field's name only in msgspec's message ("Object contains unknown
    field `colour`"); we put it back so the client sees ``colour``.
    """
    if key != "data":
        return key
    if "field" in message and (named := _BACKTICKED.search(message)):
        return named.group(1)
    return "$"  # the body as a whole (e.g. an array where an object was expected)
