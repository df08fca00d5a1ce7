"""Upgrades: a store records its schema version; an older store opens migrated, a newer one is refused.

``tests/data/store_before_11.duckdb`` was written by release 0.1.0 (main at 8a94433,
before stores recorded a version), with DuckDB 2.0.1: the seed fixtures loaded by
that release's ``tally load``.  It is copied before each use, never opened in place.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import shutil
import tomllib
from pathlib import Path

import duckdb
import httpx
import msgspec
import pytest
from click.testing import CliRunner
from packaging.requirements import Requirement

from service import checking
from service.cli import main
from service.errors import StoreUnavailable
from service.rules.book import RuleBook
from service.claims import ClaimIn
from service.origins import Origin
from service.sources import SourceIn
from service.store import MIGRATIONS, SCHEMA_VERSION, Store
from tests.helpers import FIXTURES_DIR, ROOT, SOURCE, ServerStarter, claim_body, run_tally

RELEASE_0_1_0 = ROOT / "tests" / "data" / "store_before_11.duckdb"
SEED_FILE = FIXTURES_DIR / "000_e809518fc2372e94.json"


@pytest.fixture
def old_store_file(tmp_path: Path) -> Path:
    path = tmp_path / "from-0.1.0.duckdb"
    shutil.copyfile(RELEASE_0_1_0, path)
    return path


def recorded_version(path: Path) -> str | None:
    """The schema version a store file records, read with DuckDB alone (no migration runs)."""
    with duckdb.connect(str(path)) as raw:
        tables = {name for (name,) in raw.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        if "settings" not in tables:
            return None
        rows = raw.execute("SELECT value FROM settings WHERE key = 'schema_version'").fetchall()
        return rows[0][0] if rows else None


def verdicts_without_dates(store: Store, rules: RuleBook) -> list[dict]:
    rendered = checking.render(store, rules.current, store.list_verdicts(rules.current).items)
    return [{k: v for k, v in msgspec.to_builtins(verdict).items() if k != "first_seen"} for verdict in rendered]


def first_seen(store: Store, rules: RuleBook) -> dict[str, object]:
    return {row.id: seen for row, seen in store.list_verdicts(rules.current).items}


def test_a_store_of_release_0_1_0_opens_migrated_with_the_same_claims_and_verdicts(
    old_store_file: Path, seeded_store: Store, rules: RuleBook
) -> None:
    assert recorded_version(old_store_file) is None, "release 0.1.0 recorded no version"
    with duckdb.connect(str(old_store_file), read_only=True) as raw:
        kept = {seen for (seen,) in raw.execute("SELECT first_seen FROM verdicts").fetchall()}
    with Store(str(old_store_file)) as old:
        assert old.schema_version() == SCHEMA_VERSION
        assert first_seen(old, rules) == {}, "version 4 sets claim-keyed verdicts aside until the recompute"
        checking.ensure_current(old, rules)  # version 4 recomputes: verdicts bind readings, under new ids
        assert old.list_sources().items == seeded_store.list_sources().items
        assert old.list_claims().items == seeded_store.list_claims().items
        assert verdicts_without_dates(old, rules) == verdicts_without_dates(seeded_store, rules)
        after = first_seen(old, rules)
        assert after and set(after.values()) <= kept, "a verdict keeps the day the old store first held its claims"
    assert recorded_version(old_store_file) == str(SCHEMA_VERSION), "the migration is committed"


def test_a_migrated_store_serves_and_takes_new_claims(old_store_file: Path, start_server: ServerStarter) -> None:
    with Store(str(old_store_file)) as old, start_server(old) as url, httpx.Client(base_url=url) as http:
        claims = http.get("/health").json()["claims"]
        assert http.post("/sources", json=SOURCE).status_code == 201
        assert http.post("/claims", json=claim_body("after the upgrade")).status_code == 201
        assert http.get("/health").json()["claims"] == claims + 1
        seed = json.loads(SEED_FILE.read_text(encoding="utf-8"))["claims"][0]
        assert http.post("/claims", json=seed).status_code == 409, "a claim of the old store is still recognised"


def test_a_store_of_schema_version_1_gains_origins_and_releases_and_keeps_its_claims(old_store_file: Path, tmp_path: Path, rules: RuleBook) -> None:
    """Version 2 added claims' origin and released, and the origins table: a version 1 store opens migrated."""
    version_1 = tmp_path / "version-1.duckdb"
    with duckdb.connect(str(version_1)) as raw:  # what the previous release made of a new file
        raw.execute(MIGRATIONS[1]).fetchall()
        raw.execute("INSERT INTO settings VALUES ('schema_version', '1')").fetchall()
    with Store(str(version_1)) as store:
        assert store.schema_version() == SCHEMA_VERSION == 5
        checking.store_batch(store, [("1", SourceIn(**SOURCE)), ("2", ClaimIn(**claim_body("kept")))])
        checking.recompute(store, rules)
        [claim] = store.list_claims().items
        assert (claim.origin, claim.released) == (None, None)
        store.add_origin(Origin(id="ma.office_des_changes", name="Office des changes"))
        assert store.origin_names() == {"ma.office_des_changes": "Office des changes"}
        assert store.query("SELECT origin, released FROM live_claims") == [(None, None)], "the view every rule reads has the new columns"
    with Store(str(old_store_file)) as old:  # release 0.1.0, through versions 1 and 2
        assert {claim.origin for claim in old.list_claims().items} == {None}


