"""View conformance: key sets and values against server-behaviour.md and real payloads."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from realdata import FIXTURES

from booru_async.testing import Board, FakeBehaviour, FakeBooru

REAL = FIXTURES
Connect = Callable[[FakeBooru], httpx.AsyncClient]

IMAGE_KEYS_12 = {
    "id", "created_at", "updated_at", "first_seen_at", "width", "height", "mime_type", "size",
    "orig_size", "duration", "animated", "format", "aspect_ratio", "name", "sha512_hash",
    "orig_sha512_hash", "tags", "tag_ids", "uploader", "uploader_id", "wilson_score",
    "intensities", "score", "upvotes", "downvotes", "faves", "comment_count", "tag_count",
    "description", "source_url", "source_urls", "view_url", "representations", "spoilered",
    "thumbnails_generated", "processed", "deletion_reason", "duplicate_of", "hidden_from_users",
}  # fmt: skip
STUB_KEYS = {
    "id", "created_at", "updated_at", "first_seen_at", "duplicate_of", "deletion_reason",
    "hidden_from_users",
}  # fmt: skip
REPRESENTATION_KEYS = {
    "full",
    "tall",
    "large",
    "medium",
    "small",
    "thumb",
    "thumb_small",
    "thumb_tiny",
}


def real(name: str) -> Any:
    return json.loads((REAL / name).read_text())


def item_keys(name: str, key: str | None) -> set[str]:
    data = real(name)
    items = data[key] if key else data
    return set(items[0])


def first(board: Board, pred: Callable[[Any], bool]) -> Any:
    return next(i for i in board.images.values() if pred(i))


@pytest.mark.asyncio
async def test_image_view_has_exactly_the_12_keys(board: Board, connect: Connect) -> None:
    fake = FakeBooru(board)
    async with connect(fake) as http:
        body = (await http.get("/api/v1/json/images/1")).json()
    assert set(body) == {"image", "interactions"}
    assert set(body["image"]) == IMAGE_KEYS_12
    assert body["interactions"] == []
    # the recorded 2024 payload lacks only what its author trimmed
    recorded = item_keys("derpibooru/appledash-2024-11-images.json", "images")
    assert recorded <= IMAGE_KEYS_12
    assert IMAGE_KEYS_12 - recorded == {"source_url", "orig_size"}


@pytest.mark.asyncio
async def test_master_adds_hides_and_json_404(board: Board, connect: Connect) -> None:
    fake = FakeBooru(board, master=True)
    async with connect(fake) as http:
        body = (await http.get("/api/v1/json/images/1")).json()
        assert set(body["image"]) == IMAGE_KEYS_12 | {"hides"}
        missing = await http.get("/api/v1/json/images/999999")
        assert missing.status_code == 404
        assert missing.json() == {"error": "Not found"}


@pytest.mark.asyncio
async def test_hidden_images_are_seven_key_stubs(board: Board, connect: Connect) -> None:
    fake = FakeBooru(board)
    merged = first(board, lambda i: i.hidden_from_users and i.duplicate_id is not None)
    deleted = first(board, lambda i: i.hidden_from_users and i.duplicate_id is None)
    async with connect(fake) as http:
        m = (await http.get(f"/api/v1/json/images/{merged.id}")).json()["image"]
        d = (await http.get(f"/api/v1/json/images/{deleted.id}")).json()["image"]
    assert set(m) == STUB_KEYS and set(d) == STUB_KEYS
    assert m["duplicate_of"] == merged.duplicate_id and m["deletion_reason"] is None
    assert d["duplicate_of"] is None and d["deletion_reason"] == deleted.deletion_reason
    assert m["hidden_from_users"] is True


@pytest.mark.asyncio
async def test_representation_url_rules(board: Board, connect: Connect) -> None:
    fake = FakeBooru(board, img_root="https://derpicdn.net/img")
    gif = first(board, lambda i: i.format == "gif" and not i.hidden_from_users)
    svg = first(board, lambda i: i.format == "svg" and not i.hidden_from_users)
    small = first(board, lambda i: i.width <= 250 and i.height <= 250 and not i.hidden_from_users)
    async with connect(fake) as http:
        g = (await http.get(f"/api/v1/json/images/{gif.id}")).json()["image"]
        s = (await http.get(f"/api/v1/json/images/{svg.id}")).json()["image"]
        t = (await http.get(f"/api/v1/json/images/{small.id}")).json()["image"]
    d = gif.created_at
    assert set(g["representations"]) == REPRESENTATION_KEYS | {"webm", "mp4"}
    date = f"{d.year}/{d.month}/{d.day}"  # not zero-padded
    assert g["representations"]["webm"] == f"https://derpicdn.net/img/{date}/{gif.id}/full.webm"
    assert g["representations"]["full"] == f"https://derpicdn.net/img/view/{date}/{gif.id}.gif"
    assert set(s["representations"]) == REPRESENTATION_KEYS
    assert all(u.endswith(".png") for u in s["representations"].values())
    assert s["view_url"].endswith(".png")
    # a small image: boxes it fits in point at full.<ext>
    assert t["representations"]["thumb"].endswith(f"/{small.id}/full.{small.format}")
    assert t["representations"]["large"].endswith(f"/{small.id}/full.{small.format}")


def test_representations_reproduce_real_payloads() -> None:
    board = Board.from_fixtures()
    fake = FakeBooru(board, img_root="https://derpicdn.net/img")
    from booru_async.testing._urls import representations

    # (the early-2020 payload predates the "small image -> full.<ext>" rule)
    for raw in real("derpibooru/appledash-2024-11-images.json")["images"]:
        image = board.images[raw["id"]]
        assert representations(image, fake.roots().img_root) == raw["representations"]


def test_wilson_score_matches_real_payloads() -> None:
    board = Board.from_fixtures()
    for raw in real("derpibooru/appledash-2024-11-images.json")["images"]:
        assert board.images[raw["id"]].wilson_score == pytest.approx(raw["wilson_score"], rel=1e-9)


@pytest.mark.parametrize(
    ("path", "key", "fixture", "fixture_key"),
    [
        ("/api/v1/json/search/tags?q=*", "tags", "derpibooru/search-tags-2023-03.json", "tags"),
        ("/api/v1/json/search/comments?q=*", "comments", "derpibooru/appledash-2024-11-comments.json", "comments"),
        ("/api/v1/json/search/galleries?q=*", "galleries", "derpibooru/appledash-2024-11-galleries.json", "galleries"),
        ("/api/v1/json/forums", "forums", "derpibooru/appledash-2024-11-forums.json", "forums"),
        ("/api/v1/json/forums/art/topics", "topics", "derpibooru/appledash-2024-11-topics.json", "topics"),
        ("/api/v1/json/filters/system", "filters", "derpibooru/appledash-2024-11-filters.json", None),
    ],
)  # fmt: skip
@pytest.mark.asyncio
async def test_list_item_keys_equal_real_fixtures(
    board: Board, connect: Connect, path: str, key: str, fixture: str, fixture_key: str | None
) -> None:
    fake = FakeBooru(board)
    async with connect(fake) as http:
        body = (await http.get(path)).json()
    assert set(body) == {key, "total"}
    assert body[key], "expected a non-empty list"
    items = [i for i in body[key] if i is not None]
    wanted = item_keys(fixture, fixture_key)
    for item in items:
        if key == "comments" and "avatar" not in item:
            continue  # the comment-on-hidden-image variant
        assert set(item) == wanted


@pytest.mark.asyncio
async def test_post_and_profile_keys_equal_real_fixtures(board: Board, connect: Connect) -> None:
    fake = FakeBooru(board)
    topic = next(
        t for t in board.topics.values()
        if not t.hidden_from_users and board.forums[t.forum_id].access_level == "normal"
    )  # fmt: skip
    forum = board.forums[topic.forum_id]
    user = next(u for u in board.users.values() if not u.deactivated and u.awards and u.links)
    async with connect(fake) as http:
        posts = (
            await http.get(f"/api/v1/json/forums/{forum.short_name}/topics/{topic.slug}/posts")
        ).json()
        profile = (await http.get(f"/api/v1/json/profiles/{user.id}")).json()
    wanted = item_keys("derpibooru/appledash-2024-11-posts.json", "posts")
    assert all(set(p) == wanted for p in posts["posts"])
    recorded = real("derpibooru/appledash-2024-11-users.json")[0]
    assert set(profile) == {"user"}
    assert set(profile["user"]) == set(recorded)
    assert set(profile["user"]["awards"][0]) == set(recorded["awards"][0])
    assert set(profile["user"]["links"][0]) == set(recorded["links"][0])


@pytest.mark.asyncio
async def test_gallery_user_vs_creator(board: Board, connect: Connect) -> None:
    async with connect(FakeBooru(board)) as http:
        g12 = (await http.get("/api/v1/json/search/galleries", params={"q": "*"})).json()
    async with connect(FakeBooru(board, master=True)) as http:
        gm = (await http.get("/api/v1/json/search/galleries", params={"q": "*"})).json()
    assert {"user", "user_id"} <= set(g12["galleries"][0])
    assert "creator" not in g12["galleries"][0]
    assert {"creator", "creator_id"} <= set(gm["galleries"][0])
    anon = [g for g in gm["galleries"] if board.galleries[g["id"]].anonymous]
    assert all(g["creator"] is None and g["creator_id"] is None for g in anon)


@pytest.mark.asyncio
async def test_hidden_comment_and_post_variants(board: Board, connect: Connect) -> None:
    fake = FakeBooru(board)
    comment = next(
        c for c in board.comments.values()
        if c.hidden_from_users and not c.destroyed_content
        and not board.images[c.image_id].hidden_from_users
    )  # fmt: skip
    async with connect(fake) as http:
        body = (await http.get(f"/api/v1/json/comments/{comment.id}")).json()["comment"]
    assert body["body"] is None and body["edited_at"] is None and body["edit_reason"] is None
    assert body["author"] and body["created_at"]


@pytest.mark.asyncio
async def test_interactions_for_keyed_user(board: Board, connect: Connect) -> None:
    fake = FakeBooru(board)
    image = first(
        board, lambda i: i.faved_by and i.upvoted_by & i.faved_by and not i.hidden_from_users
    )
    uid = next(iter(image.faved_by & image.upvoted_by))
    user = board.users[uid]
    if user.deactivated or not user.confirmed:
        pytest.skip("generated voter is not a usable account")
    async with connect(fake) as http:
        body = (
            await http.get(f"/api/v1/json/images/{image.id}", params={"key": user.api_key})
        ).json()
    kinds = {(i["interaction_type"], i["value"]) for i in body["interactions"]}
    assert {("faved", ""), ("voted", "up")} <= kinds
    assert all(
        set(i) == {"image_id", "user_id", "interaction_type", "value"} for i in body["interactions"]
    )


@pytest.mark.asyncio
async def test_oembed_view(board: Board, connect: Connect) -> None:
    fake = FakeBooru(board, site_name="Furbooru")
    image = first(board, lambda i: not i.hidden_from_users)
    async with connect(fake) as http:
        body = (
            await http.get(
                "/api/v1/json/oembed", params={"url": f"https://furbooru.org/images/{image.id}"}
            )
        ).json()
    assert set(body) == {
        "type", "version", "title", "author_name", "author_url", "provider_name", "provider_url",
        "cache_age", "thumbnail_url", "thumbnail_width", "thumbnail_height", "url", "width",
        "height", "derpibooru_id", "derpibooru_score", "derpibooru_comments", "derpibooru_tags",
    }  # fmt: skip
    assert body["title"].endswith(" - Furbooru") and body["provider_name"] == "Furbooru"
    assert body["cache_age"] == 7200 and body["derpibooru_id"] == image.id
    assert body["thumbnail_width"] <= 1280 and body["thumbnail_height"] <= 1024


@pytest.mark.asyncio
async def test_twibooru_post_view(board: Board, connect: Connect) -> None:
    fake = FakeBooru(board, FakeBehaviour(flavour="twibooru", site_name="Twibooru"))
    image = first(board, lambda i: not i.hidden_from_users)
    deleted = first(board, lambda i: i.hidden_from_users and i.duplicate_id is None)
    async with connect(fake) as http:
        post = (await http.get(f"/api/v3/posts/{image.id}")).json()["post"]
        stub = (await http.get(f"/api/v3/posts/{deleted.id}")).json()["post"]
    assert "uploader" not in post and "uploader_id" not in post
    assert post["media_type"] == "image" and isinstance(post["locations"], list)
    assert post["created_at"].endswith("Z") and len(post["created_at"]) == len(
        "2020-07-08T22:26:55.743Z"
    )
    assert post["view_url"].endswith(
        f"/{image.id}/full.{image.format if image.format != 'svg' else 'png'}"
    )
    assert "deletion_reason" not in post and "duplicate_of" not in post
    assert "deletion_reason" in stub and "duplicate_of" not in stub and "score" not in stub


@pytest.mark.asyncio
async def test_legacy_image_matches_recorded_shape(board: Board, connect: Connect) -> None:
    fake = FakeBooru(board, flavour="legacy")
    recorded = real("derpibooru-legacy/search-json-2016-09.json")
    async with connect(fake) as http:
        body = (await http.get("/search.json", params={"q": "safe"})).json()
    assert set(body) == set(recorded)
    # The 2016 recording predates ``tag_count``; booru-on-rails 8aa5a8f sends it
    # (ImageIndex#as_json merges as_compact_indexed_json).
    assert set(body["search"][0]) == set(recorded["search"][0]) | {"tag_count"}
    item = body["search"][0]
    assert isinstance(item["id"], str) and all(isinstance(t, str) for t in item["tag_ids"])
    assert item["image"].startswith("//") and ", " in item["tags"]
    tags = real("derpibooru-legacy/tags-json-2017-09.json")
    async with connect(fake) as http:
        tag_list = (await http.get("/tags.json")).json()
    assert isinstance(tag_list, list) and set(tag_list[0]) == set(tags[0])
