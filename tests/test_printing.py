"""Printing a true value as a reporter would: every figure printed reads back holding the value.

``service.printing`` checks each figure it prints (``check_printed``) and raises
PrintingError otherwise, so drawing figures is the property; the cases below
pin what a qualifier does to the printed number.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.figures import Rounding, parse_figure
from service.printing import PrintingError, check_printed, printed, printed_growth, printed_share, qualifier_words
from service.sources import Source

DESKS = st.builds(
    lambda lang, rounding: Source(id="desk", title="t", outlet="o", language=lang, rounding=rounding),
    st.sampled_from(("fr", "en")),
    st.sampled_from(tuple(Rounding)),
)
PAPER = Source(id="paper", title="t", outlet="o", language="fr")


@settings(max_examples=300, deadline=None)
@given(desk=DESKS, kind=st.sampled_from(("MAD", "count", "percent", "points")), value=st.fractions(-(10**4), 10**4, max_denominator=10**4), data=st.data())
def test_a_printed_number_holds_its_value(desk: Source, kind: str, value: Fraction, data: st.DataObject) -> None:
    if kind in ("MAD", "count"):
        value = abs(value) * data.draw(st.sampled_from((1, 1000, 10**6)))
    if kind == "count":
        value = Fraction(round(value))
    data.draw(printed(value, kind, desk, signed=kind in ("percent", "points")))


@settings(max_examples=200, deadline=None)
@given(desk=DESKS, percent=st.fractions(-99, 900, max_denominator=1000), form=st.sampled_from(("number", "direction", None)), data=st.data())
def test_a_printed_growth_holds_its_value(desk: Source, percent: Fraction, form: str | None, data: st.DataObject) -> None:
    figure = data.draw(printed_growth(percent, desk, form))
    if form is not None:  # a direction word alone has no value; a number or a multiple has one
        assert (form == "direction") == (parse_figure(figure.text, desk.language, desk.rounding).value is None)


@settings(max_examples=100, deadline=None)
@given(desk=DESKS, percent=st.fractions(0, 100, max_denominator=1000), data=st.data())
def test_a_printed_share_holds_its_value(desk: Source, percent: Fraction, data: st.DataObject) -> None:
    data.draw(printed_share(percent, desk))


@pytest.mark.parametrize(("key", "side"), [("more_than", "below"), ("at_least", "below"), ("less_than", "above"), ("at_most", "above"), ("nearly", "above")])
@settings(max_examples=30, deadline=None)
@given(value=st.integers(10**6, 10**10), data=st.data())
def test_an_open_or_near_qualifier_is_printed_on_the_true_side(key: str, side: str, value: int, data: st.DataObject) -> None:
    """'plus de 1,2 milliard' is printed for 1.23 bn, never for 1.17 bn: the printed number stays below the truth."""
    figure = data.draw(printed(value, "MAD", PAPER, qualifiers=(key,), qualify=True))
    parsed = parse_figure(figure.text, "fr")
    assert parsed.value is not None
    assert (parsed.value <= value) if side == "below" else (parsed.value >= value)


@given(word=qualifier_words(lang="fr"))
def test_a_french_desk_qualifies_in_french(word: str) -> None:
    assert word in {"environ", "quelque", "autour de", "approximativement", "près de", "presque", "pas loin de", "plus de", "au-delà de", "au moins", "moins de", "au plus", "jusqu'à", "~"}


def test_a_figure_that_misses_its_value_is_a_printing_error() -> None:
    with pytest.raises(PrintingError):
        check_printed("1,14 milliard de dirhams", PAPER, Decimal("1.2e9"), "MAD")
