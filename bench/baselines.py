"""What Tally's compiled rules are measured against, for growth-links-levels and shares-sum-to-whole.

- **Hand-written DuckDB SQL**: the query an analyst would write for each rule,
  producing the same rows (one per binding of distinct figures: their keys, a
  verdict id, the status and the margin), materialised the same way as the
  compiled SQL.
- **Plain Python with dictionary joins**: what a data journalist would write
  over the claims table (group the reprints of a figure, index the levels by
  subject and breakdown, loop over the growths); it computes each binding's
  status and margin, not verdict ids.

Both follow the compiled rules' semantics (interval bounds times ``scale``; a
level and its growth from any sources; a base period at most one month longer
than the growth's base stands in as what it proves, an upper bound [0, hi], and
the month it adds is judged against an average month (0.25 to 4 times it:
outside, ``implausible``); 0 × ∞ read as 0; a relative tolerance of 1e-9) so
that their counts can be compared.  Like the compiled rules, all three bind a figure
once however many claims print it (``claims.figure_key``; for a sum, the hull of one
source's figures of one share): before they did, the hand SQL and Python counted claim
tuples and found 217 contradictions at 10 000 claims where the rules, rightly, found 118.
The corpus prints no origin or release, so the status ``revised``, which the compiled
SQL also works out, never applies: the baselines leave it out.
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

# What the plain-Python evaluators read, in this column order.
CLAIMS_SELECT = (
    "SELECT id, source, subject, breakdown_key, breakdown_dims, measure, period_start, period_end,"
    " compared_start, compared_end, lo, hi, unit, scale, figure_key FROM claims WHERE measure IN ('level', 'growth', 'share')"
)

HAND_SQL = {
    "growth-links-levels": """
