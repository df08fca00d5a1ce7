"""/articles/read and /articles/check: a pasted article's figures, read and proposed as claims, checked before anyone stores them.

Both store nothing: ``read`` answers the candidates (service/reading/articles.py);
``check`` answers, per candidate, the verdicts it would take part in, against the store
and against the article's other candidates (:func:`service.checking.check_article`, the
one write path's dry run).  Storing is ``POST /claims/batch``.
"""

from __future__ import annotations

import datetime
from typing import Annotated, Literal

import msgspec
from litestar import Controller, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from service import checking
from service.claims import Claim, ClaimIn, Key, Measure, PeriodText, Subject
from service.errors import FieldProblem, InvalidField
from service.reading.articles import MAX_TEXT, Candidate, Passage, read_article
from service.reasons import N_, Reason, Term
from service.rules.book import RuleBook
from service.rules.explain import ENGLISH, Words
from service.sources import Source, SourceId
from service.store import Store
from service.texts import PASSAGE_PATTERN
from service.verdicts import Verdict

# A candidate's fields as the desk's article table heads them, and as a reason names a missing one.
FIELD_WORDS = {
    "measure": N_("measure"), "period": N_("period"), "compared_to": N_("base"), "subject": N_("subject"), "unit": N_("unit"),
    "direction": N_("direction"),
}  # fmt: skip

ArticleText = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=MAX_TEXT,
        pattern=PASSAGE_PATTERN,
        description=f"The article as printed, up to {MAX_TEXT:,} characters: not blank, no control characters but tab and line breaks.",
    ),
]
Language = Literal["fr", "en", "ar"]


class ArticleIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """An article to read: its text, language, and (optionally) publication date, source and subject."""

    text: ArticleText
    language: Language
    published: datetime.date | None = None
    source: SourceId | None = None
    subject: Subject | None = None


class CandidateIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A candidate as the desk corrected it: the fields POST /claims takes, the quote as text or as read."""

    figure: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]
    quote: Annotated[str, msgspec.Meta(min_length=1, max_length=5000)] | Passage
    measure: Measure | None = None
    period: PeriodText | None = None
    compared_to: PeriodText | None = None
    subject: Subject | None = None
    breakdown: dict[Key, Key] = {}
    unit: str | None = None
    direction: Literal["up", "down"] | None = None
    start: int | None = None
    end: int | None = None


class ArticleCheckIn(ArticleIn, forbid_unknown_fields=True, kw_only=True):
    """An article and its candidates as corrected (none: the candidates Tally reads)."""

    candidates: Annotated[list[CandidateIn], msgspec.Meta(max_length=2000)] | None = None


class Candidates(msgspec.Struct):
    """What POST /articles/read answers: every figure of the text as a candidate claim, in text order."""

    candidates: list[Candidate]


class CandidateCheck(msgspec.Struct):
    """One candidate checked: the claim it would be, or (``recognised``) the stored claim it is, with its verdicts; or why it cannot be a claim."""

    figure: str
    recognised: bool = False
    claim: Claim | None = None
    verdicts: list[Verdict] = []
    problems: list[FieldProblem] = []


class ArticleCheck(msgspec.Struct):
    """What POST /articles/check answers, per candidate in text order; ``contradicted`` counts the candidates in a contradicted verdict."""

    candidates: list[CandidateCheck]
    contradicted: int


def source_of(store: Store, source_id: str | None) -> Source | None:
    if source_id is None:
        return None
    if (source := store.find_source(source_id)) is None:
        raise InvalidField("source", f"no source with id {source_id!r}: POST /sources first")
    return source


def read(data: ArticleIn, store: Store, rules: RuleBook) -> list[Candidate]:
    source = source_of(store, data.source)
    published = data.published or (source.published if source else None)
    return read_article(data.text, data.language, published, subject=data.subject, lexicon=rules.current.lexicon)


def claim_bodies(source: str, candidates: list[CandidateIn]) -> tuple[list[ClaimIn | None], list[list[FieldProblem]]]:
    """Each candidate as POST /claims takes it, or the fields it still lacks."""
    bodies: list[ClaimIn | None] = []
    problems: list[list[FieldProblem]] = []
    for index, candidate in enumerate(candidates):
        missing = [name for name in ("measure", "period", "subject") if getattr(candidate, name) is None]
        if missing:
            bodies.append(None)
            problems.append([FieldProblem(field=f"candidates[{index}].{name}", reason=Reason(N_("the candidate has no %(name)s: say it before checking"), name=Term(FIELD_WORDS[name]))) for name in missing])
            continue
        quote = candidate.quote if isinstance(candidate.quote, str) else candidate.quote.text
        body = ClaimIn(
            source=source, quote=quote, subject=candidate.subject, measure=candidate.measure, period=candidate.period,  # type: ignore[arg-type]
            breakdown=candidate.breakdown, compared_to=candidate.compared_to, figure=candidate.figure, unit=candidate.unit,
            direction=candidate.direction,
        )
        bodies.append(body)
        problems.append([])
    return bodies, problems


def as_input(candidate: Candidate) -> CandidateIn:
    return CandidateIn(
        figure=candidate.figure, quote=candidate.quote.text, measure=candidate.measure, period=candidate.period,  # type: ignore[arg-type]
        compared_to=candidate.compared_to, subject=candidate.subject, breakdown=candidate.breakdown, unit=candidate.unit,
        direction=candidate.direction, start=candidate.start, end=candidate.end,
    )


def check(data: ArticleCheckIn, store: Store, rules: RuleBook, words: Words = ENGLISH) -> ArticleCheck:
    """Each candidate's verdicts, in ``words`` (the API's: English; the desk's article page: the page's language)."""
    if data.source is None:
        raise InvalidField("source", "checking needs the article's source (its id): POST /sources first")
    source_of(store, data.source)
    candidates = data.candidates if data.candidates is not None else [as_input(c) for c in read(data, store, rules)]
    bodies, problems = claim_bodies(data.source, candidates)
    present = [(index, body) for index, body in enumerate(bodies) if body is not None]
    checked = checking.check_article(store, rules, [body for _, body in present], words=words)
    answers = [CandidateCheck(figure=c.figure, problems=p) for c, p in zip(candidates, problems)]
    for (index, _), result in zip(present, checked):
        answer = answers[index]
        if result.problem is not None:
            answer.problems = [p.moved(f"candidates[{index}].{p.field}") for p in result.problem.problems]
            continue
        answer.claim, answer.recognised, answer.verdicts = result.claim, result.recognised, result.verdicts
    contradicted = sum(1 for a in answers if any(v.status == "contradicted" for v in a.verdicts))
    return ArticleCheck(answers, contradicted)


class ArticleController(Controller):
    path = "/articles"
    tags = ["articles"]

    @post("/read", operation_id="readArticle", status_code=200, sync_to_thread=True, opt={"dry_run": True})
    def read_article(self, data: JSONBody[ArticleIn], store: NamedDependency[Store], rules: NamedDependency[RuleBook]) -> Candidates:
        """Every figure of a pasted article as a candidate claim, in text order, each field with why and doubts; nothing is stored."""
        return Candidates(read(data, store, rules))

    @post("/check", operation_id="checkArticle", status_code=200, sync_to_thread=True, opt={"dry_run": True})
    def check_article(self, data: JSONBody[ArticleCheckIn], store: NamedDependency[Store], rules: NamedDependency[RuleBook]) -> ArticleCheck:
        """The verdicts each candidate would take part in, against the store and the article's other candidates; nothing is stored.

        A candidate the store holds already (same source, quantity and reading) is *recognised*:
        it is shown as the stored claim, and storing the article (POST /claims/batch) skips it.
        """
        return check(data, store, rules)
