"""The rules in force: loaded from a folder, replaced only by a reload that succeeds.

A broken rule file never takes the service's checks down: ``reload`` raises
RuleFileError (file:line:column and a hint) and the rules in force stay.
"""

from __future__ import annotations

import threading
from pathlib import Path

import duckdb

from service.errors import NotFound
from service.rules.evaluate import RuleEngine
from service.rules.loader import load_rules_dir
from service.rules.model import Rule
from service.store import Store
from service.verdicts import Verdict


class RuleBook:
    def __init__(self, rules_dir: str | Path) -> None:
        self.rules_dir = Path(rules_dir)
        self._lock = threading.Lock()
        self._engine = RuleEngine(load_rules_dir(self.rules_dir))

    @property
    def rules(self) -> list[Rule]:
        return self._engine.rules

    def get(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise NotFound("rule", rule_id)

    def reload(self) -> list[Rule]:
        """Load the folder again; on any error the rules in force stay and the error is raised."""
        engine = RuleEngine(load_rules_dir(self.rules_dir))
        with self._lock:
            self._engine = engine
        return engine.rules

    def verdicts_for(self, store: Store, claim_id: str, connection: duckdb.DuckDBPyConnection) -> list[Verdict]:
        """Every verdict of every rule that binds the claim, within the caller's transaction."""
        return self._engine.verdicts(connection, lambda ids: store.claims_by_id(list(ids), connection), anchor=claim_id)

    def all_verdicts(self, store: Store, anchor: str | None = None) -> list[Verdict]:
        with store.transaction(commit=False) as connection:
            return self._engine.verdicts(connection, lambda ids: store.claims_by_id(list(ids), connection), anchor=anchor)
