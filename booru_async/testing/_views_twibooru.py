"""Twibooru ``/api/v3`` views (posts, tags, comments, galleries).

Built from Twibooru's API page and gallery-dl's live assertions: millisecond
timestamps, no uploader fields, ``locations``/``media_type``, a plain
``.../full.<ext>`` ``view_url``, tag relations by *name*.  Optional keys appear
only when documented (``deletion_reason`` only on deleted posts,
``duplicate_of`` only on merged ones).
"""

from __future__ import annotations

from typing import Any

from booru_async.testing._board import Comment, Gallery, Image, Tag
from booru_async.testing._urls import THUMB_VERSIONS, iso_ms, thumb_url
from booru_async.testing._views_philomena import ViewContext, anonymous_name, generated_avatar

JSON = dict[str, Any]


def post_json(ctx: ViewContext, image: Image) -> JSON:
    board = ctx.board
    tags = board.image_tags(image)
    out: JSON = {
        "id": image.id,
        "created_at": iso_ms(image.created_at),
        "updated_at": iso_ms(image.updated_at),
        "first_seen_at": iso_ms(image.first_seen_at),
        "hidden_from_users": image.hidden_from_users,
    }
    if image.hidden_from_users:
        if image.duplicate_id is not None:
            out["duplicate_of"] = image.duplicate_id
        else:
            out["deletion_reason"] = image.deletion_reason
    out.update(
        {
            "locations": [dict(loc) for loc in image.locations],
            "media_type": image.media_type,
            "orig_sha512_hash": image.orig_sha512_hash,
            "sha512_hash": board.image_sha512(image),
            "processed": image.processed,
            "source_url": image.sources[0] if image.sources else "",
            "tag_ids": [t.id for t in tags],
            "tags": [t.name for t in tags],
        }
    )
    if image.hidden_from_users:
        return out
    out.update(
        {
            "comment_count": image.comments_count,
            "description": image.description,
            "downvotes": image.downvotes,
            "faves": image.faves,
            "score": image.score,
            "size": image.size,
            "upvotes": image.upvotes,
            "wilson_score": image.wilson_score,
        }
    )
    if image.media_type != "image":
        return out
    root = ctx.roots.img_root
    reps = {}
    for name, (w, h) in THUMB_VERSIONS.items():
        reps[name] = thumb_url(image, root, name if image.width > w or image.height > h else "full")
    reps["full"] = thumb_url(image, root, "full")
    out.update(
        {
            "animated": image.animated,
            "aspect_ratio": image.aspect_ratio,
            "duration": image.duration if image.animated else 0.0,
            "format": image.format,
            "height": image.height,
            "width": image.width,
            "intensities": dict(image.intensities) if image.intensities is not None else None,
            "mime_type": image.mime_type,
            "name": image.name,
            "representations": reps,
            "thumbnails_generated": image.thumbnails_generated,
            "view_url": thumb_url(image, root, "full"),
        }
    )
    return out


def tag_json(ctx: ViewContext, tag: Tag) -> JSON:
    board = ctx.board
    aliased = board.tags.get(tag.aliased_to) if tag.aliased_to is not None else None
    return {
        "aliased_tag": aliased.name if aliased else None,
        "aliases": [t.name for t in board.tags.values() if t.aliased_to == tag.id],
        "category": tag.category,
        "description": tag.description,
        "id": tag.id,
        "images": tag.images_count,
        "implied_by_tags": [t.name for t in board.tags.values() if tag.id in t.implied_tag_ids],
        "implied_tags": [board.tags[i].name for i in tag.implied_tag_ids if i in board.tags],
        "name": tag.name,
        "name_in_namespace": tag.name_in_namespace,
        "namespace": tag.namespace,
        "short_description": tag.short_description,
        "slug": tag.slug,
    }


def comment_json(_ctx: ViewContext, comment: Comment) -> JSON:
    """Comment shape (undocumented upstream; Philomena-like, keyed by ``post_id``)."""
    name = anonymous_name("comment", comment.id, comment.user_id)
    hidden = comment.hidden_from_users
    return {
        "id": comment.id,
        "post_id": comment.image_id,
        "user_id": None,
        "author": name,
        "avatar": generated_avatar(name),
        "body": None if hidden else comment.body,
        "created_at": iso_ms(comment.created_at),
        "updated_at": iso_ms(comment.updated_at),
        "edited_at": None if hidden else iso_ms(comment.edited_at),
        "edit_reason": None if hidden else comment.edit_reason,
    }


def gallery_json(_ctx: ViewContext, gallery: Gallery) -> JSON:
    return {
        "id": gallery.id,
        "title": gallery.title,
        "description": gallery.description,
        "spoiler_warning": gallery.spoiler_warning,
        "thumbnail_id": gallery.thumbnail_id,
    }
