"""Channels against real receivers on 127.0.0.1: a webhook endpoint, a Slack-like
endpoint and an SMTP server."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import re
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes
from email import policy as email_policy
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword

from alerts.base import (
    Alert,
    AlertItem,
    AlsoCovered,
    Channel,
    ChannelContext,
    Delivered,
    DeliveryError,
)
from alerts.posting import retry_after_seconds
from alerts.registry import build_channel
from monitor.config import ConfigError, parse_settings
from tests.conftest import Table, config_toml, webhook_channel
from tests.servers import LoopbackServer, Response

HOSTILE = "<!channel> <@U123> <http://evil|click> & co"
SECRET = "s3cret-value-for-tests"


def make_alert(title: str = "Judge denies motion to dismiss", *, new: bool = True,
               alert_id: str = "a-0001", caption: str = "John Doe v. Acme Corp.") -> Alert:
    return Alert(
        id=alert_id,
        kind="development" if new else "update",
        case_id="doe",
        case_caption=caption,
        item=AlertItem(
            title=title,
            url="https://news.example.org/doe?a=1&b=2",
            source="example-news",
            published="2026-01-05T12:00:00+00:00",
            snippet="Acme lost its motion to dismiss the lawsuit on Monday.",
            terms=("Acme", "lawsuit"),
        ),
        development_id="dev-42",
        development_new=new,
        event="ruling",
        articles=3,
        also=(AlsoCovered("Acme loses bid", "https://other.example.org/x", "other-news"),),
    )


async def _client() -> httpx.AsyncClient:
    return httpx.AsyncClient()


@pytest.fixture
def http(aio: asyncio.Runner) -> Iterator[httpx.AsyncClient]:
    client = aio.run(_client())
    yield client
    aio.run(client.aclose())


def webhook(aio: asyncio.Runner, http: httpx.AsyncClient, url: str,
            **fields: object) -> Channel:
    settings = parse_settings(config_toml(channels=[webhook_channel("hook", url, **fields)]), {})
    return build_channel(settings.channels[0], ChannelContext(http=http))


# --- webhook -------------------------------------------------------------------------


def test_webhook_posts_signed_contract_3_payload(aio: asyncio.Runner, http: httpx.AsyncClient,
                                                 server: LoopbackServer) -> None:
    server.route("/hook", Response(202, "queued", {"Content-Type": "text/plain"}))
    channel = webhook(aio, http, server.url("/hook"), secret=SECRET, timeout=5)
    delivered = aio.run(channel.send(make_alert(HOSTILE)))
    assert isinstance(delivered, Delivered)
    assert "202" in delivered.detail and "queued" in delivered.detail

    (request,) = server.hits("/hook")
    assert request.method == "POST"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["idempotency-key"] == "a-0001"
    expected = hmac.new(SECRET.encode(), request.body, hashlib.sha256).hexdigest()
    assert request.headers["x-casewatch-signature"] == f"sha256={expected}"
    payload = json.loads(request.body)
    assert payload["version"] == 1 and payload["id"] == "a-0001"
    assert payload["kind"] == "development"
    assert payload["case"] == {"id": "doe", "caption": "John Doe v. Acme Corp."}
    assert payload["development"] == {"id": "dev-42", "new": True, "event": "ruling",
                                      "articles": 3, "filings": []}
    assert payload["item"]["title"] == HOSTILE  # JSON carries the text as it is
    assert payload["item"]["terms"] == ["Acme", "lawsuit"]
    assert payload["also"] == [{"title": "Acme loses bid", "url": "https://other.example.org/x",
                                "source": "other-news"}]
    assert SECRET not in repr(channel.describe()) and SECRET not in delivered.detail


def test_webhook_without_secret_sends_no_signature(aio: asyncio.Runner, http: httpx.AsyncClient,
                                                   server: LoopbackServer) -> None:
    server.route("/hook", Response(200, ""))
    aio.run(webhook(aio, http, server.url("/hook")).send(make_alert()))
    (request,) = server.hits("/hook")
    assert "x-casewatch-signature" not in request.headers


def test_webhook_429_is_retryable_with_retry_after(aio: asyncio.Runner, http: httpx.AsyncClient,
                                                   server: LoopbackServer) -> None:
    server.route("/hook", Response(429, "slow down", {"Retry-After": "120"}))
    channel = webhook(aio, http, server.url("/hook"), secret=SECRET)
    with pytest.raises(DeliveryError) as info:
        aio.run(channel.send(make_alert()))
    assert info.value.retryable is True
    assert info.value.retry_after == 120
    assert "429" in info.value.message and SECRET not in info.value.message


@pytest.mark.parametrize(("status", "retryable"), [(500, True), (503, True), (400, False),
                                                   (404, False), (410, False)])
def test_webhook_status_mapping(aio: asyncio.Runner, http: httpx.AsyncClient,
                                server: LoopbackServer, status: int, retryable: bool) -> None:
    server.route("/hook", Response(status, "nope"))
    with pytest.raises(DeliveryError) as info:
        aio.run(webhook(aio, http, server.url("/hook")).send(make_alert()))
    assert info.value.retryable is retryable
    assert str(status) in info.value.message


def test_webhook_timeout_and_refused_connection_are_retryable(
        aio: asyncio.Runner, http: httpx.AsyncClient, server: LoopbackServer) -> None:
    server.route("/slow", Response(200, "late", delay=1.5, close=True))
    with pytest.raises(DeliveryError) as info:
        aio.run(webhook(aio, http, server.url("/slow"), timeout=0.3).send(make_alert()))
    assert info.value.retryable and "timed out" in info.value.message

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens here once closed
    with pytest.raises(DeliveryError) as info:
        aio.run(webhook(aio, http, f"http://127.0.0.1:{port}/x?token=abc").send(make_alert()))
    assert info.value.retryable and "cannot reach" in info.value.message
    assert "token=abc" not in info.value.message


def test_retry_after_accepts_seconds_and_http_dates() -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
    assert retry_after_seconds("30", now) == 30
    assert retry_after_seconds("Mon, 05 Jan 2026 12:01:30 GMT", now) == 90
    assert retry_after_seconds("Mon, 05 Jan 2026 11:00:00 GMT", now) == 0
    assert retry_after_seconds("99999999999", now) == 86400
    assert retry_after_seconds("soon", now) is None
    assert retry_after_seconds(None, now) is None


def test_webhook_secret_is_hidden_in_config_repr() -> None:
    settings = parse_settings(config_toml(channels=[
        webhook_channel("hook", "https://h.example.org/x", secret=SECRET)]), {})
    assert SECRET not in repr(settings) and SECRET not in str(settings.channels[0])


# --- Slack ---------------------------------------------------------------------------


def slack(http: httpx.AsyncClient, url: str) -> Channel:
    team = {"id": "team", "kind": "slack", "webhook_url": "${SLACK_URL}"}
    settings = parse_settings(config_toml(channels=[team]), {"SLACK_URL": url})
    return build_channel(settings.channels[0], ChannelContext(http=http))


def mrkdwn_texts(message: dict) -> list[str]:
    texts = [message["text"]]
    for block in message["blocks"]:
        if "text" in block:
            texts.append(block["text"]["text"])
        texts.extend(e["text"] for e in block.get("elements", []))
    return texts


def test_slack_escapes_outside_text_and_builds_blocks(aio: asyncio.Runner,
                                                      http: httpx.AsyncClient,
                                                      server: LoopbackServer) -> None:
    server.route("/services/T/B/XYZ", Response(200, "ok", {"Content-Type": "text/plain"}))
    channel = slack(http, server.url("/services/T/B/XYZ"))
    alert = make_alert(HOSTILE, caption="Doe v. <!here> Acme")
    delivered = aio.run(channel.send(alert))
    assert delivered.detail.endswith("HTTP 200 ok")
    assert "/services/T/B/XYZ" not in delivered.detail + channel.describe()

    (request,) = server.hits("/services/T/B/XYZ")
    assert request.headers["content-type"].startswith("application/json")
    message = json.loads(request.body)
    texts = mrkdwn_texts(message)
    everything = "\n".join(texts)
    for raw in ("<!channel>", "<!here>", "<@U123>", "<http://evil"):
        assert raw not in everything
    assert "&lt;!channel&gt; &lt;@U123&gt; &lt;http://evil|click&gt; &amp; co" in everything
    assert "&lt;!here&gt;" in message["text"]  # the fallback is escaped too
    assert message["text"].startswith("Doe v. &lt;!here&gt; Acme: ")
    # The only angle brackets left are links built here, with escaped url and label.
    links = [link for text in texts for link in re.findall(r"<([^>]*)>", text)]
    assert "https://news.example.org/doe?a=1&amp;b=2|Read: &lt;!channel&gt; &lt;@U123&gt; " \
           "&lt;http://evil¦click&gt; &amp; co" in links
    assert "https://other.example.org/x|Acme loses bid" in links
    assert all(link.startswith("https://") for link in links)
    assert "*Acme* lost its motion to dismiss the *lawsuit*" in everything
    assert "example-news · 2026-01-05T12:00:00+00:00" in everything
    assert "Also covered by (1)" in everything


def test_slack_does_not_link_non_web_urls() -> None:
    from alerts.render import slack_link

    assert slack_link("javascript:alert(1)", "x>y") == "x&gt;y"
    assert slack_link("https://a.example/x|y>z", "t") == "<https://a.example/x%7Cy&gt;z|t>"


def test_slack_rate_limit_and_errors(aio: asyncio.Runner, http: httpx.AsyncClient,
                                     server: LoopbackServer) -> None:
    answers = iter([Response(429, "rate_limited", {"Retry-After": "30"}),
                    Response(500, "oops"), Response(404, "no_service")])
    server.route("/hook", lambda _request: next(answers))
    channel = slack(http, server.url("/hook"))
    with pytest.raises(DeliveryError) as info:
        aio.run(channel.send(make_alert()))
    assert info.value.retryable and info.value.retry_after == 30
    with pytest.raises(DeliveryError) as info:
        aio.run(channel.send(make_alert()))
    assert info.value.retryable and info.value.retry_after is None
    with pytest.raises(DeliveryError) as info:
        aio.run(channel.send(make_alert()))
    assert not info.value.retryable and "no_service" in info.value.message
    assert "/hook" not in info.value.message


def test_slack_digest_stays_within_block_limits() -> None:
    from alerts.render import slack_message

    entries = tuple(make_alert(f"Story {n}", alert_id=f"a-{n}") for n in range(40))
    digest = Alert(id="d-1", kind="digest", case_id="doe", case_caption="Doe", item=None,
                   entries=entries)
    message = slack_message(digest)
    assert len(message["blocks"]) <= 50
    assert message["blocks"][-1]["text"]["text"] == "… and 28 more"


# --- email ---------------------------------------------------------------------------


class Mailbox:
    """An aiosmtpd handler that keeps every envelope; some recipients can be refused."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []
        self.refuse: dict[str, str] = {}
        self.logins: list[tuple[bytes, bytes]] = []

    async def handle_RCPT(self, server: object, session: object, envelope: Envelope,
                          address: str, rcpt_options: list[str]) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: object, session: object, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 2.0.0 queued as Q42"

    def authenticate(self, server: object, session: object, envelope: object,
                     mechanism: str, auth_data: LoginPassword) -> AuthResult:
        self.logins.append((auth_data.login, auth_data.password))
        ok = auth_data.password == b"right-password"
        return AuthResult(success=ok, handled=False)  # not handled: the server answers 535


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def smtp_server(**kwargs: object) -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


