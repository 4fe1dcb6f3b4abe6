"""What every resource namespace shares: argument checks and page decoding."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from .._models import Image, Page
from .._routes import Route

if TYPE_CHECKING:
    from .._client import Client

T = TypeVar("T")

#: Philomena, Twibooru and the legacy app all cap pages at 50 (§2.1, §5.1, §6.1).
MAX_PER_PAGE = 50


def check_id(value: object, what: str = "id") -> int:
    """A positive integer id, or a clear TypeError/ValueError."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be an int, not {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{what} must be >= 1, not {value}")
    return value


def page_size(per_page: int | None, limit: int | None) -> int:
    """The page size to ask for: the caller's, else as few requests as ``limit`` allows."""
    if per_page is None:
        return MAX_PER_PAGE if limit is None or limit <= 0 else min(MAX_PER_PAGE, limit)
    if isinstance(per_page, bool) or not isinstance(per_page, int):
        raise TypeError("per_page must be an int")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise ValueError(f"per_page must be between 1 and {MAX_PER_PAGE}, not {per_page}")
    return per_page


class Resource:
    """Base of the namespaces; holds the client view it was reached through."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._client!r}>"

    def _page(
        self, body: Any, route: Route, cls: type[T], *, number: int, per_page: int
    ) -> Page[T]:
        decoder = self._client._core.decoder
        if body is None:  # legacy search: empty query -> empty body
            return Page(items=(), total=0, number=number, per_page=per_page)
        raw = decoder.member(body, route.member)
        items = decoder.structure_list(raw, cls, path=f"$.{route.member}")
        if cls is Image:
            items = with_interactions(items, decoder.interactions(body))
        return Page(items=items, total=decoder.total(body), number=number, per_page=per_page)


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
