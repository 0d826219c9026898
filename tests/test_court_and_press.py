"""One development across court and press, through real feeds, pages and SQLite files.

The demo's seed articles and its court feed (N.D. Cal.'s CM/ECF RSS format) are served
on 127.0.0.1 and polled in both orders, in one round, and across a restart: each filing
and the articles reporting it are one development, alerted once by whichever comes
first, the other arriving as its update. Then the cases that must stay apart: a motion
and the ruling on it, another case's ruling on the same day, routine paperwork, and two
filings an article could report. The link rules on their own: test_filings.py; the
step of a docket description and of a headline: test_filing_steps.py.
"""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from feeds.base import DocketEntry, Item
from monitor.config import parse_settings
from monitor.demo import load_seed_articles, serve_seeds
from monitor.runtime.app import App, build_app
from tests.conftest import FakeClock, config_toml, console_channel, loopback_service, run_cli
from tests.test_grouping import SEED_CONFIG, SEEDS

ROOT = Path(__file__).resolve().parent.parent
COMPLAINT_GUID = "cand:3:21-cv-00485:1"


@pytest.fixture
def seeds_url() -> Iterator[str]:
    with serve_seeds(load_seed_articles()) as base:
        yield base


def demo_app(tmp_path: Path, clock: FakeClock, base: str, updates: str = "send") -> App:
    """The demo's config with a second console channel that takes every update."""
    env = {"CASEWATCH_DEMO_DB": str(tmp_path / "demo.db"),
           "CASEWATCH_DEMO_FEED": f"{base}/feed.xml",
           "CASEWATCH_DEMO_COURT": f"{base}/court/cand.xml"}
    text = SEED_CONFIG + f'\n[[channels]]\nid = "all"\nkind = "console"\nupdates = "{updates}"\n'
    text = text.replace('notify = ["stdout"]', 'notify = ["stdout", "all"]')
    return build_app(parse_settings(text, env), clock=clock, stream=io.StringIO(),
                     extract_workers=0)


def told(app: App) -> list[tuple[list[str], list[str]]]:
    """(docket entry numbers, article sites) of each development, routine ones left out."""
    out = []
    for dev in app.store.developments():
        rows = app.store.development_items(dev["id"])
        entries = [json.loads(r["docket"])["entry_number"] for r in rows if r["kind"] == "docket"]
        sites = sorted(r["site_name"] for r in rows if r["kind"] != "docket")
        out.append((entries, sites))
    return sorted(out, key=lambda pair: (pair[0], pair[1]))


def payloads(app: App, channel: str) -> list[dict]:
    return [json.loads(r["payload"]) for r in app.store.db.query(
        "SELECT payload FROM outbox WHERE channel_id = ? ORDER BY rowid", [channel])]


JANUARY_SITES = ["News Site B", "News Site C", "News Site D", "The Western Journal"]
EXPECTED = [([1], JANUARY_SITES), ([38], []), ([39], ["RedState"])]


