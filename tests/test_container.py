"""The container image's recipe: Dockerfile, .dockerignore, compose.yaml and the example
config. (scripts/container-smoke.sh builds and runs the image itself, in CI.)"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from dockerfile_parse import DockerfileParser

from monitor.config import parse_settings
from tests.servers import LoopbackServer, Response

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def dockerfile() -> DockerfileParser:
    return DockerfileParser(path=str(ROOT / "Dockerfile"))


def instructions(parsed: DockerfileParser, name: str) -> list[str]:
    return [i["value"] for i in parsed.structure if i["instruction"] == name]


def test_base_image_user_and_exec_form_commands(dockerfile: DockerfileParser) -> None:
    assert dockerfile.baseimage == "python:3.11-slim-bookworm"  # no digest: CI builds it
    users = instructions(dockerfile, "USER")
    assert users, "the image must not run as root"
    uid = users[-1].split(":")[0]
    assert uid.isdigit() and int(uid) != 0  # numeric, so runAsNonRoot can check it
    assert json.loads(instructions(dockerfile, "ENTRYPOINT")[-1]) == ["casewatch"]
    assert json.loads(instructions(dockerfile, "CMD")[-1]) == ["run"]


def test_config_data_and_port(dockerfile: DockerfileParser) -> None:
    envs = dockerfile.envs
    assert envs["CASEWATCH_CONFIG"] == "/config/casewatch.toml"
    host, _, port = envs["CASEWATCH_HTTP"].rpartition(":")
    assert host == "0.0.0.0"
    assert instructions(dockerfile, "EXPOSE") == [port]
    assert [json.loads(v) for v in instructions(dockerfile, "VOLUME")] == [["/data"]]


def test_plain_dockerfile_syntax() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert not re.search(r"^#\s*syntax\s*=", text, re.M | re.I)  # no BuildKit frontend
    assert "<<" not in text  # no heredocs: podman/buildah 4 builds this file in CI


def healthcheck_command(dockerfile: DockerfileParser) -> list[str]:
    (value,) = instructions(dockerfile, "HEALTHCHECK")
    found = re.search(r"\bCMD\s+(\[.*\])\s*$", value, re.S)
    assert found, f"HEALTHCHECK needs an exec-form CMD: {value}"
    command = json.loads(found.group(1))
    assert command[0] == "python"
    return command


def test_the_healthcheck_follows_healthz(dockerfile: DockerfileParser,
                                         server: LoopbackServer) -> None:
    """The image's HEALTHCHECK command, run here against a real server."""
    command = [sys.executable, *healthcheck_command(dockerfile)[1:]]
    env = {**os.environ, "CASEWATCH_HTTP": f"0.0.0.0:{server.port}"}

    def check() -> int:
        return subprocess.run(command, env=env, capture_output=True, timeout=30).returncode

    server.route("/healthz", Response(200, '{"status": "ok"}'))
    assert check() == 0
    server.route("/healthz", Response(503, '{"status": "unavailable"}'))
    assert check() != 0
    assert [r.path for r in server.requests] == ["/healthz", "/healthz"]


def test_dockerignore_lets_in_what_copy_needs(dockerfile: DockerfileParser) -> None:
    lines = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    assert lines[0] == "*"  # nothing by default: no .venv, .git, databases or secrets
    allowed = {line[1:].rstrip("/") for line in lines if line.startswith("!")}
    copied = {src.rstrip("/") for value in instructions(dockerfile, "COPY")
              for src in value.split()[:-1]}
    assert copied == allowed


def test_compose_and_the_example_config_agree(dockerfile: DockerfileParser) -> None:
    compose = (ROOT / "compose.yaml").read_text()
    mount = re.search(r"^\s*- \./(\S+):(/config/casewatch\.toml)(:ro)?$", compose, re.M)
    assert mount and mount.group(2) == dockerfile.envs["CASEWATCH_CONFIG"]
    assert re.search(r"^\s*- [\w-]+:/data$", compose, re.M)
    config = (ROOT / mount.group(1)).read_text()
    wanted = set(re.findall(r"\$\{(\w+)", json.dumps(tomllib.loads(config))))
    given = set(re.findall(r"^\s+(\w+): \$\{\1\b", compose, re.M))
    assert wanted and wanted <= given  # every secret the config reads, compose passes
    # read as the image reads it: on every interface, so the case pages need the token
    env = {name: f"https://example.org/{name}" for name in wanted}
    settings = parse_settings(config, {**env, **dockerfile.envs}, deployment=True)
    assert settings.service.database.startswith("/data/")
    assert settings.service.http == dockerfile.envs["CASEWATCH_HTTP"] == "0.0.0.0:8080"
    assert settings.service.token == env["CASEWATCH_HTTP_TOKEN"]
