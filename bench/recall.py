"""Which planted contradictions the rules found, and which contradictions nobody planted.

A plant is found when a contradicted verdict's evidence holds one of its
claims, matched by ``(source, quote)`` (unique in the corpus); it is found *by
its rule* when that verdict is of the rule the plant was made for.  A
contradicted verdict none of whose claims is planted is *unplanted*: either a
false alarm or a consequence of the rules worth reading, so examples are kept.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from bench.corpus import Plant
from bench.product import CheckedVerdict


@dataclass
class Recall:
    planted: Counter[str] = field(default_factory=Counter)  # kind -> plants
    found: Counter[str] = field(default_factory=Counter)
    found_by_rule: Counter[str] = field(default_factory=Counter)
    missed: list[Plant] = field(default_factory=list)
    contradicted: int = 0
    unplanted: list[CheckedVerdict] = field(default_factory=list)

    @property
    def plants(self) -> int:
        return sum(self.planted.values())

    @property
    def found_total(self) -> int:
        return sum(self.found.values())

    @property
    def found_by_rule_total(self) -> int:
        return sum(self.found_by_rule.values())

    def unplanted_by_rule(self) -> Counter[str]:
        return Counter(verdict.rule for verdict in self.unplanted)


def score(plants: list[Plant], contradictions: list[CheckedVerdict]) -> Recall:
    recall = Recall(planted=Counter(plant.kind for plant in plants), contradicted=len(contradictions))
    plant_of = {key: index for index, plant in enumerate(plants) for key in plant.claims}
    found: set[int] = set()
    found_by_rule: set[int] = set()
    for verdict in contradictions:
        hits = {plant_of[key] for key in ((c.source, c.quote) for c in verdict.claims) if key in plant_of}
        if not hits:
            recall.unplanted.append(verdict)
        found |= hits
        found_by_rule |= {index for index in hits if plants[index].rule == verdict.rule}
    recall.found = Counter(plants[index].kind for index in found)
    recall.found_by_rule = Counter(plants[index].kind for index in found_by_rule)
    recall.missed = [plant for index, plant in enumerate(plants) if index not in found]
    return recall
