"""A figure's reading steps said in the desk's language (issue 22): one sentence each, English for the API.

The reader (``service.figures``) records each step as a sentence of ``service.reading.steps`` and what it
names; the API says them in the English it has always answered, and a desk page in its own language,
numbers included: ``« 1,14 » lu comme 1,14`` on a French claim page, with no ``lang="en"`` island left.
Every message a step can say is reached by a figure below and translated in French and Arabic, so a new
English step without its translations fails here.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import lxml.html
import msgspec
import pytest
from babel import Locale
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po
from litestar.testing import TestClient

from service.api import language
from service.api.reading import DeskNumbers
from service.app import create_app
from service.claims import ClaimIn, _within_measure, build_claim, reading_steps
from service.figures import Rounding, figure_from_value, parse_figure
from service.reading import steps
from service.reading.steps import Step, said
from service.rules.book import RuleBook
from service.store import Store
from tests.helpers import LOOPBACK, desk_post, settings_for

ROOT = Path(__file__).resolve().parent.parent
LEVEL_114 = "1,14 milliard de dirhams (MMDH)"


# --- every sentence, reached and translated -----------------------------------------------------------------

# (text, language, rounding, unit given, direction given) read by parse_figure: together they say every message of steps.py.
PRINTED = [
    (LEVEL_114, "fr", "half_up", None, None),  # decimal comma, a scale, dirhams, an ignored word, a repeated unit
    ("quelque 1,23 milliard de dirhams", "fr", "half_up", None, None),
    ("près de 440.000", "fr", "half_up", None, None),  # nearly; in fr a dot before three digits groups thousands
    ("plus de 47 %", "fr", "half_up", None, None),
    ("au moins 3 points", "fr", "half_up", None, None),
    ("moins de 5 %", "fr", "half_up", None, None),
    ("au plus 12 MDH", "fr", "half_up", None, None),  # 10^6 MAD
    ("-8,2 %", "fr", "half_up", None, None),
    ("baisse de 3 %", "fr", "half_up", None, None),
    ("hausse de 3 %", "fr", "half_up", None, None),
    ("3 %", "fr", "half_up", None, "down"),
    ("3 %", "fr", "half_up", None, "up"),
    ("hausse de 3 %", "fr", "half_up", None, "up"),
    ("-3 %", "fr", "half_up", None, "down"),
    ("3,6 milliards", "fr", "half_up", "MAD", None),
    ("1,2 milliard de dirhams", "fr", "half_up", "MAD", None),
    ("la majorité", "fr", "half_up", None, None),
    ("multiplié par trois", "fr", "half_up", None, None),
    ("triplé", "fr", "half_up", None, None),  # a ratio in a word
    ("x1,5", "fr", "half_up", None, None),
    ("en hausse", "fr", "half_up", None, None),
    ("en baisse", "fr", "half_up", None, None),
    ("120 billion Moroccan dirhams ($11.5 billion)", "en", "half_up", None, None),
    ("2,520,000", "en", "half_up", None, None),  # commas group thousands
    ("1,234.5", "en", "half_up", None, None),  # commas group, decimal point
    ("1.234,5", "fr", "half_up", None, None),  # dots group, decimal comma
    ("1 234,5", "fr", "half_up", None, None),
    ("1 234", "fr", "half_up", None, None),
    ("1.14", "fr", "half_up", None, None),  # a decimal point, not fr's own
    ("1,14", "en", "half_up", None, None),
    ("1.14", "en", "half_up", None, None),
    ("1,140", "en", "half_up", None, None),  # in en a comma before three digits groups thousands
    ("1.140", "en", "half_up", None, None),  # in en a dot before three digits is the decimal mark
    ("1,140", "fr", "half_up", None, None),
    ("١٫٢٣ مليار درهم", "ar", "half_up", None, None),
    ("١٠٨،٧", "ar", "half_up", None, None),
    ("۱۲۳", "ar", "half_up", None, None),
    ("١٢۳", "ar", "half_up", None, None),
    ("1٬234٫5", "ar", "half_up", None, None),
    ("بـ13٪", "ar", "half_up", None, None),
    ("لـ13٪", "ar", "half_up", None, None),
    ("و1,2 مليار", "ar", "half_up", None, None),
    ("ملياران", "ar", "half_up", None, None),
    ("trois", "fr", "half_up", None, None),
    ("1,2 milliard par habitant", "fr", "half_up", None, None),
    ("0,1234", "fr", "half_up", None, None),
    ("0,01234", "fr", "half_up", None, None),
    ("0,001234", "fr", "half_up", None, None),
    ("0,0000001", "fr", "half_up", None, None),  # the 10^-7 place
    ("0,123", "fr", "half_up", None, None),
    ("8,2", "fr", "truncate", None, None),
    ("0", "fr", "truncate", None, None),  # an unsigned 0, truncated
    ("8,2", "fr", "ceiling", None, None),
    ("-8,2", "fr", "ceiling", None, None),
    ("8,2", "fr", "floor", None, None),
    ("-8,2", "fr", "floor", None, None),
]
# A value posted as a JSON number: its repr() tells its last digit, up to the hundreds of thousands' place.
POSTED = [1.14, *(float(f"1.{'2' * (16 - place)}e16") for place in range(1, 7))]
# (figure, measure) whose interval a claim's measure cuts
CUT = [("moins de 3 milliards de dirhams", "level"), ("moins de 5 %", "share"), ("moins de 300", "count"), ("plus de 98 %", "share")]


def corpus() -> Iterator[list[Step]]:
    for text, lang, rounding, unit, direction in PRINTED:
        yield list(parse_figure(text, lang, Rounding(rounding), unit, direction).steps)
    for value in POSTED:
        yield list(figure_from_value(value, "count").steps)
    for text, measure in CUT:
        parsed = parse_figure(text)
        cuts: list[Step] = []
        _within_measure(parsed, measure, cuts)
        assert cuts, (text, measure)
        yield [*parsed.steps, *cuts]


class Recording:
    """A language that records every message a step asks it for, and says it in one of the desk's catalogs."""

    def __init__(self, lang: str) -> None:
        self.catalog = language.catalog(lang)
        self.numbers = DeskNumbers(Locale.parse(lang), self.catalog)
        self.asked: set[str] = set()

    def gettext(self, message: str) -> str:
        self.asked.add(message)
        return self.catalog.gettext(message)

    def step_number(self, number: steps.Number) -> str:
        return self.numbers.step_number(number)

    def step_interval(self, bounds: steps.Bounds, unit: str) -> str | None:
        """The result at its figure's scale, as a desk page says it; its bounds said too, so both ways of saying a result are reached."""
        if getattr(self, "saying_bounds", False):
            return None
        self.saying_bounds = True
        steps.result(self, bounds, unit)
        self.saying_bounds = False
        return self.numbers.step_interval(bounds, unit)


