"""Hypothesis strategies for the rule tests: consistent worlds, random stores, and running rules on them.

Two kinds of stores are generated here.

A *consistent world* (:func:`worlds`) starts from true values that satisfy every
relation the shipped rules state: a total level for January-November 2024, a
growth to January-November 2025, and 2-4 products whose shares (summing to at
most 100 %) and growths are derived from one another.  Each source then *prints*
some of those true values the way a newspaper would: to 1-5 significant
digits (as the source rounds: half up, truncated, ceiling or floor), in billions or
millions of dirhams or in percent, French or English number style, with or
without a qualifier word.  So every printed figure's interval holds its true value, and
no sound rule can find a contradiction.

A *random store* (:func:`random_stores`) is the opposite: figures drawn from
small pools so that they often meet in a rule, including open intervals ("plus
de"), direction words ("en hausse"), growths of "-100 %" whose ``1 + g`` spans
zero, shares summing over 100 %, and one desk printing a share twice.  The compiled SQL and the reference
evaluator must agree on those.

Printing is :mod:`service.printing`'s, which ``tally rules test`` uses too: a
number rounded as the source rounds, or as its qualifier needs to stay true
under the reading documented in :mod:`service.figures`.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import itertools
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, localcontext
from pathlib import Path
from typing import Any

import msgspec
from hypothesis import strategies as st

from service.claims import ClaimIn, build_claim
from service.rules.book import RuleBook
from service.rules.examples import posted
from service.figures import Rounding
from service.printing import (
    BOUNDED_QUALIFIERS,
    DIRECTION_ALONE,
    DOWN_WORDS,
    GROUP_SEPARATORS,
    LEVEL_UNITS,
    PERCENT_UNITS,
    POINTS_UNITS,
    SCALE,
    UP_WORDS,
    Figure,
    format_number,
    printed,
    qualifier_words,
)
from service.rules.plan import RulePlan, mirror
from service.rules.sql import CompiledRule
from service.sources import Source
from service.store import Store
from service.units import base_factor

SUBJECT = "ma.handicraft.exports"
CURRENT = "2025-01/2025-11"
BASE = "2024-01/2024-11"
PRODUCTS = ("pottery_stone", "traditional_clothing", "leather", "carpets")

# --- sources ---------------------------------------------------------------------------


@st.composite
def sources(draw: st.DrawFn, count: int) -> list[Source]:
    return [
        Source(
            id=f"desk-{index}",
            title=f"Article {index}",
            outlet=draw(st.sampled_from(("Médias24", "Le Matin", "Morocco World News", "Communiqué"))),
            language=draw(st.sampled_from(("fr", "en"))),
            rounding=draw(st.sampled_from(tuple(Rounding))),
        )
        for index in range(count)
    ]


# --- a consistent world ------------------------------------------------------------------


@dataclass(frozen=True)
class Printed:
    """One claim of a world, its figure in parts, and the true value it rounds."""

    role: str  # "level:total:current", "growth:pottery_stone", "share:leather:base"...
    body: ClaimIn
    figure: Figure
    true: Decimal  # in MAD, percent or points


@dataclass(frozen=True)
class Part:
    name: str
    share_base: Decimal  # fractions of the total
    share_now: Decimal
    growth: Decimal  # fraction: part_now / part_base - 1


@dataclass(frozen=True, repr=False)
class World:
    total_base: Decimal  # MAD
    growth: Decimal  # fraction
    parts: tuple[Part, ...]
    sources: tuple[Source, ...]
    claims: tuple[Printed, ...]

    def __repr__(self) -> str:
        """What a failing example needs: the true values, each desk's rounding, every printed figure."""
        desks = ", ".join(f"{s.id} ({s.language}, {s.rounding})" for s in self.sources)
        parts = ", ".join(f"{p.name}: {float(p.share_base):.4%} -> {float(p.share_now):.4%}, growth {float(p.growth):.4%}" for p in self.parts)
        lines = [f"World(base {float(self.total_base):.6g} MAD, growth {float(self.growth):.4%}; {parts}; desks {desks})"]
        lines += [f"  {c.body.source} {c.role}: {c.figure.text!r} (true {float(c.true):.9g})" for c in self.claims]
        return "\n".join(lines)

    @property
    def total_now(self) -> Decimal:
        with localcontext(prec=50):
            return self.total_base * (1 + self.growth)

    def claim(self, source_id: str, role: str) -> Printed | None:
        return next((c for c in self.claims if c.body.source == source_id and c.role == role), None)

    def source(self, source_id: str) -> Source:
        return next(s for s in self.sources if s.id == source_id)


