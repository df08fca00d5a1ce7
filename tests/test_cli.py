"""The ``tally`` command, run in-process by click's CliRunner on real store files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result
from litestar.testing import TestClient

from service.cli import main
from service.rules.loader import load_rules_dir
from service.store import Store
from tests.helpers import FIXTURES_DIR, NO_RULE_FOLDERS, RULES_DIR, SOURCE, claim_body, no_rule_folder


def claim_line(quote: str, **changes: str) -> str:
    return json.dumps(claim_body(quote, **changes), ensure_ascii=False)


def tally(*args: str | Path) -> Result:
    # A wide terminal: rich would otherwise wrap long paths and messages at 80 columns.
    return CliRunner(env={"COLUMNS": "1000"}).invoke(main, [str(a) for a in args], catch_exceptions=False)


def one_line(printed: str) -> str:
    """What rich printed, unwrapped: its console was sized before CliRunner set COLUMNS."""
    return " ".join(printed.split())


def claims_in(db: Path) -> int:
    with Store(str(db)) as store:
        return store.count_claims()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "cli.duckdb"


@pytest.fixture
def source_file(tmp_path: Path) -> Path:
    path = tmp_path / "sources.json"
    path.write_text(json.dumps({"sources": [SOURCE]}))
    return path


@pytest.fixture(scope="module")
def seeded_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every fixture loaded by ``tally load``; ``tally check`` only reads it."""
    db = tmp_path_factory.mktemp("cli") / "seeded.duckdb"
    result = tally("load", "--db", db, *sorted(FIXTURES_DIR.glob("*.json")))
    assert result.exit_code == 0, result.output
    return db


# --- tally parse -----------------------------------------------------------------------------


def test_parse_prints_the_interval_and_its_reasons() -> None:
    """Piped (CliRunner is not a terminal): one row, the interval whole; tests/test_cli_output.py sees the terminal's lines."""
    result = tally("parse", "1,14 milliard de dirhams", "--lang", "fr")
    assert result.exit_code == 0
    header, row = result.stdout.splitlines()
    assert header.split("\t") == ["figure", "lo", "hi", "unit", "explanation"]
    assert row.split("\t")[:4] == ["1,14 milliard de dirhams", "1135000000", "1145000000", "MAD"]
    for reason in ("'1,14' read as 1.14 (decimal comma)", "'milliard' scales by 10^9", "'dirhams' is MAD"):
        assert reason in row.split("\t")[4]


def test_parse_reads_by_the_source_s_rounding() -> None:
    result = tally("parse", "1,14 milliard de dirhams", "--rounding", "truncate")
    assert result.stdout.splitlines()[1].split("\t")[1:4] == ["1140000000", "1150000000", "MAD"]


def test_parse_of_unreadable_text_fails_naming_the_part() -> None:
    result = tally("parse", "beaucoup de dirhams")
    assert result.exit_code != 0
    assert "'beaucoup'" in result.stderr
    assert result.stdout == ""


# --- tally load ----------------------------------------------------------------------------------


def test_load_stores_a_json_file(db: Path) -> None:
    fixture = FIXTURES_DIR / "002_287df34398fbc36b.json"
    result = tally("load", "--db", db, fixture)
    assert result.exit_code == 0, result.output
    assert "1 sources, 8 claims added" in result.stderr
    assert claims_in(db) == 8


def test_load_stores_an_ndjson_file(db: Path, source_file: Path, tmp_path: Path) -> None:
    lines = tmp_path / "claims.ndjson"
    lines.write_text(claim_line("a") + "\n\n" + claim_line("b", measure="growth", figure="11 %") + "\n", encoding="utf-8")
    result = tally("load", "--db", db, source_file, lines)
    assert result.exit_code == 0, result.output
    assert "2 claims added" in result.stderr
    assert claims_in(db) == 2


@pytest.mark.parametrize(
    "third_line",
    [
        pytest.param(claim_line("c", figure="beaucoup"), id="unreadable-figure"),
        pytest.param(claim_line("c", source="nobody"), id="unknown-source"),
        pytest.param('{"source": "desk", "quote": ', id="truncated-json"),
        pytest.param(claim_line("c", measure="speed"), id="bad-measure"),
    ],
)
def test_a_bad_line_is_reported_and_nothing_of_its_file_is_stored(
    db: Path, source_file: Path, tmp_path: Path, third_line: str
) -> None:
    tally("load", "--db", db, source_file)
    before = claims_in(db)
    lines = tmp_path / "bad.ndjson"
    lines.write_text("\n".join([claim_line("a"), claim_line("b", period="2024"), third_line]) + "\n", encoding="utf-8")
    result = tally("load", "--db", db, lines)
    assert result.exit_code == 1
    assert f"{lines}: line 3:" in result.stderr
    assert "nothing of this file was stored" in result.stderr
    assert claims_in(db) == before


