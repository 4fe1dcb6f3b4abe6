"""pytest fixtures for testing against :class:`~booru_async.testing.FakeBooru`.

Loaded by pytest through the ``pytest11`` entry point (``booru_async``) wherever
booru-async is installed: no ``pytest_plugins`` line is needed (``-p no:booru_async``
turns it off).

* ``fake_booru_board`` - a generated :class:`Board` (a fresh copy per test of a
  board generated once per session; override the fixture for other boards);
* ``fake_booru`` - a :class:`FakeBooru` over that board (in-process; use
  ``fake_booru.transport()`` with httpx);
* ``fake_booru_url`` - the same fake served on a loopback socket; the value is
  the base URL (needs uvicorn, from the ``serve`` extra; without it the fixture
  raises :class:`ModuleNotFoundError` naming the extra).

Example::

    async def test_bot(fake_booru: FakeBooru) -> None:
        async with ba.Client("derpibooru", base_url=fake_booru.base_url,
                             transport=fake_booru.transport()) as client:
            assert [i async for i in client.images.search("safe", limit=3)]

The fixtures are synchronous, so they work with pytest-asyncio, anyio and
trio test runners alike.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator

import pytest

from booru_async.testing._app import FakeBooru
from booru_async.testing._board import Board
from booru_async.testing._serve import serve_in_thread


@pytest.fixture(scope="session")
def _fake_booru_session_board() -> Board:
    return Board.generate(seed=0, images=600, users=80, galleries=20, topics=30)


@pytest.fixture
def fake_booru_board(_fake_booru_session_board: Board) -> Board:
    """A private copy of a generated board."""
    return copy.deepcopy(_fake_booru_session_board)


@pytest.fixture
def fake_booru(fake_booru_board: Board) -> FakeBooru:
    """An in-process fake (Philomena 1.2 flavour by default)."""
    return FakeBooru(fake_booru_board)


@pytest.fixture
def fake_booru_url(fake_booru: FakeBooru) -> Iterator[str]:
    """``fake_booru`` served by uvicorn on 127.0.0.1; yields the base URL."""
    with serve_in_thread(fake_booru) as url:
        yield url
