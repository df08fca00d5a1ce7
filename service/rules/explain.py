"""A verdict row -> the words a reporter reads: figures, computation, margin, notes.

Executors (the store's SQL, the in-process executor) decide which claims bind,
the status, the margin and the bounds of both sides of the check; this module
only writes them out, with each claim's own printed interval substituted into
the check.  No interval the executor computed is computed again here.

Each sentence is written once, in a language given as :class:`Words`: its messages
(gettext, from the desk's catalogs, ``service/locales``) and how it writes the numbers
Tally computed.  The API's verdicts are written in :data:`ENGLISH`, the words and
numbers other tools read (a contract); the desk passes the page's language
(``service.api.reading.DeskNumbers``), so a French page reads
``ne peut tenir : écart de 80,0 M MAD`` where the API reads ``cannot hold: off by 80.0 M``.
"""

from __future__ import annotations

import datetime
import math
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Protocol, runtime_checkable

from service.claims import Claim, base_interval, span_years
from service.intervals import Interval
from service.periods import Period
from service.rules.expressions import render
from service.rules.loader import kind_of
from service.rules.model import Arith, Comparison, Compound, Expr, Negate, Number, Power, Ref, Total, Years
from service.rules.plan import FLOW_MEASURES, AddedMonths, RulePlan, StandIn, VerdictRow, added_months, breakdown_key, difference_unit
from service.units import base_factor
from service.verdicts import Evidence, Verdict, Warning


class Digits(Protocol):
    """How a number Tally computed is written: ``value`` carries exactly the decimals to show."""

    def __call__(self, value: Decimal, grouped: bool) -> str: ...


def plain_digits(value: Decimal, grouped: bool) -> str:
    """The API's numbers, the same for every reader: ``1.135``, ``80,000 MAD`` (the desk's pages use babel's)."""
    return f"{value:,f}" if grouped else f"{value:f}"


@runtime_checkable  # the desk's pages receive one as a dependency, which Litestar checks with isinstance
class Words(Protocol):
    """The language a verdict's sentences are written in: its messages, and how it writes what Tally computed."""

    language: str  # fr, en or ar: which title of a rule or a diagnosis to show

    def gettext(self, message: str) -> str: ...

    def write(self, value: Decimal, grouped: bool) -> str:
        """Digits: ``1.135`` or ``1,135``."""
        ...

    def quantity(self, base_value: float, unit: str) -> str:
        """A base magnitude at a reporter's scale, in its unit or kind: ``80.0 M``, ``12.5 %``."""
        ...

    def span(self, interval: Interval | tuple[float, float], unit: str) -> str:
        """An interval: ``1.135 bn to 1.145 bn``, ``at least 46.5 %``."""
        ...

    def period(self, period: Period | str, length: bool = True) -> str:
        """A period for a reporter: ``Jan-Nov 2025 (11 months)``."""
        ...


class English:
    """The API's words: English, with numbers written as the API has always written them (other tools read them)."""

    language = "en"

    def gettext(self, message: str) -> str:
        return message

    def write(self, value: Decimal, grouped: bool) -> str:
        return plain_digits(value, grouped)

    def quantity(self, base_value: float, unit: str) -> str:
        return format_number(base_value, unit)

    def span(self, interval: Interval | tuple[float, float], unit: str) -> str:
        return format_interval(interval if isinstance(interval, Interval) else Interval(*interval), unit)

    def period(self, period: Period | str, length: bool = True) -> str:
        period = Period.parse(period) if isinstance(period, str) else period
        return period.describe() if length else period.span()


ENGLISH = English()


@dataclass(frozen=True)
class Surroundings:
    """What the store holds beside a verdict's row and claims that its words name.

    Read from the store by the caller, never computed from the verdict: origins' display
    names, the figure a later release printed of each revised claim's quantity, the
    dates the sources were published.
    """

    origin_names: Mapping[str, str] = field(default_factory=dict)
    revisions: Mapping[str, Claim] = field(default_factory=dict)  # an earlier release's claim id -> the latest release's figure
    published: Mapping[str, datetime.date | None] = field(default_factory=dict)  # source id -> its date