def _body(source: Source, role: str, measure: str, period: str, figure: Figure, part: str | None) -> ClaimIn:
    return ClaimIn(
        source=source.id,
        quote=f"{figure.text} ({role}, {period})",
        subject=SUBJECT,
        breakdown={"product": part} if part else {},
        measure=measure,  # type: ignore[arg-type]
        period=period,
        figure=figure.text,
    )


@st.composite
def _shares(draw: st.DrawFn, count: int) -> list[Decimal]:
    """Shares of ``count`` parts: positive, summing to a coverage of 30-100 % of the whole."""
    weights = [Decimal(draw(st.floats(1.0, 10.0))) for _ in range(count)]
    coverage = Decimal(draw(st.floats(0.3, 1.0)))
    with localcontext(prec=50):
        total = sum(weights)
        return [coverage * w / total for w in weights]


@st.composite
def worlds(draw: st.DrawFn, anchor_bounded: bool = False) -> World:
    """A consistent world printed by 2-4 sources.

    Source ``desk-0`` always prints the total level for both periods and the
    growth as a number; with ``anchor_bounded`` its current level and growth
    carry no open-ended qualifier, so a test can move a figure away from them.
    """
    total_base = Decimal(draw(st.floats(1.5e9, 6e9)))
    growth = Decimal(draw(st.floats(-0.3, 1.0)))
    count = draw(st.integers(2, 4))
    names = PRODUCTS[:count]
    shares_base, shares_now = draw(_shares(count)), draw(_shares(count))
    with localcontext(prec=50):
        parts = tuple(
            Part(name, s0, s1, s1 * (1 + growth) / s0 - 1) for name, s0, s1 in zip(names, shares_base, shares_now)
        )
        total_now = total_base * (1 + growth)
    desks = draw(sources(draw(st.integers(2, 4))))
    claims: list[Printed] = []

    def emit(source: Source, role: str, measure: str, period: str, value: Decimal, kind: str, part: str | None = None, **options: Any) -> None:
        figure = draw(printed(value, kind, source, **options))
        claims.append(Printed(role, _body(source, role, measure, period, figure, part), figure, value))

    def emit_growth(source: Source, role: str, value: Decimal, part: str | None, alone: bool, **options: Any) -> None:
        if alone:
            figure = Figure(direction=DIRECTION_ALONE[(source.language, -1 if value < 0 else 1)])
            claims.append(Printed(role, _body(source, role, "growth", CURRENT, figure, part), figure, value * 100))
        else:
            emit(source, role, "growth", CURRENT, value * 100, "percent", part, signed=True, **options)

    anchor = BOUNDED_QUALIFIERS if anchor_bounded else None
    first = desks[0]
    emit(first, "level:total:current", "level", CURRENT, total_now, "MAD", qualifiers=anchor)
    emit_growth(first, "growth:total", growth, None, alone=False, qualifiers=anchor)
    emit(first, "level:total:base", "level", BASE, total_base, "MAD")
    for desk in desks[1:]:
        if draw(st.booleans()):
            emit(desk, "level:total:current", "level", CURRENT, total_now, "MAD")
        if draw(st.booleans()):
            emit_growth(desk, "growth:total", growth, None, alone=draw(st.booleans()))
        if draw(st.booleans()):
            emit(desk, "level:total:base", "level", BASE, total_base, "MAD")
    for desk in desks:
        for part in parts:
            with localcontext(prec=50):
                change = (part.share_now - part.share_base) * 100
                level_now, level_base = part.share_now * total_now, part.share_base * total_base
            if draw(st.booleans()):
                emit(desk, f"share:{part.name}:current", "share", CURRENT, part.share_now * 100, "percent", part.name)
            if draw(st.booleans()):
                emit(desk, f"share:{part.name}:base", "share", BASE, part.share_base * 100, "percent", part.name)
            if draw(st.booleans()):
                emit_growth(desk, f"growth:{part.name}", part.growth, part.name, alone=draw(st.booleans()))
            if draw(st.booleans()):
                emit(desk, f"share_change:{part.name}", "share_change", CURRENT, change, "points", part.name, signed=True)
            if draw(st.booleans()):
                emit(desk, f"level:{part.name}:current", "level", CURRENT, level_now, "MAD", part.name)
            if draw(st.booleans()):
                emit(desk, f"level:{part.name}:base", "level", BASE, level_base, "MAD", part.name)
    return World(total_base, growth, parts, tuple(desks), tuple(claims))


