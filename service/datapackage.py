"""The store as a Frictionless Data Package (v2): CSV tables and the ``datapackage.json`` that types and links them.

``tally export --datapackage DIR`` writes it to a folder, ``GET /datapackage.zip`` as a zip;
pandas, R, a spreadsheet or ``frictionless validate`` read it without Tally (docs/data.md):

* ``sources.csv``: who printed figures (primary key ``id``);
* ``claims.csv``: every claim, the listing of ``GET /claims?format=csv`` (withdrawn ones
  kept and marked), ``source`` a foreign key to ``sources``, ``superseded_by`` and
  ``corrects`` to ``claims`` itself;
* ``verdicts.csv``: every verdict of the rules in force, with its margin and computation;
* ``verdict_claims.csv``: the figures each verdict read, one row per (verdict, role, claim):
  a role may hold several claims (a group, reprints of one figure), which no column of
  ``verdicts.csv`` could hold and keep a foreign key.

Cells are written by service/spreadsheets.py's layouts: a number column holds numbers
only (typed ``number`` in the schema) and is never escaped; a text cell that a
spreadsheet would run as a formula carries one leading ``'`` (see that module), which
the schema says in each text field's description.  The package names the desk
(``TALLY_DESK_NAME``) and carries the licence of ``TALLY_DATA_LICENSE`` (an SPDX id such
as ``CC-BY-4.0``, or a URL), none when it is unset: data without a licence is not open
by default, and Tally does not pick one for a newsroom.
"""

from __future__ import annotations

import datetime
import io
import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from service import checking
from service.rules.book import RuleBook
from service.settings import Settings
from service.sources import Source
from service.spreadsheets import CLAIM_LISTING, Layout, claim_row, layout_csv
from service.store import Store
from service.verdicts import STATUS_ORDER, Verdict

PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"
RESOURCE_PROFILE = "https://datapackage.org/profiles/2.0/dataresource.json"
SCHEMA_PROFILE = "https://datapackage.org/profiles/2.0/tableschema.json"
ESCAPED = "A cell a spreadsheet would run as a formula (starting with = + - @, a tab or a line break), or starting with ', has one ' before it."

SOURCE_TABLE = Layout(("id", "title", "outlet", "language", "url", "published", "speaker", "rounding", "weight"), numbers=frozenset({"weight"}))
VERDICT_TABLE = Layout(("id", "rule", "status", "margin", "margin_unit", "computation", "first_seen"), numbers=frozenset({"margin"}))
VERDICT_CLAIM_TABLE = Layout(("verdict", "role", "claim"))

# Every field is text unless named here: (Table Schema type, description).
TYPES: dict[str, dict[str, tuple[str, str]]] = {
    "sources": {
        "published": ("date", "When the source printed its figures."),
        "weight": ("number", "What doubting this source's figures costs (GET /blame)."),
    },
    "claims": {
        "lo": ("number", "The low end of the interval the figure means, in unit (empty: no interval; -inf: open below)."),
        "hi": ("number", "The high end of the interval the figure means, in unit (empty: no interval; inf: open above)."),
        "withdrawn_at": ("datetime", "When the claim was retracted or corrected."),
    },
    "verdicts": {
        "margin": ("number", "By how much the figures fail to tally, in margin_unit (empty: not a contradiction by a number)."),
        "first_seen": ("datetime", "When the store first held this verdict."),
    },
    "verdict_claims": {},
}


@dataclass(frozen=True)
class Table:
    name: str
    layout: Layout
    rows: list[list[Any]]
    primary_key: tuple[str, ...]
    foreign_keys: tuple[tuple[tuple[str, ...], str | None, tuple[str, ...]], ...] = ()  # (fields, resource (None: itself), fields)
    title: str = ""


def tables(store: Store, rules: RuleBook) -> list[Table]:
    """The four tables, read under one hold of the store: verdicts of the rules in force, and the claims they read."""
    with checking.in_force(store, rules) as (current, connection):
        verdicts = checking.render(store, current, store.list_verdicts(current, connection=connection).items, connection)
    sources = store.list_sources().items
    claims = store.list_claims().items
    return [
        Table("sources", SOURCE_TABLE, [_source_row(s) for s in sources], ("id",), title="Who printed figures"),
        Table("claims", CLAIM_LISTING, [claim_row(c) for c in claims], ("id",),
              (( ("source",), "sources", ("id",)), (("superseded_by",), None, ("id",)), (("corrects",), None, ("id",))),
              title="Every figure printed, as read"),
        Table("verdicts", VERDICT_TABLE, [_verdict_row(v) for v in verdicts], ("id",), title="What the rules in force found"),
        Table("verdict_claims", VERDICT_CLAIM_TABLE, _verdict_claims(verdicts), ("verdict", "role", "claim"),
              ((("verdict",), "verdicts", ("id",)), (("claim",), "claims", ("id",))), title="The claims each verdict read, by role"),
    ]


