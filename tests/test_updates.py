"""``images.changes`` (incremental sync on ``(updated_at, id)``) and ``images.stream`` (new
uploads), against the fake on every flavour that supports them. Streams run on trio's
virtual clock: the fake reads the same clock, so minutes of polling take no wall time."""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import anyio
import pytest
import trio.testing

import booru_async as ba
from booru_async._updates import format_changes_cursor, parse_changes_cursor
from booru_async.testing import Board, FakeBooru, Fault

pytestmark = pytest.mark.anyio

PROFILE = {"philomena": "derpibooru", "twibooru": "twibooru", "legacy": "twibooru-legacy"}
SYNCED = ["philomena", "twibooru"]


@pytest.fixture
def anyio_backend() -> tuple[str, dict[str, object]]:
    return "trio", {"clock": trio.testing.MockClock(autojump_threshold=0)}


@pytest.fixture(scope="module")
def module_board() -> Board:
    board = Board.generate(seed=17, images=300, users=20, galleries=2, topics=2)
    board.default_filter_id = board.everything_filter_id  # archivists see everything
    return board


@pytest.fixture
def board(module_board: Board) -> Board:
    return copy.deepcopy(module_board)


def server_clock(start: float) -> Callable[[], float]:
    """Epoch seconds that advance with the event loop's (virtual) clock."""
    start_loop = anyio.current_time()
    return lambda: start + (anyio.current_time() - start_loop)


def fake_for(board: Board, flavour: str, **behaviour: object) -> FakeBooru:
    newest = max(i.updated_at for i in board.images.values())
    fake = FakeBooru(board, flavour=flavour, clock=server_clock(newest.timestamp() + 86400),
                     **behaviour)
    fake.base_url = "https://booru.test"
    return fake


def client_for(fake: FakeBooru, flavour: str) -> ba.Client:
    return ba.Client(PROFILE[flavour], base_url=fake.base_url, transport=fake.transport(),
                     cache=None)  # type: ignore[call-arg]


def visible(board: Board) -> list[int]:
    return sorted(i.id for i in board.images.values() if not i.hidden_from_users and i.approved)


def key(image: ba.Image) -> tuple[datetime, int]:
    assert image.updated_at is not None
    return image.updated_at.replace(microsecond=0), image.id


# -- changes ----------------------------------------------------------------------------


@pytest.mark.parametrize("flavour", SYNCED)
async def test_changes_picks_up_exactly_the_edited_images(board: Board, flavour: str) -> None:
    fake = fake_for(board, flavour)
    since = fake.now()
    targets = visible(board)[10:20]
    for n, image_id in enumerate(targets):
        await anyio.sleep(0.4 if n % 3 else 1.3)  # some edits share a second
        fake.edit_tags(image_id, add=(f"retagged {n}",))
    async with client_for(fake, flavour) as client:
        got = [i async for i in client.images.changes(since=since, per_page=4)]
    assert sorted(i.id for i in got) == sorted(targets)
    assert [key(i) for i in got] == sorted(key(i) for i in got)
    assert all(f"retagged {targets.index(i.id)}" in i.tags for i in got)


@pytest.mark.parametrize("flavour", SYNCED)
async def test_changes_walks_a_mass_edit_of_one_second_by_id(board: Board, flavour: str) -> None:
    fake = fake_for(board, flavour)
    since = fake.now()
    targets = visible(board)[:23]
    for image_id in targets:  # one tag change touching 23 images in the same instant
        fake.edit_tags(image_id, add=("mass edit",))
    await anyio.sleep(2)
    later = visible(board)[40]
    fake.edit_tags(later, add=("after",))
    async with client_for(fake, flavour) as client:
        pager = client.images.changes(since=since, per_page=5)
        got = [i.id async for i in pager]
        assert got == [*targets, later]
        searches = [r for r in fake.stats.requests if r.group != "cdn"]
        # 23 in one second by 5: 1 window + 5 pages by id (the last short) + 1 window.
        assert len(searches) <= 8


@pytest.mark.parametrize("flavour", SYNCED)
async def test_changes_from_long_ago_is_every_image_in_order(board: Board, flavour: str) -> None:
    fake = fake_for(board, flavour)
    since = datetime(2015, 6, 1, tzinfo=UTC)
    expected = sorted(
        (i.updated_at.replace(microsecond=0), i.id) for i in board.images.values()
        if not i.hidden_from_users and i.approved and i.updated_at >= since
    )  # fmt: skip
    async with client_for(fake, flavour) as client:
        got = [key(i) async for i in client.images.changes(since=since, per_page=50)]
    assert got == expected


