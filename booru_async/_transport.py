"""The httpx transport stack, assembled in one place (:func:`build_transport`).

::

    coalesce -> cache -> retry -> scheduler -> key injection -> network

- ``CoalesceTransport``: identical concurrent GETs share one answer (hishel does not).
- ``cache``: hishel's RFC 9111 transport (``_cache.py``); a hit never reaches the layers below,
  so it spends no budget.
- ``RetryTransport``: repeats idempotent requests after a 429 or a transient failure; every
  attempt passes the scheduler again, so the scheduler sees every 429.
- ``SchedulerTransport``: waits for the rate-limit slot, then tells the scheduler the answer.
- ``KeyTransport``: adds the API key, below everything that could store or log a request.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import random
from collections.abc import Callable
from typing import Any

import anyio
import httpx

from ._cache import CacheConfig, build_cache_transport
from ._ratelimit import Priority
from ._retry import RetryPolicy, retry_delay
from ._scheduler import LocalScheduler
from ._sites import Site
from ._stats import Counters

__all__ = [
    "CoalesceTransport",
    "KeyTransport",
    "RetryTransport",
    "SchedulerTransport",
    "build_transport",
    "is_loopback",
]

log = logging.getLogger("booru_async")


def is_loopback(host: str) -> bool:
    """``localhost`` or a loopback address (``127.0.0.0/8``, ``::1``)."""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _options(request: httpx.Request) -> dict[str, Any]:
    options = request.extensions.get("booru")
    return options if isinstance(options, dict) else {}


class KeyTransport(httpx.AsyncBaseTransport):
    """Adds ``key=<api key>`` to requests for ``api_host``; nothing else sees the key."""

    def __init__(self, inner: httpx.AsyncBaseTransport, *, key: str, api_host: str) -> None:
        self._inner = inner
        self._key = key
        self._api_host = api_host

    def __repr__(self) -> str:
        return f"<KeyTransport api_host={self._api_host!r} key=***>"

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if (
            url.host == self._api_host
            and (url.scheme == "https" or is_loopback(url.host))
            # Files never carry the key, even where the CDN shares the API's host.
            and _options(request).get("group") != "cdn"
        ):
            # A new request, not a mutation: the layers above (the cache above all) keep
            # the key-less original.
            request = httpx.Request(
                request.method,
                url.copy_set_param("key", self._key),
                headers=request.headers,
                stream=request.stream,
                extensions=request.extensions,
            )
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


class SchedulerTransport(httpx.AsyncBaseTransport):
    """Waits for a rate-limit slot for each request to the API host, then reports back."""

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        *,
        scheduler: LocalScheduler,
        site: Site,
        counters: Counters,
        clock: Callable[[], float] = anyio.current_time,
    ) -> None:
        self._inner = inner
        self._scheduler = scheduler
        self._site = site
        self._counters = counters
        self._clock = clock
        self._cdn_sites: dict[str, Site] = {}

    def _site_for(self, host: str) -> Site:
        """The API site, or a CDN host as a site of its own with the profile's CDN budget."""
        if host == self._site.host:
            return self._site
        cdn = self._cdn_sites.get(host)
        if cdn is None:
            budgets = {"cdn": self._site.budgets["cdn"]} if "cdn" in self._site.budgets else {}
            cdn = Site(
                name=f"{self._site.name} files ({host})",
                base_url=f"https://{host}",
                flavour=self._site.flavour,
                budgets=budgets,
            )
            self._cdn_sites[host] = cdn
        return cdn

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        options = _options(request)
        site = self._site_for(request.url.host)
        group = str(options.get("group", "site"))
        if site is not self._site:
            group = "cdn"
        started = self._clock()
        ticket = await self._scheduler.acquire(
            site,
            group,
            priority=Priority.named(options.get("priority", "normal")),
            max_wait=options.get("max_wait"),
        )
        waited = self._clock() - started
        if waited > 0.001:
            self._counters.waits += 1
            self._counters.wait_time += waited
        self._counters.requests += 1
        try:
            response = await self._inner.handle_async_request(request)
        except httpx.ConnectError:
            self._scheduler.refund(ticket)  # it never reached the server
            raise
        except BaseException:
            self._scheduler.settle(ticket, status=None)  # it may have reached the server
            raise
        status = response.status_code
        body = b""
        if status == 429 or status >= 500:
            try:
                body = await response.aread()
            except BaseException:
                self._scheduler.settle(ticket, status=status, headers=response.headers)
                raise
        html = "html" in response.headers.get("content-type", "").lower()
        self._scheduler.settle(
            ticket,
            status=status,
            headers=response.headers,
            empty_body=not body.strip(),
            html=html,
        )
        if status == 429:
            self._counters.rate_limited += 1
        elif status == 501 and html:
            self._counters.challenges += 1
        elif status == 500 and not body.strip() and self._scheduler.is_banned(site):
            self._counters.bans += 1
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


