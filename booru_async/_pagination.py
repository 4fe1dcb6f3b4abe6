"""Pagination: :class:`Pager` over offset pages, and :class:`CrawlPager`, the keyset walk.

End of a list (server-behaviour.md §2.1): a page may hold fewer rows than asked for without
being the last (the server skips indexed rows it cannot load), so a short page alone never
ends the walk. It ends at an empty page, when the offset reaches ``total``, or at ``limit``.

``images.crawl`` walks by id instead. Offset pages move under a crawler's feet: every upload
pushes the list down by one, every deletion pulls it up, so page N+1 repeats or skips images.
A keyset walk asks for "the next ``per_page`` images below the last id I saw"
(``sf=id, sd=desc, id.lt:<last>``): new uploads have higher ids and never enter the walk,
deletions just vanish, and every image that matched when the walk began and still exists when
the walk reaches its place is visited exactly once. The cursor is that last id, as a string a
crawler can save and hand back.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Generic, Literal, TypeAlias, TypeVar

from ._errors import DecodeError, UnsupportedOperation
from ._models import Image, Page

__all__ = [
    "ON_DECODE_ERROR",
    "CrawlPager",
    "FetchBelow",
    "FetchPage",
    "OnDecodeError",
    "Pager",
    "check_on_decode_error",
    "format_cursor",
    "keyset_query",
    "parse_cursor",
]

T = TypeVar("T")

#: What a list does with an item that does not decode: skip it (logged, counted in
#: ``client.stats.skipped``, kept in ``pager.skipped``) or raise its ``DecodeError``.
OnDecodeError: TypeAlias = Literal["skip", "raise"]
ON_DECODE_ERROR: tuple[OnDecodeError, ...] = ("skip", "raise")


def check_on_decode_error(value: object) -> OnDecodeError:
    if value not in ON_DECODE_ERROR:
        raise ValueError(f"on_decode_error must be 'skip' or 'raise', not {value!r}")
    return value

FetchPage = Callable[[int, int], Awaitable[Page[T]]]
FetchBelow = Callable[[int | None, int], Awaitable[Page[Image]]]


class Pager(Generic[T]):
    """Items of a list across pages.

    ``async for item in pager`` yields items (stops at ``limit``, an empty page, or when the
    offset reaches ``total``); ``await pager.page(n)`` returns one :class:`Page`;
    ``pager.pages()`` async-iterates pages. Nothing is sent until one of these is used.

    An item the server sends in a shape that does not decode is skipped (logged at WARNING,
    counted in ``client.stats.skipped``) and its :class:`DecodeError`, with the item as
    ``.raw``, appended to ``pager.skipped``; the walk goes on. Pass
    ``on_decode_error="raise"`` to the list method for the strict behaviour.
    """

    def __init__(
        self,
        fetch: FetchPage[T],
        *,
        per_page: int,
        limit: int | None = None,
        single_page: bool = False,
        server_sized: bool = False,
        skipped: list[DecodeError] | None = None,
    ) -> None:
        if limit is not None and limit < 0:
            raise ValueError("limit must be >= 0")
        self._fetch = fetch
        self.per_page = per_page
        self.limit = limit
        #: The whole list comes in one answer (there is no page 2 to ask for).
        self.single_page = single_page
        #: The server picks the page size (a user setting the client cannot see), so
        #: ``per_page`` is only a guess: the walk counts the items it got against ``total``.
        self.server_sized = server_sized
        #: Items that did not decode and were skipped, as :class:`DecodeError`\ s whose
        #: ``raw`` is the item as sent (empty with ``on_decode_error="raise"``).
        self.skipped: list[DecodeError] = skipped if skipped is not None else []

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
        self._next = 1
        self._seen = 0
        self._done = False
        self._previous: tuple[T, ...] = ()

    async def __anext__(self) -> Page[T]:
        pager = self._pager
        if self._done or (pager.limit is not None and self._seen >= pager.limit):
            raise StopAsyncIteration
        before = len(pager.skipped)
        page = await pager.page(self._next)
        if not page.items and len(pager.skipped) > before and not pager.single_page:
            # Every item of this page was skipped: the list goes on after it.
            self._next += 1
            return await self.__anext__()
        if not page.items or page.items == self._previous:
            # Empty, or the same page again: a server that ignores ``page`` must not make
            # the walk repeat itself forever.
            self._done = True
            raise StopAsyncIteration
        self._previous = page.items
        self._seen += len(page.items)
        reached = self._seen if pager.server_sized else self._next * pager.per_page
        if pager.single_page or (page.total is not None and reached >= page.total):
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


_CURSOR = re.compile(r"^id:(\d+)$")

def format_cursor(last_id: int) -> str:
    """The cursor after an image: ``"id:<image id>"``."""
    return f"id:{last_id}"


def parse_cursor(cursor: str | None) -> int | None:
    """The last id a cursor names (``None`` for a fresh walk)."""
    if cursor is None:
        return None
    if not isinstance(cursor, str) or not (match := _CURSOR.match(cursor.strip())):
        raise ValueError(f"not a crawl cursor: {cursor!r} (expected 'id:<image id>')")
    return int(match[1])


def keyset_query(query: str, below: int | None) -> str:
    """``query`` restricted to ids below ``below`` (an empty query matches every image)."""
    query = query.strip()
    if below is None:
        return query or "*"
    bound = f"id.lt:{below}"
    return f"({query}), {bound}" if query and query != "*" else bound


class CrawlPager(Pager[Image]):
    """The pager ``images.crawl`` returns: newest to oldest by id, resumable.

    ``cursor`` is updated as items are yielded; save it and pass it back as
    ``images.crawl(query, cursor=saved)`` to resume after the last item yielded. A keyset
    walk has no page numbers, so ``page(n)`` raises :class:`UnsupportedOperation`;
    iterate instead.
    """

    def __init__(
        self,
        fetch_below: FetchBelow,
        *,
        per_page: int,
        limit: int | None = None,
        cursor: str | None = None,
        skipped: list[DecodeError] | None = None,
    ) -> None:
        if limit is not None and limit < 0:
            raise ValueError("limit must be >= 0")
        self._below = parse_cursor(cursor)
        self._fetch_below = fetch_below
        self.per_page = per_page
        self.limit = limit
        self.single_page = False
        self.skipped: list[DecodeError] = skipped if skipped is not None else []
        self.cursor: str | None = cursor
        #: The ``total`` of the last page fetched (``None`` before the first, or when the
        #: flavour sends none).
        self.total: int | None = None

    def __repr__(self) -> str:
        return f"<CrawlPager per_page={self.per_page} cursor={self.cursor!r}>"

    @staticmethod
    def cursor_after(image_id: int) -> str:
        """The cursor that resumes a walk after the image ``image_id``."""
        return format_cursor(image_id)

    @staticmethod
    def check_cursor(cursor: str | None) -> None:
        """Raise :class:`ValueError` unless ``cursor`` is a crawl cursor (or ``None``)."""
        parse_cursor(cursor)

    async def page(self, number: int) -> Page[Image]:
        """A keyset walk has no page numbers: always :class:`UnsupportedOperation`."""
        raise UnsupportedOperation("a keyset crawl has no page numbers; iterate it")

    def pages(self) -> AsyncIterator[Page[Image]]:
        """Pages of the walk. The cursor moves to the end of each page as it is yielded."""
        return _CrawlPages(self, move_cursor=True)

    def __aiter__(self) -> AsyncIterator[Image]:
        return _CrawlItems(self)


class _CrawlPages(AsyncIterator[Page[Image]]):
    def __init__(self, crawl: CrawlPager, *, move_cursor: bool) -> None:
        # A new iteration starts after the last item handed out, not after the end of the
        # last page fetched: a loop that broke mid-page must not skip the rest of it.
        crawl._below = parse_cursor(crawl.cursor)
        self._crawl = crawl
        self._move_cursor = move_cursor
        self._seen = 0
        self._done = False
        self._number = 0

    async def __anext__(self) -> Page[Image]:
        crawl = self._crawl
        if self._done or (crawl.limit is not None and self._seen >= crawl.limit):
            raise StopAsyncIteration
        while True:
            before = len(crawl.skipped)
            page = await crawl._fetch_below(crawl._below, crawl.per_page)
            # Keyset pages are strictly below the bound; anything else would loop forever.
            items = tuple(i for i in page.items if crawl._below is None or i.id < crawl._below)
            # A skipped item's id (where it can be read) moves the bound past it too, so
            # the next page does not ask for it again.
            bad_ids = [
                i for i in (_raw_id(e) for e in crawl.skipped[before:]) if i is not None
            ]
            bad_ids = [i for i in bad_ids if crawl._below is None or i < crawl._below]
            if items or not bad_ids:
                break
            crawl._below = min(bad_ids)  # a page of nothing but bad items: walk on
            if self._move_cursor:
                crawl.cursor = format_cursor(crawl._below)
        if not items:
            self._done = True
            raise StopAsyncIteration
        self._number += 1
        self._seen += len(items)
        crawl.total = page.total
        crawl._below = min([i.id for i in items] + bad_ids)
        if self._move_cursor:
            crawl.cursor = format_cursor(crawl._below)
        return Page(items=items, total=page.total, number=self._number, per_page=crawl.per_page)


def _raw_id(error: DecodeError) -> int | None:
    """The id of a skipped item, if the server sent a usable one."""
    raw = error.raw
    value = raw.get("id") if isinstance(raw, dict) else None
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)  # the legacy serialisers send string ids
    return value if type(value) is int and value >= 0 else None


class _CrawlItems(AsyncIterator[Image]):
    def __init__(self, crawl: CrawlPager) -> None:
        self._crawl = crawl
        self._pages = _CrawlPages(crawl, move_cursor=False)
        self._buffer: tuple[Image, ...] = ()
        self._index = 0
        self._count = 0

    async def __anext__(self) -> Image:
        crawl = self._crawl
        if crawl.limit is not None and self._count >= crawl.limit:
            raise StopAsyncIteration
        while self._index >= len(self._buffer):
            self._buffer = tuple(
                sorted((await self._pages.__anext__()).items, key=lambda i: i.id, reverse=True)
            )
            self._index = 0
        item = self._buffer[self._index]
        self._index += 1
        self._count += 1
        crawl.cursor = format_cursor(item.id)
        return item
