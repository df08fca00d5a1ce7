"""CSV in and out: ``tally load`` reads a spreadsheet of claims; GET /claims and GET /verdicts answer text/csv."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import httpx
import pytest
from hypothesis import given, settings, strategies as st
from litestar.testing import TestClient

from service.loading import LoadError, file_records, load_directory, store_file
from service.rules.book import RuleBook
from service.spreadsheets import CLAIM_COLUMNS, CLAIM_IN_COLUMNS, VERDICT_COLUMNS
from service.store import Store
from tests.helpers import FIXTURES_DIR, ROOT, SOURCE, ServerStarter, assert_problem, make_client

HEADER = "source,quote,subject,breakdown,measure,period,figure,value,unit\n"
AWKWARD = [
    'il a dit : « 1,14 milliard », puis "1,23 milliard"',
    "une ligne\npuis une autre, avec une virgule",
    "قال الوزير إن الصادرات بلغت 1,14 مليار درهم",
    'déjà "cité", à Fès; ça — ok',
]


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(HEADER)
        csv.writer(out).writerows(rows)
    return path


def row(quote: str, **cells: str) -> list[str]:
    values = {"source": SOURCE["id"], "quote": quote, "subject": "ma.handicraft.exports", "breakdown": "", "measure": "level",
              "period": "2025", "figure": "5 millions de dirhams", "value": "", "unit": ""} | cells
    return [values[name] for name in HEADER.strip().split(",")]


@pytest.fixture
def desk(store: Store, tmp_path: Path) -> Store:
    sources = tmp_path / "sources.json"
    sources.write_text(json.dumps({"sources": [SOURCE]}), encoding="utf-8")
    store_file(store, sources)
    return store


def test_a_csv_file_loads_one_claim_per_row_empty_cells_absent(desk: Store, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "claims.csv", [
        row("a", breakdown="product=carpets;country=fr"),
        row("b", measure="growth", figure="11 %"),
        [""] * 9,
        row("c", figure="", value="1.14", unit="MMDH"),
    ])
    report = store_file(desk, path)
    assert (report.claims_added, report.skipped) == (3, 0)
    claims = {claim.quote: claim for claim in desk.list_claims().items}
    assert claims["a"].breakdown == {"product": "carpets", "country": "fr"}
    assert claims["b"].breakdown == {} and claims["b"].compared_to == "2024", "an empty cell is an absent field"
    assert (claims["c"].interval.lo, claims["c"].interval.hi) == (1_135_000_000, 1_145_000_000)


def test_a_bad_row_is_reported_by_its_first_line_and_nothing_is_stored(desk: Store, tmp_path: Path) -> None:
    # the first row spans two lines, so the bad row is on line 4, not 3
    path = write_csv(tmp_path / "claims.csv", [row("a\nb"), row("c", period="2025-13")])
    with pytest.raises(LoadError) as raised:
        store_file(desk, path)
    assert raised.value.where == "line 4"
    assert desk.count_claims() == 0


@pytest.mark.parametrize(
    ("text", "where", "said"),
    [
        (HEADER.replace("figure", "figures") + "desk,a,s,,level,2025,1,,\n", "line 1", "unknown column 'figures'"),
        (HEADER + "desk,a,ma.x,product=,level,2025,1 %,,\n", "line 2", "dimension=member"),
        (HEADER + "desk,a,ma.x,,level,2025,1 %,,,extra\n", "line 2", "10 cells"),
        (HEADER + "desk,a,ma.x,,levels,2025,1 %,,\n", "line 2", "$.measure"),
        (HEADER + 'desk,"a"b,ma.x,,level,2025,1 %,,\n', "line 2", "expected after"),
        ("", "line 1", "empty"),
    ],
    ids=["unknown-column", "breakdown", "extra-cell", "measure", "bad-quoting", "empty"],
)
def test_every_bad_file_names_its_line(desk: Store, tmp_path: Path, text: str, where: str, said: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(LoadError) as raised:
        store_file(desk, path)
    assert raised.value.where == where and said in raised.value.reason
    assert desk.count_claims() == 0


def test_a_file_that_is_not_utf8_is_refused(desk: Store, tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes((HEADER + "desk,déjà,ma.x,,level,2025,1 %,,\n").encode("latin-1"))
    with pytest.raises(LoadError, match="UTF-8"):
        store_file(desk, path)


def test_a_spreadsheet_byte_order_mark_is_read_past(desk: Store, tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes("\ufeff".encode() + (HEADER + "desk,a,ma.handicraft.exports,,level,2025,5 millions de dirhams,,\n").encode())
    assert store_file(desk, path).claims_added == 1


@settings(max_examples=60, deadline=None)
# control characters are not text a quote may hold (service/texts.py), but for tab and line breaks
@given(quote=st.text(st.characters(exclude_categories=["Cs", "Cc"], include_characters="\n\t"), min_size=1, max_size=80).filter(str.strip))
def test_any_quote_reads_back_from_a_csv_cell(quote: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    path = write_csv(tmp_path_factory.mktemp("q") / "one.csv", [row(quote)])
    assert [record.quote for _, record in file_records(path)] == [quote]


def test_the_example_restates_seed_claims_in_every_column(tmp_path: Path, rules: RuleBook) -> None:
    example = ROOT / "examples" / "claims.csv"
    assert example.read_text(encoding="utf-8").splitlines()[0].split(",") == list(CLAIM_IN_COLUMNS)
    with Store(str(tmp_path / "example.duckdb")) as store:
        load_directory(store, FIXTURES_DIR, rules)
        report = store_file(store, example)
    assert report.claims_added == 0 and report.skipped == 3, "each row reads as the seed claim it restates"


# --- out: GET /claims and GET /verdicts as text/csv ------------------------------------------------


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_awkward_quotes_round_trip_through_load_and_the_csv_listing(desk: Store, tmp_path: Path, rules: RuleBook) -> None:
    store_file(desk, write_csv(tmp_path / "awkward.csv", [row(q, breakdown="country=fr") for q in AWKWARD]))
    with make_client(desk, rules) as client:
        response = client.get("/claims", params={"format": "csv"})
        listed = client.get("/claims").json()
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = read_csv(response.text)
    assert list(rows[0]) == list(CLAIM_COLUMNS)
    assert [r["quote"] for r in rows] == [c["quote"] for c in listed] == AWKWARD
    assert {r["breakdown"] for r in rows} == {"country=fr"}
    assert [(float(r["lo"]), float(r["hi"]), r["unit"]) for r in rows] == [
        (c["interval"]["lo"], c["interval"]["hi"], c["interval"]["unit"]) for c in listed
    ]


def test_claims_as_csv_keep_the_filters_and_paging_headers(seeded_reader: TestClient) -> None:
    params = {"subject": "ma.handicraft.exports", "limit": 5, "offset": 5}
    as_json = seeded_reader.get("/claims", params=params)
    as_csv = seeded_reader.get("/claims", params=params, headers={"Accept": "text/csv"})
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert [r["id"] for r in read_csv(as_csv.text)] == [c["id"] for c in as_json.json()]
    for header in ("x-total-count", "link"):
        assert as_csv.headers[header] == as_json.headers[header]


def test_verdicts_as_csv_are_the_json_page_in_columns(seeded_reader: TestClient) -> None:
    params = {"status": "contradicted", "limit": 3}
    page = seeded_reader.get("/verdicts", params=params).json()
    as_csv = seeded_reader.get("/verdicts", params=params | {"format": "csv"})
    rows = read_csv(as_csv.text)
    assert list(rows[0]) == list(VERDICT_COLUMNS)
    assert [(r["id"], r["rule"], r["status"], r["computation"]) for r in rows] == [
        (v["id"], v["rule"], v["status"], v["computation"]) for v in page["verdicts"]
    ]
    assert [r["claims"].split(" ") for r in rows] == [[c["id"] for c in v["claims"]] for v in page["verdicts"]]
    assert [float(r["margin"]) if r["margin"] else None for r in rows] == [v["margin"] for v in page["verdicts"]]
    assert as_csv.headers["x-total-count"] == str(page["total"])
    assert as_csv.headers["link"] == '</verdicts?status=contradicted&format=csv&limit=3&offset=3>; rel="next"', "the next page is CSV too"


def test_format_json_wins_over_accept(seeded_reader: TestClient) -> None:
    response = seeded_reader.get("/verdicts", params={"format": "json", "limit": 1}, headers={"Accept": "text/csv"})
    assert response.headers["content-type"].startswith("application/json")
    assert "verdicts" in response.json()


@pytest.mark.parametrize("path", ["/claims", "/verdicts"])
def test_an_unknown_format_is_a_422_naming_format(seeded_reader: TestClient, path: str) -> None:
    assert_problem(seeded_reader.get(path, params={"format": "xlsx"}), 422, "format")


def test_a_real_server_answers_csv(desk: Store, tmp_path: Path, start_server: ServerStarter) -> None:
    store_file(desk, write_csv(tmp_path / "awkward.csv", [row(q) for q in AWKWARD]))
    with start_server(desk) as base_url:
        response = httpx.get(f"{base_url}/claims", headers={"Accept": "text/csv"})
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert [r[2] for r in csv.reader(io.StringIO(response.text, newline=""))][1:] == AWKWARD
