"""The request engine under the resources: routes, options, building, sending, decoding.

A :class:`Session` is one view of one site: the shared :class:`Engine` (connection pool,
transport stack, scheduler, decoder, counters) plus this view's :class:`ViewOptions`
(priority, ``max_wait``, ``filter_id``). Resources hold a session and use only its public
methods; :class:`booru_async.Client` builds the first one and is the facade users hold.
"""

from __future__ import annotations

import builtins
import logging
import random
import re
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import quote

import attrs
import httpx

from ._cache import CacheConfig, partition_for
from ._convert import Context, Decoder
from ._download import redirect_target
from ._errors import (
    BooruError,
    DecodeError,
    NotFound,
    RequestInfo,
    ServerError,
    TransportError,
    UnsupportedOperation,
    error_for,
)
from ._flavours import FlavourSpec, Route, spec_for
from ._models import Image, Page
from ._options import PRIORITIES, Priority, RequestOptions
from ._pagination import OnDecodeError, Pager, check_on_decode_error
from ._retry import RetryPolicy
from ._scheduler import Scheduler
from ._sites import Site
from ._stats import Counters, Stats
from ._transport import build_transport
from ._verdict import classify, excerpt, verdict_of
from .query import Query, render

__all__ = ["MAX_PER_PAGE", "Engine", "Session", "ViewOptions", "page_size"]

#: Seeded random orders and gallery positions: ``random:<n>``, ``gallery_id:<n>``. Both
#: lineages read only digits there (booru-on-rails ``parse_sort``: ``\A...:(\d+)\z``).
_SEEDED_SORT = re.compile(r"(?:random|gallery_id):\d+")

log = logging.getLogger("booru_async")

T = TypeVar("T")

#: Philomena, Twibooru and the legacy app all cap pages at 50 (§2.1, §5.1, §6.1).
MAX_PER_PAGE = 50


def _check_max_wait(_: object, __: object, value: float | None) -> None:
    if value is not None and (
        isinstance(value, bool) or not isinstance(value, int | float) or value < 0
    ):
        raise ValueError(f"max_wait must be a number of seconds >= 0, not {value!r}")


def _check_filter_id(_: object, __: object, value: int | None) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise ValueError(f"filter_id must be a positive int, not {value!r}")


@attrs.frozen(kw_only=True)
class ViewOptions:
    """What differs between views of one client (:meth:`booru_async.Client.with_options`)."""

    priority: Priority = attrs.field(default="normal", validator=attrs.validators.in_(PRIORITIES))
    max_wait: float | None = attrs.field(default=None, validator=_check_max_wait)
    max_pause: float | None = attrs.field(default=None, validator=_check_max_wait)
    filter_id: int | None = attrs.field(default=None, validator=_check_filter_id)


class Engine:
    """What every view of one client shares."""

    def __init__(
        self,
        site: Site,
        *,
        key: str | None,
        timeout: float | httpx.Timeout,
        max_body_bytes: int,
        user_agent: str,
        cache: CacheConfig | None,
        scheduler: Scheduler,
        retry: RetryPolicy,
        network: httpx.AsyncBaseTransport,
        clock: Callable[[], float],
        sleep: Callable[[float], Awaitable[None]],
        rng: random.Random | None,
    ) -> None:
        self.site = site
        self.max_body_bytes = max_body_bytes
        self.spec: FlavourSpec = spec_for(site.flavour)
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
            network=network,
            clock=clock,
            sleep=sleep,
            rng=rng,
            max_body_bytes=max_body_bytes,
        )
        self.http = httpx.AsyncClient(
            base_url=site.base_url,
            transport=stack,
            timeout=timeout,
            # gzip and deflate only: the attempt layer decodes them with a bound on each
            # step (see _transport/_attempt.py); a brotli decoder has none.
            headers={
                "Accept": "application/json",
                "Accept-Encoding": "gzip, deflate",
                "User-Agent": user_agent,
            },
            follow_redirects=True,
        )

    def redact(self, text: str) -> str:
        return text.replace(self.key, "***") if self.key else text


