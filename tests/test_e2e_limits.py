"""Rate limits end to end: the client against the fake server's budgets.

Long runs use trio's virtual clock (a five-minute crawl takes no wall time): the fake runs
in-process and reads the same clock. A short asyncio run checks the same path in real time.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import anyio
import pytest
import trio.testing

import booru_async as ba
from booru_async.testing import (
    DERPIBOORU_BUDGETS,
    TWIBOORU_BUDGETS,
    Board,
    FakeBooru,
    Fault,
    RateBudget,
)

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> tuple[str, dict[str, object]]:
    return "trio", {"clock": trio.testing.MockClock(autojump_threshold=0)}


@pytest.fixture(scope="module")
def board() -> Board:
    return Board.generate(seed=11, images=400, users=30, galleries=5, topics=5)


def server_clock(skew: float = 0.0) -> Callable[[], float]:
    """The fake's wall clock: real time plus ``skew``, advancing with the event loop's
    (virtual) clock, so the server's Date header and the client's local clock disagree by
    exactly ``skew``."""
    start_wall, start_loop = time.time() + skew, anyio.current_time()
    return lambda: start_wall + (anyio.current_time() - start_loop)


def client_for(fake: FakeBooru, profile: str, **kwargs: object) -> ba.Client:
    fake.base_url = "https://booru.test"
    return ba.Client(profile, base_url=fake.base_url, transport=fake.transport(),
                     cache=None, **kwargs)  # type: ignore[arg-type]


def visible_ids(board: Board) -> list[int]:
    return sorted(i.id for i in board.images.values()
                  if not i.hidden_from_users and i.approved)


def achieved_fraction(times: list[float], limit: int, window: float) -> float:
    """Requests per second over the run, as a fraction of the budget's rate. The first
    window's burst is not counted as throughput (it is the bucket's initial fill)."""
    times = sorted(times)
    span = times[-1] - times[0]
    return ((len(times) - limit) / span) / (limit / window)


async def fetch_all(client: ba.Client, ids: list[int], tasks: int) -> list[int]:
    got: list[int] = []
    queue = iter(ids)

    async def worker() -> None:
        for image_id in queue:
            got.append((await client.images.get(image_id)).id)

    async with anyio.create_task_group() as tg:
        for _ in range(tasks):
            tg.start_soon(worker)
    return got


@pytest.mark.parametrize("reset_format", ["ruby", "iso", "epoch", "delta"])
@pytest.mark.parametrize("skew", [-3600.0, 0.0, 3600.0])
async def test_twibooru_200_tasks_300_images_no_429_at_full_rate(
    board: Board, reset_format: str, skew: float
) -> None:
    fake = FakeBooru(board, flavour="twibooru", rate_limit_style="twibooru",
                     rate_budgets=TWIBOORU_BUDGETS, reset_format=reset_format,
                     clock=server_clock(skew))
    ids = visible_ids(board)[:300]
    async with client_for(fake, "twibooru") as client:
        got = await fetch_all(client, ids, tasks=200)
        stats = client.stats
    assert sorted(got) == ids  # nothing lost, nothing twice
    assert fake.stats.rate_limited == [] and stats.rate_limited == 0
    times = [r.time for r in fake.stats.in_group("posts")]
    assert len(times) == 300
    assert achieved_fraction(times, 60, 60.0) >= 0.95


@pytest.mark.parametrize(
    "garbage",
    [
        {"X-RL": "-5", "X-RL-Remaining": "-1", "X-RL-Reset": "-30"},
        {"X-RL": "abc", "X-RL-Remaining": "999999999", "X-RL-Reset": "99999999999999"},
        {"X-RL": "0", "X-RL-Remaining": "nan", "X-RL-Reset": "tomorrow-ish"},
        {"Retry-After": "1e309", "X-RL-Reset": "inf"},
    ],
)
async def test_absurd_headers_fall_back_to_the_profile(board: Board,
                                                       garbage: dict[str, str]) -> None:
    fake = FakeBooru(board, rate_limit_style="proxy", rate_budgets=DERPIBOORU_BUDGETS,
                     extra_headers=garbage, clock=server_clock())
    ids = visible_ids(board)[:120]
    async with client_for(fake, "derpibooru") as client:
        got = await fetch_all(client, ids, tasks=50)
    assert sorted(got) == ids
    assert fake.stats.rate_limited == []
    assert fake.max_requests_in_window(None, 5.0) <= 30


async def test_proxy_style_long_run_stays_inside_with_jitter(board: Board) -> None:
    """Derpibooru's proxy: 30 per 5 s per IP (sliding), search 20 per 10 s, no rate headers,
    429 with Retry-After. A long mixed run with latency jitter gets no 429 at all."""
    fake = FakeBooru(board, rate_limit_style="proxy", rate_budgets=DERPIBOORU_BUDGETS,
                     faults=(Fault("latency", probability=0.3, delay=0.05),),
                     clock=server_clock())
    ids = visible_ids(board)[:300]
    pages: list[int] = []
    async with client_for(fake, "derpibooru") as client:

        async def searcher() -> None:
            async for page in client.images.search("safe", sort="id", per_page=10).pages():
                pages.append(len(page.items))

        async with anyio.create_task_group() as tg:
            tg.start_soon(searcher)
            got = await fetch_all(client, ids, tasks=100)
    assert sorted(got) == ids and sum(pages) > 0
    assert fake.stats.rate_limited == []
    assert fake.max_requests_in_window(None, 5.0) <= 30
    assert fake.max_requests_in_window("search", 10.0) <= 20


async def test_a_stricter_server_costs_at_most_one_429_per_window_after_learning(
    board: Board,
) -> None:
    """The server allows fewer than the profile says (20 per 5 s, not 30): the client learns
    from the first 429s, then stays at one 429 per window at most, and loses nothing."""
    fake = FakeBooru(board, rate_limit_style="proxy",
                     rate_budgets=(RateBudget(limit=20, window=5.0),), clock=server_clock())
    ids = visible_ids(board)[:300]
    async with client_for(fake, "derpibooru") as client:
        got = await fetch_all(client, ids, tasks=100)
    assert sorted(got) == ids
    limited = sorted(r.time for r in fake.stats.rate_limited)
    assert limited, "the profile is looser than the server: the first burst meets 429s"
    start = fake.stats.requests[0].time
    later = [t for t in limited if t - start >= 10.0]  # after the first two windows
    per_window: dict[int, int] = {}
    for t in later:
        per_window[int((t - start) // 5.0)] = per_window.get(int((t - start) // 5.0), 0) + 1
    assert all(n <= 1 for n in per_window.values()), per_window


async def test_interactive_call_waits_at_most_one_token_interval(board: Board) -> None:
    fake = FakeBooru(board, flavour="twibooru", rate_limit_style="twibooru",
                     rate_budgets=TWIBOORU_BUDGETS, clock=server_clock())
    ids = visible_ids(board)
    async with client_for(fake, "twibooru") as client:
        crawler = client.with_options(priority="bulk")
        bot = client.with_options(priority="interactive")
        waits: list[float] = []

        async def crawl() -> None:
            await fetch_all(crawler, ids[:250], tasks=50)

        async with anyio.create_task_group() as tg:
            tg.start_soon(crawl)
            await anyio.sleep(90)  # the crawl has saturated the budget
            for image_id in ids[300:305]:
                t0 = anyio.current_time()
                await bot.images.get(image_id)
                waits.append(anyio.current_time() - t0)
                await anyio.sleep(7)
    interval = 60.0 / 60 * 1.02
    assert max(waits) <= interval + 0.01, waits
    assert fake.stats.rate_limited == []


async def test_max_wait_answers_a_bot_at_once(board: Board) -> None:
    fake = FakeBooru(board, flavour="twibooru", rate_limit_style="twibooru",
                     rate_budgets=TWIBOORU_BUDGETS, clock=server_clock())
    async with client_for(fake, "twibooru") as client:
        pages = [p async for p in client.images.search("safe", per_page=5, limit=50).pages()]
        assert len(pages) == 10  # the whole search budget of the minute
        bot = client.with_options(priority="interactive", max_wait=2.0)
        t0 = anyio.current_time()
        with pytest.raises(ba.RateLimited) as info:
            await bot.images.search("safe").page(1)
        assert anyio.current_time() - t0 < 0.01
    assert info.value.retry_after is not None and 2.0 < info.value.retry_after <= 62
    assert len(fake.stats.in_group("search/posts")) == 10  # nothing was sent
