"""Consistent worlds for a rule's bindings: claims true by the meaning of their measures, printed.

What ``service.rules.soundness`` judges a rule on.  The truth does not come from
the rule's check (a wrong formula would then pass itself): a world is an
economy of monthly flows (``service.economy``) from which each measure follows
by its meaning (a growth is level(P) / level(Q) - 1, a share is a member's
level over the total's...).

The rule's bindings are walked in order and each binding's claim gets metadata
that satisfies the binding's filters and its relations to earlier bindings
(measure, subject, breakdown, period, base period, source, printed form, unit;
a group binding gets 2-4 members sharing its group keys).  Fields left free are
drawn, often reusing what earlier claims use so that claims meet.  The walk
runs once or twice over the same economy, so claims of one pass can also meet
claims of the other, and a desk may print one of its claims twice in other
words (the lede rounds, the body does not).  Only then is each claim's true
value derived from the economy and printed (``service.printing``: significant
digits, French or English style, scale words, qualifiers made true under the
reading of ``service.figures``).  Choices shrink towards fewer desks, fewer
periods, one pass and no repeat, so a counter-example comes out small.

Stand-ins: a binding with ``stand_in_months`` gets, half the time, a claim for
a period up to that many months longer that contains the one it needs: what a
desk prints when the exact period is not printed, true of its own longer period.

What is not generated
---------------------
A binding that can only take a measure the economy does not define
(``average``, or any unknown measure), or a breakdown by two dimensions at
once: :func:`not_generated` says why, and no world is drawn.  A binding that
allows a modelled measure among unmodelled ones is drawn with the modelled ones
only, and the unmodelled ones are listed as limits.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from fractions import Fraction

from hypothesis import reject
from hypothesis import strategies as st

from service.claims import COMPARATIVE_MEASURES, UNITS_OF_MEASURE, ClaimIn
from service.economy import MAX_MEMBERS, Dimension, Economy, Subject, Trend
from service.figures import Rounding
from service.periods import Period
from service.printing import as_decimal, printed, printed_growth, printed_share
from service.rules.model import Binding, Literally, OtherThan, Rule, SameAs
from service.sources import Source

MODELLED_MEASURES = ("level", "count", "growth", "share", "share_change", "average_growth", "category")
SUBJECTS = ("ma.handicraft.exports", "ma.tourism.arrivals", "ma.salons", "ma.phosphates.exports")
DIMENSIONS = {
    "product": ("pottery", "leather", "carpets", "clothing", "jewellery"),
    "country": ("france", "spain", "usa", "germany", "italy"),
    "city": ("casablanca", "marrakech", "fes", "tangier", "agadir"),
}
# Each category as different desks spell it: the rules compare them as a reader would.
CATEGORIES = (
    ("Crédit Agricole", "credit agricole", "CRÉDIT AGRICOLE"),
    ("Attijariwafa bank", "Attijariwafa Bank", "attijariwafa bank"),
    ("France", "france"),
    ("Banque Populaire", "banque populaire"),
)
OUTLETS = ("Médias24", "Le Matin", "Morocco World News", "Communiqué")
FIRST_YEAR, LAST_YEAR = 2021, 2026  # periods start here; bases reach back two years more


# --- a world ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PrintedClaim:
    """One claim of a generated world: what was printed, by whom, and the true value behind it."""

    binding: str  # the binding it was drafted for (the rule may bind it in another role)
    measure: str
    subject: str
    breakdown: dict[str, str]
    period: str
    compared_to: str | None  # None: the same months a year earlier
    source: str
    language: str
    rounding: str
    figure: str
    true: str  # the true value, in the figure's unit
    quote: str | None = None  # as posted; None until the world numbers its claims

    def body(self, index: int) -> ClaimIn:
        return ClaimIn(
            source=self.source,
            quote=self.quote or f"claim {index}: {self.figure}",
            subject=self.subject,
            breakdown=self.breakdown,
            measure=self.measure,  # type: ignore[arg-type]
            period=self.period,
            compared_to=self.compared_to,
            figure=self.figure,
        )

    def example(self) -> dict[str, object]:
        """The fields of an ``examples:`` claim (service.rules.model.ExampleClaim), defaults left out."""
        fields: dict[str, object] = {"measure": self.measure, "figure": self.figure, "period": self.period}
        fields |= {"source": self.source, "language": self.language, "subject": self.subject}
        if self.breakdown:
            fields["breakdown"] = dict(self.breakdown)
        if self.compared_to is not None:
            fields["compared_to"] = self.compared_to
        if self.quote is not None:
            fields["quote"] = self.quote  # one desk printing one figure twice: two quotes, two claims
        if self.rounding != "half_up":
            fields["rounding"] = self.rounding
        return fields


@dataclass(frozen=True)
class World:
    """The printed claims of one consistent world, and the sources that printed them."""

    sources: tuple[Source, ...]
    claims: tuple[PrintedClaim, ...]

    def bodies(self) -> list[ClaimIn]:
        return [claim.body(index) for index, claim in enumerate(self.claims)]


def not_generated(rule: Rule) -> tuple[str, tuple[str, ...]]:
    """Why no world can be drawn for the rule ("" if one can), and what the worlds leave out of it."""
    limits = []
    for binding in rule.bindings:
        if isinstance(binding.breakdown, dict) and len(binding.breakdown) > 1:
            return f"binding {binding.name!r} is broken down by {len(binding.breakdown)} dimensions at once; worlds break down by one", ()
        if not binding.measures:
            continue
        left_out = [m for m in binding.measures if m not in MODELLED_MEASURES]
        if len(left_out) == len(binding.measures):
            what = " or ".join(repr(m) for m in left_out)
            return f"binding {binding.name!r} takes measure {what}, which a world of monthly flows does not define", ()
        limits += [f"measure {m!r} of binding {binding.name!r}" for m in left_out]
    return "", tuple(limits)


# --- drafting claims for the bindings -------------------------------------------------------


@dataclass(frozen=True)
class Draft:
    """A claim's metadata, chosen to fit a binding, before its figure."""

    binding: str
    measure: str
    subject: str
    breakdown: tuple[tuple[str, str], ...]
    period: Period
    compared_to: Period | None  # printed base period; None: the same months a year earlier
    source: str
    printed: str | None  # "number", "direction", or None: any form the measure has

    @property
    def base(self) -> Period | None:
        """The base period a comparative measure is measured against."""
        if self.measure not in COMPARATIVE_MEASURES:
            return None
        return self.compared_to or self.period.year_earlier()

    @property
    def quantity(self) -> tuple[object, ...]:
        return (self.measure, self.subject, self.breakdown, self.period, self.base)


