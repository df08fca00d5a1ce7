"""A seeded synthetic store: sector export figures as ministries and newspapers print them, with planted errors.

Each sector (``ma.sector_<n>.exports``) has true monthly exports for 2024 and
2025, split across products and countries.  Every month its ministry publishes
the cumulative figures since January (``2025-01/2025-05``): the level and its
growth on the same months a year earlier, the month alone (``2025-05``) with
its growth, product shares and growths, country levels, a change of share in
points, direction words ("en hausse"), the top market; each December also the
whole year (``2024``), a count of trade fairs and their average per region.
Newspapers reprint the headline figures in their own words ("près de 1,2
milliard de dirhams", "up 13%"), some in English.

Every figure is printed from the truth with the source's rounding, so the rules
bind as on real data and a contradiction is either **planted** or a finding
about the rules.  Plants (``Plant``: its kind, the rule expected to catch it,
and the ``(source, quote)`` of each planted claim, unique in the corpus):

- ``level``: a newspaper reprints the headline level 5 to 20 % off (same-figure);
- ``growth``: a newspaper prints the right level with a growth 5 to 15 points
  off, inconsistent with the two levels (growth-links-levels);
- ``share``: a newspaper prints a product's share 3 to 8 points off (same-figure);
- ``shares-sum``: a newspaper's dossier gives every product's share, together
  108 to 120 % (shares-sum-to-whole);
- ``top-market``: a newspaper names the second market as the first (same-category).

Claims and probes are bodies exactly as ``POST /claims`` takes them, sources as
``POST /sources`` does; ``write_files`` writes what ``tally load`` reads.
"""

from __future__ import annotations

import math
import random
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any

import msgspec

YEARS = (2024, 2025)
PRODUCTS = (
    "pottery_stone",
    "carpets",
    "traditional_clothing",
    "leather",
    "wood",
    "jewelry",
    "basketry",
    "metalwork",
)
COUNTRIES = {
    "france": "France",
    "usa": "États-Unis",
    "spain": "Espagne",
    "germany": "Allemagne",
    "uk": "Royaume-Uni",
    "belgium": "Belgique",
    "netherlands": "Pays-Bas",
    "uae": "Émirats arabes unis",
}
OUTLETS = (
    ("le360", "fr"),
    ("medias24", "fr"),
    ("lematin", "fr"),
    ("hespress-en", "en"),
    ("mwn", "en"),
    ("telquel", "fr"),
)
MONTHS_FR = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
REFERENCE_SOURCE = {
    "id": "ref-ma-regions",
    "title": "Découpage régional du Royaume du Maroc (décret n° 2-15-40)",
    "outlet": "Reference data",
    "language": "fr",
}
REFERENCE_CLAIM = {
    "source": "ref-ma-regions",
    "quote": "12 régions",
    "subject": "ma.regions",
    "measure": "count",
    "period": "2015/2026",
    "figure": "12",
}
PROBE_SOURCE = {
    "id": "bench-probe",
    "title": "Bench probe article",
    "outlet": "Bench",
    "language": "fr",
}


@dataclass(frozen=True)
class Plant:
    """A planted contradiction: the claims that carry it, by ``(source, quote)``."""

    kind: str
    rule: str  # the rule expected to catch it
    claims: tuple[tuple[str, str], ...]


@dataclass
class Corpus:
    sources: list[dict[str, Any]]
    claims: list[dict[str, Any]]
    probes: list[dict[str, Any]]  # new claims of PROBE_SOURCE, not in ``claims``
    wrong_probes: list[int]  # indexes of the probes printed wrong
    plants: list[Plant]
    subjects: int


PLANT_RULES = {
    "level": "same-figure",
    "growth": "growth-links-levels",
    "share": "same-figure",
    "shares-sum": "shares-sum-to-whole",
    "top-market": "same-category",
}


@dataclass
class _Sector:
    """The truth about one sector: monthly totals per year, product and country weights."""

    n: int
    monthly: dict[int, list[float]]
    products: dict[int, dict[str, float]]  # year -> product -> weight (sums to 1)
    countries: dict[int, dict[str, float]]
    fairs: dict[int, int]
    rounding: str
    style: str  # how its ministry prints money: "milliard" words or "MDH"

    @property
    def subject(self) -> str:
        return f"ma.sector_{self.n}.exports"

    def cumulative(self, year: int, month: int) -> float:
        return sum(self.monthly[year][:month])

    def growth(self, month: int) -> float:
        return self.cumulative(2025, month) / self.cumulative(2024, month) - 1


