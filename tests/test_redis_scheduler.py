"""``ba.RedisScheduler`` against a real ``redis-server`` on loopback (the ``redis_url``
fixture), with real processes where the promise is about processes.

The bucket rules run on the Redis server's clock, so these tests use short windows (well
under a second) instead of a virtual clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from redis_server import RedisServer

import booru_async as ba
from booru_async._verdict import Verdict, classify
from booru_async.testing import Board, FakeBooru, RateBudget, serve

WORKER = str(Path(__file__).with_name("redis_worker.py"))


def answer(status: int, headers: dict[str, str] | None = None, body: bytes = b"") -> Verdict:
    """The verdict the transport would hand the scheduler for this answer."""
    return classify(status, httpx.Headers(headers or {}), body, now=datetime.now(UTC))


def site(budgets: dict[str, tuple[int, float]], base_url: str = "http://127.0.0.1:9") -> ba.Site:
    return ba.Site(name="t", base_url=base_url, flavour="philomena", budgets=budgets)


async def grant_times(
    scheduler: ba.RedisScheduler, s: ba.Site, n: int, group: str = "image", **kw: object
) -> list[float]:
    out = []
    started = time.monotonic()
    for _ in range(n):
        ticket = await scheduler.acquire(s, group, **kw)  # type: ignore[arg-type]
        out.append(time.monotonic() - started)
        scheduler.settle(ticket, answer(200))
    return out


@pytest.mark.asyncio
async def test_budget_is_shared_between_schedulers(redis_url: str) -> None:
    s = site({"site": (4, 0.5)})
    async with ba.RedisScheduler(redis_url) as a, ba.RedisScheduler(redis_url) as b:
        await grant_times(a, s, 4, max_wait=0)  # max_wait=0: each one granted at once
        # b is another process as far as Redis knows: the window a spent holds it too.
        with pytest.raises(ba.RateLimited) as info:
            await b.acquire(s, "image", max_wait=0)
        assert info.value.retry_after is not None and 0.35 <= info.value.retry_after <= 0.52
        second = await grant_times(b, s, 1)
    assert second[0] >= 0.35


@pytest.mark.asyncio
async def test_server_announcing_more_than_the_profile_is_followed(redis_url: str) -> None:
    s = site({"image": (1, 60.0)})
    async with ba.RedisScheduler(redis_url) as sched:
        ticket = await sched.acquire(s, "image")
        sched.settle(ticket, answer(200, {"x-rl": "20", "x-rl-remaining": "19", "x-rl-reset": "30"}))
        # All 19 at once (max_wait=0); the profile alone would allow one a minute.
        await grant_times(sched, s, 19, max_wait=0)


@pytest.mark.asyncio
async def test_server_announcing_less_than_the_profile_is_followed(redis_url: str) -> None:
    s = site({"image": (100, 1.0)})
    async with ba.RedisScheduler(redis_url) as sched:
        ticket = await sched.acquire(s, "image")
        sched.settle(ticket, answer(200, {"x-rl": "3", "x-rl-remaining": "2", "x-rl-reset": "0.6"}))
        await sched.flush()
        for _ in range(2):  # the two the server still allows
            sched.settle(await sched.acquire(s, "image", max_wait=0.3), None)
        with pytest.raises(ba.RateLimited) as info:
            await sched.acquire(s, "image", max_wait=0.3)
    assert info.value.retry_after is not None and 0.3 < info.value.retry_after <= 0.7


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("answered", "remaining", "more"),
    [
        (0, 10, 6),  # the first of 5 in flight: the 4 granted after it are not counted yet
        (4, 10, 10),  # the last: the 4 before it reached the server first
        (2, 3, 1),  # 2 granted after it, 3 left: 1 more
        (0, 2, 0),  # never below zero
    ],
)
async def test_remaining_less_the_requests_granted_after_the_answered_one(
    redis_url: str, answered: int, remaining: int, more: int
) -> None:
    s = site({"image": (100, 60.0)})
    async with ba.RedisScheduler(redis_url) as sched:
        tickets = [await sched.acquire(s, "image") for _ in range(5)]
        headers = {"x-rl": "100", "x-rl-remaining": str(remaining), "x-rl-reset": "30"}
        sched.settle(tickets[answered], answer(200, headers))
        for _ in range(more):
            await sched.acquire(s, "image", max_wait=1.0)
        with pytest.raises(ba.RateLimited):
            await sched.acquire(s, "image", max_wait=1.0)


@pytest.mark.asyncio
async def test_a_window_rolls_to_the_announced_limit(redis_url: str) -> None:
    s = site({"image": (1, 5.0)})
    async with ba.RedisScheduler(redis_url) as sched:
        ticket = await sched.acquire(s, "image")
        sched.settle(ticket, answer(200, {"x-rl": "4", "x-rl-remaining": "0", "x-rl-reset": "0.4"}))
        times = await grant_times(sched, s, 1)
        # From the reset on the server's 4 tokens are back, whatever the profile says:
        # the other three go at once (max_wait=0).
        await grant_times(sched, s, 3, max_wait=0)
    assert 0.35 <= times[0] < 1.0


@pytest.mark.asyncio
async def test_429_pauses_every_process_then_one_probe(redis_url: str) -> None:
    s = site({"site": (50, 1.0)})
    async with ba.RedisScheduler(redis_url) as a, ba.RedisScheduler(redis_url) as b:
        ticket = await a.acquire(s, "image")
        a.settle(ticket, answer(429, {"retry-after": "0.5"}))
        await a.flush()
        started = time.monotonic()
        probe = await b.acquire(s, "image")
        probe_at = time.monotonic() - started
        # While the probe is out nothing else goes, in any process.
        other = asyncio.ensure_future(a.acquire(s, "image"))
        await asyncio.sleep(0.3)
        assert not other.done()
        b.settle(probe, answer(200))
        await b.flush()
        second = await asyncio.wait_for(other, 2)
        a.settle(second, answer(200))
    assert 0.4 <= probe_at < 0.9


@pytest.mark.asyncio
async def test_a_storm_of_429s_lowers_the_limit_once(redis_url: str) -> None:
    s = site({"site": (30, 5.0)})
    async with ba.RedisScheduler(redis_url, prefix="storm") as sched:
        tickets = [await sched.acquire(s, "image") for _ in range(30)]
        for ticket in tickets:
            sched.settle(ticket, answer(429))
        await sched.flush()
        import redis.asyncio as aioredis

        client = aioredis.Redis.from_url(redis_url, decode_responses=True)
        limit = await client.hget("storm:{127.0.0.1:9}:b:site", "lim")
        await client.aclose()
    # 30 answers of one storm: one lowering (to half), not thirty (to 1).
    assert limit == "15"


@pytest.mark.asyncio
async def test_pause_beyond_max_pause_raises(redis_url: str) -> None:
    s = site({"site": (5, 1.0)})
    async with ba.RedisScheduler(redis_url, max_pause=60) as sched:
        ticket = await sched.acquire(s, "image")
        sched.settle(ticket, answer(429, {"retry-after": "86000"}))
        with pytest.raises(ba.RateLimited) as info:
            await asyncio.wait_for(sched.acquire(s, "image"), 0.9)  # raises, never parks
    assert info.value.retry_after is not None and info.value.retry_after > 85000


@pytest.mark.asyncio
async def test_max_wait_raises_at_once(redis_url: str) -> None:
    s = site({"site": (2, 5.0)})
    async with ba.RedisScheduler(redis_url) as a, ba.RedisScheduler(redis_url) as b:
        await grant_times(a, s, 2)
        with pytest.raises(ba.RateLimited) as info:
            # wait_for only bounds a failure: it raises at once, not after max_wait.
            await asyncio.wait_for(b.acquire(s, "image", max_wait=0.8), 0.6)
    assert info.value.retry_after is not None and info.value.retry_after > 4


@pytest.mark.asyncio
async def test_cancelled_waiter_consumes_nothing(redis_url: str) -> None:
    s = site({"site": (1, 0.4)})
    async with ba.RedisScheduler(redis_url) as sched:
        await grant_times(sched, s, 1)
        waiters = [asyncio.ensure_future(sched.acquire(s, "image")) for _ in range(20)]
        await asyncio.sleep(0.1)
        for w in waiters:
            w.cancel()
        await asyncio.gather(*waiters, return_exceptions=True)
        await sched.flush()
        # The fresh call goes out when the window frees, not 20 windows later: a
        # max_wait of one window admits it.
        await grant_times(sched, s, 1, max_wait=0.45)


@pytest.mark.asyncio
async def test_interactive_in_one_process_is_not_stuck_behind_bulk_in_another(
    redis_url: str,
) -> None:
    s = site({"site": (1, 0.4)})
    order: list[str] = []
    async with ba.RedisScheduler(redis_url) as crawler, ba.RedisScheduler(redis_url) as bot:
        await grant_times(crawler, s, 1)

        async def take(sched: ba.RedisScheduler, name: str, priority: ba.Priority) -> None:
            ticket = await sched.acquire(s, "image", priority=priority)
            order.append(name)
            sched.settle(ticket, answer(200))

        bulk = [asyncio.ensure_future(take(crawler, f"bulk{i}", "bulk")) for i in range(3)]
        await asyncio.sleep(0.1)
        interactive = asyncio.ensure_future(take(bot, "interactive", "interactive"))
        await asyncio.wait_for(interactive, 2)
        for task in bulk:
            task.cancel()
        await asyncio.gather(*bulk, return_exceptions=True)
    assert order[0] == "interactive"


@pytest.mark.asyncio
async def test_ban_is_shared_and_known_to_a_new_process(redis_url: str) -> None:
    s = site({"site": (5, 1.0)})
    async with ba.RedisScheduler(redis_url) as a:
        t1 = await a.acquire(s, "image")
        t2 = await a.acquire(s, "image")  # both in flight when the challenge comes
        a.settle(t1, answer(501, {"content-type": "text/html"}, b"<html>challenge</html>"))
        assert a.predicted_wait(s, "image", "normal") > 4.0
        a.settle(t2, answer(500))
        assert a.is_banned(s)
    async with ba.RedisScheduler(redis_url) as fresh:  # a process started during the ban
        with pytest.raises(ba.Blocked) as info:
            await asyncio.wait_for(fresh.acquire(s, "image"), 0.9)  # at once, not parked
        assert fresh.is_banned(s)
    assert info.value.reason == "ban" and info.value.retry_after > 800


@pytest.mark.asyncio
async def test_redis_killed_falls_back_warns_and_rejoins(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    del redis_server  # the session server must exist; this test kills its own
    s = site({"site": (8, 0.4)})
    with RedisServer() as own:
        async with ba.RedisScheduler(
            own.url, processes=2, retry_interval=0.2, rejoin_grace=0.2
        ) as sched:
            await grant_times(sched, s, 2)
            own.kill()
            with caplog.at_level(logging.WARNING, logger="booru_async.scheduler"):
                started = time.monotonic()
                times = await grant_times(sched, s, 6)
            assert sched.degraded
            warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
            assert len(warnings) == 1 and "unreachable" in warnings[0].getMessage()
            # Never unthrottled: the fallback keeps 8 // 2 = 4 per window and starts as if
            # its first window were spent.
            assert times[0] >= 0.35 and times[4] >= times[0] + 0.35
            assert time.monotonic() - started < 3
            own.start()
            await asyncio.sleep(0.3)
            ticket = await sched.acquire(s, "image")
            sched.settle(ticket, answer(200))
            assert ticket.via_redis and not sched.degraded


def test_trio_is_refused_with_a_clear_error(redis_url: str) -> None:
    import trio

    async def main() -> None:
        async with ba.RedisScheduler(redis_url) as sched:
            await sched.acquire(site({"site": (1, 1.0)}), "image")

    with pytest.raises(RuntimeError, match="asyncio only"):
        trio.run(main)


# -- real processes --------------------------------------------------------------------------


def _spawn(redis_url: str, prefix: str, base_url: str, ids: list[int], budgets: dict[str, list[float]],
           processes: int = 1, margin: float = 0.02) -> subprocess.Popen[str]:
    """A worker that prints "ready" once imported and connected, and starts on a stdin line."""
    return subprocess.Popen(
        [sys.executable, WORKER, "--redis", redis_url, "--prefix", prefix, "--base-url", base_url,
         "--budgets", json.dumps(budgets), "--ids", ",".join(map(str, ids)), "--go",
         "--flavour", "philomena",
         "--processes", str(processes), "--margin", str(margin)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def _go(procs: list[subprocess.Popen[str]]) -> float:
    """Wait until every worker is ready, then start them together; the start time."""
    for proc in procs:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.strip() == "ready", (line, proc.stderr.read() if proc.stderr else "")
    started = time.time()
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    return started


def _result(proc: subprocess.Popen[str]) -> dict[str, object]:
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    result: dict[str, object] = json.loads(out.strip().splitlines()[-1])
    return result


def _fake(limit: int, window: float) -> tuple[FakeBooru, list[int]]:
    board = Board.generate(seed=3, images=60, users=20, galleries=1, topics=1)
    # Philomena's reference proxy: a sliding window per IP, nothing announced (Twibooru's
    # fake announces its documented budget in whole-second X-RL-Reset values instead).
    fake = FakeBooru(
        board, flavour="philomena", rate_limit_style="proxy",
        rate_budgets=(RateBudget(limit=limit, window=window),),
    )
    ids = sorted(i.id for i in board.images.values() if not i.hidden_from_users and i.approved)
    return fake, ids


@pytest.mark.asyncio
async def test_two_processes_share_one_budget(redis_url: str) -> None:
    # A server that announces nothing (proxy style, sliding window): alone, each process
    # would spend the whole budget and the pair would draw 429s. Short windows with a 10 %
    # margin (40 ms) so loopback jitter between the grant and the server's count stays
    # inside it.
    fake, ids = _fake(limit=4, window=0.4)
    async with serve(fake) as url:
        budgets = {"image": [4, 0.4]}
        procs = [_spawn(redis_url, "two", url, ids[i:12:2], budgets, margin=0.1) for i in (0, 1)]
        start = await asyncio.to_thread(_go, procs)
        results = [await asyncio.to_thread(_result, p) for p in procs]
    got = sorted(i for r in results for i in r["got"])  # type: ignore[attr-defined]
    assert got == sorted(ids[:12])
    assert not fake.stats.rate_limited
    assert fake.max_requests_in_window(None, 0.4) <= 4
    # Shared, the pair took three windows for 12 items (alone each would take two).
    ends = [float(r["ended"]) for r in results]  # type: ignore[arg-type]
    assert max(ends) - start >= 2 * 0.4


@pytest.mark.asyncio
async def test_a_process_started_into_a_spent_window_sends_nothing_into_it(
    redis_url: str,
) -> None:
    fake, ids = _fake(limit=5, window=0.6)
    s = ba.Site(name="fake", base_url="http://x", flavour="philomena", budgets={"image": (5, 0.6)})
    async with serve(fake) as url:
        s = s.with_base_url(url)
        # A new process (as after a restart) against the same Redis, imported and ready
        # before the window is spent, started right after.
        worker = _spawn(redis_url, "spent", url, ids[:1], {"image": [5, 0.6]})
        await asyncio.to_thread(lambda: worker.stdout.readline() if worker.stdout else "")
        async with ba.RedisScheduler(redis_url, prefix="spent") as first:
            spent_at = time.time()
            for _ in range(5):
                first.settle(await first.acquire(s, "image", max_wait=0), answer(200))
        assert worker.stdin is not None
        worker.stdin.write("go\n")
        worker.stdin.flush()
        result = await asyncio.to_thread(_result, worker)
    assert result["got"] == ids[:1]
    sent = [r.time for r in fake.stats.requests]
    assert len(sent) == 1 and sent[0] >= spent_at + 0.6


# -- review fixes ------------------------------------------------------------------------------


async def _hash(redis_url: str, key: str) -> dict[str, str]:
    import redis.asyncio as aioredis

    client = aioredis.Redis.from_url(redis_url, decode_responses=True)
    try:
        return dict(await client.hgetall(key))  # type: ignore[misc]
    finally:
        await client.aclose()


@pytest.mark.asyncio
async def test_a_refund_after_the_window_rolled_counts_the_ticket_once(redis_url: str) -> None:
    s = site({"image": (100, 10.0)})
    async with ba.RedisScheduler(redis_url, prefix="refund") as sched:
        first = await sched.acquire(s, "image")
        sched.settle(first, answer(200, {"x-rl": "2", "x-rl-remaining": "1", "x-rl-reset": "0.3"}))
        await sched.flush()
        held = await sched.acquire(s, "image", max_wait=0)  # the window's last token
        await asyncio.sleep(0.45)  # the server's window rolls while it is in flight
        sched.refund(held)  # it never reached the server
        await sched.flush()
        granted = 0
        for _ in range(4):
            try:
                sched.settle(await sched.acquire(s, "image", max_wait=0), None)
            except ba.RateLimited:
                break
            granted += 1
    # The new window holds X-RL = 2, not 3.
    assert granted == 2


@pytest.mark.asyncio
async def test_max_wait_holds_for_a_waiter_behind_another_local_waiter(redis_url: str) -> None:
    s = site({"site": (1, 0.3)})
    async with ba.RedisScheduler(redis_url) as sched:
        first = await sched.acquire(s, "image")
        head = asyncio.ensure_future(sched.acquire(s, "image"))  # no max_wait
        await asyncio.sleep(0.02)
        started = time.monotonic()
        # Predicted: the head's window then one interval, ~0.6 s: admitted.
        second = asyncio.ensure_future(sched.acquire(s, "image", max_wait=0.8))
        await asyncio.sleep(0.02)
        sched.settle(first, answer(429, {"retry-after": "3"}))  # then the server pauses
        await sched.flush()
        with pytest.raises(ba.RateLimited) as info:
            await asyncio.wait_for(second, 1.5)
        raised_after = time.monotonic() - started
        head.cancel()
        await asyncio.gather(head, return_exceptions=True)
    assert raised_after < 0.8  # not after the pause (3 s), and not past its own max_wait
    assert info.value.retry_after is not None and info.value.retry_after > 0.8


@pytest.mark.asyncio
async def test_max_wait_with_a_probe_out_elsewhere_polls_then_reports_a_short_retry(
    redis_url: str,
) -> None:
    s = site({"site": (50, 1.0)})
    async with ba.RedisScheduler(redis_url) as a, ba.RedisScheduler(redis_url) as b:
        ticket = await a.acquire(s, "image")
        a.settle(ticket, answer(429, {"retry-after": "0.1"}))
        await a.flush()
        probe = await a.acquire(s, "image")  # after the pause: the single probe is out
        with pytest.raises(ba.RateLimited) as info:
            await b.acquire(s, "image", max_wait=0.1)  # less than one poll
        assert info.value.retry_after is not None and info.value.retry_after <= 0.25
        with pytest.raises(ba.RateLimited) as info:
            await b.acquire(s, "image", max_wait=0.4)  # polls until its deadline
        assert info.value.retry_after is not None and info.value.retry_after <= 0.25
        # The probe's answer comes within the caller's max_wait: it is granted.
        waiting = asyncio.ensure_future(b.acquire(s, "image", max_wait=0.8))
        await asyncio.sleep(0.1)
        a.settle(probe, answer(200))
        await a.flush()
        b.settle(await waiting, answer(200))


@pytest.mark.asyncio
async def test_the_log_of_an_announced_bucket_is_trimmed(redis_url: str) -> None:
    import redis.asyncio as aioredis

    s = site({"image": (1000, 0.2)})
    headers = {"x-rl": "100000", "x-rl-remaining": "99999", "x-rl-reset": "1000"}
    async with ba.RedisScheduler(redis_url, prefix="trim") as sched:
        for _ in range(20):
            sched.settle(await sched.acquire(s, "image", max_wait=0), answer(200, headers))
        await sched.flush()
        await asyncio.sleep(0.3)  # past the profile's window (and margin)
        sched.settle(await sched.acquire(s, "image", max_wait=0), answer(200, headers))
        await sched.flush()
    client = aioredis.Redis.from_url(redis_url)
    try:
        assert await client.zcard("trim:{127.0.0.1:9}:b:image:log") == 1
    finally:
        await client.aclose()


@pytest.mark.parametrize(
    ("exc", "down"),
    [
        ("ConnectionError", True),
        ("TimeoutError", True),
        ("BusyLoadingError", True),  # LOADING
        ("OutOfMemoryError", True),  # OOM
        ("ReadOnlyError", True),  # READONLY
        ("MISCONF Redis is configured to save RDB snapshots, but it's currently unable", True),
        ("BUSY Redis is busy running a script. You can only call SCRIPT KILL", True),
        ("ERR user_script:12: attempt to compare nil with number", False),  # a bug
        ("WRONGTYPE Operation against a key holding the wrong kind of value", False),
    ],
)
def test_server_errors_that_mean_unreachable(exc: str, down: bool) -> None:
    import redis.exceptions

    from booru_async._redis import unreachable

    cls = getattr(redis.exceptions, exc, None)
    error = cls("x") if cls is not None else redis.exceptions.ResponseError(exc)
    assert unreachable(error) is down


@pytest.mark.asyncio
async def test_redis_out_of_memory_falls_back_and_warns(
    redis_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    import redis.asyncio as aioredis

    s = site({"site": (50, 0.3)})
    client = aioredis.Redis.from_url(redis_url)
    async with ba.RedisScheduler(
        redis_url, processes=2, retry_interval=0.1, rejoin_grace=0.2
    ) as sched:
        sched.settle(await sched.acquire(s, "image"), answer(200))
        await sched.flush()
        await client.config_set("maxmemory-policy", "noeviction")
        await client.config_set("maxmemory", "1")
        try:
            with caplog.at_level(logging.WARNING, logger="booru_async.scheduler"):
                ticket = await sched.acquire(s, "image", max_wait=0.9)
                sched.settle(ticket, answer(200))
                await sched.flush()
            assert not ticket.via_redis and sched.degraded
            messages = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
            assert any("unreachable" in m and "OutOfMemoryError" in m for m in messages)
        finally:
            await client.config_set("maxmemory", "0")
            await client.aclose()
        await asyncio.sleep(0.15)
        ticket = await sched.acquire(s, "image", max_wait=0.9)
        sched.settle(ticket, answer(200))
    assert ticket.via_redis


class SlowReplies:
    """A loopback TCP proxy in front of Redis that holds every reply for ``delay`` seconds
    (settable at any time): commands run at once, their answers arrive late."""

    def __init__(self, target_port: int, delay: float) -> None:
        self.target_port = target_port
        self.delay = delay
        self.server: asyncio.Server | None = None
        self.url = ""

    async def start(self) -> str:
        """Listen; the proxy's Redis URL."""
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self.server.sockets[0].getsockname()[1]
        self.url = f"redis://127.0.0.1:{port}/0"
        return self.url

    async def __aenter__(self) -> SlowReplies:
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter, slow: bool) -> None:
            with contextlib.suppress(OSError, asyncio.CancelledError):
                while data := await src.read(65536):
                    if slow and self.delay:
                        await asyncio.sleep(self.delay)
                    dst.write(data)
                    await dst.drain()
            dst.close()

        await asyncio.gather(pipe(reader, up_writer, False), pipe(up_reader, writer, True))


