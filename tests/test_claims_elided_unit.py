"""A claim whose figure leaves its unit unsaid: "passé de 1,2 milliard de dirhams en 2023 à 3,6 milliards en 2024".

The second figure is printed "3,6 milliards"; the claim gives ``"unit": "MAD"`` beside
it. The figure is stored as printed, the unit as given, and both are read as one.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from service.cli import main
from service.rules.book import RuleBook
from service.rules.mechanisms import Reading, reread
from service.store import Store
from tests.helpers import assert_problem, desk_post, error_for, make_client

SOURCE = {"id": "le360", "title": "Transferts des MRE", "outlet": "Le360", "language": "fr"}
QUOTE = "les recettes sont passées de 1,2 milliard de dirhams en 2023 à 3,6 milliards en 2024"
BASE = {"source": "le360", "quote": QUOTE, "subject": "ma.tourism.receipts", "measure": "level"}
BEFORE = {**BASE, "period": "2023", "figure": "1,2 milliard de dirhams"}
AFTER = {**BASE, "period": "2024", "figure": "3,6 milliards", "unit": "MAD"}


@pytest.fixture
def http(store: Store, start_server: Any) -> Any:
    with start_server(store) as base_url, httpx.Client(base_url=base_url) as client:
        assert client.post("/sources", json=SOURCE).status_code == 201
        yield client


def test_the_figure_is_stored_as_printed_with_the_unit_given_beside_it(http: httpx.Client) -> None:
    response = http.post("/claims", json=AFTER)
    assert response.status_code == 201, response.text
    claim = response.json()["claim"]
    assert (claim["figure"], claim["unit"]) == ("3,6 milliards", "MAD")  # verbatim, and the unit as given
    assert claim["interval"] == {"lo": pytest.approx(3.55e9), "hi": pytest.approx(3.65e9), "unit": "MAD"}  # the printed scale kept
    assert any("'MAD' is given beside the figure" in step for step in claim["reading"])
    assert http.get(f"/claims/{claim['id']}").json() == claim  # read back from the store exactly as answered


def test_a_figure_that_prints_its_unit_carries_none_given(http: httpx.Client) -> None:
    claim = http.post("/claims", json=BEFORE).json()["claim"]
    assert claim["unit"] is None


def test_the_unit_given_is_part_of_what_was_printed_where(http: httpx.Client) -> None:
    """"3,6 milliards" in dirhams and "3,6 milliards" of something counted are two claims, not one posted twice."""
    in_dirhams = http.post("/claims", json=AFTER).json()["claim"]
    counted = http.post("/claims", json={k: v for k, v in AFTER.items() if k != "unit"})
    assert counted.status_code == 201, counted.text
    assert counted.json()["claim"]["interval"]["unit"] == "count"
    assert counted.json()["claim"]["id"] != in_dirhams["id"]
    assert_problem(http.post("/claims", json=AFTER), 409)


@pytest.mark.parametrize(
    ("changes", "part"),
    [
        ({"figure": "3,6 %", "unit": "MAD"}, "MAD"),  # printed percent
        ({"figure": "3,6 milliards", "unit": "MMDH"}, "MMDH"),  # a second scale
        ({"figure": "3,6 milliards de dirhams", "unit": "percent"}, "percent"),
        ({"figure": "3,6 milliards", "unit": "euros"}, "euros"),
        ({"figure": "3,6 milliards", "unit": "milliards"}, "milliards"),
        ({"figure": "3,6 milliards", "unit": "percent", "measure": "growth"}, "percent"),
    ],
)
def test_a_unit_that_contradicts_the_printed_one_is_a_422_naming_unit(http: httpx.Client, changes: dict[str, str], part: str) -> None:
    body = assert_problem(http.post("/claims", json={**AFTER, **changes}), 422, "unit")
    assert part in error_for(body, "unit")["reason"]


def test_value_or_qualifier_beside_a_printed_figure_is_still_refused_naming_figure(http: httpx.Client) -> None:
    assert_problem(http.post("/claims", json={**AFTER, "value": 3.6}), 422, "figure")
    assert_problem(http.post("/claims", json={**AFTER, "qualifier": "about"}), 422, "figure")


def test_a_unit_beside_a_category_is_refused(http: httpx.Client) -> None:
    body = {**BASE, "measure": "category", "period": "2024", "figure": "Crédit Agricole", "unit": "MAD"}
    assert_problem(http.post("/claims", json=body), 422, "figure")


def test_the_level_with_its_unit_given_checks_like_any_level(http: httpx.Client) -> None:
    """Tripled from 1,2 to 3,6 milliards: the elided figure binds growth-links-levels in dirhams."""
    http.post("/claims", json=BEFORE)
    http.post("/claims", json=AFTER)
    tripled = {**BASE, "measure": "growth", "period": "2024", "figure": "triplé"}
    verdicts = http.post("/claims", json=tripled).json()["verdicts"]
    links = [v for v in verdicts if v["rule"] == "growth-links-levels"]
    assert links and {v["status"] for v in links} == {"consistent"}
    doubled = {**tripled, "quote": QUOTE + " (doublé)", "figure": "doublé"}
    contradicted = [v for v in http.post("/check", json=doubled).json()["verdicts"] if v["rule"] == "growth-links-levels"]
    assert contradicted and {v["status"] for v in contradicted} == {"contradicted"}


def test_a_bulk_load_keeps_the_unit_given(http: httpx.Client, store: Store) -> None:
    """POST /claims/batch (and tally load) build claims through the bulk path, which caches readings by text."""
    counted = {**AFTER, "quote": QUOTE + " (compté)"}
    del counted["unit"]
    response = http.post("/claims/batch", json=[BEFORE, AFTER, counted])
    assert response.status_code == 201, response.text
    stored = {(c.figure, c.unit): c for c in store.list_claims().items}
    assert stored[("3,6 milliards", "MAD")].interval.unit == "MAD"  # the same text, read once per unit
    assert stored[("3,6 milliards", None)].interval.unit == "count"


def test_a_mechanism_rereads_the_figure_in_the_unit_given(store: Store, rules: RuleBook) -> None:
    """The truncation diagnosis reads the figure again: "3,6 milliards" must stay in dirhams."""
    with make_client(store, rules) as client:
        client.post("/sources", json=SOURCE)
        claim = client.post("/claims", json=AFTER).json()["claim"]
    stored = store.get_claim(claim["id"])
    again = reread(stored, Reading(rounding="truncate"), "fr")
    assert again is not None and again.interval.unit == "MAD"
    assert (again.interval.lo, again.interval.hi) == (pytest.approx(3.6e9), pytest.approx(3.7e9))


def test_tally_parse_takes_the_unit_left_unsaid() -> None:
    result = CliRunner().invoke(main, ["parse", "3,6 milliards", "--unit", "MAD"])
    assert result.exit_code == 0, result.output
    assert "MAD" in result.output and "given beside the figure" in result.output
    refused = CliRunner().invoke(main, ["parse", "3,6 %", "--unit", "MAD"])
    assert refused.exit_code != 0


def test_the_desk_form_takes_the_unit_left_unsaid(store: Store, rules: RuleBook) -> None:
    with make_client(store, rules) as client:
        client.post("/sources", json=SOURCE)
        page = desk_post(client, "/desk/new", {**AFTER, "action": "store"})
        assert page.status_code == 200, page.text
        stored = re.search(r"stored as (c-[0-9a-f]+)", page.text)
        assert stored and client.get(f"/claims/{stored.group(1)}").json()["unit"] == "MAD"
        refused = desk_post(client, "/desk/new", {**AFTER, "unit": "percent", "action": "check"})
        assert refused.status_code == 422 and 'id="unit-problem"' in refused.text
        read = client.get("/desk/read", params={"figure": "3,6 milliards", "unit": "MAD", "source": "le360"}).json()
        assert read["interval"] and "bn" in read["interval"]


def test_a_store_of_schema_version_1_opens_with_room_for_the_unit_given(db_path: Any, rules: RuleBook) -> None:
    """A store written before the unit could be given (version 1) gains the column when opened, and keeps its claims."""
    import duckdb

    from service.store import MIGRATIONS, SCHEMA_VERSION

    with duckdb.connect(str(db_path)) as raw:  # what the Tally of version 1 made: its migration alone
        raw.execute(MIGRATIONS[1]).fetchall()
        raw.execute("INSERT INTO settings VALUES ('schema_version', '1')").fetchall()
    with Store(str(db_path)) as store, make_client(store, rules) as client:
        assert store.schema_version() == SCHEMA_VERSION >= 2
        client.post("/sources", json=SOURCE)
        claim = client.post("/claims", json=AFTER).json()["claim"]
        assert client.get(f"/claims/{claim['id']}").json()["unit"] == "MAD"
        assert [c.unit for c in store.list_claims().items] == ["MAD"]
