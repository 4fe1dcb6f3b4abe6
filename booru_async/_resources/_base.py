"""What every resource namespace shares: argument checks, one-object and list requests."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from .._errors import NotFound, ServerError
from .._models import Image, Page
from .._pager import Pager
from .._routes import Route
from .._sites import Flavour
from ..query import Query, render

if TYPE_CHECKING:
    from .._client import Client

T = TypeVar("T")

#: Philomena, Twibooru and the legacy app all cap pages at 50 (§2.1, §5.1, §6.1).
MAX_PER_PAGE = 50


def check_id(value: object, what: str = "id") -> int:
    """A non-negative integer id (Derpibooru's first image is 0), or a clear
    TypeError/ValueError."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be an int, not {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{what} must be >= 0, not {value}")
    return value


def check_name(value: object, what: str) -> str:
    """A non-empty string path segment (forum short names, topic slugs, user slugs)."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what} must be a non-empty string")
    if "/" in value or "?" in value or "#" in value:
        raise ValueError(f"{what} must not contain '/', '?' or '#': {value!r}")
    return value.strip()


def query_text(query: str | Query, flavour: Flavour) -> str:
    """A search string from a plain string or a :mod:`booru_async.query` expression,
    rendered for ``flavour``'s grammar."""
    if not isinstance(query, str | Query):
        raise TypeError(f"query must be a string or a ba.query expression, not {query!r}")
    return render(query, flavour)


def page_size(per_page: int | None, limit: int | None, maximum: int = MAX_PER_PAGE) -> int:
    """The page size to ask for: the caller's, else as few requests as ``limit`` allows."""
    if per_page is None:
        return maximum if limit is None or limit <= 0 else min(maximum, limit)
    if isinstance(per_page, bool) or not isinstance(per_page, int):
        raise TypeError("per_page must be an int")
    if not 1 <= per_page <= maximum:
        raise ValueError(f"per_page must be between 1 and {maximum}, not {per_page}")
    return per_page


def with_interactions(items: tuple[Any, ...], grouped: dict[int, Any]) -> tuple[Any, ...]:
    """Attach envelope-level interactions to the images they belong to."""
    if not grouped:
        return items
    return tuple(
        attrs.evolve(item, interactions=item.interactions + grouped[item.id])
        if item.id in grouped
        else item
        for item in items
    )


class Resource:
    """Base of the namespaces; holds the client view it was reached through."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._client!r}>"

    def _route(self, operation: str) -> Route:
        return self._client._route(operation)

    @staticmethod
    def _fixed(route: Route, path: Mapping[str, str]) -> dict[str, str]:
        return {key: value.format(**path) for key, value in route.params.items()}

    async def _one(
        self,
        operation: str,
        cls: type[T],
        *,
        path: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
        **content: Any,
    ) -> T:
        """One object from ``operation``'s route."""
        route = self._route(operation)
        path = path or {}
        query = {**self._fixed(route, path), **(params or {})}
        body = await self._client._request(route, path=path, params=query, **content)
        return self._decode_one(body, route, cls)

    def _decode_one(self, body: Any, route: Route, cls: type[T]) -> T:
        decoder = self._client._core.decoder
        raw = decoder.member(body, route.member)
        where = f"$.{route.member or ''}"
        if route.first:
            items = decoder.structure_list(raw, cls, path=where)
            if not items:
                raise NotFound(f"{cls.__name__} not found", status_code=404)
            return items[0]
        item = decoder.structure(raw, cls, path=where)
        if cls is Image and route.member is not None:
            (item,) = with_interactions((item,), decoder.interactions(body))
        return item

    def _list(
        self,
        operation: str,
        cls: type[T],
        *,
        path: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
        per_page: int | None = None,
        limit: int | None = None,
    ) -> Pager[T]:
        """A pager over ``operation``'s list route (nothing is sent until it is used)."""
        route = self._route(operation)
        path = path or {}
        base = {**self._fixed(route, path), **(params or {})}
        size = route.fixed_per_page or page_size(per_page, limit, route.max_per_page)

        async def fetch(number: int, size: int) -> Page[T]:
            query = {**base, "page": number}
            if route.fixed_per_page is None and not route.single_page:
                query["per_page"] = size
            try:
                body = await self._client._request(route, path=path, params=query)
            except ServerError:
                if route.past_end_is_500 and number > 1:
                    return Page(items=(), total=None, number=number, per_page=size)
                raise
            return self._page(body, route, cls, number=number, per_page=size)

        return Pager(fetch, per_page=size, limit=limit, single_page=route.single_page)

    def _page(
        self, body: Any, route: Route, cls: type[T], *, number: int, per_page: int
    ) -> Page[T]:
        decoder = self._client._core.decoder
        if body is None:  # legacy search: empty query -> empty body
            return Page(items=(), total=0, number=number, per_page=per_page)
        raw = decoder.member(body, route.member)
        items = decoder.structure_list(raw, cls, path=f"$.{route.member or ''}")
        if cls is Image:
            items = with_interactions(items, decoder.interactions(body))
        return Page(items=items, total=decoder.total(body), number=number, per_page=per_page)
