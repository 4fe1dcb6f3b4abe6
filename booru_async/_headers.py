"""Pure parsers for the HTTP headers the SDK acts on (no I/O, no clock of their own).

Rate-limit hints come in several spellings (server-behaviour.md §3.2): ``Retry-After`` as
seconds or an HTTP-date, and Twibooru's ``X-RL-Reset`` as a Ruby ``Time#to_s`` string
(``2022-02-18 22:43:57 UTC``), ISO-8601, an epoch or a delta in seconds. Absolute times are
measured against the response's own ``Date`` header so a skewed local clock does not matter.
Anything absurd (negative, beyond :data:`MAX_DELAY`, garbage) parses as ``None`` so callers
fall back to the profile's budgets.

:class:`ServerClock` turns a run of ``Date`` headers (whole seconds, read late) into an estimate
of the server's clock that is never ahead of it (rule R9 in ``docs/design.md``).
"""

from __future__ import annotations

import math
import re
from collections import deque
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

__all__ = [
    "MAX_DELAY",
    "RateHeaders",
    "ServerClock",
    "parse_delay",
    "parse_http_date",
    "parse_rate_headers",
    "parse_retry_after",
]

#: Longest wait a header may ask for; longer values are treated as garbage.
MAX_DELAY = 24 * 3600.0
# Values above this are epochs, below it relative seconds (2001-09-09 in epoch seconds).
_EPOCH_THRESHOLD = 1e9
_RUBY_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d+)?)\s*(UTC|GMT|Z)?$")


def parse_http_date(value: str | None) -> datetime | None:
    """An RFC 9110 HTTP-date (``Date``, ``Retry-After``) as an aware UTC datetime."""
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _parse_time(value: str) -> datetime | None:
    match = _RUBY_TIME.match(value)
    text = f"{match[1]}T{match[2]}" if match else value
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return parse_http_date(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _checked(delay: float) -> float | None:
    if math.isnan(delay) or delay < 0 or delay > MAX_DELAY:
        return None
    return delay


def parse_delay(value: str | None, *, server_now: datetime) -> float | None:
    """Seconds until the moment a rate-limit header names.

    ``value`` may be delta seconds, an epoch, an ISO-8601 or ``YYYY-MM-DD HH:MM:SS UTC``
    time, or an HTTP-date. ``server_now`` is the server's idea of now (its ``Date`` header,
    or the local clock when the response has none).
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        moment = _parse_time(text)
        if moment is None:
            return None
        return _checked((moment - server_now).total_seconds())
    if not math.isfinite(number):
        return None
    if number >= _EPOCH_THRESHOLD:
        return _checked(number - server_now.timestamp())
    return _checked(number)


def parse_retry_after(value: str | None, *, server_now: datetime) -> float | None:
    """``Retry-After``: delay seconds or an HTTP-date (RFC 9110 §10.2.3)."""
    return parse_delay(value, server_now=server_now)


class RateHeaders:
    """The rate-limit hints one response carried (each ``None`` when absent or absurd)."""

    __slots__ = (
        "limit",
        "remaining",
        "reset_after",
        "reset_relative",
        "retry_after",
        "server_now",
    )

    def __init__(
        self,
        *,
        limit: int | None,
        remaining: int | None,
        reset_after: float | None,
        retry_after: float | None,
        server_now: datetime,
        reset_relative: bool = False,
    ) -> None:
        self.limit = limit
        self.remaining = remaining
        self.reset_after = reset_after
        self.retry_after = retry_after
        self.server_now = server_now
        #: ``X-RL-Reset`` came as a delta in whole seconds (rounded), not as a moment.
        self.reset_relative = reset_relative

    @property
    def reset_at(self) -> float | None:
        """The reset as a moment on the server's clock (epoch seconds), if announced."""
        if self.reset_after is None:
            return None
        return self.server_now.timestamp() + self.reset_after

    @property
    def announces_window(self) -> bool:
        """Both ``X-RL-Remaining`` and ``X-RL-Reset`` are present and sane."""
        return self.remaining is not None and self.reset_after is not None

    def __repr__(self) -> str:
        return (
            f"RateHeaders(limit={self.limit}, remaining={self.remaining}, "
            f"reset_after={self.reset_after}, retry_after={self.retry_after})"
        )

    @property
    def wait(self) -> float | None:
        """How long to wait before the next request after a 429: ``Retry-After`` first,
        then ``X-RL-Reset``."""
        return self.retry_after if self.retry_after is not None else self.reset_after


def _count(value: str | None, *, minimum: int) -> int | None:
    if value is None:
        return None
    try:
        number = int(value.strip())
    except ValueError:
        return None
    return number if minimum <= number <= 1_000_000 else None


def _is_relative(value: str | None) -> bool:
    if value is None:
        return False
    try:
        return float(value.strip()) < _EPOCH_THRESHOLD
    except ValueError:
        return False


def parse_rate_headers(
    headers: Mapping[str, str], *, local_now: datetime, server_now: datetime | None = None
) -> RateHeaders:
    """Read ``X-RL``, ``X-RL-Remaining``, ``X-RL-Reset`` and ``Retry-After``.

    ``headers`` must look keys up case-insensitively (``httpx.Headers`` does). Absolute
    times are measured against ``server_now`` when given (a :class:`ServerClock`
    estimate), else against the response's ``Date``, else against ``local_now``.
    """
    if server_now is None:
        server_now = parse_http_date(headers.get("date")) or local_now
    reset = headers.get("x-rl-reset")
    return RateHeaders(
        limit=_count(headers.get("x-rl"), minimum=1),
        remaining=_count(headers.get("x-rl-remaining"), minimum=0),
        reset_after=parse_delay(reset, server_now=server_now),
        retry_after=parse_retry_after(headers.get("retry-after"), server_now=server_now),
        server_now=server_now,
        reset_relative=_is_relative(reset),
    )


class ServerClock:
    """The server's clock as seen through its ``Date`` headers (R9), free of I/O.

    ``offset`` is the server's epoch minus our monotonic clock. Each ``Date`` is truncated to
    whole seconds and was written before the answer travelled to us, so every sample
    ``Date - local`` is at most the true offset; the maximum over recent samples converges to
    it from below. The estimate is therefore never ahead of the server, and a reset converted
    to local time is never early. Only the last ``keep`` samples count, so a server whose
    clock is stepped back is followed once older samples leave. Without any ``Date`` the
    local wall clock stands in.
    """

    __slots__ = ("_samples",)

    def __init__(self, keep: int = 32) -> None:
        self._samples: deque[float] = deque(maxlen=keep)

    def observe(self, date: float | None, *, mono: float) -> None:
        """An answer received at monotonic ``mono`` whose ``Date`` said ``date`` (epoch)."""
        if date is not None and math.isfinite(date):
            self._samples.append(date - mono)

    def offset(self, *, mono: float, wall: float) -> float:
        """Server epoch minus monotonic time (``wall - mono`` before any ``Date``)."""
        return max(self._samples) if self._samples else wall - mono

    def now(self, *, mono: float, wall: float) -> float:
        """The server's epoch seconds at monotonic ``mono`` (``wall``: local epoch now)."""
        return mono + self.offset(mono=mono, wall=wall)
