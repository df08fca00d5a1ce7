"""The Spark engine: every rule's compiled SQL run on a Spark session, over claims in Parquet.

The rules compile once (``service/rules/sql.py``) into sqlglot trees; DuckDB runs them
on a store, and this module emits the same trees for Spark SQL and runs them on any
Spark 3.5+ or 4.x session (``local[2]`` or a cluster).  The verdict rows it returns have
the columns of the store's verdicts table, so their words are rendered by the same code
(``checking.render`` -> ``explain.render_verdict``).

The claims come as Parquet in **layout 2** (:data:`LAYOUT`): the claim as the API answers
it (``id``, ``source``, ``quote``, ``subject``, ``breakdown``, ``measure``, ``period``,
``compared_to``, ``figure``, ``lo``, ``hi``, ``unit``, ``text``, ``qualifier``, ``printed``,
``reading``), the columns the rules read that derive from it (``breakdown_key``,
``breakdown_dims``, ``period_start`` ... ``scale``, ``text_key``) and ``language``, the
source's (a diagnosis re-reads a figure in it).  Layout 2 adds ``origin`` and ``released``
(:data:`OPTIONAL`): a dataset without them, in layout 1, is still read, as claims
without an origin.  :func:`export_claims` writes it from a
store with DuckDB's ``COPY ... TO ... (FORMAT PARQUET)``.

Three things differ from DuckDB, each handled once in :func:`spark_sql`:

* a number like ``0.1`` is a DECIMAL literal in Spark, and decimal arithmetic rounds
  (``1.0 / 3.0`` is 0.333333, an inward bound), so every non-integer literal is written
  as a DOUBLE (``0.1E0``): the arithmetic is IEEE doubles, as in DuckDB and in
  ``local.py``; the session also refuses lossy decimal arithmetic
  (``spark.sql.decimalOperations.allowPrecisionLoss=false``) and layout 1 refuses
  DECIMAL bounds, so no bound is ever rounded by a decimal on the way;
* ANSI mode stays on, where ``x / 0`` aborts the query: a division is ``try_divide``
  (NULL for a zero divisor), since the SQL guards every division whose result it uses
  and only computes, beside them, quotients it then ignores;
* Spark has no ``isinf`` and no ``nextafter``: ``abs(x) = inf``, and Java's own
  ``Math.nextAfter`` through ``java_method`` (its text is Java's shortest round-trip
  decimal, so casting it back is exact).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec
from sqlglot import exp

from service.rules.book import RuleSet
from service.rules.plan import VerdictRow
from service.rules.plan import FIGURE_COLUMNS, figure_key
from service.rules.sql import CLAIMS, READINGS, CompiledRule, compile_without_releases, readings_select
from service.store import VERDICT_FIELDS, Store
from service.verdicts import STATUS_ORDER

if TYPE_CHECKING:  # pyspark is an optional extra: imported only when a session is made
    from pyspark.sql import DataFrame, SparkSession

LAYOUT_VERSION = 2
# Layout 2 of a claims dataset: column -> Spark type (DuckDB: VARCHAR, INTEGER, DOUBLE).
LAYOUT: dict[str, str] = {
    "id": "string", "source": "string", "quote": "string", "subject": "string",
    "breakdown": "string",  # JSON object, dimension -> member, as the API answers it
    "breakdown_key": "string", "breakdown_dims": "string", "measure": "string", "period": "string",
    "period_start": "int", "period_end": "int",  # months since year 0: year * 12 + month - 1
    "compared_to": "string", "compared_start": "int", "compared_end": "int",
    "figure": "string", "qualifier": "string", "printed": "string",
    "lo": "double", "hi": "double",  # the interval in ``unit``; an open end is -inf / +inf
    "unit": "string", "scale": "double",  # scale: one ``unit`` in base magnitudes (percent -> 0.01)
    "text": "string", "text_key": "string",  # a category's text, and its key for comparing
    "reading": "string",  # JSON list: how the figure was read
    "language": "string",  # the source's language (fr, en)
    "origin": "string", "released": "string",  # who the figure is attributed to, and its release (YYYY-MM[-DD])
    "figure_key": "string",  # plan.figure_key: what the rules bind readings by; computed here when a dataset lacks it
}  # fmt: skip
# Columns layout 2 added: a dataset without them (layout 1) reads as claims without an origin.
# A dataset without ``figure_key`` (written before readings) has it computed as the store does.
OPTIONAL = ("origin", "released", "figure_key")
# A whole number in a month column may come as a long from another writer; nothing else is widened.
_ACCEPTED = {"int": {"int", "bigint"}}
# What layout 2 stores of the store's claims table: the columns above, language from the source.
_EXPORT_SELECT = ", ".join(f"claims.{c}" if c != "language" else "sources.language" for c in LAYOUT)

VERDICT_SCHEMA = (
    "id string, rule string, roles map<string, array<string>>, claim_ids array<string>, role_sizes array<int>, status string, "
    "margin double, margin_unit string, left_lo double, left_hi double, right_lo double, right_hi double"
)


class SparkUnavailable(Exception):
    """pyspark or a Java runtime is missing: the message says which, and how to install it."""


class LayoutError(Exception):
    """A claims dataset is not in layout 1: the message names every column missing or of another type."""


def missing_requirements() -> str | None:
    """What this machine lacks to run Spark, in words to show, or None."""
    missing = []
    try:
        import pyspark  # noqa: F401
    except ImportError:
        missing.append("pyspark is not installed: pip install 'tally[spark]' (make install does)")
    java_home = os.environ.get("JAVA_HOME")
    if not (java_home and Path(java_home, "bin", "java").exists()) and shutil.which("java") is None:
        missing.append("no Java runtime (java not on PATH, JAVA_HOME unset): apt-get install openjdk-17-jre-headless (make install does)")
    return "; ".join(missing) or None


# --- the session --------------------------------------------------------------------

# Settings every session gets: they decide the verdicts, so a cluster's defaults do not.
SESSION_SETTINGS = {
    "spark.sql.ansi.enabled": "true",  # Spark 4's default, kept: an overflow is an error, not a NULL
    "spark.sql.decimalOperations.allowPrecisionLoss": "false",  # no decimal rounded to fit 38 digits
    "spark.sql.session.timeZone": "UTC",
}
# Every session this module starts: ``tally check`` draws its own bar, rule by rule, on stderr;
# Spark's stage bars would be drawn over it (and fill a log with thousands of them on a cluster).
NEW_SESSION_SETTINGS = {"spark.ui.showConsoleProgress": "false"}
# Local mode only: a small job needs no UI and few shuffle partitions (200 by default, 1 s of tasks).
LOCAL_SETTINGS = {"spark.ui.enabled": "false", "spark.sql.shuffle.partitions": "4", "spark.driver.host": "127.0.0.1"}
# A small job (a few dozen to 10 000 claims) is all overhead: starting the JVM, analysing and
# planning each rule's SQL, scheduling tasks.  Measured with `tally check --engine spark` on the
# seeds (89 claims) and on the bench's 10 000, in JVM CPU seconds (the machine was too loaded
# for wall times to mean much; docs/spark.md, How fast, and why, has the table):
SMALL_JOB_SETTINGS = {
    # Java code generated and compiled for each rule's wide projections costs more than
    # running them interpreted: the same values, sooner (-2 s on the seeds, with C1 below)
    "spark.sql.codegen.wholeStage": "false",
    "spark.sql.codegen.factoryMode": "NO_CODEGEN",
    # one task a stage rather than 4 to 200, and no re-planning between stages (-2.6 s)
    "spark.sql.shuffle.partitions": "1",
    "spark.sql.adaptive.enabled": "false",
}
# The JIT's quick tier only (C1): the optimising compiler spent more CPU compiling Spark's
# analyser and planner than it ever saved on a job this short (seeds: 51 -> 27 s of the JVM's
# CPU for the rules; 10 000 claims: 53 -> 31 s with the settings above; start 14 -> 9 s).
QUICK_JVM = "-XX:TieredStopAtLevel=1"
# Local mode over at most SMALL_STORE claims: the settings above, and the one JVM (driver and
# executor in local mode) started with QUICK_JVM.  Measured up to 10 000 claims; a larger
# store keeps Spark's defaults, built for long jobs.
SMALL_STORE = 20_000
SMALL_LOCAL_SETTINGS = {**SMALL_JOB_SETTINGS, "spark.driver.extraJavaOptions": QUICK_JVM}
# A master on this machine's loopback has its workers, so its executors, on this machine: the
# driver listens on loopback too, where they reach it, and not on the address the host name
# resolves to (a network's, which offers the driver's ports to it, or none at all offline).
LOOPBACK_SETTINGS = {"spark.driver.host": "127.0.0.1", "spark.driver.bindAddress": "127.0.0.1"}
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")


@contextlib.contextmanager
def spark_session(master: str = "local[2]", app_name: str = "tally", settings: dict[str, str] | None = None) -> Iterator[SparkSession]:
    """A Spark session with :data:`SESSION_SETTINGS`, stopped on exit; SparkUnavailable names what is missing.

    A session already active in this process (a notebook's, a test module's) is used as
    it is, with :data:`SESSION_SETTINGS` applied, and left running: ``master`` is then moot.
    ``settings`` are more Spark settings for a new session (``spark.executor.memory`` ...).
    """
    if (missing := missing_requirements()) is not None:
        raise SparkUnavailable(missing)
    from pyspark.sql import SparkSession

    if (active := SparkSession.getActiveSession()) is not None:
        configure(active)
        yield active
        return
    builder = SparkSession.builder.master(master).appName(app_name)
    for key, value in {**SESSION_SETTINGS, **NEW_SESSION_SETTINGS, **master_settings(master), **(settings or {})}.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")  # the job's own warnings, not Spark's chatter, reach the terminal
    configure(session)
    try:
        yield session
    finally:
        session.stop()


def master_settings(master: str) -> dict[str, str]:
    """What a new session needs for where its executors run: :data:`LOCAL_SETTINGS` in local mode,
    :data:`LOOPBACK_SETTINGS` for a standalone master on loopback, nothing for another cluster."""
    if master.startswith("local"):
        return LOCAL_SETTINGS
    if master.startswith("spark://") and master.removeprefix("spark://").rsplit(":", 1)[0] in LOOPBACK_HOSTS:
        return LOOPBACK_SETTINGS
    return {}


def configure(session: SparkSession) -> None:
    """Apply :data:`SESSION_SETTINGS` to a session made elsewhere (a notebook's, a cluster's)."""
    for key, value in SESSION_SETTINGS.items():
        session.conf.set(key, value)


# --- claims in ---------------------------------------------------------------------


def export_claims(store: Store, folder: Path) -> Path:
    """The store's claims in force as a Parquet file in layout 2 under ``folder``; its path."""
    target = Path(folder) / "claims.parquet"
    quoted = str(target).replace("'", "''")  # COPY takes no parameter for its file name
    store.query(
        f"COPY (SELECT {_EXPORT_SELECT} FROM {CLAIMS} AS claims JOIN sources ON sources.id = claims.source ORDER BY claims.id) "
        f"TO '{quoted}' (FORMAT PARQUET, KV_METADATA {{'tally.claims.layout': '{LAYOUT_VERSION}'}})"
    )
    return target


