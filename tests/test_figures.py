"""Printed figures -> intervals: the articles' own figures, and properties over any number."""

from __future__ import annotations

import doctest
import json
import math
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from service import figures
from service.figures import (
    QUALIFIER_KEYS,
    QUALIFIERS,
    FigureError,
    Rounding,
    figure_from_value,
    parse_figure,
)
from service.intervals import INF, Interval
from service.units import CANONICAL_UNITS

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

# --- generation helpers (local: tests/strategies.py belongs to another module) ---

GROUP_SEPARATORS = {"fr": [".", " ", "\u00a0", "\u202f"], "en": [",", " ", "\u00a0", "\u202f"]}
DECIMAL_MARKS = {"fr": ",", "en": "."}
OTHER_LANG = {"fr": "en", "en": "fr"}


@dataclass(frozen=True)
class Printed:
    """A number as a newspaper in one language prints it, and what it means."""

    text: str
    value: Decimal
    unit_of_last_digit: Decimal
    style: str


@st.composite
def printed_numbers(draw: st.DrawFn) -> Printed:
    style = draw(st.sampled_from(["fr", "en"]))
    integer = draw(st.integers(0, 10**9))
    places = draw(st.integers(0, 6))
    decimals = f"{draw(st.integers(0, 10**places - 1)):0{places}d}" if places else ""
    negative = draw(st.booleans())
    sign = draw(st.sampled_from(["-", "\u2212"] if negative else ["", "+"]))
    group = draw(st.sampled_from([None, *GROUP_SEPARATORS[style]]))
    integer_text = str(integer) if group is None else f"{integer:,}".replace(",", group)
    text = sign + integer_text + (DECIMAL_MARKS[style] + decimals if places else "")
    value = Decimal(("-" if negative else "") + str(integer) + (f".{decimals}" if places else ""))
    return Printed(text, value, Decimal(1).scaleb(-places), style)


def read_the_other_way_in_other_language(text: str) -> bool:
    """One '.' or ',' before exactly three final digits: the two languages disagree on it."""
    return re.fullmatch(r"[+\-\u2212]?[0-9]{1,3}[.,][0-9]{3}", text) is not None


@st.composite
def plain_decimals(draw: st.DrawFn) -> Decimal:
    """Decimals whose str() is plain notation, as an API client would send them."""
    places = draw(st.integers(0, 6))
    return Decimal(draw(st.integers(-(10**9), 10**9))).scaleb(-places)


def close_to(actual: float, expected: Decimal, magnitude: Decimal) -> bool:
    # Bounds near 10^9 printed to 6 decimals sit at the limit of a float's digits:
    # the width is exact in Decimal but each float bound carries half an ulp.
    slack = 4 * math.ulp(float(abs(magnitude)) + 1)
    return math.isclose(actual, float(expected), rel_tol=1e-9, abs_tol=slack)


# --- the articles' figures ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "lang", "lo", "hi", "unit"),
    [
        ("1,14 milliard de dirhams (MMDH)", "fr", 1.135e9, 1.145e9, "MAD"),
        ("quelque 1,23 milliard de dirhams", "fr", 1.225e9, 1.235e9, "MAD"),
        ("hausse de 13%", "fr", 12.5, 13.5, "percent"),
        ("11 %", "fr", 10.5, 11.5, "percent"),
        ("903 millions de dirhams", "fr", 902.5e6, 903.5e6, "MAD"),
        ("903 million dirhams", "en", 902.5e6, 903.5e6, "MAD"),
        ("approximately 1.11 billion dirhams", "en", 1.105e9, 1.115e9, "MAD"),
        ("près de 440.000", "fr", 430000, 440000.5, "count"),
        ("quelque 2.520.000", "fr", 2515000, 2525000, "count"),
        ("près de 52,5 millions de dirhams", "fr", 52.4e6, 52.55e6, "MAD"),
        ("plus de 47 %", "fr", 46.5, INF, "percent"),
        ("reculer de 8 points", "fr", -8.5, -7.5, "points"),
        ("multiplié par trois", "fr", 150, 250, "percent"),
        ("en hausse", "fr", 0, INF, "percent"),
        ("la majorité", "fr", 50, 100, "percent"),
        ("environ 3.900", "fr", 3850, 3950, "count"),
        ("environ 2,4 millions", "fr", 2.35e6, 2.45e6, "count"),
        ("progression de 27 % en glissement annuel", "fr", 26.5, 27.5, "percent"),
        ("ont bondi de 83 %", "fr", 82.5, 83.5, "percent"),
        ("7,4 %", "fr", 7.35, 7.45, "percent"),
        ("doublé", "fr", 50, 150, "percent"),
        ("more than 7,000", "en", 6999.5, INF, "count"),
        ("about 250", "en", 245, 255, "count"),
        ("over 4,400", "en", 4399.5, INF, "count"),
        ("three", "en", 2.5, 3.5, "count"),
        ("Trois", "fr", 2.5, 3.5, "count"),
    ],
)
def test_article_figures(text: str, lang: str, lo: float, hi: float, unit: str) -> None:
    figure = parse_figure(text, lang)
    assert (figure.interval.lo, figure.interval.hi, figure.unit) == (lo, hi, unit)