def descriptor(settings: Settings, found: list[Table], created: datetime.datetime | None = None) -> dict[str, Any]:
    """``datapackage.json``: the desk's name, the licence if one is set, and a table schema per file."""
    package: dict[str, Any] = {
        "$schema": PROFILE,
        "name": package_name(settings.desk_name),
        "title": f"{settings.desk_name}: figures, claims and verdicts",
        "description": "Printed official figures, the claims read from them, and the verdicts of Tally's rules over them.",
        "homepage": settings.public_url,
        "created": (created or datetime.datetime.now(datetime.timezone.utc)).isoformat(timespec="seconds"),
        "contributors": [{"title": settings.desk_name, "roles": ["publisher"]}],
    }
    if settings.data_license:
        license_ = settings.data_license.strip()
        package["licenses"] = [{"path": license_} if re.match(r"https?://", license_) else {"name": license_}]
    package["resources"] = [_resource(table) for table in found]
    return package


def files(store: Store, rules: RuleBook, settings: Settings) -> dict[str, bytes]:
    """Each file of the package by name, ``datapackage.json`` first."""
    found = tables(store, rules)
    written = {f"{table.name}.csv": layout_csv(table.layout, table.rows).encode("utf-8") for table in found}
    # Dated by the store's newest verdict, not the request: the same store gives the same bytes
    # (a HEAD and its GET, two downloads compared), as the desk's Last-Modified says.
    created = store.query("SELECT max(first_seen) FROM verdicts")[0][0]
    return {"datapackage.json": (json.dumps(descriptor(settings, found, created), indent=2, ensure_ascii=False) + "\n").encode("utf-8"), **written}


def write_folder(folder: Path, package: dict[str, bytes]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in package.items():
        (folder / name).write_bytes(data)
        written.append(folder / name)
    return written


def zipped(package: dict[str, bytes]) -> bytes:
    """The files in a zip whose entries are dated as ``datapackage.json``'s ``created``: the same package, the same bytes."""
    created = json.loads(package["datapackage.json"])["created"]
    stamp = datetime.datetime.fromisoformat(created).astimezone(datetime.timezone.utc).timetuple()[:6]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in package.items():
            entry = zipfile.ZipInfo(name, date_time=stamp)
            entry.external_attr = 0o644 << 16  # rw-r--r-- once unzipped, as writestr(name) would give
            archive.writestr(entry, data, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def _resource(table: Table) -> dict[str, Any]:
    types = TYPES[table.name]
    fields = []
    for column in table.layout.columns:
        kind, description = types.get(column, ("string", ESCAPED))
        field: dict[str, Any] = {"name": column, "type": kind, "description": description}
        if column == "status" and table.name == "verdicts":
            field["constraints"] = {"enum": list(STATUS_ORDER)}
        if column in table.primary_key:
            field.setdefault("constraints", {})["required"] = True
        fields.append(field)
    schema: dict[str, Any] = {"$schema": SCHEMA_PROFILE, "fields": fields, "primaryKey": list(table.primary_key), "missingValues": [""]}
    if table.foreign_keys:
        schema["foreignKeys"] = [
            {"fields": list(mine), "reference": {**({"resource": resource} if resource else {}), "fields": list(theirs)}}
            for mine, resource, theirs in table.foreign_keys
        ]
    return {
        "$schema": RESOURCE_PROFILE, "name": table.name, "title": table.title, "type": "table", "path": f"{table.name}.csv",
        "format": "csv", "mediatype": "text/csv", "encoding": "utf-8", "schema": schema,
    }


def package_name(desk_name: str) -> str:
    """A package name as v2 asks: lower-case letters, digits, '-', '_' and '.'."""
    return re.sub(r"[^a-z0-9._-]+", "-", desk_name.lower()).strip("-") or "tally"


def _source_row(source: Source) -> list[Any]:
    published = source.published.isoformat() if source.published else None
    return [source.id, source.title, source.outlet, source.language, source.url, published, source.speaker, source.rounding, source.weight]


def _verdict_row(verdict: Verdict) -> list[Any]:
    first_seen = verdict.first_seen.isoformat() if verdict.first_seen else None
    return [verdict.id, verdict.rule, verdict.status, verdict.margin, verdict.margin_unit, verdict.computation, first_seen]


def _verdict_claims(verdicts: list[Verdict]) -> list[list[Any]]:
    rows = {(verdict.id, evidence.role, evidence.id): None for verdict in verdicts for evidence in verdict.claims}
    return [list(row) for row in rows]


