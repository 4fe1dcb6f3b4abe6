"""Achieved request rate against a budget, over a real loopback socket.

The fake server (``booru_async.testing``) runs in uvicorn on 127.0.0.1 with Twibooru-style
budgets and ``X-RL*`` headers (or proxy style with ``--style proxy``); 200 concurrent tasks
fetch 300 images through ``ba.Client``. Printed: the 429s the server sent, and the achieved
rate as a ratio to the budget's rate (the baseline, measured in the same run as what the
server allowed). Target: zero 429s and a ratio of at least 0.95.

The documented Twibooru budget is 60 per minute (five minutes for 300 images); the default
here scales the window down to 3 s so a run takes about 15 s: ``--window 60`` for the real one.

Run: ``python benchmarks/bench_scheduler.py [--window S] [--limit N] [--images N] [--tasks N]``.
"""

from __future__ import annotations

import argparse
import sys
import time

import anyio

import booru_async as ba
from booru_async.testing import Board, FakeBooru, RateBudget, serve


async def run(args: argparse.Namespace) -> int:
    board = Board.generate(seed=5, images=args.images + 100, users=20, galleries=2, topics=2)
    budget = RateBudget(limit=args.limit, window=args.window, groups=("posts",),
                        algorithm="fixed" if args.style == "twibooru" else "sliding")
    fake = FakeBooru(board, flavour="twibooru", rate_limit_style=args.style,
                     rate_budgets=(budget,), reset_format="delta")
    ids = sorted(i.id for i in board.images.values()
                 if not i.hidden_from_users and i.approved)[: args.images]
    async with serve(fake) as url:
        site = ba.Site(name="bench", base_url=url, flavour="twibooru",
                       budgets={"image": (args.limit, args.window)})
        async with ba.Client(site, cache=None) as client:
            queue = iter(ids)
            got: list[int] = []

            async def worker() -> None:
                for image_id in queue:
                    got.append((await client.images.get(image_id)).id)

            started = time.perf_counter()
            async with anyio.create_task_group() as tg:
                for _ in range(args.tasks):
                    tg.start_soon(worker)
            elapsed = time.perf_counter() - started
            stats = client.stats
    times = sorted(r.time for r in fake.stats.in_group("posts") if r.status == 200)
    span = times[-1] - times[0]
    # The first window's burst is the bucket's initial fill, not throughput.
    achieved = (len(times) - args.limit) / span
    allowed = args.limit / args.window
    ratio = achieved / allowed
    print(f"{len(got)} images by {args.tasks} tasks in {elapsed:.1f} s "
          f"({args.style} style, budget {args.limit} per {args.window:g} s)")
    print(f"  429s sent by the server: {len(fake.stats.rate_limited)}; "
          f"client waits: {stats.waits} ({stats.wait_time:.1f} s in all)")
    print(f"  achieved {achieved:.2f} req/s against an allowed {allowed:.2f} req/s: "
          f"ratio {ratio:.3f}   (target >= 0.95 with no 429)")
    ok = sorted(got) == ids and not fake.stats.rate_limited and ratio >= 0.95
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--window", type=float, default=3.0)
    parser.add_argument("--limit", type=int, default=60)
    parser.add_argument("--images", type=int, default=300)
    parser.add_argument("--tasks", type=int, default=200)
    parser.add_argument("--style", choices=("twibooru", "proxy"), default="twibooru")
    return anyio.run(run, parser.parse_args())


if __name__ == "__main__":
    sys.exit(main())
