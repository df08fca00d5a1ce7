"""The engine's sentences about a verdict, in each language the desk speaks (service/rules/explain.py,
mechanisms.py, service/diagnosing.py), and the translations a rule file gives its title and description.

Each sentence is one function taking the language (``explain.Words``): the API's English
(``explain.ENGLISH``, the words other tools read, unchanged) or a desk page's (``DeskNumbers``
of fr, en or ar: the catalogs' words, babel's numbers, the unit named as the desk names margins).
"""

from __future__ import annotations

import math
import re
import shutil
from pathlib import Path

import lxml.html
import msgspec
import pytest
from babel import Locale

from service.api.language import catalog
from service.api.reading import DeskNumbers
from service.reading.lexicon import subject_words
from service.checking import render
from service.claims import IntervalOut
from service.diagnosing import reading_words
from service.errors import RuleFileError
from service.reading.lexicon import LEXICON, load_lexicon_dir
from service.rules.book import RuleBook
from service.rules.explain import ENGLISH, Words, computation, conclusion, revision_words
from service.rules.loader import load_rules_file
from service.rules.mechanisms import Reading, load_mechanisms
from service.rules.plan import VerdictRow
from service.store import Store
from tests.helpers import RULES_DIR, make_client

LEVEL_114, LEVEL_123 = "1,14 milliard de dirhams (MMDH)", "quelque 1,23 milliard de dirhams"


def desk(lang: str) -> DeskNumbers:
    """A desk page's words in ``lang``, as the app makes them (service/api/language.py)."""
    return DeskNumbers(Locale.parse(lang), catalog(lang))


def contradicted(margin: float, unit: str, status: str = "contradicted") -> VerdictRow:
    return VerdictRow(id="v-0", rule="same-figure", roles={}, status=status, margin=margin, margin_unit=unit, left=None, right=None)


# --- one sentence, each language ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("words", "money", "points"),
    [
        (ENGLISH, "cannot hold: off by 80.0 M", "cannot hold: off by 13.5 points"),  # the API's, as it always was
        (desk("en"), "cannot hold: off by 80.0 M MAD", "cannot hold: off by 13.5 points"),
        (desk("fr"), "ne peut tenir : écart de 80,0 M MAD", "ne peut tenir : écart de 13,5 points"),
        (desk("ar"), "لا يمكن أن يصحّ: فارق 80.0 مليون درهم", "لا يمكن أن يصحّ: فارق 13.5 نقطة"),
    ],
    ids=["api", "en", "fr", "ar"],
)
def test_a_conclusion_is_written_in_the_language_with_its_numbers(rules: RuleBook, words: Words, money: str, points: str) -> None:
    plan = rules.current.plans["same-figure"]
    assert conclusion(plan, contradicted(80e6, "MAD"), words) == money
    assert conclusion(plan, contradicted(13.5, "points"), words) == points


