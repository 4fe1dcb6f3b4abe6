"""Shared fixtures for the fake-server tests: every HTTP test runs twice,
in-process (httpx ASGI transport) and over a real loopback socket (uvicorn)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import httpx
import pytest

from booru_async.testing import Board, FakeBooru, FakeClock, serve_in_thread


@pytest.fixture(scope="session")
def _session_board() -> Board:
    return Board.generate(seed=7, images=400, users=60, galleries=15, topics=25)


@pytest.fixture
def board(_session_board: Board) -> Board:
    import copy

    return copy.deepcopy(_session_board)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(params=["in-process", "loopback"])
def connect(request: pytest.FixtureRequest) -> Iterator[Callable[[FakeBooru], httpx.AsyncClient]]:
    """``connect(fake)`` -> an ``httpx.AsyncClient`` talking to ``fake``."""
    stack = contextlib.ExitStack()

    def factory(fake: FakeBooru) -> httpx.AsyncClient:
        if request.param == "in-process":
            return httpx.AsyncClient(transport=fake.transport(), base_url=fake.base_url)
        url = stack.enter_context(serve_in_thread(fake))
        return httpx.AsyncClient(base_url=url)

    with stack:
        yield factory
