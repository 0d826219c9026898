"""`kind = "slack"`: posts a Block Kit message to a Slack incoming webhook.

The webhook URL is a secret (it alone allows posting): keep it in the environment,
`webhook_url = "${SLACK_WEBHOOK_URL}"`. Slack answers `ok` on success; 429 (with
Retry-After) and 5xx are tried again; any other answer (`invalid_payload`,
`no_service`, `channel_is_archived`, ...) makes the alert dead.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Literal

from pydantic import Field, SecretStr, field_validator

from alerts.base import Alert, ChannelConfigBase, ChannelContext, Delivered
from alerts.posting import post
from alerts.render import slack_message

if TYPE_CHECKING:
    import httpx


class SlackConfig(ChannelConfigBase):
    kind: Literal["slack"]
    webhook_url: SecretStr
    timeout: float = Field(default=10.0, gt=0, le=300)

    @field_validator("webhook_url")
    @classmethod
    def _http_url(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().startswith(("https://", "http://")):
            raise ValueError("expected an https:// URL (the incoming webhook URL)")
        return value


class SlackChannel:
    def __init__(self, config: SlackConfig, context: ChannelContext) -> None:
        self.id = config.id
        self._config = config
        self._http: httpx.AsyncClient = context.http

    def describe(self) -> str:
        return f"slack:{self.id}"

    async def send(self, alert: Alert) -> Delivered:
        body = json.dumps(slack_message(alert), ensure_ascii=False).encode()
        return await post(self._http, self._config.webhook_url.get_secret_value(), body=body,
                          headers={"Content-Type": "application/json; charset=utf-8"},
                          timeout=self._config.timeout, label="slack")

    async def aclose(self) -> None:
        return None
