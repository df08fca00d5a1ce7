"""The desk's pages: server-rendered HTML over the same store and rules as the JSON API.

Pages live at ``/`` and under ``/desk/`` and ``/subjects/``, paths the JSON API
never uses: the verdicts (``/``), one verdict with its ClaimReview (``/desk/verdicts/{id}``),
the figures to doubt first (``/desk/blame``), the rules (``/desk/rules``) and the claims
no rule reads (``/desk/unchecked``); their assets under ``/assets/`` ship in the package (no CDN, no
script needed to read them).  Filters are query parameters, so a filtered list
is a link a reporter can share.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated
from urllib.parse import urlencode

from litestar import Controller, get
from litestar.datastructures import CacheControlHeader
from litestar.di import NamedDependency
from litestar.params import PathParameter, QueryParameter
from litestar.response import Template

from service import checking, records
from service.api.paging import DESK_PAGE_SIZE, Page, desk_offset
from service.claimreview import claim_review, embedded
from service.claims import Claim, base_interval
from service.periods import Period
from service.rules.book import RuleBook
from service.errors import NotFound
from service.api.language import Speaking
from service.api.verdict_views import subject_words, verdict_views
from service.rules.explain import ENGLISH, Words
from service.rules.model import Rule
from service.settings import Settings
from service.store import Store
from service.sources import Source
from service.verdicts import STATUS_ORDER



FAVICON = Path(__file__).resolve().parent.parent / "assets" / "favicon.svg"


class DeskPages(Controller):
    include_in_schema = False

    @get("/", name="desk", sync_to_thread=True)
    def desk(
        self,
        store: NamedDependency[Store],
        rules: NamedDependency[RuleBook],
        words: NamedDependency[Words],
        speaking: NamedDependency[Speaking],
        subject: Annotated[str | None, QueryParameter()] = None,
        rule: Annotated[str | None, QueryParameter()] = None,
        status: Annotated[str | None, QueryParameter()] = None,
        source: Annotated[str | None, QueryParameter()] = None,
        origin: Annotated[str | None, QueryParameter()] = None,
        claim: Annotated[str | None, QueryParameter()] = None,
        page: Page = 1,
    ) -> Template:
        """Contradictions first, each by how much it matters, with its evidence one click away."""
        status = status if status in STATUS_ORDER else None
        with checking.in_force(store, rules) as (current, connection):  # one rule set, with the verdicts it computed
            found = store.list_verdicts(
                current, status=status, rule=rule or None, subject=subject or None, source=source or None, origin=origin or None,
                claim=claim or None, limit=DESK_PAGE_SIZE, offset=desk_offset(page), by_weight=True, connection=connection,
            )
            verdicts = checking.render(store, current, found.items, connection, words)
            views = verdict_views(store, current, verdicts, speaking, connection)
        filters = {"subject": subject, "rule": rule, "status": status, "source": source, "origin": origin, "claim": claim}
        return Template(
            template_name="desk.html",
            context={
                "views": views,
                "total": found.total,
                "filters": filters,
                "rules": [r.id for r in current.rules],
                "statuses": STATUS_ORDER,
                "previous": _page_link(filters, page - 1) if page > 1 else None,
                "next": _page_link(filters, page + 1) if page * DESK_PAGE_SIZE < found.total else None,
                "page": page,
            },
        )

    @get("/subjects/{subject:str}", name="subject", sync_to_thread=True)
    def subject(
        self, store: NamedDependency[Store], rules: NamedDependency[RuleBook], words: NamedDependency[Words], speaking: NamedDependency[Speaking],
        subject: Annotated[str, PathParameter()],
    ) -> Template:
        """Every figure printed about one subject, as intervals on a shared axis, and as a table."""
        printed = store.list_claims(subject=subject).items
        # a retracted or corrected claim is kept, but no longer drawn as a figure the desk stands by
        claims = [claim for claim in printed if claim.retracted is None and claim.superseded_by is None]
        if not printed:
            raise NotFound("subject", subject)
        with checking.in_force(store, rules) as (current, connection):
            found = store.list_verdicts(current, subject=subject, status="contradicted", by_weight=True, connection=connection).items
            verdicts = checking.render(store, current, found, connection, words)
            views = verdict_views(store, current, verdicts, speaking, connection)
            sources = store.sources_by_id(sorted({c.source for c in claims}), connection)
        contradicted = {e.id for v in verdicts for e in v.claims}
        return Template(
            template_name="subject.html",
            context={"subject": subject, "subject_words": subject_words(subject, current.lexicon, speaking.language), "chart": chart(claims, speaking, sources, contradicted), "views": views},
        )


    @get("/desk/verdicts/{verdict_id:str}", name="verdict", sync_to_thread=True)
    def verdict(self, store: NamedDependency[Store], rules: NamedDependency[RuleBook], settings: NamedDependency[Settings], words: NamedDependency[Words],
                speaking: NamedDependency[Speaking], verdict_id: Annotated[str, PathParameter()]) -> Template:
        """One verdict opened to its evidence, with its schema.org ClaimReview embedded as JSON-LD."""
        with checking.in_force(store, rules) as (current, connection):
            row = store.get_verdict(verdict_id, current)
            [verdict] = checking.render(store, current, [row], connection, words)
            # the embedded ClaimReview is the API's document (GET /verdicts/{id}/claimreview): its words are the API's English
            [english] = checking.render(store, current, [row], connection, ENGLISH) if words is not ENGLISH else [verdict]
            sources = store.sources_by_id(list({e.source for e in verdict.claims}), connection)
            [view] = verdict_views(store, current, [verdict], speaking, connection)
        review = claim_review(english, sources, settings.desk_name, settings.public_url, store.origin_names())
        return Template(
            template_name="verdict_page.html",
            context={
                "view": view,
                "opened": True,
                "claim_review": embedded(review),
            },
        )

    @get("/desk/blame", name="blame", sync_to_thread=True)
    def blame(self, store: NamedDependency[Store], rules: NamedDependency[RuleBook], subject: Annotated[str | None, QueryParameter()] = None) -> Template:
        """The figures to doubt first, each with the contradictions it takes part in, and the fewest to set aside."""
        subject = subject or None
        current = rules.current
        answer = checking.blame(store, rules, subject=subject)
        by_id = {rule.id: rule for rule in current.rules}  # the page names each by its title in the page's language
        contradictions: dict[str, list[tuple[str, Rule]]] = defaultdict(list)
        for row, _ in store.list_verdicts(current, status="contradicted", subject=subject).items:
            for claim_id in dict.fromkeys(row.roles_ids):
                contradictions[claim_id].append((row.id, by_id[row.rule]))
        figures = store.claims_by_id([s.id for s in answer.claims])
        return Template(
            template_name="blame.html",
            context={
                "blame": answer,
                "subject": subject,
                "suspects": {s.id: s for s in answer.claims},
                "figures": figures,
                "sources": store.sources_by_id(sorted({c.source for c in figures.values()})),
                "contradictions": contradictions,
            },
        )

    @get("/desk/origins/{origin:str}", name="origin_record", sync_to_thread=True)
    def origin_record(self, store: NamedDependency[Store], rules: NamedDependency[RuleBook], origin: Annotated[str, PathParameter()]) -> Template:
        """An origin's track record (GET /origins/{origin}/record), each number a link to what is behind it."""
        if not store.origin_known(origin):
            raise NotFound("origin", origin)
        return Template(template_name="record.html", context={"record": records.origin_record(store, rules, origin), "filter": "origin"})

    @get("/desk/sources/{source:str}", name="source_record", sync_to_thread=True)
    def source_record(self, store: NamedDependency[Store], rules: NamedDependency[RuleBook], source: Annotated[str, PathParameter()]) -> Template:
        """A source's track record (GET /sources/{id}/record), each number a link to what is behind it."""
        return Template(template_name="record.html", context={"record": records.source_record(store, rules, source), "filter": "source"})

    @get("/desk/rules", name="rules", sync_to_thread=True)
    def rules_list(self, store: NamedDependency[Store], rules: NamedDependency[RuleBook]) -> Template:
        """Every rule in force, what it checks, and how many verdicts of each status it gave."""
        counts = store.verdict_counts()
        return Template(
            template_name="rules.html",
            context={
                "rules": rules.current.rules,
                "statuses": STATUS_ORDER,
                "counts": counts,
                "unchecked": store.unchecked_claims(rules.current, limit=0).total,
                "claims": store.count_claims(),
            },
        )

    @get("/desk/rules/{rule_id:str}", name="rule", sync_to_thread=True)
    def rule(
        self, store: NamedDependency[Store], rules: NamedDependency[RuleBook], words: NamedDependency[Words], speaking: NamedDependency[Speaking],
        rule_id: Annotated[str, PathParameter()],
    ) -> Template:
        """One rule: its YAML as written, what it checks, and its verdicts, contradictions first."""
        with checking.in_force(store, rules) as (current, connection):
            found = next((r for r in current.rules if r.id == rule_id), None)
            if found is None:
                raise NotFound("rule", rule_id)
            found_verdicts = store.list_verdicts(current, rule=rule_id, limit=DESK_PAGE_SIZE, by_weight=True, connection=connection)
            verdicts = checking.render(store, current, found_verdicts.items, connection, words)
            views = verdict_views(store, current, verdicts, speaking, connection)
        return Template(
            template_name="rule.html",
            context={
                "rule": found,
                "source": _rule_source(found.file),
                "views": views,
                "total": found_verdicts.total,
            },
        )

    @get("/favicon.ico", name="favicon", media_type="image/svg+xml", cache_control=CacheControlHeader(max_age=86400))
    async def favicon(self) -> bytes:
        """The desk's icon, where browsers and feed readers look for it without reading a page (an SVG: every browser reads one)."""
        return FAVICON.read_bytes()

    @get("/desk/unchecked", name="unchecked", sync_to_thread=True)
    def unchecked(self, store: NamedDependency[Store], rules: NamedDependency[RuleBook], page: Page = 1) -> Template:
        """The claims no verdict of any rule reads: what Tally cannot check, by the rules in force."""
        found = store.unchecked_claims(rules.current, limit=DESK_PAGE_SIZE, offset=desk_offset(page))
        return Template(
            template_name="unchecked.html",
            context={
                "claims": found.items,
                "sources": store.sources_by_id(sorted({c.source for c in found.items})),
                "total": found.total,
                "page": page,
                "previous": f"/desk/unchecked?page={page - 1}" if page > 1 else None,
                "next": f"/desk/unchecked?page={page + 1}" if page * DESK_PAGE_SIZE < found.total else None,
            },
        )


