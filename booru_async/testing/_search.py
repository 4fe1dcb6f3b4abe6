"""Search plumbing: query documents, compiled filters, visibility, pagination.

Query strings are compiled by :mod:`booru_async.testing._query` into
predicates over *documents*: plain dicts keyed by search field names, derived
here from board objects.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from booru_async.testing._board import Board, Comment, Filter, Gallery, Image, Post, Tag, User
from booru_async.testing._http import Params, parse_int_prefix

Doc = dict[str, Any]
DocLike = Mapping[str, Any]
Predicate = Callable[[DocLike], bool]
Index = Literal["images", "tags", "comments", "posts", "galleries", "filters"]
Grammar = Literal["philomena", "legacy"]

_TAG_COUNT_CATEGORIES = (
    "body-type",
    "error",
    "character",
    "content-fanmade",
    "content-official",
    "oc",
    "origin",
    "rating",
    "species",
    "spoiler",
)


class SearchError(Exception):
    """A query the server refuses; ``message`` is the exact server text."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _match_none(_doc: DocLike) -> bool:
    return False


# ---------------------------------------------------------------------- documents


def image_document(board: Board, image: Image) -> Doc:
    tags = board.image_tags(image)
    aliases = [t.name for tag in tags for t in board.tags.values() if t.aliased_to == tag.id]
    uploader = board.users.get(image.uploader_id) if image.uploader_id is not None else None

    def names(ids: set[int]) -> list[str]:
        return sorted(board.users[u].name for u in ids if u in board.users)

    doc: Doc = {
        "id": image.id,
        "width": image.width,
        "height": image.height,
        "score": image.score,
        "upvotes": image.upvotes,
        "downvotes": image.downvotes,
        "faves": image.faves,
        "hides": image.hides,
        "pixels": image.width * image.height,
        "size": image.size,
        "orig_size": image.orig_size,
        "comment_count": image.comments_count,
        "source_count": len(image.sources),
        "tag_count": len(tags),
        "aspect_ratio": image.aspect_ratio,
        "wilson_score": float(image.wilson_score),
        "duration": image.duration,
        "created_at": image.created_at,
        "updated_at": image.updated_at,
        "first_seen_at": image.first_seen_at,
        "uploader_id": image.uploader_id if not image.anonymous else None,
        "true_uploader_id": image.uploader_id,
        "uploader": uploader.name if uploader and not image.anonymous else None,
        "true_uploader": uploader.name if uploader else None,
        "faved_by_ids": sorted(image.faved_by),
        "faved_by": names(image.faved_by),
        "upvoted_by_ids": sorted(image.upvoted_by),
        "downvoted_by_ids": sorted(image.downvoted_by),
        "hidden_by_ids": sorted(image.hidden_by),
        "duplicate_id": image.duplicate_id,
        "orig_sha512_hash": image.orig_sha512_hash,
        "sha512_hash": board.image_sha512(image),
        "source_urls": list(image.sources),
        "original_format": image.format,
        "mime_type": image.mime_type,
        "file_name": image.name,
        "animated": image.animated,
        "processed": image.processed,
        "thumbnails_generated": image.thumbnails_generated,
        "description": image.description,
        "tags": [t.name for t in tags],
        "tag_aliases": aliases,
        "tag_ids": [t.id for t in tags],
        "gallery_ids": [g.id for g in board.galleries.values() if image.id in g.image_ids],
        "hidden_from_users": image.hidden_from_users,
        "deleted": image.hidden_from_users,
        "deletion_reason": image.deletion_reason,
        "anonymous": image.anonymous,
        "approved": image.approved,
    }
    for cat in _TAG_COUNT_CATEGORIES:
        doc[f"{cat.replace('-', '_')}_tag_count"] = sum(1 for t in tags if t.category == cat)
    return doc


