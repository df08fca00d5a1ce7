"""How well the article reader reads: figure recall, non-figures, and each proposed field right.

Scored on the seed articles against the seed claims (``fixtures/``, category claims
left out: the reader does not propose them), and on the held-out set of
``tests/data/articles/heldout.json``.  A candidate matches a claim when its span
contains the claim's figure text, inside the claim's quote.  ``compared_to`` null
and the same months a year earlier are the same base (as ``POST /claims`` reads them).

A candidate that matches no claim is a *non-figure* unless it is listed in
``tests/data/articles/seed_figures_not_in_fixtures.json``: real figures the seed
fixtures do not hold (a reviewer read each one).
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field
from pathlib import Path

from service.periods import Period, PeriodError
from service.reading.articles import Candidate, read_article
from service.reading.lexicon import Lexicon

FIELDS = ("measure", "period_base", "breakdown", "subject")


@dataclass
class Expected:
    figure: str
    measure: str
    period: str
    compared_to: str | None
    subject: str
    breakdown: dict[str, str]
    quote_start: int = 0
    quote_end: int = 0


@dataclass
class Article:
    name: str
    lang: str
    published: datetime.date | None
    text: str
    expected: list[Expected]
    known_extra: list[str] = field(default_factory=list)  # figures in the text the expected list leaves out, reviewed


@dataclass
class Scores:
    figures: int = 0
    found: int = 0
    candidates: int = 0
    non_figures: list[str] = field(default_factory=list)
    right: dict[str, int] = field(default_factory=lambda: {f: 0 for f in FIELDS})
    wrong: dict[str, list[str]] = field(default_factory=lambda: {f: [] for f in FIELDS})
    missed: list[str] = field(default_factory=list)

    def rate(self, name: str) -> float:
        if name == "recall":
            return self.found / self.figures if self.figures else 1.0
        return self.right[name] / self.found if self.found else 1.0

    def table(self) -> dict[str, float | int]:
        return {
            "figures": self.figures, "recall": self.rate("recall"), "non_figures": len(self.non_figures),
            **{name: self.rate(name) for name in FIELDS},
        }  # fmt: skip


def _base(period: str, compared_to: str | None) -> str | None:
    if compared_to is not None:
        return compared_to
    try:
        return str(Period.parse(period).year_earlier())
    except PeriodError:
        return None


def score(articles: list[Article], lexicon: Lexicon) -> Scores:
    scores = Scores()
    for article in articles:
        candidates = read_article(article.text, article.lang, article.published, lexicon=lexicon)
        scores.candidates += len(candidates)
        used: set[int] = set()
        for expected in article.expected:
            scores.figures += 1
            match = _match(candidates, expected, used)
            if match is None:
                scores.missed.append(f"{article.name}: {expected.figure!r}")
                continue
            used.add(match)
            scores.found += 1
            _compare(scores, article.name, candidates[match], expected)
        extras = list(article.known_extra)
        for index, candidate in enumerate(candidates):
            if index in used:
                continue
            if any(expected.figure in candidate.figure for expected in article.expected):
                continue  # the same figure printed twice (an article repeated by its site)
            if candidate.figure in extras:
                extras.remove(candidate.figure)
                continue
            scores.non_figures.append(f"{article.name}: {candidate.figure!r}")
    return scores


def _match(candidates: list[Candidate], expected: Expected, used: set[int]) -> int | None:
    for index, candidate in enumerate(candidates):
        if index in used or expected.figure not in candidate.figure:
            continue
        if expected.quote_end and not (expected.quote_start <= candidate.start < expected.quote_end):
            continue
        return index
    return None


def _compare(scores: Scores, name: str, candidate: Candidate, expected: Expected) -> None:
    got = {
        "measure": candidate.measure,
        "period_base": (candidate.period, _base(candidate.period, candidate.compared_to) if candidate.period and candidate.measure in ("growth", "share_change") else None),
        "breakdown": candidate.breakdown,
        "subject": candidate.subject,
    }
    want = {
        "measure": expected.measure,
        "period_base": (expected.period, _base(expected.period, expected.compared_to) if expected.measure in ("growth", "share_change") else None),
        "breakdown": expected.breakdown,
        "subject": expected.subject,
    }
    for key in FIELDS:
        if got[key] == want[key]:
            scores.right[key] += 1
        else:
            scores.wrong[key].append(f"{name}: {expected.figure!r}: got {got[key]!r}, want {want[key]!r}")


# --- the two sets ---------------------------------------------------------------------------


def seed_articles(fixtures: Path, extras: Path | None = None) -> list[Article]:
    """The seed articles with their non-category claims."""
    known = json.loads(extras.read_text(encoding="utf-8")) if extras and extras.exists() else {}
    articles = []
    for path in sorted(fixtures.glob("0*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        text = (fixtures / "articles" / (path.stem + ".txt")).read_text(encoding="utf-8")
        source = data["sources"][0]
        published = datetime.date.fromisoformat(source["published"]) if source.get("published") else None
        expected = []
        for claim in data["claims"]:
            if claim["measure"] == "category":
                continue
            at = text.find(claim["quote"])
            expected.append(
                Expected(
                    figure=claim["figure"], measure=claim["measure"], period=claim["period"], compared_to=claim.get("compared_to"),
                    subject=claim["subject"], breakdown=claim.get("breakdown", {}),
                    quote_start=max(at, 0), quote_end=at + len(claim["quote"]) if at >= 0 else 0,
                )
            )
        articles.append(Article(path.stem, source["language"], published, text, expected, [e["figure"] for e in known.get(path.stem, [])]))
    return articles


def heldout_articles(path: Path) -> list[Article]:
    articles = []
    for passage in json.loads(path.read_text(encoding="utf-8")):
        published = datetime.date.fromisoformat(passage["published"]) if passage.get("published") else None
        expected = [
            Expected(e["figure"], e["measure"], e["period"], e.get("compared_to"), e["subject"], e.get("breakdown", {}))
            for e in passage["expected"]
        ]
        articles.append(Article(passage["id"], passage["lang"], published, passage["text"], expected))
    return articles
