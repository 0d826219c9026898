"""A catalogue of hostile feeds, served on 127.0.0.1 by the tests.

Each entry is what a server answers and what casewatch must make of it: either the
items it should still read (with the titles to alert on), or an error of a kind and
with a reason a person can act on. The same catalogue runs through the pipeline one
by one (tests/test_hostile_feeds.py) and all at once through the real daemon.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from tests.servers import Response, rss

CAFE = "Café owner’s suit: Doe v. Acme “settles”"  # é, curly quotes: not in ASCII or Latin-1
CAFE_LATIN1 = "Café owner's suit: Doe v. Acme settles"


@dataclass(frozen=True)
class Hostile:
    response: Response
    titles: tuple[str, ...] = ()  # alerted from this source, in any order
    error_kind: str | None = None
    reason: str = ""  # in the recorded error


def _feed(*titles: str, prefix: str = "h", decl: str = "utf-8") -> str:
    body = rss([{"title": t, "link": f"http://news.invalid/{prefix}/{n}",
                 "text": "Doe v. Acme lawsuit news."} for n, t in enumerate(titles)])
    return body.replace('encoding="utf-8"', f'encoding="{decl}"' if decl else "")


def _gigabyte() -> Iterator[bytes]:
    piece = b"<item><title>x</title></item>" * 2000
    for _ in range((1 << 30) // len(piece) + 1):
        yield piece


def _drip() -> Iterator[bytes]:
    for byte in _feed("Doe v. Acme: the slow news").encode():
        yield bytes([byte])


def _gzip_bomb() -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    return b"".join(packer.compress(bytes(1_000_000)) for _ in range(1000)) + packer.flush()


_LOL = ('<!ENTITY lol "lololololololololol">' + "".join(
    f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">'
    for n in range(1, 10)))
_BOMB = (f'<?xml version="1.0"?><!DOCTYPE rss [{_LOL}]><rss version="2.0"><channel>'
         "<title>&lol9;</title><item><title>Doe v. Acme: &lol9;</title>"
         "<link>http://news.invalid/bomb</link><description>&lol9;</description></item>"
         "</channel></rss>")
_XXE = ('<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        '<rss version="2.0"><channel><title>t</title><item><title>Doe v. Acme: &xxe;</title>'
        "<link>http://news.invalid/xxe</link><description>&xxe;</description></item>"
        "</channel></rss>")
_TWO = ("Doe sues Acme: complaint filed in federal court",
        "Judge rules on Acme motion to dismiss Doe v. Acme")
_FULL = _feed(*_TWO, "Hearing set in Doe v. Acme after discovery dispute")
_TRUNCATED = _FULL[: _FULL.index("Hearing set") + 5]


def _xml(body: str | bytes, content_type: str = "application/rss+xml") -> Response:
    return Response(200, body, {"Content-Type": content_type})


HOSTILE: dict[str, Hostile] = {
    "truncated_xml": Hostile(_xml(_TRUNCATED), titles=_TWO),
    "malformed_xml": Hostile(_xml(_feed(*_TWO).replace("</title>", "</titel>", 1)
                                  .replace("<channel>", "<channel><oops>")), titles=_TWO),
    "undeclared_entities": Hostile(
        _xml(_feed("Caf&eacute; sued &mdash; Doe v. Acme&nbsp;&bogus; filed")),
        titles=("Café sued — Doe v. Acme\xa0&bogus; filed",)),
    "entity_bomb": Hostile(_xml(_BOMB), titles=("Doe v. Acme: &lol9;",)),
    "external_entity": Hostile(_xml(_XXE), titles=("Doe v. Acme:",)),  # and no file read
    "gigabyte_body": Hostile(Response(200, stream=_gigabyte), error_kind="too_large",
                             reason="over the 1000000-byte cap"),
    "gzip_bomb": Hostile(Response(200, _gzip_bomb(), {"Content-Encoding": "gzip",
                                                      "Content-Type": "application/xml"}),
                         error_kind="too_large", reason="cap once decompressed"),
    "one_byte_per_second": Hostile(Response(200, stream=_drip, pause=1.0),
                                   error_kind="timeout", reason="no complete response within 2s"),
    "redirect_loop": Hostile(Response(302, b"", {"Location": "/hostile?again"}),
                             error_kind="http", reason="redirect loop: back to "),
    "windows_1252_declared_utf8": Hostile(_xml(_feed(CAFE).encode("cp1252")), titles=(CAFE,)),
    "windows_1252_undeclared": Hostile(_xml(_feed(CAFE, decl="").encode("cp1252"),
                                            "application/xml"), titles=(CAFE,)),
    "latin1_undeclared": Hostile(_xml(_feed(CAFE_LATIN1, decl="").encode("latin-1"),
                                      "application/xml"), titles=(CAFE_LATIN1,)),
    "latin1_header_utf8_body": Hostile(
        _xml(_feed(CAFE, decl="").encode(), "application/xml; charset=iso-8859-1"),
        titles=(CAFE,)),
    "utf16_with_bom": Hostile(_xml(_feed(CAFE, decl="utf-16").encode("utf-16")),
                              titles=(CAFE,)),
    "utf16_declared_utf8": Hostile(_xml(_feed(CAFE).encode("utf-16")), titles=(CAFE,)),
    "invalid_utf8": Hostile(
        _xml(_feed(CAFE).encode().replace(b"lawsuit news", b"lawsuit \xff\xfe\xc3 news")),
        titles=(CAFE,)),  # only the bad bytes are lost, not every title to mojibake
    "html_instead_of_feed": Hostile(_xml("<!doctype html><html><head><title>Doe v. Acme"
                                         "</title></head><body><p>Maintenance</p></body></html>",
                                         "text/html"), error_kind="not_feed",
                                    reason="not a feed"),
    "empty_200": Hostile(_xml(b""), error_kind="not_feed", reason="not a feed: no feed elements"),
    "future_and_unparsable_dates": Hostile(_xml(rss([
        {"title": "Jury returns verdict in Doe v. Acme trial", "link": "http://news.invalid/f",
         "date": "Fri, 01 Jan 2200 00:00:00 GMT", "text": "Doe v. Acme lawsuit."},
        {"title": "Doe v. Acme ends in settlement, terms confidential",
         "link": "http://news.invalid/u", "date": "the day after tomorrow, 99:99",
         "text": "Doe v. Acme lawsuit."},
    ])), titles=("Jury returns verdict in Doe v. Acme trial",
                 "Doe v. Acme ends in settlement, terms confidential")),
}
