"""``client.tags``: tags by slug or name, and tag search."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._errors import NotFound
from .._models import Tag
from .._pagination import OnDecodeError, Pager
from .._slugs import is_tag_name, slugify, tag_name
from ._base import Resource

if TYPE_CHECKING:
    from ..query import Query

__all__ = ["Tags"]

def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Tags(Resource):
    """Look tags up and search them."""

    async def get(self, slug_or_name: str) -> Tag:
        """The tag with this slug or name (``"artist:foo bar"`` or ``"artist-colon-foo+bar"``).

        A name is tried under both slug forms Philomena sites hold (tags created before
        2020 kept booru-on-rails' percent-encoded slugs, ``apple+flitter+%28ship%29``).
        """
        if not isinstance(slug_or_name, str) or not slug_or_name.strip():
            raise ValueError("a tag slug or name is required")
        text = slug_or_name.strip()
        named = is_tag_name(text)
        spec = self._session.spec
        if spec.tag_lookup == "search":
            return await self._by_name(text if named else tag_name(text))
        if named:
            # Tags created before 2020 kept booru-on-rails' escaped slugs (§1.8).
            candidates = list(dict.fromkeys(slugify(text, escaped=e) for e in spec.tag_slug_forms))
        else:
            candidates = [text]
        for slug in candidates[:-1]:
            try:
                return await self._get(slug)
            except NotFound:
                continue
        return await self._get(candidates[-1])

    async def _get(self, slug: str) -> Tag:
        return await self._session.one("tags.get", Tag, path={"slug": slug})

    async def _by_name(self, name: str) -> Tag:
        # Quotes wrap the whole term, field prefix included (server-behaviour.md §2.3).
        page = await self._session.list(
            "tags.search", Tag, params={"q": _quoted(f"name:{name}")}, per_page=5
        ).page(1)
        for tag in page.items:
            if tag.name.lower() == name.lower():
                return tag
        raise NotFound(f"no tag named {name!r}", status_code=404)

    def search(
        self,
        query: str | Query,
        *,
        per_page: int | None = None,
        limit: int | None = None,
        on_decode_error: OnDecodeError = "skip",
    ) -> Pager[Tag]:
        """Tags matching ``query`` (tag index fields: ``name``, ``slug``, ``images``, ...),
        most used first."""
        params: dict[str, Any] = {"q": self._session.query_text(query)}
        return self._session.list(
            "tags.search",
            Tag,
            params=params,
            per_page=per_page,
            limit=limit,
            on_decode_error=on_decode_error,
        )
