"""Diagnoses: under which common error a contradicted (or implausible) verdict's figures would tally.

For each error mechanism (``service.rules.mechanisms``, data in ``rules/diagnoses/``)
and each of the verdict's figures it applies to, the figure is re-read and the
verdict's rule runs again, in process, on the verdict's own figures.  The
mechanism's diagnosis is the best status any of its readings reaches, with the
computation under that reading.  A diagnosis explains a verdict; the verdict's
own status never changes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import msgspec

from service.claims import Claim
from service.rules import local
from service.rules.explain import ENGLISH, Words, computation, printed
from service.rules.mechanisms import Mechanism, Reading, reread
from service.rules.plan import RulePlan, VerdictRow
from service.store import executor_row
from service.verdicts import Diagnosis

# Which reading explains best: one under which the figures hold, then one under which they fit implausibly.
# A reading under which they are still contradicted as printed (revised or not) explains nothing.
_RANK = {"consistent": 0, "implausible": 1, "unverifiable": 2, "revised": 3, "contradicted": 3}
DIAGNOSED = ("contradicted", "implausible")


def diagnose(
    plan: RulePlan,
    row: VerdictRow,
    claims: dict[str, Claim],
    mechanisms: tuple[Mechanism, ...],
    language_of: Callable[[str], str],
    words: Words = ENGLISH,
) -> list[Diagnosis]:
    """One diagnosis per mechanism that applies to the verdict's figures, in the mechanisms' order."""
    if row.status not in DIAGNOSED:
        return []
    row = representatives(plan, row)
    # each claim's executor row, made once: every re-reading of one figure runs the rule again over the others
    rows = {claim_id: executor_row(claims[claim_id]) for claim_id in row.roles_ids}
    found = []
    for mechanism in mechanisms:
        tried = [(_RANK[again.status], n, again, role, claim, reading) for n, (role, claim, reading, again) in enumerate(_readings(plan, row, claims, rows, mechanism, language_of))]
        if not tried:
            continue
        _, _, again, role, claim, reading = min(tried, key=lambda t: (t[0], t[1]))
        bound = {name: [claim if i == claim.id else claims[i] for i in ids] for name, ids in row.roles.items()}
        text = reading_words(role, claims[claim.id].figure, reading, computation(plan, again, bound, words), words)
        found.append(Diagnosis(id=mechanism.id, title=mechanism.title_in(words.language), status=again.status, computation=text))  # type: ignore[arg-type]
    return found


def reading_words(role: str, figure: str, reading: Reading, computed: str, words: Words = ENGLISH) -> str:
    """``Reading first '1,14 milliard' times 1000: first == second: ...``: which figure was re-read how, and the check under it."""
    values = {"role": role, "figure": printed(figure), "reading": reading.describe(words), "computation": computed}
    return words.gettext("Reading %(role)s %(figure)s %(reading)s: %(computation)s") % values


def representatives(plan: RulePlan, row: VerdictRow) -> VerdictRow:
    """The verdict over one claim of each reading it binds (a group's members all): its reprints read alike,
    so re-reading one says what re-reading each would; two roles holding one reading take two of its claims."""
    taken: set[str] = set()
    roles = {}
    for binding in plan.bindings:
        ids = row.roles[binding.name]
        if binding.is_group:
            roles[binding.name] = ids
            continue
        chosen = next((i for i in ids if i not in taken), ids[0])
        taken.add(chosen)
        roles[binding.name] = [chosen]
    return msgspec.structs.replace(row, roles=roles)


def _readings(
    plan: RulePlan,
    row: VerdictRow,
    claims: dict[str, Claim],
    rows: dict[str, tuple[Any, ...]],
    mechanism: Mechanism,
    language_of: Callable[[str], str],
) -> Iterator[tuple[str, Claim, Reading, VerdictRow]]:
    """(role, the figure re-read, the reading, the verdict under it) for every reading that still binds the rule."""
    for role, ids in row.roles.items():
        for claim_id in ids:
            claim = claims[claim_id]
            if claim.measure not in mechanism.measures:
                continue
            for reading in mechanism.readings:
                others = [claims[i] for i in row.roles_ids if i != claim_id]
                changed = reread(claim, reading, language_of(claim.source), others)
                if changed is not None and (again := _again(plan, row, rows, changed)) is not None:
                    yield role, changed, reading, again


def _again(plan: RulePlan, row: VerdictRow, rows: dict[str, tuple[Any, ...]], changed: Claim) -> VerdictRow | None:
    """The rule's verdict over the same figures in the same roles, one of them re-read; None if it no longer binds them."""
    read = [executor_row(changed) if claim_id == changed.id else rows[claim_id] for claim_id in sorted(row.roles_ids)]
    found = [verdict for verdict in local.execute(plan, read) if verdict.roles_ids == row.roles_ids]
    # The same roles; else the same claims the other way round: a symmetric pair is ordered by
    # its readings' keys, and re-reading a figure changes its key.
    return next((verdict for verdict in found if verdict.roles == row.roles), found[0] if found else None)
