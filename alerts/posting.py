"""HTTP delivery shared by the webhook and Slack channels: POST, read a capped answer, map it.

2xx is delivered; 408, 429, 5xx, timeouts and connection errors are retryable (with the
server's Retry-After, in seconds or as an HTTP date); any other status is permanent.
Messages name the host only: a URL may carry a token. A receiver's answer is quoted,
but with every part of the URL it was sent to masked, for a receiver may echo it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote, urlsplit

from alerts.base import Delivered, DeliveryError

if TYPE_CHECKING:
    import httpx

MAX_ANSWER_BYTES = 4096  # the part of a receiver's answer kept for logs and `send-test`
MAX_RETRY_AFTER = 86400.0  # a server cannot park an alert for longer than a day


def host_of(url: str) -> str:
    """scheme://host[:port] of a URL, without its path, query or credentials."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}"


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """A Retry-After header (delta-seconds or HTTP date) as seconds from now, capped."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if seconds != seconds:  # NaN
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def without_url(text: str, url: str) -> str:
    """`text` with the URL's path, query and credentials masked, plain or percent-encoded."""
    parts = urlsplit(url)
    secrets = {url, parts.path + (f"?{parts.query}" if parts.query else ""), parts.path,
               parts.query, parts.username or "", parts.password or ""}
    spelled = {form for s in secrets if len(s) >= 4
               for form in (s, quote(s, safe=""), quote(s), unquote(s))}
    for secret in sorted(spelled, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


def printable(text: str, limit: int = 200) -> str:
    """One line of at most `limit` characters, control characters replaced."""
    line = "".join(c if c.isprintable() else " " for c in text)
    line = " ".join(line.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


async def post(
    http: httpx.AsyncClient,
    url: str,
    *,
    body: bytes,
    headers: dict[str, str],
    timeout: float,
    label: str,
) -> Delivered:
    """POST `body` to `url`; return what the server answered or raise DeliveryError."""
    import httpx

    where = host_of(url)
    try:
        async with http.stream("POST", url, content=body, headers=headers,
                               timeout=timeout) as response:
            answer = bytearray()
            async for chunk in response.aiter_bytes():
                answer += chunk
                if len(answer) >= MAX_ANSWER_BYTES:
                    break
    except httpx.TimeoutException as exc:
        raise DeliveryError(f"{label}: {where} timed out ({type(exc).__name__})",
                            retryable=True) from None
    except httpx.TransportError as exc:
        raise DeliveryError(f"{label}: cannot reach {where} ({type(exc).__name__})",
                            retryable=True) from None
    status = response.status_code
    text = printable(without_url(bytes(answer[:MAX_ANSWER_BYTES]).decode("utf-8", "replace"),
                                 url))
    said = f"HTTP {status}" + (f" {text}" if text else "")
    if 200 <= status < 300:
        return Delivered(f"{label}: {where} answered {said}")
    message = f"{label}: {where} answered {said}"
    if status in (408, 429) or status >= 500:
        raise DeliveryError(message, retryable=True,
                            retry_after=retry_after_seconds(response.headers.get("retry-after")))
    raise DeliveryError(message, retryable=False)
