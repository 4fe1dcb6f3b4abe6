"""The optional redis-py dependency, imported on first use with a clear message."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

__all__ = ["redis_errors", "require_asyncio", "require_redis", "safe_url", "unreachable"]

#: Error codes of a Redis that is there but cannot serve a write now: out of memory, a
#: read-only replica, a failed snapshot, loading its dataset, a script running too long,
#: a cluster without a master. For the rate budget they mean what a lost connection does.
_UNSERVICEABLE = frozenset(
    {"OOM", "READONLY", "MISCONF", "LOADING", "BUSY", "MASTERDOWN", "CLUSTERDOWN", "TRYAGAIN",
     "NOREPLICAS"}
)


def require_redis() -> Any:
    """``redis.asyncio``, or an ``ImportError`` that says how to install it."""
    try:
        import redis.asyncio
    except ImportError as exc:
        raise ImportError(
            "booru_async's Redis features (RedisScheduler, RedisCache) need redis-py: "
            "pip install 'booru-async[redis]'"
        ) from exc
    return redis.asyncio


def redis_errors() -> tuple[type[BaseException], ...]:
    """The errors that mean "Redis is unreachable" (as opposed to a bug)."""
    import redis.exceptions

    return (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)


def unreachable(exc: BaseException) -> bool:
    """Whether ``exc`` means Redis cannot serve us now (fall back), rather than a bug."""
    import redis.exceptions

    if isinstance(exc, redis_errors()):
        return True
    if isinstance(exc, redis.exceptions.OutOfMemoryError | redis.exceptions.ReadOnlyError):
        return True
    if isinstance(exc, redis.exceptions.ResponseError):
        # redis-py keeps the code in ``status_code`` (>= 6) or leaves it at the start of
        # the message when it has no class for it (MISCONF, BUSY).
        code = getattr(exc, "status_code", None) or str(exc).split(" ", 1)[0]
        return code in _UNSERVICEABLE
    return False


def require_asyncio(what: str, instead: str) -> None:
    """Refuse a backend other than asyncio: redis-py's asyncio client runs on asyncio only.

    Raises ``RuntimeError`` (the same for :class:`~booru_async.RedisScheduler` and
    :class:`~booru_async.RedisCache`) naming the alternative to use on trio.
    """
    import sniffio

    try:
        library = sniffio.current_async_library()
    except sniffio.AsyncLibraryNotFoundError:
        return
    if library != "asyncio":
        raise RuntimeError(
            f"{what} runs on asyncio only (redis-py's asyncio client); on {library} use {instead}"
        )


def safe_url(url: str) -> str:
    """A Redis URL without credentials, for reprs and log lines."""
    parts = urlsplit(url)
    if not parts.hostname:
        return f"{parts.scheme}://{parts.path}"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname}{port}{parts.path}"
