"""Every figure the API accepts is written on every page and in every export, whatever its size.

A figure of 29 digits once took the desk down: babel's decimal formatting stops at
the decimal context's 28 digits, and ``/``, ``/claimreview``, ``/subjects/...`` and
``/desk/rules/...`` answered 500 for as long as the claim was stored.  The desk writes
numbers it can read in full as such, and the others in scientific notation
(``service/api/reading.py``); ``/desk/read`` answers whatever it is given.
"""

from __future__ import annotations

import math
import re
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar.testing import TestClient

from service.api import reading
from service.api.reading import babel_numerals, desk_locale, interval_filter
from service.app import create_app
from service.claims import IntervalOut
from service.intervals import Interval
from service.rules.book import RuleBook
from service.rules.explain import format_interval
from service.store import Store
from tests.helpers import SOURCE, ServerStarter, claim_body, make_client, settings_for

SUBJECT = "ma.handicraft.exports"
TWENTY_NINE_DIGITS = "1" + "0" * 28  # the smallest integer babel's default context could not write
# Bodies POST /claims accepts, at the edges of a double: the 29-digit growth, the largest
# and smallest doubles, and two averages whose gap is beyond a double (the subject's chart).
EDGE_CLAIMS: list[dict[str, Any]] = [
    claim_body("a 29-digit growth", measure="growth", compared_to="2024", figure=f"hausse de {TWENTY_NINE_DIGITS} %"),
    claim_body("a 29-digit level", figure=f"{TWENTY_NINE_DIGITS} dirhams"),
    claim_body("1e308 MAD", value=1e308, unit="MAD") | {"figure": None},
    claim_body("the largest double", value=sys.float_info.max, unit="count") | {"figure": None},
    claim_body("the smallest double", value=5e-324, unit="MAD") | {"figure": None},
    claim_body("a tiny growth", measure="growth", compared_to="2024", value=5e-324, unit="percent") | {"figure": None},
    claim_body("a tiny printed growth", measure="growth", compared_to="2024", figure="hausse de 0,0000001 %"),
    claim_body("a huge fall", measure="average", value=-1.7e308, unit="MAD") | {"figure": None},
    claim_body("a huge rise", measure="average", value=1.7e308, unit="MAD") | {"figure": None},
    # ordinary figures, so the rules give verdicts that put the edges side by side
    claim_body("an ordinary level", figure="1,14 milliard de dirhams"),
    claim_body("an ordinary growth", measure="growth", compared_to="2024", figure="hausse de 5 %"),
    claim_body("an ordinary average", measure="average", figure="3 000 dirhams"),
]
# What /desk/read is given as a figure: the two, and a few more past a double and Python's int limits.
ORIGIN = "ma.office_des_changes"
READ_INPUTS = [TWENTY_NINE_DIGITS, "9" * 4300, "9" * 4301, "1" * 20_000, "0," + "0" * 5000 + "1 %", f"hausse de {'9' * 400} %", "1e308"]


def _store_edges(base_url: str) -> None:
    with httpx.Client(base_url=base_url, timeout=60) as client:
        assert client.post("/sources", json=SOURCE).status_code == 201
        assert client.post("/origins", json={"id": ORIGIN, "name": "Office des changes"}).status_code == 201
        for body in EDGE_CLAIMS:  # attributed to an origin, so its record's pages show them too
            response = client.post("/claims", json={k: v for k, v in body.items() if v is not None} | {"origin": ORIGIN})
            assert response.status_code == 201, (body["quote"], response.text)


def _every_get(app_routes: list[Any], ids: dict[str, list[str]]) -> list[str]:
    """Every GET path of the app, each path parameter filled with every stored value it can take."""
    paths = []
    for route in app_routes:
        if "GET" not in route.methods or "{file_path:path}" in route.path or route.path.startswith("/schema"):
            continue  # the packaged assets and the OpenAPI viewer show no figure
        names = list(route.path_parameters)
        if not names:
            paths.append(route.path)
        for name in names:
            assert name in ids, f"{route.path}: no stored values for {{{name}}}: add them to this test"
            paths += [re.sub(r"\{" + name + r":\w+\}", value, route.path) for value in ids[name]]
    return paths


