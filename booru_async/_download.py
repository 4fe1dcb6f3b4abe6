"""``images.download``: stream a file from the CDN into ``dest``, hash-checked, atomically.

The file is written to a temporary name inside ``dest`` and renamed to ``<id>.<ext>`` only
after its SHA-512 matches the image's ``sha512_hash`` (the hash of the stored full file, so
only the full file and an SVG's original can be checked). A mismatch, an error or a
cancellation deletes the temporary file: nothing partial is ever left under the final name.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Literal, TypeAlias, get_args

import anyio
import anyio.to_thread

from ._errors import IntegrityError
from ._models import Image

__all__ = [
    "REPRESENTATIONS",
    "Representation",
    "complete_file",
    "download_target",
    "file_name",
    "inside",
    "write_verified",
]

Representation: TypeAlias = Literal[
    "full",
    "original",
    "tall",
    "large",
    "medium",
    "small",
    "thumb",
    "thumb_small",
    "thumb_tiny",
    "webm",
    "mp4",
]
REPRESENTATIONS: tuple[str, ...] = get_args(Representation)


def download_target(image: Image, representation: str) -> tuple[str, str, bool]:
    """``(url, extension, verifiable)`` for one representation of an image.

    ``"full"`` is the stored file; for an SVG that is a PNG rendering, and ``"original"``
    is the SVG itself (the same URL with ``.svg``). ``webm``/``mp4`` exist for GIFs only.
    """
    if representation not in REPRESENTATIONS:
        raise ValueError(f"unknown representation {representation!r}; one of {REPRESENTATIONS}")
    reps = image.representations
    if image.hidden or reps is None:
        raise ValueError(f"image {image.id} is hidden or has no files to download")
    svg = (image.format or "").lower() == "svg"
    if representation == "original":
        representation = "full"
        if svg:
            url = _with_extension(reps.full, "svg")
            return url, "svg", True
    url = getattr(reps, representation)
    if url is None:
        raise ValueError(f"image {image.id} has no {representation} representation (GIFs only)")
    extension = _extension(url) or (image.format or "bin")
    # The hash is of the stored file: the full file, except for SVGs, stored as SVG.
    verifiable = representation == "full" and not svg
    return url, extension, verifiable


def file_name(image: Image, representation: str) -> tuple[str, str, bool]:
    """``(name, url, verifiable)``: the file name the SDK gives a download.

    ``<id>.<ext>`` for the full file, an SVG's original and a GIF's ``webm``/``mp4``;
    thumbnails share the full file's extension, so they say which they are:
    ``<id>.<representation>.<ext>``.
    """
    url, extension, verifiable = download_target(image, representation)
    if not extension.isalnum():
        extension = "bin"
    plain = representation in ("full", "original", "webm", "mp4")
    suffix = "" if plain else f".{representation}"
    return f"{image.id}{suffix}.{extension}", url, verifiable


def _sha512_of(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha512").hexdigest()


def inside(folder: Path, relative: str | os.PathLike[str]) -> Path:
    """``folder / relative``, refused (``ValueError``) unless it stays inside ``folder``
    (no absolute path, no ``..``, no symlinked folder leading out)."""
    if not isinstance(relative, str | os.PathLike) or not str(relative).strip():
        raise ValueError("filename must be a non-empty relative path")
    path = folder / relative
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        raise ValueError(f"filename {relative!r} leads outside {folder}") from None
    if path.resolve() == folder.resolve():
        raise ValueError(f"filename {relative!r} names the folder itself")
    if path.is_dir():
        raise ValueError(f"filename {relative!r} names a folder")
    return path


async def complete_file(
    folder: Path,
    image: Image,
    representation: str,
    filename: str | os.PathLike[str] | None = None,
) -> Path | None:
    """The file a download would write, if it is already there and complete: its SHA-512
    matches, or, for files that have no hash to check, it exists (downloads only ever
    rename complete files into place)."""
    name, _url, verifiable = file_name(image, representation)
    path = inside(folder, filename) if filename is not None else folder / name
    if not await anyio.Path(path).is_file():
        return None
    if not verifiable or not image.sha512_hash:
        return path
    digest = await anyio.to_thread.run_sync(_sha512_of, path)
    return path if digest == image.sha512_hash.lower() else None


def _extension(url: str) -> str:
    name = url.rsplit("/", 1)[-1].split("?", 1)[0]
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _with_extension(url: str, extension: str) -> str:
    head, dot, _ = url.rpartition(".")
    return f"{head}.{extension}" if dot else f"{url}.{extension}"


async def write_verified(
    chunks: AsyncIterator[bytes],
    dest: Path,
    name: str,
    *,
    expected_sha512: str | None,
) -> Path:
    """Write ``chunks`` to ``dest/name`` through a temporary file; check the hash first."""
    final = dest / name
    temporary = dest / f".{name}.{secrets.token_hex(4)}.part"
    digest = hashlib.sha512()
    handle = await anyio.open_file(temporary, "wb")
    try:
        try:
            async for chunk in chunks:
                digest.update(chunk)
                await handle.write(chunk)
        finally:
            await handle.aclose()
        actual = digest.hexdigest()
        if expected_sha512 is not None and actual != expected_sha512.lower():
            raise IntegrityError(
                f"{name}: SHA-512 {actual[:16]}… does not match the expected "
                f"{expected_sha512[:16]}…; nothing was kept"
            )
        await anyio.to_thread.run_sync(os.replace, temporary, final)
    except BaseException:
        with anyio.CancelScope(shield=True):
            await anyio.Path(temporary).unlink(missing_ok=True)
        raise
    return final
