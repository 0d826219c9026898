"""A development told by both the court and the press: its docket entries travel in
`development.filings` (Contract 3) and every channel shows them under "Filed in court",
escaped like any other outside text."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from dataclasses import replace

import httpx
import pytest

from alerts.base import Alert, AlertItem, AlsoCovered, DocketRef
from alerts.email import thread_ids
from alerts.render import (
    SLACK_DIGEST_LIMIT,
    SLACK_FILINGS_LIMIT,
    email_html,
    email_subject,
    email_text,
    headline,
    render_text,
    sample_alert,
    slack_message,
)
from tests.servers import LoopbackServer, Response
from tests.test_channels import email_channel, mrkdwn_texts, received, smtp_server, webhook

DOCKET_KEYS = {"court", "docket_number", "entry_number", "short_description", "document_url",
               "description", "filed_at"}
CAPTION = "John Doe #1 and John Doe #2 v. Twitter, Inc."
DOC = "https://ecf.cand.uscourts.gov/doc1/035019165467"
CRLF = "ORDER\r\nBcc: victim@example.org\r\nX-Evil: 1"
PINGS = "<!channel> <@U123> <http://evil.example|click>"
MARKUP = "<script>alert(1)</script><img src=x onerror=alert(2)>"
CONTROL = "bell\x07 esc\x1b[2J nul\x00 \u202eemca"
FORBIDDEN_CHARS = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")


def filing(n: int | None = 12, short: str = "FIRST AMENDED COMPLAINT", *, court: str = "cand",
           number: str = "3:21-cv-00485", doc: str = DOC,
           filed: str | None = "2021-04-06T10:02:00-07:00", description: str = "") -> DocketRef:
    return DocketRef(court=court, docket_number=number, entry_number=n, short_description=short,
                     document_url=doc, description=description, filed_at=filed)


def article(title: str = "Twitter sued again over exploitation videos") -> AlertItem:
    return AlertItem(title=title, url="https://news.example.org/doe", source="example-news",
                     published="2021-04-07T12:00:00+00:00",
                     snippet="The amended lawsuit adds a second plaintiff.",
                     terms=("Twitter", "lawsuit"))


def docket_item(d: DocketRef) -> AlertItem:
    return AlertItem(title=f"#{d.entry_number} {d.short_description}", url=d.document_url,
                     source="cand", published=d.filed_at, docket=d)


def press_then_court(*filings: DocketRef, new: DocketRef | None = None) -> Alert:
    """A filing joins a development the press broke: an update about the filing."""
    return Alert(id="a-court", kind="update", case_id="doe", case_caption=CAPTION,
                 item=docket_item(new or filing()), development_id="dev-1",
                 development_new=False, event="amended_complaint", articles=2,
                 also=(AlsoCovered("Twitter sued again", "https://press.example/1", "press"),
                       AlsoCovered("Second victim joins suit", "https://press.example/2",
                                   "wire")),
                 filings=filings)


def court_then_press(*filings: DocketRef) -> Alert:
    """An article joins a development begun by a filing: an update naming the filing."""
    return Alert(id="a-press", kind="update", case_id="doe", case_caption=CAPTION,
                 item=article(), development_id="dev-1", development_new=False,
                 event="amended_complaint", articles=2,
                 also=(AlsoCovered("Earlier story", "https://press.example/0", "press"),),
                 filings=filings or (filing(),))


def through_json(alert: Alert) -> Alert:
    return Alert.from_payload(json.loads(json.dumps(alert.payload())))


# --- Contract 3 ----------------------------------------------------------------------


def test_filings_are_in_the_development_with_the_docket_keys_and_round_trip() -> None:
    alert = court_then_press(filing(), filing(13, "ORDER", doc="", filed=None,
                                              description="ORDER granting leave to amend"))
    payload = alert.payload()
    filings = payload["development"]["filings"]
    assert [set(f) for f in filings] == [DOCKET_KEYS, DOCKET_KEYS]
    assert filings[0] == {"court": "cand", "docket_number": "3:21-cv-00485", "entry_number": 12,
                          "short_description": "FIRST AMENDED COMPLAINT", "document_url": DOC,
                          "description": "", "filed_at": "2021-04-06T10:02:00-07:00"}
    assert filings[1]["entry_number"] == 13 and filings[1]["filed_at"] is None
    assert "filings" not in payload and "filings" not in payload["item"]
    assert through_json(alert) == alert
    # the item's docket is written the same way as a filing
    court = press_then_court(filing(11, "COMPLAINT"))
    assert set(court.payload()["item"]["docket"]) == DOCKET_KEYS
    assert court.payload()["item"]["docket"] == court_then_press().payload()[
        "development"]["filings"][0]
    assert through_json(court) == court


def test_without_filings_the_development_says_an_empty_list() -> None:
    alert = press_then_court()
    assert alert.payload()["development"]["filings"] == []
    assert through_json(alert) == alert and through_json(alert).filings == ()
    none = replace(alert, development_id=None)
    assert none.payload()["development"] is None


def test_a_payload_stored_before_filings_still_reads() -> None:
    old = {"version": 1, "id": "a-old", "kind": "docket_entry",
           "case": {"id": "doe", "caption": CAPTION},
           "development": {"id": "dev-1", "new": True, "event": None, "articles": 1},
           "item": {"title": "#12 X", "url": DOC, "source": "cand", "published": None,
                    "snippet": "", "terms": [],
                    "docket": {"court": "cand", "docket_number": "3:21-cv-00485",
                               "entry_number": 12, "short_description": "X",
                               "document_url": DOC}},
           "also": []}
    alert = Alert.from_payload(old)
    assert alert.filings == ()
    assert alert.item is not None and alert.item.docket == filing(12, "X", filed=None)
    assert alert.payload()["development"]["filings"] == []
    digest = Alert.from_payload({"version": 1, "id": "d-1", "kind": "digest",
                                 "case": {"id": "doe", "caption": CAPTION},
                                 "development": None, "item": None, "also": [],
                                 "entries": [old]})
    assert digest.entries[0].filings == ()
    assert "Filed in court" not in render_text(digest)


def test_the_webhook_posts_the_filings(aio: asyncio.Runner, server: LoopbackServer,
                                       http: httpx.AsyncClient) -> None:
    server.route("/hook", Response(200, "ok"))
    aio.run(webhook(aio, http, server.url("/hook")).send(court_then_press()))
    (request,) = server.hits("/hook")
    payload = json.loads(request.body)
    assert payload["development"]["filings"][0]["short_description"] == "FIRST AMENDED COMPLAINT"
    assert payload["item"]["title"] == "Twitter sued again over exploitation videos"
    assert [a["source"] for a in payload["also"]] == ["press"]


@pytest.fixture
def http(aio: asyncio.Runner) -> Iterator[httpx.AsyncClient]:
    client = httpx.AsyncClient()
    yield client
    aio.run(client.aclose())


# --- what every channel shows ----------------------------------------------------------


def test_every_channel_shows_the_filing_of_a_development_the_court_began() -> None:
    alert = court_then_press()
    text = render_text(alert)
    assert ("Filed in court (1):\n"
            "  - cand · 3:21-cv-00485 · #12 FIRST AMENDED COMPLAINT · filed 6 Apr 2021 17:02 UTC\n"
            f"    Document: {DOC}") in text
    assert "Also covered by (1):" in text and "In the press" not in text
    assert text in email_text(alert)
    slack = "\n".join(mrkdwn_texts(slack_message(alert)))
    assert ("Filed in court (1):\n• cand · 3:21-cv-00485 · "
            f"<{DOC}|#12 FIRST AMENDED COMPLAINT> · filed 6 Apr 2021 17:02 UTC") in slack
    assert "Also covered by (1):" in slack
    html = email_html(alert)
    assert "<p>Filed in court (1):</p>" in html
    assert (f'<li>cand · 3:21-cv-00485 · <a href="{DOC}">#12 FIRST AMENDED COMPLAINT</a>'
            " · filed 6 Apr 2021 17:02 UTC</li>") in html
    assert "<p>Also covered by (1):</p>" in html


def test_the_press_of_a_filing_is_in_the_press_and_its_headline_says_filed() -> None:
    alert = press_then_court(filing(11, "COMPLAINT", filed="2021-01-20T09:00:00+00:00"))
    head = f"Update in {CAPTION}: filed in court: #12 FIRST AMENDED COMPLAINT"
    assert headline(alert) == head
    assert email_subject(alert) == "[casewatch] " + head
    text = render_text(alert)
    assert text.startswith(head + "\n")
    assert "In the press (2):\n  - press: Twitter sued again https://press.example/1" in text
    assert "Also covered by" not in text
    assert "#11 COMPLAINT · filed 20 Jan 2021 09:00 UTC" in text  # the earlier filing
    slack = slack_message(alert)
    assert slack["text"] == head.replace("&", "&amp;")
    joined = "\n".join(mrkdwn_texts(slack))
    assert "In the press (2):\n• <https://press.example/1|Twitter sued again> (press)" in joined
    assert "Also covered by" not in joined and "#11 COMPLAINT" in joined
    html = email_html(alert)
    assert "<p>In the press (2):</p>" in html and "Also covered by" not in html
    # without a number: no '#'
    unnumbered = press_then_court(new=filing(None, "Minute entry: status conference"))
    assert headline(unnumbered) == (f"Update in {CAPTION}: filed in court: "
                                    "Minute entry: status conference")
    # a filing without a short description is named by its description
    described = court_then_press(filing(None, "", description="ORDER of recusal"))
    assert "3:21-cv-00485 · ORDER of recusal · filed" in render_text(described)


def test_a_filing_whose_document_is_not_a_web_url_is_not_linked() -> None:
    alert = court_then_press(filing(doc="javascript:alert(document.cookie)"),
                             filing(13, "ORDER", doc=""))
    slack = "\n".join(mrkdwn_texts(slack_message(alert)))
    assert "javascript:" not in "".join(re.findall(r"<([^>]*)>", slack))
    assert "• cand · 3:21-cv-00485 · #12 FIRST AMENDED COMPLAINT · filed" in slack
    assert "• cand · 3:21-cv-00485 · #13 ORDER · filed" in slack
    html = email_html(alert)
    assert not re.search(r"<a [^>]*javascript:", html, re.I)
    assert "<li>cand · 3:21-cv-00485 · #12 FIRST AMENDED COMPLAINT · filed" in html
    assert "<li>cand · 3:21-cv-00485 · #13 ORDER · filed" in html
    text = render_text(alert)
    assert "#13 ORDER · filed 6 Apr 2021 17:02 UTC\nAlso covered by" in text  # no empty link


@pytest.mark.parametrize("hostile", [PINGS, MARKUP, CRLF, CONTROL],
                         ids=["pings", "markup", "crlf", "control"])
def test_hostile_text_in_a_filing_stays_inert(hostile: str) -> None:
    bad = filing(7, f"ORDER {hostile}", court=f"cand {hostile}",
                 number=f"3:21-cv-00485 {hostile}", doc=f"http://evil.example/x?{hostile[:5]}",
                 description=f"Order {hostile}", filed=f"soon {hostile}")
    for alert in (court_then_press(bad), press_then_court(bad, new=bad)):
        text = render_text(alert)
        assert not FORBIDDEN_CHARS.search(text) and "\r" not in text
        filed = text.split("Filed in court (1):\n", 1)[1].split("\nIn the press", 1)[0]
        filed = filed.split("\nAlso covered by", 1)[0].splitlines()
        assert len(filed) == 2 and filed[0].startswith("  - cand ")  # no forged lines
        assert filed[1].startswith("    Document: http://evil.example/x?")
        subject = email_subject(alert)
        assert not FORBIDDEN_CHARS.search(subject) and "\n" not in subject
        message = slack_message(alert)
        joined = "\n".join(mrkdwn_texts(message))
        assert not FORBIDDEN_CHARS.search(joined)
        links = re.findall(r"<([^>]*)>", joined)
        assert all(link.startswith(("https://", "http://evil.example/x?")) for link in links)
        for raw in ("<!", "<@", "<#", "<script"):
            assert raw not in joined
        if hostile == PINGS:
            assert "&lt;!channel&gt;" in joined
        html = email_html(alert)
        assert not re.search(r"<(script|img)|<[^>]*onerror", html, re.I)
        assert not FORBIDDEN_CHARS.search(re.sub(r"\r?\n|\t", "", html))
        if hostile == MARKUP:
            assert "&lt;script&gt;" in html


def test_hostile_filing_by_mail_adds_no_header(aio: asyncio.Runner) -> None:
    bad = filing(7, CRLF, number=f"3:21-cv-00485 {MARKUP}")
    with smtp_server() as (mailbox, port):
        aio.run(email_channel(port).send(press_then_court(bad, new=bad)))
    (envelope,) = mailbox.envelopes
    head = envelope.content.split(b"\r\n\r\n")[0]
    names = [line.split(b":")[0].lower() for line in head.split(b"\r\n")
             if line and not line[:1].isspace()]
    assert b"bcc" not in names and b"x-evil" not in names
    mail = received(envelope)
    assert mail["Subject"].startswith(f"[casewatch] Update in {CAPTION}: filed in court: #7 ORDER")
    html = mail.get_body(("html",)).get_content()
    assert "&lt;script&gt;" in html and "<script" not in html
    plain = mail.get_body(("plain",)).get_content()
    assert "Filed in court (1):" in plain and "In the press (2):" in plain


# --- Slack limits and digests -------------------------------------------------------


def test_slack_caps_the_filings_and_never_cuts_a_link() -> None:
    many = tuple(filing(n, "MOTION " + "x" * 400, doc=f"https://ecf.example/{'d' * 900}{n}")
                 for n in range(15))
    message = slack_message(court_then_press(*many))
    (section,) = [t for t in mrkdwn_texts(message) if t.startswith("Filed in court (15):")]
    assert len(section) <= 3000
    shown = section.count("\n• ")
    assert 1 <= shown <= SLACK_FILINGS_LIMIT
    assert section.endswith(f"… and {15 - shown} more")
    assert section.count("<") == section.count(">") == shown  # whole links only
    few = slack_message(court_then_press(*(filing(n, "ORDER") for n in range(15))))
    (section,) = [t for t in mrkdwn_texts(few) if t.startswith("Filed in court (15):")]
    assert section.count("\n• ") == SLACK_FILINGS_LIMIT and section.endswith("… and 5 more")


def digest_of(*entries: Alert) -> Alert:
    return Alert(id="d-1", kind="digest", case_id="doe", case_caption=CAPTION, item=None,
                 entries=entries)


def test_a_digest_keeps_each_entry_s_filings() -> None:
    digest = digest_of(court_then_press(), press_then_court(filing(11, "COMPLAINT")))
    text = render_text(digest)
    assert text.count("Filed in court (1):") == 2 and "In the press (2):" in text
    html = email_html(digest)
    assert html.count("<p>Filed in court (1):</p>") == 2 and "<p>In the press (2):</p>" in html
    message = slack_message(digest)
    blocks = message["blocks"]
    assert len(blocks) == 1 + 2 * 4
    first, second = blocks[1:5], blocks[5:9]
    # the article keeps its snippet, the filing its description or link; filings beneath
    assert first[3]["text"]["text"].startswith(">The amended *lawsuit* adds a second")
    assert "\nFiled in court (1):\n• cand · 3:21-cv-00485 · <" in first[3]["text"]["text"]
    assert f"<{DOC}|Document>" in second[3]["text"]["text"]
    assert "#11 COMPLAINT" in second[3]["text"]["text"]


def test_a_digest_without_filings_is_as_before() -> None:
    plain = court_then_press()
    plain = replace(plain, filings=())
    entry_blocks = slack_message(digest_of(plain))["blocks"][2:]
    assert entry_blocks == slack_message(plain)["blocks"][:3]


def test_a_digest_of_entries_with_many_long_filings_stays_within_slack_limits() -> None:
    long = "Doe v. Acme " * 300
    many = tuple(filing(n, long, doc=f"https://ecf.example/{n}") for n in range(8))
    entries = tuple(replace(court_then_press(*many), id=f"a-{n}",
                            item=replace(article(), snippet=long)) for n in range(40))
    message = slack_message(digest_of(*entries))
    assert len(message["blocks"]) <= 50
    assert message["blocks"][-1]["text"]["text"] == f"… and {40 - SLACK_DIGEST_LIMIT} more"
    for text in mrkdwn_texts(message):
        assert len(text) <= 3000
    bodies = [b["text"]["text"] for b in message["blocks"][1:-1] if b["type"] == "section"
              and b["text"]["text"].startswith(">")]
    assert len(bodies) == SLACK_DIGEST_LIMIT
    for body in bodies:
        assert "Filed in court (8):" in body and body.endswith("more")
        assert body.count("<") == body[1:].count(">")  # whole links only


# --- send-test ------------------------------------------------------------------------


def test_the_sample_alert_carries_a_filing_and_starts_no_mail_thread() -> None:
    alert = sample_alert("test-1", "2026-01-05T12:00:00+00:00")
    (one,) = alert.filings
    assert one.document_url.startswith("https://")
    assert alert.payload()["development"]["filings"][0]["court"] == one.court
    assert "Filed in court (1):" in render_text(alert)
    assert "Filed in court (1):" in "\n".join(mrkdwn_texts(slack_message(alert)))
    assert "<p>Filed in court (1):</p>" in email_html(alert)
    assert thread_ids(alert) == ("<test-1@casewatch>", None)
    assert through_json(alert) == alert
