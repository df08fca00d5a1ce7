"""The desk speaks French, English and Arabic (issue 22): catalogs, the choice of language, and numbers in it.

The catalogs are checked against the messages the code uses (extracted as ``pybabel extract``
does, with babel.cfg), and the desk's pages are read in each language over a real app on the
seeded store: no English message of the catalog is left on a French or Arabic page, links keep
the language, and every number the desk writes itself is written the language's way, with its
words (docs/desk-language.md).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import lxml.html
import msgspec
import pytest
from babel import Locale
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from hypothesis import given, settings, strategies as st
from litestar.testing import TestClient

from service.api import language
from service.api.reading import DeskNumbers, babel_numerals
from service.app import create_app
from service.rules.book import RuleBook
from service.rules.explain import format_number
from service.store import Store
from tests.helpers import LOOPBACK, settings_for

ROOT = Path(__file__).resolve().parent.parent
TRANSLATED = ("fr", "ar")  # English is the catalogs' source language: its msgstr are left empty
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
LEVEL_114, LEVEL_123 = "1,14 milliard de dirhams (MMDH)", "quelque 1,23 milliard de dirhams"


def used_messages() -> set[str | tuple[str, str]]:
    """Every message the code and templates use, as ``pybabel extract -F babel.cfg`` finds them."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)
    found: set[str | tuple[str, str]] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(str(ROOT), method_map, options_map):
        found.add(message if isinstance(message, str) else tuple(message))  # type: ignore[arg-type]
    return found


def catalog_of(lang: str):  # noqa: ANN201
    with (language.CATALOGS / lang / "LC_MESSAGES" / "desk.po").open("rb") as po:
        return read_po(po, locale=lang, domain="desk")


# --- the catalogs ------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["fr", "ar", "en"])
def test_each_catalog_holds_every_message_the_desk_uses(lang: str) -> None:
    used = used_messages()
    assert len(used) > 100, "the extraction found the templates' messages"
    catalog = catalog_of(lang)
    held = {message.id for message in catalog if message.id}
    assert not used - held, f"{lang}: missing from the catalog (pybabel update, then translate): {sorted(map(str, used - held))}"
    assert not held - used, f"{lang}: no longer used (pybabel update drops them): {sorted(map(str, held - used))}"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_message_is_translated_with_the_same_placeholders(lang: str) -> None:
    catalog = catalog_of(lang)
    plural_forms = catalog.num_plurals
    for message in catalog:
        if not message.id:
            continue
        assert not message.fuzzy, f"{lang}: {message.id!r} is marked fuzzy: check it, then remove the mark"
        singular = message.id if isinstance(message.id, str) else message.id[1]
        strings = [message.string] if isinstance(message.id, str) else list(message.string)
        assert len(strings) == (1 if isinstance(message.id, str) else plural_forms), (lang, message.id)
        for string in strings:
            assert string.strip(), f"{lang}: {message.id!r} has no translation"
            # a plural form may say "one" in words instead of %(num)s; it may not bring a name the code does not pass
            assert set(PLACEHOLDER.findall(string)) <= set(PLACEHOLDER.findall(singular)), (lang, message.id, string)
            if isinstance(message.id, str):
                assert set(PLACEHOLDER.findall(string)) == set(PLACEHOLDER.findall(singular)), (lang, message.id, string)


def test_the_catalogs_compile_as_pybabel_compile_would() -> None:
    for lang in language.LANGUAGES:
        translations = language.catalog(lang)
        assert translations.gettext("Verdicts") == {"fr": "Verdicts", "en": "Verdicts", "ar": "الأحكام"}[lang]


# --- which language a page speaks ------------------------------------------------------------------


@pytest.fixture(scope="module")
def desk(seeded_file: Path, tmp_path_factory: pytest.TempPathFactory, rules: RuleBook) -> Iterator[TestClient]:
    """The seeded desk with the shipped default language (TALLY_DESK_LOCALE unset: French)."""
    path = tmp_path_factory.mktemp("language") / "seeded.duckdb"
    path.write_bytes(seeded_file.read_bytes())
    settings = msgspec.structs.replace(settings_for(path), desk_locale="fr")
    with Store(str(path)) as store, TestClient(create_app(settings, store, rules), base_url=LOOPBACK) as client:
        yield client


