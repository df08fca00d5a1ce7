"""The desk's pages: server-rendered HTML over the seeded store, readable with no script and no other host."""

from __future__ import annotations

import math
import re
from html.parser import HTMLParser

from litestar.testing import TestClient

from service.rules.book import RuleBook
from service.rules.plan import VerdictRow
from service.store import Store
from service.units import base_factor

LEVEL_114, LEVEL_123 = "1,14 milliard de dirhams (MMDH)", "quelque 1,23 milliard de dirhams"


class Links(HTMLParser):
    """Every URL the page would make the browser fetch or follow, and every script."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.scripts += tag == "script"
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
    assert "off by 80.0 M" in article
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
    assert '<option selected>consistent</option>' in page and '<option selected>cumulative-periods</option>' in page
    assert set(re.findall(r'<article class="verdict (\w+)"', page)) == {"consistent"}
    for link in re.findall(r'<a rel="(?:next|prev)" href="([^"]+)"', page):
        assert "status=consistent" in link and "rule=cumulative-periods" in link
    only = seeded_reader.get("/", params={"source": "saidi-councillors-2025", "status": "contradicted"}).text
    assert all("saidi-councillors-2025" in a for a in only.split("<article")[1:])


def test_the_subject_view_draws_every_figure_as_an_interval(seeded_reader: TestClient) -> None:
    response = seeded_reader.get("/subjects/ma.handicraft.exports")
    assert response.status_code == 200
    page = response.text
    section = next(s for s in page.split('<section class="chart">')[1:] if "level of the whole, Jan-Nov 2025" in s)
    bars = {title: float(x) for x, title in re.findall(r'<rect x="([\d.]+)"[^>]*><title>([^<]+)</title>', section)}
    widths = {title: float(w) for w, title in re.findall(r'width="([\d.]+)" height="16" class="bar"><title>([^<]+)</title>', section)}
    low = next(t for t in bars if t.startswith(LEVEL_114))
    high = next(t for t in bars if t.startswith(LEVEL_123))
    assert bars[low] + widths[low] < bars[high], "the eye sees that 1,14 and 1,23 do not overlap"
    assert "<caption>" in section and "<td>1.135 bn to 1.145 bn</td>" in section  # the table beside the drawing
    assert seeded_reader.get("/subjects/no.such.subject").status_code == 404


def test_pages_need_no_script_and_no_other_host(seeded_reader: TestClient) -> None:
    for path in ("/", "/?status=implausible", "/subjects/ma.handicraft.exports"):
        found = links_of(seeded_reader.get(path).text)
        assert found.scripts == 0
        assert found.urls and all(url.startswith(("/", "#")) for url in found.urls), [u for u in found.urls if not u.startswith(("/", "#"))]
    assert seeded_reader.get("/assets/desk.css").status_code == 200
