"""The httpx transport stack, assembled once, in :func:`build_transport`::

    coalesce -> cache -> retry -> scheduler -> key -> attempt -> network

- :class:`CoalesceTransport`: identical concurrent GETs share one answer.
- :class:`CacheTransport`: hishel's RFC 9111 transport; a hit spends no budget.
- :class:`RetryTransport`: repeats idempotent requests after a 429 or a transient failure;
  every attempt passes the scheduler again, so the scheduler sees every 429.
- :class:`SchedulerTransport`: waits for the rate-limit slot, classifies the answer once.
- :class:`KeyTransport`: adds the API key, below everything that could store or log it,
  and scrubs it from whatever comes back (echoed ``Location``, headers, bodies).
- :class:`AttemptTransport`: bounds one attempt, body included, by ``timeout``; reads API
  bodies whole here (decompressed, capped at ``max_body_bytes``) so a failure after the
  headers is a failure of the attempt, retried like one before them.
- :class:`NetworkTransport`: httpx's own transport, with its proxy and TLS conventions.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable

import httpx

from .._cache import CacheConfig
from .._retry import RetryPolicy
from .._scheduler import Scheduler
from .._sites import Site
from .._stats import Counters
from ._attempt import DEFAULT_MAX_BODY_BYTES, AttemptTransport
from ._caching import CacheTransport
from ._coalesce import CoalesceTransport
from ._key import KeyTransport, is_loopback
from ._network import NetworkTransport
from ._retrying import RetryTransport
from ._scheduling import SchedulerTransport

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "AttemptTransport",
    "CacheTransport",
    "CoalesceTransport",
    "KeyTransport",
    "NetworkTransport",
    "RetryTransport",
    "SchedulerTransport",
    "build_transport",
    "is_loopback",
]


def build_transport(
    *,
    site: Site,
    key: str | None,
    scheduler: Scheduler,
    counters: Counters,
    cache: CacheConfig | None,
    retry: RetryPolicy,
    network: httpx.AsyncBaseTransport,
    clock: Callable[[], float],
    sleep: Callable[[float], Awaitable[None]],
    rng: random.Random | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
) -> httpx.AsyncBaseTransport:
    """The whole stack for one client, over ``network`` (the real network, or an ASGI app)."""
    transport: httpx.AsyncBaseTransport = AttemptTransport(network, max_body_bytes=max_body_bytes)
    if key:
        transport = KeyTransport(transport, key=key, api_host=site.host)
    transport = SchedulerTransport(
        transport, scheduler=scheduler, site=site, counters=counters, clock=clock
    )
    transport = RetryTransport(transport, policy=retry, counters=counters, sleep=sleep, rng=rng)
    if cache is not None:
        transport = CacheTransport(transport, cache, counters=counters)
    return CoalesceTransport(transport, counters=counters)
