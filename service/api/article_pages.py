"""The desk's article page: paste or upload an article, see its figures read, correct them, check them, store them.

``/desk/articles/new`` works without script.  Three posts, each a plain HTML form:

* ``POST /desk/articles/new`` with ``action=read`` (multipart: the text, or a ``.txt``/``.html``
  upload read through trafilatura): the text with each figure highlighted and numbered,
  and the candidates as an editable table, doubts marked;
* the same with ``action=check`` (the table's form): each candidate's verdicts,
  contradictions first, through :func:`service.api.articles.check` (the dry run of
  ``POST /articles/check``); both store nothing, so they need no sign-in;
* ``POST /desk/articles/store``: the confirmed candidates in one batch
  (:func:`service.checking.store_batch`, as ``POST /claims/batch``), the recognised ones
  left out (never stored twice), with a link to each stored claim and its verdicts.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Template

from service import checking
from service.api.access import desk_signed_in
from service.api.articles import FIELD_WORDS, ArticleCheckIn, CandidateIn, as_input, check, claim_bodies, read
from service.api.articles import ArticleIn
from service.api.form import BREAKDOWN_PAIRS, refused_field
from service.api.language import Speaking
from service.api.verdict_views import VerdictView, by_weight, verdict_views
from service.claims import MEASURES
from service.errors import ClientError, FieldProblem, InvalidField
from service.reading.articles import MAX_TEXT, Candidate
from service.reading.pages import article_text
from service.reasons import N_, Quoted, Reason, StepWords, said
from service.rules.book import RuleBook
from service.rules.explain import Words
from service.store import Store

ROW_FIELDS = ("figure", "quote", "measure", "period", "compared_to", "subject", "breakdown", "unit", "direction", "start", "end")


@dataclass
class Row:
    """One row of the candidates' table, as the desk sees and edits it."""

    number: int
    figure: str
    quote: str
    start: int
    end: int
    measure: str = ""
    period: str = ""
    compared_to: str = ""
    subject: str = ""
    breakdown: str = ""
    unit: str = ""
    direction: str = ""  # "down" when the sentence says the change fell apart from its figure
    keep: bool = True
    doubts: str = ""  # "period: taken from the headline; subject: ..." as the table shows (and posts back) them
    why: str = ""


def _row(number: int, candidate: Candidate, words: StepWords) -> Row:
    """A candidate as the table shows it, its notes (why, doubts) said in the page's language."""
    why, doubts = candidate.notes_in(words)
    about = lambda key: words.gettext(FIELD_WORDS[key]) if key in FIELD_WORDS else key  # noqa: E731
    return Row(
        number=number, figure=candidate.figure, quote=candidate.quote.text, start=candidate.start, end=candidate.end,
        measure=candidate.measure or "", period=candidate.period or "", compared_to=candidate.compared_to or "",
        subject=candidate.subject or "", breakdown=";".join(f"{k}={v}" for k, v in candidate.breakdown.items()),
        unit=candidate.unit or "", direction=candidate.direction or "",
        doubts="; ".join(words.gettext(N_("%(field)s: %(note)s")) % {"field": about(k), "note": v} for k, v in doubts.items()),
        why="; ".join(why.values()),
    )


def _rows_of(form: dict[str, Any]) -> list[Row]:
    """The table as posted: ``c<n>.<field>`` for each row ``n``."""
    numbers = sorted({int(key[1:].split(".", 1)[0]) for key in form if key.startswith("c") and "." in key and key[1:].split(".", 1)[0].isdigit()})
    rows = []
    for n in numbers:
        value = lambda name: str(form.get(f"c{n}.{name}", "")).strip()  # noqa: E731
        start, end = value("start"), value("end")
        rows.append(
            Row(
                number=n, figure=value("figure"), quote=value("quote"), start=int(start) if start.isdigit() else 0, end=int(end) if end.isdigit() else 0,
                measure=value("measure"), period=value("period"), compared_to=value("compared_to"), subject=value("subject"),
                breakdown=value("breakdown"), unit=value("unit"), direction=value("direction"), keep=f"c{n}.keep" in form, doubts=value("doubts"), why=value("why"),
            )
        )
    return rows


