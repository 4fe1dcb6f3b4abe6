"""Philomena 1.2's query grammar: tokens -> query tree, with the server's error texts.

The boolean layer is a predictive recursive-descent parser (OR < AND < boost < NOT <
group/term).  Each term is then split into field, range qualifier and value, and the
value is read by the parser of the field's type.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from . import _dates
from ._ast import (
    And,
    Boost,
    Custom,
    Fuzzy,
    MatchAll,
    MatchNone,
    Node,
    Not,
    Or,
    Phrase,
    Predicate,
    Range,
    RangeOp,
    Term,
    Wildcard,
)
from ._errors import QueryError
from ._fields import (
    DEFAULT_FIELD_QUERY_NAME,
    FIELDS,
    NO_DOWNCASE,
    USER_ONLY_FIELDS,
    FieldType,
    IndexName,
    Storage,
    default_storage,
    storage,
)
from ._lexer import Token, lex
from ._text import clean_tag_name

INT32_MIN = -2_147_483_648
INT32_MAX = 2_147_483_647

_INT_LABEL = "a signed integer, like `3' or `-10'"
_FLOAT_LABEL = "a real number, like `2.7182818' or `-10'"
_NUMERIC_LABEL = "a numeric value, like `3' or `10'"
_BOOL_LABEL = "a boolean, like `true' or `false'"

_FIELD_PREFIX = re.compile(r"([a-z0-9_]+)(?:\.(eq|gt|gte|lt|lte))?:")
_EDIT_DISTANCE = re.compile(r"~([0-9]+(?:\.[0-9]+)?)")
_SIGNED_DIGITS = re.compile(r"[+-]?[0-9]*")
_DIGITS = re.compile(r"[0-9]*")
_FILTER_ID_MENTION = re.compile(r"\bfilter_id:(\d+)", re.ASCII)
_ELIXIR_INT = re.compile(r"[+-]?[0-9]+")


@dataclass(slots=True)
class Context:
    """Everything a query needs besides its text."""

    index: IndexName
    now: int
    user_id: int | None = None
    resolve_gallery: Callable[[int], set[int] | None] | None = None
    resolve_filter: Callable[[int], Predicate | None] | None = None
    watched: Predicate | None = None
    in_filter: bool = False
    in_watch: bool = False
    loadable_filters: frozenset[int] = field(default_factory=frozenset)
    #: Philomena master: ``my:`` is a field for everyone, and an anonymous ``my:`` query
    #: is an error instead of a tag literal.
    master: bool = False
    #: Legacy grammar only: booru-on-rails' strict date reading instead of
    #: fancy_searchable's lenient one (``created_at:garbage`` is then an error).
    rails_dates: bool = False


def parse(source: str, ctx: Context) -> Node:
    if ctx.index == "images":
        mentioned = frozenset(
            int(digits) for digits in _FILTER_ID_MENTION.findall(source) if int(digits) <= INT32_MAX
        )
        if mentioned and ctx.in_filter:
            raise QueryError("Filter queries inside filters are not allowed.")
        ctx.loadable_filters = mentioned
    tokens = lex(source)
    if not tokens:
        return MatchNone()
    parser = _Parser(tokens, ctx)
    tree, pos = parser.search_or(0)
    if pos < len(tokens):
        raise QueryError("junk at end of expression: " + "".join(t.text for t in tokens[pos:]))
    return tree


class _Parser:
    def __init__(self, tokens: list[Token], ctx: Context) -> None:
        self.tokens = tokens
        self.ctx = ctx
        fields = dict(FIELDS[ctx.index])
        if ctx.user_id is None and not ctx.master:
            for name in USER_ONLY_FIELDS[ctx.index]:
                del fields[name]
        self.fields: Mapping[str, FieldType] = fields

    def _kind(self, pos: int) -> str | None:
        return self.tokens[pos].kind if pos < len(self.tokens) else None

    def search_or(self, pos: int) -> tuple[Node, int]:
        children: list[Node] = []
        while True:
            child, pos = self.search_and(pos)
            children.append(child)
            if self._kind(pos) != "or":
                break
            pos += 1
        return (children[0] if len(children) == 1 else Or(tuple(children))), pos

    def search_and(self, pos: int) -> tuple[Node, int]:
        children: list[Node] = []
        while True:
            child, pos = self.search_boost(pos)
            children.append(child)
            if self._kind(pos) != "and":
                break
            pos += 1
        return (children[0] if len(children) == 1 else And(tuple(children))), pos

    def search_boost(self, pos: int) -> tuple[Node, int]:
        child, pos = self.search_not(pos)
        if self._kind(pos) == "boost":
            value = self.tokens[pos].number
            if value < 0:
                raise QueryError("Boost value must be non-negative.")
            return Boost(child, value), pos + 1
        return child, pos

    def search_not(self, pos: int) -> tuple[Node, int]:
        if self._kind(pos) == "not":
            child, pos = self.search_group(pos + 1)
            # A negated negation collapses back to its operand.
            return (child.child if isinstance(child, Not) else Not(child)), pos
        return self.search_group(pos)

    def search_group(self, pos: int) -> tuple[Node, int]:
        kind = self._kind(pos)
        if kind == "lparen":
            child, pos = self.search_or(pos + 1)
            if self._kind(pos) != "rparen":
                raise QueryError("Imbalanced parentheses.")
            return child, pos + 1
        if kind == "rparen":
            raise QueryError("Imbalanced parentheses.")
        if kind == "term":
            return self.term(self.tokens[pos].text), pos + 1
        raise QueryError("Expected a term.")

    # --- terms -------------------------------------------------------------------------

    def term(self, text: str) -> Node:
        match = _FIELD_PREFIX.match(text)
        if match is not None and match.group(1) in self.fields:
            name = match.group(1)
            op = match.group(2) or "eq"
            value = text[match.end() :].strip()
            ftype = self.fields[name]
            if ftype == "custom":
                if op != "eq":
                    raise QueryError(f"range specified for {name}")
                return self.custom(name, value)
            found = storage(self.ctx.index, name, ftype)
            assert found is not None
            return self.typed(name, ftype, found, op, value)
        index = self.ctx.index
        ftype = "literal" if index in ("images", "tags", "galleries", "filters") else "ngram"
        return self.typed(
            DEFAULT_FIELD_QUERY_NAME[index], ftype, default_storage(index), "eq", text
        )

    def typed(self, name: str, ftype: FieldType, where: Storage, op: str, value: str) -> Node:
        if ftype in ("literal", "ngram"):
            return self.textual(name, ftype, where, op, value)
        if ftype == "int":
            read, spread = _read_number(value, _INT_LABEL, integer=True)
            center = _clamp(int(read))
            if spread is None:
                return _eq_or_range(where, op, center)
            if op != "eq":
                raise QueryError(f"multiple ranges specified for {name}")
            low, high = _clamp(center - int(spread)), _clamp(center + int(spread))
            return Range(where, (("gte", low), ("lte", high)))
        if ftype == "float":
            real, deviation = _read_number(value, _FLOAT_LABEL, integer=False)
            if deviation is None:
                return _eq_or_range(where, op, real)
            if op != "eq":
                raise QueryError(f"multiple ranges specified for {name}")
            return Range(where, (("gte", real - deviation), ("lte", real + deviation)))
        if ftype == "numeric":
            digits = _DIGITS.match(value)
            assert digits is not None
            if digits.end() == 0 or digits.end() != len(value):
                raise _expected(_NUMERIC_LABEL, value[digits.end() :])
            if op != "eq":
                raise QueryError(f"range specified for {name}")
            return Term(where, _clamp(int(value)))
        if ftype == "bool":
            word = next((w for w in ("true", "false") if value.startswith(w)), None)
            if word is None:
                raise _expected(_BOOL_LABEL, value)
            if value != word:
                raise _expected(_BOOL_LABEL, value[len(word) :])
            if op != "eq":
                raise QueryError(f"range specified for {name}")
            return Term(where, word == "true")
        if ftype == "date":
            lower, upper = _dates.philomena_date(value, self.ctx.now)
            if op == "eq":
                return Range(where, (("gte", lower), ("lt", upper)))
            bound = upper if op in ("lte", "gt") else lower
            return Range(where, ((_range_op(op), bound),))
        raise AssertionError(ftype)

    def textual(self, name: str, ftype: FieldType, where: Storage, op: str, value: str) -> Node:
        kind, text, fuzz = _read_literal(value)
        if op != "eq":
            raise QueryError(f"range specified for {name}")
        if kind == "wildcard" and text == "*":
            return MatchAll()
        text = self.normalise(name, text)
        if ftype == "ngram":
            return Wildcard(where, text) if kind == "wildcard" else Phrase(where, text)
        if kind == "wildcard":
            return Wildcard(where, text)
        if fuzz is not None:
            return Fuzzy(where, text, fuzz)
        return Term(where, text)

    def normalise(self, name: str, text: str) -> str:
        if name == "namespaced_tags.name":
            return clean_tag_name(text)
        text = text.strip()
        if name in NO_DOWNCASE.get(self.ctx.index, frozenset()):
            return text
        return text.lower()

    # --- custom fields -----------------------------------------------------------------

    def custom(self, name: str, value: str) -> Node:
        index = self.ctx.index
        if name == "my":
            return self.my(value)
        if index == "images" and name == "gallery_id":
            return self.gallery(value)
        if index == "images" and name == "filter_id":
            return self.filter(value)
        if name == "user_id":
            match = _ELIXIR_INT.match(value)
            if match is None:
                raise QueryError("Unknown `user_id' value.")
            wanted = int(match.group())
            return Custom(
                f"user_id:{wanted}",
                lambda doc: (
                    doc.get("anonymous") is False and _id_equals(doc.get("user_id"), wanted)
                ),
            )
        if name == "author":
            return self.author(value)
        raise AssertionError(name)

    def author(self, value: str) -> Node:
        # Comments keep the author name as typed; posts lower-case both sides.
        lower = self.ctx.index == "posts"
        if lower:
            value = value.lower()
        where = Storage("keyword", "author", lower=lower)
        either = Or((Term(where, value), Wildcard(where, value)))
        return And((Custom("not anonymous", lambda doc: doc.get("anonymous") is False), either))

    def my(self, value: str) -> Node:
        user = self.ctx.user_id
        if user is None:
            raise QueryError("You must be logged in to use `my' queries.")
        keys = _MY_KEYS[self.ctx.index]
        if value in keys:
            key = keys[value]
            return Custom(f"my:{value}", lambda doc: _contains_id(doc, key, user))
        if self.ctx.index == "images" and value == "watched":
            if self.ctx.in_watch:
                raise QueryError("Recursive watchlists are not allowed.")
            watched = self.ctx.watched
            if watched is None:
                return MatchNone()
            return Custom("my:watched", watched)
        raise QueryError("Unknown `my' value.")

    def gallery(self, value: str) -> Node:
        if _ELIXIR_INT.fullmatch(value) is None or int(value) < 0:
            raise QueryError(f"Invalid gallery `{value}'.")
        gallery = int(value)
        resolve = self.ctx.resolve_gallery
        if resolve is None:
            return Custom(
                f"gallery_id:{gallery}", lambda doc: _contains_id(doc, "gallery_ids", gallery)
            )
        members = resolve(gallery)
        if members is None:
            return MatchNone()
        frozen = frozenset(members)
        return Custom(f"gallery_id:{gallery}", lambda doc: doc.get("id") in frozen)

    def filter(self, value: str) -> Node:
        if self.ctx.in_filter:
            raise QueryError("Filter queries inside filters are not allowed.")
        invalid = QueryError(f"Invalid filter `{value}`.")
        if _ELIXIR_INT.fullmatch(value) is None:
            raise invalid
        filter_id = int(value)
        if filter_id not in self.ctx.loadable_filters or self.ctx.resolve_filter is None:
            raise invalid
        hides = self.ctx.resolve_filter(filter_id)
        if hides is None:
            raise invalid
        return Custom(f"filter_id:{filter_id}", lambda doc: not hides(doc))


# ``my:`` values that test one id list (or id) of the document against the user.
_MY_KEYS: Mapping[IndexName, Mapping[str, str]] = {
    "images": {
        "faves": "faved_by_ids",
        "upvotes": "upvoted_by_ids",
        "downvotes": "downvoted_by_ids",
        "uploads": "true_uploader_id",
        "hidden": "hidden_by_ids",
    },
    "comments": {"comments": "user_id"},
    "posts": {"posts": "user_id"},
    "filters": {"filters": "user_id"},
    "tags": {},
    "galleries": {},
}


def _id_equals(value: object, wanted: int) -> bool:
    return value == wanted and not isinstance(value, bool)


def _contains_id(doc: Mapping[str, Any], key: str, wanted: int) -> bool:
    value = doc.get(key)
    if isinstance(value, list | tuple | set | frozenset):
        return wanted in value
    return _id_equals(value, wanted)


def _clamp(number: int) -> int:
    return max(INT32_MIN, min(INT32_MAX, number))


def _range_op(op: str) -> RangeOp:
    assert op in ("gt", "gte", "lt", "lte")
    return op  # type: ignore[return-value]


def _eq_or_range(where: Storage, op: str, value: int | float) -> Node:
    if op == "eq":
        return Term(where, value)
    return Range(where, ((_range_op(op), value),))


def _expected(label: str, rest: str) -> QueryError:
    return QueryError(f"expected {label}, starting at: {rest}")


def _read_number(
    value: str, label: str, *, integer: bool
) -> tuple[int | float, int | float | None]:
    """``N`` or ``N~D``; the server's error names where the reading stopped."""

    def number_at(pos: int, signed: bool) -> tuple[int | float, int] | None:
        start = pos
        if signed and pos < len(value) and value[pos] in "+-":
            pos += 1
        digits = _DIGITS.match(value, pos)
        assert digits is not None
        if digits.end() == pos:
            return None
        pos = digits.end()
        if not integer and value.startswith(".", pos):
            fraction = _DIGITS.match(value, pos + 1)
            assert fraction is not None
            if fraction.end() > pos + 1:
                pos = fraction.end()
        text = value[start:pos]
        return (float(text) if "." in text else int(text)), pos

    first = number_at(0, True)
    if first is None:
        sign = 1 if value[:1] in ("+", "-") else 0
        raise _expected(label, value[sign:])
    center, pos = first
    if value.startswith("~", pos):
        second = number_at(pos + 1, False)
        if second is not None:
            spread, end = second
            if end != len(value):
                raise _expected(label, value[end:])
            return center, spread
    if pos != len(value):
        raise _expected(label, value[pos:])
    return center, None


