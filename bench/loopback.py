"""A loopback "internet" for benchmarks: real feeds and article pages served on 127.0.0.1.

The data lives outside the repository (`../shared/bench-data/` by default, or
$CASEWATCH_BENCH_DATA); benchmarks that cannot find it say so and exit.
"""

from __future__ import annotations

import hashlib
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def corpora() -> Path:
    """Where the shared labelled corpora are (`CASEWATCH_CORPORA` to move them)."""
    return Path(os.environ.get("CASEWATCH_CORPORA", ROOT.parent / "shared" / "corpora"))


def bench_data_path() -> Path:
    """Where the shared bench data are (`CASEWATCH_BENCH_DATA` to move them)."""
    return Path(os.environ.get("CASEWATCH_BENCH_DATA", ROOT.parent / "shared" / "bench-data"))


def bench_data() -> Path:
    """The shared bench data; the benchmark ends with a message when they are absent."""
    path = bench_data_path()
    if not (path / "feeds").is_dir():
        sys.exit(f"bench data not found at {path} (set CASEWATCH_BENCH_DATA)")
    return path


@contextmanager
def serve(files: dict[str, tuple[bytes, str]]) -> Iterator[str]:
    """Serve path → (body, content type) with ETags and 304s; yields the base URL."""
    etags = {p: '"' + hashlib.sha1(body).hexdigest()[:16] + '"' for p, (body, _) in files.items()}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            found = files.get(self.path)
            if found is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body, kind = found
            if self.headers.get("If-None-Match") == etags[self.path]:
                self.send_response(304)
                self.send_header("ETag", etags[self.path])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("ETag", etags[self.path])
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def feed_files(data: Path) -> dict[str, tuple[bytes, str]]:
    return {f"/feeds/{p.name}": (p.read_bytes(), "application/xml")
            for p in sorted((data / "feeds").glob("*.xml"))}


def page_files(data: Path) -> dict[str, tuple[bytes, str]]:
    return {f"/pages/{p.name}": (p.read_bytes(), "text/html; charset=utf-8")
            for p in sorted((data / "pages").iterdir()) if p.is_file()}


def articles(limit: int = 120) -> list[tuple[str, str]]:
    """(title, main text) of real article pages of the bench data, each over 1.5 KB."""
    import trafilatura

    pages = sorted((bench_data() / "pages").glob("*.html"))[:limit * 2]
    out = []
    for page in pages:
        doc = trafilatura.bare_extraction(page.read_text(errors="replace"), with_metadata=True)
        text = getattr(doc, "text", None) if doc is not None else None
        if text and len(text) > 1500:
            out.append((getattr(doc, "title", "") or "", text))
        if len(out) >= limit:
            break
    return out
