"""Memory of a long crawl: flat, not growing with the number of images walked.

A loopback HTTP server (asyncio streams in a thread, answering the Philomena search route
with keyset pages it renders on the fly, so the server holds no board) serves N images; a
``ba.Client`` (default cache, i.e. the bounded in-memory one) crawls them all with
``images.crawl("")``, 50 per page, counting ids and keeping nothing. ``tracemalloc``
measures the peak of Python allocations during the walk (the server's thread included,
which is small and the same for every N), for N = 10,000 and N = 100,000. One image in
every 5,000 is malformed, so the skip path (``pager.skipped``) is on the way too.

Target: the 100k peak within 1.5x of the 10k peak (flat memory), every good image yielded
exactly once, every malformed one in ``pager.skipped``. Exit status 1 when missed.

Run: ``python benchmarks/bench_crawl_memory.py [--small 10000] [--large 100000]``.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import threading
import time
import tracemalloc
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import anyio
import orjson

import booru_async as ba

BAD_EVERY = 5_000


def image(image_id: int) -> dict[str, Any]:
    root = f"https://cdn.invalid/img/2024/1/1/{image_id}"
    if image_id % BAD_EVERY == 0:
        return {"id": image_id, "created_at": "not a date", "tags": 5}
    return {
        "id": image_id,
        "created_at": "2024-01-01T00:00:00Z",
        "updated_at": "2024-01-01T00:00:00Z",
        "first_seen_at": "2024-01-01T00:00:00Z",
        "width": 800,
        "height": 600,
        "mime_type": "image/png",
        "format": "png",
        "size": 123456,
        "orig_size": 123456,
        "sha512_hash": f"{image_id:0128x}",
        "orig_sha512_hash": None,
        "tags": ["safe", f"artist:a{image_id % 97}", "pony", f"tag{image_id % 1000}"],
        "tag_ids": [1, 2, 3, 4 + image_id % 1000],
        "score": image_id % 300,
        "upvotes": 1,
        "downvotes": 0,
        "faves": 0,
        "comment_count": 0,
        "wilson_score": 0.5,
        "aspect_ratio": 1.33,
        "animated": False,
        "duration": 0.0,
        "name": f"{image_id}.png",
        "source_urls": [f"https://example.com/{image_id}"],
        "description": "x" * 200,
        "view_url": f"{root}/full.png",
        "representations": {
            n: f"{root}/{n}.png"
            for n in ("full", "tall", "large", "medium", "small", "thumb", "thumb_small",
                      "thumb_tiny")
        },
        "spoilered": False,
        "thumbnails_generated": True,
        "processed": True,
        "deletion_reason": None,
        "duplicate_of": None,
        "hidden_from_users": False,
    }


class KeysetServer:
    """Images ``total..1``; honours ``q=id.lt:N`` and ``per_page``."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.port = 0

    def __enter__(self) -> str:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(10)
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *_: object) -> None:
        self.server.close()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()

    async def _start(self) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                target = head.split(b" ", 2)[1].decode()
                query = dict(parse_qsl(urlsplit(target).query))
                below = re.search(r"id\.lt:(\d+)", query.get("q", ""))
                top = min(self.total, int(below[1]) - 1) if below else self.total
                size = int(query.get("per_page", 25))
                ids = range(top, max(top - size, 0), -1)
                body = orjson.dumps({"images": [image(i) for i in ids], "total": top,
                                     "interactions": []})
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             b"Content-Length: %d\r\n\r\n" % len(body) + body)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()


async def crawl(total: int) -> tuple[int, int, int, int, float]:
    """(peak bytes, images yielded, distinct ids, skipped, seconds) for a crawl of ``total``."""
    with KeysetServer(total) as url:
        site = ba.Site(name="bench", base_url=url, flavour="philomena")
        async with ba.Client(site, key="bench-key") as client:
            pager = client.images.crawl("", per_page=50)
            count = 0
            # A bitmap of seen ids: flat too (one bit per id), unlike a set of ints.
            seen = bytearray(total + 1)
            distinct = 0
            tracemalloc.start()
            started = time.perf_counter()
            async for item in pager:
                count += 1
                if not seen[item.id]:
                    seen[item.id] = 1
                    distinct += 1
            elapsed = time.perf_counter() - started
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            skipped = len(pager.skipped)
    return peak, count, distinct, skipped, elapsed


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=100_000)
    args = parser.parse_args()
    results = {}
    ok = True
    for total in (args.small, args.large):
        peak, count, distinct, skipped, elapsed = anyio.run(crawl, total)
        bad = total // BAD_EVERY
        results[total] = peak
        exact = count == distinct == total - bad and skipped == bad
        ok &= exact
        print(f"{total:>7} images: peak {peak / 1e6:6.2f} MB, {count} yielded "
              f"({distinct} distinct), {skipped} skipped, {elapsed:5.1f} s "
              f"({count / elapsed:,.0f} images/s under tracemalloc)"
              f"{'' if exact else '  <- NOT exactly once'}")
    ratio = results[args.large] / results[args.small]
    flat = ratio <= 1.5
    print(f"peak({args.large}) / peak({args.small}) = {ratio:.2f} "
          f"(target <= 1.5: {'met' if flat else 'MISSED'})")
    return 0 if ok and flat else 1


if __name__ == "__main__":
    sys.exit(main())
