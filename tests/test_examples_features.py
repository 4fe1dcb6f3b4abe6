"""The bot and archivist examples in docs/examples, run as users would run them (their
``main``), with figures from virtual time."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import anyio
import pytest
import trio
import trio.testing

EXAMPLES = Path(__file__).resolve().parent.parent / "docs" / "examples"


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bot_answers_fast_under_a_saturating_crawl() -> None:
    """Virtual time (trio's MockClock): 20 questions 3 s apart while 8 bulk crawlers keep
    the search budget full. ``cache=None``: the memory cache does its SQLite work in worker
    threads, which the mock clock counts as idle time and would jump over."""
    bot = load("bot_random_safe")

    async def run() -> dict[str, Any]:
        report: dict[str, Any] = await bot.main(20, 3.0, 8, True, None)
        return report

    report = trio.run(run, clock=trio.testing.MockClock(autojump_threshold=0))
    # The crawl saturates the search budget (2 requests/s on the demo profile)...
    assert report["search_rate"] >= 0.9 * report["search_budget_rate"], report
    # ...and the bot still answers within one token interval (0.5 s) plus the margin.
    assert report["latency_max"] <= 0.75, report
    for embed in report["answers"]:
        assert embed["rating"] == "safe" and embed["spoiler"] is False
        assert embed["url"].startswith("https://demo.booru-async.invalid/images/")
        assert embed["image_url"].startswith("https://demo.booru-async.invalid/img/")
        assert "| Source: " in embed["footer"] and embed["url"] in embed["footer"]
    print(  # the figure the report quotes (pytest -s)
        f"bot: median {report['latency_p50']:.3f} s, max {report['latency_max']:.3f} s; "
        f"crawl {report['search_rate']:.2f} of {report['search_budget_rate']:.2f} requests/s"
    )


def test_archivist_picks_up_exactly_the_ten_edits_and_notices_the_deletion() -> None:
    archivist = load("archivist_changes")
    report: dict[str, Any] = anyio.run(archivist.main, 400, True)
    assert report["changed"] == report["retagged"] and len(report["changed"]) == 10
    assert report["changes_requests"] == 1
    assert list(report["deleted"].values()) == [(True, "Rule #1")]
    assert report["deletion_check_requests"] < report["crawl_requests"]


@pytest.mark.parametrize("name", ["bot_random_safe", "archivist_changes"])
def test_examples_have_a_docstring_and_main(name: str) -> None:
    module = load(name)
    assert module.__doc__ and "Run it" in module.__doc__
    assert callable(module.main)
