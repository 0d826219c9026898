"""A party watch over real CM/ECF feeds on 127.0.0.1: every new suit naming the party is
alerted once as a new suit and followed as a case (its filings, its news) across a
restart, until `casewatch unwatch` ends it. The party rules alone: test_parties.py."""

from __future__ import annotations

import asyncio
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.config import ConfigError, parse_settings
from monitor.runtime.app import App, build_app
from tests.conftest import (
    FakeClock,
    config_toml,
    console_channel,
    doe_case,
    feed_source,
    loopback_service,
    run_cli,
)
from tests.servers import LoopbackServer, rss
from tests.test_pacer import FIXTURES

SUIT = "nysd-18-cv-03364"
CAPTION = "The Museum of Modern Art v. MoMaCha IP LLC"


def moma_config(tmp_path: Path, server: LoopbackServer, **watch: object) -> str:
    server.route("/nysd.xml", (FIXTURES / "sdny_1.xml").read_bytes())
    server.route("/later.xml", LATER)
    server.route("/news", rss([{
        "title": "MoMA sues a Manhattan cafe over its name",
        "link": server.url("/a/1"),
        "text": "The Museum of Modern Art v. MoMaCha IP LLC: the museum says the cafe's "
                "name trades on its own."}]))
    return config_toml(
        database=tmp_path / "db.sqlite", service=loopback_service(),
        sources=[{"id": "nysd", "kind": "pacer_rss", "court": "nysd",
                  "url": server.url("/nysd.xml")},
                 {"id": "later", "kind": "pacer_rss", "court": "nysd",
                  "url": server.url("/later.xml")},
                 feed_source("news", server.url("/news"))],
        cases=[doe_case(notify=["out"])],
        channels=[console_channel()],
    ) + "\n[[watches]]\n" + "\n".join(
        f"{key} = {json.dumps(value)}" for key, value in
        {"id": "moma", "parties": ["Museum of Modern Art"], "notify": ["out"], **watch}.items()
    ) + "\n"


