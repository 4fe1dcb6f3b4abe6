"""The ``booru-async`` click group: common options, help with the exit-code table, and the
subcommands."""

from __future__ import annotations

import click

import booru_async as ba

from ._cmd_crawl import crawl
from ._cmd_download import download
from ._cmd_query import get, search, sites, tags
from ._cmd_serve import serve
from ._cmd_updates import changes, stream
from ._context import Settings, common_options, config_option, format_option, limit_option
from ._exit import EPILOG

__all__ = ["cli"]


@click.group(
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog=EPILOG,
)
@config_option()
@common_options(group=True)
@limit_option()
@format_option()
@click.version_option(ba.__version__, prog_name="booru-async")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Search, crawl and download from Philomena-family image boards (Derpibooru,
    Furbooru, Twibooru, ...), or run a fake one.

    Common options may be given before or after the command:
    `booru-async --site demo search safe --limit 5`.
    """
    ctx.ensure_object(Settings)


for command in (search, get, tags, crawl, download, stream, changes, serve, sites):
    cli.add_command(command)
