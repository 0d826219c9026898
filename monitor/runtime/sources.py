"""A configured source made into a `Source`: what the daemon polls and `check` describes.

Apart from `monitor.runtime.app` so that `casewatch check` builds its news searches
without loading the daemon's machinery.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from feeds.newssearch import NewsSearchConfig, NewsSearchSource
from feeds.registry import AnySourceConfig, build_source
from monitor.matching.search import provider_query_text

if TYPE_CHECKING:
    from feeds.base import Offload, Source
    from monitor.config import Settings


def source_for(settings: Settings, config: AnySourceConfig,
               offload: Offload | None = None) -> Source:
    """The source for a config; a news search gets each of its cases' queries in its
    provider's syntax."""
    queries = None
    if isinstance(config, NewsSearchConfig):
        queries = {case.id: provider_query_text(case, config.provider)
                   for case in settings.cases if config.covers(case.id)}
    return build_source(config, offload=offload, queries=queries)


def round_warning(settings: Settings, source: Source) -> str:
    """For a news search whose round over its cases takes longer than its window,
    what to do (`NewsSearchSource.round_warning`); "" for any other source."""
    if not isinstance(source, NewsSearchSource):
        return ""
    interval = settings.source(source.id).interval or settings.service.default_interval
    return source.round_warning(interval)
