"""The unified domain model: one set of frozen classes for every API flavour.

Attribute names follow the current Philomena field names (server-behaviour.md §1); older or
other spellings are mapped onto them by the converters in ``_convert``. Timestamps are aware
UTC datetimes, sequences are tuples, URLs are absolute. Every field a server sends that the
model does not name is kept in ``extra``, so nothing is lost.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Generic, Literal, TypeAlias, TypeVar, get_args

import attrs

__all__ = [
    "DARK_RATING_TAGS",
    "RATINGS",
    "RATING_TAGS",
    "Award",
    "Comment",
    "Credit",
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
    "Rankings",
    "Rating",
    "RatingTag",
    "Representations",
    "Tag",
    "Topic",
    "User",
]

T = TypeVar("T")

Rating: TypeAlias = Literal["safe", "suggestive", "questionable", "explicit"]
"""The four primary ratings, from the mildest to the most explicit."""
RatingTag: TypeAlias = Literal[
    "safe", "suggestive", "questionable", "explicit", "semi-grimdark", "grimdark", "grotesque"
]
"""Every rating tag of the Philomena family: the primary four and the three "dark" ones."""
RATINGS: tuple[Rating, ...] = get_args(Rating)
RATING_TAGS: tuple[RatingTag, ...] = get_args(RatingTag)
#: The rating tags that sit beside the primary rating (violence, gore) rather than on its scale.
DARK_RATING_TAGS: tuple[RatingTag, ...] = ("semi-grimdark", "grimdark", "grotesque")
_RATING_RANK: Mapping[str, int] = {name: rank for rank, name in enumerate(RATINGS)}
_ARTIST_PREFIX = "artist:"


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
    """Mean intensity of the four image quadrants (used by reverse search).

    The scale depends on the site's software: Philomena computes them with
    ``cli_intensities``, Twibooru with its older tool, and its API page warns that the two
    are not comparable. Compare intensities only between images of the same site.
    """

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
class Credit:
    """Who made an image and where it came from, as the sites' API terms ask a user to show.

    Derpibooru and Furbooru: "the artist must always be credited (if provided) and the
    original source URL must be displayed alongside the image"; a link to the image page is
    recommended. Twibooru: the artist and the source SHOULD be shown, and credit given to
    Twibooru as a link. ``str(credit)`` is one line that does all three::

        Art by speccysy | Source: https://ex.com/a | https://derpibooru.org/images/1 (derpibooru)
    """

    artists: tuple[str, ...]
    source_urls: tuple[str, ...]
    page_url: str
    site_name: str

    def __str__(self) -> str:
        # Newlines or runs of spaces in server data must not break the one line.
        artists = ", ".join(" ".join(a.split()) for a in self.artists)
        parts = [f"Art by {artists}" if artists else "Artist unknown"]
        sources = " ".join("".join(u.split()) for u in self.source_urls)
        parts.append(f"Source: {sources}" if sources else "Source: not given")
        parts.append(f"{self.page_url} ({self.site_name})")
        return " | ".join(parts)


#: The box each thumbnail is scaled to fit (never enlarged): Philomena's
#: ``Philomena.Images.Thumbnailer`` ``@versions``; Twibooru and the legacy app use the same.
_REPRESENTATION_BOXES: Mapping[str, tuple[int, int]] = {
    "thumb_tiny": (50, 50),
    "thumb_small": (150, 150),
    "thumb": (250, 250),
    "small": (320, 240),
    "medium": (800, 600),
    "large": (1280, 1024),
    "tall": (1024, 4096),
}
#: Preference among representations of the same size: the stored file first.
_REPRESENTATION_ORDER = (
    "full",
    "tall",
    "large",
    "medium",
    "small",
    "thumb",
    "thumb_small",
    "thumb_tiny",
    "webm",
    "mp4",
)
_ANIMATED_EXTENSIONS = frozenset({"gif", "webm", "mp4", "apng"})


def _extension(url: str) -> str:
    name = url.rsplit("/", 1)[-1].split("?", 1)[0].split("#", 1)[0]
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _representation_size(
    name: str, width: int | None, height: int | None
) -> tuple[int, int] | None:
    """The pixel size of one representation; ``None`` when the image's size is unknown and
    the representation has no box to bound it (the full file, the videos)."""
    box = _REPRESENTATION_BOXES.get(name)
    if width and height and width > 0 and height > 0:
        if box is None:
            return width, height
        scale = min(1.0, box[0] / width, box[1] / height)
        return max(1, round(width * scale)), max(1, round(height * scale))
    return box


@attrs.frozen(kw_only=True)
class Image:
    """An image (a *post* on Twibooru).

    Hidden images (deleted or merged) have ``hidden=True``; then only ``id``, the three
    timestamps, ``deletion_reason`` and ``duplicate_of`` are known and the rest is ``None``
    (empty tuples for the sequences).

    ``uploader`` is ``None`` for an anonymous upload on every flavour: where the legacy API
    names the uploader ``"Background Pony #ABCD"`` or ``"Anonymous"``, that string stays in
    ``extra["uploader"]``.
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
    #: How many tags the image has (every API page documents it; Twibooru's v3 posts omit
    #: it, so there it is ``len(tags)``).
    tag_count: int | None = None
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

    @property
    def artists(self) -> tuple[str, ...]:
        """The names after ``artist:`` in the tags, in tag order (``("speccysy",)``)."""
        return tuple(
            tag[len(_ARTIST_PREFIX) :].strip()
            for tag in self.tags
            if tag.startswith(_ARTIST_PREFIX) and tag[len(_ARTIST_PREFIX) :].strip()
        )

    @property
    def rating_tags(self) -> tuple[RatingTag, ...]:
        """Every rating tag present, in :data:`RATING_TAGS` order (the primary ratings
        first, then ``semi-grimdark``, ``grimdark``, ``grotesque``)."""
        present = {tag.strip().lower() for tag in self.tags}
        return tuple(tag for tag in RATING_TAGS if tag in present)

    @property
    def rating(self) -> Rating | None:
        """The primary rating: ``"safe"``, ``"suggestive"``, ``"questionable"``,
        ``"explicit"``, or ``None`` when the tags carry none (hidden images, paste posts).

        The sites allow one primary rating per image; should a server send more, the most
        explicit one is the rating, so a rating check never lets an image through by mistake.
        """
        present = set(self.rating_tags)
        for rating in reversed(RATINGS):
            if rating in present:
                return rating
        return None

    def rated_at_most(self, ceiling: Rating, *, allow: Iterable[RatingTag] = ()) -> bool:
        """Whether the image may be shown where nothing above ``ceiling`` is allowed.

        True only when the image has a primary rating at or below ``ceiling`` and carries no
        dark rating tag (``semi-grimdark``, ``grimdark``, ``grotesque``) except those in
        ``allow``. An image with no rating (hidden, unrated) is refused. It reads the tags
        already in hand: no request is sent. A "safe channel" is::

            if not image.rated_at_most("safe"):
                return  # refuse

        Pair it with the query (``"safe, ..."``) or a ``filter_id`` so the server does not
        send what would be refused anyway.
        """
        if ceiling not in _RATING_RANK:
            raise ValueError(f"ceiling must be one of {RATINGS}, not {ceiling!r}")
        allowed = set(allow)
        unknown = allowed - set(DARK_RATING_TAGS)
        if unknown:
            raise ValueError(f"allow takes dark rating tags {DARK_RATING_TAGS}, not {unknown}")
        rating = self.rating
        if rating is None or _RATING_RANK[rating] > _RATING_RANK[ceiling]:
            return False
        return all(tag in allowed for tag in self.rating_tags if tag in DARK_RATING_TAGS)

    def credit(self) -> Credit:
        """The attribution the sites' API terms ask for: ``str(image.credit())`` is one line
        naming the artists, the original sources and the image's page."""
        return Credit(
            artists=self.artists,
            source_urls=self.source_urls,
            page_url=self.url,
            site_name=self.site,
        )

    def best_representation(
        self, max_width: int | None = None, max_height: int | None = None
    ) -> str | None:
        """The URL of the largest representation that fits in ``max_width`` x ``max_height``
        (either may be ``None``: no bound), or ``None`` when none fits or the image has no
        files (hidden).

        Sizes follow the thumbnailer's boxes (``thumb`` 250x250, ``medium`` 800x600,
        ``large`` 1280x1024, ``tall`` 1024x4096, ...; a thumbnail is never larger than the
        image). An animated image keeps an animated file (a ``.gif``/``.webm`` thumbnail or
        the full ``webm``/``mp4``) when one fits, and falls back to a still one otherwise.
        """
        for bound in (max_width, max_height):
            if bound is not None and bound < 1:
                raise ValueError("max_width and max_height are positive numbers of pixels")
        reps = self.representations
        if self.hidden or reps is None:
            return None
        fitting: list[tuple[int, int, bool, str]] = []
        for order, name in enumerate(_REPRESENTATION_ORDER):
            url = getattr(reps, name)
            if not url:
                continue
            size = _representation_size(name, self.width, self.height)
            if size is None:
                if max_width is not None or max_height is not None:
                    continue  # unknown size: it cannot be shown to fit
                size = (1 << 31, 1 << 31)  # unbounded: the full file is the largest
            w, h = size
            if (max_width is not None and w > max_width) or (
                max_height is not None and h > max_height
            ):
                continue
            animated = _extension(url) in _ANIMATED_EXTENSIONS
            fitting.append((w * h, -order, animated, url))
        if not fitting:
            return None
        if self.animated and any(animated for _, _, animated, _ in fitting):
            fitting = [f for f in fitting if f[2]]
        return max(fitting)[3]

    def embed(
        self,
        *,
        max_width: int | None = None,
        max_height: int | None = None,
        spoiler_above: Rating = "safe",
    ) -> dict[str, Any]:
        """A chat embed as a plain dict, for any chat library to render::

            {"title": "derpibooru #1 by speccysy", "url": <page>, "image_url": <file>,
             "spoiler": False, "rating": "safe", "footer": str(image.credit())}

        ``image_url`` is :meth:`best_representation` for the bounds (``None`` when none
        fits). ``spoiler`` is true when the site marks the image ``spoilered`` (a key's
        filter), when it is not :meth:`rated_at_most` ``spoiler_above``, or when it has no
        rating: show it behind the chat's spoiler markup.
        """
        artists = ", ".join(self.artists)
        title = f"{self.site} #{self.id}" + (f" by {artists}" if artists else "")
        return {
            "title": title,
            "url": self.url,
            "image_url": self.best_representation(max_width, max_height),
            "spoiler": bool(self.spoilered) or not self.rated_at_most(spoiler_above),
            "rating": self.rating,
            "footer": str(self.credit()),
        }


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
class Rankings:
    """The legacy API's ``/lists.json``: the top images of a recent period.

    ``top_scoring`` and ``top_commented`` cover the images first seen in the period
    asked for; ``all_time_top_scoring`` does not depend on it. booru-on-rails sends
    three images per list.
    """

    top_scoring: tuple[Image, ...] = ()
    top_commented: tuple[Image, ...] = ()
    all_time_top_scoring: tuple[Image, ...] = ()


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
