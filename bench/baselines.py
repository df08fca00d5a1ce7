"""What Tally's compiled rules are measured against, for growth-links-levels and shares-sum-to-whole.

- **Hand-written DuckDB SQL**: the query an analyst would write for each rule,
  producing the same rows (one per binding: the claim ids, a verdict id, the
  status and the margin), materialised the same way as the compiled SQL.
- **Plain Python with dictionary joins**: what a data journalist would write
  over the claims table (index the levels by subject and breakdown, loop over
  the growths); it computes each binding's status and margin, not verdict ids.

Both follow the compiled rules' semantics (interval bounds times ``scale``; a
level and its growth from any sources; a base period at most one month longer
than the growth's base stands in as what it proves, an upper bound [0, hi], and
the month it adds is judged against an average month (0.25 to 4 times it:
outside, ``implausible``); 0 × ∞ read as 0; a relative tolerance of 1e-9) so
that their counts can be compared.
They read the store file read-only, after the CLI or the server has closed it.
"""

from __future__ import annotations

import math
import statistics
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

RULES = ("growth-links-levels", "shares-sum-to-whole")

HAND_SQL = {
    "growth-links-levels": """
WITH level AS (
    SELECT id, source, subject, breakdown_key, unit, period_start, period_end, lo * scale AS lo, hi * scale AS hi
    FROM claims WHERE measure = 'level' AND unit IN ('MAD', 'count')
), growth AS (
    SELECT id, source, subject, breakdown_key, period_start, period_end, compared_start, compared_end,
           1 + lo * scale AS lo, 1 + hi * scale AS hi
    FROM claims WHERE measure = 'growth' AND unit = 'percent'
), linked AS (
    SELECT c.id AS current_id, g.id AS growth_id, b.id AS base_id,
           g.lo <= 0 AND g.hi >= 0 AS spans_zero,
           c.lo AS c_lo, c.hi AS c_hi,
           CASE WHEN g.lo <= 0 AND g.hi >= 0 THEN NULL ELSE 1 / g.hi END AS r_lo,
           CASE WHEN g.lo <= 0 AND g.hi >= 0 THEN NULL ELSE 1 / g.lo END AS r_hi,
           b.lo AS printed_lo, b.hi AS b_hi,
           b.period_end - b.period_start + 1 AS b_months, g.compared_end - g.compared_start + 1 AS needed_months,
           CASE WHEN b.period_end - b.period_start > g.compared_end - g.compared_start THEN 0 ELSE b.lo END AS b_lo
    FROM growth AS g
    JOIN level AS c ON c.subject = g.subject AND c.breakdown_key = g.breakdown_key
                   AND c.period_start = g.period_start AND c.period_end = g.period_end
    JOIN level AS b ON b.subject = g.subject AND b.breakdown_key = g.breakdown_key AND b.unit = c.unit
                   AND b.period_start <= g.compared_start AND b.period_end >= g.compared_end
                   AND (b.period_end - b.period_start) - (g.compared_end - g.compared_start) <= 1
                   AND b.id <> c.id
), products AS (
    SELECT *,
           CASE WHEN c_lo = 0 OR r_lo = 0 THEN 0 ELSE c_lo * r_lo END AS p1,
           CASE WHEN c_lo = 0 OR r_hi = 0 THEN 0 ELSE c_lo * r_hi END AS p2,
           CASE WHEN c_hi = 0 OR r_lo = 0 THEN 0 ELSE c_hi * r_lo END AS p3,
           CASE WHEN c_hi = 0 OR r_hi = 0 THEN 0 ELSE c_hi * r_hi END AS p4
    FROM linked
), implied AS (
    SELECT *, least(p1, p2, p3, p4) AS i_lo, greatest(p1, p2, p3, p4) AS i_hi FROM products
), gaps AS (
    SELECT *, greatest(i_lo - b_hi, b_lo - i_hi, 0) AS gap,
           1e-9 * greatest(CASE WHEN isfinite(i_lo) THEN abs(i_lo) ELSE 0 END, CASE WHEN isfinite(i_hi) THEN abs(i_hi) ELSE 0 END,
                           CASE WHEN isfinite(b_lo) THEN abs(b_lo) ELSE 0 END, CASE WHEN isfinite(b_hi) THEN abs(b_hi) ELSE 0 END) AS tolerance
    FROM implied
)
SELECT 'v-' || substring(sha256('growth-links-levels|base=' || base_id || ';current=' || current_id || ';growth=' || growth_id), 1, 16) AS id,
       current_id, growth_id, base_id,
       CASE WHEN spans_zero OR gap IS NULL OR isnan(gap) THEN 'unverifiable' WHEN gap > tolerance THEN 'contradicted'
            WHEN b_months > needed_months
                 AND ((b_hi - i_lo) / (b_months - needed_months) < 0.25 * (printed_lo / b_months)
                      OR greatest(printed_lo - i_hi, 0) / (b_months - needed_months) > 4.0 * (b_hi / b_months)) THEN 'implausible'
            ELSE 'consistent' END AS status,
       CASE WHEN gap > tolerance THEN gap ELSE 0 END AS margin,
       i_lo, i_hi, b_lo, b_hi
FROM gaps
""",
    "shares-sum-to-whole": """
WITH sums AS (
    SELECT list(id ORDER BY id) AS ids, sum(lo * scale) AS total_lo, sum(hi * scale) AS total_hi
    FROM claims
    WHERE measure = 'share' AND breakdown_key <> '' AND unit = 'percent'
    GROUP BY source, subject, period_start, period_end, breakdown_dims
    HAVING count(*) >= 2
)
SELECT 'v-' || substring(sha256('shares-sum-to-whole|part=' || array_to_string(ids, ',')), 1, 16) AS id, ids,
       CASE WHEN total_lo IS NULL OR isnan(total_lo) THEN 'unverifiable'
            WHEN total_lo - 1 > 1e-9 * greatest(CASE WHEN isfinite(total_lo) THEN abs(total_lo) ELSE 0 END,
                                                CASE WHEN isfinite(total_hi) THEN abs(total_hi) ELSE 0 END, 1)
            THEN 'contradicted' ELSE 'consistent' END AS status,
       greatest(total_lo - 1, 0) / 0.01 AS margin_points, total_lo, total_hi
FROM sums
""",
}


