"""Printed figures -> intervals: the articles' own figures, and properties over any number."""

from __future__ import annotations

import doctest
import json
import math
import re
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from service import figures
from service.figures import (
    QUALIFIER_KEYS,
    QUALIFIERS,
    DirectionError,
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


# How an office rounds the value it computed, in Decimal's words (ROUND_HALF_UP and
# ROUND_DOWN act on the size; ROUND_CEILING and ROUND_FLOOR on the signed value).
OFFICE_MODES = {
    Rounding.HALF_UP: ROUND_HALF_UP,
    Rounding.TRUNCATE: ROUND_DOWN,
    Rounding.CEILING: ROUND_CEILING,
    Rounding.FLOOR: ROUND_FLOOR,
}


@unhurried
@given(
    st.decimals(-(10**6), 10**6, places=8, allow_nan=False, allow_infinity=False),
    st.integers(0, 6),
    st.sampled_from(list(Rounding)),
    st.sampled_from(["fr", "en"]),
    st.booleans(),
)
def test_an_office_s_print_holds_its_true_value_one_last_digit_wide(
    true: Decimal, decimals: int, rounding: Rounding, lang: str, drops_the_sign_of_zero: bool
) -> None:
    """Any true value, rounded by an office in each mode at any precision, reads back around it.

    Decimal prints a rounded-away fall as ``-0``; a spreadsheet prints ``0``: both are
    tried.  The width is one unit of the last digit, but for an unsigned truncated
    zero, which may be a truncated rise or fall: two units.
    """
    unit = Decimal(1).scaleb(-decimals)
    shown = true.quantize(unit, rounding=OFFICE_MODES[rounding])
    text = f"{shown:f}"
    if shown == 0 and drops_the_sign_of_zero:
        text = text.lstrip("-")
    if lang == "fr":
        text = text.replace(".", ",")
    interval = parse_figure(text, lang, rounding).interval
    assert interval.contains(float(true)), (text, interval)
    unsigned_truncated_zero = rounding is Rounding.TRUNCATE and shown == 0 and not text.startswith("-")
    assert close_to(interval.width, unit * (2 if unsigned_truncated_zero else 1), true)


# Published rounding bounds, each as (printed, their rounding name, our rounding,
# lower, upper, lower included, upper included).
PUBLISHED_BOUNDS = [
    # scrutiny, R/unround.R, rounding_bounds_scalar() with d = 5 / 10^(digits + 1)
    ("8.2", "up_or_down", Rounding.HALF_UP, "8.15", "8.25", True, True),
    ("8.2", "up", Rounding.HALF_UP, "8.15", "8.25", True, False),
    ("8.2", "ceiling", Rounding.CEILING, "8.1", "8.2", False, True),
    ("8.2", "floor", Rounding.FLOOR, "8.2", "8.3", True, False),
    ("8.2", "trunc", Rounding.TRUNCATE, "8.2", "8.3", True, False),
    ("-8.2", "trunc", Rounding.TRUNCATE, "-8.3", "-8.2", False, True),
    ("0.0", "trunc", Rounding.TRUNCATE, "-0.1", "0.1", False, False),
    ("-8.2", "ceiling", Rounding.CEILING, "-8.3", "-8.2", False, True),
    ("-8.2", "floor", Rounding.FLOOR, "-8.2", "-8.1", True, False),
    # scrutiny's vignette "Rounding in depth": unround("8.0"), unround("3.50", rounding = "up")
    ("8.0", "up_or_down", Rounding.HALF_UP, "7.95", "8.05", True, True),
    ("3.50", "up", Rounding.HALF_UP, "3.495", "3.505", True, False),
    # statcheck, R/error_test.R: "a t-value of 2.0 could have been rounded from anywhere
    # between 1.95-2.05", and a negative statistic by the same half unit either side
    ("2.0", "statcheck", Rounding.HALF_UP, "1.95", "2.05", True, True),
    ("-2.0", "statcheck", Rounding.HALF_UP, "-2.05", "-1.95", True, True),
    # statcheck, R/statcheck.R: "a reported t-value of 2.35 could correspond to an actual
    # value of 2.345 to 2.354"; its code (test_stat ± .5 / 10^test_dec) gives 2.355
    ("2.35", "statcheck", Rounding.HALF_UP, "2.345", "2.355", True, True),
]


@pytest.mark.parametrize(
    ("printed", "theirs", "ours", "lower", "upper", "incl_lower", "incl_upper"),
    PUBLISHED_BOUNDS,
    ids=[f"{case[0]}-{case[1]}" for case in PUBLISHED_BOUNDS],
)
def test_published_rounding_bounds(
    printed: str, theirs: str, ours: Rounding, lower: str, upper: str, incl_lower: bool, incl_upper: bool
) -> None:
    """The bounds two published checkers give for a rounded number, and ours.

    Sources, read at these commits:

    * scrutiny (Lukas Jung), https://github.com/lhdjung/scrutiny at a56a945:
      ``R/unround.R`` (``rounding_bounds_scalar()`` and the "Rounding" section of
      ``unround()``, also at https://search.r-project.org/CRAN/refmans/scrutiny/html/unround.html)
      and ``vignettes/rounding-in-depth.Rmd`` (``round_ceiling()`` is IEEE 754's
      roundTowardPositive, ``round_floor()`` roundTowardNegative, ``round_trunc()``
      roundTowardZero: ceiling and floor act on the signed value, as ours do);
    * statcheck (Michèle Nuijten), https://github.com/MicheleNuijten/statcheck at
      b288d94: ``R/error_test.R`` (test_stat ± .5 / 10^test_dec) and ``R/statcheck.R``.

    Their names on ours: ``up_or_down`` (the default) and ``up`` are our ``half_up``
    (``up`` leaves the upper end open, ours keeps the closed hull); ``ceiling``,
    ``floor`` and ``trunc`` are ours of the same meaning (``trunc`` is ``truncate``,
    with the same unsigned zero: (-u, u)).  Not supported as a source's setting:
    ``down`` (half down) and ``even`` (R's ``round()``), whose hull is ``half_up``'s
    anyway; ``anti_trunc`` (away from zero); and a ``threshold`` other than 5.

    Their half-open bounds are stored as the closed hull, and the explanation shows
    the open end; for a fall it shows the size's interval, before the sign mirrors it.
    """
    parsed = parse_figure(printed, "en", ours)
    assert (parsed.interval.lo, parsed.interval.hi) == (float(Decimal(lower)), float(Decimal(upper)))
    if ours is not Rounding.HALF_UP:
        lo, hi = (Decimal(lower), Decimal(upper)) if not printed.startswith("-") else (-Decimal(upper), -Decimal(lower))
        if printed.startswith("-"):
            incl_lower, incl_upper = incl_upper, incl_lower
        shown = ("[" if incl_lower else "(") + f"{lo.normalize():f}, {hi.normalize():f}" + ("]" if incl_upper else ")")
        assert parsed.explanation[1].endswith(shown), parsed.explanation


def test_rounding_names_agree_everywhere() -> None:
    """The source's setting, an example claim's rounding and the CLI offer the same names."""
    from typing import get_args, get_type_hints

    from service.cli import parse as parse_command
    from service.rules.model import ExampleClaim

    names = {r.value for r in Rounding}
    described = get_type_hints(ExampleClaim, include_extras=True)["rounding"]
    assert set(get_args(get_args(described)[0])) == names
    option = next(p for p in parse_command.params if p.name == "rounding")
    assert set(option.type.choices) == names


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


# Verbs and nouns of change as the press conjugates them, written for the reader (not taken
# from any article it is measured on): participles with their auxiliaries and agreements,
# English past tenses with "by", Arabic verbs that agree with a feminine subject.
@pytest.mark.parametrize(
    ("text", "lang", "lo", "hi"),
    [
        ("a augmenté de 6,3 %", "fr", 6.25, 6.35),
        ("ont progressé de 12,4 %", "fr", 12.35, 12.45),
        ("se sont accrues de 4 %", "fr", 3.5, 4.5),
        ("avait grimpé de 2,5 %", "fr", 2.45, 2.55),
        ("un bond de 17 %", "fr", 16.5, 17.5),
        ("ont reculé de 3,1 %", "fr", -3.15, -3.05),
        ("a chuté de 15 %", "fr", -15.5, -14.5),
        ("en repli de 2,1 %", "fr", -2.15, -2.05),
        ("se sont contractées de 0,8 %", "fr", -0.85, -0.75),
        ("rose by 5%", "en", 4.5, 5.5),
        ("have increased by 6.3 percent", "en", 6.25, 6.35),
        ("grew 4.2%", "en", 4.15, 4.25),
        ("fell 3.4%", "en", -3.45, -3.35),
        ("declined by 12%", "en", -12.5, -11.5),
        ("has dropped by 0.7 per cent", "en", -0.75, -0.65),
        ("زادت بنسبة 5 في المائة", "ar", 4.5, 5.5),
        ("قفزت بنسبة 20 في المائة", "ar", 19.5, 20.5),
        ("هبطت بـ 3,2 في المائة", "ar", -3.25, -3.15),
        ("بانكماش نسبته 1,5 في المائة", "ar", -1.55, -1.45),
    ],
)
def test_the_press_says_a_change_with_many_verbs(text: str, lang: str, lo: float, hi: float) -> None:
    figure = parse_figure(text, lang)
    assert (figure.interval.lo, figure.interval.hi, figure.unit) == (pytest.approx(lo), pytest.approx(hi), "percent")


def test_a_direction_printed_apart_from_the_figure_is_read_as_if_printed_with_it() -> None:
    """"تراجعت صادرات الفوسفاط بنسبة 3 في المائة": the verb says it fell; the figure is "3 في المائة"."""
    fell = parse_figure("3 في المائة", "ar", direction="down")
    assert (fell.interval.lo, fell.interval.hi) == (-3.5, -2.5)
    assert "the direction given beside the figure (down) makes it a fall: [-3.5, -2.5]" in fell.explanation
    assert parse_figure("3 %", direction="up").interval == parse_figure("3 %").interval
    agreeing = parse_figure("baisse de 3 %", direction="down")
    assert agreeing.interval == parse_figure("baisse de 3 %").interval
    assert "the direction 'down' given beside the figure agrees with the one printed" in agreeing.explanation


@pytest.mark.parametrize(
    ("text", "direction", "reason"),
    [
        ("hausse de 3 %", "down", "contradicts the direction printed in the figure ('hausse de')"),
        ("+3 %", "down", "contradicts the direction printed in the figure ('+3')"),
        ("multiplié par trois", "down", "cannot go with 'multiplié par'"),
        ("la majorité", "up", "cannot go with 'la majorité'"),
        ("3 %", "sideways", "is not a direction: 'up' or 'down'"),
    ],
)
def test_a_direction_the_figure_contradicts_is_refused_not_obeyed(text: str, direction: str, reason: str) -> None:
    with pytest.raises(DirectionError) as refused:
        parse_figure(text, direction=direction)
    assert refused.value.part == direction and reason in refused.value.reason
