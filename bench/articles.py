"""The article reader measured (issue 20): figure recall, non-figures, each proposed field right; reading and checking times.

``.venv/bin/python -m bench.run`` runs :func:`run` after the sizes (``--no-articles`` skips it):

1. the seed articles and the held-out set (tests/data/articles/heldout.json), each posted
   to ``POST /articles/read`` of a ``tally serve`` on an empty store, scored below;
2. a 2 000-word article read by ``POST /articles/read`` (median of 5, client-side);
3. 40 candidates (the corpus's probes) checked by ``POST /articles/check`` against a
   store of 100 000 claims (median of 3, client-side).

Like the rest of the bench it goes through the HTTP API only; the same scoring runs on
the reader in process in tests/test_articles_metrics.py.

How a reading is scored:

Scored on the seed articles against the seed claims (``fixtures/``, category claims
left out: the reader does not propose them), and on the held-out set of
``tests/data/articles/heldout.json``.  A candidate matches a claim when its span
contains the claim's figure text, inside the claim's quote.  ``compared_to`` null
and the same months a year earlier are the same base (as ``POST /claims`` reads them).

A candidate that matches no claim is a *non-figure*: on the seeds every figure printed is
a claim of ``fixtures/`` (the same figure printed twice, as 003's site repeats its article,
matches the claim once and is not counted again).
"""

from __future__ import annotations

import datetime
import json
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench import product
from bench.corpus import PROBE_SOURCE, corpus_files

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "tests" / "data" / "articles"
Reader = Callable[[str, str, "datetime.date | None"], list[dict[str, Any]]]  # (text, language, published) -> candidates as JSON

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
    """The base period a growth is measured against: as printed, else the same months a year earlier."""
    if compared_to is not None:
        return compared_to
    first, _, last = period.partition("/")
    last = last or first

    def earlier(text: str) -> str:
        year, _, month = text.partition("-")
        return f"{int(year) - 1:04d}" + (f"-{month}" if month else "")

    return earlier(first) if first == last else f"{earlier(first)}/{earlier(last)}"


def score(articles: list[Article], reader: Reader) -> Scores:
    scores = Scores()
    for article in articles:
        candidates = reader(article.text, article.lang, article.published)
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
        for index, candidate in enumerate(candidates):
            if index in used:
                continue
            if any(expected.figure in candidate["figure"] for expected in article.expected):
                continue  # the same figure printed twice (an article repeated by its site)
            scores.non_figures.append(f"{article.name}: {candidate['figure']!r}")
    return scores


def _match(candidates: list[dict[str, Any]], expected: Expected, used: set[int]) -> int | None:
    for index, candidate in enumerate(candidates):
        if index in used or expected.figure not in candidate["figure"]:
            continue
        if expected.quote_end and not (expected.quote_start <= candidate["start"] < expected.quote_end):
            continue
        return index
    return None