def messages_of_steps() -> set[str]:
    """Every message service/reading/steps.py holds, as ``pybabel extract`` finds them."""
    found = extract_from_file("python", str(ROOT / "service" / "reading" / "steps.py"))
    return {message for _line, message, _comments, _context in found}  # type: ignore[misc]


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_every_message_a_step_can_say_is_reached_and_translated(lang: str) -> None:
    recording = Recording(lang)
    for read in corpus():
        for line in said(read, recording):
            assert "read as" not in line and "result:" not in line, line
    held = messages_of_steps()
    assert len(held) > 80
    # a message no figure here reaches is one a new sentence brought in: give it a figure above
    assert held - recording.asked == set(), f"never said: {sorted(held - recording.asked)}"
    assert recording.asked - held == set(), f"said, but not a message of steps.py: {sorted(recording.asked - held)}"
    with (language.CATALOGS / lang / "LC_MESSAGES" / "desk.po").open("rb") as po:
        catalog = {m.id: m.string for m in read_po(po, locale=lang) if m.id}
    untranslated = sorted(m for m in recording.asked if not catalog.get(m))
    assert not untranslated, f"{lang}: steps without a translation (pybabel update, then translate): {untranslated}"


def test_every_sentence_function_of_steps_is_said() -> None:
    said_by = {one.sentence for read in corpus() for one in read}
    sentences = {f for name, f in inspect.getmembers(steps, inspect.isfunction) if f.__module__ == steps.__name__ and not name.startswith("_")
                 and list(inspect.signature(f).parameters)[:1] == ["words"]}
    fragments = {steps.groups, steps.decimal_mark, steps.before_three_digits, steps.arabic_mark, steps.digits, steps.number_word, steps.dual, steps.float_repr}
    fragments_said = {how.sentence for read in corpus() for one in read if one.sentence is steps.read_as for how in one.args[2]}
    assert sentences - fragments - said_by == set()
    assert fragments - fragments_said == set()