# a later feed of the same court: a new entry of the suit, under a shorter case name
LATER = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Southern District of New York - Recent Entries</title>
<link>https://ecf.nysd.uscourts.gov</link><description>All Entries</description>
<item><title>1:18-cv-03364 Museum of Modern Art v. MoMaCha IP LLC et al</title>
<pubDate>Mon, 30 Apr 2018 15:00:00 GMT</pubDate>
<description>[Order] (Entered: 04/30/2018)</description>
<link>https://ecf.nysd.uscourts.gov/cgi-bin/DktRpt.pl?492166</link>
<guid isPermaLink="false">492166-later</guid></item>
</channel></rss>
"""


def make_app(text: str, clock: FakeClock) -> App:
    return build_app(parse_settings(text, {}), clock=clock, stream=io.StringIO(),
                     extract_workers=0)


def payloads(app: App) -> list[dict]:
    return [json.loads(row[0]) for row in app.store.db.execute(
        "SELECT payload FROM outbox ORDER BY rowid")]


def test_a_new_suit_is_alerted_once_then_followed_as_a_case(
        tmp_path: Path, server: LoopbackServer, clock: FakeClock,
        aio: asyncio.Runner) -> None:
    text = moma_config(tmp_path, server)
    app = make_app(text, clock)
    try:
        assert aio.run(app.pipeline.poll("nysd")).ok
        sent = payloads(app)
        (suit,) = app.store.suits()
        matched = app.store.matches(case_id=SUIT)
        others = [row for row in app.store.matches() if row["case_id"] != SUIT]
        assert SUIT in {case.id for case in app.settings.cases}  # the pages see it
    finally:
        aio.run(app.aclose())
    # S.D.N.Y.'s feed holds 4 entries of the suit among 190: all 4 are its, and only they
    assert (suit.id, suit.caption, suit.party, suit.side, suit.watch_id) == (
        SUIT, CAPTION, "Museum of Modern Art", "plaintiff", "moma")
    assert len(matched) == 4 and others == []
    (new,) = [p for p in sent if p["kind"] == "new_suit"]
    assert new["suit"] == {"court": "nysd", "docket_number": "1:18-cv-03364",
                           "caption": CAPTION, "party": "Museum of Modern Art",
                           "side": "plaintiff", "watch": "moma"}
    assert new["case"]["id"] == SUIT
    # its other entries are its filings: the routine ones (summons, appearances) quiet
    later = [p for p in sent if p["kind"] != "new_suit"]
    assert all(p["case"]["id"] == SUIT for p in later)
    assert len(sent) < 4

    # a restart: the suit is a case from the start; a later entry is a filing of it, and
    # the news of it is matched to it
    clock.advance(hours=1)
    app = make_app(text, clock)
    try:
        assert SUIT in {case.id for case in app.settings.cases}
        assert aio.run(app.pipeline.poll("later")).ok
        assert aio.run(app.pipeline.poll("news")).ok
        sent = payloads(app)[len(later) + 1:]
        news = app.store.matches(case_id=SUIT)
    finally:
        aio.run(app.aclose())
    assert [p["kind"] for p in sent] == ["docket_entry", "development"]
    assert sent[0]["item"]["docket"]["docket_number"] == "1:18-cv-03364"
    assert any(row["title"] == "MoMA sues a Manhattan cafe over its name" for row in news)


def test_unwatch_ends_a_suit_and_it_is_not_found_again(
        tmp_path: Path, server: LoopbackServer, clock: FakeClock,
        aio: asyncio.Runner) -> None:
    text = moma_config(tmp_path, server)
    config = tmp_path / "casewatch.toml"
    config.write_text(text, encoding="utf-8")
    app = make_app(text, clock)
    try:
        assert aio.run(app.pipeline.poll("nysd")).ok
        before = len(payloads(app))
        checked = run_cli("check", "-c", str(config), cwd=tmp_path)
        toml = run_cli("status", "-c", str(config), "--toml", SUIT, cwd=tmp_path)
        ended = run_cli("unwatch", SUIT, "-c", str(config), cwd=tmp_path)
        again = run_cli("unwatch", SUIT, "-c", str(config), cwd=tmp_path)
        status = run_cli("status", "-c", str(config), "--json", cwd=tmp_path)
        # the running daemon stops following it at once
        assert aio.run(app.pipeline.poll("later")).ok
        assert len(payloads(app)) == before
    finally:
        aio.run(app.aclose())
    assert "3 sources, 1 cases, 1 watches, 1 channels" in checked.stdout
    assert "  watch moma: Museum of Modern Art (in every court)" in checked.stdout
    assert toml.returncode == 0, toml.stderr
    assert "[[cases]]" in toml.stdout and 'docket_number = "1:18-cv-03364"' in toml.stdout
    pasted = parse_settings(config_toml(cases=[doe_case()], channels=[console_channel()])
                            + toml.stdout, {})
    assert pasted.cases[-1].id == SUIT and pasted.cases[-1].court == "nysd"
    assert ended.returncode == 0 and "no longer followed" in ended.stdout
    assert again.returncode == 2 and "not followed any more" in again.stderr
    rows = [json.loads(line) for line in status.stdout.splitlines()]
    (suit,) = [r for r in rows if r["type"] == "suit"]
    assert suit["id"] == SUIT and suit["ended"] is not None
    assert SUIT not in {r["id"] for r in rows if r["type"] == "case"}
    # after a restart: not a case, and its entries do not make it a new suit again
    clock.advance(hours=1)
    app = make_app(text.replace("/nysd.xml", "/later.xml"), clock)
    try:
        assert SUIT not in {case.id for case in app.settings.cases}
        assert aio.run(app.pipeline.poll("nysd")).ok
        assert len(app.store.suits(ended=True)) == 1
        assert len(payloads(app)) == before
    finally:
        aio.run(app.aclose())


@pytest.mark.parametrize(("watch", "found"), [
    ({"courts": ["cand"]}, False),  # another court
    ({"courts": ["S.D.N.Y."]}, True),  # the court by its citation
    ({"sources": ["later"]}, False),  # another source
    ({"ignore": ["1:18-cv-3364"]}, False),  # the number ignored, however written
    ({"exclude": ["MoMaCha IP"]}, False),  # a case name naming an excluded party
    ({"parties": ["MoMA"]}, False),  # a short form the case name does not use
    ({"parties": ["MoMaCha IP"]}, True),  # the defendant
])
def test_what_a_watch_takes(tmp_path: Path, server: LoopbackServer, clock: FakeClock,
                            aio: asyncio.Runner, watch: dict, found: bool) -> None:
    app = make_app(moma_config(tmp_path, server, **watch), clock)
    try:
        assert aio.run(app.pipeline.poll("nysd")).ok
        suits = app.store.suits()
    finally:
        aio.run(app.aclose())
    assert [s.id for s in suits] == ([SUIT] if found else [])


def test_watches_in_the_config() -> None:
    def errors(**watch: object) -> list[str]:
        text = config_toml(cases=[doe_case()], channels=[console_channel()]) + \
            "\n[[watches]]\n" + "\n".join(f"{k} = {json.dumps(v)}" for k, v in
                                         {"id": "w", "parties": ["Acme Widgets"],
                                          **watch}.items()) + "\n"
        try:
            parse_settings(text, {})
        except ConfigError as exc:
            return exc.errors
        return []

    assert errors() == []
    assert errors(parties=["United States"]) == [
        'watches[0].parties[0]: "United States" is a government, a party to a great many '
        "suits: name the courts to watch it in (courts = [...])"]
    assert errors(parties=["United States"], courts=["nysd"]) == []
    assert errors(parties=["The People"])[0].endswith("(courts = [...])")
    assert errors(parties=[]) == ["watches[0].parties: List should have at least 1 item "
                                  "after validation, not 0"]
    assert errors(notify=["nope"]) == ['watches[0].notify[0]: unknown channel "nope"']
    assert errors(id="doe") == ['watches[0].id: "doe" is also a case\'s id']
    assert errors(ignore=["not a number"]) == [
        'watches[0].ignore: Value error, not a docket number: "not a number"'] or \
        errors(ignore=["not a number"])[0].startswith("watches[0].ignore")
    assert errors(courts=["Narnia"])[0].startswith("watches[0].courts")


def test_a_new_suit_renders_with_its_party_and_court() -> None:
    from alerts.base import Alert, AlertItem, DocketRef, SuitRef
    from alerts.render import headline, render_text

    alert = Alert(
        id="a", kind="new_suit", case_id=SUIT, case_caption=CAPTION,
        item=AlertItem(title="t", url="", source="nysd", published=None,
                       docket=DocketRef("nysd", "1:18-cv-03364", 1, "Complaint", "",
                                        filed_at=datetime(2018, 4, 17, tzinfo=UTC)
                                        .isoformat())),
        suit=SuitRef("nysd", "1:18-cv-03364", CAPTION, "Museum of Modern Art", "plaintiff",
                     "moma"))
    assert headline(alert) == (
        "New suit naming Museum of Modern Art (as plaintiff): The Museum of Modern Art v. "
        "MoMaCha IP LLC, NYSD 1:18-cv-03364, filed 2018-04-17")
    assert render_text(alert).startswith(headline(alert))
    assert Alert.from_payload(alert.payload()) == alert


@pytest.mark.parametrize(("fixture", "court", "party", "suit", "entries", "side"), [
    ("nysb_1", "nysb", "Carmela Oliveri", "nysb-18-22259", 3, "party"),  # a debtor
    ("ca11", "ca11", "Midnight Express Power Boats", "ca11-22-11012", 1, "defendant"),
    ("ca2_1", "ca2", "Maura Lynch", "ca2-22-1495", 1, "party"),  # In re: an appellant
])
def test_bankruptcy_and_appellate_feeds(tmp_path: Path, server: LoopbackServer,
                                        clock: FakeClock, aio: asyncio.Runner, fixture: str,
                                        court: str, party: str, suit: str, entries: int,
                                        side: str) -> None:
    server.route("/feed.xml", (FIXTURES / f"{fixture}.xml").read_bytes())
    text = config_toml(
        database=tmp_path / "db.sqlite", service=loopback_service(),
        sources=[{"id": "court", "kind": "pacer_rss", "court": court,
                  "url": server.url("/feed.xml")}],
        cases=[doe_case()], channels=[console_channel()],
    ) + f'\n[[watches]]\nid = "w"\nparties = ["{party}"]\nnotify = ["out"]\n'
    app = make_app(text, clock)
    try:
        assert aio.run(app.pipeline.poll("court")).ok
        found = app.store.suits()
        matched = app.store.matches()
        kinds = [p["kind"] for p in payloads(app)]
    finally:
        aio.run(app.aclose())
    assert [(s.id, s.party, s.side) for s in found] == [(suit, party, side)]
    assert len(matched) == entries and {row["case_id"] for row in matched} == {suit}
    assert kinds.count("new_suit") == 1


def test_a_suit_found_is_searched_by_the_news_searches_at_once(
        tmp_path: Path, server: LoopbackServer, clock: FakeClock,
        aio: asyncio.Runner) -> None:
    from tests.news_servers import BING_SEARCH, news_search_server

    news = news_search_server(server)
    text = moma_config(tmp_path, server).replace("[[cases]]", f"""[[sources]]
id = "bing"
kind = "news_search"
provider = "bing_news"
base_url = "{server.base}"

[[cases]]""", 1)
    app = make_app(text, clock)
    try:
        assert aio.run(app.pipeline.poll("bing")).ok
        before = news.queries(BING_SEARCH)
        assert aio.run(app.pipeline.poll("nysd")).ok
        clock.advance(hours=1)
        assert aio.run(app.pipeline.poll("bing")).ok
        after = news.queries(BING_SEARCH)[len(before):]
    finally:
        aio.run(app.aclose())
    assert not any("momacha" in q.lower() for q in before)
    assert any("momacha" in q.lower() for q in after), after
