"""The cache layer (hishel, RFC 9111 private) and request coalescing, through the real stack
with respx at the bottom."""

from __future__ import annotations

import sqlite3
from pathlib import Path

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


def everything_stored(path: Path) -> bytes:
    """The cache file, its WAL side files and every row of every table, as bytes."""
    stored = path.read_bytes()
    for side in path.parent.glob(path.name + "-*"):
        stored += side.read_bytes()
    with sqlite3.connect(path) as db:
        query = "select name from sqlite_master where type='table'"
        for (table,) in db.execute(query).fetchall():
            for row in db.execute(f'select * from "{table}"'):
                stored += repr(row).encode()
    return stored

DERPI = "https://derpibooru.org"
IMAGE = fixture_json("derpibooru/appledash-2024-11-images.json")["images"][1]
BODY = {"image": IMAGE, "interactions": []}


def mock_image(router: respx.MockRouter, cache_control: str | None) -> respx.Route:
    headers = {"cache-control": cache_control} if cache_control else {}
    return router.get("/api/v1/json/images/1").respond(json=BODY, headers=headers)


@pytest.mark.parametrize(
    ("cache_control", "network_calls"),
    [
        ("max-age=60", 1),
        ("public, max-age=3600", 1),
        ("no-store, no-cache", 3),  # the reference proxy: never stored
        ("max-age=0, private, must-revalidate", 3),  # Plug's default: revalidated each time
        (None, 3),  # no validators, no freshness
    ],
)
async def test_server_directives_are_obeyed(cache_control: str | None, network_calls: int) -> None:
    with respx.mock(base_url=DERPI) as router:
        route = mock_image(router, cache_control)
        async with ba.Client("derpibooru") as client:
            for _ in range(3):
                assert (await client.images.get(1)).id == 1
            stats = client.stats
    assert route.call_count == network_calls
    assert stats.requests == network_calls
    assert stats.cache_hits == 3 - network_calls


async def test_cache_hits_spend_no_budget() -> None:
    scheduler = ba.LocalScheduler()
    with respx.mock(base_url=DERPI) as router:
        mock_image(router, "max-age=60")
        async with ba.Client("derpibooru", scheduler=scheduler) as client:
            for _ in range(5):
                await client.images.get(1)
    image_bucket = scheduler._hosts["derpibooru.org"].buckets["site"]
    assert len(image_bucket._log) == 1


async def test_no_cache_at_all() -> None:
    with respx.mock(base_url=DERPI) as router:
        route = mock_image(router, "max-age=60")
        async with ba.Client("derpibooru", cache=None) as client:
            await client.images.get(1)
            await client.images.get(1)
    assert route.call_count == 2


async def test_opt_in_ttl_per_group_overrides_no_store() -> None:
    policy = ba.CachePolicy(ttl={"image": 300})
    with respx.mock(base_url=DERPI) as router:
        route = mock_image(router, "no-store, no-cache")
        search = router.get("/api/v1/json/search/images").respond(
            json={"images": [IMAGE], "interactions": [], "total": 1},
            headers={"cache-control": "no-store"})
        async with ba.Client("derpibooru", cache=ba.MemoryCache(policy=policy)) as client:
            await client.images.get(1)
            await client.images.get(1)
            await client.images.search("safe").page(1)
            await client.images.search("safe").page(1)
    assert route.call_count == 1  # the chosen group is cached
    assert search.call_count == 2  # the others still follow the server


async def test_keyed_and_anonymous_answers_never_mix(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    with respx.mock(base_url=DERPI) as router:

        def answer(request: httpx.Request) -> httpx.Response:
            labels = {"alpha-key-123": "A", "beta-key-456": "B"}
            who = labels.get(request.url.params.get("key", ""), "anonymous")
            return httpx.Response(200, json={**BODY, "image": {**IMAGE, "description": who}},
                                  headers={"cache-control": "max-age=600"})

        route = router.get("/api/v1/json/images/1").mock(side_effect=answer)
        seen = {}
        for key in (None, "alpha-key-123", "beta-key-456", None, "alpha-key-123"):
            async with ba.Client("derpibooru", key=key, cache=ba.SQLiteCache(path)) as client:
                seen.setdefault(key, set()).add((await client.images.get(1)).description)
    assert seen == {None: {"anonymous"}, "alpha-key-123": {"A"}, "beta-key-456": {"B"}}
    assert route.call_count == 3  # one per partition; the repeats were cache hits
    stored = everything_stored(path)
    assert len(stored) > 1000  # the entries really are in there
    assert b"alpha-key-123" not in stored and b"beta-key-456" not in stored
    assert b"key=" not in stored


async def test_identical_concurrent_gets_coalesce() -> None:
    with respx.mock(base_url=DERPI) as router:

        async def slow(request: httpx.Request) -> httpx.Response:
            await anyio.sleep(0.05)
            return httpx.Response(200, json=BODY, headers={"cache-control": "no-store"})

        route = router.get("/api/v1/json/images/1").mock(side_effect=slow)
        results: list[int] = []
        async with ba.Client("derpibooru") as client:

            async def get() -> None:
                results.append((await client.images.get(1)).id)

            async with anyio.create_task_group() as tg:
                for _ in range(10):
                    tg.start_soon(get)
            stats = client.stats
    assert results == [1] * 10
    assert route.call_count == 1
    assert (stats.requests, stats.coalesced) == (1, 9)


async def test_coalescing_keeps_partitions_apart() -> None:
    with respx.mock(base_url=DERPI) as router:

        async def slow(request: httpx.Request) -> httpx.Response:
            await anyio.sleep(0.05)
            return httpx.Response(200, json=BODY, headers={"cache-control": "no-store"})

        route = router.get("/api/v1/json/images/1").mock(side_effect=slow)
        async with (
            ba.Client("derpibooru") as anon,
            ba.Client("derpibooru", key="k1") as keyed,
            anyio.create_task_group() as tg,
        ):
            tg.start_soon(anon.images.get, 1)
            tg.start_soon(keyed.images.get, 1)
    assert route.call_count == 2


async def test_an_interactive_call_does_not_join_a_queued_bulk_flight() -> None:
    tight = ba.Site(name="tight", base_url=DERPI, flavour="philomena",
                    budgets={"site": (1, 3.0)})
    with respx.mock(base_url=DERPI, assert_all_called=False) as router:
        router.get("/api/v1/json/images/1").respond(json=BODY, headers={"cache-control": "no-store"})
        router.get("/api/v1/json/images/2").respond(json=BODY, headers={"cache-control": "no-store"})
        async with ba.Client(tight, cache=None) as client:
            await client.images.get(2)  # spends the only token of the window
            bulk = client.with_options(priority="bulk")
            bot = client.with_options(priority="interactive", max_wait=0.5)
            async with anyio.create_task_group() as tg:
                tg.start_soon(bulk.images.get, 1)  # queued for about 3 s
                await anyio.sleep(0.05)
                t0 = anyio.current_time()
                with pytest.raises(ba.RateLimited):
                    await bot.images.get(1)  # same URL, but it must not wait 3 s
                assert anyio.current_time() - t0 < 0.2
                tg.cancel_scope.cancel()


def test_memory_cache_is_bounded() -> None:
    assert ba.MemoryCache().max_size == 64 * 1024**2
    with pytest.raises(ValueError):
        ba.MemoryCache(max_size=0)
