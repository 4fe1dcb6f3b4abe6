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


@attrs.define
class Counters:
    """The mutable counters behind :class:`Stats`, shared by one client's transports."""

    requests: int = 0
    cache_hits: int = 0
    coalesced: int = 0
    waits: int = 0
    wait_time: float = 0.0
    rate_limited: int = 0
    retries: int = 0
    challenges: int = 0
    bans: int = 0

    def snapshot(self) -> Stats:
        return Stats(**attrs.asdict(self))
