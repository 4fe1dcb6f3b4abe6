"""The legacy grammar: booru-on-rails / Twibooru's ``fancy_searchable`` gem (rev 263c4ab).

A shunting-yard tokeniser turns the query into postfix form; terms carry their own
``~fuzz`` / ``^boost`` suffixes, ``field:`` prefixes are case-insensitive, unknown
prefixes fall back to the default field, and values are checked with Ruby's
``Integer()`` / ``Float()`` rules.  Ruby regular expressions anchor ``^``/``$`` at line
boundaries and ``String#match`` searches the whole string; both quirks are kept.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from . import _dates
from ._ast import (
    And,
    Custom,
    Fuzzy,
    MatchAll,
    MatchNone,
    Node,
    Not,
    Or,
    Phrase,
    Range,
    RangeOp,
    Term,
    Wildcard,
)
from ._errors import QueryError
from ._fields import (
    LEGACY_DEFAULT_FIELD,
    LEGACY_FIELDS,
    LEGACY_NO_DOWNCASE,
    LegacyKind,
    legacy_storage,
)
from ._parser import Context

_S = r"[ \t\r\n\f\v]"
_TOKENS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.MULTILINE))
    for name, pattern in (
        ("quoted_lit", rf'^{_S}*"(?:(?:[^"]|\\")+)"'),
        ("lparen", rf"^{_S}*\({_S}*"),
        ("rparen", rf"^{_S}*\){_S}*"),
        ("and_op", rf"^{_S}*(?:&&|AND){_S}+"),
        ("and_op", rf"^{_S}*,{_S}*"),
        ("or_op", rf"^{_S}*(?:\|\||OR){_S}+"),
        ("not_op", rf"^{_S}*NOT(?:{_S}+|(?>\())"),
        ("not_op", rf"^{_S}*[!\-]{_S}*"),
        ("space", rf"^{_S}+"),
        ("word", r"^(?:[^ \t\r\n\f\v,()]|\\[ \t\r\n\f\v,()])+"),
    )
)

_NUM = r"[0-9]+(?:\.[0-9]+)?"
_FUZZ = r"(?P<fuzz>[0-9]+(?:\.[0-9]+)?|\.[0-9]+)"
_BOOST = r"(?P<boost>[\-+]?[0-9]+(?:\.[0-9]+)?)"
_SUFFIXES = tuple(
    re.compile(pattern, re.MULTILINE)
    for pattern in (
        rf"~{_FUZZ}\^{_BOOST}$",
        rf"\^{_BOOST}~{_FUZZ}$",
        rf"~{_FUZZ}$",
        rf"\^{_BOOST}$",
    )
)
_QUOTED = re.compile(r'^"([^"]|\\")+"$', re.MULTILINE)
_FIELD_SPLIT = re.compile(r"^(.*?[^\\]):(.*)$", re.MULTILINE)
_RANGE_FIELD = re.compile(r"(.*)\.([gl]te?|eq)$", re.MULTILINE)
_WILDCARD_CHAR = re.compile(r"(?:^|[^\\])[*?]", re.MULTILINE)
_WILDCARD_UNESCAPE = re.compile(r"\\([^*?])")
_ANY_UNESCAPE = re.compile(r"\\(.)")
_RUBY_INTEGER = re.compile(
    r"[ \t\r\n\f\v]*([+-]?)(?:"
    r"0[xX](?P<hex>[0-9a-fA-F]+(?:_[0-9a-fA-F]+)*)|"
    r"0[bB](?P<bin>[01]+(?:_[01]+)*)|"
    r"0[dD](?P<dec2>[0-9]+(?:_[0-9]+)*)|"
    r"0[oO_]?(?P<oct>[0-7]+(?:_[0-7]+)*)|"
    r"(?P<dec>[0-9]+(?:_[0-9]+)*)"
    r")[ \t\r\n\f\v]*"
)
_RUBY_FLOAT = re.compile(
    r"[ \t\r\n\f\v]*[+-]?[0-9]+(?:_[0-9]+)*(?:\.[0-9]+(?:_[0-9]+)*)?(?:[eE][+-]?[0-9]+)?"
    r"[ \t\r\n\f\v]*"
)
_PLAIN_DECIMAL = re.compile(r"[+-]?[0-9]+")


def ruby_integer(text: str) -> int | None:
    """``Kernel#Integer`` on a string (``None`` where Ruby raises)."""
    match = _RUBY_INTEGER.fullmatch(text)
    if match is None:
        return None
    sign = -1 if match.group(1) == "-" else 1
    for group, base in (("hex", 16), ("bin", 2), ("dec2", 10), ("oct", 8), ("dec", 10)):
        digits = match.group(group)
        if digits is not None:
            return sign * int(digits.replace("_", ""), base)
    return None


