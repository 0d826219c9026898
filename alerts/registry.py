"""Every channel kind: one config model and one builder line each."""

from __future__ import annotations

from typing import assert_never

from alerts.base import Channel, ChannelContext
from alerts.console import ConsoleChannel, ConsoleConfig

AnyChannelConfig = ConsoleConfig
# With one kind there is no union to discriminate; the Literal `kind` still validates.
ChannelConfig = AnyChannelConfig
CHANNEL_KINDS = ("console",)


def build_channel(config: AnyChannelConfig, context: ChannelContext) -> Channel:
    match config:
        case ConsoleConfig():
            return ConsoleChannel(config, context)
        case _:
            assert_never(config)
