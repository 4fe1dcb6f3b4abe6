"""A manual clock for tests (pass it as ``FakeBooru(clock=...)``)."""

from __future__ import annotations


class FakeClock:
    """Epoch seconds that only move when told to (``advance``/``set``)."""

    def __init__(self, start: float = 1_730_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move forward by ``seconds``."""
        self.now += seconds

    def set(self, epoch: float) -> None:
        """Jump to ``epoch``."""
        self.now = epoch
