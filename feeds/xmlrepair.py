"""A body strict XML refuses, repaired into the document feedparser's lenient parser reads.

feedparser reads a body its strict parser refuses with its lenient one (`bozo`); the
fast reader (feeds.fastfeed) reads the repaired body strictly and must find the same
text. `repair` mends, in one pass over the bytes, what is common on the web:

- before the root: a BOM, whitespace, and a second or malformed XML declaration are
  dropped, and one well-formed declaration put in their place (feedparser replaces the
  declaration at the very start, and its lenient parser skips any other);
- a control character XML 1.0 forbids (\\x0b, \\x1b...) and a carriage return in text
  are kept, as the lenient parser keeps them: each becomes a character of a private-use
  plane that `restore` turns back after the strict parse;
- an `&` in text is read as the lenient parser (sgmllib) reads it: a reference XML knows
  stays, an HTML 4 entity (with or without its `;`) becomes a character reference, any
  other name is kept as text with a `;` after it (`AT&T ` is `AT&T; `, as feedparser
  has it), and an `&` that starts no name is `&amp;`;
- an `&` in an attribute as the lenient parser reads it there: a reference is kept as
  written, `&amp;` aside;
- whatever follows the root element (a script a CDN appended) is cut.

It gives None where it cannot say what the lenient parser reads (another encoding
declared, a control character inside a tag, text before the root).
"""

from __future__ import annotations

import re
from html.entities import name2codepoint

from feedparser.encodings import RE_XML_DECLARATION, RE_XML_PI_ENCODING

# the private-use character that stands for a control character (or a carriage return)
_PLANE = 0xF0000
_PLANE_BYTES = b"\xf3\xb0\x80"  # UTF-8 of U+F0000...U+F003F
_CONTROLS = bytes([*range(0x00, 0x09), 0x0B, 0x0C, 0x0D, *range(0x0E, 0x20)])
RESTORE = {_PLANE + code: code for code in _CONTROLS}
STAND_INS = re.compile(f"[{chr(_PLANE)}-{chr(_PLANE + 0x1F)}]")
_STAND_IN = {code: chr(_PLANE + code).encode() for code in _CONTROLS}

_BOM = b"\xef\xbb\xbf"
_DECLARATION = re.compile(RE_XML_DECLARATION.pattern.encode())
# the prolog: BOMs, whitespace, declarations (well-formed or not), other instructions
# and comments
_PROLOG = re.compile(rb"(\xef\xbb\xbf|\s+)|(<\?xml(?=[\s?>])[^>]*>)|(<\?.*?\?>|<!--.*?-->)",
                     re.DOTALL | re.IGNORECASE)
# what the pass stops at: a section whose text is kept whole, a character to mend
_MARK = re.compile(rb"<!\[CDATA\[|<!--|[&\x00-\x08\x0b\x0c\r\x0e-\x1f]")
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\r\x0e-\x1f]")
_TEXT_REF = re.compile(rb"&(?:#(?:[0-9]+|[xX][0-9a-fA-F]+);|([A-Za-z][-.A-Za-z0-9]*)(;?))?")
_ATTRIBUTE_REF = re.compile(rb"&(?:#([0-9]+)(;?)|(amp;))?")
_XML_ENTITIES = frozenset({b"amp", b"lt", b"gt", b"quot", b"apos"})
_ROOT = re.compile(rb"<([A-Za-z_][\w:.-]*)")
# elements the lenient parser reads without a content type, so that XML's own references
# stay escaped in their text: `&amp;` in a guid is "&amp;"
_RAW = frozenset({b"guid", b"id", b"link"})
_RAW_REFS = {b"#38": b"amp", b"#x26": b"amp", b"#60": b"lt", b"#x3c": b"lt", b"#62": b"gt",
             b"#x3e": b"gt", b"#x22": b"quot", b"#x27": b"apos"}
