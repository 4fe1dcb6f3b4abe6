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
        single_page: bool = False,
    ) -> None:
        if limit is not None and limit < 0:
            raise ValueError("limit must be >= 0")
        self._fetch = fetch
        self.per_page = per_page
        self.limit = limit
        self._first_page = first_page
        #: The whole list comes in one answer (there is no page 2 to ask for).
        self.single_page = single_page

    def __repr__(self) -> str:
        return f"<Pager per_page={self.per_page} limit={self.limit}>"

    async def page(self, number: int) -> Page[T]:
        """Page ``number`` (1-based)."""
        if number < 1:
            raise ValueError("page numbers start at 1")
        return await self._fetch(number, self.per_page)

    def pages(self) -> AsyncIterator[Page[T]]:
        """Pages from the first until the end of the list (``limit`` counts items)."""
        return _Pages(self)

    def __aiter__(self) -> AsyncIterator[T]:
        return _Items(self)


# Iterator objects rather than async generators: a caller that stops early (``break``)
# leaves nothing to finalise, which trio would otherwise warn about.
class _Pages(AsyncIterator[Page[T]]):
    def __init__(self, pager: Pager[T]) -> None:
        self._pager = pager
        self._next = pager._first_page
        self._seen = 0
        self._done = False
        self._previous: tuple[T, ...] = ()

    async def __anext__(self) -> Page[T]:
        pager = self._pager
        if self._done or (pager.limit is not None and self._seen >= pager.limit):
            raise StopAsyncIteration
        page = await pager.page(self._next)
        if not page.items or page.items == self._previous:
            # Empty, or the same page again: a server that ignores ``page`` must not make
            # the walk repeat itself forever.
            self._done = True
            raise StopAsyncIteration
        self._previous = page.items
        self._seen += len(page.items)
        if pager.single_page or (
            page.total is not None and self._next * pager.per_page >= page.total
        ):
            self._done = True
        self._next += 1
        return page


class _Items(AsyncIterator[T]):
    def __init__(self, pager: Pager[T]) -> None:
        self._pages = _Pages(pager)
        self._limit = pager.limit
        self._buffer: tuple[T, ...] = ()
        self._index = 0
        self._count = 0

    async def __anext__(self) -> T:
        if self._limit is not None and self._count >= self._limit:
            raise StopAsyncIteration
        while self._index >= len(self._buffer):
            self._buffer = (await self._pages.__anext__()).items
            self._index = 0
        item = self._buffer[self._index]
        self._index += 1
        self._count += 1
        return item
