"""The cache layer: hishel's RFC 9111 transport, keyed by partition, with opt-in TTLs.

A hit never reaches the layers below, so it spends no rate budget. Files (streamed) and
answers that must not be shared (random picks) pass straight through.
"""

from __future__ import annotations

from typing import Any

import anyio
import hishel
import httpx
import orjson
from hishel.httpx import AsyncCacheTransport

from .._cache import CacheConfig, cache_key
from .._options import options_of
from .._stats import Counters

__all__ = ["CacheTransport"]

#: The endpoint group of oEmbed, whose bodies declare their own lifetime (``cache_age``).
OEMBED_GROUP = "oembed"


class CacheTransport(httpx.AsyncBaseTransport):
    """Opens the storage on first use and sets hishel's per-request options."""

    def __init__(
        self, inner: httpx.AsyncBaseTransport, config: CacheConfig, *, counters: Counters
    ) -> None:
        self._inner = inner
        self._config = config
        self._counters = counters
        self._cache: AsyncCacheTransport | None = None
        self._lock = anyio.Lock()

    async def _open(self) -> AsyncCacheTransport:
        async with self._lock:
            if self._cache is None:
                storage = await self._config.open()
                self._cache = AsyncCacheTransport(
                    _OembedAge(self._inner), storage=storage, rfc=hishel.CacheOptions(shared=False)
                )
        return self._cache

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        options = options_of(request)
        if options.stream or not options.shareable:
            return await self._inner.handle_async_request(request)
        cache = self._cache or await self._open()
        caching: dict[str, Any] = {
            "key": cache_key(options.partition, request.method, str(request.url))
        }
        ttl = self._config.policy.ttl.get(options.group)
        if ttl is not None:
            caching.update(rfc=False, ttl=ttl)
        request.extensions = {**request.extensions, "caching": caching}
        response = await cache.handle_async_request(request)
        status = response.extensions.get("caching")
        if isinstance(status, dict) and status.get("from_cache"):
            self._counters.add(cache_hits=1)
        return response

    async def aclose(self) -> None:
        if self._cache is not None:
            await self._cache.aclose()
        else:
            await self._inner.aclose()


class _OembedAge(httpx.AsyncBaseTransport):
    """oEmbed answers declare their lifetime in the body (``cache_age``, oEmbed 1.0 §2.3.4);
    it is turned into the ``Cache-Control`` that hishel understands. Philomena sends
    ``no-store`` on every route from its proxy, oEmbed included, while the body says two
    hours (``PhilomenaWeb.Api.Json.OembedView``), and the body is the more specific claim."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self._inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        if options_of(request).group != OEMBED_GROUP or response.status_code != 200:
            return response
        body = await response.aread()
        try:
            age = orjson.loads(body).get("cache_age")
        except (orjson.JSONDecodeError, AttributeError):
            return response
        if isinstance(age, bool) or not isinstance(age, int) or age <= 0:
            return response
        headers = [
            (k, v)
            for k, v in response.headers.raw
            if k.lower()
            not in (b"cache-control", b"expires", b"pragma", b"content-encoding", b"content-length")
        ]
        headers.append((b"cache-control", f"private, max-age={age}".encode()))
        return httpx.Response(
            response.status_code,
            headers=headers,
            content=body,
            request=request,
            extensions=dict(response.extensions),
        )

    async def aclose(self) -> None:
        await self._inner.aclose()
