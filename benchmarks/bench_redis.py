"""Several processes sharing one rate budget through ``ba.RedisScheduler``.

Everything is real: a ``redis-server`` on a free loopback port, the fake server
(``booru_async.testing``) in uvicorn on 127.0.0.1, and crawler processes started with
``subprocess``, each fetching its share of the image ids through ``ba.Client`` with 8 tasks.

Modes (``--modes``, default all):

- ``fleet``: 1, 2, 4 and 8 processes against a Twibooru-style server that announces its
  window (``X-RL`` 40 per 10 s by default, ``--limit``/``--window``; fixed windows; resets as
  ``2022-02-18 22:43:57 UTC``) while the profile documents 60 per minute.
  Targets: 0 x 429, utilisation >= 0.90 (the requests the server accepted in each window
  but the first, which the run enters at a random point, and the last, where the items ran
  out, over what those windows allowed), every item fetched.
- ``kill``: 4 processes on a silent server (reference proxy style: 30 per 5 s, sliding) with
  that budget declared in a ``ba.Site``; Redis is SIGKILLed a third of the way in and
  restarted (empty) 4 s later. Targets: every item fetched, no 5-second span above the
  budget plus one request per process, a WARNING logged by every process.
- ``spent``: one process spends a 10-per-4-s window, then a new process starts into it.
  Target: the new process's first request is not sent before the window ends.

Run: ``python benchmarks/bench_redis.py [--modes fleet,kill,spent] [--json FILE]``
(needs ``redis-server`` on PATH: ``apt-get install -y redis-server``). Exit status 1 when a
target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import logging
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from redis_server import RedisServer, redis_server_path  # noqa: E402

import booru_async as ba  # noqa: E402
from booru_async.testing import Board, FakeBooru, RateBudget, serve  # noqa: E402

TASKS = 8


# -- the crawler process ---------------------------------------------------------------------


async def crawl(args: argparse.Namespace) -> dict[str, Any]:
    budgets = {k: tuple(v) for k, v in json.loads(args.budgets).items()}
    site = ba.Site(name="bench", base_url=args.base_url, flavour="twibooru", budgets=budgets)
    got: list[int] = []
    errors: list[str] = []
    async with ba.RedisScheduler(args.redis, prefix=args.prefix, retry_interval=0.25) as sched:
        await asyncio.sleep(max(0.0, args.start_at - time.time()))
        async with ba.Client(site, cache=None, scheduler=sched) as client:
            ids = iter(int(i) for i in args.ids.split(",") if i)

            async def worker() -> None:
                for image_id in ids:
                    for _ in range(20):
                        try:
                            got.append((await client.images.get(image_id)).id)
                            break
                        except ba.BooruError as exc:  # counted; the item is tried again
                            errors.append(type(exc).__name__)

            await asyncio.gather(*(worker() for _ in range(TASKS)))
    return {"got": got, "errors": errors}


def worker_main(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    print(json.dumps(asyncio.run(crawl(args))))
    return 0


# -- the driver --------------------------------------------------------------------------------


def spawn(redis: str, prefix: str, base_url: str, ids: list[int], budgets: dict[str, Any],
          start_at: float) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, __file__, "--worker", "--redis", redis, "--prefix", prefix,
         "--base-url", base_url, "--budgets", json.dumps(budgets),
         "--ids", ",".join(map(str, ids)), "--start-at", str(start_at)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def collect(proc: subprocess.Popen[str]) -> tuple[dict[str, Any], str]:
    out, err = proc.communicate(timeout=600)
    if proc.returncode != 0:
        raise RuntimeError(f"worker failed:\n{err}")
    return json.loads(out.strip().splitlines()[-1]), err


def fake_server(budget: RateBudget, style: str, images: int) -> tuple[FakeBooru, list[int]]:
    board = Board.generate(seed=5, images=images + 50, users=20, galleries=2, topics=2)
    fake = FakeBooru(board, flavour="twibooru", rate_limit_style=style, rate_budgets=(budget,),
                     reset_format="ruby")  # Twibooru's own: `2022-02-18 22:43:57 UTC`
    ids = sorted(i.id for i in board.images.values() if not i.hidden_from_users and i.approved)
    return fake, ids[:images]


async def run_fleet(redis: RedisServer, fake: FakeBooru, ids: list[int], processes: int,
                    budgets: dict[str, Any], prefix: str,
                    during: Callable[[float], Awaitable[None]] | None = None,
                    ) -> tuple[list[int], list[str], list[str], float]:
    async with serve(fake) as url:
        start_at = time.time() + 1.5 + 0.25 * processes  # every process imported and ready
        procs = [spawn(redis.url, prefix, url, ids[i::processes], budgets, start_at)
                 for i in range(processes)]
        if during is not None:
            await during(start_at)
        results = [await asyncio.to_thread(collect, p) for p in procs]
    got = sorted(i for r, _ in results for i in r["got"])
    errors = [e for r, _ in results for e in r["errors"]]
    stderr = [err for _, err in results]
    return got, errors, stderr, start_at


def per_window(fake: FakeBooru, window: float) -> list[int]:
    """200s per server window (the fake's fixed windows are aligned to multiples of it)."""
    first = min(r.time for r in fake.stats.requests) // window
    counts = collections.Counter(int(r.time // window - first)
                                 for r in fake.stats.requests if r.status == 200)
    return [counts[k] for k in range(max(counts) + 1)]


def utilisation(counts: list[int], limit: int) -> float:
    """Achieved over allowed in the steady state: the requests the server accepted in every
    window but the first (the run starts at a random point of it) and the last (where the
    items ran out), over what those windows allowed."""
    inner = counts[1:-1]
    return sum(inner) / (limit * len(inner)) if inner else 1.0


async def mode_fleet(redis: RedisServer, args: argparse.Namespace) -> list[dict[str, Any]]:
    limit, window, images = args.limit, args.window, args.images
    rows = []
    for processes in (1, 2, 4, 8):
        redis.flushall()
        fake, ids = fake_server(RateBudget(limit, window, groups=("posts",), algorithm="fixed"),
                                "twibooru", images)
        # The profile's prior is Twibooru's documented 60 per minute; the server's
        # announcement must win.
        got, errors, _, _ = await run_fleet(redis, fake, ids, processes, {"image": [60, 60.0]},
                                            f"fleet{processes}")
        counts = per_window(fake, window)
        ratio = utilisation(counts, limit)
        times = sorted(r.time for r in fake.stats.requests)
        span = times[-1] - times[0]
        row = {"mode": "fleet", "processes": processes, "budget": f"{limit}/{window:g}s",
               "items": len(got),
               "expected": len(ids), "seconds": round(span, 2),
               "429s": len(fake.stats.rate_limited), "errors": len(errors),
               "utilisation": round(ratio, 3),
               "per_window": counts}
        row["ok"] = got == sorted(ids) and row["429s"] == 0 and ratio >= 0.90
        rows.append(row)
        print(row, flush=True)
    return rows


async def mode_kill(redis: RedisServer, args: argparse.Namespace) -> list[dict[str, Any]]:
    limit, window, processes, images = 30, 5.0, 4, 160
    redis.flushall()
    fake, ids = fake_server(RateBudget(limit, window, groups=("*",)), "proxy", images)
    events: dict[str, float] = {}

    async def chaos(start_at: float) -> None:
        await asyncio.sleep(max(0.0, start_at - time.time()) + 8.0)
        events["killed"] = time.time()
        redis.kill()
        await asyncio.sleep(4.0)
        redis.start()
        events["restarted"] = time.time()

    got, errors, stderr, _ = await run_fleet(redis, fake, ids, processes,
                                             {"site": [limit, window]}, "kill", chaos)
    worst = fake.max_requests_in_window(None, window)
    times = sorted(r.time for r in fake.stats.requests)
    during = sum(1 for t in times if events["killed"] <= t < events["restarted"])
    warned = sum(1 for err in stderr if "unreachable" in err)
    if warned < processes:
        print("stderr of the first worker:", stderr[0][-2000:], flush=True)
    row = {"mode": "kill", "processes": processes, "items": len(got), "expected": len(ids),
           "429s": len(fake.stats.rate_limited), "errors": len(errors),
           "max_in_5s": worst, "allowed_in_5s": limit + processes,
           "processes_warned": warned, "requests_while_down": during,
           "run_s": round(times[-1] - times[0], 1),
           "killed_at_s": round(events["killed"] - times[0], 1),
           "redis_down_s": round(events["restarted"] - events["killed"], 1)}
    row["ok"] = got == sorted(ids) and worst <= limit + processes and warned == processes
    print(row, flush=True)
    return [row]


async def mode_spent(redis: RedisServer, args: argparse.Namespace) -> list[dict[str, Any]]:
    del args
    limit, window = 10, 4.0
    redis.flushall()
    fake, ids = fake_server(RateBudget(limit, window, groups=("*",)), "proxy", 20)
    budgets = {"site": [limit, window]}
    async with serve(fake) as url:
        first = spawn(redis.url, "spent", url, ids[:limit], budgets, 0.0)
        await asyncio.to_thread(collect, first)
        window_start = min(r.time for r in fake.stats.requests)
        late = spawn(redis.url, "spent", url, ids[limit:limit + 5], budgets, 0.0)
        result, _ = await asyncio.to_thread(collect, late)
    second = sorted(r.time for r in fake.stats.requests)[limit:]
    row = {"mode": "spent", "processes": 2, "items": limit + len(result["got"]),
           "expected": limit + 5, "429s": len(fake.stats.rate_limited),
           "first_request_of_new_process_after_window_s": round(second[0] - window_start, 2),
           "window_s": window}
    row["ok"] = second[0] >= window_start + window and row["items"] == row["expected"]
    print(row, flush=True)
    return [row]


MODES: dict[str, Callable[[RedisServer, argparse.Namespace], Awaitable[list[dict[str, Any]]]]] = {
    "fleet": mode_fleet,
    "kill": mode_kill,
    "spent": mode_spent,
}


async def drive(args: argparse.Namespace) -> int:
    if redis_server_path() is None:
        print("bench_redis: redis-server is not on PATH (apt-get install -y redis-server)")
        return 1
    rows: list[dict[str, Any]] = []
    with RedisServer() as redis:
        for name in args.modes.split(","):
            rows.extend(await MODES[name](redis, args))
    print_table(rows)
    if args.json:
        await asyncio.to_thread(Path(args.json).write_text, json.dumps(rows, indent=2) + "\n")
    return 0 if all(r["ok"] for r in rows) else 1


def print_table(rows: list[dict[str, Any]]) -> None:
    print("\n| mode | processes | items | 429s | figure | target | met |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        if r["mode"] == "fleet":
            figure = f"utilisation {r['utilisation']:.3f} ({r['budget']}, {r['seconds']} s)"
            target = ">= 0.90, 0 x 429"
        elif r["mode"] == "kill":
            figure = f"max {r['max_in_5s']} in any 5 s (Redis down {r['redis_down_s']} s)"
            target = f"<= {r['allowed_in_5s']}, warned {r['processes_warned']}/{r['processes']}"
        else:
            figure = f"first request {r['first_request_of_new_process_after_window_s']} s in"
            target = f">= {r['window_s']} s (window end)"
        print(f"| {r['mode']} | {r['processes']} | {r['items']}/{r['expected']} | {r['429s']} "
              f"| {figure} | {target} | {'yes' if r['ok'] else 'NO'} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--images", type=int, default=160, help="items in the fleet mode")
    parser.add_argument("--limit", type=int, default=40, help="the server's X-RL (fleet)")
    parser.add_argument("--window", type=float, default=10.0, help="its window (fleet)")
    parser.add_argument("--json", default="")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    for name in ("--redis", "--prefix", "--base-url", "--budgets", "--ids"):
        parser.add_argument(name, help=argparse.SUPPRESS)
    parser.add_argument("--start-at", type=float, default=0.0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker_main(args)
    return asyncio.run(drive(args))


if __name__ == "__main__":
    sys.exit(main())
