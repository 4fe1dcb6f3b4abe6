"""The key-leak sweep: one client with a distinctive key goes through every hostile path
(echoing errors and bodies, cross-host redirects, the CDN, a SQLite cache), then the key is
searched for everywhere it must not be: every log record at DEBUG (httpx and httpcore
included), every exception's str and repr, ``client.stats``, reprs, the cache file, and
every request that reached a host other than the API."""

# ruff: noqa: ASYNC240  (the cache file is read after the client is closed)
from __future__ import annotations

from pathlib import Path

import anyio
import orjson
import pytest
from conftest import FAST_RETRY, KEY, LogCapture, image_json, site_for
from hostile_server import Conn, HostileServer, Request, Reroute

import booru_async as ba

pytestmark = pytest.mark.anyio

IMAGE = 31


async def test_the_key_is_found_nowhere(
    api: HostileServer, other: HostileServer, all_logs: LogCapture, tmp_path: Path
) -> None:
    async def api_handler(request: Request, conn: Conn) -> None:
        echo = request.target  # what a careless server repeats: the URL, key included
        path = request.path
        if path.endswith(f"/images/{IMAGE}"):
            await conn.json({"image": image_json(IMAGE, cdn=other.url)},
                            [("X-Request", echo), ("Cache-Control", "max-age=60")])
        elif path.endswith("/images/404"):
            await conn.respond(404, orjson.dumps({"error": f"no {echo}"}), [("X-Echo", echo)])
        elif path.endswith("/images/500"):
            await conn.respond(500, f"<html>failed: {echo}</html>".encode(), content_type="text/html")
        elif path.endswith("/images/502"):
            await conn.respond(502, f"bad gateway {echo}".encode(), content_type="text/plain")
        elif path.endswith("/images/1"):
            await conn.json({"image": {"id": echo}})  # a DecodeError holding the key
        elif path.endswith("/images/2"):
            await conn.respond(200, f"not json {echo}".encode())
        elif path.endswith("/images/3"):
            await conn.respond(302, b"", [("Location", f"{other.url}/x?{request.query_string}")],
                               content_type=None)
        elif path.endswith("/images/4"):
            await conn.respond(301, b"", [("Location", f"http://evil.example/{echo}")],
                               content_type=None)
        elif path.endswith("/images/5"):
            await conn.respond(429, orjson.dumps({"error": echo}), [("Retry-After", "0.01"),
                                                                     ("X-Echo", echo)])
        else:
            await conn.json({"images": [image_json(7), {"id": echo}], "total": 2})

    async def other_handler(request: Request, conn: Conn) -> None:
        if request.path.startswith("/img/"):
            await conn.respond(200, b"", content_type="image/png")
        else:
            await conn.json({"image": image_json(IMAGE)})

    api.handler, other.handler = api_handler, other_handler
    network = Reroute({api.host: api, "evil.example": other})
    cache_path = tmp_path / "cache.sqlite"
    errors: list[BaseException] = []
    async with ba.Client(
        site_for(api),
        key=KEY,
        cache=ba.SQLiteCache(cache_path),
        retry=ba.RetryPolicy(retries=1, rate_limit_retries=1, backoff_base=0.01),
        transport=network,
    ) as client:
        with anyio.fail_after(30):
            image = await client.images.get(IMAGE)
            await client.images.get(IMAGE)  # from the cache
            for bad in (404, 500, 502, 1, 2, 3, 4, 5):
                try:
                    await client.images.get(bad)
                except ba.BooruError as exc:
                    errors.append(exc)
            try:
                async for _ in client.images.search("safe"):
                    pass
            except ba.BooruError as exc:
                errors.append(exc)
            try:
                await client.images.download(image, tmp_path, representation="thumb")
            except ba.BooruError as exc:
                errors.append(exc)
        shown = [repr(client), repr(client.stats), str(client.stats), repr(image), repr(client.images)]
        stats = client.stats
    assert len(errors) >= 6
    for exc in errors:
        shown += [str(exc), repr(exc), str(getattr(exc, "request", "")),
                  getattr(exc, "excerpt", ""), getattr(exc, "body_excerpt", ""),
                  *getattr(exc, "errors", ())]
    assert not [text for text in shown if KEY in text]
    assert not [text for text in all_logs.texts() if KEY in text]
    assert KEY not in repr(stats)
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("cache.sqlite*"))
    assert stored and KEY.encode() not in stored
    off_api = [u for u in network.sent if u.host != api.host]
    assert off_api and not [str(u) for u in off_api if KEY in str(u)]
    assert not [r.raw for r in other.requests if KEY.encode() in r.raw]


async def test_the_key_reaches_the_api_host_and_only_it(
    api: HostileServer, other: HostileServer, all_logs: LogCapture, tmp_path: Path
) -> None:
    """Plain answers, an error that echoes the URL, the CDN, a SQLite cache."""

    async def api_handler(request: Request, conn: Conn) -> None:
        if request.path.endswith("/images/404"):
            await conn.respond(404, orjson.dumps({"error": f"no {request.target}"}))
        else:
            await conn.json({"image": image_json(IMAGE, cdn=other.url)})

    async def cdn(_request: Request, conn: Conn) -> None:
        await conn.respond(200, b"\x89PNG", content_type="image/png")

    api.handler, other.handler = api_handler, cdn
    async with ba.Client(site_for(api), key=KEY, cache=ba.SQLiteCache(tmp_path / "c.db"),
                         retry=FAST_RETRY) as client:
        image = await client.images.get(IMAGE)
        with pytest.raises(ba.NotFound) as missing:
            await client.images.get(404)
        await client.images.download(image, tmp_path, representation="thumb")
        shown = [repr(client), repr(client.stats), str(missing.value), repr(missing.value),
                 missing.value.body_excerpt]
    assert all(r.query.get("key") == KEY for r in api.requests)
    assert other.requests and not [r for r in other.requests if KEY.encode() in r.raw]
    assert not [t for t in shown if KEY in t]
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("c.db*"))
    assert KEY.encode() not in stored