def email_channel(port: int, security: str = "none", **fields: object) -> Channel:
    team = {"id": "team", "kind": "email", "host": "127.0.0.1", "port": port,
            "security": security, "from": "Casewatch <casewatch@example.org>",
            "to": ["legal@example.org"], "cc": ["boss@example.org"],
            "bcc": ["hidden@example.org"], "timeout": 5, **fields}
    settings = parse_settings(config_toml(channels=[team]), {})
    return build_channel(settings.channels[0], ChannelContext(http=None))  # type: ignore[arg-type]


def received(envelope: Envelope) -> EmailMessage:
    return message_from_bytes(envelope.content, policy=email_policy.default)  # type: ignore


def test_email_multipart_escaped_threaded_bcc_in_envelope_only(aio: asyncio.Runner) -> None:
    hostile = "<script>alert(1)</script> & co\r\nBcc: evil@x"
    with smtp_server() as (mailbox, port):
        channel = email_channel(port)
        delivered = aio.run(channel.send(make_alert(hostile)))
        update = make_alert("Second story", new=False, alert_id="a-0002")
        aio.run(channel.send(update))
    assert "250 2.0.0 queued as Q42" in delivered.detail

    first, second = mailbox.envelopes
    assert first.mail_from == "casewatch@example.org"
    assert first.rcpt_tos == ["legal@example.org", "boss@example.org", "hidden@example.org"]
    mail = received(first)
    assert mail["To"] == "legal@example.org" and mail["Cc"] == "boss@example.org"
    assert "Bcc" not in mail and b"hidden@example.org" not in first.content
    head = first.content.split(b"\r\n\r\n")[0]
    assert not re.search(rb"^bcc:", head, re.IGNORECASE | re.MULTILINE)  # folded, not a header
    assert "\r" not in mail["Subject"] and "\n" not in mail["Subject"]
    assert mail["Subject"] == ("[casewatch] John Doe v. Acme Corp.: <script>alert(1)</script> "
                               "& co Bcc: evil@x")
    assert mail.get_content_type() == "multipart/alternative"
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "<script>alert(1)</script> & co" in text
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in html
    assert "<strong>Acme</strong>" in html and "<strong>lawsuit</strong>" in html
    assert '<a href="https://news.example.org/doe?a=1&amp;b=2">' in html

    # The new development is the thread root; its update replies to it.
    assert mail["Message-ID"] == "<dev-42@casewatch>" and "In-Reply-To" not in mail
    reply = received(second)
    assert reply["Message-ID"] == "<a-0002@casewatch>"
    assert reply["In-Reply-To"] == "<dev-42@casewatch>"
    assert reply["References"] == "<dev-42@casewatch>"


