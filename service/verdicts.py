"""Verdicts and their evidence: what a rule found, over which printed figures."""

from __future__ import annotations

from typing import Literal

import msgspec

from service.claims import IntervalOut

Status = Literal["consistent", "contradicted", "unverifiable"]
STATUSES: tuple[str, ...] = Status.__args__  # type: ignore[attr-defined]


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


class ClaimVerdicts(msgspec.Struct):
    """What POST /claims and POST /check answer: the claim as read, and every verdict it takes part in."""

    claim: object
    verdicts: list[Verdict]


class VerdictList(msgspec.Struct):
    verdicts: list[Verdict]
