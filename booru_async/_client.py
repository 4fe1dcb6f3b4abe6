"""``Client``: one site, one connection pool, resource namespaces on top."""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cached_property
from types import TracebackType
from typing import Any, Literal, Self, TypeAlias
from urllib.parse import quote

import anyio
import attrs
import httpx

from ._cache import CacheConfig, MemoryCache
from ._convert import Context, Decoder
from ._errors import (
    BooruError,
    DecodeError,
    RequestInfo,
    TransportError,
    UnsupportedOperation,
    error_for_response,
)
from ._models import Oembed
from ._ratelimit import Priority as SchedulingPriority
from ._resources import Comments, Filters, Forums, Galleries, Images, Posts, Profiles, Tags
from ._retry import RetryPolicy
from ._routes import PARAMS, ROUTES, Route
from ._scheduler import LocalScheduler
from ._sites import Site, get_site
from ._stats import Counters, Stats
from ._transport import build_transport, is_loopback, partition_for
from ._version import __version__

__all__ = ["Client", "Priority"]

log = logging.getLogger("booru_async")

Priority: TypeAlias = Literal["interactive", "normal", "bulk"]
PRIORITIES: tuple[Priority, ...] = ("interactive", "normal", "bulk")
DEFAULT_USER_AGENT = f"booru-async/{__version__} (+https://pypi.org/project/booru-async/)"
_DEFAULT_CACHE = MemoryCache()
#: How many oEmbed answers a client keeps (least recently used ones go first).
OEMBED_MEMO_SIZE = 1024


def _check_max_wait(_: object, __: object, value: float | None) -> None:
    if value is not None and (
        isinstance(value, bool) or not isinstance(value, int | float) or value < 0
    ):
        raise ValueError(f"max_wait must be a number of seconds >= 0, not {value!r}")


def _check_filter_id(_: object, __: object, value: int | None) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise ValueError(f"filter_id must be a positive int, not {value!r}")


@attrs.frozen
class _Options:
    priority: Priority = attrs.field(default="normal", validator=attrs.validators.in_(PRIORITIES))
    max_wait: float | None = attrs.field(default=None, validator=_check_max_wait)
    filter_id: int | None = attrs.field(default=None, validator=_check_filter_id)


def _in_process_transport(site: Site) -> httpx.AsyncBaseTransport:
    """The built-in fake server for ``site`` (the ``demo`` profile), inside this process."""
    from .testing import Board, FakeBooru

    fake = FakeBooru(Board.generate(seed=0), site_url=site.base_url, site_name="Demo")
    transport: httpx.AsyncBaseTransport = fake.transport()
    return transport


class _Core:
    """What every view of one client shares: the site, the pool and the decoder."""

    def __init__(
        self,
        site: Site,
        *,
        key: str | None,
        timeout: float,
        user_agent: str,
        cache: CacheConfig | None,
        scheduler: LocalScheduler,
        retry: RetryPolicy,
        transport: httpx.AsyncBaseTransport | None,
    ) -> None:
        self.site = site
        self.key = key
        self.partition = partition_for(key)
        self.scheduler = scheduler
        self.counters = Counters()
        self.decoder = Decoder(
            Context(site=site.name, base_url=site.base_url, flavour=site.flavour)
        )
        stack = build_transport(
            site=site,
            key=key,
            scheduler=scheduler,
            counters=self.counters,
            cache=cache,
            retry=retry,
            network=transport,
        )
        self.http = httpx.AsyncClient(
            base_url=site.base_url,
            transport=stack,
            timeout=timeout,
            headers={"Accept": "application/json", "User-Agent": user_agent},
            follow_redirects=True,
        )
        #: oEmbed answers by (partition, url), kept for their declared ``cache_age``.
        self.oembeds: OrderedDict[tuple[str, str], tuple[float, Oembed]] = OrderedDict()

    def redact(self, text: str) -> str:
        return text.replace(self.key, "***") if self.key else text

    def redact_bytes(self, body: bytes) -> bytes:
        return body.replace(self.key.encode(), b"***") if self.key else body