@pytest.mark.parametrize(
    ("words", "held", "unverifiable"),
    [
        (ENGLISH, "can hold", "cannot be computed: a divisor spans zero"),
        (desk("fr"), "peut tenir", "incalculable : un diviseur peut valoir zéro"),
        (desk("ar"), "يمكن أن يصحّ", "لا يمكن حسابه: قد يساوي أحد القواسم صفرًا"),
    ],
    ids=["api", "fr", "ar"],
)
def test_every_status_concludes_in_the_language(rules: RuleBook, words: Words, held: str, unverifiable: str) -> None:
    plan = rules.current.plans["share-from-levels"]
    assert conclusion(plan, contradicted(0, "percent", "consistent"), words) == held
    assert conclusion(plan, contradicted(0, "percent", "unverifiable"), words) == unverifiable


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("api", "first == second: 1.135 bn to 1.145 bn == 1.225 bn to 1.235 bn; cannot hold: off by 80.0 M"),
        ("en", "first == second: 1.135 bn to 1.145 bn MAD == 1.225 bn to 1.235 bn MAD; cannot hold: off by 80.0 M MAD"),
        ("fr", "first == second : 1,135 Md à 1,145 Md MAD == 1,225 Md à 1,235 Md MAD ; ne peut tenir : écart de 80,0 M MAD"),
        ("ar", "first == second: من 1.135 مليار إلى 1.145 مليار درهم == من 1.225 مليار إلى 1.235 مليار درهم؛ لا يمكن أن يصحّ: فارق 80.0 مليون درهم"),
    ],
)
def test_a_seed_verdict_s_computation_in_each_language(seeded_store: Store, rules: RuleBook, lang: str, expected: str) -> None:
    """From the row the executor returned and the claims it binds: the numbers substituted, the conclusion, in one language."""
    current = rules.current
    rows = [(row, seen) for row, seen in seeded_store.list_verdicts(current, rule="same-figure", status="contradicted").items]
    claims = seeded_store.claims_by_id(sorted({i for row, _ in rows for i in row.roles_ids}))
    [row] = [row for row, _ in rows if {claims[i].figure for i in row.roles_ids} == {LEVEL_114, LEVEL_123}]
    bound = {name: [claims[i] for i in ids] for name, ids in row.roles.items()}
    words = ENGLISH if lang == "api" else desk(lang)
    assert claims[row.roles["first"][0]].figure == LEVEL_114, "the seeds' pair is ordered by its readings' keys"
    assert computation(current.plans["same-figure"], row, bound, words) == expected


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (ENGLISH, ("times 0.001", "compared to the full year", "as truncated")),
        (desk("fr"), ("multiplié par 0,001", "par rapport à l'année entière", "comme tronqué")),
        (desk("ar"), ("مضروبًا في 0.001", "مقارنة بالسنة كاملة", "على أنه مقطوع")),
    ],
    ids=["api", "fr", "ar"],
)
def test_a_diagnosis_s_reading_in_each_language(words: Words, expected: tuple[str, str, str]) -> None:
    readings = (Reading(scale=0.001), Reading(compared_to="full year"), Reading(rounding="truncate"))
    assert tuple(reading.describe(words) for reading in readings) == expected
    said = reading_words("first", "36%", Reading(rounding="truncate"), "first == second", words)
    assert said == {
        "en": "Reading first '36%' as truncated: first == second",
        "fr": "En lisant '36%' (first) comme tronqué : first == second",
        "ar": "بقراءة '36%' (first) على أنه مقطوع: first == second",
    }[words.language]


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (ENGLISH, "Office des changes: 105.100 bn (2024-12) → 105.400 bn (2025-12), revised up 0.300 bn, 0.29 % of the earlier figure"),
        (desk("fr"), "Office des changes : 105,100 Md MAD (2024-12) → 105,400 Md MAD (2025-12), révisé en hausse de 0,300 Md MAD, soit 0,29 % du premier chiffre"),
        (desk("ar"), "Office des changes: 105.100 مليار درهم (2024-12) ← 105.400 مليار درهم (2025-12)، روجع بالزيادة 0.300 مليار درهم، أي 0.29 % من الرقم السابق"),
    ],
    ids=["api", "fr", "ar"],
)
def test_a_revision_in_each_language(seeded_store: Store, words: Words, expected: str) -> None:
    [seed] = seeded_store.claims_by_id([seeded_store.list_claims(limit=1).items[0].id]).values()
    earlier = msgspec.structs.replace(seed, interval=IntervalOut(105.05e9, 105.15e9, "MAD"), origin="odc", released="2024-12")
    later = msgspec.structs.replace(earlier, interval=IntervalOut(105.35e9, 105.45e9, "MAD"), released="2025-12")
    assert revision_words(earlier, later, {"odc": "Office des changes"}, words) == expected


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_an_implausible_verdict_s_notes_and_warnings_are_in_the_page_s_language(seeded_store: Store, rules: RuleBook, lang: str) -> None:
    current = rules.current
    rows = seeded_store.list_verdicts(current, rule="growth-links-levels", status="implausible").items
    [verdict, *_] = render(seeded_store, current, rows[:1], None, desk(lang))
    english = render(seeded_store, current, rows[:1], None, ENGLISH)[0]
    assert verdict.notes and verdict.warnings and verdict.diagnoses
    assert english.warnings[0].text.startswith("Dec 2024 (1 month) would come to")  # the API's words do not move
    if lang == "fr":
        assert verdict.notes[0].startswith("Périodes différentes : base est publié pour 2024 (12 mois)")
        assert "un mois plausible vaut 0,25 à 4 fois un mois moyen" in verdict.warnings[0].text
        assert verdict.title == "Un taux de croissance relie deux niveaux"
        assert verdict.diagnoses[0].title.startswith("Une croissance calculée par rapport à toute l'année précédente")
    else:
        assert verdict.notes[0].startswith("اختلاف في الفترة: base منشور عن 2024 (12 شهرًا)")
        assert "من 0.25 إلى 4 مرة الشهر المتوسط" in verdict.warnings[0].text
        assert verdict.title == "يربط معدل النمو بين مستويين"
    # never an English word of the engine's around these numbers, nor an English-style number among French words
    for said in [verdict.computation, *verdict.notes, *(w.text for w in verdict.warnings), *(d.computation for d in verdict.diagnoses)]:
        text = re.sub(r"'[^']*'", "''", said)  # a figure as printed ('approximately 1.11 billion dirhams') is quoted as it was
        assert not {"cannot", "hold", "Reading", "would", "months"} & set(text.replace(",", " ").split()), text
        if lang == "fr":
            assert " bn" not in text and not any(f"{d}.{e}" in text for d in "0123456789" for e in "0123456789"), text


