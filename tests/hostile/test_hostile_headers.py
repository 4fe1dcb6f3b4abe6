"""Absurd and hostile response headers (issue 12 item 2 and the header list): any header
byte is tolerated, absurd rate-limit values fall back to the profile, nothing hangs."""

# ruff: noqa: PT017  (either outcome is acceptable; the assertion is on which)
from __future__ import annotations

from collections.abc import Sequence

import anyio
import pytest
from conftest import FAST_RETRY, ClientFactory, image_json
from hostile_server import Conn, HeaderPair, HostileServer, Request

import booru_async as ba

pytestmark = pytest.mark.anyio

IMAGE = 11

# Bytes no ASCII codec accepts, as real misconfigured proxies send them.
ODD_BYTES: list[Sequence[HeaderPair]] = [
    [("X-Served-By", b"caf\xe9")],  # latin-1
    [("X-Served-By", "東京".encode())],  # UTF-8
    [("X-Served-By", b"\xff\xfe\x80\x81")],  # not text at all
    [("Server", b"nginx\xa0(\xc3\x28)")],  # invalid UTF-8 in a known header
    [("Content-Disposition", b'inline; filename="\xe9t\xe9.json"')],
    [("Set-Cookie", b"s=\xe9\xff; Path=/")],
    [("X-RL-Reset", b"2022-02-18 22:43:57 \xff\xfeUTC")],  # in a header the SDK parses
    [("Retry-After", b"\xe9\xe9")],
    [("Date", b"Fri, 18 F\xe9b 2022 22:43:27 GMT")],
    [("Cache-Control", b"max-age=\xff")],
]

# Rate-limit and date headers that are negative, huge, garbage, duplicated or skewed.
ABSURD: list[Sequence[HeaderPair]] = [
    [("X-RL", "-1"), ("X-RL-Remaining", "-1"), ("X-RL-Reset", "-5")],
    [("X-RL", "99999999999999999999999"), ("X-RL-Remaining", "1e309")],
    [("X-RL", "garbage"), ("X-RL-Remaining", "lots"), ("X-RL-Reset", "soon")],
    [("X-RL", "30"), ("X-RL", "5"), ("X-RL-Remaining", "3"), ("X-RL-Remaining", "29")],
    [("X-RL-Reset", "Fri, 18 Feb 2022 22:43:57 GMT")],  # an HTTP date, in the past
    [("X-RL-Reset", "9999-12-31 23:59:59 UTC")],
    [("X-RL-Reset", "1e308")],
    [("X-RL-Reset", "nan"), ("X-RL-Remaining", "inf")],
    [("X-RL-Reset", "")],
    [("Retry-After", "-30")],
    [("Retry-After", "99999999999")],
    [("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT")],
    [("Retry-After", "1"), ("Retry-After", "2")],
    [("Date", "not a date"), ("X-RL-Reset", "2022-02-18 22:43:57 UTC")],
    [("Date", "Thu, 01 Jan 1970 00:00:00 GMT"), ("X-RL-Reset", "2030-01-01 00:00:00 UTC")],
    [("Date", "Fri, 31 Dec 9999 23:59:59 GMT"), ("X-RL-Remaining", "0"), ("X-RL-Reset", "5")],
    [("X-RL-Remaining", "0"), ("X-RL-Reset", "0")],
]


def answering(headers: Sequence[HeaderPair], *, first_status: int | None = None):  # type: ignore[no-untyped-def]
    """An API that answers the image with ``headers``; with ``first_status``, the first
    answer is that status (same headers, empty JSON error) and the rest succeed."""
    calls = 0

    async def handler(_request: Request, conn: Conn) -> None:
        nonlocal calls
        calls += 1
        if first_status is not None and calls == 1:
            await conn.respond(first_status, b'{"error":"slow down"}', headers)
            return
        await conn.json({"image": image_json(IMAGE)}, headers)

    return handler


@pytest.mark.parametrize("headers", ODD_BYTES, ids=lambda h: repr(h)[:40])
async def test_any_header_byte_is_tolerated(
    api: HostileServer, client_for: ClientFactory, headers: Sequence[HeaderPair]
) -> None:
    api.handler = answering(headers)
    async with client_for(api) as client:
        with anyio.fail_after(10):
            image = await client.images.get(IMAGE)
    assert image.id == IMAGE


async def test_a_header_name_outside_http_is_a_typed_transport_error(
    api: HostileServer, client_for: ClientFactory
) -> None:
    # Not a header at all: h11 refuses the message before any of our code sees it, so
    # the best the SDK can do is a typed error (retried as a transient failure first).
    api.handler = answering([(b"X-\xe9t\xe9", b"1")])
    async with client_for(api) as client:
        with anyio.fail_after(10), pytest.raises(ba.TransportError, match="header"):
            await client.images.get(IMAGE)
    assert len(api.requests) == 1 + FAST_RETRY.retries


@pytest.mark.parametrize("headers", ODD_BYTES[:4], ids=lambda h: repr(h)[:40])
async def test_any_header_byte_is_tolerated_with_a_cache_and_coalescing(
    api: HostileServer, client_for: ClientFactory, headers: Sequence[HeaderPair]
) -> None:
    api.handler = answering([*headers, ("Cache-Control", "public, max-age=60")])
    async with client_for(api, cache=ba.MemoryCache()) as client:
        with anyio.fail_after(10):
            results: list[ba.Image] = []

            async def one() -> None:
                results.append(await client.images.get(IMAGE))

            async with anyio.create_task_group() as group:
                for _ in range(5):
                    group.start_soon(one)
            results.append(await client.images.get(IMAGE))  # from the cache
    assert [i.id for i in results] == [IMAGE] * 6


@pytest.mark.parametrize("headers", ABSURD, ids=lambda h: repr(h)[:48])
async def test_absurd_rate_headers_on_a_success(
    api: HostileServer, client_for: ClientFactory, headers: Sequence[HeaderPair]
) -> None:
    api.handler = answering(headers)
    async with client_for(api) as client:
        with anyio.fail_after(10):
            for _ in range(3):  # the answers teach the scheduler nothing that blocks
                assert (await client.images.get(IMAGE)).id == IMAGE


@pytest.mark.parametrize("headers", ABSURD, ids=lambda h: repr(h)[:48])
async def test_absurd_rate_headers_on_a_429_recover_or_raise_typed(
    api: HostileServer, client_for: ClientFactory, headers: Sequence[HeaderPair]
) -> None:
    api.handler = answering(headers, first_status=429)
    # max_wait: a hint the parser believes (a valid date far away) must not hold the call.
    async with client_for(api, max_wait=2.0) as client:
        with anyio.fail_after(10):
            try:
                image = await client.images.get(IMAGE)
            except ba.RateLimited as exc:
                assert exc.retry_after is None or exc.retry_after > 2.0
            else:
                assert image.id == IMAGE
