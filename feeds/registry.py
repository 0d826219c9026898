"""Every source kind: one config model and one builder line each.

`SourceConfig` is a union discriminated on `kind`, so a config error names the fields
of the kind that was asked for.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, assert_never

from pydantic import Field

from feeds.base import Offload, Source
from feeds.courtlistener import CourtListenerConfig, CourtListenerSource
from feeds.docket_page import DocketPageConfig, DocketPageSource
from feeds.newssearch import NewsSearchConfig, NewsSearchSource
from feeds.pacer import PacerConfig, PacerSource
from feeds.rss import FeedConfig, FeedSource

AnySourceConfig = (FeedConfig | PacerConfig | CourtListenerConfig | DocketPageConfig
                   | NewsSearchConfig)
SourceConfig = Annotated[AnySourceConfig, Field(discriminator="kind")]
SOURCE_KINDS = ("feed", "pacer_rss", "courtlistener", "docket_page", "news_search")


def build_source(config: AnySourceConfig, *, offload: Offload | None = None,
                 queries: Mapping[str, Sequence[str]] | None = None) -> Source:
    """The source for a config; `offload` runs CPU-bound parsing away from the event loop;
    `queries` are each case's searches in the provider's syntax (news searches only)."""
    match config:
        case FeedConfig():
            return FeedSource(config, offload=offload)
        case PacerConfig():
            return PacerSource(config)
        case CourtListenerConfig():
            return CourtListenerSource(config)
        case DocketPageConfig():
            return DocketPageSource(config)
        case NewsSearchConfig():
            return NewsSearchSource(config, queries or {})
        case _:
            assert_never(config)