def tag_document(board: Board, tag: Tag) -> Doc:
    aliased = board.tags.get(tag.aliased_to) if tag.aliased_to is not None else None
    return {
        "id": tag.id,
        "images": tag.images_count,
        "slug": tag.slug,
        "name": tag.name,
        "name_in_namespace": tag.name_in_namespace,
        "namespace": tag.namespace,
        "analyzed_name": tag.name,
        "implies": [board.tags[i].name for i in tag.implied_tag_ids if i in board.tags],
        "implied_by": [t.name for t in board.tags.values() if tag.id in t.implied_tag_ids],
        "alias_of": aliased.name if aliased else None,
        "aliases": [t.name for t in board.tags.values() if t.aliased_to == tag.id],
        "aliased": aliased is not None,
        "category": tag.category,
        "description": tag.description,
        "short_description": tag.short_description or "",
    }


def comment_document(board: Board, comment: Comment) -> Doc:
    image = board.images.get(comment.image_id)
    user = board.users.get(comment.user_id) if comment.user_id is not None else None
    return {
        "id": comment.id,
        "image_id": comment.image_id,
        "created_at": comment.created_at,
        "posted_at": comment.created_at,
        "body": comment.body,
        "author": user.name if user else None,
        "user_id": comment.user_id,
        "anonymous": comment.anonymous or user is None,
        "hidden_from_users": comment.hidden_from_users,
        "deleted": comment.hidden_from_users,
        "image_tag_ids": list(image.tag_ids) if image else [],
    }


def post_document(board: Board, post: Post) -> Doc:
    topic = board.topics.get(post.topic_id)
    forum = board.forums.get(topic.forum_id) if topic else None
    user = board.users.get(post.user_id) if post.user_id is not None else None
    return {
        "id": post.id,
        "topic_position": post.topic_position,
        "forum_id": forum.id if forum else None,
        "topic_id": post.topic_id,
        "created_at": post.created_at,
        "updated_at": post.updated_at,
        "forum": forum.short_name if forum else None,
        "body": post.body,
        "subject": topic.title if topic else "",
        "author": user.name if user else None,
        "user_id": post.user_id,
        "anonymous": post.anonymous or user is None,
        "hidden_from_users": post.hidden_from_users,
        "deleted": post.hidden_from_users,
        "access_level": forum.access_level if forum else "normal",
    }


def gallery_document(board: Board, gallery: Gallery) -> Doc:
    creator = board.users.get(gallery.creator_id)
    return {
        "id": gallery.id,
        "image_count": len(gallery.image_ids),
        "watcher_count": len(gallery.watcher_ids),
        "subscriber_count": len(gallery.watcher_ids),
        "image_ids": list(gallery.image_ids),
        "watcher_ids": sorted(gallery.watcher_ids),
        "title": gallery.title,
        "user": creator.name if creator else None,
        "creator": creator.name if creator else None,
        "user_id": gallery.creator_id,
        "thumbnail_id": gallery.thumbnail_id,
        "spoiler_warning": gallery.spoiler_warning,
        "created_at": gallery.created_at,
        "updated_at": gallery.updated_at,
        "description": gallery.description,
    }


def filter_document(board: Board, flt: Filter) -> Doc:
    user = board.users.get(flt.user_id) if flt.user_id is not None else None
    return {
        "id": flt.id,
        "spoilered_count": len(flt.spoilered_tag_ids),
        "hidden_count": len(flt.hidden_tag_ids),
        "user_id": flt.user_id,
        "created_at": flt.created_at,
        "description": flt.description,
        "name": flt.name,
        "creator": user.name if user else None,
        "public": flt.public,
        "system": flt.system,
    }


# ---------------------------------------------------------------------- compiling


@dataclass
class QueryContext:
    """Who asks and when: feeds ``my:``, relative dates and custom fields."""

    board: Board
    now: datetime
    user: User | None
    grammar: Grammar = "philomena"
    master: bool = False
    #: booru-on-rails' strict dates (the ``legacy`` flavour's Derpibooru variant).
    rails_dates: bool = False


