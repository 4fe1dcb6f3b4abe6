"""Search semantics: pagination clamps, sorts, filters, keys, del, my: (§2)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from booru_async.testing import Board, FakeBooru, User
from booru_async.testing._sorting import field_value

Connect = Callable[[FakeBooru], httpx.AsyncClient]
SEARCH = "/api/v1/json/search/images"


def user_where(board: Board, pred: Callable[[User], bool]) -> User:
    return next(
        u for u in board.users.values()
        if not u.deactivated and u.confirmed and not u.banned and pred(u)
    )  # fmt: skip


def everything(board: Board) -> FakeBooru:
    """A fake whose anonymous default filter hides nothing."""
    board.default_filter_id = board.everything_filter_id
    return FakeBooru(board)


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("params", "size", "page"),
    [
        ({}, 15, 1),
        ({"per_page": "abc"}, 25, 1),
        ({"per_page": ""}, 25, 1),
        ({"per_page": "0"}, 1, 1),
        ({"per_page": "-4"}, 1, 1),
        ({"per_page": "100"}, 50, 1),
        ({"per_page": "7xyz"}, 7, 1),
        ({"per_page": "10", "page": "3abc"}, 10, 3),
        ({"per_page": "10", "page": "0"}, 10, 1),
        ({"per_page": "10", "page": "zz"}, 10, 1),
    ],
)
async def test_pagination_clamps(
    board: Board, connect: Connect, params: dict[str, str], size: int, page: int
) -> None:
    fake = everything(board)
    async with connect(fake) as http:
        full = (
            await http.get(SEARCH, params={"q": "*", "per_page": "50", "sf": "id", "sd": "asc"})
        ).json()
        body = (await http.get(SEARCH, params={"q": "*", "sf": "id", "sd": "asc", **params})).json()
    ids = [i["id"] for i in body["images"]]
    assert len(ids) == size
    assert body["total"] == full["total"]
    assert ids[0] == full["images"][(page - 1) * size]["id"]


@pytest.mark.asyncio
async def test_default_page_size_follows_user_setting(board: Board, connect: Connect) -> None:
    user = user_where(board, lambda u: u.images_per_page == 50)
    fake = everything(board)
    async with connect(fake) as http:
        keyed = (await http.get(SEARCH, params={"q": "*", "key": user.api_key})).json()
        tags = (await http.get("/api/v1/json/search/tags", params={"q": "*"})).json()
        bogus = (await http.get(SEARCH, params={"q": "*", "key": "not-a-key"})).json()
    assert len(keyed["images"]) == 50
    assert len(tags["tags"]) == 25  # every other endpoint defaults to 25
    assert len(bogus["images"]) == 15 and bogus["interactions"] == []  # invalid key = anonymous


SORT_FIELDS = [
    "updated_at", "first_seen_at", "aspect_ratio", "faves", "downvotes", "upvotes", "width",
    "height", "score", "comment_count", "tag_count", "wilson_score", "pixels", "size", "duration",
]  # fmt: skip


@pytest.mark.asyncio
@pytest.mark.parametrize("sd", ["asc", "desc"])
async def test_sort_fields(board: Board, connect: Connect, sd: str) -> None:
    fake = everything(board)
    async with connect(fake) as http:
        for sf in [*SORT_FIELDS, "id", "created_at", "bogus"]:
            body = (
                await http.get(SEARCH, params={"q": "*", "sf": sf, "sd": sd, "per_page": "50"})
            ).json()
            images = [board.images[i["id"]] for i in body["images"]]
            field = {"id": "id", "created_at": "first_seen_at", "bogus": "first_seen_at"}.get(
                sf, sf
            )
            keys = [(field_value(board, i, field), i.id) for i in images]
            assert keys == sorted(keys, reverse=sd == "desc"), sf


@pytest.mark.asyncio
async def test_sd_garbage_means_desc_and_master_hides_sort(board: Board, connect: Connect) -> None:
    fake = everything(board)
    async with connect(fake) as http:
        a = (await http.get(SEARCH, params={"q": "*", "sf": "score", "sd": "up"})).json()
        b = (await http.get(SEARCH, params={"q": "*", "sf": "score", "sd": "desc"})).json()
        h12 = (await http.get(SEARCH, params={"q": "*", "sf": "hides", "per_page": "50"})).json()
    assert a == b
    ids = [i["id"] for i in h12["images"]]
    fsa = sorted(ids, key=lambda i: (board.images[i].first_seen_at, i), reverse=True)
    assert ids == fsa  # 1.2 does not know sf=hides
    fake.configure(master=True)
    async with connect(fake) as http:
        hm = (await http.get(SEARCH, params={"q": "*", "sf": "hides", "per_page": "50"})).json()
    keys = [(board.images[i["id"]].hides, i["id"]) for i in hm["images"]]
    assert keys == sorted(keys, reverse=True)


@pytest.mark.asyncio
async def test_random_sort_is_seeded(board: Board, connect: Connect) -> None:
    fake = everything(board)
    async with connect(fake) as http:
        one = (await http.get(SEARCH, params={"q": "*", "sf": "random:42"})).json()
        two = (await http.get(SEARCH, params={"q": "*", "sf": "random:42"})).json()
        other = (await http.get(SEARCH, params={"q": "*", "sf": "random:43"})).json()
        plain = (await http.get(SEARCH, params={"q": "*", "sf": "random"})).json()
    assert one == two
    assert [i["id"] for i in one["images"]] != [i["id"] for i in other["images"]]
    assert plain["total"] == one["total"]


@pytest.mark.asyncio
async def test_gallery_sort_and_query(board: Board, connect: Connect) -> None:
    fake = everything(board)
    gallery = max(board.galleries.values(), key=lambda g: len(g.image_ids))
    async with connect(fake) as http:
        body = (
            await http.get(
                SEARCH,
                params={
                    "q": f"gallery_id:{gallery.id}",
                    "sf": f"gallery_id:{gallery.id}",
                    "sd": "asc",
                    "per_page": "50",
                },
            )
        ).json()
        bad = (
            await http.get(
                SEARCH, params={"q": "*", "sf": "gallery_id:abc", "per_page": "50", "sd": "desc"}
            )
        ).json()
    visible = [i for i in gallery.image_ids if not board.images[i].hidden_from_users]
    assert [i["id"] for i in body["images"]] == visible[:50]
    assert [i["id"] for i in bad["images"]] == sorted(i["id"] for i in bad["images"])  # no sort


@pytest.mark.asyncio
async def test_default_filter_and_filter_id(board: Board, connect: Connect) -> None:
    fake = FakeBooru(board)
    default = board.filters[board.default_filter_id]
    private = next(f for f in board.filters.values() if not f.public and not f.system)
    owner = board.users[private.user_id] if private.user_id else None
    async with connect(fake) as http:
        anon = (await http.get(SEARCH, params={"q": "*", "per_page": "50"})).json()
        full = (
            await http.get(SEARCH, params={"q": "*", "filter_id": str(board.everything_filter_id)})
        ).json()
        ignored = (await http.get(SEARCH, params={"q": "*", "filter_id": str(private.id)})).json()
        unknown = (await http.get(SEARCH, params={"q": "*", "filter_id": "1"})).json()
        if owner is not None and not owner.deactivated and owner.confirmed:
            own = (
                await http.get(
                    SEARCH, params={"q": "*", "filter_id": str(private.id), "key": owner.api_key}
                )
            ).json()
            assert own["total"] != anon["total"] or private.hidden_tag_ids == default.hidden_tag_ids
    hidden = set(default.hidden_tag_ids)
    assert all(not hidden & set(i["tag_ids"]) for i in anon["images"])
    assert full["total"] > anon["total"]
    assert ignored["total"] == anon["total"] == unknown["total"]  # silently ignored
    spoiler = set(default.spoilered_tag_ids)
    for image in anon["images"]:
        assert image["spoilered"] == bool(spoiler & set(image["tag_ids"]))


@pytest.mark.asyncio
async def test_del_and_hidden_params(board: Board, connect: Connect) -> None:
    fake = everything(board)
    async with connect(fake) as http:
        normal = (await http.get(SEARCH, params={"q": "*"})).json()
        with_del = (
            await http.get(SEARCH, params={"q": "*", "del": "1", "per_page": "50", "sf": "id"})
        ).json()
    assert with_del["total"] > normal["total"]
    stubs = [i for i in with_del["images"] if i["hidden_from_users"]]
    hidden_ids = {i.id for i in board.images.values() if i.hidden_from_users}
    assert {i["id"] for i in stubs} <= hidden_ids
    assert all(len(i) == 7 for i in stubs)


@pytest.mark.asyncio
async def test_my_queries_and_keys(board: Board, connect: Connect) -> None:
    fake = everything(board)
    user = user_where(board, lambda u: sum(u.id in i.faved_by for i in board.images.values()) >= 2)
    faved = {
        i.id for i in board.images.values() if user.id in i.faved_by and not i.hidden_from_users
    }
    faved -= {i.id for i in board.images.values() if user.id in i.hidden_by}
    async with connect(fake) as http:
        mine = (
            await http.get(SEARCH, params={"q": "my:faves", "key": user.api_key, "per_page": "50"})
        ).json()
        anon = await http.get(SEARCH, params={"q": "my:faves"})
        bad = await http.get(SEARCH, params={"q": "my:nonsense", "key": user.api_key})
    assert {i["id"] for i in mine["images"]} == faved
    assert any(x["interaction_type"] == "faved" for x in mine["interactions"])
    assert anon.status_code == 200 and anon.json()["total"] == 0  # a tag literal on 1.2
    assert bad.status_code == 400 and bad.json() == {"error": "Unknown `my' value."}


@pytest.mark.asyncio
async def test_other_index_orders(board: Board, connect: Connect) -> None:
    fake = FakeBooru(board)
    async with connect(fake) as http:
        tags = (
            await http.get("/api/v1/json/search/tags", params={"q": "*", "per_page": "50"})
        ).json()
        comments = (
            await http.get("/api/v1/json/search/comments", params={"q": "*", "per_page": "50"})
        ).json()
        filters = (
            await http.get("/api/v1/json/search/filters", params={"q": "*", "per_page": "50"})
        ).json()
        system = (await http.get("/api/v1/json/filters/system")).json()
        forums = (await http.get("/api/v1/json/forums")).json()
    counts = [t["images"] for t in tags["tags"]]
    assert counts == sorted(counts, reverse=True)
    stamps = [c["created_at"] for c in comments["comments"] if c and c["created_at"]]
    assert stamps == sorted(stamps, reverse=True)
    keys: list[Any] = [(f["name"].lower(), -f["id"]) for f in filters["filters"]]
    assert keys == sorted(keys)
    assert all(f["public"] or f["system"] for f in filters["filters"])
    assert [f["id"] for f in system["filters"]] == sorted(f["id"] for f in system["filters"])
    names = [f["name"] for f in forums["forums"]]
    assert names == sorted(names)
    normal = {f.short_name for f in board.forums.values() if f.access_level == "normal"}
    assert {f["short_name"] for f in forums["forums"]} == normal
