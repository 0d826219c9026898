"""How times, steps and links are said on a page (and in `casewatch status`)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from alerts.base import EVENT_LABELS

# what XML 1.0 cannot hold at all: an Atom feed leaves these out of outside text
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def ago(when: datetime | str | None, now: datetime) -> str:
    """'3 min ago', 'in 2 h', or '—'."""
    if when is None:
        return "—"
    if isinstance(when, str):
        try:
            parsed = datetime.fromisoformat(when)
        except ValueError:
            return when
        when = parsed
    delta = now - when
    future = delta < timedelta(0)
    seconds = abs(delta.total_seconds())
    if seconds < 90:
        text = f"{int(seconds)} s"
    elif seconds < 5400:
        text = f"{int(seconds // 60)} min"
    elif seconds < 172800:
        text = f"{int(seconds // 3600)} h"
    else:
        text = f"{int(seconds // 86400)} days"
    return f"in {text}" if future else f"{text} ago"


def day(when: str | None) -> str:
    """An ISO date-time as its day, '2021-01-20'; '' for none."""
    return (when or "")[:10]


def step_label(event: str | None, *, filing: bool = False) -> str:
    """A development's step as the alerts word it; with no step, 'filing' for one a
    docket entry began and 'news' for one an article began."""
    if event is None:
        return "filing" if filing else "news"
    return EVENT_LABELS.get(event, event)


def safe_url(url: str | None) -> str:
    """A link from outside, if it is one a page may point to (http or https); else ''."""
    if not url:
        return ""
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return ""
    return url.strip() if scheme in ("http", "https") else ""


def xml_text(text: str | None) -> str:
    """Outside text without the characters XML cannot carry."""
    return _NOT_XML.sub("", text or "")
