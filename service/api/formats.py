"""What a listing answers: JSON, or CSV for a spreadsheet (``Accept: text/csv`` or ``?format=csv``).

``?format=`` wins over ``Accept``, so a link pasted into a spreadsheet's "import
from URL" gets CSV; an unknown ``format`` is a 422 naming it, like any other
query parameter.  The rows are written by ``service.spreadsheets``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from litestar import Request, Response
from litestar.params import QueryParameter

CSV_MEDIA_TYPE = "text/csv"  # Litestar adds charset=utf-8

Format = Annotated[
    Literal["json", "csv"] | None,
    QueryParameter(description="json (the default) or csv; without it, Accept: text/csv asks for CSV."),
]


def wants_csv(request: Request, requested: str | None) -> bool:
    if requested is not None:
        return requested == "csv"
    return request.accept.best_match(["application/json", "text/csv"]) == "text/csv"


def csv_response(content: str, headers: dict[str, str]) -> Response[str]:
    # Vary: the same URL answers JSON or CSV depending on Accept
    return Response(content, media_type=CSV_MEDIA_TYPE, headers=headers | {"Vary": "Accept"})
