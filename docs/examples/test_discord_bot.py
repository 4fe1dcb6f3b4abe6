"""A pytest suite for the Discord bot, on the ``fake_booru`` fixture.

``fake_booru`` comes from booru-async's pytest plugin (no ``pytest_plugins`` line): an
in-process fake Philomena server over a generated board. Run: ``pytest docs/examples``.
"""

from __future__ import annotations

import discord
import pytest
from discord.ext import commands
from discord_bot import Booru

import booru_async as ba
from booru_async.testing import Board, FakeBooru, RateBudget


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"  # discord.py runs on asyncio


def client_for(fake: FakeBooru) -> ba.Client:
    return ba.Client("derpibooru", base_url=fake.base_url, transport=fake.transport())


class Channel:
    """Stands in for ``commands.Context``: records what the bot sends."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send(self, content: str) -> None:
        self.sent.append(content)


@pytest.mark.anyio
async def test_answers_with_the_best_scored_image(
    fake_booru: FakeBooru, fake_booru_board: Board
) -> None:
    best = max(
        (i for i in fake_booru_board.images.values() if not i.hidden_from_users and i.approved),
        key=lambda i: (i.score, i.id),
    )
    # A real Bot with the cog added, never started: nothing connects to Discord.
    bot = commands.Bot(command_prefix="!", intents=discord.Intents.none())
    async with client_for(fake_booru) as client:
        await bot.add_cog(Booru(client))
        command = bot.get_command("booru")
        assert command is not None
        channel = Channel()
        await command(channel, query="*")  # type: ignore[arg-type]  # stands in for a Context
    assert channel.sent == [f"{fake_booru.base_url}/images/{best.id} (score {best.score})"]


@pytest.mark.anyio
async def test_says_when_nothing_matches(fake_booru: FakeBooru) -> None:
    async with client_for(fake_booru) as client:
        assert await Booru(client).answer("no such tag at all") == (
            "Nothing matches 'no such tag at all'."
        )


@pytest.mark.anyio
async def test_busy_instead_of_waiting(fake_booru: FakeBooru) -> None:
    # The site allows 20 searches per 10 s; the 21st would wait ~10 s > MAX_WAIT.
    fake_booru.configure(rate_budgets=(RateBudget(20, 10.0, groups=("search",)),))
    async with client_for(fake_booru) as client:
        bot = Booru(client)
        answers = [await bot.answer("safe") for _ in range(21)]
    assert all(a.startswith(fake_booru.base_url) for a in answers[:20])
    assert answers[20].startswith("Busy right now, try again in")
    assert not fake_booru.stats.rate_limited  # refused locally: the server saw no 21st