@dataclass
class _Printer:
    """Writes figures as a source prints them, rounded the source's way."""

    rng: random.Random
    language: str
    rounding: str = "half_up"

    def number(self, value: float, decimals: int, mode: str | None = None) -> str:
        mode = mode or (ROUND_DOWN if self.rounding == "truncate" else ROUND_HALF_UP)
        quantum = Decimal(1).scaleb(-decimals)
        text = str(Decimal(repr(value)).quantize(quantum, rounding=mode))
        return text.replace(".", ",") if self.language == "fr" else text

    def money(self, value: float, style: str = "words") -> str:
        if style == "MDH":
            millions = int(
                Decimal(repr(value / 1e6)).quantize(
                    Decimal(1),
                    rounding=ROUND_DOWN
                    if self.rounding == "truncate"
                    else ROUND_HALF_UP,
                )
            )
            return f"{millions:,}".replace(",", ".") + " MDH"
        if value >= 1e9:
            amount = self.number(value / 1e9, 2)
            return (
                f"{amount} milliards de dirhams"
                if self.language == "fr"
                else f"{amount} billion dirhams"
            )
        amount = self.number(value / 1e6, 1)
        return (
            f"{amount} millions de dirhams"
            if self.language == "fr"
            else f"{amount} million dirhams"
        )

    def money_loosely(self, value: float) -> str:
        """A newspaper's headline figure: "près de", "plus de", "quelque", each true of the value."""
        kind = self.rng.choice(("nearly", "more_than", "about"))
        mode = {
            "nearly": ROUND_CEILING,
            "more_than": ROUND_FLOOR,
            "about": ROUND_HALF_UP,
        }[kind]
        words = {
            "fr": {"nearly": "près de", "more_than": "plus de", "about": "quelque"},
            "en": {"nearly": "nearly", "more_than": "more than", "about": "about"},
        }[self.language][kind]
        # Two significant digits, in billions or millions: 1.14 bn -> 1,2 milliard, 6.6 M -> 6,7 millions.
        scale = 1e9 if value >= 1e9 else 1e6
        step = Decimal(1).scaleb(math.floor(math.log10(value)) - 1) / Decimal(
            repr(scale)
        )
        amount = (Decimal(repr(value / scale)) / step).quantize(
            Decimal(1), rounding=mode
        ) * step
        if scale == 1e9:
            unit = (
                "billion dirhams"
                if self.language == "en"
                else ("milliards de dirhams" if amount >= 2 else "milliard de dirhams")
            )
        else:
            unit = "million dirhams" if self.language == "en" else "millions de dirhams"
        text = format(amount.normalize(), "f")
        text = text.replace(".", ",") if self.language == "fr" else text
        return f"{words} {text} {unit}"

    def change(self, percent: float, unit: str = "%", decimals: int = 1) -> str:
        size = self.number(abs(percent), decimals)
        if self.language == "fr":
            word = (
                self.rng.choice(("hausse de", "progression de"))
                if percent >= 0
                else self.rng.choice(("baisse de", "recul de"))
            )
            return f"{word} {size} {'points' if unit == 'points' else '%'}"
        word = "up" if percent >= 0 else "down"
        return f"{word} {size} points" if unit == "points" else f"{word} {size}%"

    def share(self, percent: float, decimals: int = 0) -> str:
        return (
            f"{self.number(percent, decimals)} %"
            if self.language == "fr"
            else f"{self.number(percent, decimals)}%"
        )

    def direction(self, percent: float) -> str:
        if self.language == "fr":
            return "en hausse" if percent >= 0 else "en baisse"
        return "up" if percent >= 0 else "down"


def period_text(year: int, month: int) -> str:
    return f"{year}-01" if month == 1 else f"{year}-01/{year}-{month:02d}"


def months_text(year: int, month: int, language: str) -> str:
    """The cumulative period in words, so that every newspaper quote names its period."""
    names = MONTHS_FR if language == "fr" else MONTHS_EN
    return f"{names[0]} {year}" if month == 1 else f"{names[0]}-{names[month - 1]} {year}"


PLANT_RATE = 0.08  # newspaper articles that carry a planted error
DOSSIER_RATE = 0.3  # sectors with a newspaper dossier whose shares sum past 100 %
PROBE_WRONG_RATE = 0.2


