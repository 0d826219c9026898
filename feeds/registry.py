"""Every source kind: one config model and one builder line each."""

from __future__ import annotations

from typing import assert_never

from feeds.base import Source
from feeds.rss import FeedConfig, FeedSource

AnySourceConfig = FeedConfig
# With one kind there is no union to discriminate; the Literal `kind` still validates.
SourceConfig = AnySourceConfig
SOURCE_KINDS = ("feed",)


def build_source(config: AnySourceConfig) -> Source:
    match config:
        case FeedConfig():
            return FeedSource(config)
        case _:
            assert_never(config)