def render_verdict(
    plan: RulePlan,
    row: VerdictRow,
    claims: dict[str, Claim],
    first_seen: datetime.datetime | None = None,
    words: Words = ENGLISH,
    around: Surroundings = Surroundings(),
) -> Verdict:
    rule = plan.rule
    bound = {name: [claims[i] for i in ids] for name, ids in row.roles.items()}
    evidence = [_evidence(b.name, claim) for b in rule.bindings for claim in bound[b.name]]
    return Verdict(
        id=row.id,
        rule=rule.id,
        title=rule.title_in(words.language),
        status=row.status,  # type: ignore[arg-type]
        claims=evidence,
        computation=computation(plan, row, bound, words),
        margin=None if row.margin is None else _clean(row.margin),
        margin_unit=row.margin_unit,
        notes=_notes(plan, row, bound, words) + _release_notes(row, bound, around, words),
        warnings=_warnings(plan, row, bound, words) + _outdated(bound),
        first_seen=first_seen,
    )


def _evidence(role: str, claim: Claim) -> Evidence:
    return Evidence(
        role=role,
        id=claim.id,
        source=claim.source,
        quote=claim.quote,
        interval=claim.interval,
        figure=claim.figure,
        subject=claim.subject,
        breakdown=claim.breakdown,
        measure=claim.measure,
        period=claim.period,
        text=claim.text,
        origin=claim.origin,
        released=claim.released,
    )


# --- the computation, as a reporter reads it ------------------------------------------


def computation(plan: RulePlan, row: VerdictRow, bound: dict[str, list[Claim]], words: Words = ENGLISH) -> str:
    """The check with each figure's interval substituted, each side's value, and what follows (``... ; cannot hold: off by 80.0 M``)."""
    _ = words.gettext
    check = plan.rule.check
    if plan.is_category:
        left, right = (printed(bound[side.name][0].text or "") for side in (check.left, check.right))  # type: ignore[union-attr]
        if row.status == "consistent":
            return _("%(check)s: %(left)s vs %(right)s: the same") % {"check": render(check), "left": left, "right": right}
        return _("%(check)s: %(left)s vs %(right)s: different") % {"check": render(check), "left": left, "right": right}
    units = {name: claims[0].interval.unit for name, claims in bound.items() if claims[0].interval is not None}  # type: ignore[union-attr]
    shown_kind = _display_kind(check, tuple(sorted(units.items())))
    sides = []
    longer = {stood.binding: stood for stood in _stood_in(plan, bound)}
    for side, value in ((check.left, row.left), (check.right, row.right)):
        text = _substituted(side, bound, words)
        if isinstance(side, Ref) and side.name in longer and value is not None:
            stood = longer[side.name]
            text = _("%(side)s for %(used)s, so %(value)s for %(needed)s") % {
                "side": text, "used": words.period(stood.used), "value": words.span(value, shown_kind), "needed": words.period(stood.needed),
            }  # fmt: skip
        elif not isinstance(side, (Ref, Number)):
            text += " = " + (words.span(value, shown_kind) if value is not None else _("undefined (a divisor can be zero)"))
        sides.append(text)
    return _("%(check)s: %(left)s %(op)s %(right)s; %(conclusion)s") % {
        "check": render(check), "left": sides[0], "op": check.op, "right": sides[1], "conclusion": conclusion(plan, row, words),
    }  # fmt: skip


def conclusion(plan: RulePlan, row: VerdictRow, words: Words = ENGLISH) -> str:
    """What the computation shows, from the row's status and margin: ``can hold``, ``cannot hold: off by 80.0 M``."""
    _ = words.gettext
    if row.status == "unverifiable":
        return _("cannot be computed: %(reason)s") % {"reason": _no_bound_reason(plan.rule.check, words)}
    if row.status == "consistent":
        return _("can hold")
    if row.status == "implausible":
        return _("can hold only if the months a longer period adds were unlike the rest (see warnings)")
    if row.status == "revised":
        if row.margin and row.margin_unit:
            gap = _("off by %(margin)s") % {"margin": words.quantity(row.margin * base_factor(row.margin_unit), row.margin_unit)}
        else:
            gap = _("the two sides can at best be equal")
        return _("cannot hold as printed (%(gap)s), but holds with each figure as its origin's latest release among them prints it: revised (see notes)") % {"gap": gap}
    if not row.margin:
        return _("cannot hold: the two sides can at best be equal")
    unit = row.margin_unit or "count"
    return _("cannot hold: off by %(margin)s") % {"margin": words.quantity(row.margin * base_factor(unit), unit)}


