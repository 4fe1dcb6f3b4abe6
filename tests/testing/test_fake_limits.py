"""Proxy-level behaviour: rate budgets, anti-bot, faults, cache headers, clock."""

from __future__ import annotations

import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime

import httpx
import pytest

from booru_async.testing import (
    CACHE_PHOENIX,
    AntiBot,
    Board,
    FakeBehaviour,
    FakeBooru,
    FakeClock,
    Fault,
    RateBudget,
    cacheable,
)

Connect = Callable[[FakeBooru], httpx.AsyncClient]
IMG = "/api/v1/json/images/1"


@pytest.mark.asyncio
async def test_proxy_style_429(board: Board, clock: FakeClock, connect: Connect) -> None:
    fake = FakeBooru(
        board,
        clock=clock,
        rate_budgets=(RateBudget(3, 5.0), RateBudget(2, 10.0, groups=("search",))),
    )
    async with connect(fake) as http:
        statuses = [(await http.get(IMG)).status_code for _ in range(3)]
        limited = await http.get(IMG)
        assert statuses == [200, 200, 200]
        assert limited.status_code == 429
        assert limited.headers["retry-after"] == "5"
        assert limited.headers["content-type"].startswith("text/html")
        assert "x-rl" not in limited.headers
        clock.advance(2.2)
        assert (await http.get(IMG)).headers["retry-after"] == "3"  # rounded up
        clock.advance(3.0)
        assert (await http.get(IMG)).status_code == 200
        # the search group has its own, tighter budget
        clock.advance(10)
        s = [(await http.get("/api/v1/json/search/images?q=safe")).status_code for _ in range(3)]
        assert s == [200, 200, 429]
    assert len(fake.stats.rate_limited) == 3
    assert fake.max_requests_in_window("search", 10.0) == 3
    assert fake.max_requests_in_window(None, 5.0) == 5  # 429s count as received


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("ruby", "2024-10-27 03:34:00 UTC"),
        ("iso", "2024-10-27T03:34:00Z"),
        ("epoch", "1730000040"),
        ("delta", "40"),
    ],
)
async def test_twibooru_rl_headers(board: Board, connect: Connect, fmt: str, expected: str) -> None:
    clock = FakeClock(1_730_000_000.0)  # 20 s into a minute
    behaviour = FakeBehaviour(
        flavour="twibooru",
        rate_limit_style="twibooru",
        reset_format=fmt,  # type: ignore[arg-type]
        rate_budgets=(RateBudget(2, 60.0, groups=("posts",), algorithm="fixed"),),
    )
    fake = FakeBooru(board, behaviour, clock=clock)
    async with connect(fake) as http:
        r1 = await http.get("/api/v3/posts/1")
        r2 = await http.get("/api/v3/posts/2")
        r3 = await http.get("/api/v3/posts/3")
        other = await http.get("/api/v3/search/tags?q=safe")
    assert (r1.headers["x-rl"], r1.headers["x-rl-remaining"]) == ("2", "1")
    assert r2.headers["x-rl-remaining"] == "0"
    assert r3.status_code == 429 and r3.json() == {
        "error": "Rate limit exceeded. Please try again later."
    }
    assert r3.headers["x-rl-remaining"] == "0"
    assert r1.headers["x-rl-reset"] == expected
    # No configured budget covers search/tags: the documented one shows (never enforced),
    # because Twibooru sends X-RL* on every API answer.
    assert (other.headers["x-rl"], other.headers["x-rl-remaining"]) == ("60", "59")
    clock.advance(40)
    assert (await _get(fake, connect, "/api/v3/posts/1")).status_code == 200


async def _get(fake: FakeBooru, connect: Connect, path: str) -> httpx.Response:
    async with connect(fake) as http:
        return await http.get(path)


@pytest.mark.asyncio
async def test_antibot_challenge_and_ban_restart(
    board: Board, clock: FakeClock, connect: Connect
) -> None:
    fake = FakeBooru(
        board, clock=clock, anti_bot=AntiBot(challenge_duration=30, min_backoff=5, ban_duration=900)
    )
    async with connect(fake) as http:
        fake.trigger_challenge()
        first = await http.get(IMG)
        assert first.status_code == 501 and first.headers["content-type"].startswith("text/html")
        clock.advance(6)  # a polite client: challenged again, not banned
        assert (await http.get(IMG)).status_code == 501
        clock.advance(1)  # too soon -> banned
        banned = await http.get(IMG)
        assert banned.status_code == 500 and banned.content == b""
        clock.advance(899)
        assert (await http.get(IMG)).status_code == 500  # restarts the 15 minutes
        clock.advance(899)
        assert (await http.get(IMG)).status_code == 500
        assert fake.ban_until == pytest.approx(clock.now + 900)
        clock.advance(901)
        assert (await http.get(IMG)).status_code == 200
    assert len(fake.stats.banned) == 3 and len(fake.stats.challenged) == 2


