from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from feeds.base import parse_duration
from monitor.config import ConfigError, parse_settings, toml_path

ROOT = Path(__file__).resolve().parent.parent

VALID = """
[service]
database = "x.db"
default_interval = "10m"

[[sources]]
id = "news"
kind = "feed"
url = "https://example.org/feed.xml"
interval = "1h30m"

[[cases]]
id = "doe"
caption = "John Doe v. Twitter, Inc."
parties = ["Twitter"]
notify = ["out"]

[[channels]]
id = "out"
kind = "console"
"""


def errors_of(text: str, env: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_settings(text, env or {})
    return info.value.errors


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30s", 30), ("15m", 900), ("1h", 3600), ("2d", 172800), ("1h30m", 5400), ("90", 90),
     (45, 45), ("1.5h", 5400)],
)
def test_durations(text: str | int, seconds: int) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "15x", "m15", "1h 2", "-5m", "abc"])
def test_bad_durations_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


def test_valid_config_loads_with_defaults() -> None:
    settings = parse_settings(VALID, {})
    assert settings.service.default_interval == timedelta(minutes=10)
    assert settings.sources[0].interval == timedelta(hours=1, minutes=30)
    assert settings.service.allow_private_addresses is False
    assert settings.cases[0].notify == ["out"]


def test_unknown_channel_is_named_by_its_path() -> None:
    text = VALID.replace('notify = ["out"]', 'notify = ["out", "slak"]')
    assert errors_of(text) == ['cases[0].notify[1]: unknown channel "slak"']


def test_unknown_keys_are_errors_with_paths() -> None:
    text = VALID.replace('interval = "1h30m"', 'interval = "1h30m"\nintervall = "5m"')
    text = text.replace('default_interval = "10m"', 'default_interval = "10m"\nfoo = 1')
    errors = errors_of(text)
    assert "service.foo: unknown key" in errors
    assert "sources[0].intervall: unknown key" in errors


def test_bad_values_name_their_path() -> None:
    text = VALID.replace('interval = "1h30m"', 'interval = "soon"')
    (error,) = errors_of(text)
    assert error.startswith("sources[0].interval: ")
    assert "not a duration" in error


def test_unknown_kind_is_reported() -> None:
    (error,) = errors_of(VALID.replace('kind = "console"', 'kind = "pigeon"'))
    assert error.startswith("channels[0].kind: ")
    assert "pigeon" in error


def test_case_needs_something_to_match() -> None:
    text = VALID.replace('parties = ["Twitter"]\n', "")
    (error,) = errors_of(text)
    assert error.startswith("cases[0]: ")
    assert "at least one of" in error


def test_duplicate_ids_and_unknown_sources() -> None:
    text = VALID + '\n[[channels]]\nid = "out"\nkind = "console"\n'
    text = text.replace('notify = ["out"]', 'notify = ["out"]\nsources = ["nope"]')
    errors = errors_of(text)
    assert 'channels[1].id: duplicate id "out"' in errors
    assert 'cases[0].sources[0]: unknown source "nope"' in errors


def test_environment_interpolation() -> None:
    text = VALID.replace('"https://example.org/feed.xml"', '"${FEED_URL}"').replace(
        '"x.db"', '"${DB_DIR:-/tmp}/x.db"')
    settings = parse_settings(text, {"FEED_URL": "https://news.example/rss"})
    assert str(settings.sources[0].url) == "https://news.example/rss"
    assert settings.service.database == "/tmp/x.db"
    assert errors_of(text) == ["sources[0].url: environment variable FEED_URL is not set"]


def test_secrets_are_not_echoed_in_errors() -> None:
    text = VALID.replace('"https://example.org/feed.xml"', '"${FEED_URL}"')
    errors = errors_of(text, {"FEED_URL": "not a url s3cr3t-token"})
    assert errors and all("s3cr3t" not in e for e in errors)


def test_toml_syntax_error() -> None:
    (error,) = errors_of("[service\n")
    assert error.startswith("(toml) ")


def test_toml_path_formatting() -> None:
    assert toml_path(("cases", 2, "notify", 0)) == "cases[2].notify[0]"
    assert toml_path(("sources", 0, "feed", "url")) == "sources[0].url"
    assert toml_path(()) == "(top level)"


def test_example_configs_validate() -> None:
    env = {"CASEWATCH_DEMO_DB": "/tmp/d.db", "CASEWATCH_DEMO_FEED": "http://127.0.0.1:1/f"}
    settings = parse_settings((ROOT / "seeds" / "demo.toml").read_text(), env)
    assert [c.id for c in settings.cases] == ["doe-v-twitter"]


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("CASEWATCH_CONFIG", None)
    return subprocess.run([sys.executable, "-m", "monitor", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=60)


def test_check_command_refuses_a_typo_with_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "casewatch.toml"
    path.write_text(VALID.replace('notify = ["out"]', 'notify = ["slak"]'))
    result = run_cli("check", "-c", str(path), cwd=tmp_path)
    assert result.returncode == 2
    assert 'cases[0].notify[0]: unknown channel "slak"' in result.stderr
    assert "Traceback" not in result.stderr


def test_check_command_summarises_a_good_config(tmp_path: Path) -> None:
    (tmp_path / "casewatch.toml").write_text(VALID)
    result = run_cli("check", cwd=tmp_path)  # ./casewatch.toml by default
    assert result.returncode == 0, result.stderr
    assert "1 sources, 1 cases, 1 channels" in result.stdout


def test_missing_config_file_is_a_clear_error(tmp_path: Path) -> None:
    result = run_cli("check", "-c", str(tmp_path / "nope.toml"), cwd=tmp_path)
    assert result.returncode == 2
    assert "cannot read the config file" in result.stderr


def test_check_reports_a_query_syntax_error_with_case_and_column(tmp_path: Path) -> None:
    path = tmp_path / "casewatch.toml"
    path.write_text(VALID.replace('notify = ["out"]',
                                  'notify = ["out"]\nquery = "Twitter AND (lawsuit OR"\n'
                                  'exclude = ["ok", "\\"open quote"]'))
    result = run_cli("check", "-c", str(path), cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert any('cases[0].query (case "doe"): at column 24: ' in line
               and "expected" in line for line in lines), result.stderr
    assert any('cases[0].exclude[1] (case "doe"): at column 1: an unclosed quote' in line
               for line in lines), result.stderr


def test_check_shows_the_derived_query(tmp_path: Path) -> None:
    (tmp_path / "casewatch.toml").write_text(VALID)
    result = run_cli("check", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    derived = [line for line in result.stdout.splitlines() if "query (derived):" in line]
    assert derived and '"doe v twitter" OR' in derived[0], result.stdout
