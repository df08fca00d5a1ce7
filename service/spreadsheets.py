"""CSV, the shape of a newsroom's spreadsheet: claim rows read by ``tally load``, claim and verdict rows written by the API.

A claim file has a header row naming some of :data:`CLAIM_IN_COLUMNS` (the fields
``POST /claims`` takes; ``source``, ``quote``, ``subject``, ``measure`` and
``period`` are required) and one claim per row.  An empty cell is an absent field.
``breakdown`` is one cell, ``dimension=member`` pairs joined by ``;``
(``product=carpets;country=fr``), so a spreadsheet keeps a fixed set of columns
whatever dimensions its claims use; the claim listing writes the same form back.
The claim listing itself (:data:`CLAIM_LISTING`) loads too: the columns Tally
computes (:data:`COMPUTED_CLAIM_COLUMNS`) are ignored, and since a claim's id is
derived from what was printed where, each row is stored under the id it was listed with.

**Formulas.**  A spreadsheet opening a CSV runs a cell that starts with ``=``, ``+``,
``-``, ``@``, a tab or a line break as a formula (OWASP's "CSV injection"):
``=HYPERLINK(...)`` in a quote would be a link, or worse, on a desk's machine.  Each
layout (:class:`Layout`) says which of its columns hold numbers; every other column is
text, and a text cell that starts with one of those characters, or with the escape
``'`` itself, is written with one ``'`` before it (:func:`escaped`), which a spreadsheet
shows as text and does not print.  Reading a text cell drops exactly one leading ``'``
(:func:`unescaped`), so what Tally writes reads back as it was.  A number column
(``lo``, ``hi``, ``margin``) is never escaped: ``-8.5`` stays a number.  JSON answers
are data, not formulas, and keep every value as stored.

Python's ``csv`` module does all the quoting (commas, quotes, newlines inside a
cell) in both directions, which is all this needs; a library would only wrap it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec

from service.building import BatchError
from service.checking import Record
from service.claims import Claim, ClaimIn
from service.errors import InvalidField
from service.verdicts import Verdict

# The first characters a spreadsheet reads as the start of a formula: OWASP's =, +, -, @,
# tab and carriage return, and the line feed with them (a quote may start with either line
# break; one more escaped character costs a ' that reads back); then the mark that says "text".
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
TEXT_MARK = "'"


@dataclass(frozen=True)
class Layout:
    """The columns of one CSV, in order, and which of them hold numbers: every other column is text.

    Numbers are the exception to name, so a column added later is escaped unless said otherwise.
    """

    columns: tuple[str, ...]
    numbers: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if not self.numbers <= set(self.columns):
            raise ValueError(f"number columns {sorted(self.numbers - set(self.columns))} are not columns")

    def is_text(self, column: str) -> bool:
        return column not in self.numbers


CLAIM_IN_COLUMNS = (
    "source", "quote", "subject", "breakdown", "measure", "period", "compared_to", "figure", "value", "unit", "qualifier",
    "origin", "released", "direction",
)
# What a claim file holds: the body of POST /claims, a cell per field; only a structured value is a number.
CLAIM_FILE = Layout(CLAIM_IN_COLUMNS, numbers=frozenset({"value"}))
# A withdrawn claim is listed with who withdrew it, when and why, and its correction: kept, never silently dropped.
WITHDRAWAL_COLUMNS = ("withdrawn", "withdrawn_at", "withdrawn_by", "withdrawn_reason", "superseded_by", "corrects")
CLAIM_LISTING = Layout(
    ("id", "source", "quote", "subject", "breakdown", "measure", "period", "compared_to", "figure", "lo", "hi", "unit", *WITHDRAWAL_COLUMNS,
     "origin", "released", "warnings", "figure_unit", "direction"),
    numbers=frozenset({"lo", "hi"}),
)
CLAIM_COLUMNS = CLAIM_LISTING.columns
# What Tally works out itself, so loading the listing back ignores it: the id (derived from what was
# printed where), the interval (read from the figure; ``unit`` is its unit there, not a posted one),
# the withdrawal marks (a withdrawal is an act with its own who and why, not a field of a claim) and
# the warnings (worked out from the store).  ``figure_unit``, the unit a claim gave beside a figure
# that leaves it unsaid, is loaded back as the claim's ``unit``; ``direction``, the one it gave
# beside a change whose sentence prints it apart, is loaded back as it is.
COMPUTED_CLAIM_COLUMNS = ("id", "lo", "hi", "unit", *WITHDRAWAL_COLUMNS, "warnings")
VERDICT_LISTING = Layout(("id", "rule", "status", "margin", "margin_unit", "claims", "computation"), numbers=frozenset({"margin"}))
VERDICT_COLUMNS = VERDICT_LISTING.columns


def escaped(text: str) -> str:
    """A text cell no spreadsheet runs: one ``'`` before a formula's first character, or before a ``'``.

    >>> escaped("=1+1"), escaped("-8,5 %"), escaped("'Tis"), escaped("1,14 MMDH")
    ("'=1+1", "'-8,5 %", "''Tis", '1,14 MMDH')
    """
    return TEXT_MARK + text if text.startswith((*FORMULA_STARTS, TEXT_MARK)) else text


def unescaped(cell: str) -> str:
    """The text of a text cell: exactly one leading ``'`` dropped, if it has one.

    >>> unescaped("'=1+1"), unescaped("''Tis"), unescaped("plain")
    ('=1+1', "'Tis", 'plain')
    """
    return cell.removeprefix(TEXT_MARK)


def csv_records(lines: Iterable[str]) -> Iterator[Record]:
    """One claim body per row after the header; a row that is not one is a BatchError naming its first line.

    ``lines`` are the file's lines with their endings (a file opened with ``newline=""``),
    so a quoted cell may span lines and the numbers still match what an editor shows.
    """
    reader = csv.reader(lines, strict=True)
    header = _header(_next_row(reader))
    ignored = _ignored_columns(header)
    decoder = msgspec.json.Decoder(ClaimIn)
    first_line = reader.line_num + 1
    while (cells := _next_row(reader, first_line)) is not None:
        where = f"line {first_line}"
        first_line = reader.line_num + 1
        if not any(cell.strip() for cell in cells):
            continue
        body = _claim_body(header, cells, ignored, where)
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
        if name not in CLAIM_IN_COLUMNS and name not in CLAIM_COLUMNS:
            reason = f"unknown column {name!r} (columns: {', '.join(CLAIM_IN_COLUMNS)}; or the claim listing's: {', '.join(CLAIM_COLUMNS)})"
            raise BatchError("line 1", InvalidField(f"line 1.{name or index + 1}", reason), reason)
        if name in header[:index]:
            raise BatchError("line 1", InvalidField(f"line 1.{name}", f"column {name!r} twice"), f"column {name!r} twice")
    return header


def _ignored_columns(header: Sequence[str]) -> frozenset[str]:
    """A header naming a column only the listing has is the claim listing's: what Tally computed is left out.

    ``unit`` is then the interval's unit, not a structured figure's, so it goes too.
    """
    listing_only = set(CLAIM_COLUMNS) - set(CLAIM_IN_COLUMNS)
    return frozenset(COMPUTED_CLAIM_COLUMNS) if listing_only.intersection(header) else frozenset()


def _claim_body(header: Sequence[str], cells: Sequence[str], ignored: frozenset[str], where: str) -> dict[str, Any]:
    if len(cells) > len(header):
        reason = f"{len(cells)} cells, but the header names {len(header)} columns"
        raise BatchError(where, InvalidField(where, reason), reason)
    body: dict[str, Any] = {
        name: unescaped(cell) if CLAIM_FILE.is_text(name) else cell
        for name, cell in zip(header, cells)
        if cell != "" and name not in ignored
    }
    if "breakdown" in body:
        body["breakdown"] = parse_breakdown(body["breakdown"], where)
    if "figure_unit" in body:  # the listing's name for the unit a figure left unsaid (its ``unit`` is the interval's)
        body["unit"] = body.pop("figure_unit")
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
    """The claim listing as CSV: a header row, then :data:`CLAIM_LISTING`'s columns per claim."""
    return layout_csv(CLAIM_LISTING, (claim_row(claim) for claim in claims))


