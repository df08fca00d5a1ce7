"""Readings real articles need: a unit left unsaid, the Arabic comma, the dirham's adjective, a conversion in parentheses."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service import arabic
from service.figures import FigureError, UnitError, parse_figure
from service.intervals import Interval

BN = 10**9

# --- a unit left unsaid ------------------------------------------------------------------
# "passé de 1,2 milliard de dirhams en 2023 à 3,6 milliards en 2024": the second figure
# is printed "3,6 milliards"; the article said "dirhams" once, for both.

ELIDED = [
    # (printed, language, unit given, interval, canonical unit)
    ("3,6 milliards", "fr", "MAD", (3.55 * BN, 3.65 * BN), "MAD"),
    ("3.6 billion", "en", "MAD", (3.55 * BN, 3.65 * BN), "MAD"),
    ("٣٫٦ مليار", "ar", "MAD", (3.55 * BN, 3.65 * BN), "MAD"),
    ("3,6", "fr", "MMDH", (3.55 * BN, 3.65 * BN), "MAD"),
    ("quelque 3,6 milliards", "fr", "dirhams", (3.55 * BN, 3.65 * BN), "MAD"),
    ("hausse de 12", "fr", "percent", (11.5, 12.5), "percent"),
    ("reculer de 8", "fr", "points", (-8.5, -7.5), "points"),
    # A unit the text prints as well is checked, not applied twice.
    ("3,6 milliards de dirhams", "fr", "MAD", (3.55 * BN, 3.65 * BN), "MAD"),
    ("1,2 milliard de dirhams", "fr", "MMDH", (1.15 * BN, 1.25 * BN), "MAD"),
    ("12 %", "fr", "percent", (11.5, 12.5), "percent"),
    ("en hausse", "fr", "percent", (0, float("inf")), "percent"),
    ("3,6 milliards", "fr", "count", (3.55 * BN, 3.65 * BN), "count"),
]


@pytest.mark.parametrize(("printed", "lang", "unit", "interval", "canonical"), ELIDED)
def test_a_unit_left_unsaid_is_read_as_if_printed_and_the_scale_stays(printed: str, lang: str, unit: str, interval: tuple, canonical: str) -> None:
    parsed = parse_figure(printed, lang, unit=unit)
    assert (parsed.interval.lo, parsed.interval.hi) == pytest.approx(interval)
    assert parsed.unit == canonical
    assert any(f"'{unit}'" in step for step in parsed.explanation), parsed.explanation


CONTRADICTING = [
    ("3,6 %", "MAD"),  # printed percent, given dirhams
    ("3,6 milliards de dirhams", "percent"),
    ("3,6 milliards", "MMDH"),  # a second scale
    ("3,6 milliards", "percent"),  # a percent takes no scale word
    ("1,2 dirhams", "MMDH"),  # MMDH's scale is not printed
    ("en hausse", "MAD"),  # a direction is a growth in percent
    ("doublé", "MAD"),
    ("la majorité", "count"),
    ("12 %", "count"),
    ("3,6", "furlongs"),  # not a unit at all
    ("3,6", "milliards"),  # a scale is not a unit
    ("3,6", "12"),
]


@pytest.mark.parametrize(("printed", "unit"), CONTRADICTING)
def test_a_unit_that_cannot_be_the_printed_figures_is_refused_naming_it(printed: str, unit: str) -> None:
    with pytest.raises(UnitError) as caught:
        parse_figure(printed, "fr", unit=unit)
    assert caught.value.part == unit
    assert isinstance(caught.value, FigureError), "a UnitError is a FigureError: callers that catch one catch both"


def test_an_unreadable_figure_is_still_the_figures_error_whatever_the_unit() -> None:
    with pytest.raises(FigureError) as caught:
        parse_figure("beaucoup de milliards", "fr", unit="MAD")
    assert not isinstance(caught.value, UnitError)
    assert caught.value.part == "beaucoup"


@st.composite
def french_amounts(draw: st.DrawFn) -> str:
    """A French amount with a scale word and no unit, as the second figure of "passé de ... à ..."."""
    integer = draw(st.integers(0, 999))
    places = draw(st.integers(0, 3))
    decimals = "".join(draw(st.sampled_from("0123456789")) for _ in range(places))
    qualifier = draw(st.sampled_from(["", "près de ", "plus de ", "quelque ", "moins de "]))
    scale = draw(st.sampled_from(["", " mille", " millions", " milliards", " Mds"]))
    return f"{qualifier}{integer}{',' + decimals if decimals else ''}{scale}"


@given(french_amounts(), st.sampled_from(["MAD", "DH", "dirhams", "Dhs"]), st.sampled_from(["half_up", "truncate", "ceiling", "floor"]))
def test_a_unit_given_beside_a_figure_reads_as_the_same_unit_printed_after_it(printed: str, unit: str, rounding: str) -> None:
    given = parse_figure(printed, "fr", rounding, unit=unit)  # type: ignore[arg-type]
    spelled = parse_figure(f"{printed} de {unit}", "fr", rounding)  # type: ignore[arg-type]
    assert (given.interval, given.unit, given.value, given.qualifier) == (spelled.interval, spelled.unit, spelled.value, spelled.qualifier)


# --- the Arabic comma as a decimal mark ----------------------------------------------------
# Part of the Moroccan Arabic press prints 108.7 as "108،7" (U+060C, the Arabic comma).

COMMA = arabic.ARABIC_COMMA
DIGITS = {"western": "0123456789", "arabic-indic": arabic.ARABIC_INDIC_DIGITS, "persian": arabic.PERSIAN_DIGITS}


def _in(digits: str, text: str) -> str:
    return "".join(digits[int(c)] if c.isdigit() else c for c in text)


@st.composite
def arabic_comma_decimals(draw: st.DrawFn) -> tuple[str, Decimal, Decimal]:
    """(printed, value, one unit of the last digit): a decimal with '،' between its digits, perhaps grouped by '٬'."""
    integer = draw(st.integers(0, 10**9))
    places = draw(st.integers(1, 5))
    decimals = "".join(draw(st.sampled_from("0123456789")) for _ in range(places))
    grouped = draw(st.booleans())
    whole = f"{integer:,}".replace(",", arabic.ARABIC_GROUP_SEPARATOR) if grouped else str(integer)
    digits = DIGITS[draw(st.sampled_from(sorted(DIGITS)))]
    return _in(digits, f"{whole}{COMMA}{decimals}"), Decimal(f"{integer}.{decimals}"), Decimal(1).scaleb(-places)


@given(arabic_comma_decimals(), st.sampled_from(["ar", "fr", "en"]), st.sampled_from([("", 0, "count"), (" مليار درهم", 9, "MAD"), (" ٪", 0, "percent"), (" millions de dirhams", 6, "MAD")]))
def test_an_arabic_comma_between_digits_is_the_decimal_mark(case: tuple[str, Decimal, Decimal], lang: str, suffix: tuple[str, int, str]) -> None:
    printed, value, unit = case
    words, exponent, canonical = suffix
    parsed = parse_figure(printed + words, lang)
    lo, hi = (value - unit / 2).scaleb(exponent), (value + unit / 2).scaleb(exponent)
    assert parsed.interval == Interval(float(lo), float(hi)), (printed, parsed.explanation)
    assert parsed.unit == canonical
    assert any("Arabic comma" in step for step in parsed.explanation)


@pytest.mark.parametrize(
    "printed",
    [
        "١٠٨، ٧",  # a comma then a space: a list separator, two numbers
        "108، 7",
        "108 ،7",
        "108،7 و 90،2",  # a list of two decimals is two figures
        "١٠٨،٧، ٩٠،٢",
        "108،",  # a comma after a number ends a clause
        "1.234،5",  # two conventions in one number
        "1٫2،3",  # two decimal marks
        "1،234،5",  # digits after the decimal mark
    ],
)
def test_an_arabic_comma_that_does_not_join_two_digits_of_one_number_is_refused(printed: str) -> None:
    with pytest.raises(FigureError):
        parse_figure(printed, "ar")


def test_the_arabic_comma_reads_in_every_digit_script_alike() -> None:
    assert parse_figure("108،7 مليار درهم", "ar").interval == parse_figure("١٠٨،٧ مليار درهم", "ar").interval == parse_figure("108,7 milliards de dirhams", "fr").interval
    assert parse_figure("۱۰۸،۷", "ar").value == pytest.approx(108.7)


# --- the dirham with its adjective, and a conversion in parentheses ---------------------------

DIRHAM_AMOUNTS = [
    ("120 billion Moroccan dirhams", "en"),
    ("120 billion Moroccan dirham", "en"),
    ("120 milliards de dirhams marocains", "fr"),
    ("120 milliards de dirham marocain", "fr"),
    ("120 milliards de DH", "fr"),
    ("120 Mds DH", "fr"),
    ("120 milliards de Dhs", "fr"),
    ("120 billion MAD", "en"),
    ("120 MMDH", "fr"),
    ("120 مليار درهم مغربي", "ar"),
    ("120 مليار دراهم مغربية", "ar"),
    ("١٢٠ مليار درهم", "ar"),
]


@pytest.mark.parametrize(("printed", "lang"), DIRHAM_AMOUNTS)
def test_the_dirham_is_read_with_or_without_its_adjective(printed: str, lang: str) -> None:
    parsed = parse_figure(printed, lang)
    assert (parsed.interval.lo, parsed.interval.hi, parsed.unit) == (pytest.approx(119.5 * BN), pytest.approx(120.5 * BN), "MAD")


CONVERSIONS = [
    ("120 billion Moroccan dirhams ($11.5 billion)", "en"),
    ("120 billion Moroccan dirhams (about $11.5 billion)", "en"),
    ("120 billion dirhams (US$11.5 billion)", "en"),
    ("120 billion dirhams (11.5 billion US dollars)", "en"),
    ("120 billion dirhams (€10.5 billion)", "en"),
    ("120 milliards de dirhams (11,5 milliards de dollars)", "fr"),
    ("120 milliards de dirhams marocains (soit 10,5 milliards d'euros)", "fr"),
    ("120 milliards de DH (environ 11,5 milliards de dollars US)", "fr"),
    ("120 milliards de DH (10,5 Mds €)", "fr"),
    ("120 مليار درهم (حوالي 11,5 مليار دولار)", "ar"),
    ("120 مليار درهم مغربي (11,5 مليار دولار أمريكي)", "ar"),
]


@pytest.mark.parametrize(("printed", "lang"), CONVERSIONS)
def test_a_conversion_into_another_currency_in_parentheses_is_context_not_a_second_figure(printed: str, lang: str) -> None:
    parsed = parse_figure(printed, lang)
    assert (parsed.interval.lo, parsed.interval.hi, parsed.unit) == (pytest.approx(119.5 * BN), pytest.approx(120.5 * BN), "MAD")
    assert any("another currency" in step for step in parsed.explanation), parsed.explanation


def test_the_same_conversion_reads_after_a_figure_in_1_05_milliard_form() -> None:
    parsed = parse_figure("11,3 milliards de dirhams (1,05 milliard d'euros)", "fr")
    assert (parsed.interval.lo, parsed.interval.hi) == (pytest.approx(11.25 * BN), pytest.approx(11.35 * BN))


@pytest.mark.parametrize(
    ("printed", "lang", "part"),
    [
        ("$11.5 billion", "en", "$"),  # a figure in another currency: Tally reads dirhams
        ("11,5 milliards de dollars", "fr", "dollars"),
        ("11,5 مليار دولار", "ar", "دولار"),
        ("12 % ($11.5 billion)", "en", "($11.5 billion)"),  # converts what is not in dirhams
        ("120 millions ($11.5 million)", "en", "($11.5 million)"),  # a count is no amount of money
        ("120 billion dirhams ($11.5 billion, €10.5 billion)", "en", "($11.5 billion, €10.5 billion)"),  # two amounts
        ("120 billion dirhams ($)", "en", "($)"),  # no amount
        ("120 billion dirhams (11.5 billion dirhams)", "en", "(11.5 billion dirhams)"),  # a second dirham figure
        ("120 billion dirhams ($11.5 billion, up 5 %)", "en", "($11.5 billion, up 5 %)"),
    ],
)
def test_anything_else_in_another_currency_is_refused_by_name(printed: str, lang: str, part: str) -> None:
    with pytest.raises(FigureError) as caught:
        parse_figure(printed, lang)
    assert caught.value.part == part, caught.value


# --- no text crashes the reader -------------------------------------------------------------


@given(st.sampled_from(["3,6 milliards", "12 %", "en hausse", "١٠٨،٧", "doublé", "1,2 milliard de dirhams"]), st.text(max_size=40))
def test_any_unit_beside_a_figure_is_read_or_refused_as_a_unit_error(printed: str, unit: str) -> None:
    try:
        parse_figure(printed, "fr", unit=unit)
    except UnitError as exc:
        assert exc.part == unit
    # Anything else (a crash, or a FigureError blaming the figure) fails the test.


PIECES = [*"0123456789٠١٢٣٤٥٦٧٨٩,.،٫٬ $€()", "dollars", " milliards", " d'euros", "US", "soit ", "environ ", "dirhams", "%"]


@given(st.lists(st.sampled_from(PIECES), max_size=12).map("".join))
def test_any_parenthesised_text_after_a_dirham_figure_is_read_or_refused_by_name(inside: str) -> None:
    try:
        parse_figure(f"1,2 milliard de dirhams ({inside})", "fr")
    except FigureError as exc:
        assert exc.part, exc
