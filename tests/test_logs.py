"""Logs are one JSON object per line off a terminal, with the ids an operator greps for,
and no configured secret ever appears in them."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

from monitor.config import parse_settings
from monitor.runtime.logs import SECRETS, secret_values, setup_logging
from tests.conftest import (
    config_toml,
    doe_case,
    feed_source,
    loopback_service,
    run_cli,
    webhook_channel,
)
from tests.servers import LoopbackServer, Response, rss

SLACK_KEY = "T0CASEW/B0SECRET/xoxbSecretPart123"
HOOK_SECRET = "hmac-secret-value-42"


def config(database: Path | str, feed: str, hook: str) -> str:
    """Doe v. Acme to Slack and a signed webhook, their secrets from the environment."""
    return config_toml(database=database, service=loopback_service(),
                       sources=[feed_source("news", feed)],
                       cases=[doe_case(notify=["slack", "hook"])],
                       channels=[{"id": "slack", "kind": "slack",
                                  "webhook_url": "${SLACK_WEBHOOK_URL}"},
                                 webhook_channel("hook", hook, secret="${WEBHOOK_SECRET}")])


def test_the_daemon_logs_json_with_ids_and_never_a_secret(
        tmp_path: Path, server: LoopbackServer) -> None:
    server.route("/feed", rss([{"title": "Doe v. Acme: complaint filed",
                                "link": server.url("/a/1"), "text": "Doe v. Acme lawsuit."}]))
    # the Slack stand-in fails, so its URL (which holds the key) is in an error message
    server.route(f"/services/{SLACK_KEY}", Response(500, "no"))
    server.route("/hook", Response(200, "ok"))
    path = tmp_path / "casewatch.toml"
    path.write_text(config(tmp_path / "cw.db", server.url("/feed"), server.url("/hook")))
    env = {"SLACK_WEBHOOK_URL": server.url(f"/services/{SLACK_KEY}"),
           "WEBHOOK_SECRET": HOOK_SECRET}
    done = run_cli("run", "--once", "-c", str(path), cwd=tmp_path, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    everything = done.stdout + done.stderr
    assert SLACK_KEY not in everything and "B0SECRET" not in everything
    assert HOOK_SECRET not in everything
    lines = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    polled = [x for x in lines if x.get("event") == "polled news"]
    assert polled and polled[0]["source"] == "news" and polled[0]["alerts"] == 2
    sent = [x for x in lines if x.get("outcome") == "sent"]
    assert [x["channel"] for x in sent] == ["hook"] and sent[0]["case"] == "doe"
    assert sent[0]["alert"].startswith("a-")
    retry = [x for x in lines if x.get("outcome") == "retry"]
    assert [x["channel"] for x in retry] == ["slack"]
    assert all("timestamp" in x and "level" in x for x in lines)


def test_secrets_are_masked_in_every_field_of_every_record() -> None:
    settings = parse_settings(config("x.db", "http://127.0.0.1/f", "http://127.0.0.1/h"),
                              {"SLACK_WEBHOOK_URL": f"https://hooks.example/services/{SLACK_KEY}",
                               "WEBHOOK_SECRET": HOOK_SECRET})
    stream = io.StringIO()
    setup_logging(stream=stream, as_json=True)
    try:
        SECRETS.set(secret_values(settings))
        logging.getLogger("casewatch.test").warning(
            "posting to https://hooks.example/services/%s failed", SLACK_KEY,
            extra={"detail": f"signature key {HOOK_SECRET}", "path": f"/services/{SLACK_KEY}"})
    finally:
        SECRETS.set(())
        logging.getLogger().handlers.clear()
    record = json.loads(stream.getvalue())
    assert record["event"] == "posting to *** failed"  # the whole URL, the longest secret
    assert record["detail"] == "signature key ***"
    assert record["path"] == "/***"  # the URL's path alone is the Slack key
