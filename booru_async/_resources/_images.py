"""``client.images``: images (Twibooru calls them posts)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

import anyio
import attrs
import httpx

from .._download import Representation, complete_file, file_name, inside, write_verified
from .._errors import (
    DecodeError,
    NotFound,
    RequestInfo,
    TransportError,
    UnsupportedOperation,
    excerpt,
)
from .._flavours import ImageSort
from .._models import Comment, Image, Page, Rankings
from .._pagination import CrawlPager, FetchBelow, OnDecodeError, Pager, keyset_query
from .._session import MAX_PER_PAGE, page_size
from .._updates import ChangesPager, ImageStream, and_terms, default_interval
from ._base import Resource, check_id

if TYPE_CHECKING:
    from ..query import Query

__all__ = ["ImageSort", "Images"]

#: ``TimePeriod#get_time_period`` reads ``<n>h``, ``<n>d`` or ``<n>w``.
_PERIOD = re.compile(r"[0-9]+[hdw]")
_RANKING_LISTS = ("top_scoring", "top_commented", "all_time_top_scoring")

Order = Literal["asc", "desc"]
#: Philomena's upload limit on sources (§4.2).
MAX_SOURCES = 15


def _check_url(url: object, what: str = "url") -> str:
    if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https"):
        raise ValueError(f"{what} must be an http(s) URL, not {url!r}")
    return url


class Images(Resource):
    """Get, feature, search, crawl, reverse-search, upload and download images."""

    async def get(self, id: int) -> Image:
        """The image ``id``. Deleted or merged images come back with ``hidden=True``."""
        return await self._session.one("images.get", Image, path={"id": str(check_id(id))})

    async def featured(self) -> Image:
        """The image currently featured on the front page."""
        return await self._session.one("images.featured", Image)

    def search(
        self,
        query: str | Query,
        *,
        sort: ImageSort | None = None,
        order: Order | None = None,
        per_page: int | None = None,
        limit: int | None = None,
        deleted: bool = False,
        on_decode_error: OnDecodeError = "skip",
    ) -> Pager[Image]:
        """Images matching ``query`` (a search string or a :mod:`booru_async.query`
        expression), as a :class:`Pager`.

        ``sort`` is a Philomena sort field (``score``, ``wilson_score``, ``random:42``,
        ``gallery_id:7``, ...; mapped to the legacy names where needed). A field the site's
        API does not sort by raises :class:`UnsupportedOperation` before anything is sent,
        because every server silently falls back to its default order (the legacy API
        knows ``created_at``, ``updated_at``, ``first_seen_at``, ``width``, ``height``,
        ``score``, ``_score``, ``comment_count``, ``tag_count``, ``wilson_score`` and
        ``random``). ``order`` is ``"asc"`` or ``"desc"``. ``deleted=True`` keeps deleted
        and merged images in the answer as hidden stubs (Philomena ``del=1``, legacy
        ``deleted``). Nothing is sent until the pager is used.
        """
        if order not in (None, "asc", "desc"):
            raise ValueError(f"order must be 'asc' or 'desc', not {order!r}")
        session = self._session
        params: dict[str, Any] = {
            "q": session.query_text(query),
            "sort": session.sort_name(sort),
            "order": order,
        }
        if deleted:
            params[session.param_name("deleted")] = "1"
        return session.list(
            "images.search",
            Image,
            params=params,
            per_page=per_page,
            limit=limit,
            on_decode_error=on_decode_error,
        )

    def watched(
        self,
        *,
        per_page: int | None = None,
        limit: int | None = None,
        on_decode_error: OnDecodeError = "skip",
    ) -> Pager[Image]:
        """The key's watch list: images with the tags (and queries) its user watches,
        newest first. Needs an API key; raises :class:`UnsupportedOperation` without one,
        since an anonymous request has no watch list (Philomena would read ``my:watched``
        as a tag and answer an empty page)."""
        session = self._session
        session.route("images.watched")  # UnsupportedOperation first, where there is none
        if not session.keyed:
            raise UnsupportedOperation(
                "images.watched() needs an API key: an anonymous request has no watch list"
            )
        return session.list(
            "images.watched",
            Image,
            per_page=per_page,
            limit=limit,
            on_decode_error=on_decode_error,
        )

    def front_page(
        self,
        *,
        deleted: bool = False,
        random: bool = False,
        per_page: int | None = None,
        limit: int | None = None,
        on_decode_error: OnDecodeError = "skip",
    ) -> Pager[Image]:
        """The legacy API's front-page listing (``/images.json``), newest first.

        ``deleted=True`` adds deleted and merged images as hidden stubs and ``random=True``
        orders the images randomly (both documented by Twibooru; booru-on-rails honours
        ``deleted`` only for staff here). Random pages are never coalesced or cached.
        Philomena and Twibooru v3 have no such route: :class:`UnsupportedOperation`.
        """
        operation = "images.front_page_random" if random else "images.front_page"
        params: dict[str, Any] = {"deleted": "1"} if deleted else {}
        return self._session.list(
            operation,
            Image,
            params=params,
            per_page=per_page,
            limit=limit,
            on_decode_error=on_decode_error,
        )

    async def rankings(self, period: str | None = None) -> Rankings:
        """The legacy API's rankings (``/lists.json``): the top scoring and top commented
        images first seen in the last ``period`` (``"6h"``, ``"24h"``, ``"7d"``, ``"4w"``:
        a number and ``h``, ``d`` or ``w``; ``None`` is the server's default, 3 days on
        booru-on-rails and 7 on Twibooru), and the top scoring of all time."""
        if period is not None and (
            not isinstance(period, str) or not _PERIOD.fullmatch(period)
        ):
            raise ValueError(f"period must look like '6h', '7d' or '4w', not {period!r}")
        session = self._session
        route = session.route("images.rankings")
        body = await session.request(route, params={"last": period})
        lists = session.decode_members(body, _RANKING_LISTS, Image)
        return Rankings(**lists)

    async def random(self, query: str | Query = "") -> Image:
        """A random image matching ``query`` (any image when it is empty)."""
        session = self._session
        text = session.query_text(query).strip() or "*"
        route = session.route("images.random")
        if session.spec.random == "sort":
            body = await session.request(
                route, params={**route.params, "q": text, "page": 1, "per_page": 1}
            )
            page = session.decode_page(body, route, Image, number=1, per_page=1)
            if not page.items:
                raise NotFound(f"no image matches {text!r}", status_code=404)
            return page.items[0]
        # The legacy app answers {"id": N} for random_image=1 (§5.1).
        body = await session.request(route, params={**route.params, "q": text})
        picked = body.get("id") if isinstance(body, dict) else None
        if picked is None:
            raise NotFound(f"no image matches {text!r}", status_code=404)
        if isinstance(picked, str) and picked.isascii() and picked.isdigit():
            picked = int(picked)  # the legacy serialisers send string ids
        if type(picked) is not int or picked < 0:
            raise DecodeError(
                f"random_image answered an id that is not an integer >= 0: {picked!r}",
                excerpt=excerpt(repr(body)),
            )
        return await self.get(picked)

    def comments(
        self,
        id: int,
        *,
        per_page: int | None = None,
        limit: int | None = None,
        on_decode_error: OnDecodeError = "skip",
    ) -> Pager[Comment]:
        """The comments on image ``id``, newest first."""
        return self._session.list(
            "images.comments",
            Comment,
            path={"id": str(check_id(id))},
            per_page=per_page,
            limit=limit,
            on_decode_error=on_decode_error,
        )

    def crawl(
        self,
        query: str | Query = "",
        *,
        cursor: str | None = None,
        per_page: int = MAX_PER_PAGE,
        limit: int | None = None,
        on_decode_error: OnDecodeError = "skip",
    ) -> CrawlPager:
        """Walk every image matching ``query`` from the newest id down (keyset: new uploads
        never shift it). The returned pager's ``cursor`` is updated as items are yielded;
        ``crawl(query, cursor=saved)`` resumes after the last item yielded before the save.
        """
        session = self._session
        text = session.query_text(query)
        size = page_size(per_page, None)
        skipped = session.skip_list(on_decode_error)
        if session.spec.keyset == "window":
            fetch_below = self._window_below(text, skipped)
        else:
            route = session.route("images.search")

            async def fetch_below(below: int | None, size: int) -> Page[Image]:
                params = {
                    "q": keyset_query(text, below),
                    "sort": "id",
                    "order": "desc",
                    "page": 1,
                    "per_page": size,
                }
                body = await session.request(route, params=params)
                return session.decode_page(
                    body, route, Image, number=1, per_page=size, skipped=skipped
                )

        return CrawlPager(fetch_below, per_page=size, limit=limit, cursor=cursor, skipped=skipped)

    def stream(
        self,
        query: str | Query = "",
        *,
        since_id: int | None = None,
        interval: float | None = None,
    ) -> ImageStream:
        """New uploads matching ``query``, oldest first, as they arrive; it runs until
        cancelled (``async for image in client.images.stream("safe"): ...``).

        ``since_id``: yield images with a higher id (default: the newest match when the
        iteration starts, so only later uploads come). Polls go on the bulk priority, so
        the same client's interactive calls go first; ``interval`` is the pause between
        polls when nothing more is waiting (default: at most a quarter of the site's search
        budget, never under 10 s). Transient failures are logged and waited out with a
        growing pause. The returned iterator's ``last_id`` is where to resume after a
        restart. The legacy API can stream only the empty query (by ``/images.json``).
        """
        session = self._session
        text = session.query_text(query)
        pause = default_interval(session.site) if interval is None else interval
        bulk = session.with_options(attrs.evolve(session.options, priority="bulk"))
        # A poll repeats the same URL until something new arrives: never answer it from
        # the cache or from another caller's flight.
        if session.spec.keyset == "window":
            if text.strip() not in ("", "*"):
                raise UnsupportedOperation(
                    "the legacy API cannot sort a search by id; stream('') follows every "
                    "upload through /images.json instead"
                )
            walk = attrs.evolve(session.route("images.walk"), shareable=False)

            async def after(floor: int, size: int) -> Page[Image]:
                params: dict[str, Any] = {
                    **walk.params, "order": "a", "gt": floor, "per_page": size
                }
                body = await bulk.request(walk, params=params)
                return bulk.decode_page(body, walk, Image, number=1, per_page=size, skipped=[])

            async def newest() -> Page[Image]:
                body = await bulk.request(walk, params={**walk.params, "per_page": 1})
                return bulk.decode_page(body, walk, Image, number=1, per_page=1, skipped=[])

        else:
            search = attrs.evolve(session.route("images.search"), shareable=False)

            async def by_id(q: str, order: str, size: int) -> Page[Image]:
                params = {"q": q, "sort": "id", "order": order, "page": 1, "per_page": size}
                body = await bulk.request(search, params=params)
                return bulk.decode_page(
                    body, search, Image, number=1, per_page=size, skipped=[]
                )

            async def after(floor: int, size: int) -> Page[Image]:
                return await by_id(and_terms(text, f"id.gt:{floor}"), "asc", size)

            async def newest() -> Page[Image]:
                return await by_id(text.strip() or "*", "desc", 1)

        return ImageStream(after, newest, since_id=since_id, interval=pause)

    def changes(
        self,
        query: str | Query = "",
        *,
        since: datetime,
        cursor: str | None = None,
        per_page: int = MAX_PER_PAGE,
    ) -> ChangesPager:
        """Every image matching ``query`` whose ``updated_at`` is at or after ``since`` (an
        aware datetime), ordered by ``(updated_at, id)``, each once: a keyset walk on the
        pair (``sf=updated_at``, then ``id`` inside one second), so edits during the walk
        never make it skip. ``cursor`` moves as items are yielded;
        ``changes(query, since=..., cursor=saved)`` resumes after the last one. Deleted
        images leave search and so never appear (see the archiving guide). Flavours whose
        search cannot walk ``updated_at`` (legacy) raise :class:`UnsupportedOperation`
        before anything is sent.
        """
        session = self._session
        if not session.spec.changes:
            raise UnsupportedOperation(
                f"images.changes() is not available on {session.site.name!r} (the "
                f"{session.site.flavour} API cannot walk a search by updated_at)"
            )
        text = session.query_text(query)
        size = page_size(per_page, None)
        search = attrs.evolve(session.route("images.search"), shareable=False)

        async def fetch(q: str, sort: str, order: str, n: int) -> Page[Image]:
            params = {
                "q": q, "sort": session.sort_name(sort), "order": order, "page": 1, "per_page": n
            }
            body = await session.request(search, params=params)
            return session.decode_page(body, search, Image, number=1, per_page=n, skipped=[])

        return ChangesPager(fetch, text, since=since, cursor=cursor, per_page=size,
                            flavour=session.site.flavour)

    def _window_below(self, text: str, skipped: list[DecodeError] | None) -> FetchBelow:
        if text.strip() not in ("", "*"):
            raise UnsupportedOperation(
                "the legacy API cannot sort a search by id; crawl('') walks every image "
                "through /images.json instead"
            )
        session = self._session
        route = session.route("images.walk")

        async def fetch_below(below: int | None, size: int) -> Page[Image]:
            params: dict[str, Any] = {**route.params, "per_page": size, "lt": below}
            body = await session.request(route, params=params)
            return session.decode_page(body, route, Image, number=1, per_page=size, skipped=skipped)

        return fetch_below

    def reverse_search(
        self,
        url: str | None = None,
        *,
        file: bytes | os.PathLike[str] | str | None = None,
        distance: float = 0.25,
        limit: int | None = None,
        on_decode_error: OnDecodeError = "skip",
    ) -> Pager[Image]:
        """Images that look like the one at ``url`` (or in ``file``: bytes or a path).

        ``distance`` (0..1, default 0.25) is how far the match may be; ``limit`` (1..50)
        caps the answer. Hidden matches come back as stubs. The server answers an empty
        list, not an error, for anything it cannot analyse.
        """
        session = self._session
        route = session.route("images.reverse_search")
        if (url is None) == (file is None):
            raise ValueError("give exactly one of url= or file=")
        if isinstance(distance, bool) or not isinstance(distance, int | float):
            raise TypeError("distance must be a number")
        if not 0 <= distance <= 1:
            raise ValueError("distance must be between 0 and 1")
        if limit is not None and not 1 <= limit <= MAX_PER_PAGE:
            raise ValueError(f"limit must be between 1 and {MAX_PER_PAGE}")
        params: dict[str, Any] = {"distance": distance, "limit": limit}
        content: dict[str, Any] = {}
        if url is not None:
            params["url"] = _check_url(url)
        else:
            field = session.spec.reverse_file_field
            content["files"] = {field: ("image", _read(file))}

        skipped = session.skip_list(on_decode_error)

        async def fetch(number: int, size: int) -> Page[Image]:
            body = await session.request(route, params=params, **content)
            return session.decode_page(body, route, Image, number=1, per_page=size, skipped=skipped)

        return Pager(fetch, per_page=limit or 10, limit=limit, single_page=True, skipped=skipped)

    async def upload(
        self,
        url: str,
        *,
        tags: Iterable[str],
        source_urls: Iterable[str] = (),
        description: str = "",
        anonymous: bool = False,
    ) -> Image:
        """Upload the image at ``url`` (needs an API key). Never retried: a repeat could
        upload twice. Validation failures raise :class:`UploadRejected` with the server's
        per-field messages."""
        _check_url(url)
        tag_list = [t.strip() for t in ([tags] if isinstance(tags, str) else tags)]
        if not all(tag_list) or not tag_list:
            raise ValueError("tags must be a non-empty list of non-empty tag names")
        sources = [_check_url(s, "each source URL") for s in source_urls]
        if len(sources) > MAX_SOURCES:
            raise ValueError(f"at most {MAX_SOURCES} source URLs")
        body = {
            "image": {
                "tag_input": ", ".join(tag_list),
                "description": description,
                "anonymous": anonymous,
                "sources": {str(n): {"source": s} for n, s in enumerate(sources)},
            },
            "url": url,
        }
        return await self._session.one("images.upload", Image, json=body)

    def file_name(self, image: Image, representation: Representation = "full") -> str:
        """The name :meth:`download` gives a file: ``<id>.<ext>``, or
        ``<id>.<representation>.<ext>`` for thumbnails. Sends nothing."""
        return file_name(image, representation)[0]

    async def existing_file(
        self,
        image: Image,
        dest: str | os.PathLike[str],
        *,
        representation: Representation = "full",
        filename: str | os.PathLike[str] | None = None,
    ) -> Path | None:
        """The complete file of ``image`` already in ``dest`` (under the name
        :meth:`download` gives it, or ``filename``; hash checked where there is one), or
        ``None``. Sends nothing."""
        return await complete_file(Path(dest), image, representation, filename)

    async def download(
        self,
        image: Image | int,
        dest: str | os.PathLike[str],
        *,
        representation: Representation = "full",
        verify: bool = True,
        skip_existing: bool = False,
        filename: str | os.PathLike[str] | None = None,
    ) -> Path:
        """Download ``image`` into the folder ``dest`` as ``<id>.<ext>``; returns the path.

        ``representation`` is ``"full"`` (the stored file), ``"original"`` (an SVG's
        source; otherwise the same as full), a thumbnail size, or ``"webm"``/``"mp4"``
        (GIFs). The full file is checked against ``sha512_hash`` when ``verify`` is true:
        a mismatch raises :class:`IntegrityError` and leaves nothing in ``dest``. With
        ``skip_existing``, a complete file already in ``dest`` (hash checked where there is
        one) is kept and nothing is sent. ``filename`` names the file instead, as a path
        relative to ``dest`` (folders are created; a name that leads outside ``dest``
        raises ``ValueError``). The API key is never sent to the CDN, and files have their
        own rate budget.

        ``dest`` is created if it does not exist but its parent does (so
        ``download(image, "downloads/")`` works in any existing working directory); a
        missing parent raises :class:`ValueError` rather than creating a tree from a typo.

        Example::

            path = await client.images.download(image, "downloads/")
        """
        if not isinstance(image, Image):
            image = await self.get(check_id(image, "image"))
        folder = Path(dest)
        where = anyio.Path(folder)
        if not await where.is_dir():
            if await where.exists():
                raise ValueError(f"dest must be a folder, not a file: {folder}")
            if not await where.parent.is_dir():
                raise ValueError(f"dest's parent folder does not exist: {folder.parent}")
            # exist_ok: a concurrent download may create it first.
            await where.mkdir(exist_ok=True)
        name, url, verifiable = file_name(image, representation)
        target = inside(folder, filename) if filename is not None else folder / name
        if skip_existing and (done := await complete_file(folder, image, representation, filename)):
            return done
        await anyio.Path(target.parent).mkdir(parents=True, exist_ok=True)
        expected = image.sha512_hash if verify and verifiable else None
        response = await self._session.open_file(url)
        try:
            return await write_verified(
                response.aiter_bytes(), target.parent, target.name, expected_sha512=expected
            )
        except httpx.HTTPError as exc:
            raise TransportError(
                f"download of image {image.id} failed: {type(exc).__name__}: {exc}",
                request=RequestInfo("GET", url),
            ) from None
        finally:
            await response.aclose()


def _read(file: bytes | os.PathLike[str] | str | None) -> bytes:
    if isinstance(file, bytes):
        return file
    if file is None:
        raise ValueError("file is required")
    return Path(file).read_bytes()
