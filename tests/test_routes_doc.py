"""``docs/routes.md`` is true: every route and parameter of the four API pages is reached by
the public method the table names.

The tables are read from the document. Each row's call runs against the fake server of
that flavour, and the request that arrives must have the row's method and route and carry
every parameter the row lists. A row whose SDK cell is empty fails; a row that is not sent
must say why.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

import booru_async as ba
from booru_async.testing import Board, FakeBooru

pytestmark = pytest.mark.anyio

DOC = Path(__file__).resolve().parents[1] / "docs" / "routes.md"
SECTIONS = {
    "derpibooru-api": ("derpibooru", {"flavour": "philomena"}),
    "furbooru-api": ("furbooru", {"flavour": "philomena", "site_name": "Furbooru"}),
    "twibooru-v3-api": ("twibooru", {"flavour": "twibooru"}),
    "twibooru-legacy-api": ("twibooru-legacy", {"flavour": "legacy",
                                                "legacy_variant": "twibooru"}),
}


@dataclass(frozen=True)
class Row:
    section: str
    method: str
    route: str
    params: tuple[str, ...]
    sdk: str


def read_rows() -> list[Row]:
    rows: list[Row] = []
    section: str | None = None
    for line in DOC.read_text(encoding="utf-8").splitlines():
        heading = re.match(r"## ([a-z0-9-]+):", line)
        if heading:
            section = heading[1]
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if section is None or len(cells) != 4 or cells[0] not in ("GET", "POST"):
            continue
        route = cells[1].strip("`")
        # The page's parameters: backticked names before any ";" (after it: body fields).
        names = tuple(re.findall(r"`([a-z_\[\]]+)`", cells[2].split(" (")[0]))
        rows.append(Row(section, cells[0], route, names, cells[3]))
    return rows


ROWS = read_rows()


def test_the_document_has_all_four_pages_and_no_empty_cell() -> None:
    assert {row.section for row in ROWS} == set(SECTIONS)
    assert len(ROWS) >= 50
    for row in ROWS:
        assert row.sdk, row
        if row.sdk.startswith("not sent"):
            assert len(row.sdk.split(":", 1)[1].strip()) > 20, row  # it says why


@dataclass
class World:
    """What the calls need: a served board and a keyed user."""

    board: Board
    key: str
    image: int
    comment: int
    post: int
    user: int
    tag_slug: str
    tag_name: str
    forum: str
    topic: str
    topic_post: int
    gallery: int
    filter: int = 56027
    extra: dict[str, Any] = field(default_factory=dict)


Call = Callable[[ba.Client, World], Awaitable[object]]


async def drain_page(pager: ba.Pager[Any], number: int = 2) -> None:
    await pager.page(number)


#: (section, method, route) -> (calls, the path the request really takes, or None for the
#: row's own). Each call's requests count; together they must carry the row's parameters.
CALLS: dict[tuple[str, str, str], tuple[list[Call], str | None]] = {}


def philomena_calls(section: str) -> None:
    v1 = "/api/v1/json"
    table: dict[tuple[str, str], tuple[list[Call], str | None]] = {
        ("GET", f"{v1}/comments/:comment_id"): ([lambda c, w: c.comments.get(w.comment)], None),
        ("GET", f"{v1}/images/:image_id"): ([lambda c, w: c.images.get(w.image)], None),
        ("POST", f"{v1}/images"): (
            [lambda c, w: c.images.upload("https://files.test/new.png",
                                          tags=["safe", "pony", "solo"],
                                          description="a test",
                                          source_urls=["https://example.test/src"])],
            None,
        ),
        ("GET", f"{v1}/images/featured"): ([lambda c, w: c.images.featured()], None),
        ("GET", f"{v1}/tags/:tag_id"): ([lambda c, w: c.tags.get(w.tag_slug)], None),
        ("GET", f"{v1}/posts/:post_id"): ([lambda c, w: c.posts.get(w.post)], None),
        ("GET", f"{v1}/profiles/:user_id"): ([lambda c, w: c.profiles.get(w.user)], None),
        ("GET", f"{v1}/filters/:filter_id"): ([lambda c, w: c.filters.get(w.filter)], None),
        ("GET", f"{v1}/filters/system"): ([lambda c, w: drain_page(c.filters.system(), 1)],
                                          None),
        ("GET", f"{v1}/filters/user"): ([lambda c, w: drain_page(c.filters.user(), 1)], None),
        ("GET", f"{v1}/oembed"): (
            [lambda c, w: c.oembed(f"{c.site.base_url}/images/{w.image}")], None),
        ("GET", f"{v1}/search/comments"): (
            [lambda c, w: drain_page(c.comments.search("image_id:1"))], None),
        ("GET", f"{v1}/search/galleries"): (
            [lambda c, w: drain_page(c.galleries.search("*"))], None),
        ("GET", f"{v1}/search/posts"): ([lambda c, w: drain_page(c.posts.search("*"))], None),
        ("GET", f"{v1}/search/images"): (
            [
                lambda c, w: drain_page(c.images.search("safe", sort="score", order="asc",
                                                        per_page=5, deleted=True)),
                lambda c, w: drain_page(c.images.watched(per_page=5), 1),
            ],
            None,
        ),
        ("GET", f"{v1}/search/tags"): ([lambda c, w: drain_page(c.tags.search("*"))], None),
        ("POST", f"{v1}/search/reverse"): (
            [lambda c, w: c.images.reverse_search("https://files.test/x.png",
                                                  distance=0.3).page(1)],
            None,
        ),
        ("GET", f"{v1}/forums"): ([lambda c, w: drain_page(c.forums.list(), 1)], None),
        ("GET", f"{v1}/forums/:short_name"): ([lambda c, w: c.forums.get(w.forum)], None),
        ("GET", f"{v1}/forums/:short_name/topics"): (
            [lambda c, w: drain_page(c.forums.topics(w.forum), 1)], None),
        ("GET", f"{v1}/forums/:short_name/topics/:topic_slug"): (
            [lambda c, w: c.forums.topic(w.forum, w.topic)], None),
        ("GET", f"{v1}/forums/:short_name/topics/:topic_slug/posts"): (
            [lambda c, w: drain_page(c.forums.posts(w.forum, w.topic), 1)], None),
        ("GET", f"{v1}/forums/:short_name/topics/:topic_slug/posts/:post_id"): (
            [lambda c, w: c.forums.post(w.forum, w.topic, w.topic_post)], None),
    }
    for (method, route), value in table.items():
        CALLS[(section, method, route)] = value


philomena_calls("derpibooru-api")
philomena_calls("furbooru-api")

CALLS.update({
    ("twibooru-v3-api", "GET", "/api/v3/posts/:post_id"): (
        [lambda c, w: c.images.get(w.image)], None),
    ("twibooru-v3-api", "GET", "/api/v3/posts/featured"): (
        [lambda c, w: c.images.featured()], None),
    ("twibooru-v3-api", "GET", "/api/v3/posts/:post_id/comments"): (
        [lambda c, w: drain_page(c.images.comments(w.image), 1)], None),
    ("twibooru-v3-api", "GET", "/api/v3/search/posts"): (
        [lambda c, w: drain_page(c.images.search("safe", sort="score", order="desc",
                                                 per_page=5))],
        None,
    ),
    ("twibooru-v3-api", "GET", "/api/v3/search/tags"): (
        [lambda c, w: drain_page(c.tags.search("*", per_page=5))], None),
    ("twibooru-v3-api", "GET", "/posts/watched.json"): (
        [lambda c, w: drain_page(c.images.watched(), 1)], "/api/v3/search/posts"),
    ("twibooru-v3-api", "GET", "/oembed.json"): (
        [lambda c, w: c.oembed(f"{c.site.base_url}/{w.image}", max_width=200, max_height=100)],
        None,
    ),
    ("twibooru-legacy-api", "GET", "/images.json"): (
        [
            lambda c, w: drain_page(c.images.front_page(deleted=True, per_page=5)),
            lambda c, w: drain_page(c.images.front_page(random=True), 1),
        ],
        None,
    ),
    ("twibooru-legacy-api", "GET", "/images/:id.json"): (
        [lambda c, w: c.images.get(w.image)], None),
    ("twibooru-legacy-api", "GET", "/search.json"): (
        [
            lambda c, w: drain_page(c.images.search("safe", sort="score", order="asc",
                                                    per_page=5, deleted=True)),
            lambda c, w: c.images.random("safe"),
        ],
        None,
    ),
    ("twibooru-legacy-api", "GET", "/images/watched.json"): (
        [lambda c, w: drain_page(c.images.watched(), 1)], None),
    ("twibooru-legacy-api", "GET", "/lists.json"): (
        [lambda c, w: c.images.rankings("24h")], None),
    ("twibooru-legacy-api", "GET", "/oembed.json"): (
        [lambda c, w: c.oembed(f"{c.site.base_url}/{w.image}", max_width=200, max_height=100)],
        None,
    ),
})

#: Page parameters that travel under another name: 1.2 shows the ``sources`` map as
#: ``source_urls``, while a bare ``source_url`` only fills a legacy column (§4.2).
SENT_AS = {"image[source_url]": "image[sources]"}


@pytest.fixture(scope="module")
def board() -> Board:
    board = Board.generate(seed=13, images=150, users=30, galleries=4, topics=6)
    user = next(u for u in board.users.values() if not u.deactivated and u.confirmed
                and not u.banned)
    user.watched_tag_ids = list(board.tags)[:20]
    return board


def world(board: Board) -> World:
    user = next(u for u in board.users.values() if not u.deactivated and u.confirmed
                and not u.banned)
    image = next(i for i in sorted(board.images.values(), key=lambda i: i.id)
                 if not i.hidden_from_users and i.approved)
    comment = next(c for c in board.comments.values()
                   if not c.hidden_from_users and not c.destroyed_content and c.approved
                   and not board.images[c.image_id].hidden_from_users)
    topic = next(t for t in board.topics.values() if not t.hidden_from_users
                 and board.forums[t.forum_id].access_level == "normal")
    posts = [p for p in board.posts.values() if p.topic_id == topic.id
             and not p.destroyed_content]
    tag = board.tags[image.tag_ids[0]]
    return World(
        board=board,
        key=user.api_key,
        image=image.id,
        comment=comment.id,
        post=posts[0].id,
        user=user.id,
        tag_slug=tag.slug,
        tag_name=tag.name,
        forum=board.forums[topic.forum_id].short_name,
        topic=topic.slug,
        topic_post=posts[0].id,
        gallery=next(iter(board.galleries)),
    )


def flat(params: dict[str, Any], prefix: str = "") -> set[str]:
    """Names of a Plug-style merged parameter map (``image[description]``)."""
    names: set[str] = set()
    for name, value in params.items():
        full = f"{prefix}[{name}]" if prefix else name
        names.add(full)
        if isinstance(value, dict):
            names |= flat(value, full)
    return names


def matches(pattern: str, path: str) -> bool:
    regex = re.sub(r":[a-z_]+", r"[^/]+", re.escape(pattern).replace(r"\:", ":"))
    return re.fullmatch(regex, path) is not None


ROW_IDS = [f"{r.section}:{r.method} {r.route}" for r in ROWS]


@pytest.mark.parametrize("row", ROWS, ids=ROW_IDS)
async def test_every_row_is_reached_by_its_method(board: Board, row: Row) -> None:
    if row.sdk.startswith("not sent"):
        assert (row.section, row.method, row.route) not in CALLS
        return
    assert (row.section, row.method, row.route) in CALLS, f"no call for {row}"
    calls, wire = CALLS[(row.section, row.method, row.route)]
    profile, behaviour = SECTIONS[row.section]
    w = world(board)
    fake = FakeBooru(board, **behaviour)
    fake.base_url = "https://booru.test"
    fake.add_remote_file("https://files.test/new.png", b"not an image")
    fake.add_remote_file("https://files.test/x.png", b"not an image")
    async with ba.Client(profile, key=w.key, filter_id=56027, base_url=fake.base_url,
                         transport=fake.transport()) as client:
        for call in calls:
            # The request arrives either way; the fake refuses a file that is not an image.
            with contextlib.suppress(ba.UploadRejected):
                await call(client, w)
    target = wire or row.route
    arrived = [r for r in fake.stats.requests
               if r.method == row.method and matches(target, r.path)]
    assert arrived, [(r.method, r.path) for r in fake.stats.requests]
    assert all(r.status < 500 for r in arrived), [(r.path, r.status) for r in arrived]
    sent = set().union(*(flat(r.params) for r in arrived))
    if all(r.authenticated for r in arrived):
        sent.add("key")
    for name in row.params:
        name = SENT_AS.get(name, name)
        assert name in sent, f"{name} not sent by {row.sdk} ({sorted(sent)})"
