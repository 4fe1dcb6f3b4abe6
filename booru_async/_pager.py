"""``Pager``: lazy pagination over any list route.

End of a list (server-behaviour.md §2.1): a page may hold fewer rows than asked for without
being the last (the server skips indexed rows it cannot load), so a short page alone never
ends the walk. It ends at an empty page, when the offset reaches ``total``, or at ``limit``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Generic, TypeVar

from ._models import Page

__all__ = ["Pager"]

T = TypeVar("T")

FetchPage = Callable[[int, int], Awaitable[Page[T]]]


class Pager(Generic[T]):
    """Items of a list across pages.

    ``async for item in pager`` yields items (stops at ``limit``, an empty page, or when the
    offset reaches ``total``); ``await pager.page(n)`` returns one :class:`Page`;
    ``pager.pages()`` async-iterates pages. Nothing is sent until one of these is used.
    """

    def __init__(
        self,
        fetch: FetchPage[T],
        *,
        per_page: int,
        limit: int | None = None,
        first_page: int = 1,
    ) -> None:
        if limit is not None and limit < 0:
            raise ValueError("limit must be >= 0")
        self._fetch = fetch
        self.per_page = per_page
        self.limit = limit
        self._first_page = first_page

    def __repr__(self) -> str:
        return f"<Pager per_page={self.per_page} limit={self.limit}>"

    async def page(self, number: int) -> Page[T]:
        """Page ``number`` (1-based)."""
        if number < 1:
            raise ValueError("page numbers start at 1")
        return await self._fetch(number, self.per_page)

    async def pages(self) -> AsyncIterator[Page[T]]:
        """Pages from the first until the end of the list (``limit`` counts items)."""
        number = self._first_page
        seen = 0
        while self.limit is None or seen < self.limit:
            page = await self.page(number)
            if not page.items:
                return
            seen += len(page.items)
            yield page
            if page.total is not None and number * self.per_page >= page.total:
                return
            number += 1

    async def __aiter__(self) -> AsyncIterator[T]:
        count = 0
        async for page in self.pages():
            for item in page.items:
                if self.limit is not None and count >= self.limit:
                    return
                count += 1
                yield item
