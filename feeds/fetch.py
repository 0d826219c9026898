"""The only network code for sources: conditional GET with caps, and one error type.

Every request has a timeout, a deadline for the whole response (a server that sends
one byte a second never trips a read timeout) and a size cap that counts decompressed
bytes as they are inflated, so a gzip bomb stops at the cap. At most `per_host`
requests run against one host at a time. Redirects are followed here, hop by hop, so
that a loop is named as one and no hop leads into a private address that was not
allowed; a plain-http hop whose address was checked connects to that very address, so
a name that resolves to a public address for the check and to a private one a moment
later (DNS rebinding) still cannot reach inside (over https the certificate check does
that). Problems come out as FeedError with a kind that tells an outage (offline,
timeout) from a broken source (HTTP status, not a feed, too large).

Each origin (scheme, host, port) has its own small connection pool, `per_host` wide:
httpcore's pool does work for every connection it holds on every request it queues,
so one pool for a thousand feeds spent more time choosing connections than sending.
Origins not used for a while are closed, past `MAX_ORIGINS`.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
import zlib
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

from feeds.base import FeedError, Page

DEFAULT_MAX_BYTES = 10_000_000
DEFAULT_TIMEOUT = httpx.Timeout(20.0, connect=10.0)
DEFAULT_DEADLINE = 60.0  # seconds for a whole fetch: every redirect and the last byte
MAX_REDIRECTS = 10
MAX_ORIGINS = 256  # origins whose connections are kept between requests
# NAT64's well-known prefix embeds an IPv4 address in its last 32 bits (RFC 6052)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
# not public, though older Pythons call them global (192.0.0.192: Oracle Cloud's metadata)
_NOT_PUBLIC = (ipaddress.ip_network("192.0.0.0/24"), ipaddress.ip_network("100.64.0.0/10"))

Resolver = Callable[[str], Sequence[str]]  # a host name → its addresses, best first


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


def is_private_address(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """True for any address that is not on the public internet: loopback, private,
    link-local (the cloud metadata service), shared (CGNAT), reserved, multicast,
    unspecified, and IPv6 forms that carry such an IPv4 address."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            return is_private_address(embedded)
    if isinstance(ip, ipaddress.IPv4Address) and any(ip in net for net in _NOT_PUBLIC):
        return True
    return not ip.is_global or ip.is_multicast


def resolve(host: str) -> list[str]:
    """The addresses a host name resolves to, in the system's order; [] for none."""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        return []
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _is_private(address: str) -> bool:
    return is_private_address(ipaddress.ip_address(address.split("%")[0]))  # no IPv6 scope


def is_private_host(host: str, resolver: Resolver = resolve) -> bool:
    """True when a host name resolves to any address that is not public."""
    return any(_is_private(address) for address in resolver(host))


def _pinned(url: str, address: str) -> str:
    """`url` with its host replaced by one of its addresses."""
    parts = urlsplit(url)
    literal = f"[{address}]" if ":" in address else address
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit(parts._replace(netloc=literal + port))


def _inflater(encoding: str) -> zlib._Decompress | None:
    """A decompressor for a Content-Encoding; None for identity. Raises for others."""
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return None
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompressobj(zlib.MAX_WBITS | 16)
    if encoding == "deflate":
        return zlib.decompressobj(zlib.MAX_WBITS | 32)  # zlib-wrapped, as HTTP says
    raise FeedError(f"unsupported content encoding {encoding!r}", kind="not_feed",
                    retryable=False)