def structured_level(source: Source, role: str, period: str, value: str, unit: str) -> ClaimIn:
    """A level given as value + unit (no qualifier): its interval is exactly the rounding of ``value``."""
    return ClaimIn(
        source=source.id,
        quote=f"{value} {unit} ({role}, moved)",
        subject=SUBJECT,
        measure="level",
        period=period,
        value=value,
        unit=unit,
    )


# How far a positive printed value's interval reaches below and above it, in units of its last digit.
_ROUNDING_REACH = {
    Rounding.HALF_UP: (Decimal("0.5"), Decimal("0.5")),
    Rounding.TRUNCATE: (Decimal(0), Decimal(1)),
    Rounding.CEILING: (Decimal(1), Decimal(0)),
    Rounding.FLOOR: (Decimal(0), Decimal(1)),
}


def value_with_bound(bound: Decimal, side: str, decimals: int, unit: str, rounding: str) -> str:
    """The printed value in ``unit`` (MMDH or MDH) whose interval's ``side`` (lo or hi) is at or beyond ``bound`` MAD.

    lo: the interval starts at ``bound`` or above it; hi: it ends at ``bound`` or below.
    """
    step = Decimal(1).scaleb(-decimals)
    scale = SCALE["bn" if unit == "MMDH" else "M"]
    below, above = _ROUNDING_REACH[Rounding(rounding)]  # the interval of a printed v >= 0 is [v - below*step, v + above*step]
    with localcontext(prec=50):
        target = bound / scale
        if side == "lo":
            least = target + below * step
            value = (least / step).to_integral_value(rounding=ROUND_CEILING) * step
        else:
            most = target - above * step
            value = (most / step).to_integral_value(rounding=ROUND_FLOOR) * step
    return f"{value:.{decimals}f}"


# --- random stores: figures that often meet, often disagree --------------------------------

CATEGORIES = ("Crédit Agricole", "credit agricole", "Attijariwafa bank", "BMCE")


@st.composite
def random_numbers(draw: st.DrawFn, lo: int, hi: int, lang: str) -> str:
    value = Decimal(draw(st.integers(lo, hi)))
    decimals = draw(st.integers(0, 2))
    if decimals:
        value += Decimal(draw(st.integers(0, 10**decimals - 1))).scaleb(-decimals)
    return format_number(value, decimals, lang, draw(st.sampled_from(GROUP_SEPARATORS[lang])))


