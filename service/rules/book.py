"""The rules in force: loaded from a folder, each compiled once, replaced only by a reload that succeeds.

A broken rule file never takes the service's checks down: ``reload`` raises
RuleFileError (file:line:column and a hint) and the rules in force stay.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from pathlib import Path

from service.errors import NotFound
from service.reading.lexicon import LEXICON, Lexicon, load_lexicon_dir
from service.rules.loader import load_rules_dir
from service.rules.mechanisms import Mechanism, load_mechanisms
from service.rules.model import Rule
from service.rules.plan import RulePlan, plan_rule
from service.rules.sql import CompiledRule, compile_rule


@dataclass(frozen=True)
class RuleSet:
    """Rules with their plans and SQL, swapped as one object so a request never sees half a reload."""

    rules: tuple[Rule, ...]
    plans: dict[str, RulePlan]
    compiled: dict[str, CompiledRule]
    mechanisms: tuple[Mechanism, ...] = ()  # the errors diagnoses re-read figures under (rules/diagnoses/)
    lexicon: Lexicon = field(default_factory=Lexicon)  # the subjects and members an article names (rules/lexicon/)

    @classmethod
    def of(
        cls,
        rules: list[Rule],
        mechanisms: list[Mechanism] | tuple[Mechanism, ...] = (),
        lexicon: Lexicon | None = None,
        earlier: RuleSet | None = None,
    ) -> RuleSet:
        """The rules planned and compiled; a rule equal to one of ``earlier`` (its file unchanged) keeps its plan and SQL.

        Compiling is sqlglot's work, about 0.1 s a rule: a reload that adds one rule to
        fourteen compiled them all again, 1.4 s before its one query ran.
        """
        same = {rule.id: rule for rule in earlier.rules} if earlier is not None else {}
        kept = {rule.id for rule in rules if same.get(rule.id) == rule}
        compiled = {rule.id: earlier.compiled[rule.id] if earlier is not None and rule.id in kept else compile_rule(rule) for rule in rules}
        for query in compiled.values():
            query.verdict_rows_sql()  # printed once, here, not on a request
        plans = {rule.id: earlier.plans[rule.id] if earlier is not None and rule.id in kept else plan_rule(rule) for rule in rules}
        return cls(tuple(rules), plans, compiled, tuple(mechanisms), lexicon or Lexicon())

    @property
    def rule_ids(self) -> list[str]:
        return [rule.id for rule in self.rules]

    def roles_of(self, rule: str, claim_ids: list[str], sizes: list[int]) -> dict[str, list[str]]:
        return self.plans[rule].roles_of(claim_ids, sizes)

    @property
    def fingerprint(self) -> str:
        """Changes when any rule's meaning does: the store recomputes its verdicts then."""
        text = "\n".join(f"{rule_id}\n{c.verdict_rows_sql()}" for rule_id, c in sorted(self.compiled.items()))
        return hashlib.sha256(text.encode()).hexdigest()[:16]


DIAGNOSES = "diagnoses"  # the folder of error mechanisms beside the rules


class RuleBook:
    def __init__(self, rules_dir: str | Path) -> None:
        self.rules_dir = Path(rules_dir)
        self._lock = threading.Lock()
        self._current = self._load()
        self.generation = 0  # bumped by each rule set put in force: with the store's, the desk pages' validator

    @property
    def current(self) -> RuleSet:
        return self._current

    @property
    def rules(self) -> list[Rule]:
        return list(self._current.rules)

    def get(self, rule_id: str) -> Rule:
        for rule in self._current.rules:
            if rule.id == rule_id:
                return rule
        raise NotFound("rule", rule_id)

    def _load(self, earlier: RuleSet | None = None) -> RuleSet:
        return RuleSet.of(
            load_rules_dir(self.rules_dir), load_mechanisms(self.rules_dir / DIAGNOSES), load_lexicon_dir(self.rules_dir / LEXICON), earlier
        )

    def load(self) -> RuleSet:
        """The folder read again and compiled (the rules in force that did not change are not compiled again),
        not yet in force; RuleFileError if any file is broken."""
        return self._load(self._current)

    def install(self, fresh: RuleSet) -> None:
        """Put a rule set in force: one reference swapped, so a reader holds the old set or the new, never half of each.

        A server calls this through ``checking.reload``, which swaps it together with the verdicts it computes.
        """
        with self._lock:
            self._current = fresh
            self.generation += 1

    def reload(self) -> list[Rule]:
        """Load the folder again; on any error the rules in force stay and the error is raised."""
        fresh = self.load()
        self.install(fresh)
        return list(fresh.rules)