def test_bounds_are_the_floats_of_exact_decimals() -> None:
    figure = parse_figure("1,14 milliard de dirhams (MMDH)")
    assert figure.interval.lo == float(Decimal("1.135e9"))
    assert figure.interval.hi == float(Decimal("1.145e9"))
    assert figure.value == 1.14e9


@pytest.mark.parametrize(
    ("text", "lang", "value"),
    [
        ("1.14", "fr", 1.14),
        ("1.14", "en", 1.14),
        ("1,14", "en", 1.14),
        ("2,520,000", "en", 2520000),
        ("2,520,000", "fr", 2520000),
        ("2.520.000", "en", 2520000),
        ("440.000", "fr", 440000),
        ("1.140", "fr", 1140),
        ("1,140", "fr", 1.14),
        ("1,140", "en", 1140),
        ("7,000", "en", 7000),
        ("52,5", "fr", 52.5),
        ("1 234,5", "fr", 1234.5),
        ("1\u00a0234,5", "fr", 1234.5),
        ("1\u202f234,5", "fr", 1234.5),
        ("1.234,5", "fr", 1234.5),
        ("1,234.5", "en", 1234.5),
        ("+13", "fr", 13),
        ("-8", "fr", -8),
        ("\u22128", "fr", -8),
        ("douze", "en", 12),
        ("twelve", "fr", 12),
    ],
)
def test_number_separators(text: str, lang: str, value: float) -> None:
    assert parse_figure(text, lang).value == value


def test_precision_of_the_last_printed_digit() -> None:
    assert parse_figure("1,140").interval == Interval(1.1395, 1.1405)
    assert parse_figure("2.520.000").interval == Interval(2519999.5, 2520000.5)
    assert parse_figure("70").interval == Interval(69.5, 70.5)


@pytest.mark.parametrize(
    ("text", "lang", "lo", "hi", "unit", "value"),
    [
        ("-8 points", "fr", -8.5, -7.5, "points", -8),
        ("\u22128 pts", "fr", -8.5, -7.5, "points", -8),
        ("8 pp", "en", 7.5, 8.5, "points", 8),
        ("8 points de pourcentage", "fr", 7.5, 8.5, "points", 8),
        ("down 8 percentage points", "en", -8.5, -7.5, "points", -8),
        ("+13 pour cent", "fr", 12.5, 13.5, "percent", 13),
        ("13 per cent", "en", 12.5, 13.5, "percent", 13),
        ("13 percent", "en", 12.5, 13.5, "percent", 13),
        ("baisse de 8 %", "fr", -8.5, -7.5, "percent", -8),
        ("en baisse", "fr", -INF, 0, "percent", None),
        ("baisse de plus de 8 %", "fr", -INF, -7.5, "percent", -8),
        ("multiplied by 3", "en", 150, 250, "percent", 200),
        ("x3", "en", 150, 250, "percent", 200),
        ("×3", "fr", 150, 250, "percent", 200),
        ("tripled", "en", 150, 250, "percent", 200),
        ("a doublé", "fr", 50, 150, "percent", 100),
        ("ont doublé", "fr", 50, 150, "percent", 100),
        ("quadruplé", "fr", 250, 350, "percent", 300),
        ("multiplié par 1,5", "fr", 45, 55, "percent", 50),
        ("more than doubled", "en", 50, INF, "percent", 100),
        ("the majority", "en", 50, 100, "percent", None),
        ("most", "en", 50, 100, "percent", None),
        ("2,4 millions", "fr", 2.35e6, 2.45e6, "count", 2.4e6),
        ("10k", "en", 9500, 10500, "count", 10000),
        ("1,14 MMDH", "fr", 1.135e9, 1.145e9, "MAD", 1.14e9),
        ("52,5 MDH", "fr", 52.45e6, 52.55e6, "MAD", 52.5e6),
        ("30 Mds DH", "fr", 29.5e9, 30.5e9, "MAD", 30e9),
        ("1.2 bn MAD", "en", 1.15e9, 1.25e9, "MAD", 1.2e9),
        ("300 Dhs", "fr", 299.5, 300.5, "MAD", 300),
        ("jusqu’à 20 %", "fr", -INF, 20.5, "percent", 20),
        ("au-delà de 20 %", "fr", 19.5, INF, "percent", 20),
        ("PRES DE 20 %", "fr", 10, 20.5, "percent", 20),
        ("6 par région en moyenne", "fr", 5.5, 6.5, "count", 6),
        ("up 11% year-on-year", "en", 10.5, 11.5, "percent", 11),
    ],
)
def test_units_directions_multiples(
    text: str, lang: str, lo: float, hi: float, unit: str, value: float | None
) -> None:
    figure = parse_figure(text, lang)
    assert (figure.interval.lo, figure.interval.hi, figure.unit, figure.value) == (lo, hi, unit, value)


