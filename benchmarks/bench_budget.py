"""Spending a rate budget: ``ba.Client`` against a polite reference client and raw httpx.

The task is the first N images of a query, 50 per page, fetched from the fake server
(``booru_async.testing``) over a real loopback socket: uvicorn in a process of its own (so
the server's CPU is not the client's GIL), which reports what it received and refused. Each
client runs against a fresh server state, one after the other, in the same run. Modes (a
registry, so
other benchmarks can add theirs, e.g. several processes sharing one Redis budget):

- ``headers``: Twibooru style, 20 searches per 2 s in fixed windows announced in ``X-RL``,
  ``X-RL-Remaining``, ``X-RL-Reset`` (Ruby ``Time#to_s``); the client uses the built-in
  ``twibooru`` profile, which documents 10 searches per minute. 3,000 images.
- ``stricter``: the server allows 10 per 2 s (announced) while the declared ``ba.Site`` says
  40 per 2 s. 1,500 images.
- ``silent``: the reference proxy's style: 20 per 2 s in a sliding window, no ``X-RL``
  headers, 429 with ``Retry-After``; the ``ba.Site`` declares that budget. 3,000 images.

Clients: ``reference`` (sequential; sleeps until ``X-RL-Reset`` when ``X-RL-Remaining`` is 0,
and on ``Retry-After`` after a 429: the sixty lines a careful user writes), ``raw-httpx``
(sequential, no rate handling, a 429 retried after 0.1 s), ``ba.Client`` (the pager,
sequential) and ``ba.Client x100`` (100 tasks fetching pages concurrently).

Printed and written as JSON: items, wall time, 429s (and those sent after the client's first
answer), utilisation (requests the server accepted over what its rule allowed during the
run), and the ratio of wall time to the reference's (``silent``: to the ideal the server's
rule allows). The exit status is 1 when a target of issue 10 is missed.

Run: ``python benchmarks/bench_budget.py [--modes headers,stricter,silent] [--json PATH]``.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import math
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import anyio
import httpx
from anyio.streams.buffered import BufferedByteReceiveStream

import booru_async as ba
from booru_async.testing import Board, FakeBooru, RateBudget, serve_in_thread

PER_PAGE = 50
QUERY = "*"


# -- what a run measures --------------------------------------------------------------------


@dataclass
class Row:
    """One client's run in one mode."""

    client: str
    items: int
    complete: bool
    wall: float
    requests: int
    refused: int
    refused_after_first_answer: int
    utilisation: float
    median_latency: float  # seconds, one request over loopback, as the client saw it
    service: float  # seconds: the server's median gap between requests it handled back to back
    ratio: float | None = None  # wall time over the reference's (or the ideal's)
    #: (seconds since the first request, status) of every request the server saw, and the
    #: server-clock time of that first request (fixed windows are aligned to it), for
    #: ``benchmarks/plot_budget.py`` (the budget-use figure in docs/rate-limits.md).
    timeline: list[tuple[float, int]] = field(default_factory=list)
    timeline_start: float = 0.0


@dataclass
class Target:
    """A target of issue 10 ("Must show"), with the measured value."""

    name: str
    value: float
    limit: float
    met: bool


@dataclass
class ModeResult:
    name: str
    description: str
    server_rule: str
    rows: list[Row] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Mode:
    name: str
    description: str
    run: Callable[[argparse.Namespace], Awaitable[ModeResult]]


#: The registry: ``--modes`` picks from it; another benchmark may add to it (``register``).
MODES: dict[str, Mode] = {}


def register(name: str, description: str) -> Callable[
    [Callable[[argparse.Namespace], Awaitable[ModeResult]]],
    Callable[[argparse.Namespace], Awaitable[ModeResult]],
]:
    def wrap(
        run: Callable[[argparse.Namespace], Awaitable[ModeResult]],
    ) -> Callable[[argparse.Namespace], Awaitable[ModeResult]]:
        MODES[name] = Mode(name, description, run)
        return run

    return wrap


# -- the server, in a process of its own ----------------------------------------------------


@dataclass(frozen=True)
class ServerConfig:
    flavour: str
    style: str
    budget: RateBudget
    images: int

    def to_json(self) -> str:
        b = self.budget
        return json.dumps({"flavour": self.flavour, "style": self.style, "images": self.images,
                           "budget": [b.limit, b.window, list(b.groups), b.algorithm]})

    @classmethod
    def from_json(cls, text: str) -> ServerConfig:
        data = json.loads(text)
        limit, window, groups, algorithm = data["budget"]
        return cls(data["flavour"], data["style"],
                   RateBudget(limit, window, tuple(groups), algorithm), data["images"])


