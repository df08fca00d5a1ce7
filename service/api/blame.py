"""/blame: the figures to doubt first, read from the contradicted verdicts kept in the store."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from service import checking
from service.blame import Blame
from service.rules.book import RuleBook
from service.store import Store


class BlameController(Controller):
    path = "/blame"
    tags = ["verdicts"]

    @get("/", operation_id="getBlame", sync_to_thread=True)
    def get_blame(
        self,
        store: NamedDependency[Store],
        rules: NamedDependency[RuleBook],
        subject: Annotated[str | None, QueryParameter(description="Only contradicted verdicts using a claim on this subject")] = None,
    ) -> Blame:
        """Every claim in a contradicted verdict (most contradictions first), and the least-weight sets of claims whose
        removal leaves no contradiction (at most 10; a source's weight is what doubting its figures costs).

        A minimal set says which figures, set aside, leave the rest consistent, not that they are wrong.
        ``exact`` is false when a component of contradictions was too large to search within the budget:
        its set then still removes every contradiction, but is not proven the lightest.
        """
        return checking.blame(store, rules, subject=subject)
