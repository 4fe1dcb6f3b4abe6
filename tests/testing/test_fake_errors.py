"""Exact error statuses and bodies (server-behaviour.md §3.1, §4, §5, §6)."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from booru_async.testing import Board, FakeBooru

Connect = Callable[[FakeBooru], httpx.AsyncClient]
JSON = "application/json; charset=utf-8"


def usable_user(board: Board, **want: object) -> object:
    for user in board.users.values():
        if user.deactivated or not user.confirmed or user.banned:
            continue
        if all(getattr(user, k) == v for k, v in want.items()):
            return user
    raise LookupError


async def check(
    http: httpx.AsyncClient, method: str, path: str, status: int, body: object, **kw: object
) -> httpx.Response:
    resp = await http.request(method, path, **kw)  # type: ignore[arg-type]
    assert resp.status_code == status, (path, resp.status_code, resp.text)
    if body == "":
        assert resp.content == b""
        assert resp.headers["content-type"].startswith("text/plain")
    elif body is not None:
        assert resp.json() == body
        assert resp.headers["content-type"] == JSON
    return resp


@pytest.mark.asyncio
async def test_philomena_12_error_table(board: Board, connect: Connect) -> None:
    fake = FakeBooru(board)
    hidden_img = next(i for i in board.images.values() if i.hidden_from_users)
    comment_on_hidden = next(
        (
            c
            for c in board.comments.values()
            if c.image_id == hidden_img.id and not c.destroyed_content
        ),
        None,
    )
    async with connect(fake) as http:
        # query parse error -> 400 {"error": <parser message>}
        await check(
            http, "GET", "/api/v1/json/search/images?q=(", 400, {"error": "Expected a term."}
        )
        await check(
            http,
            "GET",
            "/api/v1/json/search/tags?q=(safe",
            400,
            {"error": "Imbalanced parentheses."},
        )
        # missing resources: empty text/plain 404
        for path in (
            "/api/v1/json/images/99999999",
            "/api/v1/json/tags/no-such-tag",
            "/api/v1/json/comments/1",
            "/api/v1/json/posts/1",
            "/api/v1/json/profiles/1",
            "/api/v1/json/filters/1",
            "/api/v1/json/forums/nope",
            "/api/v1/json/forums/art/topics/nope",
        ):
            await check(http, "GET", path, 404, "")
        # oEmbed miss
        await check(http, "GET", "/api/v1/json/oembed", 404, {"error": "Couldn't find an image"})
        await check(
            http, "GET", f"/api/v1/json/oembed?url=https://derpibooru.org/images/{hidden_img.id}",
            404, {"error": "Couldn't find an image"},
        )  # fmt: skip
        # /filters/user without a valid key -> 403 empty
        await check(http, "GET", "/api/v1/json/filters/user", 403, "")
        await check(http, "GET", "/api/v1/json/filters/user?key=bogus", 403, "")
        # upload without key -> 401 empty
        await check(
            http, "POST", "/api/v1/json/images", 401, "", json={"image": {"tag_input": "safe"}}
        )
        # malformed integer ids and filter_id -> 400 Bad Request
        for path in (
            "/api/v1/json/images/abc",
            "/api/v1/json/comments/1x",
            "/api/v1/json/posts/x",
            "/api/v1/json/profiles/x",
            "/api/v1/json/filters/x",
            "/api/v1/json/search/images?q=safe&filter_id=abc",
        ):
            await check(http, "GET", path, 400, {"error": "Bad Request"})
        # unknown route: JSON when negotiated, HTML otherwise
        await check(
            http,
            "GET",
            "/api/v1/json/nope",
            404,
            {"error": "Not Found"},
            headers={"accept": "application/json"},
        )
        html = await http.get("/api/v1/json/nope", headers={"accept": "text/html"})
        assert html.status_code == 404 and html.headers["content-type"].startswith("text/html")
        # Accept without JSON -> 406
        assert (
            await http.get("/api/v1/json/images/1", headers={"accept": "text/html"})
        ).status_code == 406
        assert (
            await http.get("/api/v1/json/images/1", headers={"accept": "*/*"})
        ).status_code == 200
        # the proxy's legacy-URL guard
        guard = await http.get("/search.json?q=safe")
        assert guard.status_code == 400 and guard.content == b""
        if comment_on_hidden is not None:
            await check(http, "GET", f"/api/v1/json/comments/{comment_on_hidden.id}", 403, "")


@pytest.mark.asyncio
async def test_master_error_differences(board: Board, connect: Connect) -> None:
    fake = FakeBooru(board, master=True)
    nf = {"error": "Not found"}
    async with connect(fake) as http:
        await check(http, "GET", "/api/v1/json/images/99999999", 404, nf)
        await check(http, "GET", "/api/v1/json/tags/nope", 404, nf)
        await check(http, "GET", "/api/v1/json/filters/x", 404, nf)  # non-integer -> 404 on master
        await check(http, "GET", "/api/v1/json/oembed", 404, nf)
        await check(http, "GET", "/api/v1/json/images/x", 400, {"error": "Bad Request"})
        await check(http, "GET", "/api/v1/json/filters/user", 403, "")
        await check(http, "GET", "/api/v1/json/forums/art/topics/nope/posts", 404, nf)


@pytest.mark.asyncio
async def test_disabled_user_key(board: Board, connect: Connect) -> None:
    user = next(u for u in board.users.values() if u.deactivated)
    async with connect(FakeBooru(board)) as http:
        await check(
            http,
            "GET",
            f"/api/v1/json/images/1?key={user.api_key}",
            500,
            {"error": "Internal Error"},
        )
    async with connect(FakeBooru(board, master=True)) as http:
        await check(http, "GET", f"/api/v1/json/images/1?key={user.api_key}", 403, "")


@pytest.mark.asyncio
async def test_topic_posts_12_quirks(board: Board, connect: Connect) -> None:
    topic = max(
        (t for t in board.topics.values()
         if not t.hidden_from_users and board.forums[t.forum_id].access_level == "normal"),
        key=board.topic_post_count,
    )  # fmt: skip
    forum = board.forums[topic.forum_id].short_name
    base = f"/api/v1/json/forums/{forum}/topics/{topic.slug}/posts"
    count = board.topic_post_count(topic)
    assert count > 25
    async with connect(FakeBooru(board)) as http:
        page1 = await check(http, "GET", f"{base}?per_page=5", 200, None)
        body = page1.json()
        assert body["total"] == count
        positions = [board.posts[p["id"]].topic_position for p in body["posts"]]
        assert positions == sorted(positions) and max(positions) < 25  # fixed 25, per_page ignored
        assert len(positions) > 5
        await check(http, "GET", f"{base}?page=999", 500, {"error": "Internal Error"})
        await check(
            http,
            "GET",
            f"/api/v1/json/forums/{forum}/topics/nope/posts",
            500,
            {"error": "Internal Error"},
        )
    async with connect(FakeBooru(board, master=True)) as http:
        body = (await http.get(f"{base}?per_page=5")).json()
        assert len(body["posts"]) <= 5
        await check(http, "GET", f"{base}?page=999", 200, {"posts": [], "total": count})
    # topics of unknown forum -> empty 200
    async with connect(FakeBooru(board)) as http:
        await check(http, "GET", "/api/v1/json/forums/nope/topics", 200, {"topics": [], "total": 0})
        await check(http, "GET", "/api/v1/json/forums/mod/topics", 200, {"topics": [], "total": 0})


@pytest.mark.asyncio
async def test_upload_validation_and_success(board: Board, connect: Connect) -> None:
    fake = FakeBooru(board)
    user = usable_user(board)
    banned = next(u for u in board.users.values() if u.banned)
    source = next(i for i in board.images.values() if not i.hidden_from_users and i.format == "png")
    async with connect(fake) as http:
        await check(
            http, "POST", f"/api/v1/json/images?key={banned.api_key}", 403, "", json={"image": {}}
        )
        key = user.api_key  # type: ignore[attr-defined]
        resp = await check(
            http, "POST", f"/api/v1/json/images?key={key}", 400, None,
            json={"image": {"tag_input": "solo"}},
        )  # fmt: skip
        errors = resp.json()["errors"]
        assert errors["tag_input"] == [
            "must contain at least one rating tag",
            "must contain at least 3 tags",
        ]
        assert errors["image"] == [
            "contents corrupt, not recognized, or dimensions are too large to process",
            "can't be blank",
        ]
        assert errors["uploaded_image"] == ["can't be blank"]
        # duplicate of an existing file (downloaded from the fake's own CDN)
        cdn = (await http.get(f"/api/v1/json/images/{source.id}")).json()["image"]["view_url"]
        dup = await check(
            http, "POST", f"/api/v1/json/images?key={key}&url={cdn}", 400, None,
            json={"image": {"tag_input": "safe, solo, pony"}},
        )  # fmt: skip
        assert dup.json()["errors"]["image"] == [
            f"has already been uploaded: it's image {source.id}"
        ]
        # a fresh multipart upload succeeds with 200
        from booru_async.testing._media import build_file

        png = build_file("png", 64, 32, 300, b"", b"\x01\x02\x03")
        ok = await http.post(
            f"/api/v1/json/images?key={key}",
            data={"image[tag_input]": "safe, solo, pony", "image[description]": "hi"},
            files={"image[image]": ("x.png", png, "image/png")},
        )
        assert ok.status_code == 200, ok.text
        body = ok.json()
        assert body["interactions"] == []
        image = body["image"]
        assert (image["width"], image["height"], image["mime_type"]) == (64, 32, "image/png")
        assert sorted(image["tags"]) == ["pony", "safe", "solo"]
        assert image["processed"] is False and image["thumbnails_generated"] is False
        assert image["uploader_id"] == user.id  # type: ignore[attr-defined]
        assert (await http.get(f"/api/v1/json/images/{image['id']}")).status_code == 200


@pytest.mark.asyncio
async def test_reverse_search_never_4xx(board: Board, connect: Connect) -> None:
    fake = FakeBooru(board)
    target = next(
        i for i in board.images.values() if i.intensities is not None and not i.hidden_from_users
    )
    empty = {"images": [], "interactions": [], "total": 0}
    async with connect(fake) as http:
        await check(http, "POST", "/api/v1/json/search/reverse", 200, empty)
        url = (await http.get(f"/api/v1/json/images/{target.id}")).json()["image"]["view_url"]
        await check(http, "POST", f"/api/v1/json/search/reverse?url={url}&limit=0", 200, empty)
        await check(http, "POST", f"/api/v1/json/search/reverse?url={url}&distance=2", 200, empty)
        await check(
            http, "POST", "/api/v1/json/search/reverse?url=https://elsewhere.test/x.png", 200, empty
        )
        found = (await http.post(f"/api/v1/json/search/reverse?url={url}")).json()
        assert found["total"] >= 1 and found["images"][0]["id"] == target.id
        upload = await http.post(
            "/api/v1/json/search/reverse",
            files={
                "image[image]": ("f", (await http.get(url)).content, "application/octet-stream")
            },
            data={"distance": ".1"},
        )
        assert upload.json()["images"][0]["id"] == target.id
        # GET is not routed
        assert (await http.get("/api/v1/json/search/reverse")).status_code == 404


@pytest.mark.asyncio
async def test_twibooru_and_legacy_errors(board: Board, connect: Connect) -> None:
    async with connect(FakeBooru(board, flavour="twibooru")) as http:
        await check(
            http, "GET", "/api/v3/search/posts?q=(", 422, {"error": "Imbalanced parentheses."}
        )
        await check(http, "GET", "/api/v3/posts/99999999", 404, {"error": "Not found"})
    async with connect(FakeBooru(board, flavour="legacy")) as http:
        await check(http, "GET", "/search.json?q=(", 400, {})
        empty = await http.get("/search.json?q=")
        assert empty.status_code == 200 and empty.content == b""
        await check(
            http, "GET", "/images/99999999.json", 404, {"status": 404, "error": "Not Found"}
        )
        assert (await http.get("/search.json?q=safe&random_image=1")).json().keys() == {"id"}