def board_for(images: int) -> Board:
    # About three in four generated images are visible to an anonymous "*" search.
    return Board.generate(seed=10, images=images * 4 // 3 + 200, users=20, galleries=2,
                          topics=2)


def child(config_json: str) -> int:
    """The server process: serve, then answer ``reset`` / ``stats`` / ``quit`` on stdin."""
    config = ServerConfig.from_json(config_json)
    fake = FakeBooru(board_for(config.images), flavour=config.flavour,
                     rate_limit_style=config.style, rate_budgets=(config.budget,),
                     reset_format="ruby")
    anyio.run(warm_up, fake)
    with serve_in_thread(fake) as url:
        print(url, flush=True)
        for line in sys.stdin:
            command = line.strip()
            if command == "reset":
                fake.reset_state()
                print("ok", flush=True)
            elif command == "stats":
                records = [(r.time, r.status, r.group) for r in fake.stats.requests]
                print(json.dumps(records), flush=True)
            else:
                break
    return 0


async def warm_up(fake: FakeBooru) -> None:
    """The first search builds every image's search document (about a second for 4,000
    images); do it before any client is timed, then forget the request."""
    path = "/api/v3/search/posts" if fake.behaviour.flavour == "twibooru" else (
        "/api/v1/json/search/images")
    async with httpx.AsyncClient(transport=fake.transport(), base_url="http://warm.up") as http:
        await http.get(path, params={"q": QUERY, "per_page": PER_PAGE})
    fake.reset_state()


Records = list[tuple[float, int, str]]


class ServerProcess:
    """``async with ServerProcess(config) as server:`` runs :func:`child` in a process."""

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.url = ""

    async def __aenter__(self) -> ServerProcess:
        self._process = await anyio.open_process(
            [sys.executable, __file__, "--child", self.config.to_json()],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        )
        assert self._process.stdout is not None
        assert self._process.stdin is not None
        self._out = BufferedByteReceiveStream(self._process.stdout)
        self._in = self._process.stdin
        self.url = (await self._line()).strip()
        return self

    async def _line(self) -> str:
        with anyio.fail_after(120):
            return (await self._out.receive_until(b"\n", 64 * 1024 * 1024)).decode()

    async def _ask(self, command: str) -> str:
        await self._in.send(command.encode() + b"\n")
        return await self._line()

    async def reset(self) -> None:
        await self._ask("reset")

    async def stats(self) -> Records:
        return [(float(t), int(status), str(group))
                for t, status, group in json.loads(await self._ask("stats"))]

    async def __aexit__(self, *exc: object) -> None:
        with contextlib.suppress(anyio.BrokenResourceError, anyio.ClosedResourceError):
            await self._in.send(b"quit\n")
        with anyio.move_on_after(15):
            await self._process.wait()
        if self._process.returncode is None:
            self._process.kill()
        await self._process.aclose()


def allowed(budget: RateBudget, start: float, end: float) -> int:
    """The most requests the server's rule admits between ``start`` and ``end``."""
    if budget.algorithm == "fixed":
        first = math.floor(start / budget.window)
        last = math.floor(end / budget.window)
        return budget.limit * (last - first + 1)
    return budget.limit * (math.floor((end - start) / budget.window) + 1)


def service_time(records: Records) -> float:
    """The server's median gap between requests handled back to back (gaps under 0.5 s): a
    serial server's service time under this client's load."""
    times = sorted(t for t, _, _ in records)
    gaps = [b - a for a, b in itertools.pairwise(times) if b - a < 0.5]
    return statistics.median(gaps) if gaps else 0.0


def utilisation(records: Records, budget: RateBudget) -> float:
    """Requests the server accepted over what its rule allowed from the first to the last."""
    times = sorted(t for t, status, _ in records if status == 200)
    if not times:
        return 0.0
    return len(times) / allowed(budget, times[0], times[-1])


# -- the network, recorded below every client ----------------------------------------------


