"""Downloads from a hostile CDN (issue 12 items 10 and 11): ``skip_existing`` trusts only
what it can check, stale ``.part`` files go, and file names stay plain ASCII whatever the
server's URLs say."""

# ruff: noqa: ASYNC240  (tmp_path is inspected after the client is done)
from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from conftest import KEY, ClientFactory, file_bytes, image_json
from hostile_server import Conn, HostileServer, Request

import booru_async as ba
from booru_async._download import (
    MAX_REDIRECTS,
    STALE_PART_AGE,
    expected_size,
    redirect_target,
    safe_extension,
)

pytestmark = pytest.mark.anyio

IMAGE = 21


def serving(api: HostileServer, cdn: HostileServer, data: bytes, **fields: Any) -> None:
    """The API answers image IMAGE (with ``fields``); the CDN serves ``data`` for any file."""

    async def meta(_request: Request, conn: Conn) -> None:
        await conn.json({"image": image_json(IMAGE, cdn=cdn.url, data=data, **fields)})

    async def files(_request: Request, conn: Conn) -> None:
        await conn.respond(200, data, content_type="image/png")

    api.handler, cdn.handler = meta, files


# -- skip_existing (item 10) ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("representation", "fields", "on_disk", "kept"),
    [
        # a 1-byte truncated thumbnail: thumbnails have no hash or size, so never trusted
        ("thumb", {}, b"\x89", False),
        # a complete thumbnail is not trusted either (nothing to check it against)
        ("thumb", {}, "whole", False),
        # a truncated full file whose hash is null: the size catches it
        ("full", {"sha512_hash": None}, "half", False),
        # ... and a complete one with a null hash but the right size is kept
        ("full", {"sha512_hash": None}, "whole", True),
        # null hash and null size: orig_size stands in
        ("full", {"sha512_hash": None, "size": None}, "half", False),
        ("full", {"sha512_hash": None, "size": None}, "whole", True),
        # null hash, no size at all: cannot be checked, fetched again
        ("full", {"sha512_hash": None, "size": None, "orig_size": None}, "whole", False),
        # the hash decides where there is one
        ("full", {}, "whole", True),
        ("full", {}, "tampered", False),
    ],
    ids=[
        "thumb-1-byte",
        "thumb-whole",
        "full-nohash-truncated",
        "full-nohash-whole",
        "full-nohash-nosize-truncated",
        "full-nohash-nosize-whole",
        "full-nothing-to-check",
        "full-hash-whole",
        "full-hash-tampered",
    ],
)
async def test_skip_existing_trusts_only_what_it_can_check(
    api: HostileServer,
    other: HostileServer,
    client_for: ClientFactory,
    tmp_path: Path,
    representation: str,
    fields: dict[str, Any],
    on_disk: bytes | str,
    kept: bool,
) -> None:
    data = file_bytes(IMAGE, 4096)
    serving(api, other, data, **fields)
    existing = {
        "whole": data,
        "half": data[: len(data) // 2],
        "tampered": data[:-1] + b"!",
    }.get(on_disk, on_disk)  # type: ignore[call-overload]
    suffix = "" if representation == "full" else f".{representation}"
    target = tmp_path / f"{IMAGE}{suffix}.png"
    target.write_bytes(existing)
    async with client_for(api) as client:
        image = await client.images.get(IMAGE)
        with anyio.fail_after(10):
            path = await client.images.download(
                image, tmp_path, representation=representation, skip_existing=True  # type: ignore[arg-type]
            )
    assert path == target
    assert len(other.requests) == (0 if kept else 1)
    assert path.read_bytes() == (existing if kept else data)
    assert not [r for r in other.requests if KEY.encode() in r.raw]


async def test_stale_part_files_are_cleaned_and_live_ones_kept(
    api: HostileServer, other: HostileServer, client_for: ClientFactory, tmp_path: Path
) -> None:
    data = file_bytes(IMAGE)
    serving(api, other, data)
    stale = tmp_path / f".{IMAGE}.png.deadbeef.part"  # left by kill -9 an hour ago
    stale.write_bytes(b"partial")
    old = time.time() - STALE_PART_AGE - 60
    os.utime(stale, (old, old))
    live = tmp_path / f".{IMAGE}.png.cafebabe.part"  # another process writing right now
    live.write_bytes(b"partial")
    unrelated = tmp_path / ".999.png.deadbeef.part"
    unrelated.write_bytes(b"x")
    os.utime(unrelated, (old, old))
    async with client_for(api) as client:
        image = await client.images.get(IMAGE)
        path = await client.images.download(image, tmp_path)
    assert path.read_bytes() == data
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [f"{IMAGE}.png", live.name, unrelated.name]
    )


