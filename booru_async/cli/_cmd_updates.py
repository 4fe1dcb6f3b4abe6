"""``stream`` (new uploads as they arrive) and ``changes`` (what was edited since a time):
one JSON object per line on stdout, flushed as each image arrives."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta

import click

from ._context import common_options, limit_option, make_client, run, settings
from ._output import dumps

__all__ = ["changes", "parse_since", "stream"]

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_since(text: str, now: datetime) -> datetime:
    """``2024-01-02``, ``2024-01-02T03:04:05Z`` (UTC when no zone is given) or a duration
    back from ``now``: ``90s``, ``15m``, ``12h``, ``7d``, ``2w``."""
    value = text.strip()
    if value and value[:-1].isdigit() and value[-1] in _UNITS:
        return now - timedelta(seconds=int(value[:-1]) * _UNITS[value[-1]])
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is neither a date (2024-01-02, 2024-01-02T03:04:05Z) nor a duration "
            "(15m, 12h, 7d)",
            param_hint="--since",
        ) from None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _emit(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


@click.command()
@click.argument("query", default="")
@click.option("--since-id", type=click.IntRange(min=0), help="Start after this image id "
              "(default: the newest now, so only later uploads come).")
@click.option("--interval", type=click.FloatRange(min=1.0), help="Seconds between polls when "
              "nothing is waiting (default: a quarter of the search budget, at least 10).")
@limit_option("Stop after this many images (0: run until interrupted).")
@common_options()
def stream(query: str, since_id: int | None, interval: float | None) -> None:
    """Follow new uploads matching QUERY, oldest first, one JSON object per line, until
    interrupted: booru-async stream 'safe, pony' | your-bot"""
    s = settings()
    limit = s.limit or None

    async def work() -> None:
        async with make_client(s, priority="bulk") as client:
            count = 0
            async for image in client.images.stream(query, since_id=since_id, interval=interval):
                _emit(dumps(image))
                count += 1
                if limit is not None and count >= limit:
                    break

    run(s, work)


@click.command()
@click.argument("query", default="")
@click.option("--since", required=True, metavar="WHEN",
              help="Images updated at or after this: a date, a UTC time, or 15m/12h/7d ago.")
@click.option("--cursor", metavar="CURSOR", help="Resume after this cursor (printed to stderr "
              "when the walk stops early).")
@click.option("--per-page", type=click.IntRange(1, 50), default=50, show_default=True,
              help="Images per request.")
@limit_option("Stop after this many images (0: every change).")
@common_options()
def changes(query: str, since: str, cursor: str | None, per_page: int) -> None:
    """Every image matching QUERY updated since --since (tags, votes, descriptions),
    ordered by (updated_at, id), one JSON object per line. Deleted images are not listed:
    see docs/archiving.md."""
    s = settings()
    limit = s.limit or None
    when = parse_since(since, datetime.now(UTC))

    async def work() -> None:
        async with make_client(s, priority="bulk") as client:
            pager = client.images.changes(query, since=when, cursor=cursor, per_page=per_page)
            count = 0
            finished = False
            try:
                async for image in pager:
                    _emit(dumps(image))
                    count += 1
                    if limit is not None and count >= limit:
                        break
                else:
                    finished = True
            finally:
                # Stopped early (--limit, Ctrl-C, an error): say where to pick up.
                if not finished and pager.cursor is not None:
                    click.echo(f"booru-async: resume with --cursor '{pager.cursor}'", err=True)
            if count == 0 and cursor is None:
                click.echo(
                    f"booru-async: no images match {query or '*'!r} updated since "
                    f"{when.isoformat()} on {s.site.lower()}",
                    err=True,
                )

    run(s, work)
