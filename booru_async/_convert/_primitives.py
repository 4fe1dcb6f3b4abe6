"""Strict primitive hooks shared by the cattrs converters and the generated fast path.

No coercion: ``str(None) == "None"``, ``int(2.9) == 2`` and ``True`` as ``1`` are all
rejected. The only widening is ``int`` -> ``float`` (Philomena sends ``wilson_score`` as the
integer ``0``). Each ``X | None`` field gets one fused hook (``opt_*``) instead of cattrs'
generic optional dispatch, which looks the inner hook up again on every call.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from types import NoneType, UnionType
from typing import Any, Union, cast, get_args, get_origin

from .._errors import excerpt

__all__ = [
    "BadValue",
    "Mismatch",
    "OPTIONAL_PRIMITIVES",
    "PRIMITIVES",
    "expected",
    "mapping",
    "optional_of",
    "strict_bool",
    "strict_datetime",
    "strict_float",
    "strict_int",
    "strict_str",
    "tuple_of",
]

Hook = Callable[[Any, Any], Any]


class Mismatch(TypeError):
    """A JSON value of the wrong type; the message says what was expected and what came."""


class BadValue(ValueError):
    """A JSON value of the right type that cannot be used (a malformed timestamp, ...)."""


def expected(kind: str, value: Any) -> Mismatch:
    return Mismatch(f"expected {kind}, got {type(value).__name__} {excerpt(repr(value), 40)}")


def strict_int(value: Any, _: Any) -> int:
    if type(value) is int:
        return value
    raise expected("an integer", value)


def opt_int(value: Any, _: Any) -> int | None:
    if value is None or type(value) is int:
        return value
    raise expected("an integer or null", value)


def _as_float(value: int) -> float:
    try:
        return float(value)
    except OverflowError:
        raise BadValue(f"number out of range: {excerpt(repr(value), 40)}") from None


def strict_float(value: Any, _: Any) -> float:
    # Philomena sends ``wilson_score`` as the integer 0 when there are no upvotes.
    if type(value) is float:
        return value
    if type(value) is int:
        return _as_float(value)
    raise expected("a number", value)


def opt_float(value: Any, _: Any) -> float | None:
    if value is None or type(value) is float:
        return value
    if type(value) is int:
        return _as_float(value)
    raise expected("a number or null", value)


def strict_str(value: Any, _: Any) -> str:
    if type(value) is str:
        return value
    raise expected("a string", value)


def opt_str(value: Any, _: Any) -> str | None:
    if value is None or type(value) is str:
        return value
    raise expected("a string or null", value)


def strict_bool(value: Any, _: Any) -> bool:
    if type(value) is bool:
        return value
    raise expected("a boolean", value)


def opt_bool(value: Any, _: Any) -> bool | None:
    if value is None or type(value) is bool:
        return value
    raise expected("a boolean or null", value)


def strict_datetime(value: Any, _: Any) -> datetime:
    """ISO-8601 with or without zone and with 0-6+ fraction digits; zone-less means UTC."""
    if type(value) is not str:
        raise expected("a timestamp string", value)
    try:
        parsed = datetime.fromisoformat(value)
        zone = parsed.tzinfo
        if zone is UTC:  # "Z" and "+00:00" parse to the UTC singleton
            return parsed
        if zone is None:
            return parsed.replace(tzinfo=UTC)
        # Converting e.g. 0001-01-01T00:00:00+01:00 to UTC leaves datetime's range.
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        raise BadValue(f"not an ISO-8601 timestamp: {excerpt(value, 40)!r}") from None


def opt_datetime(value: Any, _: Any) -> datetime | None:
    return None if value is None else strict_datetime(value, _)


PRIMITIVES: dict[Any, Hook] = {
    int: strict_int,
    float: strict_float,
    str: strict_str,
    bool: strict_bool,
    datetime: strict_datetime,
}

OPTIONAL_PRIMITIVES: dict[Any, Hook] = {
    int: opt_int,
    float: opt_float,
    str: opt_str,
    bool: opt_bool,
    datetime: opt_datetime,
}


def tuple_of(kind: type, label: str) -> Callable[[Any, Any], tuple[Any, ...]]:
    allowed = {kind}

    def structure(value: Any, _: Any) -> tuple[Any, ...]:
        if type(value) is not list:
            raise expected(f"a list of {label}", value)
        # One C-level pass over the item types instead of a hook call per item.
        if value and set(map(type, value)) != allowed:
            bad = next(item for item in value if type(item) is not kind)
            raise expected(f"a list of {label} (an item is not)", bad)
        return tuple(value)

    return structure


def mapping(value: Any, _: Any) -> Mapping[str, Any]:
    if type(value) is dict:
        return cast("dict[str, Any]", value)
    raise expected("an object", value)


def optional_of(t: Any) -> Any:
    """``X`` for ``X | None`` (exactly one other member), else None."""
    if get_origin(t) not in (Union, UnionType):
        return None
    args = [a for a in get_args(t) if a is not NoneType]
    return args[0] if len(args) == 1 and len(get_args(t)) == 2 else None
