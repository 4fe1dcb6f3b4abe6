"""The smaller namespaces: comments, galleries, forums, forum posts, profiles, filters."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._models import Comment, Filter, Forum, ForumPost, Gallery, Topic, User
from .._pagination import OnDecodeError, Pager
from ._base import Resource, check_id, check_name

if TYPE_CHECKING:
    from ..query import Query

__all__ = ["Comments", "Filters", "Forums", "Galleries", "Posts", "Profiles"]


class Comments(Resource):
    """Image comments."""

    async def get(self, id: int) -> Comment:
        """The comment ``id`` (its image hidden: :class:`Forbidden`)."""
        return await self._session.one("comments.get", Comment, path={"id": str(check_id(id))})

    def search(
        self,
        query: str | Query,
        *,
        per_page: int | None = None,
        limit: int | None = None,
        on_decode_error: OnDecodeError = "skip",
    ) -> Pager[Comment]:
        """Comments matching ``query`` (fields ``body``, ``author``, ``image_id``, ...)."""
        return self._search(
            "comments.search", Comment, query, per_page, limit, on_decode_error
        )


class Galleries(Resource):
    """Image galleries."""

    async def get(self, id: int) -> Gallery:
        """The gallery ``id``."""
        return await self._session.one("galleries.get", Gallery, path={"id": str(check_id(id))})

    def search(
        self,
        query: str | Query,
        *,
        per_page: int | None = None,
        limit: int | None = None,
        on_decode_error: OnDecodeError = "skip",
    ) -> Pager[Gallery]:
        """Galleries matching ``query`` (fields ``title``, ``user``, ``image_ids``, ...)."""
        return self._search(
            "galleries.search", Gallery, query, per_page, limit, on_decode_error
        )


class Forums(Resource):
    """Forums, their topics and the posts in them."""

    def list(
        self,
        *,
        per_page: int | None = None,
        limit: int | None = None,
        on_decode_error: OnDecodeError = "skip",
    ) -> Pager[Forum]:
        """Every forum open to normal users."""
        return self._session.list(
            "forums.list",
            Forum,
            per_page=per_page,
            limit=limit,
            on_decode_error=on_decode_error,
        )

    async def get(self, short_name: str) -> Forum:
        """The forum ``short_name`` (``"art"``, ``"writing"``, ...)."""
        return await self._session.one(
            "forums.get", Forum, path={"forum": check_name(short_name, "short_name")}
        )

    def topics(
        self,
        short_name: str,
        *,
        per_page: int | None = None,
        limit: int | None = None,
        on_decode_error: OnDecodeError = "skip",
    ) -> Pager[Topic]:
        """The topics of a forum: sticky first, then by last reply."""
        return self._session.list(
            "forums.topics",
            Topic,
            path={"forum": check_name(short_name, "short_name")},
            per_page=per_page,
            limit=limit,
            on_decode_error=on_decode_error,
        )

    async def topic(self, short_name: str, slug: str) -> Topic:
        """One topic of a forum."""
        return await self._session.one(
            "forums.topic",
            Topic,
            path={"forum": check_name(short_name, "short_name"), "topic": check_name(slug, "slug")},
        )

    def posts(
        self,
        short_name: str,
        slug: str,
        *,
        per_page: int | None = None,
        limit: int | None = None,
        on_decode_error: OnDecodeError = "skip",
    ) -> Pager[ForumPost]:
        """The posts of a topic, oldest first (Philomena 1.2 pages them by 25 whatever
        ``per_page`` says)."""
        return self._session.list(
            "forums.posts",
            ForumPost,
            path={"forum": check_name(short_name, "short_name"), "topic": check_name(slug, "slug")},
            per_page=per_page,
            limit=limit,
            on_decode_error=on_decode_error,
        )

    async def post(self, short_name: str, slug: str, id: int) -> ForumPost:
        """One post of a topic."""
        return await self._session.one(
            "forums.post",
            ForumPost,
            path={
                "forum": check_name(short_name, "short_name"),
                "topic": check_name(slug, "slug"),
                "id": str(check_id(id)),
            },
        )


class Posts(Resource):
    """Forum posts across every forum."""

    async def get(self, id: int) -> ForumPost:
        """The forum post ``id``."""
        return await self._session.one("posts.get", ForumPost, path={"id": str(check_id(id))})

    def search(
        self,
        query: str | Query,
        *,
        per_page: int | None = None,
        limit: int | None = None,
        on_decode_error: OnDecodeError = "skip",
    ) -> Pager[ForumPost]:
        """Forum posts matching ``query`` (fields ``body``, ``subject``, ``forum``, ...)."""
        return self._search(
            "posts.search", ForumPost, query, per_page, limit, on_decode_error
        )


class Profiles(Resource):
    """User profiles."""

    async def get(self, id: int | str) -> User:
        """The user ``id`` (the legacy API addresses users by slug: pass a string)."""
        if self._session.spec.profiles_by_slug and isinstance(id, str):
            key = check_name(id, "user slug")
        else:
            key = str(check_id(id))
        return await self._session.one("profiles.get", User, path={"id": key})


class Filters(Resource):
    """Tag filters."""

    async def get(self, id: int) -> Filter:
        """The filter ``id`` (if it is system, public, or the key's own)."""
        return await self._session.one("filters.get", Filter, path={"id": str(check_id(id))})

    def system(
        self,
        *,
        per_page: int | None = None,
        limit: int | None = None,
        on_decode_error: OnDecodeError = "skip",
    ) -> Pager[Filter]:
        """The site's system filters."""
        return self._session.list(
            "filters.system",
            Filter,
            per_page=per_page,
            limit=limit,
            on_decode_error=on_decode_error,
        )

    def user(
        self,
        *,
        per_page: int | None = None,
        limit: int | None = None,
        on_decode_error: OnDecodeError = "skip",
    ) -> Pager[Filter]:
        """The key's own filters (without a key: :class:`Forbidden`)."""
        return self._session.list(
            "filters.user",
            Filter,
            per_page=per_page,
            limit=limit,
            on_decode_error=on_decode_error,
        )

    def search(
        self,
        query: str | Query,
        *,
        per_page: int | None = None,
        limit: int | None = None,
        on_decode_error: OnDecodeError = "skip",
    ) -> Pager[Filter]:
        """Public, system and own filters matching ``query``."""
        return self._search(
            "filters.search", Filter, query, per_page, limit, on_decode_error
        )
