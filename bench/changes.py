"""What a change to a full store costs (issue 21, item 3 and the reprints of item 1).

Run on the bench's store once ``tally check`` has computed its verdicts and the server has
stopped, in process, through the same write path as the API and ``tally load``
(``service.checking``):

* a retraction: ten claims sampled with a fixed seed, each retracted in its own transaction;
* loading 1 000 more claims: 1 000 claims relayed by a new desk (new ids, the same figures),
  stored as ``POST /claims/batch`` stores them, then brought up to date (``checking.catch_up``):
  once sampled from the whole store (they touch most subjects: a whole recompute), once from
  the fewest subjects that hold 1 000 claims (a day's batch on a few stories: around them);
* adding one rule: the shipped rules and one more (``same-figure`` under another id), put in
  force by ``checking.reload``, beside that rule's own SQL time from ``tally check --stats``;
* 2 000 reprints of one figure: one claim relayed 2 000 times, then the verdict rows and the
  store's megabytes they cost.
"""

from __future__ import annotations

import os
import shutil
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import msgspec

from service import checking, shipped
from service.claims import ClaimIn
from service.rules.book import RuleBook
from service.sources import SourceIn
from service.store import Store

SEED = 0.42  # DuckDB's setseed: the same claims sampled on every run
RETRACTIONS = 10
MORE_CLAIMS = 1_000
REPRINTS = 2_000
ADDED_RULE = "same-figure"


@dataclass
class Changes:
    retraction_seconds: list[float] = field(default_factory=list)
    load_more_seconds: float = float("nan")
    load_more_subjects: int = 0
    load_few_seconds: float = float("nan")
    load_few_subjects: int = 0
    add_rule_seconds: float = float("nan")
    reprint_rows: int = 0  # verdict rows 2 000 reprints added (a reprint joins its figure's verdicts)
    reprint_named: int = 0  # claims the figure's verdicts name once the reprints are in
    reprint_megabytes: float = float("nan")  # what they added to the store file
    reprint_seconds: float = float("nan")

    @property
    def retraction_median(self) -> float:
        return statistics.median(self.retraction_seconds) if self.retraction_seconds else float("nan")


def measure(db: Path) -> Changes:
    """Every change above on ``db`` (changed in place: run it last)."""
    changes = Changes()
    book = RuleBook(shipped.rules_dir())
    with Store(str(db)) as store:
        checking.ensure_current(store, book)
        _retractions(store, book, changes)
        _load_more(store, book, changes)
        _add_rule(store, changes)
    _reprints(db, book, changes)
    return changes


def _sample(store: Store, count: int) -> list[str]:
    store.query(f"SELECT setseed({SEED})")
    return [row[0] for row in store.query("SELECT id FROM live_claims ORDER BY random() LIMIT ?", [count])]


def _retractions(store: Store, book: RuleBook, changes: Changes) -> None:
    for claim_id in _sample(store, RETRACTIONS):
        started = time.perf_counter()
        checking.retract(store, book, claim_id, "bench", "a retraction timed")
        changes.retraction_seconds.append(time.perf_counter() - started)


def _relayed(store: Store, ids: list[str], desk: str) -> list[tuple[str, SourceIn | ClaimIn]]:
    """The claims as a new desk relays them: the same figures, quotes of its own, so new ids."""
    claims = store.claims_by_id(ids)
    records: list[tuple[str, SourceIn | ClaimIn]] = [("desk", SourceIn(id=desk, title=desk, outlet="Bench relay", language="fr"))]
    for n, claim_id in enumerate(ids):
        claim = claims[claim_id]
        body = ClaimIn(
            source=desk, quote=f"{desk} {n}: {claim.quote}", subject=claim.subject, breakdown=claim.breakdown, measure=claim.measure,
            period=claim.period, compared_to=claim.compared_to, figure=claim.figure, unit=claim.unit, direction=claim.direction,
            origin=claim.origin, released=claim.released,
        )  # fmt: skip
        records.append((f"claim {n}", body))
    return records


