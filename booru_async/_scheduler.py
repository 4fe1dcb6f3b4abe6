"""The local scheduler: waiters, priorities and cancellation around the bucket maths.

Every request passes two buckets: its endpoint group's and the site-wide gate (either may
be absent from a profile). Waiters queue per host in ``(priority, arrival)`` order; on each
change (a new waiter, an answer, a cancellation, a timer) :meth:`LocalScheduler._dispatch`
grants every waiter whose buckets allow it, highest priority first, so an interactive call
never waits behind queued bulk calls. There is no background task: the waiter that can be
served soonest sleeps until then and dispatches; the others sleep until woken. Works on
asyncio and trio (anyio), and with trio's ``MockClock`` for virtual-time tests.
"""

from __future__ import annotations

import bisect
import logging
import random
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from itertools import count
from typing import Any, Protocol

import anyio
import attrs

from ._errors import BAN_PERIOD, CHALLENGE_PAUSE, Blocked, RateLimited
from ._headers import RateHeaders, ServerClock, parse_http_date, parse_rate_headers
from ._options import Priority, rank
from ._ratelimit import INF, Bucket, SiteGuard, backoff
from ._sites import Site
from ._verdict import Verdict

__all__ = ["LocalScheduler", "Scheduler", "Ticket"]

log = logging.getLogger("booru_async.scheduler")

#: Spacing added to every window, as a fraction of it: latency jitter between our grant and
#: the server's count must not squeeze two windows into one on the server.
MARGIN = 0.02
#: The budget of CDN downloads when a profile names none: a polite ten files a second,
#: apart from the API's budgets.
CDN_BUDGET = (10, 1.0)
#: 429 without any wait hint: exponential backoff from this base, up to the cap.
BACKOFF_BASE = 1.0
BACKOFF_CAP = 60.0
#: R8: the longest wait the server may impose before a call raises ``ba.RateLimited``
#: instead of parking (the ban period: a longer wait means something is badly wrong).
MAX_PAUSE = BAN_PERIOD


@attrs.define(eq=False)
class _Waiter:
    key: tuple[int, int]
    buckets: tuple[Bucket, ...]
    priority: Priority
    max_pause: float
    #: When ``max_wait`` runs out (INF: never). Checked for every waiter, not only the
    #: first: a pause that arrives after it queued may push its grant past the deadline.
    deadline: float = INF
    max_wait: float | None = None
    event: anyio.Event = attrs.field(factory=anyio.Event)
    granted_at: float | None = None
    #: Set instead of a grant when the server imposed a wait beyond ``max_pause`` (R8).
    error: RateLimited | None = None

    def __lt__(self, other: _Waiter) -> bool:
        return self.key < other.key


@attrs.define(eq=False)
class Ticket:
    """A granted slot; hand it back with :meth:`LocalScheduler.settle` or ``refund``."""

    host: str
    group_bucket: Bucket | None
    site_bucket: Bucket | None
    granted_at: float

    @property
    def buckets(self) -> tuple[Bucket, ...]:
        return tuple(b for b in (self.group_bucket, self.site_bucket) if b is not None)


@attrs.define(eq=False)
class _Host:
    site: Site
    guard: SiteGuard
    clock: ServerClock = attrs.field(factory=ServerClock)
    buckets: dict[str, Bucket] = attrs.field(factory=dict)
    waiters: list[_Waiter] = attrs.field(factory=list)
    sleeper: _Waiter | None = None
    wake_at: float = INF


class Scheduler(Protocol):
    """What the transport stack needs of a scheduler (:class:`LocalScheduler`, or one that
    shares its buckets between processes)."""

    async def acquire(
        self,
        site: Site,
        group: str,
        *,
        priority: Priority = "normal",
        max_wait: float | None = None,
        max_pause: float | None = None,
    ) -> object:
        """Wait for a slot; the ticket goes back through :meth:`settle` or :meth:`refund`."""
        ...

    def settle(self, ticket: Any, verdict: Verdict | None) -> None:
        """Learn from the verdict on the answer to a granted request."""
        ...

    def refund(self, ticket: Any) -> None:
        """The granted request never reached the server."""
        ...

    def predicted_wait(self, site: Site, group: str, priority: Priority) -> float:
        """Seconds a new request of ``group`` would wait now."""
        ...

    def is_banned(self, site: Site) -> bool:
        """Whether nothing may be sent to ``site`` now."""
        ...


