"""Philomena JSON views (1.2 and master), written from the behaviour notes."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from booru_async.testing._board import (
    Board,
    Comment,
    Filter,
    Forum,
    Gallery,
    Image,
    Post,
    Tag,
    Topic,
    User,
)
from booru_async.testing._urls import (
    Roots,
    display_order,
    iso_z,
    large_thumb_size,
    representations,
    short_view_url,
    verbose_view_url,
)

JSON = dict[str, Any]
_ANON_SALT = b"fake-booru-anonymous-salt"


@dataclass
class ViewContext:
    """What a view needs besides the object: the board, URL roots, switches."""

    board: Board
    roots: Roots
    master: bool = False
    spoilered: Callable[[Image], bool] = lambda _image: False


# ------------------------------------------------------------------ attribution


def anonymous_name(kind: str, obj_id: int, user_id: int | None) -> str:
    """``Background Pony #XXXX`` (4 upper-case hex digits, stable per object)."""
    ident = str(user_id) if user_id is not None else "127.0.0.1"
    key = hashlib.pbkdf2_hmac("sha256", f"{kind}:{obj_id}{ident}".encode(), _ANON_SALT, 100, 2)
    return f"Background Pony #{int.from_bytes(key, 'big'):04X}"


def generated_avatar(name: str) -> str:
    """A deterministic ``data:image/svg+xml;base64,...`` avatar."""
    digest = hashlib.sha256(name.encode()).hexdigest()
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="125" height="125" viewBox="0 0 125 125">'
        f'<rect width="125" height="125" fill="#{digest[:6]}"/>'
        f'<circle cx="62" cy="62" r="40" fill="#{digest[6:12]}"/></svg>'
    )
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def _author(
    ctx: ViewContext, kind: str, obj_id: int, user_id: int | None, anonymous: bool
) -> tuple[int | None, str, str]:
    """(user_id shown, author name, avatar URL) for a comment or post."""
    user = ctx.board.users.get(user_id) if user_id is not None else None
    shown_id = user_id if not anonymous else None
    if user is None or anonymous:
        name = anonymous_name(kind, obj_id, user_id)
        return shown_id, name, generated_avatar(name)
    if user.avatar:
        return shown_id, user.name, f"{ctx.roots.avatar_root}/{user.avatar}"
    return shown_id, user.name, generated_avatar(user.name)


# ----------------------------------------------------------------------- images


def image_stub(image: Image) -> JSON:
    """The seven-key object for hidden (deleted or merged) images."""
    merged = image.duplicate_id is not None
    return {
        "id": image.id,
        "created_at": iso_z(image.created_at),
        "updated_at": iso_z(image.updated_at),
        "first_seen_at": iso_z(image.first_seen_at),
        "duplicate_of": image.duplicate_id if merged else None,
        "deletion_reason": None if merged else image.deletion_reason,
        "hidden_from_users": True,
    }


def image_json(ctx: ViewContext, image: Image) -> JSON:
    """``image.json`` as rendered through a controller (adds ``spoilered``)."""
    if image.hidden_from_users:
        return image_stub(image)
    board = ctx.board
    tags = board.image_tags(image)
    uploader = board.users.get(image.uploader_id) if image.uploader_id is not None else None
    shown = uploader is not None and not image.anonymous
    img_root = ctx.roots.img_root
    out: JSON = {
        "id": image.id,
        "created_at": iso_z(image.created_at),
        "updated_at": iso_z(image.updated_at),
        "first_seen_at": iso_z(image.first_seen_at),
        "width": image.width,
        "height": image.height,
        "mime_type": image.mime_type,
        "size": image.size,
        "orig_size": image.orig_size,
        "duration": image.duration,
        "animated": image.animated,
        "format": image.format,
        "aspect_ratio": image.aspect_ratio,
        "name": image.name,
        "sha512_hash": board.image_sha512(image),
        "orig_sha512_hash": image.orig_sha512_hash,
        "tags": [t.name for t in tags],
        "tag_ids": [t.id for t in tags],
        "uploader": uploader.name if shown and uploader else None,
        "uploader_id": uploader.id if shown and uploader else None,
        "wilson_score": image.wilson_score,
        "intensities": dict(image.intensities) if image.intensities is not None else None,
        "score": image.score,
        "upvotes": image.upvotes,
        "downvotes": image.downvotes,
        "faves": image.faves,
    }
    if ctx.master:
        out["hides"] = image.hides
    out.update(
        {
            "comment_count": image.comments_count,
            "tag_count": len(tags),
            "description": image.description,
            "source_url": image.sources[0] if image.sources else "",
            "source_urls": list(image.sources),
            "view_url": verbose_view_url(board, image, img_root),
            "representations": representations(image, img_root),
            "spoilered": ctx.spoilered(image),
            "thumbnails_generated": image.thumbnails_generated,
            "processed": image.processed,
            "deletion_reason": None,
            "duplicate_of": None,
            "hidden_from_users": False,
        }
    )
    return out


