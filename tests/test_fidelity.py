"""The SDK against exchanges taken from the real servers' source (issue 11).

The responders here are written from derpibooru/booru-on-rails (commit 8aa5a8f) and
philomena-dev/philomena, not from our fake: each says which controller and function it
follows. They page, order and shape their answers the way that code does, so a client
that only agrees with our fake cannot pass.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from realdata import fixture_json

import booru_async as ba
from booru_async.cli._app import cli
from booru_async.testing import Board, FakeBooru, serve_in_thread

pytestmark = pytest.mark.anyio

Handler = Callable[[httpx.Request], httpx.Response]
LEGACY_TEMPLATE = "derpibooru-legacy/search-json-2016-09.json"


def legacy_image(image_id: int) -> dict[str, Any]:
    """A real 2016 ``/search.json`` image object under another id."""
    image = copy.deepcopy(fixture_json(LEGACY_TEMPLATE)["search"][0])
    image["id"] = str(image_id)
    return image


def to_i(raw: str | None) -> int:
    """Ruby's ``String#to_i``."""
    match = re.match(r"\s*[+-]?\d+", raw or "")
    return int(match.group()) if match else 0


class BooruOnRails:
    """The read routes of booru-on-rails that page, as its controllers do.

    * ``GET /images.json?constraint=id``: ``ImagesController#index_constraints``; ``order``
      blank or ``a`` ascending, ``d`` descending, anything else ``[]``; ``gt/gte/lt/lte``
      bound the id; the window is always the first 25 rows (Kaminari's ``page`` scope
      replaces ``limit(@per_page)``, and ``@page`` is never set).
    * ``GET /images/:id/comments.json``: ``CommentQuery.paginate``; 20 per page for an
      anonymous user whatever ``perpage`` says, newest first, ``page.to_i`` (0 is page 1);
      ``total`` is the image's ``comments_count``.
    """

    def __init__(self, image_ids: list[int], comments: dict[int, list[int]]) -> None:
        self.image_ids = sorted(image_ids)
        self.comments = comments
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        q = request.url.params
        if request.url.path == "/images.json" and "constraint" in q:
            rows = self.image_ids
            for op, keep in (
                ("gt", lambda i, b: i > b),
                ("gte", lambda i, b: i >= b),
                ("lt", lambda i, b: i < b),
                ("lte", lambda i, b: i <= b),
            ):
                if op in q:
                    bound = int(q[op])
                    rows = [i for i in rows if keep(i, bound)]
            order = q.get("order", "")
            if order in ("", "a"):
                rows = sorted(rows)
            elif order == "d":
                rows = sorted(rows, reverse=True)
            else:
                rows = []
            body = {"images": [legacy_image(i) for i in rows[:25]], "interactions": []}
            return httpx.Response(200, json=body)
        match = re.fullmatch(r"/images/(\d+)/comments\.json", request.url.path)
        if match:
            listed = sorted(self.comments.get(int(match[1]), []), reverse=True)
            page = max(1, to_i(q.get("page")))
            window = listed[(page - 1) * 20 : page * 20]
            body = {
                "comments": [
                    {
                        "id": cid,
                        "body": f"comment {cid}",
                        "author": "Background Pony #1F2E",
                        "image_id": int(match[1]),
                        "posted_at": "2019-01-01T00:00:00.000Z",
                        "deleted": False,
                    }
                    for cid in window
                ],
                "total": len(listed),
            }
            return httpx.Response(200, json=body)
        return httpx.Response(404, json={"status": 404, "error": "Not Found"})


def legacy_client(handler: Handler) -> ba.Client:
    return ba.Client("twibooru-legacy", transport=httpx.MockTransport(handler))


async def test_legacy_keyset_walk_returns_every_image() -> None:
    server = BooruOnRails(list(range(131)), {})  # id 0 is an image too
    async with legacy_client(server) as client:
        crawl = client.images.crawl("")
        seen = [image.id async for image in crawl]
    assert seen == list(range(130, -1, -1))
    walk = [r for r in server.requests if r.url.path == "/images.json"]
    # Newest first: ``order=d``, never the ``sd`` that the route ignores.
    assert all(r.url.params["order"] == "d" and "sd" not in r.url.params for r in walk)
    assert [r.url.params.get("lt") for r in walk][:2] == [None, "106"]
    assert crawl.cursor == "id:0"


async def test_legacy_keyset_walk_resumes_from_a_cursor() -> None:
    server = BooruOnRails(list(range(1, 61)), {})
    async with legacy_client(server) as client:
        seen = [image.id async for image in client.images.crawl("", cursor="id:31")]
    assert seen == list(range(30, 0, -1))


