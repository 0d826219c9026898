"""Every source kind: one config model and one builder line each.

`SourceConfig` is a union discriminated on `kind`, so a config error names the fields
of the kind that was asked for.
"""

from __future__ import annotations

from typing import Annotated, assert_never

from pydantic import Field

from feeds.base import Offload, Source
from feeds.courtlistener import CourtListenerConfig, CourtListenerSource
from feeds.docket_page import DocketPageConfig, DocketPageSource
from feeds.pacer import PacerConfig, PacerSource
from feeds.rss import FeedConfig, FeedSource

AnySourceConfig = FeedConfig | PacerConfig | CourtListenerConfig | DocketPageConfig
SourceConfig = Annotated[AnySourceConfig, Field(discriminator="kind")]
SOURCE_KINDS = ("feed", "pacer_rss", "courtlistener", "docket_page")


def build_source(config: AnySourceConfig, *, offload: Offload | None = None) -> Source:
    """The source for a config; `offload` runs CPU-bound parsing away from the event loop."""
    match config:
        case FeedConfig():
            return FeedSource(config, offload=offload)
        case PacerConfig():
            return PacerSource(config)
        case CourtListenerConfig():
            return CourtListenerSource(config)
        case DocketPageConfig():
            return DocketPageSource(config)
        case _:
            assert_never(config)