def generate(claims: int, seed: int = 20261123, probes: int = 200, plant_rate: float = PLANT_RATE) -> Corpus:
    """Exactly ``claims`` claim bodies (sector after sector), the plants among them, and ``probes`` new claims."""
    rng = random.Random(seed)
    sources: dict[str, dict[str, Any]] = {REFERENCE_SOURCE["id"]: REFERENCE_SOURCE}
    bodies: list[dict[str, Any]] = [REFERENCE_CLAIM]
    plants: list[Plant] = []
    sectors: list[_Sector] = []
    while len(bodies) < claims:
        sector = _sector(rng, len(sectors) + 1)
        sectors.append(sector)
        for source, sector_claims, sector_plants in _releases(rng, sector, plant_rate):
            sources.setdefault(source["id"], source)
            bodies.extend(sector_claims)
            plants.extend(sector_plants)
    dropped = {(body["source"], body["quote"]) for body in bodies[claims:]}
    bodies = bodies[:claims]
    plants = [plant for plant in plants if not dropped.intersection(plant.claims)]
    used = {body["source"] for body in bodies}
    kept_sources = [source for source_id, source in sources.items() if source_id in used]
    last = int(bodies[-1]["subject"].split(".")[1].removeprefix("sector_")) if len(bodies) > 1 else 0
    present = sectors[:last]
    probe_bodies, wrong = _probes(rng, present, probes)
    return Corpus(kept_sources, bodies, probe_bodies, wrong, plants, len(present))


def _sector(rng: random.Random, n: int) -> _Sector:
    yearly = 10 ** rng.uniform(7.8, 9.6)  # 60 M to 4 bn dirhams a year
    season = [1 + 0.25 * math.sin((m + rng.random()) / 12 * 2 * math.pi) for m in range(12)]
    trend = rng.uniform(-0.12, 0.3)
    monthly = {2024: [yearly / 12 * season[m] * rng.uniform(0.85, 1.15) for m in range(12)]}
    monthly[2025] = [v * (1 + trend + rng.uniform(-0.15, 0.15)) for v in monthly[2024]]
    products = rng.sample(PRODUCTS, rng.randint(4, 6))
    countries = rng.sample(list(COUNTRIES), rng.randint(3, 5))
    return _Sector(
        n=n,
        monthly=monthly,
        products=_weights_by_year(rng, products),
        countries=_weights_by_year(rng, countries),
        fairs={year: rng.randint(24, 150) for year in YEARS},
        rounding="truncate" if rng.random() < 0.2 else "half_up",
        style=rng.choice(("words", "MDH")),
    )


def _weights_by_year(rng: random.Random, names: list[str]) -> dict[int, dict[str, float]]:
    first = [rng.gammavariate(2.0, 1.0) for _ in names]
    second = [w * rng.uniform(0.7, 1.5) for w in first]
    return {year: {name: w / sum(ws) for name, w in zip(names, ws)} for year, ws in zip(YEARS, (first, second))}


Release = tuple[dict[str, Any], list[dict[str, Any]], list[Plant]]


def _releases(rng: random.Random, sector: _Sector, plant_rate: float):
    """(source, its claims, its plants) for each monthly release of the ministry and the newspapers reprinting it."""
    dossier = (rng.choice(YEARS), rng.randint(2, 12)) if rng.random() < DOSSIER_RATE else None
    for month in range(1, 13):
        for year in YEARS:
            yield _ministry_release(rng, sector, year, month)
            for outlet, language in rng.sample(OUTLETS, 2 if year == 2025 else 1):
                kinds = ("level", "growth", "share", "top-market") if year == 2025 else ("level", "share", "top-market")
                plant = rng.choice(kinds) if rng.random() < plant_rate else None
                yield _press_release(rng, sector, year, month, outlet, language, plant)
            if dossier == (year, month):
                yield _dossier(rng, sector, year, month)


