"""The client against the fake server, in-process and over a real loopback socket, on all
three flavours: the same client code must pass both ways."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import pytest

import booru_async as ba
from booru_async.testing import Board, FakeBooru, serve_in_thread

pytestmark = pytest.mark.anyio

PROFILE = {"philomena": "derpibooru", "twibooru": "twibooru", "legacy": "twibooru-legacy"}

Connect = Callable[..., ba.Client]


@pytest.fixture(scope="module")
def module_board() -> Board:
    return Board.generate(seed=3, images=300, users=40, galleries=10, topics=10)


@pytest.fixture(params=["in-process", "loopback"])
def connect(request: pytest.FixtureRequest) -> Iterator[Callable[..., ba.Client]]:
    """``connect(fake, flavour, **client_kwargs)`` -> a client talking to ``fake``."""
    stack = contextlib.ExitStack()

    def factory(fake: FakeBooru, flavour: str, **kwargs: object) -> ba.Client:
        profile = PROFILE[flavour]
        if request.param == "in-process":
            fake.base_url = "https://booru.test"  # in-process, https costs nothing
            return ba.Client(profile, base_url=fake.base_url, transport=fake.transport(),
                             **kwargs)  # type: ignore[arg-type]
        url = stack.enter_context(serve_in_thread(fake))
        return ba.Client(profile, base_url=url, **kwargs)  # type: ignore[arg-type]

    with stack:
        yield factory


def visible_id(board: Board) -> int:
    return min(i.id for i in board.images.values() if not i.hidden_from_users and i.approved)


@pytest.mark.parametrize("flavour", ["philomena", "twibooru", "legacy"])
async def test_get_search_and_tags(module_board: Board, connect: Connect, flavour: str) -> None:
    fake = FakeBooru(module_board, flavour=flavour)
    image_id = visible_id(module_board)
    expected = module_board.images[image_id]
    async with connect(fake, flavour) as client:
        image = await client.images.get(image_id)
        assert (image.id, image.hidden, image.sha512_hash) == (image_id, False,
                                                              expected.sha512_hash)
        assert set(image.tags) == {module_board.tags[t].name for t in expected.tag_ids}
        assert image.representations is not None
        assert image.created_at is not None and image.created_at.tzinfo is not None
        if flavour == "legacy":
            with pytest.raises(ba.UnsupportedOperation):
                await client.images.featured()
        else:
            assert not (await client.images.featured()).hidden
        # booru-on-rails cannot sort by id (ApplicationController#parse_sort).
        sort = "created_at" if flavour == "legacy" else "id"
        pager = client.images.search("safe", sort=sort, order="asc", per_page=20)
        first = await pager.page(1)
        assert first.total is not None and first.total > 20
        found = [i async for i in client.images.search("safe", sort=sort, order="asc",
                                                        per_page=20, limit=45)]
        ids = [i.id for i in found]
        keys = [getattr(i, sort) for i in found]
        assert len(ids) == 45 and keys == sorted(keys) and len(set(ids)) == 45
        assert ids[:20] == [i.id for i in first.items]
        tag = await client.tags.get(image.tags[0])
        assert tag.name == image.tags[0] and tag.images > 0


@pytest.mark.parametrize("flavour", ["philomena", "twibooru", "legacy"])
async def test_errors_from_the_fake(module_board: Board, connect: Connect, flavour: str) -> None:
    fake = FakeBooru(module_board, flavour=flavour)
    async with connect(fake, flavour, retry=ba.RetryPolicy(retries=0)) as client:
        with pytest.raises(ba.NotFound):
            await client.images.get(10_000_000)
        with pytest.raises(ba.BadQuery):
            await client.images.search("(safe").page(1)
        with pytest.raises(ba.NotFound):
            await client.tags.get("no such tag at all")


async def test_hidden_images_are_stubs(module_board: Board, connect: Connect) -> None:
    hidden = next(i for i in module_board.images.values() if i.hidden_from_users)
    fake = FakeBooru(module_board)
    async with connect(fake, "philomena") as client:
        image = await client.images.get(hidden.id)
    assert image.hidden and image.tags == () and image.representations is None
    assert image.deletion_reason is not None or image.duplicate_of is not None


async def test_key_reaches_the_server_and_nothing_else(module_board: Board,
                                                       connect: Connect) -> None:
    user = next(iter(module_board.users.values()))
    fake = FakeBooru(module_board)
    async with connect(fake, "philomena", key=user.api_key) as client:
        await client.images.search("safe").page(1)
        await client.images.get(visible_id(module_board))
    assert all(r.authenticated for r in fake.stats.requests)
    assert all("key" not in r.params for r in fake.stats.requests)


async def test_demo_site_needs_no_network() -> None:
    async with ba.Client("demo") as client:
        featured = await client.images.featured()
        page = await client.images.search("safe", per_page=5).page(1)
        tag = await client.tags.get(featured.tags[0])
    assert featured.url.startswith("https://demo.booru-async.invalid/images/")
    assert len(page.items) == 5 and page.total is not None
    assert tag.name == featured.tags[0]


def test_demo_profile() -> None:
    demo = ba.SITES["demo"]
    assert demo.in_process and demo.flavour == "philomena"
    assert demo.host.endswith(".invalid")


async def test_transport_faults_become_typed_errors(module_board: Board) -> None:
    from booru_async.testing import Fault

    fake = FakeBooru(module_board, faults=(Fault("reset", times=10),))
    async with ba.Client("derpibooru", base_url=fake.base_url, transport=fake.transport(),
                         retry=ba.RetryPolicy(retries=1, backoff_base=0.01)) as client:
        with pytest.raises(ba.TransportError):
            await client.images.get(visible_id(module_board))
        assert client.stats.retries == 1
    fake = FakeBooru(module_board, faults=(Fault("html502", times=1),))
    async with ba.Client("derpibooru", base_url=fake.base_url, transport=fake.transport(),
                         retry=ba.RetryPolicy(retries=2, backoff_base=0.01)) as client:
        assert (await client.images.get(visible_id(module_board))).id > 0
    fake = FakeBooru(module_board, faults=(Fault("truncate", times=5),))
    async with ba.Client("derpibooru", base_url=fake.base_url, transport=fake.transport(),
                         retry=ba.RetryPolicy(retries=0)) as client:
        with pytest.raises((ba.TransportError, ba.DecodeError)):
            await client.images.get(visible_id(module_board))
    # The right JSON under a wrong label is parsed (tolerant); an HTML page is not JSON.
    fake = FakeBooru(module_board, faults=(Fault("wrong_content_type", times=5),))
    async with ba.Client("derpibooru", base_url=fake.base_url, transport=fake.transport(),
                         retry=ba.RetryPolicy(retries=0)) as client:
        assert (await client.images.get(visible_id(module_board))).id > 0




@pytest.mark.parametrize("flavour", ["philomena", "twibooru", "legacy"])
async def test_query_expressions_render_for_each_flavour(module_board: Board, connect: Connect,
                                                         flavour: str) -> None:
    q = ba.query
    odd = next(t.name for t in module_board.tags.values() if "(" in t.name or "," in t.name)
    expression = (q.tag("safe") | q.tag(odd)) & ~q.tag("solo") & q.field("score", gte=0)
    fake = FakeBooru(module_board, flavour=flavour)
    async with connect(fake, flavour) as client:
        sort = "created_at" if flavour == "legacy" else "id"
        built = [i.id async for i in client.images.search(expression, sort=sort, limit=40)]
        typed = expression.render(flavour)
        by_hand = [i.id async for i in client.images.search(typed, sort=sort, limit=40)]
        assert built == by_hand and built
        images = [await client.images.get(i) for i in built[:5]]
    for image in images:
        assert ("safe" in image.tags or odd in image.tags) and "solo" not in image.tags


async def test_master_answers_anonymous_my_queries_with_400(module_board: Board,
                                                            connect: Connect) -> None:
    fake = FakeBooru(module_board, master=True)
    async with connect(fake, "philomena") as client:
        with pytest.raises(ba.BadQuery, match="logged in"):
            await client.images.search("my:faves").page(1)
    fake = FakeBooru(module_board)  # 1.2: a tag name that matches nothing
    async with connect(fake, "philomena") as client:
        assert (await client.images.search("my:faves").page(1)).items == ()
