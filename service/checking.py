"""The one write path: claims in -> stored -> verdicts, each step in one transaction.

The HTTP API (``POST /claims``, ``POST /check``, ``POST /claims/batch``), ``tally
load`` and the bench all come through here:

* :func:`submit` stores one claim (or, for a dry run, rolls it back), checks it
  in process against its neighbourhood (the claims it can bind with, read by
  subject), and writes its verdicts, all in one transaction;
* :func:`store_batch` stores a file or a batch in one transaction through the
  store's bulk path, then :func:`recompute` runs every rule's SQL over the store;
* :func:`ensure_current` recomputes only when the rules in force changed since
  the verdicts were last computed (a server start, a reload).

It also reads the verdicts back for a desk: :func:`render` writes their words,
:func:`blame` says which figures to doubt first (``GET /blame``, ``tally blame``).
"""

from __future__ import annotations

import itertools
import operator
import time
from contextlib import contextmanager
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec

from service import blame as blaming
from service.claims import Claim, ClaimIn, build_claim, quantity_of
from service.errors import InvalidField
from service.reasons import N_, Quoted, Reason
from service import building
from service.rules import local
from service.rules.book import RuleBook, RuleSet
from service.rules.model import Rule
from service.rules.explain import ENGLISH, Surroundings, Words, render_verdict
from service.rules.plan import CLAIM_COLUMNS, RELEASE_KEYS, REVISED, AllOf, RulePlan, VerdictRow
from service.rules.sql import neighbourhood_conditions, reach_condition
from service.sources import Source, SourceIn
from service.store import Connection, Neighbourhood, RuleQuery, Store, executor_row
from service.diagnosing import DIAGNOSED, diagnose
from service.verdicts import STATUS_ORDER, Verdict

_RULES_KEY = "verdicts_rules"


class BatchReport(msgspec.Struct):
    sources_added: int = 0
    claims_added: int = 0
    skipped: int = 0


@dataclass
class Checked:
    """A claim as read and every verdict it takes part in, rendered."""

    claim: Claim
    verdicts: list[Verdict] = field(default_factory=list)


# --- one claim ----------------------------------------------------------------------


def submit(store: Store, book: RuleBook, body: ClaimIn, keep: bool, words: Words = ENGLISH) -> Checked:
    """Store a claim and its verdicts (``keep``), or answer what they would be and store nothing."""
    with store.transaction(commit=keep) as connection:
        rules = book.current  # read under the store's lock, which a reload holds while it swaps the rules and their verdicts
        claim = build_claim(body, _source(store, body.source, connection))
        if keep:
            store.add_claim(claim, connection)  # Conflict if it is stored already
        new = keep or store.add_claim_if_new(claim, connection)
        rows, neighbourhood = _anchored(store, rules, claim, connection)
        first_seen = store.upsert_verdicts(rows, _subjects_of(neighbourhood.rows), connection)
        if keep and store.revises(claim, connection):
            # A new figure of a quantity its origin printed already changes how verdicts it is not
            # in read that quantity (plan.RELEASE_KEYS): they all hold a claim of its subject.
            _recompute_around(store, rules, [claim], connection)
        claims = neighbourhood.claims({i for row in rows for i in row.roles_ids}) if rows else {}
        # outdated: a later release of its origin was out when its source printed it (read while a "what if" holds the claim)
        store.with_warnings([claim, *claims.values()], connection)
    if not keep and new:
        first_seen = {}  # a "what if" about a new claim: the store never held these verdicts
    order = _verdict_order(rules)
    rows.sort(key=lambda row: (order[row.status, row.rule], row.id))
    return Checked(claim, _rendered(store, rules, [(row, first_seen.get(row.id)) for row in rows], claims, words=words))


def _verdict_order(rules: RuleSet) -> dict[tuple[str, str], int]:
    """Contradictions first, then in rule order: as ``GET /verdicts`` lists them."""
    pairs = [(status, rule.id) for status in STATUS_ORDER for rule in rules.rules]
    return {pair: rank for rank, pair in enumerate(pairs)}


def _source(store: Store, source_id: str, connection: Connection) -> Source:
    if (source := store.find_source(source_id, connection)) is None:
        raise InvalidField("source", Reason(N_("no source with id %(id)s: POST /sources first"), id=Quoted(source_id)))
    return source


