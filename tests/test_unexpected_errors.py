"""A failure that is not the client's doing: a 500 problem+json with an incident id, its traceback in the log.

The failure is real, not mocked: the app's store is closed under it, as when the
disk or the file goes away under a running server.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from service.rules.book import RuleBook
from service.store import Store
from tests.helpers import assert_problem, make_client


class Kept(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def error_log() -> Iterator[Kept]:
    # On the logger itself: Litestar reconfigures the root logger's handlers when the app starts.
    kept, logger = Kept(), logging.getLogger("tally.errors")
    logger.addHandler(kept)
    try:
        yield kept
    finally:
        logger.removeHandler(kept)


def test_an_unexpected_error_is_a_logged_problem(tmp_path: Path, rules: RuleBook, error_log: Kept) -> None:
    store = Store(str(tmp_path / "tally.duckdb"))
    with make_client(store, rules) as client:
        store.close()
        response = client.get("/claims")
    body = assert_problem(response, 500, "request")
    incident = body["detail"].split("incident ")[1].split(",")[0]
    [record] = error_log.records
    assert incident in record.getMessage() and "GET /claims" in record.getMessage()
    assert record.exc_info is not None, "the traceback must be logged"
    assert "Traceback (most recent call last)" in logging.Formatter().format(record)