class Fetcher:
    """Conditional GETs, over an httpx.AsyncClient per origin (or the one given)."""

    def __init__(
        self,
        *,
        user_agent: str,
        client: httpx.AsyncClient | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
        per_host: int = 2,
        allow_private: bool = False,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        deadline: float = DEFAULT_DEADLINE,
        resolver: Resolver = resolve,
    ) -> None:
        self._given = client  # a client given (a test's transport) serves every origin
        self._timeout = timeout
        self._tls: ssl.SSLContext | None = None  # one context for every origin's client
        self._clients: OrderedDict[str, httpx.AsyncClient] = OrderedDict()
        self._busy: dict[str, int] = defaultdict(int)  # requests in flight per origin
        self._closing: set[asyncio.Task[None]] = set()
        self._user_agent = user_agent
        self.max_bytes = max_bytes
        self._per_host = per_host
        self._hosts: dict[str, asyncio.Semaphore] = defaultdict(
            lambda: asyncio.Semaphore(self._per_host)
        )
        self.allow_private = allow_private
        self.deadline = deadline
        self._resolver = resolver

    async def aclose(self) -> None:
        clients = [self._given] if self._given is not None else list(self._clients.values())
        self._clients.clear()
        for client in clients:
            await client.aclose()
        if self._closing:
            await asyncio.gather(*self._closing)

    def _client(self, origin: str) -> httpx.AsyncClient:
        """The origin's client, made on first use; the least recently used idle ones
        are closed past MAX_ORIGINS."""
        if self._given is not None:
            return self._given
        client = self._clients.get(origin)
        if client is not None:
            self._clients.move_to_end(origin)
            return client
        if self._tls is None:
            self._tls = ssl.create_default_context()
        # redirects are followed by this class, so every hop is checked
        client = self._clients[origin] = httpx.AsyncClient(
            timeout=self._timeout, follow_redirects=False, verify=self._tls,
            limits=httpx.Limits(max_connections=self._per_host,
                                max_keepalive_connections=self._per_host),
        )
        idle = [key for key in self._clients if not self._busy[key] and key != origin]
        for key in idle[: max(0, len(self._clients) - MAX_ORIGINS)]:
            self._busy.pop(key, None)
            task = asyncio.get_running_loop().create_task(self._clients.pop(key).aclose())
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)
        return client

    async def __call__(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        headers: Mapping[str, str] | None = None,
        guard: bool = False,
        data: bytes | None = None,
    ) -> Page | None:
        """GET `url` (POST `data`, a form, when given). None means 304 Not Modified;
        problems raise FeedError.

        `guard` refuses hosts on private addresses unless allowed (article links come
        from outside and must not reach into the operator's network). Unguarded
        requests are for configured sources, whose own host is trusted; a redirect
        from them may still not lead into a private address unless that host was
        private itself or private addresses are allowed.
        """
        host = _checked(url)
        addresses = await self._refuse_private(host) if guard else None
        sent = {"User-Agent": self._user_agent, "Accept-Encoding": "gzip, deflate",
                **(headers or {})}
        if etag:
            sent["If-None-Match"] = etag
        if last_modified:
            sent["If-Modified-Since"] = last_modified
        if data is not None:
            sent.setdefault("Content-Type", "application/x-www-form-urlencoded;charset=UTF-8")
        try:
            async with asyncio.timeout(self.deadline):
                return await self._follow(url, sent, guard=guard, addresses=addresses,
                                          data=data)
        except TimeoutError:
            raise FeedError(f"no complete response within {self.deadline:g}s",
                            kind="timeout") from None

    async def _refuse_private(self, host: str) -> list[str] | None:
        """The host's addresses, checked: FeedError when one is private. None when private
        addresses are allowed (nothing to check, nothing to hold the request to)."""
        if self.allow_private:
            return None
        addresses = list(await asyncio.to_thread(self._resolver, host))
        if any(_is_private(address) for address in addresses):
            raise FeedError(f"refused private address for {host}", kind="refused",
                            retryable=False)
        return addresses

    async def _follow(self, url: str, headers: dict[str, str], *, guard: bool,
                      addresses: list[str] | None, data: bytes | None = None) -> Page | None:
        """GET (or POST `data`), following up to MAX_REDIRECTS redirects, each one
        checked before it is taken; a redirect is followed with a GET."""
        visited = {url}
        origin_private: bool | None = None
        for _ in range(MAX_REDIRECTS + 1):
            host = _checked(url)
            async with self._hosts[host]:
                outcome = await self._get_at(url, headers, addresses, data)
            if not isinstance(outcome, str):
                return outcome
            data = None
            target = urljoin(url, outcome)
            if target in visited:
                raise FeedError(f"redirect loop: back to {target}",
                                kind="http", retryable=True)
            visited.add(target)
            next_host = _checked(target)
            if not guard and origin_private is None and not self.allow_private:
                origin_private = await asyncio.to_thread(is_private_host, host, self._resolver)
            addresses = None
            if guard or not origin_private:
                addresses = await self._refuse_private(next_host)
            if urlsplit(target).netloc != urlsplit(url).netloc:
                # credentials and conditional headers belong to the first host only
                headers = {k: v for k, v in headers.items()
                           if k.lower() not in ("authorization", "cookie", "if-none-match",
                                                "if-modified-since")}
            url = target
        raise FeedError(f"more than {MAX_REDIRECTS} redirects", kind="http", retryable=True)

    async def _get_at(self, url: str, headers: dict[str, str],
                      addresses: list[str] | None, data: bytes | None = None
                      ) -> Page | str | None:
        """`_get`, held to the checked addresses of a plain-http URL (each tried in turn
        while it cannot be reached), so the host is not resolved a second time."""
        parts = urlsplit(url)
        if addresses is None or parts.scheme != "http":
            return await self._get(url, headers, data=data)
        if not addresses:
            raise FeedError(f"unreachable: {parts.hostname} does not resolve", kind="offline")
        sent = {**headers, "Host": parts.netloc.rpartition("@")[2]}
        for address in addresses[:-1]:
            try:
                return await self._get(_pinned(url, address), sent, page_url=url, data=data)
            except FeedError as exc:
                if exc.kind != "offline":
                    raise
        return await self._get(_pinned(url, addresses[-1]), sent, page_url=url, data=data)

    async def _get(self, url: str, headers: dict[str, str], *,
                   page_url: str | None = None, data: bytes | None = None
                   ) -> Page | str | None:
        """One request: a Page, None for 304, or the Location of a redirect."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        self._busy[origin] += 1
        try:
            method = "GET" if data is None else "POST"
            async with self._client(origin).stream(method, url, headers=headers,
                                                   content=data) as response:
                if response.status_code == 304:
                    return None
                if response.status_code in (301, 302, 303, 307, 308):
                    location = response.headers.get("location", "").strip()
                    if not location:
                        raise FeedError(f"HTTP {response.status_code} without a Location",
                                        kind="http", status=response.status_code)
                    return location
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
                body = await self._read(response)
                return Page(
                    url=page_url or str(response.url),
                    status=response.status_code,
                    body=body,
                    headers={k.lower(): v for k, v in response.headers.items()},
                )
        except httpx.TimeoutException as exc:
            raise FeedError(f"timed out: {type(exc).__name__}", kind="timeout") from exc
        except httpx.TransportError as exc:
            raise FeedError(f"unreachable: {type(exc).__name__}", kind="offline") from exc
        except httpx.InvalidURL as exc:
            raise FeedError(f"invalid URL: {exc}", kind="refused", retryable=False) from exc
        finally:
            self._busy[origin] -= 1

    async def _read(self, response: httpx.Response) -> bytes:
        """The body, inflated piece by piece and never past the cap (a gzip bomb stops there)."""
        if response.is_stream_consumed:  # built in memory (a test transport): decoded already
            if len(response.content) > self.max_bytes:
                raise FeedError(f"response over the {self.max_bytes}-byte cap",
                                kind="too_large", retryable=False)
            return response.content
        inflater = _inflater(response.headers.get("content-encoding", ""))
        chunks: list[bytes] = []
        size = 0

        def keep(data: bytes) -> None:
            nonlocal size
            size += len(data)
            if size > self.max_bytes:
                raise FeedError(
                    f"response over the {self.max_bytes}-byte cap"
                    + (" once decompressed" if inflater is not None else ""),
                    kind="too_large",
                    retryable=False,
                )
            chunks.append(data)

        try:
            async for raw in response.aiter_raw():
                if inflater is None:
                    keep(raw)
                    continue
                data = inflater.decompress(raw, self.max_bytes - size + 1)
                keep(data)
                while inflater.unconsumed_tail:
                    keep(inflater.decompress(inflater.unconsumed_tail,
                                             self.max_bytes - size + 1))
            if inflater is not None:
                keep(inflater.flush())
        except zlib.error as exc:
            raise FeedError(f"corrupt compressed body: {exc}", kind="not_feed") from exc
        return b"".join(chunks)


def _checked(url: str) -> str:
    """The host of an http(s) URL; anything else is refused."""
    parts = urlsplit(url)
    try:
        host = parts.hostname
    except ValueError:
        host = None
    if parts.scheme not in ("http", "https") or not host:
        raise FeedError(f"not an http(s) URL: {url!r}", kind="refused", retryable=False)
    return host