@pytest.mark.asyncio
@pytest.mark.parametrize("how", ["task.cancel", "wait_for", "asyncio.timeout"])
async def test_native_cancellation_during_the_grant_round_trip_leaks_no_token(
    redis_server: RedisServer, redis_url: str, how: str
) -> None:
    import redis.asyncio as aioredis

    s = site({"site": (100, 60.0)})
    slow = SlowReplies(redis_server.port, 0.0)
    async with slow, ba.RedisScheduler(await slow.start(), prefix="cancel") as sched:
        sched.settle(await sched.acquire(s, "image"), answer(200))
        await sched.flush()
        slow.delay = 0.2
        # The grant script runs at once; its answer is on the wire for 0.2 s when the
        # caller is cancelled.
        if how == "task.cancel":
            task = asyncio.ensure_future(sched.acquire(s, "image"))
            await asyncio.sleep(0.1)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        elif how == "wait_for":
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(sched.acquire(s, "image"), 0.1)
        else:
            with pytest.raises(TimeoutError):
                async with asyncio.timeout(0.1):
                    await sched.acquire(s, "image")
        await asyncio.sleep(0.25)  # the answer arrives: the grant is given back
        slow.delay = 0.0
        await sched.flush()
    client = aioredis.Redis.from_url(redis_url)
    try:
        in_flight = await client.zcard("cancel:{127.0.0.1:9}:b:site:fl")
        log_size = await client.zcard("cancel:{127.0.0.1:9}:b:site:log")
    finally:
        await client.aclose()
    assert in_flight == 0 and log_size == 1  # only the first, settled request counts


