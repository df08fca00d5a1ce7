"""The desk's numbered pages have a ceiling: a page past it is a 400 naming ``page``, never a 500.

``/?page=384307168202282326`` and ``/desk/unchecked?page=9223372036854775807`` once
overflowed DuckDB's 64-bit offset.  The ceiling, :data:`service.api.paging.MAX_PAGE`,
is the page whose offset is the API's own ceiling on ``offset``.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from service.api.paging import DESK_PAGE_SIZE, MAX_OFFSET, MAX_PAGE
from service.app import create_app
from service.rules.book import RuleBook
from service.store import Store
from tests.helpers import assert_problem, settings_for

PAST_THE_END = [MAX_PAGE + 1, 384307168202282326, 2**63 - 1, 2**63, 10**30]


def paged_routes(path: Path, rules: RuleBook) -> list[str]:
    """Every GET route of the app whose handler takes a ``page``, with the ceiling it declares."""
    with Store(str(path)) as store:
        app = create_app(settings_for(path), store, rules)
    found = []
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            parameter = handler.parsed_fn_signature.parameters.get("page")
            if parameter is not None and "GET" in handler.http_methods:
                assert parameter.kwarg_definition.schema_extra == {"maximum": MAX_PAGE}, f"{route.path}: page has no ceiling"
                found.append(route.path)
    return found


def test_the_ceiling_is_the_apis_offset_ceiling() -> None:
    assert (MAX_PAGE - 1) * DESK_PAGE_SIZE == MAX_OFFSET


def test_every_desk_page_parameter_stops_at_its_ceiling(seeded_server: str, tmp_path: Path, rules: RuleBook) -> None:
    routes = paged_routes(tmp_path / "empty.duckdb", rules)
    assert set(routes) == {"/", "/desk/unchecked"}, routes  # a new numbered page comes here
    with httpx.Client(base_url=seeded_server, timeout=60) as client:
        for path in routes:
            assert client.get(path, params={"page": MAX_PAGE}).status_code == 200, path  # an empty page past the last item
            for page in PAST_THE_END:
                response = client.get(path, params={"page": page})
                body = assert_problem(response, 400, "page")
                assert f"{MAX_PAGE}" in body["detail"], body  # the answer says where the ceiling is


@pytest.mark.parametrize("page", ["0", "-1", "two", "1.5", ""])
def test_a_page_that_is_not_a_page_number_is_a_422(seeded_server: str, page: str) -> None:
    with httpx.Client(base_url=seeded_server, timeout=60) as client:
        assert_problem(client.get("/desk/unchecked", params={"page": page}), 422, "page")
