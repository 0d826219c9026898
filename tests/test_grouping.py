"""Grouping: one alert per development, through real feeds, pages and SQLite files.

The same story reaches casewatch through several feeds: with tracking parameters, as an
AMP page pointing at its canonical URL, as a syndicated copy on another site, embedded
in a longer page, and rewritten by another outlet; then a new event of the same case
arrives in similar words. The exact developments and alerts are asserted, across
restarts. The seeds are fed in every arrival order.

Each level on its own: URL identity in test_identity.py, copies in test_neardup.py, the
step an article names in test_grouping_events.py, the rules of level 3 in
test_grouping_rules.py.
"""

from __future__ import annotations

import asyncio
import io
import itertools
import json
import tomllib
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from feeds.base import Item
from monitor.config import CaseConfig, parse_settings
from monitor.grouping.grouper import Grouper
from monitor.grouping.rules import JOIN
from monitor.grouping.similarity import Centroids, terms, vector
from monitor.runtime.app import App, build_app
from monitor.store.store import Store
from monitor.text.normalise import Words
from tests.conftest import (
    FakeClock,
    Table,
    config_toml,
    console_channel,
    feed_source,
    loopback_service,
)
from tests.servers import LoopbackServer, rss
from tests.test_grouping_events import NYT

ROOT = Path(__file__).resolve().parent.parent

# --- the same story through several feeds ----------------------------------------------------

WIRE = (
    "Acme Corp. was sued on Monday by a former customer who says the company hid a data "
    "breach that exposed the medical records of more than two million patients. The "
    "complaint, filed in federal court in San Francisco by a plaintiff identified as John "
    "Doe, accuses Acme of negligence and of violating California's consumer privacy law. "
    "According to the lawsuit, Acme learned of the intrusion in March but waited five months "
    "before telling patients, while hackers sold the records on criminal forums. The "
    "plaintiff seeks to represent a class of every patient whose data was taken and asks for "
    "damages and an order requiring Acme to pay for credit monitoring. An Acme spokeswoman "
    "said the company takes privacy seriously and would fight the claims."
)
SYNDICATED = ("SAN FRANCISCO (Metro Wire) — " + WIRE
              + " (Reporting by Dana Reyes; Editing by Tom Hale)")
EMBEDDED = (
    "Health data keeps leaking, and the lawsuits keep coming. This week brought another "
    "one, against a company many readers will know from their pharmacy receipts. Here is "
    "the wire report in full, followed by what it means for you. " + WIRE + " If you were "
    "an Acme customer, check the letters you received this summer and consider freezing "
    "your credit with the three bureaus, which is free."
)
REWRITE = (
    "A patient who says his medical records were stolen has filed a class action against "
    "Acme Corp., accusing the company of keeping quiet about a data breach for months. The "
    "lawsuit, filed in San Francisco federal court, says hackers took the records of more "
    "than two million patients in March and offered them for sale online, but Acme did not "
    "notify anyone until August. The plaintiff, who sued under the pseudonym John Doe, "
    "wants the company to pay damages and fund credit monitoring for everyone affected. "
    "Acme said it would defend itself against the claims."
)
RULING = (
    "A federal judge in San Francisco on Thursday refused to throw out a class action "
    "accusing Acme Corp. of hiding a data breach that exposed the medical records of more "
    "than two million patients. Judge Maria Lopez ruled that the plaintiff, identified as "
    "John Doe, had plausibly alleged that Acme waited five months before telling patients "
    "while hackers sold the records on criminal forums. Acme had argued that the patients "
    "suffered no harm. The ruling lets the case proceed to discovery."
)

CASE = {"id": "acme-breach", "caption": "John Doe v. Acme Corp.",
        "query": "Acme AND (breach OR lawsuit OR sued OR judge)",
        "notify": ["news", "everything"]}
CHANNELS = [console_channel("news"), console_channel("everything", updates="send")]


def page(title: str, text: str, site_name: str, canonical: str = "") -> str:
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    paragraphs = "".join(f"<p>{s}.</p>" for s in text.split(". "))
    return (f"<html><head><title>{title}</title>{link}"
            f'<meta property="og:site_name" content="{site_name}"></head>'
            f"<body><article><h1>{title}</h1>{paragraphs}</article></body></html>")


