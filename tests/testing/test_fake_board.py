"""The board generator, the real-fixture loader, the CDN, serve() and the pytest plugin."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable

import httpx
import pytest
from realdata import FIXTURES

from booru_async.testing import Board, FakeBooru, serve, tag_slug

Connect = Callable[[FakeBooru], httpx.AsyncClient]
REAL = FIXTURES / "derpibooru"


def test_same_seed_same_board() -> None:
    a = Board.generate(3, images=300)
    b = Board.generate(3, images=300)
    c = Board.generate(4, images=300)

    def snap(x: Board) -> list[object]:
        return [(i.id, i.tag_ids, i.width, i.faves, i.created_at) for i in x.images.values()]

    assert snap(a) == snap(b) != snap(c)
    assert [a.image_sha512(i) for i in a.images.values()][:20] == [
        b.image_sha512(i) for i in b.images.values()
    ][:20]


def test_generated_board_is_realistic() -> None:
    board = Board.generate(11, images=3000)
    assert len(board.images) == 3000
    usage = Counter(t for i in board.images.values() for t in i.tag_ids)
    counts = sorted(usage.values(), reverse=True)
    assert counts[0] > 20 * counts[len(counts) // 2]  # heavy head, long tail
    names = {t.name for t in board.tags.values()}
    assert {"safe", "explicit", "grimdark"} <= names
    assert any(n.startswith("artist:") for n in names) and any(n.startswith("oc:") for n in names)
    for ch in '()"*,-:\\':
        assert any(ch in n for n in names), ch
    assert all(
        any(board.tags[t].category == "rating" for t in i.tag_ids) for i in board.images.values()
    )
    formats = Counter(i.format for i in board.images.values())
    assert {"png", "jpg", "gif", "webm", "svg"} <= set(formats)
    hidden = [i for i in board.images.values() if i.hidden_from_users]
    assert any(i.duplicate_id for i in hidden) and any(i.duplicate_id is None for i in hidden)
    assert any(c.hidden_from_users for c in board.comments.values())
    assert any(t.sticky for t in board.topics.values()) and board.galleries
    system = [f for f in board.filters.values() if f.system]
    assert any(f.hidden_tag_ids for f in system) and any(
        not f.system for f in board.filters.values()
    )
    assert (
        tag_slug("artist:a-b/c.d+e f\\g")
        == "artist-colon-a-dash-b-fwslash-c-dot-d-plus-e+f-bwslash-g"
    )


@pytest.mark.asyncio
async def test_cdn_serves_matching_bytes(board: Board, connect: Connect) -> None:
    fake = FakeBooru(board)
    picks = {}
    for fmt in ("png", "jpg", "gif", "webm", "svg"):
        picks[fmt] = next(
            i for i in board.images.values() if i.format == fmt and not i.hidden_from_users
        )
    async with connect(fake) as http:
        for fmt, image in picks.items():
            body = (await http.get(f"/api/v1/json/images/{image.id}")).json()["image"]
            original = body["view_url"]
            if fmt == "svg":  # view URLs say .png; the original is at .svg
                original = original[: -len(".png")] + ".svg"
            data = await http.get(original)
            assert data.status_code == 200
            assert hashlib.sha512(data.content).hexdigest() == body["sha512_hash"]
            assert len(data.content) == body["size"]
            short = await http.get(
                body["representations"]["full"].replace(".png", ".svg")
                if fmt == "svg"
                else body["representations"]["full"]
            )
            assert short.content == data.content
            for name, url in body["representations"].items():
                assert (await http.get(url)).status_code == 200, (fmt, name)
        hidden = next(i for i in board.images.values() if i.hidden_from_users)
        d = hidden.created_at
        assert (
            await http.get(f"/img/view/{d.year}/{d.month}/{d.day}/{hidden.id}.{hidden.format}")
        ).status_code == 403
        assert (await http.get("/img/view/2000/1/1/1.png")).status_code == 404
        png = picks["png"]
        fake.configure(corrupt_images=frozenset({png.id}))
        body = (await http.get(f"/api/v1/json/images/{png.id}")).json()["image"]
        bad = await http.get(body["view_url"])
        assert hashlib.sha512(bad.content).hexdigest() != body["sha512_hash"]


def test_fixture_board_serves_recorded_objects() -> None:
    import asyncio

    board = Board.from_fixtures()
    fake = FakeBooru(board)
    comment = json.loads((REAL / "appledash-2024-11-comments.json").read_text())["comments"][0]
    topics = json.loads((REAL / "appledash-2024-11-topics.json").read_text())["topics"]
    forums = json.loads((REAL / "appledash-2024-11-forums.json").read_text())
    filters = json.loads((REAL / "appledash-2024-11-filters.json").read_text())

    async def run() -> None:
        async with httpx.AsyncClient(transport=fake.transport(), base_url=fake.base_url) as http:
            got = (await http.get(f"/api/v1/json/comments/{comment['id']}")).json()["comment"]
            for key in (
                "id",
                "image_id",
                "user_id",
                "author",
                "body",
                "created_at",
                "updated_at",
                "edited_at",
                "edit_reason",
            ):
                assert got[key] == comment[key], key
            for topic in topics:
                got = (await http.get(f"/api/v1/json/forums/art/topics/{topic['slug']}")).json()[
                    "topic"
                ]
                assert got == topic
            got_forums = (await http.get("/api/v1/json/forums")).json()
            assert {f["short_name"] for f in got_forums["forums"]} == {
                f["short_name"] for f in forums["forums"]
            }
            system = (await http.get("/api/v1/json/filters/system")).json()
            assert system == {"filters": filters, "total": 1}
            first = (await http.get("/api/v1/json/images/1")).json()["image"]
            assert first["uploader"] == "Clover the Clever" and first["wilson_score"] > 0.98

    asyncio.run(run())


@pytest.mark.asyncio
async def test_serve_context_manager_and_plugin(fake_booru: FakeBooru, fake_booru_url: str) -> None:
    # fake_booru / fake_booru_url come from the pytest11 entry point: nothing imports them.
    async with httpx.AsyncClient(base_url=fake_booru_url) as http:
        body = (await http.get("/api/v1/json/images/featured")).json()
    assert body["image"]["view_url"].startswith(fake_booru_url + "/img/view/")
    other = FakeBooru(Board.generate(1, images=50))
    async with serve(other) as url, httpx.AsyncClient(base_url=url) as http:
        assert (await http.get("/api/v1/json/images/1")).status_code == 200
        assert other.base_url == url
    assert other.base_url == "http://booru.test"
