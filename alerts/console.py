"""`kind = "console"`: prints alerts to standard output (used by the demo)."""

from __future__ import annotations

import sys
from typing import Literal, TextIO

from alerts.base import Alert, ChannelConfigBase, ChannelContext, Delivered
from alerts.render import render_text


class ConsoleConfig(ChannelConfigBase):
    kind: Literal["console"]


class ConsoleChannel:
    def __init__(self, config: ConsoleConfig, context: ChannelContext) -> None:
        self.id = config.id
        self._stream: TextIO | None = context.stream

    def describe(self) -> str:
        return f"console:{self.id}"

    async def send(self, alert: Alert) -> Delivered:
        stream = self._stream or sys.stdout
        text = render_text(alert)
        # Control characters from outside text must not drive the terminal.
        safe = "".join(c if c in "\n\t" or c.isprintable() else "\ufffd" for c in text)
        stream.write(f"=== [{alert.kind}] {alert.case_id} · {alert.id}\n{safe}\n\n")
        stream.flush()
        return Delivered("printed")

    async def aclose(self) -> None:
        return None
