"""Data model of a fake board and its seeded generator.

A :class:`Board` is plain mutable data (dataclasses keyed by id).  Views render
it, the search layer derives query documents from it, the CDN derives file bytes
from it.  ``Board.generate(seed)`` builds a realistic board; the same seed and
sizes always give the same board.
"""

from __future__ import annotations

import hashlib
import math
import os
import random
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from booru_async.testing._media import build_file, marker

# --------------------------------------------------------------------------- tags

NAMESPACES = (
    "artist",
    "art pack",
    "ask",
    "blog",
    "colorist",
    "comic",
    "commissioner",
    "editor",
    "fanfic",
    "oc",
    "parent",
    "parents",
    "photographer",
    "series",
    "species",
    "spoiler",
    "video",
)
NAMESPACE_CATEGORIES = {
    "artist": "origin",
    "art pack": "content-fanmade",
    "colorist": "origin",
    "comic": "content-fanmade",
    "editor": "origin",
    "fanfic": "content-fanmade",
    "oc": "oc",
    "photographer": "origin",
    "series": "content-fanmade",
    "spoiler": "spoiler",
    "video": "content-fanmade",
}
DISPLAY_CATEGORY_ORDER = (
    "error",
    "rating",
    "origin",
    "character",
    "oc",
    "species",
    "body-type",
    "content-fanmade",
    "content-official",
    "spoiler",
)
RATING_TAGS = (
    "safe",
    "suggestive",
    "questionable",
    "explicit",
    "semi-grimdark",
    "grimdark",
    "grotesque",
)


def tag_slug(name: str) -> str:
    """Philomena's reversible tag slug (``-`` first, space last)."""
    for old, new in (
        ("-", "-dash-"),
        ("/", "-fwslash-"),
        ("\\", "-bwslash-"),
        (":", "-colon-"),
        (".", "-dot-"),
        ("+", "-plus-"),
        (" ", "+"),
    ):
        name = name.replace(old, new)
    return name


def split_namespace(name: str) -> tuple[str | None, str]:
    """``("artist", "foo")`` for ``artist:foo``; ``(None, name)`` otherwise."""
    ns, sep, rest = name.partition(":")
    if sep and ns in NAMESPACES:
        return ns, rest
    return None, name


def destructive_slug(text: str) -> str:
    """Topic/forum style slug: ASCII alnum runs joined by ``-``, lower-case."""
    text = re.sub(r"[^ -~]", "", text)
    text = re.sub(r"[^a-zA-Z0-9]+", "-", text)
    return re.sub(r"\A-|-\Z", "", text).lower()


@dataclass(eq=False)
class DnpEntry:
    id: int
    dnp_type: str
    conditions: str
    reason: str
    hide_reason: bool
    created_at: datetime


@dataclass(eq=False)
class Tag:
    id: int
    name: str
    category: str | None = None
    description: str = ""
    short_description: str | None = ""
    image: str | None = None  # spoiler image file, relative to tag_root
    aliased_to: int | None = None
    implied_tag_ids: list[int] = field(default_factory=list)
    dnp_entries: list[DnpEntry] = field(default_factory=list)
    created_at: datetime = datetime(2012, 1, 1, tzinfo=UTC)
    images_count: int = 0
    slug_override: str | None = None

    @property
    def slug(self) -> str:
        return self.slug_override if self.slug_override is not None else tag_slug(self.name)

    @property
    def namespace(self) -> str | None:
        return split_namespace(self.name)[0]

    @property
    def name_in_namespace(self) -> str:
        return split_namespace(self.name)[1]


# -------------------------------------------------------------------------- users


@dataclass(eq=False)
class ArtistLink:
    user_id: int
    tag_id: int | None
    created_at: datetime
    state: str = "verified"
    public: bool = True


@dataclass(eq=False)
class Award:
    badge_id: int
    title: str
    image: str
    label: str | None
    awarded_on: datetime


@dataclass(eq=False)
class User:
    id: int
    name: str
    api_key: str
    created_at: datetime
    role: str = "user"
    hide_default_role: bool = False
    description: str | None = None
    avatar: str | None = None
    images_per_page: int = 15
    comments_per_page: int = 20
    current_filter_id: int | None = None
    deactivated: bool = False
    confirmed: bool = True
    banned: bool = False
    links: list[ArtistLink] = field(default_factory=list)
    awards: list[Award] = field(default_factory=list)
    watched_tag_ids: list[int] = field(default_factory=list)

    @property
    def slug(self) -> str:
        return self.name

    @property
    def is_staff(self) -> bool:
        return self.role in ("moderator", "admin")


# ------------------------------------------------------------------------- images

FORMAT_MIME = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "svg": "image/svg+xml",
    "webm": "video/webm",
    "mp4": "video/mp4",
}


