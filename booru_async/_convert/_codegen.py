"""The fast path: one generated structuring function per (model class, flavour).

cattrs' generated ``structure_<Class>`` calls a hook per field, and the hook of an
``X | None`` field is a second call; for an image that is about a hundred Python calls. The
function generated here applies the flavour's :class:`~._shapes.Shape` (through
:func:`~._shapes.split`) and then checks every primitive field inline, with exactly the
rules of the strict hooks in ``__init__`` (``type(v) is int``; ``int`` widens to ``float``;
timestamps go through the same parser; nested models, tuples and anything else go through
the converter's registered hooks, looked up once). What it accepts and rejects is the same as
the cattrs-generated function the detailed converter uses to explain failures; the tests
check the two against each other.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import attrs
import cattrs

from ._primitives import PRIMITIVES, expected, optional_of
from ._shapes import Context, Shape, ShapeError, absolute_url, split

__all__ = ["make_model_fn"]

_MISSING = object()

Hook = Callable[[Any, Any], Any]


def _checks(
    t: Any, conv: cattrs.Converter, var: str, slot: str, globs: dict[str, Any], *, url: bool
) -> list[str]:
    """Lines that check (and, where needed, convert) the value in ``var`` for type ``t``.

    ``url``: the field is in ``Shape.urls``; a relative URL is made absolute once it is
    known to be a string (what :func:`~._shapes.prepare` does for ``shape.urls``).
    """
    inner = optional_of(t)
    optional = inner is not None
    base = inner if optional else t
    if url and base is not str:
        # Not a plain string field: fix it before checking, exactly like ``prepare`` does.
        fix = f"{var} = _absolute_url({var}, _ctx)"
        return [fix, *_checks(t, conv, var, slot, globs, url=False)]
    none_ok = f"{var} is not None and " if optional else ""
    if base in (int, str, bool):
        kind = {int: "an integer", str: "a string", bool: "a boolean"}[base]
        globs[f"T{slot}"] = base
        lines = [
            f"if {none_ok}type({var}) is not T{slot}:",
            f"    raise _expected({kind + (' or null' if optional else '')!r}, {var})",
        ]
        if url:
            guard = f"{var} is not None and " if optional else ""
            lines.append(f"elif {guard}{var}[:1] == '/':")
            lines.append(f"    {var} = _absolute_url({var}, _ctx)")
        return lines
    if base is float:
        globs[f"H{slot}"] = PRIMITIVES[float]
        return [
            f"if {none_ok}type({var}) is not float:",
            f"    {var} = H{slot}({var}, None)",
        ]
    if base is datetime:
        globs[f"H{slot}"] = PRIMITIVES[datetime]
        if optional:
            return [f"if {var} is not None:", f"    {var} = H{slot}({var}, None)"]
        return [f"{var} = H{slot}({var}, None)"]
    if base == Mapping[str, Any]:
        return [
            f"if {none_ok}type({var}) is not dict:",
            f"    raise _expected('an object', {var})",
        ]
    # Nested models, tuples, anything else: the converter's hook, resolved once.
    globs[f"H{slot}"] = conv.get_structure_hook(base)
    globs[f"T{slot}"] = base
    if optional:
        return [f"if {var} is not None:", f"    {var} = H{slot}({var}, T{slot})"]
    return [f"{var} = H{slot}({var}, T{slot})"]


def make_model_fn(cls: type, conv: cattrs.Converter, shape: Shape, ctx: Context) -> Hook:
    """``structure(raw, _)``: ``shape`` applied to ``raw``, then checked into ``cls``."""
    attrs.resolve_types(cls)
    globs: dict[str, Any] = {
        "_split": split,
        "_shape": shape,
        "_ctx": ctx,
        "_M": _MISSING,
        "_cls": cls,
        "_expected": expected,
        "_absolute_url": absolute_url,
    }
    if shape.renames or shape.fixers or shape.finish is not None:
        body = ["o, extra = _split(raw, _shape, _ctx)", "get = o.get"]
    else:
        # Nothing to rename or fix: read the wire object itself, no copy.
        globs["_claimed"] = shape.claimed
        globs["_ShapeError"] = ShapeError
        body = [
            "if type(raw) is not dict:",
            "    raise _ShapeError(f'expected a JSON object, got {type(raw).__name__}')",
            "o = raw",
            "get = raw.get",
            "unknown = raw.keys() - _claimed",
            "extra = {key: raw[key] for key in unknown} if unknown else {}",
        ]
    kwargs = []
    for index, field in enumerate(attrs.fields(cls)):
        if not field.init:
            continue
        var, slot = f"v{index}", str(index)
        if field.name == "extra":
            kwargs.append(f"{field.alias}=extra")  # always a fresh dict from the shape step
            continue
        checks = _checks(field.type, conv, var, slot, globs, url=field.name in shape.urls)
        if field.default is attrs.NOTHING:
            body.append(f"{var} = o[{field.name!r}]")
            body.extend(checks)
        elif field.default is None and optional_of(field.type) is not None:
            # Absent and null are the same value here: skip the sentinel.
            body.append(f"{var} = get({field.name!r})")
            body.extend(checks)
        else:
            default = field.default
            if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
                globs[f"D{slot}"] = default.factory
                fallback = f"D{slot}()"
            else:
                globs[f"D{slot}"] = default
                fallback = f"D{slot}"
            body.append(f"{var} = get({field.name!r}, _M)")
            body.append(f"if {var} is _M:")
            body.append(f"    {var} = {fallback}")
            body.append("else:")
            body.extend("    " + line for line in checks)
        kwargs.append(f"{field.alias}={var}")
    body.append(f"return _cls({', '.join(kwargs)})")
    name = f"structure_{cls.__name__}_{ctx.flavour}"
    source = f"def {name}(raw, _=None):\n" + "".join(f"    {line}\n" for line in body)
    exec(compile(source, f"<booru_async generated {name}>", "exec"), globs)
    fn: Hook = globs[name]
    fn.__doc__ = source  # for debugging: the generated source
    return fn
