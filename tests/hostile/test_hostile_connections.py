"""Connections (issue 12 items 6 and 8): refused, reset and stalled before and after the
headers, and bodies trickled at a few bytes a second. ``timeout`` bounds a whole attempt,
and a failure after the headers is retried like one before them."""

from __future__ import annotations

import socket
import time

import anyio
import orjson
import pytest
from conftest import FAST_RETRY, ClientFactory, image_json
from hostile_server import Conn, HostileServer, Request

import booru_async as ba

pytestmark = pytest.mark.anyio

IMAGE = 3
GOOD = orjson.dumps({"image": image_json(IMAGE)})
ATTEMPTS = 1 + FAST_RETRY.retries


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_refused_connection_is_retried_then_a_typed_error(
    client_for: ClientFactory,
) -> None:
    server = HostileServer()  # never started: only for its URL
    server.port = free_port()
    async with client_for(server) as client:
        with anyio.fail_after(10), pytest.raises(ba.TransportError):
            await client.images.get(IMAGE)
        assert client.stats.retries == FAST_RETRY.retries


async def reset_before_headers(_request: Request, conn: Conn) -> None:
    conn.reset()


async def close_before_headers(_request: Request, conn: Conn) -> None:
    conn.close()


async def garbage_status_line(_request: Request, conn: Conn) -> None:
    await conn.send(b"HTCPCP/1.0 418 I'm a teapot\r\n\r\n")
    conn.close()


async def reset_mid_body(_request: Request, conn: Conn) -> None:
    await conn.head(200, [("Content-Type", "application/json"), ("Content-Length", str(len(GOOD)))])
    await conn.send(GOOD[:100])
    conn.reset()


async def close_mid_body(_request: Request, conn: Conn) -> None:
    await conn.head(200, [("Content-Type", "application/json"), ("Content-Length", str(len(GOOD)))])
    await conn.send(GOOD[:100])
    conn.close()


async def bad_chunking(_request: Request, conn: Conn) -> None:
    await conn.head(200, [("Content-Type", "application/json"), ("Transfer-Encoding", "chunked")])
    await conn.send(b"zz\r\n" + GOOD[:10] + b"\r\n")
    conn.close()


BEFORE_HEADERS = [reset_before_headers, close_before_headers, garbage_status_line]
AFTER_HEADERS = [reset_mid_body, close_mid_body, bad_chunking]


@pytest.mark.parametrize("fault", BEFORE_HEADERS, ids=lambda f: f.__name__)
async def test_failure_before_headers_is_retried(
    api: HostileServer, client_for: ClientFactory, fault: object
) -> None:
    api.handler = fault  # type: ignore[assignment]
    async with client_for(api) as client:
        with anyio.fail_after(10), pytest.raises(ba.TransportError):
            await client.images.get(IMAGE)
    assert len(api.requests) == ATTEMPTS


@pytest.mark.parametrize("fault", AFTER_HEADERS, ids=lambda f: f.__name__)
async def test_failure_after_headers_is_retried_like_before(
    api: HostileServer, client_for: ClientFactory, fault: object
) -> None:
    api.handler = fault  # type: ignore[assignment]
    async with client_for(api) as client:
        with anyio.fail_after(10), pytest.raises(ba.TransportError):
            await client.images.get(IMAGE)
    assert len(api.requests) == ATTEMPTS


@pytest.mark.parametrize(
    "fault",
    [
        *BEFORE_HEADERS,
        *AFTER_HEADERS,
    ],
    ids=lambda f: f.__name__,
)
async def test_one_failure_then_success_recovers(
    api: HostileServer, client_for: ClientFactory, fault: object
) -> None:
    calls = 0

    async def flaky(request: Request, conn: Conn) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            await fault(request, conn)  # type: ignore[operator]
        else:
            await conn.respond(200, GOOD)

    api.handler = flaky
    async with client_for(api) as client:
        with anyio.fail_after(10):
            assert (await client.images.get(IMAGE)).id == IMAGE
        assert client.stats.retries == 1


