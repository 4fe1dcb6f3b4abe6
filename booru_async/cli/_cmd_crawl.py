"""``crawl``: every image matching a query as JSON lines, resumable after any interruption.

Consistency between the output and the cursor file
--------------------------------------------------
Each image is written as one line and flushed; only then is the cursor file replaced
(written to a temporary file, then ``os.replace``), so the cursor is never ahead of the
output. Between the two steps, a kill leaves the output one line ahead of the cursor. So,
when the output is a file, the *output* is the authority on resume: a torn last line (no
newline) is cut off, and the crawl resumes after the id of the last complete line (the walk
goes down by id, so that is the smallest id written). The cursor file then only confirms
which query and site the output belongs to, and is what resumes a crawl written to stdout.

Result: with ``--output FILE`` a crawl killed at any point (SIGKILL included) and resumed
yields every image exactly once. Written to stdout, a crawl killed between the flush and
the cursor update repeats at most that one line when resumed (each line has its ``id``).

Ctrl-C cancels only at an ``await``, never between the write, the flush and the cursor
update (they are synchronous), so an interrupted crawl leaves both in step.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import click

import booru_async as ba

from ._context import (
    common_options,
    files_guard,
    limit_option,
    make_client,
    run,
    settings,
)
from ._output import dumps
from ._progress import Tracker, track

__all__ = ["crawl", "last_line_id", "read_state", "write_state"]

STATE_VERSION = 1


def read_state(path: Path) -> dict[str, Any] | None:
    """The saved crawl state, or ``None`` when there is no cursor file yet."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    try:
        state = json.loads(text)
        if not isinstance(state, dict) or state.get("version") != STATE_VERSION:
            raise ValueError("unknown layout")
        ba.CrawlPager.check_cursor(state.get("cursor"))
    except ValueError as exc:
        raise click.UsageError(f"{path} is not a booru-async crawl cursor file ({exc})") from None
    return state