@st.composite
def random_figures(draw: st.DrawFn, measure: str, lang: str) -> Figure:
    """A printed figure fit for ``measure``, from pools small enough that figures often meet."""
    qualifier = draw(st.one_of(st.just(""), st.just(""), qualifier_words()))
    if measure == "level":
        if draw(st.integers(0, 4)) == 0:
            return Figure(number=draw(random_numbers(0, 100, lang)), qualifier=qualifier)  # a count
        scale = draw(st.sampled_from(("bn", "M")))
        number = draw(random_numbers(0, 2, lang)) if scale == "bn" else draw(random_numbers(800, 1300, lang))
        return Figure(number=number, unit=draw(st.sampled_from(LEVEL_UNITS[(scale, lang)])), qualifier=qualifier)
    if measure == "count":
        return Figure(number=str(draw(st.sampled_from((0, 6, 10, 12, 13, 60, 70, 72)))), qualifier=qualifier)
    if measure == "average":
        unit = draw(st.sampled_from(("", "", "", " %", " MDH")))
        return Figure(number=str(draw(st.sampled_from((5, 6, 7)))), unit=unit, qualifier=qualifier)
    if measure == "share":
        if draw(st.integers(0, 9)) == 0:
            return Figure(direction=draw(st.sampled_from(("la majorité", "most"))))
        number = draw(random_numbers(0, 99, lang))
        return Figure(number=number, unit=draw(st.sampled_from(PERCENT_UNITS[lang])), qualifier=qualifier)
    if measure == "share_change":
        number = draw(random_numbers(0, 12, lang))
        return _random_sign(draw, Figure(number=number, unit=draw(st.sampled_from(POINTS_UNITS[lang])), qualifier=qualifier), lang)
    assert measure == "growth"
    form = draw(st.sampled_from(("number", "number", "number", "alone", "minus100", "multiple")))
    if form == "alone":
        return Figure(direction=draw(st.sampled_from(("en hausse", "en baisse", "up", "down"))))
    if form == "multiple":
        return Figure(direction=draw(st.sampled_from(("doublé", "multiplié par trois", "tripled"))))
    if form == "minus100":
        # 1 + g spans zero: every division by it is unverifiable
        return Figure(number=draw(st.sampled_from(("100", "99,9" if lang == "fr" else "99.9"))), unit=" %", sign="-")
    number = draw(st.sampled_from(("0", "3", "13", "27", "83", "100", "12,5" if lang == "fr" else "12.5")))
    return _random_sign(draw, Figure(number=number, unit=draw(st.sampled_from(PERCENT_UNITS[lang])), qualifier=qualifier), lang)


def _random_sign(draw: st.DrawFn, figure: Figure, lang: str) -> Figure:
    style = draw(st.sampled_from(("bare", "plus", "minus", "up", "down")))
    if style == "plus":
        return replace(figure, sign="+")
    if style == "minus":
        return replace(figure, sign="-")
    if style in ("up", "down"):
        return replace(figure, direction=draw(st.sampled_from((UP_WORDS if style == "up" else DOWN_WORDS)[lang])))
    return figure


@dataclass(frozen=True)
class Scenario:
    """A random store's content: sources, and each claim with its figure in parts."""

    sources: tuple[Source, ...]
    claims: tuple[tuple[ClaimIn, Figure], ...]

    @property
    def bodies(self) -> list[ClaimIn]:
        return [body for body, _ in self.claims]

    def with_figure(self, index: int, figure: Figure) -> Scenario:
        """The same scenario with one claim printed differently (same quote, so the same place in print)."""
        claims = list(self.claims)
        body, _ = claims[index]
        claims[index] = (msgspec.structs.replace(body, figure=figure.text), figure)
        return Scenario(self.sources, tuple(claims))


_Draft = tuple[Source, str, str, dict[str, str], str, "str | None", Figure]  # desk, measure, subject, breakdown, period, compared_to, figure


@st.composite
def _claim(draw: st.DrawFn, desk: Source, measure: str, subject: str, breakdown: dict[str, str], period: str, compared_to: str | None = None) -> _Draft:
    printed_as = "growth" if measure == "average_growth" else measure  # an average growth prints as a growth does
    figure = Figure(direction=draw(st.sampled_from(CATEGORIES))) if measure == "category" else draw(random_figures(printed_as, desk.language))
    return (desk, measure, subject, breakdown, period, compared_to, figure)