# -- stalls and trickles: timeout bounds the whole attempt (item 6) ------------------------


async def stall_before_headers(_request: Request, conn: Conn) -> None:
    await conn.stall(30)


async def stall_mid_body(_request: Request, conn: Conn) -> None:
    await conn.head(200, [("Content-Type", "application/json"), ("Content-Length", str(len(GOOD)))])
    await conn.send(GOOD[:50])
    await conn.stall(30)


async def trickle(_request: Request, conn: Conn) -> None:
    # 8 bytes every 0.2 s: each read arrives well inside any read timeout.
    await conn.head(200, [("Content-Type", "application/json"), ("Content-Length", str(len(GOOD)))])
    await conn.trickle(GOOD, rate=40, chunk=8)


async def trickle_headers(_request: Request, conn: Conn) -> None:
    await conn.send(b"HTTP/1.1 200 OK\r\n")
    for n in range(200):
        await conn.send(f"X-Pad-{n}: y\r\n".encode())
        await anyio.sleep(0.1)


TIMEOUT = 0.8


@pytest.mark.parametrize(
    "fault",
    [stall_before_headers, stall_mid_body],
    ids=lambda f: f.__name__,
)
async def test_a_stall_times_out_within_the_timeout(
    api: HostileServer, client_for: ClientFactory, fault: object
) -> None:
    api.handler = fault  # type: ignore[assignment]
    async with client_for(api, timeout=TIMEOUT, retry=ba.RetryPolicy(retries=0)) as client:
        started = time.monotonic()
        with anyio.fail_after(10), pytest.raises(ba.TransportError, match="timed out"):
            await client.images.get(IMAGE)
        assert time.monotonic() - started < TIMEOUT + 0.7


@pytest.mark.parametrize("fault", [trickle, trickle_headers], ids=lambda f: f.__name__)
async def test_a_trickle_cannot_hold_a_call_past_the_timeout(
    api: HostileServer, client_for: ClientFactory, fault: object
) -> None:
    api.handler = fault  # type: ignore[assignment]
    async with client_for(api, timeout=TIMEOUT, retry=ba.RetryPolicy(retries=0)) as client:
        started = time.monotonic()
        with anyio.fail_after(4), pytest.raises(ba.TransportError, match="timed out"):
            await client.images.get(IMAGE)
        assert time.monotonic() - started < TIMEOUT + 0.7


async def test_a_trickling_download_cannot_outlast_the_timeout(
    api: HostileServer, other: HostileServer, client_for: ClientFactory, tmp_path: anyio.Path
) -> None:
    data = b"\x89PNG\r\n\x1a\n" + bytes(4000)

    async def meta(_request: Request, conn: Conn) -> None:
        await conn.json({"image": image_json(IMAGE, cdn=other.url, data=data)})

    async def slow_cdn(_request: Request, conn: Conn) -> None:
        await conn.head(200, [("Content-Type", "image/png"), ("Content-Length", str(len(data)))])
        await conn.trickle(data, rate=100, chunk=10)

    api.handler, other.handler = meta, slow_cdn
    async with client_for(api, timeout=TIMEOUT, retry=ba.RetryPolicy(retries=0)) as client:
        image = await client.images.get(IMAGE)
        started = time.monotonic()
        with anyio.fail_after(4), pytest.raises(ba.TransportError, match="timed out"):
            await client.images.download(image, tmp_path)
        assert time.monotonic() - started < TIMEOUT + 0.7
    assert list(tmp_path.iterdir()) == []  # type: ignore[attr-defined]


async def test_timeout_accepts_an_httpx_timeout(
    api: HostileServer, client_for: ClientFactory
) -> None:
    import httpx

    api.handler = trickle
    timeout = httpx.Timeout(TIMEOUT)
    async with client_for(api, timeout=timeout, retry=ba.RetryPolicy(retries=0)) as client:
        started = time.monotonic()
        with anyio.fail_after(4), pytest.raises(ba.TransportError, match="timed out"):
            await client.images.get(IMAGE)
        assert time.monotonic() - started < TIMEOUT + 0.7
