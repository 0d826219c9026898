"""A feed summary's markup as the plain text casewatch keeps, matches and shows.

Every channel escapes outside text for itself, so a summary needs no sanitised HTML: the
text of its markup is what is stored. Scripts, styles and applets lose their contents
(as feedparser's sanitiser drops them), comments go, block elements become a space and
inline ones nothing ("Twit<b>ter</b>" is "Twitter"), entities are decoded and runs of
white space are one space.
"""

from __future__ import annotations

import html
import re
from html.entities import name2codepoint

_DROPPED = re.compile(
    r"<(script|style|applet)\b[^>]*>.*?</\1\s*>|<(?:script|style|applet)\b.*|<!--.*?(?:-->|$)",
    re.IGNORECASE | re.DOTALL)
# a tag, its attribute values quoted or not; a declaration; a processing instruction.
# None of them crosses a "<", so each attempt ends at the next one: linear in the text.
_TAG = re.compile(r"""</?([A-Za-z][\w:.-]*)(?:[^<>"']|"[^"<]*"|'[^'<]*')*>|<![^<>]*>|<\?[^<>]*>""")
# HTML 4's named entities (and XML's &apos;): a name only HTML5 knows ("&colon;") is
# read differently by HTML parsers of different ages, so markup holding one is irregular
_KNOWN_ENTITIES = frozenset(name2codepoint) | {"apos"}
_ENTITY = re.compile(r"&([A-Za-z][A-Za-z0-9]*);")
_INLINE = frozenset({
    "a", "abbr", "acronym", "b", "bdi", "bdo", "big", "cite", "code", "data", "del", "dfn",
    "em", "font", "i", "ins", "kbd", "mark", "q", "s", "samp", "small", "span", "strike",
    "strong", "sub", "sup", "time", "tt", "u", "var", "wbr",
})


def _tag(found: re.Match[str]) -> str:
    name = found.group(1)
    return "" if name is not None and name.lower() in _INLINE else " "


def _without_tags(markup: str) -> str:
    """Scripts, styles, applets and comments dropped; tags a space or nothing."""
    return _TAG.sub(_tag, _DROPPED.sub(" ", markup)) if "<" in markup else markup


def markup_text(markup: str) -> str | None:
    """The text of an HTML fragment, on one line; None when the fragment is not regular
    markup (a `<` outside any tag, or an entity HTML 4 does not name), which an HTML
    parser should read instead."""
    markup = _without_tags(markup)
    if "<" in markup:
        return None
    if "&" in markup:
        if any(name not in _KNOWN_ENTITIES for name in _ENTITY.findall(markup)):
            return None
        markup = html.unescape(markup)
    return " ".join(markup.split())


def text_of(markup: str) -> str:
    """The text of an HTML fragment, on one line, whatever the fragment holds."""
    found = markup_text(markup)
    if found is not None:
        return found
    # irregular markup: every well-formed tag removed, stray brackets kept as text
    return " ".join(html.unescape(_without_tags(markup)).split())


HTML_TYPES = frozenset({"text/html", "application/xhtml+xml", "html", "xhtml"})


def plain(value: str, content_type: str) -> str:
    """A summary feedparser gave with this content type, as plain text."""
    if content_type in HTML_TYPES:
        return text_of(value)
    return " ".join(value.split())
