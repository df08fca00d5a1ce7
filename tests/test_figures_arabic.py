"""Arabic printed figures -> intervals: as Moroccan offices and the Arabic-language press print them."""

from __future__ import annotations

import doctest
import math
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service import arabic, quotes
from service.figures import QUALIFIER_KEYS, FigureError, parse_figure
from service.intervals import Interval

RLM, LRM, ALM, TATWEEL = "\u200f", "\u200e", "\u061c", "\u0640"

# --- printing a number the Arabic ways (the test's own printer, not the service's) ---------

DIGIT_SETS = {
    "western": "0123456789",
    "arabic-indic": arabic.ARABIC_INDIC_DIGITS,
    "persian": arabic.PERSIAN_DIGITS,
}
# (decimal mark, thousands separator): the Arabic separators, the Moroccan press's comma and point,
# and the Arabic comma some of the press writes between digits for the decimal mark.
SEPARATORS = {"arabic": ("٫", "٬"), "press": (",", "."), "arabic comma": ("،", "٬")}
SCALE_WORDS = {"": 0, "ألف": 3, "آلاف": 3, "مليون": 6, "ملايين": 6, "مليونا": 6, "مليار": 9, "مليارات": 9, "مليارا": 9}


def _in_digits(text: str, digits: str) -> str:
    return "".join(digits[int(c)] if c.isdigit() else c for c in text)


def _print_number(integer: int, decimals: str, digits: str, separators: tuple[str, str], grouped: bool) -> str:
    decimal_mark, group = separators
    whole = f"{integer:,}".replace(",", group) if grouped else str(integer)
    text = whole + (decimal_mark + decimals if decimals else "")
    return _in_digits(text, digits)


@st.composite
def arabic_numbers(draw: st.DrawFn) -> tuple[str, Decimal, Decimal, int]:
    """(printed, true value, one unit of the last printed digit, scale exponent)."""
    places = draw(st.integers(0, 6))
    integer = draw(st.integers(0, 10**12))
    decimals = "".join(str(d) for d in draw(st.lists(st.integers(0, 9), min_size=places, max_size=places)))
    digits = DIGIT_SETS[draw(st.sampled_from(sorted(DIGIT_SETS)))]
    separators = SEPARATORS[draw(st.sampled_from(sorted(SEPARATORS)))]
    # The press's point groups thousands only when it is not read as a decimal: a lone group
    # of three after the point is always grouping in ar (as in Moroccan French), so any integer may be grouped.
    grouped = draw(st.booleans())
    scale = draw(st.sampled_from(sorted(SCALE_WORDS)))
    printed = _print_number(integer, decimals, digits, separators, grouped) + (f" {scale}" if scale else "")
    value = Decimal(f"{integer}.{decimals}" if decimals else str(integer))
    return printed, value, Decimal(1).scaleb(-places), SCALE_WORDS[scale]


@given(arabic_numbers())
def test_an_arabic_printed_number_is_the_interval_of_its_last_digit(case: tuple[str, Decimal, Decimal, int]) -> None:
    printed, value, unit, exponent = case
    parsed = parse_figure(printed, "ar")
    true_value = float(value.scaleb(exponent))
    assert parsed.interval.lo <= true_value <= parsed.interval.hi, (printed, parsed.explanation)
    # One unit of the last printed digit wide, centred on the number (half up), exact before the floats.
    lo, hi = (value - unit / 2).scaleb(exponent), (value + unit / 2).scaleb(exponent)
    assert parsed.interval == Interval(float(lo), float(hi)), (printed, parsed.explanation)
    assert parsed.unit == "count"


@given(arabic_numbers())
def test_the_same_number_printed_in_french_reads_the_same(case: tuple[str, Decimal, Decimal, int]) -> None:
    printed, value, unit, exponent = case
    places = -unit.as_tuple().exponent
    french = f"{value:.{places}f}".replace(".", ",")
    scale = {0: "", 3: " mille", 6: " millions", 9: " milliards"}[exponent]
    assert parse_figure(printed, "ar").interval == parse_figure(french + scale, "fr").interval


