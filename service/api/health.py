"""/health: is the service up, with rules in force and a store it can read?"""

from __future__ import annotations

from typing import Literal

import msgspec
from litestar import Controller, get
from litestar.di import NamedDependency

from service.rules.book import RuleBook
from service.store import Store


class Health(msgspec.Struct):
    status: Literal["ok"]
    rules: int
    claims: int


class HealthController(Controller):
    path = "/health"
    tags = ["health"]

    @get("/", operation_id="getHealth", sync_to_thread=True)
    def health(self, rules: NamedDependency[RuleBook], store: NamedDependency[Store]) -> Health:
        """The number of rules in force and of claims stored: a service with no rules checks nothing."""
        return Health(status="ok", rules=len(rules.rules), claims=store.count_claims())
