"""The fetcher's classification of failures (unit level: an httpx transport stands in)."""

from __future__ import annotations

import asyncio
import gzip
import importlib
import time
import tracemalloc
import zlib
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from feeds.base import FeedError
from feeds.fetch import Fetcher, is_private_host, parse_retry_after
from tests.servers import LoopbackServer, Response


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



FORM_PAGES = [
    # an ASP.NET page: the whole layout inside one form, which trafilatura keeps
    "<html><head><title>Ruling</title></head><body><form id='aspnetForm' action='/x'>"
    "<input type='hidden' name='__VIEWSTATE' value='abc'><div class='nav'><a href='/'>Home"
    "</a></div><article><h1>Judge rules on the motion</h1>{text}</article>"
    "<label for='q'>Search</label><input id='q' name='q'><select name='s'><option>All"
    "</option></select></form></body></html>",
    # an article followed by a comment form and a newsletter form
    "<html><body><article><h1>Appeal filed</h1>{text}</article><form action='/comment'>"
    "<textarea name='c'>Your comment</textarea><input type='submit' value='Post'></form>"
    "<form><label>Email <input type='email'></label><button>Sign up</button></form>"
    "</body></html>",
]


@pytest.mark.parametrize("page", FORM_PAGES)
def test_pages_with_forms_read_the_same_with_elements_made_in_c(page: str) -> None:
    """Extraction makes every element an HtmlElement through a lookup done in C
    (feeds/extract.py); with lxml.html's own lookup (forms, inputs, selects, text areas
    and labels in classes of their own) the same page gives the same article."""
    from lxml.html import HtmlElement, HtmlElementClassLookup
    from trafilatura.utils import HTML_PARSER

    from feeds.extract import _elements_made_in_c, extract_article

    text = "<p>The court heard the parties on the motion to dismiss for an hour.</p>" * 6
    body = page.format(text=text).encode()
    made_in_c = extract_article(body, "https://example.com/ruling")
    assert made_in_c is not None and "motion to dismiss" in made_in_c.text
    assert type(HTML_PARSER.makeelement("form")) is HtmlElement
    HTML_PARSER.set_element_class_lookup(HtmlElementClassLookup())
    try:
        assert type(HTML_PARSER.makeelement("form")).__name__ == "FormElement"
        assert extract_article(body, "https://example.com/ruling") == made_in_c
    finally:
        _elements_made_in_c.cache_clear()  # the next extraction sets the C lookup again


def test_regex_tests_are_guarded_only_where_the_pattern_cannot_match_nothing() -> None:
    from feeds.extract import guard_regex_tests

    assert guard_regex_tests("re:test(@id|@class, 'nav|menu')") == (
        "((@id|@class) and re:test(@id|@class, 'nav|menu'))")
    assert guard_regex_tests("re:test(@class, 'fulltext', 'i')") == (
        "((@class) and re:test(@class, 'fulltext', 'i'))")
    # an empty id or class matches these, so an element without one would too
    for path in ("re:test(@class, '^$')", "re:test(@id, 'x*')", "re:test(@class, '^(?:a|)$')"):
        assert guard_regex_tests(path) == path
    assert guard_regex_tests("contains(@class, 'nav')") == "contains(@class, 'nav')"


GUARD_PAGE = (
    "<html><body><div id='nav-top' class=''><a href='/'>Home</a></div><div>plain</div>"
    "<div class='comment-list'><p>first!</p></div><section id='comments'>c</section>"
    "<div style='display:none' id='x'>hidden</div><span class='Byline'>By A. Writer</span>"
    "<ul class=''><li>one</li></ul><div class='' id=''>empty attributes</div>"
    "<article class='article-body'><h1>Judge rules</h1>{text}</article>"
    "<aside class='sidebar widget'>more</aside><div class='share-buttons'>share</div>"
    "<div id='disqus_thread'></div><div class='cookie-banner'>cookies</div></body></html>")


def _trafilaturas_own() -> dict[str, Any]:
    """trafilatura's expressions as it compiles them (its modules hold guarded ones)."""
    from trafilatura import xpaths

    from feeds.extract import _regex_tests_guarded

    _regex_tests_guarded()
    return {name: value for name, value in vars(importlib.reload(xpaths)).items()
            if name.isupper()}