def test_loading_the_same_file_twice_adds_nothing(db: Path, source_file: Path, tmp_path: Path) -> None:
    lines = tmp_path / "claims.ndjson"
    lines.write_text(claim_line("a") + "\n", encoding="utf-8")
    tally("load", "--db", db, source_file, lines)
    result = tally("load", "--db", db, source_file, lines)
    assert result.exit_code == 0
    assert "0 claims added, 1 already stored" in result.stderr
    assert claims_in(db) == 1


# --- tally check ------------------------------------------------------------------------------------


SEED_CONTRADICTED_RULES = {  # growth-links-levels finds only an implausible fit on the seeds: 2024 stands in for Jan-Nov
    "same-figure",
    "growths-imply-one-base",
    "same-category",
}


def test_check_lists_the_seed_contradictions(seeded_db: Path) -> None:
    as_json = tally("check", "--db", seeded_db, "--rules", RULES_DIR, "--status", "contradicted", "--json")
    contradicted = json.loads(as_json.stdout)["verdicts"]
    assert {v["rule"] for v in contradicted} == SEED_CONTRADICTED_RULES
    assert {v["status"] for v in contradicted} == {"contradicted"}

    result = tally("check", "--db", seeded_db, "--rules", RULES_DIR, "--status", "contradicted")
    assert result.exit_code == 0, result.output
    # piped: the summary's rows, an empty line, then a row per verdict, each field whole
    summary, listing = result.stdout.split("\n\n")
    rows = [line.split("\t") for line in listing.splitlines()[1:]]
    assert [row[0] for row in rows] == [v["id"] for v in contradicted]
    assert {row[1] for row in rows} == {"contradicted"}, "only the verdicts asked for are listed"
    assert result.stderr.rstrip().endswith(f"{len(contradicted)} verdicts listed (contradicted)")


def test_check_summarises_every_rule_and_times_it_with_stats(seeded_db: Path) -> None:
    printed = json.loads(tally("check", "--db", seeded_db, "--rules", RULES_DIR, "--json", "--status", "all").stdout)
    summary = {row["rule"]: row for row in printed["rules"]}
    assert set(summary) == {rule.id for rule in load_rules_dir(RULES_DIR)}
    assert sum(row["contradicted"] + row["implausible"] + row["unverifiable"] + row["consistent"] for row in summary.values()) == printed["total"]
    assert {rule for rule, row in summary.items() if row["contradicted"]} == SEED_CONTRADICTED_RULES
    result = tally("check", "--db", seeded_db, "--rules", RULES_DIR, "--stats")
    assert result.exit_code == 0, result.output
    header, *rows = result.stdout.split("\n\n")[0].splitlines()
    assert header.split("\t")[-1] == "seconds" and {row.split("\t")[0] for row in rows} == set(summary)
    assert "verdicts listed (contradicted) in" in result.stderr, "the contradictions are listed by default"


def test_check_json_is_what_get_verdicts_answers(seeded_db: Path, seeded_reader: TestClient) -> None:
    result = tally("check", "--db", seeded_db, "--rules", RULES_DIR, "--json", "--status", "all")
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    served = seeded_reader.get("/verdicts").json()
    assert printed["total"] == served["total"]
    # the same verdicts; each store says when it first held them
    assert [v | {"first_seen": None} for v in printed["verdicts"]] == [v | {"first_seen": None} for v in served["verdicts"]]


def test_check_without_a_store_file_says_so(tmp_path: Path) -> None:
    missing = tmp_path / "missing.duckdb"
    result = tally("check", "--db", missing, "--rules", RULES_DIR)
    assert result.exit_code == 2
    assert "no store at" in result.stderr
    assert not missing.exists(), "check must not create a store"


