from __future__ import annotations

import asyncio
import math
import tomllib
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feeds.base import parse_duration
from monitor.config import ConfigError, parse_settings, toml_path
from monitor.runtime.app import build_app
from tests.conftest import (
    ROOT,
    Table,
    config_toml,
    console_channel,
    feed_source,
    run_cli,
    toml_document,
)

SERVICE = {"database": "x.db", "default_interval": "10m"}
NEWS = feed_source("news", "https://example.org/feed.xml", interval="1h30m")
DOE = {"id": "doe", "caption": "John Doe v. Twitter, Inc.", "parties": ["Twitter"],
       "notify": ["out"]}


def config(*, service: Table | None = None, source: Table | None = None,
           case: Table | None = None, channels: tuple[Table, ...] = (console_channel(),)
           ) -> str:
    """The valid config, with keys of its service, source or case changed (None: taken
    out) or other channels."""
    return config_toml(service={**SERVICE, **(service or {})},
                       sources=[{**NEWS, **(source or {})}], cases=[{**DOE, **(case or {})}],
                       channels=channels)


VALID = config()


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
    text = config(case={"notify": ["out", "slak"]})
    assert errors_of(text) == ['cases[0].notify[1]: unknown channel "slak"']


def test_unknown_keys_are_errors_with_paths() -> None:
    text = config(service={"foo": 1}, source={"intervall": "5m"})
    errors = errors_of(text)
    assert "service.foo: unknown key" in errors
    assert "sources[0].intervall: unknown key" in errors


def test_bad_values_name_their_path() -> None:
    text = config(source={"interval": "soon"})
    (error,) = errors_of(text)
    assert error.startswith("sources[0].interval: ")
    assert "not a duration" in error


def test_unknown_kind_is_reported() -> None:
    (error,) = errors_of(config(channels=({"id": "out", "kind": "pigeon"},)))
    assert error.startswith("channels[0].kind: ")
    assert "pigeon" in error


def test_case_needs_something_to_match() -> None:
    text = config(case={"parties": None})
    (error,) = errors_of(text)
    assert error.startswith("cases[0]: ")
    assert "at least one of" in error


def test_duplicate_ids_and_unknown_sources() -> None:
    text = config(case={"sources": ["nope"]}, channels=(console_channel(), console_channel()))
    errors = errors_of(text)
    assert 'channels[1].id: duplicate id "out"' in errors
    assert 'cases[0].sources[0]: unknown source "nope"' in errors


def test_environment_interpolation() -> None:
    text = config(service={"database": "${DB_DIR:-/tmp}/x.db"}, source={"url": "${FEED_URL}"})
    settings = parse_settings(text, {"FEED_URL": "https://news.example/rss"})
    assert str(settings.sources[0].url) == "https://news.example/rss"
    assert settings.service.database == "/tmp/x.db"
    assert errors_of(text) == ["sources[0].url: environment variable FEED_URL is not set"]


def test_secrets_are_not_echoed_in_errors() -> None:
    text = config(source={"url": "${FEED_URL}"})
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


def test_check_command_refuses_a_typo_with_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "casewatch.toml"
    path.write_text(config(case={"notify": ["slak"]}))
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
    path.write_text(config(case={"query": "Twitter AND (lawsuit OR",
                                 "exclude": ["ok", '"open quote']}))
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


# the tests' config builder (tests/conftest.py) -------------------------------------------

TOML_SCALARS = (st.text() | st.booleans() | st.integers(-2**63, 2**63 - 1)
                | st.floats(allow_nan=False))
TOML_VALUES = st.recursive(TOML_SCALARS, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(), inner, max_size=3), max_leaves=8)


@given(st.dictionaries(st.text(), st.dictionaries(st.text(), TOML_VALUES, max_size=4)
                       | st.lists(st.dictionaries(st.text(), TOML_VALUES, max_size=4),
                                  min_size=1, max_size=3), max_size=4))
def test_the_tests_toml_writer_reads_back_as_written(data: dict) -> None:
    assert tomllib.loads(toml_document(data)) == data


def test_the_tests_config_builder_leaves_out_what_is_none_or_empty() -> None:
    text = config_toml(database="x.db", cases=[{"id": "doe", "query": None, "aliases": ["a"]}])
    assert tomllib.loads(text) == {"service": {"database": "x.db"},
                                   "cases": [{"id": "doe", "aliases": ["a"]}]}
    assert tomllib.loads(config_toml(service={"x": math.inf}))["service"]["x"] == math.inf


def test_a_feed_extracts_its_articles_unless_told_not_to_and_dockets_never_do() -> None:
    """The minimal config reads whole articles: a case named only in a body is found."""
    from feeds.registry import build_source

    sources = [{"id": "news", "kind": "feed", "url": "https://example.org/feed"},
               {"id": "heads", "kind": "feed", "url": "https://example.org/f", "extract": False},
               {"id": "cand", "kind": "pacer_rss", "court": "cand"},
               {"id": "cl", "kind": "courtlistener", "docket_id": 1}]
    settings = parse_settings(config_toml(database="x.db", sources=sources), {})
    assert {s.id: build_source(s).extract for s in settings.sources} == {
        "news": True, "heads": False, "cand": False, "cl": False}


def test_workers_for_a_small_machine(tmp_path: Path) -> None:
    assert parse_settings(VALID, {}).service.workers == 2
    assert parse_settings(config(service={"workers": 0}), {}).service.workers == 0
    (error,) = errors_of(config(service={"workers": -1}))
    assert error.startswith("service.workers: ")
    # the daemon built with none parses and extracts in threads of its own process
    settings = parse_settings(config(service={"workers": 0,
                                              "database": str(tmp_path / "cw.db")}), {})
    app = build_app(settings)
    try:
        assert app.executor is None
    finally:
        asyncio.run(app.aclose())
