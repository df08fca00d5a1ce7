"""The desk's pages: server-rendered HTML over the seeded store, readable with no script and no other host."""

from __future__ import annotations

import json
import math
import re
from html.parser import HTMLParser
from pathlib import Path

import extruct
import msgspec
import pytest
from litestar.testing import TestClient

from service.claimreview import MAX_CLAIM_REVIEWED, embedded
from service.settings import Settings
from service.verdicts import Verdict

from service.rules.book import RuleBook
from service.rules.plan import VerdictRow
from service.store import Store
from service.units import base_factor

LEVEL_114, LEVEL_123 = "1,14 milliard de dirhams (MMDH)", "quelque 1,23 milliard de dirhams"


DATA_BLOCK = "application/ld+json"  # a script element the browser never runs: JSON-LD data


class Links(HTMLParser):
    """Every URL the page would make the browser fetch or follow, and every script that would run.

    A ``<script type="application/ld+json">`` with no ``src`` is a data block, not run;
    any other script (no type, a JavaScript type, ``module``, an unknown type, or a ``src``) counts.
    """

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.scripts = 0
        self.data_blocks = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            attributes = dict(attrs)
            data = (attributes.get("type") or "").strip().lower() == DATA_BLOCK and "src" not in attributes
            self.data_blocks += data
            self.scripts += not data
        self.urls += [value for name, value in attrs if name in ("href", "src", "action") and value]


def links_of(html: str) -> Links:
    parser = Links()
    parser.feed(html)
    return parser


def test_the_desk_lists_contradictions_first_with_their_evidence(seeded_reader: TestClient) -> None:
    response = seeded_reader.get("/")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    page = response.text
    statuses = re.findall(r'<article class="verdict (\w+)"', page)
    assert statuses and statuses[0] == "contradicted"
    assert statuses == sorted(statuses, key=["contradicted", "implausible", "unverifiable", "consistent"].index)
    # the 1,14 vs 1,23 contradiction, its quotes and its margin
    verdicts = seeded_reader.get("/verdicts", params={"rule": "same-figure", "status": "contradicted"}).json()["verdicts"]
    levels = next(v for v in verdicts if {c["figure"] for c in v["claims"]} == {LEVEL_114, LEVEL_123})
    article = next(a for a in page.split("<article")[1:] if f'id="{levels["id"]}"' in a)
    assert "off by 80 M MAD (7.0 % of the smaller figure)" in article  # English words, English numbers, the unit named
    assert "la valeur des exportations du secteur a atteint 1,14 milliard de dirhams" in article
    assert 'href="/subjects/ma.handicraft.exports"' in article


def test_contradictions_come_by_how_much_they_matter(seeded_store: Store, rules: RuleBook) -> None:
    """Within a status, the margin relative to the largest bound of the sides compared, largest first."""

    def relative(row: VerdictRow) -> float:
        bounds = [abs(v) for side in (row.left, row.right) if side for v in side if math.isfinite(v)]
        return (row.margin or 0.0) * base_factor(row.margin_unit or "count") / max(bounds) if bounds and row.margin else 0.0

    rows = [row for row, _ in seeded_store.list_verdicts(rules.current, status="contradicted", by_weight=True).items]
    assert len(rows) > 3
    weights = [relative(row) for row in rows]
    assert weights == sorted(weights, reverse=True)


def test_the_page_keeps_the_stores_order(seeded_reader: TestClient, seeded_store: Store, rules: RuleBook) -> None:
    page = seeded_reader.get("/", params={"status": "contradicted"}).text
    shown = re.findall(r'<article class="verdict contradicted" id="([^"]+)"', page)
    assert shown == [row.id for row, _ in seeded_store.list_verdicts(rules.current, status="contradicted", by_weight=True).items]


def test_filters_live_in_the_url_and_survive_paging(seeded_reader: TestClient) -> None:
    page = seeded_reader.get("/", params={"status": "consistent", "rule": "cumulative-periods"}).text
    assert '<option value="consistent" selected>consistent</option>' in page and '<option selected>cumulative-periods</option>' in page
    assert set(re.findall(r'<article class="verdict (\w+)"', page)) == {"consistent"}
    for link in re.findall(r'<a rel="(?:next|prev)" href="([^"]+)"', page):
        assert "status=consistent" in link and "rule=cumulative-periods" in link
    only = seeded_reader.get("/", params={"source": "saidi-councillors-2025", "status": "contradicted"}).text
    assert all("saidi-councillors-2025" in a for a in only.split("<article")[1:])