def compile_search(
    q: object,
    index: Index,
    ctx: QueryContext,
    *,
    inside_filter: bool = False,
) -> Predicate:
    """Compile ``q`` with the real parser; raise :class:`SearchError` on refusal.

    An empty or whitespace-only query matches nothing (Philomena returns an
    empty page, not an error).
    """
    if q is None:
        return _match_none
    if not isinstance(q, str):
        raise SearchError("search query is not a string")
    if q.strip() == "":
        return _match_none
    from booru_async.testing import _query

    board = ctx.board

    def resolve_gallery(gid: int) -> set[int] | None:
        gallery = board.galleries.get(gid)
        return set(gallery.image_ids) if gallery is not None else None

    def resolve_filter(fid: int) -> Predicate | None:
        flt = board.filters.get(fid)
        if flt is None or not filter_visible(flt, ctx.user):
            return None
        return compiled_filter(flt, ctx).hides

    user = ctx.user
    watched_ids = set(user.watched_tag_ids) if user is not None else set()

    def watched(doc: DocLike) -> bool:
        return bool(watched_ids & set(doc.get("tag_ids") or ()))

    try:
        pred: Predicate = _query.compile_query(
            q,
            index=index,
            grammar=ctx.grammar,
            now=ctx.now,
            user_id=user.id if user is not None else None,
            resolve_gallery=resolve_gallery,
            resolve_filter=resolve_filter,
            watched=watched if user is not None else None,
            in_filter=inside_filter,
            master=ctx.master,
            rails_dates=ctx.rails_dates,
        )
    except _query.QueryError as exc:
        raise SearchError(exc.message) from exc
    return pred


# ------------------------------------------------------------------------ filters


def filter_visible(flt: Filter, user: User | None) -> bool:
    """Canada rules: system, public, own, or staff."""
    if flt.system or flt.public:
        return True
    if user is None:
        return False
    return user.is_staff or flt.user_id == user.id


@dataclass
class CompiledFilter:
    """A filter ready to apply: what it hides and what it spoilers."""

    filter: Filter
    hidden_complex: Predicate
    spoilered_complex: Predicate

    def hides(self, doc: DocLike) -> bool:
        tag_ids = doc.get("tag_ids") or []
        return bool(set(tag_ids) & set(self.filter.hidden_tag_ids)) or self.hidden_complex(doc)

    def spoilers(self, doc: DocLike) -> bool:
        tag_ids = set(doc.get("tag_ids") or [])
        f = self.filter
        if tag_ids & set(f.spoilered_tag_ids) or tag_ids & set(f.hidden_tag_ids):
            return True
        return self.hidden_complex(doc) or self.spoilered_complex(doc)


def _complex(source: str | None, ctx: QueryContext) -> Predicate:
    """A filter's complex string (lines OR-ed; invalid strings degrade to match-all)."""
    if not (source or "").strip():
        return _match_none
    from booru_async.testing import _query

    board = ctx.board

    def resolve_gallery(gid: int) -> set[int] | None:
        gallery = board.galleries.get(gid)
        return set(gallery.image_ids) if gallery is not None else None

    pred: Predicate = _query.compile_complex_filter(
        source,
        now=ctx.now,
        user_id=ctx.user.id if ctx.user is not None else None,
        resolve_gallery=resolve_gallery,
        grammar=ctx.grammar,
    )
    return pred


def compiled_filter(flt: Filter, ctx: QueryContext) -> CompiledFilter:
    return CompiledFilter(
        flt, _complex(flt.hidden_complex, ctx), _complex(flt.spoilered_complex, ctx)
    )


# --------------------------------------------------------------------- pagination


@dataclass(frozen=True)
class Page:
    number: int
    size: int

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    def window(self, items: list[Any]) -> list[Any]:
        return items[self.offset : self.offset + self.size]


def page_number(params: Params) -> int:
    if "page" not in params:
        return 1
    n = parse_int_prefix(params["page"])
    return max(1, n if n is not None else 1)


def pagination(params: Params, default_size: int, *, size_param: str = "per_page") -> Page:
    """``PaginationPlug``: integer prefixes, ``per_page`` clamped to 1..50."""
    if size_param in params:
        n = parse_int_prefix(params[size_param])
        size = min(50, max(1, n if n is not None else 25))
    else:
        size = default_size
    return Page(page_number(params), size)
