"""What makes an item the same item wherever it comes from: its canonical URL and ids.

Cheap to import (the standard library only): stages and the runtime ask for an id
without loading grouping's numerical machinery.
"""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from feeds.base import Item

TRACKING_PARAMS = frozenset(
    {"fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "_ga", "_gl", "igshid",
     "ref", "ref_src", "cmpid", "ocid", "smid", "yclid", "twclid", "s_cid", "spm",
     "amp", "outputtype", "__twitter_impression", "ito", "cmp", "soc_src", "soc_trk"}
)
DEFAULT_PORTS = {"http": 80, "https": 443}
_TWO_LEVEL_SUFFIXES = frozenset({"co", "com", "org", "net", "gov", "ac", "edu"})


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
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return url.strip()  # not a web address: kept as given
    host = (parts.hostname or "").lower()
    path = _canonical_path(parts.path or "/")
    if host.endswith(".cdn.ampproject.org"):  # Google's AMP cache: /c/s/<host>/<path>
        segments = path.split("/")
        if len(segments) > 3 and segments[1] == "c":
            secure = segments[2] == "s"
            rest = segments[3:] if secure else segments[2:]
            return canonical_url(f"{'https' if secure else 'http'}://{'/'.join(rest)}")
    host = host.removeprefix("amp.")
    netloc = host if port in (None, DEFAULT_PORTS.get(scheme)) else f"{host}:{port}"
    query = sorted(
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith("utm_") and k.lower() not in TRACKING_PARAMS
    )
    return urlunsplit((scheme, netloc, path, urlencode(query), ""))


def _canonical_path(path: str) -> str:
    """Without trailing slashes and AMP markers (`/amp`, `.amp`, `/amp/…`), to a fixpoint."""
    while True:
        before = path
        if len(path) > 1:
            path = path.rstrip("/") or "/"
        for suffix in ("/amp", ".amp"):
            if path.endswith(suffix) and len(path) > len(suffix):
                path = path[: -len(suffix)]
        if path.startswith("/amp/"):
            path = path[4:]
        if path == before:
            return path


def site(url: str) -> str:
    """The registrable domain, near enough: `www.nytimes.com` → `nytimes.com`."""
    host = (urlsplit(url).hostname or "").lower().removeprefix("amp.")
    if not host or host.replace(".", "").isdigit() or ":" in host:  # an address is its own site
        return host
    labels = host.split(".")
    keep = 3 if len(labels) > 2 and len(labels[-1]) == 2 and labels[-2] in _TWO_LEVEL_SUFFIXES \
        else 2
    return ".".join(labels[-keep:])


def item_url(item: Item) -> str:
    """The item's canonical URL; the page's own canonical link counts on the same site."""
    own = item.canonical_url
    if own and own.startswith(("http://", "https://")) and site(own) == site(item.url):
        return canonical_url(own)
    return canonical_url(item.url)


def stable_id(*parts: str, length: int = 16) -> str:
    """A short hex id that the same parts always give (SHA-256 of the parts, joined)."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:length]