def test_the_subject_view_draws_every_figure_as_an_interval(seeded_reader: TestClient) -> None:
    response = seeded_reader.get("/subjects/ma.handicraft.exports")
    assert response.status_code == 200
    page = response.text
    section = next(s for s in page.split('<section class="chart">')[1:] if "level of the whole, Jan–Nov 2025" in s)
    bars = {title: float(x) for x, title in re.findall(r'<rect x="([\d.]+)"[^>]*><title>([^<]+)</title>', section)}
    widths = {title: float(w) for w, title in re.findall(r'width="([\d.]+)" height="16" class="bar"><title>([^<]+)</title>', section)}
    low = next(t for t in bars if t.startswith(LEVEL_114))
    high = next(t for t in bars if t.startswith(LEVEL_123))
    assert bars[low] + widths[low] < bars[high], "the eye sees that 1,14 and 1,23 do not overlap"
    assert "<caption>" in section and "<td>1.135 bn to 1.145 bn MAD</td>" in section  # the table beside the drawing
    assert seeded_reader.get("/subjects/no.such.subject").status_code == 404


@pytest.mark.parametrize(
    "html",
    ["<script>x()</script>", '<script type="text/javascript">x()</script>', '<script type="module">x()</script>',
     '<script type="text/x-unknown"></script>', '<script type="application/ld+json" src="/x.js"></script>'],
)
def test_any_script_but_a_json_ld_data_block_counts(html: str) -> None:
    assert links_of(html).scripts == 1
    assert links_of('<script type="application/ld+json">{}</script>').scripts == 0


def seeded_pages(client: TestClient) -> list[str]:
    verdict = client.get("/verdicts", params={"status": "contradicted", "limit": 1}).json()["verdicts"][0]["id"]
    return [
        "/", "/?status=implausible", "/subjects/ma.handicraft.exports", f"/desk/verdicts/{verdict}", "/desk/blame",
        "/desk/blame?subject=ma.handicraft.exports", "/desk/rules", "/desk/rules/same-figure", "/desk/unchecked",
    ]


def test_pages_need_no_script_and_no_other_host(seeded_reader: TestClient) -> None:
    for path in seeded_pages(seeded_reader):
        found = links_of(seeded_reader.get(path).text)
        assert found.scripts == 0, path
        assert found.urls and all(url.startswith(("/", "#")) for url in found.urls), [u for u in found.urls if not u.startswith(("/", "#"))]
    assert seeded_reader.get("/assets/desk.css").status_code == 200


def test_every_page_has_the_nav_bar(seeded_reader: TestClient) -> None:
    for path in seeded_pages(seeded_reader):
        nav = seeded_reader.get(path).text.split('<nav aria-label="Desk">')[1].split("</nav>")[0]
        assert re.findall(r'href="([^"]+)"', nav) == ["/", "/desk/blame", "/desk/rules", "/desk/new", "/desk/articles/new", "/schema"], path
    assert '<a href="/desk/blame" aria-current="page">Blame</a>' in seeded_reader.get("/desk/blame").text


# --- one verdict, with its ClaimReview -------------------------------------------------------


def levels_verdict(client: TestClient) -> dict:
    verdicts = client.get("/verdicts", params={"rule": "same-figure", "status": "contradicted"}).json()["verdicts"]
    return next(v for v in verdicts if {c["figure"] for c in v["claims"]} == {LEVEL_114, LEVEL_123})


