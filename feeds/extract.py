"""Article extraction with trafilatura: main text, title, date and site name.

`extract_article` is a pure function of bytes, so it can run in a worker process.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import trafilatura

MAX_HTML_BYTES = 3_000_000


@dataclass(frozen=True, slots=True)
class Extracted:
    text: str
    title: str
    date: datetime | None
    site_name: str
    canonical_url: str


def extract_article(html: bytes, url: str) -> Extracted | None:
    """Main text and metadata of an article page, or None when nothing usable is found."""
    if not html or len(html) > MAX_HTML_BYTES:
        return None
    try:
        doc = trafilatura.bare_extraction(
            html,  # bytes: trafilatura reads the page's declared or detected encoding
            url=url,
            with_metadata=True,
            include_comments=False,
            include_tables=False,
            favor_precision=True,
        )
    except Exception:  # trafilatura raises assorted errors on hostile markup
        return None
    if doc is None:
        return None
    data = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    text = (data.get("text") or "").strip()
    if len(text) < 40:
        return None
    date = None
    if data.get("date"):
        try:
            date = datetime.fromisoformat(str(data["date"])).replace(tzinfo=UTC)
        except ValueError:
            date = None
    return Extracted(
        text=text,
        title=(data.get("title") or "").strip(),
        date=date,
        site_name=(data.get("sitename") or "").strip(),
        canonical_url=(data.get("url") or "").strip(),
    )
