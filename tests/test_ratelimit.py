"""Bucket maths (pure, explicit ``now``): sliding log, pacing, headers, 429 probe, guard."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime

import pytest

from booru_async._headers import RateHeaders
from booru_async._ratelimit import Bucket, Priority, SiteGuard, backoff

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def hints(limit: int | None = None, remaining: int | None = None,
          reset_after: float | None = None, retry_after: float | None = None) -> RateHeaders:
    return RateHeaders(limit=limit, remaining=remaining, reset_after=reset_after,
                       retry_after=retry_after, server_now=NOW)


def test_sliding_log_allows_limit_per_window() -> None:
    bucket = Bucket(3, 10.0)
    for t in (0.0, 1.0, 2.0):
        assert bucket.available_at(t) == t
        bucket.grant(t)
    # The fourth waits until the first grant is a full window old.
    assert bucket.available_at(2.0) == 10.0
    assert bucket.available_at(10.5) == 10.5
    bucket.grant(10.5)
    assert bucket.available_at(10.5) == 11.0  # now the grant at 1.0 is the oldest


def test_margin_widens_the_window() -> None:
    bucket = Bucket(1, 10.0, margin=0.2)
    bucket.grant(0.0)
    assert bucket.available_at(0.0) == pytest.approx(10.2)
    assert bucket.interval == pytest.approx(10.2)


def test_bulk_is_paced_evenly_and_others_are_not() -> None:
    bucket = Bucket(10, 10.0)
    bucket.grant(0.0, Priority.BULK)
    assert bucket.available_at(0.0, Priority.BULK) == 1.0
    assert bucket.available_at(0.0, Priority.NORMAL) == 0.0
    assert bucket.available_at(0.0, Priority.INTERACTIVE) == 0.0


def test_in_flight_counts_against_server_remaining() -> None:
    bucket = Bucket(60, 60.0)
    for _ in range(5):
        bucket.grant(0.0)
    # One answer says 10 remain; 4 of ours are still in flight and not yet counted.
    bucket.observe(0.5, 0.0, hints(limit=60, remaining=10, reset_after=30.0), rate_limited=False)
    assert bucket.server_remaining == 6
    # A stale, out-of-order answer cannot raise the estimate within the same window.
    bucket.observe(0.6, 0.0, hints(limit=60, remaining=20, reset_after=29.9), rate_limited=False)
    assert bucket.server_remaining == 6  # min(6, 20 - 3 in flight)
    for _ in range(6):
        bucket.grant(1.0)
    assert bucket.server_remaining == 0
    assert bucket.available_at(1.0) == pytest.approx(30.5)  # the server's reset
    # After the reset the local log alone decides again.
    assert bucket.available_at(31.0) == 31.0
    assert bucket.server_remaining is None


def test_a_new_window_replaces_the_estimate() -> None:
    bucket = Bucket(10, 60.0)
    bucket.grant(0.0)
    bucket.observe(0.1, 0.0, hints(remaining=0, reset_after=10.0), rate_limited=False)
    assert bucket.server_remaining == 0
    bucket.grant(10.2)
    bucket.observe(10.3, 10.2, hints(remaining=9, reset_after=60.0), rate_limited=False)
    assert (bucket.server_remaining, bucket.server_reset_at) == (9, pytest.approx(70.3))


def test_header_limit_replaces_the_seed() -> None:
    bucket = Bucket(10, 60.0)
    bucket.grant(0.0)
    bucket.observe(0.1, 0.0, hints(limit=2), rate_limited=False)
    assert bucket.limit == 2
    bucket.grant(0.2)
    assert bucket.available_at(0.2) == 60.0


def test_absent_or_absurd_headers_change_nothing() -> None:
    bucket = Bucket(10, 60.0)
    bucket.grant(0.0)
    bucket.observe(0.1, 0.0, hints(), rate_limited=False)
    bucket.observe(0.1, 0.0, None, rate_limited=False)
    assert (bucket.limit, bucket.server_remaining, bucket.server_reset_at) == (10, None, None)


def test_429_pauses_then_one_probe_then_resumes() -> None:
    bucket = Bucket(30, 5.0)
    for _ in range(3):
        bucket.grant(0.0)
    bucket.observe(0.1, 0.0, None, rate_limited=True)
    bucket.pause(0.1, 2.0)
    assert bucket.available_at(0.1) == pytest.approx(2.1)
    # An answer to a request sent before the pause does not end it.
    bucket.observe(0.2, 0.0, None, rate_limited=False)
    assert bucket.probing
    bucket.grant(2.1)  # the probe
    assert bucket.available_at(2.1) == math.inf  # nothing else until the probe answers
    bucket.observe(2.3, 2.1, None, rate_limited=False)
    assert not bucket.probing and bucket.consecutive_429 == 0
    assert bucket.available_at(2.3) == 2.3


def test_a_429_replaces_a_longer_pause() -> None:
    bucket = Bucket(10, 60.0)
    bucket.pause(0.0, 60.0)
    bucket.pause(1.0, 0.5)
    assert bucket.blocked_until == 1.5


def test_refund_returns_the_token() -> None:
    bucket = Bucket(1, 10.0)
    granted = bucket.grant(0.0)
    assert bucket.available_at(0.0) == 10.0
    bucket.refund(granted)
    assert (bucket.available_at(0.0), bucket.in_flight) == (0.0, 0)


def test_site_guard_challenge_then_ban() -> None:
    guard = SiteGuard(challenge_pause=5.0, ban_period=900.0)
    assert guard.available_at(0.0) == 0.0 and not guard.recently_challenged(0.0)
    guard.challenge(10.0)
    assert guard.available_at(10.0) == 15.0 and not guard.banned(10.0)
    assert guard.recently_challenged(20.0)
    guard.ban(20.0)
    assert guard.banned(20.0) and guard.available_at(20.0) == 920.0
    assert not guard.banned(921.0)


@pytest.mark.parametrize("attempt", range(10))
def test_backoff_is_bounded_and_never_zero(attempt: int) -> None:
    rng = random.Random(attempt)
    for _ in range(100):
        delay = backoff(attempt, base=0.5, cap=10.0, rng=rng)
        assert 0.25 <= delay <= max(0.25, min(10.0, 0.5 * 2**attempt))


def test_bucket_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        Bucket(0, 1.0)
    with pytest.raises(ValueError):
        Bucket(1, 0.0)


def test_a_429_without_a_limit_teaches_a_lower_one_that_recovers() -> None:
    bucket = Bucket(30, 5.0)
    for i in range(21):
        bucket.grant(i * 0.1)
    bucket.observe(2.1, 2.0, None, rate_limited=True)
    bucket.learn_limit(2.1)  # the server let 20 through in this window, not 30
    assert bucket.limit == 20
    bucket.pause(2.1, 1.0)
    bucket.grant(3.1)
    bucket.observe(3.2, 3.1, None, rate_limited=False)  # the probe passed
    assert bucket.limit == 20  # no quiet window yet
    bucket.grant(7.2)
    bucket.observe(7.3, 7.2, None, rate_limited=False)
    assert bucket.limit == 21  # one quiet window later, one token back
    bucket.grant(12.4)
    bucket.observe(12.5, 12.4, None, rate_limited=False)
    assert bucket.limit == 22


def test_announced_limit_is_the_new_seed() -> None:
    bucket = Bucket(10, 60.0)
    bucket.observe(0.0, 0.0, hints(limit=60), rate_limited=False)
    assert (bucket.limit, bucket.seed_limit) == (60, 60)
