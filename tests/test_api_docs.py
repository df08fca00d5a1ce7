"""The API's own documentation: every problem answer documented, and /schema readable offline.

``/schema`` loads Swagger UI from files shipped in the package (service/assets/swagger-ui),
so its page names no other host; every operation documents the problem+json answers it
can give (service/api/openapi.py), which the fuzzing in test_api_fuzz.py holds it to.
"""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit

import msgspec
import pytest
from litestar.testing import TestClient

from service.app import create_app
from tests.helpers import LOOPBACK, settings_for

PROBLEM = "application/problem+json"


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [value for name, value in attrs if name in ("src", "href", "action", "srcset") and value]


@pytest.mark.parametrize("path", ["/schema", "/schema/swagger"])
def test_the_api_viewer_names_no_other_host(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    links = Links()
    links.feed(response.text)
    assert len(links.urls) >= 4, links.urls  # icon, style, the two scripts
    for url in links.urls:
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc, f"{path} loads {url} from another host"
        assert client.get(url).status_code == 200, url
    assert "//cdn" not in response.text and "unpkg" not in response.text and "googleapis" not in response.text


def operations(client: TestClient) -> list[tuple[str, str, dict]]:
    document = client.get("/schema/openapi.json").json()
    return [(method.upper(), path, operation) for path, item in document["paths"].items() for method, operation in item.items()]


def test_every_operation_documents_its_problems(client: TestClient) -> None:
    for method, path, operation in operations(client):
        problems = {status for status, answer in operation["responses"].items() if PROBLEM in answer.get("content", {})}
        expected = set()
        if method == "POST":
            expected |= {"400", "408", "413", "415", "422"}
        if "{" in path:
            expected |= {"400", "404", "422"}
        assert expected <= problems, f"{method} {path} documents {sorted(problems)}, not {sorted(expected - problems)}"
        for status in problems:
            schema = operation["responses"][status]["content"][PROBLEM]["schema"]
            assert schema == {"$ref": "#/components/schemas/ProblemDocument"}


@pytest.mark.parametrize(("method", "path"), [("POST", "/sources"), ("POST", "/claims"), ("POST", "/claims/{claim_id}/retract")])
def test_writes_that_can_clash_document_a_409(client: TestClient, method: str, path: str) -> None:
    [operation] = [op for m, p, op in operations(client) if (m, p) == (method, path)]
    assert PROBLEM in operation["responses"]["409"]["content"]


def test_bodies_read_by_their_handler_are_documented(client: TestClient) -> None:
    found = {(m, p): op for m, p, op in operations(client)}
    assert set(found["POST", "/rules/validate"]["requestBody"]["content"]) == {"application/yaml"}
    assert set(found["POST", "/claims/batch"]["requestBody"]["content"]) == {"application/json", "application/x-ndjson"}
    assert "text/csv" in found["GET", "/claims"]["responses"]["200"]["content"]
    assert "text/csv" in found["GET", "/verdicts"]["responses"]["200"]["content"]


def test_with_a_token_set_every_guarded_write_documents_its_bearer_token(store, rules) -> None:
    settings = msgspec.structs.replace(settings_for(store.path), write_token="w" * 20, admin_token="a" * 20)
    with TestClient(create_app(settings, store, rules), base_url=LOOPBACK) as tokened:
        document = tokened.get("/schema/openapi.json").json()
    [(name, scheme)] = document["components"]["securitySchemes"].items()
    assert scheme["type"] == "http" and scheme["scheme"] == "bearer"
    for path, item in document["paths"].items():
        for method, operation in item.items():
            dry_run = path in ("/check", "/rules/validate", "/articles/read", "/articles/check")  # store nothing: open, like POST /check
            if method == "post" and not dry_run:
                assert operation.get("security") == [{name: []}], f"{method} {path} does not say it needs a token"
            else:
                assert "security" not in operation, f"{method} {path} is open, and must not ask for a token"


def test_without_tokens_no_operation_asks_for_one(client: TestClient) -> None:
    document = client.get("/schema/openapi.json").json()
    assert "securitySchemes" not in document.get("components", {})
    assert not [op for _, _, op in operations(client) if "security" in op]