def _rule_source(file: str) -> str | None:
    """The rule's file as written, or None when it is no longer where it was loaded from."""
    try:
        return Path(file).read_text(encoding="utf-8")
    except OSError:
        return None


def _page_link(filters: dict[str, str | None], page: int) -> str:
    return "/?" + urlencode({**{k: v for k, v in filters.items() if v}, "page": page})


# --- the subject's figures on one axis -------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    claim: Claim
    lo: float
    hi: float
    label: str  # the interval Tally reads, in the desk's numbers
    who: str  # the source's speaker, else its outlet
    period: str  # the figure's months (Jan-Nov 2025)
    base: str | None  # a change's base period (2024): "+3 % vs 2023" and "+40 % vs 2019" are two quantities
    x: float  # of the interval's start, on a track TRACK units wide
    width: float
    contradicted: bool  # in a contradicted verdict: it cannot hold beside some other figure


@dataclass(frozen=True)
class Chart:
    """Figures of one quantity (measure, unit, breakdown, period and base): the eye sees which intervals overlap.

    Each bar is a row of its own, its words in HTML (readable at any width, at the page's
    size of type) and its interval a rectangle on a track the row's width: an SVG drawing
    with its words inside scaled them down to 6 px on a phone.
    """

    measure: str
    breakdown: str
    period: str
    base: str | None
    bars: list[Bar]
    axis: list[tuple[float, str]]  # (x, label) ticks, on the same track


