"""Synthetic media files: build sniffable files, recognise them again.

Generated originals are not real pictures, but their headers are genuine
enough for a dimension sniffer (PNG ``IHDR``, GIF logical screen, JPEG ``SOF0``,
SVG ``width``/``height`` attributes, an EBML/``ftyp`` lead for videos), and
they carry a marker naming the board seed and image id so the fake's reverse
search and upload can recognise its own files.
"""

from __future__ import annotations

import re
import struct
import zlib
from dataclasses import dataclass

_MARKER = re.compile(rb"FAKEBOORU:(-?\d+):(\d+):")


def _png_header(w: int, h: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", len(ihdr))
        + chunk
        + struct.pack(">I", zlib.crc32(chunk))
    )


def _gif_header(w: int, h: int) -> bytes:
    return b"GIF89a" + struct.pack("<HH", w, h) + b"\x00\x00\x00"


def _jpeg_header(w: int, h: int) -> bytes:
    app0 = b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof = (
        b"\xff\xc0"
        + struct.pack(">HBHHB", 17, 8, h, w, 3)
        + b"\x01\x22\x00\x02\x11\x01\x03\x11\x01"
    )
    return b"\xff\xd8" + app0 + sof


def build_file(fmt: str, width: int, height: int, size: int, marker: bytes, filler: bytes) -> bytes:
    """A ``size``-byte file of format ``fmt`` whose header states the dimensions."""
    if fmt == "svg":
        head = (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}"><!--'
        ).encode()
        tail = b"--></svg>\n"
        room = max(0, size - len(head) - len(tail) - len(marker))
        return head + marker + filler.hex().encode()[:room].ljust(room, b"0") + tail
    if fmt == "png":
        head = _png_header(width, height)
    elif fmt == "gif":
        head = _gif_header(width, height)
    elif fmt in ("jpg", "jpeg"):
        head = _jpeg_header(width, height)
    elif fmt == "webm":
        head = b"\x1aE\xdf\xa3\x9fB\x86\x81\x01B\xf7\x81\x01B\xf2\x81\x04B\xf3\x81\x08B\x82\x84webm"
    elif fmt == "mp4":
        head = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"
    else:
        head = b""
    room = max(0, size - len(head) - len(marker))
    return head + marker + (filler * (room // max(1, len(filler)) + 1))[:room]


def marker(seed: int, image_id: int) -> bytes:
    return f"FAKEBOORU:{seed}:{image_id}:".encode()


def find_marker(data: bytes) -> tuple[int, int] | None:
    """``(board seed, image id)`` if ``data`` is a file the fake generated."""
    m = _MARKER.search(data[:512])
    return (int(m[1]), int(m[2])) if m else None


@dataclass(frozen=True)
class Sniffed:
    """What a quick look at a file's header tells."""

    mime_type: str
    format: str
    width: int
    height: int
    animated: bool = False


def sniff(data: bytes) -> Sniffed | None:
    """Recognise PNG/GIF/JPEG/SVG/WebM/MP4 and read dimensions (``0`` if unknown)."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24 and data[12:16] == b"IHDR":
        w, h = struct.unpack(">II", data[16:24])
        return Sniffed("image/png", "png", w, h)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        w, h = struct.unpack("<HH", data[6:10])
        return Sniffed("image/gif", "gif", w, h, animated=True)
    if data.startswith(b"\xff\xd8"):
        i = 2
        while i + 9 < len(data) and data[i] == 0xFF:
            kind = data[i + 1]
            seg_len = struct.unpack(">H", data[i + 2 : i + 4])[0]
            if kind in (0xC0, 0xC1, 0xC2):
                h, w = struct.unpack(">HH", data[i + 5 : i + 9])
                return Sniffed("image/jpeg", "jpg", w, h)
            i += 2 + seg_len
        return Sniffed("image/jpeg", "jpg", 0, 0)
    head = data[:400].lstrip()
    if head.startswith(b"<svg") or (head.startswith(b"<?xml") and b"<svg" in head):
        wm = re.search(rb'width="(\d+)', head)
        hm = re.search(rb'height="(\d+)', head)
        return Sniffed("image/svg+xml", "svg", int(wm[1]) if wm else 0, int(hm[1]) if hm else 0)
    if data.startswith(b"\x1aE\xdf\xa3"):
        return Sniffed("video/webm", "webm", 0, 0, animated=True)
    if data[4:8] == b"ftyp":
        return Sniffed("video/mp4", "mp4", 0, 0, animated=True)
    return None
