"""What a desk page says of a verdict: who printed each figure, of what, when, and how far apart.

A verdict as the API answers it names sources by id and roles by the rule's binding
names ("first", "second").  A reader of the desk needs the people and outlets behind
the figures, the quantity and the period, and a margin with its unit and its size
against the figures.  This module gathers those from the rendered verdict, the
sources in the store and the rule's labels; it writes no sentence (the templates do,
``verdict_words.html``), except the numbers, which only babel's numerals write.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal

import duckdb

from service.rules.book import RuleSet
from service.api.language import Speaking
from service.api.reading import DeskNumbers
from service.reading.lexicon import subject_words
from service.rules.explain import Digits
from service.sources import Source
from service.store import Store
from service.units import base_factor
from service.verdicts import STATUS_ORDER, Diagnosis, Evidence, Verdict

# A diagnosis "explains" a verdict when the figures tally under its reading; one that leaves
# them contradicted, or holding only if some months were unlike the rest, explains nothing.
EXPLAINING = frozenset({"consistent"})


@dataclass(frozen=True)
class FigureView:
    """One figure of a verdict, with the people and outlet behind it."""

    evidence: Evidence
    who: str  # the source's speaker, else its outlet
    outlet: str
    title: str  # the article or release the figure is printed in
    speaker: str | None
    label: str | None  # the rule's label for the figure's role, in the desk's language; None: name the outlet and period
    period: str  # the figure's months, as a heading names them (Jan-Nov 2025)

    @property
    def e(self) -> Evidence:
        return self.evidence


@dataclass(frozen=True)
class VerdictView:
    """A verdict as a desk page shows it (``verdict.html``), its heading a sentence of these parts."""

    verdict: Verdict
    figures: list[FigureView]
    subjects: list[str]  # subject keys, each linked to its view
    quantity: str | None  # the measure's name when every figure is of one measure (growth, share), None for a level
    subject_words: str  # the subject as words: "handicraft exports"
    periods: list[str]  # each distinct period of the figures, in their order
    margin: str | None  # "80 M MAD", always with its unit
    percent: str | None  # the margin against the smaller figure it compares: "7 %"
    relative: float  # the same, as a fraction (0 without a margin): how much the verdict matters
    explaining: list[Diagnosis]  # readings under which the figures would tally, first
    unexplaining: list[Diagnosis]  # readings tried that leave them as they are: folded under one line
    subject_names: dict[str, str]  # each subject key as the page names it (the lexicon's name in its language)
    title_english: bool = False  # the rule's title has no translation in the page's language: shown marked as English
    english_diagnoses: frozenset[str] = frozenset()  # the ids of the diagnoses whose titles are English only

    @property
    def quantity_shared(self) -> bool:
        """Every figure is of one measure: the heading names it once, not beside each figure."""
        return len({f.evidence.measure for f in self.figures}) == 1


def verdict_views(
    store: Store, rules: RuleSet, verdicts: list[Verdict], speaking: Speaking, connection: duckdb.DuckDBPyConnection | None = None
) -> list[VerdictView]:
    """Each verdict with its sources read from the store once, for every verdict of the page."""
    ids = sorted({e.source for v in verdicts for e in v.claims})
    sources = store.sources_by_id(ids, connection) if ids else {}
    labels = _labels(rules, speaking.language)
    english = speaking.language != "en"
    rule_english = {rule.id: english and not rule.speaks(speaking.language) for rule in rules.rules}
    diagnoses_english = frozenset(m.id for m in rules.mechanisms if english and not m.speaks(speaking.language))
    lexicon = rules.lexicon
    return [
        replace(
            verdict_view(v, sources, labels.get(v.rule, {}), speaking, lambda key: subject_words(key, lexicon, speaking.language)),
            title_english=rule_english.get(v.rule, english),
            english_diagnoses=diagnoses_english,
        )
        for v in verdicts
    ]


def verdict_view(
    verdict: Verdict, sources: dict[str, Source], labels: dict[str, str], speaking: Speaking, named: Callable[[str], str] | None = None
) -> VerdictView:
    """One verdict's view, from its sources (by id) and its rule's labels (by binding name), in the page's language;
    ``named`` names a subject (default: its key read as words)."""
    named = named or subject_words
    numbers = speaking.numbers  # the margin, its share and the periods, written the page's way
    figures = [_figure(e, sources.get(e.source), labels.get(e.role), numbers) for e in verdict.claims]
    measures = {e.measure for e in verdict.claims}
    subjects = list(dict.fromkeys(e.subject for e in verdict.claims))
    margin = margin_with_unit(verdict.margin, verdict.margin_unit, numbers)
    relative = _relative(verdict) if margin else None
    return VerdictView(
        verdict=verdict,
        figures=figures,
        subjects=subjects,
        quantity=_measure_name(next(iter(measures)), speaking) if len(measures) == 1 else None,
        subject_words=" / ".join(named(s) for s in subjects),
        subject_names={s: named(s) for s in subjects},
        periods=list(dict.fromkeys(f.period for f in figures)),
        margin=margin,
        percent=None if relative is None else _percent(relative, numbers.write),
        relative=relative or 0.0,
        explaining=[d for d in verdict.diagnoses if d.status in EXPLAINING],
        unexplaining=[d for d in verdict.diagnoses if d.status not in EXPLAINING],
    )


def margin_with_unit(margin: float | None, unit: str | None, numbers: DeskNumbers) -> str | None:
    """A margin as the desk writes it, always naming its unit: ``80 M MAD``, ``1.4 points``, ``2 (count)``.

    ``explain.margin_words`` writes ``80.0 M`` for the API's verdicts; a reader of the desk
    cannot tell millions of what, so the money scale is followed by the currency.
    """
    if not margin or not unit or not math.isfinite(margin):
        return None
    base = margin * base_factor(unit)
    if not math.isfinite(base):
        return None
    _, numerals = numbers.gettext, numbers.write  # the words and digits of the page's language
    if unit == "MAD":
        for scale, word in ((1e9, _("bn")), (1e6, _("M"))):
            if abs(base) >= scale:
                return f"{_significant(base / scale, numerals)} {word} {numbers.unit(unit)}"
        return f"{numerals(Decimal(f'{base:.0f}'), True)} {numbers.unit(unit)}"
    if unit == "count":
        counted = _("(count)")
        return f"{_significant(base, numerals)} {counted}"
    return numbers.quantity(base, unit)


def _percent(relative: float, numerals: Digits) -> str | None:
    """``7,0 %``: one decimal; a margin a million times its figure (any double the API takes) in babel's scientific notation."""
    percent = relative * 100
    if not math.isfinite(percent):
        return None
    return f"{numerals(Decimal(f'{percent:.1f}' if percent < 1e6 else f'{percent:.3e}'), True)} %"


