"""How ``tally`` prints what it found: tables for a person at a terminal, whole fields for a pipe.

A rich table fits its columns to the terminal: it cuts ``growth-links-…`` and wraps a
number over two lines, which a person reads and ``grep`` or ``cut`` cannot.  So, as
``gh`` and ``git`` do, a table is drawn only when stdout is a terminal; otherwise every
command that prints rows writes them tab-separated, one row a line, each field whole
(its whitespace, tabs and newlines included, folded to single spaces).  ``--format``
chooses for either: ``tsv``, ``json`` (one document) or ``ndjson`` (one JSON object a
row).  JSON is indented on a terminal and compact in a pipe, ``--json`` included.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import click
import msgspec
from rich.console import Console, RenderableType

FORMATS = ("tsv", "json", "ndjson")

format_option = click.option(
    "--format",
    "output",
    type=click.Choice(FORMATS),
    default=None,
    help="tsv (a row a line, tab-separated), json or ndjson (a JSON object a row); default: a table on a terminal, tsv in a pipe.",
)


def on_terminal() -> bool:
    return sys.stdout.isatty()


def chosen(output: str | None) -> str:
    """The format asked for, else a table on a terminal and tab-separated rows in a pipe."""
    return output or ("table" if on_terminal() else "tsv")


def cell(value: Any) -> str:
    """One field as a pipe reads it: whole, on one line, a number in full (no grouping, no rounding)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return str(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)
    return " ".join(str(value).split())


def write_tsv(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """A header line, then a row a line; a field never holds a tab or a newline."""
    sys.stdout.write("\t".join(columns) + "\n")
    for row in rows:
        sys.stdout.write("\t".join(cell(value) for value in row) + "\n")


def write_json(document: Any) -> None:
    """One JSON document: indented for a person at a terminal, compact (one line) for a pipe."""
    encoded = msgspec.json.encode(document)
    sys.stdout.write((msgspec.json.format(encoded, indent=2) if on_terminal() else encoded).decode() + "\n")


def write_ndjson(records: Iterable[Any]) -> None:
    for record in records:
        sys.stdout.write(msgspec.json.encode(record).decode() + "\n")


def write(
    output: str | None,
    console: Console,
    *,
    table: Callable[[], RenderableType],
    columns: Sequence[str],
    rows: Callable[[], Iterable[Sequence[Any]]],
    document: Callable[[], Any],
    records: Callable[[], Iterable[Any]],
) -> str:
    """Print one listing in the format chosen; the format it was printed in."""
    form = chosen(output)
    if form == "table":
        console.print(table())
    elif form == "tsv":
        write_tsv(columns, rows())
    elif form == "json":
        write_json(document())
    else:
        write_ndjson(records())
    return form