def test_email_without_development_uses_the_alert_id(aio: asyncio.Runner) -> None:
    alert = Alert(id="t-1", kind="test", case_id="doe", case_caption="Doe", item=None)
    with smtp_server() as (mailbox, port):
        aio.run(email_channel(port).send(alert))
    mail = received(mailbox.envelopes[0])
    assert mail["Message-ID"] == "<t-1@casewatch>" and "References" not in mail


def test_email_starttls_and_login(aio: asyncio.Runner, tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    ca = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_context)
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "ca.pem"))
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port,
                            tls_context=server_context, require_starttls=True,
                            authenticator=mailbox.authenticate, auth_require_tls=True)
    controller.start()
    try:
        good = email_channel(port, "starttls", username="cw", password="right-password")
        delivered = aio.run(good.send(make_alert()))
        bad = email_channel(port, "starttls", username="cw", password="wrong-password")
        with pytest.raises(DeliveryError) as info:
            aio.run(bad.send(make_alert()))
    finally:
        controller.stop()
    assert "250" in delivered.detail and len(mailbox.envelopes) == 1
    assert mailbox.logins[0] == (b"cw", b"right-password")
    assert set(mailbox.logins[1:]) == {(b"cw", b"wrong-password")}
    assert info.value.retryable is False and "535" in info.value.message
    assert "wrong-password" not in info.value.message


