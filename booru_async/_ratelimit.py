"""Rate-limit arithmetic, free of I/O: every method takes ``now`` (monotonic seconds).

A :class:`Bucket` enforces one budget of ``limit`` requests per ``window`` seconds. It keeps a
*sliding log* of its last ``limit`` grants: a new grant is allowed once the oldest of them is
a full window old. That is never looser than a fixed window of the same size and matches the
sliding window of the reference proxy (caddy-ratelimit), so it is safe whichever the server
uses. On top of the log it follows what the server says (``X-RL``, ``X-RL-Remaining``,
``X-RL-Reset``, server-behaviour.md §3.2), counts requests in flight against ``remaining``,
pauses after a 429 and then lets one probe through before the queue resumes.

:class:`SiteGuard` is the site-wide circuit breaker for Philomena's anti-bot middleware: a 501
challenge pauses the site; an empty-bodied 500 soon after it is a ban, during which nothing is
sent at all, because every request would restart it.
"""

from __future__ import annotations

import contextlib
import math
import random
from collections import deque
from enum import IntEnum

from ._headers import RateHeaders

__all__ = ["Bucket", "Priority", "SiteGuard", "backoff"]

INF = math.inf


class Priority(IntEnum):
    """Lower values are served first."""

    INTERACTIVE = 0
    NORMAL = 1
    BULK = 2

    @classmethod
    def named(cls, name: object) -> Priority:
        """The priority for ``"interactive"``, ``"normal"`` or ``"bulk"`` (else normal)."""
        return cls.__members__.get(str(name).upper(), cls.NORMAL)


def backoff(attempt: int, *, base: float, cap: float, rng: random.Random) -> float:
    """Full-jitter exponential backoff: uniform in ``[0, min(cap, base * 2**attempt)]``,
    never below ``base / 2`` so a retry is never immediate."""
    ceiling = min(cap, base * (2 ** min(attempt, 32)))
    return max(base / 2, rng.uniform(0, ceiling))