def _anchored(store: Store, rules: RuleSet, claim: Claim, connection: Connection) -> tuple[list[VerdictRow], Neighbourhood]:
    """The verdicts a new claim takes part in, found in process over its neighbourhood.

    A verdict's id names readings and groups, not claims (``plan.verdict_key``): a new
    reprint of a figure, or a new member of a group, rewrites the verdicts it joins under
    their ids, so none is left behind to drop.
    """
    reach = _Reach.of(rules, [claim])
    conditions = neighbourhood_conditions("subject", reach.literal_subjects, reach.untied)
    neighbourhood = store.neighbourhood(conditions, claim.subject, connection)
    rows: list[VerdictRow] = []
    grouped = local.Grouped(neighbourhood.rows)
    for plan in reach.plans:
        rows += local.execute(plan, grouped, anchor=claim.id)
    return rows, neighbourhood


@dataclass(frozen=True)
class _Reach:
    """Where verdicts holding some claims can reach: the rules with a binding that accepts one of them,
    the subjects those rules name literally (``ma.regions``), and the filters of the bindings not tied
    to the claims' subjects (which may hold a claim of any subject)."""

    plans: list[RulePlan]
    literal_subjects: list[str]
    untied: list[AllOf]

    @classmethod
    def of(cls, rules: RuleSet, claims: Sequence[Claim]) -> _Reach:
        rows = [executor_row(claim) for claim in claims]
        accepting = {(rule_id, name): plan for rule_id, plan in rules.plans.items() for row in rows for name in local.accepting_bindings(plan, row)}
        plans = list({id(plan): plan for plan in accepting.values()}.values())
        untied = {(rule_id, other): AllOf(plan.binding(other).filters) for (rule_id, name), plan in accepting.items() for other in plan.untied_to(name)}
        return cls(plans, sorted({s for plan in plans for s in plan.literal_subjects}), list(untied.values()))


# A change to at most this many claims is recomputed in process over their reach: DuckDB
# plans each rule's query in 50 to 400 ms whatever the rows (measured at 100 000 claims),
# while the in-process executor reads a few subjects' claims in milliseconds.
IN_PROCESS_AT_MOST = 8


def _recompute_around(store: Store, rules: RuleSet, claims: Sequence[Claim], connection: Connection) -> dict[str, float]:
    """Recompute what a change to ``claims`` (stored, withdrawn, revising a release) can alter; seconds per rule.

    Every verdict a claim's change can alter holds a claim of its subject: one that held
    the claim, one whose group or release it read.  So the rules that accept one of the
    claims run over the claims such verdicts can bind (``_Reach``):

    * for a few claims, in process, twice: over the neighbourhood as it was before the
      change and as it is after, each time finding only the verdicts that hold a claim the
      change touches (below).  The store holds the verdicts its executors find (the whole
      recompute's SQL and this executor agree: ``tests/test_incremental.py``), so the first
      run names the stored verdicts the change can alter; only those that differ after it
      are written, and those no longer found deleted;
    * for more, each rule's SQL, unchanged, over that reach replaces every verdict holding
      a claim of those subjects.

    Verdicts not computed by the rules in force (a load not yet recomputed) are all recomputed.
    """
    if store.setting(_RULES_KEY, connection) != rules.fingerprint:
        return _recompute_within(store, rules, connection)
    reach = _Reach.of(rules, claims)
    if not reach.plans:
        return {}
    subjects = sorted({claim.subject for claim in claims})
    if len(claims) > IN_PROCESS_AT_MOST:
        queries = _rule_queries(rules, [plan.rule.id for plan in reach.plans])
        scope = reach_condition("subjects", reach.literal_subjects, reach.untied)
        return store.replace_verdicts_around(queries, scope, subjects, connection)
    conditions = neighbourhood_conditions("subject", reach.literal_subjects, reach.untied)
    after = {claim_id: row for subject in subjects for claim_id, row in store.neighbour_rows(conditions, subject, connection).items()}
    changed = {claim.id: executor_row(claim) for claim in claims}
    before = {claim_id: row for claim_id, row in after.items() if claim_id not in changed}  # without the claims the change added
    before.update((claim_id, row) for claim_id, row in changed.items() if claim_id not in after)  # with those it withdrew
    either = {**before, **after}
    shared = _sharing(changed.values(), either)
    timings: dict[str, float] = {}
    was: dict[str, VerdictRow] = {}
    now: dict[str, VerdictRow] = {}
    grouped_before, grouped_after = local.Grouped(list(before.values())), local.Grouped(list(after.values()))
    for plan in reach.plans:
        started = time.perf_counter()
        mates = set().union(*(local.group_mates(plan, row, either.values()) for row in changed.values()))
        anchors = {claim_id for claim_id in shared | mates if claim_id in changed or after[claim_id][_SUBJECT] in subjects}
        was.update((row.id, row) for row in local.execute(plan, grouped_before, anchors=anchors))
        now.update((row.id, row) for row in local.execute(plan, grouped_after, anchors=anchors))
        timings[plan.rule.id] = time.perf_counter() - started
    written = [row for verdict_id, row in now.items() if was.get(verdict_id) != row]
    gone = [verdict_id for verdict_id in was if verdict_id not in now]
    store.upsert_verdicts(written, _subjects_of(after.values()), connection, gone=gone)
    return timings