def read_claims(session: SparkSession, path: str) -> DataFrame:
    """A claims dataset (a folder, a glob or a URL the cluster reads), checked against layout 2 (or 1: no origins)."""
    from pyspark.sql import functions as F

    claims = session.read.parquet(path)
    check_layout(claims)
    for column in OPTIONAL:
        if column not in claims.columns and column != "figure_key":
            claims = claims.withColumn(column, F.lit(None).cast(LAYOUT[column]))
    if "figure_key" not in claims.columns:
        # plan.figure_key in Python, so the key is the store's to the bit (Spark writes doubles otherwise)
        key = F.udf(lambda *values: figure_key(dict(zip(FIGURE_COLUMNS, values))), "string")
        claims = claims.withColumn("figure_key", key(*[claims[c] for c in FIGURE_COLUMNS]))
    return claims.select(*[claims[c].cast(t) if claims.schema[c].dataType.simpleString() != t else claims[c] for c, t in LAYOUT.items()])


def check_layout(claims: DataFrame) -> None:
    """LayoutError naming each column of layout 2 missing (but the optional ones) or of another type (a DECIMAL bound would be rounded)."""
    types = {f.name: f.dataType.simpleString() for f in claims.schema.fields}
    problems = []
    for column, wanted in LAYOUT.items():
        found = types.get(column)
        if found is None:
            if column not in OPTIONAL:
                problems.append(f"{column}: missing")
        elif found != wanted and found not in _ACCEPTED.get(wanted, ()):
            problems.append(f"{column}: {found}, layout {LAYOUT_VERSION} wants {wanted}")
    if problems:
        raise LayoutError(f"claims are not in layout {LAYOUT_VERSION} (see docs/scale.md, on the claims layout): " + "; ".join(problems))