_ESCAPE = {ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;"}


class Unrepairable(Exception):
    """The lenient parser's reading of this body is not one a strict parse can give."""


def redeclare(body: bytes) -> bytes | None:
    """The body with the declaration at its start (after a BOM) made well-formed, as
    feedparser makes it before its strict parser reads the body; None without one."""
    body = body.removeprefix(_BOM)
    found = _DECLARATION.match(body)
    if found is None:
        return None
    try:
        return _declaration(body) + body[found.end():]
    except Unrepairable:
        return None


def _declaration(body: bytes) -> bytes:
    """The declaration a repaired body starts with: feedparser reads the encoding of a
    declaration at the very start (after a BOM) and no other, UTF-8 by default."""
    found = RE_XML_PI_ENCODING.match(body.removeprefix(_BOM))
    if found is None:
        return b'<?xml version="1.0"?>'
    if found.group(1).lower() not in (b"utf-8", b"utf8"):
        raise Unrepairable("an encoding other than UTF-8")
    return b'<?xml version="1.0" encoding="utf-8"?>'


def _prolog(body: bytes) -> tuple[list[bytes], int]:
    """The instructions and comments to keep before the root, and where the root is."""
    kept, at = [], 0
    while True:
        found = _PROLOG.match(body, at)
        if found is None:
            break
        if found.group(3):
            kept.append(found.group(3))
        at = found.end()
    if _ROOT.match(body, at) is None:
        raise Unrepairable("text before the root")
    return kept, at


def _text_ref(found: re.Match[bytes], *, raw: bool) -> bytes:
    name = found.group(1)
    if name is None:
        # a character reference, or an `&` that starts no name
        ref = found.group(0)
        if raw and ref[1:-1].lower() in _RAW_REFS:
            return b"&amp;" + _RAW_REFS[ref[1:-1].lower()] + b";"
        return ref if len(ref) > 1 else b"&amp;"
    if name in _XML_ENTITIES:
        return (b"&amp;" if raw else b"&") + name + b";"
    code = name2codepoint.get(name.decode("ascii"))
    return f"&#{code};".encode() if code else b"&amp;" + name + b";"


def _attribute_ref(found: re.Match[bytes]) -> bytes:
    """The lenient parser keeps a reference in an attribute as it is written (a decimal
    one with its `;`), whatever it names, but for `&amp;`."""
    number = found.group(1)
    if found.group(3):
        return found.group(0)
    if number is None:
        return b"&amp;" + found.group(0)[1:]
    if number in (b"34", b"39") and found.group(2):
        # it puts a quote there before it reads the tag
        raise Unrepairable("a quote by reference in an attribute")
    return b"&amp;#" + number + b";"


def _mend(body: bytes, start: int) -> list[bytes]:
    """The pieces of the body from the root on, mended."""
    out: list[bytes] = []
    at = start
    for found in _MARK.finditer(body, start):
        where = found.start()
        if where < at:
            continue  # inside a section already copied
        mark = found.group(0)
        if mark in (b"<![CDATA[", b"<!--"):
            close = body.find(b"]]>" if mark == b"<![CDATA[" else b"-->", where)
            end = len(body) if close < 0 else close + 3
            section = body[where:end]
            # kept in a CDATA section; a comment is dropped, and any stand-in will do
            section = _CONTROL.sub(_stand_in, section)
            if mark == b"<![CDATA[" and _raw(body, body.rfind(b"<", start, where)) and \
                    re.search(rb"[&<>]", section):
                # the lenient parser escapes the section's text, and there it stays
                text = section[9:-3].decode("utf-8", "replace")
                section = text.translate(_ESCAPE).translate(_ESCAPE).encode()
            out += (body[at:where], section)
            at = end
            continue
        opened = body.rfind(b"<", start, where)
        in_tag = opened > body.rfind(b">", start, where)
        if mark == b"&":
            if in_tag:
                tag_end = body.find(b">", where)
                tag_end = len(body) if tag_end < 0 else tag_end
                out += (body[at:where], _ATTRIBUTE_REF.sub(_attribute_ref, body[where:tag_end]))
                at = tag_end
            else:
                ref = _TEXT_REF.match(body, where)
                assert ref is not None
                out += (body[at:where], _text_ref(ref, raw=_raw(body, opened)))
                at = ref.end()
        elif in_tag:
            if mark != b"\r":
                raise Unrepairable("a control character inside a tag")
        else:
            out += (body[at:where], _STAND_IN[mark[0]])
            at = where + 1
    out.append(body[at:])
    return out


def _raw(body: bytes, opened: int) -> bool:
    """Whether the element opened at `opened` is one read without a content type."""
    name = _ROOT.match(body, opened) if opened >= 0 else None
    return name is not None and name.group(1).rpartition(b":")[2].lower() in _RAW


def _stand_in(found: re.Match[bytes]) -> bytes:
    return _STAND_IN[found.group(0)[0]]


def repair(body: bytes) -> tuple[bytes, bool] | None:
    """The body as feedparser's lenient parser reads it, in a form strict XML reads, and
    whether it stands in for control characters (see `RESTORE`); None where it cannot
    tell. Bytes in UTF-8."""
    if _PLANE_BYTES in body:
        return None  # the stand-ins would not be told from the text
    try:
        declaration = _declaration(body)
        kept, start = _prolog(body)
        pieces = _mend(body, start)
    except Unrepairable:
        return None
    mended = b"".join(pieces)
    stood_in = _PLANE_BYTES in mended
    root = _ROOT.match(mended)
    assert root is not None
    close = b"</" + root.group(1) + b">"
    end = mended.rfind(close) + len(close)
    if end > len(close) and mended[end:].strip():
        mended = mended[:end]
    return declaration + b"".join(kept) + mended, stood_in
