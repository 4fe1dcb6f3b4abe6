"""Rate budgets, the anti-bot challenge/ban, injected faults and request stats."""

from __future__ import annotations

import math
import random
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from booru_async.testing._config import AntiBot, Fault, RateBudget, ResetFormat

# ------------------------------------------------------------------------- stats


@dataclass
class RecordedRequest:
    """One request as the fake saw it (``params`` never contains ``key``)."""

    method: str
    path: str
    params: dict[str, Any]
    time: float
    group: str
    authenticated: bool = False
    status: int | None = None
    fault: str | None = None


@dataclass
class Stats:
    """What the fake received and answered.

    ``requests`` holds every request in arrival order, ``rate_limited`` those
    answered 429, ``challenged`` those answered 501, ``banned`` those answered
    with the 500 block, ``faults`` those that got an injected fault.
    """

    requests: list[RecordedRequest] = field(default_factory=list)
    rate_limited: list[RecordedRequest] = field(default_factory=list)
    challenged: list[RecordedRequest] = field(default_factory=list)
    banned: list[RecordedRequest] = field(default_factory=list)
    faults: list[RecordedRequest] = field(default_factory=list)

    def in_group(self, group: str | None) -> list[RecordedRequest]:
        """Requests in ``group`` (``None``: every API request, ``"*"`` likewise)."""
        if group is None or group == "*":
            return [r for r in self.requests if r.group != "cdn"]
        return [r for r in self.requests if r.group == group]

    def max_in_window(self, group: str | None, window: float) -> int:
        """Largest number of requests in ``group`` inside any window of ``window`` seconds."""
        times = sorted(r.time for r in self.in_group(group))
        best = 0
        lo = 0
        for hi, t in enumerate(times):
            while t - times[lo] >= window:
                lo += 1
            best = max(best, hi - lo + 1)
        return best

    def clear(self) -> None:
        self.requests.clear()
        self.rate_limited.clear()
        self.challenged.clear()
        self.banned.clear()
        self.faults.clear()


# -------------------------------------------------------------------- rate limit


@dataclass(frozen=True)
class RateDecision:
    """Outcome of a rate check."""

    allowed: bool
    retry_after: float = 0.0
    limit: int | None = None
    remaining: int | None = None
    reset_at: float | None = None


class RateLimiter:
    """Per-budget accounting; state is keyed by the budget value."""

    def __init__(self) -> None:
        self._sliding: dict[RateBudget, deque[float]] = {}
        self._fixed: dict[RateBudget, tuple[float, int]] = {}

    def reset(self) -> None:
        self._sliding.clear()
        self._fixed.clear()

    def _state(self, b: RateBudget, now: float) -> tuple[int, float]:
        """(used, reset_at) for budget ``b`` at ``now``."""
        if b.algorithm == "fixed":
            start = math.floor(now / b.window) * b.window
            wstart, used = self._fixed.get(b, (start, 0))
            if wstart != start:
                used = 0
                self._fixed[b] = (start, 0)
            return used, start + b.window
        events = self._sliding.setdefault(b, deque())
        while events and events[0] <= now - b.window:
            events.popleft()
        reset_at = events[0] + b.window if events else now + b.window
        return len(events), reset_at

    def check(self, budgets: Sequence[RateBudget], group: str, now: float) -> RateDecision:
        applicable = [b for b in budgets if b.applies_to(group)]
        if not applicable:
            return RateDecision(True)
        states = [(b, *self._state(b, now)) for b in applicable]
        refused = [(b, used, reset) for b, used, reset in states if used >= b.limit]
        if refused:
            retry = max(reset - now for _, _, reset in refused)
            b, _, reset = min(refused, key=lambda s: s[0].limit)
            return RateDecision(False, max(retry, 0.0), b.limit, 0, reset)
        for b, used, _ in states:
            if b.algorithm == "fixed":
                start = math.floor(now / b.window) * b.window
                self._fixed[b] = (start, used + 1)
            else:
                self._sliding[b].append(now)
        # header budget: the tightest one after this request
        b, used, reset = min(states, key=lambda s: (s[0].limit - s[1] - 1, s[0].limit))
        if b.algorithm == "sliding" and used == 0:
            reset = now + b.window
        return RateDecision(True, 0.0, b.limit, b.limit - used - 1, reset)


def format_reset(reset_at: float, now: float, fmt: ResetFormat) -> str:
    """Render ``X-RL-Reset`` in one of the observed formats."""
    if fmt == "delta":
        return str(max(0, math.ceil(reset_at - now)))
    if fmt == "epoch":
        return str(math.ceil(reset_at))
    dt = datetime.fromtimestamp(math.ceil(reset_at), UTC)
    if fmt == "iso":
        return dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    return dt.strftime("%Y-%m-%d %H:%M:%S UTC")


# ----------------------------------------------------------------------- antibot


class AntiBotState:
    """Challenge/ban state machine (see :class:`~booru_async.testing.AntiBot`)."""

    def __init__(self) -> None:
        self.challenge_until: float | None = None
        self.last_challenge_at: float | None = None
        self.ban_until: float | None = None

    def reset(self) -> None:
        self.challenge_until = self.last_challenge_at = self.ban_until = None

    def trigger(self, config: AntiBot, now: float, duration: float | None = None) -> None:
        self.challenge_until = now + (config.challenge_duration if duration is None else duration)

    def ban(self, config: AntiBot, now: float, duration: float | None = None) -> None:
        self.ban_until = now + (config.ban_duration if duration is None else duration)

    def check(self, config: AntiBot, now: float) -> int | None:
        """``500`` (blocked), ``501`` (challenged) or ``None`` (pass)."""
        if self.ban_until is not None and now < self.ban_until:
            self.ban_until = now + config.ban_duration
            return 500
        if self.challenge_until is not None and now < self.challenge_until:
            last = self.last_challenge_at
            if last is not None and now - last < config.min_backoff:
                self.ban_until = now + config.ban_duration
                return 500
            self.last_challenge_at = now
            return 501
        return None

    @property
    def banned(self) -> bool:
        return self.ban_until is not None


# ------------------------------------------------------------------------ faults


class FaultPicker:
    """Chooses the fault for a request, deterministically from a seed."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(f"faults:{seed}")
        self.fired: dict[Fault, int] = {}

    def reseed(self, seed: int) -> None:
        self.rng = random.Random(f"faults:{seed}")
        self.fired.clear()

    def pick(self, faults: Sequence[Fault], group: str, path: str) -> Fault | None:
        for fault in faults:
            if not fault.matches(group, path):
                continue
            if fault.times is not None and self.fired.get(fault, 0) >= fault.times:
                continue
            if fault.probability < 1.0 and self.rng.random() >= fault.probability:
                continue
            self.fired[fault] = self.fired.get(fault, 0) + 1
            return fault
        return None


NGINX_502 = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)

ERROR_50X = (
    "<!DOCTYPE html>\n<html>\n<head>\n<title>Error</title>\n</head>\n<body>\n"
    "<h1>An error occurred.</h1>\n<p>Sorry, the page you are looking for is currently "
    "unavailable.<br/>\nPlease try again later.</p>\n</body>\n</html>\n"
)

CHALLENGE_501 = (
    "<!DOCTYPE html>\n<html><head><title>Checking your browser</title></head>\n<body>"
    "<h1>One moment, please...</h1><p>The site is under heavy load. Please wait at least "
    "5 seconds before retrying.</p></body></html>\n"
)