# --- the rules in Spark SQL -----------------------------------------------------------


def spark_sql(compiled: CompiledRule) -> str:
    """The rule's verdict rows (the store's verdicts columns, ``first_seen`` aside) as Spark SQL."""
    return compiled.verdict_rows_tree().transform(_for_spark, copy=True).sql(dialect="spark")


_INFINITY = exp.cast(exp.Literal.string("Infinity"), "DOUBLE")


def _for_spark(node: exp.Expression) -> exp.Expression:
    """One node as Spark must read it to compute what DuckDB does (module docstring)."""
    if isinstance(node, exp.Literal) and node.is_number and not node.is_int and "e" not in node.this.lower():
        return exp.Literal.number(f"{node.this}E0")  # a DOUBLE literal: 0.1 would be a DECIMAL
    if isinstance(node, exp.Div):
        # a replaced node's children are not visited again: rewrite them here
        return exp.Anonymous(this="try_divide", expressions=[node.this.transform(_for_spark), node.expression.transform(_for_spark)])
    if isinstance(node, exp.IsInf):
        return exp.EQ(this=exp.Abs(this=node.this.transform(_for_spark)), expression=_INFINITY.copy())
    if isinstance(node, exp.Sum) and isinstance(node.this, exp.Order):
        # SUM(x ORDER BY x): Spark SQL has no ordered aggregates; fold the sorted values, as DuckDB adds them
        return _fold_sorted(node.this, "0E0", exp.Add)
    if isinstance(node, exp.Anonymous) and node.name.lower() == "product":  # an aggregate DataFrames have, SQL not
        return _fold_sorted(node.expressions[0], "1E0", exp.Mul)
    if isinstance(node, exp.Anonymous) and node.name.lower() == "nextafter":
        value, toward = (e.transform(_for_spark) for e in node.expressions)
        stepped = exp.Anonymous(this="java_method", expressions=[exp.Literal.string("java.lang.Math"), exp.Literal.string("nextAfter"), value, toward])
        return exp.cast(stepped, "DOUBLE")
    return node


