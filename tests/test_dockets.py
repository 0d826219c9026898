"""Docket entries: courts resolved, entries tied to cases by court and number, routine
paperwork kept quiet, one alert per entry across sources, fuller versions as updates."""

from __future__ import annotations

import io
import json
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from alerts.base import Alert
from alerts.render import email_html, email_subject, render_text, slack_message
from feeds.base import DocketEntry, Item
from feeds.courts import court_name, resolve_court
from monitor.config import ConfigError, parse_settings
from monitor.matching.dockets import DocketMatcher, is_routine, names_agree
from monitor.runtime.app import App, build_app
from tests.conftest import FakeClock, Table, config_toml, console_channel, run_cli, write_config

FILED = datetime(2021, 4, 6, 17, 2, tzinfo=UTC)


def entry(number: str = "3:21-cv-00485", n: int | None = 12, *, court: str = "cand",
          name: str = "Doe v. Twitter, Inc.", short: str = "FIRST AMENDED COMPLAINT",
          description: str = "", doc: str = "") -> DocketEntry:
    return DocketEntry(court, number, name, n, short, description, FILED, doc, "372224", "")


def item(e: DocketEntry, source: str = "cand-rss") -> Item:
    return Item(source_id=source, guid=e.guid, url=e.document_url, title=e.short_description,
                summary=e.short_description, published=e.filed_at, docket=e)


@pytest.mark.parametrize(("given", "court"), [
    ("cand", "cand"), ("CAND", "cand"), ("N.D. Cal.", "cand"), ("ND Cal", "cand"),
    ("Northern District of California", "cand"),
    ("United States District Court for the Northern District of California", "cand"),
    ("S.D.N.Y.", "nysd"), ("Southern District of New York", "nysd"),
    ("Bankr. S.D.N.Y.", "nysb"), ("Bankruptcy Court for the Southern District of New York", "nysb"),
    ("9th Cir.", "ca9"), ("Ninth Circuit", "ca9"), ("D.C. Circuit", "cadc"),
    ("U.S. Court of Appeals for the Second Circuit", "ca2"), ("arb", "azb"),
])
def test_a_court_is_an_id_a_citation_or_a_name(given: str, court: str) -> None:
    assert resolve_court(given) == court