@st.composite
def _levels_cluster(draw: st.DrawFn, desks: list[Source]) -> list[_Draft]:
    """Levels with growths for a period, levels for its base (or a longer period standing in)."""
    subject = draw(st.sampled_from(("ma.handicraft.exports", "ma.salons")))
    breakdown = draw(st.sampled_from(({}, {"product": "pottery"})))
    drafts = []
    shared_period = draw(st.sampled_from((CURRENT, CURRENT, "2025-01/2025-09", "2025")))
    for desk in draw(st.lists(st.sampled_from(desks), min_size=1, max_size=3, unique_by=lambda d: d.id)):
        period = draw(st.sampled_from((shared_period, shared_period, CURRENT, "2025-01/2025-09", "2025")))
        compared_to = draw(st.sampled_from((None, None, None, "2023")))
        drafts.append(draw(_claim(desk, "level", subject, breakdown, period)))
        if draw(st.booleans()):
            drafts.append(draw(_claim(desk, "growth", subject, breakdown, period, compared_to)))
        if draw(st.booleans()):
            drafts.append(draw(_claim(desk, "level", subject, breakdown, draw(st.sampled_from((BASE, BASE, "2024", "2023"))))))
    return drafts


@st.composite
def _shares_cluster(draw: st.DrawFn, desks: list[Source]) -> list[_Draft]:
    """Shares of products for two periods, their growths and changes in points, the total's growth."""
    drafts = []
    for desk in draw(st.lists(st.sampled_from(desks), min_size=1, max_size=2)):
        for product in draw(st.lists(st.sampled_from(("pottery", "clothing", "leather")), min_size=1, max_size=3, unique=True)):
            breakdown = {"product": product}
            for measure, period in (("share", CURRENT), ("share", BASE), ("share", "2024"), ("growth", CURRENT), ("share_change", CURRENT)):
                if draw(st.booleans()):
                    drafts.append(draw(_claim(desk, measure, SUBJECT, breakdown, period)))
                    if measure == "share" and draw(st.integers(0, 3)) == 0:
                        # the lede and the body print one share twice: one quantity of its group
                        drafts.append(draw(_claim(desk, measure, SUBJECT, breakdown, period)))
            if draw(st.integers(0, 3)) == 0:
                direction = Figure(direction=draw(st.sampled_from(("en hausse", "en baisse", "up", "down"))))
                drafts.append((desk, "growth", SUBJECT, breakdown, CURRENT, None, direction))
        if draw(st.integers(0, 2)):
            drafts.append(draw(_claim(desk, "growth", SUBJECT, {}, CURRENT)))
    return drafts


@st.composite
def _average_cluster(draw: st.DrawFn, desks: list[Source]) -> list[_Draft]:
    """'70 salons, 6 par région en moyenne', and the reference count of regions."""
    desk = draw(st.sampled_from(desks))
    drafts = [draw(_claim(desk, "average", "ma.salons", {"per": "region"}, "2025"))]
    if draw(st.booleans()):
        drafts.append(draw(_claim(desk, "count", "ma.salons", {}, "2025")))
    drafts.append(draw(_claim(draw(st.sampled_from(desks)), "count", "ma.regions", {}, draw(st.sampled_from(("2015/2026", "2025", "2024"))))))
    return drafts


@st.composite
def _categories_cluster(draw: st.DrawFn, desks: list[Source]) -> list[_Draft]:
    subject = draw(st.sampled_from(("ma.salons.partner", "ma.exports.first_market")))
    return [draw(_claim(desk, "category", subject, {}, "2025")) for desk in draw(st.lists(st.sampled_from(desks), min_size=2, max_size=3))]