def test_the_api_s_explanation_is_the_english_of_its_steps_as_it_always_was() -> None:
    parsed = parse_figure(LEVEL_114)
    assert parsed.explanation == said(parsed.steps) == [
        "'1,14' read as 1.14 (decimal comma)", "last printed digit is hundredths: ±0.005", "'milliard' scales by 10^9",
        "'dirhams' is MAD", "'de' ignored", "'(MMDH)' repeats the unit", "result: [1.135e9, 1.145e9] MAD",
    ]  # fmt: skip
    assert parse_figure("1 234", "ar").explanation[0] == "'1 234' read as 1234 (spaces group thousands)"
    assert parse_figure("-8,2", rounding=Rounding.CEILING).explanation[1:3] == [
        "last printed digit is tenths, rounded up (ceiling), so the size of a fall is truncated: [8.2, 8.3)",
        "the printed minus sign mirrors it: [-8.3, -8.2]",
    ]
    assert said(next(c for c in corpus() if c[-1].sentence is steps.share_at_most_all)[-1:]) == ["a share is at most 100 %: [97.5, 100]"]


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("fr", ["« 1,14 » lu comme 1,14 (virgule décimale)", "le dernier chiffre imprimé est celui des centièmes : ±0,005",
                "« milliard » multiplie par 10^9", "« dirhams » : des dirhams (MAD)", "« de » ignoré", "« (MMDH) » répète l'unité",
                "résultat : 1,135 Md à 1,145 Md MAD"]),
        ("ar", ["«1,14» يُقرأ 1.14 (فاصلة عشرية)", "آخر رقم مطبوع في خانة أجزاء المئة: ±0.005", "«milliard» يضرب في 10^9",
                "«dirhams»: دراهم (MAD)", "«de» مُهمَل", "«(MMDH)» يكرر الوحدة", "النتيجة: من 1.135 مليار إلى 1.145 مليار درهم"]),
    ],
)  # fmt: skip
def test_a_desk_language_says_the_steps_in_its_words_and_numbers(lang: str, expected: list[str]) -> None:
    numbers = DeskNumbers(Locale.parse(lang), language.catalog(lang))
    assert said(parse_figure(LEVEL_114).steps, numbers) == expected
    open_top = said(parse_figure("plus de 47 %").steps, numbers)[-1]
    assert open_top == {"fr": "résultat : au moins 46,5 %", "ar": "النتيجة: 46.5 % على الأقل"}[lang]
    # the bounds in full stay in the steps before it (and the interval's title on the page); the result reads at the figure's scale
    assert "[1,135,000,000" not in " ".join(said(parse_figure(LEVEL_114).steps, DeskNumbers(Locale.parse("en"), language.catalog("en"))))


def test_a_page_writes_the_number_read_with_its_printed_digits_and_a_bound_in_full() -> None:
    french = DeskNumbers(Locale.parse("fr"), language.catalog("fr"))
    assert said(parse_figure("1,10").steps, french)[0] == "« 1,10 » lu comme 1,10 (virgule décimale)"  # the printed zero kept
    assert french.step_number(steps.Number(Decimal("1.135E+9"), "1.135e9")) == "1\u202f135\u202f000\u202f000"
    assert french.step_number(steps.Number(Decimal("-Infinity"), "-inf")) == "−∞"
    assert said(parse_figure("multiplié par trois").steps, french)[-2] == "le rapport [2,5 ; 3,5] est une croissance de (r − 1) × 100 : [150 ; 250] %"


# --- a claim's steps, read again ------------------------------------------------------------------------------


def test_a_claim_s_steps_are_read_again_from_what_it_keeps(seeded_store: Store) -> None:
    claims = seeded_store.list_claims(limit=1000).items
    read = {c.id: reading_steps(c, seeded_store.find_source(c.source)) for c in claims}
    assert all(read[c.id] is not None and said(read[c.id]) == c.reading for c in claims)  # every seed, the cuts included


def test_a_claim_posted_as_a_value_and_a_unit_is_read_again_too(seeded_store: Store) -> None:
    source = seeded_store.find_source("communique-2025-12")
    for posted in ({"value": 1.14, "unit": "MMDH", "qualifier": "about"}, {"value": "1,10", "unit": "milliards de dirhams"}, {"value": 47.0, "unit": "percent", "qualifier": "plus de"}):
        body = msgspec.convert({"source": source.id, "quote": "q", "subject": "ma.x", "measure": "level" if posted["unit"] != "percent" else "share", "period": "2025", **posted}, ClaimIn)
        claim = build_claim(body, source)
        steps_again = reading_steps(claim, source)
        assert steps_again is not None and said(steps_again) == claim.reading, posted


