"""Pagination shared by every listing: ``limit`` and ``offset`` in, ``total`` and ``next`` out.

``next`` is the path and query of the following page (the same filters, the next
offset), or ``None`` on the last page, so a client follows links instead of
doing offset arithmetic.  Bare-array listings (``/claims``, ``/sources``) carry
the same two facts as ``X-Total-Count`` and an RFC 8288 ``Link: <...>; rel="next"``
header, which keeps their body what clients already read.

The desk's pages are numbered instead (``?page=3``), :data:`DESK_PAGE_SIZE` items a
page, up to :data:`MAX_PAGE`: the page whose offset is the API's :data:`MAX_OFFSET`.
A page past it is a 400 naming ``page`` (the status the desk's contract gives it; a page
of 384307168202282326 once overflowed DuckDB's 64-bit offset: a 500), raised where the page
becomes an offset, so no numbered page can forget it.  The ceiling is declared in the
OpenAPI document as the parameter's ``maximum`` but not checked by Litestar, whose
parameter checks answer 422.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from litestar import Request
from litestar.params import QueryParameter

from service.errors import ClientError, FieldProblem

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000

Limit = Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT, description=f"Items per page (default {DEFAULT_LIMIT}, at most {MAX_LIMIT}).")]
MAX_OFFSET = 10**12  # beyond any store; an offset past DuckDB's BIGINT was a 500
Offset = Annotated[int, QueryParameter(ge=0, le=MAX_OFFSET, description="Items to skip: the page starts after them.")]

DESK_PAGE_SIZE = 25
MAX_PAGE = MAX_OFFSET // DESK_PAGE_SIZE + 1  # 40,000,000,001: its offset, (page - 1) * 25, is MAX_OFFSET
Page = Annotated[int, QueryParameter(ge=1, schema_extra={"maximum": MAX_PAGE},
                                     description=f"The page, {DESK_PAGE_SIZE} items each, from 1 to {MAX_PAGE:,}; past it, a 400.")]


class PageOutOfRange(ClientError):
    status = 400
    title = "Page out of range"
    slug = "page-out-of-range"


def desk_offset(page: int) -> int:
    """Items before a desk page; a page past :data:`MAX_PAGE` is a 400 naming ``page``."""
    if page > MAX_PAGE:
        reason = f"the desk's pages go from 1 to {MAX_PAGE:,} ({MAX_PAGE}); {page} is past the last one"
        raise PageOutOfRange([FieldProblem(field="page", reason=reason, location="query")])
    return (page - 1) * DESK_PAGE_SIZE


def next_page(request: Request, limit: int, offset: int, returned: int, total: int) -> str | None:
    """The path and query of the page after this one, or None when this one is the last."""
    if offset + returned >= total or returned == 0:
        return None
    query = {key: value for key, value in request.query_params.items() if key not in ("limit", "offset")}
    query |= {"limit": str(limit), "offset": str(offset + returned)}
    return f"{request.url.path}?{urlencode(query)}"


def page_headers(request: Request, limit: int, offset: int, returned: int, total: int) -> dict[str, str]:
    headers = {"X-Total-Count": str(total)}
    if (link := next_page(request, limit, offset, returned, total)) is not None:
        headers["Link"] = f'<{link}>; rel="next"'
    return headers