def _ministry_release(rng: random.Random, sector: _Sector, year: int, month: int) -> Release:
    source = {
        "id": f"min-s{sector.n:03d}-{year}-{month:02d}",
        "title": f"Exportations du secteur {sector.n} à fin {MONTHS_FR[month - 1]} {year}",
        "outlet": "Département de l'Artisanat et de l'Économie sociale",
        "language": "fr",
        "rounding": sector.rounding,
    }
    printer = _Printer(rng, "fr", sector.rounding)
    period = period_text(year, month)
    until = f"entre janvier et {MONTHS_FR[month - 1]} {year}"
    total = sector.cumulative(year, month)
    claims: list[dict[str, Any]] = []
    claim = _claim_writer(claims, source["id"], sector.subject, period)

    level = printer.money(total, sector.style)
    growth = printer.change(sector.growth(month) * 100) if year == 2025 else None
    headline = f"les exportations du secteur ont atteint {level} {until}" + (f", en {growth}" if growth else "")
    claim(headline, "level", level)
    if growth:
        claim(headline, "growth", growth)
    if month > 1:  # the month alone; January's cumulative figure is the month already
        _period_figures(printer, claim, sector, year, f"{year}-{month:02d}", sector.monthly[year][month - 1],
                        sector.monthly[2025][month - 1] / sector.monthly[2024][month - 1] - 1,
                        f"en {MONTHS_FR[month - 1]} {year}, les exportations du secteur se sont élevées à")
    if month == 12:  # and the whole year
        _period_figures(printer, claim, sector, year, str(year), sector.cumulative(year, 12), sector.growth(12),
                        f"sur l'ensemble de l'année {year}, les exportations du secteur ont totalisé")
    weights = sector.products[year]
    for product, weight in weights.items():
        share = printer.share(weight * 100)
        claim(f"les {product.replace('_', ' ')} représentent {share} des exportations", "share", share, breakdown={"product": product})
    if year == 2025:
        for product in list(weights)[:2]:
            text = printer.change(_product_growth(sector, product, month) * 100, decimals=0)
            claim(f"les ventes de {product.replace('_', ' ')} ont connu une {text}", "growth", text, breakdown={"product": product})
        product = list(weights)[2]
        points = (sector.products[2025][product] - sector.products[2024][product]) * 100
        text = printer.change(points, "points")
        claim(f"la part des {product.replace('_', ' ')} enregistre une {text}", "share_change", text, breakdown={"product": product})
        product = list(weights)[3]
        word = printer.direction(_product_growth(sector, product, month))
        claim(f"les {product.replace('_', ' ')} sont {word}", "growth", word, breakdown={"product": product})
    for country, weight in list(sector.countries[year].items())[:2]:
        text = printer.money(total * weight)
        claim(f"les exportations vers {COUNTRIES[country]} ont atteint {text}", "level", text, breakdown={"country": country})
    if year == 2025:
        country = next(iter(sector.countries[year]))
        before = sector.cumulative(2024, month) * sector.countries[2024][country]
        word = printer.direction(total * sector.countries[2025][country] / before - 1)
        claim(f"les exportations vers {COUNTRIES[country]} sont {word}", "growth", word, breakdown={"country": country})
    top = COUNTRIES[max(sector.countries[year], key=sector.countries[year].get)]
    claim(f"{top} reste le premier marché", "category", top, subject=f"{sector.subject}.top_market")
    if month == 12:
        fairs = sector.fairs[year]
        fairs_subject = f"ma.sector_{sector.n}.fairs"
        claim(f"{fairs} salons organisés", "count", str(fairs), subject=fairs_subject)
        average = printer.number(fairs / 12, 0)
        claim(f"{average} salons par région en moyenne", "average", str(average), subject=fairs_subject, breakdown={"per": "region"})
    return source, claims, []


def _period_figures(printer: _Printer, claim, sector: _Sector, year: int, period: str, level: float, growth: float, words: str) -> None:
    """A level for a month alone or a whole year, with its growth in 2025: one sentence, two claims."""
    level_text = printer.money(level, sector.style)
    growth_text = printer.change(growth * 100) if year == 2025 else None
    quote = f"{words} {level_text}" + (f", en {growth_text}" if growth_text else "")
    claim(quote, "level", level_text, period=period)
    if growth_text:
        claim(quote, "growth", growth_text, period=period)


def _claim_writer(claims: list[dict[str, Any]], source_id: str, default_subject: str, period: str):
    """``claim(quote, measure, figure, subject=None, period=None, **extra)`` appending one claim body of a release."""

    def claim(quote: str, measure: str, figure: str, subject: str | None = None, period: str | None = None, **extra: Any) -> None:
        body = {
            "source": source_id,
            "quote": quote,
            "subject": subject or default_subject,
            "measure": measure,
            "period": period or default_period,
            "figure": figure,
        }
        claims.append(body | extra if extra else body)

    default_period = period
    return claim


