"""The retry layer: repeats idempotent requests after a 429 or a transient failure."""

from __future__ import annotations

import logging
import random
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import httpx

from .._retry import RetryPolicy, retry_delay
from .._stats import Counters
from .._verdict import Kind, classify, verdict_of

__all__ = ["RetryTransport"]

log = logging.getLogger("booru_async")


class RetryTransport(httpx.AsyncBaseTransport):
    """Every attempt passes the layers below again, so the scheduler sees every 429 and
    makes the retry wait; this layer only sleeps the backoff of transient failures."""

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        *,
        policy: RetryPolicy,
        counters: Counters,
        sleep: Callable[[float], Awaitable[None]],
        rng: random.Random | None = None,
    ) -> None:
        self._inner = inner
        self._policy = policy
        self._counters = counters
        self._sleep = sleep
        self._rng = rng or random.Random()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        transient = 0
        limited = 0
        while True:
            try:
                response = await self._inner.handle_async_request(request)
            except httpx.TransportError as exc:
                delay = self._delay(request, transient, None, limited)
                if delay is None:
                    raise
                log.info(
                    "%s %s failed (%s); retrying in %.1f s",
                    request.method,
                    request.url.path,
                    type(exc).__name__,
                    delay,
                )
                transient += 1
            else:
                verdict = verdict_of(response) or classify(
                    response.status_code, response.headers, b"", now=datetime.now(UTC)
                )
                delay = self._delay(request, transient, verdict.kind, limited)
                if delay is None:
                    return response
                await response.aclose()
                if verdict.kind == "rate_limited":
                    limited += 1
                else:
                    transient += 1
                    log.info(
                        "%s %s answered %d; retrying in %.1f s",
                        request.method,
                        request.url.path,
                        verdict.status,
                        delay,
                    )
            self._counters.add(retries=1)
            if delay > 0:
                await self._sleep(delay)

    def _delay(
        self, request: httpx.Request, attempt: int, kind: Kind | None, limited: int
    ) -> float | None:
        return retry_delay(
            self._policy,
            method=request.method,
            attempt=attempt,
            kind=kind,
            rate_limited_so_far=limited,
            rng=self._rng,
        )

    async def aclose(self) -> None:
        await self._inner.aclose()

