"""``images.download``: stream a file from the CDN into ``dest``, hash-checked, atomically.

The file is written to a temporary name inside ``dest`` and renamed to ``<id>.<ext>`` only
after its SHA-512 matches the image's ``sha512_hash`` (the hash of the stored full file, so
only the full file and an SVG's original can be checked). A mismatch, an error or a
cancellation deletes the temporary file: nothing partial is ever left under the final name.
A ``kill -9`` cannot run that cleanup; its ``.part`` file is removed by the next download of
the same name once nothing has written to it for :data:`STALE_PART_AGE` seconds.

Names are plain ASCII: ``<id>.<ext>`` where ``ext`` is 1 to :data:`MAX_EXTENSION` characters
of ``[a-z0-9]`` taken from the file URL (else the image's format, else ``bin``), so a server
value can neither reach outside ``dest`` nor make a name the file system refuses.

Redirects (:func:`redirect_target`): a file download follows a redirect only to https (or to
a loopback host, for local test servers), at most :data:`MAX_REDIRECTS` times. Off-CDN hosts
are followed: the redirect is the CDN's own word, TLS authenticates where it points, the full
file is still hash-checked, and the key is never sent with a file request on any host.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import time
from collections.abc import AsyncIterator
from pathlib import Path
from stat import S_ISREG
from typing import Literal, TypeAlias, get_args

import anyio
import anyio.to_thread
import httpx

from ._errors import IntegrityError, RequestInfo, TransportError
from ._models import Image
from ._transport._key import is_loopback

__all__ = [
    "MAX_EXTENSION",
    "MAX_REDIRECTS",
    "REPRESENTATIONS",
    "STALE_PART_AGE",
    "Representation",
    "complete_file",
    "download_target",
    "expected_size",
    "file_name",
    "inside",
    "is_complete",
    "redirect_target",
    "remove_stale_parts",
    "safe_extension",
    "write_verified",
]

#: Longest file extension kept from a URL (``jpeg``, ``webm``, ``svg`` all fit).
MAX_EXTENSION = 8
#: Redirects a file download follows before giving up.
MAX_REDIRECTS = 5
#: Seconds without a write after which a ``.part`` file is taken as left by a killed process
#: (a live download writes far more often: ``timeout`` bounds each attempt).
STALE_PART_AGE = 15 * 60.0
_EXTENSION = re.compile(rf"[a-z0-9]{{1,{MAX_EXTENSION}}}")

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
    extension = safe_extension(_extension(url)) or safe_extension(image.format or "") or "bin"
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
    plain = representation in ("full", "original", "webm", "mp4")
    suffix = "" if plain else f".{representation}"
    return f"{image.id}{suffix}.{extension}", url, verifiable


def safe_extension(text: str) -> str:
    """``text`` lower-cased if it is 1 to :data:`MAX_EXTENSION` plain ASCII letters or
    digits, else ``""`` (``str.isalnum`` alone lets superscript and Arabic-Indic digits
    through)."""
    if not text.isascii():  # before lower(): the Kelvin sign lower-cases to "k"
        return ""
    text = text.lower()
    return text if _EXTENSION.fullmatch(text) else ""


def expected_size(image: Image, representation: str) -> int | None:
    """The size in bytes the file must have, where the image says: ``size`` is the stored
    file (the full file, or an SVG's original); ``orig_size`` (the upload) stands in when
    ``size`` is missing. A wrong guess only costs a download again. Thumbnails and
    GIF conversions have no size in the API: ``None``."""
    _url, _extension, verifiable = download_target(image, representation)
    if not verifiable:
        return None
    return image.size if image.size is not None else image.orig_size


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
    *,
    announced_size: int | None = None,
) -> Path | None:
    """The file a download would write (``filename`` inside ``folder``, else the SDK's
    name), if it is already there and can be shown complete (see :func:`is_complete`)."""
    name, _url, _verifiable = file_name(image, representation)
    path = inside(folder, filename) if filename is not None else folder / name
    return path if await is_complete(path, image, representation, announced_size) else None


async def is_complete(
    path: Path, image: Image, representation: str, announced_size: int | None = None
) -> bool:
    """Whether ``path`` holds ``representation`` of ``image`` whole.

    Only what can be checked is trusted: the SHA-512 where the image has one for this file,
    else the size the image gives (``size``/``orig_size``), else ``announced_size`` (what
    the CDN says, e.g. a ``Content-Length``). A file none of these can check, such as a
    thumbnail with nothing announced, is not trusted and is downloaded again.
    """
    _url, _extension, verifiable = download_target(image, representation)
    try:
        stat = await anyio.Path(path).stat()
    except OSError:
        return False
    if not S_ISREG(stat.st_mode):
        return False
    size = expected_size(image, representation)
    if size is None:
        size = announced_size
    if verifiable and image.sha512_hash:
        if size is not None and stat.st_size != size:
            return False  # cheaper than hashing a truncated file
        digest = await anyio.to_thread.run_sync(_sha512_of, path)
        return digest == image.sha512_hash.lower()
    return size is not None and stat.st_size == size


def _extension(url: str) -> str:
    name = url.split("#", 1)[0].split("?", 1)[0].rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def redirect_target(response: httpx.Response, hops: int) -> httpx.URL | None:
    """Where a file download goes next: ``None`` when ``response`` is not a redirect,
    the absolute ``Location`` when it may be followed; otherwise :class:`TransportError`
    (plain http to a non-loopback host, no ``Location``, too many hops)."""
    if response.status_code not in (301, 302, 303, 307, 308):
        return None
    info = RequestInfo(response.request.method, str(response.request.url))
    location = response.headers.get("location")
    if not location:
        raise TransportError("the CDN redirected without a Location", request=info)
    try:
        target = response.request.url.join(location)
    except (httpx.InvalidURL, ValueError) as exc:
        raise TransportError(
            f"the CDN redirected to an invalid URL ({exc})", request=info
        ) from None
    if target.scheme != "https" and not (target.scheme == "http" and is_loopback(target.host)):
        raise TransportError(
            f"refused a download redirect to {target.scheme}://{target.host}: "
            "files follow redirects only to https",
            request=info,
        )
    if hops >= MAX_REDIRECTS:
        raise TransportError(f"more than {MAX_REDIRECTS} redirects", request=info)
    return target


async def remove_stale_parts(folder: Path, name: str, *, now: float | None = None) -> int:
    """Delete ``.part`` files of ``name`` in ``folder`` that nothing has written to for
    :data:`STALE_PART_AGE` seconds (left by a killed process); how many went."""

    def sweep() -> int:
        moment = time.time() if now is None else now
        removed = 0
        try:
            candidates = list(folder.glob(f".{_glob_escape(name)}.*.part"))
        except OSError:
            return 0
        for path in candidates:
            try:
                if moment - path.stat().st_mtime >= STALE_PART_AGE:
                    path.unlink()
                    removed += 1
            except OSError:
                continue  # gone already, or not ours to delete
        return removed

    return await anyio.to_thread.run_sync(sweep)


def _glob_escape(name: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", name)


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
    await remove_stale_parts(dest, name)
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