@lru_cache(maxsize=4096)
def _display_kind(check: Comparison, units: tuple[tuple[str, str], ...]) -> str:
    """money, ratio or count: how to show each side (pint work, so once per rule and units)."""
    kinds = {kind_of(side, dict(units)) for side in (check.left, check.right)} - {"number"}
    return next(iter(kinds), "number")


def printed(text: str) -> str:
    """A figure or text as printed, quoted inside a sentence; right-to-left text isolated.

    In an English sentence, an Arabic figure left bare reorders its neighbours (the
    quotes and the words after it); the Unicode isolates (FSI ... PDI) keep it in its
    place for any reader that follows the bidirectional algorithm, browsers included.
    Left-to-right text is quoted as before, unchanged.
    """
    quoted = repr(text)
    if any(unicodedata.bidirectional(char) in ("R", "AL") for char in text):
        return "\u2068" + quoted + "\u2069"
    return quoted


def _printed_value(claim: Claim, words: Words) -> str:
    return words.span(base_interval(claim.interval), claim.interval.unit) if claim.interval else printed(claim.text or "")


def _substituted(expr: Expr, bound: dict[str, list[Claim]], words: Words) -> str:
    match expr:
        case Ref(name=name):
            return _printed_value(bound[name][0], words)
        case Total(name=name):
            return "(" + " + ".join(_term(claims, words) for claims in _quantities(bound[name])) + ")"
        case Number():
            return render(expr)
        case Compound(name=name):
            return "(" + " * ".join(f"(1 + {_term(claims, words)})" for claims in _quantities(bound[name])) + " - 1)"
        case Years(name=name):
            return words.write(Decimal(span_years(Period.parse(bound[name][0].period))), False)
        case Power(base=base, exponent=exponent):
            inner = [_substituted(side, bound, words) for side in (base, exponent)]
            wrapped = [f"({text})" if isinstance(side, (Arith, Power, Negate)) else text for side, text in zip((base, exponent), inner)]
            return f"{wrapped[0]} ^ {wrapped[1]}"
        case Negate(operand=operand):
            return f"-({_substituted(operand, bound, words)})"
        case Arith(op=op, left=left, right=right):
            inner = [_substituted(side, bound, words) for side in (left, right)]
            wrapped = [f"({text})" if isinstance(side, Arith) else text for side, text in zip((left, right), inner)]
            return f"{wrapped[0]} {op} {wrapped[1]}"
    raise TypeError(expr)


def _quantities(claims: list[Claim]) -> list[list[Claim]]:
    """A group's claims by the quantity they print (``plan.QUANTITY_COLUMNS``): the executors sum one term for each."""
    found: dict[tuple[object, ...], list[Claim]] = {}
    for claim in claims:
        period = Period.parse(claim.period)
        base = Period.parse(claim.compared_to) if claim.compared_to else None
        key = (claim.measure, claim.subject, breakdown_key(claim.breakdown), period.start, period.end, base and (base.start, base.end))
        found.setdefault(key, []).append(claim)
    return list(found.values())


def _term(claims: list[Claim], words: Words) -> str:
    """One quantity of a sum: its figure, or "either ... or ..." when it was printed more than once (its hull is summed)."""
    _ = words.gettext
    values = [_printed_value(claim, words) for claim in claims]
    if len(values) == 1:
        return values[0]
    either = values[0]
    for value in values[1:]:
        either = _("%(one)s or %(other)s") % {"one": either, "other": value}
    return _("(either %(values)s)") % {"values": either}


def format_interval(interval: Interval, unit_or_kind: str, numerals: Digits = plain_digits) -> str:
    """``1.135 bn to 1.145 bn``, ``12.5 % to 13.5 %``, ``at least 46.5 %``."""
    lo, hi = (format_number(v, unit_or_kind, numerals) for v in (interval.lo, interval.hi))
    if math.isinf(interval.lo) and math.isinf(interval.hi):
        return "any value"
    if math.isinf(interval.hi):
        return f"at least {lo}"
    if math.isinf(interval.lo):
        return f"at most {hi}"
    return lo if lo == hi else f"{lo} to {hi}"


