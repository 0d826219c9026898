"""`casewatch demo`: the seed articles served on 127.0.0.1, one pipeline run, alerts printed.

Needs no network: the feed and article pages come from the seed files through a local
HTTP server on an ephemeral port. The seed files are the repository's `seeds/`, installed
as the package `monitor.seeds` and read with importlib.resources: the demo runs the same
from a checkout, a wheel or the container image.
"""

from __future__ import annotations

import asyncio
import html
import os
import sys
import tempfile
import threading
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from alerts.render import entry_label
from feeds.base import DocketEntry
from monitor.config import parse_settings
from monitor.delivery.compose import docket_ref, told
from monitor.matching.dockets import is_routine
from monitor.runtime.app import build_app

SEEDS: Traversable = files("monitor.seeds")


@dataclass(frozen=True, slots=True)
class SeedArticle:
    slug: str
    site: str
    title: str
    published: datetime
    text: str


def load_seed_articles(seeds: Traversable = SEEDS) -> list[SeedArticle]:
    manifest = tomllib.loads((seeds / "articles.toml").read_text(encoding="utf-8"))
    return [
        SeedArticle(
            slug=entry["slug"],
            site=entry["site"],
            title=entry["title"],
            published=datetime.fromisoformat(entry["published"]),
            text=(seeds / "articles" / entry["file"]).read_text(encoding="utf-8"),
        )
        for entry in manifest["articles"]
    ]


def article_html(article: SeedArticle, url: str) -> str:
    paragraphs = "\n".join(
        f"<p>{html.escape(p.strip())}</p>" for p in article.text.split("\n") if p.strip()
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>{html.escape(article.title)}</title>
<link rel="canonical" href="{html.escape(url)}">
<meta property="og:site_name" content="{html.escape(article.site)}">
<meta property="og:title" content="{html.escape(article.title)}">
<meta property="article:published_time" content="{article.published.isoformat()}">
</head><body><header><nav><a href="/">Home</a></nav></header>
<main><article><h1>{html.escape(article.title)}</h1>
{paragraphs}
</article></main><footer><p>© {html.escape(article.site)}</p></footer></body></html>"""


def feed_xml(articles: list[SeedArticle], base: str) -> str:
    items = "\n".join(
        f"""<item><title>{html.escape(a.title)}</title>
<link>{base}/{a.slug}.html</link><guid isPermaLink="true">{base}/{a.slug}.html</guid>
<pubDate>{format_datetime(a.published)}</pubDate>
<description>{html.escape(a.text.strip().split(chr(10))[0][:300])}</description></item>"""
        for a in articles
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Seed news</title><link>{base}/</link>
<description>Coverage of Doe v. Twitter</description>
{items}
</channel></rss>"""


@contextmanager
def serve_seeds(articles: list[SeedArticle], seeds: Traversable = SEEDS) -> Iterator[str]:
    """Serve /feed.xml and /<slug>.html on 127.0.0.1; yields the base URL."""
    pages: dict[str, tuple[str, bytes]] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            found = pages.get(self.path)
            if found is None:
                self.send_error(404)
                return
            kind, body = found
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    pages["/feed.xml"] = ("application/rss+xml; charset=utf-8",
                          feed_xml(articles, base).encode())
    pages["/court/cand.xml"] = ("application/rss+xml; charset=iso-8859-1",
                                (seeds / "court" / "cand.xml").read_bytes())
    for a in articles:
        url = f"{base}/{a.slug}.html"
        pages[f"/{a.slug}.html"] = ("text/html; charset=utf-8", article_html(a, url).encode())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base
    finally:
        server.shutdown()
        server.server_close()


def run_demo(database: Path | None = None, seeds: Traversable = SEEDS) -> int:
    articles = load_seed_articles(seeds)
    with tempfile.TemporaryDirectory(prefix="casewatch-demo-") as tmp, \
            serve_seeds(articles, seeds) as base:
        db = database or Path(tmp) / "demo.db"
        env = {**os.environ, "CASEWATCH_DEMO_DB": str(db),
               "CASEWATCH_DEMO_FEED": f"{base}/feed.xml",
               "CASEWATCH_DEMO_COURT": f"{base}/court/cand.xml"}
        settings = parse_settings((seeds / "demo.toml").read_text(encoding="utf-8"), env)
        print(f"casewatch demo: {len(articles)} seed articles served at {base}/feed.xml\n")
        sys.stdout.flush()

        async def once() -> tuple[dict[str, int], list[str], list[str], int, int]:
            app = build_app(settings, stream=sys.stdout)
            try:
                reports, delivered = await app.run_once()
                lines: list[str] = []
                quiet: list[str] = []
                both = 0
                for dev in app.store.developments():
                    told_by = told(app.store.development_items(dev["id"]))
                    filings: tuple[DocketEntry, ...] = told_by["filings"]
                    outlets = [a.source for a in told_by["also"]]
                    entries = [entry_label(docket_ref(e)) for e in filings]
                    if not outlets and filings and all(is_routine(e) for e in filings):
                        quiet.append(f"  - {', '.join(entries)} (routine: kept, not alerted)")
                        continue
                    both += bool(outlets and filings)
                    parts = [f"court {', '.join(entries)}"] if entries else []
                    if outlets:
                        parts.append(f"{len(outlets)} article(s): {', '.join(outlets)}")
                    event = (dev["event"] or "news").replace("_", " ")
                    lines.append(f"  {len(lines) + 1}. {event}: {'; '.join(parts)}")
                return ({r.source_id: r.new for r in reports}, lines, quiet, both,
                        delivered.sent)
            finally:
                await app.aclose()

        new, lines, quiet, both, sent = asyncio.run(once())
    sides = "each from the court and the press" if lines and both == len(lines) else \
        f"{both} from the court and the press"
    print(f"{new.get('seed-news', 0)} articles and {new.get('seed-court', 0)} court feed "
          f"entries → {len(lines)} developments, {sides}; {sent} alerts sent")
    print("\n".join(lines))
    if quiet:
        print("Filed quietly:")
        print("\n".join(quiet))
    return 0