@dataclass(eq=False)
class Image:
    id: int
    created_at: datetime
    updated_at: datetime
    first_seen_at: datetime
    width: int
    height: int
    format: str
    size: int
    name: str
    tag_ids: list[int]
    mime_type: str = ""
    orig_size: int | None = None
    duration: float = 0.04
    animated: bool = False
    sha512_hash: str | None = None  # None = derived from the generated file bytes
    orig_sha512_hash: str | None = None
    uploader_id: int | None = None
    anonymous: bool = False
    description: str = ""
    sources: list[str] = field(default_factory=list)
    intensities: dict[str, float] | None = None
    thumbnails_generated: bool = True
    processed: bool = True
    hidden_from_users: bool = False
    deletion_reason: str | None = None
    duplicate_id: int | None = None
    approved: bool = True
    faved_by: set[int] = field(default_factory=set)
    upvoted_by: set[int] = field(default_factory=set)
    downvoted_by: set[int] = field(default_factory=set)
    hidden_by: set[int] = field(default_factory=set)
    extra_upvotes: int = 0
    extra_downvotes: int = 0
    extra_faves: int = 0
    comments_count: int = 0
    content_seed: int = 0
    media_type: str = "image"
    locations: list[dict[str, object]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.mime_type:
            self.mime_type = FORMAT_MIME.get(self.format, "application/octet-stream")

    @property
    def upvotes(self) -> int:
        return len(self.upvoted_by) + self.extra_upvotes

    @property
    def downvotes(self) -> int:
        return len(self.downvoted_by) + self.extra_downvotes

    @property
    def faves(self) -> int:
        return len(self.faved_by) + self.extra_faves

    @property
    def hides(self) -> int:
        return len(self.hidden_by)

    @property
    def score(self) -> int:
        return self.upvotes - self.downvotes

    @property
    def aspect_ratio(self) -> float:
        return self.width / self.height if self.height else 0.0

    @property
    def wilson_score(self) -> float | int:
        """Lower Wilson bound (z = 2.57583); integer 0 when there are no upvotes."""
        up, down = self.upvotes, self.downvotes
        if up == 0:
            return 0
        n = up + down
        z = 2.57583
        phat = up / n
        return (
            phat + z * z / (2 * n) - z * math.sqrt((phat * (1 - phat) + z * z / (4 * n)) / n)
        ) / (1 + z * z / n)


def image_file_bytes(image: Image, board_seed: int) -> bytes:
    """The deterministic original file of a generated image (``size`` bytes)."""
    rng = random.Random(f"file:{board_seed}:{image.id}:{image.content_seed}")
    return build_file(
        image.format,
        image.width,
        image.height,
        image.size,
        marker(board_seed, image.id),
        rng.randbytes(4096),
    )


def derivative_bytes(image: Image, board_seed: int, version: str, ext: str) -> bytes:
    """Deterministic bytes for a thumbnail or other derivative file."""
    rng = random.Random(f"thumb:{board_seed}:{image.id}:{version}:{ext}")
    size = 512 + rng.randrange(4096)
    return build_file(
        ext, image.width, image.height, size, marker(board_seed, image.id), rng.randbytes(1024)
    )


# ------------------------------------------------------------------ other objects


@dataclass(eq=False)
class Comment:
    id: int
    image_id: int
    body: str
    created_at: datetime
    updated_at: datetime
    user_id: int | None = None
    anonymous: bool = False
    edited_at: datetime | None = None
    edit_reason: str | None = None
    hidden_from_users: bool = False
    destroyed_content: bool = False
    approved: bool = True


@dataclass(eq=False)
class Gallery:
    id: int
    title: str
    creator_id: int
    created_at: datetime
    updated_at: datetime
    description: str = ""
    spoiler_warning: str = ""
    thumbnail_id: int = 0
    anonymous: bool = False
    image_ids: list[int] = field(default_factory=list)  # in position order
    watcher_ids: set[int] = field(default_factory=set)


@dataclass(eq=False)
class Forum:
    id: int
    name: str
    short_name: str
    description: str
    access_level: str = "normal"


@dataclass(eq=False)
class Topic:
    id: int
    forum_id: int
    title: str
    created_at: datetime
    user_id: int | None = None
    anonymous: bool = False
    sticky: bool = False
    locked_at: datetime | None = None
    hidden_from_users: bool = False
    view_count: int = 0
    last_replied_to_at: datetime | None = None
    slug_override: str | None = None
    post_count_override: int | None = None

    @property
    def slug(self) -> str:
        return (
            self.slug_override if self.slug_override is not None else destructive_slug(self.title)
        )


@dataclass(eq=False)
class Post:
    id: int
    topic_id: int
    topic_position: int
    body: str
    created_at: datetime
    updated_at: datetime
    user_id: int | None = None
    anonymous: bool = False
    edited_at: datetime | None = None
    edit_reason: str | None = None
    hidden_from_users: bool = False
    destroyed_content: bool = False


@dataclass(eq=False)
class Filter:
    id: int
    name: str
    description: str = ""
    system: bool = False
    public: bool = False
    user_id: int | None = None
    hidden_tag_ids: list[int] = field(default_factory=list)
    spoilered_tag_ids: list[int] = field(default_factory=list)
    hidden_complex: str | None = None
    spoilered_complex: str | None = None
    user_count: int = 0
    created_at: datetime = datetime(2013, 1, 1, tzinfo=UTC)


@dataclass(eq=False)
class Feature:
    image_id: int
    created_at: datetime


# -------------------------------------------------------------------------- board


@dataclass(eq=False)
class Board:
    """All objects of one fake site, keyed by id.

    ``default_filter_id`` is the filter anonymous users get (Derpibooru's
    "Default"); ``everything_filter_id`` the no-op system filter.  ``seed`` feeds
    the CDN byte generator.  After mutating a board that is already served, call
    ``FakeBooru.invalidate()`` so derived search documents are rebuilt.
    """

    seed: int = 0
    images: dict[int, Image] = field(default_factory=dict)
    tags: dict[int, Tag] = field(default_factory=dict)
    users: dict[int, User] = field(default_factory=dict)
    comments: dict[int, Comment] = field(default_factory=dict)
    galleries: dict[int, Gallery] = field(default_factory=dict)
    forums: dict[int, Forum] = field(default_factory=dict)
    topics: dict[int, Topic] = field(default_factory=dict)
    posts: dict[int, Post] = field(default_factory=dict)
    filters: dict[int, Filter] = field(default_factory=dict)
    features: list[Feature] = field(default_factory=list)
    default_filter_id: int = 100073
    everything_filter_id: int = 56027
    blacklisted_tags: frozenset[str] = frozenset()
    frozen_counts: bool = False  # keep recorded counters (fixture boards)

    # ------------------------------------------------------------------ lookups

    def tag_by_slug(self, slug: str) -> Tag | None:
        for tag in self.tags.values():
            if tag.slug == slug:
                return tag
        return None

    def tag_by_name(self, name: str) -> Tag | None:
        for tag in self.tags.values():
            if tag.name == name:
                return tag
        return None

    def user_by_key(self, key: str | None) -> User | None:
        if not key:
            return None
        for user in self.users.values():
            if user.api_key == key:
                return user
        return None

    def user_by_name(self, name: str) -> User | None:
        for user in self.users.values():
            if user.name == name:
                return user
        return None

    def forum_by_short_name(self, short_name: str) -> Forum | None:
        for forum in self.forums.values():
            if forum.short_name == short_name:
                return forum
        return None

    def topic_by_slug(self, forum: Forum, slug: str) -> Topic | None:
        for topic in self.topics.values():
            if topic.forum_id == forum.id and topic.slug == slug:
                return topic
        return None

    def image_tags(self, image: Image) -> list[Tag]:
        return [self.tags[t] for t in image.tag_ids if t in self.tags]

    def topic_posts(self, topic: Topic) -> list[Post]:
        return sorted(
            (p for p in self.posts.values() if p.topic_id == topic.id),
            key=lambda p: p.topic_position,
        )

    def topic_post_count(self, topic: Topic) -> int:
        if topic.post_count_override is not None:
            return topic.post_count_override
        return sum(1 for p in self.posts.values() if p.topic_id == topic.id)

    def forum_counts(self, forum: Forum) -> tuple[int, int]:
        topics = [t for t in self.topics.values() if t.forum_id == forum.id]
        return len(topics), sum(self.topic_post_count(t) for t in topics)

    def image_sha512(self, image: Image) -> str:
        if image.sha512_hash is None:
            image.sha512_hash = hashlib.sha512(image_file_bytes(image, self.seed)).hexdigest()
        return image.sha512_hash

    def next_id(self, table: dict[int, object] | dict[int, Image]) -> int:
        return max(table, default=0) + 1

    def recount(self) -> None:
        """Recompute derived counters (tag image counts, comment counts)."""
        if self.frozen_counts:
            return
        counts: dict[int, int] = {}
        for image in self.images.values():
            if image.hidden_from_users:
                continue
            for tid in image.tag_ids:
                counts[tid] = counts.get(tid, 0) + 1
        for tag in self.tags.values():
            tag.images_count = counts.get(tag.id, 0)
        ccount: dict[int, int] = {}
        for comment in self.comments.values():
            if not comment.hidden_from_users and not comment.destroyed_content:
                ccount[comment.image_id] = ccount.get(comment.image_id, 0) + 1
        for image in self.images.values():
            image.comments_count = ccount.get(image.id, 0)

    # --------------------------------------------------------------- generator

    @classmethod
    def generate(
        cls,
        seed: int = 0,
        *,
        images: int = 2000,
        users: int = 150,
        galleries: int = 40,
        topics: int = 60,
    ) -> Board:
        """A realistic board; the same arguments always produce the same board."""
        return _Generator(seed).build(images, users, galleries, topics)

    @classmethod
    def from_fixtures(cls, root: str | os.PathLike[str] | None = None) -> Board:
        """A board holding the real recorded Derpibooru payloads.

        The payloads are looked for, first match wins: ``root``; the ``BOORU_FIXTURES``
        environment variable; the repository's ``tests/fixtures/real`` in a development
        checkout.  A directory there must hold every recorded file under ``derpibooru/``.

        Raises:
            FileNotFoundError: nothing (or only part of the recordings) was found; the
                message names the directory looked at and how to point at another one.

        Example::

            board = Board.from_fixtures()                        # in a checkout
            board = Board.from_fixtures("path/to/fixtures/real") # anywhere else
            fake = FakeBooru(board)
        """
        from booru_async.testing._fixtures import load_fixture_board

        return load_fixture_board(root)


# ---------------------------------------------------------------------- generator

_CHARACTERS = (
    "twilight sparkle",
    "rainbow dash",
    "pinkie pie",
    "rarity",
    "applejack",
    "fluttershy",
    "spike",
    "princess celestia",
    "princess luna",
    "derpy hooves",
    "starlight glimmer",
    "trixie",
    "sunset shimmer",
    "apple bloom",
    "scootaloo",
    "sweetie belle",
    "discord",
    "queen chrysalis",
    "lyra heartstrings",
    "bon bon",
    "octavia melody",
    "vinyl scratch",
    "big macintosh",
    "cheerilee",
    "zecora",
    "izzy moonbow",
    "sunny starscout",
)
_SPECIES = ("pony", "pegasus", "unicorn", "earth pony", "alicorn", "changeling", "human", "dragon")
_GENERIC = tuple(
    t.strip()
    for t in [
        "solo",
        " female",
        " mare",
        " simple background",
        " smiling",
        " looking at you",
        " open mouth",
        " cute",
        "white background",
        " blushing",
        " eyes closed",
        " transparent background",
        " duo",
        " wings",
        " horn",
        "grin",
        " tail",
        " clothes",
        " cutie mark",
        " sitting",
        " bust",
        " lying down",
        " hat",
        "eye clipping through hair",
        " chest fluff",
        " hoof heart",
        " shadow",
        " flying",
        " spread wings",
        "outdoors",
        " sky",
        " cloud",
        " tree",
        " grass",
        " sunset",
        " night",
        " stars",
        " moon",
        " looking back",
        "raised hoof",
        " happy",
        " sad",
        " angry",
        " glasses",
        " scarf",
        " socks",
        " dress",
        " flower",
        " book",
        "coffee mug",
        " cake",
        " cupcake",
        " food",
        " apple",
        " magic",
        " glowing horn",
        " levitation",
        " floppy ears",
        "one eye closed",
        " wink",
        " tongue out",
        " raspberry",
        " frown",
        " floating heart",
        " speech bubble",
        "dialogue",
        " comic",
        " text",
        " signature",
        " watermark",
        " traditional art",
        " digital art",
        " pixel art",
        "sketch",
        " lineart",
        " monochrome",
        " grayscale",
        " gradient background",
        " abstract background",
        "portrait",
        " headcanon",
        " redesign",
        " crying",
        " laughing",
        " sleeping",
        " running",
        " jumping",
        " hug",
        "kiss",
        " friendship",
        " group",
        " shipping",
        " female only",
        " male",
        " stallion",
        " colt",
        " filly",
        " foal",
    ]
)
_SPECIAL = (
    "fluttershy (g4)",
    "rarity (g5)",
    '"the" quote',
    "*sigh*",
    "comma, tag",
    "spider-man",
    "back\\slash",
    "time: 3:00 am",
    "j. jonah jameson",
    "/mlp/",
    "+1",
    "-minus start",
    "o_o",
    "wow!",
    "100% cute",
    "c++",
    "question?",
    "t-rex (dinosaur)",
)
_WORDS = [
    "sun",
    "moon",
    "star",
    "sky",
    "cloud",
    "rain",
    "snow",
    "leaf",
    "gold",
    "silver",
    "iron",
    "glass",
    "paper",
    "pixel",
    "velvet",
    "ember",
    "frost",
    "storm",
    "river",
    "stone",
    "amber",
    "dusk",
    "dawn",
    "echo",
    "lark",
    "finch",
    "maple",
    "cedar",
    "willow",
    "nova",
    "comet",
    "quill",
]
_DESCRIPTIONS = (
    "",
    "",
    "",
    "Commission for a friend.",
    "Made this in an afternoon, enjoy!",
    "Full resolution on my gallery.\n\nThanks for looking.",
    "**Bold** claims and *italics*; see >>1 for context.",
    "Part 2 of the series. [Part 1](/images/2)",
)
_DELETION_REASONS = ("Rule #1", "Rule #3: Off-topic", "Duplicate of an existing image", None)


class _Generator:
    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.rng = random.Random(f"board:{seed}")
        self.board = Board(seed=seed)
        self.start = datetime(2012, 1, 2, 3, 10, 59, tzinfo=UTC)
        self.end = datetime(2024, 11, 1, tzinfo=UTC)

    def when(self, lo: datetime, hi: datetime) -> datetime:
        span = max(1, int((hi - lo).total_seconds()))
        return lo + timedelta(seconds=self.rng.randrange(span))

    def build(self, n_images: int, n_users: int, n_galleries: int, n_topics: int) -> Board:
        self.make_tags()
        self.make_users(n_users)
        self.make_filters()
        self.make_images(n_images)
        self.make_comments()
        self.make_galleries(n_galleries)
        self.make_forums(n_topics)
        self.make_features()
        self.board.recount()
        return self.board

    # ------------------------------------------------------------------ tags

    def add_tag(self, name: str, category: str | None = None, **kw: object) -> Tag:
        tid = 1000 + len(self.board.tags) * 7 + self.rng.randrange(7)
        ns, _ = split_namespace(name)
        if category is None and ns is not None:
            category = NAMESPACE_CATEGORIES.get(ns)
        tag = Tag(id=tid, name=name, category=category, **kw)  # type: ignore[arg-type]
        tag.created_at = self.when(self.start - timedelta(days=30), self.end)
        self.board.tags[tid] = tag
        return tag

    def make_tags(self) -> None:
        rng = self.rng
        self.ratings = [
            self.add_tag(
                name,
                "rating",
                description=f"Images rated {name}.",
                short_description=f"{name.capitalize()} content.",
                image=f"2012/07/01/{name}.png" if name in ("safe", "explicit") else None,
            )
            for name in RATING_TAGS
        ]
        self.errors = [self.add_tag(n, "error") for n in ("dead source", "artist needed")]
        self.official = [
            self.add_tag(n, "content-official") for n in ("g4", "g5", "my little pony")
        ]
        self.characters = [self.add_tag(n, "character") for n in _CHARACTERS]
        self.species = [self.add_tag(n, "species") for n in _SPECIES]
        self.body = [self.add_tag(n, "body-type") for n in ("anthro", "semi-anthro", "feral")]
        self.artists: list[Tag] = []
        used: set[str] = set()
        for _ in range(80):
            name = rng.choice(_WORDS) + rng.choice(_WORDS) + str(rng.randrange(100))
            if name in used:
                continue
            used.add(name)
            tag = self.add_tag(f"artist:{name}")
            if rng.random() < 0.1:
                tag.dnp_entries.append(
                    DnpEntry(
                        id=len(self.artists) + 1,
                        dnp_type=rng.choice(("No Edits", "Artist Upload Only", "Other")),
                        conditions=rng.choice(("", "No reuploads.", "Ask first.")),
                        reason="Artist request",
                        hide_reason=rng.random() < 0.3,
                        created_at=self.when(self.start, self.end),
                    )
                )
            self.artists.append(tag)
        self.ocs = [
            self.add_tag(f"oc:{rng.choice(_WORDS)} {rng.choice(_WORDS)}") for _ in range(40)
        ]
        self.ocs.append(self.add_tag("oc"))
        self.generic = [self.add_tag(n) for n in dict.fromkeys(_GENERIC)]
        for extra in ("comic:the tale", "spoiler:s09e26", "fanfic:past sins", "editor:anon"):
            self.generic.append(self.add_tag(extra))
        self.special = [self.add_tag(n) for n in _SPECIAL]
        # aliases (never on images) and implications
        for name, target in (
            ("females", "female"),
            ("girl", "female"),
            ("twilight", "twilight sparkle"),
            ("dashie", "rainbow dash"),
            ("smile", "smiling"),
        ):
            tgt = self.board.tag_by_name(target)
            if tgt is not None:
                self.add_tag(name, aliased_to=tgt.id)
        for child, parents in (
            ("twilight sparkle", ("unicorn",)),
            ("rainbow dash", ("pegasus",)),
            ("fluttershy", ("pegasus",)),
            ("spread wings", ("wings",)),
            ("mare", ("female",)),
        ):
            ct = self.board.tag_by_name(child)
            if ct is None:
                continue
            for p in parents:
                pt = self.board.tag_by_name(p)
                if pt is not None:
                    ct.implied_tag_ids.append(pt.id)
        for tag in self.generic[:12]:
            tag.short_description = f"{tag.name} tag."

    # ----------------------------------------------------------------- users

    def make_users(self, n: int) -> None:
        rng = self.rng
        taken: set[str] = set()
        for i in range(n):
            uid = 200000 + i * 37 + rng.randrange(37)
            while True:
                name = (
                    rng.choice(_WORDS).capitalize()
                    + rng.choice(("", " ", "_"))
                    + rng.choice(_WORDS)
                )
                if rng.random() < 0.4:
                    name += str(rng.randrange(1000))
                if name not in taken:
                    taken.add(name)
                    break
            key = "".join(
                rng.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
                for _ in range(20)
            )
            user = User(
                id=uid,
                name=name,
                api_key=key,
                created_at=self.when(self.start - timedelta(days=200), self.end),
                description=rng.choice((None, "", "Hi! I draw ponies.", "Just a lurker.")),
                avatar=f"2015/03/16/{uid}.png" if rng.random() < 0.5 else None,
                images_per_page=rng.choice((15, 15, 25, 50)),
            )
            if i == 0:
                user.role, user.name = "admin", "Admin"
            elif i == 1:
                user.role = "moderator"
            elif i == 2:
                user.role, user.hide_default_role = "moderator", True
            elif i == 3:
                user.role = "assistant"
            elif i == 4:
                user.deactivated = True
            elif i == 5:
                user.banned = True
            elif i == 6:
                user.confirmed = False
            if rng.random() < 0.3:
                for b in range(rng.randrange(1, 5)):
                    user.awards.append(
                        Award(
                            badge_id=b * 7 + 5,
                            title=rng.choice(("Artist", "Happy Derpy!", "Flexible", "Donor")),
                            image=f"2016/8/22/{b}badge.svg",
                            label=rng.choice(("", "", None, "Best pony")),
                            awarded_on=self.when(user.created_at, self.end),
                        )
                    )
            self.board.users[uid] = user
        self.user_list = [u for u in self.board.users.values() if not u.deactivated]
        for user, artist in zip(self.user_list[7:27], self.artists, strict=False):
            user.links.append(ArtistLink(user.id, artist.id, self.when(user.created_at, self.end)))
        self.user_list[8].links.append(
            ArtistLink(self.user_list[8].id, None, self.user_list[8].created_at, public=False)
        )

    # --------------------------------------------------------------- filters

    def make_filters(self) -> None:
        by = self.board.tag_by_name

        def ids(*names: str) -> list[int]:
            return [t.id for n in names if (t := by(n)) is not None]

        b = self.board
        b.filters[56027] = Filter(
            id=56027,
            name="Everything",
            system=True,
            description="This filter won't filter anything out at all - that means NSFW content!",
            user_count=80438,
        )
        b.filters[100073] = Filter(
            id=100073,
            name="Default",
            system=True,
            description="The site's default filter.",
            hidden_tag_ids=ids("explicit", "grotesque", "questionable", "grimdark"),
            spoilered_tag_ids=ids("semi-grimdark", "suggestive"),
            user_count=123456,
        )
        b.filters[37431] = Filter(
            id=37431,
            name="Legacy Default",
            system=True,
            description="Hides explicit content.",
            hidden_tag_ids=ids("explicit"),
            spoilered_tag_ids=ids("grimdark", "grotesque"),
            hidden_complex="score.lt:-10",
            spoilered_complex="questionable\r\nsemi-grimdark",
            user_count=4321,
        )
        b.filters[37432] = Filter(
            id=37432, name="Maximum Spoilers", system=True, spoilered_complex="*", user_count=99
        )
        fid = 110000
        for user in self.user_list[:40]:
            if self.rng.random() < 0.5:
                continue
            fid += self.rng.randrange(1, 30)
            public = self.rng.random() < 0.4
            b.filters[fid] = Filter(
                id=fid,
                name=self.rng.choice(("My filter", "No spiders", "Clean", "Work safe", "Z filter")),
                description=self.rng.choice(("", "Personal filter.")),
                public=public,
                user_id=user.id,
                hidden_tag_ids=[t.id for t in self.rng.sample(self.generic, 3)],
                spoilered_tag_ids=[t.id for t in self.rng.sample(self.characters, 2)],
                hidden_complex=self.rng.choice((None, "", "score.lt:0", "artist needed, solo")),
                spoilered_complex=self.rng.choice((None, "")),
                user_count=self.rng.randrange(3),
                created_at=self.when(user.created_at, self.end),
            )
            if self.rng.random() < 0.5:
                user.current_filter_id = fid
        for user in self.user_list:
            if user.current_filter_id is None and self.rng.random() < 0.5:
                user.current_filter_id = self.rng.choice((56027, 100073, 37431))

    # ---------------------------------------------------------------- images

    def zipf_pick(self, pool: list[Tag], k: int, s: float = 1.1) -> list[Tag]:
        weights = [1.0 / (r + 1) ** s for r in range(len(pool))]
        picked = self.rng.choices(pool, weights=weights, k=k)
        return list(dict.fromkeys(picked))

    def make_images(self, n: int) -> None:
        rng = self.rng
        b = self.board
        users = self.user_list
        rating_weights = (55, 20, 9, 12, 2, 1.5, 0.5)
        formats = (("png", 45), ("jpg", 33), ("jpeg", 2), ("gif", 9), ("webm", 6), ("svg", 3))
        step = (self.end - self.start) / max(1, n)
        for i in range(n):
            iid = i + 1
            created = (
                self.start
                + step * i
                + timedelta(seconds=rng.randrange(max(1, int(step.total_seconds()))))
            )
            created = created.replace(microsecond=0)
            fmt = rng.choices([f for f, _ in formats], weights=[w for _, w in formats])[0]
            if fmt in ("gif", "webm", "mp4"):
                w, h = rng.choice(((480, 270), (640, 360), (1280, 720), (500, 500), (320, 240)))
            elif fmt == "svg":
                w, h = rng.choice(((1024, 1024), (2000, 2000), (3000, 2500)))
            else:
                w, h = rng.choice(
                    (
                        (800, 700),
                        (900, 900),
                        (1920, 1080),
                        (2480, 3508),
                        (4000, 3000),
                        (240, 200),
                        (60, 40),
                        (1280, 1024),
                    )
                )
            tags: list[Tag] = [rng.choices(self.ratings, weights=rating_weights)[0]]
            if rng.random() < 0.1 and tags[0].name != "safe":
                tags.append(rng.choice(self.ratings[4:]))
            if rng.random() < 0.85:
                tags.append(rng.choice(self.artists[: 20 + i % 60]))
            elif rng.random() < 0.5:
                tags.append(self.errors[1])
            if rng.random() < 0.05:
                tags.append(self.errors[0])
            tags.extend(self.zipf_pick(self.characters, rng.randrange(1, 4)))
            tags.extend(self.zipf_pick(self.species, rng.randrange(1, 3)))
            if rng.random() < 0.7:
                tags.append(
                    self.official[0]
                    if created.year < 2021 or rng.random() < 0.5
                    else self.official[1]
                )
            if rng.random() < 0.15:
                tags.append(rng.choice(self.ocs))
            if rng.random() < 0.08:
                tags.append(rng.choice(self.body))
            tags.extend(self.zipf_pick(self.generic, rng.randrange(3, 30)))
            if rng.random() < 0.06:
                tags.append(rng.choice(self.special))
            tag_ids = list(dict.fromkeys(t.id for t in tags))
            rng.shuffle(tag_ids)
            animated = fmt in ("gif", "webm", "mp4") and rng.random() < 0.95
            size = rng.randrange(4_000, 120_000)
            name = (
                f"{iid}__{'_'.join(b.tags[t].slug for t in tag_ids[:6])}"
                if created.year < 2013
                else rng.choice(("upload", "image", "art", "commission", "IMG_"))
                + str(rng.randrange(10000))
                + "."
                + fmt
            )
            uploader = rng.choice(users) if rng.random() < 0.8 else None
            image = Image(
                id=iid,
                created_at=created,
                updated_at=min(
                    self.end, created + timedelta(seconds=rng.randrange(1, 3 * 10**7))
                ).replace(microsecond=0),
                first_seen_at=created
                if rng.random() < 0.97
                else created - timedelta(days=rng.randrange(1, 400)),
                width=w,
                height=h,
                format=fmt,
                size=size,
                orig_size=None if created.year < 2024 else size + rng.randrange(0, 5000),
                duration=round(rng.uniform(0.5, 30.0), 2) if animated else 0.04,
                animated=animated,
                name=name,
                tag_ids=tag_ids,
                uploader_id=uploader.id if uploader else None,
                anonymous=uploader is not None and rng.random() < 0.1,
                description=rng.choice(_DESCRIPTIONS),
                sources=[
                    f"https://www.deviantart.com/{rng.choice(_WORDS)}/art/{rng.randrange(10**8)}"
                    for _ in range(rng.choice((0, 1, 1, 1, 2, 3)))
                ],
                intensities={k: round(rng.uniform(0, 255), 6) for k in ("nw", "ne", "sw", "se")},
                content_seed=rng.randrange(2**31),
            )
            if rng.random() < 0.5:
                ext_id = 1_000_000 + iid * 3
                image.locations = [
                    {
                        "location": "derpibooru",
                        "id_at_location": ext_id,
                        "url_at_location": f"https://derpibooru.org/images/{ext_id}",
                    }
                ]
            if rng.random() < 0.2:
                image.orig_sha512_hash = None
            else:
                image.orig_sha512_hash = hashlib.sha512(
                    f"orig:{self.seed}:{iid}".encode()
                ).hexdigest()
            voters = rng.sample(users, min(len(users), int(rng.paretovariate(1.2)) - 1))
            for u in voters:
                if rng.random() < 0.85:
                    image.upvoted_by.add(u.id)
                    if rng.random() < 0.5:
                        image.faved_by.add(u.id)
                else:
                    image.downvoted_by.add(u.id)
            if rng.random() < 0.05:
                image.hidden_by.add(rng.choice(users).id)
            if i >= n - max(3, n // 200):
                image.thumbnails_generated = rng.random() < 0.3
                image.processed = False
                image.intensities = None
            if fmt == "svg" and not image.processed:
                image.thumbnails_generated = False
            b.images[iid] = image
        # hidden images: deleted and merged
        ids = list(b.images)
        for iid in rng.sample(ids[10:], max(1, n // 50)):
            img = b.images[iid]
            img.hidden_from_users = True
            img.deletion_reason = rng.choice(_DELETION_REASONS)
        visible = [i for i in ids if not b.images[i].hidden_from_users]
        for iid in rng.sample(ids[10:], max(1, n // 100)):
            img = b.images[iid]
            if img.hidden_from_users:
                continue
            img.hidden_from_users = True
            img.deletion_reason = "Duplicate"
            img.duplicate_id = rng.choice([v for v in visible if v != iid])
        # a couple of tag-less twibooru-ish pastes are not generated: Philomena has none

    # -------------------------------------------------------------- comments

    def make_comments(self) -> None:
        rng = self.rng
        b = self.board
        cid = 1000
        for image in b.images.values():
            k = min(40, int(rng.paretovariate(1.3)) - 1)
            for _ in range(k):
                cid += rng.randrange(1, 9)
                user = rng.choice(self.user_list) if rng.random() < 0.85 else None
                created = self.when(
                    image.created_at, min(self.end, image.created_at + timedelta(days=400))
                )
                edited = rng.random() < 0.1
                comment = Comment(
                    id=cid,
                    image_id=image.id,
                    body=rng.choice(
                        (
                            "Which video is this from?",
                            "So cute!",
                            f">>{image.id}\nAgreed.",
                            "Source? This looks like *their* style.",
                            "10/10 would fave again",
                            "[spoiler]surprise[/spoiler]",
                        )
                    ),
                    created_at=created,
                    updated_at=created + timedelta(minutes=rng.randrange(60))
                    if edited
                    else created,
                    user_id=user.id if user else None,
                    anonymous=user is not None and rng.random() < 0.1,
                    edited_at=created + timedelta(minutes=5) if edited else None,
                    edit_reason=(
                        rng.choice(("", "typo")) if edited else rng.choice((None, None, ""))
                    ),
                )
                r = rng.random()
                if r < 0.03:
                    comment.hidden_from_users = True
                elif r < 0.04:
                    comment.hidden_from_users = True
                    comment.destroyed_content = True
                b.comments[cid] = comment

    # ------------------------------------------------------------- galleries

    def make_galleries(self, n: int) -> None:
        rng = self.rng
        b = self.board
        visible = [i.id for i in b.images.values() if not i.hidden_from_users]
        for g in range(n):
            gid = 20000 + g * 11 + rng.randrange(11)
            creator = rng.choice(self.user_list)
            created = self.when(self.start, self.end)
            members = rng.sample(visible, min(len(visible), rng.randrange(0, 60)))
            gallery = Gallery(
                id=gid,
                title=rng.choice(
                    ("Safe art", "Favourites", "Best of", "Comic pages", "Wallpapers", "Safe :3")
                )
                + ("" if rng.random() < 0.5 else f" {rng.choice(_WORDS)}"),
                creator_id=creator.id,
                created_at=created,
                updated_at=created + timedelta(days=rng.randrange(300)),
                description=rng.choice(("", "", "A collection.", "nose ")),
                spoiler_warning=rng.choice(("", "", "Contains spoilers")),
                thumbnail_id=members[0] if members else rng.choice(visible),
                anonymous=rng.random() < 0.1,
                image_ids=members,
                watcher_ids={u.id for u in rng.sample(self.user_list, rng.randrange(0, 5))},
            )
            b.galleries[gid] = gallery

    # ---------------------------------------------------------------- forums

    def make_forums(self, n_topics: int) -> None:
        rng = self.rng
        b = self.board
        specs = (
            ("Art Chat", "art", "Discuss art of any form, and share techniques and tips", "normal"),
            ("Fanfiction", "writing", "For stories, writing prompts, and critique", "normal"),
            (
                "General Discussion",
                "dis",
                "This is a discussion forum for everything unrelated",
                "normal",
            ),
            (
                "Generals",
                "generals",
                "For when you want to talk about an ongoing general topic",
                "normal",
            ),
            ("Pony Discussion", "pony", "Discuss the show, characters, and theories", "normal"),
            ("Site and Policy", "meta", "For site discussion and policy discussion", "normal"),
            ("Moderators", "mod", "Staff only", "staff"),
            ("Assistants", "assist", "Assistants only", "assistant"),
        )
        for i, (name, short, desc, access) in enumerate(specs, start=1):
            b.forums[i] = Forum(
                id=i, name=name, short_name=short, description=desc, access_level=access
            )
        pid = 2_000_000
        used_slugs: set[tuple[int, str]] = set()
        for t in range(n_topics):
            forum_id = rng.choice(list(b.forums))
            user = rng.choice(self.user_list) if rng.random() < 0.9 else None
            created = self.when(self.start, self.end - timedelta(days=30))
            title = rng.choice(
                (
                    "[SFW] Artist's Group Chat",
                    "Featured Image",
                    "Time-Wasting Thread 3.0 (SFW - No Explicit/Grimdark)",
                    "Ask the mods anything",
                    "Drawing requests",
                    "Favourite episode?",
                    "Post your OCs!",
                )
            ) + ("" if t < 7 else f" #{t}")
            if (forum_id, destructive_slug(title)) in used_slugs:
                title += f" {t}"
            used_slugs.add((forum_id, destructive_slug(title)))
            topic = Topic(
                id=5000 + t,
                forum_id=forum_id,
                title=title,
                created_at=created,
                user_id=user.id if user else None,
                anonymous=user is not None and rng.random() < 0.1,
                sticky=rng.random() < 0.1,
                locked_at=created + timedelta(days=3) if rng.random() < 0.1 else None,
                hidden_from_users=rng.random() < 0.05,
                view_count=rng.randrange(10, 400000),
            )
            if t == 0:
                topic.forum_id, topic.hidden_from_users, topic.sticky = 1, False, True
            n_posts = 1 + (int(rng.paretovariate(0.9)) if t > 0 else 80)
            n_posts = min(n_posts, 130)
            last = created
            for pos in range(n_posts):
                pid += rng.randrange(1, 5)
                puser = (
                    user
                    if pos == 0
                    else (rng.choice(self.user_list) if rng.random() < 0.85 else None)
                )
                pcreated = (
                    created
                    if pos == 0
                    else self.when(last, min(self.end, last + timedelta(days=20)))
                )
                last = pcreated
                edited = rng.random() < 0.1
                post = Post(
                    id=pid,
                    topic_id=topic.id,
                    topic_position=pos,
                    body=rng.choice(
                        ("Hello!", "Nice thread.", "> quote\nreply", "Bump.", "**Rules:** be nice")
                    ),
                    created_at=pcreated,
                    updated_at=pcreated + timedelta(hours=1) if edited else pcreated,
                    user_id=puser.id if puser else None,
                    anonymous=puser is not None and rng.random() < 0.05,
                    edited_at=pcreated + timedelta(minutes=30) if edited else None,
                    edit_reason="" if edited else None,
                )
                r = rng.random()
                if pos > 0 and r < 0.04:
                    post.hidden_from_users = True
                elif pos > 0 and r < 0.05:
                    post.hidden_from_users = post.destroyed_content = True
                b.posts[pid] = post
            topic.last_replied_to_at = last if rng.random() < 0.98 else None
            b.topics[topic.id] = topic

    def make_features(self) -> None:
        b = self.board
        candidates = [i for i in b.images.values() if not i.hidden_from_users and i.id > 5]
        for img in self.rng.sample(candidates, min(10, len(candidates))):
            b.features.append(Feature(img.id, img.created_at + timedelta(days=1)))
        # the newest feature points at a hidden image: the route must skip it
        hidden = [i for i in b.images.values() if i.hidden_from_users]
        if hidden:
            newest = max((f.created_at for f in b.features), default=self.end)
            b.features.append(Feature(hidden[0].id, newest + timedelta(days=1)))


def iter_visible(images: Iterable[Image]) -> Iterable[Image]:
    """Images not hidden from users."""
    return (i for i in images if not i.hidden_from_users)