def test_check_subject_lists_only_the_verdicts_on_that_subject(seeded_db: Path, seeded_reader: TestClient) -> None:
    subject = "ma.handicraft.digital_platform.partner_bank"
    result = tally("check", "--db", seeded_db, "--rules", RULES_DIR, "--status", "all", "--subject", subject, "--json")
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    served = seeded_reader.get("/verdicts", params={"subject": subject}).json()
    assert printed["total"] == served["total"] > 0
    assert [v["id"] for v in printed["verdicts"]] == [v["id"] for v in served["verdicts"]]
    assert all(any(c["subject"] == subject for c in v["claims"]) for v in printed["verdicts"])
    shown = tally("check", "--db", seeded_db, "--rules", RULES_DIR, "--subject", "ma.regions")
    assert one_line(shown.stderr).endswith("0 verdicts listed (contradicted) on subject ma.regions")


# --- tally explain -----------------------------------------------------------------------------------


def same_figure_verdict(seeded_db: Path) -> dict:
    verdicts = json.loads(tally("check", "--db", seeded_db, "--rules", RULES_DIR, "--json").stdout)["verdicts"]
    (found,) = [v for v in verdicts if v["rule"] == "same-figure" and "1,14 milliard de dirhams (MMDH)" in [c["figure"] for c in v["claims"]]]
    return found


def test_explain_prints_the_evidence(seeded_db: Path) -> None:
    verdict = same_figure_verdict(seeded_db)
    result = tally("explain", "--db", seeded_db, "--rules", RULES_DIR, verdict["id"])
    assert result.exit_code == 0, result.output
    printed = one_line(result.stdout)
    for part in ("contradicted", verdict["title"], verdict["computation"], "Aziz Akhannouch", "2026-01-19",
                 "[1 135 000 000, 1 145 000 000] MAD", "margin 80 000 000 MAD"):
        assert part in printed, part
    for evidence in verdict["claims"]:
        assert f"\u201c{' '.join(evidence['quote'].split())}\u201d" in printed
        assert f"{evidence['role']}: {evidence['figure']}" in printed and evidence["source"] in printed
    for diagnosis in verdict["diagnoses"]:
        assert diagnosis["title"] in printed and " ".join(diagnosis["computation"].split()) in printed


def test_explain_json_is_what_get_verdict_answers(seeded_db: Path, seeded_reader: TestClient) -> None:
    verdict = same_figure_verdict(seeded_db)
    result = tally("explain", "--db", seeded_db, "--rules", RULES_DIR, verdict["id"], "--json")
    assert result.exit_code == 0, result.output
    served = seeded_reader.get(f"/verdicts/{verdict['id']}").json()
    assert json.loads(result.stdout) | {"first_seen": None} == served | {"first_seen": None}


def test_explain_of_an_unknown_verdict_says_so_and_exits_2(seeded_db: Path) -> None:
    result = tally("explain", "--db", seeded_db, "--rules", RULES_DIR, "v-0000000000000000")
    assert result.exit_code == 2
    assert "no verdict with id 'v-0000000000000000'" in result.stderr
    assert result.stdout == ""


# --- tally blame -------------------------------------------------------------------------------------


