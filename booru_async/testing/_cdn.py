"""The fake CDN: serves image files at their representation URLs.

``/img/view/Y/M/D/<id>[__slugs].<ext>`` and ``/img/Y/M/D/<id>/full.<ext>`` give
the original file (its sha512 equals the image's ``sha512_hash``; SVG originals
are at the ``.svg`` extension while ``.png`` is the rendered raster); other
versions give deterministic derivative bytes.  The date must match the image's
``created_at``; hidden images are not served (403, like the real CDN's
permission-keyed paths).
"""

from __future__ import annotations

from booru_async.testing._board import Board, Image, derivative_bytes, image_file_bytes
from booru_async.testing._http import Response, empty_text
from booru_async.testing._urls import THUMB_VERSIONS, parse_cdn_path

CDN_CACHE = "public, max-age=2147483647"
MIME_BY_EXT = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "svg": "image/svg+xml",
    "webm": "video/webm",
    "mp4": "video/mp4",
}


def corrupt(data: bytes) -> bytes:
    """Flip bytes in the middle so the hash no longer matches."""
    if not data:
        return b"\x00"
    mid = len(data) // 2
    return data[:mid] + bytes([data[mid] ^ 0xFF]) + data[mid + 1 :]


def file_for(board: Board, image: Image, version: str, ext: str) -> bytes | None:
    fmt = image.format.lower()
    original_ext = fmt
    if version in ("view", "full"):
        if ext == original_ext:
            return image_file_bytes(image, board.seed)
        if fmt == "svg" and ext == "png":
            return derivative_bytes(image, board.seed, "rendered", "png")
        if fmt == "gif" and version == "full" and ext in ("webm", "mp4"):
            return derivative_bytes(image, board.seed, "full", ext)
        return None
    if version not in THUMB_VERSIONS and version != "rendered":
        return None
    expected = "png" if fmt == "svg" else fmt
    if ext != expected and not (fmt == "gif" and ext in ("webm", "mp4")):
        return None
    return derivative_bytes(image, board.seed, version, ext)


def serve_cdn(board: Board, path: str, corrupt_ids: frozenset[int]) -> Response:
    parsed = parse_cdn_path(path)
    if parsed is None:
        return empty_text(404)
    image = board.images.get(parsed.image_id)
    if image is None:
        return empty_text(404)
    d = image.created_at
    if parsed.date != (d.year, d.month, d.day):
        return empty_text(404)
    if image.hidden_from_users:
        return empty_text(403)
    data = file_for(board, image, parsed.version, parsed.ext)
    if data is None:
        return empty_text(404)
    if image.id in corrupt_ids:
        data = corrupt(data)
    resp = Response(200, data, MIME_BY_EXT.get(parsed.ext, "application/octet-stream"))
    resp.set_header("cache-control", CDN_CACHE)
    return resp
