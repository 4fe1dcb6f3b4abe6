"""``client.stats``: cheap counters of what the transport stack did."""

from __future__ import annotations

import attrs

__all__ = ["Counters", "Stats"]


@attrs.frozen(kw_only=True)
class Stats:
    """A snapshot of one client's counters (a bot can show it; it never holds the key)."""

    #: Requests that reached the network (every attempt, retries included).
    requests: int = 0
    #: Answers served from the cache without a network request.
    cache_hits: int = 0
    #: Requests that joined an identical request already in flight.
    coalesced: int = 0
    #: Requests that had to wait for the rate limit, and the seconds they waited in total.
    waits: int = 0
    wait_time: float = 0.0
    #: 429 answers received.
    rate_limited: int = 0
    #: Attempts repeated after a 429 or a transient failure.
    retries: int = 0
    #: Anti-bot challenges (501) and bans (empty 500 after a challenge) met.
    challenges: int = 0
    bans: int = 0
    #: List items that did not decode and were skipped (each is in its pager's ``skipped``).
    skipped: int = 0


class Counters:
    """The live counters behind :class:`Stats`, shared by one client's transports.

    Kept as a frozen :class:`Stats` that each event replaces, so the field list lives in one
    place and a reader always gets a consistent snapshot for free.
    """

    __slots__ = ("_stats",)

    def __init__(self) -> None:
        self._stats = Stats()

    def __repr__(self) -> str:
        return f"<Counters {self._stats!r}>"

    def add(self, **amounts: float) -> None:
        """Add to counters by name: ``counters.add(requests=1, wait_time=0.2)``."""
        current = self._stats
        self._stats = attrs.evolve(
            current, **{name: getattr(current, name) + amount for name, amount in amounts.items()}
        )

    def snapshot(self) -> Stats:
        return self._stats