class Recording(httpx.AsyncBaseTransport):
    """Numbers each send and answer (to count 429s to requests sent after the first answer)
    and keeps each request's latency."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport(limits=httpx.Limits(max_connections=200))
        self.seq = 0
        self.first_answer: int | None = None
        self.sent: list[tuple[int, int]] = []  # (event number when sent, status)
        self.latencies: list[float] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.seq += 1
        sent = self.seq
        t0 = time.perf_counter()
        response = await self.inner.handle_async_request(request)
        self.latencies.append(time.perf_counter() - t0)
        self.seq += 1
        if self.first_answer is None:
            self.first_answer = self.seq
        self.sent.append((sent, response.status_code))
        return response

    def refused_after_first_answer(self) -> int:
        first = self.first_answer or 0
        return sum(1 for n, status in self.sent if status == 429 and n > first)

    async def aclose(self) -> None:
        await self.inner.aclose()


# -- the clients ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Task:
    base_url: str
    path: str  # the search route
    key: str  # the list in the answer ("posts", "images")
    images: int
    site: ba.Site | str


def reset_delay(value: str) -> float:
    """``X-RL-Reset`` as a careful user reads it: a time, against the local clock."""
    text = value.strip()
    try:
        number = float(text)
    except ValueError:
        moment = datetime.strptime(text[:19], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
        return moment.timestamp() - time.time()
    return number - time.time() if number > 1e9 else number


async def reference(task: Task, network: Recording) -> list[int]:
    """Sequential; sleeps until the reset when nothing remains, and on Retry-After."""
    ids: list[int] = []
    page = 1
    async with httpx.AsyncClient(base_url=task.base_url, transport=network) as http:
        while len(ids) < task.images:
            r = await http.get(task.path, params={"q": QUERY, "per_page": PER_PAGE,
                                                  "page": page})
            if r.status_code == 429:
                wait = r.headers.get("retry-after") or r.headers.get("x-rl-reset") or "1"
                await anyio.sleep(max(0.0, reset_delay(wait)))
                continue
            r.raise_for_status()
            ids += [item["id"] for item in r.json()[task.key]]
            page += 1
            if len(ids) >= task.images:
                break
            if r.headers.get("x-rl-remaining") == "0" and "x-rl-reset" in r.headers:
                await anyio.sleep(max(0.0, reset_delay(r.headers["x-rl-reset"])))
    return ids[: task.images]


async def raw_httpx(task: Task, network: Recording) -> list[int]:
    """Sequential, no rate handling: a 429 is tried again after 0.1 s."""
    ids: list[int] = []
    page = 1
    async with httpx.AsyncClient(base_url=task.base_url, transport=network) as http:
        while len(ids) < task.images:
            r = await http.get(task.path, params={"q": QUERY, "per_page": PER_PAGE,
                                                  "page": page})
            if r.status_code == 429:
                await anyio.sleep(0.1)
                continue
            r.raise_for_status()
            ids += [item["id"] for item in r.json()[task.key]]
            page += 1
    return ids[: task.images]


def ba_client(task: Task, network: Recording) -> ba.Client:
    return ba.Client(task.site, base_url=task.base_url, transport=network, cache=None)


async def ba_sequential(task: Task, network: Recording) -> list[int]:
    """The pager, as a user writes it."""
    async with ba_client(task, network) as client:
        search = client.images.search(QUERY, per_page=PER_PAGE, limit=task.images)
        return [image.id async for image in search]


async def ba_concurrent(task: Task, network: Recording, tasks: int = 100) -> list[int]:
    """``tasks`` workers fetch the pages concurrently."""
    pages: dict[int, list[int]] = {}
    numbers = iter(range(1, math.ceil(task.images / PER_PAGE) + 1))
    async with ba_client(task, network) as client:
        pager = client.images.search(QUERY, per_page=PER_PAGE)

        async def worker() -> None:
            for n in numbers:
                pages[n] = [image.id for image in (await pager.page(n)).items]

        async with anyio.create_task_group() as tg:
            for _ in range(tasks):
                tg.start_soon(worker)
    return [i for n in sorted(pages) for i in pages[n]][: task.images]


CLIENTS: dict[str, Callable[[Task, Recording], Awaitable[list[int]]]] = {
    "reference": reference,
    "raw-httpx": raw_httpx,
    "ba.Client": ba_sequential,
    "ba.Client x100": ba_concurrent,
}


async def run_clients(server: ServerProcess, task: Task, clients: list[str]) -> list[Row]:
    budget = server.config.budget
    rows: list[Row] = []
    expected: list[int] | None = None
    for name in clients:
        await server.reset()
        # Start every client at the same point of the server's window (30 % into it), so
        # fixed windows treat them alike: the first window is a partial one for everybody.
        phase = time.time() % budget.window
        await anyio.sleep((1.3 * budget.window - phase) % budget.window)
        network = Recording()
        started = time.perf_counter()
        ids = await CLIENTS[name](task, network)
        wall = time.perf_counter() - started
        await network.aclose()
        records = await server.stats()
        if expected is None:
            expected = ids
        rows.append(Row(
            client=name,
            items=len(ids),
            complete=ids == expected and len(ids) == len(set(ids)) == task.images,
            wall=round(wall, 3),
            requests=len(records),
            refused=sum(1 for _, status, _ in records if status == 429),
            refused_after_first_answer=network.refused_after_first_answer(),
            utilisation=round(utilisation(records, budget), 3),
            median_latency=round(statistics.median(network.latencies), 4),
            service=round(service_time(records), 4),
            timeline=timeline(records),
            timeline_start=min((t for t, _, _ in records), default=0.0),
        ))
    return rows


def timeline(records: Records) -> list[tuple[float, int]]:
    """Each request's time since the first one, and the status the server gave it."""
    if not records:
        return []
    start = min(t for t, _, _ in records)
    return [(round(t - start, 4), status) for t, status, _ in sorted(records)]