def format_number(base_value: float, unit_or_kind: str, numerals: Digits = plain_digits) -> str:
    """A base magnitude as a reporter writes it, in the unit (or kind) given."""
    unit = {"money": "MAD", "ratio": "percent"}.get(unit_or_kind, unit_or_kind)
    if not math.isfinite(base_value):
        return f"{base_value:g}"  # an open end: format_interval says it in words
    if unit == "MAD":
        magnitude = abs(base_value)
        if magnitude == 0:
            return "0"
        if magnitude >= 1e8:
            return numerals(Decimal(f"{base_value / 1e9:.3f}"), True) + " bn"  # grouped: a scale slip reads 1,315.000 bn
        if magnitude >= 1e5:
            return numerals(Decimal(f"{base_value / 1e6:.1f}"), False) + " M"
        return numerals(Decimal(f"{base_value:.0f}"), True) + " MAD"
    if unit in ("percent", "points"):
        value = base_value / base_factor(unit)
        number = _significant(value, numerals)
        if unit == "percent":
            return f"{number} %"
        return f"{number} point" if _significant(value, plain_digits) in ("1", "-1") else f"{number} points"
    return _significant(base_value, numerals)


def margin_words(margin: float | None, unit: str | None, numerals: Digits = plain_digits) -> str | None:
    """A verdict's margin as a reporter reads it (``80.0 M``, ``3.5 points``), or None when it has none."""
    if not margin or not unit:
        return None
    return format_number(margin * base_factor(unit), unit, numerals)


def _significant(value: float, numerals: Digits, digits: int = 4) -> str:
    if value == 0 or not math.isfinite(value):
        return f"{value:g}"
    decimals = max(0, digits - 1 - int(math.floor(math.log10(abs(value)))))
    text = f"{value:.{decimals}f}"
    return numerals(Decimal(text.rstrip("0").rstrip(".") if "." in text else text), False)


def _clean(value: float) -> float:
    """Round off float noise (1e-16 of the figures): a margin is a measured gap, not 17 digits."""
    return float(f"{value:.9g}")


# --- notes: every period that stood in for another ---------------------------------------


@dataclass(frozen=True)
class _StoodIn:
    """A claim for a longer period, in the role of a binding that needs a shorter one."""

    binding: str
    stand_in: StandIn
    claim: Claim
    used: Period
    needed: Period


def _stood_in(plan: RulePlan, bound: dict[str, list[Claim]]) -> list[_StoodIn]:
    found = []
    for stand_in in plan.stand_ins:
        binding = plan.binding(stand_in.binding)
        claim, other = bound[stand_in.binding][0], bound[binding.stand_in_of or ""][0]
        needed_text = other.compared_to if binding.stand_in_base else other.period
        used, needed = Period.parse(claim.period), Period.parse(needed_text or claim.period)
        if used != needed:
            found.append(_StoodIn(stand_in.binding, stand_in, claim, used, needed))
    return found


def _notes(plan: RulePlan, row: VerdictRow, bound: dict[str, list[Claim]], words: Words) -> list[str]:
    notes = [_stand_in_note(plan, row, stood, words) for stood in _stood_in(plan, bound)]
    if row.status == "unverifiable":
        notes.append(_no_bound_note(plan.rule.check, words))
    return notes


def _warnings(plan: RulePlan, row: VerdictRow, bound: dict[str, list[Claim]], words: Words) -> list[Warning]:
    """For an implausible verdict: which added months, and how unlike the rest they would have to be."""
    if row.status != "implausible":
        return []
    warnings = []
    for stood in _stood_in(plan, bound):
        judged = _added(stood, row)
        if judged is None or not judged.implausible or stood.claim.interval is None:
            continue
        warnings.append(Warning(id="added-months-unlike-the-rest", text=added_months_warning(stood, judged, words)))
    return warnings