@pytest.mark.parametrize("flavour", SYNCED)
async def test_changes_resumes_from_the_cursor_exactly_once(board: Board, flavour: str) -> None:
    fake = fake_for(board, flavour)
    since = fake.now()
    targets = visible(board)[50:80]
    for n, image_id in enumerate(targets):
        if n % 4 == 0:
            await anyio.sleep(1)
        fake.edit_tags(image_id, add=("resume",))
    async with client_for(fake, flavour) as client:
        first = client.images.changes("resume", since=since, per_page=3)
        head = []
        async for image in first:
            head.append(image.id)
            if len(head) == 11:
                break
        saved = first.cursor
        assert saved is not None and parse_changes_cursor(saved)[1] == head[-1]
        rest = [i.id async for i in client.images.changes("resume", since=since, cursor=saved,
                                                          per_page=3)]
    assert head + rest == sorted(targets, key=lambda i: (board.images[i].updated_at
                                                         .replace(microsecond=0), i))


@pytest.mark.parametrize("flavour", SYNCED)
async def test_an_edit_behind_the_walk_comes_again_with_its_new_time(
    board: Board, flavour: str
) -> None:
    fake = fake_for(board, flavour)
    since = fake.now()
    targets = visible(board)[:12]
    for image_id in targets:
        await anyio.sleep(1)
        fake.edit_tags(image_id, add=("first pass",))
    async with client_for(fake, flavour) as client:
        seen: list[tuple[int, datetime]] = []
        async for image in client.images.changes(since=since, per_page=4):
            assert image.updated_at is not None
            seen.append((image.id, image.updated_at))
            if len(seen) == 2:
                await anyio.sleep(5)
                fake.edit_tags(targets[0], add=("second pass",))  # already yielded
                fake.edit_tags(targets[8], add=("second pass",))  # not reached yet
    ids = [i for i, _ in seen]
    assert sorted(set(ids)) == sorted(targets)
    assert ids.count(targets[0]) == 2 and ids.count(targets[8]) == 1
    times = [t for i, t in seen if i == targets[0]]
    assert times[1] > times[0]


async def test_changes_on_legacy_raises_before_sending(board: Board) -> None:
    fake = fake_for(board, "legacy")
    async with client_for(fake, "legacy") as client:
        with pytest.raises(ba.UnsupportedOperation):
            client.images.changes(since=datetime(2020, 1, 1, tzinfo=UTC))
    assert fake.stats.requests == []


@pytest.mark.parametrize(
    "bad", ["", "id:5", "updated_at:2020-01-01,id:5", "updated_at:2020-01-01T00:00:00Z,id:x"]
)
async def test_changes_refuses_bad_cursors_and_naive_times(board: Board, bad: str) -> None:
    fake = fake_for(board, "philomena")
    async with client_for(fake, "philomena") as client:
        with pytest.raises(ValueError, match="cursor"):
            client.images.changes(since=datetime(2020, 1, 1, tzinfo=UTC), cursor=bad)
        with pytest.raises(ValueError, match="aware"):
            client.images.changes(since=datetime(2020, 1, 1))


def test_changes_cursor_round_trip() -> None:
    when = datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
    text = format_changes_cursor(when, 42)
    assert text == "updated_at:2024-01-02T03:04:05Z,id:42"
    assert parse_changes_cursor(text) == (when.replace(microsecond=0), 42)
    other = datetime(2024, 1, 2, 4, 4, 5, tzinfo=UTC).astimezone(timezone(timedelta(hours=1)))
    assert format_changes_cursor(other, 1) == "updated_at:2024-01-02T04:04:05Z,id:1"


# -- stream -----------------------------------------------------------------------------


def upload(fake: FakeBooru, tags: tuple[str, ...] = ("safe", "new upload")) -> int:
    """A new image as an upload makes it (processed at once)."""
    board = fake.board
    template = board.images[visible(board)[0]]
    new = copy.copy(template)
    new.id = max(board.images) + 1
    new.created_at = new.updated_at = new.first_seen_at = fake.now().replace(microsecond=0)
    new.tag_ids = []
    new.faved_by, new.upvoted_by, new.downvoted_by, new.hidden_by = set(), set(), set(), set()
    board.images[new.id] = new
    fake.edit_tags(new.id, add=tags)  # creates unknown tags; invalidates the search index
    return new.id


@pytest.mark.parametrize("flavour", ["philomena", "twibooru", "legacy"])
async def test_stream_yields_new_uploads_oldest_first_until_cancelled(
    board: Board, flavour: str
) -> None:
    fake = fake_for(board, flavour)
    got: list[int] = []
    made: list[int] = []
    async with client_for(fake, flavour) as client:
        stream = client.images.stream(interval=30)

        async def uploader() -> None:
            await anyio.sleep(5)
            for n in range(7):
                made.append(upload(fake))
                if n == 3:
                    await anyio.sleep(100)  # a quiet spell: the stream keeps polling

        async def consume() -> None:
            async for image in stream:
                got.append(image.id)

        async with anyio.create_task_group() as tg:
            tg.start_soon(consume)
            tg.start_soon(uploader)
            await anyio.sleep(400)
            tg.cancel_scope.cancel()
    assert got == made and got == sorted(got)
    assert stream.last_id == made[-1]
    polls = [r for r in fake.stats.requests if r.group != "cdn"]
    # About one poll per interval (400 s / 30 s), never a busy loop.
    assert 10 <= len(polls) <= 20, len(polls)


