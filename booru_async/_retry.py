"""When to try a request again, and after how long: a pure decision, table-tested.

- Never for uploads or any other non-idempotent method (a retried POST could upload twice).
- 429: yes, immediately as far as this layer is concerned; the scheduler below has paused the
  bucket and makes the retry wait (``Retry-After``, ``X-RL-Reset`` or backoff).
- 502/503/504 and connection failures or timeouts: yes, with jittered exponential backoff.
- 500 and 501: never. On Philomena sites they are the anti-bot challenge and the ban, and
  every request during a ban restarts it (server-behaviour.md §3.2); elsewhere a 500 is an
  application error that a retry does not fix.
"""

from __future__ import annotations

import random

import attrs

from ._ratelimit import backoff
from ._verdict import Kind

__all__ = ["IDEMPOTENT", "RetryPolicy", "retry_delay"]

IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS"})


@attrs.frozen
class RetryPolicy:
    """How many times to retry, and the backoff for transient failures."""

    #: Retries after a transient failure (5xx gateway errors, connection errors, timeouts).
    retries: int = attrs.field(default=3, validator=attrs.validators.ge(0))
    #: Retries after a 429 (each waits for the bucket first).
    rate_limit_retries: int = attrs.field(default=5, validator=attrs.validators.ge(0))
    backoff_base: float = 0.5
    backoff_cap: float = 10.0


def retry_delay(
    policy: RetryPolicy,
    *,
    method: str,
    attempt: int,
    kind: Kind | None,
    rate_limited_so_far: int,
    rng: random.Random,
) -> float | None:
    """Seconds to sleep before the next attempt, or ``None`` to stop.

    ``attempt`` counts transient failures so far (0 on the first), ``kind`` is the verdict
    on the answer (:func:`booru_async._verdict.classify`) or ``None`` when the attempt
    failed without one.
    """
    if method.upper() not in IDEMPOTENT:
        return None
    if kind == "rate_limited":
        return 0.0 if rate_limited_so_far < policy.rate_limit_retries else None
    if kind is None or kind == "transient":
        if attempt >= policy.retries:
            return None
        return backoff(attempt, base=policy.backoff_base, cap=policy.backoff_cap, rng=rng)
    return None