def test_a_verdict_page_shows_its_evidence_opened_and_embeds_its_claim_review(seeded_reader: TestClient) -> None:
    verdict = levels_verdict(seeded_reader)
    response = seeded_reader.get(f"/desk/verdicts/{verdict['id']}")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    page = response.text
    assert re.search(rf'<article class="verdict contradicted" id="{verdict["id"]}">\s*<details open>', page)
    assert "off by 80 M MAD" in page and "la valeur des exportations du secteur a atteint 1,14 milliard de dirhams" in page
    assert links_of(page).data_blocks == 1
    # read back as a search engine reads it: the JSON-LD of the page's HTML
    [review] = extruct.extract(page, base_url=f"{Settings().public_url}/desk/verdicts/{verdict['id']}", syntaxes=["json-ld"])["json-ld"]
    assert review == seeded_reader.get(f"/verdicts/{verdict['id']}/claimreview").json(), "the same document as the API's"
    assert review["@context"] == "https://schema.org" and review["@type"] == "ClaimReview"
    assert review["url"] == f"{Settings().public_url}/desk/verdicts/{verdict['id']}", "the review points at this page"
    assert 0 < len(review["claimReviewed"]) < 75
    rating = review["reviewRating"]
    assert rating["@type"] == "Rating" and rating["alternateName"] and (rating["worstRating"], rating["ratingValue"], rating["bestRating"]) == (1, 1, 3)
    assert review["itemReviewed"]["@type"] == "Claim" and review["itemReviewed"]["author"]["name"]
    assert review["author"] == {"@type": "Organization", "name": "Tally"}


def test_the_embedded_review_cannot_close_its_script(seeded_reader: TestClient) -> None:
    """A quote or a desk name holding ``</script>`` stays data: the JSON escapes <, > and &."""
    from service.claimreview import Agent, claim_review
    from service.sources import Source

    verdict = msgspec.convert(levels_verdict(seeded_reader), Verdict)
    source = Source(id=verdict.claims[0].source, title="t", outlet="A & B </script><script>alert(1)</script>", language="fr")
    review = claim_review(verdict, {source.id: source}, "Desk <!--", "https://desk.example")
    text = embedded(review)
    assert not re.search(r"[<>&]", text)
    assert json.loads(text) == msgspec.to_builtins(review)
    assert isinstance(review.author, Agent)


def test_an_unknown_verdict_page_is_a_404(seeded_reader: TestClient) -> None:
    assert seeded_reader.get("/desk/verdicts/v-0000000000000000").status_code == 404


def test_every_verdict_on_the_desk_and_a_subject_links_to_its_page(seeded_reader: TestClient) -> None:
    for path in ("/", "/subjects/ma.handicraft.exports"):
        page = seeded_reader.get(path).text
        articles = re.findall(r'<article class="verdict \w+" id="([^"]+)">(.*?)</article>', page, re.S)
        assert articles, path
        for verdict_id, article in articles:
            assert f'href="/desk/verdicts/{verdict_id}"' in article, (path, verdict_id)


# --- blame -----------------------------------------------------------------------------------


def test_the_blame_view_shows_the_figures_to_doubt_and_links_each_to_its_contradictions(seeded_reader: TestClient) -> None:
    blame = seeded_reader.get("/blame").json()
    page = seeded_reader.get("/desk/blame").text
    assert "A minimal set is a lightest set of figures" in page  # the method, in one sentence
    suspects = re.findall(r'<li id="(c-[^"]+)">(.*?)</li>\s*(?=<li id=|</ol>)', page, re.S)
    assert [claim_id for claim_id, _ in suspects] == [c["id"] for c in blame["claims"]], "most contradictions first"
    contradicted = seeded_reader.get("/verdicts", params={"status": "contradicted"}).json()["verdicts"]
    for claim_id, item in suspects:
        linked = set(re.findall(r'href="/desk/verdicts/([^"]+)"', item))
        assert linked == {v["id"] for v in contradicted if claim_id in {c["id"] for c in v["claims"]}}, claim_id
    sets = page.split('<ol class="minimal-sets">')[1].split("</ol>")[0]
    shown = [re.findall(r'href="#(c-[^"]+)"', chosen) for chosen in sets.split("<li><ul>")[1:]]
    assert shown == blame["minimal_sets"]


def test_the_blame_view_narrows_to_a_subject(seeded_reader: TestClient) -> None:
    blame = seeded_reader.get("/blame", params={"subject": "ma.handicraft.exports"}).json()
    page = seeded_reader.get("/desk/blame", params={"subject": "ma.handicraft.exports"}).text
    assert 'value="ma.handicraft.exports"' in page
    assert re.findall(r'<li id="(c-[^"]+)">', page) == [c["id"] for c in blame["claims"]]
    nothing = seeded_reader.get("/desk/blame", params={"subject": "no.such.subject"}).text
    assert "nothing to doubt" in nothing