def ruby_float(text: str) -> float | None:
    if _RUBY_FLOAT.fullmatch(text) is None:
        return None
    return float(text.strip(" \t\r\n\f\v").replace("_", ""))


# --- lexing ---------------------------------------------------------------------------


def lex(source: str) -> list[str | tuple[str]]:
    """Postfix token list: term strings, and operators as one-element tuples."""
    ops: list[str] = []
    stack: list[str | tuple[str]] = []
    term: str | None = None
    parens_in_term = 0
    negate = False
    group_negate: list[bool] = []

    while source:
        for kind, pattern in _TOKENS:
            found = pattern.search(source)
            if found is not None:
                name = kind
                break
        else:  # pragma: no cover - the word or space token always matches somewhere
            raise QueryError("Failed to match a token")
        text = found.group()

        ends_term = name in ("and_op", "or_op") or (name == "rparen" and parens_in_term == 0)
        if ends_term and term is not None:
            stack.append(term)
            term = None
            parens_in_term = 0
            if negate:
                stack.append(("not_op",))
                negate = False

        if name == "and_op":
            while ops and ops[0] == "and_op":
                stack.append((ops.pop(0),))
            ops.insert(0, "and_op")
        elif name == "or_op":
            while ops and ops[0] in ("and_op", "or_op"):
                stack.append((ops.pop(0),))
            ops.insert(0, "or_op")
        elif name == "not_op":
            if term is not None:
                term += text
            else:
                negate = not negate
        elif name == "lparen":
            if term is not None:
                term += text
                parens_in_term += 1
            else:
                ops.insert(0, "lparen")
                group_negate.append(negate)
                negate = False
        elif name == "rparen":
            if parens_in_term != 0:
                assert term is not None
                term += text
                parens_in_term -= 1
            else:
                balanced = False
                while ops:
                    op = ops.pop(0)
                    if op == "lparen":
                        balanced = True
                        break
                    stack.append((op,))
                if not balanced:
                    raise QueryError("Imbalanced parentheses.")
                if group_negate and group_negate.pop():
                    stack.append(("not_op",))
        elif name in ("word", "quoted_lit"):
            term = text if term is None else term + text
        elif term is not None:
            term += text

        # Ruby slices the match's length off the front, wherever the match was found.
        source = source[len(text) :]

    if term is not None:
        stack.append(term)
    if negate:
        stack.append(("not_op",))
    if "lparen" in ops or "rparen" in ops:
        raise QueryError("Imbalanced parentheses.")
    stack.extend((op,) for op in ops)
    return stack


# --- parsing --------------------------------------------------------------------------