def interactions(board: Board, images: list[Image], user: User | None) -> list[JSON]:
    """The requesting user's hides, faves and votes on ``images``."""
    if user is None:
        return []
    ids = list(dict.fromkeys(i.id for i in images))
    out: list[JSON] = []
    for kind, attr, value in (
        ("hidden", "hidden_by", ""),
        ("faved", "faved_by", ""),
        ("voted", "upvoted_by", "up"),
        ("voted", "downvoted_by", "down"),
    ):
        for iid in ids:
            if user.id in getattr(board.images[iid], attr):
                out.append(
                    {"image_id": iid, "user_id": user.id, "interaction_type": kind, "value": value}
                )
    return out


# ------------------------------------------------------------------------- tags


def tag_json(ctx: ViewContext, tag: Tag) -> JSON:
    board = ctx.board
    aliased = board.tags.get(tag.aliased_to) if tag.aliased_to is not None else None
    aliases = [t for t in board.tags.values() if t.aliased_to == tag.id]
    implied = [board.tags[i] for i in tag.implied_tag_ids if i in board.tags]
    implied_by = [t for t in board.tags.values() if tag.id in t.implied_tag_ids]
    return {
        "id": tag.id,
        "name": tag.name,
        "slug": tag.slug,
        "description": tag.description,
        "short_description": tag.short_description,
        "images": tag.images_count,
        "spoiler_image_uri": f"{ctx.roots.tag_root}/{tag.image}" if tag.image else None,
        "namespace": tag.namespace,
        "name_in_namespace": tag.name_in_namespace,
        "category": tag.category,
        "aliased_tag": aliased.slug if aliased else None,
        "aliases": [t.slug for t in aliases],
        "implied_tags": [t.slug for t in implied],
        "implied_by_tags": [t.slug for t in implied_by],
        "dnp_entries": [
            {
                "id": d.id,
                "dnp_type": d.dnp_type,
                "conditions": d.conditions,
                "reason": None if d.hide_reason else d.reason,
                "created_at": iso_z(d.created_at),
            }
            for d in tag.dnp_entries
        ],
    }


# ------------------------------------------------------------- comments, posts


def comment_json(ctx: ViewContext, comment: Comment) -> JSON | None:
    """Comment view; ``None`` (JSON null) for destroyed comments."""
    if comment.destroyed_content:
        return None
    image = ctx.board.images.get(comment.image_id)
    if image is not None and image.hidden_from_users:
        return {
            "id": comment.id,
            "image_id": comment.image_id,
            "user_id": None,
            "author": None,
            "body": None,
            "created_at": None,
            "updated_at": None,
            "edited_at": None,
            "edit_reason": None,
        }
    user_id, author, avatar = _author(
        ctx, "comment", comment.id, comment.user_id, comment.anonymous
    )
    hidden = comment.hidden_from_users
    return {
        "id": comment.id,
        "image_id": comment.image_id,
        "user_id": user_id,
        "author": author,
        "avatar": avatar,
        "body": None if hidden else comment.body,
        "created_at": iso_z(comment.created_at),
        "updated_at": iso_z(comment.updated_at),
        "edited_at": None if hidden else iso_z(comment.edited_at),
        "edit_reason": None if hidden else comment.edit_reason,
    }


def post_json(ctx: ViewContext, post: Post) -> JSON:
    topic = ctx.board.topics.get(post.topic_id)
    if topic is not None and topic.hidden_from_users:
        return {
            "id": post.id,
            "user_id": None,
            "author": None,
            "body": None,
            "created_at": None,
            "updated_at": None,
            "edited_at": None,
            "edit_reason": None,
        }
    user_id, author, avatar = _author(ctx, "post", post.id, post.user_id, post.anonymous)
    hidden = post.hidden_from_users
    return {
        "id": post.id,
        "user_id": user_id,
        "author": author,
        "avatar": avatar,
        "body": None if hidden else post.body,
        "created_at": iso_z(post.created_at),
        "updated_at": iso_z(post.updated_at),
        "edited_at": None if hidden else iso_z(post.edited_at),
        "edit_reason": None if hidden else post.edit_reason,
    }