def test_expected_size_table() -> None:
    def image(**fields: Any) -> ba.Image:
        raw = image_json(IMAGE, **fields)
        return ba.Image(
            id=IMAGE,
            site="x",
            url="https://x.test/images/21",
            size=raw["size"],
            orig_size=raw["orig_size"],
            format="png",
            representations=ba.Representations(**raw["representations"]),
        )

    assert expected_size(image(size=10, orig_size=20), "full") == 10
    assert expected_size(image(size=None, orig_size=20), "full") == 20
    assert expected_size(image(size=None, orig_size=None), "full") is None
    assert expected_size(image(size=10), "thumb") is None
    assert expected_size(image(size=10), "large") is None


# -- file names (item 11) -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("url_tail", "format", "expected"),
    [
        ("full.png", "png", "png"),
        ("full.JPEG", "jpeg", "jpeg"),
        ("full.1\u00b2\u0660", "png", "png"),  # non-ASCII digits: not an extension
        ("full.\uff50\uff4e\uff47", "png", "png"),  # full-width letters
        ("full.\u017fvg", "svg", "svg"),  # long s: lower-cases into ASCII-looking text
        ("full." + "a" * 300, "png", "png"),  # would make the name too long
        ("full.p%2Fng", "png", "png"),
        ("full.png?x=../../etc", "png", "png"),
        ("full.png#frag.exe", "png", "png"),
        ("full", "gif", "gif"),
        ("full.", "webm", "webm"),
        ("full.1\u00b2\u0660", "\u00b2", "bin"),  # the format is no better
        ("full.1\u00b2\u0660", None, "bin"),
        ("full.x" * 1, "../..", "x"),
    ],
)
async def test_file_names_are_plain_ascii(
    api: HostileServer,
    other: HostileServer,
    client_for: ClientFactory,
    tmp_path: Path,
    url_tail: str,
    format: str | None,
    expected: str,
) -> None:
    data = file_bytes(IMAGE)
    full = f"{other.url}/img/{IMAGE}/{url_tail}"
    reps = dict.fromkeys(("full", "tall", "large", "medium", "small", "thumb", "thumb_small", "thumb_tiny"), full)
    serving(api, other, data, representations=reps, format=format)
    async with client_for(api) as client:
        image = await client.images.get(IMAGE)
        path = await client.images.download(image, tmp_path)
    assert path.name == f"{IMAGE}.{expected}"
    assert path.name.isascii() and path.parent == tmp_path
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("png", "png"), ("PNG", "png"), ("mp4", "mp4"), ("", ""), ("\u00b2", ""), ("\u0660", ""),
     ("\uff50\uff4e\uff47", ""), ("p.g", ""), ("a" * 9, ""), ("a" * 8, "a" * 8), ("\u0130", ""), ("\u212a", "")],
)
def test_safe_extension_table(text: str, expected: str) -> None:
    assert safe_extension(text) == expected


# -- redirects, as a pure decision (item 9) -------------------------------------------------


@pytest.mark.parametrize(
    ("location", "allowed"),
    [
        ("https://cdn2.example/f.png", True),
        ("/elsewhere/f.png", False),  # relative to an http CDN: stays plain http
        ("http://cdn2.example/f.png", False),
        ("http://127.0.0.1:8080/f.png", True),  # loopback: test servers
        ("http://[::1]/f.png", True),
        ("ftp://cdn2.example/f.png", False),
        ("file:///etc/passwd", False),
        ("javascript:alert(1)", False),
    ],
)
def test_redirect_target_table(location: str, allowed: bool) -> None:
    request = httpx.Request("GET", "http://cdn.example/f.png")
    response = httpx.Response(302, headers={"Location": location}, request=request)
    if allowed:
        assert redirect_target(response, 0) is not None
    else:
        with pytest.raises(ba.TransportError, match="redirect"):
            redirect_target(response, 0)


def test_redirect_target_limits_hops_and_ignores_non_redirects() -> None:
    request = httpx.Request("GET", "https://cdn.example/f.png")
    moved = httpx.Response(301, headers={"Location": "https://cdn.example/g.png"},
                           request=request)
    assert redirect_target(moved, MAX_REDIRECTS - 1) == httpx.URL("https://cdn.example/g.png")
    with pytest.raises(ba.TransportError, match="redirects"):
        redirect_target(moved, MAX_REDIRECTS)
    assert redirect_target(httpx.Response(200, request=request), 0) is None
    with pytest.raises(ba.TransportError, match="Location"):
        redirect_target(httpx.Response(302, request=request), 0)


def test_hash_of_file_bytes_is_what_the_json_says() -> None:  # the fixture itself
    data = file_bytes(IMAGE)
    assert image_json(IMAGE, data=data)["sha512_hash"] == hashlib.sha512(data).hexdigest()
