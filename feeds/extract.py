"""Article extraction with trafilatura: main text, title, date and site name.

`extract_article` is a pure function of bytes, so it can run in a worker process.
trafilatura and htmldate are imported by the functions that use them (a worker has them
loaded before its first page): the daemon's own process, which only hands pages to its
workers and reads back `Extracted`, does not load them.

The page is parsed once. The main text comes from trafilatura's own extractor with
`fast` (no second opinion from readability and jusText) and `favor_precision`, and
again without `fast` when that finds less than a short article (on the bench pages, 1 in
10; it recovers every page the fast pass misses); of the
metadata, only what casewatch uses is read (title, canonical URL, site name, date),
with trafilatura's own functions and precedence, and the date search (htmldate, the
costliest part) and the title search run only when the feed did not give them.
trafilatura's elements are made by a class lookup done in C, and its expressions test
ids and classes with regular expressions only on elements that have them: the same
results, fewer instructions per page.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from html import unescape
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lxml.html import HtmlElement

# what a worker loads before its first page (monitor.runtime.workers)
HEAVY_MODULES = ("trafilatura", "trafilatura.metadata", "trafilatura.settings",
                 "trafilatura.utils", "htmldate")
MAX_HTML_BYTES = 3_000_000
MIN_TEXT = 40
SHORT_TEXT = 500  # below this, trafilatura's fallback extractors get a say too

log = logging.getLogger(__name__)
logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
logging.getLogger("htmldate").setLevel(logging.CRITICAL)


@dataclass(frozen=True, slots=True)
class Extracted:
    text: str
    title: str
    date: datetime | None
    site_name: str
    canonical_url: str


@dataclass(frozen=True, slots=True)
class Metadata:
    title: str
    url: str
    site_name: str
    date: datetime | None


def page_metadata(tree: HtmlElement, url: str, *, want_title: bool = True,
                  want_date: bool = True) -> Metadata:
    """Title, canonical URL, site name and date as trafilatura's `extract_metadata` finds
    them (meta tags, then JSON-LD, then the page), reading only these four fields."""
    from htmldate import find_date
    from trafilatura.metadata import (
        META_URL,
        examine_meta,
        extract_meta_json,
        extract_sitename,
        extract_title,
        extract_url,
    )
    from trafilatura.settings import set_date_params

    found = examine_meta(tree)
    try:
        found = extract_meta_json(tree, found)
    except Exception:  # trafilatura's JSON-LD reader has its own bugs
        pass
    title = found.title or (extract_title(tree) if want_title else None)
    canonical = found.url or extract_url(tree, url)
    site = found.sitename or extract_sitename(tree)
    if site:
        site = site.lstrip("@")
        if site and "." not in site and not site[0].isupper():
            site = site.title()
    elif canonical and (domain := META_URL.match(canonical)):
        site = domain[1]
    date = None
    if want_date:
        params = set_date_params(True)
        params["url"] = canonical
        date = _date(find_date(tree, **params))
    return Metadata(title=_clean(title), url=_clean(canonical), site_name=_clean(site),
                    date=date)


def _clean(value: str | None) -> str:
    """trafilatura's last touch on each metadata field: cut, entities, spaces."""
    from trafilatura.utils import line_processing

    if not value:
        return ""
    if len(value) > 10000:
        value = value[:9999] + "\u2026"
    return line_processing(unescape(value)) or ""


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    except ValueError:
        return None


def main_text(tree: HtmlElement, url: str, *, fast: bool) -> str:
    """trafilatura's main text of a parsed page (the tree is copied, not changed)."""
    import trafilatura

    doc = trafilatura.bare_extraction(tree, url=url, fast=fast, favor_precision=True,
                                      include_comments=False, include_tables=False)
    return (getattr(doc, "text", None) or "").strip() if doc is not None else ""


@cache
def _elements_made_in_c() -> None:
    """trafilatura's parser makes the Python object of each element it touches (about
    2,000 a page) through lxml.html's class lookup, a Python method that gives forms,
    inputs, selects, text areas and labels classes of their own. A lookup done in C gives
    every element lxml.html's HtmlElement: trafilatura uses none of those classes' own
    methods, and extracts the same text from every bench page, 4% faster."""
    from lxml import etree
    from lxml.html import HtmlComment, HtmlElement, HtmlEntity, HtmlProcessingInstruction
    from trafilatura.utils import HTML_PARSER

    HTML_PARSER.set_element_class_lookup(etree.ElementDefaultClassLookup(
        element=HtmlElement, comment=HtmlComment, pi=HtmlProcessingInstruction,
        entity=HtmlEntity))


