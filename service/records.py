"""Track records: what the store says of an origin's or a source's figures, computed, never typed in.

A record counts the figures (claims in force, and those withdrawn), how many of them take
part in contradicted, implausible and revised verdicts, how many sit in the minimal sets
``GET /blame`` gives for their subjects (and whether those sets were proven lightest), and
the corrections and retractions.  An origin's record adds its revisions: each quantity's
figure from one release to the next release that printed it differently, how large (in
percent of the earlier figure: median and largest) and how many days apart.

Every number carries the link that lists what is behind it (``GET /verdicts``,
``GET /claims``, ``GET /blame`` with filters), so a desk can check each one.
"""

from __future__ import annotations

import datetime
import math
import statistics
from collections import defaultdict
from typing import Literal
from urllib.parse import urlencode

import msgspec

from service import checking
from service.claims import Claim, base_interval, quantity_of
from service.origins import release_start
from service.rules.book import RuleBook
from service.store import Store

COUNTED = ("contradicted", "implausible", "revised")


class StatusCount(msgspec.Struct):
    """Figures of the record in verdicts of one status, and the verdicts themselves (listed at ``verdicts``)."""

    figures: int
    verdicts: int
    link: str


class BlamedSubject(msgspec.Struct):
    """One subject's minimal sets (``GET /blame?subject=``): which of the record's figures they hold, and whether proven lightest."""

    subject: str
    figures: list[str]
    exact: bool
    link: str


class Blamed(msgspec.Struct):
    figures: int  # the record's figures in some minimal set of their subject
    exact: bool  # every one of those subjects' sets was proven lightest
    subjects: list[BlamedSubject]


class Withdrawn(msgspec.Struct):
    """Figures entered wrongly and taken out of every verdict: retracted, or corrected by another claim."""

    retracted: list[str]
    corrected: list[str]


class Revision(msgspec.Struct):
    """One quantity's figure in one release, and in the next release that printed it differently."""

    subject: str
    measure: str
    period: str
    earlier: str  # claim ids
    later: str
    earlier_released: str
    later_released: str
    percent: float | None  # of the earlier figure; None when it is 0 or has an open end
    days: int
    link: str  # the verdicts both figures take part in


class Revisions(msgspec.Struct):
    count: int
    median_percent: float | None
    largest_percent: float | None
    median_days: float | None
    largest_days: int | None
    revisions: list[Revision]
    link: str  # the revised verdicts over the origin's figures


class Record(msgspec.Struct):
    kind: Literal["origin", "source"]
    id: str
    name: str
    figures: int  # claims in force
    figures_link: str
    statuses: dict[str, StatusCount]  # contradicted, implausible, revised
    blamed: Blamed
    withdrawn: Withdrawn
    revisions: Revisions | None = None  # an origin's


def origin_record(store: Store, book: RuleBook, origin: str) -> Record:
    claims = _all_claims(store, origin=origin)
    name = store.origin_names().get(origin, origin)
    record = _record(store, book, "origin", origin, name, claims)
    record.revisions = _revisions(claims, origin)
    return record


def source_record(store: Store, book: RuleBook, source: str) -> Record:
    found = store.get_source(source)  # NotFound for an unknown id
    return _record(store, book, "source", source, found.title, _all_claims(store, source=source))


def _all_claims(store: Store, **filters: str) -> list[Claim]:
    return store.list_claims(**filters).items  # no limit: a record reads every figure


def _record(store: Store, book: RuleBook, kind: Literal["origin", "source"], key: str, name: str, claims: list[Claim]) -> Record:
    live = [claim for claim in claims if claim.retracted is None and claim.corrected is None]
    counts = store.figures_in_verdicts(book.current, kind, key)
    statuses = {
        status: StatusCount(*counts.get(status, (0, 0)), link=_link("/verdicts", {"status": status, kind: key})) for status in COUNTED
    }
    return Record(
        kind=kind,
        id=key,
        name=name,
        figures=len(live),
        figures_link=_link("/claims", {kind: key}),
        statuses=statuses,
        blamed=_blamed(store, book, live),
        withdrawn=Withdrawn(
            retracted=[claim.id for claim in claims if claim.retracted is not None],
            corrected=[claim.id for claim in claims if claim.corrected is not None],
        ),
    )


def _blamed(store: Store, book: RuleBook, live: list[Claim]) -> Blamed:
    """For each subject of the figures, ``GET /blame``'s minimal sets: which of the figures they set aside."""
    ids_by_subject: dict[str, set[str]] = defaultdict(set)
    for claim in live:
        ids_by_subject[claim.subject].add(claim.id)
    subjects = []
    for subject, ids in sorted(ids_by_subject.items()):
        answer = checking.blame(store, book, subject=subject)
        chosen = sorted(ids & {claim_id for chosen in answer.minimal_sets for claim_id in chosen})
        if chosen:
            subjects.append(BlamedSubject(subject, chosen, answer.exact, _link("/blame", {"subject": subject})))
    return Blamed(figures=len({i for s in subjects for i in s.figures}), exact=all(s.exact for s in subjects), subjects=subjects)


def _revisions(claims: list[Claim], origin: str) -> Revisions:
    """Each quantity's releases in order; a figure that the next release printing it disagrees with was revised."""
    by_quantity: dict[tuple[object, ...], dict[str, list[Claim]]] = defaultdict(lambda: defaultdict(list))
    for claim in claims:
        if claim.released is not None and claim.interval is not None and claim.retracted is None and claim.corrected is None:
            by_quantity[quantity_of(claim)][claim.released].append(claim)
    found = []
    for releases in by_quantity.values():
        ordered = sorted(releases.items())
        for (earlier_released, earlier), (later_released, later) in zip(ordered, ordered[1:]):
            a, b = earlier[0], later[0]
            if _agree(a, b):
                continue  # printed again, not revised
            found.append(
                Revision(
                    subject=a.subject, measure=a.measure, period=a.period, earlier=a.id, later=b.id,
                    earlier_released=earlier_released, later_released=later_released,
                    percent=_percent(a, b), days=_days(earlier_released, later_released),
                    link=_link("/verdicts", {"claim": b.id, "status": "revised"}),
                )  # fmt: skip
            )
    sizes = [abs(r.percent) for r in found if r.percent is not None]
    days = [r.days for r in found]
    return Revisions(
        count=len(found),
        median_percent=round(statistics.median(sizes), 4) if sizes else None,
        largest_percent=round(max(sizes), 4) if sizes else None,
        median_days=statistics.median(days) if days else None,
        largest_days=max(days) if days else None,
        revisions=found,
        link=_link("/verdicts", {"status": "revised", "origin": origin}),
    )


def _agree(a: Claim, b: Claim) -> bool:
    x, y = base_interval(a.interval), base_interval(b.interval)  # type: ignore[arg-type]
    return x.lo <= y.hi and y.lo <= x.hi


def _central(claim: Claim) -> float | None:
    interval = base_interval(claim.interval)  # type: ignore[arg-type]
    return (interval.lo + interval.hi) / 2 if math.isfinite(interval.lo) and math.isfinite(interval.hi) else None


def _percent(earlier: Claim, later: Claim) -> float | None:
    """The revision in percent of the earlier figure, signed (up is positive)."""
    before, after = _central(earlier), _central(later)
    if before is None or after is None or before == 0:
        return None
    return round((after - before) / abs(before) * 100, 4)


def _days(earlier: str, later: str) -> int:
    return (datetime.date.fromisoformat(release_start(later)) - datetime.date.fromisoformat(release_start(earlier))).days


def _link(path: str, query: dict[str, str]) -> str:
    return f"{path}?{urlencode(query)}"