@st.composite
def _noise(draw: st.DrawFn, desks: list[Source]) -> list[_Draft]:
    measure = draw(st.sampled_from(("level", "growth", "share", "share_change", "count", "average", "category")))
    subject = draw(st.sampled_from(("ma.handicraft.exports", "ma.salons", "ma.regions")))
    breakdown = draw(st.sampled_from(({}, {"product": "pottery"}, {"per": "region"})))
    period = draw(st.sampled_from((CURRENT, BASE, "2024", "2025", "2025-11", "2015/2026")))
    # an explicit base period never overlaps the period it is compared with
    compared_to = draw(st.sampled_from((None, "2024"))) if measure in ("growth", "share_change") and period.startswith("2025") else None
    return [draw(_claim(draw(st.sampled_from(desks)), measure, subject, breakdown, period, compared_to))]


@st.composite
def _average_growth_cluster(draw: st.DrawFn, desks: list[Source]) -> list[_Draft]:
    """An average annual growth over a span of years, levels for some of its years, yearly growths for some."""
    subject = draw(st.sampled_from(("ma.handicraft.exports", "ma.salons")))
    breakdown = draw(st.sampled_from(({}, {"product": "pottery"})))
    first, last = draw(st.sampled_from(((2021, 2024), (2021, 2024), (2022, 2024), (2023, 2024), (2021, 2023))))
    drafts = [draw(_claim(draw(st.sampled_from(desks)), "average_growth", subject, breakdown, f"{first}/{last}"))]
    if draw(st.integers(0, 3)) == 0:
        drafts.append(draw(_claim(draw(st.sampled_from(desks)), "average_growth", subject, breakdown, f"{first}/{last}")))
    for year in draw(st.lists(st.sampled_from((first - 1, first, first, last, last, 2025)), max_size=4)):
        period = draw(st.sampled_from((str(year), str(year), f"{year}-01/{year}-11")))
        drafts.append(draw(_claim(draw(st.sampled_from(desks)), "level", subject, breakdown, period)))
    for desk in draw(st.lists(st.sampled_from(desks), max_size=2)):
        years = range(first + 1, last + 1) if draw(st.integers(0, 2)) else draw(st.lists(st.sampled_from(range(first, last + 2)), max_size=4))
        for year in years:
            compared_to = draw(st.sampled_from((None, None, None, str(year - 2))))
            drafts.append(draw(_claim(desk, "growth", subject, breakdown, str(year), compared_to)))
    return drafts


@st.composite
def average_growth_stores(draw: st.DrawFn) -> Scenario:
    """Stores of average growths with levels and yearly growths around their spans, nothing else."""
    desks = draw(sources(2))
    drafts = draw(_average_growth_cluster(desks)) + draw(_average_growth_cluster(desks))
    bodies = []
    for index, (desk, measure, subject, breakdown, period, compared_to, figure) in enumerate(drafts[:20]):
        body = ClaimIn(
            source=desk.id, quote=f"claim {index}: {figure.text}", subject=subject, breakdown=breakdown,
            measure=measure, period=period, compared_to=compared_to, figure=figure.text,  # type: ignore[arg-type]
        )  # fmt: skip
        bodies.append((body, figure))
    return Scenario(tuple(desks), tuple(bodies))


CLUSTERS = (_levels_cluster, _shares_cluster, _average_cluster, _categories_cluster, _average_growth_cluster)


@st.composite
def random_stores(draw: st.DrawFn, max_claims: int = 14, min_claims: int = 1) -> Scenario:
    """Claims in clusters that rules bind (levels and growths, shares, averages, categories), plus noise."""
    desks = draw(sources(draw(st.integers(2, 3))))
    drafts: list[_Draft] = []
    chosen = [cluster for cluster in CLUSTERS if draw(st.booleans())] or [CLUSTERS[0]]
    for cluster in chosen:
        drafts += draw(cluster(desks))
    for _ in range(draw(st.integers(0, 2))):
        drafts += draw(_noise(desks))
    while len(drafts) < min_claims:
        drafts += draw(_levels_cluster(desks))
    claims = []
    for index, (desk, measure, subject, breakdown, period, compared_to, figure) in enumerate(drafts[:max_claims]):
        body = ClaimIn(
            source=desk.id,
            quote=f"claim {index}: {figure.text}",
            subject=subject,
            breakdown=breakdown,
            measure=measure,  # type: ignore[arg-type]
            period=period,
            compared_to=compared_to,
            figure=figure.text,
        )
        claims.append((body, figure))
    return Scenario(tuple(desks), tuple(claims))


