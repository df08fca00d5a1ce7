"""The claim store: one DuckDB file with ``sources`` and ``claims``.

Every write runs in a transaction under one lock, so a failed request or a bad
line in a loaded file leaves nothing half-written.  Queries take parameters;
no value from a client is ever pasted into SQL.

Besides what a claim says, each row keeps what the rule compiler joins on:
month indexes of the period and its base, the breakdown's dimensions as one
key, and ``scale``, the factor to pint's base magnitudes (percent -> 0.01).
"""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path
from collections.abc import Iterator, Sequence
from typing import Any

import duckdb
import msgspec

from service.claims import Claim, ClaimIn, IntervalOut, category_key
from service.errors import Conflict, InvalidField, NotFound
from service.periods import Period
from service.sources import Source
from service.units import base_factor

SCHEMA = """
CREATE TABLE IF NOT EXISTS sources (
    id VARCHAR PRIMARY KEY,
    title VARCHAR NOT NULL,
    outlet VARCHAR NOT NULL,
    language VARCHAR NOT NULL,
    url VARCHAR,
    published DATE,
    speaker VARCHAR,
    rounding VARCHAR NOT NULL
);
CREATE SEQUENCE IF NOT EXISTS claim_seq;
CREATE TABLE IF NOT EXISTS claims (
    id VARCHAR PRIMARY KEY,
    seq BIGINT NOT NULL DEFAULT nextval('claim_seq'),
    source VARCHAR NOT NULL REFERENCES sources (id),
    quote VARCHAR NOT NULL,
    subject VARCHAR NOT NULL,
    breakdown JSON NOT NULL,
    breakdown_key VARCHAR NOT NULL,
    breakdown_dims VARCHAR NOT NULL,
    measure VARCHAR NOT NULL,
    period VARCHAR NOT NULL,
    period_start INTEGER NOT NULL,
    period_end INTEGER NOT NULL,
    compared_to VARCHAR,
    compared_start INTEGER,
    compared_end INTEGER,
    figure VARCHAR NOT NULL,
    qualifier VARCHAR,
    printed VARCHAR NOT NULL,
    lo DOUBLE,
    hi DOUBLE,
    unit VARCHAR,
    scale DOUBLE,
    text VARCHAR,
    text_key VARCHAR,
    reading JSON NOT NULL
);
"""

_SOURCE_COLUMNS = ("id", "title", "outlet", "language", "url", "published", "speaker", "rounding")
_CLAIM_FILTERS = ("subject", "measure", "period", "source")
_INF = float("inf")


