"""Shared test fixtures."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from redis_server import RedisServer, redis_required, redis_server_path

# pytester runs a user's test file in a subprocess (the booru_async plugin itself needs no line
# here: it is loaded from its pytest11 entry point).
pytest_plugins = ["pytester"]


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """Run ``@pytest.mark.anyio`` tests on both backends."""
    return str(request.param)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """A real ``redis-server`` on a free loopback port for the whole session."""
    if redis_server_path() is None:
        if redis_required():
            pytest.fail("redis-server is required here (CI / BOORU_REQUIRE_REDIS=1) but not on PATH")
        pytest.skip("redis-server is not installed (apt-get install -y redis-server)")
    with RedisServer() as server:
        yield server


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """The session server's URL, emptied before each test."""
    redis_server.flushall()
    return redis_server.url
