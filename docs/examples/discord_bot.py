"""A Discord bot command that searches a booru: ``!booru safe, fluttershy``.

Run it (discord.py installed, the bot invited with the message-content intent)::

    DISCORD_TOKEN=... BOORU_SITE=derpibooru python docs/examples/discord_bot.py

One ``ba.Client`` serves every command. Commands run on ``priority="interactive"`` with a
``max_wait``: when the site's budget is spent (a crawl on the same client, a burst of
commands) the bot answers "busy" at once instead of leaving the user waiting.
The test suite calls the command handler with a stand-in context against the ``demo``
site, without connecting to Discord (``tests/test_examples.py``).
"""

from __future__ import annotations

import asyncio
import os

import discord
from discord.ext import commands

import booru_async as ba

#: Longest a command may wait for the rate limit before the bot says "busy".
MAX_WAIT = 3.0


class Booru(commands.Cog):
    """The ``!booru <query>`` command."""

    def __init__(self, client: ba.Client) -> None:
        self.client = client.with_options(priority="interactive", max_wait=MAX_WAIT)

    async def answer(self, query: str) -> str:
        """The message for ``query``: the best-scored match, or why there is none."""
        try:
            async for image in self.client.images.search(query, sort="score", limit=1):
                return f"{image.url} (score {image.score})"
        except ba.RateLimited as exc:
            wait = exc.retry_after if exc.retry_after is not None else MAX_WAIT
            return f"Busy right now, try again in {wait:.0f} s."
        except ba.BadQuery as exc:
            return f"The site did not understand that query: {exc}"
        return f"Nothing matches {query!r}."

    @commands.command(name="booru")
    async def booru(self, ctx: commands.Context[commands.Bot], *, query: str) -> None:
        """Search the booru: ``!booru safe, fluttershy``."""
        await ctx.send(await self.answer(query))


async def main() -> None:
    intents = discord.Intents.default()
    intents.message_content = True
    bot = commands.Bot(command_prefix="!", intents=intents)
    async with ba.Client(os.environ.get("BOORU_SITE", "derpibooru")) as client:
        await bot.add_cog(Booru(client))
        await bot.start(os.environ["DISCORD_TOKEN"])


if __name__ == "__main__":
    asyncio.run(main())