class LocalScheduler:
    """Token buckets per (host, endpoint group) plus a site-wide gate, in this process.

    ``clock`` returns monotonic seconds (default: anyio's, which trio's ``MockClock``
    virtualises); ``wall_clock`` returns epoch seconds (default :func:`time.time`; it only
    stands in for a server that sends no ``Date``); ``rng`` draws backoff jitter.

    ``max_pause`` (default 900 s, the ban period) is the longest wait a server may impose
    (a 429's ``Retry-After``, or an announced window with nothing left until its reset)
    before a call raises :class:`~booru_async.RateLimited` with ``retry_after`` instead of
    waiting; a crawler that will wait a day passes ``max_pause=86400``. The profile's own
    pacing of a long queue never raises (``max_wait`` bounds that).
    """

    def __init__(
        self,
        *,
        clock: Callable[[], float] | None = None,
        wall_clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
        margin: float = MARGIN,
        max_pause: float = MAX_PAUSE,
    ) -> None:
        if not max_pause > 0:
            raise ValueError("max_pause must be > 0 seconds")
        self._clock = clock or anyio.current_time
        self._wall_clock = wall_clock
        self._rng = rng or random.Random()
        self._margin = margin
        self.max_pause = max_pause
        self._hosts: dict[str, _Host] = {}
        self._seq = count()

    def __repr__(self) -> str:
        return f"<LocalScheduler hosts={sorted(self._hosts)}>"

    # -- buckets ----------------------------------------------------------------------------

    def _host(self, site: Site) -> _Host:
        host = self._hosts.get(site.host)
        if host is None:
            host = _Host(
                site=site,
                guard=SiteGuard(challenge_pause=CHALLENGE_PAUSE, ban_period=BAN_PERIOD),
            )
            self._hosts[site.host] = host
        return host

    def _bucket(self, host: _Host, group: str) -> Bucket | None:
        bucket = host.buckets.get(group)
        if bucket is None:
            budget = host.site.budgets.get(group)
            if budget is None and group == "cdn":
                budget = CDN_BUDGET
            if budget is None:
                return None
            requests, seconds = budget
            bucket = Bucket(requests, seconds, margin=self._margin)
            host.buckets[group] = bucket
        return bucket

    def _buckets_for(self, host: _Host, group: str) -> tuple[Bucket | None, Bucket | None]:
        if group == "cdn":
            # Files have their own budget and never spend the API's.
            return self._bucket(host, "cdn"), None
        site_bucket = self._bucket(host, "site")
        group_bucket = self._bucket(host, group) if group != "site" else None
        if group_bucket is None and site_bucket is None:
            # A group the profile does not know, on a site without a gate: take the
            # strictest budget the profile has rather than none at all.
            budgets: Mapping[str, tuple[int, float]] = host.site.budgets
            if budgets:
                strictest = min(budgets, key=lambda g: budgets[g][0] / budgets[g][1])
                group_bucket = self._bucket(host, strictest)
        return group_bucket, site_bucket

    # -- acquiring --------------------------------------------------------------------------

    def _blocked(self, host: _Host, now: float) -> Blocked:
        wait = host.guard.paused_until - now
        return Blocked(
            f"{host.site.name} banned this client; nothing is sent for {wait:.0f} s "
            "(any request would restart the ban)",
            reason="ban",
            retry_after=wait,
        )

    def _ready_at(
        self, host: _Host, buckets: tuple[Bucket, ...], prio: Priority, now: float
    ) -> float:
        at = host.guard.available_at(now)
        for bucket in buckets:
            at = max(at, bucket.available_at(now, prio))
        return at

    def predicted_wait(self, site: Site, group: str, priority: Priority) -> float:
        """The predicted wait for a new request of ``group`` to ``site``; for ``"cdn"``,
        the longest over the CDN hosts this scheduler has served for the site."""
        if group != "cdn":
            return self.estimate_wait(site, group, priority)
        hosts = [self._hosts.get(name) for name in (site.host, *site.cdn_hosts)]
        known = [h.site for h in hosts if h is not None]
        return max((self.estimate_wait(s, "cdn", priority) for s in known), default=0.0)

    def estimate_wait(self, site: Site, group: str, priority: Priority) -> float:
        """The predicted wait for a new request (0 when it would be sent at once)."""
        host = self._host(site)
        now = self._clock()
        group_bucket, site_bucket = self._buckets_for(host, group)
        buckets = tuple(b for b in (group_bucket, site_bucket) if b is not None)
        ready = self._ready_at(host, buckets, priority, now) - now
        ahead = sum(
            1
            for w in host.waiters
            if rank(w.priority) <= rank(priority) and any(b in w.buckets for b in buckets)
        )
        spacing = max((b.interval for b in buckets), default=0.0)
        return ready + ahead * spacing

    def _too_long(
        self, host: _Host, buckets: tuple[Bucket, ...], now: float, max_pause: float
    ) -> RateLimited | None:
        """R8: the server imposed a wait beyond ``max_pause``: raise rather than park."""
        hold = max((b.server_hold(now) for b in buckets), default=-INF) - now
        if hold <= max_pause:
            return None
        return RateLimited(
            f"{host.site.name} asked for a {hold:.0f} s wait, longer than max_pause "
            f"({max_pause:g} s); try again later or raise max_pause",
            retry_after=hold,
        )

    async def acquire(
        self,
        site: Site,
        group: str,
        *,
        priority: Priority = "normal",
        max_wait: float | None = None,
        max_pause: float | None = None,
    ) -> Ticket:
        """Wait for a slot. Raises :class:`Blocked` during a ban, and :class:`RateLimited`
        at once when the predicted wait exceeds ``max_wait`` or when the server imposed a
        wait longer than ``max_pause`` (default: the scheduler's, 900 s), also while queued."""
        host = self._host(site)
        now = self._clock()
        if host.guard.banned(now):
            raise self._blocked(host, now)
        group_bucket, site_bucket = self._buckets_for(host, group)
        buckets = tuple(b for b in (group_bucket, site_bucket) if b is not None)
        ceiling = self.max_pause if max_pause is None else max_pause
        too_long = self._too_long(host, buckets, now, ceiling)
        if too_long is not None:
            raise too_long
        if max_wait is not None:
            predicted = self.estimate_wait(site, group, priority)
            if predicted > max_wait:
                raise RateLimited(
                    f"the {group!r} budget of {site.name} needs {predicted:.1f} s "
                    f"(max_wait is {max_wait:g} s)",
                    retry_after=predicted,
                )
        waiter = _Waiter(
            key=(rank(priority), next(self._seq)),
            buckets=buckets,
            priority=priority,
            max_pause=ceiling,
            deadline=INF if max_wait is None else now + max_wait,
            max_wait=max_wait,
        )
        bisect.insort(host.waiters, waiter)
        self._dispatch(host)
        try:
            while waiter.granted_at is None:
                if waiter.error is not None:
                    raise waiter.error
                now = self._clock()
                timeout = host.wake_at - now if host.sleeper is waiter else INF
                timeout = min(timeout, waiter.deadline - now)
                with anyio.move_on_after(max(timeout, 0.0)):
                    await waiter.event.wait()
                if waiter.granted_at is None and waiter.error is None:
                    waiter.event = anyio.Event()
                    if host.guard.banned(self._clock()):
                        raise self._blocked(host, self._clock())
                    self._dispatch(host)
        except BaseException:
            self._forget(host, waiter)
            raise
        return Ticket(
            host=site.host,
            group_bucket=group_bucket,
            site_bucket=site_bucket,
            granted_at=waiter.granted_at,
        )

    def _forget(self, host: _Host, waiter: _Waiter) -> None:
        """A waiter left (cancelled or failed): give back anything it was granted."""
        if waiter.granted_at is not None:
            for bucket in waiter.buckets:
                bucket.refund(waiter.granted_at)
        else:
            index = bisect.bisect_left(host.waiters, waiter)
            if index < len(host.waiters) and host.waiters[index] is waiter:
                del host.waiters[index]
        if host.sleeper is waiter:
            host.sleeper = None
        self._dispatch(host)

    def _dispatch(self, host: _Host) -> None:
        now = self._clock()
        banned = host.guard.banned(now)
        soonest, sleeper = INF, None
        still: list[_Waiter] = []
        for waiter in host.waiters:
            if banned:
                waiter.event.set()  # it raises Blocked
                still.append(waiter)
                continue
            at = self._ready_at(host, waiter.buckets, waiter.priority, now)
            if at <= now:
                for bucket in waiter.buckets:
                    bucket.grant(now, waiter.priority)
                waiter.granted_at = now
                waiter.event.set()
                continue
            too_long = self._too_long(host, waiter.buckets, now, waiter.max_pause)
            if too_long is None and at > waiter.deadline:
                too_long = RateLimited(
                    f"{host.site.name} needs {at - now:.1f} s more for this request, past "
                    f"its max_wait ({waiter.max_wait:g} s)",
                    retry_after=at - now,
                )
            if too_long is not None:
                waiter.error = too_long  # R8: it raises instead of parking
                waiter.event.set()
                continue
            still.append(waiter)
            if at < soonest:
                soonest, sleeper = at, waiter
        host.waiters = still
        earlier = soonest < host.wake_at
        host.wake_at = soonest
        if sleeper is not None and (sleeper is not host.sleeper or earlier):
            # Wake it so it sleeps with the right timeout: it is a new sleeper, or an answer
            # brought the moment forward (a reset read from the server replaced a provisional
            # one), and it must not sleep on toward the old one.
            sleeper.event.set()
        host.sleeper = sleeper

    # -- answers ----------------------------------------------------------------------------

    def refund(self, ticket: Ticket) -> None:
        """The request never reached the server (connect error, cancelled before sending)."""
        for bucket in ticket.buckets:
            bucket.refund(ticket.granted_at)
        self._dispatch(self._hosts[ticket.host])

    def _hints(self, host: _Host, headers: Mapping[str, str], now: float) -> RateHeaders:
        """The answer's rate-limit headers, with times on the server's clock (R9)."""
        date = parse_http_date(headers.get("date"))
        host.clock.observe(date.timestamp() if date is not None else None, mono=now)
        server_now = datetime.fromtimestamp(
            host.clock.now(mono=now, wall=self._wall_clock()), UTC
        )
        return parse_rate_headers(headers, local_now=server_now, server_now=server_now)

    def settle(self, ticket: Ticket, verdict: Verdict | None) -> None:
        """Learn from the verdict on an answer (``None``: no answer, e.g. a timeout)."""
        host = self._hosts[ticket.host]
        now = self._clock()
        if verdict is None:
            for bucket in ticket.buckets:
                bucket.done(now)
            self._dispatch(host)
            return
        # Read again on this host's server clock (R9), not the answer's own Date alone.
        hints: RateHeaders | None = self._hints(host, verdict.headers, now)
        has_rl = hints is not None and (
            hints.limit is not None or hints.remaining is not None or hints.reset_after is not None
        )
        limited = verdict.kind == "rate_limited"
        # A 429 with X-RL headers is the group's; without them it is the site's (the
        # reference proxy limits per IP, whatever the route).
        target: Bucket | None
        if has_rl and ticket.group_bucket is not None:
            target = ticket.group_bucket
        else:
            target = ticket.site_bucket or ticket.group_bucket
        for bucket in ticket.buckets:
            bucket.observe(
                now,
                ticket.granted_at,
                hints if bucket is ticket.group_bucket or ticket.group_bucket is None else None,
                rate_limited=limited and bucket is target,
            )
        if limited and target is not None:
            wait = hints.wait if hints is not None else None
            if wait is None:
                wait = backoff(
                    target.consecutive_429 - 1, base=BACKOFF_BASE, cap=BACKOFF_CAP, rng=self._rng
                )
            new_pause = ticket.granted_at >= target.paused_at
            target.on_rate_limited(
                now, ticket.granted_at, teach=hints is None or hints.limit is None
            )
            target.pause(now, wait, ticket.granted_at)
            if new_pause:
                log.warning("%s answered 429; pausing for %.1f s", host.site.name, wait)
        if verdict.kind == "challenge":
            host.guard.challenge(now)
            log.warning("%s sent its anti-bot challenge; pausing the site", host.site.name)
        elif verdict.kind == "empty_500" and host.guard.recently_challenged(now):
            host.guard.ban(now)
            log.error("%s banned this client (empty 500 after a challenge)", host.site.name)
        self._dispatch(host)

    def is_banned(self, site: Site) -> bool:
        """Whether the site has banned this client (nothing may be sent now)."""
        host = self._hosts.get(site.host)
        return host is not None and host.guard.banned(self._clock())