def _candidate_in(row: Row) -> CandidateIn:
    pairs = [part.split("=", 1) for part in row.breakdown.split(";") if part.strip()]
    if any(len(pair) != 2 for pair in pairs):
        raise InvalidField(f"c{row.number}.breakdown", BREAKDOWN_PAIRS)
    raw = {
        "figure": row.figure, "quote": row.quote, "measure": row.measure or None, "period": row.period or None,
        "compared_to": row.compared_to or None, "subject": row.subject or None, "unit": row.unit or None,
        "direction": row.direction or None, "breakdown": {k.strip(): v.strip() for k, v in pairs},
    }
    try:
        return msgspec.convert(raw, CandidateIn)
    except msgspec.ValidationError as exc:
        raise _invalid(refused_field(exc, "row"), f"c{row.number}.") from exc


def _segments(text: str, rows: list[Row]) -> list[tuple[str, Row | None]]:
    """The text cut at each figure: (plain text, None) and (figure, its row), in order."""
    pieces: list[tuple[str, Row | None]] = []
    at = 0
    for row in sorted(rows, key=lambda r: r.start):
        if row.start < at or row.end > len(text) or text[row.start : row.end] != row.figure:
            continue  # a row whose span no longer matches the text is listed, not highlighted
        pieces.append((text[at : row.start], None))
        pieces.append((row.figure, row))
        at = row.end
    pieces.append((text[at:], None))
    return pieces


def _published(value: str) -> datetime.date | None:
    if not value.strip():
        return None
    try:
        return datetime.date.fromisoformat(value.strip())
    except ValueError as exc:
        raise InvalidField("published", Reason(N_("%(value)s is not a date such as 2026-01-19"), value=Quoted(value))) from exc


