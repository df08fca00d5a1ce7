"""The ``tally`` command: serve the API, load files, read a figure, check a store, lint rules."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.markup import escape
from rich.table import Table

from service import output as listing
from service.figures import FigureError, Rounding, parse_figure
from service.loading import LoadError, store_file
from service.settings import Settings
from service.store import Store
from service.verdicts import STATUS_ORDER, Verdict

if TYPE_CHECKING:
    from service import checking

# In a pipe a line is never wrapped (service/output.py); tables are drawn on a terminal only.
console = Console(soft_wrap=not listing.on_terminal())
errors = Console(stderr=True, soft_wrap=True)

RULES_OPTION = click.option(
    "--rules",
    "rules_dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Folder of rule files (default: TALLY_RULES_DIR, else the rules shipped in the package).",
)
DB_OPTION = click.option("--db", "db_path", type=click.Path(dir_okay=False), help="DuckDB file (default: TALLY_DB_PATH or ./tally.duckdb).")


@click.group()
@click.version_option(package_name="tally")
def main() -> None:
    """Tally: check the arithmetic between printed official figures."""


# How uvicorn holds a connection under `tally serve` (docs/security.md, "Behind a reverse proxy"). uvicorn's defaults,
# written out so that they are pinned and documented. uvicorn has no deadline for a request's headers and
# no bound on connections that does not answer a plain-text 503: the reverse proxy sets those. A request
# body's deadline is Tally's own (TALLY_BODY_TIMEOUT_SECONDS, service/api/deadline.py).
UVICORN_LIMITS: dict[str, int] = {
    "timeout_keep_alive": 5,  # seconds an idle keep-alive connection is kept
    "h11_max_incomplete_event_size": 16 * 1024,  # bytes of a request line and headers, at most; more is a 400
}


@main.command()
@DB_OPTION
@click.option("--host", default=None, help="Interface to listen on (default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port to listen on (default 8000).")
@RULES_OPTION
@click.option("--no-fixtures", is_flag=True, help="Do not load the seed fixtures at start-up.")
def serve(db_path: str | None, host: str | None, port: int | None, rules_dir: str | None, no_fixtures: bool) -> None:
    """Serve the HTTP API on an embedded DuckDB file, with the seed fixtures loaded."""
    import uvicorn

    from service.app import create_app

    settings = Settings.from_env(
        db_path=db_path, host=host, port=port, rules_dir=rules_dir, load_fixtures=False if no_fixtures else None
    )
    _refuse_unprotected(settings)
    rules = _rules_or_exit(settings.rules_dir)  # before the store: a refused start writes nothing
    from service import checking

    with _stopped_by_signals(), _open_store(settings.db_path) as store:
        before = checking.mark(store, rules)
        added = _load_with_progress(store, sorted(Path(settings.fixtures_dir).glob("*.json")))[1] if settings.load_fixtures else 0
        _recompute_with_status(store, rules, before if added else None)
        console.print(f"[bold]Tally[/] on http://{settings.host}:{settings.port}  store {settings.db_path}  "
                      f"{store.count_claims()} claims")
        if not (settings.write_token or settings.admin_token):
            console.print("no TALLY_WRITE_TOKEN nor TALLY_ADMIN_TOKEN: listening on loopback only, writes open to this machine")
        # proxy_headers off: uvicorn would believe X-Forwarded-For from 127.0.0.1 by default; the app believes
        # only the proxies in TALLY_TRUSTED_PROXIES (service/api/throttle.py)
        uvicorn.run(create_app(settings, store, rules), host=settings.host, port=settings.port, log_level="info",
                    proxy_headers=False, **UVICORN_LIMITS)


def _refuse_unprotected(settings: Settings) -> None:
    """No token and an interface others reach, or a token too short to hold: one line, exit 2, nothing opened."""
    from service.api.access import Access, is_loopback, weak_tokens

    if problem := weak_tokens(settings):
        errors.print(f"[red]refusing to start:[/] {escape(problem)}")
        sys.exit(2)
    if Access.of(settings).loopback_only and not is_loopback(settings.host):
        errors.print(f"[red]refusing to listen on {escape(settings.host)} without a token:[/] anyone who reaches it could write; "
                     "set TALLY_WRITE_TOKEN (and TALLY_ADMIN_TOKEN for rule changes), or listen on 127.0.0.1")
        sys.exit(2)


@contextlib.contextmanager
def _stopped_by_signals() -> Iterator[None]:
    """SIGTERM and SIGINT end ``tally serve`` as a normal exit (0), after the store is closed.

    uvicorn stops serving on either, then raises the signal again for its caller; with
    the default action SIGTERM would kill the process before the store's ``with``
    closes it, and DuckDB would replay the file's write-ahead log at the next open.
    """
    import signal

    def stop(signum: int, frame: object) -> None:
        raise SystemExit(0)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@main.command()
@DB_OPTION
@RULES_OPTION
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def load(db_path: str | None, rules_dir: str | None, files: tuple[Path, ...]) -> None:
    """Load JSON ({"sources": [...], "claims": [...]}), NDJSON or CSV (.csv) claim files, one transaction per file, then recompute the verdicts once."""
    settings = Settings.from_env(db_path=db_path, rules_dir=rules_dir)
    rules = _rules_or_exit(settings.rules_dir)
    from service import checking

    with _open_store(settings.db_path) as store:
        before = checking.mark(store, rules)
        failed, added = _load_with_progress(store, list(files))
        _recompute_with_status(store, rules, before if added else None)
    sys.exit(1 if failed else 0)


@main.command()
@click.argument("text")
@click.option("--lang", type=click.Choice(["fr", "en", "ar"]), default="fr", show_default=True, help="Language of the text: decides 1.140 vs 1,140 (ar: as the Moroccan Arabic press prints).")
@click.option(
    "--rounding",
    type=click.Choice([r.value for r in Rounding]),
    default=Rounding.HALF_UP.value,
    show_default=True,
    help="How the source rounds: half_up (±half a unit), truncate (toward zero), ceiling (up) or floor (down).",
)
@click.option("--unit", default=None, help="The unit the text leaves unsaid, as a claim's unit beside its figure: '3,6 milliards' --unit MAD.")
@listing.format_option
def parse(text: str, lang: str, rounding: str, unit: str | None, output: str | None) -> None:
    """Print the interval a printed figure means, and why.

    On a terminal, the interval then each step of its reading; in a pipe, one row:
    figure, lo, hi, unit and the steps (tab-separated; --format json or ndjson).
    """
    try:
        parsed = parse_figure(text, lang, Rounding(rounding), unit)
    except FigureError as exc:
        errors.print(f"[red]cannot read[/] {text!r}: {exc}")
        sys.exit(2)
    if listing.chosen(output) == "table":
        console.print(f"[bold]{escape(text)}[/] -> [{_number(parsed.interval.lo)}, {_number(parsed.interval.hi)}] {parsed.unit}", highlight=False)
        for step in parsed.explanation:
            console.print(f"  - {escape(step)}", highlight=False)
        return
    record = {"figure": text, "lo": parsed.interval.lo, "hi": parsed.interval.hi, "unit": parsed.unit, "explanation": parsed.explanation}
    listing.write(output, console, table=lambda: "", columns=list(record), rows=lambda: [[*list(record.values())[:4], "; ".join(parsed.explanation)]],
              document=lambda: _finite(record), records=lambda: [_finite(record)])


@main.command(name="read")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--lang", type=click.Choice(["fr", "en", "ar"]), required=True, help="Language of the article.")
@click.option("--published", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="Publication date (YYYY-MM-DD): resolves 'novembre dernier', 'this year'.")
@click.option("--subject", default=None, help="The article's subject key, when no sentence names another.")
@click.option("--json", "as_json", is_flag=True, help="Print the candidates (and the text read from an .html file) as JSON (--format json).")
@listing.format_option
@RULES_OPTION
def read_file(file: Path, lang: str, published, subject: str | None, as_json: bool, output: str | None, rules_dir: str | None) -> None:
    """Print every figure of an article (.txt, or .html read through trafilatura) as a candidate claim, with why and doubts.

    A table on a terminal; tab-separated values, one candidate a line, when piped (--format json: the
    candidates and the text read from an .html file; ndjson: a candidate a line).
    """
    from service.errors import ClientError, RuleFileError, format_rule_problem
    from service.reading.articles import read_article
    from service.reading.lexicon import LEXICON, load_lexicon_dir
    from service.reading.pages import article_text

    folder = Path(Settings.from_env(rules_dir=rules_dir).rules_dir)
    try:
        lexicon = load_lexicon_dir(folder / LEXICON)
        text, from_html = article_text(file.name, file.read_bytes())
    except RuleFileError as exc:
        for problem in exc.problems:
            errors.print(format_rule_problem(exc.path, problem), markup=False, highlight=False)
        sys.exit(1)
    except ClientError as exc:
        errors.print(f"{file}: {exc.problems[0].reason}", markup=False, highlight=False)
        sys.exit(2)
    candidates = read_article(text, lang, published.date() if published else None, subject=subject, lexicon=lexicon)
    columns = ("#", "figure", "measure", "period", "compared_to", "subject", "breakdown", "doubts")
    rows = [
        (str(n), c.figure, c.measure or "", c.period or "", c.compared_to or "", c.subject or "",
         ",".join(f"{k}={v}" for k, v in c.breakdown.items()), "; ".join(f"{k}: {v}" for k, v in c.doubts.items()))
        for n, c in enumerate(candidates, start=1)
    ]

    def table() -> Table:
        drawn = Table(title=f"{len(candidates)} figures in {file.name}")
        for column in columns:
            drawn.add_column(column, overflow="fold")
        for row in rows:
            drawn.add_row(*(escape(cell) for cell in row))
        return drawn

    listing.write("json" if as_json else output, console, table=table, columns=columns, rows=lambda: rows,
              document=lambda: {"candidates": candidates, **({"text": text} if from_html else {})}, records=lambda: candidates)


@main.command()
@DB_OPTION
@RULES_OPTION
@click.option(
    "--status",
    type=click.Choice([*STATUS_ORDER, "all"]),
    default="contradicted",
    show_default=True,
    help="Which verdicts to list after the summary (the summary counts every status).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary and the verdicts as JSON, for machines (--format json).")
@listing.format_option
@click.option("--stats", is_flag=True, help="Also print how long each rule's SQL took.")
@click.option("--limit", type=int, default=1000, show_default=True, help="At most this many verdicts in the listing (the summary counts all).")
@click.option("--subject", default=None, help="List only the verdicts using a claim on this subject (the summary counts all).")
@click.option("--engine", type=click.Choice(["duckdb", "spark"]), default="duckdb", show_default=True,
              help="Run the rules' SQL in the store (duckdb), or on a Spark session over claims in Parquet (spark: pip install 'tally[spark]').")
@click.option("--claims", "claims_path", default=None, help="spark: a claims dataset in Parquet layout 2, or 1 (a folder, a glob or a URL the cluster reads) instead of the store's claims.")
@click.option("--master", default="local[2]", show_default=True, help="spark: the Spark master URL (local[N], spark://host:7077, yarn ...).")
@click.option("--out", default=None, help="spark: also write every verdict row to this Parquet folder (it must not exist).")
def check(db_path: str | None, rules_dir: str | None, status: str | None, as_json: bool, output: str | None, stats: bool, limit: int,
          subject: str | None, engine: str, claims_path: str | None, master: str, out: str | None) -> None:
    """Run every rule over a store file, without a server: a summary per rule, then the verdicts (contradictions first).

    In a pipe (or --format tsv): the summary's rows (rule, a count per status, and seconds
    with --stats), an empty line, then a row per verdict (id, status, rule, margin, unit,
    figures, computation); the count listed goes to stderr.  --format json is --json;
    ndjson writes a verdict a line.
    """
    import time

    import msgspec

    from service import checking

    output = "json" if as_json else output
    if engine == "spark":
        _check_on_spark(db_path, rules_dir, status, output, stats, limit, subject, claims_path, master, out)
        return
    if claims_path or out:
        errors.print("[red]--claims and --out are for --engine spark[/]")
        sys.exit(2)
    settings, rules = _existing_store(db_path, rules_dir)
    with _open_store(settings.db_path) as store:
        with _rule_progress() as on_rule:
            started = time.perf_counter()
            timings = checking.recompute(store, rules, on_rule)
            seconds = time.perf_counter() - started
        current = rules.current
        counts = store.verdict_counts()
        listed = None if status == "all" else status
        page = store.list_verdicts(current, status=listed, subject=subject, limit=limit)
        verdicts = checking.render(store, current, page.items)
    summary = [
        RuleSummary(rule.id, *(counts.get((rule.id, s), 0) for s in STATUS_ORDER), seconds=round(timings.get(rule.id, 0.0), 4))
        for rule in current.rules
    ]
    _print_check(output, summary, stats, seconds, verdicts, page.total, listed, subject)


def _print_check(output: str | None, summary, stats: bool, seconds: float, verdicts, total: int, listed: str | None, subject: str | None) -> None:
    form = listing.chosen(output)
    if form in ("json", "ndjson"):
        listing.write(form, console, table=lambda: "", columns=(), rows=list, document=lambda: CheckReport(summary, round(seconds, 4), total, verdicts),
                  records=lambda: verdicts)
        return
    shown = f"{len(verdicts)} of {total}" if total > len(verdicts) else f"{total}"
    line = f"{shown} verdicts listed" + (f" ({listed})" if listed else "") + (f" on subject {subject}" if subject else "")
    if form == "tsv":
        statuses = list(STATUS_ORDER)
        listing.write_tsv(["rule", *statuses, *(["seconds"] if stats else [])],
                      ([row.rule, *(getattr(row, s) for s in statuses), *([row.seconds] if stats else [])] for row in summary))
        sys.stdout.write("\n")
        listing.write_tsv(["verdict", "status", "rule", "margin", "unit", "figures", "computation"], (_verdict_row(v) for v in verdicts))
        errors.print(line + (f" in {seconds:.3f} s" if stats else ""), markup=False, highlight=False)  # a count for a person, not a row
        return
    console.print(_summary_table(summary, stats, seconds))
    if verdicts:
        console.print(_verdict_table(verdicts))
    console.print(line)


def _verdict_row(verdict: Verdict) -> list[object]:
    figures = " | ".join(f"{e.role}: {e.figure} [{e.period}] ({e.source}: \u201c{e.quote}\u201d)" for e in verdict.claims)
    return [verdict.id, verdict.status, verdict.rule, verdict.margin, verdict.margin_unit, figures, verdict.computation]


def _check_on_spark(db_path, rules_dir, status, output, stats, limit, subject, claims_path, master, out) -> None:
    """``tally check --engine spark``: the same summary and listing, computed by service/spark.py."""
    from service import spark

    if (missing := spark.missing_requirements()) is not None:
        errors.print(f"[red]cannot run Spark[/]: {missing}", highlight=False)
        sys.exit(2)
    listed = None if status == "all" else status
    options = dict(master=master, out=out, status=listed, subject=subject, limit=limit)
    try:
        with _rule_progress() as on_rule:
            if claims_path is not None:
                found = spark.check(_rules_or_exit(Settings.from_env(rules_dir=rules_dir).rules_dir).current, claims_path=claims_path, on_rule=on_rule, **options)
            else:
                settings, rules = _existing_store(db_path, rules_dir)
                with _open_store(settings.db_path) as store:
                    found = spark.check(rules.current, store=store, on_rule=on_rule, **options)
    except spark.LayoutError as exc:
        errors.print(f"[red]{escape(str(exc))}[/]", highlight=False)
        sys.exit(2)
    rules_in_force = found.rules
    summary = [
        RuleSummary(rule.id, *(found.counts.get((rule.id, s), 0) for s in STATUS_ORDER), seconds=round(found.timings.get(rule.id, 0.0), 4))
        for rule in rules_in_force
    ]
    _print_check(output, summary, stats, found.seconds, found.rendered, found.total, listed, subject)
    if out is not None:
        errors.print(f"verdict rows written to {escape(out)}")


@main.command()
@DB_OPTION
@RULES_OPTION
@click.argument("verdict_id")
@click.option("--json", "as_json", is_flag=True, help="Print the verdict as GET /verdicts/{id} answers it, for machines.")
def explain(db_path: str | None, rules_dir: str | None, verdict_id: str, as_json: bool) -> None:
    """One verdict's evidence: each figure with who printed it, where, when and the exact quote; the computation, notes, warnings and diagnoses."""
    from service import checking
    from service.errors import NotFound

    settings, rules = _existing_store(db_path, rules_dir)
    with _open_store(settings.db_path) as store:
        _recompute_with_status(store, rules)  # the verdicts kept, recomputed only if the rules changed
        current = rules.current
        try:
            row = store.get_verdict(verdict_id, current)
        except NotFound:
            errors.print(f"[red]no verdict with id {escape(verdict_id)!r}[/]: 'tally check --status all' lists them")
            sys.exit(2)
        (verdict,) = checking.render(store, current, [row])
        sources = store.sources_by_id(list({evidence.source for evidence in verdict.claims}))
    if as_json:
        listing.write_json(verdict)
        return
    _print_verdict(verdict, sources)