def entry(title: str, link: str, day: int, hour: int = 9) -> dict[str, str]:
    date = datetime(2026, 1, day, hour, tzinfo=UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")
    return {"title": title, "link": link.replace("&", "&amp;"), "date": date, "text": "teaser"}


def sources(*pairs: tuple[str, str]) -> list[Table]:
    return [feed_source(sid, url, extract=True) for sid, url in pairs]


def open_app(tmp_path: Path, clock: FakeClock, feeds: list[Table]) -> App:
    text = config_toml(database=tmp_path / "cw.db", service=loopback_service(), sources=feeds,
                       cases=[CASE], channels=CHANNELS)
    return build_app(parse_settings(text, {}), clock=clock, stream=io.StringIO(),
                     extract_workers=0)


def run(aio: asyncio.Runner, app: App) -> None:
    aio.run(app.run_once())


def outbox(app_or_path: App | Path) -> list[tuple[str, str, str]]:
    """(channel, kind, item URL path) of every alert written, in order."""
    app = app_or_path
    rows = app.store.db.query("SELECT channel_id, kind, payload FROM outbox ORDER BY rowid")
    return [(r["channel_id"], r["kind"], urlsplit(json.loads(r["payload"])["item"]["url"]).path)
            for r in rows]


def developments(app: App) -> list[tuple[str | None, list[str], list[str]]]:
    """(event, member URL paths, member roles) per development."""
    out = []
    for dev in app.store.developments():
        members = app.store.development_items(dev["id"])
        out.append((dev["event"], [urlsplit(m["url"]).path for m in members],
                    [m["role"] for m in members]))
    return out


def serve_story(server: LoopbackServer, other: LoopbackServer) -> list[Table]:
    """Pages and feeds of one story on two sites; returns the sources' config."""
    wire_url = server.url("/wire/acme-breach")
    server.route("/wire/acme-breach", page("Acme sued over hidden data breach", WIRE,
                                           "Metro Wire"), "text/html")
    server.route("/m/story-991", page("Acme sued over hidden data breach", WIRE,
                                      "Metro Wire", canonical=wire_url), "text/html")
    other.route("/partner/acme-lawsuit", page("Acme hit with lawsuit over breach",
                                              SYNDICATED, "Partner Daily"), "text/html")
    other.route("/blog/leaks", page("Another health data lawsuit: what it means", EMBEDDED,
                                    "Leak Watch"), "text/html")
    other.route("/daily/patient-sues-acme", page(
        "Patient sues Acme over breach it kept quiet for months", REWRITE, "The Daily"),
        "text/html")
    other.route("/daily/acme-must-face-suit", page(
        "Judge rules Acme must face patient lawsuit over data breach", RULING,
        "The Daily"), "text/html")

    server.route("/wire.xml", rss([entry("Acme sued over hidden data breach",
                                         wire_url + "?utm_source=rss&utm_medium=feed", 5)]))
    server.route("/portal.xml", rss([entry("Acme sued over data breach (Metro Wire)",
                                           wire_url + "?fbclid=IwAR0x#comments", 5, 10)]))
    server.route("/mobile.xml", rss([entry("Acme sued", server.url("/m/story-991"), 5, 11)]))
    other.route("/partner.xml", rss([entry("Acme hit with lawsuit over breach",
                                           other.url("/partner/acme-lawsuit"), 5, 12)]))
    other.route("/blog.xml", rss([entry("Another health data lawsuit: what it means",
                                        other.url("/blog/leaks"), 5, 15)]))
    daily = [entry("Patient sues Acme over breach it kept quiet for months",
                   other.url("/daily/patient-sues-acme"), 6)]
    other.route("/daily.xml", rss(daily))
    feeds = sources(("wire", server.url("/wire.xml")), ("portal", server.url("/portal.xml")),
                    ("mobile", server.url("/mobile.xml")),
                    ("partner", other.url("/partner.xml")), ("blog", other.url("/blog.xml")),
                    ("daily", other.url("/daily.xml")))
    return feeds


def test_one_story_through_many_feeds_is_one_development_and_a_new_event_is_another(
        tmp_path: Path, clock: FakeClock, server: LoopbackServer, aio: asyncio.Runner) -> None:
    other = LoopbackServer("127.0.0.2")  # another site: a different host
    try:
        feeds = serve_story(server, other)
        wire_url = server.url("/wire/acme-breach")
        # every feed polled, one after another; then the process restarts twice
        app = open_app(tmp_path, clock, feeds)
        for source_id in ("wire", "portal", "mobile", "partner", "blog", "daily"):
            aio.run(app.poll(source_id))
        aio.run(app.deliverer.deliver_due())
        first = outbox(app)
        assert developments(app) == [
            (
                "complaint_filed",
                ["/wire/acme-breach", "/wire/acme-breach", "/m/story-991",
                 "/partner/acme-lawsuit", "/blog/leaks", "/daily/patient-sues-acme"],
                ["development", "duplicate", "duplicate", "duplicate", "duplicate", "update"],
            )
        ]
        statuses = {urlsplit(r["url"]).path + "|" + r["source_id"]: r["status"]
                    for r in app.store.db.query("SELECT * FROM items")}
        assert statuses == {
            "/wire/acme-breach|wire": "new", "/wire/acme-breach|portal": "duplicate",
            "/m/story-991|mobile": "duplicate", "/partner/acme-lawsuit|partner": "near_duplicate",
            "/blog/leaks|blog": "near_duplicate", "/daily/patient-sues-acme|daily": "new",
        }
        assert first == [
            ("news", "development", "/wire/acme-breach"),
            ("everything", "development", "/wire/acme-breach"),
            ("everything", "update", "/daily/patient-sues-acme"),
        ]

        aio.run(app.aclose())
        clock.advance(hours=1)
        app = open_app(tmp_path, clock, feeds)
        run(aio, app)
        assert outbox(app) == first  # a restart and a re-poll change nothing

        # a new event of the same case, in much the same words, two days later
        daily = [entry("Patient sues Acme over breach it kept quiet for months",
                       other.url("/daily/patient-sues-acme"), 6)]
        ruling = entry("Judge rules Acme must face patient lawsuit over data breach",
                       other.url("/daily/acme-must-face-suit"), 8)
        other.route("/daily.xml", rss([*daily, ruling]))
        aio.run(app.aclose())
        clock.advance(days=3)
        app = open_app(tmp_path, clock, feeds)
        run(aio, app)
        assert outbox(app) == [
            *first,
            ("news", "development", "/daily/acme-must-face-suit"),
            ("everything", "development", "/daily/acme-must-face-suit"),
        ]
        assert [d[0] for d in developments(app)] == ["complaint_filed", "ruling"]
        update = json.loads(next(app.store.db.query(
            "SELECT payload FROM outbox WHERE kind = 'update'"))["payload"])
        assert update["development"]["new"] is False
        assert {a["url"] for a in update["also"]} >= {wire_url + "?utm_source=rss&"
                                                                 "utm_medium=feed"}
        aio.run(app.aclose())
    finally:
        other.close()


def test_one_story_from_every_feed_in_one_concurrent_poll_alerts_once(
        tmp_path: Path, clock: FakeClock, server: LoopbackServer, aio: asyncio.Runner) -> None:
    other = LoopbackServer("127.0.0.2")
    try:
        app = open_app(tmp_path, clock, serve_story(server, other))
        run(aio, app)  # all six sources at once: arrival order is up to the network
        [(event, members, roles)] = developments(app)
        assert event == "complaint_filed" and len(members) == 6
        assert sorted(roles) == ["development", "duplicate", "duplicate", "duplicate",
                                 "duplicate", "update"]
        assert sorted((c, k) for c, k, _ in outbox(app)) == [
            ("everything", "development"), ("everything", "update"), ("news", "development")]
        aio.run(app.aclose())
    finally:
        other.close()


# --- the seeds, in every order ---------------------------------------------------------------

SEED_CONFIG = (ROOT / "seeds" / "demo.toml").read_text(encoding="utf-8")


def seed_items() -> list[Item]:
    meta = tomllib.loads((ROOT / "seeds" / "articles.toml").read_text(encoding="utf-8"))
    items = []
    for n, a in enumerate(meta["articles"]):
        text = (ROOT / "seeds" / "articles" / a["file"]).read_text(encoding="utf-8")
        items.append(Item(
            source_id="news", guid=a["slug"], url=f"https://site{n}.example/{a['slug']}",
            title=a["title"], text=text, site_name=a["site"], extracted=True,
            published=datetime.fromisoformat(a["published"]),
        ))
    return items


SEEDS = seed_items()
JANUARY = {s.guid for s in SEEDS if s.published and s.published.month == 1}


def seed_app(tmp_path: Path, clock: FakeClock, updates: str = "none") -> App:
    env = {"CASEWATCH_DEMO_DB": str(tmp_path / "seeds.db"),
           "CASEWATCH_DEMO_FEED": "http://127.0.0.1:9/feed.xml"}
    text = SEED_CONFIG + f'\n[[channels]]\nid = "all"\nkind = "console"\nupdates = "{updates}"\n'
    text = text.replace('notify = ["stdout"]', 'notify = ["stdout", "all"]')
    return build_app(parse_settings(text, env), clock=clock, stream=io.StringIO(),
                     extract_workers=0)


def seed_groups(app: App) -> tuple[list[frozenset[str]], dict[str, int]]:
    groups = sorted(
        (frozenset(row["guid"] for row in app.store.development_items(d["id"]))
         for d in app.store.developments()),
        key=len, reverse=True,
    )
    kinds: dict[str, int] = {}
    for row in app.store.db.query("SELECT channel_id, kind FROM outbox"):
        key = f"{row['channel_id']}:{row['kind']}"
        kinds[key] = kinds.get(key, 0) + 1
    return groups, kinds


def test_seed_config_routes_to_the_console_channel() -> None:
    assert 'notify = ["stdout"]' in SEED_CONFIG  # seed_app relies on it


@pytest.mark.parametrize("order", list(itertools.permutations(range(5))),
                         ids=lambda o: "".join(map(str, o)))
def test_the_seeds_in_any_order_make_two_developments(
        tmp_path: Path, clock: FakeClock, aio: asyncio.Runner, order: tuple[int, ...]) -> None:
    app = seed_app(tmp_path, clock, updates="send")
    try:
        for n in order:
            app.pipeline.ingest(SEEDS[n], clock.advance(minutes=7))
        groups, kinds = seed_groups(app)
    finally:
        aio.run(app.aclose())
    april = {s.guid for s in SEEDS} - JANUARY
    assert groups == [frozenset(JANUARY), frozenset(april)]
    assert kinds == {"stdout:development": 2, "all:development": 2, "all:update": 3}


def test_the_seeds_one_per_restart_newest_first_make_the_same_two_developments(
        tmp_path: Path, clock: FakeClock, aio: asyncio.Runner) -> None:
    # one item per process lifetime, newest first
    for n in (4, 3, 2, 1, 0):
        app = seed_app(tmp_path, clock)
        app.pipeline.ingest(SEEDS[n], clock.advance(hours=5))
        app.pipeline.ingest(SEEDS[n], clock.now)  # the same item again: nothing
        aio.run(app.aclose())
    app = seed_app(tmp_path, clock)
    groups, kinds = seed_groups(app)
    aio.run(app.aclose())
    assert groups == [frozenset(JANUARY), frozenset({SEEDS[4].guid})]
    assert kinds == {"stdout:development": 2, "all:development": 2}


def test_a_database_from_before_stored_vectors_still_groups(
        tmp_path: Path, clock: FakeClock, aio: asyncio.Runner) -> None:
    # matches stored before vectors were kept have none: their vectors are computed again
    app = seed_app(tmp_path, clock)
    app.pipeline.ingest(SEEDS[0], clock.advance(minutes=5))
    assert app.store.db.execute("SELECT count(vector) FROM matches").fetchone()[0] == 1
    app.store.db.execute("UPDATE matches SET vector = NULL")
    aio.run(app.aclose())
    app = seed_app(tmp_path, clock)
    app.pipeline.ingest(SEEDS[1], clock.advance(minutes=5))
    groups, _ = seed_groups(app)
    aio.run(app.aclose())
    assert groups == [frozenset({SEEDS[0].guid, SEEDS[1].guid})]


# --- level 3 through the pipeline (each rule on its own: test_grouping_rules.py) ------------


def story(guid: str, title: str, text: str, day: int) -> Item:
    return Item(source_id="news", guid=guid, url=f"https://{guid}.example/story", title=title,
                text=text, extracted=True, published=datetime(2026, 1, day, 9, tzinfo=UTC))


def acme_app(tmp_path: Path, clock: FakeClock) -> App:
    return open_app(tmp_path, clock, [])


def test_a_new_numbered_party_is_a_new_development_even_in_similar_words(
        tmp_path: Path, clock: FakeClock, aio: asyncio.Runner) -> None:
    app = acme_app(tmp_path, clock)
    app.pipeline.ingest(story("one", "Acme sued over hidden data breach", WIRE, 5), clock())
    second = WIRE.replace("a plaintiff identified as John Doe",
                          "a second plaintiff, identified as John Doe #2")
    app.pipeline.ingest(story("two", "Acme sued again over hidden data breach", second
                              .replace("former customer", "nurse"), 6), clock.advance(hours=1))
    assert len(app.store.developments()) == 2
    aio.run(app.aclose())


LATE = (
    "Three weeks after the lawsuit was filed, patients who say Acme Corp. kept a data breach "
    "secret for five months are still waiting for answers. The complaint in San Francisco "
    "federal court says hackers stole the records of more than two million patients and "
    "sold them online. The plaintiff, known in court papers as John Doe, wants Acme to pay "
    "damages and to cover credit monitoring, and Acme has said it will fight the claims."
)


def test_a_rewrite_joins_within_the_window_and_is_flagged_not_folded_long_after(
        tmp_path: Path, clock: FakeClock, aio: asyncio.Runner) -> None:
    app = acme_app(tmp_path, clock)
    app.pipeline.ingest(story("wire", "Acme sued over hidden data breach", WIRE, 5), clock())
    app.pipeline.ingest(story("daily", "Patient sues Acme over breach it kept quiet", REWRITE,
                              6), clock.advance(hours=1))
    app.pipeline.ingest(story("weekly", "Acme breach victims still wait for answers", LATE, 26),
                        clock.advance(days=20))
    roles = [r["role"] for r in app.store.db.query("SELECT role FROM matches ORDER BY rowid")]
    assert roles == ["development", "update", "development"]
    first, late = app.store.developments()
    assert late["possibly_related_to"] == first["id"]
    aio.run(app.aclose())


def test_a_different_procedural_event_is_new_even_when_the_words_are_close(
        tmp_path: Path, clock: FakeClock, aio: asyncio.Runner) -> None:
    app = acme_app(tmp_path, clock)
    df = app.pipeline.grouper._frequencies()
    centroids = Centroids()
    centroids.add(centroids.new_row(), vector(terms(Words.of("", WIRE)), df))
    similarity = centroids.cosines(vector(terms(Words.of("", RULING)), df))[0]
    assert similarity >= JOIN  # without the event tag, the ruling would join
    app.pipeline.ingest(story("wire", "Acme sued over hidden data breach", WIRE, 5), clock())
    app.pipeline.ingest(story("ruling", "Judge rules Acme must face breach lawsuit", RULING, 6),
                        clock.advance(hours=1))
    events = [d["event"] for d in app.store.developments()]
    assert events == ["complaint_filed", "ruling"]
    aio.run(app.aclose())


VERDICT = (
    "A federal jury in San Jose ordered Samsung to pay Apple {amount} on Thursday for "
    "copying the iPhone's design in a line of older Galaxy phones. Jurors deliberated for "
    "several days before reaching the damages figure, which covers design patents on the "
    "phone's rounded corners and grid of icons. Samsung said it would weigh its options "
    "and Apple said the verdict vindicated its designers. Acme, its supplier, faces a "
    "breach claim."
)
VERDICT_REWRITE = (
    "Samsung owes Apple {amount}, jurors decided Thursday after several days of "
    "deliberations in San Jose. The panel found that older Galaxy phones copied the "
    "iPhone's rounded corners and grid of icons, both covered by design patents. Apple "
    "welcomed the verdict; Samsung is weighing its options. Separately, supplier Acme "
    "faces a breach claim."
)
VERDICT_BRIEF = (
    "Design patents: a San Jose jury found Thursday that Galaxy phones copied the iPhone, "
    "and set damages at {amount} for Apple. Samsung may appeal. Acme breach claim pending."
)


def _cosine(app: App, a: str, b: str) -> float:
    df = app.pipeline.grouper._frequencies()
    centroids = Centroids()
    centroids.add(centroids.new_row(), vector(terms(Words.of("", a)), df))
    return float(centroids.cosines(vector(terms(Words.of("", b)), df))[0])


def test_a_verdict_for_another_sum_is_a_new_development_even_in_the_same_words(
        tmp_path: Path, clock: FakeClock, aio: asyncio.Runner) -> None:
    app = acme_app(tmp_path, clock)
    first, retrial = VERDICT.format(amount="$290 million"), VERDICT_REWRITE.format(
        amount="$539 million")
    assert _cosine(app, first, retrial) >= JOIN  # without the amounts, one development
    app.pipeline.ingest(story("one", "Jury orders Samsung to pay Apple $290 million", first, 5),
                        clock())
    app.pipeline.ingest(story("two", "Samsung owes Apple $539 million, jury says", retrial, 6),
                        clock.advance(hours=1))
    app.pipeline.ingest(story("three", "Samsung must pay Apple $300 million, jury says",
                              VERDICT_BRIEF.format(amount="$300 million"), 6),
                        clock.advance(hours=1))  # the first sum, told rounder: a rewrite
    roles = [r["role"] for r in app.store.db.query("SELECT role FROM matches ORDER BY rowid")]
    assert roles == ["development", "development", "update"]
    aio.run(app.aclose())


def _undated(guid: str, title: str, text: str) -> Item:
    return replace(story(guid, title, text, 1), published=None)


def test_undated_news_of_years_apart_is_kept_apart(
        tmp_path: Path, clock: FakeClock, aio: asyncio.Runner) -> None:
    app = acme_app(tmp_path, clock)
    early = VERDICT.format(amount="damages") + " The case was filed in 2011."
    late = VERDICT_REWRITE.format(amount="damages") + " It was filed in 2011, retried in 2018."
    assert _cosine(app, early, late) >= JOIN  # without the years, one development
    app.pipeline.ingest(_undated("one", "Jury sides with Apple", early), clock())
    app.pipeline.ingest(_undated("two", "Jurors side with Apple", late), clock.advance(minutes=1))
    app.pipeline.ingest(_undated("three", "Apple wins over jury",
                                 VERDICT_BRIEF.format(amount="damages") + " Filed in 2012."),
                        clock.advance(minutes=1))
    roles = [r["role"] for r in app.store.db.query("SELECT role FROM matches ORDER BY rowid")]
    assert roles == ["development", "development", "update"]
    aio.run(app.aclose())


def test_an_undated_development_does_not_drift_from_its_first_article(
        tmp_path: Path, clock: FakeClock, aio: asyncio.Runner) -> None:
    """A chain of articles each like the last but not the first stays out of it."""
    app = acme_app(tmp_path, clock)
    a = "alpha bravo charlie delta echo foxtrot golf hotel india juliet " * 3 + "acme breach"
    b = "alpha bravo charlie delta echo kilo lima mike november oscar " * 3 + "acme breach"
    c = "papa quebec romeo sierra tango kilo lima mike november oscar " * 3 + "acme breach"
    assert _cosine(app, a, c) < 0.15 <= _cosine(app, a, b) and _cosine(app, b, c) >= 0.15
    app.pipeline.ingest(_undated("one", "First", a), clock())
    app.pipeline.ingest(_undated("two", "Second", b), clock.advance(minutes=1))
    app.pipeline.ingest(_undated("three", "Third", c), clock.advance(minutes=1))
    roles = [r["role"] for r in app.store.db.query("SELECT role FROM matches ORDER BY rowid")]
    assert roles == ["development", "update", "development"]
    # and a restart rebuilds the same first article from the database
    app.pipeline.grouper.forget()
    app.pipeline.ingest(_undated("four", "Fourth", c.replace("papa", "uniform")),
                        clock.advance(minutes=1))
    dev = [r["development_id"] for r in app.store.db.query(
        "SELECT development_id FROM matches ORDER BY rowid")]
    assert dev[3] == dev[2] != dev[0]
    aio.run(app.aclose())


APPEAL = (
    "Acme Corp. filed a notice of appeal on Friday, asking the Ninth Circuit to overturn the "
    "ruling that let a class action over its hidden data breach go forward. The lawsuit, "
    "brought by a patient identified as John Doe, says hackers stole the medical records of "
    "more than two million patients while Acme waited five months to tell them. The "
    "appeal argues that the patients suffered no harm and that the class is far too broad."
)


def test_the_same_step_by_the_other_side_is_a_new_development(
        tmp_path: Path, clock: FakeClock, aio: asyncio.Runner) -> None:
    app = acme_app(tmp_path, clock)
    app.pipeline.ingest(story("acme", "Acme appeals ruling in breach class action", APPEAL, 5),
                        clock())
    theirs = (
        "The patient suing Acme Corp. over its hidden data breach has lodged his own appeal. "
        "John Doe, as he is known in court papers, wants the Ninth Circuit to restore the "
        "negligence claims the judge trimmed from the class action. His lawyers say Acme "
        "waited five months to tell more than two million patients that hackers had their "
        "medical records, and that the dropped claims are central to the case."
    )
    app.pipeline.ingest(story("doe", "John Doe appeals ruling in Acme breach class action",
                              theirs, 5), clock.advance(hours=2))
    rewrite = (
        "Acme Corp. is asking an appeals court to undo a judge's decision allowing a class "
        "action over its data breach to proceed. In a notice of appeal filed Friday, the "
        "company says the patients whose medical records hackers stole cannot show harm. The "
        "suit says Acme waited five months before telling two million patients."
    )
    app.pipeline.ingest(story("again", "Acme files appeal over breach class action", rewrite, 6),
                        clock.advance(hours=3))
    assert [d[2] for d in developments(app)] == [["development", "update"], ["development"]]
    aio.run(app.aclose())


def test_an_uncertain_item_alerts_labelled_possibly_related(
        tmp_path: Path, clock: FakeClock, aio: asyncio.Runner) -> None:
    app = acme_app(tmp_path, clock)
    app.pipeline.ingest(story("wire", "Acme sued over hidden data breach", WIRE, 5), clock())
    # same case, same day, no event named; shares only some of the story's words
    vague = ("Acme shares fell four percent on Tuesday. Analysts pointed to the breach of "
             "medical records and said patients and hospitals may look elsewhere, while the "
             "company kept its annual forecast unchanged and named a new finance chief.")
    app.pipeline.ingest(story("markets", "Acme shares slip", vague, 6), clock.advance(hours=1))
    devs = app.store.developments()
    assert len(devs) == 2
    assert devs[1]["possibly_related_to"] == devs[0]["id"]
    payload = json.loads(next(app.store.db.query(
        "SELECT payload FROM outbox WHERE channel_id = 'news' ORDER BY rowid DESC"))["payload"])
    assert payload["development"]["possibly_related_to"] == devs[0]["id"]
    aio.run(app.aclose())


def test_a_failed_ingest_leaves_nothing_half_written(
        tmp_path: Path, clock: FakeClock, aio: asyncio.Runner,
        monkeypatch: pytest.MonkeyPatch) -> None:
    app = acme_app(tmp_path, clock)
    calls = {"n": 0}
    real = app.store.enqueue

    def flaky(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(app.store, "enqueue", flaky)
    item = story("wire", "Acme sued over hidden data breach", WIRE, 5)
    with pytest.raises(RuntimeError):
        app.pipeline.ingest(item, clock())
    assert app.store.counts() == {"items": 0, "matches": 0, "developments": 0, "outbox": 0}
    assert app.pipeline.ingest(item, clock.advance(minutes=1)) == 2
    assert len(app.store.developments()) == 1
    aio.run(app.aclose())


def test_motions_of_two_defendants_in_close_words_are_two_developments(
        tmp_path: Path) -> None:
    store = Store.open(tmp_path / "g.db")
    grouper = Grouper(store)
    case = CaseConfig(id="nyt", caption=NYT[0], aliases=NYT[1:])
    now = datetime(2024, 3, 5, 12, tzinfo=UTC)
    text = ("{who} on Monday asked a federal judge in Manhattan to dismiss parts of The New "
            "York Times' copyright lawsuit over artificial intelligence, arguing that the "
            "newspaper's claims about chatbots reproducing its articles overstate the harm "
            "and that some of the claims were filed too late to be heard.")

    def ingest(guid: str, title: str, who: str, *, background: bool = False) -> str:
        item = Item(source_id="news", guid=guid, url=f"https://{guid}.example/a", title=title,
                    text=who if background else text.format(who=who), extracted=True)
        with store.atomic():
            identity = grouper.identify(item, now)
            item_id = store.insert_item(item, now=now, canonical_url=identity.canonical_url,
                                        text_hash=identity.text_hash,
                                        duplicate_of=identity.original)
            grouper.remember(item_id, identity, now, matched=not background)
            return "" if background else grouper.assign(case, item, identity, now).development_id

    # other news, so that words every article shares weigh little, as in a real store
    corpus = tomllib.loads((ROOT / "tests" / "corpus" / "events.toml").read_text())
    others = [a for a in corpus["articles"] if a["case"] != "nyt-v-microsoft-openai"]
    for n, article in enumerate(others):
        ingest(f"bg{n}", article["title"], article["text"], background=True)

    first = ingest("a", "OpenAI asks court to dismiss parts of Times lawsuit", "OpenAI")
    second = ingest("b", "Microsoft asks court to dismiss parts of Times lawsuit", "Microsoft")
    again = ingest("c", "OpenAI asks judge to toss parts of New York Times suit", "The company")
    assert first != second and again == first
    store.close()


DENIAL = (
    "A federal judge on Thursday refused to end the class action over Acme Corp.'s hidden "
    "data breach, denying the company's motion to dismiss the lawsuit brought by a patient "
    "identified as John Doe. The judge wrote that the patients had shown enough harm from "
    "the theft of their medical records to keep their negligence claims alive, and that "
    "Acme's five-month delay in telling two million patients could be tried."
)
DENIAL_AGAIN = (
    "Acme Corp. has {again} failed to get the data breach class action thrown out. The "
    "company's motion to dismiss the lawsuit, brought by a patient known as John Doe, was "
    "denied by the federal judge on Thursday, who found that the theft of two million "
    "patients' medical records was harm enough for the negligence claims to go on and that "
    "a jury could weigh Acme's five-month delay in telling them."
)


def test_a_step_taken_again_is_a_new_development_even_in_the_same_words(
        tmp_path: Path, clock: FakeClock, aio: asyncio.Runner) -> None:
    """Undated, "again", "for a second time", "renewed": the news is not the first time."""
    app = acme_app(tmp_path, clock)
    first, second = DENIAL, DENIAL_AGAIN.format(again="again")
    assert _cosine(app, first, second) >= JOIN  # without the cue, one development
    app.pipeline.ingest(_undated("one", "Judge denies Acme bid to end breach class action",
                                 first), clock())
    app.pipeline.ingest(_undated("two", "Judge again denies Acme bid to end breach class action",
                                 second), clock.advance(minutes=1))
    app.pipeline.ingest(_undated("three", "Acme loses renewed bid to end breach class action",
                                 DENIAL_AGAIN.format(again="for a second time")),
                        clock.advance(minutes=1))
    dev = [r["development_id"] for r in app.store.db.query(
        "SELECT development_id FROM matches ORDER BY rowid")]
    assert dev[0] != dev[1] == dev[2]
    aio.run(app.aclose())


SETTLEMENT = (
    "Acme Corp. agreed on Tuesday to pay $40 million to settle the class action over the "
    "data breach that exposed the medical records of more than two million patients, "
    "according to a filing in federal court in San Francisco. Patients whose records were "
    "taken can claim up to $500 each and two years of credit monitoring. Acme admitted no "
    "wrongdoing. The settlement needs the approval of the judge, who is expected to rule "
    "on it at a hearing next month, lawyers for the plaintiff said."
)


def test_grouping_holds_the_last_30_days_however_long_it_runs(
        tmp_path: Path, clock: FakeClock, aio: asyncio.Runner) -> None:
    """A daemon running for months holds what a restart would read, the last 30 days of
    indexed articles and developments, not all it has seen."""
    app = acme_app(tmp_path, clock)
    news = [("wire", "Acme sued over hidden data breach", WIRE),
            ("ruling", "Judge refuses to dismiss Acme breach suit", RULING),
            ("deal", "Acme settles breach class action for $40 million", SETTLEMENT)]
    held = []
    for step, (guid, title, text) in zip((0, 15, 20), news, strict=True):
        clock.advance(days=step)
        app.pipeline.ingest(replace(story(guid, title, text, 5), published=clock()), clock())
        held.append(app.grouping_held())
    stored = len(app.store.developments())
    aio.run(app.aclose())
    # the complaint's article and development are 35 days old at the settlement
    assert held == [(1, 1), (2, 2), (2, 2)]
    assert stored == 3  # all still stored
