"""``client.tags``: tags by slug or name, and tag search."""

from __future__ import annotations

import re
from typing import Any

from .._convert import slugify
from .._errors import NotFound
from .._models import Page, Tag
from .._pager import Pager
from ._base import Resource, page_size

__all__ = ["Tags", "tag_slug"]

# Characters a slug never contains (they are all escaped by the slug encoding, §1.8).
_NAME_ONLY = re.compile(r"[ :./\\]")
_ESCAPES = re.compile(r"-(?:dash|fwslash|bwslash|colon|dot|plus)-")


def tag_slug(slug_or_name: str) -> str:
    """The slug for a tag given by slug or by name.

    A string that could only be a name (it has a space, ``:``, ``.``, ``/`` or ``\\``, or a
    ``-`` outside a slug escape) is slugified; anything else is already a slug.
    """
    if _NAME_ONLY.search(slug_or_name) or "-" in _ESCAPES.sub("", slug_or_name):
        return slugify(slug_or_name)
    return slug_or_name


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Tags(Resource):
    """Look tags up and search them."""

    async def get(self, slug_or_name: str) -> Tag:
        """The tag with this slug or name (``"artist:foo bar"`` or ``"artist-colon-foo+bar"``)."""
        if not isinstance(slug_or_name, str) or not slug_or_name.strip():
            raise ValueError("a tag slug or name is required")
        slug = tag_slug(slug_or_name.strip())
        client = self._client
        if client.site.flavour == "twibooru":
            # Twibooru v3 has no tag route; search its tag index by slug instead.
            route = client._route("tags.search")
            body = await client._request(
                route, params={"q": f"slug:{_quoted(slug)}", "per_page": 1}
            )
            page = self._page(body, route, Tag, number=1, per_page=1)
            if not page.items:
                raise NotFound(f"no tag with slug {slug!r}", status_code=404)
            return page.items[0]
        route = client._route("tags.get")
        body = await client._request(route, path={"slug": slug}, params={})
        return self._one(body, route.member)

    def search(
        self, query: str, *, per_page: int | None = None, limit: int | None = None
    ) -> Pager[Tag]:
        """Tags matching ``query`` (tag index fields: ``name``, ``slug``, ``images``, ...)."""
        route = self._client._route("tags.search")
        if not isinstance(query, str):
            raise TypeError(f"query must be a string, not {type(query).__name__}")
        size = page_size(per_page, limit)

        async def fetch(number: int, size: int) -> Page[Tag]:
            params = {"q": query, "page": number, "per_page": size}
            body = await self._client._request(route, params=params)
            return self._page(body, route, Tag, number=number, per_page=size)

        return Pager(fetch, per_page=size, limit=limit)

    def _one(self, body: Any, member: str | None) -> Tag:
        decoder = self._client._core.decoder
        raw = decoder.member(body, member)
        if member is not None and type(raw) is dict and type(body) is dict:
            # The legacy tag page sends aliases and DNP entries beside the tag object.
            extras = {k: body[k] for k in ("aliases", "dnp_entries") if k in body and k not in raw}
            raw = {**raw, **extras} if extras else raw
        return decoder.structure(raw, Tag, path=f"$.{member or ''}")
