"""``serve``: the fake booru (``booru_async.testing``) on a loopback socket until Ctrl-C."""

from __future__ import annotations

import contextlib
import ipaddress
import signal
import sys
import threading
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from booru_async.testing import RateBudget

__all__ = ["serve"]

#: The profile to point ``--site`` at for each flavour, and the site name the fake shows.
PROFILES = {"philomena": "derpibooru", "twibooru": "twibooru", "legacy": "twibooru-legacy"}
SITE_NAMES = {"philomena": "Derpibooru", "twibooru": "Twibooru", "legacy": "Twibooru"}


def _loopback(host: str) -> str:
    if host == "localhost":
        return "127.0.0.1"
    try:
        if ipaddress.ip_address(host).is_loopback:
            return host
    except ValueError:
        pass
    raise click.BadParameter(
        "the fake server only listens on loopback addresses", param_hint="--host"
    )


def served_budgets(flavour: str) -> tuple[RateBudget, ...]:
    """The budgets ``serve --rate-limits`` enforces: each flavour's own route groups
    (the Twibooru fake serves its v3 routes and the legacy ones)."""
    from booru_async.testing import (
        DERPIBOORU_BUDGETS,
        LEGACY_BUDGETS,
        TWIBOORU_BUDGETS,
    )

    if flavour == "philomena":
        return DERPIBOORU_BUDGETS
    if flavour == "twibooru":
        # Its legacy routes are the documented subset: search and single images.
        return TWIBOORU_BUDGETS + tuple(b for b in LEGACY_BUDGETS if "comments" not in b.groups)
    return LEGACY_BUDGETS


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


@click.command()
@click.option(
    "--flavour",
    type=click.Choice(sorted(PROFILES)),
    default="philomena",
    show_default=True,
    help="Which API to fake.",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Loopback address.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="Port (0: any free port).",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Board generator seed.")
@click.option(
    "--images",
    type=click.IntRange(1, 200_000),
    default=2000,
    show_default=True,
    help="Images on the generated board.",
)
@click.option("--master", is_flag=True, help="Philomena master (1.3) views and errors.")
@click.option(
    "--rate-limits",
    is_flag=True,
    help="Enforce the site's documented budgets (answers 429 past them).",
)
def serve(
    flavour: str, host: str, port: int, seed: int, images: int, master: bool, rate_limits: bool
) -> None:
    """Run the fake booru server on loopback until Ctrl-C; prints its URL."""
    host = _loopback(host)
    try:
        import uvicorn  # noqa: F401
    except ImportError:
        raise click.ClickException(
            "serving needs uvicorn: pip install 'booru-async[serve]'"
        ) from None
    from booru_async.testing import Board, FakeBooru, serve_in_thread

    budgets = served_budgets(flavour) if rate_limits else ()
    board = Board.generate(seed=seed, images=images)
    fake = FakeBooru(
        board,
        flavour=flavour,
        master=master,
        site_name=SITE_NAMES[flavour],
        rate_budgets=budgets,
        rate_limit_style="twibooru" if flavour != "philomena" else "proxy",
    )
    with contextlib.ExitStack() as stack:
        try:
            url = stack.enter_context(serve_in_thread(fake, host, port))
        except OSError as exc:
            raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror}") from None
        click.echo(f"Serving a fake {flavour} booru at {url} (Ctrl-C to stop)")
        click.echo(f"  try: booru-async --site {PROFILES[flavour]} --base-url {url} search safe")
        sys.stdout.flush()
        stop = threading.Event()
        previous = signal.signal(signal.SIGTERM, _interrupt)
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            click.echo("stopped", err=True)
        finally:
            signal.signal(signal.SIGTERM, previous)
