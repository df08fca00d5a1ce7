"""The claim store: one DuckDB file with ``sources``, ``claims`` and ``verdicts``.

Every write runs in a transaction under one lock, so a failed request or a bad
line in a loaded file leaves nothing half-written.  Queries take parameters;
no value from a client is ever pasted into SQL.

Besides what a claim says, each row keeps what the rule compiler joins on:
month indexes of the period and its base, the breakdown's dimensions as one
key, and ``scale``, the factor to pint's base magnitudes (percent -> 0.01).

``verdicts`` holds every verdict of the rules in force, as executors return it
(``VerdictRow``: rule, claim ids by role, status, margin, the check's two sides)
and when it first appeared.  It is recomputed whole from the rules' SQL and kept
current, claim by claim, with the rows the in-process executor finds.

This is the only module that talks to DuckDB.
"""

from __future__ import annotations

import contextlib
import datetime
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Generic, TypeVar

import duckdb
import msgspec
import pyarrow as pa

from service.claims import Claim, ClaimIn, IntervalOut, category_key
from service.errors import Conflict, InvalidField, NotFound
from service.periods import Period
from service.rules.plan import CLAIM_COLUMNS, VerdictRow, breakdown_key
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
CREATE INDEX IF NOT EXISTS claims_subject ON claims (subject);
CREATE TABLE IF NOT EXISTS verdicts (
    id VARCHAR PRIMARY KEY,
    rule VARCHAR NOT NULL,
    roles JSON NOT NULL,
    claim_ids VARCHAR[] NOT NULL,
    status VARCHAR NOT NULL,
    margin DOUBLE,
    margin_unit VARCHAR,
    left_lo DOUBLE,
    left_hi DOUBLE,
    right_lo DOUBLE,
    right_hi DOUBLE,
    first_seen TIMESTAMP WITH TIME ZONE NOT NULL
);
-- what the store was last computed with (the rules' fingerprint for the verdicts)
CREATE TABLE IF NOT EXISTS settings (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);
"""

# The verdicts table's columns that executors fill (all but first_seen), in order.
VERDICT_FIELDS = ("id", "rule", "roles", "claim_ids", "status", "margin", "margin_unit", "left_lo", "left_hi", "right_lo", "right_hi")
_VERDICT_TYPES = ("VARCHAR", "VARCHAR", "JSON", "VARCHAR[]", "VARCHAR", "DOUBLE", "VARCHAR", "DOUBLE", "DOUBLE", "DOUBLE", "DOUBLE")
_STATUS_ORDER = ("contradicted", "unverifiable", "consistent")

T = TypeVar("T")
_SOURCE_COLUMNS = ("id", "title", "outlet", "language", "url", "published", "speaker", "rounding")
_SOURCE_TYPES = ("VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR", "DATE", "VARCHAR", "VARCHAR")
_CLAIM_FILTERS = ("subject", "measure", "period", "source")
_INF = float("inf")


class Page(msgspec.Struct, Generic[T]):
    """One page of a listing, and how many items match in all."""

    items: list[T]
    total: int


class Store:
    """A DuckDB file holding sources, claims and verdicts; safe to share between request threads."""

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

    def query(self, sql: str, parameters: Sequence[Any] | dict[str, Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._connection.execute(sql, parameters if isinstance(parameters, dict) else list(parameters)).fetchall()

    # sources

    def add_source(self, source: Source, connection: duckdb.DuckDBPyConnection | None = None) -> None:
        with self._within(connection) as conn:
            if not self.add_sources([source], conn):
                raise Conflict("id", f"a source with id {source.id!r} is stored already")

    def add_sources(self, sources: Sequence[Source], connection: duckdb.DuckDBPyConnection) -> int:
        """Store the sources not stored yet, in one statement; how many were new."""
        return _insert_new(connection, "sources", _SOURCE_COLUMNS, _SOURCE_TYPES, [[getattr(s, c) for c in _SOURCE_COLUMNS] for s in sources])

    def find_source(self, source_id: str, connection: duckdb.DuckDBPyConnection | None = None) -> Source | None:
        with self._within(connection) as conn:
            rows = conn.execute(f"SELECT {', '.join(_SOURCE_COLUMNS)} FROM sources WHERE id = ?", [source_id]).fetchall()
        return _source_from_row(rows[0]) if rows else None

    def sources_by_id(self, ids: Sequence[str], connection: duckdb.DuckDBPyConnection | None = None) -> dict[str, Source]:
        with self._within(connection) as conn:
            rows = conn.execute(f"SELECT {', '.join(_SOURCE_COLUMNS)} FROM sources WHERE id IN (SELECT unnest(?))", [list(ids)]).fetchall()
        return {row[0]: _source_from_row(row) for row in rows}

    def get_source(self, source_id: str) -> Source:
        if (source := self.find_source(source_id)) is None:
            raise NotFound("source", source_id)
        return source

    def source_of(self, claim: ClaimIn, connection: duckdb.DuckDBPyConnection | None = None) -> Source:
        """The source a posted claim names; an unknown one is the client's field to fix."""
        if (source := self.find_source(claim.source, connection)) is None:
            raise InvalidField("source", f"no source with id {claim.source!r}: POST /sources first")
        return source

    def list_sources(self, limit: int | None = None, offset: int = 0) -> Page[Source]:
        rows = self.query(
            f"SELECT {', '.join(_SOURCE_COLUMNS)}, count(*) OVER () FROM sources ORDER BY id LIMIT ? OFFSET ?", [limit, offset]
        )
        total = rows[0][-1] if rows else self.query("SELECT count(*) FROM sources")[0][0]
        return Page([_source_from_row(row[:-1]) for row in rows], total)

    # claims

    def add_claim(self, claim: Claim, connection: duckdb.DuckDBPyConnection | None = None) -> None:
        """Store one claim; Conflict if a claim with its id is stored already."""
        with self._within(connection) as conn:
            if not self.add_claims([claim], conn):
                raise Conflict("quote", f"this claim is stored already as {claim.id}")

    def add_claims(self, claims: Sequence[Claim], connection: duckdb.DuckDBPyConnection) -> list[str]:
        """Store the claims not stored yet in one statement (list parameters, not a row at a time); the new ids."""
        rows = [list(_claim_row(claim).values()) for claim in claims]
        return _insert_new(connection, "claims", _CLAIM_ROW_COLUMNS, _CLAIM_ROW_TYPES, rows, returning=True)

    def has_claim(self, claim_id: str, connection: duckdb.DuckDBPyConnection | None = None) -> bool:
        with self._within(connection) as conn:
            return bool(conn.execute("SELECT 1 FROM claims WHERE id = ?", [claim_id]).fetchall())

    def get_claim(self, claim_id: str) -> Claim:
        claims = self.claims_by_id([claim_id])
        if not claims:
            raise NotFound("claim", claim_id)
        return claims[claim_id]

    def claims_by_id(self, ids: Sequence[str], connection: duckdb.DuckDBPyConnection | None = None) -> dict[str, Claim]:
        if not ids:
            return {}
        with self._within(connection) as conn:
            rows = conn.execute(f"SELECT {_CLAIM_SELECT} FROM claims WHERE id IN (SELECT unnest(?))", [list(ids)]).fetchall()
        return {row[0]: _claim_from_row(row) for row in rows}

    def list_claims(self, limit: int | None = None, offset: int = 0, **filters: str | None) -> Page[Claim]:
        conditions, parameters = [], []
        for name in _CLAIM_FILTERS:
            if (value := filters.get(name)) is not None:
                conditions.append(f"{name} = ?")
                parameters.append(str(Period.parse(value)) if name == "period" else value)
        where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
        rows = self.query(f"SELECT {_CLAIM_SELECT}, count(*) OVER () FROM claims {where} ORDER BY seq LIMIT ? OFFSET ?", [*parameters, limit, offset])
        total = rows[0][-1] if rows else self.query(f"SELECT count(*) FROM claims {where}", parameters)[0][0]
        return Page([_claim_from_row(row[:-1]) for row in rows], total)

    def count_claims(self) -> int:
        return self.query("SELECT count(*) FROM claims")[0][0]

    def neighbourhood(self, condition: str, parameters: dict[str, Any], connection: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
        """Claim rows in ``CLAIM_COLUMNS`` order matching a condition built by ``sql.neighbourhood_condition``."""
        return connection.execute(f"SELECT {', '.join(CLAIM_COLUMNS)} FROM claims WHERE {condition}", parameters).fetchall()

    # verdicts

    def replace_verdicts(self, rule_queries: Sequence[tuple[str, str]], connection: duckdb.DuckDBPyConnection) -> dict[str, float]:
        """Recompute the whole table from each rule's query (verdict-table columns); seconds per rule.

        A verdict found again keeps the time it first appeared; one no longer found is removed.
        """
        timings = {}
        connection.execute(f"CREATE OR REPLACE TEMP TABLE fresh_verdicts AS SELECT {', '.join(VERDICT_FIELDS)} FROM verdicts LIMIT 0")
        for rule_id, query in rule_queries:
            started = time.perf_counter()
            connection.execute(f"INSERT INTO fresh_verdicts {query}")
            timings[rule_id] = time.perf_counter() - started
        # One pass that keeps each verdict's first_seen, then a plain insert: DuckDB's
        # INSERT ... ON CONFLICT DO UPDATE costs ~1 ms a row (9 s for 10k claims' verdicts).
        connection.execute(
            "CREATE OR REPLACE TEMP TABLE kept_verdicts AS SELECT fresh.*, coalesce(verdicts.first_seen, now()) AS first_seen "
            "FROM fresh_verdicts AS fresh LEFT JOIN verdicts USING (id)"
        )
        connection.execute("DELETE FROM verdicts")
        connection.execute("INSERT INTO verdicts SELECT * FROM kept_verdicts")
        connection.execute("DROP TABLE kept_verdicts")
        connection.execute("DROP TABLE fresh_verdicts")
        return timings

    def verdict_rows(self, query: str) -> list[VerdictRow]:
        """The rows of one rule's verdict query, read without storing them."""
        return [_verdict_from_row(row) for row in self.query(query)]

    def upsert_verdicts(self, rows: Sequence[VerdictRow], superseded: Sequence[str], connection: duckdb.DuckDBPyConnection) -> None:
        """Write one claim's verdicts in one statement; drop those a new claim superseded."""
        if superseded:
            connection.execute("DELETE FROM verdicts WHERE id IN (SELECT unnest(?))", [list(superseded)])
        if not rows:
            return
        values = [_verdict_values(row) for row in rows]
        columns = [list(column) for column in zip(*values)]
        unnested = ", ".join(f"unnest(?::{t}[])" for t in _VERDICT_TYPES)
        connection.execute(
            f"INSERT INTO verdicts SELECT *, now() FROM (SELECT {unnested}) ON CONFLICT (id) DO UPDATE SET {_VERDICT_UPDATES}", columns
        )

    def list_verdicts(
        self,
        rule_order: Sequence[str],
        status: str | None = None,
        rule: str | None = None,
        subject: str | None = None,
        claim: str | None = None,
        limit: int | None = None,
        offset: int = 0,
        connection: duckdb.DuckDBPyConnection | None = None,
    ) -> Page[tuple[VerdictRow, datetime.datetime]]:
        """Stored verdicts, contradictions first, then in rule order; filters run in SQL."""
        conditions, parameters = ["list_contains(?, rule)"], [list(rule_order)]
        if status is not None:
            conditions.append("status = ?")
            parameters.append(status)
        if rule is not None:
            conditions.append("rule = ?")
            parameters.append(rule)
        if claim is not None:
            conditions.append("list_contains(claim_ids, ?)")
            parameters.append(claim)
        if subject is not None:
            conditions.append("list_has_any(claim_ids, (SELECT list(id) FROM claims WHERE subject = ?))")
            parameters.append(subject)
        where = " AND ".join(conditions)
        with self._within(connection) as conn:
            rows = conn.execute(
                f"SELECT {', '.join(VERDICT_FIELDS)}, first_seen, count(*) OVER () FROM verdicts WHERE {where} "
                "ORDER BY list_position(?, status), list_position(?, rule), id LIMIT ? OFFSET ?",
                [*parameters, list(_STATUS_ORDER), list(rule_order), limit, offset],
            ).fetchall()
            total = rows[0][-1] if rows else conn.execute(f"SELECT count(*) FROM verdicts WHERE {where}", parameters).fetchall()[0][0]
        return Page([(_verdict_from_row(row[:-2]), row[-2]) for row in rows], total)

    def get_verdict(self, verdict_id: str) -> tuple[VerdictRow, datetime.datetime]:
        rows = self.query(f"SELECT {', '.join(VERDICT_FIELDS)}, first_seen FROM verdicts WHERE id = ?", [verdict_id])
        if not rows:
            raise NotFound("verdict", verdict_id)
        return _verdict_from_row(rows[0][:-1]), rows[0][-1]

    def setting(self, key: str) -> str | None:
        rows = self.query("SELECT value FROM settings WHERE key = ?", [key])
        return rows[0][0] if rows else None

    def set_setting(self, key: str, value: str, connection: duckdb.DuckDBPyConnection) -> None:
        connection.execute("INSERT INTO settings VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [key, value])

    def verdict_counts(self) -> dict[tuple[str, str], int]:
        """{(rule, status): number of verdicts}."""
        return {(rule, status): n for rule, status, n in self.query("SELECT rule, status, count(*) FROM verdicts GROUP BY ALL")}

    @contextlib.contextmanager
    def _within(self, connection: duckdb.DuckDBPyConnection | None) -> Iterator[duckdb.DuckDBPyConnection]:
        if connection is not None:
            yield connection
        else:
            with self.transaction() as conn:
                yield conn


_VERDICT_UPDATES = ", ".join(f"{c} = excluded.{c}" for c in VERDICT_FIELDS[1:])


_ARROW_TYPES = {
    "VARCHAR": pa.string(),
    "JSON": pa.string(),
    "INTEGER": pa.int32(),
    "DOUBLE": pa.float64(),
    "DATE": pa.date32(),
    "VARCHAR[]": pa.list_(pa.string()),
}


def _insert_new(
    connection: duckdb.DuckDBPyConnection,
    table: str,
    columns: Sequence[str],
    types: Sequence[str],
    rows: Sequence[Sequence[Any]],
    returning: bool = False,
) -> Any:
    """INSERT the rows whose id is not stored yet, as one statement over an Arrow table.

    DuckDB scans Arrow columns in bulk; a statement per row costs milliseconds each
    (its parse and plan), and binding Python lists as parameters converts every value
    on its own (27 % of a 100k load in a profile).
    """
    if not rows:
        return [] if returning else 0
    arrays = [pa.array(list(values), type=_ARROW_TYPES[t]) for values, t in zip(zip(*rows), types)]
    incoming = pa.Table.from_arrays(arrays, names=list(columns))
    connection.register("incoming_rows", incoming)
    try:
        casts = ", ".join(f"CAST({c} AS {t}) AS {c}" if t == "JSON" else c for c, t in zip(columns, types))
        sql = (
            f"INSERT INTO {table} ({', '.join(columns)}) SELECT {casts} FROM incoming_rows "
            f"WHERE id NOT IN (SELECT id FROM {table})"
        )
        if returning:
            return [row[0] for row in connection.execute(sql + " RETURNING id").fetchall()]
        return connection.execute(sql).fetchall()[0][0]
    finally:
        connection.unregister("incoming_rows")


def _verdict_values(row: VerdictRow) -> list[Any]:
    left, right = row.left or (None, None), row.right or (None, None)
    claim_ids = [claim_id for ids in row.roles.values() for claim_id in ids]
    roles = msgspec.json.encode(row.roles).decode()
    return [row.id, row.rule, roles, claim_ids, row.status, row.margin, row.margin_unit, *left, *right]


def _verdict_from_row(row: Sequence[Any]) -> VerdictRow:
    (verdict_id, rule, roles, _claim_ids, status, margin, margin_unit, left_lo, left_hi, right_lo, right_hi) = row
    return VerdictRow(
        id=verdict_id,
        rule=rule,
        roles=msgspec.json.decode(roles),
        status=status,
        margin=margin,
        margin_unit=margin_unit,
        left=None if left_lo is None else (left_lo, left_hi),
        right=None if right_lo is None else (right_lo, right_hi),
    )


_CLAIM_SELECT = (
    "id, source, quote, subject, breakdown, measure, period, compared_to, figure, lo, hi, unit, text, qualifier, printed, reading"
)


_CLAIM_ROW_COLUMNS = (
    "id", "source", "quote", "subject", "breakdown", "breakdown_key", "breakdown_dims", "measure", "period",
    "period_start", "period_end", "compared_to", "compared_start", "compared_end", "figure", "qualifier", "printed",
    "lo", "hi", "unit", "scale", "text", "text_key", "reading",
)  # fmt: skip
_CLAIM_ROW_TYPES = (
    "VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR", "JSON", "VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR",
    "INTEGER", "INTEGER", "VARCHAR", "INTEGER", "INTEGER", "VARCHAR", "VARCHAR", "VARCHAR",
    "DOUBLE", "DOUBLE", "VARCHAR", "DOUBLE", "VARCHAR", "VARCHAR", "JSON",
)  # fmt: skip


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
        "breakdown_key": breakdown_key(claim.breakdown),
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
