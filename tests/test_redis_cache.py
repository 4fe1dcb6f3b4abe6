"""``ba.RedisCache``: hishel's Redis storage behind the same key partitioning, against a
real ``redis-server`` (the ``redis_url`` fixture), with respx at the bottom of the stack."""

from __future__ import annotations

import httpx
import pytest
import respx
from realdata import fixture_json

import booru_async as ba

DERPI = "https://derpibooru.org"
IMAGE = fixture_json("derpibooru/appledash-2024-11-images.json")["images"][1]
BODY = {"image": IMAGE, "interactions": []}
KEYS = {"alpha-key-123": "A", "beta-key-456": "B"}


async def everything_stored(url: str) -> bytes:
    """Every key and every value in the Redis database, as bytes."""
    import redis.asyncio as aioredis

    client = aioredis.Redis.from_url(url)
    stored = b""
    try:
        async for key in client.scan_iter(count=1000):
            stored += key
            kind = (await client.type(key)).decode()
            if kind == "string":
                stored += await client.get(key) or b""
            elif kind == "hash":
                for field, value in (await client.hgetall(key)).items():
                    stored += field + value
            elif kind == "list":
                stored += b"".join(await client.lrange(key, 0, -1))
            elif kind == "set":
                stored += b"".join(await client.smembers(key))
            elif kind == "zset":
                stored += b"".join(await client.zrange(key, 0, -1))
            else:
                raise AssertionError(f"unexpected Redis type {kind} for {key!r}")
    finally:
        await client.aclose()
    return stored


@pytest.mark.asyncio
async def test_keyed_and_anonymous_answers_never_mix_and_the_key_never_reaches_redis(
    redis_url: str,
) -> None:
    with respx.mock(base_url=DERPI) as router:

        def answer(request: httpx.Request) -> httpx.Response:
            who = KEYS.get(request.url.params.get("key", ""), "anonymous")
            return httpx.Response(200, json={**BODY, "image": {**IMAGE, "description": who}},
                                  headers={"cache-control": "max-age=600"})

        route = router.get("/api/v1/json/images/1").mock(side_effect=answer)
        seen: dict[str | None, set[str | None]] = {}
        for key in (None, "alpha-key-123", "beta-key-456", None, "alpha-key-123", "beta-key-456"):
            # A fresh client each time: as separate processes sharing one Redis would.
            async with ba.Client("derpibooru", key=key, cache=ba.RedisCache(redis_url)) as client:
                seen.setdefault(key, set()).add((await client.images.get(1)).description)
    assert seen == {None: {"anonymous"}, "alpha-key-123": {"A"}, "beta-key-456": {"B"}}
    assert route.call_count == 3  # one per partition; the repeats were cache hits
    stored = await everything_stored(redis_url)
    assert len(stored) > 1000  # the entries really are in there
    for secret in KEYS:
        assert secret.encode() not in stored
    assert b"key=" not in stored


@pytest.mark.asyncio
async def test_opt_in_ttl_is_shared_through_redis(redis_url: str) -> None:
    policy = ba.CachePolicy(ttl={"image": 60})
    with respx.mock(base_url=DERPI) as router:
        route = router.get("/api/v1/json/images/1").respond(
            json=BODY, headers={"cache-control": "no-store"}
        )
        for _ in range(3):
            async with ba.Client("derpibooru", cache=ba.RedisCache(redis_url, policy=policy)) as c:
                await c.images.get(1)
                hits = c.stats.cache_hits
    assert route.call_count == 1 and hits == 1


def test_repr_hides_the_password() -> None:
    cache = ba.RedisCache("redis://user:hunter2@cache.example:6379/0")
    assert "hunter2" not in repr(cache) and "cache.example:6379" in repr(cache)
    sched = ba.RedisScheduler("redis://user:hunter2@cache.example:6379/0")
    assert "hunter2" not in repr(sched)


def test_missing_redis_py_gives_a_clear_import_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "redis.asyncio", None)
    with pytest.raises(ImportError, match=r"pip install 'booru-async\[redis\]'"):
        ba.RedisCache("redis://localhost:6379/0")
    with pytest.raises(ImportError, match=r"booru-async\[redis\]"):
        ba.RedisScheduler("redis://localhost:6379/0")


def test_trio_is_refused_with_the_schedulers_clear_error(redis_url: str) -> None:
    import trio

    from booru_async.testing import Board, FakeBooru, serve

    board = Board.generate(seed=3, images=20, users=20, galleries=1, topics=1)
    fake = FakeBooru(board, flavour="philomena")
    image = next(i for i in board.images.values() if not i.hidden_from_users and i.approved)

    async def main() -> None:
        async with serve(fake) as url:
            s = ba.Site(name="f", base_url=url, flavour="philomena")
            with trio.fail_after(5):
                async with ba.Client(s, cache=ba.RedisCache(redis_url)) as client:
                    await client.images.get(image.id)

    with pytest.raises(RuntimeError, match="asyncio only") as info:
        trio.run(main)
    # The same type and wording as RedisScheduler's (tests/test_redis_scheduler.py).
    assert "RedisCache runs on asyncio only" in str(info.value)
    assert fake.stats.requests == []  # refused before anything was sent