def parse(source: str, ctx: Context) -> Node:
    tokens = lex(source.strip(" \t\r\n\f\v\0"))
    operands: list[tuple[bool, Node]] = []
    for position, token in enumerate(tokens):
        if token == ("not_op",):
            continue
        negate = position + 1 < len(tokens) and tokens[position + 1] == ("not_op",)
        if isinstance(token, str):
            node = _Term(token.lstrip(" \t\r\n\f\v\0"), ctx).parse()
            operands.append((negate, node))
            continue
        if len(operands) < 2:
            raise QueryError("Missing operand.")
        right = operands.pop()
        left = operands.pop()
        children = tuple(Not(node) if negated else node for negated, node in (left, right))
        combined: Node = And(children) if token == ("and_op",) else Or(children)
        operands.append((False, Not(combined) if negate else combined))
    if len(operands) > 1:
        raise QueryError("Missing operator.")
    if not operands:
        return MatchNone()
    negated, node = operands[0]
    return Not(node) if negated else node


class _Term:
    def __init__(self, text: str, ctx: Context) -> None:
        self.text = text
        self.ctx = ctx
        self.fuzz: float | None = None
        self.ngram = False
        index = ctx.index
        self.kinds: dict[str, LegacyKind] = dict(LEGACY_FIELDS[index])
        self.default = LEGACY_DEFAULT_FIELD[index]
        self.custom = {"gallery_id"} if index == "images" else set()
        if index == "images" and ctx.user_id is not None:
            self.kinds["my"] = "literal"
            self.custom.add("my")

    def kind_of(self, name: str) -> LegacyKind | None:
        if name == "namespaced_tags.name":
            return "literal"
        return self.kinds.get(name)

    def strip_suffixes(self) -> None:
        for pattern in _SUFFIXES:
            found = False

            def take(match: re.Match[str]) -> str:
                nonlocal found
                found = True
                groups = match.groupdict()
                self.fuzz = float(groups["fuzz"]) if groups.get("fuzz") else None
                return ""

            self.text = pattern.sub(take, self.text)
            if found:
                return

    def parse(self) -> Node:
        self.strip_suffixes()
        wildcardable = _QUOTED.search(self.text) is None
        if not wildcardable:
            self.text = self.text[1:-1]
        split = _FIELD_SPLIT.search(self.text) if ":" in self.text else None
        if split is not None:
            field, value = self.field_and_value(split.group(1).lower(), split.group(2))
        else:
            field = self.default
            self.ngram = self.kind_of(field) == "full_text"
            value = self.normalise(field, self.text, None)

        if field in self.custom:
            assert isinstance(value, str)
            return self.transform(field, value)
        return self.build(field, value, wildcardable)

    def field_and_value(self, field: str, value: str) -> tuple[str, Any]:
        ranged = _RANGE_FIELD.search(field)
        if ranged is not None and self.kinds.get(ranged.group(1)) in ("date", "integer", "float"):
            return ranged.group(1), self.normalise(ranged.group(1), value, ranged.group(2))
        kind = self.kinds.get(field)
        if kind == "full_text":
            self.ngram = True
        elif kind is None:
            self.ngram = self.kind_of(self.default) == "full_text"
            return self.default, self.normalise(self.default, f"{field}:{value}", None)
        return field, self.normalise(field, value, None)

    def normalise(self, field: str, value: str, op: str | None) -> Any:
        kind = self.kind_of(field)
        result: Any = value
        if kind == "integer":
            number = ruby_integer(value)
            if number is None:
                raise QueryError(
                    f'Values of "{field}" field must be decimal integers; "{value}" is invalid.'
                )
            result = number
            if self.fuzz is not None and op is None:
                return {"gte": number - self.fuzz, "lte": number + self.fuzz}
        elif kind == "boolean":
            if value not in ("true", "false"):
                raise QueryError(
                    f'Values of "{field}" must be "true" or "false"; "{value}" is invalid.'
                )
        elif kind == "date":
            return self.date(field, value, op)
        elif kind == "float":
            real = ruby_float(value)
            if real is None:
                raise QueryError(f'Values of "{field}" field must be decimals.')
            result = real
            if self.fuzz is not None and op is None:
                return {"gte": real - self.fuzz, "lte": real + self.fuzz}
        elif field not in LEGACY_NO_DOWNCASE.get(self.ctx.index, frozenset()):
            result = value.lower()
        if op in ("lt", "gt", "gte", "lte"):
            return {op: result}
        return result

    def date(self, field: str, value: str, op: str | None) -> dict[str, int]:
        if not value:
            raise QueryError(f'Field "{field}" missing date/time value.')
        bounds: tuple[int, int] | None
        if self.ctx.rails_dates:
            # booru-on-rails tries the absolute form first, then the relative one.
            try:
                bounds = _dates.rails_absolute(value)
            except ValueError:
                bounds = _dates.rails_relative(value, self.ctx.now)
            if bounds is None:
                raise QueryError(
                    f'Value "{value}" is not recognized as a valid ISO 8601 date/time.'
                )
        else:
            bounds = _dates.legacy_relative(value, self.ctx.now)
        if bounds is None:
            try:
                bounds = _dates.legacy_absolute(value)
            except ValueError:
                raise QueryError(
                    f'Value "{value}" is not recognized as a valid ISO 8601 date/time.'
                ) from None
        lower, upper = bounds
        if op in ("lt", "gte"):
            return {op: lower}
        if op == "lte":
            return {"lt": upper}
        if op == "gt":
            return {"gte": upper}
        return {"gte": lower, "lt": upper}

    def build(self, field: str, value: Any, wildcardable: bool) -> Node:
        where = legacy_storage(self.ctx.index, field)
        if isinstance(value, dict):
            bounds: tuple[tuple[RangeOp, int | float], ...] = tuple(value.items())
            return Range(where, bounds)
        if self.fuzz is not None:
            if not isinstance(value, str):
                # The gem would crash here (HTTP 500); nothing matches instead.
                return MatchNone()
            return Fuzzy(where, _unescape(value, quoted=not wildcardable), self.fuzz)
        if wildcardable and isinstance(value, str) and _WILDCARD_CHAR.search(value):
            pattern = _WILDCARD_UNESCAPE.sub(r"\1", value)
            return MatchAll() if pattern == "*" else Wildcard(where, pattern)
        if self.ngram:
            return Phrase(where, value)
        if isinstance(value, str):
            value = _unescape(value, quoted=not wildcardable)
            if where.kind == "bool":
                return Term(where, value == "true")
        return Term(where, value)

    def transform(self, field: str, value: str) -> Node:
        if field == "gallery_id":
            if ruby_integer(value) is None:
                raise QueryError("gallery_id must be an integer.")
            if _PLAIN_DECIMAL.fullmatch(value) is None:
                return MatchNone()
            gallery = int(value)
            resolve = self.ctx.resolve_gallery
            if resolve is None:
                return Custom(f"gallery_id:{gallery}", _in_list("gallery_ids", gallery))
            members = resolve(gallery)
            if members is None:
                return MatchNone()
            frozen = frozenset(members)
            return Custom(f"gallery_id:{gallery}", lambda doc: doc.get("id") in frozen)
        user = self.ctx.user_id
        assert user is not None
        keys = {
            "faves": "faved_by_ids",
            "upvotes": "upvoted_by_ids",
            "downvotes": "downvoted_by_ids",
            "uploads": "true_uploader_id",
            "hidden": "hidden_by_ids",
        }
        if value in keys:
            return Custom(f"my:{value}", _in_list(keys[value], user))
        if value == "watched":
            if self.ctx.in_watch:
                raise QueryError("Recursive watchlists are not allowed.")
            watched = self.ctx.watched
            return MatchNone() if watched is None else Custom("my:watched", watched)
        raise QueryError(f"Invalid 'my' term 'my:{value}'.")


def _unescape(value: str, *, quoted: bool) -> str:
    if quoted:
        return value.replace('\\"', '"')
    return _ANY_UNESCAPE.sub(r"\1", value)


def _in_list(key: str, wanted: int) -> Callable[[Any], bool]:
    def check(doc: Any) -> bool:
        value = doc.get(key)
        if isinstance(value, list | tuple | set | frozenset):
            return wanted in value
        return bool(value == wanted)

    return check
