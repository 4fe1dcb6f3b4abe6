"""Every program in docs/examples runs, against the ``demo`` site or the fake server.

* ``discord_bot.py`` + ``test_discord_bot.py``: the bot's pytest suite, run by pytest in a
  subprocess the way a user runs it (``fake_booru`` from the plugin's entry point); the
  command handler is called through a real ``commands.Bot`` that never connects.
* ``resumable_crawler.py``: run twice, it goes on where it stopped, and the two runs together
  download exactly what one uninterrupted run does.
* ``redis_fleet.py``: four real processes and the parent crawl on one ``ba.RedisScheduler``
  budget (a real ``redis-server``) against the fake enforcing Derpibooru's budgets: every
  image once, no 429, never more than the budget in a window.
* All of them pass ``mypy --strict``.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

from mypy_check import mypy_strict

import booru_async as ba
from booru_async.testing import DERPIBOORU_BUDGETS, Board, FakeBooru, serve_in_thread

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "docs" / "examples"
TIMEOUT = 180


def run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *map(str, args)],
        cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT, check=False,
    )


def test_examples_pass_mypy_strict() -> None:
    status, report = mypy_strict(sorted(EXAMPLES.glob("*.py")))
    assert status == 0, report


def test_discord_bot_suite_on_fake_booru(tmp_path: Path) -> None:
    result = run(
        "-m", "pytest", "-q", "-p", "no:cacheprovider", "--basetemp", tmp_path / "t",
        EXAMPLES / "test_discord_bot.py", cwd=REPO,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed" in result.stdout


def files(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir() if not p.name.startswith(".")}


def test_resumable_crawler_goes_on_where_it_stopped(tmp_path: Path) -> None:
    crawler = EXAMPLES / "resumable_crawler.py"
    query = "safe, fluttershy"
    first = run(crawler, query, "pics", "--limit", "6", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    cursor = (tmp_path / "pics" / ".cursor").read_text()
    after_first = files(tmp_path / "pics")
    second = run(crawler, query, "pics", "--limit", "6", cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert int((tmp_path / "pics" / ".cursor").read_text()[3:]) < int(cursor[3:])
    resumed = files(tmp_path / "pics")
    # One uninterrupted run over the same twelve images.
    whole = run(crawler, query, "whole", "--limit", "12", cwd=tmp_path)
    assert whole.returncode == 0, whole.stderr
    assert len(after_first) == 6 and after_first < resumed
    assert resumed == files(tmp_path / "whole") and len(resumed) == 12


def test_redis_fleet_shares_one_budget(tmp_path: Path, redis_url: str) -> None:
    # Four real processes (and the parent) on one RedisScheduler prefix, against the fake
    # with Derpibooru's documented budgets enforced as its proxy does (no headers, 429s).
    board = Board.generate(seed=4, images=250)
    fake = FakeBooru(board, rate_budgets=DERPIBOORU_BUDGETS, rate_limit_style="proxy")
    with serve_in_thread(fake) as url:
        result = run(
            EXAMPLES / "redis_fleet.py", "--redis", redis_url, "--base-url", url,
            "--processes", "4", "--per-page", "10", "*", "out", cwd=tmp_path,
        )
    assert result.returncode == 0, result.stderr
    lines = [
        json.loads(line)
        for part in sorted((tmp_path / "out").glob("*.jsonl"))
        for line in part.read_text().splitlines()
    ]
    got = [line["id"] for line in lines]
    assert len(got) == len(set(got))  # no image twice
    assert set(got) == expected_ids(board)  # and none missed
    assert not fake.stats.rate_limited  # no 429: the five processes shared one budget
    assert fake.max_requests_in_window("search", 10.0) <= 20
    assert len(fake.stats.requests) > 20  # enough to need that sharing


def expected_ids(board: Board) -> set[int]:
    async def crawl() -> set[int]:
        fake = FakeBooru(board)  # no budget: the reference answer
        async with ba.Client(
            "derpibooru", base_url=fake.base_url, transport=fake.transport(), cache=None
        ) as client:
            return {image.id async for image in client.images.crawl("*")}

    return asyncio.run(crawl())