# `re:test(@id, 'pattern')`, `re:test(@id|@class, 'pattern', 'i')` in an XPath expression
_REGEX_TEST = re.compile(r"re:test\((@[\w-]+(?:\|@[\w-]+)*),\s*'([^']*)'(?:,\s*'([a-z]*)')?\)")
_REGEX_NS = {"re": "http://exslt.org/regular-expressions"}


def guard_regex_tests(path: str) -> str:
    """An XPath expression whose EXSLT regular expression tests run only on elements that
    have the attribute: `(@class and re:test(@class, 'nav'))`. lxml runs each test in
    Python's re, called back from C, whether or not the attribute exists (it then tests
    an empty string). A test whose pattern cannot match an empty string is false without
    the attribute either way, so the guarded expression selects the same elements; a
    pattern that can match one is left as it is."""

    def guarded(test: re.Match[str]) -> str:
        attributes, pattern, flags = test.group(1), test.group(2), test.group(3) or ""
        if re.search(pattern, "", re.IGNORECASE if "i" in flags else 0) is not None:
            return test.group(0)
        return f"(({attributes}) and {test.group(0)})"

    return _REGEX_TEST.sub(guarded, path)


def guard_expressions(modules: Iterable[ModuleType]) -> int:
    """Swap the modules' XPath expressions that test attributes with regular expressions,
    alone or in lists, for guarded ones (`guard_regex_tests`); an expression met again
    through another module is swapped once, and one whose guarded form does not compile
    is kept as it is. Returns how many were swapped."""
    from lxml.etree import XPath, XPathError

    swapped: dict[int, XPath] = {}  # by the id of the expression replaced
    made: set[int] = set()  # the guarded ones, met again through another module

    def guarded(expression: XPath) -> XPath:
        if id(expression) in made:
            return expression
        if id(expression) not in swapped:
            path = guard_regex_tests(expression.path)
            try:
                new = XPath(path, namespaces=_REGEX_NS) if path != expression.path \
                    else expression
            except XPathError:
                log.warning("extraction: an expression kept unguarded: %.80s", path)
                new = expression
            swapped[id(expression)] = new
            made.add(id(new))
        return swapped[id(expression)]

    for module in modules:
        for attribute, value in list(vars(module).items()):
            if isinstance(value, XPath) and "re:test" in value.path:
                setattr(module, attribute, guarded(value))
            elif isinstance(value, list) and value and all(isinstance(v, XPath) for v in value):
                value[:] = [guarded(v) if "re:test" in v.path else v for v in value]
    return sum(1 for key, new in swapped.items() if id(new) != key)


@cache
def _regex_tests_guarded() -> int:
    """trafilatura's pruning expressions test the id and class of most elements of a page
    with regular expressions (a third of an extraction is spent in them); guarded, they
    skip the elements without those attributes. Done once for every trafilatura module."""
    import trafilatura  # noqa: F401  (all its modules, with their expressions)

    return guard_expressions([module for name, module in list(sys.modules.items())
                              if name.startswith("trafilatura")])


def extract_article(html: bytes, url: str, want_title: bool = True,
                    want_date: bool = True) -> Extracted | None:
    """Main text and metadata of an article page, or None when nothing usable is found.

    `want_title` / `want_date` False: the feed gave them, so the page is not searched
    for them (the extracted title and date are then empty)."""
    from trafilatura.utils import load_html

    if not html or len(html) > MAX_HTML_BYTES:
        return None
    _elements_made_in_c()
    _regex_tests_guarded()
    try:
        # bytes: trafilatura reads the page's declared or detected encoding
        tree = load_html(html)
        if tree is None:
            return None
        meta = page_metadata(tree, url, want_title=want_title, want_date=want_date)
        text = main_text(tree, url, fast=True)
        if len(text) < SHORT_TEXT:  # the fast extractor may have missed the article
            text = max(text, main_text(tree, url, fast=False), key=len)
    except Exception:  # trafilatura raises assorted errors on hostile markup
        return None
    if len(text) < MIN_TEXT:
        return None
    return Extracted(text=text, title=meta.title, date=meta.date, site_name=meta.site_name,
                     canonical_url=meta.url)
