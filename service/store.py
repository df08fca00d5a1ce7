"""The claim store: one DuckDB file with ``sources``, ``claims`` and ``verdicts``.

Every write runs in a transaction under one lock, so a failed request or a bad
line in a loaded file leaves nothing half-written.  Queries take parameters;
no value from a client is ever pasted into SQL.

One process opens a store file at a time (DuckDB's lock); a second one gets
:class:`StoreLocked`, naming the process that has it.  The file records its
schema version (``settings.schema_version``): opening an older store migrates
it, and a store written by a newer Tally is refused (``MIGRATIONS``).

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
import operator
import re
import threading
import time
from dataclasses import dataclass
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Generic, NamedTuple, Protocol, TypeVar

import duckdb
import msgspec
import pyarrow as pa

from service import __version__
from service.claims import Claim, ClaimIn, IntervalOut, Warning, Withdrawal, category_key
from service.errors import Conflict, InvalidField, NotFound, StoreLocked, StoreUnavailable
from service.origins import Origin
from service.periods import Period
from service.reasons import N_, Quoted, Reason
from service.rules.plan import CLAIM_COLUMNS, FIGURE_COLUMNS, RELEASE_KEYS, VerdictRow, breakdown_key, figure_key
from service.rules.sql import CLAIMS, READINGS, readings_select
from service.sources import Source
from service.units import CANONICAL_UNITS, base_factor
from service.verdicts import STATUS_ORDER

_VERDICTS_COLUMNS_4 = """
    id VARCHAR NOT NULL,
    rule VARCHAR NOT NULL,
    claim_ids VARCHAR[] NOT NULL,
    role_sizes INTEGER[] NOT NULL,
    status VARCHAR NOT NULL,
    margin DOUBLE,
    margin_unit VARCHAR,
    left_lo DOUBLE,
    left_hi DOUBLE,
    right_lo DOUBLE,
    right_hi DOUBLE,
    first_seen TIMESTAMP WITH TIME ZONE NOT NULL
"""
# ``subject``: the subject every claim of the verdict is about, NULL when they span several
# (a rule naming ``ma.regions``).  It finds the verdicts of some subjects without unnesting
# every verdict's claims: 0.85 s for a retraction's subjects at 1M claims (4M verdicts), 0.05 s by this column.
_VERDICTS_COLUMNS = _VERDICTS_COLUMNS_4 + """,
    subject VARCHAR
"""
# A unique index, not a primary key: DuckDB deletes from a primary key's index a row at
# a time (7.7 s for 528k verdicts), while a whole recompute drops and rebuilds this one.


def _verdicts_table(replace: bool = False, columns: str = _VERDICTS_COLUMNS) -> str:
    create = "CREATE OR REPLACE TABLE" if replace else "CREATE TABLE IF NOT EXISTS"
    return f"{create} verdicts ({columns});\nCREATE UNIQUE INDEX IF NOT EXISTS verdicts_id ON verdicts (id);"


SCHEMA = """
CREATE TABLE IF NOT EXISTS sources (
    id VARCHAR PRIMARY KEY,
    title VARCHAR NOT NULL,
    outlet VARCHAR NOT NULL,
    language VARCHAR NOT NULL,
    url VARCHAR,
    published DATE,
    speaker VARCHAR,
    rounding VARCHAR NOT NULL,
    weight DOUBLE NOT NULL DEFAULT 1
);
-- a store made before sources had a weight: each of its sources weighs 1
ALTER TABLE sources ADD COLUMN IF NOT EXISTS weight DOUBLE DEFAULT 1;
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
    reading JSON NOT NULL,
    withdrawn_by VARCHAR,
    withdrawn_reason VARCHAR,
    withdrawn_at TIMESTAMP WITH TIME ZONE,
    superseded_by VARCHAR,
    corrects VARCHAR
);
-- a store made before claims could be withdrawn: every claim is in force
ALTER TABLE claims ADD COLUMN IF NOT EXISTS withdrawn_by VARCHAR;
ALTER TABLE claims ADD COLUMN IF NOT EXISTS withdrawn_reason VARCHAR;
ALTER TABLE claims ADD COLUMN IF NOT EXISTS withdrawn_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE claims ADD COLUMN IF NOT EXISTS superseded_by VARCHAR;
ALTER TABLE claims ADD COLUMN IF NOT EXISTS corrects VARCHAR;
-- No index on subject: DuckDB's index scan fetches rows one by one (10 ms for a subject's
-- 380 claims at 100k), slower than a scan; bulk loads insert claims sorted by subject
-- instead, so that row groups' min/max let a scan skip all but the subject's own.
DROP INDEX IF EXISTS claims_subject;
-- what the store was last computed with (the rules' fingerprint for the verdicts)
CREATE TABLE IF NOT EXISTS settings (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);
"""
# What every rule reads: the claims in force.  A retracted or superseded claim is kept
# (withdrawn_at is set for both) but no rule's SQL, and no neighbourhood, ever sees it.
SCHEMA += f"CREATE OR REPLACE VIEW {CLAIMS} AS SELECT * FROM claims WHERE withdrawn_at IS NULL;\n"

# The version of the schema this code reads and writes, kept in the store's settings table.
# Opening a store runs, in one transaction, every migration above the version it records;
# once released, a migration never changes: a new schema is a new entry.  Version 1 is the
# schema of release 0.1.0, the first to record a version: it brings a store made before
# versions were recorded up to date (each statement of SCHEMA adds only what is missing).
# A store that records a higher version was written by a newer Tally and is refused: read
# by code that does not know its columns, it could only be misread or damaged.
SCHEMA_VERSION = 5
# Version 2 (issue 19): where a figure comes from (origin) and which of its releases printed
# it, the origins' display names, and the unit a claim gave beside a figure that leaves it
# unsaid ("3,6 milliards", MAD).  A store made before has none of them: every claim was its
# own origin and every figure printed its own unit.  The view is made again so that its *
# holds the new columns.
_VERSION_2 = f"""
ALTER TABLE claims ADD COLUMN IF NOT EXISTS origin VARCHAR;
ALTER TABLE claims ADD COLUMN IF NOT EXISTS released VARCHAR;
ALTER TABLE claims ADD COLUMN IF NOT EXISTS figure_unit VARCHAR;
CREATE TABLE IF NOT EXISTS origins (id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, url VARCHAR);
CREATE OR REPLACE VIEW {CLAIMS} AS SELECT * FROM claims WHERE withdrawn_at IS NULL;
"""
# Version 3: the direction a claim gave beside a change whose sentence prints it apart from
# the figure ("تراجعت الصادرات بنسبة 3 في المائة": down).  A store made before has none.
_VERSION_3 = f"""
ALTER TABLE claims ADD COLUMN IF NOT EXISTS figure_direction VARCHAR;
CREATE OR REPLACE VIEW {CLAIMS} AS SELECT * FROM claims WHERE withdrawn_at IS NULL;
"""


def _version_4(connection: duckdb.DuckDBPyConnection) -> None:
    """Version 4 (issue 21): verdicts bind readings, not claims (``plan.READING_COLUMNS``).

    Each claim gets its figure's key (``plan.figure_key``, computed here in Python as on every
    insert), the views of readings are made, and the verdicts table takes each role's size;
    its verdicts, keyed by claim ids, cannot be read in the new shape, so they are set aside
    (``verdicts_before_4``: when each was first seen) and the rules' fingerprint is forgotten:
    the next start or check recomputes them, once, under new ids, each keeping the first_seen
    of the verdicts it gathers (``Store.replace_verdicts``).
    """
    connection.execute("ALTER TABLE claims ADD COLUMN IF NOT EXISTS figure_key VARCHAR").fetchall()
    rows = connection.execute(f"SELECT id, {', '.join(FIGURE_COLUMNS)} FROM claims").fetchall()
    keys = [(row[0], figure_key(dict(zip(FIGURE_COLUMNS, row[1:])))) for row in rows]
    if keys:
        connection.register("figure_keys", pa.table({"id": [k[0] for k in keys], "figure_key": [k[1] for k in keys]}))
        try:
            connection.execute("UPDATE claims SET figure_key = figure_keys.figure_key FROM figure_keys WHERE claims.id = figure_keys.id").fetchall()
        finally:
            connection.unregister("figure_keys")
    connection.execute(f"CREATE OR REPLACE VIEW {CLAIMS} AS SELECT * FROM claims WHERE withdrawn_at IS NULL").fetchall()
    connection.execute("CREATE OR REPLACE TABLE verdicts_before_4 AS SELECT rule, claim_ids, first_seen FROM verdicts").fetchall()
    connection.execute(_verdicts_table(replace=True, columns=_VERDICTS_COLUMNS_4)).fetchall()
    connection.execute(_READINGS_VIEWS).fetchall()
    connection.execute("DELETE FROM settings WHERE key = 'verdicts_rules'").fetchall()


# The readings every rule binds (sql.readings_select): views, which a recompute shadows with
# temporary tables of the same names so that they are grouped once for all the rules.
_READINGS_VIEWS = "".join(
    f"CREATE OR REPLACE VIEW {name} AS {readings_select(by_source).sql(dialect='duckdb')};\n" for by_source, name in READINGS.items()
)

# Verdicts recomputed after migration 4 keep when the claim-keyed verdicts they gather were
# first seen: per role, the earliest time any of its claims was in a verdict of the rule; the
# verdict, the latest of its roles' (a pair is seen once both figures are).  A verdict with a
# role no old verdict of the rule held is new: it keeps the time of the recompute.
_FIRST_SEEN_BEFORE_4 = """
UPDATE verdicts SET first_seen = gathered.first_seen FROM (
    SELECT id, max(seen) AS first_seen, count(seen) = count(*) AS known FROM (
        SELECT parts.id, parts.role, min(claim_seen.first_seen) AS seen FROM (
            SELECT id, rule, unnest(claim_ids) AS claim_id,
                   unnest(flatten(list_transform(range(len(role_sizes)), lambda i: list_transform(range(role_sizes[i + 1]), lambda j: i)))) AS role
            FROM verdicts) AS parts
        LEFT JOIN (SELECT rule, claim_id, min(first_seen) AS first_seen
                   FROM (SELECT rule, unnest(claim_ids) AS claim_id, first_seen FROM verdicts_before_4) GROUP BY ALL) AS claim_seen
               ON claim_seen.rule = parts.rule AND claim_seen.claim_id = parts.claim_id
        GROUP BY parts.id, parts.role)
    GROUP BY id) AS gathered
