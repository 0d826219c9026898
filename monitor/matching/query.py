"""The query language of `query` and `exclude`: parsed with lark into a small tree.

    "Doe v. Twitter" OR (Twitter AND (lawsuit OR sued) AND NOT "Twitter Spaces")
    litigat*            trailing wildcard
    Twitter NEAR/10 lawsuit      both words within 10 words, either order
    title:Twitter  text:"child sexual abuse"  source:reuters      field scope
    Twitter lawsuit     implicit AND

Operators are upper case (`AND`, `OR`, `NOT`, `NEAR/n`); lower-case `and`/`or` are
ordinary words. Terms go through the same normaliser as documents. A docket number
(`3:21-cv-00485`, `21-cv-485`) is a term of its own that matches every spelling.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Literal

from lark import Lark, Token, Transformer, UnexpectedCharacters, UnexpectedEOF, UnexpectedInput
from lark import Tree as LarkTree
from lark.exceptions import UnexpectedToken, VisitError

from feeds.docket_numbers import DocketNumber, parse_docket_number
from monitor.text.normalise import clean, tokens

Field = Literal["title", "text", "source"]
MAX_QUERY_CHARS = 4000
MAX_DEPTH = 40
MAX_NEAR = 200

_GRAMMAR = r"""
?start: or_expr
?or_expr: and_expr (_OR and_expr)*
?and_expr: not_expr (_AND? not_expr)*
?not_expr: _NOT not_expr -> negation
         | near_expr
?near_expr: atom (NEAR atom)*
?atom: "(" or_expr ")"
     | FIELD atom -> scoped
     | PHRASE -> phrase
     | WORD -> word