def html_language(page: str) -> tuple[str, str]:
    root = lxml.html.fromstring(page)
    return root.get("lang"), root.get("dir")


@pytest.mark.parametrize(
    ("query", "accept", "expected"),
    [
        ({}, None, ("fr", "ltr")),  # TALLY_DESK_LOCALE
        ({"lang": "ar"}, None, ("ar", "rtl")),
        ({"lang": "en"}, "ar", ("en", "ltr")),  # ?lang= before Accept-Language
        ({}, "ar-MA,ar;q=0.9,fr;q=0.8", ("ar", "rtl")),
        ({}, "de-DE, en;q=0.3, fr;q=0.7", ("fr", "ltr")),  # by weight, a language the desk does not speak skipped
        ({}, "en-GB", ("en", "ltr")),
        ({"lang": "fr-CA"}, None, ("fr", "ltr")),
        ({"lang": "xx"}, "en", ("en", "ltr")),  # a language the desk does not speak falls back quietly (see language.py)
        ({"lang": "<script>"}, None, ("fr", "ltr")),
        ({}, "fr;q=nonsense, ar;q=0.5", ("ar", "rtl")),  # a malformed weight skips that tag, not the header
    ],
)
def test_the_language_comes_from_lang_then_accept_language_then_the_setting(desk: TestClient, query: dict, accept: str | None, expected: tuple[str, str]) -> None:
    headers = {"Accept-Language": accept} if accept else {}
    response = desk.get("/desk/rules", params=query, headers=headers)
    assert response.status_code == 200
    assert html_language(response.text) == expected


def test_the_desk_locale_setting_chooses_the_default_and_its_numbers(seeded_store: Store, rules: RuleBook) -> None:
    settings = msgspec.structs.replace(settings_for(seeded_store.path), desk_locale="ar_MA")
    with TestClient(create_app(settings, seeded_store, rules), base_url=LOOPBACK) as client:
        page = client.get("/", params={"status": "contradicted"}).text
        english = client.get("/", params={"status": "contradicted", "lang": "en"}).text
    assert html_language(page) == ("ar", "rtl")
    assert "1.135.000.000 – 1.145.000.000 درهم" in page, "Morocco's Arabic groups digits with dots, as TALLY_DESK_LOCALE=ar_MA says"
    assert "1,135,000,000 – 1,145,000,000 MAD" in english


def test_links_and_forms_keep_the_language_asked_for(desk: TestClient) -> None:
    for path in ("/desk/rules", "/desk/rules/same-figure", "/desk/new", "/desk/articles/new"):
        root = lxml.html.fromstring(desk.get(path, params={"lang": "ar"}).text)
        desk_links = [a.get("href") for a in root.iter("a") if re.match(r"/(\?|desk/|subjects/|$)", a.get("href") or "")]
        assert desk_links, path
        for href in desk_links:
            assert "lang=" in href, (path, href)
        menu = {a.get("hreflang"): a.get("href") for a in root.xpath('//nav[@class="languages"]/a')}
        assert menu == {code: f"{path}?lang={code}" for code in ("fr", "en", "ar")}, menu
        for form in root.iter("form"):
            method = (form.get("method") or "get").lower()
            kept = "lang=ar" in (form.get("action") or "") if method == "post" else form.xpath('.//input[@name="lang"][@value="ar"]')
            assert kept, (path, lxml.html.tostring(form)[:200])
    # without ?lang= the links stay as they were: the browser's Accept-Language chooses again on each page
    root = lxml.html.fromstring(desk.get("/desk/rules", headers={"Accept-Language": "ar"}).text)
    assert not [a.get("href") for a in root.iter("a") if "lang=" in (a.get("href") or "") and a.getparent().get("class") != "languages"]


# --- no English left on a French or Arabic page --------------------------------------------------------


