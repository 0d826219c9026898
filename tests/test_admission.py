"""Admission to the worker pool, oldest poll first (monitor.runtime.admission), and the poll
ranks the daemon gives its polls' work."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from monitor.runtime.admission import OldestFirst, poll_rank
from tests.conftest import FakeClock
from tests.servers import LoopbackServer, Response, rss
from tests.test_pipeline import make_app, polled_feed


class Gate:
    """Work that runs until the test lets it finish, recording who ran and how many ran
    at once."""

    def __init__(self) -> None:
        self.started: list[str] = []
        self.running = 0
        self.most = 0
        self._release: dict[str, asyncio.Event] = {}

    def work(self, name: str, fail: bool = False):
        self._release[name] = asyncio.Event()

        async def run() -> str:
            self.started.append(name)
            self.running += 1
            self.most = max(self.most, self.running)
            try:
                await self._release[name].wait()
                if fail:
                    raise RuntimeError(name)
                return name
            finally:
                self.running -= 1

        return run

    def finish(self, name: str) -> None:
        self._release[name].set()


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


def test_waiting_work_is_admitted_lowest_rank_first_then_in_arrival_order() -> None:
    async def scenario() -> list[str]:
        admission, gate = OldestFirst(1), Gate()
        first = asyncio.create_task(admission.run(5, gate.work("busy")))
        await settle()
        waiting = [asyncio.create_task(admission.run(rank, gate.work(name)))
                   for rank, name in ((3, "c1"), (1, "a1"), (2, "b1"), (1, "a2"), (3, "c2"))]
        await settle()
        assert gate.started == ["busy"]  # one slot, taken
        for name in ("busy", "a1", "a2", "b1", "c1", "c2"):
            gate.finish(name)
            await settle()
        await asyncio.gather(first, *waiting)
        return gate.started

    assert asyncio.run(asyncio.wait_for(scenario(), 10)) == ["busy", "a1", "a2", "b1", "c1", "c2"]


def test_no_more_than_the_slots_run_at_once_and_a_later_call_does_not_overtake() -> None:
    async def scenario() -> tuple[int, list[str]]:
        admission, gate = OldestFirst(2), Gate()
        tasks = [asyncio.create_task(admission.run(1, gate.work(f"w{n}"))) for n in range(6)]
        await settle()
        assert gate.started == ["w0", "w1"]
        gate.finish("w0")
        await settle()
        # a freed slot goes to the waiter, not to a call that arrives at that moment
        late = asyncio.create_task(admission.run(1, gate.work("late")))
        await settle()
        assert gate.started == ["w0", "w1", "w2"]
        for name in ("w1", "w2", "w3", "w4", "w5", "late"):
            gate.finish(name)
            await settle()
        await asyncio.gather(*tasks, late)
        return gate.most, gate.started

    most, started = asyncio.run(asyncio.wait_for(scenario(), 10))
    assert most == 2
    assert started == ["w0", "w1", "w2", "w3", "w4", "w5", "late"]


def test_cancelled_and_failed_work_give_their_slot_back() -> None:
    async def scenario() -> list[str]:
        admission, gate = OldestFirst(1), Gate()
        busy = asyncio.create_task(admission.run(1, gate.work("busy", fail=True)))
        await settle()
        gone = asyncio.create_task(admission.run(1, gate.work("gone")))
        handed = asyncio.create_task(admission.run(2, gate.work("handed")))
        last = asyncio.create_task(admission.run(3, gate.work("last")))
        await settle()
        gone.cancel()  # cancelled while it waits: never runs
        await settle()
        gate.finish("busy")
        await asyncio.sleep(0)  # "busy" fails, and hands its slot to "handed"...
        handed.cancel()  # ...which is cancelled before it could start: it passes it on
        await settle()
        with pytest.raises(RuntimeError):
            await busy
        for task in (gone, handed):
            with pytest.raises(asyncio.CancelledError):
                await task
        gate.finish("last")
        assert await last == "last"
        # every slot is free again: a new call runs at once
        again = asyncio.create_task(admission.run(9, gate.work("again")))
        await settle()
        assert gate.started[-1] == "again"
        gate.finish("again")
        await again
        return gate.started

    assert asyncio.run(asyncio.wait_for(scenario(), 10)) == ["busy", "last", "again"]


def test_a_pool_needs_a_slot() -> None:
    with pytest.raises(ValueError):
        OldestFirst(0)


def page(title: str) -> Response:
    return Response(200, (
        f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
        f"<p>{title}. The complaint in Doe v. Acme was filed in federal court on Monday, "
        "and the judge set a hearing for next month, the parties said.</p></article>"
        "</body></html>").encode(), {"Content-Type": "text/html"})


def test_each_poll_ranks_its_pages_and_later_polls_rank_after_it(
        tmp_path: Path, clock: FakeClock, server: LoopbackServer,
        aio: asyncio.Runner) -> None:
    for feed in ("early", "later"):
        items = [{"title": f"Doe v. Acme {feed} story {n}", "link": server.url(f"/{feed}/{n}"),
                  "text": "Doe v. Acme."} for n in range(3)]
        server.route(f"/{feed}.xml", rss(items))
        for n in range(3):
            server.route(f"/{feed}/{n}", page(f"Doe v. Acme {feed} story {n}"))
    app = make_app(tmp_path, clock, *(polled_feed(name, server.url(f"/{name}.xml"), extract=True)
                                      for name in ("early", "later")))
    seen: dict[str, set[int]] = {"early": set(), "later": set()}
    extract = app.pipeline.extractor

    async def recording(body: bytes, url: str, *args: bool):
        seen[url.split("/")[-2]].add(poll_rank.get())
        return await extract(body, url, *args)

    app.pipeline.extractor = recording
    try:
        reports, _ = aio.run(app.run_once())
        assert [r.new for r in reports] == [3, 3]
        (early,), (later,) = seen["early"], seen["later"]  # one rank for a poll's pages
        assert 0 < early < later  # in the order the polls began
        aio.run(app.run_once())  # (nothing new: nothing extracted)
        clock.advance(minutes=5)
        server.route("/early/9", page("Doe v. Acme early story 9"))
        server.route("/early.xml", rss([{"title": "Doe v. Acme early story 9",
                                         "link": server.url("/early/9"), "text": "x"}]))
        seen["early"].clear()
        aio.run(app.run_once())
        assert min(seen["early"]) > later  # a new round ranks after the last
    finally:
        aio.run(app.aclose())
