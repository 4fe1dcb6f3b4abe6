"""Turn a query tree into a document predicate that behaves like the search engine.

Each leaf reads the values the index would hold for its field (see ``Storage``) and
tests them the way the engine's query of that name would: ``term`` is exact,
``range`` needs one value inside every bound, ``wildcard`` and ``fuzzy`` test single
keywords (or single words of analysed text), ``match_phrase`` looks for the words in
sequence.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable, Mapping
from typing import Any

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
    Term,
    Wildcard,
)
from ._dates import to_micros
from ._fields import Storage
from ._text import analyse, edit_budget, wildcard_regex, within_edits

Doc = Mapping[str, Any]
Values = Callable[[Doc], list[Any]]


def _always(_doc: Doc) -> bool:
    return True


def _never(_doc: Doc) -> bool:
    return False


def compile_node(node: Node) -> Predicate:
    if isinstance(node, MatchAll):
        return _always
    if isinstance(node, MatchNone):
        return _never
    if isinstance(node, And):
        parts = tuple(compile_node(child) for child in node.children)
        return lambda doc: all(part(doc) for part in parts)
    if isinstance(node, Or):
        options = tuple(compile_node(child) for child in node.children)
        return lambda doc: any(option(doc) for option in options)
    if isinstance(node, Not):
        inner = compile_node(node.child)
        return lambda doc: not inner(doc)
    if isinstance(node, Boost):
        return compile_node(node.child)
    if isinstance(node, Custom):
        return node.predicate
    if isinstance(node, Term):
        return _term(node)
    if isinstance(node, Range):
        return _range(node)
    if isinstance(node, Fuzzy):
        return _fuzzy(node)
    if isinstance(node, Wildcard):
        return _wildcard(node)
    if isinstance(node, Phrase):
        return _phrase(node)
    raise AssertionError(node)


# --- reading documents ------------------------------------------------------------------


def _as_list(value: object) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list | tuple | set | frozenset):
        return [item for item in value if item is not None]
    return [value]


def _raw(doc: Doc, key: str) -> list[Any]:
    if key in doc:
        return _as_list(doc[key])
    derived = _DERIVED.get(key)
    return _as_list(derived(doc)) if derived is not None else []


def _derive_pixels(doc: Doc) -> object:
    width, height = doc.get("width"), doc.get("height")
    return width * height if isinstance(width, int) and isinstance(height, int) else None


def _derive_len(key: str) -> Callable[[Doc], object]:
    return lambda doc: len(_as_list(doc.get(key)))


# Values the index computes when the document does not carry them itself.
_DERIVED: dict[str, Callable[[Doc], object]] = {
    "pixels": _derive_pixels,
    "tag_count": _derive_len("tags"),
    "source_count": _derive_len("source_urls"),
    "aliased": lambda doc: doc.get("alias_of") is not None,
}


def _float32(value: float) -> float:
    if math.isinf(value) or math.isnan(value) or abs(value) > 3.4028234663852886e38:
        return value
    result: float = struct.unpack("f", struct.pack("f", value))[0]
    return result


def _keyword_text(value: object) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    return None


def values_of(where: Storage) -> Values:
    """A reader returning what the index holds for this field of a document."""
    key, extra = where.key, where.extra_key
    kind = where.kind

    def raw(doc: Doc) -> list[Any]:
        found = _raw(doc, key)
        return found + _raw(doc, extra) if extra is not None else found

    if kind == "keyword":
        lower = where.lower

        def keywords(doc: Doc) -> list[Any]:
            out = []
            for item in raw(doc):
                text = _keyword_text(item)
                if text is not None:
                    out.append(text.lower() if lower else text)
            return out

        return keywords
    if kind == "text":
        analyzer = where.analyzer
        return lambda doc: [analyse(item, analyzer) for item in raw(doc) if isinstance(item, str)]
    if kind == "int":

        def integers(doc: Doc) -> list[Any]:
            out = []
            for item in raw(doc):
                if isinstance(item, int) and not isinstance(item, bool):
                    out.append(item)
                elif isinstance(item, str) and item.strip().lstrip("+-").isdigit():
                    out.append(int(item))
            return out

        return integers
    if kind == "float":
        scaled = _duration if key == "duration" else raw

        def floats(doc: Doc) -> list[Any]:
            return [
                _float32(float(item))
                for item in scaled(doc)
                if isinstance(item, int | float) and not isinstance(item, bool)
            ]

        return floats
    if kind == "bool":
        either = _public_or_system if key == "public" else raw

        def booleans(doc: Doc) -> list[Any]:
            out = []
            for item in either(doc):
                if isinstance(item, bool):
                    out.append(item)
                elif item in ("true", "false"):
                    out.append(item == "true")
            return out

        return booleans
    if kind == "date":

        def dates(doc: Doc) -> list[Any]:
            return [moment for item in raw(doc) if (moment := to_micros(item)) is not None]

        return dates
    raise AssertionError(kind)


def _duration(doc: Doc) -> list[Any]:
    # The image index stores 0 for still images whatever their file reports.
    return _raw(doc, "duration") if doc.get("animated") else [0]


def _public_or_system(doc: Doc) -> list[Any]:
    # The filter index marks system filters public.
    return [bool(doc.get("public")) or bool(doc.get("system"))]


# --- leaves -------------------------------------------------------------------------------


def _term(node: Term) -> Predicate:
    read = values_of(node.field)
    wanted = node.value
    kind = node.field.kind
    if kind == "text":
        token = str(wanted)
        return lambda doc: any(token in tokens for tokens in read(doc))
    if kind == "keyword":
        text = _keyword_text(wanted)
        return lambda doc: text in read(doc)
    if kind == "float" and isinstance(wanted, int | float):
        target = _float32(float(wanted))
        return lambda doc: target in read(doc)
    if kind == "int" and isinstance(wanted, float):
        # A keyword/int field never equals a fractional number.
        if not wanted.is_integer():
            return _never
        wanted = int(wanted)
    return lambda doc: wanted in read(doc)


def _range(node: Range) -> Predicate:
    read = values_of(node.field)
    bounds = node.bounds
    if node.field.kind == "float":
        bounds = tuple((op, _float32(float(value))) for op, value in bounds)

    def inside(value: Any) -> bool:
        for op, bound in bounds:
            if op == "gt" and not value > bound:
                return False
            if op == "gte" and not value >= bound:
                return False
            if op == "lt" and not value < bound:
                return False
            if op == "lte" and not value <= bound:
                return False
        return True

    return lambda doc: any(inside(value) for value in read(doc))


def _strings(read: Values, kind: str) -> Callable[[Doc], list[str]]:
    if kind == "text":
        return lambda doc: [token for tokens in read(doc) for token in tokens]
    return lambda doc: [value for value in read(doc) if isinstance(value, str)]


def _fuzzy(node: Fuzzy) -> Predicate:
    if node.field.kind not in ("keyword", "text"):
        return _never
    candidates = _strings(values_of(node.field), node.field.kind)
    wanted = node.value
    budget = edit_budget(node.fuzziness) if wanted else 0
    return lambda doc: any(within_edits(wanted, value, budget) for value in candidates(doc))


def _wildcard(node: Wildcard) -> Predicate:
    if node.field.kind not in ("keyword", "text"):
        return _never
    candidates = _strings(values_of(node.field), node.field.kind)
    pattern = wildcard_regex(node.pattern)
    return lambda doc: any(pattern.fullmatch(value) is not None for value in candidates(doc))


def _phrase(node: Phrase) -> Predicate:
    where = node.field
    if where.kind == "keyword":
        return _term(Term(where, node.text))
    if where.kind != "text":
        return _never
    read = values_of(where)
    words = analyse(node.text, where.analyzer)
    if not words:
        return _never
    size = len(words)

    def contains(tokens: tuple[str, ...]) -> bool:
        if size == 1:
            return words[0] in tokens
        return any(tokens[i : i + size] == words for i in range(len(tokens) - size + 1))

    return lambda doc: any(contains(tokens) for tokens in read(doc))
