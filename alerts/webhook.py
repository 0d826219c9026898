"""`kind = "webhook"`: POSTs the Contract 3 JSON payload to a URL.

Headers: `Content-Type: application/json`, `Idempotency-Key: <alert id>` (the same on
every retry, so a receiver can drop a resend), and with a secret
`X-Casewatch-Signature: sha256=<hex HMAC-SHA256 of the exact body bytes>`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import TYPE_CHECKING, Literal

from pydantic import Field, SecretStr, field_validator

from alerts.base import Alert, ChannelConfigBase, ChannelContext, Delivered
from alerts.posting import host_of, post

if TYPE_CHECKING:
    import httpx

SIGNATURE_HEADER = "X-Casewatch-Signature"


class WebhookConfig(ChannelConfigBase):
    kind: Literal["webhook"]
    url: str
    secret: SecretStr | None = None
    timeout: float = Field(default=10.0, gt=0, le=300)

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")) or not host_of(value).split("://")[1]:
            raise ValueError("expected an http:// or https:// URL")
        return value


def webhook_body(alert: Alert) -> bytes:
    """The exact bytes sent (and signed): compact UTF-8 JSON of Contract 3."""
    return json.dumps(alert.payload(), ensure_ascii=False, separators=(",", ":")).encode()


def signature(secret: str, body: bytes) -> str:
    """The X-Casewatch-Signature value for `body`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class WebhookChannel:
    def __init__(self, config: WebhookConfig, context: ChannelContext) -> None:
        self.id = config.id
        self._config = config
        self._http: httpx.AsyncClient = context.http

    def describe(self) -> str:
        return f"webhook:{self.id} ({host_of(self._config.url)})"

    async def send(self, alert: Alert) -> Delivered:
        body = webhook_body(alert)
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": alert.id,
        }
        if self._config.secret is not None:
            headers[SIGNATURE_HEADER] = signature(self._config.secret.get_secret_value(), body)
        return await post(self._http, self._config.url, body=body, headers=headers,
                          timeout=self._config.timeout, label="webhook")

    async def aclose(self) -> None:
        return None
