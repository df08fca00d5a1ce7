"""The API fuzzed from its own OpenAPI document (schemathesis), against a real server on 127.0.0.1.

Every operation is tried with a bounded number of generated requests, valid and
invalid: no answer is a 5xx, every answer conforms to the document (status,
content type, body schema), and every 4xx is one application/problem+json naming
the field to fix (the shape ``tests/helpers.assert_problem`` asserts).
"""

from __future__ import annotations

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import assert_problem

# A request the schema allows may still be refused for what a schema cannot say: a source
# that is not stored, a period that ends before it starts, a figure that reads as no number.
# Those refusals are 4xx problems, checked like every other; only "accepted" is not expected.
NOT_EXPRESSIBLE = [schemathesis.checks.positive_data_acceptance]
EXAMPLES_PER_OPERATION = 25  # bounded: the whole run stays within a minute on a busy 2-core machine


@pytest.fixture(scope="module")
def api_schema(seeded_server: str) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(f"{seeded_server}/schema/openapi.json")


@schemathesis.check
def client_errors_are_problems(ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case) -> None:
    """Each 4xx names what to fix, in the one problem shape."""
    if 400 <= response.status_code < 500:
        as_httpx = httpx.Response(response.status_code, headers=[(k, v) for k, vs in response.headers.items() for v in vs], content=response.content)
        assert_problem(as_httpx, response.status_code)


def test_every_operation_answers_as_documented(api_schema: schemathesis.BaseSchema) -> None:
    # One hypothesis run per operation, every failure collected, so one report names them all.
    # (schemathesis's pytest plugin cannot take a fixture's schema under pytest 9, hence the loop.)
    failures: dict[str, str] = {}
    for found in api_schema.get_all_operations():
        operation = found.ok()

        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None)
        @given(case=st.one_of(operation.as_strategy(), operation.as_strategy(schemathesis.GenerationMode.NEGATIVE)))
        def answers_as_documented(case: schemathesis.Case) -> None:
            case.call_and_validate(excluded_checks=NOT_EXPRESSIBLE)

        try:
            answers_as_documented()
        except (AssertionError, BaseExceptionGroup) as exc:  # every operation's failure is reported, not only the first
            failures[operation.label] = str(exc)[:3000]
    assert not failures, "\n\n".join(f"{label}:\n{reason}" for label, reason in failures.items())