@pytest.mark.parametrize("first", ["seed-court", "seed-news"])
def test_each_filing_and_its_coverage_are_one_development_alerted_once(
        tmp_path: Path, clock: FakeClock, aio: asyncio.Runner, seeds_url: str,
        first: str) -> None:
    app = demo_app(tmp_path, clock, seeds_url)
    try:
        for source in (first, ({"seed-court", "seed-news"} - {first}).pop()):
            report = aio.run(app.pipeline.poll(source))
            assert report.ok, report.error
            clock.advance(minutes=10)
        assert told(app) == EXPECTED
        firsts = payloads(app, "stdout")
        updates = [p for p in payloads(app, "all") if p["kind"] == "update"]
    finally:
        aio.run(app.aclose())
    # the console channel without updates gets one alert per development, no more
    assert len(firsts) == 2
    assert {p["kind"] for p in firsts} == (
        {"docket_entry"} if first == "seed-court" else {"development"})
    # the other side arrives as updates: the articles after the filing, or the filings
    # after the articles (the January rewrites are updates of their development either way)
    from_court = [p for p in updates if p["item"].get("docket")]
    assert len(from_court) == (0 if first == "seed-court" else 2)
    assert len(updates) == 5
    last = {p["development"]["id"]: p for p in updates}
    for payload in last.values():
        filings = payload["development"]["filings"] or [payload["item"]["docket"]]
        assert filings and all(f["court"] == "cand" for f in filings)
        assert {f["docket_number"] for f in filings} == {"3:21-cv-00485-JCS"}
        assert all(f["document_url"].startswith("https://ecf.cand.uscourts.gov/doc1/")
                   for f in filings)
    if first == "seed-news":
        # a filing's update lists the press coverage in `also`, and counts only articles
        complaint = next(p for p in from_court if p["item"]["docket"]["entry_number"] == 1)
        assert sorted(a["source"] for a in complaint["also"]) == JANUARY_SITES
        assert complaint["development"]["articles"] == 4
    else:
        # each article's update names the filing it reports; the first one alone
        article = next(p for p in updates if p["item"]["title"].startswith("Twitter’s"))
        (filing,) = article["development"]["filings"]
        assert (filing["entry_number"], filing["short_description"]) == (
            39, "Amended Complaint")
        assert article["also"] == []


def test_one_round_polling_both_sources_at_once_links_them(
        tmp_path: Path, clock: FakeClock, aio: asyncio.Runner, seeds_url: str) -> None:
    app = demo_app(tmp_path, clock, seeds_url, updates="none")
    try:
        reports, _ = aio.run(app.run_once())
        assert all(r.ok for r in reports)
        assert told(app) == EXPECTED
        assert len(payloads(app, "stdout")) == 2
    finally:
        aio.run(app.aclose())


def test_a_restart_between_the_filing_and_the_article_keeps_the_link(
        tmp_path: Path, clock: FakeClock, aio: asyncio.Runner, seeds_url: str) -> None:
    app = demo_app(tmp_path, clock, seeds_url)
    assert aio.run(app.pipeline.poll("seed-court")).ok
    aio.run(app.aclose())
    clock.advance(hours=6)
    app = demo_app(tmp_path, clock, seeds_url)
    try:
        assert aio.run(app.pipeline.poll("seed-news")).ok
        assert told(app) == EXPECTED
        assert [p["kind"] for p in payloads(app, "stdout")] == ["docket_entry"] * 2
    finally:
        aio.run(app.aclose())


@pytest.mark.parametrize("restart", [False, True], ids=["running", "restarted"])
def test_press_first_a_restart_before_the_filing_keeps_the_link(
        tmp_path: Path, clock: FakeClock, aio: asyncio.Runner, seeds_url: str,
        restart: bool) -> None:
    app = demo_app(tmp_path, clock, seeds_url)
    assert aio.run(app.pipeline.poll("seed-news")).ok
    if restart:
        aio.run(app.aclose())
        app = demo_app(tmp_path, clock, seeds_url)
    try:
        assert aio.run(app.pipeline.poll("seed-court", )).ok
        assert told(app) == EXPECTED
        # a later rewrite still joins the development now told by both
        late = Item(source_id="news", guid="late", url="https://late.example/1",
                    title="Twitter sued over abuse video", text=SEEDS[2].text,
                    site_name="Late Daily", extracted=True,
                    published=datetime(2021, 1, 23, 18, tzinfo=UTC))
        app.pipeline.ingest(late, clock.advance(minutes=5))
        assert told(app)[0] == ([1], sorted([*JANUARY_SITES, "Late Daily"]))
    finally:
        aio.run(app.aclose())


# --- what must stay apart ------------------------------------------------------------------

CASE = {"id": "doe-v-acme", "caption": "John Doe v. Acme Corp.", "court": "cand",
        "docket_number": "3:26-cv-01234", "query": "Acme AND (lawsuit OR suit OR judge)",
        "notify": ["first", "all"]}
CHANNELS = [console_channel("first"), console_channel("all", updates="send")]
DAY = datetime(2026, 3, 2, 17, tzinfo=UTC)