def test_blame_json_is_what_get_blame_answers(seeded_db: Path, seeded_reader: TestClient) -> None:
    result = tally("blame", "--db", seeded_db, "--rules", RULES_DIR, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == seeded_reader.get("/blame").json()
    subject = "ma.handicraft.digital_platform.partner_bank"
    narrowed = tally("blame", "--db", seeded_db, "--rules", RULES_DIR, "--subject", subject, "--json")
    assert json.loads(narrowed.stdout) == seeded_reader.get("/blame", params={"subject": subject}).json()


def test_blame_prints_the_claims_and_the_sets(seeded_db: Path) -> None:
    answer = json.loads(tally("blame", "--db", seeded_db, "--rules", RULES_DIR, "--json").stdout)
    result = tally("blame", "--db", seeded_db, "--rules", RULES_DIR)
    assert result.exit_code == 0, result.output
    # piped: a row per claim, an empty line, a row per set
    claims, sets = (part.splitlines() for part in result.stdout.split("\n\n"))
    assert claims[0].split("\t") == ["claim", "contradictions", "weight", "source", "quote", "in_a_set"]
    assert [row.split("\t")[0] for row in claims[1:]] == [claim["id"] for claim in answer["claims"]]
    assert [row.split("\t") for row in sets[1:]] == [[str(n), f"{answer['weight']:g}", ",".join(chosen)] for n, chosen in enumerate(answer["minimal_sets"], 1)]
    assert f"{len(answer['claims'])} claims in contradicted verdicts" in result.stderr
    quiet = tally("blame", "--db", seeded_db, "--rules", RULES_DIR, "--subject", "ma.regions")
    assert one_line(quiet.stderr) == "no contradicted verdict on subject ma.regions"


def test_blame_without_a_store_file_says_so(tmp_path: Path) -> None:
    missing = tmp_path / "missing.duckdb"
    result = tally("blame", "--db", missing, "--rules", RULES_DIR)
    assert result.exit_code == 2 and "no store at" in result.stderr
    assert not missing.exists()


# --- tally rules ------------------------------------------------------------------------------------


def test_rules_lint_passes_the_shipped_rules() -> None:
    result = tally("rules", "lint", RULES_DIR)
    assert result.exit_code == 0, result.output
    assert "14 rules" in result.stdout


def test_rules_lint_without_a_folder_lints_the_shipped_rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # not the repository: the default must not be the literal "rules"
    monkeypatch.delenv("TALLY_RULES_DIR", raising=False)
    result = tally("rules", "lint")
    assert result.exit_code == 0, result.output
    # the editable install maps the package's shipped rules onto the repository's folder
    assert one_line(result.stdout) == f"14 rules in {RULES_DIR}: ok"


def test_rules_lint_without_a_folder_lints_tally_rules_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "rules"
    folder.mkdir()
    shutil.copy(RULES_DIR / "same-figure.yaml", folder)
    monkeypatch.setenv("TALLY_RULES_DIR", str(folder))
    result = tally("rules", "lint")
    assert result.exit_code == 0, result.output
    assert one_line(result.stdout) == f"1 rules in {folder}: ok"


@pytest.mark.parametrize("kind", NO_RULE_FOLDERS)
def test_every_command_refuses_a_rules_folder_with_no_rule(tmp_path: Path, seeded_db: Path, kind: str) -> None:
    folder = no_rule_folder(tmp_path, kind)
    new_store = tmp_path / "new.duckdb"
    runs = {
        "lint": tally("rules", "lint", folder),
        "check": tally("check", "--db", seeded_db, "--rules", folder),
        "blame": tally("blame", "--db", seeded_db, "--rules", folder),
        "serve": tally("serve", "--db", new_store, "--rules", folder, "--port", "1"),  # refused before it listens
    }
    for command, result in runs.items():
        assert result.exit_code == 1, (command, result.output)
        assert f"{folder}:1:1: rules_dir: " in result.stderr, (command, result.stderr)
        assert result.stdout == "", command
    assert not new_store.exists(), "a refused serve must not create the store"


def test_rules_lint_reports_file_line_and_column(tmp_path: Path) -> None:
    folder = tmp_path / "rules"
    folder.mkdir()
    shutil.copy(RULES_DIR / "same-figure.yaml", folder)
    broken = folder / "2-broken.yaml"
    broken.write_text("id: broken\ntitle: t\ndescription: d\nbind:\n  a:\n    measure: level\ncheck: a == b\n")
    result = tally("rules", "lint", folder)
    assert result.exit_code == 1
    assert f"{broken}:7:13: check: unbound name 'b'" in result.stderr
    assert "1-same-figure" not in result.stderr


def test_rules_schema_prints_the_json_schema() -> None:
    result = tally("rules", "schema")
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert "RuleSpec" in schema["$defs"]


# --- --help keeps the docs honest -----------------------------------------------------------------------


def every_command(group: click.Group = main, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], click.Command]]:
    found: list[tuple[tuple[str, ...], click.Command]] = [(path, group)]
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found += every_command(command, path + (name,))
        else:
            found.append((path + (name,), command))
    return found


COMMANDS = every_command()
COMMAND_IDS = [" ".join(("tally",) + path) for path, _ in COMMANDS]


def test_help_lists_every_command() -> None:
    for path, command in COMMANDS:
        if isinstance(command, click.Group):
            shown = tally(*path, "--help").stdout
            for name in command.commands:
                assert name in shown, (path, name)


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=COMMAND_IDS)
def test_help_mentions_every_option(path: tuple[str, ...], command: click.Command) -> None:
    result = tally(*path, "--help")
    assert result.exit_code == 0
    assert command.help and command.help.split("\n")[0][:30] in result.stdout
    for param in command.params:
        if isinstance(param, click.Option):
            for flag in param.opts:
                assert flag in result.stdout, (path, flag)


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=COMMAND_IDS)
def test_every_option_explains_itself(path: tuple[str, ...], command: click.Command) -> None:
    unexplained = [p.opts[0] for p in command.params if isinstance(p, click.Option) and not p.help]
    assert not unexplained, f"tally {' '.join(path)}: options without help text: {unexplained}"