@dataclass
class Comparison:
    """One rule: the compiled SQL, the hand-written SQL and plain Python on the same store."""

    rule: str
    compiled_runs: list[float] = field(default_factory=list)  # the SQL of GET /rules, materialised
    hand_runs: list[float] = field(default_factory=list)
    python_seconds: float = math.nan  # the evaluation, once (the read of the claims is apart)
    compiled_contradicted: int = 0
    hand_contradicted: int = 0
    python_contradicted: int = 0
    hand_rows: int = 0
    python_rows: int = 0

    @property
    def compiled_seconds(self) -> float:
        return statistics.median(self.compiled_runs) if self.compiled_runs else math.nan

    @property
    def hand_seconds(self) -> float:
        return statistics.median(self.hand_runs) if self.hand_runs else math.nan


@dataclass
class Baselines:
    comparisons: dict[str, Comparison]
    read_seconds: float  # SELECT of the claims into Python, for the plain-Python evaluator
    claims_read: int


def compare(db: Path, compiled_sql: dict[str, str], runs: int = 3) -> Baselines:
    """Time each rule's compiled SQL and hand-written SQL (median of ``runs``), then the plain-Python evaluator once."""
    comparisons = {rule: Comparison(rule) for rule in RULES}
    with duckdb.connect(str(db), read_only=True) as connection:
        for rule, comparison in comparisons.items():
            for _ in range(runs):  # interleaved, so that neither gets a warmer cache
                if rule in compiled_sql:
                    comparison.compiled_runs.append(_materialise(connection, "compiled", compiled_sql[rule]))
                comparison.hand_runs.append(_materialise(connection, "hand", HAND_SQL[rule]))
            comparison.hand_rows, comparison.hand_contradicted = connection.execute(
                "SELECT count(*), count(*) FILTER (WHERE status = 'contradicted') FROM hand"
            ).fetchone()
        started = time.perf_counter()
        rows = connection.execute(
            "SELECT id, source, subject, breakdown_key, breakdown_dims, measure, period_start, period_end,"
            " compared_start, compared_end, lo, hi, unit, scale FROM claims WHERE measure IN ('level', 'growth', 'share')"
        ).fetchall()
        read_seconds = time.perf_counter() - started
    for rule, evaluate in (("growth-links-levels", growth_links_levels), ("shares-sum-to-whole", shares_sum_to_whole)):
        started = time.perf_counter()
        verdicts = evaluate(rows)
        comparisons[rule].python_seconds = time.perf_counter() - started
        comparisons[rule].python_rows = len(verdicts)
        comparisons[rule].python_contradicted = sum(1 for v in verdicts if v[-2] == "contradicted")
    return Baselines(comparisons, read_seconds, len(rows))