# --- rules -----------------------------------------------------------------------------------


def test_the_rules_view_lists_every_rule_with_its_counts(seeded_reader: TestClient, seeded_store: Store, rules: RuleBook) -> None:
    page = seeded_reader.get("/desk/rules").text
    counts = seeded_store.verdict_counts()
    for rule in rules.current.rules:
        section = _unescaped(page.split(f'<section class="rule" id="{rule.id}">')[1].split("</section>")[0])
        assert f'href="/desk/rules/{rule.id}"' in section and rule.title in section
        for status in ("contradicted", "implausible", "unverifiable", "consistent"):
            n = counts.get((rule.id, status), 0)
            assert (f"{n} {status}</a>" if n else f"0 {status}") in section, (rule.id, status)
    unchecked = seeded_store.unchecked_claims(rules.current, limit=0).total
    assert f'<a href="/desk/unchecked">{unchecked} of {seeded_store.count_claims()} claims</a>' in page


def test_a_rule_view_shows_its_yaml_and_its_verdicts(seeded_reader: TestClient, rules: RuleBook) -> None:
    rule = rules.get("same-figure")
    response = seeded_reader.get("/desk/rules/same-figure")
    assert response.status_code == 200
    page = response.text
    yaml_text = Path(rule.file).read_text(encoding="utf-8")
    source = re.search(r'<pre class="rule-source"><code>(.*?)</code></pre>', page, re.S)
    assert source and _unescaped(source.group(1)) == yaml_text
    assert _unescaped(rule.description) in _unescaped(page)
    listed = seeded_reader.get("/verdicts", params={"rule": "same-figure", "limit": 1000}).json()
    shown = re.findall(r'<article class="verdict (\w+)" id="([^"]+)"', page)
    assert shown and {verdict_id for _, verdict_id in shown} <= {v["id"] for v in listed["verdicts"]}
    assert f"{listed['total']} verdicts" in page and shown[0][0] == "contradicted"
    assert seeded_reader.get("/desk/rules/no-such-rule").status_code == 404


def test_the_unchecked_view_lists_the_claims_no_verdict_reads(seeded_reader: TestClient) -> None:
    read = {c["id"] for v in seeded_reader.get("/verdicts", params={"limit": 1000}).json()["verdicts"] for c in v["claims"]}
    every = {c["id"] for c in seeded_reader.get("/claims", params={"limit": 1000}).json()}
    page = seeded_reader.get("/desk/unchecked").text
    assert f"{len(every - read)} claims appear in no verdict" in page
    shown: list[str] = []
    while True:  # a page at a time, following rel=next
        shown += re.findall(r'<tr id="(c-[^"]+)">', page)
        following = re.search(r'<a rel="next" href="([^"]+)"', page)
        if not following:
            break
        page = seeded_reader.get(following.group(1)).text
    assert len(shown) == len(set(shown)) and set(shown) == every - read


def _unescaped(text: str) -> str:
    import html

    return html.unescape(text)


def test_the_bounds_tally_reads_are_written_in_the_desks_locale(seeded_store: Store, rules: RuleBook) -> None:
    from babel.numbers import format_decimal

    from service.app import create_app
    from tests.helpers import LOOPBACK, settings_for

    for locale in ("fr", "en"):
        settings = msgspec.structs.replace(settings_for(seeded_store.path), desk_locale=locale)
        with TestClient(create_app(settings, seeded_store, rules), base_url=LOOPBACK) as client:
            page = client.get("/", params={"status": "contradicted"}).text
        lo, hi = (format_decimal(v, locale=locale) for v in (1_135_000_000, 1_145_000_000))
        assert f"<td>{lo} – {hi} MAD</td>" in page, locale
    with pytest.raises(ValueError, match="desk_locale"):
        create_app(msgspec.structs.replace(settings_for(seeded_store.path), desk_locale="xx_NOWHERE"), seeded_store, rules)