def write_state(path: Path, state: dict[str, Any]) -> None:
    """Replace the cursor file atomically: a temporary file beside it, then ``os.replace``."""
    temporary = path.with_name(f".{path.name}.tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(state, sort_keys=True) + "\n")
    os.replace(temporary, path)


def last_line_id(path: Path) -> int | None:
    """The id on the last complete line of a JSON-lines file; a torn last line (killed
    mid-write) is cut off first. ``None`` when the file has no complete line."""
    with open(path, "rb+") as handle:
        position = handle.seek(0, os.SEEK_END)
        tail = b""
        # Read backwards until the tail holds the whole last complete line.
        while position > 0 and tail.count(b"\n") < 2:
            step = min(64 * 1024, position)
            position -= step
            handle.seek(position)
            tail = handle.read(step) + tail
        if tail and not tail.endswith(b"\n"):
            cut = tail.rfind(b"\n")
            tail = tail[: cut + 1]
            handle.truncate(position + len(tail))
    lines = tail.rstrip(b"\n").split(b"\n")
    if not lines[-1].strip():
        return None
    try:
        value = json.loads(lines[-1])["id"]
    except (ValueError, KeyError, TypeError):
        value = None
    if not isinstance(value, int):
        raise click.UsageError(
            f"the last line of {path} is not an image written by `booru-async crawl`"
        )
    return value


def _prepare(
    query: str, site: str, output: Path | None, cursor_file: Path | None
) -> tuple[IO[str], str | None, dict[str, Any], Callable[..., None], bool] | None:
    """Read or start the crawl's state and open its output; ``None`` when the crawl is
    already complete."""
    state = read_state(cursor_file) if cursor_file is not None else None
    if state is not None and (state.get("query"), state.get("site")) != (query, site):
        raise click.UsageError(
            f"{cursor_file} belongs to a crawl of {state.get('query')!r} on "
            f"{state.get('site')}; use another --cursor-file (or delete it to start over)"
        )

    if state is not None and state.get("done"):
        click.echo(
            f"booru-async: this crawl is already complete ({cursor_file}); "
            "delete the cursor file to crawl again",
            err=True,
        )
        return None
    resuming = state is not None
    cursor: str | None = state.get("cursor") if state is not None else None
    if resuming and output is not None and output.exists():
        # The output is the authority: it may be one line ahead of the cursor file.
        last = last_line_id(output)
        if last is not None:
            cursor = ba.CrawlPager.cursor_after(last)
    if state is None:
        state = {
            "version": STATE_VERSION,
            "site": site,
            "query": query,
            "cursor": None,
            "count": 0,
            "done": False,
        }
        if cursor_file is not None:
            write_state(cursor_file, state)
    if resuming and cursor is not None:
        click.echo(f"booru-async: resuming the crawl after {cursor}", err=True)
    progress = state

    def save(**changes: Any) -> None:
        progress.update(changes)
        if cursor_file is not None:
            write_state(cursor_file, progress)

    out: IO[str] = (
        sys.stdout
        if output is None
        else open(  # noqa: SIM115
            output, "a" if resuming else "w", encoding="utf-8"
        )
    )
    return out, cursor, progress, save, resuming


@click.command()
@click.argument("query", default="")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write JSON lines to this file (default stdout); appended to when resuming.",
)
@click.option(
    "--cursor-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where the crawl keeps its place (default: OUTPUT.cursor when --output is given).",
)
@click.option(
    "--per-page",
    type=click.IntRange(1, 50),
    default=50,
    show_default=True,
    help="Images per request.",
)
@limit_option("Stop after this many images in this run (0: no limit).")
@common_options()
def crawl(query: str, output: Path | None, cursor_file: Path | None, per_page: int) -> None:
    """Walk every image matching QUERY (newest first, by id) and write one JSON object per
    line. Interrupted, the same command resumes where it stopped: each image appears
    exactly once in --output."""
    s = settings()
    if cursor_file is None and output is not None:
        cursor_file = output.with_name(output.name + ".cursor")
    limit = s.limit or None
    site = s.site.lower()

    with files_guard(s):
        # Folders named in --output/--cursor-file are created, as --dest is for download.
        for path in (output, cursor_file):
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
        prepared = _prepare(query, site, output, cursor_file)
    if prepared is None:
        return
    out, cursor, progress, save, resuming = prepared

    async def work() -> None:
        async with make_client(s, priority="bulk") as client:
            tracker = Tracker(client, what="crawl", unit="images", group="search", key=s.key)
            already = int(progress["count"]) if resuming else 0
            tracker.resume_from(already)
            overall: int | None = None
            try:
                async with track(tracker):
                    pager = client.images.crawl(
                        query, cursor=cursor, per_page=per_page, limit=limit
                    )
                    first = True
                    async for image in pager:
                        if first and pager.total is not None:
                            # On resume the walk's total is what is left below the cursor.
                            left = pager.total if limit is None else min(limit, pager.total)
                            overall = already + left
                            tracker.set_total(overall)
                        first = False
                        # Line, flush, then cursor: the cursor is never ahead of the
                        # output. No await in between, so Ctrl-C cannot split them.
                        out.write(dumps(image) + "\n")
                        out.flush()
                        save(cursor=pager.cursor, count=int(progress["count"]) + 1)
                        tracker.advance()
                    if limit is None or tracker.items < limit:
                        save(done=True)
                if tracker.items == 0 and not resuming:
                    tracker.message(f"booru-async: no images match {query or '*'!r} on {site}")
                if pager.skipped:
                    ids = [e.raw.get("id") if isinstance(e.raw, dict) else None
                           for e in pager.skipped]
                    tracker.message(
                        f"booru-async: skipped {len(ids)} image(s) the server sent in a shape "
                        f"that does not decode (ids {', '.join(map(str, ids[:10]))}"
                        f"{', ...' if len(ids) > 10 else ''}); the crawl went on past them"
                    )
            finally:
                counts = f"{tracker.items} images"
                if resuming:
                    done = already + tracker.items
                    counts += f" this run; {done} of {max(overall or 0, done)} in all"
                tracker.print_summary(counts)

    try:
        run(s, work)
    finally:
        if out is not sys.stdout:
            out.close()
