"""What a text field may hold (service/texts.py), and figures and periods that must be refused, not stored.

Control characters are refused, never normalised: a quote is evidence, stored as
printed or not at all.  Right-to-left text with its diacritics, tatweel and every
direction mark is text, and passes unchanged.
"""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient

from tests.helpers import SOURCE, assert_problem, claim_body

DIRECTION_MARKS = "\u200e\u200f\u061c" + "".join(map(chr, range(0x202A, 0x202F))) + "".join(map(chr, range(0x2066, 0x206A)))
# "exports reached 5 million dirhams", with diacritics, a tatweel and every direction mark
ARABIC_QUOTE = "\u2067بَلَغَتِ الصّـادِراتُ ٥ مَلايينِ دِرْهَم\u2069 " + DIRECTION_MARKS + " \u202bنَصٌّ\u202c"


@pytest.fixture
def desk(client: TestClient) -> TestClient:
    assert client.post("/sources", json=SOURCE).status_code == 201
    return client


def post_claim(client: TestClient, **changes: Any) -> Any:
    return client.post("/claims", json=claim_body("exports reached 5 million") | changes)


def test_an_arabic_quote_with_direction_marks_is_stored_unchanged(desk: TestClient) -> None:
    response = post_claim(desk, quote=ARABIC_QUOTE)
    assert response.status_code == 201, response.text
    claim_id = response.json()["claim"]["id"]
    assert desk.get(f"/claims/{claim_id}").json()["quote"] == ARABIC_QUOTE


def test_an_arabic_title_with_direction_marks_is_stored_unchanged(client: TestClient) -> None:
    title = "\u200fبيان\u0640 وزارة الاقتصاد\u200e"
    assert client.post("/sources", json=SOURCE | {"title": title, "outlet": title}).status_code == 201
    assert client.get(f"/sources/{SOURCE['id']}").json()["title"] == title


@pytest.mark.parametrize("control", ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\x0b"])
def test_a_control_character_in_a_quote_is_refused(desk: TestClient, control: str) -> None:
    assert_problem(post_claim(desk, quote=f"exports{control} reached"), 422, "quote")
    assert desk.get("/claims").json() == []


def test_a_quote_may_run_over_lines(desk: TestClient) -> None:
    assert post_claim(desk, quote="exports reached\r\n\t5 million").status_code == 201


@pytest.mark.parametrize("field", ["title", "outlet", "speaker", "url"])
@pytest.mark.parametrize("text", ["Communiqué\x00", "Communiqué\n", "\x1b[31mred"])
def test_a_control_character_in_a_source_line_is_refused(client: TestClient, field: str, text: str) -> None:
    assert_problem(client.post("/sources", json=SOURCE | {field: text}), 422, field)


@pytest.mark.parametrize("blank", [" ", "   \t ", "\u3000", "\u00a0"])
@pytest.mark.parametrize("field", ["title", "outlet"])
def test_a_blank_title_is_refused(client: TestClient, field: str, blank: str) -> None:
    assert_problem(client.post("/sources", json=SOURCE | {field: blank}), 422, field)


def test_a_blank_quote_is_refused(desk: TestClient) -> None:
    assert_problem(post_claim(desk, quote=" \n\t "), 422, "quote")


@pytest.mark.parametrize("ending", ["\n", "\r\n", " ", "\t"])
def test_an_identifier_ends_where_its_characters_end(client: TestClient, ending: str) -> None:
    assert_problem(client.post("/sources", json=SOURCE | {"id": "s1" + ending}), 422, "id")
    assert client.post("/sources", json=SOURCE).status_code == 201
    assert_problem(post_claim(client, source="desk" + ending), 422, "source")
    assert_problem(post_claim(client, subject="ma.exports" + ending), 422, "subject")
    assert_problem(client.post("/claims", json=claim_body("q") | {"breakdown": {"product" + ending: "rugs"}}), 422, "breakdown")
    assert_problem(client.post("/claims", json=claim_body("q") | {"breakdown": {"product": "rugs" + ending}}), 422, "breakdown")
    assert client.get("/claims").json() == []


@pytest.mark.parametrize("measure", ["growth", "share_change"])
def test_a_change_over_year_0000_has_no_base_period(desk: TestClient, measure: str) -> None:
    figure = "hausse de 3 %" if measure == "growth" else "hausse de 3 points"
    body = assert_problem(post_claim(desk, measure=measure, period="0000", figure=figure), 422, "period")
    assert "compared_to" in body["detail"]
    assert post_claim(desk, measure=measure, period="0000", figure=figure, compared_to="0001").status_code in (201, 422)


@pytest.mark.parametrize(
    "figure",
    [
        {"value": 1e308, "unit": "MMDH"},
        {"figure": "1" + "0" * 309 + " dirhams"},
        {"figure": "9" * 310},
    ],
    ids=["1e308-MMDH", "310-digit-dirhams", "310-digit-count"],
)
def test_a_figure_beyond_a_double_is_unrepresentable(desk: TestClient, figure: dict[str, Any]) -> None:
    body = claim_body("a huge figure") | {"figure": None} | figure
    body = {k: v for k, v in body.items() if v is not None}
    for path in ("/claims", "/check"):
        problem = assert_problem(desk.post(path, json=body), 422)
        assert "unrepresentable" in problem["detail"], problem
    assert desk.get("/claims").json() == []


def test_a_refused_text_is_said_in_words(client: TestClient) -> None:
    problem = assert_problem(client.post("/sources", json=SOURCE | {"id": "s1\n", "title": "a\x00b"}), 422)
    reasons = " ".join(error["reason"] for error in problem["errors"])
    assert "regex" not in reasons and ("no newline" in reasons or "control character" in reasons), reasons