def _read_literal(value: str) -> tuple[str, str, float | None]:
    """Split a literal value into (``literal``|``wildcard``, text, fuzziness)."""
    out: list[str] = []
    pos = 0
    end = len(value)
    while pos < end:
        if value[pos] in "*?" or _EDIT_DISTANCE.fullmatch(value, pos) is not None:
            break
        if value[pos] == "\\" and pos + 1 < end:
            out.append(value[pos + 1])
            pos += 2
        else:
            out.append(value[pos])
            pos += 1
    if pos == end:
        return "literal", "".join(out), None
    fuzz = _EDIT_DISTANCE.fullmatch(value, pos)
    if fuzz is not None:
        return "literal", "".join(out), float(fuzz.group(1))

    # A wildcard: escapes are dropped (so an escaped star becomes a live one, as on the
    # server), runs of stars collapse and a trailing edit distance is ignored.
    out = []
    pos = 0
    while pos < end:
        if _EDIT_DISTANCE.fullmatch(value, pos) is not None:
            break
        char = value[pos]
        if char == "\\" and pos + 1 < end:
            out.append(value[pos + 1])
            pos += 2
        elif char == "*":
            out.append("*")
            while pos < end and value[pos] == "*":
                pos += 1
        else:
            out.append(char)
            pos += 1
    return "wildcard", "".join(out), None
