"""Virtual time on both backends, for tests of timing logic (no wall-clock waits, no flakes).

- trio: ``trio.testing.MockClock(autojump_threshold=0)``.
- asyncio: :class:`VirtualTimeLoop`, an event loop whose clock jumps to the next timer
  whenever nothing is ready to run, the asyncio twin of trio's autojump. It first gives
  real I/O and worker threads a millisecond to report, so in-memory transports (respx,
  ASGI) and quick thread hops (SQLite) behave as they would in real time.

Use ``VIRTUAL_BACKENDS`` as the params of a module's ``anyio_backend`` fixture.
"""

from __future__ import annotations

import asyncio
import selectors
from typing import Any

import pytest
import trio.testing

#: Real seconds granted to I/O and threads before virtual time jumps.
REAL_SLICE = 0.001


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """A selector loop on a virtual clock that starts at 0 and only moves by jumps."""

    def __init__(self) -> None:
        super().__init__(selectors.DefaultSelector())
        self._virtual_now = 0.0
        selector = self._selector  # type: ignore[attr-defined]
        real_select = selector.select

        def select(timeout: float | None = None) -> list[Any]:
            if timeout is None or timeout <= 0:
                return list(real_select(timeout))
            events = list(real_select(min(timeout, REAL_SLICE)))
            if not events:
                self._virtual_now += timeout  # nothing happened: jump to the next timer
            return events

        selector.select = select

    def time(self) -> float:
        return self._virtual_now


VIRTUAL_BACKENDS = [
    pytest.param(("asyncio", {"loop_factory": VirtualTimeLoop}), id="asyncio-virtual"),
    pytest.param(("trio", {"clock": "mock"}), id="trio-virtual"),
]


def backend(param: tuple[str, dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    """A fresh backend spec (a MockClock must not be shared between tests)."""
    name, options = param
    if options.get("clock") == "mock":
        return name, {"clock": trio.testing.MockClock(autojump_threshold=0)}
    return name, options