def target(name: str, value: float, limit: float, *, at_most: bool = True) -> Target:
    met = value <= limit if at_most else value >= limit
    return Target(name, round(value, 3), limit, met)


def by_name(rows: list[Row]) -> dict[str, Row]:
    return {row.client: row for row in rows}


# -- the modes ------------------------------------------------------------------------------


@register("headers", "Twibooru-style X-RL headers, 20 searches per 2 s; twibooru profile")
async def headers_mode(args: argparse.Namespace) -> ModeResult:
    budget = RateBudget(20, 2.0, groups=("search/posts",), algorithm="fixed")
    result = ModeResult("headers", MODES["headers"].description,
                        "20 per 2 s, fixed windows, announced (X-RL*)")
    async with ServerProcess(ServerConfig("twibooru", "twibooru", budget, args.images)) as server:
        task = Task(server.url, "/api/v3/search/posts", "posts", args.images, "twibooru")
        result.rows = await run_clients(server, task, list(CLIENTS))
    rows = by_name(result.rows)
    for row in result.rows:
        row.ratio = round(row.wall / rows["reference"].wall, 3)
    ba_row, many = rows["ba.Client"], rows["ba.Client x100"]
    result.targets = [
        target("ba.Client wall / reference wall", ba_row.wall / rows["reference"].wall, 1.1),
        target("ba.Client 429s", ba_row.refused, 0),
        target("ba.Client x100 429s", many.refused, 0),
        target("every item (ba.Client, x100)", float(ba_row.complete and many.complete), 1.0,
               at_most=False),
        target("ba.Client x100 utilisation", many.utilisation, 0.95, at_most=False),
    ]
    return result


@register("stricter", "server 10 per 2 s (announced) while the declared ba.Site says 40")
async def stricter_mode(args: argparse.Namespace) -> ModeResult:
    budget = RateBudget(10, 2.0, groups=("search/posts",), algorithm="fixed")
    images = args.images // 2
    result = ModeResult("stricter", MODES["stricter"].description,
                        "10 per 2 s, fixed windows, announced; the profile says 40 per 2 s")
    async with ServerProcess(ServerConfig("twibooru", "twibooru", budget, images)) as server:
        site = ba.Site(name="stricter", base_url=server.url, flavour="twibooru",
                       budgets={"search": (40, 2.0)})
        task = Task(server.url, "/api/v3/search/posts", "posts", images, site)
        result.rows = await run_clients(server, task, list(CLIENTS))
    rows = by_name(result.rows)
    for row in result.rows:
        row.ratio = round(row.wall / rows["reference"].wall, 3)
    many = rows["ba.Client x100"]
    result.targets = [
        target("ba.Client 429s after the first answer",
               rows["ba.Client"].refused_after_first_answer, 0),
        target("ba.Client x100 429s after the first answer",
               many.refused_after_first_answer, 0),
        target("ba.Client x100 utilisation", many.utilisation, 0.95, at_most=False),
        target("every item (ba.Client, x100)",
               float(rows["ba.Client"].complete and many.complete), 1.0, at_most=False),
    ]
    result.notes.append("429s before the first answer are the prior's burst: the declared "
                        "budget lets 40 go before the server has said anything.")
    return result