def test_a_store_of_schema_version_4_gains_each_verdicts_subject_as_a_recompute_writes_it(seeded_file: Path, tmp_path: Path) -> None:
    """Version 5 gave verdicts the subject their claims share (NULL when they span several), read from the claims."""
    path = tmp_path / "version-4.duckdb"
    shutil.copyfile(seeded_file, path)
    with Store(str(path)) as store:
        written = dict(store.query("SELECT id, subject FROM verdicts"))
        spanning = store.query("SELECT count(*) FROM (SELECT held.id FROM (SELECT id, unnest(claim_ids) AS claim_id FROM verdicts) AS held "
                               "JOIN claims ON claims.id = held.claim_id GROUP BY held.id HAVING count(DISTINCT subject) > 1)")[0][0]
    assert None not in written.values() or spanning, "a verdict is given no subject only when its claims span several"
    assert sum(subject is None for subject in written.values()) == spanning
    with duckdb.connect(str(path)) as raw:  # the table as version 4 left it: no subject column
        raw.execute("CREATE TABLE version_4 AS SELECT * EXCLUDE (subject) FROM verdicts; DROP TABLE verdicts; "
                    "ALTER TABLE version_4 RENAME TO verdicts; CREATE UNIQUE INDEX verdicts_id ON verdicts (id); "
                    "UPDATE settings SET value = '4' WHERE key = 'schema_version'").fetchall()
    with Store(str(path)) as store:
        assert store.schema_version() == 5
        assert dict(store.query("SELECT id, subject FROM verdicts")) == written


def test_a_new_store_records_the_current_version_and_reopening_migrates_nothing(db_path: Path) -> None:
    with Store(str(db_path)) as store:
        assert store.schema_version() == SCHEMA_VERSION
    before = db_path.read_bytes()
    with Store(str(db_path)) as reopened:
        assert reopened.schema_version() == SCHEMA_VERSION
    assert db_path.read_bytes() == before, "opening an up-to-date store writes nothing"


@pytest.fixture
def newer_store(db_path: Path) -> Path:
    """A store whose schema version is one this code does not know: a newer Tally wrote it."""
    with Store(str(db_path)):
        pass
    with duckdb.connect(str(db_path)) as raw:
        raw.execute("UPDATE settings SET value = ? WHERE key = 'schema_version'", [str(SCHEMA_VERSION + 1)]).fetchall()
    return db_path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_store_written_by_a_newer_tally_is_refused_and_left_as_it_was(newer_store: Path) -> None:
    before = digest(newer_store)
    with pytest.raises(StoreUnavailable) as refused:
        Store(str(newer_store))
    message = str(refused.value)
    assert f"schema version {SCHEMA_VERSION + 1}" in message and f"reads versions up to {SCHEMA_VERSION}" in message
    assert "newer Tally" in message
    assert digest(newer_store) == before


@pytest.mark.parametrize("command", ["check", "load"])
def test_the_command_line_refuses_a_newer_store_in_one_line(newer_store: Path, command: str) -> None:
    args = [command, "--db", str(newer_store)] + ([str(ROOT / "examples" / "claims.csv")] if command == "load" else [])
    result = CliRunner(env={"COLUMNS": "1000"}).invoke(main, args)
    assert result.exit_code == 2, result.output
    [line] = result.output.strip().splitlines()
    assert "written by a newer Tally" in line and str(newer_store) in line


def test_serve_refuses_a_newer_store_in_one_line(newer_store: Path) -> None:
    # A process of its own: were the store not refused, it would serve (until the deadline), not return.
    result = run_tally("serve", "--db", newer_store, "--port", "0")
    assert result.returncode == 2, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert "written by a newer Tally" in line and str(newer_store) in line


def test_the_installed_duckdb_is_in_the_range_pyproject_pins() -> None:
    """The tests run on the DuckDB installed here: pyproject must not allow one they never ran on."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    [duckdb_requirement] = [Requirement(d) for d in project["dependencies"] if Requirement(d).name == "duckdb"]
    assert duckdb_requirement.specifier.contains(importlib.metadata.version("duckdb"))
    upper = [spec for spec in duckdb_requirement.specifier if spec.operator in ("<", "<=", "~=", "==")]
    assert upper, f"{duckdb_requirement}: pin an upper bound (a new DuckDB may change its file format)"
