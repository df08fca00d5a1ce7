"""schema.org ClaimReview: a verdict as the JSON-LD fact-check readers and search engines read.

The rating scale (``worstRating`` 1, ``bestRating`` 3):

====  ============  ==========================================
 1    contradicted  "Contradicted by another official figure"
 2    implausible   "Implausible beside another official figure"
 2    revised       "Revised by its source"
 3    consistent    "Consistent with another official figure"
====  ============  ==========================================

An ``unverifiable`` verdict is on no point of the scale: its rating carries the
words ("Cannot be checked against another official figure") and no ``ratingValue``.

The claim reviewed is the verdict's first figure (in the rule's role order): its
figure and what it is about, said by its origin (the body it is attributed to, by its
registered name) when the claim names one, else by its source's speaker (a Person) or
else its outlet (an Organization); where (``appearance``, the outlet) and when that
source published it. The other
figures are in ``reviewBody``, with the computation that compares them.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping

import msgspec
from msgspec import UNSET, UnsetType

from service.sources import Source
from service.texts import is_web_address
from service.verdicts import Evidence, Verdict

CONTEXT = "https://schema.org"
MAX_CLAIM_REVIEWED = 74  # Google's guidance: under 75 characters
WORST, BEST = 1, 3
RATINGS: dict[str, tuple[int | None, str]] = {
    "contradicted": (1, "Contradicted by another official figure"),
    "implausible": (2, "Implausible beside another official figure"),
    "revised": (2, "Revised by its source"),
    "consistent": (3, "Consistent with another official figure"),
    "unverifiable": (None, "Cannot be checked against another official figure"),
}


class _Node(msgspec.Struct, kw_only=True):
    """A JSON-LD node: ``@type`` names its schema.org class; a property not known is left out (UNSET), never null."""


class Agent(_Node, kw_only=True):
    type: str = msgspec.field(name="@type")  # Person or Organization
    name: str


class CreativeWork(_Node, kw_only=True):
    type: str = msgspec.field(default="CreativeWork", name="@type")
    url: str | UnsetType = UNSET
    headline: str | UnsetType = UNSET
    publisher: Agent | UnsetType = UNSET


class Claim(_Node, kw_only=True):
    type: str = msgspec.field(default="Claim", name="@type")
    author: Agent
    datePublished: datetime.date | UnsetType = UNSET
    appearance: CreativeWork | UnsetType = UNSET


class Rating(_Node, kw_only=True):
    type: str = msgspec.field(default="Rating", name="@type")
    alternateName: str
    ratingValue: int | UnsetType = UNSET
    bestRating: int = BEST
    worstRating: int = WORST


class ClaimReview(_Node, kw_only=True):
    """One verdict as a schema.org ClaimReview (JSON-LD)."""

    context: str = msgspec.field(default=CONTEXT, name="@context")
    type: str = msgspec.field(default="ClaimReview", name="@type")
    url: str
    claimReviewed: str
    reviewRating: Rating
    itemReviewed: Claim
    author: Agent
    reviewBody: str
    datePublished: datetime.date | UnsetType = UNSET


def verdict_url(public_url: str, verdict_id: str) -> str:
    """The verdict's page on the desk, where the review is embedded: what readers and search engines reach."""
    return f"{public_url.rstrip('/')}/desk/verdicts/{verdict_id}"


def embedded(review: ClaimReview) -> str:
    """The review as the text of a ``<script type="application/ld+json">`` data block.

    ``<``, ``>`` and ``&`` are written as JSON escapes, so no quote, figure or name
    can close the block (``</script>``) or open a comment: the JSON reads back the same.
    """
    text = msgspec.json.encode(review).decode()
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def claim_review(
    verdict: Verdict, sources: Mapping[str, Source], desk_name: str, public_url: str, origins: Mapping[str, str] | None = None
) -> ClaimReview:
    """The ClaimReview of one rendered verdict; ``sources`` holds at least the source of each of its figures,
    ``origins`` the registered origins' names (an origin not registered is named by its key)."""
    reviewed = verdict.claims[0]
    value, words = RATINGS[verdict.status]
    return ClaimReview(
        url=verdict_url(public_url, verdict.id),
        claimReviewed=claim_reviewed(reviewed),
        reviewRating=Rating(alternateName=words, ratingValue=UNSET if value is None else value),
        itemReviewed=_claim(sources[reviewed.source], reviewed.origin, origins or {}),
        author=Agent(type="Organization", name=desk_name),
        reviewBody=review_body(verdict),
        datePublished=verdict.first_seen.date() if verdict.first_seen else UNSET,
    )


def claim_reviewed(evidence: Evidence) -> str:
    """The figure and what it is about, e.g. ``1,14 milliard de dirhams: ma.handicraft.exports, 2025-01/2025-11``."""
    about = evidence.subject + "".join(f" {member}" for member in evidence.breakdown.values())
    return _shortened(f"{evidence.figure}: {about}, {evidence.period}", MAX_CLAIM_REVIEWED)


def review_body(verdict: Verdict) -> str:
    """The computation, then each figure compared, where it was printed, and the verdict's notes."""
    figures = "; ".join(f"{e.role}: {e.figure} ({e.source}, {e.period})" for e in verdict.claims)
    return " ".join([f"{verdict.title}: {verdict.computation}.", f"Figures: {figures}.", *verdict.notes])


def _claim(source: Source, origin: str | None, origins: Mapping[str, str]) -> Claim:
    published = source.published if source.published is not None else UNSET
    if origin is not None:
        # the figure is the origin's; the outlet is where it appeared
        outlet = Agent(type="Organization", name=source.outlet)
        link = source.url if source.url and is_web_address(source.url) else UNSET  # never a javascript: link (see below)
        appearance = CreativeWork(url=link, headline=source.title, publisher=outlet)
        return Claim(author=Agent(type="Organization", name=origins.get(origin, origin)), datePublished=published, appearance=appearance)
    author = Agent(type="Person", name=source.speaker) if source.speaker else Agent(type="Organization", name=source.outlet)
    # a url stored before addresses were checked may be javascript: or the like: never a link, so no appearance
    appearance = CreativeWork(url=source.url, headline=source.title) if source.url and is_web_address(source.url) else UNSET
    return Claim(author=author, datePublished=published, appearance=appearance)


def _shortened(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"
