"""SSRF: article links (and every redirect hop of them) never reach loopback, private,
link-local, shared or metadata addresses unless `allow_private_addresses` says so."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import httpx
import pytest

from feeds.base import FeedError
from feeds.fetch import Fetcher, is_private_host, resolve
from monitor.config import parse_settings
from monitor.runtime.app import build_app
from tests.conftest import (
    FakeClock,
    config_toml,
    console_channel,
    doe_case,
    feed_source,
    loopback_service,
)
from tests.servers import LoopbackServer, Response, rss

PRIVATE = [
    "127.0.0.1", "127.1", "2130706433", "0x7f000001", "0177.0.0.1", "0.0.0.0", "localhost",
    "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254", "169.254.170.2",
    "100.100.100.200",  # Alibaba's metadata service, in the shared (CGNAT) range
    "100.64.0.1", "192.0.0.192", "198.18.0.1", "240.0.0.1", "255.255.255.255",
    "224.0.0.1", "[::1]", "[::]", "[fe80::1]", "[fd00:ec2::254]", "[fc00::1]",
    "[::ffff:127.0.0.1]", "[::ffff:169.254.169.254]", "[64:ff9b::a9fe:a9fe]",
    "[2002:a9fe:a9fe::1]", "[ff02::1]",
]
PUBLIC = ["93.184.216.34", "8.8.8.8", "[2606:4700:4700::1111]", "1.1.1.1"]


@pytest.mark.parametrize("host", PRIVATE)
def test_private_loopback_link_local_and_metadata_addresses_are_refused(host: str) -> None:
    assert is_private_host(host.strip("[]"))
    requests: list[httpx.Request] = []
    client = httpx.AsyncClient(transport=httpx.MockTransport(
        lambda request: requests.append(request) or httpx.Response(200, content=b"secret")))
    fetcher = Fetcher(user_agent="t", client=client)
    with pytest.raises(FeedError) as info:
        asyncio.run(_get(fetcher, f"http://{host}/latest/meta-data/", guard=True))
    assert info.value.kind == "refused" and not info.value.retryable
    assert "refused private address" in info.value.message
    assert requests == []  # nothing was sent


@pytest.mark.parametrize("host", PUBLIC)
def test_public_addresses_pass(host: str) -> None:
    assert not is_private_host(host.strip("[]"))


async def _get(fetcher: Fetcher, url: str, **kwargs):
    try:
        return await fetcher(url, **kwargs)
    finally:
        await fetcher.aclose()


DNS = {"news.example": ["93.184.216.34"], "api.example": ["93.184.216.35"],
       "elsewhere.example": ["93.184.216.36"]}


def public_dns(host: str) -> list[str]:
    """Public addresses for the test's names, the real resolver for everything else."""
    return DNS.get(host) or resolve(host)


def where(request: httpx.Request) -> str:
    """The URL as its author wrote it: the Host header, whatever address was dialled."""
    return f"{request.url.scheme}://{request.headers['host']}{request.url.raw_path.decode()}"


def _redirecting(target: str, seen: list[str]) -> httpx.AsyncClient:
    """news.example (public in `public_dns`) redirects to `target`."""

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(where(request))
        if request.headers["host"] == "news.example":
            return httpx.Response(302, headers={"Location": target})
        return httpx.Response(200, content=b"from inside")

    return httpx.AsyncClient(transport=httpx.MockTransport(handler))


@pytest.mark.parametrize("target", [
    "http://169.254.169.254/latest/meta-data/iam/",
    "http://localhost:8080/admin",
    "http://[::ffff:10.0.0.1]/",
    "http://10.1.2.3/internal",
])
@pytest.mark.parametrize("guard", [True, False])
def test_a_redirect_into_a_private_address_is_refused(target: str, guard: bool) -> None:
    """Guarded article fetches check every hop; a configured feed on a public host may not
    redirect into the private network either."""
    seen: list[str] = []
    fetcher = Fetcher(user_agent="t", client=_redirecting(target, seen), resolver=public_dns)
    with pytest.raises(FeedError) as info:
        asyncio.run(_get(fetcher, "http://news.example/story", guard=guard))
    assert info.value.kind == "refused"
    assert seen == ["http://news.example/story"]  # the private hop was never taken
    allowed = Fetcher(user_agent="t", client=_redirecting(target, seen), allow_private=True,
                      resolver=public_dns)
    page = asyncio.run(_get(allowed, "http://news.example/story", guard=guard))
    assert page is not None and page.body == b"from inside" and seen[-1] == target


def test_a_redirect_to_another_scheme_is_refused() -> None:
    seen: list[str] = []
    fetcher = Fetcher(user_agent="t", client=_redirecting("file:///etc/passwd", seen),
                      allow_private=True, resolver=public_dns)
    with pytest.raises(FeedError) as info:
        asyncio.run(_get(fetcher, "http://news.example/story", guard=True))
    assert info.value.kind == "refused" and "not an http(s) URL" in info.value.message


