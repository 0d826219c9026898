"""One home for each fact: the court tables and the steps a development can be."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from alerts.base import EVENT_LABELS
from alerts.render import render_text, sample_alert
from feeds.courts import pacer_court, pacer_courts, pacer_kind
from feeds.pacer import PacerConfig, feed_url
from feeds.recap import document_url
from monitor.grouping.events import EVENTS, tag_event
from monitor.text.normalise import Words

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(("court", "kind"), [
    ("cand", "district"), ("nysd", "district"), ("dcd", "district"), ("prd", "district"),
    ("njd", "district"), ("cit", "district"), ("cofc", "district"), ("jpml", "district"),
    ("nysb", "bankruptcy"), ("canb", "bankruptcy"), ("azb", "bankruptcy"),
    ("neb", "bankruptcy"), ("ca9", "appellate"), ("cadc", "appellate"),
    ("cafc", "appellate"), ("cavc", "appellate"),
])
def test_pacer_courts_come_from_courts_db_under_pacers_ids(court: str, kind: str) -> None:
    assert pacer_kind(court) == kind


@pytest.mark.parametrize("court", [
    "arb", "nebraskab",  # courts-db's spellings: PACER calls them azb and neb
    "ncd", "okd", "wvad", "mod",  # undivided districts of long ago
    "cal", "scotus", "bap9", "xyz",  # state courts, the Supreme Court, panels, nothing
])
def test_courts_without_a_cm_ecf_feed_of_their_own_are_not_pacer_courts(court: str) -> None:
    assert pacer_kind(court) is None


def test_the_tables_hold_every_district_bankruptcy_and_appellate_court() -> None:
    kinds = list(pacer_courts().values())
    assert kinds.count("district") >= 94 and kinds.count("bankruptcy") >= 90
    assert kinds.count("appellate") == 14  # thirteen circuits and the veterans' court


def test_sources_read_the_court_tables() -> None:
    assert pacer_court("arb") == "azb"
    assert PacerConfig(kind="pacer_rss", id="x", court="AZB").court == "azb"
    with pytest.raises(ValueError, match="unknown PACER court"):
        PacerConfig(kind="pacer_rss", id="x", court="ncd")
    assert "/n/beam/servlet/" in feed_url("ca9") and "rss_outside.pl" in feed_url("cand")
    document = {"pacer_doc_id": "035119230002"}
    assert document_url(document, "ca9", "1").startswith("https://ecf.ca9.uscourts.gov/docs1/")
    assert document_url(document, "cand", "1").startswith("https://ecf.cand.uscourts.gov/doc1/")


def _assigned_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {target.id for node in ast.walk(tree) if isinstance(node, ast.Assign | ast.AnnAssign)
            for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
            if isinstance(target, ast.Name)}


def _homes(name: str) -> list[str]:
    return [str(path.relative_to(ROOT)) for package in ("monitor", "feeds", "alerts")
            for path in (ROOT / package).rglob("*.py") if name in _assigned_names(path)]


@pytest.mark.parametrize(("name", "home"), [("PACER_IDS", "feeds/courts.py"),
                                            ("EVENT_LABELS", "alerts/base.py"),
                                            ("TRACKING_PARAMS", "monitor/identity.py")])
def test_each_table_is_defined_in_one_module(name: str, home: str) -> None:
    assert _homes(name) == [home]


@pytest.mark.parametrize("name", ["PACER_COURTS", "DISTRICT_COURTS", "BANKRUPTCY_COURTS"])
def test_no_hand_made_court_list_is_left(name: str) -> None:
    """The PACER courts are read from courts-db (`pacer_courts`), not listed by hand."""
    assert _homes(name) == []


def test_every_step_grouping_tags_has_a_label_and_every_label_a_step() -> None:
    assert sorted(EVENTS) == sorted(EVENT_LABELS)
    assert tag_event(Words.of("Judge sentenced him to life", "The sentencing was brief.")) \
        == "sentencing"


def test_alerts_show_a_steps_label() -> None:
    from dataclasses import replace

    alert = replace(sample_alert("a-1", "2021-04-08T18:20:00+00:00"), event="amended_complaint")
    assert "Event: amended complaint" in render_text(alert)