class RetryTransport(httpx.AsyncBaseTransport):
    """Repeats idempotent requests after a 429 or a transient failure (see ``_retry``)."""

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        *,
        policy: RetryPolicy,
        counters: Counters,
        rng: random.Random | None = None,
    ) -> None:
        self._inner = inner
        self._policy = policy
        self._counters = counters
        self._rng = rng or random.Random()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        transient = 0
        limited = 0
        while True:
            try:
                response = await self._inner.handle_async_request(request)
            except httpx.TransportError as exc:
                delay = retry_delay(
                    self._policy,
                    method=request.method,
                    attempt=transient,
                    status=None,
                    rate_limited_so_far=limited,
                    rng=self._rng,
                )
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
                status = response.status_code
                delay = retry_delay(
                    self._policy,
                    method=request.method,
                    attempt=transient,
                    status=status,
                    rate_limited_so_far=limited,
                    rng=self._rng,
                )
                if delay is None:
                    return response
                await response.aclose()
                if status == 429:
                    limited += 1
                else:
                    transient += 1
                    log.info(
                        "%s %s answered %d; retrying in %.1f s",
                        request.method,
                        request.url.path,
                        status,
                        delay,
                    )
            self._counters.retries += 1
            if delay > 0:
                await anyio.sleep(delay)

    async def aclose(self) -> None:
        await self._inner.aclose()


class CoalesceTransport(httpx.AsyncBaseTransport):
    """Identical concurrent GETs (same partition and URL) share one answer.

    The first caller sends; the others wait for its body and get their own copy. Only
    bodies that are read whole (API JSON) take part: a request that streams (downloads)
    sets ``extensions["booru"]["stream"] = True`` and passes straight through.
    """

    def __init__(self, inner: httpx.AsyncBaseTransport, *, counters: Counters) -> None:
        self._inner = inner
        self._counters = counters
        self._flights: dict[str, _Flight] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        options = _options(request)
        if request.method != "GET" or options.get("stream"):
            return await self._inner.handle_async_request(request)
        # Only requests that would wait alike share a flight: an interactive call with a
        # max_wait must not sit behind a queued bulk call for the same URL.
        key = (
            f"{options.get('partition', 'anon')} {options.get('priority')} "
            f"{options.get('max_wait')} {request.url}"
        )
        while True:
            flight = self._flights.get(key)
            if flight is None:
                break
            self._counters.coalesced += 1
            await flight.done.wait()
            if flight.response is not None or isinstance(flight.error, httpx.TransportError):
                return flight.copy(request)
            # The leader was cancelled or failed in our own code: try again, maybe as leader.
            self._counters.coalesced -= 1
        flight = self._flights[key] = _Flight()
        try:
            response = await self._inner.handle_async_request(request)
            flight.content = await response.aread()
            flight.response = response
            return flight.copy(request)
        except BaseException as exc:
            flight.error = exc
            raise
        finally:
            del self._flights[key]
            flight.done.set()

    async def aclose(self) -> None:
        await self._inner.aclose()


class _Flight:
    def __init__(self) -> None:
        self.done = anyio.Event()
        self.response: httpx.Response | None = None
        self.content = b""
        self.error: BaseException | None = None

    def copy(self, request: httpx.Request) -> httpx.Response:
        if self.response is None:
            assert isinstance(self.error, httpx.TransportError)
            raise type(self.error)(str(self.error), request=request)
        original = self.response
        headers = httpx.Headers(
            [
                (k, v)
                for k, v in original.headers.multi_items()
                if k.lower() not in ("content-encoding", "transfer-encoding")
            ]
        )
        return httpx.Response(
            original.status_code,
            headers=headers,
            content=self.content,
            request=request,
            extensions=dict(original.extensions),
        )


def partition_for(key: str | None) -> str:
    """The cache partition of an API key: a one-way hash, so the key is never stored."""
    if not key:
        return "anon"
    return hashlib.sha256(b"booru-async partition\0" + key.encode()).hexdigest()[:32]


def build_transport(
    *,
    site: Site,
    key: str | None,
    scheduler: LocalScheduler,
    counters: Counters,
    cache: CacheConfig | None,
    retry: RetryPolicy,
    network: httpx.AsyncBaseTransport | None = None,
    rng: random.Random | None = None,
) -> httpx.AsyncBaseTransport:
    """The whole stack for one client. ``network`` replaces the real network (tests, ASGI)."""
    transport: httpx.AsyncBaseTransport = network or httpx.AsyncHTTPTransport(retries=0)
    if key:
        transport = KeyTransport(transport, key=key, api_host=site.host)
    transport = SchedulerTransport(transport, scheduler=scheduler, site=site, counters=counters)
    transport = RetryTransport(transport, policy=retry, counters=counters, rng=rng)
    if cache is not None:
        transport = build_cache_transport(transport, cache, counters=counters)
    return CoalesceTransport(transport, counters=counters)
