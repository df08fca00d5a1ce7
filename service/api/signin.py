"""The desk's sign-in: the write token entered once, then a same-origin session (see service.api.access).

``GET /desk/sign-in`` is the form; ``POST /desk/sign-in`` checks the token and keeps the role
it opens in a server-side session (cookie HttpOnly, SameSite=Strict, Secure behind https);
``POST /desk/sign-out`` ends it.  Both posts carry Litestar's CSRF token like every desk form.
A wrong token counts against the client's address like a wrong bearer token: past
``TALLY_AUTH_FAILURES_PER_MINUTE`` of them in a minute, a 429 (service/api/throttle.py).
"""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromQuery
from litestar.response import Redirect, Template

from service.api.access import access_of, authenticate, sign_in_page, start_session
from service.api.bodies import FORM_TYPES
from service.api.language import N_, carried


class SignInForm(msgspec.Struct, kw_only=True):
    token: str = ""
    next: str = "/"


class SignInPages(Controller):
    path = "/desk"
    include_in_schema = False

    @get("/sign-in", name="sign-in", sync_to_thread=False)
    def form(self, request: Request, next: FromQuery[str] = "/") -> Template:
        """The form: one field, the token."""
        return sign_in_page(_local(next), None, open_=access_of(request).loopback_only)

    @post("/sign-in", name="sign-in-post", status_code=303, sync_to_thread=False)
    def sign_in(self, request: Request, data: Annotated[SignInForm, Body(media_type=RequestEncodingType.URL_ENCODED)]) -> Redirect | Template:
        """A token the service accepts opens a session and goes back where the desk was; any other is a 401 and the form again."""
        role = authenticate(request, data.token.strip(), "token")  # a wrong one counts against this address
        if role is None:
            return sign_in_page(_local(data.next), N_("that is not a token this service accepts"), status=401)  # shown in the page's language
        start_session(request, role)
        return Redirect(_local(data.next), status_code=303)

    @post("/sign-out", name="sign-out", status_code=303, sync_to_thread=False, opt={"body_types": FORM_TYPES})  # a form with its CSRF token
    def sign_out(self, request: Request) -> Redirect:
        request.clear_session()
        return Redirect(carried("/", request), status_code=303)  # the desk, in the language the form was posted in


def _local(path: str) -> str:
    """Only a path of this site to go back to: never another origin (``//evil``, ``https://evil``, ``/\\evil``)."""
    return path if path.startswith("/") and not path.startswith(("//", "/\\")) else "/"