_OR: "OR"
_AND: "AND"
_NOT: "NOT"
NEAR.2: /NEAR\/[0-9]+/
FIELD.3: /(title|text|source):/i
PHRASE: /"[^"\n]*"/
WORD: /[^\s()"]+/
%ignore /\s+/
"""
_PARSER = Lark(_GRAMMAR, parser="lalr", maybe_placeholders=False)
_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"',
                         "\u00bb": '"'})
_EXPECTED_NAMES = {
    "WORD": "a term", "PHRASE": '"a phrase"', "LPAR": '"("', "RPAR": '")"', "_OR": "OR",
    "_AND": "AND", "_NOT": "NOT", "NEAR": "NEAR/n", "FIELD": "title:/text:/source:",
    "$END": "the end of the query",
}


class QuerySyntaxError(ValueError):
    """A query that cannot be parsed; `column` is 1-based."""

    def __init__(self, message: str, column: int | None = None) -> None:
        where = f"at column {column}: " if column else ""
        super().__init__(f"{where}{message}")
        self.column = column


@dataclass(frozen=True, slots=True)
class Term:
    """A word, a phrase (several words in a row) or a prefix (`litigat*`)."""

    words: tuple[str, ...]
    raw: str = dataclasses.field(compare=False)
    prefix: bool = False
    field: Field | None = None
    docket: DocketNumber | None = dataclasses.field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class And:
    parts: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    parts: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not:
    part: Node


@dataclass(frozen=True, slots=True)
class Near:
    left: Node
    right: Node
    distance: int


Node = Term | And | Or | Not | Near


def make_term(text: str, *, phrase: bool = False, field: Field | None = None) -> Term:
    """A term from its query spelling; raises QuerySyntaxError when nothing is left of it."""
    raw = text
    prefix = not phrase and text.endswith("*")
    if prefix:
        text = text.rstrip("*")
    if not phrase and "*" in text:
        raise QuerySyntaxError(f'only a trailing wildcard is supported: "{raw}"')
    if not phrase and not prefix:
        docket = parse_docket_number(text)
        if docket is not None:
            return Term(words=tuple(tokens(clean(text))), raw=raw, field=field, docket=docket)
    words = tuple(tokens(clean(text)))
    if not words:
        raise QuerySyntaxError(f"{raw!r} has no letters or digits to search for")
    if prefix and (len(words) != 1 or len(words[0]) < 3):
        raise QuerySyntaxError(f'a wildcard needs at least 3 letters before "*": "{raw}"')
    return Term(words=words, raw=raw, prefix=prefix, field=field)


def _flatten(kind: type[And] | type[Or], parts: list[Node]) -> Node:
    flat: list[Node] = []
    for part in parts:
        flat.extend(part.parts if isinstance(part, kind) else (part,))
    return flat[0] if len(flat) == 1 else kind(tuple(flat))


def _scope(node: Node, scope: Field) -> Node:
    match node:
        case Term():
            if node.field and node.field != scope:
                raise QuerySyntaxError(f"{node.field}: inside {scope}: cannot match anything")
            return Term(node.words, node.raw, node.prefix, scope, node.docket)
        case And(parts) | Or(parts):
            return type(node)(tuple(_scope(p, scope) for p in parts))
        case Not(part):
            return Not(_scope(part, scope))
        case Near(left, right, distance):
            return Near(_scope(left, scope), _scope(right, scope), distance)


class _Build(Transformer[Token, Node]):
    def word(self, children: list[Token]) -> Node:
        return make_term(str(children[0]))

    def phrase(self, children: list[Token]) -> Node:
        return make_term(str(children[0])[1:-1], phrase=True)

    def scoped(self, children: list[Token | Node]) -> Node:
        name = str(children[0]).rstrip(":").lower()
        return _scope(children[1], name)  # type: ignore[arg-type]

    def negation(self, children: list[Node]) -> Node:
        return Not(children[0])

    def and_expr(self, children: list[Node]) -> Node:
        return _flatten(And, children)

    def or_expr(self, children: list[Node]) -> Node:
        return _flatten(Or, children)

    def near_expr(self, children: list[Node | Token]) -> Node:
        node = children[0]
        for op, right in zip(children[1::2], children[2::2], strict=True):
            distance = int(str(op).split("/")[1])
            if not 1 <= distance <= MAX_NEAR:
                raise QuerySyntaxError(f"NEAR distance must be 1 to {MAX_NEAR}, not {distance}")
            node = Near(node, right, distance)  # type: ignore[arg-type]
        return node  # type: ignore[return-value]


def _depth(text: str) -> int:
    depth = deepest = 0
    for char in text:
        depth += (char == "(") - (char == ")")
        deepest = max(deepest, depth)
    return deepest


def _expected(names: set[str]) -> str:
    shown = sorted({_EXPECTED_NAMES.get(n, n) for n in names if not n.startswith("__")})
    return ", ".join(shown) if shown else "something else"


def parse_query(text: str) -> Node:
    """Query text → tree; raises QuerySyntaxError with a column and what was expected."""
    text = text.translate(_QUOTES)
    if not text.strip():
        raise QuerySyntaxError("the query is empty")
    if len(text) > MAX_QUERY_CHARS:
        raise QuerySyntaxError(f"the query is longer than {MAX_QUERY_CHARS} characters")
    if _depth(text) > MAX_DEPTH:
        raise QuerySyntaxError(f"parentheses nested deeper than {MAX_DEPTH}")
    try:
        tree = _PARSER.parse(text)
        node = _Build().transform(tree) if isinstance(tree, LarkTree) else _Build().word([tree])
    except VisitError as exc:
        if isinstance(exc.orig_exc, QuerySyntaxError):
            raise exc.orig_exc from None
        raise
    except UnexpectedCharacters as exc:
        pos = exc.pos_in_stream
        char = text[pos] if pos is not None and pos < len(text) else ""
        what = "an unclosed quote" if char == '"' else f"unexpected {char!r}"
        raise QuerySyntaxError(f"{what}; expected {_expected(exc.allowed)}", exc.column) from None
    except UnexpectedEOF as exc:
        raise QuerySyntaxError(
            f"the query ends too early; expected {_expected(set(exc.expected))}", len(text) + 1
        ) from None
    except UnexpectedToken as exc:
        found = "the end" if exc.token.type == "$END" else f'"{exc.token}"'
        column = exc.column if isinstance(exc.column, int) and exc.column > 0 else 0
        if exc.token.type == "$END" or not column:
            column = len(text.rstrip()) + 1
        raise QuerySyntaxError(f"unexpected {found}; expected {_expected(exc.expected)}",
                               column) from None
    except UnexpectedInput as exc:  # any other lark complaint
        raise QuerySyntaxError(str(exc).splitlines()[0]) from None
    if isinstance(node, Not):
        raise QuerySyntaxError("a query cannot be only NOT …; add what it should find")
    return node


def format_query(node: Node, top: bool = True) -> str:
    """The tree written back as query text (parses to the same tree)."""
    match node:
        case Term():
            if node.docket is not None:
                body = node.raw
            elif node.prefix:
                body = node.words[0] + "*"
            elif len(node.words) == 1:
                body = node.words[0]
                if body in ("and", "or", "not") or body.startswith("near"):
                    body = f'"{body}"'
            else:
                body = '"' + " ".join(node.words) + '"'
            return f"{node.field}:{body}" if node.field else body
        case And(parts):
            text = " AND ".join(format_query(p, False) for p in parts)
            return text if top else f"({text})"
        case Or(parts):
            text = " OR ".join(format_query(p, False) for p in parts)
            return text if top else f"({text})"
        case Not(part):
            return f"NOT {format_query(part, False)}"
        case Near(left, right, distance):
            # NEAR binds tighter than NOT: a negated side keeps its parentheses
            sides = [f"({format_query(side)})" if isinstance(side, Not) else
                     format_query(side, False) for side in (left, right)]
            text = f"{sides[0]} NEAR/{distance} {sides[1]}"
            return text if top else f"({text})"