def test_guarded_expressions_select_what_trafilaturas_own_do() -> None:
    """Every trafilatura expression with a regular expression test selects the same
    elements guarded as not, on a page of elements with, without and with empty ids and
    classes; so does one whose pattern matches an empty class (left unguarded)."""
    from lxml.etree import XPath
    from trafilatura.utils import load_html

    from feeds.extract import _REGEX_NS, guard_regex_tests

    tree = load_html(GUARD_PAGE.format(text="<p>The court ruled.</p>" * 5))
    expressions = [x for value in _trafilaturas_own().values()
                   for x in (value if isinstance(value, list) else [value])
                   if isinstance(x, XPath) and "re:test" in x.path]
    expressions.append(XPath(".//*[re:test(@class, '^$')]", namespaces=_REGEX_NS))
    assert len(expressions) > 10
    selected = 0
    for original in expressions:
        guarded = XPath(guard_regex_tests(original.path), namespaces=_REGEX_NS)
        assert guarded(tree) == original(tree), original.path
        selected += len(original(tree))
    assert selected > 10


def test_expressions_are_swapped_once_and_kept_when_their_guarded_form_fails(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import types

    from lxml.etree import XPath

    from feeds import extract

    def expression(path: str) -> XPath:
        return XPath(path, namespaces=extract._REGEX_NS)

    shared = [expression(".//*[re:test(@class, 'nav')]"), expression(".//p")]
    one, two = types.ModuleType("one"), types.ModuleType("two")
    one.LIST, two.LIST = shared, shared  # type: ignore[attr-defined]
    one.ALONE = two.ALONE = expression(".//*[re:test(@id, 'menu')]")  # type: ignore[attr-defined]
    one.BROKEN = expression(".//*[re:test(@id, 'broken')]")  # type: ignore[attr-defined]
    guard = extract.guard_regex_tests
    monkeypatch.setattr(extract, "guard_regex_tests",
                        lambda path: "((" if "broken" in path else guard(path))
    kept = one.BROKEN
    assert extract.guard_expressions([one, two]) == 2
    assert shared[0].path == ".//*[((@class) and re:test(@class, 'nav'))]"
    assert shared[1].path == ".//p"
    assert one.ALONE is two.ALONE and "((@id) and" in one.ALONE.path
    assert one.BROKEN is kept


def test_extraction_is_the_same_with_regex_tests_guarded() -> None:
    from trafilatura import core, main_extractor

    from feeds import extract

    body = GUARD_PAGE.format(
        text="<p>The court heard the parties on the motion to dismiss for an hour.</p>" * 8
    ).encode()
    guarded = extract.extract_article(body, "https://example.com/ruling")
    assert guarded is not None and "motion to dismiss" in guarded.text
    assert "((@" in main_extractor.OVERALL_DISCARD_XPATH[0].path
    own = _trafilaturas_own()
    held = [(module, name, list(value)) for module in (core, main_extractor)
            for name, value in vars(module).items()
            if name in own and isinstance(value, list)]
    assert len(held) >= 8
    try:
        for module, name, _ in held:
            getattr(module, name)[:] = own[name]
        assert "((@" not in main_extractor.OVERALL_DISCARD_XPATH[0].path
        assert extract.extract_article(body, "https://example.com/ruling") == guarded
    finally:
        for module, name, value in held:
            getattr(module, name)[:] = value


# -- hostile servers on 127.0.0.1 -------------------------------------------------------


def _serve(server: LoopbackServer, path: str, response: Response, **kwargs):
    server.route(path, response)
    return get(Fetcher(user_agent="casewatch-test", **kwargs), server.url(path))


def test_an_endless_body_is_cut_at_the_cap_while_streaming(server: LoopbackServer) -> None:
    sent = [0]

    def gigabyte():
        for _ in range(16_384):  # 1 GiB in 64 KiB pieces, made as they are sent
            sent[0] += 1
            yield b"x" * 65_536

    tracemalloc.start()
    try:
        with pytest.raises(FeedError) as info:
            _serve(server, "/big", Response(200, stream=gigabyte), max_bytes=1_000_000)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert info.value.kind == "too_large" and "1000000-byte cap" in info.value.message
    assert sent[0] < 200 and peak < 20_000_000  # stopped early, never held the body


def test_a_gzip_bomb_stops_at_the_cap_without_inflating_it(server: LoopbackServer) -> None:
    packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    bomb = b"".join(packer.compress(bytes(1_000_000)) for _ in range(500)) + packer.flush()
    assert len(bomb) < 600_000  # 500 MB once inflated
    tracemalloc.start()
    try:
        with pytest.raises(FeedError) as info:
            _serve(server, "/gz", Response(200, bomb, {"Content-Encoding": "gzip"}),
                   max_bytes=1_000_000)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert info.value.kind == "too_large" and "once decompressed" in info.value.message
    assert peak < 20_000_000


def test_gzip_and_deflate_bodies_are_read(server: LoopbackServer) -> None:
    body = b"<rss>" + b"a fine feed " * 1000 + b"</rss>"
    page = _serve(server, "/gz", Response(200, gzip.compress(body),
                                          {"Content-Encoding": "gzip"}))
    assert page.body == body
    page = _serve(server, "/z", Response(200, zlib.compress(body),
                                         {"Content-Encoding": "deflate"}))
    assert page.body == body
    with pytest.raises(FeedError) as info:
        _serve(server, "/bad", Response(200, b"not gzip at all", {"Content-Encoding": "gzip"}))
    assert info.value.kind == "not_feed" and "corrupt compressed body" in info.value.message
    with pytest.raises(FeedError) as info:
        _serve(server, "/br", Response(200, b"??", {"Content-Encoding": "br"}))
    assert "unsupported content encoding 'br'" in info.value.message


def test_a_server_sending_one_byte_a_second_hits_the_deadline(server: LoopbackServer) -> None:
    def drip():
        for byte in b"<rss version='2.0'><channel></channel></rss>":
            yield bytes([byte])

    started = time.monotonic()
    with pytest.raises(FeedError) as info:
        _serve(server, "/drip", Response(200, stream=drip, pause=1.0), deadline=2.5)
    assert info.value.kind == "timeout" and info.value.retryable
    assert info.value.message == "no complete response within 2.5s"
    assert time.monotonic() - started < 4  # a read timeout alone would wait for ever


@pytest.mark.parametrize(("routes", "expected"), [
    ({"/loop": "/loop"}, "redirect loop: back to "),
    ({"/loop": "/b", "/b": "/c", "/c": "/loop"}, "redirect loop: back to "),
    ({"/loop": "/r0", **{f"/r{n}": f"/r{n + 1}" for n in range(12)}}, "more than 10 redirects"),
])
def test_redirect_loops_are_named(server: LoopbackServer, routes: dict[str, str],
                                  expected: str) -> None:
    for path, target in routes.items():
        server.route(path, Response(302, b"", {"Location": target}))
    with pytest.raises(FeedError) as info:
        get(Fetcher(user_agent="t"), server.url("/loop"))
    assert info.value.kind == "http" and info.value.message.startswith(expected)
    assert len(server.requests) <= 11


def test_redirects_are_followed_and_the_final_url_kept(server: LoopbackServer) -> None:
    server.route("/old", Response(301, b"", {"Location": "/new"}))
    server.route("/new", Response(200, b"<rss/>"))
    page = get(Fetcher(user_agent="t"), server.url("/old"))
    assert page.url == server.url("/new") and page.body == b"<rss/>"


def test_a_form_is_posted_and_a_redirect_after_it_is_a_get(server: LoopbackServer) -> None:
    server.route("/rpc", Response(303, b"", {"Location": "/answer"}))
    server.route("/answer", Response(200, b")]}'\n[]"))
    page = get(Fetcher(user_agent="t"), server.url("/rpc"), data=b"f.req=%5B%5D")
    assert page.body == b")]}'\n[]"
    posted, followed = server.requests
    assert posted.method == "POST" and posted.body == b"f.req=%5B%5D"
    assert posted.headers["content-type"].startswith("application/x-www-form-urlencoded")
    assert followed.method == "GET" and followed.body == b""


def test_each_origin_has_its_own_pool_and_idle_ones_are_closed(
        server: LoopbackServer, monkeypatch: pytest.MonkeyPatch) -> None:
    import feeds.fetch

    monkeypatch.setattr(feeds.fetch, "MAX_ORIGINS", 1)
    server.route("/feed", Response(body=b"<rss/>"))
    first = server.url("/feed")
    second = first.replace("127.0.0.1", "localhost")  # the same server, another origin

    async def go() -> None:
        fetcher = Fetcher(user_agent="t", per_host=3)
        try:
            assert (await fetcher(first)).body == b"<rss/>"
            one = fetcher._clients["http://" + first.split("/")[2]]
            assert (await fetcher(second)).body == b"<rss/>"
            await asyncio.sleep(0)  # the idle origin's pool is closed in the background
            assert list(fetcher._clients) == ["http://" + second.split("/")[2]]
            await asyncio.gather(*fetcher._closing)
            assert one.is_closed
            assert (await fetcher(first)).body == b"<rss/>"  # and made again when needed
        finally:
            await fetcher.aclose()
        assert not fetcher._clients and not fetcher._closing

    asyncio.run(go())
