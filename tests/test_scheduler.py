"""The scheduler's async shell: budgets under concurrency, priorities, max_wait, cancellation,
bans. Runs on trio with a virtual clock (windows of a minute take no wall time) and on
asyncio in real time with sub-second windows."""

from __future__ import annotations

import anyio
import pytest
import trio.testing

import booru_async as ba
from booru_async._ratelimit import Priority
from booru_async._scheduler import LocalScheduler

pytestmark = pytest.mark.anyio


@pytest.fixture(
    params=[
        pytest.param(("trio", {"clock": "virtual"}), id="trio-virtual"),
        pytest.param(("asyncio", {}), id="asyncio"),
    ]
)
def anyio_backend(request: pytest.FixtureRequest) -> tuple[str, dict[str, object]]:
    name, options = request.param
    if options.get("clock") == "virtual":
        return name, {"clock": trio.testing.MockClock(autojump_threshold=0)}
    return name, {}


@pytest.fixture
def window(anyio_backend: tuple[str, dict[str, object]]) -> float:
    """A budget window: a real minute in virtual time, a fifth of a second in real time."""
    return 60.0 if anyio_backend[0] == "trio" else 0.2


def site(budgets: dict[str, tuple[int, float]]) -> ba.Site:
    return ba.Site(name="t", base_url="https://t.example", flavour="twibooru", budgets=budgets)


def max_in_any_window(times: list[float], span: float) -> int:
    times = sorted(times)
    best, start = 0, 0
    for end, t in enumerate(times):
        while t - times[start] >= span:
            start += 1
        best = max(best, end - start + 1)
    return best


async def test_200_tasks_never_overshoot_a_budget_of_10(window: float) -> None:
    scheduler = LocalScheduler()
    s = site({"search": (10, window)})
    granted: list[float] = []

    async def one() -> None:
        ticket = await scheduler.acquire(s, "search")
        granted.append(anyio.current_time())
        await anyio.sleep(window / 100)  # a request in flight
        scheduler.settle(ticket, status=200, headers={})

    start = anyio.current_time()
    async with anyio.create_task_group() as tg:
        for _ in range(30 if window < 1 else 200):
            tg.start_soon(one)
    elapsed = anyio.current_time() - start
    assert max_in_any_window(granted, window) <= 10
    # ...and the budget is used, not wasted: 30 grants in 10s need at least 2 windows.
    n = len(granted)
    assert elapsed <= (n / 10) * window * 1.1 + window / 10


async def test_interactive_never_queues_behind_bulk(window: float) -> None:
    scheduler = LocalScheduler()
    s = site({"search": (10, window)})
    interval = window / 10 * 1.02
    stop = anyio.Event()

    async def crawler() -> None:
        while not stop.is_set():
            ticket = await scheduler.acquire(s, "search", priority=Priority.BULK)
            scheduler.settle(ticket, status=200, headers={})

    waits: list[float] = []
    async with anyio.create_task_group() as tg:
        for _ in range(20):
            tg.start_soon(crawler)
        await anyio.sleep(window * 1.5)  # the crawl saturates the budget
        for _ in range(3):
            t0 = anyio.current_time()
            ticket = await scheduler.acquire(s, "search", priority=Priority.INTERACTIVE)
            waits.append(anyio.current_time() - t0)
            scheduler.settle(ticket, status=200, headers={})
            await anyio.sleep(window / 3)
        stop.set()
    assert max(waits) <= interval * 1.5 + (0.02 if window < 1 else 0)


async def test_bulk_is_paced_not_burst(window: float) -> None:
    scheduler = LocalScheduler()
    s = site({"search": (10, window)})
    granted: list[float] = []
    async with anyio.create_task_group() as tg:
        for _ in range(10):
            async def one() -> None:
                ticket = await scheduler.acquire(s, "search", priority=Priority.BULK)
                granted.append(anyio.current_time())
                scheduler.settle(ticket, status=200, headers={})
            tg.start_soon(one)
    gaps = [b - a for a, b in zip(sorted(granted), sorted(granted)[1:], strict=False)]
    assert min(gaps) >= window / 10 * 0.9


async def test_max_wait_raises_at_once_without_queueing(window: float) -> None:
    scheduler = LocalScheduler()
    s = site({"search": (1, window)})
    ticket = await scheduler.acquire(s, "search")
    scheduler.settle(ticket, status=200, headers={})
    t0 = anyio.current_time()
    with pytest.raises(ba.RateLimited) as info:
        await scheduler.acquire(s, "search", max_wait=window / 10)
    assert anyio.current_time() - t0 < window / 20
    assert info.value.retry_after is not None and info.value.retry_after > window / 2
    # Within max_wait it simply waits.
    ticket = await scheduler.acquire(s, "search", max_wait=window * 2)
    scheduler.settle(ticket, status=200, headers={})


async def test_cancelled_waiter_spends_nothing(window: float) -> None:
    scheduler = LocalScheduler()
    s = site({"search": (1, window)})
    first = await scheduler.acquire(s, "search")
    with anyio.move_on_after(window / 4):
        await scheduler.acquire(s, "search")  # cancelled while queued
    scheduler.settle(first, status=200, headers={})
    bucket = scheduler._hosts["t.example"].buckets["search"]
    assert bucket.in_flight == 0 and not scheduler._hosts["t.example"].waiters
    t0 = anyio.current_time()
    ticket = await scheduler.acquire(s, "search")  # gets the next slot, one window after the first
    assert anyio.current_time() - t0 <= window * 0.9
    scheduler.settle(ticket, status=200, headers={})


async def test_429_pauses_the_bucket_for_retry_after(window: float) -> None:
    scheduler = LocalScheduler()
    s = site({"search": (100, window)})
    ticket = await scheduler.acquire(s, "search")
    pause = window * 1.5
    scheduler.settle(ticket, status=429, headers={"retry-after": str(pause)})
    t0 = anyio.current_time()
    ticket = await scheduler.acquire(s, "search")
    assert anyio.current_time() - t0 >= pause * 0.99
    scheduler.settle(ticket, status=200, headers={})


async def test_ban_blocks_new_calls_at_once() -> None:
    scheduler = LocalScheduler()
    s = ba.Site(name="d", base_url="https://d.example", flavour="philomena",
                budgets={"site": (30, 5.0)})
    ticket = await scheduler.acquire(s, "search")
    scheduler.settle(ticket, status=501, headers={"content-type": "text/html"}, html=True)
    assert not scheduler.is_banned(s)
    # The challenge pauses the whole site (a waiter would wait ~5 s): max_wait says so.
    with pytest.raises(ba.RateLimited):
        await scheduler.acquire(s, "image", max_wait=1.0)
    scheduler._hosts["d.example"].guard.paused_until = anyio.current_time()  # skip the pause
    ticket = await scheduler.acquire(s, "image")
    scheduler.settle(ticket, status=500, headers={}, empty_body=True)
    assert scheduler.is_banned(s)
    with pytest.raises(ba.Blocked) as info:
        await scheduler.acquire(s, "image")
    assert info.value.reason == "ban" and info.value.retry_after > 800


async def test_unknown_group_passes_the_site_gate_or_the_strictest_budget(
    window: float,
) -> None:
    scheduler = LocalScheduler()
    s = site({"search": (10, window), "image": (60, window)})
    ticket = await scheduler.acquire(s, "galleries")
    assert ticket.group_bucket is scheduler._hosts["t.example"].buckets["search"]
    scheduler.settle(ticket, status=200, headers={})
