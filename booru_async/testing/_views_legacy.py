"""booru-on-rails (pre-2020 Derpibooru) and Twibooru legacy ``.json`` views.

The Derpibooru variant follows the Elasticsearch ``as_json`` serialiser seen in
the 2016 recordings (string ids and tag ids, comma-separated tags,
protocol-relative URLs); the Twibooru variant follows the importer's type
(integer ids, ``locations``, ``media_type``, ``uploader: "Anonymous"``).
"""

from __future__ import annotations

from typing import Any, Literal

from booru_async.testing._board import Comment, Filter, Image, Tag, User
from booru_async.testing._urls import display_order, iso_ms, representations
from booru_async.testing._views_philomena import ViewContext, anonymous_name

JSON = dict[str, Any]
Variant = Literal["derpibooru", "twibooru"]


def protocol_relative(url: str) -> str:
    for scheme in ("https:", "http:"):
        if url.startswith(scheme + "//"):
            return url[len(scheme) :]
    return url


def _verbose_view(ctx: ViewContext, image: Image) -> str:
    slugs = "_".join(t.slug for t in ctx.board.image_tags(image))
    kept = "".join(c for c in slugs if c in "abcdefghijklmnopqrstuvwxyz0123456789_-+")[:151]
    d = image.created_at
    ext = "png" if image.format == "svg" else image.format
    return f"{ctx.roots.img_root}/view/{d.year}/{d.month}/{d.day}/{image.id}__{kept}.{ext}"


def _tag_string(ctx: ViewContext, image: Image) -> str:
    return ", ".join(sorted(t.name for t in ctx.board.image_tags(image)))


def _uploader(ctx: ViewContext, image: Image, variant: Variant) -> tuple[str, int | None]:
    if variant == "twibooru":
        return "Anonymous", None
    user = ctx.board.users.get(image.uploader_id) if image.uploader_id is not None else None
    if user is None or image.anonymous:
        return anonymous_name("image", image.id, image.uploader_id), None
    return user.name, user.id


def image_stub(ctx: ViewContext, image: Image, variant: Variant, *, index: bool = False) -> JSON:
    """Hidden image: merged/deleted minimal object."""
    sid: int | str = image.id if variant == "twibooru" else str(image.id)
    out: JSON = {
        "id": sid,
        "created_at": iso_ms(image.created_at),
        "updated_at": iso_ms(image.updated_at),
    }
    if variant == "twibooru" and index:
        # ``/images.json?deleted=1``: id, timestamps and the reason/target only
        if image.duplicate_id is not None:
            out["duplicate_of"] = image.duplicate_id
        else:
            out["deletion_reason"] = image.deletion_reason or "None specified"
        return out
    out["first_seen_at"] = iso_ms(image.first_seen_at)
    if image.duplicate_id is not None:
        out["duplicate_of"] = (
            image.duplicate_id if variant == "twibooru" else str(image.duplicate_id)
        )
    else:
        out["deletion_reason"] = image.deletion_reason or "None specified"
    _, uid = _uploader(ctx, image, variant)
    tag_ids = [t.id for t in ctx.board.image_tags(image)]
    out["uploader_id"] = uid if variant == "twibooru" or uid is None else str(uid)
    out["tags"] = _tag_string(ctx, image)
    out["tag_ids"] = tag_ids if variant == "twibooru" else [str(t) for t in tag_ids]
    return out


