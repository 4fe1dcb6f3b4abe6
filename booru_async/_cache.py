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

import anyio
import attrs
import hishel

from ._redis import require_asyncio, require_redis, safe_url

__all__ = [
    "CacheConfig",
    "CachePolicy",
    "MemoryCache",
    "RedisCache",
    "SQLiteCache",
    "cache_key",
    "partition_for",
]


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


_SQLITE_MAGIC = b"SQLite format 3\x00"


def _check_sqlite_file(_: object, __: object, path: str) -> None:
    """Refuse, up front, a path that holds something other than an SQLite database: hishel
    would log a traceback on every request and silently cache nothing."""
    target = Path(path)
    if target.is_dir():
        raise ValueError(f"cache path {path!r} is a folder, not an SQLite file")
    try:
        with open(target, "rb") as handle:
            head = handle.read(len(_SQLITE_MAGIC))
    except FileNotFoundError:
        return  # created on first use
    except OSError as exc:
        raise ValueError(f"cache file {path!r} cannot be read: {exc.strerror or exc}") from None
    if head and head != _SQLITE_MAGIC:
        raise ValueError(f"cache file {path!r} is not an SQLite database")


@attrs.frozen
class SQLiteCache:
    """A cache in an SQLite file that several processes may share (WAL mode).

    A path that exists but is not an SQLite database (or is a folder) raises
    ``ValueError`` here, rather than leaving the cache silently off.
    """

    path: str = attrs.field(converter=str, validator=_check_sqlite_file)
    policy: CachePolicy = attrs.field(factory=CachePolicy)

    async def open(self) -> hishel.AsyncBaseStorage:
        await anyio.Path(Path(self.path).parent).mkdir(parents=True, exist_ok=True)
        return hishel.AsyncSqliteStorage(database_path=self.path)


@attrs.frozen
class RedisCache:
    """A cache in Redis that processes and machines share (hishel's Redis storage).

    ``url`` is a redis-py URL; ``prefix`` namespaces the keys; ``ttl`` bounds how long any
    entry lives (seconds; ``None``: until Redis evicts it under its ``maxmemory`` policy).
    Entries are partitioned by a hash of the API key exactly as in the other storages, and
    the key itself never reaches Redis. Needs the ``redis`` extra and Redis >= 7; runs on
    asyncio only (redis-py's asyncio client): on trio the first request raises
    ``RuntimeError`` (as :class:`~booru_async.RedisScheduler` does) before anything is sent.
    """

    url: str = attrs.field(repr=safe_url)
    policy: CachePolicy = attrs.field(factory=CachePolicy)
    prefix: str = "booru-cache"
    ttl: float | None = 3600.0

    def __attrs_post_init__(self) -> None:
        require_redis()

    async def open(self) -> hishel.AsyncBaseStorage:
        require_asyncio("RedisCache", "MemoryCache or SQLiteCache")
        client = require_redis().Redis.from_url(self.url)
        return hishel.AsyncRedisStorage(client=client, default_ttl=self.ttl, key_prefix=self.prefix)


CacheConfig = MemoryCache | SQLiteCache | RedisCache


def cache_key(partition: str, method: str, url: str) -> str:
    """The storage key of one request."""
    return hashlib.sha256(f"{partition}\0{method}\0{url}".encode()).hexdigest()


def partition_for(key: str | None) -> str:
    """The cache partition of an API key: a one-way hash, so the key is never stored."""
    if not key:
        return "anon"
    return hashlib.sha256(b"booru-async partition\0" + key.encode()).hexdigest()[:32]
