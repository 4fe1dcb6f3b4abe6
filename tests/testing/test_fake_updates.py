"""Edits on the fake and what an archivist sees of them: ``sf=updated_at`` with the id
tie-break (``PhilomenaWeb.ImageSorter.parse_sf``: ``[%{sf => sd}, %{"id" => sd}]`` for every
allowed field but ``id``), ``updated_at.gte:`` ranges, tag edits and deletions."""

from __future__ import annotations

from datetime import datetime

import httpx
import pytest

from booru_async.testing import Board, FakeBooru, FakeClock

SEARCH = {
    "philomena": ("/api/v1/json/search/images", "images", "per_page", "Z"),
    "twibooru": ("/api/v3/search/posts", "posts", "per_page", "Z"),
    "legacy": ("/search.json", "search", "perpage", "Z"),
}


def fake_for(board: Board, flavour: str, clock: FakeClock) -> FakeBooru:
    board.default_filter_id = board.everything_filter_id
    return FakeBooru(board, flavour=flavour, clock=clock)


async def search(fake: FakeBooru, flavour: str, q: str, **params: str) -> list[dict[str, object]]:
    path, member, per_page, _ = SEARCH[flavour]
    async with httpx.AsyncClient(transport=fake.transport(), base_url=fake.base_url) as http:
        out: list[dict[str, object]] = []
        page = 1
        while True:
            r = await http.get(path, params={"q": q, per_page: "50", "page": str(page),
                                             "filter_id": str(fake.board.everything_filter_id),
                                             **params})
            assert r.status_code == 200, r.text
            items = r.json()[member]
            if not items:
                return out
            out.extend(items)
            page += 1


def stamp(value: object) -> datetime:
    assert isinstance(value, str)
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@pytest.mark.asyncio
@pytest.mark.parametrize("flavour", ["philomena", "twibooru", "legacy"])
@pytest.mark.parametrize("sd", ["asc", "desc"])
async def test_updated_at_sort_breaks_ties_by_id(
    board: Board, clock: FakeClock, flavour: str, sd: str
) -> None:
    fake = fake_for(board, flavour, clock)
    # Ten edits in the same instant: equal updated_at, so only the id orders them.
    visible = sorted(i.id for i in board.images.values() if not i.hidden_from_users)[:10]
    for image_id in visible:
        fake.edit_tags(image_id, add=("archived test",))
    got = await search(fake, flavour, "archived test", sf="updated_at", sd=sd)
    ids = [int(str(i["id"])) for i in got]
    assert ids == sorted(visible, reverse=sd == "desc")
    every = await search(fake, flavour, "*", sf="updated_at", sd=sd)
    keys = [(stamp(i["updated_at"]), int(str(i["id"]))) for i in every]
    assert keys == sorted(keys, reverse=sd == "desc")


@pytest.mark.asyncio
@pytest.mark.parametrize("flavour", ["philomena", "twibooru", "legacy"])
async def test_updated_at_gte_finds_exactly_the_edited_images(
    board: Board, clock: FakeClock, flavour: str
) -> None:
    fake = fake_for(board, flavour, clock)
    newest = max(i.updated_at for i in board.images.values())
    clock.set(newest.timestamp() + 3600.25)
    since = fake.now().replace(microsecond=0)
    edited = sorted(i.id for i in board.images.values() if not i.hidden_from_users)[5:15]
    for n, image_id in enumerate(edited):
        clock.advance(1.5)
        image = fake.edit_tags(image_id, add=(f"edit {n}",), remove=("safe",))
        assert image.updated_at > since
        tags = {board.tags[t].name for t in image.tag_ids}
        assert f"edit {n}" in tags and "safe" not in tags
    q = f"updated_at.gte:{since.strftime('%Y-%m-%dT%H:%M:%S')}Z"
    got = await search(fake, flavour, q, sf="updated_at", sd="asc")
    assert [int(str(i["id"])) for i in got] == edited
    stamps = [stamp(i["updated_at"]) for i in got]
    assert stamps == sorted(stamps)
    # Philomena keeps seconds, Twibooru and the Rails app milliseconds.
    fractions = {s.microsecond for s in stamps}
    assert fractions == ({0} if flavour == "philomena" else {250_000, 750_000})


@pytest.mark.asyncio
@pytest.mark.parametrize("flavour", ["philomena", "twibooru", "legacy"])
async def test_a_deleted_image_leaves_search(board: Board, clock: FakeClock, flavour: str) -> None:
    fake = fake_for(board, flavour, clock)
    target = min(i.id for i in board.images.values() if not i.hidden_from_users)
    before = {int(str(i["id"])) for i in await search(fake, flavour, f"id.lte:{target + 5}")}
    assert target in before
    fake.hide_image(target, reason="Rule #3")
    after = {int(str(i["id"])) for i in await search(fake, flavour, f"id.lte:{target + 5}")}
    assert after == before - {target}
    assert board.images[target].updated_at == fake.now().replace(microsecond=0)
    assert board.images[target].deletion_reason == "Rule #3"
