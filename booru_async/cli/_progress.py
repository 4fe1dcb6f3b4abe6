"""Progress on stderr (rich; only when stderr is a terminal) and the end-of-run summary."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

import booru_async as ba

from ._exit import redact

__all__ = ["Tracker", "human_bytes", "track"]

#: How often the rate-limit status is refreshed from the client (seconds).
TICK = 0.2


def human_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if abs(n) < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} TB"  # pragma: no cover - unreachable


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


class _StatusColumn(ProgressColumn):
    """Bytes and byte rate, item rate, and the rate-limit state."""

    def render(self, task: Task) -> Text:
        parts: list[str] = []
        elapsed = task.elapsed or 0.0
        nbytes = int(task.fields.get("nbytes", 0))
        if task.fields.get("show_bytes"):
            rate = f" ({human_bytes(nbytes / elapsed)}/s)" if elapsed > 0.5 else ""
            parts.append(f"{human_bytes(nbytes)}{rate}")
        if elapsed > 0.5:
            parts.append(f"{task.completed / elapsed:.1f} {task.fields.get('unit', 'items')}/s")
        wait = str(task.fields.get("wait", ""))
        if wait:
            parts.append(wait)
        return Text(" · ".join(parts), style="progress.data.speed")


def predicted_wait(client: ba.Client, group: str) -> float:
    """How long the scheduler expects the next ``group`` request to wait (0 when it would
    go at once). Files are budgeted per CDN host, so for ``"cdn"`` every host counts."""
    return client.predicted_wait(group)


def wait_status(client: ba.Client, group: str) -> str:
    """What the rate limit is doing: the predicted wait for the next request when the
    budget is the bottleneck, else the waits so far."""
    try:
        predicted = predicted_wait(client, group)
    except Exception:  # a status line must never break the work it describes
        predicted = 0.0
    if predicted > 0.05:
        return f"waiting {predicted:.1f} s for the rate limit"
    stats = client.stats
    if stats.waits:
        return _plural(stats.waits, "rate-limit wait")
    return ""


class Tracker:
    """Counts items and bytes, drives the progress bar (if any), prints messages above it."""

    def __init__(
        self,
        client: ba.Client,
        *,
        what: str,
        unit: str,
        group: str,
        total: int | None = None,
        show_bytes: bool = False,
        key: str | None = None,
    ) -> None:
        self.client = client
        self.what = what
        self.unit = unit
        self.group = group
        self.key = key
        self.items = 0
        self.already = 0
        self.nbytes = 0
        self.started = time.monotonic()
        self.console = Console(stderr=True, highlight=False)
        self.enabled = self.console.is_terminal
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        if self.enabled:
            self._progress = Progress(
                SpinnerColumn(),
                TextColumn("[bold]{task.description}"),
                BarColumn(bar_width=24),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                _StatusColumn(),
                console=self.console,
                transient=False,
                refresh_per_second=8,
            )
            self._task = self._progress.add_task(
                what, total=total, nbytes=0, show_bytes=show_bytes, unit=unit, wait=""
            )

    def resume_from(self, done: int) -> None:
        """Count ``done`` items of an earlier run as already complete: the bar starts there
        (``items`` keeps counting this run only)."""
        self.already = done
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, completed=done)

    def set_total(self, total: int | None) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, total=total)

    def advance(self, items: int = 1, nbytes: int = 0) -> None:
        self.items += items
        self.nbytes += nbytes
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, advance=items, nbytes=self.nbytes)

    def message(self, text: str) -> None:
        """One line on stderr, above the progress bar when there is one."""
        text = redact(text, self.key)
        if self._progress is not None:
            self._progress.console.print(text, markup=False, highlight=False, soft_wrap=True)
        else:
            click.echo(text, err=True)

    def _tick(self, *, final: bool = False) -> None:
        if self._progress is not None and self._task is not None:
            status = "" if final else wait_status(self.client, self.group)
            self._progress.update(self._task, wait=status)

    def summary(self, counts: str | None = None) -> str:
        """One line: items (or ``counts``), bytes, requests, cache hits, 429s, waits, time."""
        stats = self.client.stats
        elapsed = time.monotonic() - self.started
        parts = [counts or f"{self.items} {self.unit}"]
        if self.nbytes or self.unit == "files":
            parts.append(human_bytes(self.nbytes))
        parts += [
            _plural(stats.requests, "request"),
            _plural(stats.cache_hits, "cache hit"),
            f"{stats.rate_limited} rate-limited (429)",
        ]
        if stats.waits:
            waits = _plural(stats.waits, "rate-limit wait")
            parts.append(f"{waits} ({stats.wait_time:.1f} s in all)")
        parts.append(f"{elapsed:.1f} s")
        return f"{self.what}: " + " · ".join(parts)

    def print_summary(self, counts: str | None = None) -> None:
        click.echo(redact(self.summary(counts), self.key), err=True)


@asynccontextmanager
async def track(tracker: Tracker) -> AsyncIterator[Tracker]:
    """Show ``tracker``'s progress bar while the body runs (a no-op when stderr is not a
    terminal); the rate-limit status is refreshed in the background."""
    progress = tracker._progress
    if progress is None:
        yield tracker
        return

    async def ticker() -> None:
        while True:
            tracker._tick()
            await anyio.sleep(TICK)

    progress.start()
    try:
        async with anyio.create_task_group() as group:
            group.start_soon(ticker)
            try:
                yield tracker
            finally:
                group.cancel_scope.cancel()
    finally:
        tracker._tick(final=True)
        progress.stop()