TRACK = 100.0


def chart(claims: list[Claim], speaking: Speaking, sources: dict[str, Source] | None = None, contradicted: frozenset[str] | set[str] = frozenset()) -> list[Chart]:
    """One chart per quantity: figures printed for the same measure, unit, breakdown, period and base share an axis."""
    sources = sources or {}
    groups: dict[tuple[str, str, str, str, str], list[Claim]] = defaultdict(list)
    for claim in claims:
        if claim.interval is not None:
            key = ",".join(f"{k}={v}" for k, v in sorted(claim.breakdown.items()))
            groups[(claim.measure, claim.interval.unit, key, claim.period, claim.compared_to or "")].append(claim)
    ordered = sorted(groups.items(), key=lambda item: (Period.parse(item[0][3]), item[0]))
    return [_chart(key, members, speaking, sources, contradicted) for key, members in ordered]


def _chart(key: tuple[str, str, str, str, str], claims: list[Claim], speaking: Speaking, sources: dict[str, Source], contradicted: frozenset[str] | set[str]) -> Chart:
    measure, unit, breakdown, period, base = key
    intervals = [base_interval(c.interval) for c in claims]  # type: ignore[arg-type]
    finite = [v for i in intervals for v in (i.lo, i.hi) if math.isfinite(v)]
    lo, hi = (min(finite), max(finite)) if finite else (0.0, 1.0)
    # Drawn from the values divided by the largest of them: the gap between two figures
    # near -1.8e308 and 1.8e308 is beyond a double, and the axis was NaN (a 500).
    size = max(abs(lo), abs(hi)) or 1.0
    position, left, right = _axis(lo / size, hi / size)
    numbers = speaking.numbers  # the bounds, periods and quantity in the page's language
    base_words = numbers.period(base, length=False) if base else None
    bars = []
    for claim, interval in sorted(zip(claims, intervals), key=lambda pair: (pair[1].lo, pair[0].id)):
        start = max(interval.lo / size, left) if math.isfinite(interval.lo) else left
        end = min(interval.hi / size, right) if math.isfinite(interval.hi) else right
        width = max(position(end) - position(start), 0.5)
        source = sources.get(claim.source)
        who = (source.speaker or source.outlet) if source is not None else claim.source
        label = numbers.span(interval, unit)
        bars.append(Bar(claim, interval.lo, interval.hi, label, who, numbers.period(period, length=False), base_words, position(start), width, claim.id in contradicted))
    axis = [(position(v / size), numbers.span((v, v), unit)) for v in (lo, hi)]
    return Chart(speaking.measure(measure), breakdown, numbers.period(period), base_words, bars, axis)


def _axis(lo: float, hi: float) -> tuple[Callable[[float], float], float, float]:
    """x of a value on a track from ``lo`` to ``hi`` with a tenth of room each side, and the track's two ends."""
    pad = (hi - lo) * 0.1 or abs(hi) * 0.1 or 1.0
    left, right = lo - pad, hi + pad
    scale = TRACK / (right - left)
    return (lambda value: (value - left) * scale), left, right