class Bucket:
    """One budget: at most ``limit`` grants in any ``window`` seconds, plus server hints."""

    __slots__ = (
        "_log",
        "blocked_until",
        "consecutive_429",
        "in_flight",
        "last_bulk",
        "limit",
        "margin",
        "paused_at",
        "probing",
        "recover_at",
        "seed_limit",
        "server_remaining",
        "server_reset_at",
        "window",
    )

    def __init__(self, limit: int, window: float, *, margin: float = 0.0) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("a bucket needs limit >= 1 and window > 0")
        self.limit = limit
        #: The documented (or server-announced) limit; a learned lower limit recovers to it.
        self.seed_limit = limit
        self.recover_at = INF
        self.window = window
        #: Extra spacing (seconds) so latency jitter cannot squeeze a window on the server.
        self.margin = margin
        self._log: deque[float] = deque(maxlen=limit)
        self.in_flight = 0
        self.blocked_until = -INF
        self.paused_at = -INF
        self.probing = False
        self.consecutive_429 = 0
        self.server_remaining: int | None = None
        self.server_reset_at: float | None = None
        self.last_bulk = -INF

    def __repr__(self) -> str:
        return (
            f"Bucket({self.limit}/{self.window:g}s in_flight={self.in_flight} "
            f"remaining={self.server_remaining} blocked_until={self.blocked_until:g})"
        )

    @property
    def interval(self) -> float:
        """The even spacing of a saturated budget: one token per ``window / limit``."""
        return (self.window + self.margin) / self.limit

    def _roll(self, now: float) -> None:
        if self.server_reset_at is not None and now >= self.server_reset_at:
            # The server's window is over; until new headers arrive the log alone decides.
            self.server_remaining = None
            self.server_reset_at = None

    def available_at(self, now: float, priority: Priority = Priority.NORMAL) -> float:
        """The earliest time a grant is possible (``now`` if it is possible now)."""
        self._roll(now)
        at = max(now, self.blocked_until)
        if self.probing and self._probe_in_flight():
            return INF  # one probe at a time after a 429; its answer decides what follows
        if len(self._log) >= self.limit:
            at = max(at, self._log[0] + self.window + self.margin)
        if (
            self.server_remaining is not None
            and self.server_remaining <= 0
            and self.server_reset_at is not None
        ):
            at = max(at, self.server_reset_at)
        if priority is Priority.BULK:
            at = max(at, self.last_bulk + self.interval)
        return at

    def _probe_in_flight(self) -> bool:
        return bool(self.in_flight) and bool(self._log) and self._log[-1] >= self.paused_at

    def grant(self, now: float, priority: Priority = Priority.NORMAL) -> float:
        """Take a token (the caller checked :meth:`available_at`); returns the grant time."""
        self._roll(now)
        self._log.append(now)
        self.in_flight += 1
        if self.server_remaining is not None:
            self.server_remaining -= 1
        if priority is Priority.BULK:
            self.last_bulk = now
        return now

    def refund(self, granted_at: float) -> None:
        """Give back a token whose request provably never reached the server."""
        self.in_flight = max(0, self.in_flight - 1)
        with contextlib.suppress(ValueError):  # it may have aged out of the log already
            self._log.remove(granted_at)
        if self.server_remaining is not None:
            self.server_remaining += 1

    def done(self, now: float) -> None:
        """A granted request finished without an answer that says anything (timeout, ...)."""
        self.in_flight = max(0, self.in_flight - 1)
        self._roll(now)

    def observe(
        self, now: float, granted_at: float, hints: RateHeaders | None, *, rate_limited: bool
    ) -> None:
        """Learn from the answer to a request granted at ``granted_at``."""
        self.in_flight = max(0, self.in_flight - 1)
        self._roll(now)
        if hints is not None:
            self._follow_headers(now, hints)
        if rate_limited:
            self.consecutive_429 += 1
            return
        if self.probing and granted_at >= self.paused_at:
            # The probe sent after the pause got through: the queue resumes. (Answers to
            # requests sent before the pause say nothing about the pause.)
            self.probing = False
            self.consecutive_429 = 0
        if self.limit < self.seed_limit and now >= self.recover_at:
            # A window without a 429 since the limit was lowered: give one token back.
            self._set_limit(self.limit + 1)
            self.recover_at = now + self.window

    def learn_limit(self, now: float) -> None:
        """A 429 that named no limit: the server allows fewer than we sent in the last
        window, so lower the limit to that (it creeps back one token per quiet window)."""
        sent = sum(1 for t in self._log if t > now - self.window - self.margin)
        if sent >= 2:
            self._set_limit(min(self.limit, sent - 1))
        self.recover_at = now + self.window

    def _set_limit(self, limit: int) -> None:
        self.limit = limit
        self._log = deque(self._log, maxlen=limit)

    def pause(self, now: float, seconds: float) -> None:
        """Stop granting for ``seconds`` (a 429's wait replaces any earlier one), then let
        one probe through before the rest."""
        self.blocked_until = now + seconds
        self.paused_at = now
        self.probing = True

    def _follow_headers(self, now: float, hints: RateHeaders) -> None:
        if hints.limit is not None and hints.limit != self.seed_limit:
            self.seed_limit = hints.limit
            self._set_limit(hints.limit)
        if hints.remaining is None or hints.reset_after is None:
            return
        reset_at = now + hints.reset_after
        # The server has not yet counted the requests still in flight.
        estimate = max(0, hints.remaining - self.in_flight)
        if self.server_reset_at is None or reset_at > self.server_reset_at + 1.0:
            self.server_remaining = estimate  # a new window
            self.server_reset_at = reset_at
        elif self.server_remaining is not None:
            # Same window: a late, out-of-order answer can only lower the estimate.
            self.server_remaining = min(self.server_remaining, estimate)


class SiteGuard:
    """The site-wide breaker for the anti-bot challenge (501) and the ban after it (500)."""

    __slots__ = ("ban_period", "challenge_pause", "challenged_at", "paused_until", "reason")

    #: An empty 500 this soon after a challenge is taken as the ban.
    BAN_WINDOW = 120.0

    def __init__(self, *, challenge_pause: float, ban_period: float) -> None:
        self.challenge_pause = challenge_pause
        self.ban_period = ban_period
        self.challenged_at = -INF
        self.paused_until = -INF
        self.reason: str | None = None

    def recently_challenged(self, now: float) -> bool:
        return now - self.challenged_at <= self.BAN_WINDOW

    def challenge(self, now: float) -> None:
        self.challenged_at = now
        self.paused_until = max(self.paused_until, now + self.challenge_pause)
        self.reason = "challenge"

    def ban(self, now: float) -> None:
        self.paused_until = now + self.ban_period
        self.reason = "ban"

    def banned(self, now: float) -> bool:
        return self.reason == "ban" and now < self.paused_until

    def available_at(self, now: float) -> float:
        return max(now, self.paused_until)
