"""Rate-limit arithmetic, free of I/O: every method takes ``now`` (monotonic seconds).

The rules are numbered R1-R12 in ``docs/design.md`` (Scheduler), which also lists the state
they read and write; a Redis scheduler mirrors them in server-side scripts. The small
decisions are module-level pure functions (:func:`storm_limit`, :func:`recover_limit`,
:func:`learn_window`, :func:`classify_reset`, :func:`bulk_ready_at`) so they can be ported
one by one and tested with tables.

A :class:`Bucket` holds one budget. While the server announces nothing it keeps a *sliding
log* of its last ``limit`` grants (R1): a new grant is allowed once the oldest of them is a
full window old, never looser than a fixed window and the reference proxy's own algorithm
(caddy-ratelimit). Once answers carry ``X-RL-Remaining`` and ``X-RL-Reset``
(server-behaviour.md §3.2) the server's numbers replace the profile's, in both directions
(R2-R4): the bucket sends what remains (less what is in flight) until the reset and holds
``X-RL`` tokens again from the reset on. It pauses after a 429 and lets one probe through
before the queue resumes (R6), and a storm of 429s lowers a learned limit once (R7).

:class:`SiteGuard` is the site-wide circuit breaker for Philomena's anti-bot middleware: a 501
challenge pauses the site; an empty-bodied 500 soon after it is a ban, during which nothing is
sent at all, because every request would restart it (R11).
"""

from __future__ import annotations

import math
import random
from collections import deque
from typing import Literal

from ._headers import RateHeaders
from ._options import Priority

__all__ = [
    "Bucket",
    "SiteGuard",
    "backoff",
    "bulk_ready_at",
    "classify_reset",
    "learn_window",
    "recover_limit",
    "storm_limit",
]

INF = math.inf
#: In header mode the reset needs no latency margin (R9 already errs late); this much
#: covers a server that rounds its reset to the nearest millisecond or so.
RESET_MARGIN_CAP = 0.05
#: The longest wait, in clean windows, between probes above a known-good limit (R7).
MAX_PROBE_WINDOWS = 32
#: Same-window tolerance for resets read as moments (whole seconds on the wire) ...
ABSOLUTE_TOLERANCE = 0.5
#: ... and for resets read as a delta (rounded up to whole seconds by the server).
RELATIVE_TOLERANCE = 1.0


def backoff(attempt: int, *, base: float, cap: float, rng: random.Random) -> float:
    """Full-jitter exponential backoff: uniform in ``[0, min(cap, base * 2**attempt)]``,
    never below ``base / 2`` so a retry is never immediate."""
    ceiling = min(cap, base * (2 ** min(attempt, 32)))
    return max(base / 2, rng.uniform(0, ceiling))


# -- the pure decisions -------------------------------------------------------------------


def storm_limit(base: int, sent: int, rejected: int) -> tuple[int, int]:
    """R7: the limit after a storm of ``rejected`` 429s answering ``sent`` grants of one
    window, starting from ``base``; returns ``(limit, bad_level)``.

    When the server accepted at least half of ``base``, it accepted exactly that many: take
    it (and probe above it one token at a time). Otherwise the count says little (another
    client spent the window): halve, once.
    """
    half = max(1, math.ceil(base / 2))
    accepted = sent - rejected
    if accepted >= half:
        limit = max(1, min(base - 1, accepted))
        return limit, limit + 1
    return half, max(base, half + 1)


def recover_limit(limit: int, bad_level: int, seed: int) -> int:
    """R7: one clean window later. Below ``bad_level - 1`` the limit doubles (capped there
    and at the seed); from there it probes one token per clean window up to the seed."""
    if limit >= seed:
        return seed
    if limit < bad_level - 1:
        return min(seed, bad_level - 1, 2 * limit)
    return min(seed, limit + 1)


def learn_window(
    learned: float | None, previous_gap: float | None, gap: float, tolerance: float
) -> float | None:
    """R4: the server's window length after two successive resets ``gap`` seconds apart.

    A gap of more than 1.5 learned windows is a window we sent nothing in, or a server that
    lengthened its window: it is believed only when the gap before it was the same length.
    """
    if gap <= tolerance:
        return learned
    if learned is None or gap <= 1.5 * learned:
        return gap
    if previous_gap is not None and abs(previous_gap - gap) <= tolerance:
        return gap
    return learned


ResetKind = Literal["new", "same", "earlier", "stale"]


def classify_reset(
    current: float, window_start: float, reset: float, tolerance: float
) -> ResetKind:
    """R2: where an announced ``reset`` (server epoch) falls against the window we hold,
    which ends at ``current`` and began at ``window_start`` (the reset we rolled past)."""
    if reset <= window_start + tolerance:
        return "stale"  # an answer from a window that is already over
    if reset >= current + tolerance:
        return "new"
    if reset > current - tolerance:
        return "same"
    return "earlier"


