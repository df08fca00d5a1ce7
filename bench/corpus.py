"""A synthetic but realistic store: sector export figures as ministries and newspapers print them.

Each sector (``ma.sector_<n>.exports``) has true monthly exports for 2024 and
2025, split across products and countries.  Every month the ministry publishes
the cumulative figures since January (``2025-01/2025-05``): the level, its
growth on the same months a year earlier, product shares and growths, country
levels, a change of share in points, direction words ("en hausse"), the top
market; each December also a count of trade fairs and their average per
region.  Two newspapers reprint the headline figures in their own words
("près de 1,2 milliard de dirhams", "up 13%"), some in English, and a few of
their figures are wrong: that is what the rules are for.

A direction word next to a level of the same source ("vers l'Espagne, 310
MDH, en baisse") makes growth-links-levels divide by 1 + growth, an interval
spanning zero: those verdicts are unverifiable, as they should be.

Every figure is printed from the truth with the source's rounding, so the
rules bind as they do on real data (the same quantity from several sources,
levels with their growths, a base period, shares of one whole) and the
contradictions come from the injected errors, not from the generator.

Claims are bodies exactly as ``POST /claims`` takes them (``ClaimIn``).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any

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


@dataclass
class Corpus:
    sources: list[dict[str, Any]]
    claims: list[dict[str, Any]]
    probes: list[dict[str, Any]]  # new claims of PROBE_SOURCE, not in ``claims``
    subjects: int

    def batch(self) -> dict[str, Any]:
        """The JSON file ``load_file`` reads: ``{"sources": [...], "claims": [...]}``."""
        return {"sources": self.sources, "claims": self.claims}


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
    """Writes figures as a source prints them; ``error`` skews a figure the way a typo or a misreading does."""

    rng: random.Random
    language: str
    rounding: str = "half_up"
    error_rate: float = 0.0
    errors: int = field(default=0)

    def wrong(self) -> bool:
        if self.rng.random() < self.error_rate:
            self.errors += 1
            return True
        return False

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


def generate(
    claims: int, seed: int = 20261123, probes: int = 50, error_rate: float = 0.03
) -> Corpus:
    """A store of exactly ``claims`` claims (sector after sector), and ``probes`` new claims to check against it."""
    rng = random.Random(seed)
    sources: dict[str, dict[str, Any]] = {REFERENCE_SOURCE["id"]: REFERENCE_SOURCE}
    bodies: list[dict[str, Any]] = [REFERENCE_CLAIM]
    sectors: list[_Sector] = []
    while len(bodies) < claims:
        sector = _sector(rng, len(sectors) + 1)
        sectors.append(sector)
        for source, sector_claims in _releases(rng, sector, error_rate):
            sources.setdefault(source["id"], source)
            bodies.extend(sector_claims)
    bodies = bodies[:claims]
    used = {body["source"] for body in bodies}
    kept_sources = [
        source for source_id, source in sources.items() if source_id in used
    ] + [PROBE_SOURCE]
    present = [
        s
        for s in sectors
        if any(body["subject"].startswith(f"ma.sector_{s.n}.") for body in bodies)
    ]
    return Corpus(kept_sources, bodies, _probes(rng, present, probes), len(present))


def _sector(rng: random.Random, n: int) -> _Sector:
    yearly = 10 ** rng.uniform(7.8, 9.6)  # 60 M to 4 bn dirhams a year
    season = [
        1 + 0.25 * math.sin((m + rng.random()) / 12 * 2 * math.pi) for m in range(12)
    ]
    trend = rng.uniform(-0.12, 0.3)
    monthly = {
        2024: [yearly / 12 * season[m] * rng.uniform(0.85, 1.15) for m in range(12)]
    }
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


def _weights_by_year(
    rng: random.Random, names: list[str]
) -> dict[int, dict[str, float]]:
    first = [rng.gammavariate(2.0, 1.0) for _ in names]
    second = [w * rng.uniform(0.7, 1.5) for w in first]
    return {
        year: {name: w / sum(ws) for name, w in zip(names, ws)}
        for year, ws in zip(YEARS, (first, second))
    }


def _releases(rng: random.Random, sector: _Sector, error_rate: float):
    """(source, its claims) for each monthly release of the ministry and the newspapers reprinting it."""
    for month in range(1, 13):
        for year in YEARS:
            yield _ministry_release(rng, sector, year, month)
            outlets = rng.sample(OUTLETS, 2 if year == 2025 else 1)
            for outlet, language in outlets:
                yield _press_release(
                    rng, sector, year, month, outlet, language, error_rate
                )


def _ministry_release(rng: random.Random, sector: _Sector, year: int, month: int):
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
    claims = []

    claim = _claim_writer(claims, source["id"], sector.subject, period)

    level = printer.money(total, sector.style)
    growth = printer.change(sector.growth(month) * 100) if year == 2025 else None
    headline = f"les exportations du secteur ont atteint {level} {until}" + (
        f", en {growth}" if growth else ""
    )
    claim(headline, "level", level)
    if growth:
        claim(headline, "growth", growth)
    weights = sector.products[year]
    for product, weight in weights.items():
        share = printer.share(weight * 100)
        claim(
            f"les {product.replace('_', ' ')} représentent {share} des exportations",
            "share",
            share,
            breakdown={"product": product},
        )
    if year == 2025:
        for product in list(weights)[:2]:
            product_growth = _product_growth(sector, product, month)
            text = printer.change(product_growth * 100, decimals=0)
            claim(
                f"les ventes de {product.replace('_', ' ')} ont connu une {text}",
                "growth",
                text,
                breakdown={"product": product},
            )
        product = list(weights)[2]
        points = (sector.products[2025][product] - sector.products[2024][product]) * 100
        text = printer.change(points, "points")
        claim(
            f"la part des {product.replace('_', ' ')} enregistre une {text}",
            "share_change",
            text,
            breakdown={"product": product},
        )
        product = list(weights)[3]
        word = printer.direction(_product_growth(sector, product, month))
        claim(
            f"les {product.replace('_', ' ')} sont {word}",
            "growth",
            word,
            breakdown={"product": product},
        )
    for country, weight in list(sector.countries[year].items())[:2]:
        text = printer.money(total * weight)
        claim(
            f"les exportations vers {COUNTRIES[country]} ont atteint {text}",
            "level",
            text,
            breakdown={"country": country},
        )
    if year == 2025:
        country = next(iter(sector.countries[year]))
        before = sector.cumulative(2024, month) * sector.countries[2024][country]
        word = printer.direction(total * sector.countries[2025][country] / before - 1)
        claim(
            f"les exportations vers {COUNTRIES[country]} sont {word}",
            "growth",
            word,
            breakdown={"country": country},
        )
    top = COUNTRIES[max(sector.countries[year], key=sector.countries[year].get)]
    claim(
        f"{top} reste le premier marché",
        "category",
        top,
        subject=f"{sector.subject}.top_market",
    )
    if month == 12:
        fairs = sector.fairs[year]
        fairs_subject = f"ma.sector_{sector.n}.fairs"
        claim(f"{fairs} salons organisés", "count", str(fairs), subject=fairs_subject)
        average = printer.number(fairs / 12, 0)
        claim(
            f"{average} salons par région en moyenne",
            "average",
            str(average),
            subject=fairs_subject,
            breakdown={"per": "region"},
        )
    return source, claims


def _claim_writer(claims: list[dict[str, Any]], source_id: str, default_subject: str, period: str):
    """``claim(quote, measure, figure, subject=None, **extra)`` appending one claim body of a release."""

    def claim(quote: str, measure: str, figure: str, subject: str | None = None, **extra: Any) -> None:
        body = {
            "source": source_id,
            "quote": quote,
            "subject": subject or default_subject,
            "measure": measure,
            "period": period,
            "figure": figure,
        }
        claims.append(body | extra)

    return claim


def _product_growth(sector: _Sector, product: str, month: int) -> float:
    now = sector.cumulative(2025, month) * sector.products[2025][product]
    before = sector.cumulative(2024, month) * sector.products[2024][product]
    return now / before - 1


def _press_release(
    rng: random.Random,
    sector: _Sector,
    year: int,
    month: int,
    outlet: str,
    language: str,
    error_rate: float,
):
    source = {
        "id": f"{outlet}-s{sector.n:03d}-{year}-{month:02d}",
        "title": f"Sector {sector.n} exports, {MONTHS_EN[month - 1]} {year}",
        "outlet": outlet,
        "language": language,
    }
    printer = _Printer(rng, language, error_rate=error_rate)
    period = period_text(year, month)
    total = sector.cumulative(year, month)
    claims = []

    claim = _claim_writer(claims, source["id"], sector.subject, period)

    skew = 1.12 if printer.wrong() else 1.0
    level = (
        printer.money_loosely(total * skew)
        if rng.random() < 0.5
        else printer.money(total * skew)
    )
    if year == 2025:
        growth = sector.growth(month) * 100 + (6.0 if printer.wrong() else 0.0)
        growth_text = printer.change(growth, decimals=0)
        quote = (
            f"exports of sector {sector.n} reached {level}, {growth_text} on a year earlier"
            if language == "en"
            else (
                f"les exportations du secteur {sector.n} atteignent {level}, en {growth_text}"
            )
        )
        claim(quote, "level", level)
        claim(quote, "growth", growth_text)
    else:
        claim(f"sector {sector.n} exported {level}", "level", level)
    weights = sector.products[year]
    if rng.random() < 0.5:
        product = rng.choice(list(weights))
        share = printer.share(
            weights[product] * 100 + (4.0 if printer.wrong() else 0.0)
        )
        claim(
            f"{product.replace('_', ' ')}: {share} of the sector's exports",
            "share",
            share,
            breakdown={"product": product},
        )
    if rng.random() < 0.5:
        ranking = sorted(
            sector.countries[year], key=sector.countries[year].get, reverse=True
        )
        top = COUNTRIES[
            ranking[1] if printer.wrong() and len(ranking) > 1 else ranking[0]
        ]
        claim(
            f"{top} is the first market",
            "category",
            top,
            subject=f"{sector.subject}.top_market",
        )
    return source, claims


def _probes(
    rng: random.Random, sectors: list[_Sector], count: int
) -> list[dict[str, Any]]:
    """New claims from one more newspaper, on figures the store already holds: what a desk posts."""
    if not sectors:
        return []
    printer = _Printer(rng, "fr", error_rate=0.2)
    probes = []
    for index in range(count):
        sector = rng.choice(sectors)
        month = rng.randint(1, 12)
        year = rng.choice(YEARS)
        total = sector.cumulative(year, month)
        kind = rng.choice(("level", "growth", "share", "country"))
        body: dict[str, Any] = {
            "source": PROBE_SOURCE["id"],
            "subject": sector.subject,
            "period": period_text(year, month),
        }
        skew = 1.1 if printer.wrong() else 1.0
        if kind == "growth" and year == 2025:
            figure = printer.change(sector.growth(month) * 100 * skew, decimals=0)
            body |= {"measure": "growth", "figure": figure}
        elif kind == "share":
            product = rng.choice(list(sector.products[year]))
            figure = printer.share(sector.products[year][product] * 100 * skew)
            body |= {
                "measure": "share",
                "figure": figure,
                "breakdown": {"product": product},
            }
        elif kind == "country":
            country = rng.choice(list(sector.countries[year]))
            figure = printer.money(total * sector.countries[year][country] * skew)
            body |= {
                "measure": "level",
                "figure": figure,
                "breakdown": {"country": country},
            }
        else:
            figure = printer.money(total * skew)
            body |= {"measure": "level", "figure": figure}
        body["quote"] = f"(probe {index}) {body['subject']} {body['period']}: {figure}"
        probes.append(body)
    return probes