def test_email_implicit_tls_checks_the_certificate(aio: asyncio.Runner, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    ca = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_context)
    with smtp_server(ssl_context=server_context) as (mailbox, port):
        with pytest.raises(DeliveryError) as info:  # the CA is not trusted yet
            aio.run(email_channel(port, security="ssl").send(make_alert()))
        assert info.value.retryable and "SSLCertVerificationError" in info.value.message
        ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
        monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "ca.pem"))
        delivered = aio.run(email_channel(port, security="ssl").send(make_alert()))
    assert "250" in delivered.detail and len(mailbox.envelopes) == 1


def test_email_digest_lists_every_entry(aio: asyncio.Runner) -> None:
    entries = (make_alert("First <b>story</b>", alert_id="a-1"),
               make_alert("Second story", new=False, alert_id="a-2"))
    digest = Alert(id="d-1", kind="digest", case_id="doe", case_caption="Doe", item=None,
                   development_id="dev-42", entries=entries)
    with smtp_server() as (mailbox, port):
        aio.run(email_channel(port).send(digest))
    mail = received(mailbox.envelopes[0])
    assert mail["Subject"] == "[casewatch] Digest: 2 alerts"
    assert mail["Message-ID"] == "<d-1@casewatch>" and "In-Reply-To" not in mail
    html = mail.get_body(("html",)).get_content()
    assert "First &lt;b&gt;story&lt;/b&gt;" in html and "Second story" in html
    assert "Second story" in mail.get_body(("plain",)).get_content()