def added_months_warning(stood: _StoodIn, judged: AddedMonths, words: Words = ENGLISH) -> str:
    """How unlike the rest of the period the months a longer period adds would have to be for the figures to hold."""
    _ = words.gettext
    unit = stood.claim.interval.unit  # type: ignore[union-attr]
    values = {
        "months": _months_outside(stood.used, stood.needed, words),
        "added": words.span(judged.added, unit),
        "usual": words.span(judged.usual, unit),
        "used": words.period(stood.used),
        "needed": words.period(stood.needed),
    }
    if judged.kind != "flow":
        return _(
            "With months of equal weight, the share in %(months)s would be %(added)s, against %(usual)s for %(needed)s: "
            "the figures all hold only if %(months)s was unlike the rest of the period "
            "(a plausible share is within %(points)s points of the rest, and between 0 and 100 %%)."
        ) % {**values, "points": _short(stood.stand_in.share_points, words)}
    values |= {"low": _short(stood.stand_in.month_ratio[0], words), "high": _short(stood.stand_in.month_ratio[1], words)}
    if stood.used.months - stood.needed.months > 1:
        return _(
            "%(months)s would come to %(added)s a month, against an average month of %(usual)s over %(used)s: "
            "the figures all hold only if %(months)s was unlike the rest of the period "
            "(a plausible month is %(low)s to %(high)s times an average one)."
        ) % values
    return _(
        "%(months)s would come to %(added)s, against an average month of %(usual)s over %(used)s: "
        "the figures all hold only if %(months)s was unlike the rest of the period "
        "(a plausible month is %(low)s to %(high)s times an average one)."
    ) % values


def _short(value: float, words: Words) -> str:
    """A rule's own setting (a ratio, points) in the fewest digits, as ``{:g}`` writes it: ``0.25``, ``4``."""
    return words.write(Decimal(f"{value:g}"), False)


def _added(stood: _StoodIn, row: VerdictRow) -> AddedMonths | None:
    """The executor's implied side, judged as the executors judged it (``plan.added_months``)."""
    implied = row.left if stood.stand_in.implied_side == "left" else row.right if stood.stand_in.implied_side == "right" else None
    if implied is None or stood.claim.interval is None:
        return None
    printed = base_interval(stood.claim.interval)
    return added_months(stood.stand_in, stood.claim.measure, (printed.lo, printed.hi), implied, stood.used.months, stood.needed.months)


def _has_power(check: Comparison) -> bool:
    def walk(expr: object) -> bool:
        match expr:
            case Power() | Compound():
                return True
            case Comparison(left=left, right=right) | Arith(left=left, right=right):
                return walk(left) or walk(right)
            case Negate(operand=operand):
                return walk(operand)
        return False

    return walk(check)


def _no_bound_reason(check: Comparison, words: Words) -> str:
    _ = words.gettext
    if not _has_power(check):
        return _("a divisor spans zero")
    return _("a divisor spans zero, or a power's base (1 + a growth) can be zero or negative")


def _no_bound_note(check: Comparison, words: Words) -> str:
    _ = words.gettext
    if not _has_power(check):
        return _("A divisor in the check can be zero within its rounding, so no bound can be computed.")
    return _(
        "A divisor in the check can be zero, or a power's base (1 + a growth) can be zero or negative, "
        "within the rounding of the figures, so no bound can be computed."
    )


def _stand_in_note(plan: RulePlan, row: VerdictRow, stood: _StoodIn, words: Words) -> str:
    """Which figure stood in for a shorter period, what that proves, and what the check implies of the months it adds."""
    _ = words.gettext
    claim = stood.claim
    values = {
        "binding": stood.binding, "used": words.period(stood.used), "source": claim.source, "figure": printed(claim.figure),
        "needed": words.period(stood.needed), "added": _months_outside(stood.used, stood.needed, words),
    }  # fmt: skip
    note = _(
        "Period mismatch: %(binding)s is printed for %(used)s (%(source)s: %(figure)s) "
        "and stands in for %(needed)s, the period the check needs: it adds %(added)s."
    ) % values
    if claim.measure in FLOW_MEASURES:
        note += " " + _("A flow over fewer months is no larger, so it proves only an upper bound for %(needed)s.") % values
    elif claim.measure == "share":
        note += " " + _("A share over a longer period mixes in the share of %(added)s, so by itself it bounds nothing for %(needed)s.") % values
    else:
        note += " " + _("It says nothing by itself about %(needed)s.") % values
    judged = _added(stood, row)
    if judged is None or claim.interval is None or judged.added[1] < judged.added[0]:
        return note  # no value of the added months fits: the check is contradicted, and says by how much
    values["value"] = words.span(judged.added, claim.interval.unit)
    if judged.kind == "flow":
        return note + " " + _("As the check implies %(needed)s, %(added)s would come to %(value)s a month.") % values
    return note + " " + _("As the check implies %(needed)s, with months of equal weight the share in %(added)s would be %(value)s.") % values


# --- origins and releases -------------------------------------------------------------


