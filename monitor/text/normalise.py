"""Text normalisation shared by queries and documents, so real-world spellings meet.

Both sides go through the same two steps: `clean` (markup, entities, typography,
numbering) and `tokens` (word splitting, accents, case, possessives, `v.`/`vs.`/
`versus`). `Twitter’s`, `TWITTER` and `Twitter, Inc.` meet `twitter`; `#1` and `No. 1`
meet `1`; `anti-trafficking` is `anti trafficking`; `Doe vs. Twitter` is `doe v twitter`.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

_TAG = re.compile(r"<[^<>]{0,2000}>")
_LINE_BREAK_HYPHEN = re.compile(r"(?<=[^\W\d_])-[ \t]*\n\s*(?=[^\W\d_])")
# "No. 1", "no 1", "Nos. 1", "number 1": the numbering word is not a word to compare, so
# "#1" and "No. 1" both leave "1". Decided on tokens, so that "Ñº 1" and "no 1" agree.
_NUMBER_WORDS = frozenset({"no", "nos", "number", "numbers"})
_TYPOGRAPHY = {
    "\u2018": "'", "\u2019": "'", "\u02bc": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-",
    "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u00ad": "", "\u200b": "",
}
_TYPOGRAPHY_CHARS = re.compile("[" + "".join(_TYPOGRAPHY) + "]")
# A word: letters and digits. A possessive 's follows it but is not part of it.
WORD = re.compile(r"([^\W_]+)(?:'[sS](?![^\W_]))?")
_SYNONYMS = {"vs": "v", "versus": "v"}


def clean(text: str) -> str:
    """Markup and typography removed: the text snippets quote and word spans point into."""
    if "<" in text:
        text = _TAG.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    if not text.isascii():
        text = _TYPOGRAPHY_CHARS.sub(lambda m: _TYPOGRAPHY[m.group()], text)
    if "-" in text and "\n" in text:
        text = _LINE_BREAK_HYPHEN.sub("", text)
    return text


@lru_cache(maxsize=16_384)  # the common words; the cache held 20 MB at 100,000
def normal_token(word: str) -> str:
    """One word as both sides compare it: no accents, case-folded."""
    word = word.casefold()
    if not word.isascii():
        word = "".join(
            c for c in unicodedata.normalize("NFKD", word)
            if c.isalnum() and not unicodedata.combining(c)
        ).casefold()
    return _SYNONYMS.get(word, word)


def _all_tokens(text: str) -> list[str]:
    synonyms = _SYNONYMS
    if text.isascii():
        return [synonyms.get(w, w) for w in WORD.findall(text.lower())]
    # most words of a text with an accent somewhere are plain ASCII: lower-cased, as
    # `normal_token` would, without a call and a cache lookup each
    return [normal_token(w) if not w.isascii() else synonyms.get(low := w.lower(), low)
            for w in WORD.findall(text)]


def _numbering(words: list[str]) -> set[int]:
    """Positions of numbering words: "no", "number"... right before a number."""
    last = len(words) - 1
    return {
        i for i, word in enumerate(words)
        if word in _NUMBER_WORDS and i < last and words[i + 1][:1].isdigit()
    }


def tokens(text: str) -> list[str]:
    """The normalised words of already `clean`ed text."""
    words = _all_tokens(text)
    if _NUMBER_WORDS.isdisjoint(words) or not (drop := _numbering(words)):
        return words
    return [word for i, word in enumerate(words) if i not in drop]


def word_spans(text: str) -> list[tuple[int, int]]:
    """The character span in `text` (cleaned) of each word `tokens` returns."""
    spans = [m.span(1) for m in WORD.finditer(text)]
    words = _all_tokens(text)
    if _NUMBER_WORDS.isdisjoint(words) or not (drop := _numbering(words)):
        return spans
    return [span for i, span in enumerate(spans) if i not in drop]


def normalise(text: str) -> str:
    """Raw text → its normalised words joined by single spaces."""
    return " ".join(tokens(clean(text)))


@dataclass(frozen=True, slots=True)
class Words:
    """The normalised words of an article's title and text, computed once and shared
    (grouping and matching read the same words), with the `clean`ed texts they are the
    words of."""

    title: tuple[str, ...]
    body: tuple[str, ...]
    title_text: str = field(default="", compare=False, repr=False)
    body_text: str = field(default="", compare=False, repr=False)

    @classmethod
    def of(cls, title: str, text: str) -> Words:
        title, text = clean(title) if title else "", clean(text) if text else ""
        return cls(tuple(tokens(title)), tuple(tokens(text)), title, text)