@register("silent", "proxy style: no headers, 20 per 2 s sliding, declared in a ba.Site")
async def silent_mode(args: argparse.Namespace) -> ModeResult:
    budget = RateBudget(20, 2.0, groups=("*",), algorithm="sliding")
    result = ModeResult("silent", MODES["silent"].description,
                        "20 per 2 s, sliding window, silent; 429 + Retry-After")
    pages = math.ceil(args.images / PER_PAGE)
    async with ServerProcess(ServerConfig("philomena", "proxy", budget, args.images)) as server:
        site = ba.Site(name="proxied", base_url=server.url, flavour="philomena",
                       budgets={"site": (20, 2.0)})
        task = Task(server.url, "/api/v1/json/search/images", "images", args.images, site)
        result.rows = await run_clients(server, task, list(CLIENTS))
    rows = by_name(result.rows)
    # The ideal the server's rule allows: full windows back to back, then the last batch
    # handled one at a time at the server's own pace in that run (its service time).
    batches = math.ceil(pages / budget.limit)
    last = pages - budget.limit * (batches - 1)
    for row in result.rows:
        row.ratio = round(row.wall / ((batches - 1) * budget.window + last * row.service), 3)
    windows = max(1.0, rows["ba.Client"].wall / budget.window)
    many_windows = max(1.0, rows["ba.Client x100"].wall / budget.window)
    result.targets = [
        target("ba.Client wall / ideal", rows["ba.Client"].ratio or math.inf, 1.15),
        target("ba.Client x100 wall / ideal", rows["ba.Client x100"].ratio or math.inf, 1.15),
        target("ba.Client 429s per window", rows["ba.Client"].refused / windows, 1.0),
        target("ba.Client x100 429s per window",
               rows["ba.Client x100"].refused / many_windows, 1.0),
        target("every item (ba.Client, x100)",
               float(rows["ba.Client"].complete and rows["ba.Client x100"].complete), 1.0,
               at_most=False),
    ]
    result.notes.append(f"ratio: wall over the ideal: {batches - 1} full windows of "
                        f"{budget.window:g} s, then {last} requests at the server's service time "
                        f"in that run (ba.Client {rows['ba.Client'].service * 1000:.0f} ms, x100 "
                        f"{rows['ba.Client x100'].service * 1000:.0f} ms)")
    return result


# -- the run ----------------------------------------------------------------------------------


def print_mode(result: ModeResult) -> None:
    print(f"\n== {result.name}: {result.description}")
    print(f"   server: {result.server_rule}")
    header = (f"   {'client':<16}{'items':>7}{'wall s':>9}{'reqs':>6}{'429s':>6}"
              f"{'429s late':>10}{'util':>7}{'ratio':>7}")
    print(header)
    for row in result.rows:
        ratio = f"{row.ratio:.2f}" if row.ratio is not None else "-"
        items = f"{row.items}{'' if row.complete else '!'}"
        print(f"   {row.client:<16}{items:>7}{row.wall:>9.2f}{row.requests:>6}"
              f"{row.refused:>6}{row.refused_after_first_answer:>10}{row.utilisation:>7.3f}"
              f"{ratio:>7}")
    for note in result.notes:
        print(f"   note: {note}")
    for t in result.targets:
        mark = "met   " if t.met else "MISSED"
        op = "<=" if t.name.endswith(("wall", "reference wall", "ideal", "429s", "window",
                                       "answer")) else ">="
        print(f"   [{mark}] {t.name}: {t.value:g} ({op} {t.limit:g})")


def to_json(results: list[ModeResult]) -> dict[str, Any]:
    return {
        "benchmark": "bench_budget",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "booru_async": ba.__version__,
        "modes": {
            r.name: {
                "description": r.description,
                "server": r.server_rule,
                "rows": [asdict(row) for row in r.rows],
                "targets": [asdict(t) for t in r.targets],
                "notes": r.notes,
            }
            for r in results
        },
    }


async def main_async(args: argparse.Namespace) -> int:
    results: list[ModeResult] = []
    for name in args.modes:
        result = await MODES[name].run(args)
        print_mode(result)
        results.append(result)
    if args.json:
        await anyio.Path(args.json).write_text(json.dumps(to_json(results), indent=2) + "\n")
        print(f"\nwrote {args.json}")
    missed = [t.name for r in results for t in r.targets if not t.met]
    if missed:
        print(f"\nmissed: {', '.join(missed)}")
    return 1 if missed else 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        return child(argv[1])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modes", default=",".join(MODES),
                        type=lambda text: [m.strip() for m in text.split(",") if m.strip()],
                        help=f"comma-separated, from: {', '.join(MODES)}")
    parser.add_argument("--images", type=int, default=3000, help="N (default 3000)")
    parser.add_argument("--json", default="bench_budget.json",
                        help="where to write the results ('' for nowhere)")
    args = parser.parse_args(argv)
    unknown = [m for m in args.modes if m not in MODES]
    if unknown:
        parser.error(f"unknown mode(s) {unknown}; known: {', '.join(MODES)}")
    return anyio.run(main_async, args)


if __name__ == "__main__":
    sys.exit(main())
