"""Secrets set in the environment never come out: not in a log line, an error, the
database, `status`, `matches`, `check` or `send-test`, even when receivers echo what
they were sent. Everything the processes wrote is grepped."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from tests.conftest import (
    Daemon,
    doe_case,
    feed_source,
    loopback_service,
    run_cli,
    wait_for,
    webhook_channel,
    write_config,
)
from tests.servers import LoopbackServer, Request, Response, rss
from tests.test_channels import Mailbox, free_port

SECRETS = {
    "SLACK_WEBHOOK_URL": "/services/T0SEKRIT/B0SEKRIT/xoxbSekritSlackPart123",  # a path
    "WEBHOOK_SECRET": "hmac-sekrit-value-42",
    "SMTP_PASSWORD": "smtp-sekrit-password-7",
    "COURTLISTENER_TOKEN": "cl-sekrit-token-0123456789abcdef",
}
# what must never appear: each value, and the distinctive parts of the Slack key
NEEDLES = [*SECRETS.values(), "T0SEKRIT", "B0SEKRIT", "xoxbSekritSlackPart123"]

def config(db: Path, server: LoopbackServer, smtp_port: int) -> dict[str, object]:
    """The parts of a config with a secret in every place one can be: a CourtListener
    token, a Slack webhook URL, a webhook's signing key, an SMTP password."""
    courtlistener = {"id": "cl", "kind": "courtlistener", "docket_id": 12345678,
                     "token": "${COURTLISTENER_TOKEN}", "base_url": server.base,
                     "interval": "1s"}
    mail = {"id": "mail", "kind": "email", "host": "127.0.0.1", "port": smtp_port,
            "security": "none", "username": "casewatch", "password": "${SMTP_PASSWORD}",
            "from": "casewatch@example.org", "to": ["legal@example.org"], "timeout": 5}
    return {"database": db, "service": loopback_service(delivery_interval="1s"),
            "sources": [feed_source("news", server.url("/feed"), interval="1s"), courtlistener],
            "cases": [doe_case(notify=["slack", "hook", "mail"])],
            "channels": [{"id": "slack", "kind": "slack", "webhook_url": "${SLACK_WEBHOOK_URL}"},
                         webhook_channel("hook", server.url("/hook"),
                                         secret="${WEBHOOK_SECRET}"),
                         mail]}


def echo(status: int):
    """A receiver that answers with everything it was sent: path, headers and body."""

    def answer(request: Request) -> Response:
        said = f"{request.path} {request.headers} {request.body[:200]!r}"
        return Response(status, said, {"Content-Type": "text/plain"})

    return answer


@pytest.mark.slow
def test_no_secret_leaves_the_process(tmp_path: Path, server: LoopbackServer) -> None:
    server.route("/feed", rss([{"title": "Doe v. Acme: complaint filed",
                                "link": server.url("/a/1"), "text": "Doe v. Acme lawsuit."}]))
    server.route(SECRETS["SLACK_WEBHOOK_URL"], echo(404))
    server.route("/hook", echo(500))
    for path in ("/api/rest/v4/dockets/12345678/", "/api/rest/v4/docket-entries/"):
        server.route(path, echo(401))
    mailbox = Mailbox()  # refuses the password with 535 and the login echoed by the client
    smtp_port = free_port()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=smtp_port,
                      auth_require_tls=False, authenticator=mailbox.authenticate)
    smtp.start()
    db = tmp_path / "cw.db"
    path = write_config(tmp_path, **config(db, server, smtp_port))
    env = {**SECRETS, "SLACK_WEBHOOK_URL": server.url(SECRETS["SLACK_WEBHOOK_URL"])}
    written: list[str] = []
    try:
        with Daemon(path, cwd=tmp_path, env=env) as daemon:
            assert daemon.running(30), str(daemon)
            assert wait_for(lambda: server.hits(SECRETS["SLACK_WEBHOOK_URL"])
                            and server.hits("/hook") and mailbox.logins
                            and server.hits("/api/rest/v4/dockets/12345678/"), 30)
            wait_for(lambda: False, 1.5)  # a retry or two
            daemon.stop(timeout=20)
        written += [daemon.stdout, daemon.stderr]
        for command in (["status"], ["status", "--json"], ["matches", "--json"], ["check"],
                        ["send-test", "slack"], ["send-test", "hook"], ["send-test", "mail"],
                        ["preview", "cl"], ["preview", "cl", "--json"]):
            done = run_cli(*command, "-c", str(path), cwd=tmp_path, env=env)
            written += [done.stdout, done.stderr]
    finally:
        smtp.stop()
    for path in tmp_path.iterdir():  # the database, its WAL, anything else left behind
        if path.name.startswith("cw.db"):
            written.append(path.read_bytes().decode("latin-1"))
    assert mailbox.logins and mailbox.logins[0][1] == SECRETS["SMTP_PASSWORD"].encode()
    assert any("Token " + SECRETS["COURTLISTENER_TOKEN"] in str(r.headers)
               for r in server.requests)  # the secrets were used...
    everything = "\n".join(written)
    assert "answered HTTP 404" in everything and "HTTP 401" in everything
    for needle in NEEDLES:  # ...and never written
        assert needle not in everything, f"{needle!r} leaked"
