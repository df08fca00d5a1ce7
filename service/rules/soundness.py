"""Is a rule sound? True worlds, printed as reporters print, must never be contradicted.

``check_soundness(rule, trials)`` is what ``tally rules test`` runs for every
rule, whoever wrote it.  Hypothesis draws consistent worlds for the rule's
bindings (``service.rules.worlds``: claims derived from a true economy, not
from the rule), both executors judge each (``service.trials``), and the first
world the rule calls ``contradicted`` is shrunk to a minimal one and handed
back as printed claims a data editor can paste into the rule's ``examples:``.
An executor disagreement is a bug in Tally, reported as such.

A stand-in (a figure for a longer period standing in for the one a binding
needs) is generated too: read as what it proves, it must never be contradicted
either; at most it fits ``implausible``, which is not a contradiction.

A rule is ``not generated``, never ``sound``, when a binding can only take a
measure the worlds do not define, or when it bound no verdict in any world.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Literal

import yaml
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import seed as seeded
from hypothesis.errors import Unsatisfiable

from service.rules.model import Rule
from service.rules.plan import VerdictRow
from service.rules.worlds import PrintedClaim, World, consistent_worlds, not_generated
from service.sources import Source
from service.trials import Trial, Trials

Status = Literal["sound", "unsound", "not generated", "tally bug"]


@dataclass(frozen=True)
class SoundnessResult:
    """What generating worlds for one rule found."""

    rule: str
    status: Status
    worlds: int = 0  # worlds judged (before shrinking, for an unsound rule)
    bound: int = 0  # worlds in which the rule gave at least one verdict
    reason: str = ""  # why not generated, or what the Tally bug is
    limits: tuple[str, ...] = ()  # what the worlds left out of the rule
    claims: tuple[PrintedClaim, ...] = ()  # the counter-example: the claims of the verdict
    sources: tuple[Source, ...] = ()
    verdict: VerdictRow | None = None

    @property
    def counterexample(self) -> World:
        used = {claim.source for claim in self.claims}
        return World(tuple(s for s in self.sources if s.id in used), self.claims)

    def describe(self) -> str:
        """For a person: the outcome, and for an unsound rule its counter-example as an ``examples:`` entry."""
        lines = [f"# {self.rule}: {self.status}" + (f" ({self.reason})" if self.reason else "")]
        lines.append(f"# {self.worlds} worlds generated, {self.bound} bound a verdict")
        lines += [f"# not generated: {limit}" for limit in self.limits]
        if self.verdict is not None:
            verdict = self.verdict
            margin = "" if verdict.margin is None else f", margin {verdict.margin:.6g} {verdict.margin_unit or ''}".rstrip()
            lines.append(f"# Tally says {verdict.status}{margin}; every figure below is true (true values in comments).")
            lines += self._example_lines("a consistent world the rule contradicts (generated)")
        elif self.claims:
            lines.append("# The executors disagree on these claims, all true (true values in comments).")
            lines += self._example_lines("a consistent world the executors disagree on (generated)")
        return "\n".join(lines) + "\n"

    def _example_lines(self, title: str) -> list[str]:
        lines = []
        lines += ["examples:", f"  - title: {title}", "    claims:"]
        for claim in self.claims:
            text = yaml.safe_dump(claim.example(), default_flow_style=True, allow_unicode=True, sort_keys=False, width=10**6).strip()
            lines.append(f"      - {text}  # {claim.binding}: true {claim.true}")
        lines.append("    expect: {status: consistent}")
        return lines


# --- checking a rule -----------------------------------------------------------------------


class _Found(Exception):
    def __init__(self, world: World, trial: Trial, row: VerdictRow | None, bug: str = "") -> None:
        super().__init__(bug or "contradicted")
        self.world, self.trial, self.row, self.bug = world, trial, row, bug


@dataclass
class _Tally:
    worlds: int = 0
    bound: int = 0
    failed: bool = False


def check_soundness(rule: Rule, trials: Trials, *, max_examples: int = 100, seed: int | None = None) -> SoundnessResult:
    """Judge up to ``max_examples`` consistent worlds; the first contradicted one, shrunk, makes the rule unsound.

    Without ``seed`` the search is derandomized: the same rule gives the same result.
    """
    reason, limits = not_generated(rule)
    if reason:
        return SoundnessResult(rule.id, "not generated", reason=reason, limits=limits)
    tally = _Tally()

    @settings(
        max_examples=max_examples,
        database=None,
        deadline=None,
        derandomize=seed is None,
        phases=(Phase.explicit, Phase.generate, Phase.shrink),
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
        verbosity=Verbosity.quiet,
        print_blob=False,
    )
    @given(consistent_worlds(rule))
    def judge(world: World) -> None:
        _judge(rule, trials, world, tally)

    if seed is not None:
        judge = seeded(seed)(judge)
    try:
        judge()
    except _Found as found:
        return _failure(rule, found, tally, limits)
    except Unsatisfiable:
        return SoundnessResult(rule.id, "not generated", reason="no world satisfies the rule's bindings", limits=limits)
    if tally.bound == 0:
        why = f"the rule bound no verdict in any of the {tally.worlds} worlds generated for it"
        return SoundnessResult(rule.id, "not generated", worlds=tally.worlds, reason=why, limits=limits)
    return SoundnessResult(rule.id, "sound", worlds=tally.worlds, bound=tally.bound, limits=limits)


def _judge(rule: Rule, trials: Trials, world: World, tally: _Tally) -> None:
    """Run both executors on one world; raise _Found on a contradiction or a disagreement."""
    trial = trials.run(rule, world.sources, world.bodies())
    if not tally.failed:  # what shrinking tries is not counted as more worlds
        tally.worlds += 1
        tally.bound += bool(trial.sql or trial.local)
    if (bug := trial.disagreement()) is not None:
        tally.failed = True
        raise _Found(world, trial, None, f"the two executors disagree: {bug}")
    counted = [row for row in trial.sql if row.status == "contradicted"]
    if counted:
        tally.failed = True
        raise _Found(world, trial, counted[0])


def _failure(rule: Rule, found: _Found, tally: _Tally, limits: tuple[str, ...]) -> SoundnessResult:
    world = found.world
    if found.row is None:
        return SoundnessResult(rule.id, "tally bug", tally.worlds, tally.bound, found.bug, limits, world.claims, world.sources)
    ids = found.row.roles_ids
    claims = tuple(dataclasses.replace(claim, quote=built.quote) for claim, built in zip(world.claims, found.trial.claims) if built.id in ids)
    return SoundnessResult(rule.id, "unsound", tally.worlds, tally.bound, "", limits, claims, world.sources, found.row)


__all__ = ["SoundnessResult", "Status", "check_soundness"]