@st.composite
def stores_with_reprints(draw: st.DrawFn, max_claims: int = 10) -> Scenario:
    """A random store in which some claims are printed again, by their desk or another: one reading or several
    (a desk reads a figure by its own rounding), so that executors bind readings of one claim and of many."""
    scenario = draw(random_stores(max_claims=max_claims))
    claims = list(scenario.claims)
    for n in range(draw(st.integers(1, 4))):
        body, figure = claims[draw(st.integers(0, len(scenario.claims) - 1))]
        desk = draw(st.sampled_from([body.source] * 2 + [s.id for s in scenario.sources]))
        claims.append((msgspec.structs.replace(body, source=desk, quote=f"reprint {n}: {figure.text}"), figure))
    return Scenario(scenario.sources, tuple(claims))


# --- stores --------------------------------------------------------------------------------


@functools.cache
def _new_store_file() -> Path:
    """A new store's file, its schema made once per test process and removed when the process ends.

    Each example copies it (a byte copy of a closed DuckDB file, 0.04 s at load 9) instead of
    running every migration again on a file of its own (0.13 s); test_migrations and the
    ``store`` fixture still make stores from nothing.
    """
    directory = tempfile.mkdtemp(prefix="tally-new-store-")
    atexit.register(shutil.rmtree, directory, True)
    path = Path(directory) / "claims.duckdb"
    Store(str(path)).close()
    return path


@contextlib.contextmanager
def fresh_store() -> Iterator[Store]:
    """A real DuckDB file in a directory of its own, removed afterwards (one per hypothesis example)."""
    with tempfile.TemporaryDirectory(prefix="tally-test-") as directory:
        path = Path(directory) / "claims.duckdb"
        shutil.copyfile(_new_store_file(), path)
        store = Store(str(path))
        try:
            yield store
        finally:
            store.close()


# What a verdict row says, first_seen last: what an incremental change and a whole recompute must agree on.
VERDICT_ROW = "id, rule, claim_ids, role_sizes, status, margin, margin_unit, left_lo, left_hi, right_lo, right_hi, subject"


def rounded(value: object) -> object:
    """A value as executors must agree on it: a bound summed in process and one summed by DuckDB
    may differ in the last bits of a double (12 significant digits kept, nested tuples and lists too)."""
    if isinstance(value, float):
        return float(f"{value:.12g}")
    if isinstance(value, (tuple, list)):
        return type(value)(rounded(v) for v in value)
    return value


def verdicts_table(store: Store) -> dict[str, tuple[object, ...]]:
    """The verdicts table as {id: (the rest of VERDICT_ROW..., first_seen)}."""
    return {row[0]: row[1:] for row in store.query(f"SELECT {VERDICT_ROW}, first_seen FROM verdicts")}


def fill(store: Store, sources_: tuple[Source, ...] | list[Source], bodies: list[ClaimIn]) -> list[str]:
    """Store the sources and claims (as POST /claims would); return the claim ids in order."""
    by_id = {source.id: source for source in sources_}
    ids = []
    with store.transaction() as connection:
        for source in sources_:
            store.add_source(source, connection)
        for body in bodies:
            claim = build_claim(body, by_id[body.source])
            store.add_claim(claim, connection)
            ids.append(claim.id)
    return ids


def claim_rows(store: Store) -> list[dict[str, Any]]:
    """The claims table as dicts, what the reference evaluator reads."""
    with store.transaction(commit=False) as connection:
        cursor = connection.execute("SELECT * FROM claims ORDER BY seq")
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]


# --- running a compiled rule straight on DuckDB --------------------------------------------

Key = tuple[tuple[str, str], ...]  # ((binding name, claim id or "id1,id2" for a group), ...) sorted


