"""The application factory: settings and store in, a Litestar app out; nothing happens at import."""

from __future__ import annotations

from pathlib import Path

from litestar import Litestar
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from service import __version__, checking
from service.api import access
from service.api.article_pages import ArticlePages
from service.api.articles import ArticleController
from service.api.blame import BlameController
from service.api.claimreview import ClaimReviewController
from service.api.claims import CheckController, ClaimController
from service.api.conditional import conditional_pages
from service.api.datapackage import DataPackageController
from service.api.health import HealthController
from service.api.form import ClaimFormPages
from service.api.pages import DeskPages
from service.api import language
from service.api.bodies import accept_media_type, inspect_body
from service.api.deadline import body_deadline
from service.api.head import AnsweringHead
from service.api.origins import OriginController
from service.api.openapi import ProblemResponses, api_viewer, schema_router, security_components
from service.api.problems import from_unexpected, problem_details_plugin
from service.api.rules import RuleController
from service.api.signin import SignInPages
from service.api.sources import SourceController
from service.api.verdicts import VerdictController
from service.rules.book import RuleBook
from service.settings import Settings
from service.store import Store


PACKAGE = Path(__file__).resolve().parent  # the desk's templates and assets ship in the package


def create_app(settings: Settings, store: Store, rules: RuleBook) -> Litestar:
    """Build the HTTP API around an open store and the rules in force.

    The caller owns the store (opens and closes it): tests pass a store on a
    temporary file, ``tally serve`` one on the configured file.
    """
    languages = language.DeskLanguages.of(settings.desk_locale)  # what the desk speaks, its default from TALLY_DESK_LOCALE

    # The verdicts kept in the store follow the rules in force: recomputed when they changed.
    ensure_verdicts = lambda: checking.ensure_current(store, rules)  # noqa: E731
    protected = access.protection(settings)
    tokens_set = not access.Access.of(settings).loopback_only  # the OpenAPI document says a write needs a token only then
    app = AnsweringHead(  # a Litestar app that answers HEAD wherever GET works (service/api/head.py)
        on_startup=[ensure_verdicts, access.announce],
        route_handlers=[
            SourceController, OriginController, ClaimController, CheckController, ArticleController, VerdictController, ClaimReviewController,
            BlameController, RuleController, DataPackageController, HealthController, DeskPages, ClaimFormPages, ArticlePages, SignInPages,
            create_static_files_router(path="/assets", directories=[PACKAGE / "assets"]),
        ],
        template_config=TemplateConfig(directory=PACKAGE / "templates", engine=JinjaTemplateEngine, engine_callback=language.install),
        dependencies={
            "store": Provide(lambda: store, use_cache=True, sync_to_thread=False),
            "rules": Provide(lambda: rules, use_cache=True, sync_to_thread=False),
            "settings": Provide(lambda: settings, use_cache=True, sync_to_thread=False),
            # the engine's sentences (computation, notes, diagnoses) in the page's language; the API's are English (explain.ENGLISH)
            "words": Provide(language.page_words, sync_to_thread=False),
            "speaking": Provide(language.speaking, sync_to_thread=False),  # the request's language: its words and numbers (service/api/language.py)
        },
        plugins=[problem_details_plugin(), ProblemResponses(tokens_set)],
        # who may write, from where, and how much (service/api/access.py), and the body's type (service/api/bodies.py):
        # from the headers, before any body is read; the body itself is inspected after every guard, controllers' too
        guards=[*protected.pop("guards"), accept_media_type],
        before_request=inspect_body,  # the only before_request hook: a controller's own would replace it (Litestar keeps the nearest)
        # the render cache last: inside the session's middleware (it reads who signed in), outside CSRF's (Litestar's, innermost)
        middleware=[body_deadline(settings.body_timeout_seconds), *protected.pop("middleware"), conditional_pages(store, rules)],
        exception_handlers={**protected.pop("exception_handlers"), Exception: from_unexpected},
        **protected,
        openapi_config=OpenAPIConfig(
            title="Tally",
            version=__version__,
            description="Checks the arithmetic between printed official figures; every verdict with its evidence.",
            openapi_router=schema_router("/schema"),
            components=security_components(tokens_set),
            render_plugins=[api_viewer()],
        ),
    )
    app.state.desk_languages = languages  # read by language.desk_language(request), for pages and for a cache's key
    app.state.rule_book = rules  # its lexicon names subjects on the desk's pages (language.subject_name)
    return app