def test_truncation() -> None:
    assert parse_figure("1,14", rounding=Rounding.TRUNCATE).interval.lo == 1.14
    assert parse_figure("1,14", rounding=Rounding.TRUNCATE).interval.hi == 1.15
    assert parse_figure("-8 points", rounding="truncate").interval.lo == -9
    assert parse_figure("-8 points", rounding="truncate").interval.hi == -8


def test_explanation_names_every_step() -> None:
    explanation = parse_figure("quelque 1,23 milliard de dirhams").explanation
    assert "'1,23' read as 1.23 (decimal comma)" in explanation
    assert "last printed digit is hundredths: ±0.005" in explanation
    assert "'milliard' scales by 10^9" in explanation
    assert "'dirhams' is MAD" in explanation
    widening = [step for step in explanation if step.startswith("'quelque' (about) is rounded")]
    assert widening and widening[0].endswith("[1.225, 1.235]")
    context = parse_figure("6 par région en moyenne").explanation
    assert "per région" in context and "'en moyenne' ignored" in context


def test_qualifier_is_reported_by_key() -> None:
    assert parse_figure("près de 440.000").qualifier == "nearly"
    assert parse_figure("11 %").qualifier is None


# --- errors ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "part"),
    [
        ("70 salons", "salons"),
        ("abc", "abc"),
        ("", ""),
        ("   ", ""),
        ("13 % à 20 %", "20"),
        ("milliard de dirhams", "milliard"),
        ("environ", "environ"),
        ("1,14 milliard de dirhams (MDH)", "(MDH)"),
        ("(18 %)", "(18 %)"),
        ("13 € ", "€"),
        ("baisse de -8 %", "-8"),
        ("1.2.3", "1.2.3"),
        ("3 doublé", "doublé"),
        ("la majorité 60 %", "60"),
        ("20 % environ", "environ"),
        ("13 % points", "points"),
        ("12 % millions", "millions"),
        ("multiplié par", "multiplié par"),
    ],
)
def test_unreadable_text_names_the_part(text: str, part: str) -> None:
    with pytest.raises(FigureError) as caught:
        parse_figure(text)
    assert caught.value.part == part
    assert caught.value.text == text
    if part:
        assert repr(part) in str(caught.value)


def test_figure_error_is_a_value_error_with_a_sentence() -> None:
    error = FigureError("70 salons", "salons", "is not a number")
    assert isinstance(error, ValueError)
    assert str(error) == "cannot read '70 salons' as a figure: 'salons' is not a number"


# --- the structured form -------------------------------------------------------------


