"""A refused form on the desk says its problems in the page's language; the API keeps its English.

A client error's reason is a message and its values (``service.reasons.Reason``): the API
answers it in English, as it always has; the desk says it again in French or Arabic.
"""

from __future__ import annotations

import pickle
import re

import pytest
from litestar.testing import TestClient

from service.api.language import catalog
from service.api.reading import DeskNumbers
from service.errors import FieldProblem, InvalidField
from service.figures import FigureError, parse_figure
from service.periods import Period, PeriodError
from service.reading.steps import ENGLISH
from service.reasons import Reason, said
from tests.helpers import SEEDS_NEW_CLAIM, desk_post

from babel import Locale

NEW = SEEDS_NEW_CLAIM


def words(lang: str) -> DeskNumbers:
    return DeskNumbers(Locale.parse(lang), catalog(lang))


def figure_error(text: str) -> FigureError:
    with pytest.raises(FigureError) as raised:
        parse_figure(text, "fr", "half_up")
    return raised.value


def period_error(text: str) -> PeriodError:
    with pytest.raises(PeriodError) as raised:
        Period.parse(text)
    return raised.value


# --- the messages, in each language ----------------------------------------------------------------

# What the API answered before reasons were messages, word for word (a contract other tools code against):
# (figure, unit given beside it, direction given beside it) -> the problem's reason.
BEFORE = {
    ("beaucoup", None, None): "cannot read 'beaucoup' as a figure: 'beaucoup' is not a number, unit, scale, qualifier or known context word",
    ("1,5 milliard milliard", None, None): "cannot read '1,5 milliard milliard' as a figure: 'milliard' scales the number a second time",
    ("", None, None): "cannot read '' as a figure: the text is empty",
    ("12 13", None, None): "cannot read '12 13' as a figure: '13' is a second number; quote one figure at a time",
    ("1,5 milliard de dollars", None, None): "cannot read '1,5 milliard de dollars' as a figure: 'dollars' is a currency other than the dirham: Tally reads dirham figures (a conversion in parentheses after one is context)",
    ("environ", None, None): "cannot read 'environ' as a figure: 'environ' has no number, direction or majority word",
    ("1,2,3", None, None): "cannot read '1,2,3' as a figure: '1,2,3' groups its digits in other than threes",
    ("3 %", "MAD", None): "cannot read '3 %' as a figure: 'MAD' contradicts the unit printed in the figure (percent)",
    ("3 %", None, "sideways"): "cannot read '3 %' as a figure: 'sideways' is not a direction: 'up' or 'down'",
    ("en hausse de 3 %", None, "down"): "cannot read 'en hausse de 3 %' as a figure: 'down' contradicts the direction printed in the figure ('en hausse')",
    ("1 milliard", "furlongs", None): "cannot read '1 milliard' as a figure: 'furlongs' is not a known unit",
    ("MAD", None, None): "cannot read 'MAD' as a figure: 'MAD' is a unit without a number before it",
    ("3 % environ", None, None): "cannot read '3 % environ' as a figure: 'environ' comes after the number; a qualifier goes before it",
}


