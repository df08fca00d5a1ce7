"""The desk's claim form: a reporter enters a printed figure and reads its verdicts.

A plain HTML form (``/desk/new``) posted to the same write path as the API
(``checking.submit``): "Check" is a dry run (``POST /check``), "Store" keeps the
claim (``POST /claims``).  Problems come back next to the field they name.  With
JavaScript on, ``assets/form.js`` shows the figure's interval and reading as it
is typed, from ``/desk/read``; with it off, the same reading comes with the answer.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

import msgspec
from litestar import Controller, get, post
from litestar.enums import RequestEncodingType
from litestar.di import NamedDependency
from litestar.params import Body, FromQuery, PathParameter
from litestar.response import Template

from service import checking
from service.claims import MEASURES, Claim, ClaimIn, base_interval, reading_steps
from service.errors import ClientError, FieldProblem
from service.figures import FigureError, parse_figure
from service.reading.steps import StepWords, said as said_steps
from service.reasons import N_, Reason, number, said
from service.rules.book import RuleBook
from service.api.language import Speaking
from service.api.verdict_views import by_weight, verdict_views
from service.rules.explain import ENGLISH, Words
from service.sources import Source
from service.store import Store
from service.units import base_factor
from service.api.access import desk_signed_in

FIELDS = ("source", "quote", "subject", "breakdown", "measure", "period", "compared_to", "figure", "unit", "origin", "released")


class ClaimForm(msgspec.Struct, kw_only=True):
    """The form as posted: every field text, empty when left blank."""

    source: str = ""
    quote: str = ""
    subject: str = ""
    breakdown: str = ""  # product=carpets;country=fr
    measure: str = ""
    period: str = ""
    compared_to: str = ""
    figure: str = ""
    unit: str = ""  # the unit the figure leaves unsaid, if it does
    origin: str = ""  # the body the figure is attributed to (ma.office_des_changes), when an outlet relays it
    released: str = ""  # the date of that body's release: YYYY-MM or YYYY-MM-DD
    action: str = "check"
    by: str = ""  # correcting a stored claim: who, and why
    reason: str = ""


class ClaimFormPages(Controller):
    path = "/desk"
    guards = [desk_signed_in]
    include_in_schema = False

    @get("/new", name="claim-form", sync_to_thread=True)
    def blank(self, store: NamedDependency[Store], rules: NamedDependency[RuleBook]) -> Template:
        """The empty form."""
        return _page(store, rules, ClaimForm(), {}, None)

    @post("/new", name="claim-form-post", status_code=200, sync_to_thread=True)
    def submit(
        self, store: NamedDependency[Store], rules: NamedDependency[RuleBook], words: NamedDependency[Words], speaking: NamedDependency[Speaking],
        data: Annotated[ClaimForm, Body(media_type=RequestEncodingType.URL_ENCODED)]) -> Template:
        """Check the figure (a dry run) or store it; the form again, with the verdicts or the problems."""
        try:
            body = _claim_body(data)
            checked = checking.submit(store, rules, body, keep=data.action == "store", words=words)
        except ClientError as exc:
            return _page(store, rules, data, by_field(exc, speaking.numbers), None, status=422)
        return _page(store, rules, data, {}, checked, words, speaking)

    @get("/claims/{claim_id:str}", name="claim-page", sync_to_thread=True)
    def claim(
        self, store: NamedDependency[Store], rules: NamedDependency[RuleBook], words: NamedDependency[Words], speaking: NamedDependency[Speaking],
        claim_id: Annotated[str, PathParameter()],
    ) -> Template:
        """One stored claim: its reading, its subject and source, every verdict it is in, and the forms to retract or correct it."""
        claim = store.get_claim(claim_id)
        return _claim_page(store, rules, claim, _form_of(claim), {}, words, speaking)

    @post("/claims/{claim_id:str}/retract", name="claim-retract", status_code=200, sync_to_thread=True)
    def retract(
        self, store: NamedDependency[Store], rules: NamedDependency[RuleBook], words: NamedDependency[Words], speaking: NamedDependency[Speaking],
        claim_id: Annotated[str, PathParameter()], data: Annotated[ClaimForm, Body(media_type=RequestEncodingType.URL_ENCODED)]) -> Template:
        """Retract the claim (``POST /claims/{id}/retract``): kept, marked, and out of every verdict."""
        try:
            marked = checking.retract(store, rules, claim_id, *_who_and_why(data))
        except ClientError as exc:
            # read again: another desk may have withdrawn the claim meanwhile (the problem under "id" says so)
            return _claim_page(store, rules, store.get_claim(claim_id), data, by_field(exc, speaking.numbers), words, speaking, status=422)
        return _claim_page(store, rules, marked, _form_of(marked), {}, words, speaking)

    @post("/claims/{claim_id:str}/correct", name="claim-correct", status_code=200, sync_to_thread=True)
    def correct(
        self, store: NamedDependency[Store], rules: NamedDependency[RuleBook], words: NamedDependency[Words], speaking: NamedDependency[Speaking],
        claim_id: Annotated[str, PathParameter()], data: Annotated[ClaimForm, Body(media_type=RequestEncodingType.URL_ENCODED)]) -> Template:
        """Store the corrected claim (``POST /claims/{id}/correct``); the old one leaves every verdict."""
        try:
            checked = checking.correct(store, rules, claim_id, _claim_body(data), *_who_and_why(data), words=words)
        except ClientError as exc:
            # read again: another desk may have withdrawn the claim meanwhile (the problem under "id" says so)
            return _claim_page(store, rules, store.get_claim(claim_id), data, by_field(exc, speaking.numbers), words, speaking, status=422)
        return _page(store, rules, msgspec.structs.replace(data, action="store"), {}, checked, words, speaking)

    @get("/read", name="figure-reading", sync_to_thread=True)
    def read(self, store: NamedDependency[Store], speaking: NamedDependency[Speaking], figure: FromQuery[str] = "", source: FromQuery[str] = "", unit: FromQuery[str] = "") -> dict[str, Any]:
        """A figure's interval and reading, as the claim would hold it (for the form, as it is typed), the interval in the page's language."""
        known = store.find_source(source) if source else None
        try:
            parsed = parse_figure(figure, known.language if known else "fr", known.rounding if known else "half_up", unit.strip() or None)  # type: ignore[arg-type]
        except FigureError as exc:
            return {"interval": None, "reading": [exc.said.said(speaking.numbers)]}
        return {"interval": speaking.numbers.span(parsed.interval.scaled(base_factor(parsed.unit)), parsed.unit), "reading": said_steps(parsed.steps, speaking.numbers)}


def by_field(error: ClientError, words: StepWords) -> dict[str, str]:
    """Each problem under the form field it names (``breakdown.product`` is the breakdown field), said in the page's language."""
    return {problem.field.split(".")[0].split("[")[0]: said(problem, words) for problem in error.problems}


