"""Every channel kind: one config model and one builder line each.

`ChannelConfig` is a union discriminated on `kind`, so a config error names the fields
of the kind that was asked for.
"""

from __future__ import annotations

from typing import Annotated, assert_never

from pydantic import Field

from alerts.base import Channel, ChannelContext
from alerts.console import ConsoleChannel, ConsoleConfig
from alerts.email import EmailChannel, EmailConfig
from alerts.slack import SlackChannel, SlackConfig
from alerts.webhook import WebhookChannel, WebhookConfig

AnyChannelConfig = ConsoleConfig | EmailConfig | SlackConfig | WebhookConfig
ChannelConfig = Annotated[AnyChannelConfig, Field(discriminator="kind")]
CHANNEL_KINDS = ("console", "email", "slack", "webhook")


def build_channel(config: AnyChannelConfig, context: ChannelContext) -> Channel:
    match config:
        case ConsoleConfig():
            return ConsoleChannel(config, context)
        case EmailConfig():
            return EmailChannel(config, context)
        case SlackConfig():
            return SlackChannel(config, context)
        case WebhookConfig():
            return WebhookChannel(config, context)
        case _:
            assert_never(config)