def _significant(value: float, numerals: Digits, digits: int = 3) -> str:
    """At most ``digits`` significant digits, no trailing zero: 80, 1.23, 0.0456."""
    if value == 0:
        return numerals(Decimal(0), False)
    decimals = max(0, digits - 1 - int(math.floor(math.log10(abs(value)))))
    text = f"{value:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return numerals(Decimal(text), True)


def by_weight(views: list[VerdictView]) -> list[VerdictView]:
    """Contradictions first (the desk's order of statuses), each status by its margin against the smaller figure, largest first."""
    return sorted(views, key=lambda view: (STATUS_ORDER.index(view.verdict.status), -view.relative))


def _relative(verdict: Verdict) -> float | None:
    """The margin as a fraction of the smaller figure of the margin's kind (money for money, ratios for points)."""
    if verdict.margin is None or verdict.margin_unit is None:
        return None
    kind = _kind(verdict.margin_unit)
    sizes = [
        abs(lo + hi) / 2 * base_factor(e.interval.unit)
        for e in verdict.claims
        if e.interval is not None and _kind(e.interval.unit) == kind
        and (lo := e.interval.lo) is not None and (hi := e.interval.hi) is not None
    ]
    sizes = [s for s in sizes if s > 0 and math.isfinite(s)]
    if not sizes:
        return None
    relative = abs(verdict.margin * base_factor(verdict.margin_unit)) / min(sizes)
    return relative if math.isfinite(relative) else None


def _kind(unit: str) -> str:
    return {"MAD": "money", "percent": "ratio", "points": "ratio"}.get(unit, unit)


def _figure(evidence: Evidence, source: Source | None, label: str | None, numbers: DeskNumbers) -> FigureView:
    outlet = source.outlet if source is not None else evidence.source  # a source removed from under a verdict: its id is all there is
    title = source.title if source is not None else ""
    speaker = source.speaker if source is not None else None
    return FigureView(evidence, speaker or outlet, outlet, title, speaker, label, numbers.period(evidence.period, length=False))


def _measure_name(measure: str, speaking: Speaking) -> str | None:
    """The measure as the heading names it, in the page's language; a level goes without saying."""
    return None if measure == "level" else speaking.measure(measure)


def _labels(rules: RuleSet, language: str) -> dict[str, dict[str, str]]:
    """Each rule's labels of its bindings in ``language`` (else English, else any it has)."""
    found: dict[str, dict[str, str]] = {}
    for rule in rules.rules:
        for binding in rule.bindings:
            labels = dict(binding.labels)
            text = labels.get(language) or labels.get("en") or next(iter(labels.values()), None)
            if text:
                found.setdefault(rule.id, {})[binding.name] = text
    return found