def acme_app(tmp_path: Path, clock: FakeClock, case: dict | None = None) -> App:
    text = config_toml(database=tmp_path / "acme.db", service=loopback_service(),
                       sources=[], cases=[case or CASE], channels=CHANNELS)
    return build_app(parse_settings(text, {}), clock=clock, stream=io.StringIO(),
                     extract_workers=0)


def filing(number: int, short: str, when: datetime, docket: str = "3:26-cv-01234") -> Item:
    entry = DocketEntry("cand", docket, "Doe v. Acme Corp.", number, short, "", when,
                        f"https://ecf.cand.uscourts.gov/doc1/0351{number:08d}", "", "")
    return Item(source_id="court", guid=entry.guid, url="", title=f"{docket} Doe v. Acme",
                published=when, docket=entry)


def article(guid: str, title: str, text: str, when: datetime) -> Item:
    return Item(source_id="news", guid=guid, url=f"https://news.example/{guid}", title=title,
                text=text, site_name=f"site {guid}", extracted=True, published=when)


def ingest(app: App, aio: asyncio.Runner, clock: FakeClock, items: list[Item]
           ) -> tuple[list[tuple[list[str], list[str]]], list[dict]]:
    """The items ingested in turn, minutes apart: the developments and first alerts."""
    try:
        for item in items:
            app.pipeline.ingest(item, clock.advance(minutes=5))
        return told(app), payloads(app, "first")
    finally:
        aio.run(app.aclose())


MOTION_NEWS = article(
    "motion", "Acme asks judge to dismiss data breach lawsuit",
    "Acme Corp. asked a federal judge in San Francisco on Monday to throw out a lawsuit "
    "brought by a patient identified as John Doe, arguing in a motion to dismiss that the "
    "plaintiff suffered no harm from the data breach. Doe says Acme hid the breach for "
    "five months. A hearing on the motion has not been scheduled.", DAY + timedelta(hours=3))
RULING_NEWS = article(
    "ruling", "Judge tosses data breach suit against Acme",
    "A federal judge in San Francisco on Friday dismissed the lawsuit John Doe brought "
    "against Acme Corp. over a data breach, ruling that the patient had not shown any "
    "harm. Judge Maria Lopez gave Doe three weeks to file an amended complaint. Acme said "
    "it was pleased with the decision.", DAY + timedelta(days=4, hours=2))


@pytest.mark.parametrize("court_first", [True, False], ids=["court-first", "press-first"])
def test_a_motion_and_its_ruling_days_apart_stay_two_developments(
        tmp_path: Path, clock: FakeClock, aio: asyncio.Runner, court_first: bool) -> None:
    app = acme_app(tmp_path, clock)
    motion = filing(20, "MOTION to Dismiss", DAY)
    order = filing(31, "Order on Motion to Dismiss", DAY + timedelta(days=4))
    items = [motion, MOTION_NEWS, order, RULING_NEWS] if court_first else \
        [MOTION_NEWS, motion, RULING_NEWS, order]
    try:
        for item in items:
            app.pipeline.ingest(item, clock.advance(minutes=20))
        groups = told(app)
        firsts = payloads(app, "first")
    finally:
        aio.run(app.aclose())
    assert groups == [([20], ["site motion"]), ([31], ["site ruling"])]
    assert len(firsts) == 2


def test_another_cases_ruling_on_the_same_day_stays_out(
        tmp_path: Path, clock: FakeClock, aio: asyncio.Runner) -> None:
    app = acme_app(tmp_path, clock)
    other = article(
        "other", "Judge tosses shareholder suit against Acme",
        "A federal judge on Friday dismissed a lawsuit brought by Acme Corp. shareholders "
        "who said the company misled them about its cloud business. The judge ruled that "
        "the investors had not shown that executives knew the forecasts were wrong.",
        DAY + timedelta(hours=6))
    try:
        app.pipeline.ingest(filing(31, "Order on Motion to Dismiss", DAY),
                            clock.advance(minutes=5))
        app.pipeline.ingest(other, clock.advance(minutes=5))
        groups = told(app)
        kinds = [p["kind"] for p in payloads(app, "first")]
        related = [p["development"].get("possibly_related_to") for p in payloads(app, "first")]
    finally:
        aio.run(app.aclose())
    assert groups == [([], ["site other"]), ([31], [])]
    assert kinds == ["docket_entry", "development"]  # both alerted
    assert related[1] is not None  # the article says which filing it may relate to