def _product_growth(sector: _Sector, product: str, month: int) -> float:
    now = sector.cumulative(2025, month) * sector.products[2025][product]
    before = sector.cumulative(2024, month) * sector.products[2024][product]
    return now / before - 1


def _press_release(
    rng: random.Random, sector: _Sector, year: int, month: int, outlet: str, language: str, plant: str | None
) -> Release:
    """A newspaper's reprint of the headline figures; ``plant`` names the error it carries, if any."""
    source = {
        "id": f"{outlet}-s{sector.n:03d}-{year}-{month:02d}",
        "title": f"Sector {sector.n} exports, {MONTHS_EN[month - 1]} {year}",
        "outlet": outlet,
        "language": language,
    }
    printer = _Printer(rng, language)
    period = period_text(year, month)
    when = months_text(year, month, language)
    total = sector.cumulative(year, month)
    claims: list[dict[str, Any]] = []
    planted: list[tuple[str, str]] = []
    claim = _claim_writer(claims, source["id"], sector.subject, period)

    if plant == "level":
        off = rng.uniform(0.05, 0.20) * rng.choice((-1, 1))
        level = printer.money(total * (1 + off))  # printed precisely: the error shows
    elif plant == "growth" or rng.random() < 0.5:
        level = printer.money(total)
    else:
        level = printer.money_loosely(total)
    if year == 2025:
        growth = sector.growth(month) * 100
        if plant == "growth":
            growth += rng.uniform(5, 15) * rng.choice((-1, 1))
        growth_text = printer.change(growth, decimals=0)
        quote = (
            f"exports of sector {sector.n} reached {level} in {when}, {growth_text} on a year earlier"
            if language == "en"
            else f"les exportations du secteur {sector.n} atteignent {level} en {when}, en {growth_text}"
        )
        claim(quote, "level", level)
        claim(quote, "growth", growth_text)
    else:
        quote = (
            f"sector {sector.n} exported {level} in {when}"
            if language == "en"
            else f"le secteur {sector.n} a exporté {level} en {when}"
        )
        claim(quote, "level", level)
    if plant in ("level", "growth"):
        planted.append((source["id"], quote))
    weights = sector.products[year]
    if plant == "share" or rng.random() < 0.5:
        product = rng.choice(list(weights))
        share = printer.share(weights[product] * 100 + (rng.uniform(3, 8) if plant == "share" else 0.0))
        quote = f"{product.replace('_', ' ')}: {share} of sector {sector.n}'s exports in {when}"
        claim(quote, "share", share, breakdown={"product": product})
        if plant == "share":
            planted.append((source["id"], quote))
    if plant == "top-market" or rng.random() < 0.5:
        ranking = sorted(sector.countries[year], key=sector.countries[year].get, reverse=True)
        top = COUNTRIES[ranking[1] if plant == "top-market" else ranking[0]]
        quote = f"{top} is the first market of sector {sector.n} in {when}"
        claim(quote, "category", top, subject=f"{sector.subject}.top_market")
        if plant == "top-market":
            planted.append((source["id"], quote))
    plants = [Plant(plant, PLANT_RULES[plant], tuple(planted))] if plant else []
    return source, claims, plants


def _dossier(rng: random.Random, sector: _Sector, year: int, month: int) -> Release:
    """A newspaper's dossier giving every product's share: together 108 to 120 %, a planted error."""
    outlet, language = rng.choice(OUTLETS)
    source = {
        "id": f"{outlet}-s{sector.n:03d}-{year}-{month:02d}-dossier",
        "title": f"Dossier: sector {sector.n}, {MONTHS_EN[month - 1]} {year}",
        "outlet": outlet,
        "language": language,
    }
    printer = _Printer(rng, language)
    when = months_text(year, month, language)
    factor = rng.uniform(1.08, 1.20)
    claims: list[dict[str, Any]] = []
    claim = _claim_writer(claims, source["id"], sector.subject, period_text(year, month))
    for product, weight in sector.products[year].items():
        share = printer.share(weight * 100 * factor, decimals=1)
        claim(f"dossier: {product.replace('_', ' ')}, {share} of sector {sector.n} in {when}", "share", share, breakdown={"product": product})
    plant = Plant("shares-sum", PLANT_RULES["shares-sum"], tuple((source["id"], body["quote"]) for body in claims))
    return source, claims, [plant]


