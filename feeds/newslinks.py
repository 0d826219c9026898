"""The publisher URL behind a news aggregator's link: what can be read locally, and what the
requests to Google need and return. Pure functions, no network.

Three kinds of link reach the feeds:

- Bing News RSS links are redirects, `http://www.bing.com/news/apiclick.aspx?...&url=...`,
  whose `url` parameter is the publisher's URL, percent-encoded: `bing_target` reads it.
- Google News links, `https://news.google.com/rss/articles/<id>?oc=5` (also `/articles/<id>`
  and `/read/<id>`), carry an id (`google_article_id`). An old-style id is the URL-safe
  base64 of a small protobuf message whose string fields are the publisher's URL and, for
  some, its AMP page: `google_decode_local` reads it.
- A new-style id holds only an opaque token (its string starts with "AU_yqL"), and the URL
  takes two requests: the article page `https://news.google.com/rss/articles/<id>` (a GET)
  carries a signature and a timestamp (`google_page_params`), then a POST of
  `google_batchexecute_body` to `GOOGLE_BATCHEXECUTE` answers with the URL
  (`google_batchexecute_url`). A consent or CAPTCHA page in place of the article page has
  no signature, and the link stays undecoded.

This follows the approach of the public decoders, the `googlenewsdecoder` package on PyPI
(SSujitX/google-news-url-decoder) in particular, and builds its batchexecute request the
same way.
"""

from __future__ import annotations

import base64
import binascii
import html as htmllib
import json
import re
from functools import cache
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, quote, urlsplit

if TYPE_CHECKING:
    import lxml.html

GOOGLE_ARTICLE_PAGE = "https://news.google.com/rss/articles/{id}"
GOOGLE_BATCHEXECUTE = "https://news.google.com/_/DotsSplashUi/data/batchexecute"

_ID = re.compile(r"[A-Za-z0-9_-]+={0,2}")
_GOOGLE_PATH = re.compile(r"(?:/__i/rss/rd|/rss)?/(?:articles|read)/([A-Za-z0-9_-]+={0,2})/?")
_OLD_ID_PREFIX = b"\x08\x13\x22"  # field 1 = 19, then field 4 (the URL), length-delimited
_AMP_FIELD = 26  # tag bytes 0xd2 0x01: the AMP page's URL
_NEW_ID_TOKEN = b"AU_yqL"
_AMP_URL = re.compile(r"(?:/amp(?:[/_.?#]|$)|\.amp(?:[/?#]|$)|[?&](?:amp|outputType=amp)\b"
                      r"|[?&]platform=amp\b|_amp(?:[/_.?#]|$))", re.IGNORECASE)
_XSSI = ")]}'"
_MAX_ID = 8192
_MAX_VARINT_BYTES = 10

# The request's fixed context, as the browser client and the public decoders send it.
_GARTURLREQ_CONTEXT: list[object] = [
    ["X", "X", ["X", "X"], None, None, 1, 1, "US:en", None, 1,
     None, None, None, None, None, 0, 1],
    "X", "X", 1, [1, 1, 1], 1, 1, None, 0, 0, None, 0,
]

# The page element that carries the signature; then any element with both attributes;
# then the tags themselves, read by pattern, for a page libxml2 gives up on (nesting past
# 256 levels, a text node over 10 MB: it drops the rest of the page).
_PAGE_SELECTOR = "c-wiz > div[jscontroller]"
_TAG = re.compile(r"<[A-Za-z][^<>]*>")
_SG = re.compile(r"""\sdata-n-a-sg\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""")
_TS = re.compile(r"""\sdata-n-a-ts\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""")


@cache
def _html_parser() -> lxml.html.HTMLParser:
    import lxml.html

    return lxml.html.HTMLParser(encoding="utf-8")


def _web_url(text: str) -> str | None:
    """`text` if it is an absolute http(s) URL with a host and no space or control
    character in it, else None."""
    if not text or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in text):
        return None
    try:
        parts = urlsplit(text)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    return text


def bing_target(url: str) -> str | None:
    """The publisher URL in a Bing News RSS link (`/news/apiclick.aspx?...&url=...`), or
    None for any other link and for one without an http(s) `url` parameter."""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").rstrip(".")
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https"):
        return None
    if host != "bing.com" and not host.endswith(".bing.com"):
        return None
    if parts.path.lower() != "/news/apiclick.aspx":
        return None
    # a link copied out of the feed's XML unescaped keeps its "&amp;"
    query = parts.query.replace("&amp;", "&")
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key.lower() == "url":
            return _web_url(value.strip())
    return None


def google_article_id(url: str) -> str | None:
    """The article id of a Google News link (`/rss/articles/<id>`, `/articles/<id>`,
    `/read/<id>`), or None for any other link."""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").rstrip(".")
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or host != "news.google.com":
        return None
    found = _GOOGLE_PATH.fullmatch(parts.path)
    return found.group(1) if found else None


def _varint(blob: bytes, pos: int) -> tuple[int, int] | None:
    """The base-128 varint at `pos` and the position after it, or None if it runs off the
    end or past ten bytes."""
    value = 0
    for i in range(_MAX_VARINT_BYTES):
        if pos + i >= len(blob):
            return None
        byte = blob[pos + i]
        value |= (byte & 0x7F) << (7 * i)
        if not byte & 0x80:
            return value, pos + i + 1
    return None


