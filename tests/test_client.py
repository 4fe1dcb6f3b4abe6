"""The client end to end through respx (the innermost network layer) on all three flavours."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from realdata import fixture_json

import booru_async as ba

pytestmark = pytest.mark.anyio

NO_RETRY = ba.RetryPolicy(retries=0, rate_limit_retries=0)

DERPI = "https://derpibooru.org"
TWI = "https://twibooru.org"
IMAGES_2024 = fixture_json("derpibooru/appledash-2024-11-images.json")
TAGS_2023 = fixture_json("derpibooru/search-tags-2023-03.json")
LEGACY_SEARCH = fixture_json("derpibooru-legacy/search-json-2016-09.json")
LEGACY_TAGS = fixture_json("derpibooru-legacy/tags-json-2017-09.json")

# A Twibooru v3 post built from server-behaviour.md §6.1 (no real v3 body exists).
TWI_POST: dict[str, Any] = {
    "id": 1, "created_at": "2020-07-08T22:26:55.743Z", "updated_at": "2020-07-08T22:27:01.120Z",
    "first_seen_at": "2020-07-08T22:26:55.743Z", "hidden_from_users": False,
    "locations": [{"location": "derpibooru", "id_at_location": 1676547,
                   "url_at_location": "https://derpibooru.org/images/1676547"}],
    "media_type": "image", "orig_sha512_hash": "ab" * 64, "sha512_hash": "cd" * 64,
    "processed": True, "source_url": "https://example.com/src", "tag_ids": [1, 2],
    "tags": ["safe", "artist:foo"], "comment_count": 2, "description": "hello",
    "downvotes": 0, "faves": 3, "score": 5, "size": 1234, "upvotes": 5, "wilson_score": 0,
    "animated": False, "aspect_ratio": 1.5, "duration": 0.0, "format": "png", "height": 200,
    "width": 300, "intensities": None, "mime_type": "image/png", "name": "x.png",
    "representations": {k: f"https://cdn.twibooru.org/img/2020/7/8/1/{k}.png" for k in (
        "full", "tall", "large", "medium", "small", "thumb", "thumb_small", "thumb_tiny")},
    "thumbnails_generated": True, "view_url": "https://cdn.twibooru.org/img/2020/7/8/1/full.png",
}
TWI_TAG: dict[str, Any] = {
    "id": 7, "name": "artist:foo bar", "slug": "artist-colon-foo+bar", "description": "",
    "short_description": "", "images": 12, "namespace": "artist", "name_in_namespace": "foo bar",
    "category": "origin", "aliased_tag": None, "aliases": ["foo bar", "artist:foo-bar"],
    "implied_tags": [], "implied_by_tags": ["oc:baz qux"],
}


async def test_philomena_get_featured_search_tag() -> None:
    first, second = IMAGES_2024["images"]
    with respx.mock(base_url=DERPI, assert_all_called=True) as router:
        router.get("/api/v1/json/images/1").respond(json={
            "image": second,
            "interactions": [{"image_id": 1, "user_id": 9, "interaction_type": "voted",
                              "value": "up"}],
        })
        router.get("/api/v1/json/images/featured").respond(
            json={"image": first, "interactions": []})
        search = router.get("/api/v1/json/search/images").respond(
            json={"images": [first, second], "interactions": [], "total": 2})
        tag = router.get("/api/v1/json/tags/safe").respond(json={"tag": TAGS_2023["tags"][0]})
        async with ba.Client("derpibooru") as client:
            image = await client.images.get(1)
            assert (image.id, image.score, image.site) == (1, 2727, "derpibooru")
            assert image.url == "https://derpibooru.org/images/1"
            assert image.interactions == (ba.Interaction(image_id=1, user_id=9,
                                                         interaction_type="voted", value="up"),)
            featured = await client.images.featured()
            assert featured.id == first["id"]
            page = await client.images.search("safe", sort="score", order="desc",
                                              per_page=2).page(1)
            assert [i.id for i in page.items] == [first["id"], 1]
            assert (page.total, page.number, page.per_page) == (2, 1, 2)
            safe = await client.tags.get("safe")
            assert (safe.name, safe.category, safe.url) == ("safe", "rating",
                                                            "https://derpibooru.org/tags/safe")
    params = search.calls.last.request.url.params
    assert dict(params) == {"q": "safe", "sf": "score", "sd": "desc", "page": "1",
                            "per_page": "2"}
    assert tag.called


async def test_twibooru_posts_are_images() -> None:
    with respx.mock(base_url=TWI, assert_all_called=True) as router:
        router.get("/api/v3/posts/1").respond(json={"post": TWI_POST})
        router.get("/api/v3/posts/featured").respond(json={"post": TWI_POST})
        search = router.get("/api/v3/search/posts").respond(json={"posts": [TWI_POST],
                                                                  "total": 1})
        tags = router.get("/api/v3/search/tags").respond(json={"tags": [TWI_TAG], "total": 1})
        async with ba.Client("twibooru", filter_id=2) as client:
            post = await client.images.get(1)
            assert (post.media_type, post.uploader, post.url) == ("image", None,
                                                                  "https://twibooru.org/1")
            assert post.created_at is not None and post.created_at.microsecond == 743000
            assert post.locations[0].id_at_location == 1676547
            assert post.wilson_score == 0.0 and isinstance(post.wilson_score, float)
            assert post.source_urls == ("https://example.com/src",)
            assert (await client.images.featured()).id == 1
            assert [p.id async for p in client.images.search("safe")] == [1]
            tag = await client.tags.get("artist:foo bar")
            assert tag.slug == "artist-colon-foo+bar"
            assert tag.aliases == ("foo+bar", "artist-colon-foo-dash-bar")
            assert tag.implied_by_tags == ("oc-colon-baz+qux",)
    assert search.calls.last.request.url.params["filter_id"] == "2"
    assert search.calls.last.request.url.params["per_page"] == "50"
    assert tags.calls.last.request.url.params["q"] == '"name:artist:foo bar"'


async def test_twibooru_unknown_tag_is_not_found() -> None:
    with respx.mock(base_url=TWI) as router:
        router.get("/api/v3/search/tags").respond(json={"tags": [], "total": 0})
        async with ba.Client("twibooru") as client:
            with pytest.raises(ba.NotFound):
                await client.tags.get("nope")


async def test_legacy_routes_and_shapes() -> None:
    legacy_image = LEGACY_SEARCH["search"][0]
    oc_only = next(t for t in LEGACY_TAGS if t["slug"] == "oc+only")
    with respx.mock(base_url=TWI, assert_all_called=True) as router:
        router.get("/images/1248664.json").respond(json=legacy_image)
        search = router.get("/search.json").respond(json=LEGACY_SEARCH)
        router.get("/tags/oc+only.json").respond(json={
            "tag": oc_only, "aliases": ["only oc"], "dnp_entries": [], "images": [],
            "interactions": [],
        })
        async with ba.Client("twibooru-legacy") as client:
            image = await client.images.get(1248664)
            assert image.id == 1248664 and image.tags[0] == "artist:oddends"
            assert image.view_url is not None and image.view_url.startswith("https://derpicdn")
            page = await client.images.search("safe", sort="wilson_score", per_page=15).page(1)
            assert len(page.items) == 15 and page.total == 765636
            tag = await client.tags.get("oc only")
            assert (tag.slug, tag.aliases, tag.implied_tags) == ("oc+only", ("only+oc",),
                                                                 ("oc",))
            with pytest.raises(ba.UnsupportedOperation):
                await client.images.featured()
    params = search.calls.last.request.url.params
    assert (params["sf"], params["perpage"]) == ("wilson", "15")
    assert "per_page" not in params


async def test_legacy_empty_query_answers_empty_body() -> None:
    with respx.mock(base_url=TWI) as router:
        router.get("/search.json").respond(200, content=b"")
        async with ba.Client("twibooru-legacy") as client:
            page = await client.images.search("").page(1)
    assert (page.items, page.total) == ((), 0)


async def test_unsupported_operation_sends_nothing() -> None:
    with respx.mock(assert_all_mocked=True) as router:
        async with ba.Client("twibooru-legacy") as client:
            with pytest.raises(ba.UnsupportedOperation, match=r"images\.featured"):
                await client.images.featured()
    assert not router.calls


async def test_key_is_injected_below_and_never_shown(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="booru_async")
    with respx.mock(base_url=DERPI) as router:
        route = router.get("/api/v1/json/images/5").respond(404, text="")
        async with ba.Client("derpibooru", key="s3cr3t-key") as client:
            assert "s3cr3t" not in repr(client)
            with pytest.raises(ba.NotFound) as info:
                await client.images.get(5)
    assert route.calls.last.request.url.params["key"] == "s3cr3t-key"
    assert "s3cr3t" not in str(info.value) and "s3cr3t" not in repr(info.value.request)
    assert "s3cr3t" not in caplog.text and "images/5" in caplog.text


def test_key_is_never_sent_over_plain_http() -> None:
    with pytest.raises(ValueError, match="plain http"):
        ba.Client("derpibooru", key="k", base_url="http://derpibooru.example")
    ba.Client("derpibooru", key="k", base_url="http://127.0.0.1:8080")  # loopback is fine


@pytest.mark.parametrize(
    ("status", "headers", "body", "cls"),
    [
        (400, {"content-type": "application/json"}, b'{"error":"Expected a term."}', ba.BadQuery),
        (404, {"content-type": "text/plain"}, b"", ba.NotFound),
        (429, {"retry-after": "4"}, b"<html></html>", ba.RateLimited),
        (502, {"content-type": "text/html"}, b"<html>Bad gateway</html>", ba.ServerError),
        (501, {"content-type": "text/html"}, b"<html>challenge</html>", ba.Blocked),
    ],
)
async def test_errors_through_the_client(
    status: int, headers: dict[str, str], body: bytes, cls: type[ba.BooruError]
) -> None:
    with respx.mock(base_url=DERPI) as router:
        router.get("/api/v1/json/search/images").respond(status, headers=headers, content=body)
        async with ba.Client("derpibooru", retry=NO_RETRY) as client:
            with pytest.raises(cls):
                await client.images.search("(").page(1)


@pytest.mark.parametrize(
    ("headers", "body", "match"),
    [
        ({"content-type": "text/html"}, b"<html>maintenance</html>", "expected JSON"),
        ({"content-type": "application/json"}, b'{"images": [', "expected JSON"),
        ({"content-type": "application/json"}, b'{"images": [{"id": "x"}], "total": 1}',
         r"\$\.images\[0\]\.id"),
        ({"content-type": "application/json"}, b'{"imagez": []}', "with 'images'"),
        ({"content-type": "application/json"}, b'{"images": [], "total": -3}', "total"),
    ],
)
async def test_bad_bodies_are_decode_errors(headers: dict[str, str], body: bytes,
                                            match: str) -> None:
    with respx.mock(base_url=DERPI) as router:
        router.get("/api/v1/json/search/images").respond(200, headers=headers, content=body)
        async with ba.Client("derpibooru") as client:
            # Strict: the item-level case would otherwise be skipped (pager.skipped).
            with pytest.raises(ba.DecodeError, match=match) as info:
                await client.images.search("safe", on_decode_error="raise").page(1)
    assert info.value.excerpt


async def test_transport_failures_are_typed() -> None:
    with respx.mock(base_url=DERPI) as router:
        router.get("/api/v1/json/images/1").mock(side_effect=httpx.ConnectError("refused"))
        router.get("/api/v1/json/images/2").mock(side_effect=httpx.ReadTimeout("slow"))
        async with ba.Client("derpibooru", key="KEYVALUE", retry=NO_RETRY) as client:
            with pytest.raises(ba.TransportError, match="ConnectError") as info:
                await client.images.get(1)
            assert "KEYVALUE" not in str(info.value)
            with pytest.raises(ba.TransportError, match="timed out"):
                await client.images.get(2)


async def test_with_options_shares_the_pool() -> None:
    with respx.mock(base_url=DERPI) as router:
        search = router.get("/api/v1/json/search/images").respond(
            json={"images": [], "interactions": [], "total": 0})
        async with ba.Client("derpibooru", filter_id=100073) as client:
            bot = client.with_options(priority="interactive", max_wait=2.0, filter_id=56027)
            assert (bot.priority, bot.max_wait, bot.filter_id) == ("interactive", 2.0, 56027)
            assert client.priority == "normal" and client.filter_id == 100073
            await bot.images.search("safe").page(1)
            await client.images.search("safe").page(1)
            # One pool, one stack: both views count into the same stats.
            assert bot.stats == client.stats and client.stats.requests == 2
            with pytest.raises(TypeError, match="colour"):
                client.with_options(colour="red")
            with pytest.raises(ValueError):
                client.with_options(priority="urgent")
    first, second = (call.request for call in search.calls)
    assert first.url.params["filter_id"] == "56027"
    assert second.url.params["filter_id"] == "100073"
    options = first.extensions["booru"]
    assert (options.group, options.priority, options.max_wait, options.partition) == (
        "search", "interactive", 2.0, "anon")


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda c: c.images.get("1"), TypeError),
        (lambda c: c.images.get(True), TypeError),
        (lambda c: c.images.get(-1), ValueError),
        (lambda c: c.images.search("safe", per_page=51), ValueError),
        (lambda c: c.images.search("safe", order="up"), ValueError),
        (lambda c: c.images.search(None), TypeError),
        (lambda c: c.tags.get(""), ValueError),
    ],
)
async def test_bad_arguments_fail_before_sending(call: Any, error: type[Exception]) -> None:
    with respx.mock(assert_all_mocked=True) as router:
        async with ba.Client("derpibooru") as client:
            async def attempt() -> None:
                result = call(client)
                if hasattr(result, "__await__"):
                    await result

            with pytest.raises(error):
                await attempt()
    assert not router.calls


@pytest.mark.parametrize(
    ("given", "slug"),
    [
        ("safe", "safe"),
        ("oc+only", "oc+only"),
        ("oc only", "oc+only"),
        ("artist:foo", "artist-colon-foo"),
        ("artist-colon-foo", "artist-colon-foo"),
        ("e-fun", "e-dash-fun"),
        ("a.b/c\\d", "a-dot-b-fwslash-c-bwslash-d"),
        ("weapons-grade cute", "weapons-dash-grade+cute"),
    ],
)
def test_tag_slug_from_name_or_slug(given: str, slug: str) -> None:
    from booru_async._slugs import tag_slug

    assert tag_slug(given) == slug


async def test_path_arguments_are_percent_encoded() -> None:
    with respx.mock(base_url=DERPI) as router:
        route = router.get(url__regex=r".*/api/v1/json/tags/.*").respond(
            json={"tag": TAGS_2023["tags"][0]})
        async with ba.Client("derpibooru") as client:
            await client.tags.get("wat?")
            await client.tags.get("c#")
    paths = [call.request.url.raw_path.decode() for call in route.calls]
    assert paths == ["/api/v1/json/tags/wat%3F", "/api/v1/json/tags/c%23"]


async def test_a_key_echoed_in_an_error_page_is_redacted() -> None:
    with respx.mock(base_url=DERPI) as router:
        def echo(request: httpx.Request) -> httpx.Response:
            return httpx.Response(502, text=f"<html>upstream failed for {request.url}</html>",
                                  headers={"content-type": "text/html"})

        router.get("/api/v1/json/images/1").mock(side_effect=echo)
        async with ba.Client("derpibooru", key="SECRETKEY123", retry=NO_RETRY) as client:
            with pytest.raises(ba.ServerError) as info:
                await client.images.get(1)
    assert "SECRETKEY123" not in str(info.value)
    assert "SECRETKEY123" not in info.value.body_excerpt
    assert "key=***" in info.value.body_excerpt


@pytest.mark.parametrize("answer", [{"id": "abc"}, {"id": [1]}, {"id": -1}, {"id": 1.9}])
async def test_legacy_random_with_a_bad_id_is_a_decode_error(answer: dict[str, Any]) -> None:
    with respx.mock(base_url=TWI) as router:
        router.get("/search.json").respond(json=answer)
        async with ba.Client("twibooru-legacy") as client:
            with pytest.raises(ba.DecodeError):
                await client.images.random("safe")


def test_with_options_validates_like_the_constructor() -> None:
    client = ba.Client("derpibooru")
    for bad in ({"max_wait": -1}, {"max_wait": "soon"}, {"filter_id": 0},
                {"filter_id": "56027"}, {"priority": "urgent"}):
        with pytest.raises(ValueError):
            client.with_options(**bad)
        with pytest.raises(ValueError):
            ba.Client("derpibooru", **bad)  # type: ignore[arg-type]


async def test_a_proxy_without_a_scheme_is_http_as_in_httpx(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # ``HTTPS_PROXY=host:port`` is common in the wild; httpx reads it as http://host:port.
    # Port 9 on loopback refuses: the request fails as a typed TransportError, not ValueError.
    monkeypatch.setenv("HTTPS_PROXY", "127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    async with ba.Client("derpibooru", retry=ba.RetryPolicy(retries=0)) as client:
        with pytest.raises(ba.TransportError):
            await client.images.get(1)


async def test_download_to_a_filename_that_is_a_folder_fails_before_sending(
    tmp_path: Path,
) -> None:
    image_body = fixture_json("derpibooru/appledash-2024-11-images.json")["images"][1]
    (tmp_path / "adir").mkdir()
    with respx.mock(base_url=DERPI, assert_all_called=False) as router:
        async with ba.Client("derpibooru") as client:
            page = router.get("/api/v1/json/images/1").respond(
                json={"image": image_body, "interactions": []})
            got = await client.images.get(1)
            with pytest.raises(ValueError, match="names a folder"):
                await client.images.download(got, tmp_path, filename="adir")
    assert page.call_count == 1  # the image, and no file request