# What a verdict reads of its claims beyond their own columns: the reading they print (every
# claim of one figure_key), the groups they are members of, and their origin's reading of their
# quantity in a release (local._revised).  A stand-in is a relation between the claims it binds,
# not the absence of another claim.  So every verdict a change to a claim can make appear, go or
# change holds, before the change or after it, the claim, a claim of the same figure, one of the
# same quantity from the same origin and release, or a member of one of its groups; and the
# verdicts around a change are those holding a claim of its subjects (above).  Those are the
# claims its verdicts are found again for, before and after (``anchors``).


def _sharing(changed: Iterable[Row], rows: Mapping[str, Row]) -> set[str]:
    """The changed claims, and those of ``rows`` that print one of their figures, or one of their
    quantities in the same release of its origin."""
    shared: set[str] = set()
    for row in changed:
        shared.add(row[0])
        in_release = row[_ORIGIN] is not None and row[_RELEASED] is not None
        for other in rows.values():
            if other[_FIGURE_KEY] == row[_FIGURE_KEY] or in_release and _release_key(other) == _release_key(row):
                shared.add(other[0])
    return shared


Row = tuple[Any, ...]  # a claim as an executor reads it (CLAIM_COLUMNS)
_SUBJECT, _FIGURE_KEY, _ORIGIN, _RELEASED = (CLAIM_COLUMNS.index(c) for c in ("subject", "figure_key", "origin", "released"))
_release_key = operator.itemgetter(*(CLAIM_COLUMNS.index(c) for c in ("origin", "released", *RELEASE_KEYS)))


def _subjects_of(rows: Iterable[tuple[Any, ...]]) -> dict[str, str]:
    """{claim id: subject} of executor rows (``CLAIM_COLUMNS``)."""
    return {row[0]: row[_SUBJECT] for row in rows}


def _rule_queries(rules: RuleSet, rule_ids: Iterable[str]) -> list[RuleQuery]:
    """What the store runs to write the verdicts of ``rule_ids``."""
    return [RuleQuery(rule_id, rules.compiled[rule_id].verdict_rows_sql(), rules.plans[rule_id].one_subject) for rule_id in rule_ids]


def render(
    store: Store,
    rules: RuleSet,
    rows: Sequence[tuple[VerdictRow, object]],
    connection: Connection | None = None,
    words: Words = ENGLISH,
) -> list[Verdict]:
    """The words of the verdicts a response carries, and only those, in ``words``' language (the desk's pages pass the page's)."""
    claims = store.claims_by_id(list({i for row, _ in rows for i in row.roles_ids}), connection)
    return _rendered(store, rules, rows, claims, connection, words)


def _rendered(
    store: Store,
    rules: RuleSet,
    rows: Sequence[tuple[VerdictRow, object]],
    claims: dict[str, Claim],
    connection: Connection | None = None,
    words: Words = ENGLISH,
) -> list[Verdict]:
    """Each verdict's words, and for a contradicted or implausible one its diagnoses."""
    around = _surroundings(store, [row for row, _ in rows], claims, connection)
    verdicts = [render_verdict(rules.plans[row.rule], row, claims, first_seen, words, around) for row, first_seen in rows]  # type: ignore[arg-type]
    diagnosed = [(verdict, row) for verdict, (row, _) in zip(verdicts, rows) if row.status in DIAGNOSED]
    if diagnosed and rules.mechanisms:
        sources = store.sources_by_id(list({claims[i].source for _, row in diagnosed for i in row.roles_ids}), connection)
        for verdict, row in diagnosed:
            verdict.diagnoses = diagnose(rules.plans[row.rule], row, claims, rules.mechanisms, lambda source: sources[source].language, words)
    return verdicts