def bulk_ready_at(last_bulk: float, reset_local: float, remaining: int) -> float:
    """R5, header mode: the next bulk grant spreads what is left of the window evenly to
    its end (``reset_local``), instead of bursting at its start."""
    if last_bulk == -INF or remaining <= 0:
        return -INF
    return last_bulk + max(0.0, reset_local - last_bulk) / remaining


# -- the bucket -----------------------------------------------------------------------------


class Bucket:
    """One budget: the profile's sliding log, or the server's announced windows."""

    __slots__ = (
        "_log",
        "announced",
        "bad_level",
        "blocked_until",
        "carried",
        "clean_since",
        "confirmed_local",
        "consecutive_429",
        "in_flight",
        "last_announced_gap",
        "last_announced_reset",
        "last_bulk",
        "last_grant",
        "learned_window",
        "limit",
        "margin",
        "paused_at",
        "probe_windows",
        "probing",
        "provisional",
        "remaining",
        "reset_at",
        "reset_local",
        "rl_limit",
        "rolled_local",
        "seed_limit",
        "seed_window",
        "sent_since_roll",
        "storm_at",
        "storm_base",
        "storm_rejected",
        "storm_sent",
        "trust_roll",
        "window",
        "window_start",
    )

    def __init__(self, limit: int, window: float, *, margin: float = 0.0) -> None:
        """``limit`` grants per ``window`` seconds; ``margin`` is extra spacing as a fraction
        of the window, so latency jitter cannot squeeze two windows into one on the server."""
        if limit < 1 or window <= 0:
            raise ValueError("a bucket needs limit >= 1 and window > 0")
        self.seed_limit = limit
        self.seed_window = window
        self.limit = limit
        self.window = window
        self.margin = margin
        self._log: deque[float] = deque(maxlen=limit)
        self.in_flight = 0
        self.last_grant = -INF
        self.last_bulk = -INF
        # R2-R4: the server's announced window.
        self.announced = False
        self.rl_limit: int | None = None
        self.remaining = 0
        self.reset_at = -INF  # server epoch
        self.reset_local = -INF  # the same moment on our clock
        self.window_start = -INF  # server epoch of the reset we rolled past
        self.provisional = False
        self.rolled_local = INF  # when the last roll happened (our clock) ...
        self.confirmed_local = INF  # ... and when an answer first confirmed its window
        self.trust_roll = True
        self.sent_since_roll = 0
        self.carried = 0  # requests in flight at the roll, counted against the new window
        self.learned_window: float | None = None
        self.last_announced_reset: float | None = None
        self.last_announced_gap: float | None = None
        # R6: 429 pause and probe.
        self.blocked_until = -INF
        self.paused_at = -INF
        self.probing = False
        self.consecutive_429 = 0
        # R7: storms and recovery.
        self.storm_at = -INF
        self.storm_base = limit
        self.storm_sent = 0
        self.storm_rejected = 0
        self.bad_level = limit + 1
        self.clean_since = -INF
        #: Clean windows to wait before probing one token above the last known-good limit;
        #: doubles each time such a probe meets a 429, so a server that allows exactly ``n``
        #: sees ever rarer probes rather than one 429 per window.
        self.probe_windows = 1

    def __repr__(self) -> str:
        if self.announced:
            return (
                f"Bucket(announced {self.rl_limit}/{self.window_in_force:g}s "
                f"remaining={self.remaining} in_flight={self.in_flight})"
            )
        return (
            f"Bucket({self.limit}/{self.window:g}s in_flight={self.in_flight} "
            f"blocked_until={self.blocked_until:g})"
        )

    # -- derived values ---------------------------------------------------------------------

    @property
    def window_in_force(self) -> float:
        """The server's learned window in header mode, else the sliding log's."""
        if self.announced and self.learned_window is not None:
            return self.learned_window
        return self.window

    @property
    def tokens(self) -> int:
        """Grants per window in force (``X-RL`` in header mode)."""
        if self.announced and self.rl_limit is not None:
            return self.rl_limit
        return self.limit

    @property
    def interval(self) -> float:
        """The even spacing of a saturated budget: one token per ``window / tokens``."""
        return self.window_in_force * (1 + self.margin) / self.tokens

    def _reset_margin(self) -> float:
        return min(self.margin * self.window_in_force, RESET_MARGIN_CAP)

    def _roll(self, now: float) -> None:
        """R3: at the server's reset its window holds ``X-RL`` tokens again."""
        if not self.announced:
            return
        edge = self.reset_local + self._reset_margin()
        if now < edge:
            return
        step = self.window_in_force
        windows = math.floor((now - edge) / step) + 1
        self.window_start = self.reset_at + (windows - 1) * step
        self.reset_at += windows * step
        self.reset_local += windows * step
        self.remaining = max(0, self.tokens - self.in_flight)
        self.carried = min(self.in_flight, self.tokens)
        if not self.trust_roll:
            self.remaining = min(self.remaining, 1)  # one request reads the new window
            self.carried = 0
        self.provisional = True
        self.rolled_local = edge
        self.confirmed_local = INF
        self.sent_since_roll = 0

    # -- granting ---------------------------------------------------------------------------

    def available_at(self, now: float, priority: Priority = "normal") -> float:
        """The earliest time a grant is possible (``now`` if it is possible now)."""
        self._roll(now)
        at = max(now, self.blocked_until)
        if self.probing and self._probe_in_flight():
            return INF  # one probe at a time after a 429; its answer decides what follows
        if self.announced:
            if self.remaining <= 0:
                at = max(at, self.reset_local + self._reset_margin())
            elif priority == "bulk":
                at = max(at, bulk_ready_at(self.last_bulk, self.reset_local, self.remaining))
            return at
        # R1: a request may be counted by the server any time until its answer arrives
        # (a busy server queues it), so each holds a slot from its grant until a window
        # after its answer. The log holds answer times; requests in flight hold a slot each.
        span = self.window * (1 + self.margin)
        free = self.limit - self.in_flight
        if free <= 0:
            at = max(at, now + span)  # at best, if one were answered now
        elif len(self._log) >= free:
            at = max(at, self._log[-free] + span)
        if priority == "bulk":
            at = max(at, self.last_bulk + self.interval)
        return at

    def server_hold(self, now: float) -> float:
        """R8: until when the server's own statements hold this bucket (a 429 pause, or an
        announced window with nothing left); ``-inf`` when they do not."""
        self._roll(now)
        hold = self.blocked_until
        if self.announced and self.remaining <= 0:
            hold = max(hold, self.reset_local)
        return hold

    def _probe_in_flight(self) -> bool:
        return bool(self.in_flight) and self.last_grant >= self.paused_at

    def grant(self, now: float, priority: Priority = "normal") -> float:
        """Take a token (the caller checked :meth:`available_at`); returns the grant time."""
        self._roll(now)
        self.last_grant = now
        self.in_flight += 1
        if self.announced:
            self.remaining -= 1
            self.sent_since_roll += 1
        if priority == "bulk":
            self.last_bulk = now
        return now

    def refund(self, granted_at: float) -> None:
        """R10: give back a token whose request provably never reached the server."""
        self.in_flight = max(0, self.in_flight - 1)
        if self.announced:
            self.remaining = min(self.remaining + 1, self.tokens)

    def done(self, now: float) -> None:
        """A granted request finished without an answer that says anything (timeout, ...);
        the server may have counted it."""
        self.in_flight = max(0, self.in_flight - 1)
        self._log.append(now)
        self._roll(now)

    # -- answers ----------------------------------------------------------------------------

    def observe(
        self, now: float, granted_at: float, hints: RateHeaders | None, *, rate_limited: bool
    ) -> None:
        """Learn from the answer to a request granted at ``granted_at``."""
        self.in_flight = max(0, self.in_flight - 1)
        self._log.append(now)  # the server counted it no later than this (R1)
        self._roll(now)
        if hints is not None:
            if hints.announces_window:
                self._announce(now, granted_at, hints)
            elif hints.limit is not None and not self.announced:
                self._set_seed(hints.limit)  # R1: an X-RL alone replaces the limit
        if rate_limited:
            if granted_at >= self.paused_at:
                # Sent after the last pause began (a probe, or the first of a storm): back
                # off further. The rest of a storm was sent before the pause and says nothing new.
                self.consecutive_429 += 1
            self.clean_since = now
            if self.announced and hints is not None and hints.announces_window:
                self.remaining = 0  # the server says so, whatever our estimate was
                if self.rolled_local <= granted_at < self.confirmed_local:
                    # Sent on the strength of a roll and refused: this server's windows do
                    # not refill at the reset (a sliding window). Read each new one first.
                    self.trust_roll = False
            return
        if self.probing and granted_at >= self.paused_at:
            # The probe sent after the pause got through: the queue resumes. (Answers to
            # requests sent before the pause say nothing about the pause.)
            self.probing = False
            self.consecutive_429 = 0
        if self.limit < self.seed_limit:
            # R7: enough windows without a 429 since the last one (or the last step back up).
            probing_above = self.limit >= self.bad_level - 1
            windows = self.probe_windows if probing_above else 1
            if now >= self.clean_since + windows * self.window:
                if self.limit >= self.bad_level:
                    # A probe above the old bad level held for a whole window.
                    self.bad_level = self.limit + 1
                    self.probe_windows = 1
                self._set_limit(recover_limit(self.limit, self.bad_level, self.seed_limit))
                self.clean_since = now

    def _announce(self, now: float, granted_at: float, hints: RateHeaders) -> None:
        """R2: an answer announced the server's window."""
        assert hints.remaining is not None
        assert hints.reset_after is not None
        reset = hints.server_now.timestamp() + hints.reset_after
        reset_local = now + hints.reset_after
        tolerance = RELATIVE_TOLERANCE if hints.reset_relative else ABSOLUTE_TOLERANCE
        estimate = max(0, hints.remaining - self.in_flight)  # the server has not counted those
        changed = hints.limit is not None and hints.limit != self.rl_limit
        if hints.limit is not None:
            self.rl_limit = hints.limit
        # R4: the window length, from resets read in answers only.
        last = self.last_announced_reset
        if last is None or reset >= last + tolerance:
            if last is not None:
                gap = reset - last
                self.learned_window = learn_window(
                    self.learned_window, self.last_announced_gap, gap, tolerance
                )
                self.last_announced_gap = gap
            self.last_announced_reset = reset
        if not self.announced:
            self.announced = True
            self._take(now, estimate, reset, reset_local)
            return
        kind = classify_reset(self.reset_at, self.window_start, reset, tolerance)
        if kind == "new" or (kind == "earlier" and (self.provisional or changed)):
            self._take(now, estimate, reset, reset_local)
        elif kind == "same":
            if self.provisional:
                # The first word from the server on a window we rolled into: it replaces
                # our guess; and a window that refilled completely earns the roll back.
                if hints.remaining + self.sent_since_roll >= self.tokens:
                    self.trust_roll = True
                self.remaining = estimate
                self.reset_at = reset
                self._confirm(now)
            else:
                self.remaining = estimate if changed else min(self.remaining, estimate)
            self.reset_local = min(self.reset_local, reset_local)
        elif kind == "stale" and self.carried > 0 and granted_at < self.rolled_local:
            # A request in flight at the roll was counted in the window before: the token
            # the roll held back for it is free again.
            self.carried -= 1
            self.remaining = min(self.remaining + 1, self.tokens)
        # "earlier" from an older window: nothing to learn about this window.

    def _take(self, now: float, remaining: int, reset: float, reset_local: float) -> None:
        self.remaining = remaining
        self.reset_at = reset
        self.reset_local = reset_local
        self._confirm(now)

    def _confirm(self, now: float) -> None:
        if self.provisional:
            self.provisional = False
            self.confirmed_local = now

    def on_rate_limited(self, now: float, granted_at: float, *, teach: bool) -> None:
        """R7: a 429 answered a request granted at ``granted_at``. ``teach``: it carried no
        ``X-RL`` announcement, so it teaches a lower limit (once per storm)."""
        self.clean_since = now
        if not teach or self.announced:
            return
        if granted_at > self.storm_at:
            # Sent after the last storm began, so sent under the lowered limit: a new storm.
            if self.bad_level - 1 <= self.limit < self.seed_limit:
                # It met a probe above the known-good limit: probe more rarely.
                self.probe_windows = min(2 * self.probe_windows, MAX_PROBE_WINDOWS)
            self.storm_at = now
            self.storm_base = self.limit
            self.storm_sent = self.sent_within(now, self.window * (1 + self.margin))
            self.storm_rejected = 0
        self.storm_rejected += 1
        limit, self.bad_level = storm_limit(
            self.storm_base, max(self.storm_sent, self.storm_rejected), self.storm_rejected
        )
        self._set_limit(limit)

    def sent_within(self, now: float, span: float) -> int:
        """Requests answered in the last ``span`` seconds (as far as the log remembers),
        plus those still in flight."""
        return sum(1 for t in self._log if t > now - span) + self.in_flight

    def _set_seed(self, limit: int) -> None:
        self.seed_limit = limit
        self.bad_level = max(self.bad_level, limit + 1)
        self._set_limit(limit)

    def _set_limit(self, limit: int) -> None:
        self.limit = limit
        # The log remembers at least the seed's worth, so a storm can count what it sent.
        self._log = deque(self._log, maxlen=max(limit, self.seed_limit))

    def pause(self, now: float, seconds: float, granted_at: float = INF) -> None:
        """R6: stop granting for ``seconds``, then let one probe through before the rest.

        A 429 to a request sent after the current pause began (``granted_at``) starts a new
        pause, replacing the old one; one sent before it belongs to the same storm and can only
        lengthen the pause, never restart it."""
        if granted_at < self.paused_at:
            self.blocked_until = max(self.blocked_until, now + seconds)
            return
        self.blocked_until = now + seconds
        self.paused_at = now
        self.probing = True


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
