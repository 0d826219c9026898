"""The fetcher's classification of failures (unit level: an httpx transport stands in)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import httpx
import pytest

from feeds.base import FeedError
from feeds.fetch import Fetcher, is_private_host, parse_retry_after


def fetcher(handler, **kwargs) -> Fetcher:
    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return Fetcher(user_agent="casewatch-test", client=client, **kwargs)


def get(f: Fetcher, url: str = "https://news.example/feed", **kwargs):
    async def go():
        try:
            return await f(url, **kwargs)
        finally:
            await f.aclose()

    return asyncio.run(go())


@pytest.mark.parametrize(
    ("status", "retryable"), [(500, True), (503, True), (429, True), (404, False), (410, False)]
)
def test_http_errors_are_classified(status: int, retryable: bool) -> None:
    with pytest.raises(FeedError) as info:
        get(fetcher(lambda request: httpx.Response(status)))
    assert (info.value.kind, info.value.status, info.value.retryable) == (
        "http", status, retryable)


def test_network_failures_are_offline_or_timeout() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(FeedError) as info:
        get(fetcher(refuse))
    assert info.value.kind == "offline" and info.value.retryable
    with pytest.raises(FeedError) as info:
        get(fetcher(slow))
    assert info.value.kind == "timeout" and info.value.retryable


def test_conditional_headers_and_user_agent_are_sent() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(304)

    assert get(fetcher(handler), etag='"abc"', last_modified="Mon, 05 Jan 2026 10:00:00 GMT") \
        is None
    assert seen[0].headers["if-none-match"] == '"abc"'
    assert seen[0].headers["if-modified-since"] == "Mon, 05 Jan 2026 10:00:00 GMT"
    assert seen[0].headers["user-agent"] == "casewatch-test"


def test_declared_and_streamed_sizes_are_capped() -> None:
    with pytest.raises(FeedError) as info:
        get(fetcher(lambda r: httpx.Response(200, content=b"x" * 5000), max_bytes=1024))
    assert info.value.kind == "too_large" and not info.value.retryable


def test_non_http_urls_are_refused() -> None:
    with pytest.raises(FeedError) as info:
        get(fetcher(lambda r: httpx.Response(200)), url="file:///etc/passwd")
    assert info.value.kind == "refused"


def test_private_addresses_are_refused_when_guarded() -> None:
    assert is_private_host("127.0.0.1") and is_private_host("localhost")
    assert not is_private_host("93.184.216.34")
    with pytest.raises(FeedError) as info:
        get(fetcher(lambda r: httpx.Response(200)), url="http://127.0.0.1/x", guard=True)
    assert info.value.kind == "refused"
    page = get(fetcher(lambda r: httpx.Response(200, content=b"ok"), allow_private=True),
               url="http://127.0.0.1/x", guard=True)
    assert page is not None and page.body == b"ok"


def test_retry_after_in_seconds_and_as_a_date() -> None:
    now = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
    assert parse_retry_after("120") == 120
    assert parse_retry_after("Mon, 05 Jan 2026 12:10:00 GMT", now) == 600
    assert parse_retry_after("whenever") is None
    assert parse_retry_after(None) is None


@pytest.mark.parametrize("encoding", ["iso-8859-1", "windows-1252", "utf-8"])
def test_article_pages_are_read_in_their_own_encoding(encoding: str) -> None:
    from feeds.extract import extract_article

    paragraph = "<p>The café owner in München was sued on Monday, a déjà vu for the town.</p>"
    page = (f"<html><head><meta charset='{encoding}'><title>Café sued</title></head><body>"
            f"<article><h1>Café sued</h1>{paragraph * 3}</article></body></html>")
    extracted = extract_article(page.encode(encoding), "https://example.com/cafe")
    assert extracted is not None
    assert "café owner in München" in extracted.text and "\ufffd" not in extracted.text