def _who_and_why(form: ClaimForm) -> tuple[str, str]:
    missing = [FieldProblem(field=name, reason=Reason(N_("say who withdraws the figure, and why"))) for name in ("by", "reason") if not getattr(form, name).strip()]
    if missing:
        raise ClientError(missing)
    return form.by.strip(), form.reason.strip()


def _form_of(claim: Claim) -> ClaimForm:
    """A stored claim as the form shows it, to correct it."""
    breakdown = ";".join(f"{key}={value}" for key, value in sorted(claim.breakdown.items()))
    return ClaimForm(source=claim.source, quote=claim.quote, subject=claim.subject, breakdown=breakdown, measure=claim.measure,
                     period=claim.period, compared_to=claim.compared_to or "", figure=claim.figure, unit=claim.unit or "",
                     origin=claim.origin or "", released=claim.released or "")


def _claim_page(
    store: Store, rules: RuleBook, claim: Claim, form: ClaimForm, problems: dict[str, str], words: Words, speaking: Speaking, status: int = 200
) -> Template:
    """The claim's page: what Tally read, where it was printed, and every verdict it takes part in (contradictions first)."""
    with checking.in_force(store, rules) as (current, connection):
        found = store.list_verdicts(current, claim=claim.id, by_weight=True, connection=connection).items
        verdicts = checking.render(store, current, found, connection, words)
        views = verdict_views(store, current, verdicts, speaking, connection)
    source = store.find_source(claim.source)
    context = {
        "claim": claim, "source": source, "form": form, "problems": problems, "views": views,
        "interval": speaking.numbers.span(base_interval(claim.interval), claim.interval.unit) if claim.interval else claim.text,
        **_reading(claim, source, speaking), **_choices(store),
    }
    return Template(template_name="claim.html", context=context, status_code=status)


def _reading(claim: Claim, source: Source | None, speaking: Speaking) -> dict[str, Any]:
    """The claim's reading steps in the page's language (``reading``); ``reading_english`` when only its stored English can be shown.

    The steps are read again from the claim (``claims.reading_steps`` says why, and when they cannot be).
    """
    steps = reading_steps(claim, source)
    if steps is None:
        return {"reading": claim.reading, "reading_english": True}
    return {"reading": said_steps(steps, speaking.numbers), "reading_english": False}


