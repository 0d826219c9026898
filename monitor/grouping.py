"""Identity of items and grouping into developments.

`canonical_url` strips what makes one article look like many (case, ports,
fragments, tracking parameters). `Grouper.assign` decides whether a matched item
starts a development or joins one; this first version starts one per item.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from feeds.base import Item
from monitor.config import CaseConfig
from monitor.matching import Match
from monitor.store import NewDevelopment, Store

TRACKING_PARAMS = frozenset(
    {"fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "_ga", "_gl", "igshid",
     "ref", "ref_src", "cmpid", "ocid", "smid", "yclid", "twclid", "s_cid", "spm"}
)
DEFAULT_PORTS = {"http": 80, "https": 443}


def canonical_url(url: str) -> str:
    """A stable form of an article URL: the same article gives the same string."""
    if not url:
        return ""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return url.strip()
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    netloc = host if port in (None, DEFAULT_PORTS.get(scheme)) else f"{host}:{port}"
    query = sorted(
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith("utm_") and k.lower() not in TRACKING_PARAMS
    )
    path = parts.path or "/"
    if len(path) > 1 and path.endswith("/"):
        path = path.rstrip("/")
    return urlunsplit((scheme, netloc, path, urlencode(query), ""))


def stable_id(*parts: str, length: int = 16) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:length]


@dataclass(frozen=True, slots=True)
class Decision:
    role: Literal["development", "update", "duplicate"]
    development_id: str
    new_development: NewDevelopment | None = None
    possibly_related_to: str | None = None


class Grouper:
    def __init__(self, store: Store) -> None:
        self._store = store

    def assign(
        self, case: CaseConfig, item: Item, item_id: int, match: Match, now: datetime
    ) -> Decision:
        dev_id = "dev-" + stable_id(case.id, item.source_id, item.guid, length=12)
        return Decision(
            role="development",
            development_id=dev_id,
            new_development=NewDevelopment(
                id=dev_id, case_id=case.id, event=None, headline=item.title
            ),
        )
