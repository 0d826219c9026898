"""Admission to the worker pool: the oldest poll's work first.

A round polls 32 sources side by side, and each hands its feed and article pages to the
same two workers. Handed over as they come, they share the workers evenly, so every
poll of a busy round finishes near its end and its alerts wait for the slowest: in a
burst nearly every alert leaves only when the whole round is done. Admitted oldest poll
first, a poll's pages go ahead of those of polls begun after it:
the workers do the same work in the same time, and each poll's alerts leave as soon as
its own pages are done (bench/bench_farm.py's "to webhook" column shows when they
arrive).

`OldestFirst(slots).run(rank, work)` runs `work()` once fewer than `slots` calls are
running and no waiting call has a lower rank (rank: the order the poll began in, ties
in arrival order). A slot freed is handed straight to the next waiter, so a call
admitted later cannot overtake it; a waiter cancelled before or after its turn came
gives its turn on.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import TypeVar

T = TypeVar("T")

# the rank of the poll the current task works for: set when the poll begins, inherited by
# the tasks it starts (each article's extraction)
poll_rank: ContextVar[int] = ContextVar("casewatch_poll_rank", default=0)


class OldestFirst:
    def __init__(self, slots: int) -> None:
        if slots < 1:
            raise ValueError("at least one slot")
        self._free = slots
        self._waiting: list[tuple[int, int, asyncio.Future[None]]] = []
        self._arrivals = itertools.count()

    async def run(self, rank: int, work: Callable[[], Awaitable[T]]) -> T:
        if self._free > 0:  # (never while a call waits: a freed slot goes to the next waiter)
            self._free -= 1
        else:
            turn = asyncio.get_running_loop().create_future()
            heapq.heappush(self._waiting, (rank, next(self._arrivals), turn))
            try:
                await turn
            except asyncio.CancelledError:
                if turn.done() and not turn.cancelled():
                    self._release()  # the turn came as this call was cancelled: pass it on
                raise
        try:
            return await work()
        finally:
            self._release()

    def _release(self) -> None:
        while self._waiting:
            _, _, turn = heapq.heappop(self._waiting)
            if not turn.done():  # (a cancelled waiter's turn is done already)
                turn.set_result(None)
                return
        self._free += 1
