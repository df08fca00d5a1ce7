"""The store as a Frictionless Data Package (service/datapackage.py), validated by the ``frictionless`` library.

``tally export --datapackage DIR`` and ``GET /datapackage.zip`` write the same package;
docs/data.md's pandas snippet runs on it as written.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
import zipfile
from pathlib import Path

import frictionless
import httpx
import pytest
from click.testing import CliRunner, Result

from service.cli import main
from service.store import Store
from tests.helpers import FIXTURES_DIR, RULES_DIR, SOURCE, ServerStarter, claim_body

ROOT = Path(__file__).resolve().parent.parent
DATA_DOC = (ROOT / "docs" / "data.md").read_text(encoding="utf-8")
FILES = ["datapackage.json", "sources.csv", "claims.csv", "verdicts.csv", "verdict_claims.csv"]


def tally(*args: str | Path, env: dict[str, str] | None = None) -> Result:
    return CliRunner(env={"TALLY_DATA_LICENSE": "", **(env or {})}).invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def seeded_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("package") / "seeded.duckdb"
    assert tally("load", "--db", db, *sorted(FIXTURES_DIR.glob("*.json"))).exit_code == 0
    return db


@pytest.fixture(scope="module")
def exported(seeded_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("export") / "tally-data"
    result = tally("export", "--db", seeded_db, "--rules", RULES_DIR, "--datapackage", folder)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [str(folder / name) for name in FILES]
    assert "no TALLY_DATA_LICENSE" in result.stderr
    return folder


def _valid(descriptor: Path) -> frictionless.Report:
    report = frictionless.validate(str(descriptor))
    problems = [f"{task.name}: {error.message}" for task in report.tasks for error in task.errors] + [e.message for e in report.errors]
    assert report.valid, problems[:10]
    return report


def test_the_exported_package_is_valid_typed_and_keyed(exported: Path, seeded_db: Path) -> None:
    report = _valid(exported / "datapackage.json")
    assert {task.name: task.stats["rows"] for task in report.tasks}["verdict_claims"] > 0
    package = json.loads((exported / "datapackage.json").read_text(encoding="utf-8"))
    assert package["$schema"] == "https://datapackage.org/profiles/2.0/datapackage.json"
    assert package["name"] == "tally" and package["contributors"][0]["title"] == "Tally"
    assert "licenses" not in package, "no licence when TALLY_DATA_LICENSE is unset"
    schemas = {resource["name"]: resource["schema"] for resource in package["resources"]}
    assert [resource["path"] for resource in package["resources"]] == FILES[1:]
    types = {name: {field["name"]: field["type"] for field in schema["fields"]} for name, schema in schemas.items()}
    assert types["claims"]["lo"] == types["claims"]["hi"] == types["verdicts"]["margin"] == types["sources"]["weight"] == "number"
    assert types["sources"]["published"] == "date" and types["verdicts"]["first_seen"] == "datetime"
    assert schemas["verdict_claims"]["primaryKey"] == ["verdict", "role", "claim"]
    assert {(tuple(k["fields"]), k["reference"].get("resource")) for k in schemas["verdict_claims"]["foreignKeys"]} == {
        (("verdict",), "verdicts"), (("claim",), "claims")}
    assert {"fields": ["source"], "reference": {"resource": "sources", "fields": ["id"]}} in schemas["claims"]["foreignKeys"]
    with Store(str(seeded_db)) as store:
        claims, sources = store.count_claims(), store.list_sources().total
    rows = {task.name: task.stats["rows"] for task in report.tasks}
    assert rows["claims"] == claims and rows["sources"] == sources


def test_verdict_claims_holds_a_row_per_verdict_role_and_claim(exported: Path, seeded_db: Path) -> None:
    verdicts = json.loads(tally("check", "--db", seeded_db, "--rules", RULES_DIR, "--status", "all", "--json").stdout)["verdicts"]
    expected = {(v["id"], c["role"], c["id"]) for v in verdicts for c in v["claims"]}
    resource = frictionless.Resource(str(exported / "verdict_claims.csv"))
    assert {(row["verdict"], row["role"], row["claim"]) for row in resource.read_rows()} == expected


def test_a_broken_reference_is_caught_by_the_schema(exported: Path, tmp_path: Path) -> None:
    """The foreign keys are checked, not only declared: the validation above has teeth."""
    broken = tmp_path / "broken"
    shutil.copytree(exported, broken)
    links = (broken / "verdict_claims.csv").read_text(encoding="utf-8")
    (broken / "verdict_claims.csv").write_text(links.replace('"c-', '"gone-', 1), encoding="utf-8")
    report = frictionless.validate(str(broken / "datapackage.json"))
    assert not report.valid and {error.type for task in report.tasks for error in task.errors} == {"foreign-key"}


def test_the_licence_comes_from_the_setting(seeded_db: Path, tmp_path: Path) -> None:
    for licence, expected in (("CC-BY-4.0", {"name": "CC-BY-4.0"}), ("https://opendatacommons.org/licenses/odbl/1-0/", {"path": "https://opendatacommons.org/licenses/odbl/1-0/"})):
        folder = tmp_path / expected.get("name", "odbl")
        result = tally("export", "--db", seeded_db, "--rules", RULES_DIR, "--datapackage", folder,
                       env={"TALLY_DATA_LICENSE": licence, "TALLY_DESK_NAME": "Le Desk de Rabat"})
        assert result.exit_code == 0 and "no TALLY_DATA_LICENSE" not in result.stderr
        package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
        assert package["licenses"] == [expected]
        assert package["name"] == "le-desk-de-rabat" and package["contributors"][0]["title"] == "Le Desk de Rabat"
        _valid(folder / "datapackage.json")


def test_text_is_escaped_and_numbers_are_not(seeded_db: Path, tmp_path: Path) -> None:
    """A quote a spreadsheet would run gets its ' mark; a negative number stays a number, typed and valid."""
    db = tmp_path / "escaped.duckdb"
    shutil.copyfile(seeded_db, db)
    sources, claims = tmp_path / "sources.json", tmp_path / "claims.ndjson"
    sources.write_text(json.dumps({"sources": [SOURCE]}), encoding="utf-8")
    quote = "-8,5 % pour les exportations en 2025"
    claims.write_text(json.dumps(claim_body(quote, measure="growth", figure="-8,5 %")) + "\n", encoding="utf-8")
    assert tally("load", "--db", db, sources, claims).exit_code == 0
    folder = tmp_path / "package"
    assert tally("export", "--db", db, "--rules", RULES_DIR, "--datapackage", folder).exit_code == 0
    _valid(folder / "datapackage.json")
    [row] = [row for row in frictionless.Resource(str(folder / "claims.csv")).read_rows() if row["source"] == "desk"]
    assert row["quote"] == "'" + quote and row["figure"] == "'-8,5 %", "text a spreadsheet would run is marked"
    assert row["lo"] < 0 and float(row["lo"]) == pytest.approx(-8.55), "a number column is a number, unescaped"


