"""Crawl every image matching a query and download the files; stop at any time, run again
and it goes on where it stopped.

    python docs/examples/resumable_crawler.py --site demo 'safe, fluttershy' pics --limit 20

The crawl's cursor is saved to ``<dest>/.cursor`` after each image is downloaded, so an
interrupted run (Ctrl-C, a crash, a reboot) loses at most the file in flight, and that file
was written atomically: it is either complete or absent. ``skip_existing`` makes the image
whose download was cut short cost nothing when it comes round again. Downloads run four at
a time on the CDN's own rate budget; the searches run on ``bulk`` priority, so a bot sharing
the client is served first. ``tests/test_examples.py`` runs it against the ``demo`` site.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

import anyio

import booru_async as ba

CONCURRENT_DOWNLOADS = 4


async def crawl(site: str, query: str, dest: Path, limit: int | None) -> int:
    """Download up to ``limit`` new images; returns how many were handled this run."""
    await anyio.Path(dest).mkdir(parents=True, exist_ok=True)
    state = anyio.Path(dest / ".cursor")
    cursor = await state.read_text() if await state.exists() else None
    handled = 0
    async with ba.Client(site, priority="bulk") as client:
        pager = client.images.crawl(query, cursor=cursor, limit=limit)
        batch: list[ba.Image] = []
        async for image in pager:
            batch.append(image)
            if len(batch) == CONCURRENT_DOWNLOADS:
                handled += await download(client, batch, dest)
                await state.write_text(pager.cursor or "")  # after the whole batch is on disk
                batch = []
        handled += await download(client, batch, dest)
        if pager.cursor:
            await state.write_text(pager.cursor)
    return handled


async def download(client: ba.Client, images: list[ba.Image], dest: Path) -> int:
    # Hidden (deleted or merged) images have no file.
    visible = [image for image in images if not image.hidden]
    await asyncio.gather(
        *(client.images.download(image, dest, skip_existing=True) for image in visible)
    )
    return len(images)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("query")
    parser.add_argument("dest", type=Path)
    parser.add_argument("--site", default="demo")
    parser.add_argument("--limit", type=int, default=None, help="stop after this many images")
    args = parser.parse_args()
    count = asyncio.run(crawl(args.site, args.query, args.dest, args.limit))
    print(f"{count} images handled; run again to go on")


if __name__ == "__main__":
    main()