async def test_stream_with_a_query_and_since_id(board: Board) -> None:
    fake = fake_for(board, "philomena")
    start = max(board.images)
    async with client_for(fake, "philomena") as client:
        stream = client.images.stream("wanted tag", since_id=start, interval=20)
        got: list[int] = []

        async def burst() -> None:
            await anyio.sleep(5)
            for n in range(120):  # 60 wanted: more than one page of 50
                upload(fake, ("safe", "wanted tag") if n % 2 else ("safe", "other"))

        with anyio.move_on_after(200):
            async with anyio.create_task_group() as tg:
                tg.start_soon(burst)
                async for image in stream:
                    got.append(image.id)
    wanted = sorted(i for i in board.images if i > start
                    and any(board.tags[t].name == "wanted tag" for t in board.images[i].tag_ids))
    assert got == wanted and len(got) == 60


async def test_stream_survives_transient_errors(
    board: Board, caplog: pytest.LogCaptureFixture
) -> None:
    fake = fake_for(board, "philomena")
    start = max(board.images)
    async with client_for(fake, "philomena") as client:
        # The client retries each poll 3 times; 12 failures outlast that, the stream does not.
        stream = client.images.stream(since_id=start, interval=15)
        got: list[int] = []

        async def produce() -> None:
            await anyio.sleep(20)
            made = upload(fake)
            fake.configure(faults=(Fault("html502", groups=("search",), times=12),))
            await anyio.sleep(200)
            fake.configure(faults=())
            assert made

        with caplog.at_level(logging.WARNING, logger="booru_async"), anyio.move_on_after(900):
            async with anyio.create_task_group() as tg:
                tg.start_soon(produce)
                async for image in stream:
                    got.append(image.id)
                    upload(fake)
                    if len(got) == 2:
                        tg.cancel_scope.cancel()
    assert got == [start + 1, start + 2]
    assert any("stream:" in r.getMessage() for r in caplog.records)


async def test_stream_raises_what_is_not_transient(board: Board) -> None:
    fake = fake_for(board, "philomena")
    async with client_for(fake, "philomena") as client:
        with pytest.raises(ba.BadQuery):
            async for _ in client.images.stream("(unbalanced", since_id=1, interval=10):
                pass


async def test_stream_polls_on_the_bulk_priority_so_a_bot_stays_first(board: Board) -> None:
    from booru_async.testing import DERPIBOORU_BUDGETS

    fake = fake_for(board, "philomena", rate_budgets=DERPIBOORU_BUDGETS)
    async with client_for(fake, "philomena") as client:
        stream = client.images.stream(since_id=max(board.images), interval=10)
        latencies: list[float] = []

        async def drain() -> None:
            async for _ in stream:
                pass

        async def crawl() -> None:
            bulk = client.with_options(priority="bulk")
            async for _ in bulk.images.crawl(""):
                pass

        async with anyio.create_task_group() as tg:
            tg.start_soon(drain)
            tg.start_soon(crawl)
            bot = client.with_options(priority="interactive")
            for _ in range(10):
                await anyio.sleep(7)
                began = anyio.current_time()
                await bot.images.random("safe")
                latencies.append(anyio.current_time() - began)
            tg.cancel_scope.cancel()
    assert max(latencies) < 1.0, latencies


def test_default_interval_follows_the_budget() -> None:
    from booru_async._updates import default_interval

    assert default_interval(ba.SITES["derpibooru"]) == 10.0  # 20 per 10 s: floor of 10 s
    assert default_interval(ba.SITES["twibooru"]) == 24.0  # 10 per minute: a quarter


async def test_stream_and_changes_are_never_answered_from_the_cache(board: Board) -> None:
    """A site that lets clients cache search answers for an hour: a poll repeats the same
    URL until something arrives, so a cached answer would hide every new upload."""
    from booru_async.testing import cacheable

    fake = fake_for(board, "philomena", cache_control=cacheable(3600))
    start = max(board.images)
    async with ba.Client("derpibooru", base_url=fake.base_url, transport=fake.transport(),
                         cache=ba.MemoryCache(policy=ba.CachePolicy(
                             ttl={"search": 3600}))) as client:  # type: ignore[call-arg]
        stream = client.images.stream(since_id=start, interval=10)
        got: list[int] = []

        async def later() -> None:
            await anyio.sleep(35)  # three empty polls first, each the same URL
            upload(fake)

        with anyio.move_on_after(120):
            async with anyio.create_task_group() as tg:
                tg.start_soon(later)
                async for image in stream:
                    got.append(image.id)
                    tg.cancel_scope.cancel()
        since = fake.now()
        first = [i.id async for i in client.images.changes(since=since)]
        fake.edit_tags(visible(board)[3], add=("after the first walk",))
        second = [i.id async for i in client.images.changes(since=since)]
    assert got == [start + 1]
    assert first == [] and second == [visible(board)[3]]
    assert client.stats.cache_hits == 0