@pytest.mark.parametrize("count", [0, 19, 20, 21, 53])
async def test_legacy_comments_pager_returns_every_comment(count: int) -> None:
    server = BooruOnRails([7], {7: list(range(1000, 1000 + count))})
    async with legacy_client(server) as client:
        got = [c.id async for c in client.images.comments(7)]
        pages = [p async for p in client.images.comments(7, per_page=50).pages()]
    assert got == list(range(1000 + count - 1, 999, -1))
    assert sum(len(p.items) for p in pages) == count
    asked = [r for r in server.requests if r.url.path.endswith("/comments.json")]
    assert all("perpage" not in r.url.params for r in asked)


async def test_images_get_zero() -> None:
    # Derpibooru's first image is id 0 (the real 2024 payload holds it).
    image0 = fixture_json("derpibooru/appledash-2024-11-images.json")["images"][0]
    assert image0["id"] == 0

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/api/v1/json/images/0"
        return httpx.Response(200, json={"image": image0, "interactions": []})

    async with ba.Client("derpibooru", transport=httpx.MockTransport(handler)) as client:
        image = await client.images.get(0)
        with pytest.raises(ValueError):
            await client.images.get(-1)
    assert image.id == 0 and image.url == "https://derpibooru.org/images/0"


def test_cli_takes_image_id_zero() -> None:
    board = Board.generate(seed=5, images=30, users=20, galleries=1, topics=1)
    first = min((i for i in board.images.values() if not i.hidden_from_users),
                key=lambda i: i.id)
    board.images[0] = dataclasses.replace(first, id=0)
    fake = FakeBooru(board)
    fake.invalidate()
    with serve_in_thread(fake) as url:
        result = CliRunner().invoke(
            cli,
            ["--site", "derpibooru", "--base-url", url, "get", "image", "0", "--format", "json"],
            catch_exceptions=False,
        )
        refused = CliRunner().invoke(
            cli, ["--site", "derpibooru", "--base-url", url, "get", "image", "-1"]
        )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["id"] == 0
    assert refused.exit_code != 0


async def test_legacy_gallery_envelope_decodes() -> None:
    # GalleriesController#show: ``{gallery: @gallery.as_json, images: @images,
    # interactions: ...}`` with GalleryIndex#as_json's fields.
    body = {
        "gallery": {
            "id": 4,
            "title": "Favourites",
            "description": "the best",
            "spoiler_warning": "",
            "updated_at": "2019-06-01T10:00:00.000Z",
            "created_at": "2018-01-01T10:00:00.000Z",
            "creator_id": 312075,
            "watcher_count": 3,
            "image_count": 2,
        },
        "images": [legacy_image(11), legacy_image(12)],
        "interactions": [],
    }

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/galleries/4.json"
        return httpx.Response(200, json=body)

    async with legacy_client(handler) as client:
        gallery = await client.galleries.get(4)
    assert (gallery.id, gallery.title, gallery.creator_id) == (4, "Favourites", 312075)
    assert gallery.extra["image_count"] == 2 and gallery.extra["watcher_count"] == 3


async def test_legacy_anonymous_uploaders_are_none() -> None:
    anonymous = legacy_image(5) | {"uploader": "Background Pony #8A1C", "uploader_id": None}
    twibooru = legacy_image(6) | {"id": 6, "uploader": "Anonymous", "uploader_id": None}
    named = legacy_image(7)

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"search": [anonymous, twibooru, named], "total": 3,
                                         "interactions": []})

    async with legacy_client(handler) as client:
        images = [i async for i in client.images.search("safe")]
    assert [i.uploader for i in images] == [None, None, "Sorren"]
    assert images[0].extra["uploader"] == "Background Pony #8A1C"
    assert images[1].extra["uploader"] == "Anonymous"
    assert "uploader" not in images[2].extra


async def test_furbooru_spoiler_image_and_tag_count() -> None:
    # Furbooru's API page spells the tag field ``spoiler_image``.
    tag = {"id": 1, "name": "safe", "slug": "safe", "images": 10,
           "spoiler_image": "https://furrycdn.org/tags/safe.png", "aliases": []}
    image = fixture_json("derpibooru/appledash-2024-11-images.json")["images"][1]

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/tags/safe"):
            return httpx.Response(200, json={"tag": tag})
        return httpx.Response(200, json={"image": image, "interactions": []})

    async with ba.Client("furbooru", transport=httpx.MockTransport(handler)) as client:
        got = await client.tags.get("safe")
        img = await client.images.get(1)
    assert got.spoiler_image_uri == "https://furrycdn.org/tags/safe.png"
    assert "spoiler_image" not in got.extra
    assert img.tag_count == image["tag_count"] == len(img.tags)
    assert "tag_count" not in img.extra
