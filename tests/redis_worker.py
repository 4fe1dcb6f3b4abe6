"""One crawler process of the multi-process Redis tests (run as a script).

It fetches the given image ids through ``ba.Client`` with a ``ba.RedisScheduler`` and
prints one JSON object: the ids fetched, the error type names, and its wall times.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import time

import booru_async as ba


async def run(args: argparse.Namespace) -> dict[str, object]:
    budgets = {k: tuple(v) for k, v in json.loads(args.budgets).items()}
    site = ba.Site(name="fake", base_url=args.base_url, flavour=args.flavour, budgets=budgets)
    got: list[int] = []
    errors: list[str] = []
    async with ba.RedisScheduler(
        args.redis,
        prefix=args.prefix,
        processes=args.processes,
        retry_interval=0.25,
        margin=args.margin,
    ) as scheduler:
        if args.go:
            # Imported and ready: the test starts every worker at once with a line on stdin
            # (no guessed start time, so no sleep covering the slowest import).
            print("ready", flush=True)
            await asyncio.to_thread(sys.stdin.readline)
        elif args.start_at:
            await asyncio.sleep(max(0.0, args.start_at - time.time()))
        started = time.time()
        async with ba.Client(site, cache=None, scheduler=scheduler) as client:
            ids = iter(int(i) for i in args.ids.split(",") if i)

            async def worker() -> None:
                for image_id in ids:
                    try:
                        got.append((await client.images.get(image_id)).id)
                    except ba.BooruError as exc:
                        errors.append(type(exc).__name__)
                        if isinstance(exc, ba.Blocked):
                            return

            await asyncio.gather(*(worker() for _ in range(args.tasks)))
    return {"got": got, "errors": errors, "started": started, "ended": time.time()}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--redis", required=True)
    parser.add_argument("--prefix", required=True)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--flavour", default="twibooru")
    parser.add_argument("--budgets", required=True, help="JSON: group -> [requests, seconds]")
    parser.add_argument("--ids", required=True)
    parser.add_argument("--tasks", type=int, default=8)
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--start-at", type=float, default=0.0)
    parser.add_argument("--go", action="store_true", help="print 'ready', start on a stdin line")
    parser.add_argument("--margin", type=float, default=0.02)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    print(json.dumps(asyncio.run(run(args))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