class _Reject(Exception):
    """The drawn choices cannot satisfy a binding: hypothesis draws another world."""


@dataclass
class _Walk:
    """The economy and sources as they grow, and the drafts of one pass over the bindings."""

    draw: st.DrawFn
    rule: Rule
    economy: Economy
    sources: list[Source]
    periods: list[Period]
    drafts: dict[str, list[Draft]] = field(default_factory=dict)

    def first(self, name: str) -> Draft:
        return self.drafts[name][0]


_GROUP_FIELDS = {"source": "source", "subject": "subject", "period": "period", "measure": "measure", "breakdown_by": "dimension"}


@st.composite
def consistent_worlds(draw: st.DrawFn, rule: Rule) -> World:
    """Claims for the rule's bindings, all true in one economy, printed by 1-4 desks."""
    economy = Economy(category_seed=draw(st.integers(0, 1000)))
    sources: list[Source] = []
    periods: list[Period] = []
    drafts: list[Draft] = []
    try:
        for _ in range(draw(st.integers(1, 2))):
            walk = _Walk(draw, rule, economy, sources, periods)
            for binding in rule.bindings:
                walk.drafts[binding.name] = _draft_binding(walk, binding)
                periods += [p for d in walk.drafts[binding.name] for p in (d.period, d.base) if p is not None and p not in periods]
            drafts += [d for name in walk.drafts for d in walk.drafts[name]]
    except _Reject:
        reject()
    # A desk may print one figure twice, in other words (the lede rounds, the body does not).
    drafts += [drafts[i] for i in draw(st.lists(st.integers(0, len(drafts) - 1), max_size=2))]
    by_id = {source.id: source for source in sources}
    claims = tuple(draw(_printed_claim(economy, draft, by_id[draft.source])) for draft in drafts)
    return World(tuple(sources), claims)


