"""The unified domain model: one set of frozen classes for every API flavour.

Attribute names follow the current Philomena field names (server-behaviour.md §1); older or
other spellings are mapped onto them by the converters in ``_convert``. Timestamps are aware
UTC datetimes, sequences are tuples, URLs are absolute. Every field a server sends that the
model does not name is kept in ``extra``, so nothing is lost.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Generic, TypeVar

import attrs

__all__ = [
    "Award",
    "Comment",
    "DnpEntry",
    "Filter",
    "Forum",
    "ForumPost",
    "Gallery",
    "Image",
    "Intensities",
    "Interaction",
    "Link",
    "Location",
    "Oembed",
    "Page",
    "Representations",
    "Tag",
    "Topic",
    "User",
]

T = TypeVar("T")


def _extra() -> Any:
    # Left out of repr, eq and hash: it holds raw JSON (unhashable), and two objects that
    # agree on every modelled field are the same object for users.
    return attrs.field(factory=dict, repr=False, eq=False)


@attrs.frozen(kw_only=True)
class Representations:
    """CDN URLs of an image's renditions; ``webm``/``mp4`` exist for GIFs only."""

    full: str
    tall: str
    large: str
    medium: str
    small: str
    thumb: str
    thumb_small: str
    thumb_tiny: str
    webm: str | None = None
    mp4: str | None = None
    extra: Mapping[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class Intensities:
    """Mean intensity of the four image quadrants (used by reverse search)."""

    nw: float
    ne: float
    sw: float
    se: float


@attrs.frozen(kw_only=True)
class Location:
    """Where a Twibooru post was imported from (``derpibooru``, ``ponybooru``, ...)."""

    location: str
    id_at_location: int | None = None
    url_at_location: str | None = None
    extra: Mapping[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class Interaction:
    """The requesting user's fave, hide or vote on an image (needs an API key).

    ``value`` is ``"up"``/``"down"`` for votes and ``None`` for faves and hides.
    """

    image_id: int
    user_id: int | None
    interaction_type: str
    value: str | None = None
    extra: Mapping[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class Image:
    """An image (a *post* on Twibooru).

    Hidden images (deleted or merged) have ``hidden=True``; then only ``id``, the three
    timestamps, ``deletion_reason`` and ``duplicate_of`` are known and the rest is ``None``
    (empty tuples for the sequences).
    """

    id: int
    site: str
    url: str
    created_at: datetime | None = None
    updated_at: datetime | None = None
    first_seen_at: datetime | None = None
    hidden: bool = False
    deletion_reason: str | None = None
    duplicate_of: int | None = None
    tags: tuple[str, ...] = ()
    tag_ids: tuple[int, ...] = ()
    source_urls: tuple[str, ...] = ()
    description: str | None = None
    score: int | None = None
    upvotes: int | None = None
    downvotes: int | None = None
    faves: int | None = None
    comment_count: int | None = None
    wilson_score: float | None = None
    width: int | None = None
    height: int | None = None
    aspect_ratio: float | None = None
    format: str | None = None
    mime_type: str | None = None
    media_type: str | None = None
    name: str | None = None
    size: int | None = None
    orig_size: int | None = None
    sha512_hash: str | None = None
    orig_sha512_hash: str | None = None
    animated: bool | None = None
    duration: float | None = None
    representations: Representations | None = None
    view_url: str | None = None
    intensities: Intensities | None = None
    uploader: str | None = None
    uploader_id: int | None = None
    spoilered: bool | None = None
    thumbnails_generated: bool | None = None
    processed: bool | None = None
    locations: tuple[Location, ...] = ()
    #: The requesting user's interactions with this image (empty without a key).
    interactions: tuple[Interaction, ...] = ()
    extra: Mapping[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class DnpEntry:
    """A "do not post" entry listed on an artist tag."""

    id: int
    dnp_type: str | None = None
    conditions: str | None = None
    reason: str | None = None
    created_at: datetime | None = None
    extra: Mapping[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class Tag:
    """A tag. ``aliased_tag``, ``aliases``, ``implied_tags`` and ``implied_by_tags`` are
    slugs on every flavour (Twibooru and the legacy API send names; they are slugified)."""

    id: int
    name: str
    slug: str
    site: str
    url: str
    description: str = ""
    short_description: str | None = None
    images: int = 0
    spoiler_image_uri: str | None = None
    namespace: str | None = None
    name_in_namespace: str | None = None
    category: str | None = None
    aliased_tag: str | None = None
    aliases: tuple[str, ...] = ()
    implied_tags: tuple[str, ...] = ()
    implied_by_tags: tuple[str, ...] = ()
    dnp_entries: tuple[DnpEntry, ...] = ()
    extra: Mapping[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class Comment:
    """A comment on an image. ``hidden`` comments keep author and timestamps but no body.

    ``edit_reason`` is ``None`` when none was given (servers send ``null`` or ``""``).
    """

    id: int
    image_id: int | None = None
    user_id: int | None = None
    author: str | None = None
    avatar: str | None = None
    body: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    edited_at: datetime | None = None
    edit_reason: str | None = None
    hidden: bool = False
    extra: Mapping[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class ForumPost:
    """A post in a forum topic. Hidden posts keep author and timestamps but no body."""

    id: int
    user_id: int | None = None
    author: str | None = None
    avatar: str | None = None
    body: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    edited_at: datetime | None = None
    edit_reason: str | None = None
    hidden: bool = False
    extra: Mapping[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class Topic:
    """A forum topic, addressed by its forum's short name and its own ``slug``."""

    slug: str
    title: str | None = None
    post_count: int | None = None
    view_count: int | None = None
    sticky: bool = False
    locked: bool = False
    last_replied_to_at: datetime | None = None
    user_id: int | None = None
    author: str | None = None
    extra: Mapping[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class Forum:
    """A forum, addressed by ``short_name``."""

    short_name: str
    name: str | None = None
    description: str | None = None
    topic_count: int | None = None
    post_count: int | None = None
    extra: Mapping[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class Link:
    """A verified artist link on a user profile."""

    user_id: int | None = None
    tag_id: int | None = None
    state: str | None = None
    created_at: datetime | None = None
    extra: Mapping[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class Award:
    """A badge awarded to a user."""

    id: int
    title: str | None = None
    label: str | None = None
    image_url: str | None = None
    awarded_on: datetime | None = None
    extra: Mapping[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class User:
    """A user profile. Legacy ``comment_count``/``post_count``/... map to the plurals."""

    id: int
    name: str
    slug: str | None = None
    role: str | None = None
    description: str | None = None
    avatar_url: str | None = None
    created_at: datetime | None = None
    comments_count: int | None = None
    uploads_count: int | None = None
    posts_count: int | None = None
    topics_count: int | None = None
    links: tuple[Link, ...] = ()
    awards: tuple[Award, ...] = ()
    extra: Mapping[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class Filter:
    """A tag filter. Empty complex filters are ``None`` (servers send ``null`` or ``""``)."""

    id: int
    name: str
    description: str | None = None
    public: bool = False
    system: bool = False
    user_count: int | None = None
    user_id: int | None = None
    hidden_tag_ids: tuple[int, ...] = ()
    spoilered_tag_ids: tuple[int, ...] = ()
    hidden_complex: str | None = None
    spoilered_complex: str | None = None
    extra: Mapping[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class Gallery:
    """An image gallery. ``creator``/``creator_id`` is Philomena 1.2's ``user``/``user_id``
    (renamed on master); both spellings are accepted and both are readable."""

    id: int
    title: str | None = None
    description: str | None = None
    thumbnail_id: int | None = None
    spoiler_warning: str | None = None
    creator: str | None = None
    creator_id: int | None = None
    extra: Mapping[str, Any] = _extra()

    @property
    def user(self) -> str | None:
        """Philomena 1.2's name for :attr:`creator`."""
        return self.creator

    @property
    def user_id(self) -> int | None:
        """Philomena 1.2's name for :attr:`creator_id`."""
        return self.creator_id


@attrs.frozen(kw_only=True)
class Oembed:
    """An oEmbed answer for an image URL.

    The site-prefixed keys (``derpibooru_id``, ``twibooru_score``, ...) map to
    ``image_id``, ``score``, ``comment_count`` and ``tags``.
    """

    type: str
    version: str
    title: str | None = None
    author_name: str | None = None
    author_url: str | None = None
    provider_name: str | None = None
    provider_url: str | None = None
    cache_age: int | None = None
    url: str | None = None
    width: int | None = None
    height: int | None = None
    thumbnail_url: str | None = None
    thumbnail_width: int | None = None
    thumbnail_height: int | None = None
    image_id: int | None = None
    score: int | None = None
    comment_count: int | None = None
    tags: tuple[str, ...] = ()
    extra: Mapping[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class Page(Generic[T]):
    """One page of a list: its ``items``, the server's ``total`` (when it sends one), its
    1-based ``number`` and the ``per_page`` that was asked for."""

    items: tuple[T, ...]
    total: int | None
    number: int
    per_page: int
    extra: Mapping[str, Any] = _extra()

    def __len__(self) -> int:
        return len(self.items)
