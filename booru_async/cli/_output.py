"""Output formats: a compact rich table, one JSON document, or JSON lines."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import IO, Any, Literal, TypeAlias

import attr
import attrs
import orjson
from rich import box
from rich.console import Console
from rich.table import Table

import booru_async as ba

__all__ = ["FORMATS", "Emitter", "Format", "dumps", "to_data"]

Format: TypeAlias = Literal["table", "json", "jsonl"]
FORMATS: tuple[Format, ...] = ("table", "json", "jsonl")


def _serialize(_inst: Any, _field: Any, value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Mapping) and not isinstance(value, dict):
        return dict(value)
    return value


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    if attrs.has(type(value)):
        return to_data(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def to_data(obj: Any) -> Any:
    """A model as plain JSON data: every field (``extra`` included), datetimes as ISO-8601
    strings, tuples as lists."""
    if attrs.has(type(obj)):
        return attr.asdict(obj, retain_collection_types=False, value_serializer=_serialize)
    return obj


def dumps(obj: Any) -> str:
    """One JSON document on one line."""
    return orjson.dumps(to_data(obj), default=_default, option=orjson.OPT_NON_STR_KEYS).decode()


# -- tables -------------------------------------------------------------------------------


def _size(image: ba.Image) -> str:
    return f"{image.width}x{image.height}" if image.width and image.height else ""


def _tags(tags: tuple[str, ...], n: int = 5) -> str:
    shown = ", ".join(tags[:n])
    return shown + (f", … (+{len(tags) - n})" if len(tags) > n else "")


def _text(value: object, width: int = 60) -> str:
    if value is None:
        return ""
    text = " ".join(str(value).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


Column = tuple[str, Callable[[Any], object]]
_COLUMNS: dict[type, tuple[Column, ...]] = {
    ba.Image: (
        ("id", lambda i: i.id),
        ("score", lambda i: "" if i.score is None else i.score),
        ("size", _size),
        ("format", lambda i: i.format or ("hidden" if i.hidden else "")),
        ("tags", lambda i: _tags(i.tags)),
    ),
    ba.Tag: (
        ("id", lambda t: t.id),
        ("name", lambda t: t.name),
        ("category", lambda t: t.category or ""),
        ("images", lambda t: t.images),
        ("aliased to", lambda t: t.aliased_tag or ""),
    ),
    ba.Comment: (
        ("id", lambda c: c.id),
        ("image", lambda c: c.image_id or ""),
        ("author", lambda c: c.author or ""),
        ("created", lambda c: _when(c.created_at)),
        ("body", lambda c: _text(c.body)),
    ),
    ba.User: (
        ("id", lambda u: u.id),
        ("name", lambda u: u.name),
        ("role", lambda u: u.role or ""),
        ("created", lambda u: _when(u.created_at)),
        ("uploads", lambda u: "" if u.uploads_count is None else u.uploads_count),
    ),
    ba.Filter: (
        ("id", lambda f: f.id),
        ("name", lambda f: f.name),
        ("system", lambda f: "yes" if f.system else ""),
        ("public", lambda f: "yes" if f.public else ""),
        ("users", lambda f: "" if f.user_count is None else f.user_count),
    ),
    ba.Gallery: (
        ("id", lambda g: g.id),
        ("title", lambda g: _text(g.title, 40)),
        ("creator", lambda g: g.creator or ""),
        ("thumbnail", lambda g: g.thumbnail_id or ""),
    ),
}


def _console(file: IO[str]) -> Console:
    # Wide enough that ids and tags are not folded when stdout is a file or a pipe.
    width = None if file.isatty() else 160
    return Console(file=file, width=width, highlight=False, soft_wrap=False)


def _list_table(items: list[Any]) -> Table:
    columns = _COLUMNS.get(type(items[0]))
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    if columns is None:  # a plain dict (sites) or a model without a table of its own
        rows = [to_data(item) for item in items]
        names = [k for k in rows[0] if k != "extra"]
        for name in names:
            table.add_column(name, overflow="fold")
        for row in rows:
            table.add_row(*(_cell(row.get(name)) for name in names))
        return table
    for name, _ in columns:
        last = name in ("tags", "body", "title")
        table.add_column(
            name,
            no_wrap=not last,
            overflow="ellipsis" if last else "fold",
            justify="right" if name in ("id", "score", "images") else "left",
        )
    for item in items:
        table.add_row(*(str(get(item)) for _, get in columns))
    return table


def _cell(value: Any) -> str:
    if isinstance(value, Mapping):
        return ", ".join(f"{k} {_cell(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(_cell(v) for v in value)
    return "" if value is None else str(value)


def _detail_table(obj: Any) -> Table:
    data = to_data(obj)
    table = Table(box=box.SIMPLE, show_header=False, pad_edge=False, show_edge=False)
    table.add_column("field", style="bold", no_wrap=True)
    table.add_column("value", overflow="fold")
    for name, value in data.items():
        if name == "extra" and not value:
            continue
        if isinstance(value, Mapping):
            text = "\n".join(
                f"{k}: {_cell(v)}" for k, v in value.items() if v not in (None, {}, [])
            )
        elif isinstance(value, list):
            text = _cell(value)
        else:
            text = "" if value is None else str(value)
        table.add_row(name, text)
    return table


class Emitter:
    """Writes items in one of the formats. ``jsonl`` streams each item as it arrives;
    ``json`` and ``table`` collect them and write at :meth:`close`."""

    def __init__(self, fmt: Format, *, single: bool = False, file: IO[str] | None = None) -> None:
        self.fmt = fmt
        self.single = single
        self._file = file
        self._items: list[Any] = []

    @property
    def file(self) -> IO[str]:
        return self._file or sys.stdout

    def add(self, item: Any) -> None:
        if self.fmt == "jsonl":
            self.file.write(dumps(item) + "\n")
            self.file.flush()
        else:
            self._items.append(item)

    def close(self) -> None:
        if self.fmt == "jsonl":
            return
        if self.fmt == "json":
            document = self._items[0] if self.single and self._items else self._items
            self.file.write(dumps(document) + "\n")
            self.file.flush()
            return
        if not self._items:
            return
        console = _console(self.file)
        if self.single:
            console.print(_detail_table(self._items[0]))
        else:
            console.print(_list_table(self._items))
