"""``images.crawl``: a keyset walk by id that new uploads cannot shift, with a resumable cursor.

Offset pages move under a crawler's feet: every upload pushes the list down by one, every
deletion pulls it up, so page N+1 repeats or skips images. A keyset walk asks instead for
"the next ``per_page`` images below the last id I saw" (``sf=id, sd=desc, id.lt:<last>``):
new uploads have higher ids and never enter the walk, deletions just vanish, and every image
that matched when the walk began and still exists when the walk reaches its place is visited
exactly once. The cursor is that last id, as a string a crawler can save and hand back.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable

from ._errors import UnsupportedOperation
from ._models import Image, Page
from ._pager import Pager

__all__ = ["CrawlPager", "format_cursor", "keyset_query", "parse_cursor"]

_CURSOR = re.compile(r"^id:(\d+)$")

FetchBelow = Callable[[int | None, int], Awaitable[Page[Image]]]


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


async def _no_page_numbers(number: int, size: int) -> Page[Image]:
    # What ``page(n)`` answers for a crawl: a keyset walk has no page numbers.
    raise UnsupportedOperation("a keyset crawl has no page numbers; iterate it")


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
    ) -> None:
        self._below = parse_cursor(cursor)
        self._fetch_below = fetch_below
        super().__init__(_no_page_numbers, per_page=per_page, limit=limit)
        self.cursor: str | None = cursor

    def __repr__(self) -> str:
        return f"<CrawlPager per_page={self.per_page} cursor={self.cursor!r}>"

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
        page = await crawl._fetch_below(crawl._below, crawl.per_page)
        # Keyset pages are strictly below the bound; anything else would loop forever.
        items = tuple(i for i in page.items if crawl._below is None or i.id < crawl._below)
        if not items:
            self._done = True
            raise StopAsyncIteration
        self._number += 1
        self._seen += len(items)
        crawl._below = min(i.id for i in items)
        if self._move_cursor:
            crawl.cursor = format_cursor(crawl._below)
        return Page(items=items, total=page.total, number=self._number, per_page=crawl.per_page)


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
