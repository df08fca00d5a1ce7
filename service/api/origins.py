"""/origins: the bodies figures are attributed to, by their display names, and their track records."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from service.api.access import writers
from service.errors import NotFound
from service.origins import Origin, OriginIn, checked_origin
from service.records import Record, origin_record
from service.rules.book import RuleBook
from service.store import Store


class OriginController(Controller):
    path = "/origins"
    guards = [writers]
    tags = ["origins"]

    @post("/", operation_id="createOrigin", status_code=201, sync_to_thread=True)
    def create_origin(self, data: JSONBody[OriginIn], store: NamedDependency[Store]) -> Origin:
        """Register an origin's display name (and where it publishes: an http(s) url); 409 if the key is registered.

        Optional: a claim may name an origin that is not registered; its key is then shown.
        """
        origin = checked_origin(data)
        store.add_origin(origin)
        return origin

    @get("/{origin_id:str}", operation_id="getOrigin", sync_to_thread=True)
    def get_origin(self, origin_id: FromPath[str], store: NamedDependency[Store]) -> Origin:
        """One registered origin; 404 if none has that key."""
        if (origin := store.find_origin(origin_id)) is None:
            raise NotFound("origin", origin_id)
        return origin

    @get("/{origin_id:str}/record", operation_id="getOriginRecord", sync_to_thread=True)
    def get_origin_record(self, origin_id: FromPath[str], store: NamedDependency[Store], rules: NamedDependency[RuleBook]) -> Record:
        """An origin's track record, computed from the store: its figures, how many are in contradicted, implausible and
        revised verdicts, in /blame's minimal sets, retracted or corrected, and its revisions (how large, how many days
        after the release they revised). Each number links to what is behind it. 404 if no claim names the origin and
        it is not registered."""
        if not store.origin_known(origin_id):
            raise NotFound("origin", origin_id)
        return origin_record(store, rules, origin_id)
