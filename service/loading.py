"""Loading files of sources and claims: the fixtures at start-up, ``tally load`` by hand.

A file is either one JSON object ``{"sources": [...], "claims": [...]}`` or
NDJSON, one claim body per line, each exactly as ``POST /claims`` takes it.
Each file is one transaction: a bad line is reported with its line number and
nothing of that file is stored.  Records already stored under the same id are
skipped, so loading the fixtures into an existing store twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import msgspec
from duckdb import DuckDBPyConnection

from service.claims import ClaimIn, build_claim
from service.errors import ClientError
from service.sources import Source, SourceIn
from service.store import Store


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


Progress = Callable[[int, int], None]  # (done, total)


def load_file(store: Store, path: Path, progress: Progress | None = None) -> LoadReport:
    """Store every source and claim of one file, all or nothing."""
    records = list(_records(path))
    report = LoadReport(path=str(path))
    with store.transaction() as connection:
        for done, (where, record) in enumerate(records, start=1):
            try:
                _store_record(store, connection, record, report)
            except ClientError as exc:
                raise LoadError(path, where, exc.detail) from exc
            if progress:
                progress(done, len(records))
    return report


def load_directory(store: Store, directory: Path, progress: Progress | None = None) -> list[LoadReport]:
    """Every ``*.json`` and ``*.ndjson`` file of a folder, in name order (a file per transaction)."""
    paths = sorted(p for p in directory.iterdir() if p.suffix in {".json", ".ndjson", ".jsonl"})
    return [load_file(store, path, progress) for path in paths]


def _records(path: Path) -> Iterator[tuple[str, SourceIn | ClaimIn]]:
    data = path.read_bytes()
    if path.suffix in {".ndjson", ".jsonl"}:
        return _ndjson_records(path, data)
    return _batch_records(path, data)


def _batch_records(path: Path, data: bytes) -> Iterator[tuple[str, SourceIn | ClaimIn]]:
    try:
        batch = msgspec.json.decode(data, type=Batch)
    except msgspec.DecodeError as exc:
        raise LoadError(path, "file", str(exc)) from exc
    for index, source in enumerate(batch.sources):
        yield f"$.sources[{index}]", source
    for index, claim in enumerate(batch.claims):
        yield f"$.claims[{index}]", claim


def _ndjson_records(path: Path, data: bytes) -> Iterator[tuple[str, SourceIn | ClaimIn]]:
    decoder = msgspec.json.Decoder(ClaimIn)
    for number, line in enumerate(data.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield f"line {number}", decoder.decode(line)
        except msgspec.DecodeError as exc:
            raise LoadError(path, f"line {number}", str(exc)) from exc


def _store_record(store: Store, connection: DuckDBPyConnection, record: SourceIn | ClaimIn, report: LoadReport) -> None:
    if isinstance(record, SourceIn):
        if store.find_source(record.id, connection) is not None:
            report.skipped += 1
            return
        store.add_source(Source(**msgspec.structs.asdict(record)), connection)
        report.sources_added += 1
        return
    claim = build_claim(record, store.source_of(record, connection))
    if store.has_claim(claim.id, connection):
        report.skipped += 1
        return
    store.add_claim(claim, connection)
    report.claims_added += 1
