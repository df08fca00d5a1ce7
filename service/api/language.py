"""The desk's language: French, English or Arabic, chosen for each request, its words from babel message catalogs.

A page is written in the first of: the ``lang`` query parameter (``?lang=ar``; the
desk's links and forms carry it on, so a shared link opens in the language it was
shared in), the browser's ``Accept-Language``, and the desk's default
(``TALLY_DESK_LOCALE``).  A ``lang`` the desk does not speak falls back quietly to
the next of these, as MediaWiki's ``uselang`` and Django's ``LocaleMiddleware`` do:
a language is a reader's preference, not input a page can be wrong about, and a
link shared with ``?lang=de`` should still open.

The words are in ``service/locales/<lang>/LC_MESSAGES/desk.po`` (``docs/desk-language.md``
says how to update them).  Each catalog is compiled in memory when the app is made
(babel's ``write_mo``): the package ships the ``.po`` files alone, so no compiled
``.mo`` can fall out of step with the text it was compiled from.

The engine's own sentences (a verdict's computation, notes, warnings and diagnoses)
are written in the page's language too, from the same catalogs (``service.rules.explain``
takes the page's :class:`DeskNumbers` as its ``Words``); only a rule's title or
description that its author wrote in English alone is shown marked ``lang="en"``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from babel import Locale
from babel.core import negotiate_locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from jinja2 import pass_context
from jinja2.runtime import Context
from litestar.connection import ASGIConnection, Request
from litestar.plugins.jinja import JinjaTemplateEngine
from markupsafe import Markup, escape

from service.api.reading import DeskNumbers, desk_locale
from service.reading.lexicon import subject_words
from service.reasons import said

LANGUAGES = ("fr", "en", "ar")  # what the desk speaks; the first is no default: TALLY_DESK_LOCALE is
LANGUAGE_NAMES = {"fr": "Français", "en": "English", "ar": "العربية"}  # each in its own language, for the language menu


def N_(message: str) -> str:
    """Marks a message for ``pybabel extract`` where it is written; it is translated where it is shown."""
    return message


# A verdict's status, as the desk names it (the API's values stay these English words).
STATUS_WORDS = {
    "contradicted": N_("contradicted"), "implausible": N_("implausible"), "revised": N_("revised"),
    "unverifiable": N_("unverifiable"), "consistent": N_("consistent"),
}  # fmt: skip
# A claim's measure, as the desk names it (the form still posts these values).
MEASURE_WORDS = {
    "level": N_("level"), "growth": N_("growth"), "share": N_("share"), "share_change": N_("change of share"),
    "count": N_("count"), "average": N_("average"), "average_growth": N_("average growth"), "category": N_("category"),
}  # fmt: skip
CATALOGS = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "desk"
QUERY = "lang"


@dataclass(frozen=True)
class Speaking:
    """One language the desk speaks: its words, how it writes numbers, its direction."""

    language: str
    translations: Translations
    numbers: DeskNumbers
    direction: str  # "rtl" or "ltr", from babel's locale data

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        return self.translations.ngettext(singular, plural, count)

    def measure(self, measure: str) -> str:
        """A claim's measure in this language (``growth``: ``croissance``, ``نمو``)."""
        return self.gettext(MEASURE_WORDS.get(measure, measure))


@dataclass(frozen=True)
class DeskLanguages:
    """The languages the desk speaks and the one it speaks when nothing else is asked for."""

    default: str
    speaking: dict[str, Speaking] = field(default_factory=dict)

    @classmethod
    def of(cls, locale_setting: str) -> DeskLanguages:
        """From ``TALLY_DESK_LOCALE``: its language is the default; its territory, when the language matches, how numbers are written (fr_MA)."""
        configured = desk_locale(locale_setting)  # a ValueError naming the setting when babel does not know it
        default = negotiate_locale([str(configured)], LANGUAGES, sep="_") or negotiate_locale([configured.language], LANGUAGES) or "en"
        speaking = {}
        for language in LANGUAGES:
            locale = configured if configured.language == language else Locale.parse(language)
            translations = catalog(language)
            speaking[language] = Speaking(language, translations, DeskNumbers(locale, translations), locale.text_direction)
        return cls(default, speaking)

    def chosen(self, connection: ASGIConnection) -> Speaking:
        return self.speaking[desk_language(connection)]


def catalog(language: str) -> Translations:
    """The language's message catalog, compiled in memory from its ``.po`` (fuzzy entries left out, as ``pybabel compile`` does)."""
    po = (CATALOGS / language / "LC_MESSAGES" / f"{DOMAIN}.po").read_bytes()
    return Translations(BytesIO(_compiled(language, po)), domain=DOMAIN)


@functools.lru_cache(maxsize=2 * len(LANGUAGES))
def _compiled(language: str, po: bytes) -> bytes:
    """A ``.po`` compiled to ``.mo`` bytes, kept per text: parsing the three catalogs was a third of making an app
    (the tests make hundreds), and a catalog edited on disk is a new text, so it compiles again."""
    messages = read_po(BytesIO(po), locale=language, domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, messages)
    return compiled.getvalue()


def desk_language(connection: ASGIConnection) -> str:
    """The language this request's page is written in (``fr``, ``en`` or ``ar``): ``?lang=``, else ``Accept-Language``, else the desk's default.

    A render cache keys its pages on this (with the store's state): the same path may be written in three languages.
    """
    cached = connection.scope.get("desk_language")  # type: ignore[typeddict-item]
    if cached is None:
        cached = asked_language(connection) or _accepted(connection.headers.get("accept-language", "")) or _languages(connection).default
        connection.scope["desk_language"] = cached  # type: ignore[typeddict-unknown-key]
    return cached