@pytest.mark.asyncio
async def test_the_fallback_share_follows_the_announced_limit(redis_server: RedisServer) -> None:
    del redis_server  # the session server must exist; this test kills its own
    s = site({"image": (100, 0.4)})
    with RedisServer() as own:
        async with ba.RedisScheduler(own.url, processes=2, retry_interval=5.0) as sched:
            ticket = await sched.acquire(s, "image")
            sched.settle(
                ticket, answer(200, {"x-rl": "4", "x-rl-remaining": "3", "x-rl-reset": "0.4"})
            )
            await sched.flush()
            own.kill()
            # The fallback starts as if its first window were spent, then keeps
            # min(profile 100, announced 4) // 2 processes = 2 per window (not 50).
            sched.settle(await sched.acquire(s, "image", max_wait=0.9), answer(200))
            assert sched.degraded
            more = 0
            for _ in range(10):
                try:
                    sched.settle(await sched.acquire(s, "image", max_wait=0), answer(200))
                except ba.RateLimited:
                    break
                more += 1
    assert more == 1


async def _rejoin(sched: ba.RedisScheduler, s: ba.Site, attempt: Callable[[], Awaitable[object]]) -> None:
    """Call ``attempt`` until ``sched`` is back on Redis (the first command after a
    restart may still hit the old, dead connection)."""
    for _ in range(8):
        with contextlib.suppress(ba.RateLimited, ba.Blocked):
            await attempt()
        if not sched.degraded:
            return
        await asyncio.sleep(0.12)
    raise AssertionError("the scheduler never rejoined Redis")


