"""Verdicts and their evidence: what a rule found, over which printed figures."""

from __future__ import annotations

import datetime
from typing import Literal

import msgspec

from service.claims import IntervalOut, Warning

Status = Literal["consistent", "contradicted", "implausible", "revised", "unverifiable"]
STATUSES: tuple[str, ...] = Status.__args__  # type: ignore[attr-defined]
# How a desk reads them: what fails first, then what holds only if some months were
# unlike the rest, then what one origin's later release revised, then what could not be checked.
STATUS_ORDER = ("contradicted", "implausible", "revised", "unverifiable", "consistent")


class Evidence(msgspec.Struct, kw_only=True):
    """One figure a verdict used: who printed it, the exact words, the interval they mean."""

    role: str
    id: str
    source: str
    quote: str
    interval: IntervalOut | None
    figure: str
    subject: str
    breakdown: dict[str, str]
    measure: str
    period: str
    text: str | None = None
    origin: str | None = None
    released: str | None = None


class Diagnosis(msgspec.Struct, frozen=True):
    """A common error under which the figures would tally: the verdict's status under that reading, and its computation."""

    id: str
    title: str
    status: Status
    computation: str


class Verdict(msgspec.Struct, kw_only=True):
    id: str
    rule: str
    title: str
    status: Status
    claims: list[Evidence]
    computation: str
    margin: float | None
    margin_unit: str | None
    notes: list[str]
    warnings: list[Warning] = []
    diagnoses: list[Diagnosis] = []  # for a contradicted or implausible verdict: which error would make it tally
    first_seen: datetime.datetime | None = None  # when the store first held this verdict


class VerdictList(msgspec.Struct):
    """A page of verdicts: ``total`` match the filters; ``next`` is the path and query of the next page, or null."""

    verdicts: list[Verdict]
    total: int = 0
    next: str | None = None