def _choices(store: Store) -> dict[str, Any]:
    """What the form's fields pick from: the sources by outlet and title, the measures, the origins known."""
    sources: list[Source] = sorted(store.list_sources().items, key=lambda s: (s.outlet.casefold(), s.title.casefold(), s.id))
    return {"sources": sources, "measures": MEASURES, "origins": store.origin_names(), "active": "new"}


def _claim_body(form: ClaimForm) -> ClaimIn:
    """The form's text fields as the claim body POST /claims takes; ClientError naming the field."""
    raw: dict[str, Any] = {name: getattr(form, name).strip() for name in FIELDS if getattr(form, name).strip()}
    if "breakdown" in raw:
        pairs = [part.split("=", 1) for part in raw["breakdown"].split(";") if part.strip()]
        if any(len(pair) != 2 for pair in pairs):
            raise ClientError([FieldProblem(field="breakdown", reason=BREAKDOWN_PAIRS)])
        raw["breakdown"] = {key.strip(): value.strip() for key, value in pairs}
    try:
        return msgspec.convert(raw, ClaimIn)
    except msgspec.ValidationError as exc:
        problem = refused_field(exc, "form")
        raise ClientError([problem.moved(problem.field.split(".")[0].split("[")[0])]) from exc


# What a person can get wrong in a field the desk's forms let them type (msgspec's kinds of error, said as the desk says them).
BREAKDOWN_PAIRS = Reason(N_("write dimension=member pairs joined by ';', as in product=carpets;country=fr"))
_HINTS = {
    "subject": N_("write a dotted key in lowercase letters, digits and _, such as ma.handicraft.exports"),
    "origin": N_("write a dotted key in lowercase letters, digits and _, such as ma.office_des_changes"),
    "breakdown": N_("write dimension=member pairs in lowercase letters, digits and _, as in product=carpets"),
    "released": N_("a release date is YYYY-MM or YYYY-MM-DD"),
    "source": N_("pick a source from the list"),
    "quote": N_("the words as printed: not blank, and no control characters"),
}
_PICKED = ("source", "measure", "direction", "language")  # chosen from a list on the desk


def refused_field(exc: msgspec.ValidationError, default: str) -> FieldProblem:
    """msgspec's refusal of a form's field as a problem the desk can say in its language.

    A form's fields are text, typed or picked: a person can leave one blank, type too much,
    type what the field's pattern refuses, or post a choice the list does not hold.  Those are said
    in the page's language; anything else (no form can send it) keeps msgspec's English.  The
    problem's own reason stays msgspec's English: a script posting to a desk route reads it as
    problem+json, as it always has.
    """
    message = str(exc)
    path = message.rsplit("`$.", 1)[-1].rstrip("`") if "`$." in message else default
    field = path.split(".")[0].split("[")[0]
    english = message.split(" - at ")[0]
    if (missing := re.match(r"Object missing required field `(\w+)`", message)) is not None:
        # a field left blank is not sent: the problem goes beside that field, not nowhere ("form" has no place on the page)
        field = missing.group(1)
        return FieldProblem(field=field, reason=Reason(N_("required: pick one") if field in _PICKED else N_("required: fill it in")))
    problem = FieldProblem(field=path, reason=english)
    if english.startswith("Expected `str` of length >= "):
        return problem.said_as(Reason(N_("required: fill it in")))
    if (longest := re.match(r"Expected `str` of length <= (\d+)", english)) is not None:
        return problem.said_as(Reason(N_("too long: at most %(count)s characters"), count=number(int(longest.group(1)))))
    if english.startswith("Expected `str` matching regex") and field in _HINTS:
        return problem.said_as(Reason(_HINTS[field]))
    if english.startswith("Invalid enum value"):
        return problem.said_as(Reason(N_("pick one from the list")))
    return problem


def _page(
    store: Store, rules: RuleBook, form: ClaimForm, problems: dict[str, str], checked: checking.Checked | None,
    words: Words = ENGLISH, speaking: Speaking | None = None, status: int = 200,
) -> Template:
    """The claim form; with ``checked`` (and the page's ``speaking``), the figure's reading and its verdicts."""
    context = {"form": form, "problems": problems, "checked": checked, "views": [], **_choices(store)}
    if checked is not None and speaking is not None:
        context["interval"] = speaking.numbers.span(base_interval(checked.claim.interval), checked.claim.interval.unit) if checked.claim.interval else checked.claim.text
        context.update(_reading(checked.claim, store.find_source(checked.claim.source), speaking))
        # contradictions first, each by its margin: what the reporter must look at before storing
        context["views"] = by_weight(verdict_views(store, rules.current, checked.verdicts, speaking))
    return Template(template_name="form.html", context=context, status_code=status)
