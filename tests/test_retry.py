"""retry_delay: the table of what is retried (server-behaviour.md §3.2 on 500/501)."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import httpx
import pytest

from booru_async import RetryPolicy
from booru_async._retry import retry_delay
from booru_async._verdict import classify

POLICY = RetryPolicy(retries=2, rate_limit_retries=3, backoff_base=0.5, backoff_cap=4.0)


@pytest.mark.parametrize(
    ("method", "status", "attempt", "limited", "retried"),
    [
        ("GET", 200, 0, 0, False),
        ("GET", 404, 0, 0, False),
        ("GET", 400, 0, 0, False),
        ("GET", 429, 0, 0, True),
        ("GET", 429, 0, 2, True),
        ("GET", 429, 0, 3, False),  # rate-limit retries spent
        ("GET", 502, 0, 0, True),
        ("GET", 503, 1, 0, True),
        ("GET", 504, 2, 0, False),  # transient retries spent
        ("GET", 500, 0, 0, False),  # the ban: never
        ("GET", 501, 0, 0, False),  # the challenge: never
        ("GET", None, 0, 0, True),  # connection error / timeout
        ("GET", None, 2, 0, False),
        ("HEAD", 503, 0, 0, True),
        ("POST", 502, 0, 0, False),  # uploads are never retried
        ("POST", 429, 0, 0, False),
        ("POST", None, 0, 0, False),
    ],
)
def test_retry_table(method: str, status: int | None, attempt: int, limited: int,
                     retried: bool) -> None:
    kind = None if status is None else classify(
        status, httpx.Headers(), b"", now=datetime.now(UTC)
    ).kind
    delay = retry_delay(POLICY, method=method, attempt=attempt, kind=kind,
                        rate_limited_so_far=limited, rng=random.Random(1))
    assert (delay is not None) is retried
    if status == 429 and retried:
        assert delay == 0.0  # the scheduler does the waiting
    elif retried:
        assert delay is not None and 0.25 <= delay <= 4.0


def test_policy_validates() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(retries=-1)
