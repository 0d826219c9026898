"""A loopback "internet" of many feeds, article pages and a webhook, in its own process.

Feeds are the real bodies of the bench data, each served by several feeds spread over
many hosts (127.0.1.x: one listening socket per host, so per-host limits apply as on
the web), with ETag and Last-Modified. One host is slow (every answer waits), one
fails (503s and dropped connections). `Farm.change` adds new items to feeds; each new
item links an article page (127.0.2.x) made from a real page of the bench data with a
share of its words changed, so that no two articles are copies of each other. The
webhook host records when each alert arrives.

Runs in a separate process so that serving costs the benchmarked process nothing
but the cores it shares.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import re
import threading
import time
from dataclasses import dataclass
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

FEED_HOSTS = 20
PAGE_HOSTS = 4
SLOW_SECONDS = 2.0
SLOW_SHARE = 50  # one feed in 50 lives on the slow host
FAILING_SHARE = 50  # and one in 50 on the failing host


@dataclass(frozen=True, slots=True)
class NewItem:
    guid: str
    title: str
    link: str
    published: float  # epoch seconds
    summary: str


# ---- feed bodies ---------------------------------------------------------------------


def _rss_item(item: NewItem) -> str:
    return (f"<item><title>{escape(item.title)}</title><link>{escape(item.link)}</link>"
            f'<guid isPermaLink="false">{escape(item.guid)}</guid>'
            f"<pubDate>{formatdate(item.published, usegmt=True)}</pubDate>"
            f"<description>{escape(item.summary)}</description></item>\n")


def _atom_entry(item: NewItem) -> str:
    when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(item.published))
    return (f"<entry><title>{escape(item.title)}</title><link href={quoteattr(item.link)}/>"
            f"<id>{escape(item.guid)}</id><updated>{when}</updated>"
            f"<summary>{escape(item.summary)}</summary></entry>\n")


def _rdf_item(item: NewItem) -> str:
    return (f"<item rdf:about={quoteattr(item.link)}><title>{escape(item.title)}</title>"
            f"<link>{escape(item.link)}</link>"
            f"<description>{escape(item.summary)}</description></item>\n")


def _first(body: bytes, *needles: bytes) -> int:
    found = [i for n in needles if (i := body.find(n)) >= 0]
    return min(found) if found else -1


def changeable(body: bytes) -> bool:
    head = body[:200].lower()
    return not (head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"utf-16" in head)


def inject(body: bytes, items: list[NewItem]) -> bytes:
    """The body with `items` added before its first item (or at the end of its channel)."""
    if not items or not changeable(body):
        return body
    if b"<rdf:RDF" in body[:2000]:
        make, first, end = _rdf_item, _first(body, b"<item ", b"<item>"), body.rfind(b"</rdf:RDF")
    elif re.search(rb"<feed[\s>]", body[:4000]):
        make, first, end = _atom_entry, _first(body, b"<entry>", b"<entry "), body.rfind(b"</feed")
    else:
        make, first, end = _rss_item, _first(body, b"<item>", b"<item "), \
            body.rfind(b"</channel")
    at = first if first >= 0 else end
    if at < 0:
        return body
    added = "".join(make(item) for item in items).encode()
    return body[:at] + added + body[at:]


# ---- article pages -------------------------------------------------------------------

_TEXT = re.compile(rb">([^<]+)<")
_WORD = re.compile(r"(?<![&#\w])([^\W\d_]{4,})")
_CANONICAL = re.compile(rb"<(?:link|meta)\b[^>]*(?:canonical|og:url)[^>]*>", re.IGNORECASE)


def article_page(html: bytes, number: int) -> bytes:
    """A real page with about a third of its longer words reversed, differently for
    each number, and its canonical links dropped: an article of the same shape and
    size that is no copy of any other."""
    salt = number.to_bytes(4, "big")

    def word(m: re.Match[str]) -> str:
        w = m.group(1)
        h = hashlib.blake2b(w.encode(), digest_size=1, key=salt).digest()[0]
        return w[::-1] if h < 85 else w

    def text(m: re.Match[bytes]) -> bytes:
        chunk = m.group(1).decode("utf-8", "surrogateescape")
        return b">" + _WORD.sub(word, chunk).encode("utf-8", "surrogateescape") + b"<"

    return _TEXT.sub(text, _CANONICAL.sub(b"", html))


# ---- the server process --------------------------------------------------------------


class _State:
    def __init__(self, bodies: list[bytes], feeds: int, pages: Path) -> None:
        self.bodies = bodies
        self.feeds = feeds
        self.pages = pages
        self.added: dict[int, list[NewItem]] = {}
        self.current: dict[int, tuple[bytes, str, str]] = {}
        self.validators = True
        self.hooks: list[tuple[float, str]] = []
        self.requests = 0
        self.lock = threading.Lock()

    def feed(self, n: int) -> tuple[bytes, str, str]:
        found = self.current.get(n)
        if found is None:
            body = inject(self.bodies[n % len(self.bodies)], self.added.get(n, []))
            etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
            found = (body, etag, formatdate(1_700_000_000 + len(self.added.get(n, [])),
                                           usegmt=True))
            self.current[n] = found
        return found


def _handler(state: _State, role: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # headers and body go out in two writes: with Nagle's algorithm the body waits
        # for the client's delayed ACK of the headers, 40 ms on every response
        disable_nagle_algorithm = True

        def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None,
                  ) -> None:
            self.send_response(status)
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if body:
                self.wfile.write(body)

        def do_GET(self) -> None:
            state.requests += 1
            if role == "slow":
                time.sleep(SLOW_SECONDS)
            if role == "failing":
                n = int(re.sub(r"\D", "", self.path) or 0)
                if n % 2:
                    self.close_connection = True
                    self.connection.close()
                    return
                self._send(503, b"unavailable", {"Retry-After": "1"})
                return
            if role == "pages":
                try:
                    body = (state.pages / self.path.rsplit("/", 1)[-1]).read_bytes()
                except OSError:
                    self._send(404)
                    return
                self._send(200, body, {"Content-Type": "text/html; charset=utf-8"})
                return
            found = re.fullmatch(r"/feeds/(\d+)\.xml", self.path)
            if found is None:
                self._send(404)
                return
            with state.lock:
                body, etag, modified = state.feed(int(found.group(1)))
            if not state.validators:
                self._send(200, body, {"Content-Type": "application/xml"})
                return
            headers = {"ETag": etag, "Last-Modified": modified}
            if self.headers.get("If-None-Match") == etag or (
                    self.headers.get("If-None-Match") is None
                    and self.headers.get("If-Modified-Since") == modified):
                self._send(304, b"", headers)
                return
            self._send(200, body, {"Content-Type": "application/xml", **headers})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            with state.lock:
                state.hooks.append((time.time(), self.headers.get("Idempotency-Key", "")))
            self._send(200, b"ok")

        def log_message(self, format: str, *args: object) -> None:
            return

    return Handler


def feed_host(n: int) -> str:
    if n % SLOW_SHARE == SLOW_SHARE - 1:
        return "127.0.1.250"
    if n % FAILING_SHARE == FAILING_SHARE // 2:
        return "127.0.1.251"
    return f"127.0.1.{1 + n % FEED_HOSTS}"


def _serve(conn: Connection, feeds: int, pages: Path) -> None:
    state = _State(conn.recv(), feeds, pages)
    hosts = {f"127.0.1.{h}": "feeds" for h in range(1, FEED_HOSTS + 1)}
    hosts |= {"127.0.1.250": "slow", "127.0.1.251": "failing", "127.0.3.1": "hook"}
    hosts |= {f"127.0.2.{h}": "pages" for h in range(1, PAGE_HOSTS + 1)}
    ports: dict[str, int] = {}
    for host, role in hosts.items():
        server = ThreadingHTTPServer((host, 0), _handler(state, role))
        server.daemon_threads = True
        server.request_queue_size = 256
        threading.Thread(target=server.serve_forever, daemon=True).start()
        ports[host] = server.server_address[1]
    conn.send(ports)
    while True:
        command, arg = conn.recv()
        if command == "stop":
            return
        with state.lock:
            if command == "change":
                for n, items in arg.items():
                    state.added.setdefault(n, []).extend(items)
                    state.current.pop(n, None)
                conn.send(len(arg))
            elif command == "validators":
                state.validators = arg
                conn.send(arg)
            elif command == "hooks":
                conn.send(list(state.hooks))
            elif command == "cpu":
                import resource

                usage = resource.getrusage(resource.RUSAGE_SELF)
                conn.send(usage.ru_utime + usage.ru_stime)


class Farm:
    """The farm's process, driven through a pipe."""

    def __init__(self, bodies: list[bytes], feeds: int, pages: Path) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        # the bodies go through the pipe: a process's arguments stay referenced by it
        self.process = context.Process(target=_serve, args=(child, feeds, pages), daemon=True)
        self.process.start()
        self._conn.send(bodies)
        self.ports: dict[str, int] = self._conn.recv()
        self.feeds = feeds
        self.pid = self.process.pid

    def _ask(self, command: str, arg: Any = None) -> Any:
        self._conn.send((command, arg))
        return self._conn.recv()

    def feed_url(self, n: int) -> str:
        host = feed_host(n)
        return f"http://{host}:{self.ports[host]}/feeds/{n}.xml"

    def page_url(self, k: int) -> str:
        host = f"127.0.2.{1 + k % PAGE_HOSTS}"
        return f"http://{host}:{self.ports[host]}/a/{k}.html"

    @property
    def hook_url(self) -> str:
        return f"http://127.0.3.1:{self.ports['127.0.3.1']}/hook"

    def change(self, added: dict[int, list[NewItem]]) -> None:
        self._ask("change", added)

    def validators(self, on: bool) -> None:
        self._ask("validators", on)

    def hooks(self) -> list[tuple[float, str]]:
        return self._ask("hooks")

    def cpu(self) -> float:
        return self._ask("cpu")

    def close(self) -> None:
        self._conn.send(("stop", None))
        self.process.join(5)
        if self.process.is_alive():
            self.process.terminate()