def _draft_binding(walk: _Walk, binding: Binding) -> list[Draft]:
    if binding.each_year_of is not None:
        return _series(walk, binding)
    first = _draft(walk, binding, {})
    if not binding.is_group:
        return [first]
    members = [first]
    for _ in range(walk.draw(st.integers(1, 3))):
        fixed = {_GROUP_FIELDS[key]: _field(first, _GROUP_FIELDS[key]) for key in binding.group}
        fixed["taken"] = tuple(m.breakdown for m in members)
        member = _draft(walk, binding, fixed)
        if member.quantity not in {m.quantity for m in members}:
            members.append(member)
    return members


def _series(walk: _Walk, binding: Binding) -> list[Draft]:
    """One growth for each year of the span after its first, each over the year before: a complete series."""
    span = walk.first(binding.each_year_of or "").period
    members: list[Draft] = []
    for year in range(span.start // 12 + 1, span.end // 12 + 1):
        fixed: dict[str, object] = {"period": Period(year * 12, year * 12 + 11)}
        if members:
            fixed |= {_GROUP_FIELDS[key]: _field(members[0], _GROUP_FIELDS[key]) for key in binding.group}
        member = _draft(walk, binding, fixed)
        members.append(dataclasses.replace(member, compared_to=None))  # the year before, as a series needs
    return members


def _field(draft: Draft, name: str) -> object:
    if name == "dimension":
        return tuple(dim for dim, _ in draft.breakdown)
    return getattr(draft, name)


def _draft(walk: _Walk, binding: Binding, fixed: dict[str, object]) -> Draft:
    subject = _subject(walk, binding, fixed)
    measure = _measure(walk, binding, subject, fixed)
    _ensure_subject(walk, subject, _kind_needed(measure, binding.unit))
    breakdown = _breakdown(walk, binding, subject, measure, fixed)
    period = _span(walk, binding) if measure == "average_growth" else _period(walk, binding, fixed)
    compared_to = _compared_to(walk, binding, measure, period)
    source = _source(walk, binding, fixed)
    return Draft(binding.name, measure, subject, breakdown, period, compared_to, source, binding.printed)


# measure and subject -------------------------------------------------------------------


def _subject(walk: _Walk, binding: Binding, fixed: dict[str, object]) -> str:
    if "subject" in fixed:
        return str(fixed["subject"])
    if isinstance(binding.subject, Literally):
        return binding.subject.value
    if isinstance(binding.subject, SameAs):
        return walk.first(binding.subject.other).subject
    known = list(walk.economy.subjects)
    fresh = [name for name in SUBJECTS if name not in known]
    return walk.draw(st.sampled_from(known + fresh[:1])) if known else SUBJECTS[0]


def _measure(walk: _Walk, binding: Binding, subject: str, fixed: dict[str, object]) -> str:
    if "measure" in fixed:
        return str(fixed["measure"])
    options = (walk.first(binding.measure_of).measure,) if binding.measure_of else binding.measures
    options = tuple(m for m in options if _fits(m, binding, walk.economy.subjects.get(subject)))
    if not options:
        raise _Reject
    return walk.draw(st.sampled_from(options))


def _fits(measure: str, binding: Binding, subject: Subject | None) -> bool:
    """The measure can be drawn for this binding, and for the subject's kind if it exists already."""
    if measure not in MODELLED_MEASURES:
        return False
    if binding.printed == "direction" and measure != "growth":
        return False
    if binding.printed == "number" and measure == "category":
        return False
    if binding.unit is not None and binding.unit not in UNITS_OF_MEASURE.get(measure, ("text",)):
        return False
    needed = _kind_needed(measure, binding.unit)
    return subject is None or needed is None or subject.kind == needed


def _kind_needed(measure: str, unit: str | None) -> str | None:
    """A count is of a count subject; a level in a given unit is of a subject in that unit."""
    if measure == "count":
        return "count"
    if measure == "level" and unit is not None:
        return unit
    return None


def _ensure_subject(walk: _Walk, name: str, kind: str | None) -> None:
    if name in walk.economy.subjects:
        return
    draw = walk.draw
    kind = kind or draw(st.sampled_from(("MAD", "count")))
    scale = draw(st.integers(1, 500)) * (10**6 if kind == "MAD" else 10)
    total = Trend(float(scale), draw(st.integers(-30, 60)), draw(st.integers(0, 50)), draw(st.integers(0, 1000)))
    walk.economy.subjects[name] = Subject(name, kind, total)


# breakdown -------------------------------------------------------------------------------


def _breakdown(walk: _Walk, binding: Binding, subject: str, measure: str, fixed: dict[str, object]) -> tuple[tuple[str, str], ...]:
    spec = binding.breakdown
    if isinstance(spec, SameAs):
        return walk.first(spec.other).breakdown
    if isinstance(spec, dict):
        ((dimension, member),) = spec.items()
        _ensure_dimension(walk, subject, dimension, member)
        return ((dimension, member),)
    if "dimension" in fixed and fixed["dimension"] == ():
        return ()
    if spec == "any" and "dimension" not in fixed:
        order = ("member", "total") if measure in ("share", "share_change") else ("total", "member")
        spec = walk.draw(st.sampled_from(order))
    if spec == "total":
        return ()
    return _member(walk, subject, fixed)


def _member(walk: _Walk, subject: str, fixed: dict[str, object]) -> tuple[tuple[str, str], ...]:
    """One member of one dimension; in a group over breakdown_by, of the group's dimension and not taken yet."""
    dimensions = walk.economy.subjects[subject].dimensions
    if "dimension" in fixed:
        (dimension,) = fixed["dimension"]  # type: ignore[misc]
    else:
        known = list(dimensions)
        fresh = [name for name in DIMENSIONS if name not in known]
        dimension = walk.draw(st.sampled_from(known + fresh[:1])) if known else next(iter(DIMENSIONS))
    _ensure_dimension(walk, subject, dimension, None)
    taken = {dict(b).get(dimension) for b in fixed.get("taken", ())}  # type: ignore[union-attr]
    free = [m for m in dimensions[dimension].members if m not in taken]
    if not free:
        raise _Reject
    return ((dimension, walk.draw(st.sampled_from(free))),)


def _ensure_dimension(walk: _Walk, subject: str, dimension: str, member: str | None) -> None:
    """Draw the dimension's members and how they split the total, the first time it is named.

    A member named by a rule (``breakdown: {product: tapis}``) joins before any value is derived.
    """
    dimensions = walk.economy.subjects[subject].dimensions
    draw = walk.draw
    if dimension not in dimensions:
        pool = DIMENSIONS.get(dimension, tuple(f"{dimension}_{i}" for i in range(1, 6)))
        members = pool[: draw(st.integers(2, len(pool)))]
        dimensions[dimension] = Dimension(members, (), _trend(draw, 30, 90))
    current = dimensions[dimension]
    members = current.members if member is None or member in current.members else current.members + (member,)
    if len(members) > MAX_MEMBERS:
        raise _Reject
    weights = current.weights + tuple(_trend(draw, 1, 10) for _ in range(len(members) - len(current.weights)))
    dimensions[dimension] = Dimension(members, weights, current.coverage)


def _trend(draw: st.DrawFn, low: int, high: int) -> Trend:
    return Trend(float(draw(st.integers(low, high))), draw(st.integers(-30, 30)), draw(st.integers(0, 40)), draw(st.integers(0, 1000)))


# periods ----------------------------------------------------------------------------------


def _period(walk: _Walk, binding: Binding, fixed: dict[str, object]) -> Period:
    if "period" in fixed:
        return fixed["period"]  # type: ignore[return-value]
    relation = binding.period
    least = _least_months(walk.rule, binding.name)
    if relation is None:
        return _reused_or_new(walk, least)
    if relation.kind == "literal":
        return Period.parse(relation.literal or "")
    other = walk.first(relation.other or "")
    if relation.kind in ("same", "base_of") and binding.stand_in_months and walk.draw(st.booleans()):
        needed = other.period if relation.kind == "same" else other.base
        if needed is None:
            raise _Reject
        return _longer(walk.draw, needed, binding.stand_in_months)
    if relation.kind == "same":
        return other.period
    if relation.kind in ("start_of", "end_of"):
        year = (other.period.start if relation.kind == "start_of" else other.period.end) // 12
        return Period(year * 12, year * 12 + 11)
    if relation.kind == "base_of":
        if other.base is None:
            raise _Reject
        return other.base
    if relation.kind in ("within", "strictly_within"):
        return _within(walk.draw, other.period, strictly=relation.kind == "strictly_within", least=least)
    return _around(walk.draw, other.period, strictly=relation.kind == "strictly_contains")


def _span(walk: _Walk, binding: Binding) -> Period:
    """An average growth's period: the same span as a related one, or 2 to 5 whole years."""
    relation = binding.period
    if relation is not None and relation.kind == "same":
        span = walk.first(relation.other or "").period
        if span.start % 12 or span.end % 12 != 11 or span.months < 24:
            raise _Reject
        return span
    if relation is not None:
        raise _Reject  # no other relation gives a span of whole years
    first = walk.draw(st.integers(FIRST_YEAR, LAST_YEAR - 2))
    last = walk.draw(st.integers(first + 2, min(first + 5, LAST_YEAR)))
    return Period(first * 12, last * 12 + 11)


def _least_months(rule: Rule, name: str) -> int:
    """2 when a later binding's period lies strictly within this one's: it needs room for a part."""
    inside = any(b.period is not None and b.period.kind == "strictly_within" and b.period.other == name for b in rule.bindings)
    return 2 if inside else 1


def _reused_or_new(walk: _Walk, least: int) -> Period:
    usable = [p for p in walk.periods if p.months >= least]
    if usable and not walk.draw(st.booleans()):  # shrinks towards fewer periods
        return walk.draw(st.sampled_from(usable))
    period = walk.draw(_new_period(least))
    walk.periods.append(period)
    return period


@st.composite
def _new_period(draw: st.DrawFn, least: int = 1) -> Period:
    """A period a paper prints: January to some month, a whole year, a quarter, a month, or any run of up to 12 months."""
    year = draw(st.integers(FIRST_YEAR, LAST_YEAR)) * 12
    shape = draw(st.sampled_from(("year to date", "year", "quarter", "month", "run")))
    if shape == "year to date":
        return Period(year, year + draw(st.integers(max(least, 1) - 1, 10)))
    if shape == "year":
        return Period(year, year + 11)
    if shape == "quarter":
        start = year + 3 * draw(st.integers(0, 3))
        return Period(start, start + 2)
    if shape == "month" and least == 1:
        month = year + draw(st.integers(0, 11))
        return Period(month, month)
    start = year + draw(st.integers(0, 11))
    return Period(start, start + draw(st.integers(least - 1, 11)))


def _longer(draw: st.DrawFn, needed: Period, most: int) -> Period:
    """A period up to ``most`` months longer that contains the needed one: the stand-in a desk prints."""
    extra = draw(st.integers(1, most))
    before = draw(st.integers(0, extra))
    return Period(needed.start - before, needed.end + extra - before)


def _within(draw: st.DrawFn, outer: Period, strictly: bool, least: int) -> Period:
    if strictly and outer.months < 2:
        raise _Reject
    for _ in range(3):
        start = draw(st.integers(outer.start, outer.end))
        end = draw(st.integers(start, outer.end))
        inner = Period(start, end)
        if inner.months >= least and not (strictly and inner == outer):
            return inner
    raise _Reject


def _around(draw: st.DrawFn, inner: Period, strictly: bool) -> Period:
    before = draw(st.integers(1 if strictly else 0, 12)) if draw(st.booleans()) else inner.start % 12  # back to January, or any
    after = draw(st.integers(0, 12))
    if strictly and before == 0 and after == 0:
        after = 1
    return Period(inner.start - before, inner.end + after)


def _compared_to(walk: _Walk, binding: Binding, measure: str, period: Period) -> Period | None:
    """The printed base period of a growth or share change: as related, or mostly the default year earlier."""
    if measure not in COMPARATIVE_MEASURES:
        return None
    if binding.compared_to is not None:
        base = walk.first(binding.compared_to.other).base
        if base is None or _overlap(base, period):
            raise _Reject
    else:
        shift = walk.draw(st.sampled_from((12, 12, 24, period.months)))
        base = Period(period.start - shift, period.end - shift)
        if _overlap(base, period):
            return None
    if base == period.year_earlier() and not walk.draw(st.booleans()):
        return None  # printed without a base: the same months a year earlier, as most papers do
    return base


def _overlap(a: Period, b: Period) -> bool:
    return a.start <= b.end and b.start <= a.end


# sources ------------------------------------------------------------------------------------


def _source(walk: _Walk, binding: Binding, fixed: dict[str, object]) -> str:
    if "source" in fixed:
        return str(fixed["source"])
    if isinstance(binding.source, SameAs):
        return walk.first(binding.source.other).source
    avoid = walk.first(binding.source.other).source if isinstance(binding.source, OtherThan) else None
    known = [s.id for s in walk.sources if s.id != avoid]
    if known and not walk.draw(st.booleans()):  # shrinks towards fewer desks
        return walk.draw(st.sampled_from(known))
    source = Source(
        id=f"desk-{len(walk.sources)}",
        title=f"Article {len(walk.sources)}",
        outlet=walk.draw(st.sampled_from(OUTLETS)),
        language=walk.draw(st.sampled_from(("fr", "en"))),
        rounding=walk.draw(st.sampled_from(tuple(Rounding))),
    )
    walk.sources.append(source)
    return source.id


# --- true values, printed ---------------------------------------------------------------------


@st.composite
def _printed_claim(draw: st.DrawFn, economy: Economy, draft: Draft, source: Source) -> PrintedClaim:
    figure, true = draw(_figure(economy, draft, source))
    return PrintedClaim(
        binding=draft.binding,
        measure=draft.measure,
        subject=draft.subject,
        breakdown=dict(draft.breakdown),
        period=str(draft.period),
        compared_to=None if draft.compared_to is None else str(draft.compared_to),
        source=source.id,
        language=source.language,
        rounding=str(source.rounding),
        figure=figure,
        true=true,
    )


@st.composite
def _figure(draw: st.DrawFn, economy: Economy, draft: Draft, source: Source) -> tuple[str, str]:
    """The figure as printed, and the true value it stands for (for a person reading the counter-example)."""
    subject, breakdown, period, base = draft.subject, dict(draft.breakdown), draft.period, draft.base
    match draft.measure:
        case "level" | "count":
            kind = "count" if draft.measure == "count" else economy.subjects[subject].kind
            value = economy.level(subject, breakdown, period)
            return draw(printed(value, kind, source)).text, f"{value} {kind}"
        case "growth":
            percent = economy.growth(subject, breakdown, period, base)  # type: ignore[arg-type]
            return draw(printed_growth(percent, source, draft.printed)).text, f"{_shown(percent)} percent"
        case "share":
            percent = economy.share(subject, breakdown, period)
            return draw(printed_share(percent, source, words=draft.printed is None)).text, f"{_shown(percent)} percent"
        case "share_change":
            points = economy.share_change(subject, breakdown, period, base)  # type: ignore[arg-type]
            return draw(printed(points, "points", source, signed=True)).text, f"{_shown(points)} points"
        case "average_growth":
            percent = economy.average_growth(subject, breakdown, period)
            return draw(printed(percent, "percent", source, signed=True)).text, f"{_shown(percent)} percent a year"
        case "category":
            spellings = CATEGORIES[economy.category(subject, breakdown, period, len(CATEGORIES))]
            return draw(st.sampled_from(spellings)), spellings[0]
    raise AssertionError(draft.measure)


def _shown(value: Fraction) -> str:
    return f"{as_decimal(value):.6f}".rstrip("0").rstrip(".")


__all__ = ["PrintedClaim", "World", "Draft", "consistent_worlds", "not_generated", "MODELLED_MEASURES"]
