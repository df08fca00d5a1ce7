"""Origins and releases: which body a printed figure comes from, and which of its releases printed it.

An outlet relays a statistics office's figure ("selon l'Office des changes"); the office
publishes a preliminary figure in a monthly bulletin and a revised one in its annual
report.  A claim may name that body (``origin``, a key like a subject) and the date of
its release (``released``, ``YYYY-MM`` or ``YYYY-MM-DD``).  Two figures of one quantity
that one origin printed in two releases are a revision, not an error: the rules' plan
reads them so (status ``revised``, see ``service/rules/plan.py``).

``POST /origins`` gives an origin a display name; without one, its key is shown.
"""

from __future__ import annotations

import datetime
import re
from typing import Annotated
from urllib.parse import urlsplit

import msgspec

from service.errors import InvalidField
from service.reasons import N_, Reason, Term
from service.texts import RELEASED_PATTERN, SUBJECT_PATTERN, Line

OriginKey = Annotated[
    str,
    msgspec.Meta(
        pattern=SUBJECT_PATTERN,
        max_length=200,
        description="Dotted key of the body a figure is attributed to (its author, not the outlet relaying it).",
        examples=["ma.office_des_changes"],
    ),
]
Released = Annotated[
    str,
    msgspec.Meta(
        pattern=RELEASED_PATTERN,
        max_length=10,
        description="The date of the origin's release that printed the figure: YYYY-MM or YYYY-MM-DD.",
        examples=["2025-12", "2025-12-31"],
    ),
]


class OriginIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, omit_defaults=True):
    """An origin as a desk registers it: its key, the name to show, and where it publishes."""

    id: OriginKey
    name: Line
    url: Line | None = None


class Origin(OriginIn, kw_only=True):
    """A registered origin (the same fields)."""


def checked_origin(body: OriginIn) -> Origin:
    """The origin to store; InvalidField for a url that is not http(s) (a ``javascript:`` link on the desk's page)."""
    if body.url is not None and not _web_address(body.url):
        raise InvalidField("url", Reason(N_("an origin's url is an http:// or https:// address")))
    return Origin(id=body.id, name=body.name, url=body.url)


def _web_address(url: str) -> bool:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - read for its ValueError: a port out of range
    except ValueError:  # "http://[": not an address at all
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def checked_release(text: str) -> str:
    """A release date as given, once it names a real month or day; InvalidField("released") otherwise."""
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}(-[0-9]{2})?", text):
        raise InvalidField("released", Reason(N_("a release date is YYYY-MM or YYYY-MM-DD")))
    try:
        datetime.date.fromisoformat(text if len(text) == 10 else text + "-01")
    except ValueError as exc:
        raise InvalidField("released", Reason(N_("%(text)s is no date: %(why)s"), text=text, why=Term(str(exc)))) from exc  # why: Python's words, said on the desk (service.reasons)
    return text


def release_start(released: str) -> str:
    """The first day a release was out, as an ISO date: a release of ``2025-12`` counts from 2025-12-01."""
    return released if len(released) == 10 else released + "-01"


def display_name(origin: str, names: dict[str, str]) -> str:
    """The origin's registered name, else its key."""
    return names.get(origin, origin)
