"""Loading the real recorded Derpibooru payloads into a :class:`Board`.

The files under ``<root>/derpibooru`` (Philomena-era JSON, as recorded in the repository's
``tests/fixtures/real``) are read as the site's objects: images, tags, comments, forum posts,
topics, forums, galleries, filters and a user profile.  Counters the board normally derives
(votes, faves, comment and tag counts) keep their recorded values.  CDN bytes of such images
cannot match the recorded ``sha512_hash`` (the real files are not available), so they are
served with the recorded hash kept.

Where the payloads are looked for, first match wins: the ``root`` argument; the
``BOORU_FIXTURES`` environment variable; the repository's ``tests/fixtures/real`` when the
package runs from a development checkout.  Finding none of them, or a directory missing any
of the recorded files, raises :class:`FileNotFoundError` naming every place looked at: a
board that silently came out empty would let a user's tests pass while testing nothing.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from booru_async.testing._board import (
    RATING_TAGS,
    ArtistLink,
    Award,
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

#: Where the real payloads live in a development checkout (an installed wheel has no
#: ``tests/``; there pass ``root`` or set ``BOORU_FIXTURES``).
DEFAULT_ROOT = str(Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "real")

#: Every recorded file the loader reads, under ``<root>/derpibooru``.
FIXTURE_FILES = (
    "search-tags-2020-04.json",
    "search-tags-2023-03.json",
    "appledash-2024-11-tags.json",
    "search-images-2020-04-early-philomena.json",
    "appledash-2024-11-images.json",
    "appledash-2024-11-comments.json",
    "appledash-2024-11-forums.json",
    "appledash-2024-11-topics.json",
    "appledash-2024-11-posts.json",
    "appledash-2024-11-galleries.json",
    "appledash-2024-11-filters.json",
    "appledash-2024-11-users.json",
)


def fixture_root(root: str | os.PathLike[str] | None = None) -> Path:
    """The directory holding the recorded payloads, or :class:`FileNotFoundError`.

    Order: ``root``; ``$BOORU_FIXTURES``; the development checkout's ``tests/fixtures/real``.
    An explicitly named directory (argument or variable) is never silently replaced by the
    default: if it lacks the files, that is the error.
    """
    env = os.environ.get("BOORU_FIXTURES")
    if root is not None:
        base, source = Path(root), f"the root argument ({root})"
    elif env:
        base, source = Path(env), f"$BOORU_FIXTURES ({env})"
    else:
        base, source = Path(DEFAULT_ROOT), f"the development checkout ({DEFAULT_ROOT})"
    missing = [name for name in FIXTURE_FILES if not (base / "derpibooru" / name).is_file()]
    if not missing:
        return base
    if len(missing) == len(FIXTURE_FILES):
        what = "no recorded payloads"
    else:
        what = f"{len(missing)} of {len(FIXTURE_FILES)} recorded payloads missing"
        what += f" ({', '.join(missing)})"
    raise FileNotFoundError(
        f"Board.from_fixtures(): {what} under {base / 'derpibooru'} (looked at {source}). "
        "Pass Board.from_fixtures(root=...) or set BOORU_FIXTURES to a directory holding "
        "derpibooru/<file>.json as in the repository's tests/fixtures/real; "
        "an installed package does not ship them."
    )


def parse_time(value: str | None) -> datetime | None:
    """Accept ``Z``-less, ``Z`` and fractional ISO timestamps (zone-less = UTC)."""
    if value is None:
        return None
    text = value.replace("Z", "+00:00")
    if "." in text:
        head, _, rest = text.partition(".")
        digits = "".join(ch for ch in rest if ch.isdigit())
        zone = rest[len(digits) :]
        text = f"{head}.{(digits + '000000')[:6]}{zone}"
    dt = datetime.fromisoformat(text)
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def _t(value: Any) -> datetime:
    parsed = parse_time(value) if isinstance(value, str) else None
    return parsed or datetime(2012, 1, 1, tzinfo=UTC)


def _load(root: Path, name: str) -> Any:
    return orjson.loads((root / "derpibooru" / name).read_bytes())


def _user(board: Board, uid: int | None, name: str | None) -> None:
    if uid is None or uid in board.users or name is None or name.startswith("Background Pony"):
        return
    board.users[uid] = User(id=uid, name=name, api_key=f"fixture-key-{uid}", created_at=_t(None))


def _tag(board: Board, tid: int, name: str) -> None:
    if tid not in board.tags:
        board.tags[tid] = Tag(id=tid, name=name, category="rating" if name in RATING_TAGS else None)


def _image(board: Board, raw: dict[str, Any]) -> None:
    for tid, name in zip(raw.get("tag_ids", []), raw.get("tags", []), strict=False):
        _tag(board, tid, name)
    _user(board, raw.get("uploader_id"), raw.get("uploader"))
    up, down, faves = raw.get("upvotes", 0), raw.get("downvotes", 0), raw.get("faves", 0)
    sources = raw.get("source_urls")
    if sources is None:
        sources = [raw["source_url"]] if raw.get("source_url") else []
    image = Image(
        id=raw["id"],
        created_at=_t(raw.get("created_at")),
        updated_at=_t(raw.get("updated_at")),
        first_seen_at=_t(raw.get("first_seen_at")),
        width=raw["width"],
        height=raw["height"],
        format=raw.get("format", "png"),
        mime_type=raw.get("mime_type", ""),
        size=raw.get("size", 0),
        orig_size=raw.get("orig_size"),
        duration=raw.get("duration", 0.04),
        animated=raw.get("animated", False),
        name=raw.get("name", ""),
        tag_ids=list(raw.get("tag_ids", [])),
        sha512_hash=raw.get("sha512_hash"),
        orig_sha512_hash=raw.get("orig_sha512_hash"),
        uploader_id=raw.get("uploader_id"),
        description=raw.get("description", ""),
        sources=list(sources),
        intensities=raw.get("intensities"),
        thumbnails_generated=raw.get("thumbnails_generated", True),
        processed=raw.get("processed", True),
        extra_upvotes=up,
        extra_downvotes=down,
        extra_faves=faves,
        comments_count=raw.get("comment_count", 0),
    )
    board.images[image.id] = image


def load_fixture_board(root: str | os.PathLike[str] | None = None) -> Board:
    """A board holding every Philomena-era recorded object (see :func:`fixture_root`)."""
    base = fixture_root(root)
    board = Board(seed=0, frozen_counts=True)
    for name in (
        "search-tags-2020-04.json",
        "search-tags-2023-03.json",
        "appledash-2024-11-tags.json",
    ):
        data = _load(base, name)
        for raw in data.get("tags", []):
            tag = Tag(
                id=raw["id"],
                name=raw["name"],
                category=raw.get("category"),
                description=raw.get("description") or "",
                short_description=raw.get("short_description"),
                slug_override=raw.get("slug"),
                images_count=raw.get("images", 0),
            )
            uri = raw.get("spoiler_image_uri")
            if isinstance(uri, str) and "/media/" in uri:
                tag.image = uri.split("/media/", 1)[1]
            board.tags[tag.id] = tag
    for name in ("search-images-2020-04-early-philomena.json", "appledash-2024-11-images.json"):
        for raw in _load(base, name).get("images", []):
            _image(board, raw)
    for raw in _load(base, "appledash-2024-11-comments.json").get("comments", []):
        _user(board, raw.get("user_id"), raw.get("author"))
        board.comments[raw["id"]] = Comment(
            id=raw["id"],
            image_id=raw["image_id"],
            body=raw.get("body") or "",
            created_at=_t(raw.get("created_at")),
            updated_at=_t(raw.get("updated_at")),
            user_id=raw.get("user_id"),
            edited_at=parse_time(raw.get("edited_at")),
            edit_reason=raw.get("edit_reason"),
        )
    forums = _load(base, "appledash-2024-11-forums.json").get("forums", [])
    for i, raw in enumerate(forums, start=1):
        board.forums[i] = Forum(i, raw["name"], raw["short_name"], raw.get("description") or "")
    art = board.forum_by_short_name("art")
    topics = _load(base, "appledash-2024-11-topics.json").get("topics", [])
    for i, raw in enumerate(topics, start=1):
        _user(board, raw.get("user_id"), raw.get("author"))
        board.topics[i] = Topic(
            id=i,
            forum_id=art.id if art else 1,
            title=raw["title"],
            created_at=_t(raw.get("last_replied_to_at")),
            user_id=raw.get("user_id"),
            sticky=bool(raw.get("sticky")),
            view_count=raw.get("view_count", 0),
            last_replied_to_at=parse_time(raw.get("last_replied_to_at")),
            slug_override=raw.get("slug"),
            post_count_override=raw.get("post_count"),
        )
    posts = _load(base, "appledash-2024-11-posts.json").get("posts", [])
    for pos, raw in enumerate(posts):
        _user(board, raw.get("user_id"), raw.get("author"))
        board.posts[raw["id"]] = Post(
            id=raw["id"],
            topic_id=1,
            topic_position=pos,
            body=raw.get("body") or "",
            created_at=_t(raw.get("created_at")),
            updated_at=_t(raw.get("updated_at")),
            user_id=raw.get("user_id"),
            edited_at=parse_time(raw.get("edited_at")),
            edit_reason=raw.get("edit_reason"),
        )
    for raw in _load(base, "appledash-2024-11-galleries.json").get("galleries", []):
        _user(board, raw.get("user_id"), raw.get("user"))
        board.galleries[raw["id"]] = Gallery(
            id=raw["id"],
            title=raw["title"],
            creator_id=raw["user_id"],
            created_at=_t(None),
            updated_at=_t(None),
            description=raw.get("description") or "",
            spoiler_warning=raw.get("spoiler_warning") or "",
            thumbnail_id=raw.get("thumbnail_id", 0),
        )
    for raw in _load(base, "appledash-2024-11-filters.json"):
        board.filters[raw["id"]] = Filter(
            id=raw["id"],
            name=raw["name"],
            description=raw.get("description") or "",
            system=raw.get("system", False),
            public=raw.get("public", False),
            user_id=raw.get("user_id"),
            hidden_tag_ids=list(raw.get("hidden_tag_ids", [])),
            spoilered_tag_ids=list(raw.get("spoilered_tag_ids", [])),
            hidden_complex=raw.get("hidden_complex"),
            spoilered_complex=raw.get("spoilered_complex"),
            user_count=raw.get("user_count", 0),
        )
    board.default_filter_id = board.everything_filter_id = 56027
    for raw in _load(base, "appledash-2024-11-users.json"):
        avatar = raw.get("avatar_url")
        board.users[raw["id"]] = User(
            id=raw["id"],
            name=raw["name"],
            api_key=f"fixture-key-{raw['id']}",
            created_at=_t(raw.get("created_at")),
            role=raw.get("role", "user"),
            description=raw.get("description"),
            avatar=avatar.split("/avatars/", 1)[1]
            if isinstance(avatar, str) and "/avatars/" in avatar
            else None,
            links=[
                ArtistLink(
                    link["user_id"], link.get("tag_id"), _t(link.get("created_at")), link["state"]
                )
                for link in raw.get("links", [])
            ],
            awards=[
                Award(
                    badge_id=a["id"],
                    title=a["title"],
                    image=a["image_url"].split("/badges/", 1)[-1],
                    label=a.get("label"),
                    awarded_on=_t(a.get("awarded_on")),
                )
                for a in raw.get("awards", [])
            ],
        )
    return board