WHERE verdicts.id = gathered.id AND gathered.known;
DROP TABLE verdicts_before_4;
"""

# The subject the claims of each verdict in ``{verdicts}`` share (NULL when they span several), by verdict id.
_SHARED_SUBJECT = """
SELECT held.id, CASE WHEN count(DISTINCT claims.subject) = 1 THEN any_value(claims.subject) END AS subject
FROM (SELECT id, unnest(claim_ids) AS claim_id FROM {verdicts}) AS held JOIN claims ON claims.id = held.claim_id
GROUP BY held.id
"""
# Version 5: each verdict's subject (``_VERDICTS_COLUMNS``), read from its claims.
_VERSION_5 = f"""
ALTER TABLE verdicts ADD COLUMN IF NOT EXISTS subject VARCHAR;
UPDATE verdicts SET subject = shared.subject FROM ({_SHARED_SUBJECT.format(verdicts="verdicts")}) AS shared WHERE verdicts.id = shared.id;
"""

Migration = str | Callable[[duckdb.DuckDBPyConnection], None]
# Version 1's verdicts, keyed by claims (a released migration never changes: version 4 remakes them).
_VERDICTS_COLUMNS_1 = _VERDICTS_COLUMNS_4.replace("    role_sizes INTEGER[] NOT NULL,\n", "")
MIGRATIONS: dict[int, Migration] = {1: SCHEMA + _verdicts_table(columns=_VERDICTS_COLUMNS_1), 2: _VERSION_2, 3: _VERSION_3, 4: _version_4, 5: _VERSION_5}
_VERSION_KEY = "schema_version"

# A margin (in its unit) over the largest finite bound of the check's sides (base magnitudes).
_FACTOR_OF_UNIT = " ".join(f"WHEN '{unit}' THEN {base_factor(unit)!r}" for unit in CANONICAL_UNITS)
_LARGEST_SIDE = "greatest(" + ", ".join(f"CASE WHEN isfinite({c}) THEN abs({c}) ELSE 0 END" for c in ("left_lo", "left_hi", "right_lo", "right_hi")) + ")"
_RELATIVE_MARGIN = f"(margin * CASE margin_unit {_FACTOR_OF_UNIT} ELSE 1 END / nullif({_LARGEST_SIDE}, 0))"

# The verdicts spanning subjects (few: a rule naming ma.regions) that hold a claim of a subject, by
# rowid: their claims unnested and semi-joined (list_has_any against the subject's claims, as a
# subquery or a list, compared every list with every list: 60 to 150 ms at 1M claims; this, 5 to 9).
_SPANNING_ABOUT = f"SELECT rowid FROM (SELECT rowid, unnest(claim_ids) AS claim_id FROM verdicts WHERE subject IS NULL) WHERE claim_id IN (SELECT id FROM {CLAIMS} WHERE subject = ?)"
# What a page of verdicts is ordered by, read before the page's rows (see list_verdicts): the rowid first.
_SORT_COLUMNS = ("rowid AS at", "status", "rule", "id", "margin", "margin_unit", "left_lo", "left_hi", "right_lo", "right_hi")


class RuleQuery(NamedTuple):
    """One rule's verdict rows as SQL (``CompiledRule.verdict_rows_sql``), and whether each verdict's claims
    share one subject (``RulePlan.one_subject``): then the first claim's subject is the verdict's."""

    rule: str
    sql: str
    one_subject: bool


# The verdicts table's columns that executors fill (all but first_seen and subject), in order.
VERDICT_FIELDS = ("id", "rule", "claim_ids", "role_sizes", "status", "margin", "margin_unit", "left_lo", "left_hi", "right_lo", "right_hi")
_FIELDS = ", ".join(VERDICT_FIELDS)
_VERDICT_TYPES = ("VARCHAR", "VARCHAR", "VARCHAR[]", "INTEGER[]", "VARCHAR", "DOUBLE", "VARCHAR", "DOUBLE", "DOUBLE", "DOUBLE", "DOUBLE")


class RuleShapes(Protocol):
    """What reading verdicts back needs of the rules in force: their order, and how each splits its claims by role."""

    @property
    def rule_ids(self) -> list[str]: ...

    def roles_of(self, rule: str, claim_ids: list[str], sizes: list[int]) -> dict[str, list[str]]: ...

T = TypeVar("T")
# What a unit of work runs on; callers hand it back to the store's methods and never query it.
Connection = duckdb.DuckDBPyConnection
_SOURCE_COLUMNS = ("id", "title", "outlet", "language", "url", "published", "speaker", "rounding", "weight")
_SOURCE_TYPES = ("VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR", "DATE", "VARCHAR", "VARCHAR", "DOUBLE")
_CLAIM_FILTERS = ("subject", "measure", "period", "source", "origin")
_QUANTITY = RELEASE_KEYS  # the columns two figures of one quantity share
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
        try:
            self._connection = duckdb.connect(path)
        except duckdb.IOException as exc:  # most often: a running server holds the file's lock
            raise _unavailable(path, exc) from exc
        self._lock = threading.RLock()
        # Bumped after every committed write (claims, withdrawals, sources, verdicts, a rule reload's recompute): the
        # validator of the desk's pages (service/api/conditional.py), cheaper than any query; one process owns the file.
        self.generation = 0
        self.changed_at = time.time()  # the last change this process knows of (before it opened the file: not later than now)
        # Sources, held in memory once read (one process owns the file; sources never change).
        self._sources: dict[str, Source] | None = None
        self._new_sources: dict[str, Source] = {}
        try:
            self._migrate()
        except BaseException:
            self._connection.close()
            raise
        # The next claim's place in arrival order, kept here: one process owns the file,
        # and max(seq) costs a scan of every claim (3 ms at 1M) on each POST.
        self._next_seq = self._connection.execute("SELECT coalesce(max(seq), 0) + 1 FROM claims").fetchall()[0][0]

    def _migrate(self) -> None:
        """Bring the store to SCHEMA_VERSION, all or nothing; refuse a store written by a newer Tally, writing nothing."""
        version = self.schema_version()
        if version is not None and version > SCHEMA_VERSION:
            raise StoreUnavailable(
                self.path,
                f"it was written by a newer Tally (schema version {version}; this Tally, {__version__}, reads versions up to "
                f"{SCHEMA_VERSION}): open it with that Tally or a newer one",
            )
        pending = [sql for number, sql in sorted(MIGRATIONS.items()) if number > (version or 0)]
        if not pending:
            return
        with self.transaction() as connection:
            for migration in pending:
                if callable(migration):
                    migration(connection)
                else:
                    connection.execute(migration).fetchall()
            self.set_setting(_VERSION_KEY, str(SCHEMA_VERSION), connection)

    def schema_version(self) -> int | None:
        """The schema version the store records; None for a new file or one made before versions were recorded."""
        try:
            rows = self.query("SELECT value FROM settings WHERE key = ?", [_VERSION_KEY])
        except duckdb.CatalogException:  # no settings table: a new file, or a store older than it
            return None
        return int(rows[0][0]) if rows else None

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
                self._new_sources.clear()
                raise
            self._connection.execute("COMMIT" if commit else "ROLLBACK")
            if commit:
                self.generation, self.changed_at = self.generation + 1, time.time()
            if commit and self._sources is not None:
                self._sources.update(self._new_sources)
            self._new_sources.clear()

    def query(self, sql: str, parameters: Sequence[Any] | dict[str, Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._connection.execute(sql, parameters if isinstance(parameters, dict) else list(parameters)).fetchall()

    # sources

    def add_source(self, source: Source, connection: duckdb.DuckDBPyConnection | None = None) -> None:
        with self._within(connection, write=True) as conn:
            if not self.add_sources([source], conn):
                raise Conflict("id", Reason(N_("a source with id %(id)s is stored already"), id=Quoted(source.id)))

    def add_sources(self, sources: Sequence[Source], connection: duckdb.DuckDBPyConnection) -> int:
        """Store the sources not stored yet, in one statement; how many were new."""
        known = self._known_sources(connection)
        new = [source for source in {s.id: s for s in sources}.values() if source.id not in known and source.id not in self._new_sources]
        self._new_sources.update((source.id, source) for source in new)
        return _insert_new(connection, "sources", _SOURCE_COLUMNS, _SOURCE_TYPES, [[getattr(s, c) for c in _SOURCE_COLUMNS] for s in new])

    def find_source(self, source_id: str, connection: duckdb.DuckDBPyConnection | None = None) -> Source | None:
        """From memory: every claim names its source, and a query per POST cost a millisecond for nothing.

        Outside a transaction only committed sources are seen, and once they are read no
        transaction is opened: rendering a POST's verdicts asked for each source in one.
        """
        if connection is not None and (source := self._new_sources.get(source_id)) is not None:
            return source
        if (known := self._sources) is None:
            with self._within(connection) as conn:
                known = self._known_sources(conn)
        return known.get(source_id)

    def _known_sources(self, connection: duckdb.DuckDBPyConnection) -> dict[str, Source]:
        """The committed sources, read once; a transaction's own additions join them when it commits."""
        if self._sources is None:
            rows = connection.execute(f"SELECT {', '.join(_SOURCE_COLUMNS)} FROM sources").fetchall()
            self._sources = {row[0]: _source_from_row(row) for row in rows}
        return self._sources

    def sources_by_id(self, ids: Sequence[str], connection: duckdb.DuckDBPyConnection | None = None) -> dict[str, Source]:
        return {source_id: source for source_id in ids if (source := self.find_source(source_id, connection)) is not None}

    def get_source(self, source_id: str) -> Source:
        if (source := self.find_source(source_id)) is None:
            raise NotFound("source", source_id)
        return source

    def source_of(self, claim: ClaimIn, connection: duckdb.DuckDBPyConnection | None = None) -> Source:
        """The source a posted claim names; an unknown one is the client's field to fix."""
        if (source := self.find_source(claim.source, connection)) is None:
            raise InvalidField("source", Reason(N_("no source with id %(id)s: POST /sources first"), id=Quoted(claim.source)))
        return source

    def list_sources(self, limit: int | None = None, offset: int = 0) -> Page[Source]:
        rows = self.query(
            f"SELECT {', '.join(_SOURCE_COLUMNS)}, count(*) OVER () FROM sources ORDER BY id LIMIT ? OFFSET ?", [limit, offset]
        )
        total = rows[0][-1] if rows else self.query("SELECT count(*) FROM sources")[0][0]
        return Page([_source_from_row(row[:-1]) for row in rows], total)

    # origins

    def add_origin(self, origin: Origin) -> None:
        """Register an origin's display name; Conflict if its key is registered already."""
        with self.transaction() as connection:
            if connection.execute("SELECT 1 FROM origins WHERE id = ?", [origin.id]).fetchall():
                raise Conflict("id", f"an origin with id {origin.id!r} is registered already")
            connection.execute("INSERT INTO origins VALUES (?, ?, ?)", [origin.id, origin.name, origin.url]).fetchall()

    def find_origin(self, origin_id: str) -> Origin | None:
        rows = self.query("SELECT id, name, url FROM origins WHERE id = ?", [origin_id])
        return None if not rows else msgspec.convert({k: v for k, v in zip(("id", "name", "url"), rows[0]) if v is not None}, Origin)

    def origin_names(self, connection: duckdb.DuckDBPyConnection | None = None) -> dict[str, str]:
        """{origin key: display name} of the registered origins: few, read whole."""
        with self._within(connection) as conn:
            return dict(conn.execute("SELECT id, name FROM origins").fetchall())

    def origin_known(self, origin_id: str) -> bool:
        """Whether the key is registered or some claim names it."""
        return bool(self.query("SELECT 1 FROM origins WHERE id = ? UNION ALL SELECT 1 FROM claims WHERE origin = ? LIMIT 1", [origin_id, origin_id]))

    # claims

    def add_claim(self, claim: Claim, connection: duckdb.DuckDBPyConnection | None = None) -> None:
        """Store one claim; Conflict if a claim with its id is stored already.

        The INSERT alone, its primary key refusing a duplicate: a conflict aborts DuckDB's
        transaction, and the caller's with it, which is what a Conflict does anyway; a probe
        first cost every POST a statement.
        """
        with self._within(connection, write=True) as conn:
            try:
                self._insert_claim(claim, conn)
            except duckdb.ConstraintException as exc:
                if 'Duplicate key "id: ' not in str(exc):  # the primary key, not the source's foreign key
                    raise
                raise Conflict("quote", Reason(N_("this claim is stored already as %(id)s"), id=claim.id)) from exc

    def add_claim_if_new(self, claim: Claim, connection: duckdb.DuckDBPyConnection) -> bool:
        """Store one claim unless its id is stored already; whether it was new.

        A probe of the primary key, then a plain INSERT: 1.8 ms at 100k claims, against
        3.3 ms for INSERT ... ON CONFLICT DO NOTHING RETURNING.  Both run in the caller's
        transaction under the store's lock, so no other write comes between them.
        """
        if connection.execute("SELECT 1 FROM claims WHERE id = ?", [claim.id]).fetchall():
            return False
        self._insert_claim(claim, connection)
        return True

    def _insert_claim(self, claim: Claim, connection: duckdb.DuckDBPyConnection) -> None:
        connection.execute(_INSERT_CLAIM, [self._next_seq, *_claim_row(claim).values()]).fetchall()
        self._next_seq += 1

    def stage_claims(self, rows: Sequence[list[Any]], connection: duckdb.DuckDBPyConnection) -> None:
        """Hold a bulk load's claims (as :func:`claim_values` gives them) in a staging table until :meth:`store_staged_claims`."""
        connection.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS staged_claims AS SELECT seq AS arrival, {', '.join(_CLAIM_ROW_COLUMNS)} FROM claims LIMIT 0"
        ).fetchall()
        if not rows:
            return
        staged = connection.execute("SELECT count(*) FROM staged_claims").fetchall()[0][0]
        # the arrival numbers as an Arrow column of their own: no row is copied to prepend one
        arrival = pa.array(range(staged, staged + len(rows)), pa.int64())
        _append_arrow(connection, "staged_claims", _arrow_table(_CLAIM_ROW_COLUMNS, _CLAIM_ROW_TYPES, rows).add_column(0, "arrival", arrival))

    def store_staged_claims(self, connection: duckdb.DuckDBPyConnection) -> int:
        """Store the staged claims not stored yet, sorted by subject, in one statement; how many were new.

        Sorted, each row group holds few subjects, and a new claim's neighbourhood
        (its subject's claims) is read from one or two of them, whatever the store's size.
        """
        # seq keeps the order the claims came in (GET /claims lists by it); the rows go in by subject.
        columns = ", ".join(_CLAIM_ROW_COLUMNS)
        added = connection.execute(
            f"INSERT INTO claims (seq, {columns}) SELECT {self._next_seq - 1} + row_number() OVER (ORDER BY arrival), {columns} "
            f"FROM (SELECT * FROM staged_claims WHERE id NOT IN (SELECT id FROM claims) "
            "QUALIFY row_number() OVER (PARTITION BY id ORDER BY arrival) = 1) ORDER BY subject"
        ).fetchall()[0][0]
        connection.execute("DROP TABLE staged_claims").fetchall()
        self._next_seq += added
        return added

    def withdraw_claim(
        self, claim_id: str, by: str, reason: str, connection: duckdb.DuckDBPyConnection, superseded_by: str | None = None
    ) -> Claim:
        """Take a stored claim out of every verdict (retracted, or superseded by a correction); it stays listed, marked.

        The claim as marked.  NotFound for an unknown id; Conflict if it is withdrawn
        already.  The caller recomputes the verdicts in the same transaction.
        """
        rows = connection.execute("SELECT withdrawn_at, superseded_by FROM claims WHERE id = ?", [claim_id]).fetchall()
        if not rows:
            raise NotFound("claim", claim_id)
        withdrawn_at, successor = rows[0]
        if withdrawn_at is not None:
            if successor:
                raise Conflict("id", Reason(N_("claim %(id)s is superseded by %(successor)s already"), id=claim_id, successor=successor), location="path")
            raise Conflict("id", Reason(N_("claim %(id)s is retracted already"), id=claim_id), location="path")
        # Marked and read back, marked, in one statement.  By id alone: a second condition
        # (withdrawn_at IS NULL) made DuckDB scan the table instead of probing its key (0.1 to 0.2 s at 1M claims).
        rows = connection.execute(
            "UPDATE claims SET withdrawn_by = ?, withdrawn_reason = ?, withdrawn_at = now(), superseded_by = ? "
            f"WHERE id = ? RETURNING {_CLAIM_SELECT}",
            [by, reason, superseded_by, claim_id],
        ).fetchall()
        claim = _claim_from_row(rows[0])
        self.with_warnings([claim], connection)
        return claim

    def mark_correction(self, claim_id: str, corrects: str, connection: duckdb.DuckDBPyConnection) -> None:
        """Link a newly stored claim to the one it corrects."""
        connection.execute("UPDATE claims SET corrects = ? WHERE id = ?", [corrects, claim_id]).fetchall()

    def claims_of_source(self, source: str, subjects: Sequence[str], connection: duckdb.DuckDBPyConnection) -> list[Claim]:
        """A source's claims in force on some subjects: what an article's candidates may be stored as already."""
        rows = connection.execute(
            f"SELECT {_CLAIM_SELECT} FROM claims WHERE source = ? AND subject IN (SELECT unnest(?)) AND withdrawn_by IS NULL ORDER BY seq",
            [source, list(subjects)],
        ).fetchall()
        return [_claim_from_row(row) for row in rows]

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
            found = {row[0]: _claim_from_row(row) for row in rows}
            self.with_warnings(found.values(), conn)
        return found

    @property
    def last_seq(self) -> int:
        """The arrival number of the last claim stored (0 for none): :meth:`claims_after` reads those that follow."""
        return self._next_seq - 1

    def claims_of_subjects_after(self, seq: int, connection: duckdb.DuckDBPyConnection) -> int:
        """How many claims in force share a subject with a claim stored after arrival number ``seq``."""
        return connection.execute(
            f"SELECT count(*) FROM {CLAIMS} WHERE subject IN (SELECT DISTINCT subject FROM claims WHERE seq > ?)", [seq]
        ).fetchall()[0][0]

    def claims_after(self, seq: int, connection: duckdb.DuckDBPyConnection) -> list[Claim]:
        """The claims stored after arrival number ``seq``, in force or not: what a load added."""
        rows = connection.execute(f"SELECT {_CLAIM_SELECT} FROM claims WHERE seq > ? ORDER BY seq", [seq]).fetchall()
        return [_claim_from_row(row) for row in rows]

    def list_claims(self, limit: int | None = None, offset: int = 0, **filters: str | None) -> Page[Claim]:
        conditions, parameters = [], []
        for name in _CLAIM_FILTERS:
            if (value := filters.get(name)) is not None:
                conditions.append(f"{name} = ?")
                parameters.append(str(Period.parse(value)) if name == "period" else value)
        where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
        rows = self.query(f"SELECT {_CLAIM_SELECT}, count(*) OVER () FROM claims {where} ORDER BY seq LIMIT ? OFFSET ?", [*parameters, limit, offset])
        total = rows[0][-1] if rows else self.query(f"SELECT count(*) FROM claims {where}", parameters)[0][0]
        claims = [_claim_from_row(row[:-1]) for row in rows]
        self.with_warnings(claims)
        return Page(claims, total)

    def unchecked_claims(self, shapes: RuleShapes, limit: int | None = None, offset: int = 0) -> Page[Claim]:
        """Claims that no verdict of the rules in force reads, in the order they came: what Tally cannot check."""
        read = "SELECT DISTINCT unnest(claim_ids) FROM verdicts WHERE list_contains(?, rule)"
        rows = self.query(
            f"SELECT {_CLAIM_SELECT}, count(*) OVER () FROM claims WHERE id NOT IN ({read}) ORDER BY seq LIMIT ? OFFSET ?",
            [list(shapes.rule_ids), limit, offset],
        )
        total = rows[0][-1] if rows else self.query(f"SELECT count(*) FROM claims WHERE id NOT IN ({read})", [list(shapes.rule_ids)])[0][0]
        claims = [_claim_from_row(row[:-1]) for row in rows]
        self.with_warnings(claims)
        return Page(claims, total)

    def with_warnings(self, claims: Iterable[Claim], connection: duckdb.DuckDBPyConnection | None = None) -> None:
        """Set each claim's ``outdated`` warning (``_OUTDATED``): only claims naming an origin can carry one, so only they cost a query."""
        attributed = [claim for claim in claims if claim.origin is not None and claim.interval is not None]
        if not attributed:
            return
        with self._within(connection) as conn:
            rows = conn.execute(_OUTDATED, [[claim.id for claim in attributed]]).fetchall()
        found = {row[0]: row[1:] for row in rows}
        for claim in attributed:
            if claim.id in found:
                claim.warnings = [outdated_warning(*found[claim.id])]

    def release_figure(self, claim: Claim, released: str, connection: duckdb.DuckDBPyConnection | None = None) -> Claim | None:
        """A figure in force of the claim's quantity that its origin printed in ``released`` (the first by id), or None."""
        row = _claim_row(claim)
        same = " AND ".join(f"{c} IS NOT DISTINCT FROM ?" for c in _QUANTITY)
        with self._within(connection) as conn:
            found = conn.execute(
                f"SELECT {_CLAIM_SELECT} FROM {CLAIMS} AS claims WHERE origin = ? AND released = ? AND {same} ORDER BY id LIMIT 1",
                [claim.origin, released, *[row[c] for c in _QUANTITY]],
            ).fetchall()
        return _claim_from_row(found[0]) if found else None

    def revises(self, claim: Claim, connection: duckdb.DuckDBPyConnection) -> bool:
        """Whether another claim in force names the claim's origin for its quantity: a revision, or a second figure of a release.

        Either changes how verdicts the claim is not in read that quantity (plan.RELEASE_KEYS).
        """
        if claim.origin is None or claim.released is None:
            return False
        row = _claim_row(claim)
        same = " AND ".join(f"{c} IS NOT DISTINCT FROM ?" for c in _QUANTITY)
        return bool(connection.execute(
            f"SELECT 1 FROM {CLAIMS} WHERE id <> ? AND origin = ? AND released IS NOT NULL AND {same} LIMIT 1",
            [claim.id, claim.origin, *[row[c] for c in _QUANTITY]],
        ).fetchall())

    def count_claims(self) -> int:
        return self.query("SELECT count(*) FROM claims")[0][0]

    def neighbourhood(self, conditions: Sequence[str], subject: str, connection: duckdb.DuckDBPyConnection) -> Neighbourhood:
        """The claims matching any of the conditions built by ``sql.neighbourhood_conditions``.

        Each row carries what an executor reads and what a verdict shows, so the
        verdicts of a new claim are found and written out without another query.
        """
        found = _neighbours(connection, conditions, subject, _NEIGHBOUR_COLUMNS)
        return Neighbourhood([_EXECUTOR_ROW(row) for row in found.values()], found)

    def neighbour_rows(self, conditions: Sequence[str], subject: str, connection: duckdb.DuckDBPyConnection) -> dict[str, tuple[Any, ...]]:
        """The claims of :meth:`neighbourhood` as an executor reads them (``CLAIM_COLUMNS``), by id: for a
        recompute that renders nothing (the other columns, quotes and JSON, were half of what it read)."""
        return _neighbours(connection, conditions, subject, CLAIM_COLUMNS)

    # verdicts

    def replace_verdicts(
        self,
        rule_queries: Sequence[RuleQuery],
        connection: duckdb.DuckDBPyConnection,
        on_rule: Callable[[str, int, int], None] | None = None,
    ) -> dict[str, float]:
        """Recompute the whole table from each rule's query (verdict-table columns); seconds per rule.

        ``on_rule(rule id, rules done, rules in all)`` is called before each rule's query,
        outside the seconds it is timed by.

        A verdict found again keeps the time it first appeared; one no longer found is gone.
        Each rule's rows go straight into a new table, whose index is built once at the
        end: DuckDB's INSERT ... ON CONFLICT costs ~1 ms a row, and DELETE from an indexed
        table took 7.7 s for 528k verdicts.
        """
        connection.execute("CREATE OR REPLACE TEMP TABLE earlier_verdicts AS SELECT id, first_seen FROM verdicts").fetchall()
        connection.execute(_verdicts_table(replace=True) + "DROP INDEX verdicts_id;").fetchall()
        timings = {}
        with self._readings_grouped(connection, [query.sql for query in rule_queries]):
            for done, query in enumerate(rule_queries):
                if on_rule is not None:
                    on_rule(query.rule, done, len(rule_queries))
                timings[query.rule] = _insert_verdicts(connection, query)
        connection.execute("CREATE UNIQUE INDEX verdicts_id ON verdicts (id); DROP TABLE earlier_verdicts;").fetchall()
        if connection.execute("SELECT 1 FROM duckdb_tables() WHERE table_name = 'verdicts_before_4' AND NOT temporary").fetchall():
            connection.execute(_FIRST_SEEN_BEFORE_4).fetchall()
        return timings

    def replace_rule_verdicts(
        self, rule_queries: Sequence[RuleQuery], gone: Sequence[str], connection: duckdb.DuckDBPyConnection
    ) -> dict[str, float]:
        """Drop the verdicts of the rules ``gone`` (changed or removed) and compute those of ``rule_queries``; seconds per rule.

        The rest of the table stays as it is: a reload that adds or changes one rule runs that
        rule's SQL alone.  A verdict found again keeps the time it first appeared.
        """
        if not gone and not rule_queries:
            return {}
        connection.execute(
            "CREATE OR REPLACE TEMP TABLE earlier_verdicts AS SELECT id, first_seen FROM verdicts WHERE list_contains(?, rule)", [list(gone)]
        ).fetchall()
        connection.execute("DELETE FROM verdicts WHERE list_contains(?, rule)", [list(gone)]).fetchall()
        timings = {}
        with self._readings_grouped(connection, [query.sql for query in rule_queries]):
            for query in rule_queries:
                timings[query.rule] = _insert_verdicts(connection, query)
        connection.execute("DROP TABLE earlier_verdicts").fetchall()
        return timings

    def replace_verdicts_around(
        self, rule_queries: Sequence[RuleQuery], scope: str, subjects: Sequence[str], connection: duckdb.DuckDBPyConnection
    ) -> dict[str, float]:
        """Recompute the verdicts of ``rule_queries`` that hold a claim of ``subjects``, over the claims ``scope`` holds; seconds per rule.

        ``scope`` is a condition on claims with a ``$subjects`` parameter, and must hold every
        claim a verdict with a claim of ``subjects`` can bind (``sql.reach_condition``): each
        rule's SQL then runs unchanged over those claims alone, and of what it finds only the
        verdicts with a claim of ``subjects`` replace the old ones; the rest of the table stays.
        A verdict found again keeps the time it first appeared.
        """
        self._set_aside_held([query.rule for query in rule_queries], subjects, connection)
        timings = {}
        with self._readings_grouped(connection, [query.sql for query in rule_queries], scope, {"subjects": list(subjects)}):
            for query in rule_queries:
                timings[query.rule] = _insert_verdicts(connection, query, _HOLDS_A_CORE_CLAIM)
        connection.execute("DROP TABLE earlier_verdicts; DROP TABLE core_claims").fetchall()
        return timings

    def _set_aside_held(self, rules: Sequence[str], subjects: Sequence[str], connection: duckdb.DuckDBPyConnection) -> None:
        """Delete the verdicts of ``rules`` holding a claim (in force or not) of ``subjects``, keeping each one's
        first_seen in ``earlier_verdicts``, and those claims' ids in ``core_claims``."""
        parameters = {"rules": list(rules), "subjects": list(subjects)}
        connection.execute(
            "CREATE OR REPLACE TEMP TABLE core_claims AS SELECT id FROM claims WHERE subject IN (SELECT unnest($subjects))", {"subjects": list(subjects)}
        ).fetchall()
        # A verdict about one subject is found by its subject column; only those spanning
        # several (few: a rule naming ma.regions) have their claims unnested and semi-joined.
        connection.execute(
            "CREATE OR REPLACE TEMP TABLE earlier_verdicts AS "
            "SELECT id, first_seen FROM verdicts WHERE list_contains($rules, rule) AND subject IN (SELECT unnest($subjects)) "
            "UNION ALL SELECT id, any_value(first_seen) FROM "
            "(SELECT id, first_seen, unnest(claim_ids) AS claim_id FROM verdicts WHERE list_contains($rules, rule) AND subject IS NULL) "
            "WHERE claim_id IN (SELECT id FROM core_claims) GROUP BY id",
            parameters,
        ).fetchall()
        # By subject, not by id: a join of the ids against every verdict's took 0.43 s at 1M claims, this 0.14 s.
        connection.execute("DELETE FROM verdicts WHERE list_contains($rules, rule) AND subject IN (SELECT unnest($subjects))", parameters).fetchall()
        connection.execute("DELETE FROM verdicts WHERE subject IS NULL AND id IN (SELECT id FROM earlier_verdicts)").fetchall()

    @contextlib.contextmanager
    def _readings_grouped(
        self,
        connection: duckdb.DuckDBPyConnection,
        queries: Sequence[str],
        scope: str | None = None,
        parameters: dict[str, Any] | None = None,
    ) -> Iterator[None]:
        """The readings the ``queries`` read grouped once, into temporary tables that shadow their views, and the rules' join order kept.

        Only the readings some query reads are grouped (0.4 s each at 100 000 claims: a reload
        adding one rule groups one).  With a ``scope`` (a condition on claims), the claims in
        force it holds shadow the claims in force too, and the readings are grouped from them alone.
        """
        database = connection.execute("SELECT current_database()").fetchall()[0][0].replace('"', '""')
        # \b: live_readings is read as itself, quoted or not, and not inside live_readings_by_source
        needed = {by_source: name for by_source, name in READINGS.items() if any(re.search(rf"\b{name}\b", query) for query in queries)}
        shadows = list(needed.values())
        if scope is not None:
            connection.execute(
                f'CREATE OR REPLACE TEMP TABLE {CLAIMS} AS SELECT * FROM "{database}".main.{CLAIMS} AS claims WHERE {scope}', parameters or {}
            ).fetchall()
            shadows.append(CLAIMS)
        for by_source, name in needed.items():
            # readings_select reads the claims in force by their unqualified name: the scope's, when it shadows them.
            connection.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {readings_select(by_source).sql(dialect='duckdb')}").fetchall()
        # Join in the order the rule binds its claims: each binding relates to earlier ones,
        # so that order is a chain of selective joins.  DuckDB's join-order optimizer cannot
        # estimate filters such as printed = 'direction' and joined levels with levels first
        # (8.3M rows, 1.0 s for direction-agrees-with-levels at 1M claims; 0.065 s in binding
        # order; every rule 4.15 s -> 3.13 s).
        connection.execute("SET disabled_optimizers = 'join_order'").fetchall()
        try:
            yield
        finally:
            connection.execute("RESET disabled_optimizers").fetchall()
            for name in shadows:
                connection.execute(f"DROP TABLE temp.{name}").fetchall()

    def verdict_rows(self, query: str, shapes: RuleShapes) -> list[VerdictRow]:
        """The rows of one rule's verdict query, read without storing them."""
        return [_verdict_from_row(row, shapes) for row in self.query(query)]

    def upsert_verdicts(
        self,
        rows: Sequence[VerdictRow],
        subject_of: Mapping[str, str],
        connection: duckdb.DuckDBPyConnection,
        gone: Sequence[str] = (),
    ) -> dict[str, datetime.datetime]:
        """Write verdicts found in process, replacing those of the same ids, and delete the verdicts ``gone``;
        when each verdict written first appeared (kept from the one it replaces).

        ``subject_of`` maps each of their claims to its subject.

        Statements that probe the index (select, delete, insert: 5 ms for 40 verdicts at
        1M claims) rather than one INSERT ... ON CONFLICT DO UPDATE, which DuckDB runs in
        17 ms for the same rows; DELETE ... RETURNING, which would fold the first two,
        took 18 ms against 3 + 3 (10 000 claims, 21 verdicts).  The select also reads the
        transaction's time, and the delete runs only for verdicts stored already: each
        statement costs a POST a millisecond or more, whatever its rows.
        """
        if not rows and not gone:
            return {}
        ids = [row.id for row in rows]
        found = connection.execute("SELECT NULL, now() UNION ALL SELECT id, first_seen FROM verdicts WHERE id IN (SELECT unnest(?))", [ids]).fetchall() if rows else []
        seen = {verdict_id: first_seen for verdict_id, first_seen in found if verdict_id is not None}
        if seen or gone:
            connection.execute("DELETE FROM verdicts WHERE id IN (SELECT unnest(?))", [[*seen, *gone]]).fetchall()
        if not rows:
            return {}
        now = next(first_seen for verdict_id, first_seen in found if verdict_id is None)
        first_seen = {verdict_id: seen.get(verdict_id, now) for verdict_id in ids}
        _insert_rows(connection, rows, first_seen, subject_of)
        return first_seen

    def list_verdicts(
        self,
        shapes: RuleShapes,
        status: str | None = None,
        rule: str | None = None,
        subject: str | None = None,
        claim: str | None = None,
        limit: int | None = None,
        offset: int = 0,
        connection: duckdb.DuckDBPyConnection | None = None,
        source: str | None = None,
        by_weight: bool = False,
        origin: str | None = None,
    ) -> Page[tuple[VerdictRow, datetime.datetime]]:
        """Stored verdicts, contradictions first, then in rule order; filters run in SQL.

        ``by_weight`` orders each status by how much its verdicts matter instead: the
        margin relative to the largest figure the check compares (a 80 M gap between
        1 bn figures before a 1 point gap between 40 % shares).
        """
        rule_order = shapes.rule_ids
        with self._within(connection) as conn:  # one snapshot: the claim's subject, the page and its total
            # The claim's subject read first, by its primary key: as a subquery in the filter it took 0.5 to 1.1 s at 1M claims.
            claim_subject = conn.execute("SELECT subject FROM claims WHERE id = ?", [claim]).fetchall() if claim is not None else []
            filters = {
                "list_contains(?, rule)": [list(rule_order)],  # only the rules in force
                "status = ?": [status],
                "rule = ?": [rule],
                f"list_has_any(claim_ids, (SELECT list(id) FROM {CLAIMS} WHERE source = ?))": [source],
                f"list_has_any(claim_ids, (SELECT list(id) FROM {CLAIMS} WHERE origin = ?))": [origin],
            }
            used = {condition: values for condition, values in filters.items() if values[0] is not None}
            # A claim's or a subject's verdicts: those of its subject, found by a scan of that column, and
            # the few spanning subjects, by their claims, each its own SELECT: OR-ed together in one, DuckDB
            # read every verdict's claims to test the second (0.12 to 0.18 s for a subject at 1M claims).
            if claim is not None:
                held = claim_subject[0][0] if claim_subject else None
                scopes = [("subject = ? AND list_contains(claim_ids, ?)", [held, claim]), ("subject IS NULL AND list_contains(claim_ids, ?)", [claim])]
            elif subject is not None:
                scopes = [("subject = ?", [subject]), (f"subject IS NULL AND rowid IN ({_SPANNING_ABOUT})", [subject])]
            else:
                scopes = [("true", [])]
            parameters = [value for _, values in scopes for value in [*values, *(v for vs in used.values() for v in vs)]]
            then = f"{_RELATIVE_MARGIN} DESC NULLS LAST, id" if by_weight else "list_position(?, rule), id"
            ordered = [*parameters, list(STATUS_ORDER), *([] if by_weight else [list(rule_order)]), limit, offset]

            def page(columns: str, counted: bool = False) -> list[tuple[Any, ...]]:
                # No count(*) OVER () over every verdict of a status: it made DuckDB sort them all, where ORDER BY ...
                # LIMIT keeps the top rows alone (a page of consistent verdicts at 1M claims: 3.5 s, then 0.5 s).
                found = " UNION ALL ".join(f"SELECT {columns} FROM verdicts WHERE {' AND '.join([scope, *used])}" for scope, _ in scopes)
                total = ", count(*) OVER ()" if counted else ""
                return conn.execute(f"SELECT *{total} FROM ({found}) ORDER BY list_position(?, status), {then} LIMIT ? OFFSET ?", ordered).fetchall()

            counted = None
            if limit is None or claim is not None:  # all of them, or a claim's few: read as they are found
                rows = [row[1:] for row in page(f"rowid AS at, {_FIELDS}, first_seen")]
            else:
                # A page is chosen from what orders it, then its rows read by rowid: reading every column
                # (claim lists, bounds) of every verdict that matches cost more than choosing among them.
                # A subject's few thousand are counted as they are ordered (a scan fewer); every verdict
                # of a status is not (see page).
                chosen = page(", ".join(_SORT_COLUMNS), counted=subject is not None)
                counted = chosen[0][-1] if chosen and subject is not None else None
                rows = _by_rowid(conn, [row[0] for row in chosen], f"{_FIELDS}, first_seen")
            if limit is None or (rows and len(rows) < limit):
                total = offset + len(rows)  # the last page: what came before it, and it
            elif counted is not None:
                total = counted
            else:
                found = " UNION ALL ".join(f"SELECT 1 FROM verdicts WHERE {' AND '.join([scope, *used])}" for scope, _ in scopes)
                total = conn.execute(f"SELECT count(*) FROM ({found})", parameters).fetchall()[0][0]
        return Page([(_verdict_from_row(row[:-1], shapes), row[-1]) for row in rows], total)

    def contradicted_claim_sets(self, shapes: RuleShapes, subject: str | None = None) -> list[list[str]]:
        """The claim ids of every contradicted verdict of the rules in force (using a claim on ``subject``, if given), by verdict id."""
        contradicted = "SELECT id, claim_ids FROM verdicts WHERE status = 'contradicted' AND list_contains(?, rule)"
        if subject is None:
            rows = self.query(f"{contradicted} ORDER BY id", [list(shapes.rule_ids)])
        else:  # the subject's own, and those spanning subjects that hold one of its claims (see list_verdicts)
            rows = self.query(
                f"{contradicted} AND subject = ? UNION ALL {contradicted} AND subject IS NULL AND rowid IN ({_SPANNING_ABOUT}) ORDER BY id",
                [list(shapes.rule_ids), subject, list(shapes.rule_ids), subject],
            )
        return [row[1] for row in rows]

    def claims_to_blame(self, ids: Sequence[str]) -> dict[str, tuple[str, str, float]]:
        """{claim id: (source id, quote, the source's weight)}: what blaming a claim takes, in one query."""
        if not ids:
            return {}
        rows = self.query(
            "SELECT claims.id, claims.source, claims.quote, sources.weight FROM claims JOIN sources ON sources.id = claims.source "
            "WHERE claims.id IN (SELECT unnest(?))",
            [list(ids)],
        )
        return {claim_id: (source, quote, weight) for claim_id, source, quote, weight in rows}

    def readings_of(self, ids: Sequence[str]) -> dict[str, list[str]]:
        """{figure key: every claim in force printing it, sorted} for the figures the given claims print (``plan.figure_key``)."""
        if not ids:
            return {}
        rows = self.query(
            f"SELECT figure_key, list_sort(list(id)) FROM {CLAIMS} WHERE figure_key IN "
            "(SELECT figure_key FROM claims WHERE id IN (SELECT unnest(?))) GROUP BY figure_key",
            [list(ids)],
        )
        return dict(rows)

    def get_verdict(self, verdict_id: str, shapes: RuleShapes) -> tuple[VerdictRow, datetime.datetime]:
        """One verdict of the rules in force; NotFound otherwise (a rule reloaded away leaves none the next recompute keeps)."""
        rows = self.query(
            f"SELECT {', '.join(VERDICT_FIELDS)}, first_seen FROM verdicts WHERE id = ? AND list_contains(?, rule)",
            [verdict_id, list(shapes.rule_ids)],
        )
        if not rows:
            raise NotFound("verdict", verdict_id)
        return _verdict_from_row(rows[0][:-1], shapes), rows[0][-1]

    def setting(self, key: str, connection: duckdb.DuckDBPyConnection | None = None) -> str | None:
        with self._within(connection) as conn:
            rows = conn.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchall()
        return rows[0][0] if rows else None

    def set_setting(self, key: str, value: str, connection: duckdb.DuckDBPyConnection) -> None:
        connection.execute("INSERT INTO settings VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [key, value]).fetchall()

    def forget_setting(self, key: str, connection: duckdb.DuckDBPyConnection) -> None:
        connection.execute("DELETE FROM settings WHERE key = ?", [key]).fetchall()

    def figures_in_verdicts(self, shapes: RuleShapes, column: str, value: str) -> dict[str, tuple[int, int]]:
        """{status: (figures of the claims whose ``column`` (source or origin) is ``value`` in verdicts of that status, those verdicts)}."""
        assert column in ("source", "origin")  # a column name, never a client's text
        rows = self.query(
            f"SELECT status, count(DISTINCT claim_id), count(DISTINCT id) FROM (SELECT id, status, unnest(claim_ids) AS claim_id "
            f"FROM verdicts WHERE list_contains(?, rule)) WHERE claim_id IN (SELECT id FROM {CLAIMS} WHERE {column} = ?) GROUP BY status",
            [list(shapes.rule_ids), value],
        )
        return {status: (figures, verdicts) for status, figures, verdicts in rows}

    def verdict_counts(self) -> dict[tuple[str, str], int]:
        """{(rule, status): number of verdicts}."""
        return {(rule, status): n for rule, status, n in self.query("SELECT rule, status, count(*) FROM verdicts GROUP BY ALL")}

    @contextlib.contextmanager
    def _within(self, connection: duckdb.DuckDBPyConnection | None, write: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        if connection is not None:
            yield connection
        else:  # a read alone rolls back: only a write counts as a change of the store (its generation)
            with self.transaction(commit=write) as conn:
                yield conn




# DuckDB names the process holding a file's lock: 'Conflicting lock is held in /usr/bin/python3 (PID 5175)'.
_LOCK_HELD = re.compile(r"Conflicting lock is held in (?P<program>.*?) \(PID (?P<pid>\d+)\)")


def _unavailable(path: str, exc: duckdb.IOException) -> StoreUnavailable:
    """DuckDB's error on opening a file, as ours: which process holds the file, if that is why."""
    message = str(exc)
    if "Could not set lock" not in message:
        return StoreUnavailable(path, message)
    if (held := _LOCK_HELD.search(message)) is None:
        return StoreLocked(path, None, None)
    pid = int(held["pid"])
    return StoreLocked(path, pid, _command_line(pid) or held["program"])


def _command_line(pid: int) -> str | None:
    """How a process was started (``tally serve --db x.duckdb``), where the system says (Linux's /proc); else None."""
    try:
        words = [w.decode(errors="replace") for w in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0") if w]
    except OSError:
        return None
    if len(words) > 1 and Path(words[0]).name.startswith("python"):
        words = words[1:]  # the interpreter running a script: name the script
    return " ".join([Path(words[0]).name, *words[1:]]) if words else None


_ARROW_TYPES = {
    "BIGINT": pa.int64(),
    "VARCHAR": pa.string(),
    "JSON": pa.string(),
    "INTEGER": pa.int32(),
    "INTEGER[]": pa.list_(pa.int32()),
    "DOUBLE": pa.float64(),
    "DATE": pa.date32(),
    "VARCHAR[]": pa.list_(pa.string()),
}


def _append_arrow(connection: duckdb.DuckDBPyConnection, table: str, rows: pa.Table) -> None:
    """Append an Arrow table's rows to a table: DuckDB scans its columns in bulk."""
    connection.register("incoming_rows", rows)
    try:
        connection.execute(f"INSERT INTO {table} SELECT * FROM incoming_rows").fetchall()
    finally:
        connection.unregister("incoming_rows")


def _arrow_table(columns: Sequence[str], types: Sequence[str], rows: Sequence[Sequence[Any]]) -> pa.Table:
    arrays = [pa.array(list(values), type=_ARROW_TYPES[t]) for values, t in zip(zip(*rows), types)]
    return pa.Table.from_arrays(arrays, names=list(columns))


def _insert_new(
    connection: duckdb.DuckDBPyConnection, table: str, columns: Sequence[str], types: Sequence[str], rows: Sequence[Sequence[Any]]
) -> int:
    """INSERT the rows whose id is not stored yet, as one statement over an Arrow table; how many."""
    if not rows:
        return 0
    connection.register("incoming_rows", _arrow_table(columns, types, rows))
    try:
        sql = f"INSERT INTO {table} ({', '.join(columns)}) SELECT * FROM incoming_rows WHERE id NOT IN (SELECT id FROM {table})"
        return connection.execute(sql).fetchall()[0][0]
    finally:
        connection.unregister("incoming_rows")


def _by_rowid(connection: duckdb.DuckDBPyConnection, rowids: Sequence[int], columns: str) -> list[tuple[Any, ...]]:
    """The verdicts at ``rowids`` (as ``columns``), in that order."""
    if not rowids:
        return []
    rows = connection.execute(f"SELECT rowid, {columns} FROM verdicts WHERE rowid IN (SELECT unnest(?))", [list(rowids)]).fetchall()
    at = {rowid: index for index, rowid in enumerate(rowids)}
    return [row[1:] for row in sorted(rows, key=lambda row: at[row[0]])]


def _verdict_values(row: VerdictRow) -> list[Any]:
    left, right = row.left or (None, None), row.right or (None, None)
    claim_ids = [claim_id for ids in row.roles.values() for claim_id in ids]  # roles come in binding order
    return [row.id, row.rule, claim_ids, [len(ids) for ids in row.roles.values()], row.status, row.margin, row.margin_unit, *left, *right]


def _verdict_from_row(row: Sequence[Any], shapes: RuleShapes) -> VerdictRow:
    (verdict_id, rule, claim_ids, sizes, status, margin, margin_unit, left_lo, left_hi, right_lo, right_hi) = row
    return VerdictRow(
        id=verdict_id,
        rule=rule,
        roles=shapes.roles_of(rule, claim_ids, sizes),
        status=status,
        margin=margin,
        margin_unit=margin_unit,
        left=None if left_lo is None else (left_lo, left_hi),
        right=None if right_lo is None else (right_lo, right_hi),
    )


# A claim is outdated when its source was published after a later release of its quantity by its
# origin was out, and it matches only an older release: some figure of an older release shares a
# point with it, none of the later release does.  The latest such release is named, with the
# older figure the claim matches.  A claim that says it comes from the later release (or one
# after) is not outdated: if it differs, it is a misprint, which the rules report.
_SAME_QUANTITY = " AND ".join(f"{{a}}.{c} IS NOT DISTINCT FROM {{b}}.{c}" for c in RELEASE_KEYS)
_MEETS = "({a}.lo * {a}.scale <= {b}.hi * {b}.scale AND {b}.lo * {b}.scale <= {a}.hi * {a}.scale)"
_OUTDATED = f"""
SELECT claim.id, coalesce(origins.name, newer.origin), newer.id, newer.figure, newer.released, older.figure, older.released,
       CAST(sources.published AS VARCHAR)
FROM claims AS claim
JOIN sources ON sources.id = claim.source
JOIN {CLAIMS} AS newer ON newer.origin = claim.origin AND newer.id <> claim.id AND {_SAME_QUANTITY.format(a="newer", b="claim")}
JOIN {CLAIMS} AS older ON older.origin = claim.origin AND older.id <> claim.id AND older.released < newer.released
     AND {_SAME_QUANTITY.format(a="older", b="claim")}
LEFT JOIN origins ON origins.id = newer.origin
WHERE claim.id IN (SELECT unnest(?)) AND sources.published IS NOT NULL
  AND CASE WHEN length(newer.released) = 7 THEN newer.released || '-01' ELSE newer.released END <= CAST(sources.published AS VARCHAR)
  AND (claim.released IS NULL OR claim.released < newer.released)
  AND {_MEETS.format(a="older", b="claim")}
  AND NOT EXISTS (SELECT 1 FROM {CLAIMS} AS other WHERE other.origin = newer.origin AND other.released = newer.released
                  AND {_SAME_QUANTITY.format(a="other", b="claim")} AND {_MEETS.format(a="other", b="claim")})
QUALIFY row_number() OVER (PARTITION BY claim.id ORDER BY newer.released DESC, older.released DESC, newer.id, older.id) = 1
"""


def outdated_warning(origin: str, newer_id: str, newer: str, newer_released: str, older: str, older_released: str, published: str) -> Warning:
    return Warning(
        id="outdated",
        text=(
            f"Outdated: {origin} revised this figure in its {newer_released} release to {newer!r} ({newer_id}); it matches the "
            f"{older_released} release's {older!r}, yet its source was published on {published}, after that revision."
        ),
    )


_CLAIM_SELECT = (
    "id, source, quote, subject, breakdown, measure, period, compared_to, figure, lo, hi, unit, text, qualifier, printed, reading, "
    "withdrawn_by, withdrawn_reason, withdrawn_at, superseded_by, corrects, origin, released, figure_unit, figure_direction"
)
# What an executor reads and what a claim shows, each column once: DuckDB hands a POST's
# neighbourhood (400 claims at any store size) to Python a value at a time, and the ten
# columns both name cost it a fifth of that.
_NEIGHBOUR_COLUMNS = tuple(dict.fromkeys([*CLAIM_COLUMNS, *(c.strip() for c in _CLAIM_SELECT.split(","))]))
_NEIGHBOUR_SELECT = ", ".join(_NEIGHBOUR_COLUMNS)
_EXECUTOR_ROW = operator.itemgetter(*(_NEIGHBOUR_COLUMNS.index(c) for c in CLAIM_COLUMNS))
_CLAIM_ROW = operator.itemgetter(*(_NEIGHBOUR_COLUMNS.index(c.strip()) for c in _CLAIM_SELECT.split(",")))


def _neighbours(
    connection: duckdb.DuckDBPyConnection, conditions: Sequence[str], subject: str, columns: Sequence[str]
) -> dict[str, tuple[Any, ...]]:
    """The claims in force matching any of ``conditions`` (the first takes ``$subject``), as ``columns``, by id."""
    select = ", ".join(columns)
    found: dict[str, tuple[Any, ...]] = {}
    for index, condition in enumerate(conditions):
        # The first condition, and only it, takes the subject (sql.neighbourhood_conditions); looking
        # for "$subject" in the text found it too inside a rule's string literal, and DuckDB refused.
        parameters = {"subject": subject} if index == 0 else {}
        for row in connection.execute(f"SELECT {select} FROM {CLAIMS} AS claims WHERE {condition}", parameters).fetchall():
            found.setdefault(row[0], row)
    # A verdict of claims naming an origin reads each quantity from that origin's latest
    # release (plan.RELEASE_KEYS): every figure the origin printed of these subjects.
    origin, subject_at = columns.index("origin"), columns.index("subject")
    origins = sorted({row[origin] for row in found.values() if row[origin] is not None})
    if origins:
        subjects = sorted({row[subject_at] for row in found.values() if row[origin] is not None})
        released = connection.execute(
            f"SELECT {select} FROM {CLAIMS} AS claims WHERE origin IN (SELECT unnest(?)) AND subject IN (SELECT unnest(?))",
            [origins, subjects],
        ).fetchall()
        for row in released:
            found.setdefault(row[0], row)
    return found


@dataclass
class Neighbourhood:
    """Claims near a new one: ``rows`` for an executor (``CLAIM_COLUMNS``), and the claims themselves, built on demand."""

    rows: list[tuple[Any, ...]]
    _full: dict[str, tuple[Any, ...]]  # id -> its row of _NEIGHBOUR_COLUMNS

    def claims(self, ids: Iterable[str]) -> dict[str, Claim]:
        return {claim_id: _claim_from_row(_CLAIM_ROW(self._full[claim_id])) for claim_id in ids}


def claim_values(claim: Claim) -> list[Any]:
    """A claim as the values of its row in the claims table: plain data, cheap to send between processes."""
    return list(_claim_row(claim).values())


# Of what a rule finds over a scope, the verdicts holding a claim of the subjects changed: a
# semi-join on the unnested ids (list_has_any against every core id ran for minutes when a
# load of 1 000 claims touched 338 subjects).
_HOLDS_A_CORE_CLAIM = "found.id IN (SELECT id FROM (SELECT id, unnest(claim_ids) AS claim_id FROM found) WHERE claim_id IN (SELECT id FROM core_claims))"


def _insert_verdicts(connection: duckdb.DuckDBPyConnection, query: RuleQuery, keep: str | None = None) -> float:
    """Insert what one rule's query finds (those passing ``keep``), each keeping the first_seen of ``earlier_verdicts``; its seconds."""
    started = time.perf_counter()
    where = f" WHERE {keep}" if keep else ""
    if query.one_subject:  # a join on the first claim: 1.0 s at 1M claims, where unnesting every claim and grouping took 6.6 s
        subject, joined = "first_claim.subject", f"LEFT JOIN {CLAIMS} AS first_claim ON first_claim.id = found.claim_ids[1]"
    else:
        subject, joined = "shared.subject", f"LEFT JOIN ({_SHARED_SUBJECT.format(verdicts='found')}) AS shared ON shared.id = found.id"
    connection.execute(
        f"INSERT INTO verdicts WITH found AS MATERIALIZED ({query.sql}) SELECT found.*, coalesce(earlier.first_seen, now()), {subject} "
        f"FROM found LEFT JOIN earlier_verdicts AS earlier ON earlier.id = found.id {joined}{where}"
    ).fetchall()
    return time.perf_counter() - started


def _insert_rows(
    connection: duckdb.DuckDBPyConnection,
    rows: Sequence[VerdictRow],
    first_seen: Mapping[str, datetime.datetime],
    subject_of: Mapping[str, str],
) -> None:
    """Insert verdicts found in process, in one statement."""
    values = [[*_verdict_values(row), first_seen[row.id], _shared_subject(row, subject_of)] for row in rows]
    unnested = ", ".join(f"unnest(?::{t}[])" for t in (*_VERDICT_TYPES, "TIMESTAMPTZ", "VARCHAR"))
    connection.execute(f"INSERT INTO verdicts SELECT * FROM (SELECT {unnested})", [list(c) for c in zip(*values)]).fetchall()


def _shared_subject(row: VerdictRow, subject_of: Mapping[str, str]) -> str | None:
    """The subject of every claim of the verdict, None when they span several (as ``_SHARED_SUBJECT``)."""
    subjects = {subject_of[claim_id] for claim_id in row.roles_ids}
    return subjects.pop() if len(subjects) == 1 else None


def executor_row(claim: Claim) -> tuple[Any, ...]:
    """A claim as the row an executor reads (``CLAIM_COLUMNS``), without asking the store."""
    row = _claim_row(claim)
    return tuple(row[c] for c in CLAIM_COLUMNS)


_CLAIM_ROW_COLUMNS = (
    "id", "source", "quote", "subject", "breakdown", "breakdown_key", "breakdown_dims", "measure", "period",
    "period_start", "period_end", "compared_to", "compared_start", "compared_end", "figure", "qualifier", "printed",
    "lo", "hi", "unit", "scale", "text", "text_key", "reading", "origin", "released", "figure_unit", "figure_direction",
    "figure_key",
)  # fmt: skip
_CLAIM_ROW_TYPES = (
    "VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR", "JSON", "VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR",
    "INTEGER", "INTEGER", "VARCHAR", "INTEGER", "INTEGER", "VARCHAR", "VARCHAR", "VARCHAR",
    "DOUBLE", "DOUBLE", "VARCHAR", "DOUBLE", "VARCHAR", "VARCHAR", "JSON", "VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR",
    "VARCHAR",
)  # fmt: skip


_INSERT_CLAIM = f"INSERT INTO claims (seq, {', '.join(_CLAIM_ROW_COLUMNS)}) VALUES ({', '.join('?' * (len(_CLAIM_ROW_COLUMNS) + 1))})"


def _claim_row(claim: Claim) -> dict[str, Any]:
    period = Period.parse(claim.period)
    base = Period.parse(claim.compared_to) if claim.compared_to else None
    interval = claim.interval.to_interval() if claim.interval else None
    row = {
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
        "origin": claim.origin,
        "released": claim.released,
        "figure_unit": claim.unit,
        "figure_direction": claim.direction,
    }
    row["figure_key"] = figure_key(row)
    return row


def _claim_from_row(row: tuple[Any, ...]) -> Claim:
    (claim_id, source, quote, subject, breakdown, measure, period, compared_to, figure, lo, hi, unit, text, qualifier, printed, reading) = row[:16]
    withdrawn_by, withdrawn_reason, withdrawn_at, superseded_by, corrects, origin, released = row[16:23]
    # Spark's claims layout has neither the given unit nor the given direction
    figure_unit = row[23] if len(row) > 23 else None
    figure_direction = row[24] if len(row) > 24 else None
    withdrawal = None if withdrawn_at is None else Withdrawal(withdrawn_by, withdrawn_reason, withdrawn_at)
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
        unit=figure_unit,
        direction=figure_direction,
        interval=interval,
        text=text,
        qualifier=qualifier,
        printed=printed,
        reading=msgspec.json.decode(reading),
        retracted=withdrawal if superseded_by is None else None,
        corrected=withdrawal if superseded_by is not None else None,
        superseded_by=superseded_by,
        corrects=corrects,
        origin=origin,
        released=released,
    )


def _source_from_row(row: tuple[Any, ...]) -> Source:
    values = {column: value for column, value in zip(_SOURCE_COLUMNS, row) if value is not None}
    return msgspec.convert(values, Source)
