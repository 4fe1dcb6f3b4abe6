"""``Client``: the facade users hold. It builds a :class:`~booru_async._session.Session`
(pool, transport stack, scheduler, decoder) and the resource namespaces on top of it."""

from __future__ import annotations

import enum
import random
from collections.abc import Awaitable, Callable
from functools import cached_property
from types import TracebackType
from typing import Any, Self

import anyio
import httpx

from ._cache import CacheConfig, MemoryCache
from ._models import Oembed
from ._options import Priority
from ._resources import Comments, Filters, Forums, Galleries, Images, Posts, Profiles, Tags
from ._retry import RetryPolicy
from ._scheduler import LocalScheduler, Scheduler
from ._session import Engine, Session, ViewOptions
from ._sites import Site, get_site
from ._stats import Stats
from ._transport import DEFAULT_MAX_BODY_BYTES, NetworkTransport, is_loopback
from ._version import __version__

__all__ = ["Client"]

DEFAULT_USER_AGENT = f"booru-async/{__version__} (+https://pypi.org/project/booru-async/)"
_DEFAULT_CACHE = MemoryCache()


class _Unset(enum.Enum):
    """An argument left out (``None`` is a value: it clears ``max_wait``/``filter_id``)."""

    UNSET = enum.auto()


_UNSET = _Unset.UNSET


def _in_process_transport(site: Site) -> httpx.AsyncBaseTransport:
    """The built-in fake server for ``site`` (the ``demo`` profile), inside this process."""
    from .testing import Board, FakeBooru

    fake = FakeBooru(Board.generate(seed=0), site_url=site.base_url, site_name="Demo")
    transport: httpx.AsyncBaseTransport = fake.transport()
    return transport


def _check_timeout(timeout: float | httpx.Timeout) -> float | httpx.Timeout:
    if isinstance(timeout, httpx.Timeout):
        return timeout
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise ValueError("timeout must be > 0 seconds (or an httpx.Timeout)")
    return float(timeout)


