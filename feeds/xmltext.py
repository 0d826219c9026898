"""Repairs to feed bytes that parsers would otherwise read wrongly or crash on.

Pure functions of bytes or text, shared by the feed parsers:

- a character reference to a character XML forbids (`&#xD800;`, `&#0;`) becomes U+FFFD,
  since parsers either keep it as bytes that cannot be decoded later (lxml) or as a
  lone surrogate that cannot be encoded (feedparser);
- a UTF-8 feed with a few corrupt bytes is read as UTF-8 with those bytes replaced,
  rather than the whole document being decoded in another charset (mojibake in every
  title);
- for a strict XML parser, HTML's named entities become character references and
  whatever follows the root element is cut (`as_strict_xml`), so that a document
  feedparser reads only with its lenient parser reads the same strictly.
"""

from __future__ import annotations

import re
from html.entities import name2codepoint

_CHAR_REF = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));")
_CHAR_REF_BYTES = re.compile(_CHAR_REF.pattern.encode())
_DECLARED = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([^\"']*)[\"']")
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def allowed_in_xml(code: int) -> bool:
    """Whether XML 1.0 allows the character with this code point."""
    return (code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF
            or 0xE000 <= code <= 0xFFFD or 0x10000 <= code <= 0x10FFFF)


def _code(found: re.Match[str] | re.Match[bytes]) -> int:
    hexa, decimal = found.group(1), found.group(2)
    return int(hexa, 16) if hexa else int(decimal)


def mend_char_refs(text: str) -> str:
    """Character references to characters XML forbids → U+FFFD; the others unchanged."""
    if "&#" not in text:
        return text
    return _CHAR_REF.sub(
        lambda found: found.group(0) if allowed_in_xml(_code(found)) else "\ufffd", text)


def mend_char_refs_bytes(body: bytes) -> bytes:
    """`mend_char_refs` for undecoded bytes (the reference is ASCII in any charset a
    feed uses, except UTF-16, whose references this leaves alone)."""
    if b"&#" not in body:
        return body
    return _CHAR_REF_BYTES.sub(
        lambda found: found.group(0) if allowed_in_xml(_code(found)) else b"&#xFFFD;", body)


def mend_utf8(body: bytes) -> bytes:
    """A body that is UTF-8 apart from a few corrupt bytes → valid UTF-8, each corrupt
    sequence replaced by U+FFFD. Anything else comes back unchanged, so a feed in
    Windows-1252 or ISO-8859-1 is still decoded by its parser's own sniffing.

    UTF-8 is assumed when the body declares UTF-8 or nothing, and holds at least one
    valid multi-byte sequence for every four corrupt ones: text in a single-byte charset
    almost never forms valid UTF-8 sequences, so there nearly every non-ASCII byte is
    corrupt.
    """
    try:
        body.decode("utf-8")
        return body
    except UnicodeDecodeError:
        pass
    if body.startswith(_UTF16_BOMS):
        return body
    declared = _DECLARED.match(body)
    if declared and declared.group(1).strip().lower() not in (b"utf-8", b"utf8"):
        return body
    text = body.decode("utf-8", errors="replace")
    corrupt = text.count("\ufffd")
    multibyte = sum(1 for char in text if char > "\x7f") - corrupt
    return text.encode("utf-8") if multibyte * 4 > corrupt else body


# CDATA sections and comments are skipped whole: an entity there is text
# (one left open runs to the end, so that the scan stays linear in the body)
_NAMED_ENTITY = re.compile(
    rb"<!\[CDATA\[.*?(?:\]\]>|\Z)|<!--.*?(?:-->|\Z)|&([A-Za-z][A-Za-z0-9]{0,31});", re.DOTALL)
_XML_ENTITIES = frozenset({b"amp", b"lt", b"gt", b"quot", b"apos"})
_ROOT = re.compile(rb"(?:\s|<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>)*<([A-Za-z_][\w:.-]*)", re.DOTALL)


def _entity(found: re.Match[bytes]) -> bytes:
    name = found.group(1)
    if name is None or name in _XML_ENTITIES:
        return found.group(0)
    code = name2codepoint.get(name.decode("ascii"))
    # a name HTML 4 does not know stays text, as feedparser's lenient parser keeps it
    return f"&#{code};".encode() if code else b"&amp;" + name + b";"


def as_strict_xml(body: bytes) -> bytes:
    """A body with HTML's named entities (`&nbsp;`, `&eacute;`) as character references,
    and without what follows its root element (a script a CDN appended), as feedparser's
    lenient parser reads such a document. Bytes in an ASCII-compatible charset."""
    if b"&" in body:
        body = _NAMED_ENTITY.sub(_entity, body)
    root = _ROOT.match(body)
    if root is not None:
        close = b"</" + root.group(1) + b">"
        end = body.rfind(close) + len(close)
        if end > len(close) and body[end:].strip():
            body = body[:end]
    return body