def test_email_refusals_temporary_and_permanent(aio: asyncio.Runner) -> None:
    with smtp_server() as (mailbox, port):
        channel = email_channel(port)
        everyone = ("legal@example.org", "boss@example.org", "hidden@example.org")
        mailbox.refuse = dict.fromkeys(everyone, "450 4.2.1 mailbox busy")
        with pytest.raises(DeliveryError) as info:
            aio.run(channel.send(make_alert()))
        assert info.value.retryable and "450" in info.value.message
        mailbox.refuse = dict.fromkeys(everyone, "550 5.1.1 no such user")
        with pytest.raises(DeliveryError) as info:
            aio.run(channel.send(make_alert()))
        assert not info.value.retryable and "550" in info.value.message
        mailbox.refuse = {"boss@example.org": "550 5.1.1 no such user"}
        delivered = aio.run(channel.send(make_alert()))
    assert "2 recipient(s)" in delivered.detail and "boss@example.org (550" in delivered.detail
    assert mailbox.envelopes[0].rcpt_tos == ["legal@example.org", "hidden@example.org"]


def test_email_unreachable_server_is_retryable(aio: asyncio.Runner) -> None:
    with pytest.raises(DeliveryError) as info:
        aio.run(email_channel(free_port()).send(make_alert()))
    assert info.value.retryable and "cannot deliver" in info.value.message


ALL_KINDS = [
    {"id": "legal-slack", "kind": "slack", "webhook_url": "${SLACK_WEBHOOK_URL}"},
    {"id": "team-email", "kind": "email", "host": "smtp.example.org", "port": 587,
     "security": "starttls", "username": "${SMTP_USER}", "password": "${SMTP_PASSWORD}",
     "from": "casewatch@example.org", "to": ["legal@example.org"],
     "bcc": ["archive@example.org"], "digest": "0 8 * * 1-5"},
    webhook_channel("hook", "https://hooks.example.org/casewatch", secret="${WEBHOOK_SECRET}"),
]
ENV = {"SLACK_WEBHOOK_URL": "https://hooks.slack.com/services/T0/B0/sekrit",
       "SMTP_USER": "cw", "SMTP_PASSWORD": "smtp-pass", "WEBHOOK_SECRET": SECRET}


def test_every_kind_validates_and_secrets_stay_hidden(http: httpx.AsyncClient) -> None:
    settings = parse_settings(config_toml(channels=ALL_KINDS), ENV)
    slack_config, email_config, hook_config = settings.channels
    assert [c.kind for c in settings.channels] == ["slack", "email", "webhook"]
    assert slack_config.webhook_url.get_secret_value() == ENV["SLACK_WEBHOOK_URL"]
    assert email_config.from_ == "casewatch@example.org"
    assert email_config.bcc == ["archive@example.org"]
    assert hook_config.secret.get_secret_value() == SECRET
    shown = repr(settings) + str(settings)
    for secret in ("sekrit", "smtp-pass", SECRET):
        assert secret not in shown
    described = " ".join(build_channel(c, ChannelContext(http=http)).describe()
                         for c in settings.channels)
    assert "sekrit" not in described and "smtp.example.org:587" in described


@pytest.mark.parametrize(("index", "change", "expected"), [
    (2, {"kind": "pager"}, 'channels[2].kind: unknown kind "pager"'),
    (2, {"url": None}, "channels[2].url: Field required"),
    (1, {"to": []}, "channels[1].to: List should have at least 1"),
    (1, {"from": "nobody"}, 'channels[1].from: "nobody" is not an email address'),
    (1, {"security": "tls"}, "channels[1].security: Input should be"),
    (0, {"channel": "#x"}, "channels[0].channel: unknown key"),
])
def test_channel_config_errors_name_their_path(index: int, change: Table,
                                               expected: str) -> None:
    channels = [{**c, **change} if n == index else c for n, c in enumerate(ALL_KINDS)]
    with pytest.raises(ConfigError) as info:
        parse_settings(config_toml(channels=channels), ENV)
    (error,) = info.value.errors
    assert error.startswith(expected), error