def _fold_sorted(values: exp.Expression, start: str, operation: type[exp.Binary]) -> exp.Expression:
    """``aggregate(array_sort(collect_list(x)), start, (p, x) -> p op x)``: an aggregate over the values in
    ascending order (``x ORDER BY x``, see ``sql._in_order``), so Spark's float sums have DuckDB's bits."""
    value = values.this if isinstance(values, exp.Order) else values
    collected: exp.Expression = exp.ArrayAgg(this=value.transform(_for_spark))
    if isinstance(values, exp.Order):
        collected = exp.Anonymous(this="array_sort", expressions=[collected])
    step = exp.Lambda(this=operation(this=exp.column("p"), expression=exp.column("x")), expressions=[exp.to_identifier("p"), exp.to_identifier("x")])
    return exp.Anonymous(this="aggregate", expressions=[collected, exp.Literal.number(start), step])


# --- running them ------------------------------------------------------------------


def verdict_rows(
    session: SparkSession,
    claims: DataFrame,
    rules: RuleSet,
    on_rule: Callable[[str, int, int], None] | None = None,
    kept: list[DataFrame] | None = None,
) -> tuple[DataFrame, dict[str, float]]:
    """Every rule's verdicts over ``claims``, one DataFrame (:data:`VERDICT_SCHEMA`); seconds per rule.

    Each rule's rows are computed and kept (:func:`keep`) one rule at a time, as the DuckDB
    engine times them; the claims and their readings are kept first, as every rule reads
    them.  What is kept is added to ``kept``, for the caller to :func:`release` when done.
    """
    kept = [] if kept is None else kept
    claims = keep(claims, kept)
    claims.createOrReplaceTempView(CLAIMS)
    for by_source, name in READINGS.items():  # what the rules' scalar bindings bind (sql.readings_select)
        keep(session.sql(readings_select(by_source).sql(dialect="spark")), kept).createOrReplaceTempView(name)
    parts, timings = [], {}
    # Without a claim naming both an origin and a release no verdict can be revised: the rules'
    # SQL then leaves the release reading out (the same verdicts; a third of the plan, which
    # on a session's default heap made the seeds' check run out of memory).
    released = claims.where(claims["origin"].isNotNull() & claims["released"].isNotNull()).limit(1).count() > 0
    for done, (rule_id, compiled) in enumerate(rules.compiled.items()):
        if not released:
            compiled = compile_without_releases(compiled.rule)
        if on_rule is not None:
            on_rule(rule_id, done, len(rules.compiled))
        started = time.perf_counter()
        parts.append(keep(_with_roles(session.sql(spark_sql(compiled)), compiled), kept))
        timings[rule_id] = time.perf_counter() - started
    if not parts:
        return session.createDataFrame([], VERDICT_SCHEMA), timings
    verdicts = parts[0]
    for part in parts[1:]:
        verdicts = verdicts.unionByName(part)
    return verdicts, timings