def verdicts_csv(verdicts: Iterable[Verdict]) -> str:
    """The verdict listing as CSV: a header row, then :data:`VERDICT_LISTING`'s columns per verdict (claim ids joined by spaces)."""
    return layout_csv(VERDICT_LISTING, (_verdict_row(verdict) for verdict in verdicts))


def claim_row(claim: Claim) -> list[Any]:
    """A claim's cells in :data:`CLAIM_LISTING`'s order (also the data package's claims.csv)."""
    interval = claim.interval
    lo, hi, unit = (interval.lo, interval.hi, interval.unit) if interval is not None else (None, None, None)
    how, withdrawn = ("retracted", claim.retracted) if claim.retracted is not None else ("corrected", claim.corrected)
    withdrawal = (how, withdrawn.at.isoformat(), withdrawn.by, withdrawn.reason) if withdrawn is not None else (None,) * 4
    return [claim.id, claim.source, claim.quote, claim.subject, format_breakdown(claim.breakdown), claim.measure,
            claim.period, claim.compared_to, claim.figure, lo, hi, unit, *withdrawal, claim.superseded_by, claim.corrects,
            claim.origin, claim.released, " ".join(warning.id for warning in claim.warnings), claim.unit, claim.direction]


def _verdict_row(verdict: Verdict) -> list[Any]:
    return [verdict.id, verdict.rule, verdict.status, verdict.margin, verdict.margin_unit,
            " ".join(evidence.id for evidence in verdict.claims), verdict.computation]


def layout_csv(layout: Layout, rows: Iterable[list[Any]]) -> str:
    """A table as CSV by its layout: a header row, numbers as numbers, text escaped (also service/datapackage.py's tables)."""
    out = io.StringIO()
    # every cell quoted: a spreadsheet then never reads an id or a period as a number or a date
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(layout.columns)
    kinds = [layout.is_text(column) for column in layout.columns]
    writer.writerows([_text_cell(value) if text else _number_cell(value) for text, value in zip(kinds, row, strict=True)] for row in rows)
    return out.getvalue()


def _text_cell(value: Any) -> str:
    return "" if value is None else escaped(str(value))


def _number_cell(value: float | int | None) -> str:
    # a number column holds numbers only: text there would be written unescaped, so refuse it loudly
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
        raise TypeError(f"a number column holds {value!r}")
    return "" if value is None else repr(value)


__all__ = [
    "CLAIM_COLUMNS", "CLAIM_IN_COLUMNS", "CLAIM_LISTING", "COMPUTED_CLAIM_COLUMNS", "Layout", "VERDICT_COLUMNS",
    "VERDICT_LISTING", "claim_row", "claims_csv", "csv_records", "escaped", "layout_csv", "unescaped", "verdicts_csv",
]
