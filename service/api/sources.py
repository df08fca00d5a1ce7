"""/sources: who printed the figures."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from service.sources import Source, SourceIn
from service.store import Store


class SourceController(Controller):
    path = "/sources"
    tags = ["sources"]

    @post("/", operation_id="createSource", status_code=201, sync_to_thread=True)
    def create_source(self, data: JSONBody[SourceIn], store: NamedDependency[Store]) -> Source:
        """Store a source: an article, a speech, a communiqué. 409 if the id is taken."""
        source = Source(**{f: getattr(data, f) for f in data.__struct_fields__})
        store.add_source(source)
        return source

    @get("/", operation_id="listSources", sync_to_thread=True)
    def list_sources(self, store: NamedDependency[Store]) -> list[Source]:
        """Every stored source, by id."""
        return store.list_sources()

    @get("/{source_id:str}", operation_id="getSource", sync_to_thread=True)
    def get_source(self, source_id: FromPath[str], store: NamedDependency[Store]) -> Source:
        """One source; 404 if no source has that id."""
        return store.get_source(source_id)
