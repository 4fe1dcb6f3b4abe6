"""A chat bot's "random safe picture with credit", answered while a crawl saturates the budget.

Run it: ``python docs/examples/bot_random_safe.py`` (offline: the ``demo`` site is a fake
board inside the process). It prints each answer as the plain dict a chat library turns
into an embed, then the bot's latencies and the crawl's request rate.

What it shows:

* one client, two views: ``priority="interactive"`` for the bot, ``priority="bulk"`` for
  the crawl. They share one rate budget; the scheduler lets an interactive request go
  before any queued bulk one, so the bot answers quickly however busy the crawl is;
* ``images.random("safe")`` asks the server for safe images only, and
  ``image.rated_at_most("safe")`` refuses anything else on the bot's side anyway (a "safe
  channel", no extra request);
* ``image.embed()`` builds the answer: title, page URL, the largest file that fits the
  chat's limits (``best_representation``), a spoiler flag, and the credit line the sites'
  API terms ask for (``str(image.credit())``: artist, original source, link).
"""

from __future__ import annotations

import statistics
from typing import Any

import anyio

import booru_async as ba

#: The largest picture a chat embed shows well.
EMBED_MAX = (1280, 1280)


async def answer(bot: ba.Client) -> dict[str, Any]:
    """The bot's reply to "random safe picture with credit"."""
    image = await bot.images.random("safe")
    if not image.rated_at_most("safe"):  # belt and braces: the query already says safe
        return {"title": "No safe picture right now", "spoiler": False}
    embed = image.embed(max_width=EMBED_MAX[0], max_height=EMBED_MAX[1])
    assert embed["footer"] == str(image.credit())
    return embed


async def main(
    questions: int = 10,
    gap: float = 3.0,
    crawlers: int = 8,
    quiet: bool = False,
    cache: ba.MemoryCache | None = ba.MemoryCache(),  # noqa: B008 - frozen, shared safely
) -> dict[str, Any]:
    """Ask ``questions`` times, ``gap`` seconds apart, while ``crawlers`` tasks crawl the
    whole site again and again (far more than the budget allows: it is saturated)."""
    async with ba.Client("demo", cache=cache) as client:
        bot = client.with_options(priority="interactive")
        crawler = client.with_options(priority="bulk")
        crawled = 0
        latencies: list[float] = []
        answers: list[dict[str, Any]] = []

        async def crawl_forever(query: str) -> None:
            nonlocal crawled
            while True:  # walk again and again: the budget never rests
                async for _ in crawler.images.crawl(query):
                    crawled += 1

        crawl_started = anyio.current_time()
        async with anyio.create_task_group() as group:
            for n in range(crawlers):
                group.start_soon(crawl_forever, f"id.gte:{n}")
            await anyio.sleep(5.0)  # let the crawl fill the queue first
            for _ in range(questions):
                began = anyio.current_time()
                reply = await answer(bot)
                latencies.append(anyio.current_time() - began)
                answers.append(reply)
                if not quiet:
                    print(reply)
                await anyio.sleep(gap)
            elapsed = anyio.current_time() - crawl_started
            group.cancel_scope.cancel()
        stats = client.stats
        budget, window = client.site.budgets["search"]
        report: dict[str, Any] = {
            "answers": answers,
            "latency_p50": statistics.median(latencies),
            "latency_max": max(latencies),
            "crawled_images": crawled,
            "requests": stats.requests,
            "search_rate": stats.requests / elapsed,
            "search_budget_rate": budget / window,
        }
    if not quiet:
        print(
            f"bot latency: median {report['latency_p50'] * 1000:.0f} ms, "
            f"max {report['latency_max'] * 1000:.0f} ms over {questions} questions; "
            f"crawl: {crawled} images, {report['search_rate']:.2f} requests/s "
            f"(search budget {report['search_budget_rate']:.2f}/s)"
        )
    return report


if __name__ == "__main__":
    anyio.run(main)
