"""A programmable HTTP server on 127.0.0.1 for tests: feeds, pages, Slack-like receivers."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Response:
    status: int = 200
    body: bytes | str = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering ("hang")
    close: bool = False  # drop the connection without answering
    # a body written piece by piece, without Content-Length, until the client hangs up
    stream: Callable[[], Iterator[bytes]] | None = None
    pause: float = 0.0  # seconds between streamed pieces ("one byte per second")

    def data(self) -> bytes:
        return self.body.encode() if isinstance(self.body, str) else self.body


Handler = Callable[[Request], Response]


class LoopbackServer:
    """Routes by path; every request is recorded in `requests`."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.routes: dict[str, Handler] = {}
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        owner = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                path = self.path
                request = Request(self.command, path, {k.lower(): v for k, v in
                                                       self.headers.items()}, body)
                with owner._lock:
                    owner.requests.append(request)
                handler = owner.routes.get(path) or owner.routes.get(path.split("?")[0])
                response = handler(request) if handler else Response(404, b"not found")
                if response.delay:
                    time.sleep(response.delay)
                if response.close:
                    self.close_connection = True
                    self.connection.close()
                    return
                if response.stream is not None:
                    self._stream(response)
                    return
                data = response.data()
                self.send_response(response.status)
                for key, value in response.headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            def _stream(self, response: Response) -> None:
                self.close_connection = True
                self.send_response(response.status)
                for key, value in response.headers.items():
                    self.send_header(key, value)
                self.send_header("Connection", "close")
                self.end_headers()
                assert response.stream is not None
                try:
                    for piece in response.stream():
                        self.wfile.write(piece)
                        self.wfile.flush()
                        if response.pause:
                            time.sleep(response.pause)
                except OSError:  # the client hung up: what the test wanted
                    return

            do_GET = do_POST = do_HEAD = do_PUT = _serve

            def log_message(self, format: str, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer((host, 0), _Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.base = f"http://{host}:{self.port}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def url(self, path: str) -> str:
        return self.base + path

    def route(self, path: str, handler: Handler | Response | bytes | str,
              content_type: str = "application/xml") -> None:
        if callable(handler):
            self.routes[path] = handler
            return
        response = handler if isinstance(handler, Response) else Response(
            200, handler, {"Content-Type": content_type})
        self.routes[path] = lambda _request: response

    def hits(self, path: str) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.path.split("?")[0] == path.split("?")[0]]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def rss(items: list[dict[str, str]], title: str = "Test feed") -> str:
    """A small RSS 2.0 document; each item dict has title, link, and optional guid, date, text."""
    body = "".join(
        "<item>"
        f"<title>{i['title']}</title><link>{i['link']}</link>"
        f"<guid>{i.get('guid', i['link'])}</guid>"
        + (f"<pubDate>{i['date']}</pubDate>" if "date" in i else "")
        + f"<description>{i.get('text', '')}</description></item>"
        for i in items
    )
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>{title}</title><link>http://example.org/</link>"
            f"<description>t</description>{body}</channel></rss>")
