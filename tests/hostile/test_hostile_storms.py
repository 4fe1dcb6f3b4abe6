"""429 storms, the 501 challenge then the empty-500 ban, and 200 cancelled waiters, from a
raw server: every call ends (recovered or typed), nothing is sent during a ban, and a
cancelled waiter consumes nothing."""

from __future__ import annotations

import anyio
import orjson
import pytest
from conftest import FAST_RETRY, KEY, image_json, site_for
from hostile_server import Conn, HostileServer, Request

import booru_async as ba

pytestmark = pytest.mark.anyio

IMAGE = 9
GOOD = orjson.dumps({"image": image_json(IMAGE)})


class StepClock:
    """A monotonic clock the test moves by hand (the scheduler's injected clock)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# (429s in the storm, their headers): hinted storms announce the window the way Twibooru
# does (the scheduler follows it); unhinted ones fall back to backoff (0.5 s and up). After
# each 429 the scheduler sends one probe and waits for its answer, and a storm lowers the
# learned limit, so a storm of N lasts about N windows (40 in a row: ~40 s, measured).
STORMS = [
    (10, [("Retry-After", "0.02")]),
    (8, [("X-RL", "1000"), ("X-RL-Remaining", "0"), ("X-RL-Reset", "0.05")]),
    (3, [("Retry-After", "garbage")]),
    (3, [("Retry-After", "-3"), ("X-RL-Reset", "yesterday")]),
]


@pytest.mark.parametrize(
    ("storm", "headers"), STORMS, ids=["10-retry-after", "8-x-rl", "3-garbage", "3-negative"]
)
async def test_a_429_storm_ends_with_every_call_answered_once(
    api: HostileServer, storm: int, headers: list[tuple[str, str]]
) -> None:
    served = 0

    async def handler(request: Request, conn: Conn) -> None:
        nonlocal served
        served += 1
        if served <= storm:
            await conn.respond(429, b'{"error":"slow down"}', headers)
        else:
            await conn.json({"image": image_json(int(request.path.rsplit("/", 1)[1]))})

    api.handler = handler
    # A bucket for the site, so the scheduler pauses on a 429 instead of letting each
    # caller spend its retries at once.
    site = site_for(api, site=(1000, 1.0))
    retry = ba.RetryPolicy(backoff_base=0.01, rate_limit_retries=5)
    results: list[ba.Image | BaseException] = []
    async with ba.Client(site, key=KEY, cache=None, retry=retry) as client:

        async def one(image_id: int) -> None:
            try:
                results.append(await client.images.get(image_id))
            except ba.BooruError as exc:
                results.append(exc)

        with anyio.fail_after(15):
            async with anyio.create_task_group() as group:
                for n in range(20):  # different URLs: no coalescing into one flight
                    group.start_soon(one, n + 1)
        stats = client.stats
    assert len(results) == 20  # every call ended, once
    answered = sorted(r.id for r in results if isinstance(r, ba.Image))
    assert len(set(answered)) == len(answered)
    assert all(isinstance(r, ba.Image | ba.RateLimited) for r in results)
    assert sum(isinstance(r, ba.Image) for r in results) >= 1, (served, results[:3])
    assert stats.rate_limited == storm
    assert KEY not in repr(stats)


async def test_challenge_then_ban_then_silence(api: HostileServer) -> None:
    answers = [
        (501, b"<html><body>Checking your browser</body></html>", "text/html"),
        (500, b"", None),
    ]

    async def handler(_request: Request, conn: Conn) -> None:
        status, body, content_type = answers.pop(0) if answers else (200, GOOD, "application/json")
        await conn.respond(status, body, content_type=content_type)

    api.handler = handler
    clock = StepClock()
    scheduler = ba.LocalScheduler(clock=clock)
    async with ba.Client(
        site_for(api), key=KEY, cache=None, retry=FAST_RETRY, scheduler=scheduler
    ) as client:
        with anyio.fail_after(10):
            with pytest.raises(ba.Blocked) as first:
                await client.images.get(IMAGE)
            assert first.value.reason == "challenge"
            clock.now += 6  # past the challenge pause, inside the ban window
            with pytest.raises(ba.Blocked) as second:
                await client.images.get(IMAGE)
            assert second.value.reason == "ban"
            sent = len(api.requests)
            for _ in range(5):  # during the ban nothing is sent
                with pytest.raises(ba.Blocked):
                    await client.images.get(IMAGE)
            assert len(api.requests) == sent == 2
            clock.now += 16 * 60  # the ban is over
            assert (await client.images.get(IMAGE)).id == IMAGE
        stats = client.stats
    assert (stats.challenges, stats.bans) == (1, 1)


async def test_200_cancelled_waiters_consume_nothing(api: HostileServer) -> None:
    async def handler(_request: Request, conn: Conn) -> None:
        await conn.respond(200, GOOD)

    api.handler = handler
    site = site_for(api, site=(1, 0.4))
    async with ba.Client(site, key=KEY, cache=None, retry=FAST_RETRY) as client:
        with anyio.fail_after(10):
            assert (await client.images.get(IMAGE)).id == IMAGE
            async with anyio.create_task_group() as group:
                for _ in range(200):
                    group.start_soon(client.images.get, IMAGE)
                await anyio.sleep(0.05)
                group.cancel_scope.cancel()
            assert len(api.requests) == 1
            # The next call waits for the second slot of the window, not behind 200 ghosts.
            started = anyio.current_time()
            assert (await client.images.get(IMAGE)).id == IMAGE
            assert anyio.current_time() - started < 0.8
        stats = client.stats
    assert len(api.requests) == 2
    assert stats.requests == 2