def _surroundings(store: Store, rows: Sequence[VerdictRow], claims: dict[str, Claim], connection: Connection | None) -> Surroundings:
    """What the verdicts' words name beside their rows (``explain.Surroundings``), read from the store only where needed."""
    named = [claims[i] for row in rows for i in row.roles_ids]
    if not any(claim.origin is not None for claim in named) and not any(row.status == "contradicted" for row in rows):
        return Surroundings()
    names = store.origin_names(connection) if any(claim.origin is not None for claim in named) else {}
    revisions: dict[str, Claim] = {}
    for row in rows:
        if row.status == REVISED:
            revisions.update(_revised_figures(store, [claims[i] for i in row.roles_ids], connection))
    sources = {c.source for row in rows if row.status == "contradicted" for i in row.roles_ids if (c := claims[i]).origin is None}
    published = {}
    if sources:
        sources |= {claims[i].source for row in rows if row.status == "contradicted" for i in row.roles_ids}
        published = {sid: getattr(source, "published", None) for sid, source in store.sources_by_id(sorted(sources), connection).items()}
    return Surroundings(origin_names=names, revisions=revisions, published=published)


def _revised_figures(store: Store, claims: list[Claim], connection: Connection | None) -> dict[str, Claim]:
    """For each claim of a revised verdict from an earlier release, the figure its origin's latest release among them printed."""
    latest = max(claim.released or "" for claim in claims)
    found = {}
    for claim in claims:
        if claim.released is None or claim.released >= latest:
            continue
        in_verdict = next((c for c in claims if c.released == latest and c.origin == claim.origin and quantity_of(c) == quantity_of(claim)), None)
        later = in_verdict or store.release_figure(claim, latest, connection)
        if later is not None:
            found[claim.id] = later
    return found


# --- an article -----------------------------------------------------------------------


@dataclass
class CheckedCandidate:
    """One candidate of an article: the claim it would be (or the stored one it is), its verdicts, or why it cannot be read."""

    claim: Claim | None = None
    recognised: bool = False
    verdicts: list[Verdict] = field(default_factory=list)
    problem: InvalidField | None = None


def check_article(store: Store, book: RuleBook, bodies: Sequence[ClaimIn], words: Words = ENGLISH) -> list[CheckedCandidate]:
    """What an article's claims would get, each against the store and against the others, storing nothing.

    :func:`submit`'s dry run, for many claims at once: every claim is built and added in one
    transaction that is rolled back, so the verdicts of each see the article's other claims
    as if stored.  A claim the store holds already, from the same source, of the same
    quantity (subject, breakdown, measure, period, base) and reading the same interval, is
    *recognised*: it is that stored claim, added once, never twice.
    """
    results = [CheckedCandidate() for _ in bodies]
    anchored: list[tuple[int, Claim, bool]] = []
    with store.transaction(commit=False) as connection:
        rules = book.current
        stored: dict[tuple[str, ...], list[Claim]] = {}
        for index, body in enumerate(bodies):
            try:
                claim = build_claim(body, _source(store, body.source, connection))
            except InvalidField as exc:
                results[index].problem = exc
                continue
            same = _stored_as(store, stored, claim, connection)
            if same is not None:
                claim = same
            new = same is None and store.add_claim_if_new(claim, connection)
            results[index].recognised = same is not None
            anchored.append((index, claim, new))
        rendered = []
        for index, claim, new in anchored:
            # The verdicts are not upserted (submit does it to learn when each was first seen): a dry run
            # of forty claims would write and roll back forty sets of verdicts to say "not yet".
            rows, neighbourhood = _anchored(store, rules, claim, connection)
            claims = neighbourhood.claims({i for row in rows for i in row.roles_ids}) if rows else {}
            rendered.append((index, claim, rows, {}, claims))
    order = _verdict_order(rules)
    for index, claim, rows, first_seen, claims in rendered:
        rows.sort(key=lambda row: (order[row.status, row.rule], row.id))
        results[index].claim = claim
        results[index].verdicts = _rendered(store, rules, [(row, first_seen.get(row.id)) for row in rows], claims, words=words)
    return results


