"""``ba.RedisScheduler``: one rate budget shared by every process, through Redis.

The bucket state of each (site host, endpoint group) lives in Redis and every grant is
decided by a Lua script on the Redis server's clock (see :mod:`._redis_lua`): the sliding
log of the profile's budget, the server's announced window (``X-RL``, ``X-RL-Remaining``,
``X-RL-Reset``), 429 pauses with one probe, the challenge/ban breaker and the waiters of
every process by priority. A process that starts later (or restarts) reads the same state,
so it sends nothing into a window the others already spent, and learns of a running ban.

In each process the waiters of one (host, group) queue locally by ``(priority, arrival)``;
only the head asks Redis, and sleeps for exactly the wait the script answered (a local
answer or cancellation wakes it sooner). So N tasks cost one round trip per grant, with
no busy loop.

When Redis cannot be reached (a lost connection or timeout, or a server error that means
it cannot serve writes now: OOM, READONLY, MISCONF, LOADING, BUSY, ...) the scheduler never
sends unthrottled: it logs one WARNING and falls back to a local sliding log holding
``limit // processes`` of each budget, where ``limit`` per window is the smaller (as a
rate) of the profile's budget and the last ``X-RL`` limit the server announced for that
bucket (with the window Redis learnt for it, else the profile's), and ``processes`` is the
larger of the constructor's ``processes`` and the number of live processes Redis last
reported. The fallback starts as if its first window were spent (the shared window may
be). It tries Redis again every ``retry_interval`` seconds; on return it reports what the
answers it could not send would have told: the grants it made in the last window (a
restarted Redis lost them), the tickets settled meanwhile (else they count as in flight
for the lease), 429 pauses and the challenge/ban breaker; then every process holds its
grants for ``rejoin_grace`` seconds so the others report theirs too.

redis-py's asyncio client runs on asyncio only; under trio :meth:`RedisScheduler.acquire`
raises ``RuntimeError`` (use :class:`LocalScheduler` there).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import math
import random
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import anyio
import anyio.lowlevel
import attrs

from . import _redis_lua as lua
from ._errors import BAN_PERIOD, CHALLENGE_PAUSE, Blocked, RateLimited
from ._headers import parse_http_date, parse_rate_headers
from ._options import Priority, rank
from ._ratelimit import SiteGuard
from ._redis import redis_errors as _redis_errors
from ._redis import require_asyncio, require_redis
from ._redis import safe_url as _safe_url
from ._redis import unreachable as _unreachable
from ._scheduler import BACKOFF_BASE, BACKOFF_CAP, CDN_BUDGET, MARGIN
from ._sites import Site
from ._verdict import Verdict

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from ._scheduler import Scheduler

__all__ = ["RedisScheduler", "RedisTicket"]

log = logging.getLogger("booru_async.scheduler")

#: Longest a server-imposed pause (429 ``Retry-After``/``X-RL-Reset``) may park a call;
#: beyond it the call raises ``ba.RateLimited`` (a crawler that wants to wait says so).
MAX_PAUSE = 15 * 60.0
#: Seconds a granted ticket counts as in flight if its process never reports back.
LEASE = 120.0
#: A wait the script cannot bound (a probe in flight elsewhere) is re-asked this often.
PROBE_POLL = 0.25
#: Waits that nobody in the queue can beat (unlike a poll, or room left for a priority).
_HARD_WAITS = frozenset({"pause", "reset", "budget", "guard", "rejoin"})


@attrs.frozen
class _Spec:
    """One bucket a request passes: its group name and the profile's budget."""

    name: str
    limit: int
    window: float


@attrs.define(eq=False)
class RedisTicket:
    """A granted slot; hand it back with :meth:`RedisScheduler.settle` or ``refund``."""

    host: str
    specs: tuple[_Spec, ...]
    group_index: int  # 1-based index of the group's own bucket in specs, 0 if none
    ticket_id: str
    granted_at: float
    via_redis: bool


@attrs.define(eq=False)
class _Waiter:
    key: tuple[int, int]
    priority: Priority
    waiter_id: str
    deadline: float = math.inf  # max_wait runs out (local clock)
    event: anyio.Event = attrs.field(factory=anyio.Event)

    def __lt__(self, other: _Waiter) -> bool:
        return self.key < other.key


