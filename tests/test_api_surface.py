"""Every method of the contract on every flavour, against the fake server: it works, or it
raises UnsupportedOperation before anything is sent."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import attrs
import pytest

import booru_async as ba
from booru_async.testing import Board, FakeBooru

pytestmark = pytest.mark.anyio

PROFILE = {"philomena": "derpibooru", "twibooru": "twibooru", "legacy": "twibooru-legacy"}
BASE = "https://booru.test"


@pytest.fixture(scope="module")
def module_board() -> Board:
    return Board.generate(seed=21, images=300, users=40, galleries=8, topics=12)


@pytest.fixture
def board(module_board: Board) -> Board:
    return copy.deepcopy(module_board)


def client(fake: FakeBooru, flavour: str, **kwargs: Any) -> ba.Client:
    """A client of the flavour's profile, with a roomy budget: these tests are about
    routes and shapes (the budgets have tests of their own, on a virtual clock)."""
    fake.base_url = BASE
    site = attrs.evolve(ba.SITES[PROFILE[flavour]], budgets={"site": (1000, 1.0)})
    return ba.Client(site, base_url=BASE, transport=fake.transport(), **kwargs)


def visible(board: Board) -> list[int]:
    return sorted(i.id for i in board.images.values() if not i.hidden_from_users and i.approved)


def listing(folder: Path) -> list[Path]:
    """What a folder holds (hidden temporary files included)."""
    return sorted(folder.iterdir())


async def drain(pager: ba.Pager[Any]) -> list[Any]:
    return [item async for item in pager]


# -- the support matrix -------------------------------------------------------------------

# operation -> flavours where it exists
SUPPORT = {
    "images.featured": {"philomena", "twibooru"},
    "images.reverse_search": {"philomena", "legacy"},
    "images.upload": {"philomena"},
    "comments.get": {"philomena"},
    "comments.search": {"philomena"},
    "galleries.search": {"philomena"},
    "forums.list": {"philomena"},
    "forums.get": {"philomena"},
    "forums.topics": {"philomena"},
    "forums.topic": {"philomena"},
    "forums.posts": {"philomena"},
    "forums.post": {"philomena"},
    "posts.get": {"philomena"},
    "posts.search": {"philomena"},
    "profiles.get": {"philomena", "legacy"},
    "filters.get": {"philomena", "legacy"},
    "filters.system": {"philomena", "legacy"},
    "filters.user": {"philomena", "legacy"},
    "filters.search": {"philomena"},
    "oembed": {"philomena", "twibooru", "legacy"},
}

CALLS: dict[str, Callable[[ba.Client], Any]] = {
    "images.featured": lambda c: c.images.featured(),
    "images.reverse_search": lambda c: drain(c.images.reverse_search("https://x.test/a.png")),
    "images.upload": lambda c: c.images.upload("https://x.test/a.png", tags=["safe", "a", "b"]),
    "comments.get": lambda c: c.comments.get(1),
    "comments.search": lambda c: drain(c.comments.search("*")),
    "galleries.search": lambda c: drain(c.galleries.search("*")),
    "forums.list": lambda c: drain(c.forums.list()),
    "forums.get": lambda c: c.forums.get("art"),
    "forums.topics": lambda c: drain(c.forums.topics("art")),
    "forums.topic": lambda c: c.forums.topic("art", "x"),
    "forums.posts": lambda c: drain(c.forums.posts("art", "x")),
    "forums.post": lambda c: c.forums.post("art", "x", 1),
    "posts.get": lambda c: c.posts.get(1),
    "posts.search": lambda c: drain(c.posts.search("*")),
    "profiles.get": lambda c: c.profiles.get(1),
    "filters.get": lambda c: c.filters.get(1),
    "filters.system": lambda c: drain(c.filters.system()),
    "filters.user": lambda c: drain(c.filters.user()),
    "filters.search": lambda c: drain(c.filters.search("*")),
    "oembed": lambda c: c.oembed("https://booru.test/images/1"),
}


UNSUPPORTED = [
    (flavour, operation)
    for operation, flavours in sorted(SUPPORT.items())
    for flavour in ("twibooru", "legacy")
    if flavour not in flavours
]


@pytest.mark.parametrize(("flavour", "operation"), UNSUPPORTED)
async def test_unsupported_operations_send_nothing(board: Board, flavour: str,
                                                   operation: str) -> None:
    fake = FakeBooru(board, flavour=flavour)
    async with client(fake, flavour) as c:

        async def call() -> None:
            await CALLS[operation](c)

        with pytest.raises(ba.UnsupportedOperation, match=operation.replace(".", r"\.")):
            await call()
    assert fake.stats.requests == []


def test_every_resource_method_exists_on_every_client() -> None:
    for profile in ("derpibooru", "twibooru", "twibooru-legacy", "demo"):
        c = ba.Client(profile)
        for name in ("get", "featured", "search", "random", "crawl", "comments",
                     "reverse_search", "upload", "download"):
            assert callable(getattr(c.images, name))
        for ns, names in {"tags": ("get", "search"), "comments": ("get", "search"),
                          "galleries": ("get", "search"), "posts": ("get", "search"),
                          "forums": ("list", "get", "topics", "topic", "posts", "post"),
                          "profiles": ("get",),
                          "filters": ("get", "system", "user", "search")}.items():
            for name in names:
                assert callable(getattr(getattr(c, ns), name)), (profile, ns, name)
        assert callable(c.oembed)


# -- images --------------------------------------------------------------------------------

@pytest.mark.parametrize("flavour", ["philomena", "twibooru", "legacy"])
async def test_images_random_and_comments(board: Board, flavour: str) -> None:
    commented = max(board.images.values(),
                    key=lambda i: (not i.hidden_from_users, i.comments_count))
    fake = FakeBooru(board, flavour=flavour)
    async with client(fake, flavour) as c:
        picked = await c.images.random("safe")
        assert "safe" in picked.tags
        comments = await drain(c.images.comments(commented.id))
        ids = [cm.id for cm in comments]
        on_image = {cm.id for cm in board.comments.values() if cm.image_id == commented.id}
        # Every comment of the image, over more than one page, each once (Twibooru's
        # route also lists moderator-hidden ones, which the count leaves out).
        assert len(ids) == len(set(ids)) >= commented.comments_count > 25
        assert set(ids) <= on_image
        assert all(isinstance(cm, ba.Comment) for cm in comments)
        with pytest.raises(ba.NotFound):
            await c.images.random("no_such_tag_anywhere")


async def test_reverse_search_by_url_and_file(board: Board, tmp_path: Path) -> None:
    from booru_async.testing._board import image_file_bytes

    target = board.images[visible(board)[5]]
    data = image_file_bytes(target, board.seed)
    fake = FakeBooru(board)
    fake.add_remote_file("https://files.test/copy.png", data)
    (tmp_path / "copy.png").write_bytes(data)
    async with client(fake, "philomena") as c:
        by_url = await drain(c.images.reverse_search("https://files.test/copy.png"))
        by_file = await drain(c.images.reverse_search(file=tmp_path / "copy.png", distance=0.1))
        nothing = await drain(c.images.reverse_search("https://files.test/missing.png"))
    assert target.id in {i.id for i in by_url}
    assert target.id in {i.id for i in by_file}
    assert nothing == []
    with pytest.raises(ValueError):
        c.images.reverse_search("https://x.test/a.png", distance=2)
    with pytest.raises(ValueError):
        c.images.reverse_search()


async def test_upload_with_key_validation_and_no_retry(board: Board) -> None:
    from booru_async.testing._board import image_file_bytes

    user = next(u for u in board.users.values() if u.api_key)
    fake = FakeBooru(board)
    new_file = image_file_bytes(board.images[visible(board)[0]], board.seed + 99)
    fake.add_remote_file("https://files.test/new.png", new_file)
    async with client(fake, "philomena", key=user.api_key) as c:
        with pytest.raises(ba.UploadRejected) as rejected:
            await c.images.upload("https://files.test/new.png", tags=["solo"])
        assert "tag_input" in rejected.value.errors
        image = await c.images.upload(
            "https://files.test/new.png",
            tags=["safe", "solo", "pony"],
            source_urls=["https://example.com/art"],
            description="uploaded by a test",
        )
    assert image.source_urls == ("https://example.com/art",)
    assert set(image.tags) >= {"safe", "solo", "pony"}
    uploads = [r for r in fake.stats.requests if r.method == "POST"]
    assert len(uploads) == 2  # each sent exactly once
    async with client(fake, "philomena") as anonymous:
        with pytest.raises(ba.Unauthorized):
            await anonymous.images.upload("https://files.test/new.png", tags=["safe", "a", "b"])


@pytest.mark.parametrize("flavour", ["philomena", "twibooru"])
async def test_crawl_survives_uploads_and_deletions(board: Board, flavour: str) -> None:
    fake = FakeBooru(board, flavour=flavour)
    deleted: set[int] = set()
    added: set[int] = set()
    seen: list[int] = []
    async with client(fake, flavour) as c:
        # What matched when the walk began (the default filter hides some images).
        matching = {i.id async for i in c.images.search("*", sort="id")}
        assert len(matching) > 100
        crawl = c.images.crawl("", per_page=20)
        async for image in crawl:
            seen.append(image.id)
            if len(seen) % 20 == 5:
                # New uploads (higher ids) and deletions ahead of the walk's position.
                template = board.images[image.id]
                new_id = max(board.images) + 1
                board.images[new_id] = dataclasses.replace(template, id=new_id, faved_by=set())
                added.add(new_id)
                # Well below the page being read (pages hold 20 of these dense ids).
                ahead = sorted((i for i in matching - deleted if i < image.id - 60),
                               reverse=True)[:2]
                for victim in ahead:
                    board.images[victim].hidden_from_users = True
                    board.images[victim].deletion_reason = "test"
                    deleted.add(victim)
                fake.invalidate()
    assert deleted and added, "the walk saw uploads and deletions happen"
    assert len(seen) == len(set(seen)), "an image was visited twice"
    assert set(seen) == matching - deleted, "an image was missed"
    assert not set(seen) & added


async def test_crawl_resumes_from_a_saved_cursor(board: Board) -> None:
    fake = FakeBooru(board)
    first: list[int] = []
    async with client(fake, "philomena") as c:
        everything = {i.id async for i in c.images.search("*")}
        crawl = c.images.crawl("", per_page=25)
        async for image in crawl:
            first.append(image.id)
            if len(first) == 37:  # the process dies mid-page
                saved = crawl.cursor
                break
    assert saved == f"id:{first[-1]}"
    second: list[int] = []
    async with client(fake, "philomena") as c:
        async for image in c.images.crawl("", cursor=saved, per_page=25):
            second.append(image.id)
    assert not set(first) & set(second)
    assert sorted(first + second) == sorted(everything)
    with pytest.raises(ValueError):
        c.images.crawl("", cursor="page:3")


async def test_crawl_with_a_query_and_legacy_walk(board: Board) -> None:
    fake = FakeBooru(board)
    async with client(fake, "philomena") as c:
        safe = [i.id async for i in c.images.crawl("safe, -solo", per_page=30)]
        expected = [i.id async for i in c.images.search("safe, -solo", sort="id", order="desc")]
        assert safe == expected and safe == sorted(safe, reverse=True)
        with pytest.raises(ba.UnsupportedOperation):
            await c.images.crawl("").page(1)
    fake = FakeBooru(board, flavour="legacy")
    async with client(fake, "legacy") as c:
        walked = [i.id async for i in c.images.crawl("")]
        # /images.json is the raw window: every visible image, unfiltered.
        assert walked == sorted(visible(board), reverse=True)
        with pytest.raises(ba.UnsupportedOperation):
            c.images.crawl("safe")


async def test_download_full_verified_and_no_key_to_the_cdn(board: Board,
                                                            tmp_path: Path) -> None:
    user = next(u for u in board.users.values() if u.api_key)
    fake = FakeBooru(board)
    png = next(board.images[i] for i in visible(board) if board.images[i].format == "png")
    async with client(fake, "philomena", key=user.api_key) as c:
        path = await c.images.download(png.id, tmp_path)
        stats = c.stats
    assert path == tmp_path / f"{png.id}.png"
    import hashlib

    image_hash = board.image_sha512(png)
    assert hashlib.sha512(path.read_bytes()).hexdigest() == image_hash
    cdn = [r for r in fake.stats.requests if r.group == "cdn"]
    assert len(cdn) == 1 and not cdn[0].authenticated and "key" not in cdn[0].params
    assert listing(tmp_path) == [path]
    assert stats.cache_hits == 0


async def test_corrupted_download_leaves_nothing(board: Board, tmp_path: Path) -> None:
    target = board.images[visible(board)[3]]
    fake = FakeBooru(board, corrupt_images=frozenset({target.id}))
    async with client(fake, "philomena") as c:
        with pytest.raises(ba.IntegrityError):
            await c.images.download(target.id, tmp_path)
        # Unverified, the same bytes are kept (the caller asked for that).
        path = await c.images.download(target.id, tmp_path, verify=False)
    assert listing(tmp_path) == [path]


async def test_download_svg_original_and_gif_videos(board: Board, tmp_path: Path) -> None:
    import hashlib

    fake = FakeBooru(board)
    svg = next((i for i in board.images.values()
                if i.format == "svg" and not i.hidden_from_users), None)
    gif = next((i for i in board.images.values()
                if i.format == "gif" and not i.hidden_from_users), None)
    assert svg is not None and gif is not None
    async with client(fake, "philomena") as c:
        original = await c.images.download(svg.id, tmp_path, representation="original")
        rendered = await c.images.download(svg.id, tmp_path)  # the PNG rendering, unverified
        webm = await c.images.download(gif.id, tmp_path, representation="webm")
        mp4 = await c.images.download(gif.id, tmp_path, representation="mp4")
        thumb = await c.images.download(gif.id, tmp_path, representation="thumb")
        png = next(board.images[i] for i in visible(board) if board.images[i].format == "png")
        with pytest.raises(ValueError, match="GIFs only"):
            await c.images.download(png.id, tmp_path, representation="webm")
    assert original.name == f"{svg.id}.svg"
    assert hashlib.sha512(original.read_bytes()).hexdigest() == board.image_sha512(svg)
    assert rendered.name == f"{svg.id}.png"
    assert (webm.name, mp4.name, thumb.name) == (f"{gif.id}.webm", f"{gif.id}.mp4",
                                                 f"{gif.id}.thumb.gif")


async def test_download_is_cancellation_safe(board: Board, tmp_path: Path) -> None:
    from booru_async.testing import Fault

    fake = FakeBooru(board, faults=(Fault("latency", groups=("cdn",), delay=0.5),))
    target = visible(board)[0]
    async with client(fake, "philomena") as c:
        image = await c.images.get(target)
        with anyio.move_on_after(0.1):
            await c.images.download(image, tmp_path)
    assert listing(tmp_path) == []


# -- the other namespaces ------------------------------------------------------------------

async def test_philomena_namespaces(board: Board) -> None:
    fake = FakeBooru(board)
    comment = next(iter(board.comments.values()))
    gallery = next(iter(board.galleries.values()))
    user = next(iter(board.users.values()))
    async with client(fake, "philomena", key=user.api_key) as c:
        assert (await c.comments.get(comment.id)).id == comment.id
        assert len(await drain(c.comments.search("*", limit=7))) == 7
        got = await c.galleries.get(gallery.id)
        assert (got.id, got.title) == (gallery.id, gallery.title)
        assert all(isinstance(g, ba.Gallery) for g in await drain(c.galleries.search("*")))
        forums = await drain(c.forums.list())
        assert forums and all(isinstance(f, ba.Forum) for f in forums)
        busiest = max(forums, key=lambda f: f.post_count or 0)
        assert (await c.forums.get(busiest.short_name)).name == busiest.name
        topics = await drain(c.forums.topics(busiest.short_name))
        longest = max(topics, key=lambda t: t.post_count or 0)
        assert (await c.forums.topic(busiest.short_name, longest.slug)).title == longest.title
        posts = await drain(c.forums.posts(busiest.short_name, longest.slug, per_page=10))
        topic_id = next(t.id for t in board.topics.values() if t.title == longest.title)
        listed = {p.id for p in board.posts.values()
                  if p.topic_id == topic_id and not p.destroyed_content}
        # Every post once; destroyed ones are left out of the list (but still counted).
        assert [p.id for p in posts] == sorted(listed) and len(listed) > 25
        one = await c.forums.post(busiest.short_name, longest.slug, posts[-1].id)
        assert one.id == posts[-1].id
        assert (await c.posts.get(posts[0].id)).id == posts[0].id
        assert len(await drain(c.posts.search("*", limit=3))) == 3
        profile = await c.profiles.get(user.id)
        assert (profile.id, profile.name) == (user.id, user.name)
        everything = await c.filters.get(56027)
        assert everything.system and everything.name == "Everything"
        assert {f.id for f in await drain(c.filters.system())} >= {56027}
        own = await drain(c.filters.user())
        assert all(f.user_id == user.id for f in own)
        assert await drain(c.filters.search("*"))
    topic_pages = [r for r in fake.stats.requests if r.path.endswith(f"{longest.slug}/posts")]
    # 1.2 ignores per_page and pages topic posts by 25.
    assert len(topic_pages) == -(-(longest.post_count or 0) // 25)


async def test_topic_posts_page_past_the_end_is_the_end(board: Board) -> None:
    fake = FakeBooru(board)
    async with client(fake, "philomena") as c:
        forums = await drain(c.forums.list())
        forum = max(forums, key=lambda f: f.post_count or 0)
        topic = max(await drain(c.forums.topics(forum.short_name)),
                    key=lambda t: t.post_count or 0)
        pager = c.forums.posts(forum.short_name, topic.slug)
        past = (topic.post_count or 0) // 25 + 2
        assert (await pager.page(past)).items == ()
        with pytest.raises(ba.ServerError):
            await c.forums.posts(forum.short_name, "no-such-topic").page(1)


async def test_oembed_honours_cache_age(board: Board) -> None:
    fake = FakeBooru(board)
    image_id = visible(board)[0]
    async with client(fake, "philomena") as c:
        first = await c.oembed(f"{BASE}/images/{image_id}")
        again = await c.oembed(f"{BASE}/images/{image_id}")
        assert first == again and first.image_id == image_id and first.cache_age == 7200
        assert c.stats.cache_hits == 1
        with pytest.raises(ba.NotFound):
            await c.oembed(f"{BASE}/images/99999999")
    assert len([r for r in fake.stats.requests if r.path.endswith("oembed")]) == 2


async def test_legacy_namespaces(board: Board) -> None:
    fake = FakeBooru(board, flavour="legacy")
    user = next(iter(board.users.values()))
    gallery = next(iter(board.galleries.values()))
    async with client(fake, "legacy") as c:
        profile = await c.profiles.get(user.slug)
        assert profile.name == user.name
        assert (await c.galleries.get(gallery.id)).id == gallery.id
        assert (await c.filters.get(56027)).name == "Everything"
        assert {f.id for f in await drain(c.filters.system())} >= {56027}
        embed = await c.oembed(f"{BASE}/{visible(board)[0]}")
        assert embed.image_id == visible(board)[0]
        tags = await drain(c.tags.search("*", limit=260))  # 250 per page: two pages
        assert len(tags) == 260 and len({t.id for t in tags}) == 260


async def test_download_skip_existing_sends_nothing(board: Board, tmp_path: Path) -> None:
    fake = FakeBooru(board)
    target = visible(board)[0]
    async with client(fake, "philomena") as c:
        image = await c.images.get(target)
        first = await c.images.download(image, tmp_path)
        cdn_before = len([r for r in fake.stats.requests if r.group == "cdn"])
        again = await c.images.download(image, tmp_path, skip_existing=True)
        assert again == first
        assert len([r for r in fake.stats.requests if r.group == "cdn"]) == cdn_before
        first.write_bytes(b"tampered")  # an incomplete or wrong file is fetched again
        fixed = await c.images.download(image, tmp_path, skip_existing=True)
    assert len([r for r in fake.stats.requests if r.group == "cdn"]) == cdn_before + 1
    assert fixed.read_bytes() != b"tampered"


async def test_iterating_a_crawl_again_continues_after_the_last_item(board: Board) -> None:
    fake = FakeBooru(board)
    async with client(fake, "philomena") as c:
        crawl = c.images.crawl("", per_page=10)
        first: list[int] = []
        async for image in crawl:
            first.append(image.id)
            if len(first) == 4:  # break mid-page
                break
        rest = [image.id async for image in crawl]
        everything = [i.id async for i in c.images.search("*", sort="id", order="desc")]
    assert first + rest == everything