def english_messages() -> list[tuple[re.Pattern[str], int]]:
    """Each English message of the catalogs as a pattern over a text node (its placeholders stand for anything).

    A message that reads the same in French ("Verdicts", "Source") or is one short word cannot tell, and is left out.
    """
    french = {m.id: m.string for m in catalog_of("fr") if m.id}
    patterns = []
    for message, translated in french.items():
        text = message if isinstance(message, str) else message[1]
        same = translated == message if isinstance(message, str) else message[1] in translated
        if same or "<" in text or len(PLACEHOLDER.sub("", text).split()) < 2:
            continue
        pattern = PLACEHOLDER.split(text)
        regex = "".join(re.escape(part) if i % 2 == 0 else ".+?" for i, part in enumerate(pattern))
        patterns.append((re.compile(regex.replace("%%", "%")), len(PLACEHOLDER.sub("", text))))
    return patterns


def is_english(text: str, patterns: list[tuple[re.Pattern[str], int]]) -> bool:
    """Whether ``text`` is one of the messages, its own words at least half of it (a placeholder is not a sentence of data)."""
    return any(pattern.fullmatch(text) and own * 2 >= len(text) for pattern, own in patterns)


def shown_texts(page: str) -> list[str]:
    """What a reader sees or hears in the desk's words: text nodes and labels.

    Left out: what is marked English on purpose (``lang="en"``: the engine's sentences, the rules' titles) and what
    was printed or typed (quotes, figures, identifiers: ``q``, ``blockquote``, ``bdi``, ``code``, ``dir="auto"``).
    """
    root = lxml.html.fromstring(page)
    for kept in root.xpath('//body//*[@lang="en" or @dir="auto" or self::q or self::blockquote or self::bdi or self::code or self::textarea]'):
        kept.drop_tree()
    texts = [" ".join(t.split()) for t in root.xpath("//body//text()[not(ancestor::script)]")]
    texts += [value for attribute in ("aria-label", "title", "placeholder") for value in root.xpath(f"//body//@{attribute}")]
    return [t.strip(" :.") for t in texts if t.strip()]


@pytest.mark.parametrize("lang", TRANSLATED)
def test_no_desk_page_in_french_or_arabic_shows_an_english_message(desk: TestClient, lang: str) -> None:
    verdicts = desk.get("/verdicts", params={"rule": "same-figure", "status": "contradicted"}).json()["verdicts"]
    source = verdicts[0]["claims"][0]["source"]
    pages = ["/", "/desk/rules", "/desk/rules/same-figure", "/desk/blame", "/desk/new", "/desk/articles/new", "/desk/unchecked",
             f"/desk/verdicts/{verdicts[0]['id']}", "/subjects/ma.handicraft.exports", f"/desk/sources/{source}", "/desk/sign-in",
             f"/desk/claims/{verdicts[0]['claims'][0]['id']}"]
    patterns = english_messages()
    assert len(patterns) > 50
    for path in pages:
        response = desk.get(path, params={"lang": lang})
        assert response.status_code == 200, path
        assert html_language(response.text)[0] == lang
        left = {text for text in shown_texts(response.text) if is_english(text, patterns)}
        assert not left, f"{path} in {lang} still shows English: {sorted(left)}"


