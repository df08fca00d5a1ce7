"""/desk/articles/new over a real server: an article pasted or uploaded, read, checked and stored by plain HTML forms.

The browser's view is tests/test_browser_articles.py; here httpx posts the forms as a
browser without script does (multipart for the article, URL-encoded for the table).
"""

from __future__ import annotations

import contextlib
import html
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from service.loading import load_directory
from service.store import Store
from tests.helpers import FIXTURES_DIR, assert_problem
from tests.test_cli_read import PAGE

SEED_001 = (FIXTURES_DIR / "articles" / "001_781b1e4fa559a8cc.txt").read_text(encoding="utf-8")
HTML_ACCEPT = {"accept": "text/html,application/xhtml+xml"}


@pytest.fixture
def seeded(tmp_path: Path, rules) -> Store:
    with Store(str(tmp_path / "tally.duckdb")) as store:
        load_directory(store, FIXTURES_DIR, rules)
        yield store


@contextlib.contextmanager
def desk(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=60, headers=HTML_ACCEPT) as client:
        client.get("/desk/articles/new")  # the CSRF cookie, as a browser gets it with the page
        yield client


def read(client: httpx.Client, text: str = "", source: str = "", file: tuple[str, bytes] | None = None, **extra: str) -> httpx.Response:
    fields = {"_csrf_token": client.cookies["tally-csrf"], "source": source, "language": "fr", "published": "", "text": text, "action": "read", **extra}
    return client.post("/desk/articles/new", data=fields, files={"file": file or ("", b"", "application/octet-stream")})


def table_of(page: str) -> dict[str, str]:
    """The candidates' form as a browser would post it: hidden fields, inputs, selected options, ticked boxes."""
    form = page[page.index('class="candidates-form"') :]
    fields = {m.group(1): html.unescape(m.group(2)) for m in re.finditer(r'<input (?:type="hidden" )?name="([^"]+)" value="([^"]*)"', form)}
    for select in re.finditer(r'<select name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]+)" selected>', select.group(2))
        fields[select.group(1)] = chosen.group(1) if chosen else ""
    for box in re.finditer(r'<input type="checkbox" name="([^"]+)"[^>]*checked', form):
        fields[box.group(1)] = "on"
    return fields


def test_seed_article_001_pasted_is_recognised_and_storing_it_stores_nothing_twice(seeded: Store, start_server):
    before = seeded.count_claims()
    with start_server(seeded) as base_url, desk(base_url) as client:
        page = read(client, SEED_001, source="akhannouch-2026-01-19")
        assert page.status_code == 200, page.text[:2000]
        assert page.text.count('<mark id="figure-') == 14
        fields = table_of(page.text)
        checked = client.post("/desk/articles/check", data=fields)
        assert checked.status_code == 200
        assert checked.text.count("stored already as") == 14
        stored = client.post("/desk/articles/store", data=fields)
        assert stored.status_code == 200
        assert "0 figures stored in one batch; 14 were stored already and were not stored again" in stored.text
    assert seeded.count_claims() == before


def test_a_new_paragraph_is_read_checked_contradicted_and_stored_with_no_field_typed(seeded: Store, start_server):
    source = {"id": "desk-2026-01-21", "title": "Un nouveau chiffre", "outlet": "Le Desk", "language": "fr", "published": "2026-01-21"}
    paragraph = "Les exportations de l'artisanat ont atteint 1,30 milliard de dirhams entre janvier et novembre 2025."
    with start_server(seeded) as base_url, desk(base_url) as client:
        assert httpx.post(f"{base_url}/sources", json=source).status_code == 201
        fields = table_of(read(client, paragraph, source=source["id"]).text)
        assert (fields["c1.measure"], fields["c1.period"], fields["c1.subject"]) == ("level", "2025-01/2025-11", "ma.handicraft.exports")
        checked = client.post("/desk/articles/check", data=fields).text
        first = checked.index('<article class="verdict')
        assert checked[first : first + 60].startswith('<article class="verdict contradicted"')
        assert "1,14 milliard de dirhams (MMDH)" in checked and "quelque 1,23 milliard de dirhams" in checked
        stored = client.post("/desk/articles/store", data=fields).text
        assert "1 figure stored in one batch" in stored
        [claim_id] = re.findall(r'<ul class="stored"><li><a href="/desk/claims/(c-[0-9a-f]+)"', stored)
        assert client.get(f"/desk/claims/{claim_id}").status_code == 200
    assert seeded.list_claims(source=source["id"]).total == 1


def test_an_html_upload_is_read_through_its_article(seeded: Store, start_server):
    with start_server(seeded) as base_url, desk(base_url) as client:
        answer = read(client, file=("article.html", PAGE.encode(), "text/html"))
        assert answer.status_code == 200
        assert answer.text.count('<mark id="figure-') == 5 and "Archives 2024" not in answer.text and "Les plus lus" not in answer.text


def test_a_multipart_post_is_answered_not_left_waiting(seeded: Store, start_server):
    """The CSRF middleware parses a multipart form from the stream; the body guard used to wait for that stream again, forever."""
    with start_server(seeded) as base_url, desk(base_url) as client:
        client.timeout = httpx.Timeout(20)
        assert read(client, "Les exportations ont crû de 5 % en 2024.").status_code == 200


@pytest.mark.parametrize(
    ("fields", "file", "field"),
    [
        ({"text": ""}, None, "text"),
        ({"text": ""}, ("scan.html", b"%PDF-1.7\x00\x01\x02\x03", "text/html"), "file"),
        ({"text": ""}, ("photo.jpg", "é".encode("latin-1") * 10, "image/jpeg"), "file"),
        ({"text": "Hausse de 5 %.", "language": "de"}, None, "language"),
        ({"text": "Hausse de 5 %.", "published": "2025-13-01"}, None, "published"),
    ],
)
def test_bad_input_is_named_beside_its_field_or_as_problem_json(seeded: Store, start_server, fields, file, field):
    with start_server(seeded) as base_url, desk(base_url) as client:
        page = read(client, file=file, **fields)
        assert page.status_code == 422 and 'class="problem"' in page.text
        client.headers["accept"] = "application/json"
        assert_problem(read(client, file=file, **fields), 422, field)


def test_with_a_token_set_reading_and_checking_need_no_sign_in_but_storing_does(seeded: Store, start_server):
    with start_server(seeded, write_token="w" * 24) as base_url, desk(base_url) as client:
        page = read(client, SEED_001, source="akhannouch-2026-01-19")
        assert page.status_code == 200, page.text[:500]  # a dry run: open, as POST /check
        fields = table_of(page.text)
        assert client.post("/desk/articles/check", data=fields).status_code == 200
        refused = client.post("/desk/articles/store", data=fields)
        assert refused.status_code == 401 and "sign in" in refused.text.lower()
