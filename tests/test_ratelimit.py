"""Bucket maths (pure, explicit ``now``): rules R1-R10 of docs/design.md.

The small decisions are tested as tables; whole runs are driven by a discrete-event
simulation on a virtual clock (``simulate``): a model server (fixed windows announcing
``X-RL*`` like Twibooru, or a silent sliding log answering 429 + ``Retry-After`` like the
reference proxy) answers the requests a bucket grants, ``latency`` seconds later.
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from booru_async import Priority
from booru_async._headers import RateHeaders, ServerClock, parse_rate_headers
from booru_async._ratelimit import (
    Bucket,
    SiteGuard,
    backoff,
    bulk_ready_at,
    classify_reset,
    learn_window,
    recover_limit,
    storm_limit,
)

#: The server's epoch at local time 0 (a whole second, so fixed windows align with it).
EPOCH = 1_700_000_000.0
NOW = datetime.fromtimestamp(EPOCH, UTC)


def hints(limit: int | None = None, remaining: int | None = None,
          reset_after: float | None = None, retry_after: float | None = None, *,
          at: float = 0.0, relative: bool = False) -> RateHeaders:
    """What an answer received at local time ``at`` announced (server clock = EPOCH + at)."""
    return RateHeaders(limit=limit, remaining=remaining, reset_after=reset_after,
                       retry_after=retry_after,
                       server_now=datetime.fromtimestamp(EPOCH + at, UTC),
                       reset_relative=relative)


# -- the pure decisions, as tables ----------------------------------------------------------


@pytest.mark.parametrize(
    ("base", "sent", "rejected", "expected"),
    [
        (30, 30, 10, (20, 21)),   # the server took 20 of 30: that is its limit
        (21, 21, 1, (20, 21)),    # a probe one above the known-good limit was refused
        (30, 30, 1, (29, 30)),    # the first 429 of a storm, before the rest arrive
        (30, 30, 15, (15, 16)),   # exactly half accepted
        (30, 30, 16, (15, 30)),   # less than half: halve once, whatever the count says
        (30, 30, 30, (15, 30)),   # 30 simultaneous 429s: 30 -> 15, not 30 -> 1
        (1, 1, 1, (1, 2)),        # never below one
        (2, 2, 2, (1, 2)),
        (10, 4, 1, (5, 10)),      # we sent few: the count says little
    ],
)
def test_storm_limit(base: int, sent: int, rejected: int, expected: tuple[int, int]) -> None:
    assert storm_limit(base, sent, rejected) == expected


@pytest.mark.parametrize(
    ("limit", "bad", "seed", "expected"),
    [
        (15, 30, 30, 29),   # doubles, capped one below the level that was refused
        (4, 30, 30, 8),     # doubles
        (20, 21, 30, 21),   # at the known-good limit: one token above it
        (29, 30, 30, 30),
        (30, 31, 30, 30),   # never above the seed
        (8, 100, 10, 10),
    ],
)
def test_recover_limit(limit: int, bad: int, seed: int, expected: int) -> None:
    assert recover_limit(limit, bad, seed) == expected


@pytest.mark.parametrize(
    ("learned", "previous_gap", "gap", "expected"),
    [
        (None, None, 2.0, 2.0),     # the first gap is the window
        (60.0, None, 2.0, 2.0),     # shorter: believed at once
        (2.0, 2.0, 2.0, 2.0),
        (2.0, 2.0, 2.5, 2.5),       # a little longer (within 1.5x): believed
        (2.0, 2.0, 4.0, 2.0),       # twice as long: a window we skipped
        (2.0, 2.0, 6.0, 2.0),
        (2.0, 6.0, 6.0, 6.0),       # the same long gap twice: the server lengthened it
        (2.0, 2.0, 0.2, 2.0),       # within the tolerance: the same window, not a gap
    ],
)
def test_learn_window(learned: float | None, previous_gap: float | None, gap: float,
                      expected: float) -> None:
    assert learn_window(learned, previous_gap, gap, tolerance=0.5) == expected


@pytest.mark.parametrize(
    ("reset", "expected"),
    [
        (102.0, "same"),
        (102.4, "same"),
        (104.0, "new"),
        (102.5, "new"),
        (101.0, "earlier"),
        (100.0, "stale"),   # the reset we already rolled past
        (99.0, "stale"),
    ],
)
def test_classify_reset(reset: float, expected: str) -> None:
    assert classify_reset(102.0, 100.0, reset, 0.5) == expected


@pytest.mark.parametrize(
    ("last_bulk", "reset_local", "remaining", "expected"),
    [
        (-math.inf, 2.0, 20, -math.inf),  # the first bulk call of a window goes at once
        (0.0, 2.0, 20, 0.1),              # 20 left over 2 s: one every 0.1 s
        (1.0, 2.0, 4, 1.25),              # fewer left, same spread to the reset
        (3.0, 2.0, 4, 3.0),               # past the reset: no spacing left to keep
    ],
)
def test_bulk_ready_at(last_bulk: float, reset_local: float, remaining: int,
                       expected: float) -> None:
    assert bulk_ready_at(last_bulk, reset_local, remaining) == pytest.approx(expected)


@pytest.mark.parametrize("attempt", range(10))
def test_backoff_is_bounded_and_never_zero(attempt: int) -> None:
    rng = random.Random(attempt)
    for _ in range(100):
        delay = backoff(attempt, base=0.5, cap=10.0, rng=rng)
        assert 0.25 <= delay <= max(0.25, min(10.0, 0.5 * 2**attempt))


# -- R9: the server's clock -------------------------------------------------------------------


def test_server_clock_is_never_ahead_and_converges() -> None:
    true_offset = EPOCH + 3600.25  # a server an hour and a quarter second ahead of our clock
    clock = ServerClock()
    assert clock.now(mono=10.0, wall=EPOCH + 10.0) == EPOCH + 10.0  # no Date: the wall clock
    rng = random.Random(1)
    errors = []
    for i in range(40):
        mono = i * 0.37 + rng.random() * 0.01
        server = mono + true_offset
        # Date is truncated to the second and read after 5 ms of latency.
        clock.observe(math.floor(server), mono=mono + 0.005)
        errors.append(true_offset - clock.offset(mono=0, wall=0))
    assert all(e >= 0 for e in errors)  # never ahead of the server
    assert errors[0] > 0.2 and errors[-1] < 0.06  # one sample is coarse, many are close


def test_a_stepped_back_server_clock_is_followed_once_old_samples_leave() -> None:
    clock = ServerClock(keep=4)
    for i in range(4):
        clock.observe(EPOCH + 100 + i, mono=float(i))
    for i in range(4, 8):
        clock.observe(EPOCH + i, mono=float(i))  # stepped back by 100 s
    assert clock.offset(mono=0, wall=0) == EPOCH


@pytest.mark.parametrize("fmt", ["ruby", "iso", "epoch", "delta"])
@pytest.mark.parametrize("skew", [-3600.0, 0.0, 3600.0])
def test_reset_moment_on_the_server_clock(fmt: str, skew: float) -> None:
    """However the reset is written and however wrong the local clock is, the bucket gets the
    same moment in server time, and ``server_now + reset_after`` is it."""
    server_now = datetime.fromtimestamp(EPOCH + 17.0, UTC)  # 17 s into a 20 s window
    reset = EPOCH + 20.0
    value = {
        "ruby": datetime.fromtimestamp(reset, UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "iso": datetime.fromtimestamp(reset, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "epoch": str(int(reset)),
        "delta": "3",
    }[fmt]
    local = datetime.fromtimestamp(EPOCH + 17.0 + skew, UTC)
    parsed = parse_rate_headers({"x-rl": "20", "x-rl-remaining": "4", "x-rl-reset": value},
                                local_now=local, server_now=server_now)
    assert parsed.reset_at == pytest.approx(reset)
    assert parsed.reset_relative is (fmt == "delta")
    assert parsed.announces_window


# -- R1: silent servers -------------------------------------------------------------------


def test_sliding_log_allows_limit_per_window() -> None:
    bucket = Bucket(3, 10.0)
    for t in (0.0, 1.0, 2.0):
        assert bucket.available_at(t) == t
        bucket.grant(t)
        bucket.observe(t, t, None, rate_limited=False)
    # The fourth waits until the first answer is a full window old.
    assert bucket.available_at(2.0) == 10.0
    assert bucket.available_at(10.5) == 10.5
    bucket.grant(10.5)
    bucket.observe(10.5, 10.5, None, rate_limited=False)
    assert bucket.available_at(10.5) == 11.0  # now the answer at 1.0 is the oldest


def test_a_request_holds_its_slot_until_a_window_after_its_answer() -> None:
    """A busy server may count a queued request any time until it answers: the slot is
    held from the grant until a window after the answer, not after the grant."""
    bucket = Bucket(2, 2.0)
    bucket.grant(0.0)
    bucket.grant(0.0)
    assert bucket.available_at(0.5) == 2.5  # both in flight: at best one answers now
    bucket.observe(1.6, 0.0, None, rate_limited=False)  # the server took 1.6 s
    assert bucket.available_at(1.6) == pytest.approx(3.6)
    bucket.observe(1.7, 0.0, None, rate_limited=False)
    assert bucket.available_at(3.0) == pytest.approx(3.6)  # not 2.0: a window after 1.6


def test_margin_widens_the_window() -> None:
    bucket = Bucket(1, 10.0, margin=0.02)
    bucket.grant(0.0)
    assert bucket.available_at(0.0) == pytest.approx(10.2)
    assert bucket.interval == pytest.approx(10.2)


def test_bulk_is_paced_evenly_and_others_are_not() -> None:
    bucket = Bucket(10, 10.0)
    bucket.grant(0.0, "bulk")
    assert bucket.available_at(0.0, "bulk") == 1.0
    assert bucket.available_at(0.0, "normal") == 0.0
    assert bucket.available_at(0.0, "interactive") == 0.0


def test_an_x_rl_alone_replaces_the_limit() -> None:
    bucket = Bucket(10, 60.0)
    bucket.grant(0.0)
    bucket.observe(0.1, 0.0, hints(limit=2), rate_limited=False)
    assert (bucket.limit, bucket.seed_limit, bucket.announced) == (2, 2, False)
    bucket.grant(0.2)
    assert bucket.available_at(0.2) == 60.1  # the answer at 0.1, a window later


def test_absent_or_absurd_headers_change_nothing() -> None:
    bucket = Bucket(10, 60.0)
    bucket.grant(0.0)
    bucket.observe(0.1, 0.0, hints(), rate_limited=False)
    bucket.observe(0.1, 0.0, None, rate_limited=False)
    bucket.observe(0.1, 0.0, hints(remaining=5), rate_limited=False)  # no reset: no window
    assert (bucket.limit, bucket.announced, bucket.in_flight) == (10, False, 0)


def test_refund_returns_the_token() -> None:
    bucket = Bucket(1, 10.0)
    granted = bucket.grant(0.0)
    assert bucket.available_at(0.0) == 10.0
    bucket.refund(granted)
    assert (bucket.available_at(0.0), bucket.in_flight) == (0.0, 0)


def test_bucket_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        Bucket(0, 1.0)
    with pytest.raises(ValueError):
        Bucket(1, 0.0)


# -- R2-R5: announced windows ---------------------------------------------------------------


def test_an_announcement_more_generous_than_the_profile_is_followed() -> None:
    """Profile: 10 per minute. Server: 20 per 2 s. The profile is only the prior."""
    bucket = Bucket(10, 60.0, margin=0.02)
    bucket.grant(0.0)
    bucket.observe(0.05, 0.0, hints(20, 19, 1.95, at=0.05), rate_limited=False)
    for _ in range(19):
        assert bucket.available_at(0.05) == 0.05  # 19 more at once: the profile said 9
        bucket.grant(0.05)
    assert bucket.available_at(0.05) == pytest.approx(2.05)  # the reset (+ margin)
    assert bucket.server_hold(0.05) == pytest.approx(2.0)
    for _ in range(19):
        bucket.observe(0.1, 0.05, hints(20, 0, 1.9, at=0.1), rate_limited=False)
    # From the reset on, X-RL tokens again, before any answer says so.
    for _ in range(20):
        assert bucket.available_at(2.05) == 2.05
        bucket.grant(2.05)
    assert bucket.available_at(2.05) > 2.05


def test_an_announcement_stricter_than_the_profile_is_followed() -> None:
    bucket = Bucket(60, 60.0)
    bucket.grant(0.0)
    bucket.observe(0.1, 0.0, hints(3, 2, 9.9, at=0.1), rate_limited=False)
    bucket.grant(0.1)
    bucket.grant(0.1)
    assert bucket.available_at(0.1) == pytest.approx(10.0)  # the log would have said now


def test_in_flight_counts_against_remaining_and_late_answers_only_lower_it() -> None:
    bucket = Bucket(60, 60.0)
    for _ in range(5):
        bucket.grant(0.0)
    # One answer says 10 remain; 4 of ours are still in flight and not yet counted.
    bucket.observe(0.5, 0.0, hints(60, 10, 29.5, at=0.5), rate_limited=False)
    assert bucket.remaining == 6
    # A late, out-of-order answer from the same window cannot raise the estimate.
    bucket.observe(0.6, 0.0, hints(60, 20, 29.4, at=0.6), rate_limited=False)
    assert bucket.remaining == 6  # min(6, 20 - 3 in flight)
    for _ in range(6):
        bucket.grant(1.0)
    assert bucket.available_at(1.0) == pytest.approx(30.0)


def test_a_limit_changed_mid_window_replaces_the_estimate() -> None:
    bucket = Bucket(10, 60.0)
    bucket.grant(0.0)
    bucket.observe(0.1, 0.0, hints(10, 2, 1.9, at=0.1), rate_limited=False)
    bucket.grant(0.2)
    bucket.observe(0.3, 0.2, hints(40, 30, 1.7, at=0.3), rate_limited=False)  # more now
    assert (bucket.remaining, bucket.rl_limit) == (30, 40)
    bucket.grant(0.4)
    bucket.observe(0.5, 0.4, hints(5, 1, 1.5, at=0.5), rate_limited=False)  # and fewer
    assert (bucket.remaining, bucket.rl_limit) == (1, 5)


def test_window_length_is_learned_from_successive_resets() -> None:
    bucket = Bucket(10, 60.0)
    bucket.grant(0.0)
    bucket.observe(0.1, 0.0, hints(20, 19, 1.9, at=0.1), rate_limited=False)  # reset at 2
    assert bucket.learned_window is None
    bucket.grant(2.1)
    bucket.observe(2.2, 2.1, hints(20, 19, 1.8, at=2.2), rate_limited=False)  # reset at 4
    assert bucket.learned_window == pytest.approx(2.0)
    assert bucket.window_in_force == pytest.approx(2.0)
    assert bucket.interval == pytest.approx(0.1)
    # Rolls now extrapolate 2 s windows, not the profile's minute.
    bucket.available_at(4.05)
    assert bucket.reset_at == pytest.approx(EPOCH + 6.0) and bucket.provisional


def test_a_late_answer_from_a_finished_window_does_not_spend_the_new_one() -> None:
    bucket = Bucket(10, 60.0)
    for t in (0.0, 2.1):  # learn a 2 s window
        bucket.grant(t)
        bucket.observe(t + 0.1, t, hints(20, 19, 2.0 * (t // 2 + 1) - t - 0.1, at=t + 0.1),
                       rate_limited=False)
    for _ in range(18):
        bucket.grant(2.3)
    for _ in range(18):
        bucket.observe(2.35, 2.3, hints(20, 1, 1.65, at=2.35), rate_limited=False)
    late = bucket.grant(3.99)  # answered after the roll, from the window ending at 4
    assert bucket.available_at(4.0) == 4.0
    assert bucket.remaining == 19  # rolled: 20 - the one still in flight
    # Its answer says remaining 0 - of the window that is over: the new one keeps its 20.
    bucket.observe(4.05, late, hints(20, 0, 0.0, at=4.0), rate_limited=False)
    assert bucket.remaining == 20


def test_requests_in_flight_at_the_roll_give_their_tokens_back_when_answered_stale() -> None:
    """A slow server still holds all 20 of the last window's requests at its reset: the
    roll holds 20 tokens back for them; each answer from the old window frees one."""
    bucket = Bucket(10, 60.0)
    bucket.grant(0.0)
    bucket.observe(0.1, 0.0, hints(20, 19, 1.9, at=0.1), rate_limited=False)
    for _ in range(19):
        bucket.grant(0.2)
    bucket.grant(2.0)  # rolled at 2.0 with 19 in flight: one token left, and used
    assert bucket.remaining == 0 and bucket.carried == 19
    for i in range(19):  # answered from the old window (reset at 2), after the roll
        bucket.observe(2.1 + i * 0.01, 0.2, hints(20, 0, 0.0, at=2.0), rate_limited=False)
    assert bucket.remaining == 19 and bucket.carried == 0
    assert bucket.available_at(2.5) == 2.5


def test_a_roll_that_meets_a_429_is_not_trusted_again() -> None:
    """A server that announces X-RL but slides its window does not refill at the reset:
    after one refusal the bucket sends a single request into each new window and reads it."""
    bucket = Bucket(10, 60.0)
    bucket.grant(0.0)
    bucket.observe(0.1, 0.0, hints(5, 0, 1.9, at=0.1), rate_limited=False)
    first = bucket.grant(2.0)  # rolled: 5 tokens
    bucket.grant(2.0)
    bucket.observe(2.1, first, hints(5, 0, 1.0, at=2.1), rate_limited=True)
    assert not bucket.trust_roll and bucket.remaining == 0
    bucket.observe(2.2, 2.0, hints(5, 0, 0.9, at=2.2), rate_limited=True)
    bucket.available_at(3.2)
    assert bucket.remaining == 1


def test_bulk_is_spread_across_the_announced_window() -> None:
    bucket = Bucket(10, 60.0)
    bucket.grant(0.0)
    bucket.observe(0.0, 0.0, hints(20, 19, 2.0, at=0.0), rate_limited=False)
    bucket.grant(0.0, "bulk")
    assert bucket.available_at(0.0, "bulk") == pytest.approx(2.0 / 18)
    assert bucket.available_at(0.0, "normal") == 0.0  # others may burst


# -- R6-R7: 429s ----------------------------------------------------------------------------


def test_429_pauses_then_one_probe_then_resumes() -> None:
    bucket = Bucket(30, 5.0)
    for _ in range(3):
        bucket.grant(0.0)
    bucket.observe(0.1, 0.0, None, rate_limited=True)
    bucket.pause(0.1, 2.0, 0.0)
    assert bucket.available_at(0.1) == pytest.approx(2.1)
    # An answer to a request sent before the pause does not end it.
    bucket.observe(0.2, 0.0, None, rate_limited=False)
    assert bucket.probing
    bucket.grant(2.1)  # the probe
    assert bucket.available_at(2.1) == math.inf  # nothing else until the probe answers
    bucket.observe(2.3, 2.1, None, rate_limited=False)
    assert not bucket.probing and bucket.consecutive_429 == 0
    assert bucket.available_at(2.3) == 2.3


def test_a_storm_pauses_once_and_does_not_escalate_backoff() -> None:
    bucket = Bucket(30, 5.0)
    for _ in range(30):
        bucket.grant(0.0)
    for i in range(30):
        bucket.observe(0.1, 0.0, None, rate_limited=True)
        bucket.pause(0.1 + i * 0.001, 1.0, 0.0)
    assert bucket.consecutive_429 == 1  # one round of backoff, not thirty
    assert bucket.paused_at == 0.1
    assert bucket.blocked_until == pytest.approx(0.1 + 29 * 0.001 + 1.0)  # lengthened only


def test_a_new_429_after_the_pause_replaces_it() -> None:
    bucket = Bucket(10, 60.0)
    bucket.pause(0.0, 60.0, 0.0)
    bucket.pause(1.0, 0.5, 0.5)  # granted after the first pause began
    assert bucket.blocked_until == 1.5


def test_thirty_simultaneous_429s_lower_the_limit_once() -> None:
    bucket = Bucket(30, 5.0)
    for _ in range(30):
        bucket.grant(0.0)
    for _ in range(30):
        bucket.observe(0.1, 0.0, None, rate_limited=True)
        bucket.on_rate_limited(0.1, 0.0, teach=True)
    assert bucket.limit == 15  # not 1
    # Recovery: one clean window doubles back (to one below the refused level), then +1.
    bucket.grant(5.2)
    bucket.observe(5.3, 5.2, None, rate_limited=False)
    assert bucket.limit == 29
    bucket.grant(10.4)
    bucket.observe(10.5, 10.4, None, rate_limited=False)
    assert bucket.limit == 30


def test_a_429_with_an_announcement_teaches_no_limit() -> None:
    bucket = Bucket(30, 5.0)
    bucket.grant(0.0)
    bucket.observe(0.1, 0.0, hints(30, 0, 4.0, at=0.1), rate_limited=True)
    bucket.on_rate_limited(0.1, 0.0, teach=False)
    assert (bucket.limit, bucket.remaining, bucket.announced) == (30, 0, True)


def test_site_guard_challenge_then_ban() -> None:
    guard = SiteGuard(challenge_pause=5.0, ban_period=900.0)
    assert guard.available_at(0.0) == 0.0 and not guard.recently_challenged(0.0)
    guard.challenge(10.0)
    assert guard.available_at(10.0) == 15.0 and not guard.banned(10.0)
    assert guard.recently_challenged(20.0)
    guard.ban(20.0)
    assert guard.banned(20.0) and guard.available_at(20.0) == 920.0
    assert not guard.banned(921.0)


def test_server_hold_is_the_pause_or_a_spent_announced_window() -> None:
    bucket = Bucket(10, 60.0)
    assert bucket.server_hold(0.0) == -math.inf  # the profile's pacing is not the server's
    bucket.pause(0.0, 86000.0, 0.0)
    assert bucket.server_hold(1.0) == 86000.0


# -- whole runs on a virtual clock ----------------------------------------------------------


@dataclass
class Server:
    """A model server. ``rule(t)`` gives its (limit, window) at server time ``t`` (seconds
    since EPOCH); ``announce`` sends X-RL* (fixed windows aligned to EPOCH, like Twibooru),
    otherwise it slides its window silently and answers 429 + Retry-After (the proxy)."""

    rule: Callable[[float], tuple[int, float]]
    announce: bool = True
    count: dict[float, int] = field(default_factory=dict)
    accepted: list[float] = field(default_factory=list)

    def answer(self, t: float) -> tuple[bool, RateHeaders | None]:
        limit, window = self.rule(t)
        if self.announce:
            start = math.floor(t / window) * window
            used = self.count.get(start, 0)
            ok = used < limit
            if ok:
                self.count[start] = used + 1
                self.accepted.append(t)
            remaining = max(0, limit - used - 1) if ok else 0
            reset = start + window
            # X-RL-Reset in whole seconds, as Ruby's Time#to_s writes it.
            return ok, hints(limit, remaining, math.ceil(reset) - t, at=t)
        recent = [a for a in self.accepted if a > t - window]
        if len(recent) < limit:
            self.accepted.append(t)
            return True, None
        wait = math.ceil(recent[-limit] + window - t)
        return False, hints(retry_after=float(wait), at=t)


@dataclass
class Run:
    grants: list[float]
    refused: list[float]
    first_answer: float
    bucket: Bucket


def simulate(bucket: Bucket, server: Server, *, duration: float, workers: int,
             latency: float = 0.04, priority: Priority = "normal",
             start: float = 0.0) -> Run:
    """``workers`` callers each send a request as soon as the bucket allows and wait for its
    answer; the server counts it ``latency / 2`` after the grant and the answer arrives
    ``latency`` after it. 429s are paused on as the scheduler does (Retry-After, else the
    reset, else 1 s)."""
    answers: list[tuple[float, int, float, bool, RateHeaders | None]] = []
    idle, seq, now = workers, 0, start
    grants: list[float] = []
    refused: list[float] = []
    first_answer = math.inf
    while now < duration:
        while answers and answers[0][0] <= now:
            at, _, granted, ok, h = heapq.heappop(answers)
            first_answer = min(first_answer, at)
            bucket.observe(at, granted, h, rate_limited=not ok)
            if not ok:
                refused.append(granted)
                bucket.on_rate_limited(at, granted, teach=h is None or h.limit is None)
                bucket.pause(at, h.wait if h is not None and h.wait is not None else 1.0,
                             granted)
            idle += 1
        while idle and bucket.available_at(now, priority) <= now:
            bucket.grant(now, priority)
            grants.append(now)
            ok, h = server.answer(now + latency / 2)
            heapq.heappush(answers, (now + latency, seq, now, ok, h))
            seq += 1
            idle -= 1
        nxt = answers[0][0] if answers else math.inf
        if idle:
            nxt = min(nxt, bucket.available_at(now, priority))
        if nxt <= now:
            nxt = now + 1e-6
        now = nxt
    return Run(grants, refused, first_answer, bucket)


def utilisation(server: Server, start: float, end: float) -> float:
    """Accepted requests over what a fixed-window server allowed in [start, end)."""
    allowed = 0
    t = start
    while t < end:
        limit, window = server.rule(t)
        edge = math.floor(t / window) * window + window
        allowed += limit if edge <= end else round(limit * (end - t) / window)
        t = edge
    accepted = sum(1 for a in server.accepted if start <= a < end)
    return accepted / allowed


@pytest.mark.parametrize(
    ("profile", "rule", "workers"),
    [
        pytest.param((10, 60.0), (20, 2.0), 1, id="more-than-profile-sequential"),
        pytest.param((10, 60.0), (20, 2.0), 100, id="more-than-profile-100-tasks"),
        pytest.param((60, 60.0), (5, 2.0), 100, id="less-than-profile-100-tasks"),
        pytest.param((30, 5.0), (30, 5.0), 100, id="as-documented"),
        pytest.param((10, 60.0), (60, 60.0), 200, id="twibooru-documented-minute"),
    ],
)
def test_announced_windows_are_followed_in_both_directions(
    profile: tuple[int, float], rule: tuple[int, float], workers: int
) -> None:
    server = Server(lambda _t: rule)
    duration = 12 * rule[1]
    run = simulate(Bucket(*profile, margin=0.02), server, duration=duration, workers=workers)
    # No 429 for anything sent after the first answer: the prior only lasts until then.
    assert [g for g in run.refused if g >= run.first_answer] == []
    if workers == 1:  # one request at a time cannot exceed the server's budget either
        assert run.refused == []
    assert utilisation(server, rule[1], duration - rule[1]) >= 0.95


def test_a_limit_changed_mid_run_is_followed_within_a_window() -> None:
    """20 per 2 s, then 8 per 2 s from t=10, then 30 per 3 s from t=21."""

    def rule(t: float) -> tuple[int, float]:
        return (20, 2.0) if t < 10 else (8, 2.0) if t < 21 else (30, 3.0)

    server = Server(rule)
    run = simulate(Bucket(10, 60.0, margin=0.02), server, duration=39.0, workers=100)
    late = [g for g in run.refused if g >= run.first_answer]
    assert all(10 <= g < 12 or 21 <= g < 24 for g in late), late  # only where it changed
    assert utilisation(server, 2.0, 10.0) >= 0.95
    assert utilisation(server, 12.0, 20.0) >= 0.95
    assert utilisation(server, 27.0, 39.0) >= 0.95
    assert run.bucket.learned_window == pytest.approx(3.0)


def test_bulk_calls_spread_over_the_window_instead_of_bursting() -> None:
    server = Server(lambda _t: (20, 2.0))
    run = simulate(Bucket(10, 60.0, margin=0.02), server, duration=10.0, workers=100,
                   priority="bulk")
    assert [g for g in run.refused if g >= run.first_answer] == []
    later = [g for g in run.grants if g >= 4.0]
    gaps = [b - a for a, b in itertools.pairwise(later)]
    assert min(gaps) >= 0.05  # ~0.1 s apart, not twenty at once
    assert utilisation(server, 4.0, 10.0) >= 0.9


def test_a_silent_stricter_server_costs_at_most_one_429_per_window() -> None:
    """The proxy allows 20 per 5 s, the profile says 30: one storm teaches 20 (once); then
    probes above it meet at most one 429 per window, ever more rarely."""
    server = Server(lambda _t: (20, 5.0), announce=False)
    run = simulate(Bucket(30, 5.0, margin=0.02), server, duration=200.0, workers=100)
    assert run.bucket.limit in (20, 21)
    later = sorted(g for g in run.refused if g >= 10.0)
    per_window: dict[int, int] = {}
    for g in later:
        per_window[int(g // 5.0)] = per_window.get(int(g // 5.0), 0) + 1
    assert all(n <= 1 for n in per_window.values()), per_window
    assert len(later) <= 6  # probes back off: 1, 2, 4, 8... windows apart
    assert len(server.accepted) >= 0.95 * 20 * 200 / 5.1


def test_a_storm_on_a_window_someone_else_spent_halves_once_and_recovers_fast() -> None:
    """Another client spends the server's window; our 30 simultaneous calls all meet 429s.
    The limit halves once (30 -> 15) and is back at the seed two clean windows later."""
    bucket = Bucket(30, 5.0, margin=0.02)
    for _ in range(30):
        bucket.grant(0.0)
    for _ in range(30):
        bucket.observe(0.1, 0.0, None, rate_limited=True)
        bucket.on_rate_limited(0.1, 0.0, teach=True)
        bucket.pause(0.1, 5.0, 0.0)
    assert bucket.limit == 15
    server = Server(lambda _t: (30, 5.0), announce=False)
    run = simulate(bucket, server, duration=30.0, workers=30, start=0.1)
    assert run.refused == []
    assert bucket.limit == 30