@pytest.mark.asyncio
async def test_antibot_triggered_by_rate_limit(
    board: Board, clock: FakeClock, connect: Connect
) -> None:
    fake = FakeBooru(
        board,
        clock=clock,
        rate_budgets=(RateBudget(1, 10.0),),
        anti_bot=AntiBot(trigger_on_rate_limit=True),
    )
    async with connect(fake) as http:
        assert (await http.get(IMG)).status_code == 200
        assert (await http.get(IMG)).status_code == 501
        assert (await http.get(IMG)).status_code == 500


@pytest.mark.asyncio
async def test_faults(board: Board, connect: Connect) -> None:
    fake = FakeBooru(board)
    async with connect(fake) as http:
        fake.configure(faults=(Fault("html502", times=1),))
        r = await http.get(IMG)
        assert r.status_code == 502 and "Bad Gateway" in r.text
        assert (await http.get(IMG)).status_code == 200
        fake.configure(faults=(Fault("wrong_content_type", paths=("/api/v1/json/images",)),))
        r = await http.get(IMG)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
        assert r.json()["image"]["id"] == 1
        fake.configure(faults=(Fault("latency", delay=0.2),))
        start = time.monotonic()
        assert (await http.get(IMG)).status_code == 200
        assert time.monotonic() - start >= 0.19
        for fault in (Fault("reset", times=1), Fault("truncate", times=1)):
            fake.configure(faults=(fault,))
            with pytest.raises(httpx.RemoteProtocolError):
                await http.get(IMG)
            assert (await http.get(IMG)).status_code == 200
    assert [r.fault for r in fake.stats.faults] == [
        "html502", "wrong_content_type", "latency", "reset", "truncate",
    ]  # fmt: skip


def test_fault_probability_is_seeded(board: Board) -> None:
    def pattern(seed: int) -> list[int]:
        fake = FakeBooru(board, seed=seed, faults=(Fault("html502", probability=0.5),))
        import asyncio

        async def run() -> list[int]:
            async with httpx.AsyncClient(
                transport=fake.transport(), base_url=fake.base_url
            ) as http:
                return [(await http.get(IMG)).status_code for _ in range(16)]

        return asyncio.run(run())

    a, b, c = pattern(1), pattern(1), pattern(2)
    assert a == b and a != c and 0 < a.count(502) < 16


@pytest.mark.asyncio
async def test_cache_headers_and_etag(board: Board, clock: FakeClock, connect: Connect) -> None:
    fake = FakeBooru(board, clock=clock, date_skew=-120)
    async with connect(fake) as http:
        r = await http.get(IMG)
        # Production's header behind the reference proxy (docker/production/web/Caddyfile),
        # not Phoenix's own default.
        assert r.headers["cache-control"] == "no-store, no-cache"
        assert "etag" not in r.headers
        date = parsedate_to_datetime(r.headers["date"]).timestamp()
        assert date == pytest.approx(clock.now - 120, abs=1)
        fake.configure(cache_control=CACHE_PHOENIX)
        assert (await http.get(IMG)).headers["cache-control"] == (
            "max-age=0, private, must-revalidate"
        )
        fake.configure(cache_control=cacheable(300))
        assert (await http.get(IMG)).headers["cache-control"] == "public, max-age=300"
        cdn = (await http.get(IMG)).json()["image"]["representations"]["thumb"]
        assert (await http.get(cdn)).headers["cache-control"] == "public, max-age=2147483647"
    legacy = FakeBooru(board, flavour="legacy")
    async with connect(legacy) as http:
        r = await http.get("/images/1.json")
        etag = r.headers["etag"]
        assert etag.startswith('W/"')
        again = await http.get("/images/1.json", headers={"if-none-match": etag})
        assert again.status_code == 304 and again.content == b""


@pytest.mark.asyncio
async def test_stats_record_requests_without_key(board: Board, connect: Connect) -> None:
    fake = FakeBooru(board)
    user = next(u for u in board.users.values() if not u.deactivated and u.confirmed)
    async with connect(fake) as http:
        await http.get(SEARCH_SAFE, params={"q": "safe", "key": user.api_key, "page": "2"})
    rec = fake.stats.requests[-1]
    assert rec.method == "GET" and rec.path == "/api/v1/json/search/images"
    assert rec.params == {"q": "safe", "page": "2"} and rec.group == "search"
    assert rec.authenticated and rec.status == 200
    assert "search" in fake.route_groups() and "cdn" in fake.route_groups()


SEARCH_SAFE = "/api/v1/json/search/images"


@pytest.mark.asyncio
async def test_relative_dates_follow_the_clock(board: Board, connect: Connect) -> None:
    newest = max(i.created_at for i in board.images.values() if not i.hidden_from_users)
    board.default_filter_id = board.everything_filter_id
    clock = FakeClock(newest.timestamp() + 3600)
    fake = FakeBooru(board, clock=clock)
    async with connect(fake) as http:
        recent = (
            await http.get("/api/v1/json/search/images", params={"q": "created_at.gt:1 day ago"})
        ).json()
    assert recent["total"] >= 1
