"""``search``, ``get``, ``tags`` and ``sites``: look things up and print them."""

from __future__ import annotations

from typing import Any, cast

import click

import booru_async as ba

from ._context import common_options, format_option, limit_option, make_client, run, settings
from ._inputs import for_site, site_of_url
from ._output import Emitter
from ._urls import looks_like_url

__all__ = ["get", "search", "sites", "tags"]

#: Items listed when --limit is not given (one page).
DEFAULT_LIMIT = 50
KINDS = ("image", "tag", "comment", "profile", "filter", "gallery")


def _limit(value: int | None) -> int | None:
    if value is None:
        return DEFAULT_LIMIT
    return None if value == 0 else value


@click.command()
@click.argument("query")
@click.option("--sort", metavar="FIELD", help="Sort field: score, wilson_score, id, random, ...")
@click.option("--order", type=click.Choice(["asc", "desc"]), help="Sort order.")
@click.option("--per-page", type=click.IntRange(1, 50), help="Page size (1-50).")
@limit_option(f"Stop after this many images (default {DEFAULT_LIMIT}; 0: every match).")
@format_option()
@common_options()
def search(query: str, sort: str | None, order: str | None, per_page: int | None) -> None:
    """Search images: booru-async search 'safe, fluttershy' --limit 10"""
    s = settings()

    async def work() -> None:
        emitter = Emitter(s.output_format())
        async with make_client(s) as client:
            pager = client.images.search(
                query,
                # Any string: the session refuses a field the site does not sort by before
                # sending (exit status 9), and seeded random:<n> has no Literal spelling.
                sort=cast("ba.ImageSort | None", sort),
                order=order,  # type: ignore[arg-type]
                per_page=per_page,
                limit=_limit(s.limit),
            )
            found = 0
            async for image in pager:
                emitter.add(image)
                found += 1
        emitter.close()
        if not found:
            click.echo(f"booru-async: no images match {query!r} on {s.site.lower()}", err=True)

    run(s, work)


@click.command()
@click.argument("query")
@click.option("--per-page", type=click.IntRange(1, 50), help="Page size (1-50).")
@limit_option(f"Stop after this many tags (default {DEFAULT_LIMIT}; 0: every match).")
@format_option()
@common_options()
def tags(query: str, per_page: int | None) -> None:
    """Search tags: booru-async tags 'name:flutter*'"""
    s = settings()

    async def work() -> None:
        emitter = Emitter(s.output_format())
        async with make_client(s) as client:
            async for tag in client.tags.search(query, per_page=per_page, limit=_limit(s.limit)):
                emitter.add(tag)
        emitter.close()

    run(s, work)


def _numeric(kind: str, value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise click.BadParameter(
            f"a {kind} id is a number, not {value!r}", param_hint="ID"
        ) from None
    if number < 0:
        raise click.BadParameter(f"a {kind} id is >= 0", param_hint="ID")
    return number


@click.command()
@click.argument("kind", metavar="KIND ID | URL")
@click.argument("id", required=False, metavar="")
@format_option()
@common_options()
def get(kind: str, id: str | None) -> None:
    """Get one image, tag (slug or name), comment, profile, filter or gallery by id, or an
    image by its page URL: booru-async get https://derpibooru.org/images/1

    KIND is one of image, tag, comment, profile, filter, gallery."""
    s = settings()
    key: int | str
    if looks_like_url(kind):
        if id is not None:
            raise click.UsageError("give an image page URL alone, or KIND and ID")
        try:
            site, image_id = site_of_url(s, kind)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="URL") from None
        s = for_site(s, site)
        kind, key = "image", image_id
    else:
        if kind not in KINDS:
            raise click.BadParameter(
                f"{kind!r} is not one of {', '.join(KINDS)} (or an image page URL)",
                param_hint="KIND",
            )
        if id is None:
            raise click.UsageError(f"missing the {kind} ID")
        # Only tags are looked up by name: the profile, comment, filter and gallery routes
        # take a numeric id (Philomena's Api.Json.ProfileController loads users by id).
        key = id.strip() if kind == "tag" else _numeric(kind, id)

    async def work() -> None:
        async with make_client(s, priority="interactive") as client:
            item: Any
            if kind == "image":
                item = await client.images.get(int(key))
            elif kind == "tag":
                item = await client.tags.get(str(key))
            elif kind == "comment":
                item = await client.comments.get(int(key))
            elif kind == "profile":
                item = await client.profiles.get(int(key))
            elif kind == "filter":
                item = await client.filters.get(int(key))
            else:
                item = await client.galleries.get(int(key))
        emitter = Emitter(s.output_format(), single=True)
        emitter.add(item)
        emitter.close()

    run(s, work)


def site_data(site: ba.Site) -> dict[str, Any]:
    return {
        "name": site.name,
        "flavour": site.flavour,
        "base_url": site.base_url,
        "budgets": {
            group: {"requests": n, "seconds": seconds}
            for group, (n, seconds) in site.budgets.items()
        },
        "budget_source": site.budget_source,
        "cdn_hosts": list(site.cdn_hosts),
        "everything_filter_id": site.everything_filter_id,
        "offline": site.in_process,
    }


def _budget_text(site: ba.Site) -> str:
    return ", ".join(f"{group} {n}/{seconds:g}s" for group, (n, seconds) in site.budgets.items())


@click.command()
@format_option()
def sites() -> None:
    """List the built-in site profiles and their rate budgets (requests per seconds)."""
    s = settings()
    emitter = Emitter(s.output_format())
    for site in ba.SITES.values():
        data = site_data(site)
        if s.output_format() == "table":
            data = {
                "name": site.name,
                "flavour": site.flavour,
                "base_url": site.base_url,
                "budgets": _budget_text(site),
                "budget_source": site.budget_source,
            }
        emitter.add(data)
    emitter.close()