def test_the_api_s_words_are_the_english_ones_whatever_the_desk_speaks(seeded_store: Store, rules: RuleBook) -> None:
    current = rules.current
    rows = seeded_store.list_verdicts(current, status="implausible").items
    assert render(seeded_store, current, rows, None) == render(seeded_store, current, rows, None, ENGLISH)


# --- a subject named from the lexicon ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "name"),
    [("fr", "exportations de l'artisanat"), ("en", "handicraft exports"), ("ar", "صادرات الصناعة التقليدية")],
)
def test_a_subject_is_named_from_the_lexicon_in_the_language(lang: str, name: str) -> None:
    lexicon = load_lexicon_dir(RULES_DIR / LEXICON)
    assert subject_words("ma.handicraft.exports", lexicon, lang) == name
    assert subject_words("ma.handicraft.artisans_registered", lexicon, "fr") == "artisans"  # a name within its topic, the only one
    assert subject_words("ma.nowhere.in_the_lexicon", lexicon, lang) == "nowhere in the lexicon"  # else the key, read as words


# --- a rule's title and description, translated in its file --------------------------------------------


RULE = """\
id: same-thing
title: One figure
description: Two sources, one quantity.
{translations}bind:
  first:
    measure: [level]
  second:
    measure: same as first
    like: first
check: first == second
"""


def test_every_shipped_rule_and_diagnosis_speaks_french_and_arabic(rules: RuleBook) -> None:
    for rule in rules.current.rules:
        assert rule.speaks("fr") and rule.speaks("ar"), rule.id
        assert rule.title_in("fr") != rule.title and rule.description_in("ar") != rule.description, rule.id
    for mechanism in load_mechanisms(RULES_DIR / "diagnoses"):
        assert mechanism.speaks("fr") and mechanism.speaks("ar"), mechanism.id


def test_a_rule_s_title_is_given_in_its_languages_and_falls_back_to_english(tmp_path: Path) -> None:
    path = tmp_path / "same-thing.yaml"
    path.write_text(RULE.format(translations="translations:\n  fr: {title: Un chiffre, description: 'Deux sources, une quantité.'}\n"), encoding="utf-8")
    [rule] = load_rules_file(path)
    assert (rule.title_in("fr"), rule.description_in("fr")) == ("Un chiffre", "Deux sources, une quantité.")
    assert (rule.title_in("ar"), rule.speaks("ar"), rule.speaks("en")) == ("One figure", False, True)


