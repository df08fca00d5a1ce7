"""CSV, the shape of a newsroom's spreadsheet: claim rows read by ``tally load``, claim and verdict rows written by the API.

A claim file has a header row naming some of :data:`CLAIM_IN_COLUMNS` (the fields
``POST /claims`` takes; ``source``, ``quote``, ``subject``, ``measure`` and
``period`` are required) and one claim per row.  An empty cell is an absent field.
``breakdown`` is one cell, ``dimension=member`` pairs joined by ``;``
(``product=carpets;country=fr``), so a spreadsheet keeps a fixed set of columns
whatever dimensions its claims use; the claim listing writes the same form back.

Python's ``csv`` module does all the quoting (commas, quotes, newlines inside a
cell) in both directions, which is all this needs; a library would only wrap it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import msgspec

from service.building import BatchError
from service.checking import Record
from service.claims import Claim, ClaimIn
from service.errors import InvalidField
from service.verdicts import Verdict

CLAIM_IN_COLUMNS = (
    "source", "quote", "subject", "breakdown", "measure", "period", "compared_to", "figure", "value", "unit", "qualifier",
    "origin", "released",
)
# A withdrawn claim is listed with who withdrew it, when and why, and its correction: kept, never silently dropped.
WITHDRAWAL_COLUMNS = ("withdrawn", "withdrawn_at", "withdrawn_by", "withdrawn_reason", "superseded_by", "corrects")
CLAIM_COLUMNS = ("id", "source", "quote", "subject", "breakdown", "measure", "period", "compared_to", "figure", "lo", "hi", "unit", *WITHDRAWAL_COLUMNS, "origin", "released", "warnings")
VERDICT_COLUMNS = ("id", "rule", "status", "margin", "margin_unit", "claims", "computation")


def csv_records(lines: Iterable[str]) -> Iterator[Record]:
    """One claim body per row after the header; a row that is not one is a BatchError naming its first line.

    ``lines`` are the file's lines with their endings (a file opened with ``newline=""``),
    so a quoted cell may span lines and the numbers still match what an editor shows.
    """
    reader = csv.reader(lines, strict=True)
    header = _header(_next_row(reader))
    decoder = msgspec.json.Decoder(ClaimIn)
    first_line = reader.line_num + 1
    while (cells := _next_row(reader, first_line)) is not None:
        where = f"line {first_line}"
        first_line = reader.line_num + 1
        if not any(cell.strip() for cell in cells):
            continue
        body = _claim_body(header, cells, where)
        try:
            # the cells are text: JSON-encode them and decode as the JSON bodies are, so the errors read alike
            yield where, decoder.decode(msgspec.json.encode(body))
        except msgspec.DecodeError as exc:
            raise BatchError(where, InvalidField(where, str(exc)), str(exc)) from exc


def _next_row(reader: Any, first_line: int = 1) -> list[str] | None:
    try:
        return next(reader, None)
    except csv.Error as exc:
        where = f"line {first_line}"
        raise BatchError(where, InvalidField(where, str(exc)), str(exc)) from exc
    except UnicodeDecodeError as exc:
        # text is decoded a block at a time, so the line is not known: name the file
        reason = f"not UTF-8 text ({exc.reason} at byte {exc.start} of a block): export the sheet as CSV UTF-8"
        raise BatchError("file", InvalidField("file", reason), reason) from exc


def _header(cells: list[str] | None) -> list[str]:
    if cells is None:
        raise BatchError("line 1", InvalidField("line 1", "the file is empty: the first row names the columns"))
    header = [cell.strip() for cell in cells]
    for index, name in enumerate(header):
        if name not in CLAIM_IN_COLUMNS:
            reason = f"unknown column {name!r} (columns: {', '.join(CLAIM_IN_COLUMNS)})"
            raise BatchError("line 1", InvalidField(f"line 1.{name or index + 1}", reason), reason)
        if name in header[:index]:
            raise BatchError("line 1", InvalidField(f"line 1.{name}", f"column {name!r} twice"), f"column {name!r} twice")
    return header


def _claim_body(header: Sequence[str], cells: Sequence[str], where: str) -> dict[str, Any]:
    if len(cells) > len(header):
        reason = f"{len(cells)} cells, but the header names {len(header)} columns"
        raise BatchError(where, InvalidField(where, reason), reason)
    body: dict[str, Any] = {name: cell for name, cell in zip(header, cells) if cell != ""}
    if "breakdown" in body:
        body["breakdown"] = parse_breakdown(body["breakdown"], where)
    return body


def parse_breakdown(cell: str, where: str = "breakdown") -> dict[str, str]:
    """``product=carpets;country=fr`` -> ``{"product": "carpets", "country": "fr"}``.

    >>> parse_breakdown("product=carpets; country=fr")
    {'product': 'carpets', 'country': 'fr'}
    """
    breakdown: dict[str, str] = {}
    for pair in filter(None, (part.strip() for part in cell.split(";"))):
        key, equals, member = (text.strip() for text in pair.partition("="))
        if not equals or not key or not member or key in breakdown:
            reason = f"breakdown {cell!r}: write dimension=member pairs joined by ';', each dimension once"
            raise BatchError(where, InvalidField(f"{where}.breakdown", reason), reason)
        breakdown[key] = member
    return breakdown


def format_breakdown(breakdown: dict[str, str]) -> str:
    """The cell :func:`parse_breakdown` reads back.

    >>> format_breakdown({"product": "carpets", "country": "fr"})
    'product=carpets;country=fr'
    """
    return ";".join(f"{key}={member}" for key, member in breakdown.items())


def claims_csv(claims: Iterable[Claim]) -> str:
    """The claim listing as CSV: a header row, then :data:`CLAIM_COLUMNS` per claim."""
    return _table(CLAIM_COLUMNS, (_claim_row(claim) for claim in claims))


def verdicts_csv(verdicts: Iterable[Verdict]) -> str:
    """The verdict listing as CSV: a header row, then :data:`VERDICT_COLUMNS` per verdict (claim ids joined by spaces)."""
    return _table(VERDICT_COLUMNS, (_verdict_row(verdict) for verdict in verdicts))


def _claim_row(claim: Claim) -> list[Any]:
    interval = claim.interval
    lo, hi, unit = (interval.lo, interval.hi, interval.unit) if interval is not None else (None, None, None)
    how, withdrawn = ("retracted", claim.retracted) if claim.retracted is not None else ("corrected", claim.corrected)
    withdrawal = (how, withdrawn.at.isoformat(), withdrawn.by, withdrawn.reason) if withdrawn is not None else (None,) * 4
    return [claim.id, claim.source, claim.quote, claim.subject, format_breakdown(claim.breakdown), claim.measure,
            claim.period, claim.compared_to, claim.figure, lo, hi, unit, *withdrawal, claim.superseded_by, claim.corrects,
            claim.origin, claim.released, " ".join(warning.id for warning in claim.warnings)]


def _verdict_row(verdict: Verdict) -> list[Any]:
    return [verdict.id, verdict.rule, verdict.status, verdict.margin, verdict.margin_unit,
            " ".join(evidence.id for evidence in verdict.claims), verdict.computation]


def _table(header: Sequence[str], rows: Iterable[list[Any]]) -> str:
    out = io.StringIO()
    # every cell quoted: a spreadsheet then never reads an id or a period as a number or a date
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([_cell(value) for value in row] for row in rows)
    return out.getvalue()


def _cell(value: Any) -> str:
    return "" if value is None else repr(value) if isinstance(value, float) else str(value)


__all__ = ["CLAIM_COLUMNS", "CLAIM_IN_COLUMNS", "VERDICT_COLUMNS", "claims_csv", "csv_records", "verdicts_csv"]
