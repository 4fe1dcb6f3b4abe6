"""An archivist keeps a mirror fresh: one crawl, then ``images.changes(since=...)``.

Run it: ``python docs/examples/archivist_changes.py``. It starts a fake Philomena site on
a loopback port (``booru_async.testing``), mirrors every image into a dict, lets the
"site" retag 10 images and delete one, then brings the mirror up to date:

1. ``changes(since=crawl_started)`` returns exactly the 10 retagged images, in
   ``(updated_at, id)`` order, in one or two requests instead of a new crawl;
2. the deleted image is not among them: search never lists hidden images, so a deletion
   is invisible to ``changes``. It is noticed cheaply by comparing counts: the site's
   ``total`` for an id range against the mirror's, splitting only the ranges that shrank,
   then asking for the last 50 ids by name (``id:1 || id:2 || ...``); ``images.get(id)``
   says why each is gone (``hidden``, ``deletion_reason``, ``duplicate_of``). See
   docs/archiving.md.

``since`` is taken from the server's clock, to the second, before the crawl starts: an
image edited during the crawl is then seen again by ``changes`` (harmless), never missed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import anyio

import booru_async as ba
from booru_async.testing import Board, FakeBooru, serve


async def listed_between(client: ba.Client, low: int, high: int) -> int:
    """How many images search lists with ``low <= id <= high`` (one request: its total)."""
    page = await client.images.search(f"id.gte:{low}, id.lte:{high}", per_page=1).page(1)
    return page.total or 0


async def gone(client: ba.Client, ids: list[int]) -> dict[int, ba.Image]:
    """Which of the mirrored ``ids`` search no longer lists, with the stub
    ``images.get`` returns for each.

    Cheap: one request compares the site's count of the whole id range with the mirror's;
    only a range whose count dropped is split in two and asked again, down to batches of
    50 ids, which one search each settles (``id:1 || id:2 || ...``). One deletion among N
    mirrored images costs about ``2 * log2(N / 50)`` requests, not a crawl.
    """
    missing: dict[int, ba.Image] = {}

    async def settle(lo: int, hi: int) -> None:  # ids[lo:hi]
        if hi - lo <= 50:
            batch = ids[lo:hi]
            query = " || ".join(f"id:{i}" for i in batch)
            found = {i.id async for i in client.images.search(query, per_page=50)}
            for image_id in batch:
                if image_id not in found:
                    missing[image_id] = await client.images.get(image_id)
            return
        if await listed_between(client, ids[lo], ids[hi - 1]) >= hi - lo:
            return  # nothing vanished here
        middle = (lo + hi) // 2
        await settle(lo, middle)
        await settle(middle, hi)

    if ids:
        await settle(0, len(ids))
    return missing


async def main(images: int = 400, quiet: bool = False) -> dict[str, Any]:
    board = Board.generate(seed=4, images=images, users=20, galleries=2, topics=2)
    board.default_filter_id = board.everything_filter_id  # an archivist filters nothing
    fake = FakeBooru(board)
    async with serve(fake) as base_url, ba.Client("derpibooru", base_url=base_url) as client:
        since = datetime.fromtimestamp(int(fake.clock()), fake.now().tzinfo)
        mirror = {image.id: image async for image in client.images.crawl("")}
        crawl_requests = client.stats.requests

        await anyio.sleep(1.1)  # the site moves on: users retag, a moderator deletes
        ids = sorted(mirror)
        retagged = ids[100:110]
        for image_id in retagged:
            fake.edit_tags(image_id, add=("archived by example",))
        deleted = ids[200]
        fake.hide_image(deleted, reason="Rule #1")

        before = client.stats.requests
        changed = [image async for image in client.images.changes(since=since)]
        for image in changed:
            mirror[image.id] = image
        changes_requests = client.stats.requests - before

        before = client.stats.requests
        missing = await gone(client, ids)
        check_requests = client.stats.requests - before
        for image_id in missing:
            del mirror[image_id]

    report: dict[str, Any] = {
        "mirrored": len(ids),
        "crawl_requests": crawl_requests,
        "changed": [i.id for i in changed],
        "retagged": retagged,
        "changes_requests": changes_requests,
        "deleted": {i: (m.hidden, m.deletion_reason) for i, m in missing.items()},
        "deletion_check_requests": check_requests,
    }
    if not quiet:
        print(
            f"crawl: {len(ids)} images in {crawl_requests} requests; changes since "
            f"{since.isoformat()}: {len(changed)} images ({report['changed']}) in "
            f"{changes_requests} request(s); deletion check: {report['deleted']} in "
            f"{check_requests} requests"
        )
    return report


if __name__ == "__main__":
    anyio.run(main)