def _stored_as(store: Store, stored: dict[tuple[str, ...], list[Claim]], claim: Claim, connection: Connection) -> Claim | None:
    """The stored claim this one is (same source, quantity and reading), if any."""
    key = (claim.source, claim.subject)
    if key not in stored:
        stored[key] = store.claims_of_source(claim.source, [claim.subject], connection)
    for other in stored[key]:
        if (other.breakdown, other.measure, other.period, other.compared_to) != (claim.breakdown, claim.measure, claim.period, claim.compared_to):
            continue
        if other.id == claim.id or (other.interval is not None and other.interval == claim.interval):
            return other
    return None


# --- a claim entered wrongly --------------------------------------------------------
#
# A withdrawn claim leaves the view every rule reads (store.py), so the verdicts it was in
# must go, and some it blocked may come back: a group that lost a member is summed again
# without it, a stand-in it shadowed is used again, which no per-verdict delete can tell.
# Both hold a claim of its subject: the rules that accept it are recomputed around it.


def retract(store: Store, book: RuleBook, claim_id: str, by: str, reason: str) -> Claim:
    """Mark a stored claim retracted (who, why, when) and take it out of every verdict; the claim as marked."""
    with store.transaction() as connection:
        withdrawn = store.withdraw_claim(claim_id, by, reason, connection)
        _recompute_around(store, book.current, [withdrawn], connection)
        return withdrawn


def correct(
    store: Store, book: RuleBook, claim_id: str, body: ClaimIn, by: str, reason: str, words: Words = ENGLISH
) -> Checked:
    """Store a claim that supersedes a stored one, linked both ways; the new claim and every verdict it takes part in.

    The old claim leaves every verdict as a retracted one does; all or nothing: an
    unknown or withdrawn old claim, or a new one stored already, leaves the store as it was.
    """
    with store.transaction() as connection:
        rules = book.current  # under the store's lock, as in submit
        claim = build_claim(body, _source(store, body.source, connection))
        withdrawn = store.withdraw_claim(claim_id, by, reason, connection, superseded_by=claim.id)
        store.add_claim(claim, connection)  # Conflict if it is stored already
        store.mark_correction(claim.id, claim_id, connection)
        _recompute_around(store, rules, [withdrawn, claim], connection)
        rows = store.list_verdicts(rules, claim=claim.id, connection=connection).items
        return Checked(store.claims_by_id([claim.id], connection)[claim.id], render(store, rules, rows, connection, words))


# --- many claims --------------------------------------------------------------------


Record = tuple[str, SourceIn | ClaimIn]  # (where in the file or batch, record)
Progress = Callable[[int, int | None], None]  # (claims done, total if known)


CHUNK = 20_000  # claims built and staged at a time: memory stays flat whatever the file's size


def store_batch(store: Store, records: Iterable[Record], progress: Progress | None = None, chunk: int = CHUNK) -> BatchReport:
    """Store every source and claim of a file or a batch, all or nothing, in one transaction.

    Records are read, built and staged a chunk at a time through the store's bulk
    path, then stored in one statement.  Claims whose id is stored already are
    skipped, so a rerun stores nothing twice.  Verdicts are not touched: take a
    :func:`mark` before and call :func:`catch_up` once the batches are in.
    """
    report = BatchReport()
    known: dict[str, Source] = {}
    staged = 0
    with store.transaction() as connection:
        for part in _chunks(records, chunk):
            rows = building.build_rows(*_bodies_and_sources(store, part, known, report, connection))
            store.stage_claims(rows, connection)
            staged += len(rows)
            if progress:
                progress(staged, None)
        report.claims_added = store.store_staged_claims(connection) if staged else 0  # an empty batch stages nothing
        report.skipped += staged - report.claims_added
        if report.claims_added:
            # The verdicts no longer cover every claim until the caller's recompute.  Said in
            # the same transaction, so that if the process dies before that recompute, the next
            # start (ensure_current) recomputes; a rerun of the load, which adds nothing, would not.
            store.forget_setting(_RULES_KEY, connection)
    return report