class Store:
    """A DuckDB file holding sources and claims; safe to share between request threads."""

    def __init__(self, path: str) -> None:
        self.path = path
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._connection = duckdb.connect(path)
        self._lock = threading.RLock()
        self._connection.execute(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._connection.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @contextlib.contextmanager
    def transaction(self, commit: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
        """Run a unit of work; ``commit=False`` rolls back even on success (a "what if")."""
        with self._lock:
            self._connection.execute("BEGIN TRANSACTION")
            try:
                yield self._connection
            except BaseException:
                self._connection.execute("ROLLBACK")
                raise
            self._connection.execute("COMMIT" if commit else "ROLLBACK")

    def query(self, sql: str, parameters: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._connection.execute(sql, list(parameters)).fetchall()

    # sources

    def add_source(self, source: Source, connection: duckdb.DuckDBPyConnection | None = None) -> None:
        with self._within(connection) as conn:
            if self.find_source(source.id, conn) is not None:
                raise Conflict("id", f"a source with id {source.id!r} is stored already")
            values = [getattr(source, column) for column in _SOURCE_COLUMNS]
            conn.execute(f"INSERT INTO sources VALUES ({', '.join('?' * len(values))})", values)

    def find_source(self, source_id: str, connection: duckdb.DuckDBPyConnection | None = None) -> Source | None:
        with self._within(connection) as conn:
            row = conn.execute(f"SELECT {', '.join(_SOURCE_COLUMNS)} FROM sources WHERE id = ?", [source_id]).fetchone()
        return _source_from_row(row) if row else None

    def get_source(self, source_id: str) -> Source:
        if (source := self.find_source(source_id)) is None:
            raise NotFound("source", source_id)
        return source

    def source_of(self, claim: ClaimIn, connection: duckdb.DuckDBPyConnection | None = None) -> Source:
        """The source a posted claim names; an unknown one is the client's field to fix."""
        if (source := self.find_source(claim.source, connection)) is None:
            raise InvalidField("source", f"no source with id {claim.source!r}: POST /sources first")
        return source

    def list_sources(self) -> list[Source]:
        rows = self.query(f"SELECT {', '.join(_SOURCE_COLUMNS)} FROM sources ORDER BY id")
        return [_source_from_row(row) for row in rows]

    # claims

    def add_claim(self, claim: Claim, connection: duckdb.DuckDBPyConnection | None = None) -> None:
        with self._within(connection) as conn:
            if self.has_claim(claim.id, conn):
                raise Conflict("quote", f"this claim is stored already as {claim.id}")
            row = _claim_row(claim)
            columns = ", ".join(row)
            conn.execute(f"INSERT INTO claims ({columns}) VALUES ({', '.join('?' * len(row))})", list(row.values()))

    def has_claim(self, claim_id: str, connection: duckdb.DuckDBPyConnection | None = None) -> bool:
        with self._within(connection) as conn:
            return conn.execute("SELECT 1 FROM claims WHERE id = ?", [claim_id]).fetchone() is not None

    def get_claim(self, claim_id: str) -> Claim:
        claims = self.claims_by_id([claim_id])
        if not claims:
            raise NotFound("claim", claim_id)
        return claims[claim_id]

    def claims_by_id(self, ids: Sequence[str], connection: duckdb.DuckDBPyConnection | None = None) -> dict[str, Claim]:
        if not ids:
            return {}
        with self._within(connection) as conn:
            rows = conn.execute(f"SELECT {_CLAIM_SELECT} FROM claims WHERE list_contains(?, id)", [list(ids)]).fetchall()
        return {row[0]: _claim_from_row(row) for row in rows}

    def list_claims(self, **filters: str | None) -> list[Claim]:
        conditions, parameters = [], []
        for name in _CLAIM_FILTERS:
            if (value := filters.get(name)) is not None:
                conditions.append(f"{name} = ?")
                parameters.append(str(Period.parse(value)) if name == "period" else value)
        where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
        rows = self.query(f"SELECT {_CLAIM_SELECT} FROM claims {where} ORDER BY seq", parameters)
        return [_claim_from_row(row) for row in rows]

    def count_claims(self) -> int:
        return self.query("SELECT count(*) FROM claims")[0][0]

    @contextlib.contextmanager
    def _within(self, connection: duckdb.DuckDBPyConnection | None) -> Iterator[duckdb.DuckDBPyConnection]:
        if connection is not None:
            yield connection
        else:
            with self.transaction() as conn:
                yield conn


_CLAIM_SELECT = (
    "id, source, quote, subject, breakdown, measure, period, compared_to, figure, lo, hi, unit, text, qualifier, printed, reading"
)


def _claim_row(claim: Claim) -> dict[str, Any]:
    period = Period.parse(claim.period)
    base = Period.parse(claim.compared_to) if claim.compared_to else None
    interval = claim.interval.to_interval() if claim.interval else None
    return {
        "id": claim.id,
        "source": claim.source,
        "quote": claim.quote,
        "subject": claim.subject,
        "breakdown": msgspec.json.encode(claim.breakdown).decode(),
        "breakdown_key": ",".join(f"{k}={v}" for k, v in sorted(claim.breakdown.items())),
        "breakdown_dims": ",".join(sorted(claim.breakdown)),
        "measure": claim.measure,
        "period": claim.period,
        "period_start": period.start,
        "period_end": period.end,
        "compared_to": claim.compared_to,
        "compared_start": base.start if base else None,
        "compared_end": base.end if base else None,
        "figure": claim.figure,
        "qualifier": claim.qualifier,
        "printed": claim.printed,
        "lo": interval.lo if interval else None,
        "hi": interval.hi if interval else None,
        "unit": claim.interval.unit if claim.interval else None,
        "scale": base_factor(claim.interval.unit) if claim.interval else None,
        "text": claim.text,
        "text_key": category_key(claim.text) if claim.text is not None else None,
        "reading": msgspec.json.encode(claim.reading).decode(),
    }


def _claim_from_row(row: tuple[Any, ...]) -> Claim:
    (claim_id, source, quote, subject, breakdown, measure, period, compared_to, figure, lo, hi, unit, text, qualifier, printed, reading) = row
    interval = None
    if unit is not None:
        interval = IntervalOut(lo if lo not in (-_INF, _INF) else None, hi if hi not in (-_INF, _INF) else None, unit)
    return Claim(
        id=claim_id,
        source=source,
        quote=quote,
        subject=subject,
        breakdown=msgspec.json.decode(breakdown),
        measure=measure,
        period=period,
        compared_to=compared_to,
        figure=figure,
        interval=interval,
        text=text,
        qualifier=qualifier,
        printed=printed,
        reading=msgspec.json.decode(reading),
    )


def _source_from_row(row: tuple[Any, ...]) -> Source:
    values = {column: value for column, value in zip(_SOURCE_COLUMNS, row) if value is not None}
    return msgspec.convert(values, Source)