@pytest.mark.parametrize(
    ("translations", "where", "reason"),
    [
        ("  de: {title: Eine Zahl, description: Zwei Quellen.}\n", (5, 3), "no other desk language 'de'"),
        ("  en: {title: One, description: Two.}\n", (5, 3), "the English ones are title and description themselves"),
        ("  fr: {title: '  ', description: Deux sources.}\n", (5, 15), "a blank translation"),
        ('  fr: {title: "deux\\nlignes", description: Deux sources.}\n', (5, 15), "a title is one line"),
        ("  fr: {title: Un chiffre}\n", (5, 3), "Object missing required field `description`"),
        ("  fr: {title: Un chiffre, description: Deux., note: x}\n", (5, 3), "unknown field `note`"),
    ],
)
def test_a_broken_translation_is_refused_at_its_line_and_column(tmp_path: Path, translations: str, where: tuple[int, int], reason: str) -> None:
    path = tmp_path / "same-thing.yaml"
    path.write_text(RULE.format(translations="translations:\n" + translations), encoding="utf-8")
    with pytest.raises(RuleFileError) as raised:
        load_rules_file(path)
    [problem] = raised.value.problems
    assert (problem.line, problem.column) == where and reason in problem.reason, (problem.line, problem.column, problem.reason)


def test_a_diagnosis_s_translation_is_checked_as_a_rule_s(tmp_path: Path) -> None:
    (tmp_path / "slip.yaml").write_text(
        "id: slip\ntitle: A slip\nmeasures: [level]\nreadings:\n  - scale: 1000\ntranslations:\n  es: {title: Un error, description: x}\n", encoding="utf-8"
    )
    with pytest.raises(RuleFileError) as raised:
        load_mechanisms(tmp_path)
    [problem] = raised.value.problems
    assert (problem.line, problem.column) == (7, 3) and "no other desk language 'es'" in problem.reason


def test_a_number_the_engine_writes_is_never_nan_words() -> None:
    """An open end is said in words in every language, never "inf"."""
    for words in (ENGLISH, desk("fr"), desk("ar")):
        assert "inf" not in words.span((0.465, math.inf), "percent")


def _untranslated(path: Path) -> None:
    """The file without its ``translations:`` block: a rule or diagnosis its author wrote in English only."""
    kept, inside = [], False
    for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
        if not line.startswith((" ", "#")) and line.strip():
            inside = line.startswith("translations:")
        if not inside:
            kept.append(line)
    path.write_text("".join(kept), encoding="utf-8")


def test_a_title_written_in_english_only_is_the_one_island_marked_english(seeded_store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "rules"
    shutil.copytree(RULES_DIR, folder)
    _untranslated(folder / "same-figure.yaml")
    _untranslated(folder / "diagnoses" / "truncation.yaml")
    with make_client(seeded_store, RuleBook(folder)) as client:
        verdicts = client.get("/verdicts", params={"rule": "same-figure", "status": "contradicted", "limit": 100}).json()["verdicts"]
        [diagnosed] = [v for v in verdicts if "truncation" in {d["id"] for d in v["diagnoses"]}][:1]
        page = lxml.html.fromstring(client.get(f"/desk/verdicts/{diagnosed['id']}", params={"lang": "fr"}).text)
        rules_page = lxml.html.fromstring(client.get("/desk/rules", params={"lang": "fr"}).text)
    marked = sorted(" ".join(e.text_content().split()) for e in page.xpath("//main//*[@lang]"))
    assert marked == ["A figure truncated where rounding was assumed", "One quantity, one period, one figure", "One quantity, one period, one figure"]
    assert all(e.get("lang") == "en" for e in page.xpath("//main//*[@lang]"))
    assert page.xpath('//p[@class="computation"]')[0].get("lang") is None and "ne peut tenir" in page.xpath('//p[@class="computation"]')[0].text_content()
    assert "cohérent" in page.text_content() or "contredit" in page.text_content()
    # on the rules' list, only that rule's title and description are marked English; the others are in French
    assert {e.text_content().strip() for e in rules_page.xpath("//main//*[@lang='en']")} == {"One quantity, one period, one figure", next(
        e.text_content().strip() for e in rules_page.xpath("//section[@id='same-figure']/p[@lang='en']"))}
    assert rules_page.xpath("//section[@id='cumulative-periods']/h2/a")[0].text_content() == "Une partie d'une période ne peut dépasser le tout"
