"""Every fixture claim is anchored in its article, byte for byte.

A fixture under ``fixtures/`` (except ``reference.json``) pairs with
``fixtures/articles/<same stem>.txt``.  Each claim's ``quote`` must be an exact
substring of that article, and its ``figure`` (unless the claim is a
``category``) an exact substring of the quote, so a reader can always find the
sentence a figure was read from.  Only json and pathlib: this test must not
depend on the service it feeds.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
ARTICLES = FIXTURES / "articles"
REFERENCE = "reference.json"

SOURCE_KEYS = {"id", "title", "outlet", "url", "published", "speaker", "language"}
SOURCE_REQUIRED = {"id", "title", "outlet", "language"}
CLAIM_KEYS = {"source", "quote", "subject", "breakdown", "measure", "period", "compared_to", "figure"}
CLAIM_REQUIRED = {"source", "quote", "subject", "measure", "period", "figure"}
MEASURES = {"level", "growth", "share", "share_change", "count", "average", "average_growth", "category"}
COMPARABLE = {"growth", "share_change"}

PERIOD = re.compile(r"^\d{4}(-\d{2})?(/\d{4}(-\d{2})?)?$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
SUBJECT = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")


def _fixture_files() -> list[Path]:
    return sorted(FIXTURES.glob("*.json"))


def _article_fixtures() -> list[Path]:
    return [p for p in _fixture_files() if p.name != REFERENCE]


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _ids(paths: list[Path]) -> list[str]:
    return [p.name for p in paths]


def test_fixtures_exist() -> None:
    assert (FIXTURES / REFERENCE).is_file()
    assert _article_fixtures(), "no article fixture found"


def test_every_article_has_a_fixture() -> None:
    stems = {p.stem for p in _article_fixtures()}
    missing = [a.name for a in sorted(ARTICLES.glob("*.txt")) if a.stem not in stems]
    assert not missing, f"articles without a fixture: {missing}"


@pytest.mark.parametrize("path", _article_fixtures(), ids=_ids(_article_fixtures()))
def test_fixture_pairs_with_an_article(path: Path) -> None:
    assert (ARTICLES / f"{path.stem}.txt").is_file(), f"no article for {path.name}"


@pytest.mark.parametrize("path", _fixture_files(), ids=_ids(_fixture_files()))
def test_file_shape_and_source(path: Path) -> None:
    data = _load(path)
    assert set(data) == {"sources", "claims"}, f"{path.name}: top-level keys {sorted(data)}"
    assert isinstance(data["sources"], list) and len(data["sources"]) == 1, f"{path.name}: need exactly one source"
    assert isinstance(data["claims"], list) and data["claims"], f"{path.name}: no claims"
    source = data["sources"][0]
    assert set(source) <= SOURCE_KEYS, f"{path.name}: unknown source keys {sorted(set(source) - SOURCE_KEYS)}"
    assert SOURCE_REQUIRED <= set(source), f"{path.name}: missing source keys {sorted(SOURCE_REQUIRED - set(source))}"
    for key in source:
        assert isinstance(source[key], str) and source[key].strip(), f"{path.name}: source {key} must be a non-empty string"
    assert source["language"] in {"fr", "en"}
    if "published" in source:
        assert DATE.match(source["published"]), f"{path.name}: published {source['published']!r} is not an ISO date"


@pytest.mark.parametrize("path", _fixture_files(), ids=_ids(_fixture_files()))
def test_claims_well_formed(path: Path) -> None:
    data = _load(path)
    source_id = data["sources"][0]["id"]
    seen = set()
    for i, claim in enumerate(data["claims"]):
        where = f"{path.name} claim {i} ({claim.get('figure')!r})"
        assert set(claim) <= CLAIM_KEYS, f"{where}: unknown keys {sorted(set(claim) - CLAIM_KEYS)}"
        assert CLAIM_REQUIRED <= set(claim), f"{where}: missing keys {sorted(CLAIM_REQUIRED - set(claim))}"
        assert claim["source"] == source_id, f"{where}: source {claim['source']!r} is not {source_id!r}"
        for key in ("quote", "subject", "measure", "period", "figure"):
            assert isinstance(claim[key], str) and claim[key].strip(), f"{where}: {key} must be a non-empty string"
        assert SUBJECT.match(claim["subject"]), f"{where}: subject {claim['subject']!r} is not a dotted key"
        assert claim["measure"] in MEASURES, f"{where}: measure {claim['measure']!r}"
        assert PERIOD.match(claim["period"]), f"{where}: period {claim['period']!r}"
        breakdown = claim.get("breakdown", {})
        assert isinstance(breakdown, dict), f"{where}: breakdown must be an object"
        for dim, member in breakdown.items():
            assert isinstance(dim, str) and isinstance(member, str) and dim and member, f"{where}: breakdown {breakdown}"
        if "compared_to" in claim:
            assert claim["measure"] in COMPARABLE, f"{where}: compared_to only for growth and share_change"
            assert PERIOD.match(claim["compared_to"]), f"{where}: compared_to {claim['compared_to']!r}"
        key = (claim["subject"], tuple(sorted(breakdown.items())), claim["measure"], claim["period"],
               claim.get("compared_to"), claim["figure"], claim["quote"])
        assert key not in seen, f"{where}: duplicate claim"
        seen.add(key)


@pytest.mark.parametrize("path", _fixture_files(), ids=_ids(_fixture_files()))
def test_figure_is_in_quote(path: Path) -> None:
    for i, claim in enumerate(_load(path)["claims"]):
        if claim["measure"] == "category":
            continue
        assert claim["figure"] in claim["quote"], (
            f"{path.name} claim {i}: figure {claim['figure']!r} not in quote {claim['quote']!r}"
        )


@pytest.mark.parametrize("path", _article_fixtures(), ids=_ids(_article_fixtures()))
def test_quote_is_verbatim_in_article(path: Path) -> None:
    article = (ARTICLES / f"{path.stem}.txt").read_text(encoding="utf-8")
    for i, claim in enumerate(_load(path)["claims"]):
        assert claim["quote"] in article, f"{path.name} claim {i}: quote not verbatim in article: {claim['quote']!r}"


def test_source_ids_are_unique_across_fixtures() -> None:
    ids = [_load(p)["sources"][0]["id"] for p in _fixture_files()]
    assert len(ids) == len(set(ids)), f"duplicate source ids: {ids}"