@main.command()
@DB_OPTION
@RULES_OPTION
@click.option("--datapackage", "folder", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder to write the Frictionless Data Package to (made if missing; its five files replaced).")
def export(db_path: str | None, rules_dir: str | None, folder: Path) -> None:
    """Write the store as a Frictionless Data Package (v2): sources, claims, verdicts and each verdict's claims as CSV,
    typed and linked in datapackage.json, with the desk's name and the licence of TALLY_DATA_LICENSE (docs/data.md)."""
    from service import datapackage

    settings, rules = _existing_store(db_path, rules_dir)
    with _open_store(settings.db_path) as store:
        _recompute_with_status(store, rules)  # the verdicts kept, recomputed only if the rules changed
        package = datapackage.files(store, rules, settings)
    for path in datapackage.write_folder(folder, package):
        sys.stdout.write(f"{path}\n")  # the files written, a path a line (for a pipe as for a person)
    if not settings.data_license:
        errors.print("no TALLY_DATA_LICENSE: the package names no licence", markup=False, highlight=False)


def _print_verdict(verdict: Verdict, sources) -> None:
    style = _STATUS_STYLE[verdict.status]
    console.print(f"[{style}]{verdict.status}[/]  [bold]{escape(verdict.title)}[/]  rule {verdict.rule}  {verdict.id}", highlight=False)
    for evidence in verdict.claims:
        source = sources[evidence.source]
        about = " ".join([evidence.subject, *(f"{k}={v}" for k, v in evidence.breakdown.items())])
        console.print(f"\n[bold]{evidence.role}[/]: {escape(evidence.figure)}  ({evidence.measure} of {escape(about)}, {evidence.period})  claim {evidence.id}", highlight=False)
        printed_by = ", ".join(part for part in (source.speaker, source.outlet, str(source.published) if source.published else None) if part)
        console.print(f"  source {escape(source.id)}: {escape(printed_by)}" + (f"  {escape(source.url)}" if source.url else ""), highlight=False)
        console.print(f"  \u201c{escape(evidence.quote)}\u201d", highlight=False)
        if evidence.interval is not None:
            interval = evidence.interval
            console.print(f"  interval [{_number(interval.lo)}, {_number(interval.hi)}] {interval.unit}", highlight=False)
        elif evidence.text is not None:
            console.print(f"  text {escape(evidence.text)}", highlight=False)
    console.print(f"\n[bold]computation[/] {escape(verdict.computation)}", highlight=False)
    if verdict.margin is not None:
        console.print(f"[bold]margin[/] {_number(verdict.margin)} {verdict.margin_unit or ''}".rstrip(), highlight=False)
    for note in verdict.notes:
        console.print(f"[bold]note[/] {escape(note)}", highlight=False)
    for warning in verdict.warnings:
        console.print(f"[magenta]warning[/] {warning.id}: {escape(warning.text)}", highlight=False)
    for diagnosis in verdict.diagnoses:
        console.print(f"[bold]diagnosis[/] {escape(diagnosis.title)} ({diagnosis.id}): [{_STATUS_STYLE[diagnosis.status]}]{diagnosis.status}[/]\n  {escape(diagnosis.computation)}", highlight=False)


@main.command()
@DB_OPTION
@RULES_OPTION
@click.option("--subject", default=None, help="Only the contradicted verdicts using a claim on this subject.")
@click.option("--json", "as_json", is_flag=True, help="Print the answer of GET /blame as JSON, for machines (--format json).")
@listing.format_option
def blame(db_path: str | None, rules_dir: str | None, subject: str | None, as_json: bool, output: str | None) -> None:
    """The figures to doubt first: claims by the contradicted verdicts they are in, and the least-weight sets whose removal leaves none.

    In a pipe (or --format tsv): a row per claim (claim, contradictions, weight, source,
    quote, in a set), an empty line, then a row per set (set, weight, claims, comma-separated);
    the summary goes to stderr.  --format json is --json; ndjson writes a claim a line.
    """
    from service import checking

    settings, rules = _existing_store(db_path, rules_dir)
    with _open_store(settings.db_path) as store:
        _recompute_with_status(store, rules)  # the verdicts kept, recomputed only if the rules changed
        answer = checking.blame(store, rules, subject=subject)
    form = listing.chosen("json" if as_json else output)
    if form in ("json", "ndjson"):
        listing.write(form, console, table=lambda: "", columns=(), rows=list, document=lambda: answer, records=lambda: answer.claims)
        return
    if form == "tsv":
        _blame_rows(answer, subject)
        return
    if not answer.claims:
        console.print("no contradicted verdict" + (f" on subject {subject}" if subject else ""))
        return
    console.print(_suspect_table(answer))
    for n, chosen in enumerate(answer.minimal_sets, 1):
        console.print(f"set {n} (weight {answer.weight:g}): {', '.join(chosen)}", highlight=False)
    inexact = sum(not c.exact for c in answer.components)
    if inexact:
        errors.print(f"[yellow]{inexact} of {len(answer.components)} components too large to search exactly[/]: "
                     "their sets remove every contradiction but are not proven the lightest")
    console.print(
        f"{len(answer.claims)} claims in contradicted verdicts, {len(answer.components)} components; "
        "a set is the figures which, set aside, leave the rest consistent, not figures known to be wrong"
    )


def _blame_rows(answer, subject: str | None) -> None:
    chosen = {claim_id for ids in answer.minimal_sets for claim_id in ids}
    listing.write_tsv(["claim", "contradictions", "weight", "source", "quote", "in_a_set"],
                  ([s.id, s.contradictions, s.weight, s.source, s.quote, s.id in chosen] for s in answer.claims))
    sys.stdout.write("\n")
    listing.write_tsv(["set", "weight", "claims"], ([n, answer.weight, ",".join(ids)] for n, ids in enumerate(answer.minimal_sets, 1)))
    summary = f"{len(answer.claims)} claims in contradicted verdicts, {len(answer.components)} components" if answer.claims else "no contradicted verdict"
    errors.print(summary + (f" on subject {subject}" if subject else ""), markup=False, highlight=False)


def _suspect_table(answer) -> Table:
    chosen = {claim_id for ids in answer.minimal_sets for claim_id in ids}
    table = Table(title="Figures to doubt first")
    table.add_column("claim", no_wrap=True)
    table.add_column("contradictions", justify="right")
    table.add_column("weight", justify="right")
    table.add_column("source: quote")
    table.add_column("in a set")
    for suspect in answer.claims:
        mark = "[bold red]yes[/]" if suspect.id in chosen else ""
        table.add_row(suspect.id, str(suspect.contradictions), f"{suspect.weight:g}", f"{escape(suspect.source)}: \u201c{escape(suspect.quote)}\u201d", mark)
    return table


class RuleSummary(msgspec.Struct):
    rule: str
    contradicted: int
    implausible: int
    revised: int
    unverifiable: int
    consistent: int
    seconds: float


class CheckReport(msgspec.Struct):
    """``tally check --json``: per-rule counts and SQL seconds, the total, and the verdicts listed."""

    rules: list[RuleSummary]
    seconds: float
    total: int
    verdicts: list[Verdict]


def _summary_table(summary: list[RuleSummary], stats: bool, seconds: float) -> Table:
    table = Table(title="Tally rules over the store", show_footer=stats)
    table.add_column("rule", footer="all rules")
    for status in STATUS_ORDER:
        table.add_column(status, justify="right", style=_STATUS_STYLE[status])
    if stats:
        table.add_column("seconds", justify="right", footer=f"{seconds:.3f}")
    for row in summary:
        cells = [row.rule, *(str(getattr(row, status)) for status in STATUS_ORDER)]
        table.add_row(*cells, *([f"{row.seconds:.3f}"] if stats else []))
    return table


@contextlib.contextmanager
def _open_store(path: str) -> Iterator[Store]:
    """A store that cannot be opened (a running server has it, a newer Tally wrote it) is one clear line, not a traceback."""
    from service.errors import StoreLocked, StoreUnavailable

    try:
        store = Store(path)
    except StoreUnavailable as exc:
        instead = "; if that is a Tally server, use its HTTP API instead (GET /verdicts, POST /claims/batch) or stop it first"
        errors.print(f"{exc}{instead if isinstance(exc, StoreLocked) else ''}", style="red", markup=False, highlight=False)
        sys.exit(2)
    with store:
        yield store


@main.group()
def rules() -> None:
    """Rule files: lint them, run their examples, print their JSON Schema."""


FOLDER_ARGUMENT = click.argument("folder", type=click.Path(file_okay=False, path_type=Path), required=False)


@rules.command()
@FOLDER_ARGUMENT
def lint(folder: Path | None) -> None:
    """Check every rule file of a folder and run its examples; print file:line:column: problems; exit 1 on any.

    FOLDER defaults to TALLY_RULES_DIR, else the rules shipped in the package:
    the rules `tally serve` and `tally check` would put in force. Old spellings
    are printed as hints and do not fail.
    """
    folder = _rules_folder(folder)
    loaded = _loaded_or_exit(folder)
    for rule in loaded:
        for hint in rule.hints:
            errors.print(f"{rule.file}:{hint.line or 1}:{hint.column or 1}: hint: {hint.field}: {hint.reason}", markup=False, highlight=False)
    if _failed_examples(_run_examples(loaded)):
        sys.exit(1)
    console.print(f"{len(loaded)} rules in {folder}: ok")


@rules.command(name="test")
@FOLDER_ARGUMENT
@click.option("--worlds", type=click.IntRange(min=0), default=100, show_default=True, help="Consistent worlds generated per rule (0: examples only).")
@click.option("--rule", "rule_ids", multiple=True, metavar="ID", help="Test only this rule (repeatable).")
@click.option("--seed", type=int, default=None, help="Seed the generated worlds (default: derandomized, the same worlds every run).")
@listing.format_option
def test_rules(folder: Path | None, worlds: int, rule_ids: tuple[str, ...], seed: int | None, output: str | None) -> None:
    """Run every rule's examples with both executors, then generate consistent worlds for it; exit 1 on any failure.

    FOLDER defaults as for `tally rules lint`; a broken file is reported as lint
    reports it. An example fails at path:line:column with its reason. A rule is
    unsound when a world in which every printed figure is true makes it say
    contradicted: the shrunk world is printed as claims to paste into its
    examples. A rule whose measures no world models is listed as not generated,
    never as sound.
    """
    loaded = _loaded_or_exit(_rules_folder(folder))
    unknown = sorted(set(rule_ids) - {rule.id for rule in loaded})
    if unknown:
        raise click.BadParameter(f"no rule {', '.join(map(repr, unknown))} in the folder", param_hint="--rule")
    chosen = [rule for rule in loaded if not rule_ids or rule.id in rule_ids]
    results = _run_examples(chosen)
    failed = _failed_examples(results)
    soundness = _soundness(chosen, worlds, seed) if worlds else {}
    failed += _failed_soundness(chosen, soundness)
    listing.write(output, console, table=lambda: _test_table(chosen, results, soundness),
              columns=["rule", "examples_passed", "examples", *(["worlds", "worlds_bound", "status"] if soundness else [])],
              rows=lambda: _test_rows(chosen, results, soundness), document=lambda: _test_records(chosen, results, soundness),
              records=lambda: _test_records(chosen, results, soundness))
    for rule_id, result in soundness.items():
        if result.status == "not generated":
            console.print(f"{rule_id}: not generated: {result.reason}", markup=False, highlight=False)
    passed = sum(result.passed for result in results)
    line = f"{passed} of {len(results)} examples pass"
    if soundness:
        sound = sum(result.status == "sound" for result in soundness.values())
        line += f"; {sound} of {len(soundness)} rules sound over {worlds} generated worlds each"
    console.print(line)
    if failed:
        sys.exit(1)


def _soundness(chosen, worlds: int, seed: int | None):
    """Each rule's soundness result, with a progress bar on stderr (it takes a few seconds a rule)."""
    from rich.progress import Progress

    from service.rules.soundness import check_soundness
    from service.trials import Trials

    found = {}
    with Trials() as trials, Progress(console=errors, transient=True, disable=not errors.is_terminal) as progress:
        task = progress.add_task("generating consistent worlds", total=len(chosen))
        for rule in chosen:
            progress.update(task, description=f"worlds for {rule.id}")
            found[rule.id] = check_soundness(rule, trials, max_examples=worlds, seed=seed)
            progress.advance(task)
    return found


def _failed_soundness(chosen, soundness) -> int:
    """Print each unsound rule's counter-example (or Tally bug), path:line first; how many failed."""
    failed = 0
    for rule in chosen:
        result = soundness.get(rule.id)
        if result is None or result.status not in ("unsound", "tally bug"):
            continue
        failed += 1
        what = "unsound: a world where every figure is true, which it calls contradicted" if result.status == "unsound" else f"Tally bug: {result.reason}"
        errors.print(f"{rule.file}:{rule.line}:1: {rule.id}: {what}", markup=False, highlight=False)
        errors.print(result.describe(), markup=False, highlight=False)
    return failed


def _test_table(chosen, results, soundness) -> Table:
    title = "Examples (both executors)" + (" and generated worlds" if soundness else "")
    table = Table(title=title)
    table.add_column("rule", no_wrap=True)
    table.add_column("examples", justify="right", no_wrap=True)
    if soundness:
        table.add_column("generated worlds", no_wrap=True)
    for rule in chosen:
        mine = [result for result in results if result.rule.id == rule.id]
        passed = sum(result.passed for result in mine)
        style = "yellow" if not mine else ("green" if passed == len(mine) else "bold red")
        cells = [rule.id, f"[{style}]{passed}/{len(mine)}[/]"]
        table.add_row(*cells, *([_soundness_cell(soundness[rule.id])] if soundness else []))
    return table


def _test_rows(chosen, results, soundness) -> list[list[object]]:
    rows = []
    for rule in chosen:
        mine = [result for result in results if result.rule.id == rule.id]
        sound = soundness.get(rule.id)
        rows.append([rule.id, sum(result.passed for result in mine), len(mine),
                     *([sound.worlds, sound.bound, sound.status] if soundness else [])])
    return rows


def _test_records(chosen, results, soundness) -> list[dict[str, object]]:
    columns = ["rule", "examples_passed", "examples", *(["worlds", "worlds_bound", "status"] if soundness else [])]
    return [dict(zip(columns, row)) for row in _test_rows(chosen, results, soundness)]


def _soundness_cell(result) -> str:
    if result.status == "sound":
        return f"[green]sound[/], {result.bound} of {result.worlds} bound"
    if result.status == "not generated":
        return "[yellow]not generated[/] (below)"
    return f"[bold red]{result.status}[/] after {result.worlds}"


def _existing_store(db_path: str | None, rules_dir: str | None):
    """The settings and rules of a command that reads a store: exit 2 if there is no store yet."""
    settings = Settings.from_env(db_path=db_path, rules_dir=rules_dir)
    if not Path(settings.db_path).exists():
        errors.print(f"[red]no store at {settings.db_path}[/]: run 'tally load' or 'tally serve' first")
        sys.exit(2)
    return settings, _rules_or_exit(settings.rules_dir)


def _rules_folder(folder: Path | None) -> Path:
    return folder if folder is not None else Path(Settings.from_env().rules_dir)


def _loaded_or_exit(folder: Path):
    """Every rule of the folder; else every broken file's problems, file:line:column, and exit 1."""
    from service.errors import format_rule_problem
    from service.reading.lexicon import LEXICON, lint_lexicon_dir
    from service.rules.loader import lint_dir, load_rules_dir

    failures = lint_dir(folder) + lint_lexicon_dir(folder / LEXICON)
    for failure in failures:
        for problem in failure.problems:
            errors.print(format_rule_problem(failure.path, problem), markup=False, highlight=False)
    if failures:
        sys.exit(1)
    return load_rules_dir(folder)


def _run_examples(loaded):
    from service.rules.examples import run_examples
    from service.trials import Trials

    with Trials() as trials:
        return run_examples(loaded, trials)


def _failed_examples(results) -> int:
    """Print each failure, path:line:column first; the number of examples that failed."""
    failed = [result for result in results if not result.passed]
    for result in failed:
        for failure in result.failures:
            errors.print(str(failure), markup=False, highlight=False)
    return len(failed)


@rules.command()
def schema() -> None:
    """Print the JSON Schema of a rule file (what rules/schema.json holds)."""
    import json

    from service.rules.loader import json_schema

    sys.stdout.write(json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n")


def _rules_or_exit(rules_dir: str):
    from service.errors import RuleFileError
    from service.rules.book import RuleBook

    try:
        return RuleBook(rules_dir)
    except RuleFileError as exc:
        errors.print(str(exc), markup=False, highlight=False)
        sys.exit(1)


_STATUS_STYLE = {"contradicted": "bold red", "implausible": "magenta", "revised": "cyan", "unverifiable": "yellow", "consistent": "green"}


def _verdict_table(verdicts) -> Table:
    table = Table(show_lines=True, title="Tally verdicts")
    table.add_column("status")
    table.add_column("rule")
    table.add_column("figures (source: quote)")
    table.add_column("computation and notes")
    for verdict in verdicts:
        figures = "\n".join(f"{e.role}: {e.figure} [{e.period}] ({e.source}: \u201c{e.quote}\u201d)" for e in verdict.claims)
        detail = "\n".join([verdict.computation, *verdict.notes])
        table.add_row(f"[{_STATUS_STYLE[verdict.status]}]{verdict.status}[/]", verdict.rule, figures, detail)
    return table


@contextlib.contextmanager
def _rule_progress(what: str = "rules") -> Iterator[Callable[[str, int, int], None]]:
    """A bar on stderr, a step per rule's SQL, gone when done; none unless stderr is a terminal (so JSON and logs stay clean)."""
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=errors, transient=True,
                  disable=not errors.is_terminal) as bar:
        task = bar.add_task(what, total=None)
        yield lambda rule_id, done, total: bar.update(task, description=f"{what}: {rule_id}", completed=done, total=total)


def _recompute_with_status(store: Store, rules, before: checking.Mark | None = None) -> None:
    """After a load (``before`` it), the verdicts brought up to date; otherwise recomputed only if the rules changed.

    A bar a step per rule: over a million claims this takes tens of seconds.
    """
    from service import checking

    with _rule_progress("computing the verdicts") as on_rule:
        if before is not None:
            checking.catch_up(store, rules, before, on_rule)
        else:
            checking.ensure_current(store, rules, on_rule)


def _load_with_progress(store: Store, paths: list[Path]) -> tuple[int, int]:
    """Store each file in its own transaction; report; (files that failed, claims added). Verdicts are the caller's."""
    failed = added = 0
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=errors, transient=True) as bar:
        for path in paths:
            task = bar.add_task(path.name, total=None)
            try:
                report = store_file(store, path, lambda done, total, task=task: bar.update(task, completed=done, total=total))
            except LoadError as exc:
                failed += 1
                errors.print(f"[red]{exc.path}[/]: {exc.where}: {exc.reason} [dim](nothing of this file was stored)[/]")
                continue
            added += report.claims_added
            errors.print(f"{path}: {report.sources_added} sources, {report.claims_added} claims added, {report.skipped} already stored")
    return failed, added


def _finite(record: dict[str, object]) -> dict[str, object]:
    """JSON has no infinity: an open end of an interval is null, as the API writes it."""
    return {k: None if isinstance(v, float) and v in (float("inf"), float("-inf")) else v for k, v in record.items()}


def _number(value: float) -> str:
    return f"{value:,.10g}".replace(",", " ") if value not in (float("inf"), float("-inf")) else ("+inf" if value > 0 else "-inf")


