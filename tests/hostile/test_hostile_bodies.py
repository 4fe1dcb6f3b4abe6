"""Hostile bodies (issue 12 items 5 and 7 and the body list): truncated, HTML on a 200,
invalid UTF-8, deep nesting, wrong types, gzip that lies, decompression bombs. Each gives
a typed error (or a tolerant parse), never a hang, and the key is in none of them."""

from __future__ import annotations

import gc
import tracemalloc
import zlib

import anyio
import orjson
import pytest
from conftest import ABANDONS_BODY, KEY, ClientFactory, image_json
from hostile_server import Conn, HostileServer, Request, gzip_bomb, gzipped

import booru_async as ba

pytestmark = pytest.mark.anyio

IMAGE = 5
GOOD = orjson.dumps({"image": image_json(IMAGE)})


def serve(body: bytes, *, content_type: str | None = "application/json", headers=(), length=None):  # type: ignore[no-untyped-def]
    async def handler(_request: Request, conn: Conn) -> None:
        await conn.respond(200, body, headers, content_type=content_type, length=length)
        if length is not None and length != len(body):
            conn.close()

    return handler


# (id, body, content type): each must raise ba.DecodeError.
UNDECODABLE = [
    ("html-on-200", b"<!doctype html><html><body>Welcome!</body></html>", "text/html"),
    ("html-labelled-json", b"<html>oops</html>", "application/json"),
    ("empty", b"", "application/json"),
    ("invalid-utf8", b'{"image": {"id": 5, "name": "\xff\xfe"}}', "application/json"),
    ("lone-surrogate", b'{"image": {"id": 5, "name": "\\ud800"}}', "application/json"),
    ("deep-array", b"[" * 100_000 + b"]" * 100_000, "application/json"),
    ("deep-in-field", orjson.dumps({"image": {**image_json(IMAGE), "tags": [[[[[[[]]]]]]]}}),
     "application/json"),
    ("id-is-string", orjson.dumps({"image": {**image_json(IMAGE), "id": "five"}}),
     "application/json"),
    ("id-is-float", orjson.dumps({"image": {**image_json(IMAGE), "id": 5.5}}), "application/json"),
    ("id-huge", b'{"image": {"id": 123456789012345678901234567890}}', "application/json"),
    ("tags-is-object", orjson.dumps({"image": {**image_json(IMAGE), "tags": {"a": 1}}}),
     "application/json"),
    ("date-garbage", orjson.dumps({"image": {**image_json(IMAGE), "created_at": "yesterday"}}),
     "application/json"),
    ("envelope-missing", orjson.dumps({"images": []}), "application/json"),
    ("envelope-is-list", orjson.dumps([image_json(IMAGE)]), "application/json"),
    ("null", b"null", "application/json"),
    ("nan", b'{"image": NaN}', "application/json"),
    ("truncated-json", GOOD[: len(GOOD) // 2], "application/json"),
]


@pytest.mark.parametrize(("name", "body", "content_type"), UNDECODABLE, ids=[u[0] for u in UNDECODABLE])
async def test_undecodable_bodies_raise_decode_error(
    api: HostileServer, client_for: ClientFactory, name: str, body: bytes, content_type: str
) -> None:
    api.handler = serve(body, content_type=content_type)
    async with client_for(api) as client:
        with anyio.fail_after(10), pytest.raises(ba.DecodeError) as caught:
            await client.images.get(IMAGE)
    assert len(caught.value.excerpt) <= 200
    assert len(api.requests) == 1  # a bad body is the server's answer: not retried


# (id, body as a function of the key): a 200 JSON body that echoes the key (item 7).
ECHOES = [
    ("wrong-type-value", lambda k: orjson.dumps({"image": {"id": k}})),
    ("in-a-nested-value", lambda k: orjson.dumps({"image": {**image_json(IMAGE),
                                                            "tags": {"q": f"?key={k}"}}})),
    ("in-a-dict-key", lambda k: orjson.dumps({"image": {"id": 5, "score": {k: 1}}})),
    ("not-json", lambda k: f"error: bad request /api?key={k}".encode()),
    ("html", lambda k: f"<html>you asked for ?key={k}</html>".encode()),
    ("envelope", lambda k: orjson.dumps({"echo": f"key={k}"})),
    ("percent-encoded", lambda k: orjson.dumps({"image": {"id": f"%6B%65%79={k}"}})),
]


@pytest.mark.parametrize(("name", "make"), ECHOES, ids=[e[0] for e in ECHOES])
async def test_decode_error_never_shows_the_key(
    api: HostileServer, client_for: ClientFactory, name: str, make: object
) -> None:
    body = make(KEY)  # type: ignore[operator]
    api.handler = serve(body)
    async with client_for(api) as client:
        with anyio.fail_after(10), pytest.raises(ba.DecodeError) as caught:
            await client.images.get(IMAGE)
    error = caught.value
    shown = [str(error), repr(error), error.excerpt, *error.errors, str(error.request)]
    assert not [text for text in shown if KEY in text]


# -- compression -------------------------------------------------------------------------

LYING_GZIP = [
    ("length-short", gzipped(GOOD), -10),  # Content-Length below the gzip size
    ("length-long", gzipped(GOOD), +100),  # above it: the connection closes early
    ("not-gzip", GOOD, 0),  # says gzip, is plain JSON
    ("bad-crc", gzipped(GOOD)[:-8] + b"\0\0\0\0" + gzipped(GOOD)[-4:], 0),
    ("truncated-stream", gzipped(GOOD)[:40], 0),
    ("deflate-as-gzip", zlib.compress(GOOD), 0),
]


@ABANDONS_BODY
@pytest.mark.parametrize(("name", "body", "delta"), LYING_GZIP, ids=[g[0] for g in LYING_GZIP])
async def test_gzip_that_lies_is_a_typed_error(
    api: HostileServer,
    client_for: ClientFactory,
    name: str,
    body: bytes,
    delta: int,
) -> None:
    api.handler = serve(
        body, headers=[("Content-Encoding", "gzip")], length=len(body) + delta if delta else None
    )
    async with client_for(api) as client:
        with anyio.fail_after(10), pytest.raises((ba.DecodeError, ba.TransportError)):
            await client.images.get(IMAGE)
    # Whatever the failed read left unclosed is collected here, so a warning about it
    # belongs to this test rather than to whichever test the garbage collector runs in.
    gc.collect()


@ABANDONS_BODY
async def test_a_decompression_bomb_stops_at_max_body_bytes(
    api: HostileServer, client_for: ClientFactory
) -> None:
    bomb = gzip_bomb(64 * 1024 * 1024)  # 64 MiB of zeros in about 64 KB
    api.handler = serve(bomb, headers=[("Content-Encoding", "gzip")])
    async with client_for(api, max_body_bytes=1024 * 1024) as client:
        tracemalloc.start()
        try:
            with anyio.fail_after(10), pytest.raises(ba.DecodeError, match="max_body_bytes"):
                await client.images.get(IMAGE)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert len(bomb) < 100_000
    assert peak < 8 * 1024 * 1024  # nowhere near the 64 MiB it inflates to
    assert len(api.requests) == 1  # not retried: the same answer would come again
    gc.collect()


async def test_a_plain_body_over_max_body_bytes_is_refused_unread(
    api: HostileServer, client_for: ClientFactory
) -> None:
    huge = b'{"image": {"id": 5, "description": "' + b"x" * 3_000_000 + b'"}}'
    api.handler = serve(huge)
    async with client_for(api, max_body_bytes=1_000_000) as client:
        with anyio.fail_after(10), pytest.raises(ba.DecodeError, match="max_body_bytes"):
            await client.images.get(IMAGE)
        api.handler = serve(GOOD)  # the connection was dropped, not left half-read
        assert (await client.images.get(IMAGE)).id == IMAGE


def test_max_body_bytes_defaults_to_64_mib_and_is_checked() -> None:
    with pytest.raises(ValueError, match="max_body_bytes"):
        ba.Client("derpibooru", max_body_bytes=0)
    client = ba.Client("derpibooru", max_body_bytes=1)
    assert client.max_body_bytes == 1
    assert ba.Client("derpibooru").max_body_bytes == 64 * 1024 * 1024
