"""A page with an item that does not decode (issue 12 item 3): the item is skipped, logged,
counted and kept in ``pager.skipped``; the walk goes on; ``on_decode_error="raise"`` is
strict. A crawl of 200 images with one malformed in the middle yields the other 199
exactly once."""

from __future__ import annotations

import logging
import re
from typing import Any

import anyio
import pytest
from conftest import ClientFactory, LogCapture, image_json
from hostile_server import Conn, HostileServer, Request

import booru_async as ba

pytestmark = pytest.mark.anyio

TOTAL = 200
BAD = 100


def malformed(image_id: int) -> dict[str, Any]:
    return {**image_json(image_id), "created_at": "the day before yesterday", "tags": 7}


def keyset_api(bad: set[int]):  # type: ignore[no-untyped-def]
    """A search API over images 1..TOTAL that honours ``id.lt:N``, ``sf=id``/``sd=desc``,
    ``page`` and ``per_page``; the ids in ``bad`` come back malformed."""

    async def handler(request: Request, conn: Conn) -> None:
        query = request.query
        below = re.search(r"id\.lt:(\d+)", query.get("q", ""))
        ids = [i for i in range(TOTAL, 0, -1) if below is None or i < int(below[1])]
        size = int(query.get("per_page", 25))
        page = int(query.get("page", 1))
        chosen = ids[(page - 1) * size : page * size]
        items = [malformed(i) if i in bad else image_json(i) for i in chosen]
        await conn.json({"images": items, "total": len(ids), "interactions": []})

    return handler


async def test_a_crawl_skips_the_bad_item_and_yields_the_other_199_once(
    api: HostileServer, client_for: ClientFactory, all_logs: LogCapture
) -> None:
    api.handler = keyset_api({BAD})
    async with client_for(api) as client:
        pager = client.images.crawl("", per_page=50)
        with anyio.fail_after(20):
            seen = [image.id async for image in pager]
        stats = client.stats
    assert sorted(seen) == [i for i in range(1, TOTAL + 1) if i != BAD]
    assert len(seen) == len(set(seen)) == TOTAL - 1
    skipped = pager.skipped
    assert len(skipped) == 1 and isinstance(skipped[0], ba.DecodeError)
    assert skipped[0].raw["id"] == BAD
    # Kept for the whole walk: no traceback or cause holding the page it came from.
    assert skipped[0].__traceback__ is None and skipped[0].__context__ is None
    assert stats.skipped == 1
    warnings = [r for r in all_logs.records if r.levelno == logging.WARNING
                and r.name.startswith("booru_async") and str(BAD) in r.getMessage()]
    assert warnings


async def test_a_crawl_resumed_right_before_the_bad_item_moves_past_it(
    api: HostileServer, client_for: ClientFactory
) -> None:
    api.handler = keyset_api({BAD})
    async with client_for(api) as client:
        pager = client.images.crawl("", per_page=10, cursor=f"id:{BAD + 1}")
        with anyio.fail_after(20):
            first = [image.id async for image in pager]
        assert first[0] == BAD - 1
        assert pager.cursor == "id:1"


async def test_a_whole_page_of_bad_items_does_not_end_the_crawl(
    api: HostileServer, client_for: ClientFactory
) -> None:
    bad = set(range(151, 161))  # exactly one page of ten
    api.handler = keyset_api(bad)
    async with client_for(api) as client:
        pager = client.images.crawl("", per_page=10)
        with anyio.fail_after(20):
            seen = [image.id async for image in pager]
    assert sorted(seen) == [i for i in range(1, TOTAL + 1) if i not in bad]
    assert sorted(e.raw["id"] for e in pager.skipped) == sorted(bad)


async def test_a_search_pager_skips_and_goes_on(
    api: HostileServer, client_for: ClientFactory
) -> None:
    api.handler = keyset_api({BAD, BAD + 1})
    async with client_for(api) as client:
        pager = client.images.search("safe", per_page=50)
        with anyio.fail_after(20):
            seen = [image.id async for image in pager]
        assert client.stats.skipped == 2
    assert sorted(seen) == [i for i in range(1, TOTAL + 1) if i not in (BAD, BAD + 1)]
    assert [e.raw["id"] for e in pager.skipped] == [BAD + 1, BAD]


@pytest.mark.parametrize("method", ["search", "crawl"])
async def test_on_decode_error_raise_restores_strict(
    api: HostileServer, client_for: ClientFactory, method: str
) -> None:
    api.handler = keyset_api({BAD})
    async with client_for(api) as client:
        lister = getattr(client.images, method)
        pager = lister("", on_decode_error="raise")
        with anyio.fail_after(20), pytest.raises(ba.DecodeError):
            async for _ in pager:
                pass