def test_get_datapackage_zip_is_the_same_package(start_server: ServerStarter, seeded_file: Path, tmp_path: Path) -> None:
    db = tmp_path / "served.duckdb"
    shutil.copyfile(seeded_file, db)
    with Store(str(db)) as served, start_server(served, desk_name="Tally", data_license="CC-BY-4.0") as base_url:
        answer = httpx.get(base_url + "/datapackage.zip", timeout=120)
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/zip"
    assert 'filename="tally-datapackage.zip"' in answer.headers["content-disposition"]
    folder = tmp_path / "unzipped"
    with zipfile.ZipFile(io.BytesIO(answer.content)) as archive:
        assert archive.namelist() == FILES
        archive.extractall(folder)
    _valid(folder / "datapackage.json")
    assert json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))["licenses"] == [{"name": "CC-BY-4.0"}]
    exported = tmp_path / "exported"
    assert tally("export", "--db", db, "--rules", RULES_DIR, "--datapackage", exported).exit_code == 0
    for name in FILES[1:]:
        if name != "verdicts.csv":  # first_seen: each store says when it first held a verdict
            assert (folder / name).read_bytes() == (exported / name).read_bytes(), name


def test_the_pandas_snippet_of_docs_data_runs_as_written(exported: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    [snippet] = re.findall(r"### Opening it with pandas\n\n```python\n(.*?)```", DATA_DOC, re.S)
    monkeypatch.chdir(exported.parent)  # the snippet reads the folder tally export wrote, tally-data
    printed = io.StringIO()
    scope: dict[str, object] = {}
    with contextlib.redirect_stdout(printed):
        exec(compile(snippet, "docs/data.md", "exec"), scope)  # noqa: S102 - our own documentation, run as a reader would
    contradictions = scope["contradictions"]
    verdicts = scope["verdicts"]
    assert str(verdicts["margin"].dtype) == "float64" and "datetime64" in str(verdicts["first_seen"].dtype)
    contradicted = set(verdicts.loc[verdicts["status"] == "contradicted", "id"])
    assert set(contradictions["verdict"]) == contradicted and contradicted
    assert contradictions["outlet"].notna().all(), "every figure's outlet, through the foreign keys"
    assert "Aziz Akhannouch" in printed.getvalue() or "quelque 1,23 milliard de dirhams" in printed.getvalue()


def test_docs_data_pipe_examples_are_what_tally_prints() -> None:
    [parse_example] = re.findall(r'\$ tally parse "([^"]+)" \| cut -f2-4\n(.*?)\n(.*?)\n', DATA_DOC)
    figure, header, row = parse_example
    lines = [line.split("\t")[1:4] for line in tally("parse", figure).stdout.splitlines()]
    assert lines == [header.split("\t"), row.split("\t")]