@pytest.mark.asyncio
async def test_a_ban_seen_while_redis_was_away_is_shared_when_it_returns(
    redis_server: RedisServer,
) -> None:
    del redis_server
    s = site({"site": (50, 0.2)})
    challenge = answer(501, {"content-type": "text/html"}, b"<html>challenge</html>")
    with RedisServer() as own:
        async with ba.RedisScheduler(own.url, retry_interval=0.1, rejoin_grace=0.05) as a:
            a.settle(await a.acquire(s, "image"), answer(200))
            await a.flush()
            own.kill()
            first, second = await a.acquire(s, "image"), await a.acquire(s, "image")
            assert a.degraded
            a.settle(first, challenge)
            a.settle(second, answer(500))
            assert a.is_banned(s)
            own.start()
            await _rejoin(a, s, lambda: a.acquire(s, "image"))
        async with ba.RedisScheduler(own.url) as b:  # another process of the fleet
            with pytest.raises(ba.Blocked) as info:
                await b.acquire(s, "image")
    assert info.value.reason == "ban" and info.value.retry_after > 800


@pytest.mark.asyncio
async def test_a_429_pause_seen_while_redis_was_away_is_shared_when_it_returns(
    redis_server: RedisServer,
) -> None:
    del redis_server
    s = site({"site": (50, 0.2)})
    with RedisServer() as own:
        async with ba.RedisScheduler(own.url, retry_interval=0.1, rejoin_grace=0.05) as a:
            a.settle(await a.acquire(s, "image"), answer(200))
            await a.flush()
            own.kill()
            ticket = await a.acquire(s, "image")
            assert not ticket.via_redis
            a.settle(ticket, answer(429, {"retry-after": "30"}))
            own.start()
            await _rejoin(a, s, lambda: a.acquire(s, "image", max_wait=0.1))
        async with ba.RedisScheduler(own.url) as b:
            with pytest.raises(ba.RateLimited) as info:
                await b.acquire(s, "image", max_wait=0.5)
    assert info.value.retry_after is not None and 25 < info.value.retry_after <= 30