def test_every_page_and_export_writes_figures_of_any_size(tmp_path: Path, rules: RuleBook, start_server: ServerStarter) -> None:
    with Store(str(tmp_path / "tally.duckdb")) as store, start_server(store) as base_url:
        _store_edges(base_url)
        with httpx.Client(base_url=base_url, timeout=60) as client:
            claims = [c["id"] for c in client.get("/claims", params={"limit": 1000}).json()]
            verdicts = [v["id"] for v in client.get("/verdicts", params={"limit": 1000}).json()["verdicts"]]
            assert verdicts, "the rules gave no verdict over the edge figures: the pages would show none of them"
            ids = {"claim_id": claims, "verdict_id": verdicts, "rule_id": [r.id for r in rules.current.rules], "subject": [SUBJECT], "source_id": ["desk"],
                   "origin_id": [ORIGIN], "origin": [ORIGIN], "source": ["desk"]}
            app = create_app(settings_for(store.path), store, rules)
            paths = _every_get(app.routes, ids)
            paths += ["/?page=2", "/?status=contradicted", "/claims?format=csv", "/verdicts?format=csv", "/claimreview?limit=1000"]
            paths += [f"/desk/read?{httpx.QueryParams(figure=text)}" for text in READ_INPUTS]
            assert {"/", "/claimreview", f"/subjects/{SUBJECT}", "/desk/rules/same-figure", "/desk/unchecked", f"/desk/claims/{claims[0]}"} <= set(paths)
            failures = {path[:80]: response.status_code for path in paths if (response := client.get(path)).status_code >= 500}
            assert not failures, failures
            # the figures are written, in a form a reader can take in: no 300-digit runs, no NaN in a chart
            subject = client.get(f"/subjects/{SUBJECT}").text
            assert "E308" in subject and "E28" in subject, "the largest figures are written in scientific notation"
            assert not re.search(r"\d{30}", subject.replace(TWENTY_NINE_DIGITS, "")), "a figure written out in 30 digits or more"
            assert not re.search(r'(x|width)="(nan|inf|-inf)"', subject), "the chart's geometry overflowed"


@pytest.mark.parametrize("locale", ["fr", "en", "ar"])
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lo=st.floats(allow_nan=False, allow_infinity=False), width=st.floats(min_value=0, allow_nan=False, allow_infinity=False))
def test_any_finite_double_is_written_in_every_locale(locale: str, lo: float, width: float) -> None:
    """The interval filter and the numerals of a computation (babel) write any double's bounds, in every unit."""
    written = desk_locale(locale)
    hi = lo + width if math.isfinite(lo + width) else lo
    bounds = interval_filter(written)(IntervalOut(lo=lo, hi=hi, unit="MAD"))
    assert bounds and "nan" not in bounds.lower()
    for unit in ("MAD", "count", "percent", "points"):
        assert format_interval(Interval(lo, hi), unit, babel_numerals(written))


def test_numbers_read_in_full_only_within_the_readable_range() -> None:
    fr = desk_locale("fr")
    write = babel_numerals(fr)
    assert write(Decimal("1135000000"), True).replace("\u202f", " ") == "1 135 000 000"
    assert write(Decimal(TWENTY_NINE_DIGITS), True) == "1E28"
    assert write(Decimal("0.0000001"), False) == "1E-7"
    assert interval_filter(fr)(IntervalOut(lo=1e308, hi=1.5e308, unit="MAD")) == "1E308 – 1,5E308 MAD"
    assert reading.READABLE == (Decimal("1e-6"), Decimal("1e15"))  # the README says so


# /desk/read answers the form as it is typed: whatever the text, a reading, never a 500.
@pytest.fixture(scope="module")
def reader(tmp_path_factory: pytest.TempPathFactory, rules: RuleBook) -> Any:
    path = tmp_path_factory.mktemp("read") / "tally.duckdb"
    with Store(str(path)) as store:
        with make_client(store, rules) as client:
            client.post("/sources", json=SOURCE)
            yield client


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    figure=st.one_of(
        st.text(),
        st.text(alphabet="0123456789,. %-−٫٬٠١٢٣milliardsdehauseDH", max_size=60),
        st.integers(1, 6000).map(lambda n: "9" * n),
    ),
    source=st.one_of(st.just(""), st.just("desk"), st.text(max_size=20)),
)
def test_desk_read_never_fails_whatever_it_is_given(reader: TestClient, figure: str, source: str) -> None:
    response = reader.get("/desk/read", params={"figure": figure, "source": source})
    assert response.status_code < 500, (figure[:80], response.text[:300])