def _compare(scores: Scores, name: str, candidate: dict[str, Any], expected: Expected) -> None:
    period, measure = candidate["period"], candidate["measure"]
    got = {
        "measure": measure,
        "period_base": (period, _base(period, candidate["compared_to"]) if period and measure in ("growth", "share_change") else None),
        "breakdown": candidate["breakdown"],
        "subject": candidate["subject"],
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


def seed_articles(fixtures: Path) -> list[Article]:
    """The seed articles with their non-category claims."""
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
        articles.append(Article(path.stem, source["language"], published, text, expected))
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


def seeds() -> list[Article]:
    return seed_articles(REPO / "fixtures")


def heldout() -> list[Article]:
    return heldout_articles(DATA / "heldout.json")


# --- through the HTTP API ----------------------------------------------------------------------

WORDS = 2_000
CANDIDATES = 40


@dataclass
class ArticleBench:
    seeds: Scores | None = None
    heldout: Scores | None = None
    words: int = 0
    read_seconds: list[float] = field(default_factory=list)
    claims: int = 0
    candidates: int = 0
    check_seconds: list[float] = field(default_factory=list)
    contradicted: int = 0
    failures: dict[str, str] = field(default_factory=dict)


def http_reader(client: httpx.Client) -> Reader:
    def read(text: str, language: str, published: datetime.date | None) -> list[dict[str, Any]]:
        body: dict[str, Any] = {"text": text, "language": language}
        if published:
            body["published"] = published.isoformat()
        answer = client.post("/articles/read", json=body)
        answer.raise_for_status()
        return answer.json()["candidates"]

    return read


def long_article(words: int = WORDS) -> str:
    """The seed articles one after another, their paragraphs kept, cut at ``words`` words."""
    paragraphs = [p for path in sorted((REPO / "fixtures" / "articles").glob("*.txt")) for p in path.read_text(encoding="utf-8").splitlines() if p.strip()]
    chosen, count = [], 0
    while count < words:
        for paragraph in paragraphs:
            chosen.append(paragraph)
            count += len(paragraph.split())
            if count >= words:
                break
    return " ".join("\n".join(chosen).split(" ")[: words + len(chosen)])


def run(cache: Path, seed: int, probes: int, size: int = 100_000) -> ArticleBench:
    result = ArticleBench()
    workdir = Path(tempfile.mkdtemp(prefix="tally-bench-articles-"))
    try:
        with product.serve(workdir / "empty.duckdb", workdir / "empty.log") as server, httpx.Client(base_url=server.base_url, timeout=300) as client:
            reader = http_reader(client)
            result.seeds, result.heldout = score(seeds(), reader), score(heldout(), reader)
            text = long_article()
            result.words = len(text.split())
            reader(text, "fr", datetime.date(2026, 1, 19))  # warm: the lexicon and the patterns compile on first use
            for _ in range(5):
                started = time.perf_counter()
                reader(text, "fr", datetime.date(2026, 1, 19))
                result.read_seconds.append(time.perf_counter() - started)
        files = corpus_files(size, seed, max(probes, CANDIDATES), cache)
        db = workdir / "store.duckdb"
        product.load(db, [files.sources_path, files.claims_path])
        result.claims = files.claims
        with product.serve(db, workdir / "serve.log") as server, httpx.Client(base_url=server.base_url, timeout=300) as client:
            client.post("/sources", json=PROBE_SOURCE)
            chosen = files.probes[:CANDIDATES]
            result.candidates = len(chosen)
            candidates = [{k: v for k, v in probe.items() if k not in ("source",)} for probe in chosen]
            body = {"text": "\n".join(c["quote"] for c in candidates), "language": "fr", "source": PROBE_SOURCE["id"], "candidates": candidates}
            for _ in range(3):
                started = time.perf_counter()
                answer = client.post("/articles/check", json=body)
                result.check_seconds.append(time.perf_counter() - started)
                answer.raise_for_status()
                result.contradicted = answer.json()["contradicted"]
    except (product.ProductError, httpx.HTTPError) as exc:
        result.failures["articles"] = f"{type(exc).__name__}: {exc}"[:500]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return result


def rows(result: ArticleBench) -> tuple[list[str], list[list[str]]]:
    header = ["", "figures", "recall", "non-figures", "measure", "period+base", "breakdown", "subject"]
    table = []
    for name, scores in (("seed articles (target)", result.seeds), ("held-out set", result.heldout)):
        if scores is None:
            continue
        table.append([name, str(scores.figures), *(f"{100 * scores.rate(k):.1f} %" for k in ("recall",)), str(len(scores.non_figures)),
                      *(f"{100 * scores.rate(k):.1f} %" for k in FIELDS)])
    table.insert(1, ["", "", "≥ 98 %", "0", "≥ 95 %", "≥ 90 %", "≥ 85 %", "≥ 95 %"]) if table else None
    return header, table


def timing_rows(result: ArticleBench) -> tuple[list[str], list[list[str]]]:
    header = ["what", "median", "target"]
    table = []
    if result.read_seconds:
        table.append([f"POST /articles/read, {result.words:,} words", f"{1000 * statistics.median(result.read_seconds):.0f} ms", "< 200 ms"])
    if result.check_seconds:
        table.append([f"POST /articles/check, {result.candidates} candidates at {result.claims:,} claims ({result.contradicted} contradicted)",
                      f"{statistics.median(result.check_seconds):.2f} s", "< 2 s"])
    return header, table