@pytest.mark.asyncio
async def test_tickets_settled_during_a_blip_leave_flight_on_rejoin(redis_url: str) -> None:
    import redis.asyncio as aioredis

    s = site({"site": (100, 60.0)})
    client = aioredis.Redis.from_url(redis_url)
    try:
        async with ba.RedisScheduler(
            redis_url, prefix="blip", socket_timeout=0.2, retry_interval=0.1, rejoin_grace=0.05
        ) as sched:
            held = [await sched.acquire(s, "image") for _ in range(3)]
            await client.client_pause(450)  # Redis is there but answers nobody
            for ticket in held:
                sched.settle(ticket, answer(200))
            await sched.flush()  # the settles time out
            assert sched.degraded
            await asyncio.sleep(0.35)
            await _rejoin(sched, s, lambda: sched.acquire(s, "image", max_wait=0.5))
            in_flight = await client.zcard("blip:{127.0.0.1:9}:b:site:fl")
    finally:
        await client.aclose()
    # Only the ticket granted after the rejoin (not the three settled meanwhile, for the
    # 120 s lease).
    assert in_flight == 1


@pytest.mark.asyncio
async def test_a_process_started_during_a_ban_sends_nothing(redis_url: str) -> None:
    fake, ids = _fake(limit=50, window=1.0)
    async with serve(fake) as url:
        s = ba.Site(name="fake", base_url=url, flavour="philomena", budgets={"image": (50, 1.0)})
        async with ba.RedisScheduler(redis_url, prefix="ban") as first:
            t1 = await first.acquire(s, "image")
            t2 = await first.acquire(s, "image")
            first.settle(t1, answer(501, {"content-type": "text/html"}, b"<html>challenge</html>"))
            first.settle(t2, answer(500))
        # A process started during the ban.
        worker = _spawn(redis_url, "ban", url, ids[:3], {"image": [50, 1.0]})
        await asyncio.to_thread(_go, [worker])
        result = await asyncio.to_thread(_result, worker)
    assert result["got"] == [] and result["errors"] == ["Blocked"] * 3
    assert fake.stats.requests == []  # not one request: each would restart the ban


