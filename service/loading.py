"""Reading files and bodies of sources and claims: the fixtures at start-up, ``tally load``, ``POST /claims/batch``.

A file is either one JSON object ``{"sources": [...], "claims": [...]}``,
NDJSON, one claim body per line, each exactly as ``POST /claims`` takes it, or
CSV (``.csv``), one claim per row under a header naming the body's fields
(``service.spreadsheets``); a batch body is NDJSON or a JSON array of claim bodies.  Each file or batch is one
transaction (``checking.store_batch``): a bad line is reported with its line
number and nothing of that file is stored.  Records already stored under the
same id are skipped, so loading the fixtures into an existing store twice
changes nothing.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterable, Iterator
from pathlib import Path

import msgspec

from service import checking
from service.building import BatchError
from service.checking import BatchReport, Progress, Record
from service.claims import ClaimIn
from service.errors import InvalidField
from service.rules.book import RuleBook
from service.spreadsheets import csv_records
from service.sources import SourceIn
from service.store import Store

NDJSON_SUFFIXES = {".ndjson", ".jsonl"}
CSV_SUFFIX = ".csv"


class Batch(msgspec.Struct, forbid_unknown_fields=True):
    sources: list[SourceIn] = []
    claims: list[ClaimIn] = []


class LoadError(Exception):
    """A record of a file that cannot be stored; ``where`` is ``line 12`` or ``$.claims[3]``."""

    def __init__(self, path: Path, where: str, reason: str) -> None:
        self.path, self.where, self.reason = path, where, reason
        super().__init__(f"{path}: {where}: {reason}")


class LoadReport(msgspec.Struct):
    path: str
    sources_added: int = 0
    claims_added: int = 0
    skipped: int = 0


def store_file(store: Store, path: Path, progress: Progress | None = None) -> LoadReport:
    """Store every source and claim of one file, all or nothing; verdicts are left to the caller."""
    try:
        with _collector_paused(), _memory_bounded(store):
            report = checking.store_batch(store, file_records(path), progress)
    except BatchError as exc:
        raise LoadError(path, exc.where, exc.reason) from exc
    return _report(path, report)


# DuckDB's memory while a file is stored (it spills the staged claims and their sort to
# disk beyond it).  Unbounded, a million claims peaked at 3.8 GiB of RSS, most of it the
# sort by subject; bounded so, at 1.9 GiB, for 15 % more CPU time.
LOAD_MEMORY_LIMIT = "1GB"


@contextlib.contextmanager
def _memory_bounded(store: Store) -> Iterator[None]:
    store.query(f"SET memory_limit = '{LOAD_MEMORY_LIMIT}'")
    try:
        yield
    finally:
        store.query("RESET memory_limit")


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off while a file is read and built, back on after.

    A load allocates millions of objects (bodies, claims, rows) that reference counting
    frees; none is in a cycle.  The collector still ran every 700 allocations and, as the
    cache of texts read grew, walked every long-lived object again: a quarter of a cold
    load's CPU time at 100 000 claims (8.2 s against 11.5 s).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load_directory(store: Store, directory: Path, book: RuleBook) -> list[LoadReport]:
    """Every ``*.json`` and ``*.ndjson`` file of a folder, in name order (a file per transaction), then the verdicts."""
    paths = sorted(p for p in directory.iterdir() if p.suffix in {".json"} | NDJSON_SUFFIXES)
    before = checking.mark(store, book)
    reports = [store_file(store, path) for path in paths]
    checking.catch_up(store, book, before)
    return reports


def _report(path: Path, report: BatchReport) -> LoadReport:
    return LoadReport(str(path), report.sources_added, report.claims_added, report.skipped)


def file_records(path: Path) -> Iterator[Record]:
    """The records of a file; NDJSON and CSV are read a line at a time, so a file of any size streams."""
    try:
        if path.suffix in NDJSON_SUFFIXES:
            with path.open("rb") as lines:
                yield from ndjson_records(lines)
        elif path.suffix.lower() == CSV_SUFFIX:
            # utf-8-sig: a spreadsheet's "CSV UTF-8" export starts with a byte-order mark
            with path.open(encoding="utf-8-sig", newline="") as lines:
                yield from csv_records(lines)
        else:
            yield from _batch_records(path.read_bytes())
    except BatchError as exc:
        raise LoadError(path, exc.where, exc.reason) from exc


def _batch_records(data: bytes) -> Iterator[Record]:
    try:
        batch = msgspec.json.decode(data, type=Batch)
    except msgspec.DecodeError as exc:
        raise BatchError("file", InvalidField("file", str(exc)), str(exc)) from exc
    for index, source in enumerate(batch.sources):
        yield f"$.sources[{index}]", source
    for index, claim in enumerate(batch.claims):
        yield f"$.claims[{index}]", claim


def ndjson_records(lines: Iterable[bytes]) -> Iterator[Record]:
    """One claim body per line; a line that is not one is a BatchError naming the line."""
    decoder = msgspec.json.Decoder(ClaimIn)
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            yield f"line {number}", decoder.decode(line)
        except msgspec.DecodeError as exc:
            raise BatchError(f"line {number}", InvalidField(f"line {number}", str(exc)), str(exc)) from exc


def array_records(data: bytes) -> Iterator[Record]:
    """A JSON array of claim bodies; the first that is not one is a BatchError naming its index."""
    try:
        items = msgspec.json.decode(data, type=list[msgspec.Raw])
    except msgspec.DecodeError as exc:
        raise BatchError("$", InvalidField("body", str(exc)), str(exc)) from exc
    decoder = msgspec.json.Decoder(ClaimIn)
    for index, item in enumerate(items):
        try:
            yield f"$[{index}]", decoder.decode(item)
        except msgspec.DecodeError as exc:
            raise BatchError(f"$[{index}]", InvalidField(f"[{index}]", str(exc)), str(exc)) from exc


__all__ = ["LoadError", "LoadReport", "load_directory", "store_file", "file_records"]