class Client:
    """An async client for one booru.

    Use it as ``async with ba.Client("derpibooru") as client:``. ``site`` is a built-in
    profile name (see :data:`booru_async.SITES`) or a :class:`booru_async.Site`;
    ``base_url`` moves the profile to another host (tests: ``http://127.0.0.1:PORT``).
    ``key`` is the API key: it is sent only to the site's API host, only over https (or
    to a loopback host), and never appears in logs, reprs, errors or the cache.

    ``cache`` is a :class:`MemoryCache` (the default), a :class:`SQLiteCache` or ``None``
    (no cache); ``scheduler`` shares rate-limit buckets between clients (by default each
    client has its own); ``retry`` sets how often idempotent requests are repeated.
    ``priority`` (``"interactive"``, ``"normal"``, ``"bulk"``) and ``max_wait`` (raise
    :class:`RateLimited` at once instead of waiting longer) apply to every call of this
    client; :meth:`with_options` makes a view with others. ``timeout`` is seconds per
    request attempt. ``transport`` replaces the network layer (tests, ASGI apps).
    """

    def __init__(
        self,
        site: str | Site = "derpibooru",
        *,
        key: str | None = None,
        filter_id: int | None = None,
        base_url: str | None = None,
        cache: CacheConfig | None = _DEFAULT_CACHE,
        scheduler: LocalScheduler | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = 30.0,
        user_agent: str = DEFAULT_USER_AGENT,
        max_wait: float | None = None,
        priority: Priority = "normal",
        transport: httpx.AsyncBaseTransport | None = None,
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
        if timeout <= 0:
            raise ValueError("timeout must be > 0 seconds")
        if profile.in_process and transport is None:
            transport = _in_process_transport(profile)
        self._core = _Core(
            profile,
            key=key,
            timeout=timeout,
            user_agent=user_agent,
            cache=cache,
            scheduler=scheduler or LocalScheduler(),
            retry=retry or RetryPolicy(),
            transport=transport,
        )
        self._options = _Options(priority=priority, max_wait=max_wait, filter_id=filter_id)

    @classmethod
    def _view(cls, core: _Core, options: _Options) -> Self:
        view = cls.__new__(cls)
        view._core = core
        view._options = options
        return view

    def __repr__(self) -> str:
        keyed = "keyed" if self._core.key else "anonymous"
        return (
            f"<booru_async.Client site={self._core.site.name!r} "
            f"base_url={self._core.site.base_url!r} {keyed} priority={self._options.priority!r}>"
        )

    @property
    def site(self) -> Site:
        """The site profile this client talks to."""
        return self._core.site

    @property
    def stats(self) -> Stats:
        """A snapshot of what the transport stack did (requests, cache hits, waits, 429s,
        retries); cheap enough to read on every bot command."""
        return self._core.counters.snapshot()

    def predicted_wait(self, group: str = "site") -> float:
        """Seconds a request of endpoint ``group`` (``"search"``, ``"image"``, ... or
        ``"cdn"`` for files) would wait for the rate limit if made now; 0 when it would be
        sent at once. Cheap: progress displays may call it often."""
        return self._core.scheduler.predicted_wait(
            self._core.site, group, SchedulingPriority.named(self._options.priority)
        )

    @property
    def priority(self) -> Priority:
        return self._options.priority

    @property
    def max_wait(self) -> float | None:
        return self._options.max_wait

    @property
    def filter_id(self) -> int | None:
        return self._options.filter_id

    def with_options(self, **changes: Any) -> Client:
        """A view with other ``priority``, ``max_wait`` or ``filter_id`` that shares this
        client's connection pool (and, as they arrive, its scheduler and cache)."""
        unknown = set(changes) - {"priority", "max_wait", "filter_id"}
        if unknown:
            raise TypeError(f"with_options() got unexpected options: {', '.join(sorted(unknown))}")
        return self._view(self._core, attrs.evolve(self._options, **changes))

    async def __aenter__(self) -> Self:
        await self._core.http.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._core.http.__aexit__(exc_type, exc, tb)

    async def aclose(self) -> None:
        """Close the connection pool (``async with`` does this for you)."""
        await self._core.http.aclose()

    @cached_property
    def images(self) -> Images:
        """Images (posts on Twibooru): get, featured, search."""
        return Images(self)

    @cached_property
    def tags(self) -> Tags:
        """Tags: get by slug or name, search."""
        return Tags(self)

    @cached_property
    def comments(self) -> Comments:
        """Image comments: get, search."""
        return Comments(self)

    @cached_property
    def galleries(self) -> Galleries:
        """Galleries: get, search."""
        return Galleries(self)

    @cached_property
    def forums(self) -> Forums:
        """Forums, topics and topic posts."""
        return Forums(self)

    @cached_property
    def posts(self) -> Posts:
        """Forum posts across forums: get, search."""
        return Posts(self)

    @cached_property
    def profiles(self) -> Profiles:
        """User profiles."""
        return Profiles(self)

    @cached_property
    def filters(self) -> Filters:
        """Tag filters: get, system, user, search."""
        return Filters(self)

    async def oembed(self, url: str) -> Oembed:
        """The oEmbed description of an image page or file URL.

        Answers are kept for the ``cache_age`` they declare (two hours on Philomena), per
        API-key partition, so a bot that embeds the same link again spends no request.
        """
        if not isinstance(url, str) or not url.strip():
            raise ValueError("url must be a non-empty string")
        route = self._route("oembed")
        memo = self._core.oembeds
        key = (self._core.partition, url)
        now = anyio.current_time()
        hit = memo.get(key)
        if hit is not None and hit[0] > now:
            memo.move_to_end(key)
            self._core.counters.cache_hits += 1
            return hit[1]
        body = await self._request(route, params={"url": url})
        answer = self._core.decoder.structure(body, Oembed)
        if answer.cache_age and answer.cache_age > 0:
            memo[key] = (now + answer.cache_age, answer)
            while len(memo) > OEMBED_MEMO_SIZE:
                memo.popitem(last=False)
        return answer

    # -- the request path used by the resources -------------------------------------------

    def _route(self, operation: str) -> Route:
        route = ROUTES[self._core.site.flavour].get(operation)
        if route is None:
            raise UnsupportedOperation(
                f"{operation}() is not available on {self._core.site.name!r} "
                f"(the {self._core.site.flavour} API has no such route)"
            )
        return route

    def _params(self, route: Route, unified: Mapping[str, Any]) -> dict[str, str]:
        """Unified parameter names -> the route's and the flavour's, dropping ``None``s."""
        names = PARAMS[self._core.site.flavour]
        params = {"filter_id": self._options.filter_id, **unified}
        out: dict[str, str] = {}
        for key, value in params.items():
            if value is None:
                continue
            name = route.rename.get(key) or names.get(key, key)
            out[name] = str(value).lower() if isinstance(value, bool) else str(value)
        return out

    def _build(
        self,
        method: str,
        url: str,
        *,
        group: str,
        params: Mapping[str, str] | None = None,
        stream: bool = False,
        **content: Any,
    ) -> httpx.Request:
        return self._core.http.build_request(
            method,
            url,
            params=params,
            extensions={
                "booru": {
                    "group": group,
                    "priority": self._options.priority,
                    "max_wait": self._options.max_wait,
                    "partition": self._core.partition,
                    **({"stream": True} if stream else {}),
                }
            },
            **content,
        )

    async def _send(self, request: httpx.Request, *, stream: bool = False) -> httpx.Response:
        """Send through the stack; transport failures and error statuses become typed
        errors. With ``stream=True`` a successful body is left unread."""
        info = RequestInfo(request.method, str(request.url))
        log.debug("%s", info)
        try:
            response = await self._core.http.send(request, stream=True)
            if not stream or response.status_code >= 400:
                await response.aread()
        except BooruError as exc:  # raised by the stack before sending (max_wait, ban)
            if exc.request is None:
                exc.request = info
            raise
        except httpx.TimeoutException as exc:
            raise TransportError(
                f"timed out: {self._core.redact(str(exc)) or type(exc).__name__}", request=info
            ) from None
        except httpx.HTTPError as exc:
            raise TransportError(
                f"{type(exc).__name__}: {self._core.redact(str(exc))}", request=info
            ) from None
        error = error_for_response(
            response.status_code,
            response.headers,
            # A server may echo the request URL, key included, in its error page.
            self._core.redact_bytes(response.content)
            if response.status_code >= 400 or not stream
            else b"",
            request=info,
            local_now=datetime.now(UTC),
            banned=self._core.scheduler.is_banned(self._core.site),
        )
        if error is not None:
            await response.aclose()
            log.debug("%s -> %s", info, error.status_code)
            raise error
        return response

    async def _request(
        self,
        route: Route,
        *,
        path: Mapping[str, str] | None = None,
        params: Mapping[str, Any],
        **content: Any,
    ) -> Any:
        """Send one request along ``route``; the parsed JSON body, or a typed error."""
        # Path arguments are percent-encoded (a tag slug may hold ``?``, ``#`` or ``%``);
        # ``+`` stays raw, as Philomena's own links have it (§1.8).
        url = route.path.format(**{k: quote(v, safe="+") for k, v in (path or {}).items()})
        request = self._build(
            route.method, url, group=route.group, params=self._params(route, params), **content
        )
        response = await self._send(request)
        info = RequestInfo(request.method, str(request.url))
        body = response.content
        if route.empty_body_is_empty and not body.strip():
            return None
        content_type = response.headers.get("content-type", "")
        if "json" not in content_type and body.lstrip()[:1] not in (b"{", b"["):
            raise DecodeError(
                f"expected JSON, got {content_type or 'no content type'}",
                request=info,
                excerpt=self._core.redact(body.decode("utf-8", "replace")[:200]),
            )
        return self._core.decoder.loads(body, request=info)
