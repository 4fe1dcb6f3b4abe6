"""The query tree both grammars produce: a small subset of the search engine's query DSL."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

from ._fields import Storage

Predicate: TypeAlias = Callable[[Mapping[str, Any]], bool]
RangeOp = Literal["gt", "gte", "lt", "lte"]
Scalar: TypeAlias = str | int | float | bool


@dataclass(frozen=True, slots=True)
class MatchAll:
    pass


@dataclass(frozen=True, slots=True)
class MatchNone:
    pass


@dataclass(frozen=True, slots=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not:
    child: Node


@dataclass(frozen=True, slots=True)
class Boost:
    """A relevance boost; it never changes which documents match."""

    child: Node
    value: float


@dataclass(frozen=True, slots=True)
class Term:
    """Exact value (keyword, number, boolean; one analysed token for text fields)."""

    field: Storage
    value: Scalar


@dataclass(frozen=True, slots=True)
class Range:
    """All bounds must hold for one single value of the field."""

    field: Storage
    bounds: tuple[tuple[RangeOp, int | float], ...]


@dataclass(frozen=True, slots=True)
class Fuzzy:
    field: Storage
    value: str
    fuzziness: float


@dataclass(frozen=True, slots=True)
class Wildcard:
    """Engine wildcard syntax: ``*`` any run, ``?`` one character, ``\\`` escapes."""

    field: Storage
    pattern: str


@dataclass(frozen=True, slots=True)
class Phrase:
    field: Storage
    text: str


@dataclass(frozen=True, slots=True)
class Custom:
    """A field computed outside the document's plain values (``my:``, ``gallery_id:`` ...)."""

    label: str
    predicate: Predicate


Node: TypeAlias = (
    MatchAll
    | MatchNone
    | And
    | Or
    | Not
    | Boost
    | Term
    | Range
    | Fuzzy
    | Wildcard
    | Phrase
    | Custom
)
