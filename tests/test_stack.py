"""The assembled stack through the client: retries re-pass the scheduler, 500/501 are never
retried, the challenge/ban breaker stops sending, stats count what happened."""

from __future__ import annotations

import anyio
import httpx
import pytest
import respx
from realdata import fixture_json
from virtualtime import VIRTUAL_BACKENDS, backend

import booru_async as ba

pytestmark = pytest.mark.anyio


@pytest.fixture(params=VIRTUAL_BACKENDS)
def anyio_backend(request: pytest.FixtureRequest) -> tuple[str, dict[str, object]]:
    """The stack's timing runs on virtual time on both backends."""
    return backend(request.param)

DERPI = "https://derpibooru.org"
BODY = {"image": fixture_json("derpibooru/appledash-2024-11-images.json")["images"][1],
        "interactions": []}
HTML = {"content-type": "text/html"}


async def test_429_is_waited_out_and_retried() -> None:
    with respx.mock(base_url=DERPI) as router:
        route = router.get("/api/v1/json/images/1").mock(side_effect=[
            httpx.Response(429, headers={**HTML, "retry-after": "0.2"}, content=b"<html/>"),
            httpx.Response(200, json=BODY),
        ])
        async with ba.Client("derpibooru") as client:
            image = await client.images.get(1)
            stats = client.stats
    assert image.id == 1 and route.call_count == 2
    assert (stats.requests, stats.rate_limited, stats.retries, stats.waits) == (2, 1, 1, 1)
    assert stats.wait_time >= 0.19


async def test_429_beyond_max_wait_raises_rate_limited() -> None:
    with respx.mock(base_url=DERPI) as router:
        route = router.get("/api/v1/json/images/1").respond(
            429, headers={"retry-after": "30"}, content=b"")
        async with ba.Client("derpibooru", max_wait=1.0) as client:
            with pytest.raises(ba.RateLimited) as info:
                await client.images.get(1)
    assert route.call_count == 1  # the retry was refused before sending
    assert info.value.retry_after is not None and info.value.retry_after > 25
    assert info.value.request is not None and "images/1" in info.value.request.url


async def test_rate_limit_retries_run_out() -> None:
    with respx.mock(base_url=DERPI) as router:
        route = router.get("/api/v1/json/images/1").respond(
            429, headers={"retry-after": "0"}, content=b"")
        retry = ba.RetryPolicy(rate_limit_retries=2)
        # Repeated 429s teach the bucket a lower limit; a short window keeps the test fast.
        fast = ba.Site(name="fast", base_url=DERPI, flavour="philomena",
                       budgets={"site": (30, 0.1)})
        async with ba.Client(fast, retry=retry) as client:
            with pytest.raises(ba.RateLimited):
                await client.images.get(1)
    assert route.call_count == 3


async def test_transient_5xx_and_connection_errors_are_retried() -> None:
    with respx.mock(base_url=DERPI) as router:
        route = router.get("/api/v1/json/images/1").mock(side_effect=[
            httpx.Response(503, headers=HTML, content=b"<html>busy</html>"),
            httpx.ConnectError("refused"),
            httpx.Response(200, json=BODY),
        ])
        retry = ba.RetryPolicy(retries=3, backoff_base=0.02, backoff_cap=0.05)
        async with ba.Client("derpibooru", retry=retry) as client:
            assert (await client.images.get(1)).id == 1
            assert client.stats.retries == 2
    assert route.call_count == 3


@pytest.mark.parametrize("status", [500, 501])
async def test_500_and_501_are_never_retried(status: int) -> None:
    with respx.mock(base_url=DERPI) as router:
        route = router.get("/api/v1/json/images/1").respond(status, headers=HTML,
                                                            content=b"<html/>")
        async with ba.Client("derpibooru") as client:
            with pytest.raises(ba.Blocked if status == 501 else ba.ServerError):
                await client.images.get(1)
    assert route.call_count == 1


async def test_challenge_then_ban_stops_all_sending() -> None:
    with respx.mock(base_url=DERPI) as router:
        route = router.get("/api/v1/json/images/1").mock(side_effect=[
            httpx.Response(501, headers=HTML, content=b"<html>are you a bot</html>"),
            httpx.Response(500, content=b""),
        ])
        scheduler = ba.LocalScheduler()
        async with ba.Client("derpibooru", scheduler=scheduler) as client:
            with pytest.raises(ba.Blocked) as challenge:
                await client.images.get(1)
            assert challenge.value.reason == "challenge"
            # The site is paused: a bot with max_wait hears so at once, without sending.
            with pytest.raises(ba.RateLimited):
                await client.with_options(max_wait=0.5).images.get(1)
            scheduler._hosts["derpibooru.org"].guard.paused_until = 0.0  # the pause is over
            with pytest.raises(ba.Blocked) as ban:
                await client.images.get(1)
            assert ban.value.reason == "ban"
            for _ in range(3):
                with pytest.raises(ba.Blocked):
                    await client.images.get(1)
            stats = client.stats
    assert route.call_count == 2  # nothing was sent during the ban
    assert (stats.challenges, stats.bans) == (1, 1)


async def test_predicted_wait_tells_a_progress_display_about_the_budget() -> None:
    tight = ba.Site(name="tight", base_url=DERPI, flavour="philomena",
                    budgets={"site": (2, 30.0)})
    with respx.mock(base_url=DERPI) as router:
        router.get("/api/v1/json/images/1").respond(json=BODY)
        async with ba.Client(tight, cache=None) as client:
            assert client.predicted_wait() == 0.0
            await client.images.get(1)
            await client.images.get(1)
            assert 29.0 < client.predicted_wait() <= 31.0
            assert client.predicted_wait("cdn") == 0.0  # files have their own budget


async def test_a_minute_long_retry_after_is_waited_out_on_virtual_time() -> None:
    """The stack's clock is the event loop's: a minute-long wait costs no wall time here."""
    import time

    with respx.mock(base_url=DERPI) as router:
        route = router.get("/api/v1/json/images/1").mock(side_effect=[
            httpx.Response(429, headers={"retry-after": "60"}, content=b""),
            httpx.Response(200, json=BODY),
        ])
        started = time.monotonic()
        async with ba.Client("derpibooru") as client:
            assert (await client.images.get(1)).id == 1
            assert client.stats.wait_time >= 59.9
    assert route.call_count == 2
    assert time.monotonic() - started < 30  # far less than the minute it waited


async def test_an_impatient_view_does_not_join_a_flight_parked_by_a_server_wait() -> None:
    """A view with ``max_pause`` must not sit behind a leader the server parked longer."""
    with respx.mock(base_url=DERPI) as router:
        router.get("/api/v1/json/images/1").mock(side_effect=[
            httpx.Response(429, headers={"retry-after": "30"}, content=b""),
            httpx.Response(200, json=BODY),
            httpx.Response(200, json=BODY),
        ])
        async with ba.Client("derpibooru", cache=None) as client:
            impatient = client.with_options(max_pause=1.0)
            outcome: dict[str, str] = {}

            async def lead() -> None:
                await client.images.get(1)
                outcome["lead"] = "ok"

            async def follow() -> None:
                await anyio.sleep(0.01)  # after the leader's 429 parked it
                try:
                    await impatient.images.get(1)
                    outcome["follow"] = "ok"
                except ba.RateLimited:
                    outcome["follow"] = "rate limited"

            async with anyio.create_task_group() as tg:
                tg.start_soon(lead)
                tg.start_soon(follow)
            assert client.stats.coalesced == 0
    assert outcome == {"lead": "ok", "follow": "rate limited"}
