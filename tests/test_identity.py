"""Level 1 of grouping: an item's URL identity (monitor/identity.py).

The canonical URL drops what does not name the article (case, default ports,
fragments, tracking parameters, AMP variants), and the page's own canonical link counts
only when it is on the same site.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feeds.base import Item
from monitor.identity import canonical_url, item_url, site


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("HTTPS://Example.COM:443/a/b", "https://example.com/a/b"),
        ("http://example.com:80/a", "http://example.com/a"),
        ("http://example.com:8080/a", "http://example.com:8080/a"),
        ("https://example.com/a#comments", "https://example.com/a"),
        ("https://example.com/a/?utm_source=rss&utm_medium=feed", "https://example.com/a"),
        ("https://example.com/a?fbclid=IwAR0&gclid=x&mc_cid=1&mc_eid=2&ref=tw",
         "https://example.com/a"),
        ("https://example.com/a?b=2&a=1&utm_campaign=x", "https://example.com/a?a=1&b=2"),
        ("https://example.com/story?id=7", "https://example.com/story?id=7"),
        ("https://amp.example.com/a", "https://example.com/a"),
        ("https://example.com/a/amp/", "https://example.com/a"),
        ("https://example.com/a/amp", "https://example.com/a"),
        ("https://example.com/a.amp", "https://example.com/a"),
        ("https://example.com/amp/a", "https://example.com/a"),
        ("https://example.com/a?amp=1", "https://example.com/a"),
        ("https://example.com/a?outputType=amp", "https://example.com/a"),
        ("https://example-com.cdn.ampproject.org/c/s/example.com/a?utm_source=x",
         "https://example.com/a"),
        ("", ""),
    ],
)
def test_canonical_url(url: str, canonical: str) -> None:
    assert canonical_url(url) == canonical


_hosts = st.sampled_from(["example.com", "Example.COM", "amp.news.co.uk", "127.0.0.1",
                          "example-com.cdn.ampproject.org"])
_segments = st.lists(st.sampled_from(["a", "amp", "b.amp", "c", "%20", "x y", "2021"]),
                     max_size=4)
_params = st.lists(st.tuples(st.sampled_from(["utm_source", "id", "fbclid", "amp", "q", "Ref",
                                              "outputType", "page"]),
                             st.sampled_from(["", "1", "x", "a b", "amp"])), max_size=4)


@given(scheme=st.sampled_from(["http", "https", "HTTPS"]), host=_hosts,
       port=st.sampled_from(["", ":80", ":443", ":8080"]), path=_segments, params=_params,
       slash=st.booleans(), fragment=st.sampled_from(["", "#top", "#"]))
@settings(max_examples=300, deadline=None)
def test_canonical_url_is_idempotent(scheme: str, host: str, port: str, path: list[str],
                                     params: list[tuple[str, str]], slash: bool,
                                     fragment: str) -> None:
    query = "&".join(f"{k}={v}" for k, v in params)
    url = (f"{scheme}://{host}{port}/{'/'.join(path)}{'/' if slash else ''}"
           f"{'?' + query if query else ''}{fragment}")
    once = canonical_url(url)
    assert canonical_url(once) == once
    assert "#" not in once and "utm_source" not in once


@given(st.text(max_size=80))
@settings(max_examples=300, deadline=None)
def test_canonical_url_never_crashes_and_is_idempotent_on_any_text(text: str) -> None:
    once = canonical_url(text)
    assert canonical_url(once) == once


def test_the_pages_own_canonical_link_counts_only_on_the_same_site() -> None:
    same = Item("s", "g", "https://m.example.com/story-1?utm_source=x", "t",
                canonical_url="https://www.example.com/news/story-1")
    other = Item("s", "g", "https://example.com/story-1", "t",
                 canonical_url="https://elsewhere.org/story-1")
    assert item_url(same) == "https://www.example.com/news/story-1"
    assert item_url(other) == "https://example.com/story-1"
    assert site("https://www.bbc.co.uk/x") == "bbc.co.uk"
    assert site("http://127.0.0.2:81/x") == "127.0.0.2"
