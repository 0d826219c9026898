"""A news search's round goes on past a query the service cannot answer, and sources
searching one provider share its gap. Real searches against a GDELT-shaped server on
127.0.0.1; only the sleep is recorded instead of waited."""

from __future__ import annotations

import asyncio
import json
import random
from urllib.parse import parse_qs, urlsplit

import pytest

from feeds.base import FeedError, PollResult, SourceState
from feeds.fetch import Fetcher
from feeds.newssearch import LIMITS, NewsSearchConfig, NewsSearchSource
from monitor.config import Settings, parse_settings
from monitor.runtime.sources import round_warning, source_for
from tests.conftest import config_toml
from tests.servers import LoopbackServer, Request, Response


class Pauses:
    def __init__(self) -> None:
        self.seconds: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)


def gdelt(server: LoopbackServer, broken: set[str]) -> None:
    """Answers each query with one article of its own; a query in `broken` gets the plain
    text GDELT gives a query it cannot run."""
    def answer(request: Request) -> Response:
        word = parse_qs(urlsplit(request.path).query)["query"][0].split()[0]
        if word in broken:
            return Response(200, "Your search contained a phrase that was too short.",
                            {"Content-Type": "text/plain"})
        rows = [{"url": server.url(f"/{word}"), "title": f"{word} sued",
                 "seendate": "20301231T120000Z"}]
        return Response(200, json.dumps({"articles": rows}),
                        {"Content-Type": "application/json"})
    server.route("/api/v2/doc/doc", answer)


def make(server: LoopbackServer, words: list[str], pauses: Pauses,
         **fields: object) -> NewsSearchSource:
    config = NewsSearchConfig.model_validate({
        "id": "gdelt", "kind": "news_search", "provider": "gdelt", "base_url": server.base,
        **fields})
    return NewsSearchSource(config, {w: [w] for w in words}, sleep=pauses,
                            rng=random.Random(3))


async def _poll(src: NewsSearchSource, state: PollResult | None) -> PollResult:
    fetcher = Fetcher(user_agent="casewatch-test", allow_private=True)
    try:
        return await src.poll(fetcher, SourceState(state=state.state if state else {}))
    finally:
        await fetcher.aclose()


def test_a_query_the_service_cannot_answer_does_not_stop_the_round(
        server: LoopbackServer) -> None:
    gdelt(server, broken={"alpha"})
    src = make(server, ["alpha", "beta", "gamma"], Pauses(), max_requests=2)
    first = asyncio.run(_poll(src, None))  # alpha (broken) and beta
    assert [i.url for i in first.items] == [server.url("/beta")]
    assert "alpha" in first.state["errors"] and first.state["cursor"] == 2
    second = asyncio.run(_poll(src, first))  # gamma, then alpha again
    assert [i.url for i in second.items] == [server.url("/gamma")]
    assert set(second.state["searched"]) == {"beta", "gamma"}


def test_a_poll_whose_every_search_fails_is_the_service_failing(
        server: LoopbackServer) -> None:
    gdelt(server, broken={"alpha", "beta"})
    src = make(server, ["alpha", "beta"], Pauses())
    with pytest.raises(FeedError) as failed:
        asyncio.run(_poll(src, None))
    assert failed.value.kind == "not_feed"


def test_sources_of_one_provider_share_its_gap(server: LoopbackServer) -> None:
    """Two sources searching GDELT in one process (the embedded default beside one of
    the user's): the second's first search waits for what is left of the gap."""
    gdelt(server, broken=set())
    mine, theirs = Pauses(), Pauses()
    one = make(server, ["alpha"], mine)
    two = make(server, ["beta"], theirs)

    async def both() -> None:
        await _poll(one, None)
        await _poll(two, None)

    asyncio.run(both())
    assert mine.seconds == []  # the first request of the process waits for nobody
    (waited,) = theirs.seconds
    assert 0 < waited <= 1.5 * LIMITS["gdelt"].gap


def test_a_round_longer_than_the_window_is_warned_of() -> None:
    """Searched less often than its window reaches back, a case can miss an article."""
    def settings(cases: int) -> Settings:
        return parse_settings(config_toml(
            sources=[{"id": "gdelt", "kind": "news_search", "provider": "gdelt",
                      "interval": "1h", "window": "2d"}],
            cases=[{"id": f"c{n}", "query": f"word{n}"} for n in range(cases)]))

    few, many = settings(6 * 48), settings(6 * 48 + 1)  # GDELT: 6 searches a poll
    assert round_warning(few, source_for(few, few.sources[0])) == ""
    warning = round_warning(many, source_for(many, many.sources[0]))
    assert "289 searches takes 49.0 h" in warning and "48 h window" in warning


def test_an_unreachable_service_ends_the_poll_at_once() -> None:
    """Nothing listens on the discard port: the first search finds the service
    unreachable, and the others are not tried (nor waited for)."""
    pauses = Pauses()
    config = NewsSearchConfig.model_validate({
        "id": "gdelt", "kind": "news_search", "provider": "gdelt",
        "base_url": "http://127.0.0.1:9"})
    src = NewsSearchSource(config, {w: [w] for w in ("alpha", "beta", "gamma")},
                           sleep=pauses, rng=random.Random(3))
    with pytest.raises(FeedError) as failed:
        asyncio.run(_poll(src, None))
    assert failed.value.kind == "offline" and pauses.seconds == []