@dataclass(frozen=True)
class SqlOutcome:
    key: Key
    status: str
    margin: float  # in base magnitudes (0.0 unless contradicted; 0.0 for a category)
    shown_margin: float | None  # as the SQL gives it, in margin_unit
    margin_unit: str | None

    @property
    def ids(self) -> set[str]:
        return {claim_id for _, joined in self.key for claim_id in joined.split(",")}


def claim_tuples(plan: RulePlan, roles: dict[str, list[str]]) -> dict[Key, bool]:
    """A verdict over readings expanded back into the claim-level assignments it stands for: {key: swapped}.

    Scalar roles take one claim each of their reading, never the same claim twice; a group
    keeps its members.  A symmetric pair (``pair_after``) is taken once, its later binding
    holding the larger claim id as the claim-level executors had it: ``swapped`` says the
    verdict's two sides are the other way round for that assignment (same status and margin).
    """
    scalars = [b.name for b in plan.scalars]
    pair = next(((b.name, b.pair_after) for b in plan.rule.bindings if b.pair_after), None)
    renaming = mirror(plan.rule) if pair is not None else {}
    found: dict[Key, bool] = {}
    for combination in itertools.product(*[roles[name] for name in scalars]):
        if len(set(combination)) < len(combination):
            continue
        chosen = {name: [claim_id] for name, claim_id in zip(scalars, combination)}
        swapped = False
        if pair is not None and chosen[pair[0]][0] < chosen[pair[1]][0]:
            chosen, swapped = {renaming[name]: ids for name, ids in chosen.items()}, True
        chosen.update({b.name: roles[b.name] for b in plan.bindings if b.is_group})
        found.setdefault(tuple(sorted((name, ",".join(ids)) for name, ids in chosen.items())), swapped)
    return found


def sql_outcomes(store: Store, compiled: CompiledRule) -> list[SqlOutcome]:
    """Every row the rule's whole-store SQL gives, read as outcomes, each reading's verdict expanded into its claims."""
    with store.transaction(commit=False) as connection:
        cursor = connection.execute(compiled.sql())
        names = [column[0] for column in cursor.description]
        rows = [dict(zip(names, values)) for values in cursor.fetchall()]
    outcomes = []
    for row in rows:
        roles = {name: list(row[column]) for name, column in compiled.id_columns.items()}
        unit, shown = row["_margin_unit"], row["_margin"]
        margin = 0.0 if unit is None or shown is None else shown * base_factor(unit)
        for key in claim_tuples(compiled.plan, roles):
            outcomes.append(SqlOutcome(key, row["_status"], margin, shown, unit))
    return outcomes


# A group related to a scalar binding: none of the shipped rules has one, and a
# relation naming a group must read its keys from a member (tests of both executors use it).
PARTS_WITHIN_TOTAL = """\
id: parts-within-total
title: Parts add up to at most the total
description: The levels or counts printed for the parts of one breakdown cannot exceed the total.
bind:
  part:
    measure: [level, count]
    breakdown: part
    group: [source, subject, period, dimension]
  total:
    measure: [level, count]
    breakdown: total
    subject: same as part
    period: same as part
check: sum(part) <= total
"""


def examples_store(book: RuleBook) -> tuple[list[Source], list[list[ClaimIn]]]:
    """Every shipped rule's examples, each under subjects and sources of its own (``example`` -> ``example.e7``),
    while the subjects rules name literally stay shared: the regions every average divides by is one figure."""
    sources: list[Source] = []
    examples: list[list[ClaimIn]] = []
    for rule in book.current.rules:
        for example in rule.examples:
            tag = f"e{len(examples)}"
            posted_sources, bodies = posted(example)
            sources += [msgspec.structs.replace(source, id=f"{source.id}-{tag}") for source in posted_sources]
            examples.append([
                msgspec.structs.replace(body, source=f"{body.source}-{tag}", subject=f"{body.subject}.{tag}" if body.subject == "example" else body.subject)
                for body in bodies
            ])
    return sources, examples
