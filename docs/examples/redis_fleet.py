"""A crawl split across several processes that share one rate budget through Redis.

    python docs/examples/redis_fleet.py --redis redis://localhost:6379/0 --processes 4 'safe' out

The parent asks the site for the newest matching id, splits ``0..newest`` into one id range
per worker and starts each worker as a process of its own. A worker crawls its range (a
keyset walk over ``<query>, id.gte:A, id.lt:B``) and writes one JSON line per image to
``out/<n>.jsonl``. Every process, the parent included, schedules its requests through a
``ba.RedisScheduler`` with the same prefix: four processes together stay within the one
budget the site gives your IP, where four local schedulers would each spend all of it.
``tests/test_examples.py`` runs it against the fake server (Derpibooru's budgets enforced)
and a real ``redis-server``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
from pathlib import Path

import anyio

import booru_async as ba
from booru_async import query as q


def client(args: argparse.Namespace, scheduler: ba.RedisScheduler) -> ba.Client:
    return ba.Client(
        args.site, base_url=args.base_url, scheduler=scheduler, cache=None, priority="bulk"
    )


async def newest_id(args: argparse.Namespace) -> int | None:
    async with (
        ba.RedisScheduler(args.redis, prefix=args.prefix) as scheduler,
        client(args, scheduler) as c,
    ):
        page = await c.images.search(args.query, sort="id", order="desc", per_page=1).page(1)
    return page.items[0].id if page.items else None


async def work(args: argparse.Namespace) -> int:
    """Crawl the worker's id range; returns how many images it wrote."""
    expr = q.raw(args.query) & q.field("id", gte=args.low, lt=args.high)
    out = anyio.Path(args.out) / f"{args.worker}.jsonl"
    count = 0
    async with (
        ba.RedisScheduler(args.redis, prefix=args.prefix, processes=args.processes) as sched,
        client(args, sched) as c,
        await out.open("w") as file,
    ):
        async for image in c.images.crawl(expr, per_page=args.per_page):
            await file.write(json.dumps({"id": image.id, "tags": list(image.tags)}) + "\n")
            count += 1
    return count


def spawn(args: argparse.Namespace, newest: int) -> int:
    """Start the workers, wait for them; returns the number of images written."""
    Path(args.out).mkdir(parents=True, exist_ok=True)
    step = newest // args.processes + 1
    common = [
        "--redis", args.redis, "--prefix", args.prefix, "--site", args.site,
        "--processes", str(args.processes), "--per-page", str(args.per_page),
    ]
    if args.base_url:
        common += ["--base-url", args.base_url]
    workers = [
        subprocess.Popen(
            [sys.executable, __file__, *common, "--worker", str(n),
             "--low", str(n * step), "--high", str((n + 1) * step), args.query, args.out],
            stdout=subprocess.PIPE, text=True,
        )
        for n in range(args.processes)
    ]
    written = 0
    for worker in workers:
        stdout, _ = worker.communicate()
        if worker.returncode != 0:
            raise SystemExit(f"a worker failed with status {worker.returncode}")
        written += int(stdout.split()[0])
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("query")
    parser.add_argument("out")
    parser.add_argument("--redis", default="redis://localhost:6379/0")
    parser.add_argument("--prefix", default="booru-fleet", help="one budget per prefix")
    parser.add_argument("--site", default="derpibooru")
    parser.add_argument("--base-url", default=None)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--per-page", type=int, default=50)
    parser.add_argument("--worker", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--low", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--high", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker is not None:
        print(asyncio.run(work(args)))
        return
    newest = asyncio.run(newest_id(args))
    if newest is None:
        print("nothing matches")
        return
    print(f"{spawn(args, newest)} images written by {args.processes} processes")


if __name__ == "__main__":
    main()
