"""The figure parser never fails but as documented: any text, any structured value, a FigureError or a reading.

What a reading must be: bounds that are not NaN, in order, and, where a number was
printed, finite (a printed number is never "any value"; one beyond a double's range is
a FigureError saying it is unrepresentable).
"""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from service.figures import CURRENCIES, QUALIFIERS, SCALES, FigureError, ParsedFigure, Rounding, figure_from_value, parse_figure

WORDS = sorted(QUALIFIERS) + sorted(SCALES) + sorted(CURRENCIES) + [
    "%", "pour cent", "points", "hausse", "baisse", "de", "fois", "MMDH", "MDH", "Md", "e308", "1e308", "-", "+", "(", ")",
    ",", ".", "\u00a0", "\u202f", "\u0640", "\u200f", "٥", "١٤", "\x00", "½", "∞", "inf", "nan", "NaN", "1" * 320,
]
numbers = st.one_of(
    st.integers(min_value=-(10**400), max_value=10**400).map(str),
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
    st.floats().map(repr),
    st.from_regex(r"-?[0-9]{1,3}([ .,\u00a0][0-9]{3}){0,120}([.,][0-9]{1,12})?", fullmatch=True),
)
figure_texts = st.one_of(
    st.text(max_size=60),
    st.lists(st.one_of(numbers, st.sampled_from(WORDS)), max_size=8).map(" ".join),
    st.lists(st.one_of(numbers, st.sampled_from(WORDS), st.text(max_size=4)), max_size=6).map("".join),
)


def holds(parsed: ParsedFigure) -> None:
    lo, hi = parsed.interval.lo, parsed.interval.hi
    assert not math.isnan(lo) and not math.isnan(hi) and lo <= hi, parsed
    if parsed.value is not None:
        assert math.isfinite(parsed.value), parsed
        assert math.isfinite(lo) or math.isfinite(hi), f"a printed number read as any value: {parsed}"


@settings(max_examples=400, deadline=None)
@given(figure_texts, st.sampled_from(["fr", "en"]), st.sampled_from(list(Rounding)))
def test_any_text_is_read_or_refused_with_a_figure_error(text: str, lang: str, rounding: Rounding) -> None:
    try:
        parsed = parse_figure(text, lang, rounding)
    except FigureError:
        return
    holds(parsed)


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(st.floats(), numbers, st.text(max_size=20), st.integers(min_value=-(10**400), max_value=10**400)),
    st.one_of(st.sampled_from(["MAD", "MMDH", "count", "percent", "points", "%", "milliards de dirhams", "fois"]), st.text(max_size=12)),
    st.one_of(st.none(), st.sampled_from(sorted(QUALIFIERS)), st.text(max_size=10)),
)
def test_any_structured_value_is_read_or_refused_with_a_figure_error(value: object, unit: str, qualifier: str | None) -> None:
    try:
        parsed = figure_from_value(value, unit, qualifier)  # type: ignore[arg-type]
    except FigureError:
        return
    holds(parsed)