def keep(frame: DataFrame, kept: list[DataFrame]) -> DataFrame:
    """``frame`` computed now and kept in the executors (memory, then disk), as a DataFrame whose plan is those rows.

    A local checkpoint rather than ``persist``: a persisted frame keeps its whole plan, so
    every query over it (each rule over the claims' and readings' views, the union of the
    rules' rows) analyses, looks up in the cache and ships to each task every plan beneath
    it again.  On the seeds that was a third of the driver's time, and 2 to 3 s of task
    deserialisation for each query over the union (docs/spark.md, How fast, and why).  The
    price: a kept block lost with its executor fails the job instead of being recomputed.
    """
    kept_frame = frame.localCheckpoint(eager=True)
    kept.append(kept_frame)
    return kept_frame


def release(kept: Sequence[DataFrame]) -> None:
    """Free what :func:`keep` kept: a local checkpoint's blocks stay until its RDD is unpersisted."""
    for frame in kept:
        jvm_frame = getattr(frame, "_jdf", None)  # a classic session's; Spark Connect releases a checkpoint with its DataFrame
        if jvm_frame is not None:
            jvm_frame.queryExecution().analyzed().rdd().unpersist(False)  # the LogicalRDD's rows: DataFrame.unpersist frees a cache only


def _with_roles(rows: DataFrame, compiled: CompiledRule) -> DataFrame:
    """``roles``, the claim ids by role, beside the flat ``claim_ids`` (``RulePlan.roles_of`` in Spark)."""
    from pyspark.sql import functions as F

    bindings = compiled.plan.bindings
    names, slices, at = [], [], F.lit(1)
    for index, binding in enumerate(bindings):
        taken = F.element_at("role_sizes", index + 1)
        names.append(F.lit(binding.name))
        slices.append(F.slice("claim_ids", at, taken))
        at = at + taken
    roles = F.map_from_arrays(F.array(*names), F.array(*slices))
    return rows.select("id", "rule", roles.alias("roles"), *[c for c in VERDICT_FIELDS if c not in ("id", "rule")])


def verdict_row(row: Any, rules: RuleSet) -> VerdictRow:
    """A Spark row of :func:`verdict_rows` as the executors' VerdictRow, the one input of the words."""
    return VerdictRow(
        id=row["id"],
        rule=row["rule"],
        roles=rules.plans[row["rule"]].roles_of(list(row["claim_ids"]), list(row["role_sizes"])),
        status=row["status"],
        margin=row["margin"],
        margin_unit=row["margin_unit"],
        left=None if row["left_lo"] is None else (row["left_lo"], row["left_hi"]),
        right=None if row["right_lo"] is None else (row["right_lo"], row["right_hi"]),
    )


def ordered(verdicts: DataFrame, rules: RuleSet) -> DataFrame:
    """As ``GET /verdicts`` and ``tally check`` list them: contradictions first, then in rule order, then by id."""
    from pyspark.sql import functions as F

    status_rank = F.array_position(F.array(*[F.lit(s) for s in STATUS_ORDER]), F.col("status"))
    rule_rank = F.array_position(F.array(*[F.lit(r.id) for r in rules.rules]), F.col("rule"))
    return verdicts.orderBy(status_rank, rule_rank, F.col("id"))


# --- the words: claims read back for rendering --------------------------------------


class _Language(msgspec.Struct, frozen=True):
    """What rendering asks of a source: its language, for a diagnosis to re-read a figure in."""

    language: str