WITH reading AS (
    -- one row per distinct figure (claims.figure_key hashes what a reprint repeats), as the
    -- compiled rules bind them: N reprints of a figure are one binding naming N claims
    SELECT figure_key AS key, any_value(subject) AS subject, any_value(breakdown_key) AS breakdown_key,
           any_value(measure) AS measure, any_value(unit) AS unit,
           any_value(period_start) AS period_start, any_value(period_end) AS period_end,
           any_value(compared_start) AS compared_start, any_value(compared_end) AS compared_end,
           any_value(lo * scale) AS lo, any_value(hi * scale) AS hi, count(*) AS n, list(id ORDER BY id) AS ids
    FROM claims WHERE measure IN ('level', 'growth')
    GROUP BY figure_key
), level AS (
    SELECT key, subject, breakdown_key, unit, period_start, period_end, lo, hi, n, ids
    FROM reading WHERE measure = 'level' AND unit IN ('MAD', 'count')
), growth AS (
    SELECT key, subject, breakdown_key, period_start, period_end, compared_start, compared_end, 1 + lo AS lo, 1 + hi AS hi, ids
    FROM reading WHERE measure = 'growth' AND unit = 'percent'
), linked AS (
    SELECT c.key AS current_key, g.key AS growth_key, b.key AS base_key, list_concat(c.ids, g.ids, b.ids) AS claim_ids,
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
                   AND (b.key <> c.key OR b.n >= 2)  -- one figure as current and base takes two claims printing it
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
SELECT 'v-' || substring(sha256('growth-links-levels|base=' || base_key || ';current=' || current_key || ';growth=' || growth_key), 1, 16) AS id,
       current_key, growth_key, base_key, claim_ids,
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
WITH quantity AS (
    -- the figures one source prints of one product's share are one term: the hull of their intervals
    SELECT source, subject, period_start, period_end, breakdown_dims, breakdown_key, unit,
           min(lo * scale) AS lo, max(hi * scale) AS hi, list(id) AS ids
    FROM claims
    WHERE measure = 'share' AND breakdown_key <> '' AND unit = 'percent'
    GROUP BY source, subject, period_start, period_end, breakdown_dims, breakdown_key, unit, compared_start, compared_end
), sums AS (
    SELECT concat_ws('|', source, subject, period_start, period_end, breakdown_dims, unit) AS key,
           list_sort(flatten(list(ids))) AS ids, sum(lo) AS total_lo, sum(hi) AS total_hi
    FROM quantity
    GROUP BY source, subject, period_start, period_end, breakdown_dims, unit
    HAVING count(*) >= 2
)
SELECT 'v-' || substring(sha256('shares-sum-to-whole|part=' || key), 1, 16) AS id, ids,
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
        rows = connection.execute(CLAIMS_SELECT).fetchall()
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
    """(current, growth, base, status, margin) for each figure of a level printed with its growth and each base-period figure.

    A figure printed N times is one binding (its ``figure_key``), as the compiled rules bind it;
    the same figure as current and base needs two claims printing it.
    """
    printings: dict[str, int] = defaultdict(int)
    figures = {}
    for row in rows:
        printings[row[-1]] += 1
        figures[row[-1]] = row
    levels_by_release = defaultdict(list)  # (subject, breakdown, start, end) -> figures, whoever printed them
    levels_by_series = defaultdict(list)  # (subject, breakdown) -> figures
    growths = []
    for key, (_id, _source, subject, breakdown, _dims, measure, start, end, c_start, c_end, lo, hi, unit, scale, _key) in figures.items():
        if measure == "level" and unit in ("MAD", "count"):
            level = (key, unit, start, end, lo * scale, hi * scale)
            levels_by_release[(subject, breakdown, start, end)].append(level)
            levels_by_series[(subject, breakdown)].append(level)
        elif measure == "growth" and unit == "percent":
            growths.append((key, subject, breakdown, start, end, c_start, c_end, 1 + lo * scale, 1 + hi * scale))
    verdicts = []
    for (g_key, subject, breakdown, start, end, c_start, c_end, g_lo, g_hi) in growths:
        currents = levels_by_release.get((subject, breakdown, start, end))
        if not currents:
            continue
        spans_zero = g_lo <= 0 <= g_hi
        bases = [b for b in levels_by_series[(subject, breakdown)] if b[2] <= c_start and b[3] >= c_end and (b[3] - b[2]) - (c_end - c_start) <= 1]
        for (c_key, c_unit, _, _, c_lo, c_hi) in currents:
            for (b_key, b_unit, b_start, b_end, b_lo, b_hi) in bases:
                if b_unit != c_unit or (b_key == c_key and printings[b_key] < 2):
                    continue
                if spans_zero:
                    verdicts.append((c_key, g_key, b_key, "unverifiable", 0.0))
                    continue
                r_lo, r_hi = 1 / g_hi, 1 / g_lo
                products = (_times(c_lo, r_lo), _times(c_lo, r_hi), _times(c_hi, r_lo), _times(c_hi, r_hi))
                months, needed = b_end - b_start + 1, c_end - c_start + 1
                longer = months > needed
                status, margin = _status(min(products), max(products), 0.0 if longer else b_lo, b_hi)
                if status == "consistent" and longer and _december_unlike_the_rest(min(products), max(products), b_lo, b_hi, months, needed):
                    status = "implausible"
                verdicts.append((c_key, g_key, b_key, status, margin))
    return verdicts


def _december_unlike_the_rest(i_lo: float, i_hi: float, b_lo: float, b_hi: float, months: int, needed: int) -> bool:
    """The months a longer base adds, per month, against an average month of it: outside 0.25 to 4 times."""
    extra = months - needed
    return (b_hi - i_lo) / extra < 0.25 * (b_lo / months) or max(b_lo - i_hi, 0.0) / extra > 4.0 * (b_hi / months)


def shares_sum_to_whole(rows: list[tuple]) -> list[tuple]:
    """(claim ids, status, margin in points) for the shares one source gives of one whole, when there are two or more.

    The figures one source prints of one product's share are one term, the hull of their intervals.
    """
    quantities: dict[tuple, list] = {}
    for (id_, source, subject, key, dims, measure, start, end, c_start, c_end, lo, hi, unit, scale, _figure) in rows:
        if measure == "share" and key and unit == "percent":
            term = quantities.setdefault((source, subject, start, end, dims, key, c_start, c_end), [math.inf, -math.inf, []])
            term[0], term[1] = min(term[0], lo * scale), max(term[1], hi * scale)
            term[2].append(id_)
    groups = defaultdict(list)
    for (source, subject, start, end, dims, _key, _cs, _ce), term in quantities.items():
        groups[(source, subject, start, end, dims)].append(term)
    verdicts = []
    for terms in groups.values():
        if len(terms) < 2:
            continue
        total_lo = sum(t[0] for t in terms)
        total_hi = sum(t[1] for t in terms)
        status, margin = _status(total_lo, total_hi, -math.inf, 1.0)
        verdicts.append((tuple(sorted(i for t in terms for i in t[2])), status, margin / 0.01))
    return verdicts


def _times(x: float, y: float) -> float:
    return 0.0 if x == 0 or y == 0 else x * y


def _status(left_lo: float, left_hi: float, right_lo: float, right_hi: float) -> tuple[str, float]:
    gap = max(left_lo - right_hi, right_lo - left_hi, 0.0)
    if math.isnan(gap):
        return "unverifiable", 0.0
    tolerance = 1e-9 * max((abs(v) for v in (left_lo, left_hi, right_lo, right_hi) if math.isfinite(v)), default=0.0)
    return ("contradicted", gap) if gap > tolerance else ("consistent", 0.0)
