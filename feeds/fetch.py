"""The only network code for sources: conditional GET with caps, and one error type.

Every request has a timeout and a size cap, at most `per_host` requests run against
one host at a time, and problems come out as FeedError with a kind that tells an
outage (offline, timeout) from a broken source (HTTP status, not a feed, too large).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections import defaultdict
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import httpx

from feeds.base import FeedError, Page

DEFAULT_MAX_BYTES = 10_000_000
DEFAULT_TIMEOUT = httpx.Timeout(20.0, connect=10.0)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def is_private_host(host: str) -> bool:
    """True when a host name resolves to any loopback, private, link-local or reserved IP."""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except socket.gaierror:
        return False  # let the request itself fail as offline
    for info in infos:
        ip = ipaddress.ip_address(info[4][0])
        if (
            ip.is_private
            or ip.is_loopback
            or ip.is_link_local
            or ip.is_reserved
            or ip.is_multicast
            or ip.is_unspecified
        ):
            return True
    return False


class Fetcher:
    """Conditional GETs over one shared httpx.AsyncClient."""

    def __init__(
        self,
        *,
        user_agent: str,
        client: httpx.AsyncClient | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
        per_host: int = 2,
        allow_private: bool = False,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    ) -> None:
        self._client = client or httpx.AsyncClient(
            timeout=timeout,
            follow_redirects=True,
            limits=httpx.Limits(max_connections=50, max_keepalive_connections=20),
        )
        self._user_agent = user_agent
        self.max_bytes = max_bytes
        self._per_host = per_host
        self._hosts: dict[str, asyncio.Semaphore] = defaultdict(
            lambda: asyncio.Semaphore(self._per_host)
        )
        self.allow_private = allow_private

    async def aclose(self) -> None:
        await self._client.aclose()

    async def __call__(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        headers: Mapping[str, str] | None = None,
        guard: bool = False,
    ) -> Page | None:
        """GET `url`. None means 304 Not Modified; problems raise FeedError.

        `guard` refuses hosts on private addresses unless allowed (article links come
        from outside and must not reach into the operator's network).
        """
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FeedError(f"not an http(s) URL: {url!r}", kind="refused", retryable=False)
        if guard and not self.allow_private:
            private = await asyncio.to_thread(is_private_host, parts.hostname)
            if private:
                raise FeedError(
                    f"refused private address for {parts.hostname}",
                    kind="refused",
                    retryable=False,
                )
        sent = {"User-Agent": self._user_agent, **(headers or {})}
        if etag:
            sent["If-None-Match"] = etag
        if last_modified:
            sent["If-Modified-Since"] = last_modified
        async with self._hosts[parts.hostname]:
            return await self._get(url, sent)

    async def _get(self, url: str, headers: dict[str, str]) -> Page | None:
        try:
            async with self._client.stream("GET", url, headers=headers) as response:
                if response.status_code == 304:
                    return None
                if response.status_code >= 400:
                    status = response.status_code
                    raise FeedError(
                        f"HTTP {status}",
                        kind="http",
                        status=status,
                        retryable=status in (408, 425, 429) or status >= 500,
                        retry_after=parse_retry_after(response.headers.get("retry-after")),
                    )
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > self.max_bytes:
                    raise FeedError(
                        f"response of {declared} bytes is over the {self.max_bytes}-byte cap",
                        kind="too_large",
                        retryable=False,
                    )
                chunks: list[bytes] = []
                size = 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise FeedError(
                            f"response over the {self.max_bytes}-byte cap",
                            kind="too_large",
                            retryable=False,
                        )
                    chunks.append(chunk)
                return Page(
                    url=str(response.url),
                    status=response.status_code,
                    body=b"".join(chunks),
                    headers={k.lower(): v for k, v in response.headers.items()},
                )
        except httpx.TimeoutException as exc:
            raise FeedError(f"timed out: {type(exc).__name__}", kind="timeout") from exc
        except httpx.TransportError as exc:
            raise FeedError(f"unreachable: {type(exc).__name__}", kind="offline") from exc
        except httpx.InvalidURL as exc:
            raise FeedError(f"invalid URL: {exc}", kind="refused", retryable=False) from exc