def _probes(rng: random.Random, sectors: list[_Sector], count: int) -> tuple[list[dict[str, Any]], list[int]]:
    """New claims from one more newspaper on figures the store holds, a fifth of them wrong: what a desk posts."""
    if not sectors:
        return [], []
    printer = _Printer(rng, "fr")
    probes, wrong = [], []
    for index in range(count):
        sector = rng.choice(sectors)
        month = rng.randint(1, 12)
        year = rng.choice(YEARS)
        total = sector.cumulative(year, month)
        kind = rng.choice(("level", "growth", "share", "country"))
        body: dict[str, Any] = {"source": PROBE_SOURCE["id"], "subject": sector.subject, "period": period_text(year, month)}
        is_wrong = rng.random() < PROBE_WRONG_RATE
        if kind == "growth" and year == 2025:
            figure = printer.change(sector.growth(month) * 100 + (6.0 if is_wrong else 0.0), decimals=0)
            body |= {"measure": "growth", "figure": figure}
        elif kind == "share":
            product = rng.choice(list(sector.products[year]))
            figure = printer.share(sector.products[year][product] * 100 + (4.0 if is_wrong else 0.0))
            body |= {"measure": "share", "figure": figure, "breakdown": {"product": product}}
        elif kind == "country":
            country = rng.choice(list(sector.countries[year]))
            figure = printer.money(total * sector.countries[year][country] * (1.12 if is_wrong else 1.0))
            body |= {"measure": "level", "figure": figure, "breakdown": {"country": country}}
        else:
            figure = printer.money(total * (1.12 if is_wrong else 1.0))
            body |= {"measure": "level", "figure": figure}
        body["quote"] = f"(probe {index}) {body['subject']} {body['period']}: {figure}"
        probes.append(body)
        if is_wrong:
            wrong.append(index)
    return probes, wrong


# --- files, as tally load reads them, cached by (size, seed, generator) ----------------


@dataclass
class CorpusFiles:
    """A corpus written once: ``sources.json`` and ``claims.ndjson`` for ``tally load``, the rest in ``meta.json``."""

    directory: Path
    claims: int
    sources: int
    subjects: int
    plants: list[Plant]
    probes: list[dict[str, Any]]
    wrong_probes: list[int]
    generate_seconds: float  # 0.0 when read from the cache

    @property
    def sources_path(self) -> Path:
        return self.directory / "sources.json"

    @property
    def claims_path(self) -> Path:
        return self.directory / "claims.ndjson"


def generator_digest() -> str:
    """Changes whenever this module does, so a cached corpus is never stale."""
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12]


def corpus_files(size: int, seed: int, probes: int, cache: Path) -> CorpusFiles:
    """The files of a corpus, generated and written once per (size, seed, probes, generator version)."""
    import time

    directory = cache / f"{size}-{seed}-{probes}-{generator_digest()}"
    meta_path = directory / "meta.json"
    if meta_path.exists():
        meta = json.loads(meta_path.read_bytes())
        plants = [Plant(p["kind"], p["rule"], tuple(tuple(c) for c in p["claims"])) for p in meta["plants"]]
        return CorpusFiles(directory, meta["claims"], meta["sources"], meta["subjects"], plants, meta["probes"], meta["wrong_probes"], 0.0)
    started = time.perf_counter()
    corpus = generate(size, seed, probes)
    directory.mkdir(parents=True, exist_ok=True)
    encoder = msgspec.json.Encoder()
    (directory / "sources.json").write_bytes(encoder.encode({"sources": corpus.sources}))
    buffer = bytearray()
    for body in corpus.claims:
        encoder.encode_into(body, buffer, -1)
        buffer.extend(b"\n")
    (directory / "claims.ndjson").write_bytes(buffer)
    seconds = time.perf_counter() - started
    meta = {
        "claims": len(corpus.claims),
        "sources": len(corpus.sources),
        "subjects": corpus.subjects,
        "plants": [{"kind": p.kind, "rule": p.rule, "claims": p.claims} for p in corpus.plants],
        "probes": corpus.probes,
        "wrong_probes": corpus.wrong_probes,
        "generate_seconds": seconds,
    }
    meta_path.with_suffix(".tmp").write_bytes(encoder.encode(meta))
    meta_path.with_suffix(".tmp").rename(meta_path)  # written last: a half-written corpus is never used
    return CorpusFiles(directory, len(corpus.claims), len(corpus.sources), corpus.subjects, corpus.plants, corpus.probes, corpus.wrong_probes, seconds)