def test_structured_value() -> None:
    assert figure_from_value(1.14, "MMDH").interval == parse_figure("1,14 MMDH").interval
    assert figure_from_value("1.10", "MMDH", "quelque").interval.lo == 1.095e9
    assert figure_from_value("52.5", "MDH", "nearly").interval.hi == 52.55e6
    assert figure_from_value("47", "%", "more_than").interval.hi == INF
    assert figure_from_value("3", "x").interval.lo == 150
    assert figure_from_value("-8", "pp").interval.lo == -8.5
    assert figure_from_value("1,14", "dirhams", lang="fr").unit == "MAD"
    assert figure_from_value("2520000", "count").value == 2520000
    # A float's precision is its repr(): 3.0 has a tenths digit.
    assert figure_from_value(3.0, "count").interval.width == pytest.approx(0.1)


@pytest.mark.parametrize(
    ("arguments", "part"),
    [
        (("1", "parsecs"), "parsecs"),
        (("1", "%", "vaguely"), "vaguely"),
        ((math.nan, "%"), "nan"),
        (("1,2,3", "%"), "1,2,3"),
    ],
)
def test_structured_errors_name_the_part(arguments: tuple, part: str) -> None:
    with pytest.raises(FigureError) as caught:
        figure_from_value(*arguments)
    assert caught.value.part == part


# --- docs and fixtures stay honest ------------------------------------------------------


def test_docstring_table_lists_every_qualifier() -> None:
    doc = figures.__doc__
    for word, key in QUALIFIERS.items():
        assert word in doc, word
        assert key in QUALIFIER_KEYS
    for key in QUALIFIER_KEYS:
        assert key in doc


def test_doctests() -> None:
    assert doctest.testmod(figures).failed == 0


def _fixture_figures() -> list[tuple[str, str]]:
    pairs = []
    for path in sorted(FIXTURES.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or "claims" not in data:
            continue
        languages = {source["id"]: source.get("language", "fr") for source in data.get("sources", [])}
        for claim in data["claims"]:
            if claim.get("measure") != "category":
                pairs.append((claim["figure"], languages.get(claim["source"], "fr")))
    return pairs


@pytest.mark.parametrize(("text", "lang"), _fixture_figures())
def test_every_fixture_figure_parses(text: str, lang: str) -> None:
    figure = parse_figure(text, lang)
    assert figure.unit in CANONICAL_UNITS
    assert figure.value is None or figure.interval.contains(figure.value)


# --- properties -------------------------------------------------------------------------
# No deadline: whichever property runs first pays for building pint's registry.
unhurried = settings(deadline=None)


@unhurried
@given(printed_numbers())
def test_a_printed_number_is_read_one_last_digit_wide(printed: Printed) -> None:
    interval = parse_figure(printed.text, printed.style).interval
    assert interval.contains(float(printed.value))
    assert close_to(interval.width, printed.unit_of_last_digit, printed.value)


@unhurried
@given(printed_numbers())
def test_the_other_language_reads_unambiguous_print_alike(printed: Printed) -> None:
    assume(not read_the_other_way_in_other_language(printed.text))
    own = parse_figure(printed.text, printed.style)
    other = parse_figure(printed.text, OTHER_LANG[printed.style])
    assert (own.interval, own.value) == (other.interval, other.value)


@unhurried
@given(printed_numbers())
def test_qualifiers_only_widen(printed: Printed) -> None:
    plain = parse_figure(printed.text, printed.style).interval
    for word, key in QUALIFIERS.items():
        qualified = parse_figure(f"{word} {printed.text}", printed.style)
        assert qualified.interval.encloses(plain), word
        assert qualified.qualifier == key


@unhurried
@given(printed_numbers())
def test_truncation_contains_the_number_and_keeps_the_width(printed: Printed) -> None:
    interval = parse_figure(printed.text, printed.style, Rounding.TRUNCATE).interval
    assert interval.contains(float(printed.value))
    assert close_to(interval.width, printed.unit_of_last_digit, printed.value)


@unhurried
@given(plain_decimals(), st.sampled_from(sorted(QUALIFIERS)))
def test_structured_form_reads_like_print(number: Decimal, word: str) -> None:
    structured = figure_from_value(str(number), "percent")
    printed = parse_figure(f"{number} %", "en")
    assert (structured.interval, structured.unit, structured.value, structured.qualifier) == (
        printed.interval, printed.unit, printed.value, printed.qualifier,
    )  # fmt: skip
    qualified = figure_from_value(str(number), "percent", QUALIFIERS[word])
    assert qualified.interval == parse_figure(f"{word} {number} %", "en").interval