@attrs.define(eq=False)
class _Queue:
    waiters: list[_Waiter] = attrs.field(factory=list)
    ready_at: float = 0.0  # local time the head was told it may ask again
    #: No waiter of this queue is granted before this (the head's last wait was a hard
    #: one: a pause, a reset, the budget, the guard), so a deadline before it is missed.
    not_before: float = 0.0
    interval: float = 0.0


class _LocalBucket:
    """The fallback while Redis is away: a sliding log of ``limit`` grants per window."""

    def __init__(self, limit: int, window: float, margin: float, now: float) -> None:
        self.limit = limit
        self.span = window * (1 + margin)
        self.margin = margin
        # The shared window may be spent: start as if this share of it were.
        self.log: deque[float] = deque([now] * limit, maxlen=limit)
        self.paused_until = -math.inf

    def resize(self, limit: int, window: float) -> None:
        """A new share (an announced limit arrived): keep the latest grants."""
        if (limit, window * (1 + self.margin)) != (self.limit, self.span):
            self.limit = limit
            self.span = window * (1 + self.margin)
            self.log = deque(self.log, maxlen=limit)

    def ready_at(self, now: float) -> float:
        at = max(now, self.paused_until)
        if len(self.log) >= self.limit:
            at = max(at, self.log[0] + self.span)
        return at


@attrs.define(eq=False)
class _HostState:
    guard: SiteGuard
    fallback: dict[str, _LocalBucket] = attrs.field(factory=dict)
    #: The last X-RL limit and window per bucket (the window Redis learnt, else the
    #: profile's): the fallback's share never exceeds the server's own limit.
    announced: dict[str, tuple[int, float]] = attrs.field(factory=dict)
    #: What the settles that never reached Redis would have told it, replayed on rejoin:
    #: 429 pauses (bucket -> local end) and tickets no longer in flight (id, buckets).
    pauses: dict[str, float] = attrs.field(factory=dict)
    orphans: list[tuple[str, tuple[str, ...]]] = attrs.field(factory=list)


@attrs.define
class _Answer:
    kind: str  # ok | wait | ban | long
    wait: float = 0.0
    reason: str = ""
    at: float = 0.0  # local time of a grant (the fallback's log holds exactly this)
    via_redis: bool = True