def _chunks(records: Iterable[Record], size: int) -> Iterator[list[Record]]:
    iterator = iter(records)  # itertools.batched is Python 3.12+
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def _bodies_and_sources(
    store: Store, chunk: Sequence[Record], known: dict[str, Source], report: BatchReport, connection: Connection
) -> tuple[list[tuple[str, ClaimIn]], dict[str, Source]]:
    """Store a chunk's sources; its claim bodies, and the sources they name, to be built."""
    sources = [Source(**msgspec.structs.asdict(r)) for _, r in chunk if isinstance(r, SourceIn)]
    added = store.add_sources(sources, connection)
    report.sources_added += added
    report.skipped += len(sources) - added
    known.update((s.id, s) for s in sources)
    bodies = [(where, r) for where, r in chunk if isinstance(r, ClaimIn)]
    named = {body.source for _, body in bodies}
    known.update(store.sources_by_id(sorted(named - set(known)), connection))
    return bodies, {name: known[name] for name in named if name in known}


@dataclass(frozen=True)
class Mark:
    """Where a store stood before a load (:func:`mark`), for :func:`catch_up` to bring its verdicts up to date after it."""

    seq: int  # the last claim stored before the load
    claims: int  # how many claims it held
    current: bool  # whether its verdicts were those of the rules in force


# A load is recomputed around the subjects it touches when they hold at most this share of
# the store's claims; beyond, as a whole.  Replacing a subject's verdicts deletes and inserts
# them under the table's index, which costs more than rewriting the table once: a load of
# 1 000 claims over 339 of 708 subjects at 100 000 claims took 20.8 s around its subjects
# (6.2 s of it the rules' SQL), against about 7 s for a whole recompute.
AROUND_AT_MOST = 0.1


def mark(store: Store, book: RuleBook) -> Mark:
    return Mark(store.last_seq, store.count_claims(), store.setting(_RULES_KEY) == book.current.fingerprint)


def catch_up(
    store: Store,
    book: RuleBook,
    before: Mark,
    on_rule: Callable[[str, int, int], None] | None = None,
    around_at_most: float = AROUND_AT_MOST,
) -> dict[str, float]:
    """The verdicts after a load (``before`` taken ahead of it); seconds per rule.

    Into a store whose verdicts were current, a load recomputes only around the subjects it
    touches (:func:`_recompute_around`) when they hold few of its claims (``around_at_most``,
    a share); a first load, one touching most subjects, or one into a store whose verdicts
    were not current recomputes every rule.
    """
    with store.transaction() as connection:
        rules = book.current
        added = store.last_seq - before.seq
        if added == 0 and store.setting(_RULES_KEY, connection) == rules.fingerprint:
            return {}
        if before.current and 0 < added and store.claims_of_subjects_after(before.seq, connection) <= before.claims * around_at_most:
            # store_batch forgot the rules' fingerprint until this catch-up: what it adds is all that is not current.
            store.set_setting(_RULES_KEY, rules.fingerprint, connection)
            return _recompute_around(store, rules, store.claims_after(before.seq, connection), connection)
        return _recompute_within(store, rules, connection, on_rule)


def recompute(store: Store, book: RuleBook, on_rule: Callable[[str, int, int], None] | None = None) -> dict[str, float]:
    """Every rule's SQL over the whole store into the verdicts table; seconds per rule.

    ``on_rule(rule id, rules done, rules in all)`` hears of each rule before its query runs (a progress bar).
    """
    with store.transaction() as connection:
        return _recompute_within(store, book.current, connection, on_rule)


def _recompute_within(
    store: Store, rules: RuleSet, connection: Connection, on_rule: Callable[[str, int, int], None] | None = None
) -> dict[str, float]:
    timings = store.replace_verdicts(_rule_queries(rules, rules.compiled), connection, on_rule)
    store.set_setting(_RULES_KEY, rules.fingerprint, connection)
    return timings


