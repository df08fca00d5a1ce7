"""The shipped rules and fixtures, found through importlib.resources, and the Settings that default to them.

Tests run on the editable install (``make install``), whose finder maps the
packages onto the repository's own folders; tests/test_wheel.py checks a wheel.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from service import shipped
from service.settings import Settings
from tests.helpers import FIXTURES_DIR, RULES_DIR


def test_the_shipped_folders_are_the_repository_s_in_a_clone() -> None:
    assert shipped.rules_dir() == RULES_DIR
    assert shipped.fixtures_dir() == FIXTURES_DIR


def test_settings_default_to_the_shipped_folders_and_a_store_in_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = Settings.from_env({})
    assert settings.rules_dir == str(shipped.rules_dir())
    assert settings.fixtures_dir == str(shipped.fixtures_dir())
    assert settings.db_path == str(tmp_path / "tally.duckdb")


def test_the_environment_and_flags_still_override_the_defaults(tmp_path: Path) -> None:
    env = {"TALLY_RULES_DIR": str(tmp_path / "env-rules"), "TALLY_FIXTURES_DIR": str(tmp_path / "seed")}
    assert Settings.from_env(env).rules_dir == str(tmp_path / "env-rules")
    assert Settings.from_env(env).fixtures_dir == str(tmp_path / "seed")
    assert Settings.from_env(env, rules_dir="flag-rules").rules_dir == "flag-rules"