def image_json(ctx: ViewContext, image: Image, variant: Variant, *, single: bool = False) -> JSON:
    """A legacy image object; ``single`` adds ``spoilered`` (``/images/:id.json``)."""
    if image.hidden_from_users:
        return image_stub(ctx, image, variant)
    board = ctx.board
    tags = board.image_tags(image)
    name, uid = _uploader(ctx, image, variant)
    view = _verbose_view(ctx, image)
    reps = {
        k: protocol_relative(v)
        for k, v in representations(image, ctx.roots.img_root, full=view).items()
        if k not in ("webm", "mp4") or (image.animated and image.processed)
    }
    if variant == "twibooru":
        return {
            "id": image.id,
            "created_at": iso_ms(image.created_at),
            "updated_at": iso_ms(image.updated_at),
            "first_seen_at": iso_ms(image.first_seen_at),
            "file_name": image.name,
            "description": image.description,
            "uploader": name,
            "uploader_id": None,
            "image": protocol_relative(view),
            "score": image.score,
            "upvotes": image.upvotes,
            "downvotes": image.downvotes,
            "faves": image.faves,
            "comment_count": image.comments_count,
            "tags": _tag_string(ctx, image),
            "tag_ids": [t.id for t in tags],
            "tag_count": len(tags),
            "width": image.width,
            "height": image.height,
            "aspect_ratio": image.aspect_ratio,
            "duration": image.duration if image.animated else 0.0,
            "original_format": image.format,
            "mime_type": image.mime_type,
            "media_type": image.media_type,
            "sha512_hash": board.image_sha512(image),
            "orig_sha512_hash": image.orig_sha512_hash,
            "source_url": image.sources[0] if image.sources else "",
            "representations": reps,
            "is_rendered": image.thumbnails_generated,
            "processed": image.processed,
            "locations": [dict(loc) for loc in image.locations],
            "spoilered": ctx.spoilered(image),
            "interactions": [],
        }
    out: JSON = {
        "id": str(image.id),
        "created_at": iso_ms(image.created_at),
        "updated_at": iso_ms(image.updated_at),
        "duplicate_reports": [],
        "first_seen_at": iso_ms(image.first_seen_at),
        "uploader_id": str(uid) if uid is not None else None,
        "file_name": image.name,
        "description": image.description,
        "uploader": name,
        "image": protocol_relative(view),
        "score": image.score,
        "upvotes": image.upvotes,
        "downvotes": image.downvotes,
        "faves": image.faves,
        "comment_count": image.comments_count,
        "tags": _tag_string(ctx, image),
        "tag_ids": [str(t.id) for t in tags],
        # booru-on-rails ImageIndex#as_json merges as_compact_indexed_json, which has it.
        "tag_count": len(tags),
        "width": image.width,
        "height": image.height,
        "aspect_ratio": image.aspect_ratio,
        "original_format": image.format,
        "mime_type": image.mime_type,
        "sha512_hash": board.image_sha512(image),
        "orig_sha512_hash": image.orig_sha512_hash,
        "source_url": image.sources[0] if image.sources else "",
        "representations": reps,
        "is_rendered": image.thumbnails_generated,
        "is_optimized": image.processed,
    }
    if single:
        out["spoilered"] = ctx.spoilered(image)
    return out


def interactions(
    ctx: ViewContext, images: list[Image], user: User | None, variant: Variant
) -> list[JSON]:
    if user is None:
        return []
    out: list[JSON] = []
    n = 0
    for image in images:
        for kind, attr, value in (
            ("faved", "faved_by", None),
            ("voted", "upvoted_by", "up"),
            ("voted", "downvoted_by", "down"),
            ("hidden", "hidden_by", None),
        ):
            if user.id in getattr(image, attr):
                n += 1
                if variant == "twibooru":
                    out.append(
                        {
                            "user_id": user.id,
                            "post_id": image.id,
                            "interaction_type": kind,
                            "value": value,
                        }
                    )
                else:
                    out.append(
                        {
                            "id": image.id * 10 + n,
                            "interaction_type": kind,
                            "value": value,
                            "user_id": user.id,
                            "image_id": image.id,
                        }
                    )
    return out


def tag_json(ctx: ViewContext, tag: Tag) -> JSON:
    board = ctx.board
    aliased = board.tags.get(tag.aliased_to) if tag.aliased_to is not None else None
    implied = [board.tags[i] for i in tag.implied_tag_ids if i in board.tags]
    uri = f"{ctx.roots.tag_root}/{tag.image}" if tag.image else None
    return {
        "id": tag.id,
        "name": tag.name,
        "slug": tag.slug,
        "description": tag.description,
        "short_description": tag.short_description or "",
        "images": tag.images_count,
        "spoiler_image_uri": protocol_relative(uri) if uri else None,
        "aliased_to": aliased.slug if aliased else None,
        "aliased_to_id": aliased.id if aliased else None,
        "namespace": tag.namespace,
        "name_in_namespace": tag.name_in_namespace,
        "implied_tags": ", ".join(t.name for t in implied),
        "implied_tag_ids": [t.id for t in implied],
        "category": tag.category,
    }