def asked_language(connection: ASGIConnection) -> str | None:
    """The language ``?lang=`` names, when the desk speaks it (``fr-MA`` and ``fr_CA`` are French); else None."""
    asked = connection.query_params.get(QUERY)
    if not asked:
        return None
    return negotiate_locale([asked.strip().replace("_", "-")], LANGUAGES, sep="-")


def _accepted(header: str) -> str | None:
    """The desk's language a browser prefers most, by its ``Accept-Language`` weights.

    Written here because Litestar parses ``Accept`` media types only; babel then matches each tag (``ar-MA`` is ``ar``).
    """
    weighted = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                continue  # a malformed weight: that tag is skipped, not the whole header
        if tag and tag != "*" and weight > 0:
            weighted.append((-weight, position, tag))
    preferred = [tag for _, _, tag in sorted(weighted)]
    return negotiate_locale(preferred, LANGUAGES, sep="-") if preferred else None


def _languages(connection: ASGIConnection) -> DeskLanguages:
    return connection.app.state.desk_languages


def speaking(request: Request) -> Speaking:
    """What the request's page speaks: its words and its numbers (a dependency of the desk's pages; Litestar passes ``request`` by name)."""
    return _languages(request).chosen(request)


def page_words(request: Request) -> DeskNumbers:
    """The language the engine's sentences are written in on this request's page (a dependency: ``explain.Words``)."""
    return speaking(request).numbers


def carried(url: str, connection: ASGIConnection) -> str:
    """``url`` with the request's ``?lang=`` carried on, when it asked for one; a link the desk writes keeps its language."""
    language = asked_language(connection)
    return url if language is None else in_language(url, language)


def in_language(url: str, language: str) -> str:
    """``url`` with ``?lang=language`` (any other ``lang`` replaced)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != QUERY] + [(QUERY, language)]
    return urlunsplit(parts._replace(query=urlencode(query)))


# --- in the templates ----------------------------------------------------------------------


def _connection(context: Context) -> ASGIConnection:
    return context["request"]


@pass_context
def _gettext(context: Context, message: str) -> str:
    return speaking(_connection(context)).gettext(message)


@pass_context
def _ngettext(context: Context, singular: str, plural: str, count: int) -> str:
    return speaking(_connection(context)).ngettext(singular, plural, count)


@pass_context
def _language(context: Context) -> str:
    return desk_language(_connection(context))


@pass_context
def _direction(context: Context) -> str:
    return speaking(_connection(context)).direction


@pass_context
def _localized(context: Context, url: str) -> str:
    return carried(url, _connection(context))


def this_page(connection: ASGIConnection) -> str:
    """The request's path and query: where to come back to, in the language it was asked in."""
    url = connection.url
    return url.path + (f"?{url.query}" if url.query else "")


@pass_context
def _this_page(context: Context) -> str:
    return this_page(_connection(context))


@pass_context
def _this_page_in(context: Context, language: str) -> str:
    """This page's address, written in another language (the language menu)."""
    return in_language(this_page(_connection(context)), language)


@pass_context
def _status_word(context: Context, status: str) -> str:
    return speaking(_connection(context)).gettext(STATUS_WORDS.get(status, status))


@pass_context
def _measure_word(context: Context, measure: str) -> str:
    return speaking(_connection(context)).measure(measure)


@pass_context
def _subject_name(context: Context, key: str) -> str:
    """A subject as the page names it: the lexicon's name in the page's language, else its key read as words."""
    connection = _connection(context)
    return subject_words(key, connection.app.state.rule_book.current.lexicon, desk_language(connection))


@pass_context
def _english(context: Context) -> Markup:
    """``lang="en"`` on a title a rule's (or a diagnosis's) author wrote in English only, when the page speaks another language."""
    return Markup(' lang="en"') if desk_language(_connection(context)) != "en" else Markup("")


@pass_context
def _lang_field(context: Context) -> Markup:
    """A hidden ``lang`` input for a form, so the page it answers speaks the same language."""
    language = asked_language(_connection(context))
    return Markup('<input type="hidden" name="lang" value="%s">') % escape(language) if language else Markup("")


@pass_context
def _reason(context: Context, problem: Any) -> str:
    """A field problem's reason in the page's language (``service.reasons``); the API answers its English."""
    return said(problem, speaking(_connection(context)).numbers)


def _numbers_filter(name: str) -> Any:
    @pass_context
    def written(context: Context, *args: Any, **kwargs: Any) -> str:
        return getattr(speaking(_connection(context)).numbers, name)(*args, **kwargs)

    return written


def install(engine: JinjaTemplateEngine) -> None:
    """Jinja's i18n extension with gettext that reads the request's language, and the filters that write its numbers.

    Installed once on the app's one environment: each call looks the request up in the
    template's context (Litestar puts ``request`` there), so pages in three languages
    are rendered side by side without a lock or an environment per language.
    """
    environment = engine.engine
    environment.add_extension("jinja2.ext.i18n")
    environment.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]
    environment.globals.update(page_language=_language, page_direction=_direction, lang_field=_lang_field, this_page_in=_this_page_in, this_page=_this_page, status_word=_status_word, subject_name=_subject_name, english=_english, measure_word=_measure_word, LANGUAGE_NAMES=LANGUAGE_NAMES)
    environment.filters["localized"] = _localized
    environment.filters["reason"] = _reason
    for name in ("interval", "margin", "quantity", "span", "count", "percent"):
        environment.filters[name] = _numbers_filter(name)
