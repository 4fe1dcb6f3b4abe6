"""Keeping up with a site: ``images.changes`` (everything edited since a time) and
``images.stream`` (new uploads as they arrive).

``changes``: a keyset walk on ``(updated_at, id)``
--------------------------------------------------
Philomena sorts ``sf=updated_at`` by ``updated_at`` and then ``id``, both in ``sd``
(``PhilomenaWeb.ImageSorter.parse_sf``: ``sorts: [%{sf => sd}, %{"id" => sd}]``), and its
search grammar compares dates at the precision written (server-behaviour.md §2.3: a value
is the interval ``[start, end)`` of its precision; ``.gte:`` compares with the start, ``.gt:``
with the end, ``:`` means within). Offsets would move as images are edited during the walk,
so the walk is a keyset on the pair, at the grammar's precision, one second:

* **window**: ``(q), updated_at.gte:<since>`` (first) or ``(q), updated_at.gte:<S+1s>``
  (after second ``S`` is done; not ``.gt:<S>``, which Philomena reads as "after the end of
  S's interval", skipping S+1s), ``sf=updated_at, sd=asc``. When more matches remain, the seconds
  before the page's last second are complete and are yielded; the last one may continue on
  the next page, so it is asked again by the next window. A page that holds one second only
  switches to
* **second**: ``(q), updated_at:<S>, id.gt:<I>``, ``sf=id, sd=asc``: a plain id keyset
  inside the second, however many images one mass edit stamped with it.

Items are yielded ordered by ``(updated_at to the second, id)``; that is exactly
``(updated_at, id)`` on Philomena, which stores seconds. Twibooru keeps milliseconds, which
its grammar cannot address, so there images within one second come in id order. The
cursor is the last yielded pair (``"updated_at:2024-01-02T03:04:05Z,id:123"``); resuming
walks the rest of that second by id, then windows again. An image edited while the walk is
under way moves to its new place: behind the walk, it comes again later with its new
``updated_at`` (a newer version, not a duplicate of the same one).

Deleted and merged images leave search (``hidden_from_users`` is excluded), so a deletion
never shows here; see ``docs/archiving.md``.

``stream``: polling for new ids
-------------------------------
``(q), id.gt:<last>``, ``sf=id, sd=asc`` (the legacy app: ``/images.json`` with
``constraint=id``, ``gt``, ``order=a``), on the bulk priority: every new upload, oldest
first, then a pause of ``interval`` seconds. Transient failures (5xx, transport errors,
rate limits, undecodable answers) are logged and retried with a growing pause; anything
else (a bad query, a ban) is raised. It ends only when cancelled.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta

import anyio

from ._errors import DecodeError, RateLimited, ServerError, TransportError
from ._models import Image, Page
from ._sites import Flavour, Site
from .query import QueryLike, render

__all__ = [
    "ChangesPager",
    "FetchAfter",
    "FetchNewest",
    "ImageStream",
    "SearchPage",
    "and_terms",
    "default_interval",
    "format_changes_cursor",
    "parse_changes_cursor",
]

log = logging.getLogger("booru_async")

#: ``fetch(q, sort, order, per_page)`` -> the first page of that search.
SearchPage = Callable[[str, str, str, int], Awaitable[Page[Image]]]

_CURSOR = re.compile(r"^updated_at:(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ),id:(\d+)$")
#: The shortest pause between polls of a stream, whatever the budget allows.
MIN_INTERVAL = 10.0
#: A stream spends at most this share of the search budget.
STREAM_SHARE = 0.25


def _second(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(microsecond=0)


def _stamp(value: datetime) -> str:
    return _second(value).strftime("%Y-%m-%dT%H:%M:%SZ")


def format_changes_cursor(updated_at: datetime, image_id: int) -> str:
    """The cursor after an image: ``"updated_at:<UTC second>,id:<id>"``."""
    return f"updated_at:{_stamp(updated_at)},id:{image_id}"


def parse_changes_cursor(cursor: str) -> tuple[datetime, int]:
    """``(second, id)`` from a cursor :func:`format_changes_cursor` made."""
    match = _CURSOR.match(cursor.strip()) if isinstance(cursor, str) else None
    if match is None:
        raise ValueError(
            f"not a changes cursor: {cursor!r} "
            "(expected 'updated_at:YYYY-MM-DDTHH:MM:SSZ,id:<image id>')"
        )
    when = datetime.strptime(match[1], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    return when, int(match[2])


def and_terms(query: str, *terms: str) -> str:
    """``query`` restricted by ``terms`` (an empty or ``*`` query: the terms alone)."""
    query = query.strip()
    joined = ", ".join(terms)
    return f"({query}), {joined}" if query and query != "*" else joined


def _more(page: Page[Image], per_page: int) -> bool:
    # A page may come short without being the last (server-behaviour.md §2.1): the total,
    # when the server sends one, says whether more matched.
    if page.total is not None:
        return page.total > len(page.items)
    return len(page.items) >= per_page


class ChangesPager(AsyncIterator[Image]):
    """What ``images.changes`` returns: every image matching ``query`` whose ``updated_at``
    is at or after ``since``, ordered by ``(updated_at, id)``, each once.

    ``cursor`` moves as items are yielded; ``images.changes(query, since=..., cursor=saved)``
    resumes after the last item yielded before the save. Iterating again continues from
    the cursor.
    """

    def __init__(
        self,
        fetch: SearchPage,
        query: QueryLike,
        *,
        since: datetime,
        cursor: str | None = None,
        per_page: int = 50,
        flavour: Flavour = "philomena",
    ) -> None:
        if not isinstance(since, datetime) or since.tzinfo is None:
            raise ValueError("since must be an aware datetime (e.g. datetime.now(UTC))")
        if cursor is not None:
            parse_changes_cursor(cursor)
        self._fetch = fetch
        self._query = render(query, flavour)
        self.since = since.astimezone(UTC)
        self.per_page = per_page
        self.cursor: str | None = cursor
        self._buffer: list[Image] = []
        self._done = False
        # Where the walk stands: inside ``second`` after ``after_id`` (second mode), or
        # after the whole ``second`` (window mode; ``None``: from ``since``).
        self._second: datetime | None = None
        self._after_id: int | None = None
        self._inside = False
        self._restart()

    def __repr__(self) -> str:
        return f"<ChangesPager since={self.since.isoformat()} cursor={self.cursor!r}>"

    def _restart(self) -> None:
        self._buffer = []
        self._done = False
        if self.cursor is None:
            self._second, self._after_id, self._inside = None, None, False
        else:
            self._second, self._after_id = parse_changes_cursor(self.cursor)
            self._inside = True

    def __aiter__(self) -> ChangesPager:
        self._restart()
        return self

    def _wanted(self, image: Image) -> bool:
        return image.updated_at is not None and image.updated_at >= self.since

    async def _fill(self) -> None:
        per_page = self.per_page
        if self._inside:
            assert self._second is not None
            terms = [f"updated_at:{_stamp(self._second)}"]
            if self._after_id is not None:
                terms.append(f"id.gt:{self._after_id}")
            page = await self._fetch(and_terms(self._query, *terms), "id", "asc", per_page)
            items = sorted(
                (i for i in page.items if i.updated_at is not None
                 and _second(i.updated_at) == self._second
                 and (self._after_id is None or i.id > self._after_id)),
                key=lambda i: i.id,
            )  # fmt: skip
            if items and _more(page, per_page):
                self._after_id = items[-1].id
            else:
                self._inside, self._after_id = False, None  # the second is done
            self._buffer = [i for i in items if self._wanted(i)]
            return
        # After second S the bound is ``gte:<S+1s>``, never ``gt:<S>``: Philomena turns a
        # date ``.gt:`` into ``{gt: <end of the interval>}`` (PhilomenaQuery.Parse.Parser,
        # ``field_type`` for ``DateParser``), so ``gt:S`` is "> S+1s" and would skip every
        # image stamped exactly S+1s, which at second precision is all of them.
        start = self.since if self._second is None else self._second + timedelta(seconds=1)
        bound = f"updated_at.gte:{_stamp(start)}"
        page = await self._fetch(and_terms(self._query, bound), "updated_at", "asc", per_page)
        floor = _second(self.since) if self._second is None else self._second
        items = sorted(
            (i for i in page.items if i.updated_at is not None
             and (_second(i.updated_at) > floor
                  or (self._second is None and _second(i.updated_at) == floor))),
            key=lambda i: (_second(i.updated_at), i.id),  # type: ignore[arg-type]
        )  # fmt: skip
        if not items:
            self._done = True
            return
        if not _more(page, per_page):
            self._buffer = [i for i in items if self._wanted(i)]
            self._done = True
            return
        last = _second(items[-1].updated_at)  # type: ignore[arg-type]
        complete = [i for i in items if _second(i.updated_at) < last]  # type: ignore[arg-type]
        if complete:
            self._second = _second(complete[-1].updated_at)  # type: ignore[arg-type]
            self._buffer = [i for i in complete if self._wanted(i)]
        else:
            # One second fills the page: walk it by id.
            self._second, self._after_id, self._inside = last, None, True
            self._buffer = []

    async def __anext__(self) -> Image:
        while not self._buffer:
            if self._done:
                raise StopAsyncIteration
            await self._fill()
        image = self._buffer.pop(0)
        assert image.updated_at is not None
        self.cursor = format_changes_cursor(image.updated_at, image.id)
        return image


def default_interval(site: Site) -> float:
    """The pause between polls a stream makes on ``site``: at most a quarter of its search
    budget, and never less than :data:`MIN_INTERVAL` seconds."""
    budget = site.budgets.get("search") or site.budgets.get("site")
    if budget is None:
        return MIN_INTERVAL
    requests, seconds = budget
    return max(MIN_INTERVAL, seconds / requests / STREAM_SHARE)


#: ``fetch_after(after_id, per_page)`` -> matching images with ids above ``after_id``,
#: ascending; ``fetch_newest()`` -> a page whose first item is the newest match.
FetchAfter = Callable[[int, int], Awaitable[Page[Image]]]
FetchNewest = Callable[[], Awaitable[Page[Image]]]


class ImageStream(AsyncIterator[Image]):
    """What ``images.stream`` returns: new uploads matching the query, oldest first, until
    cancelled.

    ``last_id`` is the newest id yielded (or the starting point): save it and pass it as
    ``since_id`` to carry on after a restart. ``polls`` counts the requests that answered,
    ``errors`` the transient failures in a row being waited out.
    """

    #: Failures a stream waits out; anything else is raised to the caller.
    TRANSIENT: tuple[type[Exception], ...] = (
        ServerError,
        TransportError,
        RateLimited,
        DecodeError,
    )

    def __init__(
        self,
        fetch_after: FetchAfter,
        fetch_newest: FetchNewest,
        *,
        since_id: int | None,
        interval: float,
        per_page: int = 50,
        max_backoff: float | None = None,
    ) -> None:
        if since_id is not None and (
            isinstance(since_id, bool) or not isinstance(since_id, int) or since_id < 0
        ):
            raise ValueError("since_id must be an image id (an int >= 0) or None")
        if isinstance(interval, bool) or not isinstance(interval, int | float) or interval <= 0:
            raise ValueError("interval must be a number of seconds > 0")
        self._fetch_after = fetch_after
        self._fetch_newest = fetch_newest
        self.last_id: int | None = since_id
        self.interval = float(interval)
        self.per_page = per_page
        self.max_backoff = max_backoff if max_backoff is not None else 10 * self.interval
        self.errors = 0
        self.polls = 0
        self._buffer: list[Image] = []
        self._wait = 0.0

    def __repr__(self) -> str:
        return f"<ImageStream last_id={self.last_id} interval={self.interval}>"

    def __aiter__(self) -> ImageStream:
        return self

    async def _call(self, fetch: Callable[[], Awaitable[Page[Image]]]) -> Page[Image] | None:
        """One request; ``None`` after a transient failure (the pause is already taken)."""
        try:
            page = await fetch()
        except self.TRANSIENT as exc:
            self.errors += 1
            backoff = min(self.max_backoff, self.interval * 2 ** min(self.errors - 1, 16))
            if isinstance(exc, RateLimited) and exc.retry_after:
                backoff = max(backoff, exc.retry_after)
            log.warning(
                "stream: %s; polling again in %.1f s", " ".join(str(exc).split()), backoff
            )
            await anyio.sleep(backoff)
            return None
        self.polls += 1
        self.errors = 0
        return page

    async def __anext__(self) -> Image:
        while not self._buffer:
            if self.last_id is None:
                # Default start: the newest match now; only later uploads follow.
                first = await self._call(self._fetch_newest)
                if first is None:
                    continue
                self.last_id = max((i.id for i in first.items), default=-1)
            if self._wait:
                await anyio.sleep(self._wait)
            floor = self.last_id

            async def newer(floor: int = floor) -> Page[Image]:
                return await self._fetch_after(floor, self.per_page)

            page = await self._call(newer)
            if page is None:
                self._wait = 0.0
                continue
            fresh = sorted((i for i in page.items if i.id > floor), key=lambda i: i.id)
            self._buffer = fresh
            # More waiting: ask again at once (the scheduler paces it); else pause.
            self._wait = 0.0 if fresh and _more(page, self.per_page) else self.interval
        image = self._buffer.pop(0)
        self.last_id = image.id
        return image