def comment_json(ctx: ViewContext, comment: Comment) -> JSON:
    user = ctx.board.users.get(comment.user_id) if comment.user_id is not None else None
    author = (
        anonymous_name("comment", comment.id, comment.user_id)
        if user is None or comment.anonymous
        else user.name
    )
    return {
        "id": comment.id,
        "body": "Deleted" if comment.hidden_from_users else comment.body,
        "author": author,
        "image_id": comment.image_id,
        "posted_at": iso_ms(comment.created_at),
        "deleted": comment.hidden_from_users,
    }


def user_json(ctx: ViewContext, user: User) -> JSON:
    board = ctx.board
    return {
        "id": user.id,
        "name": user.name,
        "slug": user.slug,
        "role": "user" if user.hide_default_role else user.role,
        "description": user.description,
        "avatar_url": protocol_relative(f"{ctx.roots.avatar_root}/{user.avatar}")
        if user.avatar
        else None,
        "created_at": iso_ms(user.created_at),
        "comment_count": sum(1 for c in board.comments.values() if c.user_id == user.id),
        "uploads_count": sum(1 for i in board.images.values() if i.uploader_id == user.id),
        "post_count": sum(1 for p in board.posts.values() if p.user_id == user.id),
        "topic_count": sum(1 for t in board.topics.values() if t.user_id == user.id),
        "links": [
            {
                "user_id": ln.user_id,
                "tag_id": ln.tag_id,
                "state": ln.state,
                "created_at": iso_ms(ln.created_at),
            }
            for ln in user.links
            if ln.public
        ],
        "awards": [
            {
                "image_url": protocol_relative(f"{ctx.roots.badge_root}/{a.image}"),
                "title": a.title,
                "id": a.badge_id,
                "label": a.label,
                "awarded_on": iso_ms(a.awarded_on),
            }
            for a in user.awards
        ],
    }


def filter_json(ctx: ViewContext, flt: Filter) -> JSON:
    board = ctx.board

    def names(ids: list[int]) -> list[str]:
        return [board.tags[i].name for i in ids if i in board.tags]

    return {
        "id": flt.id,
        "name": flt.name,
        "description": flt.description,
        "public": flt.public,
        "system": flt.system,
        "user_count": flt.user_count,
        "user_id": flt.user_id,
        "hidden_tag_ids": list(flt.hidden_tag_ids),
        "spoilered_tag_ids": list(flt.spoilered_tag_ids),
        "hidden_tags": names(flt.hidden_tag_ids),
        "spoilered_tags": names(flt.spoilered_tag_ids),
        "hidden_complex": flt.hidden_complex,
        "spoilered_complex": flt.spoilered_complex,
    }


def oembed_json(ctx: ViewContext, image: Image, site_key: str) -> JSON:
    tags = ctx.board.image_tags(image)
    artist = next(
        (t.name_in_namespace for t in display_order(tags) if t.namespace == "artist"), None
    )
    reps = representations(image, ctx.roots.img_root)
    return {
        "version": "1.0",
        "type": "photo",
        "title": f"#{image.id} - {', '.join(sorted(t.name for t in tags))} - {ctx.roots.site_name}",
        "author_url": image.sources[0] if image.sources else None,
        "author_name": artist or "Unknown Artist",
        "provider_name": ctx.roots.site_name,
        "provider_url": f"{ctx.roots.site_url}/{image.id}",
        "cache_age": 7200,
        f"{site_key}_id": image.id,
        f"{site_key}_score": image.score,
        f"{site_key}_comments": image.comments_count,
        f"{site_key}_tags": [t.name for t in tags],
        "thumbnail_url": reps["thumb"],
    }