def _load_more(store: Store, book: RuleBook, changes: Changes) -> None:
    changes.load_more_seconds, changes.load_more_subjects = _timed_load(store, book, _sample(store, MORE_CLAIMS), "bench-relay")
    few = store.query(
        "SELECT id FROM (SELECT id, sum(1) OVER (ORDER BY n DESC, subject, id) AS running "
        "FROM (SELECT id, subject, count(*) OVER (PARTITION BY subject) AS n FROM live_claims)) WHERE running <= ? ORDER BY running",
        [MORE_CLAIMS],
    )
    changes.load_few_seconds, changes.load_few_subjects = _timed_load(store, book, [row[0] for row in few], "bench-relay-few")


def _timed_load(store: Store, book: RuleBook, ids: list[str], desk: str) -> tuple[float, int]:
    """Seconds to store and bring up to date the claims relayed, and how many subjects they touch."""
    records = _relayed(store, ids, desk)
    started = time.perf_counter()
    before = checking.mark(store, book)
    checking.store_batch(store, records)
    checking.catch_up(store, book, before)
    return time.perf_counter() - started, len({r.subject for _, r in records if isinstance(r, ClaimIn)})


def _add_rule(store: Store, changes: Changes) -> None:
    folder = Path(tempfile.mkdtemp(prefix="tally-bench-rules-"))
    try:
        rules = folder / "rules"
        shutil.copytree(shipped.rules_dir(), rules)
        book = RuleBook(rules)
        checking.ensure_current(store, book)
        text = (rules / f"{ADDED_RULE}.yaml").read_text(encoding="utf-8")
        (rules / f"{ADDED_RULE}-again.yaml").write_text(text.replace(f"id: {ADDED_RULE}", f"id: {ADDED_RULE}-again"), encoding="utf-8")
        started = time.perf_counter()
        checking.reload(store, book)
        changes.add_rule_seconds = time.perf_counter() - started
        (rules / f"{ADDED_RULE}-again.yaml").unlink()
        checking.reload(store, book)  # the store as the shipped rules leave it
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _reprints(db: Path, book: RuleBook, changes: Changes) -> None:
    with Store(str(db)) as store:
        [claim_id] = _sample(store, 1)
        records = _relayed(store, [claim_id] * REPRINTS, "bench-reprints")
        rows_before = store.query("SELECT count(*) FROM verdicts")[0][0]
        store.query("CHECKPOINT")
    size_before = os.path.getsize(db)
    with Store(str(db)) as store:
        started = time.perf_counter()
        before = checking.mark(store, book)
        checking.store_batch(store, records)
        checking.catch_up(store, book, before)
        changes.reprint_seconds = time.perf_counter() - started
        changes.reprint_rows = store.query("SELECT count(*) FROM verdicts")[0][0] - rows_before
        changes.reprint_named = store.query(
            "SELECT coalesce(max(len(claim_ids)), 0) FROM verdicts WHERE list_contains(claim_ids, ?)", [claim_id]
        )[0][0]
        store.query("CHECKPOINT")
    changes.reprint_megabytes = (os.path.getsize(db) - size_before) / 1e6


def cells(changes: Changes, rule_sql_seconds: float) -> dict[str, str]:
    """Each measure's cell for the bench's table (``ROWS`` names them)."""
    def ms(seconds: float) -> str:
        return f"{seconds * 1000:,.0f} ms"

    return {
        "retraction": f"{ms(changes.retraction_median)} / {ms(max(changes.retraction_seconds))}",
        "load more": f"{changes.load_more_seconds:.2f} s ({changes.load_more_subjects:,} subjects)",
        "load few": f"{changes.load_few_seconds:.2f} s ({changes.load_few_subjects:,} subjects)",
        "add rule": f"{changes.add_rule_seconds:.2f} s / {rule_sql_seconds + 0.5:.2f} s",
        "reprints": f"{changes.reprint_rows:,} / {changes.reprint_named:,} / {changes.reprint_megabytes:+.1f} MB / {changes.reprint_seconds:.2f} s",
    }


# (key in cells, measure, target)
ROWS = (
    ("retraction", "a retraction: median of 10 / slowest", "< 100 ms"),
    ("load more", f"loading {MORE_CLAIMS:,} more claims sampled over the store, verdicts included", "< 1 s"),
    ("load few", f"loading {MORE_CLAIMS:,} more claims on the fewest subjects, verdicts included", "< 1 s"),
    ("add rule", f"adding one rule ({ADDED_RULE} again) / its SQL + 0.5 s", "first < second"),
    ("reprints", f"{REPRINTS:,} reprints of one figure: verdict rows added / claims its verdict names / store / seconds", "O(N) rows"),
)