def test_a_reading_stored_otherwise_is_shown_as_stored_in_english(seeded_store: Store) -> None:
    """A claim stored by an older reader, or under a rounding its source has since changed: its stored words, not other steps."""
    [claim] = [c for c in seeded_store.list_claims(limit=1000).items if c.figure == LEVEL_114][:1]
    older = msgspec.structs.replace(claim, reading=[*claim.reading[:-1], "result: [1135000000, 1145000000] MAD"])
    assert reading_steps(older, seeded_store.find_source(claim.source)) is None
    assert reading_steps(claim, None) is None


# --- the desk's pages ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def desk(seeded_file: Path, tmp_path_factory: pytest.TempPathFactory, rules: RuleBook) -> Iterator[tuple[TestClient, Store]]:
    path = tmp_path_factory.mktemp("steps") / "seeded.duckdb"
    path.write_bytes(seeded_file.read_bytes())
    settings = msgspec.structs.replace(settings_for(path), desk_locale="fr")
    with Store(str(path)) as store, TestClient(create_app(settings, store, rules), base_url=LOOPBACK) as client:
        yield client, store


def reading_list(page: str) -> lxml.html.HtmlElement:
    [listed] = lxml.html.fromstring(page).xpath('//ul[@class="reading"]')
    return listed


@pytest.mark.parametrize(
    ("lang", "read_as", "half"),
    [("fr", "« 1,14 » lu comme 1,14 (virgule décimale)", "±0,005"), ("ar", "«1,14» يُقرأ 1.14 (فاصلة عشرية)", "±0.005"), ("en", "'1,14' read as 1.14 (decimal comma)", "±0.005")],
)
def test_a_claim_page_shows_its_steps_in_the_page_s_language(desk: tuple[TestClient, Store], lang: str, read_as: str, half: str) -> None:
    client, store = desk
    [claim] = [c for c in store.list_claims(limit=1000).items if c.figure == LEVEL_114][:1]
    listed = reading_list(client.get(f"/desk/claims/{claim.id}", params={"lang": lang}).text)
    lines = [li.text_content() for li in listed.iter("li")]
    assert listed.get("lang") is None  # no English island left on the page
    assert lines[0] == read_as and half in lines[1]
    if lang == "fr":
        assert "1.14" not in " ".join(lines)  # never an English decimal point among French words
    # the JSON API keeps its English, whatever the page
    assert client.get(f"/claims/{claim.id}", params={"lang": lang}).json()["reading"] == claim.reading


def test_a_claim_page_shows_a_reading_it_cannot_read_again_as_stored_marked_english(seeded_store: Store, rules: RuleBook) -> None:
    [claim] = [c for c in seeded_store.list_claims(limit=1000).items if c.figure == LEVEL_114][:1]
    older = msgspec.structs.replace(claim, id="c-000000older", reading=["'1,14' read as 1.14", "result: [1135000000, 1145000000] MAD"])
    seeded_store.add_claim(older)  # as an older reader stored it
    with TestClient(create_app(settings_for(seeded_store.path), seeded_store, rules), base_url=LOOPBACK) as client:
        listed = reading_list(client.get(f"/desk/claims/{older.id}", params={"lang": "fr"}).text)
    assert listed.get("lang") == "en" and [li.text_content() for li in listed.iter("li")] == older.reading


def test_the_form_reads_a_figure_in_the_page_s_language(desk: tuple[TestClient, Store]) -> None:
    client, _store = desk
    typed = client.get("/desk/read", params={"figure": "quelque 1,23 milliard de dirhams", "source": "akhannouch-2026-01-19", "lang": "fr"}).json()
    assert typed["reading"][2] == "« quelque » (environ) arrondit au dernier chiffre significatif : ±0,005 : [1,225 ; 1,235]"
    form = {"source": "communique-2025-12", "quote": "les exportations ont atteint 1,5 milliard de dirhams", "subject": "ma.handicraft.exports",
            "measure": "level", "period": "2025-01/2025-11", "figure": "1,5 milliard de dirhams", "action": "check", "lang": "ar"}
    listed = reading_list(desk_post(client, "/desk/new?lang=ar", form).text)
    assert listed.get("lang") is None and listed[0].text_content() == "«1,5» يُقرأ 1.5 (فاصلة عشرية)"

