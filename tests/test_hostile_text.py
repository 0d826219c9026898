"""Hostile text in titles, snippets, captions, sources and links reaches every channel
inert: no Slack pings or links, no markup or script in mail, no header injection, no
terminal control, no right-to-left override, and nothing too long for its channel."""

from __future__ import annotations

import asyncio
import io
import json
import re
from collections.abc import Iterator

import httpx
import pytest

from alerts.base import Alert, AlertItem, AlsoCovered, ChannelContext, DocketRef
from alerts.registry import build_channel
from monitor.config import parse_settings
from tests.conftest import config_toml, console_channel
from tests.servers import LoopbackServer, Response
from tests.test_channels import (
    email_channel,
    mrkdwn_texts,
    received,
    slack,
    smtp_server,
    webhook,
)

PINGS = "<!channel> <!here|here> <!everyone> <@U123> <#C42> <!subteam^S1|@legal>"
LINK = "<http://evil.example|click me> [x](http://evil.example)"
MARKUP = "<script>alert(1)</script><img src=x onerror=alert(2)><a href='javascript:x'>y</a>"
CRLF = "Ruling\r\nBcc: victim@example.org\r\nX-Evil: 1\r\n\r\nforged body"
CONTROL = "bell\x07 esc\x1b[2J\x1b]0;owned\x07 nul\x00 del\x7f nel\x85 ls\u2028 ps\u2029"
BIDI = "Doe v. \u202eemca\u202c \u2066isolate\u2069 \u200fmark \u200bzero-width"
LONG = "Doe v. Acme " * 20_000  # 240,000 characters

HOSTILE = [PINGS, LINK, MARKUP, CRLF, CONTROL, BIDI, LONG]
FORBIDDEN_CHARS = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")


def hostile_alert(text: str) -> Alert:
    return Alert(
        id="a-hostile", kind="docket_entry", case_id="doe", case_caption=f"Doe v. Acme {text}",
        item=AlertItem(
            title=text, url="javascript:alert(document.cookie)", source=f"news {text}",
            published="2026-01-05T12:00:00+00:00", snippet=f"Acme lawsuit {text}",
            terms=("Acme", "lawsuit"),
            docket=DocketRef(court="cand", docket_number=f"3:21-cv-00485 {text}",
                             entry_number=12, short_description=f"ORDER {text}",
                             document_url=f"http://evil.example/x?{text}",
                             description=f"Order granting {text}", filed_at=None),
        ),
        development_id="dev-1", development_new=True, event="ruling", articles=2,
        also=(AlsoCovered(title=text, url=f"https://other.example/{text[:40]}",
                          source=text),),
    )


@pytest.fixture
def http(aio: asyncio.Runner) -> Iterator[httpx.AsyncClient]:
    client = httpx.AsyncClient()
    yield client
    aio.run(client.aclose())


IDS = ["pings", "links", "markup", "crlf", "control", "bidi", "long"]


@pytest.mark.parametrize("text", HOSTILE, ids=IDS)
def test_console(text: str) -> None:
    out = io.StringIO()
    settings = parse_settings(config_toml(channels=[console_channel()]), {})
    channel = build_channel(settings.channels[0], ChannelContext(http=None, stream=out))
    asyncio.run(channel.send(hostile_alert(text)))
    printed = out.getvalue()
    assert not FORBIDDEN_CHARS.search(printed), repr(FORBIDDEN_CHARS.search(printed))
    assert "\r" not in printed


@pytest.mark.parametrize("text", HOSTILE, ids=IDS)
def test_slack(text: str, aio: asyncio.Runner, http: httpx.AsyncClient,
               server: LoopbackServer) -> None:
    server.route("/services/T/B/X", Response(200, "ok"))
    aio.run(slack(http, server.url("/services/T/B/X")).send(hostile_alert(text)))
    (request,) = server.hits("/services/T/B/X")
    message = json.loads(request.body)
    texts = mrkdwn_texts(message)
    for block in message["blocks"]:
        for part in [block.get("text", {}).get("text", "")] + [
                e.get("text", "") for e in block.get("elements", [])]:
            assert len(part) <= 3000  # Slack refuses longer texts, and the alert with them
    assert len(message["blocks"]) <= 50 and len(message["text"]) <= 4000
    everything = "\n".join(texts)
    assert not FORBIDDEN_CHARS.search(everything), repr(FORBIDDEN_CHARS.search(everything))
    links = [link for t in texts for link in re.findall(r"<([^>]*)>", t)]
    assert all(link.startswith(("https://other.example/", "http://evil.example/x?"))
               for link in links), links  # only links built here, none from the text
    assert "javascript:" not in "".join(links)
    for raw in ("<!", "<@", "<#"):
        assert raw not in everything.replace("<http", "")


@pytest.mark.parametrize("text", HOSTILE, ids=IDS)
def test_email(text: str, aio: asyncio.Runner) -> None:
    with smtp_server() as (mailbox, port):
        aio.run(email_channel(port).send(hostile_alert(text)))
    (envelope,) = mailbox.envelopes
    assert envelope.rcpt_tos == ["legal@example.org", "boss@example.org", "hidden@example.org"]
    head = envelope.content.split(b"\r\n\r\n")[0]
    names = [line.split(b":")[0].lower() for line in head.split(b"\r\n")
             if line and not line[:1].isspace()]
    assert b"bcc" not in names and b"x-evil" not in names
    assert all(len(line) <= 998 for line in envelope.content.split(b"\r\n"))  # RFC 5322
    mail = received(envelope)
    subject = mail["Subject"]
    assert not FORBIDDEN_CHARS.search(subject) and len(subject) <= 200
    html = mail.get_body(("html",)).get_content()
    assert not re.search(r"<(script|img|iframe)|<[^>]*(onerror|javascript:)", html, re.I)
    plain = mail.get_body(("plain",)).get_content()
    for part in (html, plain):  # line ends of the MIME part aside
        found = FORBIDDEN_CHARS.search(re.sub(r"\r?\n|\t", "", part))
        assert not found, repr(found)


@pytest.mark.parametrize("text", HOSTILE, ids=IDS)
def test_webhook_carries_the_text_as_data(text: str, aio: asyncio.Runner,
                                          http: httpx.AsyncClient,
                                          server: LoopbackServer) -> None:
    server.route("/hook", Response(200, "ok"))
    aio.run(webhook(aio, http, server.url("/hook")).send(hostile_alert(text)))
    (request,) = server.hits("/hook")
    assert request.headers["idempotency-key"] == "a-hostile"  # no outside text in headers
    payload = json.loads(request.body)  # valid JSON: quotes and controls escaped
    assert payload["item"]["title"] == text  # a receiver gets the data exactly, as JSON
    assert not re.search("[\x00-\x1f]", request.body.decode())  # escaped, never raw