def _materialise(connection: duckdb.DuckDBPyConnection, name: str, sql: str) -> float:
    started = time.perf_counter()
    connection.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")
    return time.perf_counter() - started


# --- the data journalist's script -------------------------------------------------------


def growth_links_levels(rows: list[tuple]) -> list[tuple]:
    """(current, growth, base, status, margin) for each level printed with its growth and each base-period level."""
    levels_by_release = defaultdict(list)  # (subject, breakdown, start, end) -> levels, whoever printed them
    levels_by_series = defaultdict(list)  # (subject, breakdown) -> levels
    growths = []
    for (id_, source, subject, key, _dims, measure, start, end, c_start, c_end, lo, hi, unit, scale) in rows:
        if measure == "level" and unit in ("MAD", "count"):
            level = (id_, unit, start, end, lo * scale, hi * scale)
            levels_by_release[(subject, key, start, end)].append(level)
            levels_by_series[(subject, key)].append(level)
        elif measure == "growth" and unit == "percent":
            growths.append((id_, source, subject, key, start, end, c_start, c_end, 1 + lo * scale, 1 + hi * scale))
    verdicts = []
    for (g_id, source, subject, key, start, end, c_start, c_end, g_lo, g_hi) in growths:
        currents = levels_by_release.get((subject, key, start, end))
        if not currents:
            continue
        spans_zero = g_lo <= 0 <= g_hi
        bases = [b for b in levels_by_series[(subject, key)] if b[2] <= c_start and b[3] >= c_end and (b[3] - b[2]) - (c_end - c_start) <= 1]
        for (c_id, c_unit, _, _, c_lo, c_hi) in currents:
            for (b_id, b_unit, b_start, b_end, b_lo, b_hi) in bases:
                if b_unit != c_unit or b_id == c_id:
                    continue
                if spans_zero:
                    verdicts.append((c_id, g_id, b_id, "unverifiable", 0.0))
                    continue
                r_lo, r_hi = 1 / g_hi, 1 / g_lo
                products = (_times(c_lo, r_lo), _times(c_lo, r_hi), _times(c_hi, r_lo), _times(c_hi, r_hi))
                months, needed = b_end - b_start + 1, c_end - c_start + 1
                longer = months > needed
                status, margin = _status(min(products), max(products), 0.0 if longer else b_lo, b_hi)
                if status == "consistent" and longer and _december_unlike_the_rest(min(products), max(products), b_lo, b_hi, months, needed):
                    status = "implausible"
                verdicts.append((c_id, g_id, b_id, status, margin))
    return verdicts


def _december_unlike_the_rest(i_lo: float, i_hi: float, b_lo: float, b_hi: float, months: int, needed: int) -> bool:
    """The months a longer base adds, per month, against an average month of it: outside 0.25 to 4 times."""
    extra = months - needed
    return (b_hi - i_lo) / extra < 0.25 * (b_lo / months) or max(b_lo - i_hi, 0.0) / extra > 4.0 * (b_hi / months)


def shares_sum_to_whole(rows: list[tuple]) -> list[tuple]:
    """(claim ids, status, margin in points) for the shares one source gives of one whole, when there are two or more."""
    groups = defaultdict(list)
    for (id_, source, subject, key, dims, measure, start, end, _cs, _ce, lo, hi, unit, scale) in rows:
        if measure == "share" and key and unit == "percent":
            groups[(source, subject, start, end, dims)].append((id_, lo * scale, hi * scale))
    verdicts = []
    for members in groups.values():
        if len(members) < 2:
            continue
        total_lo = sum(m[1] for m in members)
        total_hi = sum(m[2] for m in members)
        status, margin = _status(total_lo, total_hi, -math.inf, 1.0)
        verdicts.append((tuple(sorted(m[0] for m in members)), status, margin / 0.01))
    return verdicts


def _times(x: float, y: float) -> float:
    return 0.0 if x == 0 or y == 0 else x * y


def _status(left_lo: float, left_hi: float, right_lo: float, right_hi: float) -> tuple[str, float]:
    gap = max(left_lo - right_hi, right_lo - left_hi, 0.0)
    if math.isnan(gap):
        return "unverifiable", 0.0
    tolerance = 1e-9 * max((abs(v) for v in (left_lo, left_hi, right_lo, right_hi) if math.isfinite(v)), default=0.0)
    return ("contradicted", gap) if gap > tolerance else ("consistent", 0.0)