@given(arabic_numbers(), st.sampled_from(sorted(arabic.QUALIFIERS)), st.sampled_from(["", " درهم", " ٪", " في المائة", " نقاط"]))
def test_an_arabic_qualifier_only_widens(case: tuple[str, Decimal, Decimal, int], qualifier: str, unit: str) -> None:
    printed = case[0]
    if unit and unit != " درهم":
        printed = printed.rsplit(" ", 1)[0] if case[3] else printed  # a percent or points takes no scale word
    base = parse_figure(printed + unit, "ar").interval
    qualified = parse_figure(f"{qualifier} {printed}{unit}", "ar")
    assert qualified.interval.lo <= base.lo and base.hi <= qualified.interval.hi
    assert qualified.qualifier == arabic.QUALIFIERS[qualifier] in QUALIFIER_KEYS


@given(arabic_numbers())
def test_tatweel_diacritics_direction_marks_and_prefixes_are_read_through(case: tuple[str, Decimal, Decimal, int]) -> None:
    printed = case[0]
    plain = parse_figure(printed, "ar").interval
    stretched = printed.replace("مليار", "ملي" + TATWEEL * 3 + "ار").replace("مليون", "مِلْيُون")
    assert parse_figure(f"{RLM}بـ{stretched}{RLM}", "ar").interval == plain
    assert parse_figure(f"{ALM}و{printed}", "ar").interval == plain


# --- the words, one example each -------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "lo", "hi", "unit"),
    [
        ("1,23 مليار درهم", 1.225e9, 1.235e9, "MAD"),
        ("١٫٢٣ مليار درهم", 1.225e9, 1.235e9, "MAD"),
        ("۱٫۲۳ مليار درهم", 1.225e9, 1.235e9, "MAD"),
        ("903 ملايين درهم", 902.5e6, 903.5e6, "MAD"),
        ("٩٠٣ مليون دراهم", 902.5e6, 903.5e6, "MAD"),
        ("2.520.000", 2519999.5, 2520000.5, "count"),
        ("٢٬٥٢٠٬٠٠٠", 2519999.5, 2520000.5, "count"),
        ("440.000", 439999.5, 440000.5, "count"),
        ("1,140", 1.1395, 1.1405, "count"),
        ("1,14 مليار د.م.", 1.135e9, 1.145e9, "MAD"),
        ("1,14 مليار درهم مغربي", 1.135e9, 1.145e9, "MAD"),
        ("50 درهما", 49.5, 50.5, "MAD"),
        ("15 مليارا", 14.5e9, 15.5e9, "count"),
        ("3 آلاف", 2500, 3500, "count"),
        ("ألفان", 1500, 2500, "count"),
        ("مليونان", 1.5e6, 2.5e6, "count"),
        ("ملياري درهم", 1.5e9, 2.5e9, "MAD"),
        ("13٪", 12.5, 13.5, "percent"),
        ("13 في المائة", 12.5, 13.5, "percent"),
        ("13 في المئة", 12.5, 13.5, "percent"),
        ("13 بالمائة", 12.5, 13.5, "percent"),
        ("8 نقاط", 7.5, 8.5, "points"),
        ("نقطة مئوية واحدة", None, None, None),  # the number after its unit: refused
        ("نقطتين", 1.5, 2.5, "points"),
        ("حوالي 2.520.000", 2515000, 2525000, "count"),
        ("نحو 1,23 مليار درهم", 1.225e9, 1.235e9, "MAD"),
        ("قرابة 440.000", 430000, 440000.5, "count"),
        ("ما يقارب 440.000", 430000, 440000.5, "count"),
        ("أكثر من 47 ٪", 46.5, math.inf, "percent"),
        ("أزيد من 100", 99.5, math.inf, "count"),
        ("ما يفوق 140", 139.5, math.inf, "count"),
        ("أقل من 50", -math.inf, 50.5, "count"),
        ("على الأقل 3", 2.5, math.inf, "count"),
        ("ارتفاع بنسبة 13٪", 12.5, 13.5, "percent"),
        ("بارتفاع 13٪", 12.5, 13.5, "percent"),
        ("زيادة 13٪", 12.5, 13.5, "percent"),
        ("نمو بـ13٪", 12.5, 13.5, "percent"),
        ("انخفاض 8 نقاط", -8.5, -7.5, "points"),
        ("تراجع بـ8 نقاط", -8.5, -7.5, "points"),
        ("بتراجع 8 نقاط", -8.5, -7.5, "points"),
        ("تراجعا بنقطتين", -2.5, -1.5, "points"),
        ("ارتفاع", 0, math.inf, "percent"),
        ("تراجع", -math.inf, 0, "percent"),
        ("تضاعف", 50, 150, "percent"),
        ("تضاعفت", 50, 150, "percent"),
        ("ضعف", 50, 150, "percent"),
        ("ثلاث مرات", 150, 250, "percent"),
        ("لـ3 مرات", 150, 250, "percent"),
        ("3 أضعاف", 150, 250, "percent"),
        ("الأغلبية", 50, 100, "percent"),
        ("و1,2 مليار", 1.15e9, 1.25e9, "count"),
        ("وبـ13٪", 12.5, 13.5, "percent"),
        ("ما قيمته 1,14 مليار درهم", 1.135e9, 1.145e9, "MAD"),
        ("مليـــار", None, None, None),  # a scale without a number: refused
    ],
)
def test_arabic_words(text: str, lo: float | None, hi: float | None, unit: str | None) -> None:
    if unit is None:
        with pytest.raises(FigureError):
            parse_figure(text, "ar")
        return
    parsed = parse_figure(text, "ar")
    assert parsed.interval == Interval(lo, hi), parsed.explanation
    assert parsed.unit == unit