@pytest.mark.parametrize(("given", "english"), BEFORE.items())
def test_a_figure_s_reason_in_english_is_what_the_api_always_answered(given: tuple[str, str | None, str | None], english: str) -> None:
    with pytest.raises(FigureError) as raised:
        parse_figure(given[0], "fr", "half_up", given[1], given[2])
    error = raised.value
    assert str(error) == english and type(str(error)) is str
    assert error.said == english and error.said.said(ENGLISH) == english
    for lang in ("fr", "ar"):  # and every word of it is said in the language: no English message left
        assert error.said.said(words(lang)) != english


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "cannot read 'beaucoup' as a figure: 'beaucoup' is not a number, unit, scale, qualifier or known context word"),
        ("fr", "impossible de lire « beaucoup » comme un chiffre : « beaucoup » n'est ni un nombre, ni une unité, ni une échelle, ni un qualificatif, ni un mot de contexte connu"),
        ("ar", "تعذّرت قراءة «beaucoup» رقمًا: «beaucoup» ليس عددًا ولا وحدة ولا مضاعِفًا ولا واصفًا ولا كلمة سياق معروفة"),
    ],
)
def test_an_unreadable_figure_is_said_in_each_language(lang: str, expected: str) -> None:
    assert figure_error("beaucoup").said.said(words(lang)) == expected


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "'2025-13' is not a year (2024) or a month (2025-11)"),
        ("fr", "« 2025-13 » n'est ni une année (2024) ni un mois (2025-11)"),
        ("ar", "«2025-13» ليس سنة (2024) ولا شهرًا (2025-11)"),
    ],
)
def test_a_period_s_reason_is_said_in_each_language(lang: str, expected: str) -> None:
    error = period_error("2025-13")
    assert str(error) == "'2025-13' is not a year (2024) or a month (2025-11)"
    assert error.reason.said(words(lang)) == expected


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("en", "too long: at most 1,000 characters"), ("fr", "trop long : 1\u202f000 caractères au plus"), ("ar", "طويل جدًا: 1,000 حرفًا على الأكثر")],
)
def test_a_reason_s_numbers_are_written_in_the_page_s_locale(lang: str, expected: str) -> None:
    from service.reasons import number

    reason = Reason("too long: at most %(count)s characters", count=number(1000))
    assert str.__str__(reason) == "too long: at most 1000 characters"  # the API writes numbers as it always has
    assert reason.said(words(lang)).replace("\xa0", "\u202f") == expected.replace("\xa0", "\u202f")


def test_a_problem_answers_its_english_and_keeps_its_sentence_aside() -> None:
    import msgspec

    problem = InvalidField("period", period_error("2025-13").reason).problems[0]
    assert msgspec.json.decode(msgspec.json.encode(problem)) == {"field": "period", "reason": "'2025-13' is not a year (2024) or a month (2025-11)"}
    assert type(problem.reason) is str and isinstance(problem.sentence, Reason)
    assert said(problem, words("fr")) == "« 2025-13 » n'est ni une année (2024) ni un mois (2025-11)"
    assert said(problem.moved("candidates[0].period"), words("fr")) == said(problem, words("fr"))
    assert said(FieldProblem(field="x", reason="plain English"), words("fr")) == "plain English"  # a library's words stay as they are
    assert pickle.loads(pickle.dumps(problem.sentence)).said(words("ar")) == said(problem, words("ar"))


# --- the desk's forms, over HTTP ----------------------------------------------------------------------


def problems(html: str) -> dict[str, str]:
    return dict(re.findall(r'id="(\w+)-problem" role="alert">([^<]*)', html))


REFUSED = {
    "fr": {"period": "n&#39;est ni une année (2024) ni un mois (2025-11)", "figure": "impossible de lire « beaucoup » comme un chiffre", "quote": "obligatoire : remplissez-le"},
    "ar": {"period": "ليس سنة (2024) ولا شهرًا (2025-11)", "figure": "تعذّرت قراءة «beaucoup» رقمًا", "quote": "إلزامي: املأه"},
    "en": {"period": "&#39;2025-13&#39; is not a year (2024) or a month (2025-11)", "figure": "cannot read &#39;beaucoup&#39; as a figure", "quote": "required: fill it in"},
}


@pytest.mark.parametrize("lang", ["fr", "en", "ar"])
def test_the_claim_form_says_its_problems_in_the_page_s_language(seeded_client: TestClient, lang: str) -> None:
    for field, typed in (("period", "2025-13"), ("figure", "beaucoup"), ("quote", "")):
        response = desk_post(seeded_client, f"/desk/new?lang={lang}", {**NEW, field: typed, "action": "check"})
        assert response.status_code == 422
        assert REFUSED[lang][field] in problems(response.text)[field], (field, problems(response.text))


def test_a_candidate_row_says_its_problems_in_the_page_s_language(seeded_client: TestClient) -> None:
    form = {"text": "Les exportations ont atteint 1,5 milliard de dirhams.", "language": "fr", "source": "communique-2025-12", "c1.figure": "1,5 milliard de dirhams",
            "c1.quote": "Les exportations ont atteint 1,5 milliard de dirhams.", "c1.keep": "on", "c1.measure": "level", "c1.period": "2025-13",
            "c1.subject": "ma.handicraft.exports", "c1.start": "29", "c1.end": "52"}
    page = desk_post(seeded_client, "/desk/articles/check?lang=fr", form)
    assert "n&#39;est ni une année (2024) ni un mois (2025-11)" in page.text, page.text[-3000:]


