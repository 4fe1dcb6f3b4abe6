"""The scheduler's async shell: budgets under concurrency, priorities, max_wait, cancellation,
bans. Runs on virtual time on both backends (windows of a minute take no wall time)."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import anyio
import httpx
import pytest
import trio.testing
from virtualtime import VIRTUAL_BACKENDS, backend

import booru_async as ba
from booru_async import LocalScheduler
from booru_async._verdict import Verdict, classify

pytestmark = pytest.mark.anyio


@pytest.fixture(params=VIRTUAL_BACKENDS)
def anyio_backend(request: pytest.FixtureRequest) -> tuple[str, dict[str, object]]:
    """Virtual time on both backends: minute-long windows take no wall time."""
    name, options = request.param
    if options.get("clock") == "virtual":
        return name, {"clock": trio.testing.MockClock(autojump_threshold=0)}
    return backend(request.param)


@pytest.fixture
def window() -> float:
    """A budget window: a minute, in virtual time."""
    return 60.0


def answer(status: int, headers: dict[str, str] | None = None, body: bytes = b"") -> Verdict:
    """The verdict the transport stack hands the scheduler for an answer."""
    return classify(status, httpx.Headers(headers or {}), body, now=datetime.now(UTC))


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
        scheduler.settle(ticket, answer(200))

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
            ticket = await scheduler.acquire(s, "search", priority="bulk")
            scheduler.settle(ticket, answer(200))

    waits: list[float] = []
    async with anyio.create_task_group() as tg:
        for _ in range(20):
            tg.start_soon(crawler)
        await anyio.sleep(window * 1.5)  # the crawl saturates the budget
        for _ in range(3):
            t0 = anyio.current_time()
            ticket = await scheduler.acquire(s, "search", priority="interactive")
            waits.append(anyio.current_time() - t0)
            scheduler.settle(ticket, answer(200))
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
                ticket = await scheduler.acquire(s, "search", priority="bulk")
                granted.append(anyio.current_time())
                scheduler.settle(ticket, answer(200))
            tg.start_soon(one)
    gaps = [b - a for a, b in zip(sorted(granted), sorted(granted)[1:], strict=False)]
    assert min(gaps) >= window / 10 * 0.9


async def test_max_wait_raises_at_once_without_queueing(window: float) -> None:
    scheduler = LocalScheduler()
    s = site({"search": (1, window)})
    ticket = await scheduler.acquire(s, "search")
    scheduler.settle(ticket, answer(200))
    t0 = anyio.current_time()
    with pytest.raises(ba.RateLimited) as info:
        await scheduler.acquire(s, "search", max_wait=window / 10)
    assert anyio.current_time() - t0 < window / 20
    assert info.value.retry_after is not None and info.value.retry_after > window / 2
    # Within max_wait it simply waits.
    ticket = await scheduler.acquire(s, "search", max_wait=window * 2)
    scheduler.settle(ticket, answer(200))


async def test_cancelled_waiter_spends_nothing(window: float) -> None:
    scheduler = LocalScheduler()
    s = site({"search": (1, window)})
    first = await scheduler.acquire(s, "search")
    scheduler.settle(first, answer(200))
    with anyio.move_on_after(window / 4):
        await scheduler.acquire(s, "search")  # cancelled while queued
    # Nothing is queued ahead and nothing is in flight: the wait is the window's alone.
    assert scheduler.predicted_wait(s, "search", "normal") <= window * 1.05
    t0 = anyio.current_time()
    ticket = await scheduler.acquire(s, "search")  # the next slot: a window after the first
    assert anyio.current_time() - t0 <= window * 0.9
    scheduler.settle(ticket, answer(200))


@pytest.mark.parametrize(
    "anyio_backend",
    [pytest.param(("trio", {"clock": "virtual"}), id="trio-virtual")],
    indirect=True,
)
async def test_429_pauses_the_bucket_for_retry_after(window: float) -> None:
    # Virtual time only: on a loaded machine the real-time variant flaked (a timer that
    # fires a fraction of a millisecond early is not a bug of the scheduler).
    scheduler = LocalScheduler()
    s = site({"search": (100, window)})
    ticket = await scheduler.acquire(s, "search")
    pause = window * 1.5
    scheduler.settle(ticket, answer(429, {"retry-after": str(pause)}))
    t0 = anyio.current_time()
    ticket = await scheduler.acquire(s, "search")
    assert anyio.current_time() - t0 >= pause * 0.99
    scheduler.settle(ticket, answer(200))


@pytest.mark.parametrize(
    "anyio_backend",
    [pytest.param(("trio", {"clock": "virtual"}), id="trio-virtual")],
    indirect=True,
)
async def test_ban_blocks_new_calls_at_once() -> None:
    scheduler = LocalScheduler()
    s = ba.Site(name="d", base_url="https://d.example", flavour="philomena",
                budgets={"site": (30, 5.0)})
    ticket = await scheduler.acquire(s, "search")
    scheduler.settle(ticket, answer(501, {"content-type": "text/html"}, b"<html>"))
    assert not scheduler.is_banned(s)
    # The challenge pauses the whole site (a waiter would wait ~5 s): max_wait says so.
    with pytest.raises(ba.RateLimited):
        await scheduler.acquire(s, "image", max_wait=1.0)
    await anyio.sleep(5.0)  # the challenge pause, in virtual time
    ticket = await scheduler.acquire(s, "image")
    scheduler.settle(ticket, answer(500))
    assert scheduler.is_banned(s)
    with pytest.raises(ba.Blocked) as info:
        await scheduler.acquire(s, "image")
    assert info.value.reason == "ban" and info.value.retry_after > 800


async def test_unknown_group_passes_the_site_gate_or_the_strictest_budget(
    window: float,
) -> None:
    scheduler = LocalScheduler()
    s = site({"search": (10, window), "image": (60, window)})
    for _ in range(10):
        ticket = await scheduler.acquire(s, "galleries")
        scheduler.settle(ticket, answer(200))
    # "galleries" spent the strictest budget (search), not the image budget.
    assert scheduler.predicted_wait(s, "search", "normal") > 0
    assert scheduler.predicted_wait(s, "image", "normal") == 0


# -- header-driven windows, storms, long waits, cancellation (virtual clock on trio) ----------

EPOCH = 1_700_000_000


def rl(limit: int, remaining: int, reset_epoch: float, date_epoch: float) -> dict[str, str]:
    """Twibooru-style headers: the reset as Ruby's Time#to_s, the Date an HTTP-date."""
    from datetime import UTC, datetime
    from email.utils import formatdate

    reset = datetime.fromtimestamp(reset_epoch, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return {"x-rl": str(limit), "x-rl-remaining": str(remaining), "x-rl-reset": reset,
            "date": formatdate(math.floor(date_epoch), usegmt=True)}


#: These run whole minutes (or a day) of virtual time: trio's MockClock only.
virtual = pytest.mark.parametrize(
    "anyio_backend", [("trio", {"clock": "virtual"})], indirect=True, ids=["trio-virtual"]
)


@virtual
@pytest.mark.parametrize("skew", [-3600.0, 0.0, 7200.0])
async def test_a_fresh_call_goes_out_at_the_reset_after_200_waiters_are_cancelled(
    skew: float,
) -> None:
    """A server allowing 5 per 4 s, its window spent; 200 queued callers give up; a fresh
    call goes out at the server's reset, not a profile window later. The local wall clock
    is ``skew`` seconds off the server's: only the server's Date counts. (Five whole-second
    Dates pin the server's clock to within a tenth of a second, always on the late side.)"""
    start = anyio.current_time()
    server = lambda: EPOCH + 1.0 + (anyio.current_time() - start)  # noqa: E731
    scheduler = LocalScheduler(wall_clock=lambda: server() + skew)
    s = site({"search": (10, 60.0)})
    for i in range(5):
        ticket = await scheduler.acquire(s, "search")
        await anyio.sleep(0.05)
        scheduler.settle(ticket, answer(200, rl(5, 4 - i, EPOCH + 4, server())))
    async with anyio.create_task_group() as tg:
        for _ in range(200):
            tg.start_soon(scheduler.acquire, s, "search")
        await anyio.sleep(1.0)
        tg.cancel_scope.cancel()
    # The cancelled waiters left nothing queued or in flight behind them.
    assert scheduler.predicted_wait(s, "search", "normal") <= 4.0
    ticket = await scheduler.acquire(s, "search")
    sent = server()
    assert EPOCH + 4 <= sent <= EPOCH + 4 + 0.15  # at the reset, never before it
    scheduler.settle(ticket, answer(200, rl(5, 4, EPOCH + 8, server())))


@virtual
async def test_a_retry_after_beyond_max_pause_raises_instead_of_parking() -> None:
    scheduler = LocalScheduler()
    s = site({"search": (1, 60.0)})
    ticket = await scheduler.acquire(s, "search")
    queued: list[BaseException] = []

    async def waiter() -> None:
        try:
            await scheduler.acquire(s, "search")
        except ba.RateLimited as exc:
            queued.append(exc)

    async with anyio.create_task_group() as tg:
        # Callers queued behind a spent budget when the 429 arrives raise too.
        for _ in range(10):
            tg.start_soon(waiter)
        await anyio.sleep(0.1)
        scheduler.settle(ticket, answer(429, {"retry-after": "86000"}))
    assert len(queued) == 10 and all(e.retry_after and e.retry_after > 85000 for e in queued)
    t0 = anyio.current_time()
    with pytest.raises(ba.RateLimited) as info:
        await scheduler.acquire(s, "search")  # a new call: at once, nothing parked
    assert anyio.current_time() == t0
    assert info.value.retry_after == pytest.approx(86000)
    # A crawler that will wait a day says so.
    ticket = await scheduler.acquire(s, "search", max_pause=86400)
    assert anyio.current_time() - t0 == pytest.approx(86000)
    scheduler.settle(ticket, answer(200))


@virtual
async def test_max_pause_is_a_scheduler_default() -> None:
    with pytest.raises(ValueError):
        LocalScheduler(max_pause=0)
    scheduler = LocalScheduler(max_pause=30.0)
    assert LocalScheduler().max_pause == 900.0  # the ban period
    s = site({"search": (10, 60.0)})
    ticket = await scheduler.acquire(s, "search")
    scheduler.settle(ticket, answer(429, {"retry-after": "60"}))
    with pytest.raises(ba.RateLimited):
        await scheduler.acquire(s, "search")
    ticket = await scheduler.acquire(s, "search", max_pause=120)
    scheduler.settle(ticket, answer(200))


@virtual
async def test_a_storm_of_30_429s_lowers_the_site_limit_once() -> None:
    scheduler = LocalScheduler()
    s = ba.Site(name="d", base_url="https://d.example", flavour="philomena",
                budgets={"site": (30, 5.0)})
    tickets = [await scheduler.acquire(s, "image") for _ in range(30)]
    await anyio.sleep(0.1)
    for ticket in tickets:
        scheduler.settle(ticket, answer(429))  # no Retry-After: backoff
    bucket = scheduler._hosts["d.example"].buckets["site"]
    assert bucket.limit == 15 and bucket.consecutive_429 == 1
    assert bucket.blocked_until - anyio.current_time() <= 1.0  # one round of backoff


async def test_max_wait_holds_for_a_waiter_behind_others_when_a_pause_arrives(
    window: float,
) -> None:
    # Admitted under max_wait (one window for the head, one for itself), then a 429 asks
    # for three windows: it raises at once instead of waiting past its max_wait.
    scheduler = LocalScheduler()
    s = site({"site": (1, window)})
    first = await scheduler.acquire(s, "image")
    outcome: list[object] = []

    async def take(**kw: float) -> None:
        try:
            ticket = await scheduler.acquire(s, "image", **kw)  # type: ignore[arg-type]
            outcome.append(anyio.current_time() - t0)
            scheduler.settle(ticket, answer(200))
        except ba.RateLimited as exc:
            outcome.append(exc)
            outcome.append(anyio.current_time() - t0)

    t0 = anyio.current_time()
    async with anyio.create_task_group() as tg:
        tg.start_soon(take)  # the head, no max_wait
        await anyio.sleep(window / 100)
        tg.start_soon(lambda: take(max_wait=window * 2.5))
        await anyio.sleep(window / 100)
        scheduler.settle(first, answer(429, {"retry-after": str(window * 3)}))
    errors = [o for o in outcome if isinstance(o, ba.RateLimited)]
    assert len(errors) == 1
    raised_at = outcome[outcome.index(errors[0]) + 1]
    assert isinstance(raised_at, float) and raised_at < window / 10  # at the 429, not later
    assert errors[0].retry_after is not None and errors[0].retry_after > window * 2.5


@virtual
async def test_a_waiter_sleeping_toward_a_provisional_reset_wakes_for_the_real_one() -> None:
    """After a roll the next reset is a guess (the profile's minute, before the server's
    window length is known); the sleeping waiter must go at the reset the next answer names,
    not sleep on toward the guess."""
    start = anyio.current_time()
    server = lambda: EPOCH + (anyio.current_time() - start)  # noqa: E731
    scheduler = LocalScheduler(wall_clock=server)
    s = site({"search": (10, 60.0)})
    first = await scheduler.acquire(s, "search")
    scheduler.settle(first, answer(200, rl(1, 0, EPOCH + 1, server())))
    granted: list[float] = []

    async def call(hold: float) -> None:
        ticket = await scheduler.acquire(s, "search")
        granted.append(server() - EPOCH)
        await anyio.sleep(hold)
        # The server's word on the new window: its reset is 2, not 1 + 60.
        scheduler.settle(ticket, answer(200, rl(1, 0, EPOCH + 2, server())))

    async with anyio.create_task_group() as tg:
        tg.start_soon(call, 0.6)  # goes at the reset (1): the roll refills the window
        await anyio.sleep(1.5)
        tg.start_soon(call, 0.0)  # the window is spent: sleeps toward the guessed reset
    assert granted[0] == pytest.approx(1.0, abs=0.1)
    assert granted[1] == pytest.approx(2.0, abs=0.1)  # woken by the answer at 1.6, not at 61
