"""Logs: one structured event per line, JSON when not on a terminal; secrets masked.

Modules log through the standard `logging` module, with ids as `extra` fields
(`source`, `case`, `alert`, `channel`); structlog renders every record, its own or a
library's, as JSON (for log collectors) or as readable key=value lines on a terminal.
Every configured secret is replaced by `***` in every field before a line is written.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TextIO

from pydantic import BaseModel, SecretStr

if TYPE_CHECKING:
    from structlog.typing import EventDict, WrappedLogger

MASK = "***"


class Secrets:
    """The secret strings of the running config, replaced wherever they show up."""

    def __init__(self) -> None:
        self._values: tuple[str, ...] = ()

    def set(self, values: Iterable[str]) -> None:
        # longest first, so a secret containing another is masked whole
        self._values = tuple(sorted({v for v in values if len(v) >= 4}, key=len, reverse=True))

    def mask(self, text: str) -> str:
        for value in self._values:
            if value in text:
                text = text.replace(value, MASK)
        return text

    def __call__(self, _logger: WrappedLogger, _name: str, event: EventDict) -> EventDict:
        if not self._values:
            return event
        return {key: self.mask(value) if isinstance(value, str) else value
                for key, value in event.items()}


SECRETS = Secrets()


def secret_values(model: BaseModel) -> list[str]:
    """Every SecretStr in a config tree, and the path of a secret URL (Slack's key)."""
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, SecretStr):
            secret = value.get_secret_value()
            found.append(secret)
            if "://" in secret:
                path = secret.split("://", 1)[1].partition("/")[2]
                if len(path) >= 8:
                    found.append(path)
        elif isinstance(value, BaseModel):
            for name in type(value).model_fields:
                walk(getattr(value, name))
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item)

    walk(model)
    return found


def setup_logging(level: int = logging.INFO, stream: TextIO | None = None, *,
                  as_json: bool | None = None) -> None:
    """Route every log record through structlog: JSON off a terminal, readable on one."""
    import structlog

    stream = stream or sys.stderr
    if as_json is None:
        as_json = not stream.isatty()
    shared: list[Any] = [
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.ExtraAdder(),
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: Any = (structlog.processors.JSONRenderer() if as_json
                     else structlog.dev.ConsoleRenderer(colors=False))
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            SECRETS,
            renderer,
        ],
    )
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("httpx", "httpcore", "apscheduler", "trafilatura", "htmldate", "courlan"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
