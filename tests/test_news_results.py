"""What a GDELT answer is: its articles, nothing found (`{}` or an empty body), or not
results at all (an error object, a list), which is an error and not an empty search."""

from __future__ import annotations

import pytest

from feeds.base import FeedError, Page
from feeds.newssearch import parse_results


def gdelt(body: str) -> Page:
    return Page("http://127.0.0.1/api/v2/doc/doc", 200, body.encode(),
                {"content-type": "application/json"})


@pytest.mark.parametrize("body", ["", "{}", '{"articles": []}'])
def test_nothing_found(body: str) -> None:
    assert parse_results("gdelt", gdelt(body), "g") == []


@pytest.mark.parametrize("body", ['{"error": "Invalid query"}', "[]", '"text"'])
def test_an_answer_without_articles_is_not_results(body: str) -> None:
    with pytest.raises(FeedError) as failed:
        parse_results("gdelt", gdelt(body), "g")
    assert failed.value.kind == "not_feed"


def test_articles_without_a_usable_url_are_left_out() -> None:
    body = ('{"articles": [{"url": "https://example.org/a", "title": "A", '
            '"seendate": "20301231T120000Z"}, {"url": "javascript:x"}, {"title": "no url"}, 7]}')
    (item,) = parse_results("gdelt", gdelt(body), "g")
    assert item.url == "https://example.org/a" and item.published is not None
