"""``client.images``: images (Twibooru calls them posts)."""

from __future__ import annotations

from typing import Literal

from .._models import Image, Page
from .._pager import Pager
from .._routes import SORT_NAMES
from ._base import Resource, check_id, page_size, with_interactions

__all__ = ["Images"]

Order = Literal["asc", "desc"]


class Images(Resource):
    """Get, feature and search images."""

    async def get(self, id: int) -> Image:
        """The image ``id``. Deleted or merged images come back with ``hidden=True``."""
        image_id = check_id(id)
        route = self._client._route("images.get")
        body = await self._client._request(route, path={"id": str(image_id)}, params={})
        return self._one(body, route.member)

    async def featured(self) -> Image:
        """The image currently featured on the front page."""
        route = self._client._route("images.featured")
        body = await self._client._request(route, params={})
        return self._one(body, route.member)

    def search(
        self,
        query: str,
        *,
        sort: str | None = None,
        order: Order | None = None,
        per_page: int | None = None,
        limit: int | None = None,
    ) -> Pager[Image]:
        """Images matching ``query`` (Philomena search syntax), as a :class:`Pager`.

        ``sort`` is a Philomena sort field (``score``, ``wilson_score``, ``random:42``, ...;
        mapped to the legacy names where needed), ``order`` is ``"asc"`` or ``"desc"``.
        Nothing is sent until the pager is used.
        """
        route = self._client._route("images.search")
        if not isinstance(query, str):
            raise TypeError(f"query must be a string, not {type(query).__name__}")
        if order not in (None, "asc", "desc"):
            raise ValueError(f"order must be 'asc' or 'desc', not {order!r}")
        flavour = self._client.site.flavour
        sort_field = SORT_NAMES[flavour].get(sort, sort) if sort else None
        size = page_size(per_page, limit)

        async def fetch(number: int, size: int) -> Page[Image]:
            params = {
                "q": query,
                "sort": sort_field,
                "order": order,
                "page": number,
                "per_page": size,
            }
            body = await self._client._request(route, params=params)
            return self._page(body, route, Image, number=number, per_page=size)

        return Pager(fetch, per_page=size, limit=limit)

    def _one(self, body: object, member: str | None) -> Image:
        decoder = self._client._core.decoder
        image = decoder.structure(decoder.member(body, member), Image, path=f"$.{member or ''}")
        if member is not None:
            (image,) = with_interactions((image,), decoder.interactions(body))
        return image