@dataclass
class ParquetClaims:
    """The claims of a Parquet dataset where ``checking.render`` expects a store: the verdicts' words need them."""

    claims: DataFrame
    _languages: dict[str, str] = field(default_factory=dict)

    def claims_by_id(self, ids: Sequence[str], connection: object = None) -> dict:
        from pyspark.sql import functions as F

        from service.store import _claim_from_row  # the store's own reading of a claims row, not a second one

        columns = ["id", "source", "quote", "subject", "breakdown", "measure", "period", "compared_to", "figure",
                   "lo", "hi", "unit", "text", "qualifier", "printed", "reading"]  # fmt: skip
        rows = self.claims.where(F.col("id").isin(list(ids))).select(*columns, "language", "origin", "released").collect() if ids else []
        found = {}
        for row in rows:
            self._languages[row["source"]] = row["language"]
            found[row["id"]] = _claim_from_row((*[row[c] for c in columns], None, None, None, None, None, row["origin"], row["released"]))
        return found

    def origin_names(self, connection: object = None) -> dict[str, str]:
        """A dataset carries no origins' names: each origin is shown by its key."""
        return {}

    def release_figure(self, claim: object, released: str, connection: object = None) -> None:
        """A revised chain's newer figure is named only from a store; a revised pair names it from its own claims."""
        return None

    def sources_by_id(self, ids: Sequence[str], connection: object = None) -> dict[str, _Language]:
        return {source: _Language(self._languages[source]) for source in ids}


# --- tally check --engine spark ------------------------------------------------------


@dataclass
class SparkCheck:
    """What ``tally check --engine spark`` prints: counts per (rule, status), seconds per rule, the listed verdicts."""

    rules: list  # the rules in force, in order: the summary's rows
    counts: dict[tuple[str, str], int]
    timings: dict[str, float]
    seconds: float
    total: int
    listed: list[tuple[VerdictRow, None]]
    rendered: list = field(default_factory=list)


def check(
    rules: RuleSet,
    *,
    store: Store | None = None,
    claims_path: str | None = None,
    master: str = "local[2]",
    out: str | None = None,
    status: str | None = "contradicted",
    subject: str | None = None,
    limit: int | None = 1000,
    on_rule: Callable[[str, int, int], None] | None = None,
    workdir: Path | None = None,
) -> SparkCheck:
    """Run every rule on Spark over a store's claims (exported to Parquet) or a claims dataset; render the listed verdicts.

    ``out``: a folder the verdict rows are written to as Parquet (it must not exist).
    """
    import tempfile

    from service import checking

    if (store is None) == (claims_path is None):
        raise ValueError("give a store or a claims path, not both")
    with contextlib.ExitStack() as stack:
        if claims_path is None:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="tally-spark-", dir=workdir)))
            claims_path = str(export_claims(store, folder))
        session = stack.enter_context(spark_session(master, settings=_settings_for(master, store)))
        claims = read_claims(session, claims_path)
        started = time.perf_counter()
        kept: list[DataFrame] = []
        stack.callback(release, kept)
        verdicts, timings = verdict_rows(session, claims, rules, on_rule, kept)
        if out is not None:
            verdicts.write.mode("errorifexists").parquet(out)
        seconds = time.perf_counter() - started
        counts = {(r["rule"], r["status"]): r["count"] for r in verdicts.groupBy("rule", "status").count().collect()}
        chosen = _listed(verdicts, claims, status, subject)
        # the counts already hold the total of a status: a job less (a second or more on a small store)
        total = chosen.count() if subject is not None else sum(n for (_, s), n in counts.items() if status in (None, s))
        page = ordered(chosen, rules)
        rows = page.limit(limit).collect() if limit is not None else page.collect()
        listed = [(verdict_row(row, rules), None) for row in rows]
        words_from = store if store is not None else ParquetClaims(claims)
        rendered = checking.render(words_from, rules, listed)  # type: ignore[arg-type]
    return SparkCheck(list(rules.rules), counts, timings, seconds, total, listed, rendered)


def _settings_for(master: str, store: Store | None) -> dict[str, str] | None:
    """:data:`SMALL_LOCAL_SETTINGS` for local mode over a small store; None (Spark's own) otherwise."""
    if master.startswith("local") and store is not None and store.count_claims() <= SMALL_STORE:
        return SMALL_LOCAL_SETTINGS
    return None


def _listed(verdicts: DataFrame, claims: DataFrame, status: str | None, subject: str | None) -> DataFrame:
    from pyspark.sql import functions as F

    chosen = verdicts if status is None else verdicts.where(F.col("status") == status)
    if subject is not None:
        ids = [row["id"] for row in claims.where(F.col("subject") == subject).select("id").collect()]
        chosen = chosen.where(F.arrays_overlap("claim_ids", F.array(*[F.lit(i) for i in ids]))) if ids else chosen.limit(0)
    return chosen
