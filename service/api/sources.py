"""/sources: who printed the figures."""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from service.api.paging import DEFAULT_LIMIT, Limit, Offset, page_headers
from service.records import Record, source_record
from service.rules.book import RuleBook
from service.sources import Source, SourceIn
from service.store import Store
from service.api.access import writers


class SourceController(Controller):
    path = "/sources"
    guards = [writers]
    tags = ["sources"]

    @post("/", operation_id="createSource", status_code=201, sync_to_thread=True)
    def create_source(self, data: JSONBody[SourceIn], store: NamedDependency[Store]) -> Source:
        """Store a source: an article, a speech, a communiqué. 409 if the id is taken."""
        source = Source(**{f: getattr(data, f) for f in data.__struct_fields__})
        store.add_source(source)
        return source

    @get("/", operation_id="listSources", sync_to_thread=True)
    def list_sources(
        self, request: Request, store: NamedDependency[Store], limit: Limit = DEFAULT_LIMIT, offset: Offset = 0
    ) -> Response[list[Source]]:
        """Stored sources by id, a page at a time (X-Total-Count, Link rel=next)."""
        page = store.list_sources(limit=limit, offset=offset)
        return Response(page.items, headers=page_headers(request, limit, offset, len(page.items), page.total))

    @get("/{source_id:str}", operation_id="getSource", sync_to_thread=True)
    def get_source(self, source_id: FromPath[str], store: NamedDependency[Store]) -> Source:
        """One source; 404 if no source has that id."""
        return store.get_source(source_id)

    @get("/{source_id:str}/record", operation_id="getSourceRecord", sync_to_thread=True)
    def get_source_record(self, source_id: FromPath[str], store: NamedDependency[Store], rules: NamedDependency[RuleBook]) -> Record:
        """A source's track record, computed from the store: its figures, how many are in contradicted, implausible and
        revised verdicts, in /blame's minimal sets, retracted or corrected. Each number links to what is behind it.
        404 if no source has that id."""
        return source_record(store, rules, source_id)