# --- numbers in the language the page speaks -------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "margin", "bounds", "computed"),
    [
        ("en", "off by 80 M MAD (7.0 % of the smaller figure)", "1,135,000,000 – 1,145,000,000 MAD",
         "first == second: 1.135 bn to 1.145 bn MAD == 1.225 bn to 1.235 bn MAD; cannot hold: off by 80.0 M MAD"),
        ("fr", "écart de 80 M MAD (7,0 % du plus petit chiffre)", "1\u202f135\u202f000\u202f000 – 1\u202f145\u202f000\u202f000 MAD",
         "first == second : 1,135 Md à 1,145 Md MAD == 1,225 Md à 1,235 Md MAD ; ne peut tenir : écart de 80,0 M MAD"),
        ("ar", "فارق 80 مليون درهم (7.0 % من الرقم الأصغر)", "1,135,000,000 – 1,145,000,000 درهم",
         "first == second: من 1.135 مليار إلى 1.145 مليار درهم == من 1.225 مليار إلى 1.235 مليار درهم؛ لا يمكن أن يصحّ: فارق 80.0 مليون درهم"),
    ],
)  # fmt: skip
def test_a_margin_and_the_bounds_are_written_in_the_page_s_language_with_their_unit(desk: TestClient, lang: str, margin: str, bounds: str, computed: str) -> None:
    verdicts = desk.get("/verdicts", params={"rule": "same-figure", "status": "contradicted"}).json()["verdicts"]
    [levels] = [v for v in verdicts if {c["figure"] for c in v["claims"]} == {LEVEL_114, LEVEL_123}]
    root = lxml.html.fromstring(desk.get(f"/desk/verdicts/{levels['id']}", params={"lang": lang}).text)
    assert margin in " ".join(root.xpath('//*[@class="margin"]')[0].text_content().split())
    assert bounds in [cell.text_content() for cell in root.xpath('//table[@class="evidence"]//td')]
    # the engine's sentence is in the page's language, its numbers too: never "1.135 bn" beside French words, nor the reverse
    computation = root.xpath('//p[@class="computation"]')[0]
    assert computation.get("lang") is None and computed in computation.text_content()


@pytest.mark.parametrize(
    ("lang", "span", "at_least", "points"),
    [
        ("en", "1.135 bn to 1.145 bn MAD", "at least 46.5 %", "1 point"),
        ("fr", "1,135 Md à 1,145 Md MAD", "au moins 46,5 %", "1 point"),
        ("ar", "من 1.135 مليار إلى 1.145 مليار درهم", "46.5 % على الأقل", "1 نقطة"),
    ],
)
def test_the_desk_writes_a_span_with_the_words_of_its_language(lang: str, span: str, at_least: str, points: str) -> None:
    numbers = DeskNumbers(Locale.parse(lang), language.catalog(lang))
    assert numbers.span((1.135e9, 1.145e9), "MAD") == span
    assert numbers.span((0.465, math.inf), "percent") == at_least
    assert numbers.quantity(0.01, "points") == points


@settings(max_examples=300, deadline=None)
@given(value=st.floats(min_value=-1e15, max_value=1e15, allow_nan=False), unit=st.sampled_from(["MAD", "percent", "points", "count"]))
def test_the_desk_s_english_quantities_are_the_engine_s(value: float, unit: str) -> None:
    """The desk writes its own quantities (to say them in each language), at the engine's scales: the two cannot drift apart."""
    english = Locale.parse("en")
    desk_words = DeskNumbers(english, language.catalog("en")).quantity(value, unit)
    engine = format_number(value, unit, babel_numerals(english))
    assert desk_words in (engine, f"{engine} MAD"), (desk_words, engine)


def test_counts_are_grouped_the_language_s_way() -> None:
    assert DeskNumbers(Locale.parse("fr"), language.catalog("fr")).count(1295) == "1\u202f295"
    assert DeskNumbers(Locale.parse("en"), language.catalog("en")).percent(2.5, signed=True) == "+2.50 %"
    assert DeskNumbers(Locale.parse("fr"), language.catalog("fr")).percent(-2.5, signed=True) == "-2,50 %"
    assert Decimal("1") and babel_numerals(Locale.parse("fr"))(Decimal("1.5"), False) == "1,5"


@pytest.mark.parametrize(
    ("lang", "interval"),
    [("en", "1.450 bn to 1.550 bn MAD"), ("fr", "1,450 Md à 1,550 Md MAD"), ("ar", "من 1.450 مليار إلى 1.550 مليار درهم")],
)
def test_the_form_reads_a_figure_as_it_is_typed_in_the_page_s_language(desk: TestClient, lang: str, interval: str) -> None:
    """/desk/read answers assets/form.js, which sends the page's <html lang>."""
    read = desk.get("/desk/read", params={"figure": "1,5 milliard de dirhams", "source": "communique-2025-12", "lang": lang}).json()
    assert read["interval"] == interval
