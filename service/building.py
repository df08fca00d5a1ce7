"""Building a bulk load's claims: bodies in, rows of the claims table out, figures read once per text.

Reading a figure and deriving a claim's row is pure Python, about 40 µs a claim
once figure texts repeat: most of a bulk load.  Two worker processes were tried
(bodies and sources sent to them, rows sent back, while this process staged the
previous chunk): on this 2-core machine they loaded 1M claims in 43.8 s against
42.3 s here, pickling eating what the second core gave.  So a load builds its
claims in this process; ``bench/README.md`` has the measurement.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from service.claims import Claim, ClaimIn, build_claim
from service.errors import ClientError, InvalidField
from service.figures import ParsedFigure, Reading, Rounding, figure_of, reading_of
from service.sources import Source
from service.store import claim_values

Bodies = Sequence[tuple[str, ClaimIn]]  # (where in the file, body)


class BatchError(Exception):
    """A record of a file or batch that cannot be stored; ``where`` is ``line 12`` or ``$.claims[3]``. Nothing was stored."""

    def __init__(self, where: str, error: ClientError, reason: str | None = None) -> None:
        self.where, self.error = where, error
        self.reason = reason or error.detail  # a decoding error's own words, else "field: reason"
        super().__init__(f"{where}: {self.reason}")


def build_rows(bodies: Bodies, sources: dict[str, Source]) -> list[list[Any]]:
    """Rows for a chunk's claims; BatchError at the first record that cannot be one."""
    rows = []
    for where, body in bodies:
        try:
            rows.append(claim_values(claim_of(body, sources)))
        except ClientError as exc:
            raise BatchError(where, exc) from exc
    return rows


def claim_of(body: ClaimIn, sources: dict[str, Source]) -> Claim:
    if (source := sources.get(body.source)) is None:
        raise InvalidField("source", f"no source with id {body.source!r}: add it to the file or POST /sources first")
    return build_claim(body, source, parse=_parse_once)


@lru_cache(maxsize=65536)
def _parse_once(text: str, language: str, rounding: Rounding, unit: str | None = None, direction: str | None = None) -> ParsedFigure:
    """A bulk file prints the same figure texts many times ("en hausse", "13 %"): read each once."""
    return figure_of(_read_once(text, language, unit, direction), rounding)


@lru_cache(maxsize=32768)
def _read_once(text: str, language: str, unit: str | None, direction: str | None) -> Reading:
    """Sources that round differently print the same texts: the reading, most of the work, is shared.

    (The bench's million claims print 40 681 texts by language, rounding and unit, and
    23 749 texts.)
    """
    return reading_of(text, language, unit, direction)
