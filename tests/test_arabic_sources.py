"""An Arabic source over HTTP: its figures read, its quotes kept as printed, its verdicts those of the same figures in French.

``tests/data/arabic/claims.json`` is a few sentences written for these tests
(``article.txt``), with figures that contradict the seed fixtures' French and
English claims; ``claims_fr.json`` prints the very same figures in French.  Both
are posted to a real server over the seed fixtures, each to its own store.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from service.cli import main
from service.quotes import figure_in_quote
from service.rules.explain import printed
from service.store import Store
from tests.helpers import ServerStarter, assert_problem, desk_post, the_verdict_over

DATA = Path(__file__).resolve().parent / "data" / "arabic"
ARABIC = json.loads((DATA / "claims.json").read_text(encoding="utf-8"))
FRENCH = json.loads((DATA / "claims_fr.json").read_text(encoding="utf-8"))
ARTICLE = (DATA / "article.txt").read_text(encoding="utf-8")
RLM = "\u200f"


def _post_all(base_url: str, fixture: dict[str, Any]) -> list[dict[str, Any]]:
    """Post the source, then each claim, as a desk would; the claims as the server read them."""
    with httpx.Client(base_url=base_url) as http:
        [source] = fixture["sources"]
        created = http.post("/sources", json=source)
        assert created.status_code == 201, created.text
        assert http.get(f"/sources/{source['id']}").json() == created.json()
        claims = []
        for body in fixture["claims"]:
            response = http.post("/claims", json=body)
            assert response.status_code == 201, response.text
            claims.append(response.json()["claim"])
        return claims


def _verdicts_over(base_url: str, claim_ids: list[str]) -> list[dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for claim_id in claim_ids:
        listed = httpx.get(base_url + "/verdicts", params={"claim": claim_id, "limit": 500}).json()
        assert listed["next"] is None
        found |= {v["id"]: v for v in listed["verdicts"]}
    return list(found.values())


@pytest.fixture
def posted(seeded_file: Path, tmp_path: Path, start_server: ServerStarter) -> Iterator[dict[str, tuple[list[dict], list[dict]]]]:
    """Each fixture posted to a server of its own over a copy of the seeded store: (claims, verdicts) by language."""
    answers = {}
    for language, fixture in (("ar", ARABIC), ("fr", FRENCH)):
        path = tmp_path / f"{language}.duckdb"
        shutil.copyfile(seeded_file, path)
        with Store(str(path)) as store, start_server(store) as base_url:
            claims = _post_all(base_url, fixture)
            answers[language] = (claims, _verdicts_over(base_url, [c["id"] for c in claims]))
    yield answers


def _shape(verdicts: list[dict[str, Any]], new_ids: list[str]) -> set[tuple]:
    """Verdicts with the posted claims named by their place in the fixture (the seed claims keep their ids).

    Roles are left out: a symmetric rule (same-figure) orders its two sides by claim id, which differs.
    """
    place = {claim_id: f"posted[{n}]" for n, claim_id in enumerate(new_ids)}
    return {
        (v["rule"], v["status"], None if v["margin"] is None else round(v["margin"], 9), v["margin_unit"],
         tuple(sorted(place.get(e["id"], e["id"]) for e in v["claims"])))
        for v in verdicts
    }  # fmt: skip


def test_the_arabic_figures_contradict_the_french_and_english_claims(posted) -> None:
    claims, verdicts = posted["ar"]
    assert [c["interval"] for c in claims] == [
        {"lo": 1.315e9, "hi": 1.325e9, "unit": "MAD"},
        {"lo": 8.5, "hi": 9.5, "unit": "percent"},
        {"lo": -2.5, "hi": -1.5, "unit": "points"},
        {"lo": 150.0, "hi": 250.0, "unit": "percent"},
        {"lo": 74.5, "hi": 75.5, "unit": "count"},
        {"lo": 459999.5, "hi": None, "unit": "count"},
        {"lo": 39.5, "hi": 40.5, "unit": "percent"},
        {"lo": 52.45e6, "hi": 52.55e6, "unit": "MAD"},
    ]
    contradicted = [
        ("١٫٣٢ مليار درهم", "1,14 milliard de dirhams (MMDH)"),
        ("١٫٣٢ مليار درهم", "quelque 1,23 milliard de dirhams"),
        ("ارتفاعاً بنسبة 9٪", "hausse de 11 %"),
        ("ارتفاعاً بنسبة 9٪", "11%"),  # the English councillors' answer
        ("أكثر من ٤٦٠٬٠٠٠", "près de 440.000"),
        ("٤٠ في المائة", "44%"),
        ("تراجعا بنقطتين", "reculer de 8 points"),
    ]
    for figures in contradicted:
        assert the_verdict_over(verdicts, "same-figure", *figures)["status"] == "contradicted", figures
    exhibitions = [v for v in verdicts if v["rule"] == "same-figure" and "75" in {e["figure"] for e in v["claims"]}]
    assert {e["source"] for v in exhibitions for e in v["claims"]} >= {"akhannouch-2026-01-19", "saidi-councillors-2025"}
    assert all(v["status"] == "contradicted" for v in exhibitions)
    assert the_verdict_over(verdicts, "same-figure", "ثلاث مرات", "multiplié par trois")["status"] == "consistent"
    assert the_verdict_over(verdicts, "same-figure", "حوالي 52,5 مليون درهم", "près de 52,5 millions de dirhams")["status"] == "consistent"


def test_the_arabic_figures_get_the_verdicts_of_the_same_figures_in_french(posted) -> None:
    arabic_claims, arabic_verdicts = posted["ar"]
    french_claims, french_verdicts = posted["fr"]
    assert [c["interval"] for c in arabic_claims] == [c["interval"] for c in french_claims]
    assert [c["qualifier"] for c in arabic_claims] == [c["qualifier"] for c in french_claims]
    assert len(arabic_verdicts) > len(ARABIC["claims"])
    arabic_shape = _shape(arabic_verdicts, [c["id"] for c in arabic_claims])
    assert arabic_shape == _shape(french_verdicts, [c["id"] for c in french_claims])


def test_arabic_quotes_are_stored_and_answered_exactly_as_printed(posted) -> None:
    claims, verdicts = posted["ar"]
    for claim, body in zip(claims, ARABIC["claims"], strict=True):
        assert claim["quote"] == body["quote"] and claim["figure"] == body["figure"]
        assert body["quote"] in ARTICLE  # verbatim in the article, byte for byte
        assert figure_in_quote(body["figure"], body["quote"])  # up to digit forms and tatweel
    marked = next(c for c in claims if c["quote"].startswith(RLM))
    assert "نظَّمت" in marked["quote"] and "معرضاً" in marked["quote"] and marked["quote"].endswith(RLM)
    evidence = {e["id"]: e["quote"] for v in verdicts for e in v["claims"]}
    assert evidence[marked["id"]] == marked["quote"]


def test_an_arabic_figure_with_an_unknown_word_is_a_422_naming_it(client) -> None:
    assert client.post("/sources", json=ARABIC["sources"][0]).status_code == 201
    body = {**ARABIC["claims"][0], "figure": "١٫٣٢ مليار دولار"}
    problem = assert_problem(client.post("/claims", json=body), 422, "figure")
    assert "'دولار'" in json.dumps(problem, ensure_ascii=False)
    structured = {key: value for key, value in ARABIC["claims"][0].items() if key != "figure"}
    answered = client.post("/claims", json={**structured, "value": "١٫٣٢", "unit": "مليار درهم", "qualifier": "حوالي"})
    assert answered.status_code == 201, answered.text
    assert answered.json()["claim"]["interval"] == {"lo": 1.315e9, "hi": 1.325e9, "unit": "MAD"}


def test_a_source_in_an_unknown_language_is_a_422_naming_language(client) -> None:
    assert_problem(client.post("/sources", json={**ARABIC["sources"][0], "language": "ber"}), 422, "language")


def test_tally_parse_explains_an_arabic_reading() -> None:
    result = CliRunner().invoke(main, ["parse", "حوالي ١٫٢٣ مليار درهم", "--lang", "ar"])
    assert result.exit_code == 0, result.output
    assert "'١٫٢٣' read as 1.23 (Arabic-Indic digits, the Arabic decimal separator '٫')" in result.output
    assert "'حوالي' (about)" in result.output and "'درهم' is MAD" in result.output
    refused = CliRunner().invoke(main, ["parse", "خمس مرات", "--lang", "ar"])
    assert refused.exit_code == 2 and "'خمس'" in refused.output


def test_the_claim_form_reads_an_arabic_figure_the_source_s_way_and_names_an_unknown_word(seeded_client) -> None:
    assert seeded_client.post("/sources", json=ARABIC["sources"][0]).status_code == 201
    form = {key: ARABIC["claims"][0][key] for key in ("source", "quote", "subject", "measure", "period", "figure")}
    page = desk_post(seeded_client, "/desk/new", {**form, "action": "store"})
    assert page.status_code == 200, page.text
    assert '<bdi>١٫٣٢ مليار درهم</bdi>: <span class="interval" title="1,315,000,000 – 1,325,000,000 MAD">1.315 bn to 1.325 bn MAD</span>' in page.text
    assert "stored as c-" in page.text
    assert seeded_client.get("/desk/read", params={"figure": "1,32 مليار درهم", "source": form["source"]}).json()["interval"] == "1.315 bn to 1.325 bn MAD"
    refused = desk_post(seeded_client, "/desk/new", {**form, "figure": "١٫٣٢ مليار دولار", "action": "check"})
    assert refused.status_code == 422
    assert re.search(r'id="figure-problem" role="alert">[^<]*&#39;دولار&#39;', refused.text)


def test_quotes_that_differ_by_a_mark_or_a_diacritic_are_different_prints(client) -> None:
    assert client.post("/sources", json=ARABIC["sources"][0]).status_code == 201
    marked = next(body for body in ARABIC["claims"] if body["quote"].startswith(RLM))
    printed = client.post("/claims", json=marked)
    assert printed.status_code == 201 and printed.json()["claim"]["quote"] == marked["quote"]
    assert client.post("/claims", json=marked).status_code == 409  # the same print, byte for byte
    for variant in (marked["quote"].replace(RLM, ""), marked["quote"].replace("\u0651", "")):  # no marks; no shadda
        other = client.post("/claims", json={**marked, "quote": variant})
        assert other.status_code == 201 and other.json()["claim"]["id"] != printed.json()["claim"]["id"]
        assert other.json()["claim"]["quote"] == variant


def test_an_arabic_figure_quoted_in_an_english_sentence_is_isolated() -> None:
    # a bare Arabic figure reorders the quotes and words around it in a browser; FSI ... PDI keep it in place
    assert printed("١٫٣٢ مليار درهم") == "\u2068'١٫٣٢ مليار درهم'\u2069"
    assert printed("1,14 milliard de dirhams") == "'1,14 milliard de dirhams'", "left-to-right text quoted as before"
