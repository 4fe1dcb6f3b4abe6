"""The optional redis-py dependency, imported on first use with a clear message."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

__all__ = ["redis_errors", "require_redis", "safe_url"]


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


def safe_url(url: str) -> str:
    """A Redis URL without credentials, for reprs and log lines."""
    parts = urlsplit(url)
    if not parts.hostname:
        return f"{parts.scheme}://{parts.path}"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname}{port}{parts.path}"