def test_routine_paperwork_is_never_the_development_an_article_joins(
        tmp_path: Path, clock: FakeClock, aio: asyncio.Runner) -> None:
    groups, firsts = ingest(acme_app(tmp_path, clock), aio, clock, [
        filing(7, "Notice of Appearance", DAY),
        filing(8, "Order on Motion for Extension of Time to Answer", DAY), RULING_NEWS])
    assert groups == [([], ["site ruling"]), ([7], []), ([8], [])]
    # the notice of appearance is quiet
    assert [p["kind"] for p in firsts] == ["docket_entry", "development"]


def test_two_filings_the_article_could_report_keep_it_apart_said_related(
        tmp_path: Path, clock: FakeClock, aio: asyncio.Runner) -> None:
    groups, firsts = ingest(acme_app(tmp_path, clock), aio, clock, [
        filing(20, "MOTION to Dismiss", DAY),
        filing(21, "MOTION for Preliminary Injunction", DAY), MOTION_NEWS])
    assert groups == [([], ["site motion"]), ([20], []), ([21], [])]
    assert firsts[-1]["kind"] == "development"
    assert firsts[-1]["development"]["possibly_related_to"] is not None


def test_news_of_a_filing_a_month_old_is_not_linked(
        tmp_path: Path, clock: FakeClock, aio: asyncio.Runner) -> None:
    app = acme_app(tmp_path, clock)
    try:
        app.pipeline.ingest(filing(20, "MOTION to Dismiss", DAY), clock.advance(minutes=5))
        late = article("late", MOTION_NEWS.title, MOTION_NEWS.text, DAY + timedelta(days=12))
        app.pipeline.ingest(late, clock.advance(days=12))
        groups = told(app)
    finally:
        aio.run(app.aclose())
    assert groups == [([], ["site late"]), ([20], [])]


def test_matches_and_status_show_the_development_told_by_both(
        tmp_path: Path, clock: FakeClock, aio: asyncio.Runner, seeds_url: str) -> None:
    app = demo_app(tmp_path, clock, seeds_url, updates="none")
    try:
        assert all(r.ok for r in aio.run(app.run_once())[0])
    finally:
        aio.run(app.aclose())
    config = tmp_path / "casewatch.toml"
    config.write_text(SEED_CONFIG, encoding="utf-8")
    env = {"CASEWATCH_DEMO_DB": str(tmp_path / "demo.db"),
           "CASEWATCH_DEMO_FEED": f"{seeds_url}/feed.xml",
           "CASEWATCH_DEMO_COURT": f"{seeds_url}/court/cand.xml"}
    listed = run_cli("matches", "-c", str(config), "--json", cwd=tmp_path, env=env)
    assert listed.returncode == 0, listed.stderr
    records = [json.loads(line) for line in listed.stdout.splitlines()]
    complaint = next(r for r in records if r["title"].startswith("Twitter sued"))
    assert complaint["told"] == {"articles": 4,
                                 "filings": ["cand 3:21-cv-00485-JCS #1 Complaint"]}
    text = run_cli("matches", "-c", str(config), cwd=tmp_path, env=env).stdout
    assert "told by the court (cand 3:21-cv-00485-JCS #39 Amended Complaint) and the press " \
        "(1 article)" in text
    status = run_cli("status", "-c", str(config), "--json", cwd=tmp_path, env=env)
    (case,) = [json.loads(line) for line in status.stdout.splitlines()
               if json.loads(line)["type"] == "case"]
    assert (case["developments"], case["court_and_press"]) == (3, 2)
