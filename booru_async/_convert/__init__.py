"""cattrs converters from each API flavour's JSON into the unified model.

``make_converter(ctx)`` builds a :class:`cattrs.Converter` whose hooks for the model classes
first apply the flavour's :class:`~._shapes.Shape` (renames, fixes, ``extra``) and then
structure the canonical dict with strict primitive hooks (no ``str(None) == "None"``, no
``int(2.9) == 2``). Converters are built once per (site, base URL, flavour) and cached.

:class:`Decoder` is what the resources use: it takes raw body bytes, checks the envelope
(``{"image": ...}``, ``{"images": [...], "total": N}``, a bare legacy object, ...) and turns
any mismatch into :class:`booru_async.DecodeError` with a path and an excerpt.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from types import NoneType, UnionType
from typing import Any, TypeVar, Union, cast, get_args, get_origin

import attrs
import cattrs
import orjson
from cattrs.gen import make_dict_structure_fn

from .. import _models as m
from .._errors import DecodeError, RequestInfo, excerpt
from ._shapes import SHAPES, Context, Shape, ShapeError, prepare, slugify

__all__ = ["Context", "Decoder", "make_converter", "slugify"]

T = TypeVar("T")

# Leaves first: a class's generated hook looks up the hooks of the classes it contains.
_MODEL_ORDER: tuple[type, ...] = (
    m.Representations,
    m.Intensities,
    m.Location,
    m.Interaction,
    m.DnpEntry,
    m.Link,
    m.Award,
    m.Image,
    m.Tag,
    m.Comment,
    m.ForumPost,
    m.Topic,
    m.Forum,
    m.User,
    m.Filter,
    m.Gallery,
    m.Oembed,
)


def _expected(kind: str, value: Any) -> TypeError:
    return TypeError(f"expected {kind}, got {type(value).__name__} {excerpt(repr(value), 40)}")


# Strict primitive hooks: no coercion (``str(None) == "None"``, ``int(2.9) == 2``, ``True``
# as ``1``); the only widening is int -> float. Each ``X | None`` field gets one fused hook
# (``_opt_*``) instead of cattrs' generic optional dispatch, which looks the inner hook up
# again on every call.


def _int(value: Any, _: Any) -> int:
    if type(value) is int:
        return value
    raise _expected("an integer", value)


def _opt_int(value: Any, _: Any) -> int | None:
    if value is None or type(value) is int:
        return value  # type: ignore[no-any-return]
    raise _expected("an integer or null", value)


def _as_float(value: int) -> float:
    try:
        return float(value)
    except OverflowError:
        raise ValueError(f"number out of range: {excerpt(repr(value), 40)}") from None


def _float(value: Any, _: Any) -> float:
    # Philomena sends ``wilson_score`` as the integer 0 when there are no upvotes.
    if type(value) is float:
        return value  # type: ignore[no-any-return]
    if type(value) is int:
        return _as_float(value)
    raise _expected("a number", value)


def _opt_float(value: Any, _: Any) -> float | None:
    if value is None or type(value) is float:
        return value  # type: ignore[no-any-return]
    if type(value) is int:
        return _as_float(value)
    raise _expected("a number or null", value)


def _str(value: Any, _: Any) -> str:
    if type(value) is str:
        return value
    raise _expected("a string", value)


def _opt_str(value: Any, _: Any) -> str | None:
    if value is None or type(value) is str:
        return value  # type: ignore[no-any-return]
    raise _expected("a string or null", value)


def _bool(value: Any, _: Any) -> bool:
    if type(value) is bool:
        return value
    raise _expected("a boolean", value)


def _opt_bool(value: Any, _: Any) -> bool | None:
    if value is None or type(value) is bool:
        return value  # type: ignore[no-any-return]
    raise _expected("a boolean or null", value)


def _datetime(value: Any, _: Any) -> datetime:
    """ISO-8601 with or without zone and with 0-6+ fraction digits; zone-less means UTC."""
    if type(value) is not str:
        raise _expected("a timestamp string", value)
    try:
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=UTC)
        # Converting e.g. 0001-01-01T00:00:00+01:00 to UTC leaves datetime's range.
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        raise ValueError(f"not an ISO-8601 timestamp: {excerpt(value, 40)!r}") from None


def _opt_datetime(value: Any, _: Any) -> datetime | None:
    return None if value is None else _datetime(value, _)


_OPTIONAL_PRIMITIVES: dict[Any, Callable[[Any, Any], Any]] = {
    int: _opt_int,
    float: _opt_float,
    str: _opt_str,
    bool: _opt_bool,
    datetime: _opt_datetime,
}


def _tuple_of(kind: type, label: str) -> Callable[[Any, Any], tuple[Any, ...]]:
    allowed = {kind}

    def structure(value: Any, _: Any) -> tuple[Any, ...]:
        if type(value) is not list:
            raise _expected(f"a list of {label}", value)
        # One C-level pass over the item types instead of a hook call per item.
        if value and set(map(type, value)) != allowed:
            bad = next(item for item in value if type(item) is not kind)
            raise _expected(f"a list of {label} (an item is not)", bad)
        return tuple(value)

    return structure


def _mapping(value: Any, _: Any) -> Mapping[str, Any]:
    if type(value) is dict:
        return cast("dict[str, Any]", value)
    raise _expected("an object", value)


def _skip_nulls(items: list[Any]) -> list[Any]:
    # Philomena renders destroyed comments inside lists as JSON null (§1.6): skip them.
    return [item for item in items if item is not None]


def _optional_of(t: Any) -> Any:
    """``X`` for ``X | None`` (exactly one other member), else None."""
    if get_origin(t) not in (Union, UnionType):
        return None
    args = [a for a in get_args(t) if a is not NoneType]
    return args[0] if len(args) == 1 and len(get_args(t)) == 2 else None


def _configure_primitives(conv: cattrs.Converter) -> None:
    conv.register_structure_hook(int, _int)
    conv.register_structure_hook(float, _float)
    conv.register_structure_hook(str, _str)
    conv.register_structure_hook(bool, _bool)
    conv.register_structure_hook(datetime, _datetime)
    tuples: dict[Any, Callable[[Any, Any], tuple[Any, ...]]] = {
        tuple[int, ...]: _tuple_of(int, "integers"),
        tuple[str, ...]: _tuple_of(str, "strings"),
    }
    # singledispatch refuses generic aliases, so match them with a predicate.
    conv.register_structure_hook_func(lambda t: t in tuples, lambda v, t: tuples[t](v, t))
    conv.register_structure_hook_func(lambda t: t == Mapping[str, Any], _mapping)

    def optional(t: Any) -> Callable[[Any, Any], Any]:
        inner_type = _optional_of(t)
        fused = _OPTIONAL_PRIMITIVES.get(inner_type)
        if fused is not None:
            return fused
        # A nested model (``Representations | None``): look its hook up once, here.
        inner = conv.get_structure_hook(inner_type)

        def structure(value: Any, _: Any) -> Any:
            return None if value is None else inner(value, inner_type)

        return structure

    conv.register_structure_hook_factory(lambda t: _optional_of(t) is not None, optional)


def _model_hook(
    conv: cattrs.Converter, cls: type, shape: Shape, ctx: Context
) -> Callable[[Any, Any], Any]:
    canonical = make_dict_structure_fn(cls, conv)

    def structure(raw: Any, _: Any) -> Any:
        return canonical(prepare(raw, shape, ctx), cls)

    return structure


def _tuple_hook(item: Callable[[Any, Any], Any], cls: type) -> Callable[[Any, Any], Any]:
    def many(value: Any, _: Any) -> tuple[Any, ...]:
        if type(value) is not list:
            raise _expected(f"a list of {cls.__name__} objects", value)
        return tuple([item(v, cls) for v in value if v is not None])

    return many


def _configure_models(conv: cattrs.Converter, ctx: Context) -> None:
    shapes = SHAPES[ctx.flavour]
    for cls in _MODEL_ORDER:
        hook = _model_hook(conv, cls, shapes[cls], ctx)
        conv.register_structure_hook(cls, hook)
        # Tuples of models (a tag's dnp_entries, a user's awards, ...) skip null entries.
        target: Any = tuple[cls, ...]  # type: ignore[valid-type]
        conv.register_structure_hook_func(
            lambda t, target=target: t == target, _tuple_hook(hook, cls)
        )


@functools.lru_cache(maxsize=64)
def make_converter(ctx: Context, *, detailed: bool = False) -> cattrs.Converter:
    """A converter from ``ctx.flavour``'s JSON into the model.

    ``detailed=True`` collects every problem with its path (slower); the decoder uses it
    only to explain a failure the fast converter found.
    """
    conv = cattrs.Converter(detailed_validation=detailed)
    _configure_primitives(conv)
    _configure_models(conv, ctx)
    return conv


def _describe(conv: cattrs.Converter, raw: Any, cls: type, path: str) -> list[str]:
    """Every problem the detailed converter finds, with JSONPath-like locations."""
    try:
        conv.structure(raw, cls)
    except cattrs.BaseValidationError as exc:
        return [f"{path}{line.partition(' @ $')[2]}: {line.partition(' @ $')[0]}"
                for line in cattrs.transform_error(exc)]
    except (ShapeError, TypeError, ValueError) as exc:
        return [f"{path}: {exc}"]
    return []


_STRUCTURE_ERRORS = (
    cattrs.BaseValidationError,
    ShapeError,
    TypeError,
    ValueError,
    KeyError,
    AttributeError,
)


@attrs.define
class Decoder:
    """Turns response bodies into models for one site; every failure is a DecodeError."""

    ctx: Context
    _conv: cattrs.Converter = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self._conv = make_converter(self.ctx)

    # -- envelope helpers ---------------------------------------------------------------

    def loads(self, body: bytes, *, request: RequestInfo | None = None) -> Any:
        """Parse JSON, or raise DecodeError with an excerpt of what came instead."""
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            what = "an empty body" if not body.strip() else "a body that is not JSON"
            raise DecodeError(
                f"expected JSON, got {what} ({exc})", request=request, excerpt=excerpt(body)
            ) from None

    def _fail(
        self, message: str, raw: Any, *, request: RequestInfo | None, errors: list[str] = []
    ) -> DecodeError:
        return DecodeError(
            message,
            request=request,
            excerpt=excerpt(orjson.dumps(raw, default=repr)),
            errors=errors,
        )

    def structure(
        self, raw: Any, cls: type[T], *, request: RequestInfo | None = None, path: str = "$"
    ) -> T:
        """One model from one JSON value."""
        try:
            return self._conv.structure(raw, cls)
        except _STRUCTURE_ERRORS:
            errors = _describe(make_converter(self.ctx, detailed=True), raw, cls, path)
            detail = "; ".join(errors[:5]) or "unexpected shape"
            raise self._fail(
                f"{cls.__name__} not in the expected shape: {detail}",
                raw,
                request=request,
                errors=errors,
            ) from None

    def structure_list(
        self, raw: Any, cls: type[T], *, request: RequestInfo | None = None, path: str = "$"
    ) -> tuple[T, ...]:
        """Models from a JSON list; ``null`` entries are skipped."""
        if type(raw) is not list:
            raise self._fail(
                f"{path}: expected a list of {cls.__name__} objects", raw, request=request
            )
        hook = self._conv.get_structure_hook(cls)
        out: list[T] = []
        for index, item in enumerate(raw):
            if item is None:
                continue
            try:
                out.append(hook(item, cls))
            except _STRUCTURE_ERRORS:
                out.append(self.structure(item, cls, request=request, path=f"{path}[{index}]"))
        return tuple(out)

    def member(
        self, obj: Any, key: str | None, *, request: RequestInfo | None = None
    ) -> Any:
        """``obj[key]`` of an envelope object (``obj`` itself when ``key`` is None)."""
        if key is None:
            return obj
        if type(obj) is not dict or key not in obj:
            raise self._fail(
                f"expected a JSON object with {key!r}", obj, request=request
            )
        return obj[key]

    def total(self, obj: Any, *, request: RequestInfo | None = None) -> int | None:
        """The envelope's ``total`` (``None`` when the flavour sends none)."""
        if type(obj) is not dict or "total" not in obj:
            return None
        value = obj["total"]
        if type(value) is not int or value < 0:
            raise self._fail("$.total: expected a non-negative integer", obj, request=request)
        return value

    def interactions(
        self, obj: Any, *, request: RequestInfo | None = None
    ) -> dict[int, tuple[m.Interaction, ...]]:
        """An envelope's ``interactions``, grouped by image id."""
        if type(obj) is not dict or not obj.get("interactions"):
            return {}
        items = self.structure_list(
            obj["interactions"], m.Interaction, request=request, path="$.interactions"
        )
        grouped: dict[int, list[m.Interaction]] = {}
        for item in items:
            grouped.setdefault(item.image_id, []).append(item)
        return {image_id: tuple(group) for image_id, group in grouped.items()}