class Client:
    """An async client for one booru.

    Use it as ``async with ba.Client("derpibooru") as client:``. ``site`` is a built-in
    profile name (see :data:`booru_async.SITES`) or a :class:`booru_async.Site`;
    ``base_url`` moves the profile to another host (tests: ``http://127.0.0.1:PORT``).
    ``key`` is the API key: it is sent only to the site's API host, only over https (or
    to a loopback host), and never appears in logs, reprs, errors or the cache.

    - ``cache``: a :class:`MemoryCache` (the default), a :class:`SQLiteCache` or ``None``.
    - ``scheduler``: shares rate-limit buckets between clients (by default each client has
      its own :class:`LocalScheduler`).
    - ``retry``: how often idempotent requests are repeated (:class:`RetryPolicy`).
    - ``priority`` (``"interactive"``, ``"normal"``, ``"bulk"``) and ``max_wait`` (raise
      :class:`RateLimited` at once instead of waiting longer) apply to every call of this
      client; :meth:`with_options` makes a view with others.
    - ``max_pause``: the longest wait a *server* may impose (``Retry-After``, a spent
      announced window) before :class:`RateLimited` is raised instead of parking the call;
      default 15 minutes (the ban period). A crawler that will wait a day says so.
    - ``timeout``: seconds per request attempt, body included (a server that trickles bytes
      cannot hold a call past it), or an ``httpx.Timeout`` (its phases as in httpx; the
      whole attempt is bounded by the largest of them).
    - ``max_body_bytes``: the largest API answer read, once decompressed (default 64 MiB);
      a bigger one raises :class:`DecodeError` without reading on. Files are not capped.
    - ``trust_env``, ``proxy``, ``verify``, ``http2``, ``limits``: as in httpx
      (``HTTPS_PROXY``/``HTTP_PROXY``/``ALL_PROXY``/``NO_PROXY`` and ``SSL_CERT_FILE`` are
      honoured unless ``trust_env=False``; ``http2=True`` needs the ``h2`` package).
    - ``transport``: replaces the network layer (tests, ASGI apps).

    Example::

        async with ba.Client("derpibooru") as client:
            image = await client.images.get(0)
    """

    def __init__(
        self,
        site: str | Site = "derpibooru",
        *,
        key: str | None = None,
        filter_id: int | None = None,
        base_url: str | None = None,
        cache: CacheConfig | None = _DEFAULT_CACHE,
        scheduler: Scheduler | None = None,
        retry: RetryPolicy | None = None,
        timeout: float | httpx.Timeout = 30.0,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        user_agent: str = DEFAULT_USER_AGENT,
        max_wait: float | None = None,
        max_pause: float | None = None,
        priority: Priority = "normal",
        trust_env: bool = True,
        proxy: str | httpx.URL | httpx.Proxy | None = None,
        verify: bool | str = True,
        http2: bool = False,
        limits: httpx.Limits | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        _clock: Callable[[], float] = anyio.current_time,
        _sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
        _rng: random.Random | None = None,
    ) -> None:
        profile = get_site(site, base_url)
        if key is not None:
            if not isinstance(key, str) or not key.strip():
                raise ValueError("key must be a non-empty string (or None for anonymous use)")
            parts = httpx.URL(profile.base_url)
            if parts.scheme != "https" and not is_loopback(parts.host):
                raise ValueError(
                    f"refusing to send the API key over plain http to {parts.host}; "
                    "use an https base URL"
                )
        if (
            isinstance(max_body_bytes, bool)
            or not isinstance(max_body_bytes, int)
            or max_body_bytes < 1
        ):
            raise ValueError(f"max_body_bytes must be an int >= 1, not {max_body_bytes!r}")
        options = ViewOptions(
            priority=priority, max_wait=max_wait, max_pause=max_pause, filter_id=filter_id
        )
        if transport is None and profile.in_process:
            transport = _in_process_transport(profile)
        network = transport or NetworkTransport(
            proxy=proxy, verify=verify, http2=http2, limits=limits, trust_env=trust_env
        )
        engine = Engine(
            profile,
            key=key,
            timeout=_check_timeout(timeout),
            max_body_bytes=max_body_bytes,
            user_agent=user_agent,
            cache=cache,
            scheduler=scheduler or LocalScheduler(clock=_clock),
            retry=retry or RetryPolicy(),
            network=network,
            clock=_clock,
            sleep=_sleep,
            rng=_rng,
        )
        self._session = Session(engine, options)
        self._scheduler = engine.scheduler

    def __repr__(self) -> str:
        keyed = "keyed" if self._session.keyed else "anonymous"
        return (
            f"<booru_async.Client site={self.site.name!r} "
            f"base_url={self.site.base_url!r} {keyed} priority={self.priority!r}>"
        )

    @property
    def site(self) -> Site:
        """The site profile this client talks to."""
        return self._session.site

    @property
    def stats(self) -> Stats:
        """A snapshot of what the transport stack did (requests, cache hits, waits, 429s,
        retries); cheap enough to read on every bot command."""
        return self._session.stats

    def predicted_wait(self, group: str = "site") -> float:
        """Seconds a request of endpoint ``group`` (``"search"``, ``"image"``, ... or
        ``"cdn"`` for files) would wait for the rate limit if made now; 0 when it would be
        sent at once. Cheap: progress displays may call it often."""
        return self._session.predicted_wait(group)

    @property
    def max_body_bytes(self) -> int:
        """The largest API answer this client reads, once decompressed."""
        return self._session.max_body_bytes

    @property
    def priority(self) -> Priority:
        """This view's scheduling priority."""
        return self._session.options.priority

    @property
    def max_wait(self) -> float | None:
        """This view's longest acceptable wait for the rate limit (``None``: no limit)."""
        return self._session.options.max_wait

    @property
    def max_pause(self) -> float | None:
        """This view's longest acceptable server-imposed wait (``None``: the scheduler's
        default, 15 minutes)."""
        return self._session.options.max_pause

    @property
    def filter_id(self) -> int | None:
        """The filter this view's searches use (``None``: the site's default)."""
        return self._session.options.filter_id

    def with_options(
        self,
        *,
        priority: Priority | None = None,
        max_wait: float | _Unset | None = _UNSET,
        max_pause: float | _Unset | None = _UNSET,
        filter_id: int | _Unset | None = _UNSET,
    ) -> Client:
        """A view with another ``priority``, ``max_wait``, ``max_pause`` or ``filter_id`` that
        shares this client's connection pool, scheduler and cache. ``None`` clears
        ``max_wait``, ``max_pause`` and ``filter_id``; an argument left out keeps this view's
        value.

        Example::

            bot = client.with_options(priority="interactive", max_wait=2.0)
        """
        current = self._session.options
        options = ViewOptions(
            priority=current.priority if priority is None else priority,
            max_wait=current.max_wait if isinstance(max_wait, _Unset) else max_wait,
            max_pause=current.max_pause if isinstance(max_pause, _Unset) else max_pause,
            filter_id=current.filter_id if isinstance(filter_id, _Unset) else filter_id,
        )
        return _View(self._session.with_options(options))

    async def __aenter__(self) -> Self:
        await self._session.open_pool()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool (``async with`` does this for you)."""
        await self._session.close_pool()
        # A shared scheduler (Redis) writes answers in the background: let the last ones
        # land before the caller's event loop ends. It stays open; other clients may use it.
        flush = getattr(self._scheduler, "flush", None)
        if flush is not None:
            await flush()

    @cached_property
    def images(self) -> Images:
        """Images (posts on Twibooru): get, featured, search, random, crawl, comments,
        reverse search, upload, download."""
        return Images(self._session)

    @cached_property
    def tags(self) -> Tags:
        """Tags: get by slug or name, search."""
        return Tags(self._session)

    @cached_property
    def comments(self) -> Comments:
        """Image comments: get, search."""
        return Comments(self._session)

    @cached_property
    def galleries(self) -> Galleries:
        """Galleries: get, search."""
        return Galleries(self._session)

    @cached_property
    def forums(self) -> Forums:
        """Forums, topics and topic posts."""
        return Forums(self._session)

    @cached_property
    def posts(self) -> Posts:
        """Forum posts across forums: get, search."""
        return Posts(self._session)

    @cached_property
    def profiles(self) -> Profiles:
        """User profiles."""
        return Profiles(self._session)

    @cached_property
    def filters(self) -> Filters:
        """Tag filters: get, system, user, search."""
        return Filters(self._session)

    async def oembed(
        self, url: str, *, max_width: int | None = None, max_height: int | None = None
    ) -> Oembed:
        """The oEmbed description of an image page or file URL.

        Answers are cached for the ``cache_age`` they declare (two hours on Philomena), per
        API-key partition, so a bot that embeds the same link again spends no request (with
        ``cache=None`` nothing is cached, oEmbed included).
        ``max_width``/``max_height`` ask the legacy and Twibooru oEmbed for a thumbnail
        that fits (``maxwidth``/``maxheight``); Philomena has no such parameter
        (:class:`UnsupportedOperation`).
        """
        if not isinstance(url, str) or not url.strip():
            raise ValueError("url must be a non-empty string")
        params: dict[str, Any] = {"url": url}
        for unified, value in (("max_width", max_width), ("max_height", max_height)):
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{unified} must be a positive int, not {value!r}")
            params[self._session.param_name(unified)] = value
        return await self._session.one("oembed", Oembed, params=params)


class _View(Client):
    """What :meth:`Client.with_options` returns: a client on another client's session.

    The pool belongs to the client the view came from: closing a view closes nothing.
    """

    def __init__(self, session: Session) -> None:  # the session is built; nothing to open
        self._session = session

    async def __aenter__(self) -> Self:
        return self

    async def aclose(self) -> None:
        return None