def _string_fields(blob: bytes) -> list[tuple[int, bytes]]:
    """The length-delimited fields of a protobuf message, in order, as (field number,
    bytes); reading stops at the first thing that is not a well-formed field."""
    fields: list[tuple[int, bytes]] = []
    pos = 0
    while pos < len(blob):
        tag = _varint(blob, pos)
        if tag is None:
            break
        key, pos = tag
        wire = key & 7
        if wire == 0:
            skipped = _varint(blob, pos)
            if skipped is None:
                break
            pos = skipped[1]
        elif wire == 2:
            size = _varint(blob, pos)
            if size is None:
                break
            length, pos = size
            if pos + length > len(blob):
                break
            fields.append((key >> 3, blob[pos:pos + length]))
            pos += length
        else:
            break
    return fields


def _id_bytes(article_id: str) -> bytes | None:
    text = article_id.strip()
    if not text or len(text) > _MAX_ID or not _ID.fullmatch(text):
        return None
    text = text.rstrip("=")
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        return None


def google_decode_local(article_id: str) -> str | None:
    """The publisher URL an old-style Google News article id carries, or None for a
    new-style id (which needs the requests) and for anything that does not decode.

    An id that carries the AMP page too gives the first URL that is not the AMP one (the
    AMP one only if it is all there is). A message with a new-style token in it gives None,
    whatever else it holds."""
    blob = _id_bytes(article_id)
    if blob is None or not blob.startswith(_OLD_ID_PREFIX):
        return None
    first_amp: str | None = None
    for field, raw in _string_fields(blob):
        if raw.startswith(_NEW_ID_TOKEN):
            return None
        try:
            url = _web_url(raw.decode("utf-8"))
        except UnicodeDecodeError:
            continue
        if url is None:
            continue
        if field != _AMP_FIELD and not _AMP_URL.search(url):
            return url
        first_amp = first_amp or url
    return first_amp


def google_page_params(html: str) -> tuple[str, str] | None:
    """(signature, timestamp) from a Google News article page: the `data-n-a-sg` and
    `data-n-a-ts` attributes of `c-wiz > div[jscontroller]`, or of any one element that
    has both. None when the page has neither (a consent or CAPTCHA page)."""
    if "data-n-a-sg" not in html or "data-n-a-ts" not in html:
        return None
    import lxml.html
    from lxml import etree

    try:
        root = lxml.html.document_fromstring(html.encode("utf-8", "replace"),
                                             parser=_html_parser())
        for node in [*root.cssselect(_PAGE_SELECTOR),
                     *root.xpath("//*[@data-n-a-sg and @data-n-a-ts]")]:
            found = _params(node.get("data-n-a-sg"), node.get("data-n-a-ts"))
            if found:
                return found
    except (etree.LxmlError, ValueError):
        pass
    for tag in _TAG.finditer(html):
        sg, ts = _SG.search(tag.group()), _TS.search(tag.group())
        if sg and ts:
            found = _params(htmllib.unescape(next(filter(None, sg.groups()), "")),
                            htmllib.unescape(next(filter(None, ts.groups()), "")))
            if found:
                return found
    return None


def _params(signature: str | None, timestamp: str | None) -> tuple[str, str] | None:
    signature, timestamp = (signature or "").strip(), (timestamp or "").strip()
    return (signature, timestamp) if signature and timestamp else None


def google_batchexecute_body(article_id: str, timestamp: str, signature: str) -> str:
    """The form body (`application/x-www-form-urlencoded;charset=UTF-8`) to POST to
    `GOOGLE_BATCHEXECUTE` for one article: the `Fbv4je` rpc with a `garturlreq` payload,
    the timestamp a number when it is all digits."""
    stamp: int | str = int(timestamp) if timestamp.isdigit() else timestamp
    payload = ["garturlreq", _GARTURLREQ_CONTEXT, article_id, stamp, signature]
    rpc = ["Fbv4je", json.dumps(payload, separators=(",", ":")), None, "0"]
    return "f.req=" + quote(json.dumps([[rpc]], separators=(",", ":")))


def google_batchexecute_url(body: str) -> str | None:
    """The publisher URL in a batchexecute response (`)]}'`, then JSON: a `wrb.fr` row of
    the `Fbv4je` rpc whose payload is `["garturlres", "<url>", ...]`), or None for an
    error, a refusal or anything malformed."""
    if not isinstance(body, str):
        return None
    text = body.lstrip()
    if text.startswith(_XSSI):
        text = text[len(_XSSI):]
    # one JSON document, or the chunked form: JSON lines between length lines
    for chunk in [text, *text.splitlines()]:
        chunk = chunk.strip()
        if not chunk.startswith("["):
            continue
        try:
            rows = json.loads(chunk)
        except (ValueError, RecursionError):
            continue
        url = _garturlres(rows)
        if url:
            return url
    return None


def _garturlres(rows: object) -> str | None:
    if not isinstance(rows, list):
        return None
    for row in rows:
        if not (isinstance(row, list) and len(row) >= 3 and row[0] == "wrb.fr"
                and row[1] == "Fbv4je" and isinstance(row[2], str)):
            continue
        try:
            payload = json.loads(row[2])
        except (ValueError, RecursionError):
            continue
        if (isinstance(payload, list) and len(payload) >= 2 and payload[0] == "garturlres"
                and isinstance(payload[1], str)):
            url = _web_url(payload[1])
            if url:
                return url
    return None
