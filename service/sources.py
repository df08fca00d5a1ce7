"""Sources: who printed a figure, where, and how that office rounds."""

from __future__ import annotations

import datetime
from typing import Annotated, Literal

import msgspec

from service.figures import Rounding
from service.texts import SOURCE_ID_PATTERN, Line, WebAddress

SourceId = Annotated[
    str,
    msgspec.Meta(
        pattern=SOURCE_ID_PATTERN,
        max_length=120,
        description="Stable id chosen by the newsroom: letters, digits, '.', '_' and '-'.",
        examples=["akhannouch-2026-01-19"],
    ),
]
NonEmpty = Line  # kept for importers: one line of words, not blank, no control characters
DEFAULT_WEIGHT = 1.0
Weight = Annotated[
    float,
    msgspec.Meta(
        gt=0,
        description="What doubting one of its figures costs, for GET /blame: a positive number, 1 by default. "
        "A source trusted twice as much weighs 2: /blame then sets aside two of its figures only where that "
        "spares setting aside more than two of weight 1.",
        examples=[1, 2.5],
    ),
]


class SourceIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, omit_defaults=True):
    """A source as a newsroom posts it."""

    id: SourceId
    title: NonEmpty
    outlet: NonEmpty
    language: Literal["fr", "en", "ar"]
    url: WebAddress | None = None
    published: datetime.date | None = None
    speaker: Line | None = None
    rounding: Rounding = Rounding.HALF_UP
    weight: Weight = DEFAULT_WEIGHT

    def __post_init__(self) -> None:
        # msgspec omits a float default by identity: a weight of 1 read back from the store is made the default itself,
        # so that a source answers the same before and after a restart.
        if self.weight == DEFAULT_WEIGHT:
            self.weight = DEFAULT_WEIGHT


class Source(SourceIn, kw_only=True):
    """A stored source (the same fields: a source is what the newsroom said it is).

    ``url`` is read back as any line: a store written before addresses were checked may
    hold a ``javascript:`` one, which must not stop the store from being read.  It is
    never published as a link (``service.claimreview``: only what ``is_web_address`` accepts).
    """

    url: Line | None = None
