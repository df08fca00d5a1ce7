"""The headers every answer carries (service/api/headers.py), and what they do in chromium.

Every kind of answer is asked of a real server: pages, JSON, CSV, problem+json from a
handler, from routing, from CSRF and from the size limit, static files, /schema.  Then
chromium shows that a desk page framed by another site shows nothing (no clickjacking),
and that the desk's pages and Swagger UI work with the Content-Security-Policy on,
without a single violation: their scripts and styles are files, nothing inline.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import BrowserContext, ConsoleMessage, expect, Page

from service.api.headers import SECURITY_HEADERS
from service.store import Store
from tests.helpers import SOURCE, ServerStarter

PACKAGE = Path(__file__).resolve().parent.parent / "service"
WRITE = "w-" + "4" * 30


def assert_security_headers(response: httpx.Response) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (response.request.method, str(response.request.url), response.status_code, name)
    policy = {part.split()[0]: part.split()[1:] for part in response.headers["content-security-policy"].split("; ")}
    assert policy["frame-ancestors"] == ["'none'"] and policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"]
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]


@pytest.fixture(scope="module")
def a_claim(seeded_server: str) -> str:
    return httpx.get(seeded_server + "/claims", params={"limit": 1}).json()[0]["id"]


def test_every_kind_of_answer_carries_the_headers(seeded_server: str, a_claim: str) -> None:
    verdict = httpx.get(seeded_server + "/verdicts", params={"limit": 1}).json()["verdicts"][0]["id"]
    with httpx.Client(base_url=seeded_server) as client:
        answers = [
            client.get("/"),  # desk pages
            client.get("/desk/new"),
            client.get(f"/desk/claims/{a_claim}"),
            client.get(f"/desk/verdicts/{verdict}"),
            client.get("/desk/sign-in"),
            client.get("/subjects/ma.handicraft.exports"),
            client.get("/claims"),  # JSON, CSV
            client.get("/claims", params={"format": "csv"}),
            client.get("/health"),
            client.get("/no/such/page"),  # problem+json: routing
            client.get("/claims", params={"limit": "many"}),  # a parameter
            client.get("/claims/c-000000000000"),  # a handler
            client.delete("/claims"),  # a method
            client.post("/desk/new", data={"quote": "x"}),  # CSRF
            client.post("/claims", content=b" " * (5 * 1024 * 1024), headers={"content-type": "application/json"}),  # the size limit
            client.get("/assets/desk.css"),  # static files
            client.get("/assets/form.js"),
            client.get("/assets/swagger-ui/swagger-ui-bundle.js"),
            client.get("/assets/no-such-file.js"),
            client.get("/schema"),  # the API's documentation
            client.get("/schema/swagger"),
            client.get("/schema/openapi.json"),
        ]
    assert {a.status_code for a in answers} >= {200, 403, 404, 405, 413, 422}
    for answer in answers:
        assert_security_headers(answer)


def test_a_401_carries_the_headers(store: Store, start_server: ServerStarter) -> None:
    with start_server(store, write_token=WRITE) as base_url:
        refused = httpx.post(base_url + "/sources", json=SOURCE)
        assert refused.status_code == 401
        assert_security_headers(refused)


class InlineCode(HTMLParser):
    """What a CSP without 'unsafe-inline' would stop: inline scripts and styles, style attributes, event handlers."""

    DATA_BLOCKS = ("application/ld+json", "application/json")  # never run, so not scripts to CSP

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "script" and not named.get("src") and named.get("type") not in self.DATA_BLOCKS:
            self.found.append("inline <script>")
        if tag == "style":
            self.found.append("<style>")
        self.found += [f"{name}= on <{tag}>" for name, _ in attrs if name == "style" or name.startswith("on")]
        if tag == "a" and (named.get("href") or "").lower().startswith("javascript:"):
            self.found.append("javascript: link")


def test_no_page_holds_inline_code(seeded_server: str, a_claim: str) -> None:
    with httpx.Client(base_url=seeded_server) as client:
        verdict = client.get("/verdicts", params={"limit": 1}).json()["verdicts"][0]["id"]
        for path in ("/", "/desk/new", f"/desk/claims/{a_claim}", f"/desk/verdicts/{verdict}", "/desk/sign-in", "/desk/unchecked",
                     "/desk/blame", "/desk/rules", "/subjects/ma.handicraft.exports", "/schema", "/schema/swagger"):
            page = client.get(path)
            assert page.status_code == 200, path
            parser = InlineCode()
            parser.feed(page.text)
            assert not parser.found, (path, parser.found)


def test_no_template_holds_inline_code() -> None:
    for template in sorted((PACKAGE / "templates").glob("*.html")):
        parser = InlineCode()
        parser.feed(template.read_text(encoding="utf-8"))
        assert not parser.found, (template.name, parser.found)


def test_the_oauth2_redirect_page_and_its_inline_script_are_not_served(seeded_server: str) -> None:
    assert httpx.get(seeded_server + "/schema/oauth2-redirect.html").status_code == 404


# --- in chromium -------------------------------------------------------------------------


@pytest.fixture
def page(phone: BrowserContext) -> Iterator[Page]:
    opened = phone.new_page()
    yield opened
    opened.close()


def _violations(page: Page) -> list[str]:
    """What the page's console says the Content-Security-Policy refused."""
    refused: list[str] = []

    def heard(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            refused.append(message.text)

    page.on("console", heard)
    return refused


@contextmanager
def another_site(page_html: str) -> Iterator[str]:
    """A second web server on 127.0.0.2 serving one page: another site to the browser, and on this
    machine's loopback like the desk (a public site's frame of a loopback page chromium refuses by itself)."""

    class OnePage(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = page_html.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.2", 0), OnePage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.2:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_a_desk_page_framed_by_another_site_shows_nothing(page: Page, seeded_server: str, a_claim: str) -> None:
    target = f"{seeded_server}/desk/claims/{a_claim}"
    with another_site(f'<h1>Win a prize</h1><iframe src="{target}" width="600" height="900"></iframe>') as attack:
        with page.expect_response(target) as framed:
            page.goto(attack)
        page.wait_for_load_state("load")
    assert framed.value.status == 200, "the server answered; the browser must refuse to show it"
    [frame] = [f for f in page.frames if f != page.main_frame]
    assert frame.url != target, f"the frame shows the desk: {frame.url}"  # chromium shows its error page instead
    assert frame.locator("button", has_text="Retract").count() == 0
    assert frame.locator("form").count() == 0


def test_the_desk_pages_run_under_the_policy_without_a_violation(page: Page, seeded_server: str, a_claim: str) -> None:
    refused = _violations(page)
    verdict = httpx.get(seeded_server + "/verdicts", params={"limit": 1}).json()["verdicts"][0]["id"]
    for path in ("/", f"/desk/claims/{a_claim}", f"/desk/verdicts/{verdict}", "/subjects/ma.handicraft.exports", "/desk/sign-in"):
        page.goto(seeded_server + path)
        page.wait_for_load_state("load")
    page.goto(seeded_server + "/desk/new")
    with page.expect_response(lambda answer: "/desk/read" in answer.url) as read:  # form.js reads the figure as it is typed
        page.get_by_label("Figure, as printed").fill("1,6 milliard de dirhams")
    assert read.value.status == 200
    expect(page.locator("#reading").filter(has_text="bn")).to_be_visible()
    assert not refused, refused


def test_swagger_ui_runs_under_the_policy_without_a_violation(page: Page, seeded_server: str) -> None:
    refused = _violations(page)
    page.goto(seeded_server + "/schema")
    operation = page.locator(".opblock-summary-path", has_text="/claims/batch").first
    operation.wait_for()
    assert page.locator(".opblock").count() > 10, "every operation listed"
    operation.click()  # its details open: Swagger UI's scripts run
    expect(page.get_by_text("ClaimIn").first).to_be_visible()
    assert not refused, refused


def test_chromium_refuses_inline_code_on_a_desk_page(page: Page, seeded_server: str) -> None:
    """The policy is read by the browser, not only sent: an event handler that found its way into a page does not run."""
    page.goto(seeded_server + "/desk/new")
    with page.expect_console_message(lambda message: "Content Security Policy" in message.text) as refused:
        page.evaluate("""() => document.body.insertAdjacentHTML('beforeend', '<img src="/assets/none.png" onerror="document.title=\\'owned\\'">')""")
    assert "inline event handler" in refused.value.text
    assert page.title() != "owned"
