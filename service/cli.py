"""The ``tally`` command: serve the API, load files, read a figure, check a store, lint rules."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from service.figures import FigureError, Rounding, parse_figure
from service.loading import LoadError, load_file
from service.settings import Settings
from service.store import Store

console = Console()
errors = Console(stderr=True)

DB_OPTION = click.option("--db", "db_path", type=click.Path(dir_okay=False), help="DuckDB file (default: TALLY_DB_PATH or ./tally.duckdb).")


@click.group()
@click.version_option(package_name="tally")
def main() -> None:
    """Tally: check the arithmetic between printed official figures."""


@main.command()
@DB_OPTION
@click.option("--host", default=None, help="Interface to listen on (default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port to listen on (default 8000).")
@click.option("--rules", "rules_dir", type=click.Path(file_okay=False), default=None, help="Folder of rule files.")
@click.option("--no-fixtures", is_flag=True, help="Do not load the seed fixtures at start-up.")
def serve(db_path: str | None, host: str | None, port: int | None, rules_dir: str | None, no_fixtures: bool) -> None:
    """Serve the HTTP API on an embedded DuckDB file, with the seed fixtures loaded."""
    import uvicorn

    from service.app import create_app
    from service.rules.book import RuleBook

    settings = Settings.from_env(
        db_path=db_path, host=host, port=port, rules_dir=rules_dir, load_fixtures=False if no_fixtures else None
    )
    with Store(settings.db_path) as store:
        if settings.load_fixtures:
            _load_with_progress(store, sorted(Path(settings.fixtures_dir).glob("*.json")))
        rules = RuleBook(settings.rules_dir)
        console.print(f"[bold]Tally[/] on http://{settings.host}:{settings.port}  store {settings.db_path}  "
                      f"{store.count_claims()} claims")
        uvicorn.run(create_app(settings, store, rules), host=settings.host, port=settings.port, log_level="info")


@main.command()
@DB_OPTION
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def load(db_path: str | None, files: tuple[Path, ...]) -> None:
    """Load JSON ({"sources": [...], "claims": [...]}) or NDJSON claim files, one transaction per file."""
    settings = Settings.from_env(db_path=db_path)
    with Store(settings.db_path) as store:
        failed = _load_with_progress(store, list(files))
    sys.exit(1 if failed else 0)


@main.command()
@click.argument("text")
@click.option("--lang", type=click.Choice(["fr", "en"]), default="fr", show_default=True)
@click.option("--rounding", type=click.Choice([r.value for r in Rounding]), default=Rounding.HALF_UP.value, show_default=True)
def parse(text: str, lang: str, rounding: str) -> None:
    """Print the interval a printed figure means, and why."""
    try:
        parsed = parse_figure(text, lang, Rounding(rounding))
    except FigureError as exc:
        errors.print(f"[red]cannot read[/] {text!r}: {exc}")
        sys.exit(2)
    console.print(f"[bold]{text}[/] -> [{_number(parsed.interval.lo)}, {_number(parsed.interval.hi)}] {parsed.unit}")
    for step in parsed.explanation:
        console.print(f"  - {step}")


def _load_with_progress(store: Store, paths: list[Path]) -> int:
    """Load each file in its own transaction; report, and count the files that failed."""
    failed = 0
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=errors, transient=True) as bar:
        for path in paths:
            task = bar.add_task(path.name, total=None)
            try:
                report = load_file(store, path, lambda done, total, task=task: bar.update(task, completed=done, total=total))
            except LoadError as exc:
                failed += 1
                errors.print(f"[red]{exc.path}[/]: {exc.where}: {exc.reason} [dim](nothing of this file was stored)[/]")
                continue
            errors.print(f"{path}: {report.sources_added} sources, {report.claims_added} claims added, {report.skipped} already stored")
    return failed


def _number(value: float) -> str:
    return f"{value:,.10g}".replace(",", " ") if value not in (float("inf"), float("-inf")) else ("+inf" if value > 0 else "-inf")