def _release_notes(row: VerdictRow, bound: dict[str, list[Claim]], around: Surroundings, words: Words) -> list[str]:
    """A revised verdict: each revision, from what to what, when, by how much.  A contradicted one over
    sources of different dates, some figure without an origin: that a revision might explain it."""
    claims = [claim for claims in bound.values() for claim in claims]
    if row.status == "revised":
        latest = max(claim.released or "" for claim in claims)
        notes = []
        for claim in dict.fromkeys(c.id for c in claims):
            earlier = next(c for c in claims if c.id == claim)
            later = around.revisions.get(claim)
            if earlier.released is not None and earlier.released < latest and later is not None:
                notes.append(revision_words(earlier, later, around.origin_names, words))
        return notes
    if row.status != "contradicted" or all(claim.origin is not None for claim in claims):
        return []
    dates = sorted({str(d) for c in claims if (d := around.published.get(c.source)) is not None})
    if len(dates) < 2:
        return []
    _ = words.gettext
    return [
        _(
            "The sources were published on different dates (%(dates)s): if these figures came from one office, "
            "a revision between those dates would explain the gap. Give each claim its origin and release, and Tally tells a revision from an error."
        ) % {"dates": ", ".join(dates)}
    ]


def revision_words(earlier: Claim, later: Claim, origin_names: Mapping[str, str], words: Words = ENGLISH) -> str:
    """``Office des changes: 105.100 bn (2024-12) → 105.400 bn (2025-12), revised up 0.300 bn, 0.29 % of the earlier figure``."""
    _ = words.gettext
    name = origin_names.get(earlier.origin or "", earlier.origin or "")
    before, after = _central(earlier), _central(later)
    unit = earlier.interval.unit if earlier.interval is not None else "count"
    values = {"origin": name, "earlier": earlier.released, "later": later.released}
    if before is None or after is None:
        values |= {"before": printed(earlier.figure), "after": printed(later.figure)}
        return _("%(origin)s: %(before)s (%(earlier)s) → %(after)s (%(later)s), revised") % values
    change = after - before
    values |= {"before": words.quantity(before, unit), "after": words.quantity(after, unit), "change": words.quantity(abs(change), difference_unit(unit) or unit)}
    if change == 0:
        return _("%(origin)s: %(before)s (%(earlier)s) → %(after)s (%(later)s), revised to the same figure") % values
    if before == 0:
        if change > 0:
            return _("%(origin)s: %(before)s (%(earlier)s) → %(after)s (%(later)s), revised up %(change)s") % values
        return _("%(origin)s: %(before)s (%(earlier)s) → %(after)s (%(later)s), revised down %(change)s") % values
    values["percent"] = words.write(Decimal(f"{abs(change) / abs(before) * 100:.2f}"), False)
    if change > 0:
        return _("%(origin)s: %(before)s (%(earlier)s) → %(after)s (%(later)s), revised up %(change)s, %(percent)s %% of the earlier figure") % values
    return _("%(origin)s: %(before)s (%(earlier)s) → %(after)s (%(later)s), revised down %(change)s, %(percent)s %% of the earlier figure") % values


def _central(claim: Claim) -> float | None:
    """The figure as printed, in base magnitudes: the middle of its interval, where it has two ends."""
    if claim.interval is None:
        return None
    interval = base_interval(claim.interval)
    if not (math.isfinite(interval.lo) and math.isfinite(interval.hi)):
        return None
    return (interval.lo + interval.hi) / 2


def _outdated(bound: dict[str, list[Claim]]) -> list[Warning]:
    """A verdict carries the outdated warnings of its figures (``releases.outdated``)."""
    seen: dict[str, Warning] = {}
    for claims in bound.values():
        for claim in claims:
            for warning in claim.warnings:
                seen.setdefault(warning.text, warning)
    return list(seen.values())


def _months_outside(used: Period, needed: Period, words: Words) -> str:
    """The months a longer period adds to the one it stands in for: "Dec 2024 (1 month)"."""
    _ = words.gettext
    parts = []
    if used.start < needed.start:
        parts.append(words.period(Period(used.start, needed.start - 1)))
    if used.end > needed.end:
        parts.append(words.period(Period(needed.end + 1, used.end)))
    if len(parts) == 2:
        return _("%(one)s and %(other)s") % {"one": parts[0], "other": parts[1]}
    return parts[0] if parts else _("no month")