class Session:
    """One view of one site: build, send and decode requests along the flavour's routes."""

    def __init__(self, engine: Engine, options: ViewOptions) -> None:
        self._engine = engine
        self.options = options

    def with_options(self, options: ViewOptions) -> Session:
        """Another view on the same engine."""
        return Session(self._engine, options)

    # -- what a view knows ------------------------------------------------------------------

    @property
    def site(self) -> Site:
        return self._engine.site

    @property
    def spec(self) -> FlavourSpec:
        return self._engine.spec

    @property
    def keyed(self) -> bool:
        return self._engine.key is not None

    @property
    def stats(self) -> Stats:
        return self._engine.counters.snapshot()

    @property
    def max_body_bytes(self) -> int:
        return self._engine.max_body_bytes

    def predicted_wait(self, group: str) -> float:
        return self._engine.scheduler.predicted_wait(self.site, group, self.options.priority)

    async def open_pool(self) -> None:
        await self._engine.http.__aenter__()

    async def close_pool(self) -> None:
        await self._engine.http.aclose()

    # -- building and sending ---------------------------------------------------------------

    def route(self, operation: str) -> Route:
        """The flavour's route for ``operation``, or :class:`UnsupportedOperation`."""
        route = self.spec.routes.get(operation)
        if route is None:
            raise UnsupportedOperation(
                f"{operation}() is not available on {self.site.name!r} "
                f"(the {self.site.flavour} API has no such route)"
            )
        return route

    def query_text(self, query: str | Query) -> str:
        """A search string from a plain string or a :mod:`booru_async.query` expression,
        rendered for this flavour's grammar."""
        if not isinstance(query, str | Query):
            raise TypeError(f"query must be a string or a ba.query expression, not {query!r}")
        return render(query, self.site.flavour)

    def sort_name(self, sort: str | None) -> str | None:
        """A unified sort field in this flavour's spelling; :class:`UnsupportedOperation`
        for one the server would silently replace with its default order."""
        if sort is None:
            return None
        if not isinstance(sort, str):
            raise TypeError(f"sort must be a string, not {type(sort).__name__}")
        if not (sort in self.spec.sorts or _SEEDED_SORT.fullmatch(sort)):
            known = ", ".join(sorted(self.spec.sorts))
            raise UnsupportedOperation(
                f"sort={sort!r} is not a sort field of the {self.site.flavour} API "
                f"(which would silently use its default order); known: {known}, "
                "random:<n>, gallery_id:<n>"
            )
        return self.spec.sort_names.get(sort, sort)

    def param_name(self, unified: str) -> str:
        """The flavour's name for a unified parameter, or :class:`UnsupportedOperation`."""
        name = self.spec.params.get(unified)
        if name is None:
            raise UnsupportedOperation(
                f"{unified}= is not available on {self.site.name!r} "
                f"(the {self.site.flavour} API has no such parameter)"
            )
        return name

    def _params(self, route: Route, unified: Mapping[str, Any]) -> dict[str, str]:
        """Unified parameter names -> the route's and the flavour's, dropping ``None``s."""
        names = self.spec.params
        params = {"filter_id": self.options.filter_id, **unified}
        out: dict[str, str] = {}
        for key, value in params.items():
            if value is None:
                continue
            name = route.rename.get(key) or names.get(key, key)
            out[name] = str(value).lower() if isinstance(value, bool) else str(value)
        return out

    def _request_options(
        self, group: str, *, stream: bool = False, shareable: bool = True
    ) -> RequestOptions:
        return RequestOptions(
            group=group,
            priority=self.options.priority,
            max_wait=self.options.max_wait,
            max_pause=self.options.max_pause,
            partition=self._engine.partition,
            stream=stream,
            shareable=shareable,
        )

    async def _send(
        self, request: httpx.Request, *, stream: bool = False, follow_redirects: bool = True
    ) -> httpx.Response:
        """Send through the stack; transport failures and error statuses become typed
        errors. With ``stream=True`` a successful body is left unread."""
        engine = self._engine
        info = RequestInfo(request.method, str(request.url))
        log.debug("%s", info)
        try:
            response = await engine.http.send(
                request, stream=True, follow_redirects=follow_redirects
            )
            if not stream or response.status_code >= 400:
                await response.aread()
        except BooruError as exc:  # raised by the stack before sending (max_wait, ban)
            if exc.request is None:
                exc.request = info
            raise
        except httpx.TimeoutException as exc:
            raise TransportError(
                f"timed out: {engine.redact(str(exc)) or type(exc).__name__}", request=info
            ) from None
        except httpx.HTTPError as exc:
            raise TransportError(
                f"{type(exc).__name__}: {engine.redact(str(exc))}", request=info
            ) from None
        if response.status_code >= 400:
            # A cache hit carries no verdict from the scheduling layer: classify it here
            # (the same pure function, so the same answer).
            verdict = verdict_of(response) or classify(
                response.status_code, response.headers, response.content, now=datetime.now(UTC)
            )
            error = error_for(
                verdict, request=info, banned=engine.scheduler.is_banned(self.site)
            )
            if error is not None:
                await response.aclose()
                log.debug("%s -> %s", info, response.status_code)
                raise error
        return response

    async def request(
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
        request = self._engine.http.build_request(
            route.method,
            url,
            params=self._params(route, params),
            extensions={"booru": self._request_options(route.group, shareable=route.shareable)},
            **content,
        )
        response = await self._send(request, follow_redirects=not route.redirect_is_empty)
        info = RequestInfo(request.method, str(request.url))
        if route.redirect_is_empty and response.is_redirect:
            return None
        body = response.content
        if route.empty_body_is_empty and not body.strip():
            return None
        content_type = response.headers.get("content-type", "")
        if "json" not in content_type and body.lstrip()[:1] not in (b"{", b"["):
            raise DecodeError(
                f"expected JSON, got {content_type or 'no content type'}",
                request=info,
                excerpt=self._engine.redact(excerpt(body)),
            )
        return self._engine.decoder.loads(body, request=info)

    async def open_file(self, url: str) -> httpx.Response:
        """A file from the CDN, streamed: the caller reads and closes it. Files have their
        own rate budget, never carry the key, and follow redirects only to https
        (:func:`booru_async._download.redirect_target`)."""
        hops = 0
        while True:
            request = self._engine.http.build_request(
                "GET", url, extensions={"booru": self._request_options("cdn", stream=True)}
            )
            response = await self._send(request, stream=True, follow_redirects=False)
            try:
                target = redirect_target(response, hops)
            except BaseException:
                await response.aclose()
                raise
            if target is None:
                return response
            await response.aclose()
            url, hops = str(target), hops + 1

    # -- one object, lists ------------------------------------------------------------------

    @staticmethod
    def _fixed(route: Route, path: Mapping[str, str]) -> dict[str, str]:
        return {key: value.format(**path) for key, value in route.params.items()}

    async def one(
        self,
        operation: str,
        cls: type[T],
        *,
        path: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
        **content: Any,
    ) -> T:
        """One object from ``operation``'s route."""
        route = self.route(operation)
        path = path or {}
        query = {**self._fixed(route, path), **(params or {})}
        body = await self.request(route, path=path, params=query, **content)
        return self.decode_one(body, route, cls)

    def decode(self, raw: Any, cls: type[T]) -> T:
        """One model from a JSON value (a body that is not an envelope)."""
        return self._engine.decoder.structure(raw, cls)

    def decode_one(self, body: Any, route: Route, cls: type[T]) -> T:
        """The one object a body along ``route`` holds."""
        decoder = self._engine.decoder
        if route.siblings and route.member is not None and isinstance(body, dict):
            raw = body.get(route.member)
            extras = {
                k: body[k]
                for k in route.siblings
                if k in body and isinstance(raw, dict) and k not in raw
            }
            if extras and isinstance(raw, dict):
                body = {**body, route.member: {**raw, **extras}}
        raw = decoder.member(body, route.member)
        where = f"$.{route.member or ''}"
        if route.first:
            items = decoder.structure_list(raw, cls, path=where)
            if not items:
                raise NotFound(f"{cls.__name__} not found", status_code=404)
            return items[0]
        item = decoder.structure(raw, cls, path=where)
        if cls is Image and route.member is not None:
            (item,) = _with_interactions((item,), decoder.interactions(body))
        return item

    def decode_members(
        self, body: Any, members: tuple[str, ...], cls: type[T]
    ) -> dict[str, tuple[T, ...]]:
        """Several lists of one envelope (the legacy rankings), with its interactions."""
        decoder = self._engine.decoder
        interactions = decoder.interactions(body) if cls is Image else {}
        out: dict[str, tuple[T, ...]] = {}
        for name in members:
            raw = decoder.member(body, name)
            items = decoder.structure_list(raw, cls, path=f"$.{name}")
            out[name] = _with_interactions(items, interactions)
        return out

    def decode_page(
        self,
        body: Any,
        route: Route,
        cls: type[T],
        *,
        number: int,
        per_page: int,
        skipped: list[DecodeError] | None = None,
    ) -> Page[T]:
        """One page of a list along ``route``. With ``skipped``, an item that does not
        decode is left out, logged at WARNING, counted in ``stats.skipped`` and its
        :class:`DecodeError` appended there; without it, it raises."""
        decoder = self._engine.decoder
        if body is None:  # legacy search: empty query -> empty body
            return Page(items=(), total=0, number=number, per_page=per_page)
        raw = decoder.member(body, route.member)
        before = len(skipped) if skipped is not None else 0
        items = decoder.structure_list(
            raw, cls, path=f"$.{route.member or ''}", skipped=skipped
        )
        if skipped is not None and len(skipped) > before:
            for error in skipped[before:]:
                raw_id = error.raw.get("id") if isinstance(error.raw, dict) else None
                log.warning(
                    "%s: skipped a %s (id %r) that does not decode: %s",
                    self.site.name,
                    cls.__name__,
                    raw_id,
                    "; ".join(error.errors[:3]) or error.message,
                )
            self._engine.counters.add(skipped=len(skipped) - before)
        if cls is Image:
            items = _with_interactions(items, decoder.interactions(body))
        return Page(items=items, total=decoder.total(body), number=number, per_page=per_page)

    def list(
        self,
        operation: str,
        cls: type[T],
        *,
        path: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
        per_page: int | None = None,
        limit: int | None = None,
        on_decode_error: OnDecodeError = "skip",
    ) -> Pager[T]:
        """A pager over ``operation``'s list route (nothing is sent until it is used)."""
        route = self.route(operation)
        path = path or {}
        base = {**self._fixed(route, path), **(params or {})}
        size = route.fixed_per_page or page_size(per_page, limit, route.max_per_page)
        skipped = self.skip_list(on_decode_error)

        async def fetch(number: int, size: int) -> Page[T]:
            query = {**base, "page": number}
            if route.fixed_per_page is None and not route.single_page:
                query["per_page"] = size
            try:
                body = await self.request(route, path=path, params=query)
            except ServerError:
                if route.past_end_is_500 and number > 1:
                    return Page(items=(), total=None, number=number, per_page=size)
                raise
            return self.decode_page(
                body, route, cls, number=number, per_page=size, skipped=skipped
            )

        return Pager(
            fetch,
            per_page=size,
            limit=limit,
            single_page=route.single_page,
            server_sized=route.server_sized,
            skipped=skipped,
        )

    @staticmethod
    def skip_list(on_decode_error: OnDecodeError) -> builtins.list[DecodeError] | None:
        """Where a list keeps what it skips (``None``: strict, the first bad item raises)."""
        return [] if check_on_decode_error(on_decode_error) == "skip" else None


def page_size(per_page: int | None, limit: int | None, maximum: int = MAX_PER_PAGE) -> int:
    """The page size to ask for: the caller's, else as few requests as ``limit`` allows."""
    if per_page is None:
        return maximum if limit is None or limit <= 0 else min(maximum, limit)
    if isinstance(per_page, bool) or not isinstance(per_page, int):
        raise TypeError("per_page must be an int")
    if not 1 <= per_page <= maximum:
        raise ValueError(f"per_page must be between 1 and {maximum}, not {per_page}")
    return per_page


def _with_interactions(items: tuple[Any, ...], grouped: dict[int, Any]) -> tuple[Any, ...]:
    """Attach envelope-level interactions to the images they belong to."""
    if not grouped:
        return items
    return tuple(
        attrs.evolve(item, interactions=item.interactions + grouped[item.id])
        if item.id in grouped
        else item
        for item in items
    )