@pytest.mark.parametrize(("given", "why"), [
    ("Nowhere County Court", "unknown court"), ("", "empty"), ("Eastern District", "unknown"),
    ("Orange County Court", "ambiguous"),  # Florida's and New York's
])
def test_an_unknown_or_ambiguous_court_is_refused(given: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        resolve_court(given)


def test_the_court_records_read_from_the_data_file_are_courts_dbs_own() -> None:
    """Ids, names, citations, types and dates are read from courts-db's data file without
    its name patterns: they must be what `courts_db.courts` gives (a new courts-db that
    renders them too would make the shortcut wrong)."""
    import courts_db

    from feeds.courts import _records

    fields = ("id", "name", "citation_string", "type", "system", "dates")
    assert [{k: r.get(k) for k in fields} for r in _records()] == \
        [{k: r.get(k) for k in fields} for r in courts_db.courts]


def test_a_bad_court_or_docket_number_is_a_config_error_at_its_path() -> None:
    case = {"id": "a", "caption": "A v. B", "court": "Court of Nowhere",
            "docket_number": "not a number"}
    with pytest.raises(ConfigError) as caught:
        parse_settings(config_toml(cases=[case]), {})
    joined = "\n".join(caught.value.errors)
    assert "cases[0].court" in joined and "unknown court" in joined
    assert "cases[0].docket_number" in joined and "not a docket number" in joined
    case = parse_settings(config_toml(cases=[
        {**case, "court": "N.D. Cal.", "docket_number": "3:21-cv-00485"}]), {}).cases[0]
    assert case.court == "cand"
    assert court_name(case.court) == "United States District Court for the Northern District " \
        "of California"


def matcher(*cases: Table) -> DocketMatcher:
    text = config_toml(cases=[{"id": f"c{i}", **case} for i, case in enumerate(cases)])
    return DocketMatcher(parse_settings(text, {}).cases)


DOE = {"caption": "John Doe #1 and John Doe #2 v. Twitter, Inc.", "court": "N.D. Cal.",
       "docket_number": "3:21-cv-00485"}


@pytest.mark.parametrize(("e", "matched"), [
    (entry(), True),
    (entry("21-cv-485-JCS"), True),  # no office digit, judge initials
    (entry("3:21cv485"), True),
    (entry("4:21-cv-00485"), False),  # another office of the same court
    (entry("3:21-cv-00486"), False),
    (entry("3:21-cr-00485"), False),
    (entry(court="nysd"), False),
    (entry(name="Smith v. Jones"), False),  # the number is right, the case is not
    (entry(name="Unknown Case Title"), True),
    (entry(name="Doe et al v. Twitter"), True),
])
def test_entries_match_by_court_and_number_confirmed_by_name(e: DocketEntry,
                                                              matched: bool) -> None:
    found = matcher(DOE).match(e)
    assert [m.case_id for m in found] == (["c0"] if matched else [])


def test_a_defendant_number_is_kept_apart_only_when_the_case_names_one() -> None:
    m = matcher({"caption": "United States v. Lee", "docket_number": "1:18-cr-00224-PKC-2"},
                {"caption": "United States v. Lee", "docket_number": "1:18-cr-00224"})
    both = entry("1:18-cr-00224-2", name="USA v. Lee")
    other = entry("1:18-cr-00224-PKC-1", name="USA v. Lee")
    assert [x.case_id for x in m.match(both)] == ["c0", "c1"]
    assert [x.case_id for x in m.match(other)] == ["c1"]


def test_names_agree_unless_they_plainly_name_other_people() -> None:
    assert names_agree("Doe v. Twitter, Inc.", ["John Doe #1 and John Doe #2 v. Twitter, Inc."])
    assert names_agree("Twitter", ["John Doe v. Twitter"])
    assert not names_agree("Roe v. Meta Platforms", ["John Doe v. Twitter"])
    assert names_agree("", ["John Doe v. Twitter"])


@pytest.mark.parametrize(("short", "routine"), [
    ("NOTICE of Appearance by Jane Smith on behalf of Twitter, Inc.", True),
    ("MOTION for leave to appear in Pro Hac Vice", True),
    ("Corporate Disclosure Statement by Twitter, Inc.", True),
    ("Summons Issued as to Twitter, Inc.", True),
    ("CERTIFICATE OF SERVICE", True),
    ("FIRST AMENDED COMPLAINT against Twitter, Inc.", False),
    ("ORDER granting in part and denying in part Motion to Dismiss", False),
    ("Disclosure Statement filed by Debtor", False),  # substantive in bankruptcy
])
def test_routine_entries_are_recognised(short: str, routine: bool) -> None:
    assert is_routine(entry(short=short)) is routine


def docket_config(tmp_path: Path, *, case: Table | None = None, updates: str = "none",
           sources: tuple[Table, ...] = ()) -> dict[str, object]:
    """The parts of a config following Doe v. Twitter by its docket, alerts on the console;
    `case` adds to the case."""
    doe = {"id": "doe", "caption": "John Doe #1 and John Doe #2 v. Twitter, Inc.",
           "aliases": ["Doe v. Twitter"], "court": "N.D. Cal.",
           "docket_number": "3:21-cv-00485", "notify": ["hook"], **(case or {})}
    return {"database": tmp_path / "cw.db", "service": {"http": ""}, "sources": sources,
            "cases": [doe], "channels": [console_channel("hook", updates=updates)]}


def app_for(tmp_path: Path, clock: FakeClock, *, case: Table | None = None,
            updates: str = "none") -> App:
    text = config_toml(**docket_config(tmp_path, case=case, updates=updates))
    return build_app(parse_settings(text, {}), clock=clock, stream=io.StringIO(),
                     extract_workers=0)


def outbox(app: App) -> list[tuple[str, str]]:
    rows = app.store.db.execute("SELECT kind, payload FROM outbox ORDER BY created_at, rowid")
    return [(kind, json.loads(payload)["item"]["title"]) for kind, payload in rows]


def test_an_entry_alerts_once_even_when_another_source_repeats_it(
        tmp_path: Path, clock: FakeClock) -> None:
    app = app_for(tmp_path, clock)
    now = clock()
    assert app.pipeline.ingest(item(entry()), now) == 1
    again = entry("21-cv-485", name="Doe v. Twitter")  # the same entry, spelled otherwise
    assert app.pipeline.ingest(item(again, "courtlistener"), now) == 0
    assert outbox(app) == [("docket_entry", "FIRST AMENDED COMPLAINT")]
    statuses = [r["status"] for r in app.store.db.query("SELECT status FROM items ORDER BY id")]
    assert statuses == ["new", "duplicate"]
    roles = [r["role"] for r in app.store.db.query("SELECT role FROM matches ORDER BY item_id")]
    assert roles == ["docket_entry", "duplicate"]


@pytest.mark.parametrize(("updates", "sent"), [("none", 0), ("send", 1)])
def test_a_fuller_version_updates_the_entry_instead_of_alerting_again(
        tmp_path: Path, clock: FakeClock, updates: str, sent: int) -> None:
    app = app_for(tmp_path, clock, updates=updates)
    now = clock()
    app.pipeline.ingest(item(entry()), now)
    full = entry(description="FIRST AMENDED COMPLAINT against Twitter, Inc. adding John Doe "
                             "#2 as plaintiff. Filed by John Doe #1, John Doe #2.",
                 doc="https://ecf.cand.uscourts.gov/doc1/035019165467")
    assert app.pipeline.ingest(item(full, "courtlistener"), now + timedelta(hours=2)) == sent
    kinds = [kind for kind, _ in outbox(app)]
    assert kinds == ["docket_entry", "update"][: 1 + sent]
    devs = app.store.developments("doe")
    assert len(devs) == 1
    members = app.store.development_items(devs[0]["id"])
    assert [m["role"] for m in members] == ["docket_entry", "update"]
    # and the short version coming back later says nothing new
    assert app.pipeline.ingest(item(entry(), "other-rss"), now + timedelta(hours=3)) == 0


def test_each_entry_is_its_own_development(tmp_path: Path, clock: FakeClock) -> None:
    app = app_for(tmp_path, clock)
    now = clock()
    app.pipeline.ingest(item(entry(n=12)), now)
    app.pipeline.ingest(item(entry(n=13, short="ORDER granting stipulation")), now)
    assert len(app.store.developments("doe")) == 2
    assert [k for k, _ in outbox(app)] == ["docket_entry", "docket_entry"]


@pytest.mark.parametrize(("setting", "alerts"), [
    ({}, 1), ({"docket_alert": "all"}, 2), ({"docket_alert": "none"}, 0),
    ({"docket_routine": ["amended complaint"]}, 1),
])
def test_routine_entries_are_stored_but_not_alerted_unless_the_case_asks(
        tmp_path: Path, clock: FakeClock, setting: Table, alerts: int) -> None:
    app = app_for(tmp_path, clock, case=setting)
    now = clock()
    written = app.pipeline.ingest(item(entry(n=12)), now)
    written += app.pipeline.ingest(item(entry(n=13, short="NOTICE of Appearance by A. Lawyer")),
                                   now)
    assert written == alerts
    assert app.store.counts()["matches"] == 2  # both stored, alerted or not


def test_entries_of_other_cases_in_a_court_feed_are_stored_without_alerts(
        tmp_path: Path, clock: FakeClock) -> None:
    app = app_for(tmp_path, clock)
    other = entry("3:22-cv-01234", name="Roe v. Meta Platforms, Inc.", short="COMPLAINT")
    assert app.pipeline.ingest(item(other), clock()) == 0
    assert app.store.counts() == {"items": 1, "matches": 0, "developments": 0, "outbox": 0}


def test_an_entry_alert_reads_the_same_in_every_channel(tmp_path: Path, clock: FakeClock) -> None:
    app = app_for(tmp_path, clock)
    full = entry(description="FIRST AMENDED COMPLAINT against Twitter, Inc. <b>adding</b> "
                             "<!channel> John Doe #2",
                 doc="https://ecf.cand.uscourts.gov/doc1/035019165467")
    app.pipeline.ingest(item(full), clock())
    payload = json.loads(app.store.db.execute("SELECT payload FROM outbox").fetchone()[0])
    assert payload["kind"] == "docket_entry"
    assert payload["item"]["docket"]["entry_number"] == 12
    assert payload["item"]["docket"]["filed_at"] == "2021-04-06T17:02:00+00:00"
    alert = Alert.from_payload(payload)
    head = "New filing in John Doe #1 and John Doe #2 v. Twitter, Inc.: #12 FIRST AMENDED COMPLAINT"
    text = render_text(alert)
    assert text.startswith(head)
    assert "cand · 3:21-cv-00485 · filed 6 Apr 2021 17:02 UTC" in text
    assert "Document: https://ecf.cand.uscourts.gov/doc1/035019165467" in text
    slack = json.dumps(slack_message(alert))
    assert "#12 FIRST AMENDED COMPLAINT" in slack and "filed 6 Apr 2021 17:02 UTC" in slack
    assert "<https://ecf.cand.uscourts.gov/doc1/035019165467|Document>" in slack
    assert "<!channel>" not in slack and "&lt;!channel&gt;" in slack
    html = email_html(alert)
    assert "#12 FIRST AMENDED COMPLAINT" in html and "filed 6 Apr 2021 17:02 UTC" in html
    assert '<a href="https://ecf.cand.uscourts.gov/doc1/035019165467">Document</a>' in html
    assert "<b>adding</b>" not in html and "&lt;b&gt;adding&lt;/b&gt;" in html
    assert email_subject(alert) == "[casewatch] " + head


def cand_item(number: str, name: str, case_id: int, seq: int, entry_no: int, doc: str,
              short: str, when: str) -> str:
    base = "https://ecf.cand.uscourts.gov"
    link = (f"&#x3C;a href=&#x22;{base}/doc1/{doc}?caseid={case_id}&#x26;de_seq_num={seq}"
            f"&#x22; &#x3E;{entry_no}&#x3C;/a&#x3E;")
    return f"""<item>
<title>{number} {name}</title>
<link>{base}/cgi-bin/DktRpt.pl?{case_id}</link>
<description>[{short}] ({link})</description>
<guid isPermaLink="true">{base}/cgi-bin/DktRpt.pl?{case_id}&#x26;{seq}</guid>
<pubDate>{when}</pubDate>
</item>
"""


def cand_feed(built: str, *items: str) -> bytes:
    return ("""<?xml version="1.0" encoding="ISO-8859-1"?>
<rss version="2.0"><channel>
<title>Northern District of California - Recent Entries</title>
<link>https://ecf.cand.uscourts.gov</link>
<description>Docket entries of type: all</description>
<lastBuildDate>""" + built + "</lastBuildDate>\n" + "".join(items)
            + "</channel></rss>\n").encode("iso-8859-1")


def test_the_seeds_case_gets_an_entry_alert_from_a_court_feed_on_loopback(
        tmp_path: Path, clock: FakeClock, aio, server) -> None:
    seeds = Path(__file__).resolve().parent.parent / "seeds" / "demo.toml"
    demo = tomllib.loads(seeds.read_text(encoding="utf-8"))
    court = {"id": "cand", "kind": "pacer_rss", "court": "cand",
             "url": server.url("/cgi-bin/rss_outside.pl")}
    config = config_toml(service=demo["service"], sources=[court], cases=demo["cases"],
                         channels=demo["channels"])
    settings = parse_settings(config, {"CASEWATCH_DEMO_DB": str(tmp_path / "cw.db")})
    stream = io.StringIO()
    app = build_app(settings, clock=clock, stream=stream, extract_workers=0)
    other = cand_item("3:21-cv-01234", "Roe v. Meta Platforms, Inc.", 371000, 3, 2,
                      "035119100001", "Order Setting Case Management Conference",
                      "Wed, 07 Apr 2021 18:01:00 GMT")
    appearance = cand_item("3:21-cv-00485-JCS", "Doe v. Twitter, Inc.", 372224, 60, 58,
                           "035119100002", "Notice of Appearance",
                           "Wed, 07 Apr 2021 18:02:00 GMT")
    amended = cand_item("3:21-cv-00485-JCS", "Doe v. Twitter, Inc.", 372224, 62, 60,
                        "035119100003", "Amended Complaint", "Wed, 07 Apr 2021 18:03:00 GMT")
    server.route("/cgi-bin/rss_outside.pl", cand_feed("Wed, 07 Apr 2021 18:05:00 GMT",
                                                      other, appearance, amended))
    reports, delivered = aio.run(app.run_once())
    assert reports[0].ok and reports[0].new == 3
    assert delivered.sent == 1
    shown = stream.getvalue()
    assert "New filing in John Doe #1 and John Doe #2 v. Twitter, Inc.: #60 Amended Complaint" \
        in shown
    assert "Document: https://ecf.cand.uscourts.gov/doc1/035119100003?caseid=372224" in shown
    assert "cand · 3:21-cv-00485-JCS · filed 7 Apr 2021 18:03 UTC" in shown
    assert "Notice of Appearance" not in shown and "Roe v. Meta" not in shown
    # the court rebuilds its feed: the same entries again, one new; only the new one alerts
    order = cand_item("3:21-cv-00485-JCS", "Doe v. Twitter, Inc.", 372224, 64, 61,
                      "035119100004", "Order on Motion to Dismiss",
                      "Thu, 08 Apr 2021 16:00:00 GMT")
    server.route("/cgi-bin/rss_outside.pl", cand_feed("Thu, 08 Apr 2021 16:05:00 GMT",
                                                      other, appearance, amended, order))
    clock.advance(hours=1)
    reports, delivered = aio.run(app.run_once())
    assert reports[0].new == 1 and delivered.sent == 1
    assert stream.getvalue().count("New filing in") == 2
    aio.run(app.aclose())


@pytest.mark.slow
def test_preview_json_prints_entries_in_contract_form(tmp_path: Path, server) -> None:
    server.route("/rss", cand_feed("Wed, 07 Apr 2021 18:05:00 GMT", cand_item(
        "3:21-cv-00485-JCS", "Doe v. Twitter, Inc.", 372224, 62, 60, "035119100003",
        "Amended Complaint", "Wed, 07 Apr 2021 18:03:00 GMT")))
    config = write_config(tmp_path, **docket_config(tmp_path, sources=(
        {"id": "cand", "kind": "pacer_rss", "court": "cand", "url": server.url("/rss")},)))
    shown = run_cli("preview", "cand", "-c", str(config), "--json", cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    (entry_json,) = [json.loads(line) for line in shown.stdout.splitlines()]
    assert entry_json == {
        "court": "cand", "docket_number": "3:21-cv-00485-JCS",
        "case_name": "Doe v. Twitter, Inc.",
        "entry_number": 60, "short_description": "Amended Complaint", "description": "",
        "filed_at": "2021-04-07T18:03:00+00:00",
        "document_url": "https://ecf.cand.uscourts.gov/doc1/035119100003?caseid=372224"
                        "&de_seq_num=62",
        "pacer_case_id": "372224", "pacer_doc_id": "035019100003",
    }
    text = run_cli("preview", "cand", "-c", str(config), cwd=tmp_path).stdout
    assert "→ doe" in text
    assert not (tmp_path / "cw.db").exists()


def test_an_entry_its_own_source_later_describes_in_full_is_an_update_once(
        tmp_path: Path, clock: FakeClock) -> None:
    app = app_for(tmp_path, clock, updates="send")
    short = entry(n=60, short="Amended Complaint")
    full = entry(n=60, short="Amended Complaint",
                 description="FIRST AMENDED COMPLAINT against Twitter, Inc., adding John Doe "
                             "#2. Filed by John Doe #1, John Doe #2.")
    first = app.pipeline._unseen("cl", [item(short, "cl")], clock())
    app.pipeline.ingest(first[0], clock())
    for n in range(2):  # the source returns the entry, now with its full text, twice
        (again,) = app.pipeline._unseen("cl", [item(full, "cl")], clock()) or (None,)
        if n == 0:
            assert again is not None and again.guid.startswith(short.guid + "@")
            assert app.pipeline.ingest(again, clock()) == 1
        else:
            assert again is None
    assert app.pipeline._unseen("cl", [item(short, "cl")], clock()) == []
    assert [k for k, _ in outbox(app)] == ["docket_entry", "update"]
