"""The news-search stand-ins answer every route and mode, and the real samples parse."""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import parse_qs, quote, urlsplit

import feedparser
import httpx
import pytest

from tests.news_servers import (
    BATCHEXECUTE,
    GOOGLE_SEARCH,
    SIGNATURE,
    TIMESTAMP,
    NewsStandIn,
    fixture,
    news_search_server,
)
from tests.servers import LoopbackServer


@pytest.fixture
def news() -> Iterator[NewsStandIn]:
    srv = LoopbackServer()
    try:
        yield news_search_server(srv)
    finally:
        srv.close()


def test_the_real_samples_parse() -> None:
    google = feedparser.parse(fixture("google_news_search.xml"))
    assert not google.bozo and len(google.entries) == 3
    assert all(e.link.startswith("https://news.google.com/rss/articles/CBM")
               for e in google.entries)
    assert google.entries[0].source.href == "https://www.washingtonpost.com"
    bing = feedparser.parse(fixture("bing_news_search.xml"))
    assert not bing.bozo and len(bing.entries) == 5
    link = bing.entries[0].link
    assert link.startswith("http://www.bing.com/news/apiclick.aspx?ref=FexRss&aid=&tid=")
    assert parse_qs(urlsplit(link).query)["url"][0].startswith("https://www.wired.com/")
    gdelt = json.loads(fixture("gdelt_artlist.json"))
    assert len(gdelt["articles"]) == 4
    assert set(gdelt["articles"][0]) == {"url", "url_mobile", "title", "seendate",
                                         "socialimage", "domain", "language", "sourcecountry"}


def test_google_search_article_page_and_batchexecute_lead_to_a_loopback_page(
        news: NewsStandIn) -> None:
    with httpx.Client(timeout=5) as client:
        feed = feedparser.parse(client.get(news.google_search_url("Bears Ears")).content)
        assert news.queries(GOOGLE_SEARCH) == ["Bears Ears"]
        assert len(feed.entries) == 3
        link = feed.entries[0].link
        assert link.startswith(news.base + "/rss/articles/CBM")
        article = urlsplit(link).path.rsplit("/", 1)[-1]
        page = client.get(link).text
        assert f'data-n-a-id="{article}"' in page
        assert f'data-n-a-sg="{SIGNATURE}"' in page and f'data-n-a-ts="{TIMESTAMP}"' in page
        assert client.get(f"{news.base}/articles/{article}").status_code == 200
        inner = json.dumps(["garturlreq", [], article, int(TIMESTAMP), SIGNATURE])
        body = "f.req=" + quote(json.dumps([[["Fbv4je", inner, None, "0"]]]))
        answer = client.post(news.base + BATCHEXECUTE, content=body, headers={
            "Content-Type": "application/x-www-form-urlencoded;charset=UTF-8"}).text
        assert answer.startswith(")]}'")
        rows = json.loads(answer.split("\n\n", 1)[1])
        url = json.loads(rows[0][2])[1]
        assert rows[0][-1] == "0" and url == news.google_ids[article]
        assert url.startswith(news.base + "/publisher/")
        assert "Trump again shrinks" in client.get(url).text


def test_bing_needs_format_rss_and_its_links_unwrap_to_loopback_pages(news: NewsStandIn) -> None:
    with httpx.Client(timeout=5) as client:
        assert client.get(news.base + "/news/search?q=x").status_code == 400
        feed = feedparser.parse(client.get(news.bing_search_url("FBI hiring")).content)
        assert len(feed.entries) == 5
        target = parse_qs(urlsplit(feed.entries[0].link).query)["url"][0]
        assert target == news.publisher_url(len(news.google_ids))
        hop = client.get(feed.entries[0].link)
        assert hop.status_code == 302 and hop.headers["location"] == target
        assert "Easing" in client.get(target).text
    assert news.queries("/news/search")[-1] == "FBI hiring"


def test_gdelt_needs_artlist_json(news: NewsStandIn) -> None:
    with httpx.Client(timeout=5) as client:
        bad = client.get(news.base + "/api/v2/doc/doc?query=x&mode=TimelineVol&format=json")
        assert bad.headers["content-type"].startswith("text/plain")
        data = client.get(news.gdelt_url("Vizhinjam")).json()
        assert [a["url"] for a in data["articles"]] == [
            p.url for p in news.publishers if p.service == "gdelt"]
        assert data["articles"][0]["seendate"] == "20240615T170000Z"
        assert client.get(data["articles"][0]["url"]).status_code == 200
    assert news.queries("/api/v2/doc/doc", "query") == ["x", "Vizhinjam"]


@pytest.mark.parametrize("service", ["google", "bing", "gdelt"])
def test_modes(news: NewsStandIn, service: str) -> None:
    url = {"google": news.google_search_url("q"), "bing": news.bing_search_url("q"),
           "gdelt": news.gdelt_url("q")}[service]
    with httpx.Client(timeout=5) as client:
        news.modes[service] = "empty"
        empty = client.get(url)
        assert empty.status_code == 200
        if service == "gdelt":
            assert empty.json() == {}
        else:
            parsed = feedparser.parse(empty.content)
            assert not parsed.bozo and parsed.entries == []
        news.modes[service] = "429"
        limited = client.get(url)
        assert limited.status_code == 429 and limited.headers["retry-after"] == "60"
        news.modes[service] = "blocked"
        blocked = client.get(url)
        assert blocked.status_code == (200 if service == "google" else 403)
        assert blocked.headers["content-type"].startswith("text/html")
        if service == "google":
            assert "unusual traffic" in blocked.text
        news.modes[service] = "malformed"
        cut = client.get(url)
        assert cut.status_code == 200
        if service == "gdelt":
            with pytest.raises(ValueError):
                cut.json()
        else:
            assert feedparser.parse(cut.content).bozo


def test_a_mode_for_every_service_at_once() -> None:
    srv = LoopbackServer()
    try:
        news = news_search_server(srv, mode="429")
        with httpx.Client(timeout=5) as client:
            assert client.get(news.bing_search_url("q")).status_code == 429
            assert client.get(news.gdelt_url("q")).text.startswith("Please limit requests")
        with pytest.raises(ValueError):
            news_search_server(srv, mode="sideways")
    finally:
        srv.close()