class RedisScheduler:
    """Rate buckets shared by every process that points at the same Redis.

    ``url`` is a redis-py URL (``redis://host:6379/0``, ``rediss://...``, ``unix://...``);
    ``prefix`` namespaces the keys (one fleet per prefix). ``processes`` is the least number
    of processes assumed to share a budget while Redis is unreachable (each then keeps
    ``limit // processes`` of it; see the module notes). ``max_pause`` is the longest
    server-imposed wait a call sits out before raising ``ba.RateLimited``.

    Runs on asyncio only (redis-py). Use ``async with`` or :meth:`aclose` to flush the last
    answers to Redis and close the connection.
    """

    def __init__(
        self,
        url: str = "redis://localhost:6379/0",
        *,
        prefix: str = "booru",
        processes: int = 1,
        max_pause: float = MAX_PAUSE,
        margin: float = MARGIN,
        lease: float = LEASE,
        retry_interval: float = 0.5,
        rejoin_grace: float = 1.0,
        socket_timeout: float = 2.0,
        clock: Callable[[], float] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        require_redis()
        if processes < 1:
            raise ValueError("processes must be >= 1")
        if max_pause <= 0:
            raise ValueError("max_pause must be > 0 seconds")
        self.url = url
        self.prefix = prefix
        self.processes = processes
        self.max_pause = max_pause
        self._margin = margin
        self._lease = lease
        self._retry_interval = retry_interval
        self._rejoin_grace = rejoin_grace
        self._socket_timeout = socket_timeout
        self._clock = clock or anyio.current_time
        self._rng = rng or random.Random()
        self._proc = uuid.uuid4().hex[:12]
        self._seq = itertools.count()
        self._client: Redis | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._scripts: dict[str, Any] = {}
        self._queues: dict[tuple[str, str], _Queue] = {}
        self._hosts: dict[str, _HostState] = {}
        self._history: dict[tuple[str, str], deque[tuple[str, float]]] = {}
        self._seen: dict[tuple[str, str], _Spec] = {}
        self._pending: set[asyncio.Task[None]] = set()
        self._down = False
        self._retry_at = 0.0
        self._procs_seen = 1
        #: The epoch of each host's state in Redis, as this process last saw it.
        self._epochs: dict[str, str] = {}

    def __repr__(self) -> str:
        state = "fallback" if self._down else "shared"
        return f"<RedisScheduler {_safe_url(self.url)} prefix={self.prefix!r} {state}>"

    async def __aenter__(self) -> RedisScheduler:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    @property
    def degraded(self) -> bool:
        """True while Redis is unreachable and the local fallback share is in force."""
        return self._down

    async def aclose(self) -> None:
        """Send the answers still queued for Redis and close the connection."""
        await self.flush()
        if self._client is not None:
            with contextlib.suppress(*_redis_errors(), RuntimeError):
                await self._client.aclose()
            self._client = None

    async def flush(self) -> None:
        """Wait until every answer reported so far has reached Redis (or failed to)."""
        while self._pending:
            await asyncio.gather(*list(self._pending), return_exceptions=True)

    # -- plumbing -----------------------------------------------------------------------------

    def _redis(self) -> Redis:
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            aioredis = require_redis()
            from redis.asyncio.retry import Retry
            from redis.backoff import NoBackoff

            # No client-side retries: an unreachable Redis must switch to the fallback
            # at once, not after redis-py's own backoff.
            self._client = aioredis.Redis.from_url(
                self.url,
                socket_timeout=self._socket_timeout,
                socket_connect_timeout=self._socket_timeout,
                retry=Retry(NoBackoff(), 0),
                decode_responses=True,
            )
            self._loop = loop
            self._scripts = {}
        assert self._client is not None
        return self._client

    def _script(self, name: str, source: str) -> Any:
        client = self._redis()
        script = self._scripts.get(name)
        if script is None:
            script = client.register_script(source)
            self._scripts[name] = script
        return script

    def _key(self, host: str, *parts: str) -> str:
        return ":".join((self.prefix, "{" + host + "}", *parts))

    def _bucket_keys(self, host: str, spec: _Spec) -> tuple[str, str, str, str]:
        base = self._key(host, "b", spec.name)
        return base, base + ":log", base + ":fl", base + ":q"

    @staticmethod
    def _host_of(site: Site) -> str:
        parts = urlsplit(site.base_url)
        return parts.netloc.rpartition("@")[2] or site.host

    def _host(self, host: str) -> _HostState:
        state = self._hosts.get(host)
        if state is None:
            state = _HostState(SiteGuard(challenge_pause=CHALLENGE_PAUSE, ban_period=BAN_PERIOD))
            self._hosts[host] = state
        return state

    def _specs(self, site: Site, group: str) -> tuple[tuple[_Spec, ...], int]:
        """The buckets of ``group`` (the same choice as :class:`LocalScheduler`) and the
        1-based index of the group's own bucket (0 if it has none)."""
        budgets: Mapping[str, tuple[int, float]] = site.budgets

        def spec(name: str) -> _Spec | None:
            budget = budgets.get(name)
            if budget is None and name == "cdn":
                budget = CDN_BUDGET
            return None if budget is None else _Spec(name, budget[0], float(budget[1]))

        if group == "cdn":
            cdn = spec("cdn")
            return ((cdn,), 1) if cdn else ((), 0)
        own = spec(group) if group != "site" else None
        gate = spec("site")
        if own is None and gate is None and budgets:
            strictest = min(budgets, key=lambda g: budgets[g][0] / budgets[g][1])
            own = spec(strictest)
        specs = tuple(s for s in (own, gate) if s is not None)
        return specs, (1 if own is not None else 0)

    @staticmethod
    def _check_backend() -> None:
        require_asyncio("RedisScheduler", "LocalScheduler")

    # -- Redis availability ---------------------------------------------------------------------

    def _went_down(self, exc: BaseException) -> None:
        self._retry_at = self._clock() + self._retry_interval
        if not self._down:
            self._down = True
            # A server error (OOM, READONLY, ...) says why: keep its first words.
            why = type(exc).__name__
            if not isinstance(exc, _redis_errors()):
                why = f"{why}: {str(exc)[:80]}"
            log.warning(
                "Redis at %s is unreachable (%s); each process now keeps 1/%d of every "
                "budget locally until it returns",
                _safe_url(self.url),
                why,
                max(self.processes, self._procs_seen),
            )

    async def _rejoin(self) -> None:
        """Back from the fallback: report this process's recent grants, the tickets it
        settled meanwhile, the pauses and the guard it learnt, and hold grants for the
        grace period."""
        now = self._clock()
        for host in sorted(set(self._hosts) | {h for h, _ in self._history}):
            state = self._host(host)
            names = {n for h, n in self._history if h == host} | set(state.pauses)
            names |= {n for _, ticket_names in state.orphans for n in ticket_names}
            guard = state.guard
            guard_left = guard.paused_until - now
            chal_ago = now - guard.challenged_at
            keys = [self._key(host, "rejoin"), self._key(host, "guard")]
            args: list[Any] = [
                self._rejoin_grace,
                len(names),
                f"{guard_left:.6f}" if guard_left > 0 else "",
                guard.reason or "challenge",
                f"{chal_ago:.6f}" if chal_ago <= guard.BAN_WINDOW else "",
                guard.BAN_WINDOW,
            ]
            for name in sorted(names):
                spec = self._seen[(host, name)]
                keys.extend(self._bucket_keys(host, spec)[:3])
                span = spec.window * (1 + self._margin)
                grants = self._history.get((host, name), ())
                recent = [(t, now - at) for t, at in grants if now - at <= span]
                pause = state.pauses.get(name, -math.inf) - now
                settled = [t for t, ticket_names in state.orphans if name in ticket_names]
                args.extend((spec.limit, spec.window, self._margin))
                args.append(f"{pause:.6f}" if pause > 0 else "")
                args.append(len(recent))
                for ticket, age in recent:
                    args.extend((ticket, f"{age:.6f}"))
                args.append(len(settled))
                args.extend(settled)
            await self._script("rejoin", lua.REJOIN)(keys=keys, args=args)
            state.pauses.clear()
            state.orphans.clear()

    def _rejoined(self) -> None:
        """The first grant script after :meth:`_rejoin` answered: drop the fallback. (Not
        before: a Redis that answers one script and refuses the next, e.g. out of memory,
        would reset the fallback's spent window on every retry.)"""
        for state in self._hosts.values():
            state.fallback.clear()
        self._down = False
        log.info("Redis at %s is back; budgets are shared again", _safe_url(self.url))

    def _record(self, host: str, specs: tuple[_Spec, ...], ticket: str, now: float) -> None:
        for spec in specs:
            grants = self._history.setdefault((host, spec.name), deque())
            self._seen[(host, spec.name)] = spec
            grants.append((ticket, now))
            span = spec.window * (1 + self._margin)
            while grants and now - grants[0][1] > span:
                grants.popleft()

    # -- asking ------------------------------------------------------------------------------

    async def _ask(
        self,
        mode: str,
        host: str,
        specs: tuple[_Spec, ...],
        waiter: _Waiter,
        ticket: str,
        max_wait: float | None,
    ) -> _Answer:
        if not self._down or self._clock() >= self._retry_at:
            await self.flush()
            keys = [self._key(host, "guard"), self._key(host, "rejoin"), self._key(host, "procs")]
            args: list[Any] = [
                mode,
                len(specs),
                rank(waiter.priority),
                waiter.waiter_id,
                ticket,
                self._lease,
                self._proc,
                "" if max_wait is None else repr(max_wait),  # "": no limit
            ]
            for spec in specs:
                keys.extend(self._bucket_keys(host, spec))
                args.extend((spec.limit, spec.window, self._margin))
            keys.append(self._key(host, "epoch"))
            try:
                if self._down:
                    await self._rejoin()
                script = self._script("acquire", lua.ACQUIRE)
                known = self._epochs.get(host, "")
                reply = await script(keys=keys, args=[*args, known, uuid.uuid4().hex])
                if reply[0] == "epoch":
                    # Redis restarted (or was flushed) while this process did not look:
                    # its logs are gone. Report ours and hold grants for the grace, as
                    # after an outage we saw, then ask again on the new state.
                    log.warning(
                        "Redis at %s lost its state (restarted?); reporting this process's "
                        "grants of the last window",
                        _safe_url(self.url),
                    )
                    self._epochs[host] = str(reply[-1])
                    await self._rejoin()
                    reply = await script(keys=keys, args=[*args, reply[-1], uuid.uuid4().hex])
                self._epochs[host] = str(reply[-1])
            except Exception as exc:
                if not _unreachable(exc):
                    raise
                self._went_down(exc)
            else:
                if self._down:
                    self._rejoined()
                return self._read(host, reply)
        return self._fallback(mode, host, specs, ticket, max_wait)

    def _read(self, host: str, reply: list[Any]) -> _Answer:
        kind = str(reply[0])
        self._procs_seen = max(1, int(reply[2]))
        state = self._host(host)
        now = self._clock()
        if kind == "ok":
            ago = float(reply[3])
            if ago < state.guard.BAN_WINDOW:
                state.guard.challenged_at = max(state.guard.challenged_at, now - ago)
            return _Answer("ok", at=now, via_redis=True)
        wait = float(reply[1])
        if kind == "ban":
            state.guard.ban(now)
            state.guard.paused_until = now + wait
            return _Answer("ban", wait)
        reason = str(reply[3])
        if reason == "probe":
            # The probe's lease end bounds the wait; its answer normally comes far sooner
            # (and is not announced to this process): ask again after a poll interval.
            wait = min(wait, PROBE_POLL)
        return _Answer(kind, wait, reason)

    def _fallback(
        self,
        mode: str,
        host: str,
        specs: tuple[_Spec, ...],
        ticket: str,
        max_wait: float | None,
    ) -> _Answer:
        state = self._host(host)
        now = self._clock()
        if state.guard.banned(now):
            return _Answer("ban", state.guard.paused_until - now)
        share = max(self.processes, self._procs_seen)
        at = state.guard.available_at(now)
        buckets = []
        for spec in specs:
            # min(profile, announced) / processes: a server that announced less than the
            # profile holds the fallback to its own limit.
            limit, window = spec.limit, spec.window
            announced = state.announced.get(spec.name)
            if announced is not None and announced[0] / announced[1] < limit / window:
                limit, window = announced
            bucket = state.fallback.get(spec.name)
            if bucket is None:
                bucket = _LocalBucket(max(1, limit // share), window, self._margin, now)
                state.fallback[spec.name] = bucket
            else:
                bucket.resize(max(1, limit // share), window)
            bucket.paused_until = max(bucket.paused_until, state.pauses.get(spec.name, -math.inf))
            buckets.append(bucket)
            at = max(at, bucket.ready_at(now))
        if at > now:
            if max_wait is not None and at - now > max_wait:
                return _Answer("long", at - now, "fallback")
            # Ask Redis again soon: it may be back.
            return _Answer("wait", min(at - now, self._retry_interval), "fallback")
        if mode == "grant":
            for bucket in buckets:
                bucket.log.append(now)
        return _Answer("ok", at=now, via_redis=False)

    # -- the public protocol -----------------------------------------------------------------

    def _interval(self, specs: tuple[_Spec, ...]) -> float:
        return max(
            (s.window * (1 + self._margin) / s.limit for s in specs), default=0.0
        )

    def predicted_wait(self, site: Site, group: str, priority: Priority) -> float:
        """The predicted wait for a new request of ``group``, from the last answer Redis
        gave this process (no round trip; 0 when nothing is known to hold it)."""
        return self.estimate_wait(site, group, priority)

    def estimate_wait(self, site: Site, group: str, priority: Priority) -> float:
        """Like :meth:`predicted_wait`: local knowledge only, so cheap."""
        host = self._host_of(site)
        now = self._clock()
        state = self._hosts.get(host)
        if state is not None and state.guard.paused_until > now:
            return state.guard.paused_until - now
        queue = self._queues.get((host, group))
        if queue is None:
            return 0.0
        ahead = sum(1 for w in queue.waiters if rank(w.priority) <= rank(priority))
        return max(0.0, queue.ready_at - now) + ahead * queue.interval

    def is_banned(self, site: Site) -> bool:
        """Whether the site has banned this client, as far as this process knows."""
        state = self._hosts.get(self._host_of(site))
        return state is not None and state.guard.banned(self._clock())

    def _blocked(self, site: Site, wait: float) -> Blocked:
        return Blocked(
            f"{site.name} banned this client; nothing is sent for {wait:.0f} s "
            "(any request would restart the ban)",
            status_code=500,
            reason="ban",
            retry_after=wait,
        )

    async def acquire(
        self,
        site: Site,
        group: str,
        *,
        priority: Priority = "normal",
        max_wait: float | None = None,
        max_pause: float | None = None,
    ) -> RedisTicket:
        """Wait for a slot in the shared budget. Raises :class:`Blocked` during a ban (in
        any process) and :class:`RateLimited` at once when the predicted wait exceeds
        ``max_wait``, or when the server imposed a pause longer than ``max_pause``."""
        self._check_backend()
        host = self._host_of(site)
        specs, group_index = self._specs(site, group)
        state = self._host(host)
        now = self._clock()
        if state.guard.banned(now):
            if self._down:
                # A ban seen during an outage: the ask rejoins (when due), which tells the
                # other processes; it grants nothing.
                probe = _Waiter(key=(0, 0), priority=priority, waiter_id="")
                await self._ask("peek", host, specs, probe, "", None)
            raise self._blocked(site, state.guard.paused_until - now)
        queue = self._queues.setdefault((host, group), _Queue())
        queue.interval = self._interval(specs)
        # Every waiter, wherever it stands in the queue, gives up at its deadline.
        deadline = math.inf if max_wait is None else now + max_wait
        waiter = _Waiter(
            key=(rank(priority), next(self._seq)),
            priority=priority,
            waiter_id=f"{self._proc}.{next(self._seq)}",
            deadline=deadline,
        )
        if max_wait is not None:
            answer = await self._ask("peek", host, specs, waiter, "", max_wait)
            if answer.kind == "ban":
                raise self._blocked(site, answer.wait)
            ahead = sum(1 for w in queue.waiters if rank(w.priority) <= rank(priority))
            predicted = answer.wait + ahead * queue.interval
            if answer.kind == "long" or predicted > max_wait:
                raise self._too_long(site, group, predicted, max_wait)
        queue.waiters.append(waiter)
        queue.waiters.sort()
        if queue.waiters[0] is waiter and len(queue.waiters) > 1:
            queue.waiters[1].event.set()  # displaced head: let it go back to waiting
        ticket: RedisTicket | None = None
        try:
            while True:
                now = self._clock()
                if queue.waiters[0] is not waiter:
                    if now >= deadline or queue.not_before > deadline:
                        raise self._too_long(
                            site,
                            group,
                            self._queued_wait(queue, waiter, now),
                            max_wait or 0.0,
                            waited=now - (deadline - (max_wait or 0.0)),
                        )
                    with anyio.move_on_after(deadline - now):
                        await waiter.event.wait()
                    waiter.event = anyio.Event()
                    continue
                ticket_id = uuid.uuid4().hex
                # 0 or less left: the script grants only what is free now, else "long".
                left = None if max_wait is None else max(0.0, deadline - now)
                answer = await self._grant(host, specs, group_index, waiter, ticket_id, left)
                now = self._clock()
                if answer.kind == "ok":
                    ticket = RedisTicket(
                        host, specs, group_index, ticket_id, answer.at, answer.via_redis
                    )
                    self._record(host, specs, ticket_id, answer.at)
                    queue.ready_at = queue.not_before = now
                    await anyio.lowlevel.checkpoint()  # a cancellation now refunds it
                    return ticket
                if answer.kind == "ban":
                    raise self._blocked(site, answer.wait)
                if answer.kind == "long":
                    raise self._too_long(
                        site,
                        group,
                        answer.wait,
                        max_wait or 0.0,
                        waited=now - (deadline - (max_wait or 0.0)),
                    )
                ceiling = self.max_pause if max_pause is None else max_pause
                if answer.reason in ("pause", "reset") and answer.wait > ceiling:
                    raise RateLimited(
                        f"{site.name} asked for a pause of {answer.wait:.0f} s, longer "
                        f"than max_pause ({ceiling:g} s)",
                        retry_after=answer.wait,
                    )
                queue.ready_at = now + answer.wait
                if answer.reason in _HARD_WAITS:
                    queue.not_before = queue.ready_at
                    for other in queue.waiters[1:]:
                        if other.deadline < queue.not_before:
                            other.event.set()  # it cannot make its max_wait: it raises now
                with anyio.move_on_after(min(answer.wait, deadline - now)):
                    await waiter.event.wait()
                waiter.event = anyio.Event()
        except BaseException:
            if ticket is not None:
                self.refund(ticket)
            else:
                self._withdraw(host, specs, waiter)
            raise
        finally:
            with contextlib.suppress(ValueError):
                queue.waiters.remove(waiter)
            if queue.waiters:
                queue.waiters[0].event.set()

    @staticmethod
    def _queued_wait(queue: _Queue, waiter: _Waiter, now: float) -> float:
        """What a waiter behind others still faces: the head's wait plus one interval for
        each waiter ahead of it."""
        ahead = sum(1 for w in queue.waiters if w.key < waiter.key)
        return max(0.0, queue.ready_at - now, queue.not_before - now) + ahead * queue.interval

    async def _grant(
        self,
        host: str,
        specs: tuple[_Spec, ...],
        group_index: int,
        waiter: _Waiter,
        ticket_id: str,
        left: float | None,
    ) -> _Answer:
        """Ask for a grant in a task of its own, shielded from any cancellation (anyio's
        shielded scope does not hold off ``task.cancel()``, ``asyncio.timeout`` or
        ``wait_for``): a cancelled caller leaves at once, and the round trip finishes in
        the background, giving back a grant it made and withdrawing a queued waiter."""
        task = asyncio.ensure_future(self._ask("grant", host, specs, waiter, ticket_id, left))
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:

            def give_back(done: asyncio.Future[_Answer]) -> None:
                if done.cancelled() or done.exception() is not None:
                    return
                answer = done.result()
                if answer.kind == "ok":
                    self.refund(
                        RedisTicket(
                            host, specs, group_index, ticket_id, answer.at, answer.via_redis
                        )
                    )
                elif answer.kind == "wait":
                    self._withdraw(host, specs, waiter)  # the script queued it again

            task.add_done_callback(give_back)
            raise

    def _too_long(
        self, site: Site, group: str, wait: float, max_wait: float, waited: float = 0.0
    ) -> RateLimited:
        after = f" more after waiting {waited:.1f} s" if waited >= 0.05 else ""
        return RateLimited(
            f"the {group!r} budget of {site.name} needs {wait:.1f} s{after} "
            f"(max_wait is {max_wait:g} s)",
            retry_after=wait,
        )

    # -- answers -----------------------------------------------------------------------------

    def _spawn(
        self, host: str, make: Callable[[], Any], lost: Callable[[], None] | None = None
    ) -> None:
        """Run a Redis write in the background (settle and refund are synchronous).
        ``lost`` runs when the write does not reach Redis (kept for the rejoin)."""
        if self._down and self._clock() < self._retry_at:
            if lost is not None:
                lost()
            return

        async def run() -> None:
            try:
                await make()
            except Exception as exc:
                if _unreachable(exc):
                    self._went_down(exc)
                    if lost is not None:
                        lost()
                else:  # a bug: say so rather than lose the answer silently
                    log.warning("a Redis write for %s failed: %r", host, exc)
            finally:
                self._kick(host)

        try:
            task = asyncio.get_running_loop().create_task(run())
        except RuntimeError:  # no running loop (interpreter shutdown): nothing to tell
            return
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    def _kick(self, host: str) -> None:
        for (queue_host, _), queue in self._queues.items():
            if queue_host == host and queue.waiters:
                queue.waiters[0].event.set()

    def _withdraw(self, host: str, specs: tuple[_Spec, ...], waiter: _Waiter) -> None:
        keys = [k for spec in specs for k in self._bucket_keys(host, spec)]
        args = [len(specs), "", waiter.waiter_id, rank(waiter.priority)]
        self._spawn(host, lambda: self._script("refund", lua.REFUND)(keys=keys, args=args))

    def refund(self, ticket: RedisTicket) -> None:
        """The request never reached the server (connect error, cancelled before sending)."""
        for spec in ticket.specs:
            grants = self._history.get((ticket.host, spec.name))
            if grants:
                with contextlib.suppress(ValueError):
                    grants.remove((ticket.ticket_id, ticket.granted_at))
            bucket = self._host(ticket.host).fallback.get(spec.name)
            if bucket is not None and not ticket.via_redis:
                with contextlib.suppress(ValueError):
                    bucket.log.remove(ticket.granted_at)
        if ticket.via_redis:
            keys = [k for spec in ticket.specs for k in self._bucket_keys(ticket.host, spec)]
            args = [len(ticket.specs), ticket.ticket_id, "", 0]
            self._spawn(
                ticket.host,
                lambda: self._script("refund", lua.REFUND)(keys=keys, args=args),
                lambda: self._orphan(ticket),
            )
        self._kick(ticket.host)

    def _orphan(self, ticket: RedisTicket) -> None:
        """A ticket Redis holds in flight was settled while it was unreachable: the rejoin
        takes it out of flight (else it holds a token for the whole lease)."""
        for spec in ticket.specs:
            self._seen[(ticket.host, spec.name)] = spec
        names = tuple(spec.name for spec in ticket.specs)
        self._host(ticket.host).orphans.append((ticket.ticket_id, names))

    def settle(self, ticket: RedisTicket, verdict: Verdict | None) -> None:
        """Learn from the verdict on an answer (``None``: no answer, e.g. a timeout). The
        shared state is updated in the background; this process's next ask waits for it."""
        host = ticket.host
        state = self._host(host)
        now = self._clock()
        status = None if verdict is None else verdict.status
        kind = None if verdict is None else verdict.kind
        headers = None if verdict is None else verdict.headers
        hints = None
        if headers is not None:
            hints = parse_rate_headers(headers, local_now=datetime.now(UTC))
        has_rl = hints is not None and (
            hints.limit is not None or hints.remaining is not None or hints.reset_after is not None
        )
        n = len(ticket.specs)
        group = ticket.group_index
        site_index = n if n and ticket.specs[-1].name == "site" else 0
        # A 429 with X-RL headers is the group's; without them the site's (the reference
        # proxy limits per IP, whatever the route): as LocalScheduler does.
        target = group if has_rl and group else (site_index or group)
        hinted = group or (1 if n else 0)
        if kind == "rate_limited":
            wait = hints.wait if hints is not None else None
            log.warning(
                "%s answered 429; pausing for %s",
                host,
                f"{wait:.1f} s" if wait is not None else "a backoff",
            )
        pause: tuple[str, float] | None = None
        if kind == "rate_limited" and target:
            wait = hints.wait if hints is not None else None
            pause = (
                ticket.specs[target - 1].name,
                now + (wait if wait is not None else BACKOFF_BASE),
            )
        for spec in ticket.specs:
            self._seen[(host, spec.name)] = spec
        hinted_name = ticket.specs[hinted - 1].name if hinted else None
        if hints is not None and hints.limit is not None and hinted_name is not None:
            # Kept for the fallback's share; the window Redis learnt comes with the reply.
            known = state.announced.get(hinted_name)
            window = known[1] if known else ticket.specs[hinted - 1].window
            if hints.limit >= 1:
                state.announced[hinted_name] = (int(hints.limit), window)

        def lost() -> None:
            if ticket.via_redis:
                self._orphan(ticket)
            if pause is not None:
                name, until = pause
                state.pauses[name] = max(state.pauses.get(name, -math.inf), until)

        if pause is not None and self._down:
            # The fallback holds the pause now; the rejoin tells Redis.
            name, until = pause
            state.pauses[name] = max(state.pauses.get(name, -math.inf), until)
        if kind == "challenge":
            state.guard.challenge(now)
            log.warning("%s sent its anti-bot challenge; pausing the site", host)
        elif kind == "empty_500" and state.guard.recently_challenged(now):
            state.guard.ban(now)
            log.error("%s banned this client (empty 500 after a challenge)", host)

        def arg(value: float | None) -> str:
            return "" if value is None else repr(value)

        keys = [self._key(host, "guard"), self._key(host, "guard") + ":off"]
        for spec in ticket.specs:
            keys.extend(self._bucket_keys(host, spec)[:3])
        args: list[Any] = [
            n,
            ticket.ticket_id,
            -1 if status is None else status,
            target if kind == "rate_limited" else 0,
            hinted if has_rl else 0,
            arg(hints.limit if hints else None),
            arg(hints.remaining if hints else None),
            arg(hints.reset_after if hints else None),
            arg(hints.retry_after if hints else None),
            int(kind == "empty_500"),
            int(kind == "challenge"),
            BACKOFF_BASE,
            BACKOFF_CAP,
            self._rng.random(),
            CHALLENGE_PAUSE,
            BAN_PERIOD,
            SiteGuard.BAN_WINDOW,
        ]
        answered = self._clock()
        date = reset_abs = None
        if hints is not None and headers is not None:
            if parse_http_date(headers.get("date")) is not None:
                date = hints.server_now.timestamp()
            if hints.reset_after is not None and not hints.reset_relative:
                reset_abs = hints.server_now.timestamp() + hints.reset_after

        async def send() -> None:
            # The script runs a little after the answer came: it counts delays from then.
            age = max(0.0, self._clock() - answered)
            extra = [f"{age:.6f}", arg(date), arg(reset_abs), self._lease]
            reply = await self._script("settle", lua.SETTLE)(keys=keys, args=[*args, *extra])
            if hinted_name is not None and len(reply) > 5 and reply[4] not in ("", None):
                limit, window = int(float(reply[4])), float(reply[5])
                if limit >= 1 and window > 0:
                    state.announced[hinted_name] = (limit, window)

        self._spawn(host, send, lost)


if TYPE_CHECKING:

    def _is_a_scheduler(scheduler: RedisScheduler) -> Scheduler:
        return scheduler  # mypy checks that RedisScheduler fits the protocol
