"""A user's script, written against the public API only, that must pass ``mypy --strict``.

``tests/test_typed.py`` type-checks it (and runs it against the ``demo`` site): every name it
uses is public, and the types a user leans on hold: a view's options, the sort and priority
literals, the model's optional fields narrowed where the model says they may be None, the
pager's item type, the download's path.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

import booru_async as ba
from booru_async import query as q
from booru_async.testing import Board, FakeBooru


def describe(image: ba.Image) -> str:
    # representations is None only on hidden stubs; mypy makes the check explicit.
    if image.hidden or image.representations is None:
        return f"{image.id} (hidden: {image.deletion_reason})"
    full: str = image.representations.full
    created: datetime | None = image.created_at
    return f"{image.id} {full} {created:%Y-%m-%d}" if created else f"{image.id} {full}"


async def main(dest: Path) -> None:
    priority: ba.Priority = "interactive"
    by: ba.ImageSort = "wilson_score"
    async with ba.Client("demo", priority="bulk") as client:
        bot: ba.Client = client.with_options(priority=priority, max_wait=2.0, filter_id=None)
        pager: ba.Pager[ba.Image] = bot.images.search(
            q.tag("safe") & q.field("score", gte=1), sort=by, order="desc", limit=3
        )
        images: list[ba.Image] = [image async for image in pager]
        print([describe(image) for image in images])
        crawl: ba.CrawlPager = client.images.crawl("safe", limit=2)
        async for image in crawl:
            path: Path = await client.images.download(image, dest)
            print(path.name, crawl.cursor)
        tag: ba.Tag = await bot.tags.get("fluttershy")
        stats: ba.Stats = client.stats
        print(tag.slug, stats.requests)
        try:
            await client.images.get(99_999_999)
        except ba.NotFound as exc:
            status: int = exc.status_code
            print(status)
    fake = FakeBooru(Board.generate(seed=2, images=50), flavour="twibooru")
    async with ba.Client("twibooru", base_url=fake.base_url, transport=fake.transport()) as tw:
        page: ba.Page[ba.Image] = await tw.images.search("safe", per_page=5).page(1)
        print(page.total, len(page.items))


if __name__ == "__main__":
    asyncio.run(main(Path("downloads")))