def topic_json(ctx: ViewContext, topic: Topic) -> JSON:
    if topic.hidden_from_users:
        return dict.fromkeys(
            (
                "slug",
                "title",
                "post_count",
                "view_count",
                "sticky",
                "last_replied_to_at",
                "locked",
                "user_id",
                "author",
            )
        )
    user = ctx.board.users.get(topic.user_id) if topic.user_id is not None else None
    return {
        "slug": topic.slug,
        "title": topic.title,
        "post_count": ctx.board.topic_post_count(topic),
        "view_count": topic.view_count,
        "sticky": topic.sticky,
        "last_replied_to_at": iso_z(topic.last_replied_to_at),
        "locked": topic.locked_at is not None,
        "user_id": topic.user_id if not topic.anonymous else None,
        "author": (
            anonymous_name("topic", topic.id, topic.user_id)
            if topic.anonymous or user is None
            else user.name
        ),
    }


def forum_json(ctx: ViewContext, forum: Forum) -> JSON:
    if forum.access_level != "normal":
        return dict.fromkeys(("name", "short_name", "description", "topic_count", "post_count"))
    topic_count, post_count = ctx.board.forum_counts(forum)
    return {
        "name": forum.name,
        "short_name": forum.short_name,
        "description": forum.description,
        "topic_count": topic_count,
        "post_count": post_count,
    }


# --------------------------------------------------- profiles, filters, galleries


def profile_json(ctx: ViewContext, user: User) -> JSON:
    board = ctx.board
    return {
        "id": user.id,
        "name": user.name,
        "slug": user.slug,
        "role": "user" if user.hide_default_role else user.role,
        "description": user.description,
        "avatar_url": f"{ctx.roots.avatar_root}/{user.avatar}" if user.avatar else None,
        "created_at": iso_z(user.created_at),
        "comments_count": sum(1 for c in board.comments.values() if c.user_id == user.id),
        "uploads_count": sum(1 for i in board.images.values() if i.uploader_id == user.id),
        "posts_count": sum(1 for p in board.posts.values() if p.user_id == user.id),
        "topics_count": sum(1 for t in board.topics.values() if t.user_id == user.id),
        "links": [
            {
                "user_id": link.user_id,
                "created_at": iso_z(link.created_at),
                "state": link.state,
                "tag_id": link.tag_id,
            }
            for link in user.links
            if link.public and link.state == "verified"
        ],
        "awards": [
            {
                "image_url": f"{ctx.roots.badge_root}/{award.image}",
                "title": award.title,
                "id": award.badge_id,
                "label": award.label,
                "awarded_on": iso_z(award.awarded_on),
            }
            for award in user.awards
        ],
    }


def filter_json(_ctx: ViewContext, flt: Filter) -> JSON:
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
        "hidden_complex": flt.hidden_complex,
        "spoilered_complex": flt.spoilered_complex,
    }


def gallery_json(ctx: ViewContext, gallery: Gallery) -> JSON:
    creator = ctx.board.users.get(gallery.creator_id)
    out: JSON = {
        "id": gallery.id,
        "title": gallery.title,
        "thumbnail_id": gallery.thumbnail_id,
        "spoiler_warning": gallery.spoiler_warning,
        "description": gallery.description,
    }
    if ctx.master:
        out["creator"] = creator.name if creator and not gallery.anonymous else None
        out["creator_id"] = gallery.creator_id if not gallery.anonymous else None
    else:
        out["user"] = creator.name if creator else None
        out["user_id"] = gallery.creator_id
    return out


# ----------------------------------------------------------------------- oembed


def oembed_json(ctx: ViewContext, image: Image) -> JSON:
    board = ctx.board
    tags = board.image_tags(image)
    site = ctx.roots.site_name
    thumb, tw, th = large_thumb_size(image, ctx.roots.img_root)
    return {
        "type": "photo",
        "version": "1.0",
        "title": f"#{image.id} - {', '.join(t.name for t in display_order(tags))} - {site}",
        "author_name": ", ".join(t.name_in_namespace for t in tags if t.namespace == "artist"),
        "author_url": image.sources[0] if image.sources else "",
        "provider_name": site,
        "provider_url": ctx.roots.site_url,
        "cache_age": 7200,
        "thumbnail_url": thumb,
        "thumbnail_width": tw,
        "thumbnail_height": th,
        "url": short_view_url(image, ctx.roots.img_root),
        "width": image.width,
        "height": image.height,
        "derpibooru_id": image.id,
        "derpibooru_score": image.score,
        "derpibooru_comments": image.comments_count,
        "derpibooru_tags": [t.name for t in tags],
    }