def test_the_api_still_answers_its_english(seeded_client: TestClient) -> None:
    body = {**NEW, "figure": "beaucoup"}
    answer = seeded_client.post("/check?lang=fr", json=body, headers={"Accept-Language": "fr"})
    assert answer.status_code == 422
    assert answer.json()["errors"] == [{"field": "figure", "reason": BEFORE[("beaucoup", None, None)], "part": "beaucoup"}]


# --- the article page's notes ----------------------------------------------------------------------------

ARTICLE = "Les exportations ont atteint 1,14 milliard de dirhams, en hausse de 3 %."
NOTES = {
    "en": ("an amount in dirhams (&#39;1,14 milliard de dirhams&#39;)", "period: no period named, and no publication date"),
    "fr": ("un montant en dirhams (« 1,14 milliard de dirhams »)", "période : aucune période nommée, et pas de date de publication"),
    "ar": ("مبلغ بالدرهم («1,14 milliard de dirhams»)", "فترة: لا فترة مذكورة، ولا تاريخ نشر"),
}


@pytest.mark.parametrize("lang", ["fr", "en", "ar"])
def test_the_article_page_says_each_candidate_s_notes_in_its_language(seeded_client: TestClient, lang: str) -> None:
    if "tally-csrf" not in seeded_client.cookies:
        seeded_client.get("/desk/new")
    page = seeded_client.post(f"/desk/articles/new?lang={lang}", files={"text": (None, ARTICLE), "language": (None, "fr"), "action": (None, "read"), "_csrf_token": (None, seeded_client.cookies["tally-csrf"])})
    assert page.status_code == 200
    why, doubt = NOTES[lang]
    assert f'<small class="why">{why}' in page.text
    assert doubt in page.text


def test_the_api_reads_an_article_s_notes_in_english_as_it_always_has(seeded_client: TestClient) -> None:
    answer = seeded_client.post("/articles/read?lang=fr", json={"text": ARTICLE, "language": "fr"}, headers={"Accept-Language": "ar"})
    [level, growth] = answer.json()["candidates"]
    assert level["why"]["measure"] == "an amount in dirhams ('1,14 milliard de dirhams')" and level["why"]["subject"] == "subject from 'exportations'"
    assert level["doubts"]["period"] == "no period named, and no publication date"
    assert growth["why"]["measure"] == "a growth: 'en hausse de 3 %'"


# --- the catalogs hold every reason ------------------------------------------------------------------------


def test_every_module_that_gives_a_reason_is_extracted_for_the_catalogs() -> None:
    """A ``Reason(N_(...))`` in a module babel.cfg does not name would reach the desk in English: the catalog check would not see it."""
    from pathlib import Path

    from babel.messages.extract import extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    root = Path(__file__).resolve().parent.parent
    with (root / "babel.cfg").open(encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)
    extracted = {file for file, *_ in extract_from_dir(str(root), method_map, options_map)}
    giving = {str(path.relative_to(root)) for path in (root / "service").rglob("*.py") if re.search(r"\bReason\(|\bN_\(", path.read_text(encoding="utf-8"))}
    assert giving - extracted == set(), f"add these to babel.cfg: {sorted(giving - extracted)}"


@pytest.mark.parametrize(("lang", "said"), [("fr", "est déjà retirée"), ("en", "is retracted already"), ("ar", "مسحوبة من قبل")])
def test_a_claim_withdrawn_meanwhile_is_said_so_on_its_page_in_the_page_s_language(seeded_client: TestClient, lang: str, said: str) -> None:
    claim_id = seeded_client.get("/claims", params={"limit": 1}).json()[0]["id"]
    assert seeded_client.post(f"/claims/{claim_id}/retract", json={"by": "desk", "reason": "entered twice"}).status_code == 200
    # a second desk still had the claim's page open with its forms, and retracts it too
    page = desk_post(seeded_client, f"/desk/claims/{claim_id}/retract?lang={lang}", {"by": "another desk", "reason": "entered twice"})
    assert page.status_code == 422
    assert said in problems(page.text)["id"]
    assert "entered twice" in page.text  # the page shows the claim as it now stands, retracted
