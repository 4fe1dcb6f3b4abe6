"""The cache layer: hishel 2 configured, not re-implemented.

Default: RFC 9111 *private*-cache semantics (``CacheOptions(shared=False)``), so what the
server says is obeyed: Philomena's proxy sends ``no-store`` and nothing is stored; a
``max-age`` answer is served from the cache until it is stale. :class:`CachePolicy` lets a
user opt in to fixed lifetimes per endpoint group (a bot that wants tags for an hour), which
overrides the server's directives for those groups only; that is the user's choice.

Entries are keyed by ``sha256(partition, method, URL)``. The URL never holds the API key (it
is added below this layer) and the partition is a one-way hash of the key, so one key's
answers never reach another key or anonymous calls, and the key is in no stored entry.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import anyio
import attrs
import hishel
import httpx
from hishel.httpx import AsyncCacheTransport

from ._stats import Counters

__all__ = ["CacheConfig", "CachePolicy", "MemoryCache", "SQLiteCache", "build_cache_transport"]


def _ttls(value: Mapping[str, float]) -> Mapping[str, float]:
    out: dict[str, float] = {}
    for group, seconds in dict(value).items():
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds <= 0:
            raise ValueError(f"TTL for {group!r} must be a number of seconds > 0")
        out[str(group)] = float(seconds)
    return out


@attrs.frozen
class CachePolicy:
    """Opt-in fixed lifetimes per endpoint group, e.g. ``CachePolicy(ttl={"image": 300})``.

    Groups named here are cached for that many seconds whatever the server's
    ``Cache-Control`` says; every other group follows RFC 9111.
    """

    ttl: Mapping[str, float] = attrs.field(factory=dict, converter=_ttls)

    def __hash__(self) -> int:
        return hash(tuple(sorted(self.ttl.items())))


@attrs.frozen
class MemoryCache:
    """An in-process cache (SQLite in memory); the default.

    ``max_size`` bounds it in bytes (least recently used entries go first): sites that send
    ``max-age=0, private, must-revalidate`` get every answer stored for revalidation, and a
    long crawl must not grow memory without end.
    """

    policy: CachePolicy = attrs.field(factory=CachePolicy)
    max_size: int = attrs.field(default=64 * 1024**2, validator=attrs.validators.gt(0))

    async def open(self) -> hishel.AsyncBaseStorage:
        import anysqlite

        connection = await anysqlite.connect(":memory:", isolation_level=None)
        return hishel.AsyncSqliteStorage(connection=connection, max_size=self.max_size)


@attrs.frozen
class SQLiteCache:
    """A cache in an SQLite file that several processes may share (WAL mode)."""

    path: str = attrs.field(converter=str)
    policy: CachePolicy = attrs.field(factory=CachePolicy)

    async def open(self) -> hishel.AsyncBaseStorage:
        await anyio.Path(Path(self.path).parent).mkdir(parents=True, exist_ok=True)
        return hishel.AsyncSqliteStorage(database_path=self.path)


CacheConfig = MemoryCache | SQLiteCache


def cache_key(partition: str, method: str, url: str) -> str:
    """The storage key of one request."""
    return hashlib.sha256(f"{partition}\0{method}\0{url}".encode()).hexdigest()


class _PolicyTransport(httpx.AsyncBaseTransport):
    """Opens the storage on first use and sets hishel's per-request options."""

    def __init__(
        self, inner: httpx.AsyncBaseTransport, config: CacheConfig, counters: Counters
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
                    self._inner, storage=storage, rfc=hishel.CacheOptions(shared=False)
                )
        return self._cache

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        options: dict[str, Any] = request.extensions.get("booru") or {}
        if options.get("stream"):
            return await self._inner.handle_async_request(request)  # files bypass the cache
        cache = self._cache or await self._open()
        partition = str(options.get("partition", "anon"))
        caching: dict[str, Any] = {"key": cache_key(partition, request.method, str(request.url))}
        ttl = self._config.policy.ttl.get(str(options.get("group", "")))
        if ttl is not None:
            caching.update(rfc=False, ttl=ttl)
        request.extensions = {**request.extensions, "caching": caching}
        response = await cache.handle_async_request(request)
        status = response.extensions.get("caching")
        if isinstance(status, dict) and status.get("from_cache"):
            self._counters.cache_hits += 1
        return response

    async def aclose(self) -> None:
        if self._cache is not None:
            await self._cache.aclose()
        else:
            await self._inner.aclose()


def build_cache_transport(
    inner: httpx.AsyncBaseTransport, config: CacheConfig, *, counters: Counters
) -> httpx.AsyncBaseTransport:
    """The cache layer over ``inner``."""
    return _PolicyTransport(inner, config, counters)