def test_the_reading_says_each_step_in_words() -> None:
    steps = parse_figure("حوالي ١٫٢٣ مليـار درهم", "ar").explanation
    assert steps[0] == "'١٫٢٣' read as 1.23 (Arabic-Indic digits, the Arabic decimal separator '٫')"
    assert "'حوالي' (about) is rounded at its last significant digit: ±0.005: [1.225, 1.235]" in steps
    assert "'مليـار' scales by 10^9" in steps  # the word as printed, tatweel and all
    assert "'درهم' is MAD" in steps
    assert "'بـ' is a prefix (by) attached to what follows" in parse_figure("بـ13٪", "ar").explanation
    assert parse_figure("نقطتين", "ar").explanation[0] == "'نقطتين' read as 2 (a dual: two, an integer)"


@pytest.mark.parametrize(
    ("text", "part"),
    [
        ("بلغت 1,23 مليار درهم", "بلغت"),  # a verb that begins with ب is not cut into a prefix
        ("خمس مرات", "خمس"),  # five, or a fifth: never guess
        ("1,23 مليار دولار", "دولار"),
        ("١٫٢٣٫٤", "١٫٢٣٫٤"),
        ("١٫٢٣,٤", "١٫٢٣,٤"),
        ("13 ٪ على الأقل", "على الأقل"),
        ("1,5 ملياران", "ملياران"),
        ("تضاعفت ثلاث مرات", "ثلاث"),  # doubled three times, or tripled? refused
    ],
)
def test_an_unknown_or_ambiguous_arabic_print_is_refused_by_name(text: str, part: str) -> None:
    with pytest.raises(FigureError) as caught:
        parse_figure(text, "ar")
    assert caught.value.part == part


def test_babel_gives_the_symbols() -> None:
    assert (arabic.ARABIC_DECIMAL_SEPARATOR, arabic.ARABIC_GROUP_SEPARATOR) == ("٫", "٬")
    assert (arabic.PERCENT_SIGN, arabic.DIRHAM_SYMBOL) == ("٪", "د.م.")


# --- quotes: kept as printed, figures found up to digit forms and tatweel -----------------


def test_a_figure_is_found_in_its_quote_up_to_digit_forms_and_tatweel_only() -> None:
    quote = f"{RLM}ونظَّمت الوزارة ٧٥ معرضاً وبلغت العائدات 52,5 مليـ{TATWEEL}ون درهم{RLM}"
    assert quotes.figure_in_quote("75", quote)
    assert quotes.figure_in_quote("۷۵", quote)
    assert quotes.figure_in_quote("52,5 مليون درهم", quote)
    assert not quotes.figure_in_quote("ونظمت", quote)  # a diacritic (shadda) is part of the print
    assert not quotes.figure_in_quote("52.5 مليون درهم", quote)  # a separator is printed, not a digit form
    assert quotes.matching_form(quote).count(RLM) == 2  # direction marks are kept


def test_quotes_doctests() -> None:
    assert doctest.testmod(quotes).failed == 0
