from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from monitor.pipeline import backoff_delay
from monitor.runtime.scheduler import first_run

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


def test_first_run_uses_the_stored_next_poll() -> None:
    rng = random.Random(1)
    later = NOW + timedelta(minutes=7)
    assert first_run(later, NOW, timedelta(minutes=15), rng) == later
    # a next poll in the past runs now, not in a burst of missed runs
    assert first_run(NOW - timedelta(hours=3), NOW, timedelta(minutes=15), rng) == NOW


def test_new_sources_are_spread_over_the_interval() -> None:
    rng = random.Random(2)
    starts = [first_run(None, NOW, timedelta(minutes=15), rng) for _ in range(200)]
    offsets = sorted((s - NOW).total_seconds() for s in starts)
    assert offsets[0] >= 0 and offsets[-1] <= 60
    assert offsets[-1] - offsets[0] > 40  # spread, not a stampede


def test_backoff_is_capped_and_jittered() -> None:
    rng = random.Random(3)
    interval, cap = timedelta(minutes=15), timedelta(hours=6)
    delays = [backoff_delay(interval, n, cap=cap, retry_after=None, rng=rng).total_seconds()
              for n in range(1, 20)]
    assert delays[0] <= 15 * 60 * 1.2
    assert max(delays) <= cap.total_seconds() * 1.2
    assert len({round(d) for d in delays[-5:]}) > 1  # jitter keeps sources apart
    assert backoff_delay(interval, 1, cap=cap, retry_after=5000,
                         rng=rng).total_seconds() >= 5000
