"""Pager end detection (§2.1): short pages are not the end; empty pages and total are."""

from __future__ import annotations

import pytest

import booru_async as ba
from booru_async import Pager


def make(pages: dict[int, list[int]], total: int | None, per_page: int = 3) -> tuple[Pager[int], list[int]]:
    calls: list[int] = []

    async def fetch(number: int, size: int) -> ba.Page[int]:
        calls.append(number)
        return ba.Page(items=tuple(pages.get(number, [])), total=total, number=number,
                       per_page=size)

    return Pager(fetch, per_page=per_page), calls


@pytest.mark.anyio
async def test_short_page_is_not_the_end() -> None:
    pager, calls = make({1: [1, 2, 3], 2: [4], 3: [5, 6, 7], 4: []}, total=None)
    assert [i async for i in pager] == [1, 2, 3, 4, 5, 6, 7]
    assert calls == [1, 2, 3, 4]


@pytest.mark.anyio
async def test_total_ends_without_an_extra_request() -> None:
    pager, calls = make({1: [1, 2, 3], 2: [4, 5]}, total=5)
    assert [i async for i in pager] == [1, 2, 3, 4, 5]
    assert calls == [1, 2]


@pytest.mark.anyio
async def test_total_with_missing_rows_still_reaches_the_end() -> None:
    # total says 9, page 2 came back short (rows missing from the database): keep going.
    pager, calls = make({1: [1, 2, 3], 2: [4], 3: [7, 8, 9]}, total=9)
    assert [i async for i in pager] == [1, 2, 3, 4, 7, 8, 9]
    assert calls == [1, 2, 3]


@pytest.mark.anyio
async def test_limit_stops_early() -> None:
    pages = {n: [n * 10 + i for i in range(3)] for n in range(1, 10)}
    pager, calls = make(pages, total=None)
    pager.limit = 4
    assert [i async for i in pager] == [10, 11, 12, 20]
    assert calls == [1, 2]


@pytest.mark.anyio
async def test_page_and_pages() -> None:
    pager, _ = make({1: [1, 2, 3], 2: [4, 5, 6], 3: []}, total=None)
    second = await pager.page(2)
    assert (second.items, second.number, second.per_page) == ((4, 5, 6), 2, 3)
    assert [p.number async for p in pager.pages()] == [1, 2]
    with pytest.raises(ValueError):
        await pager.page(0)


@pytest.mark.anyio
async def test_a_server_that_ignores_page_does_not_loop() -> None:
    calls: list[int] = []

    async def fetch(number: int, size: int) -> ba.Page[int]:
        calls.append(number)
        return ba.Page(items=(1, 2, 3), total=None, number=number, per_page=size)

    assert [i async for i in Pager(fetch, per_page=3)] == [1, 2, 3]
    assert calls == [1, 2]