def test_credentials_do_not_follow_a_redirect_to_another_host() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.headers["host"] == "api.example":
            return httpx.Response(302, headers={"Location": "http://elsewhere.example/x"})
        return httpx.Response(200, content=b"ok")

    fetcher = Fetcher(user_agent="t", client=httpx.AsyncClient(
        transport=httpx.MockTransport(handler)), resolver=public_dns)
    asyncio.run(_get(fetcher, "http://api.example/x",
                     headers={"Authorization": "Token abc", "Accept": "application/json"}))
    assert seen[0].headers["authorization"] == "Token abc"
    assert "authorization" not in seen[1].headers and seen[1].headers["accept"] == \
        "application/json"



class Rebinding:
    """A name that resolves to a public address once, and to loopback ever after."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, host: str) -> list[str]:
        self.calls += 1
        return ["93.184.216.34"] if self.calls == 1 else ["127.0.0.1"]


@pytest.mark.parametrize("guard", [True, False])
def test_dns_rebinding_cannot_reach_inside(guard: bool) -> None:
    """The address checked is the address dialled: the name is resolved once per hop, and
    a plain-http request goes to that address with the name in its Host header."""
    dialled: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        dialled.append(request)
        if request.url.path == "/hop":
            return httpx.Response(302, headers={"Location": "http://rebind.example:8080/x"})
        return httpx.Response(200, content=b"public")

    rebinding = Rebinding()
    dns = {"news.example": ["93.184.216.35"]}
    fetcher = Fetcher(user_agent="t", client=httpx.AsyncClient(
        transport=httpx.MockTransport(handler)),
        resolver=lambda host: dns.get(host) or rebinding(host))
    page = asyncio.run(_get(fetcher, "http://news.example/hop", guard=guard))
    assert page is not None and page.body == b"public"
    assert page.url == "http://rebind.example:8080/x"
    assert [(r.url.host, r.url.port, r.headers["host"]) for r in dialled] == [
        ("93.184.216.35" if guard else "news.example", None, "news.example"),
        ("93.184.216.34", 8080, "rebind.example:8080")]
    assert rebinding.calls == 1


def test_https_is_left_to_the_certificate_check_and_a_name_without_address_is_offline(
) -> None:
    dialled: list[str] = []
    fetcher = Fetcher(user_agent="t", client=httpx.AsyncClient(transport=httpx.MockTransport(
        lambda request: dialled.append(str(request.url)) or httpx.Response(200))),
        resolver=lambda host: {"news.example": ["93.184.216.35"]}.get(host, []))
    asyncio.run(_get(fetcher, "https://news.example/a", guard=True))
    assert dialled == ["https://news.example/a"]
    with pytest.raises(FeedError) as info:
        asyncio.run(_get(Fetcher(user_agent="t", resolver=lambda host: []),
                         "http://nowhere.example/a", guard=True))
    assert info.value.kind == "offline" and "does not resolve" in info.value.message


ARTICLE = ("<html><head><title>Doe v. Acme</title></head><body><article><h1>Doe v. Acme</h1>"
           + "<p>The lawsuit Doe v. Acme went to trial on Monday in federal court.</p>" * 5
           + "</article></body></html>")


@pytest.mark.parametrize("allow", [False, True])
def test_the_pipeline_refuses_article_links_by_name_ip_and_redirect(
        tmp_path: Path, clock: FakeClock, server: LoopbackServer, allow: bool) -> None:
    """Links by a DNS name that resolves to loopback, by IP, and through a redirect from
    the feed's own (allowed, configured) host all stay unfetched unless allowed."""
    server.route("/article", ARTICLE, "text/html")
    server.route("/hop", Response(302, b"", {"Location": server.url("/article")}))
    links = [server.url("/article").replace("127.0.0.1", "localhost"),
             server.url("/article?b"), server.url("/hop")]
    server.route("/feed", rss([{"title": f"Doe v. Acme story {n}", "link": link,
                                "text": "Doe v. Acme teaser"} for n, link in enumerate(links)]))
    text = config_toml(database=tmp_path / "cw.db",
                       service=loopback_service(allow_private_addresses=allow),
                       sources=[feed_source("news", server.url("/feed"), extract=True)],
                       cases=[doe_case(notify=["out"])], channels=[console_channel()])
    app = build_app(parse_settings(text, {}), clock=clock, stream=io.StringIO(),
                    extract_workers=0)
    with asyncio.Runner() as runner:
        reports, _ = runner.run(app.run_once())
        assert reports[0].ok and reports[0].new == 3
        rows = list(app.store.db.query("SELECT extracted, extract_failed FROM items"))
        runner.run(app.aclose())
    fetched = [r for r in server.requests if r.path.startswith(("/article", "/hop"))]
    if allow:
        assert rows == [{"extracted": 1, "extract_failed": 0}] * 3 and fetched
    else:
        assert fetched == [] and rows == [{"extracted": 0, "extract_failed": 1}] * 3
