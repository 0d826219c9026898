"""Repairs to feed bytes that parsers would otherwise read wrongly or crash on.

Pure functions of bytes or text, shared by the feed parsers:

- a character reference to a character XML forbids (`&#xD800;`, `&#0;`) becomes U+FFFD,
  since parsers either keep it as bytes that cannot be decoded later (lxml) or as a
  lone surrogate that cannot be encoded (feedparser);
- a UTF-8 feed with a few corrupt bytes is read as UTF-8 with those bytes replaced,
  rather than the whole document being decoded in another charset (mojibake in every
  title).
"""

from __future__ import annotations

import re

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