class ArticlePages(Controller):
    path = "/desk/articles"
    guards = [desk_signed_in]
    include_in_schema = False

    @get("/new", name="article-form", sync_to_thread=True)
    def blank(self, store: NamedDependency[Store]) -> Template:
        """The empty page: paste or upload an article."""
        return _page(store, {"language": "fr"}, "", [], {})

    @post("/new", name="article-read", status_code=200, sync_to_thread=True, opt={"dry_run": True})
    def read_text(
        self, request: Request[Any, Any, Any], store: NamedDependency[Store], rules: NamedDependency[RuleBook], speaking: NamedDependency[Speaking],
        data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> Template:
        """Read the pasted or uploaded article: the text highlighted, the candidates as a table; nothing is stored.

        A problem (no text, a binary upload) is shown beside its field; a client that does not
        ask for HTML (a script uploading a file) gets it as problem+json naming the field.
        """
        form = {key: value for key, value in data.items() if not isinstance(value, UploadFile)}
        text = ""
        try:
            text = _text_of(data)
            rows = [_row(n, c, speaking.numbers) for n, c in enumerate(read(_article(form, text), store, rules), start=1)]
        except ClientError as exc:
            if "text/html" not in request.headers.get("accept", ""):
                raise
            return _page(store, form, text or str(form.get("text", "")), [], _problems(exc, speaking), status=422)
        return _page(store, form, text, rows, {})

    @post("/check", name="article-check", status_code=200, sync_to_thread=True, opt={"dry_run": True})
    def check_rows(
        self, store: NamedDependency[Store], rules: NamedDependency[RuleBook], words: NamedDependency[Words], speaking: NamedDependency[Speaking],
        data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> Template:
        """Each confirmed candidate's verdicts against the store and the others, contradictions first; nothing is stored."""
        form = dict(data)
        text = str(form.get("text", ""))
        rows = _rows_of(form)
        try:
            article = _article(form, text)
            kept, _, answer = _check_kept(article, rows, store, rules, words)
        except ClientError as exc:
            return _page(store, form, text, rows, _problems(exc, speaking), status=422)
        return _page(store, form, text, rows, {}, checked=_checked_rows(rows, answer, store, rules, speaking))

    @post("/store", name="article-store", status_code=200, sync_to_thread=True)
    def store_rows(
        self, store: NamedDependency[Store], rules: NamedDependency[RuleBook], words: NamedDependency[Words], speaking: NamedDependency[Speaking],
        data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> Template:
        """Store the confirmed candidates in one batch (the recognised ones are stored already); links to their verdicts."""
        form = dict(data)
        text = str(form.get("text", ""))
        rows = _rows_of(form)
        try:
            article = _article(form, text)
            if article.source is None:
                raise InvalidField("source", Reason(N_("pick the article's source before storing")))
            kept, candidates, answer = _check_kept(article, rows, store, rules, words)
            problems = {f"c{row.number}": "; ".join(said(p, speaking.numbers) for p in result.problems) for row, result in zip(kept, answer.candidates) if result.problems}
            if problems:
                return _page(store, form, text, rows, problems, checked=_checked_rows(kept, answer, store, rules, speaking), status=422)
            fresh = [(row, candidate) for row, candidate, result in zip(kept, candidates, answer.candidates) if not result.recognised]
            bodies, _ = claim_bodies(article.source, [candidate for _, candidate in fresh])
            before = checking.mark(store, rules)
            report = checking.store_batch(store, [(f"c{row.number}", body) for (row, _), body in zip(fresh, bodies) if body is not None])
            if report.claims_added:
                checking.catch_up(store, rules, before)
        except ClientError as exc:
            return _page(store, form, text, rows, _problems(exc, speaking), status=422)
        stored = [(row, result.claim) for row, result in zip(kept, answer.candidates)]
        return _page(store, form, text, rows, {}, stored=stored, report=report)


def _check_kept(article: ArticleIn, rows: list[Row], store: Store, rules: RuleBook, words: Words) -> tuple[list[Row], list[CandidateIn], Any]:
    """The rows the desk kept, the candidates they make, and what checking them answers (a dry run), in the page's words."""
    kept = [row for row in rows if row.keep]
    candidates = [_candidate_in(row) for row in kept]
    return kept, candidates, check(ArticleCheckIn(**msgspec.structs.asdict(article), candidates=candidates), store, rules, words)


def _text_of(data: dict[str, Any]) -> str:
    upload = data.get("file")
    if isinstance(upload, UploadFile) and upload.filename:
        raw = upload.file.read(MAX_TEXT * 4 + 1)
        text, _ = article_text(upload.filename, raw, field="file")
        return text
    text = str(data.get("text", ""))
    if not text.strip():
        raise InvalidField("text", Reason(N_("paste the article, or upload it as .txt or .html")))
    return text


def _article(form: dict[str, Any], text: str) -> ArticleIn:
    raw = {
        "text": text, "language": str(form.get("language") or "fr"), "published": _published(str(form.get("published", ""))),
        "source": str(form.get("source") or "") or None, "subject": str(form.get("subject") or "") or None,
    }
    try:
        return msgspec.convert(raw, ArticleIn, from_attributes=False)
    except msgspec.ValidationError as exc:
        raise _invalid(refused_field(exc, "text")) from exc


def _invalid(problem: FieldProblem, prefix: str = "") -> InvalidField:
    """A 422 naming the field (a row's under ``c<n>.``), with the sentence the desk says it in."""
    invalid = InvalidField(prefix + problem.field, problem.reason)
    invalid.problems = [problem.moved(prefix + problem.field)]
    return invalid


def _problems(error: ClientError, speaking: Speaking) -> dict[str, str]:
    """Each problem under its field (a row's under ``c<n>``), said in the page's language."""
    return {problem.field.split(".")[0]: said(problem, speaking.numbers) for problem in error.problems}


def _checked_rows(rows: list[Row], answer: Any, store: Store, rules: RuleBook, speaking: Speaking) -> list[tuple[Row, Any, list[VerdictView]]]:
    """Each kept row with its check and its verdicts as the desk shows them, the rows in a contradicted verdict first."""
    kept = [row for row in rows if row.keep]
    found = [(row, result, by_weight(verdict_views(store, rules.current, result.verdicts, speaking))) for row, result in zip(kept, answer.candidates)]
    return sorted(found, key=lambda found: (not any(v.status == "contradicted" for v in found[1].verdicts), found[0].number))


def _page(
    store: Store, form: dict[str, Any], text: str, rows: list[Row], problems: dict[str, str],
    checked: list[tuple[Row, Any, list[VerdictView]]] | None = None, stored: list[tuple[Row, Any]] | None = None, report: Any = None, status: int = 200,
) -> Template:
    sources = sorted(store.list_sources().items, key=lambda s: (s.outlet.casefold(), s.title.casefold()))
    context = {
        "form": form, "text": text, "rows": rows, "segments": _segments(text, rows) if text else [], "problems": problems,
        "sources": sources, "measures": [m for m in MEASURES if m != "category"], "checked": checked, "stored": stored,
        "report": report, "active": "articles", "direction": "rtl" if form.get("language") == "ar" else "ltr",
    }
    return Template(template_name="articles.html", context=context, status_code=status)


__all__ = ["ArticlePages", "FieldProblem"]