@pytest.mark.asyncio
async def test_the_waiter_queue_outlives_a_long_pause(redis_url: str) -> None:
    import redis.asyncio as aioredis

    s = site({"site": (5, 1.0)})
    client = aioredis.Redis.from_url(redis_url)
    try:
        async with ba.RedisScheduler(redis_url, prefix="longq", max_pause=3600) as sched:
            ticket = await sched.acquire(s, "image")
            sched.settle(ticket, answer(429, {"retry-after": "300"}))
            await sched.flush()
            waiter = asyncio.ensure_future(sched.acquire(s, "image"))
            await asyncio.sleep(0.1)
            ttl = await client.pttl("longq:{127.0.0.1:9}:b:site:q")
            waiter.cancel()
            await asyncio.gather(waiter, return_exceptions=True)
    finally:
        await client.aclose()
    # The entry lasts to the end of the pause and beyond (the key used to expire at 120 s).
    assert ttl > 300_000


@pytest.mark.asyncio
async def test_a_redis_that_lost_its_state_unseen_does_not_reopen_a_spent_window(
    redis_server: RedisServer, redis_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    # Redis restarts between two asks (nobody saw it down): its logs are gone. The next
    # ask learns so from the epoch and reports this process's grants before anything else.
    s = site({"site": (4, 0.8)})
    async with ba.RedisScheduler(redis_url, prefix="epoch", rejoin_grace=0.1) as sched:
        started = time.monotonic()
        for _ in range(4):
            sched.settle(await sched.acquire(s, "image", max_wait=0), answer(200))
        await sched.flush()
        redis_server.flushall()  # as a restart without persistence would
        with caplog.at_level(logging.WARNING, logger="booru_async.scheduler"):
            with pytest.raises(ba.RateLimited):
                await sched.acquire(s, "image", max_wait=0)
            ticket = await sched.acquire(s, "image", max_wait=2.0)
        waited = time.monotonic() - started
        sched.settle(ticket, answer(200))
    assert waited >= 0.75  # the window the four grants spent, not a fresh one
    assert any("lost its state" in r.getMessage() for r in caplog.records)
