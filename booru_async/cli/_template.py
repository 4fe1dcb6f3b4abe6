"""``download --template``: file names built from image fields, always inside ``--dest``.

A template is Python format syntax over named fields (``{id}.{ext}``,
``{rating}/{artists} - {id}.{ext}``, ``{created_at:%Y/%m}/{id}.{ext}``). The template's own
text may contain ``/`` to make folders; a *field value* never can: every value is made safe
for a file name on every common file system (path separators, NUL and control characters,
``<>:"|?*`` become ``_``; leading and trailing dots and spaces are dropped; each part is cut
to 200 bytes of UTF-8). A template whose text would leave the folder (an absolute path,
``..``) is refused before anything is downloaded. So whatever a server sends, the file lands
inside ``--dest``.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any

import booru_async as ba

__all__ = ["DEFAULT_TEMPLATE", "FIELDS", "check_template", "render", "safe_part"]

DEFAULT_TEMPLATE = "{id}.{ext}"
#: Longest file-name part, in UTF-8 bytes (most file systems allow 255).
MAX_PART_BYTES = 200

_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\<>:"|?*]')
#: Names Windows reserves whatever the extension (a file called ``nul.png`` cannot exist).
_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL"} | {f"{d}{n}" for d in ("COM", "LPT") for n in range(1, 10)}
)


def _artists(image: ba.Image, _ext: str) -> Any:
    return "+".join(image.artists) or "unknown artist"


#: Field name -> value for an image and the file's extension.
FIELDS: Mapping[str, Callable[[ba.Image, str], Any]] = {
    "id": lambda i, _e: i.id,
    "ext": lambda _i, e: e,
    "site": lambda i, _e: i.site,
    "artists": _artists,
    "artist": lambda i, _e: i.artists[0] if i.artists else "unknown artist",
    "rating": lambda i, _e: i.rating or "unrated",
    "rating_tags": lambda i, _e: "+".join(i.rating_tags) or "unrated",
    "sha512_hash": lambda i, _e: i.sha512_hash or "",
    "orig_sha512_hash": lambda i, _e: i.orig_sha512_hash or "",
    "created_at": lambda i, _e: i.created_at,
    "updated_at": lambda i, _e: i.updated_at,
    "first_seen_at": lambda i, _e: i.first_seen_at,
    "width": lambda i, _e: i.width,
    "height": lambda i, _e: i.height,
    "format": lambda i, _e: i.format or "",
    "name": lambda i, _e: i.name or "",
    "score": lambda i, _e: i.score,
    "faves": lambda i, _e: i.faves,
    "uploader": lambda i, _e: i.uploader or "",
    "source": lambda i, _e: i.source_urls[0] if i.source_urls else "",
    "tags": lambda i, _e: "+".join(i.tags),
}


def safe_part(value: str) -> str:
    """One path part that is a plain file name everywhere (never empty, ``.`` or ``..``)."""
    text = _UNSAFE.sub("_", value)
    text = text.strip(" .")
    encoded = text.encode("utf-8")
    if len(encoded) > MAX_PART_BYTES:
        text = encoded[:MAX_PART_BYTES].decode("utf-8", "ignore").rstrip(" .")
    if text.split(".", 1)[0].upper() in _RESERVED:
        text = "_" + text
    return text or "_"


def _field_text(value: Any, spec: str) -> str:
    if value is None:
        return "none"
    if isinstance(value, datetime):
        return format(value, spec or "%Y-%m-%dT%H%M%SZ")
    return format(value, spec)


def _parse(template: str) -> list[tuple[str, str | None, str]]:
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise ValueError(f"bad --template {template!r}: {exc}") from None
    out: list[tuple[str, str | None, str]] = []
    for literal, field, spec, conversion in parsed:
        if field is not None:
            if field not in FIELDS:
                known = ", ".join(sorted(FIELDS))
                raise ValueError(f"unknown --template field {{{field}}}; fields: {known}")
            if conversion:
                raise ValueError(f"--template field {{{field}}}: no !conversions, only :format")
        out.append((literal, field, spec or ""))
    return out


def check_template(template: str) -> None:
    """Refuse, before any download, a template that is malformed, names an unknown field,
    or whose own text would leave the folder."""
    parts = _parse(template)
    literal = "".join(lit + ("x" if field is not None else "") for lit, field, _ in parts)
    if literal.startswith(("/", "\\")) or re.match(r"^[a-zA-Z]:", literal):
        raise ValueError(f"--template must be a relative path inside --dest: {template!r}")
    if any(piece in ("..", ".") for piece in re.split(r"[/\\]", literal)):
        raise ValueError(f"--template must not contain '.' or '..' folders: {template!r}")
    if not any(field is not None for _, field, _ in parts):
        raise ValueError(f"--template names no field, so every file would collide: {template!r}")


def render(template: str, image: ba.Image, ext: str) -> PurePosixPath:
    """The path, relative to ``--dest``, that ``template`` gives ``image``.

    Raises ``ValueError`` for a template :func:`check_template` refuses or a field value
    that cannot be formatted with its spec (``{id:%Y}``).
    """
    check_template(template)
    pieces: list[str] = []
    for literal, field, spec in _parse(template):
        pieces.append(literal.replace("\\", "/"))
        if field is not None:
            try:
                text = _field_text(FIELDS[field](image, ext), spec)
            except (ValueError, TypeError) as exc:
                raise ValueError(f"--template field {{{field}:{spec}}}: {exc}") from None
            # A value is one part of a name: its own separators must not make folders.
            pieces.append(_UNSAFE.sub("_", text))
    parts = [safe_part(p) for p in "".join(pieces).split("/") if p.strip(" .")]
    if not parts:
        raise ValueError(f"--template {template!r} gives an empty name for image {image.id}")
    return PurePosixPath(*parts)