def reload(store: Store, book: RuleBook) -> list[Rule]:
    """Read the rules folder again and put it in force together with the verdicts it computes.

    The folder is read and compiled outside the store's lock (it may take a worker a
    second); the recompute and the swap happen in one transaction, under that lock.  So
    a claim posted meanwhile is checked, and its verdicts kept, wholly under the old set
    (and then recomputed) or wholly under the new one, and a reader holding the lock
    (:func:`in_force`) never sees verdicts of one set rendered by the other.  A broken
    file raises RuleFileError before anything changes: the set in force stays.
    """
    fresh = book.load()
    with store.transaction() as connection:
        current = book.current
        if store.setting(_RULES_KEY, connection) == current.fingerprint:
            # The verdicts are those of the rules in force: only the rules added, changed or removed need their SQL run.
            changed = [rule_id for rule_id, c in fresh.compiled.items() if _rule_sql(current, rule_id) != c.verdict_rows_sql()]
            removed = [rule_id for rule_id in current.compiled if rule_id not in fresh.compiled]
            store.replace_rule_verdicts(_rule_queries(fresh, changed), changed + removed, connection)
            store.set_setting(_RULES_KEY, fresh.fingerprint, connection)
        else:
            _recompute_within(store, fresh, connection)
        book.install(fresh)
    return list(fresh.rules)


def _rule_sql(rules: RuleSet, rule_id: str) -> str | None:
    compiled = rules.compiled.get(rule_id)
    return None if compiled is None else compiled.verdict_rows_sql()


@contextmanager
def in_force(store: Store, book: RuleBook) -> Iterator[tuple[RuleSet, Connection]]:
    """The rules in force and a connection on the verdicts they computed, held together for one answer."""
    with store.transaction(commit=False) as connection:  # a read: nothing to commit
        yield book.current, connection


def ensure_current(store: Store, book: RuleBook, on_rule: Callable[[str, int, int], None] | None = None) -> bool:
    """Recompute the verdicts if the rules in force are not those they were computed with; whether it did."""
    if store.setting(_RULES_KEY) == book.current.fingerprint:
        return False
    recompute(store, book, on_rule)
    return True


def all_verdicts(store: Store, book: RuleBook) -> list[Verdict]:
    """Recompute, then every verdict over the store, rendered, contradictions first: ``tally check`` in one call."""
    recompute(store, book)
    rules = book.current
    return render(store, rules, store.list_verdicts(rules).items)


def blame(store: Store, book: RuleBook, subject: str | None = None) -> blaming.Blame:
    """The claims in contradicted verdicts kept in the store, and the least-weight sets of readings whose removal leaves none.

    The search runs over readings (``plan.figure_key``), not claims: every claim that
    printed a figure is doubted with it, and the figure weighs what they weigh together.
    """
    conflicts = store.contradicted_claim_sets(book.current, subject=subject)
    counts: dict[str, int] = {}
    for claim_ids in conflicts:
        for claim_id in set(claim_ids):
            counts[claim_id] = counts.get(claim_id, 0) + 1
    readings = store.readings_of(sorted(counts))
    reading_of = {claim_id: key for key, ids in readings.items() for claim_id in ids}
    named = store.claims_to_blame(sorted(reading_of))
    weights = {key: sum(named[claim_id][2] for claim_id in ids) for key, ids in readings.items()}
    solution = blaming.minimal_sets([sorted({reading_of[c] for c in claim_ids}) for claim_ids in conflicts], weights)
    suspects = [
        blaming.Suspect(id=claim_id, source=named[claim_id][0], quote=named[claim_id][1], contradictions=n, weight=named[claim_id][2])
        for claim_id, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]
    # each set as its claims, in their order (the solver orders sets of readings by key)
    chosen_sets = sorted((sorted(claim_id for key in chosen for claim_id in readings[key]), chosen) for chosen in solution.sets)
    return blaming.Blame(
        claims=suspects,
        minimal_sets=[claim_ids for claim_ids, _ in chosen_sets],
        readings=[[blaming.Reading(key=key, claims=readings[key]) for key in chosen] for _, chosen in chosen_sets],
        weight=solution.weight,
        exact=solution.exact,
        components=[
            blaming.ComponentSummary(
                claims=sum(len(readings[key]) for key in c.claims),
                readings=len(c.claims),
                verdicts=c.verdicts,
                weight=c.weight,
                exact=c.exact,
                alternatives=len(c.sets),
            )
            for c in solution.components
        ],
    )


def anchored_rows(store: Store, book: RuleBook, claim_id: str) -> list[VerdictRow]:
    """What the in-process executor finds for a stored claim over its neighbourhood, without writing anything."""
    with store.transaction(commit=False) as connection:
        claim = store.claims_by_id([claim_id], connection)[claim_id]
        return _anchored(store, book.current, claim, connection)[0]
