"""``download``: images by query, id, page URL or crawl file into a folder, concurrently,
hash-checked.

Files already in the folder whose SHA-512 matches are skipped without a request to the CDN,
so running the same command again resumes an interrupted download. The library writes each
file through a temporary name and deletes it on any failure or cancellation, so nothing
partial is ever left under a final name.

``--template`` names files from image fields (see ``_template``): the library downloads
straight to the template's path (``images.download(filename=...)``, which refuses a path
leading outside ``--dest``), so the same guarantees hold. ``--archive`` skips what an
earlier run recorded before any request; ``--metadata`` writes ``<file>.json`` beside each
file.
"""

from __future__ import annotations

import errno
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import get_args

import anyio
import anyio.to_thread
import click
from anyio.abc import ObjectReceiveStream, ObjectSendStream

import booru_async as ba

from ._archive import Archive
from ._context import Settings, common_options, limit_option, make_client, run, settings
from ._exit import ExitCode, classify, redact
from ._inputs import Wanted, for_site, read_lines, site_of_url
from ._output import dumps
from ._progress import Tracker, track
from ._template import check_template, render
from ._urls import looks_like_url

__all__ = ["download", "parse_ids"]



def parse_ids(_ctx: click.Context, _param: click.Parameter, value: str | None) -> list[int]:
    if not value:
        return []
    ids: list[int] = []
    for part in value.replace(" ", ",").split(","):
        if not part:
            continue
        if not part.isascii() or not part.isdigit():
            # Ids start at 0 (Derpibooru's first image is 0).
            raise click.BadParameter(f"image ids are numbers >= 0, not {part!r}")
        ids.append(int(part))
    return list(dict.fromkeys(ids))


#: File-system errors that stop the whole download: they would fail every other file too.
STOP_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS})


@dataclass
class _Outcome:
    downloaded: int = 0
    skipped: int = 0
    archived: int = 0
    total: int = 0
    failures: list[tuple[int, ExitCode]] = field(default_factory=list)

    def counts(self) -> str:
        done = self.downloaded + self.skipped + self.archived
        already = self.skipped + self.archived
        text = (
            f"{self.downloaded} downloaded, {self.skipped + self.archived} skipped, "
            f"{len(self.failures)} failed"
        )
        return text + f"; {done} of {max(self.total, done)} done ({already} already there)"


@dataclass(frozen=True)
class _Options:
    dest: Path
    concurrency: int
    representation: str
    template: str | None
    archive: Archive | None
    metadata: bool


def _write_sidecar(path: Path, image: ba.Image) -> None:
    """``<file>.json``: the image as JSON, written through a temporary file."""
    target = path.with_name(path.name + ".json")
    temporary = path.with_name(f".{path.name}.json.{secrets.token_hex(4)}.tmp")
    try:
        temporary.write_text(dumps(image) + "\n", encoding="utf-8")
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


async def _fetch_one(
    client: ba.Client, image: ba.Image, options: _Options
) -> tuple[Path, bool]:
    """Download ``image`` (or find it complete); ``(path, downloaded)``."""
    representation: ba.Representation = options.representation  # type: ignore[assignment]
    filename = None
    if options.template is not None:
        name = client.images.file_name(image, representation)
        filename = render(options.template, image, name.rsplit(".", 1)[-1])
    done = await client.images.existing_file(
        image, options.dest, representation=representation, filename=filename
    )
    if done is not None:
        return done, False
    path = await client.images.download(
        image, options.dest, representation=representation, filename=filename
    )
    return path, True


async def _download_site(
    s: Settings, query: str | None, wanted: Wanted, options: _Options, outcome: _Outcome
) -> None:
    site = s.site.lower()
    limit = s.limit or None
    archive = options.archive
    async with make_client(s, priority="bulk") as client:
        tracker = Tracker(
            client,
            what="download",
            unit="files",
            group="cdn",
            total=len(wanted) if not query else None,
            show_bytes=True,
            key=s.key,
        )
        outcome.total += len(wanted)

        def fail(image_id: int, exc: BaseException) -> None:
            code, label = classify(exc)
            if isinstance(exc, ValueError):  # hidden, or no such representation
                code, label = ExitCode.NOT_FOUND, "unavailable"
            message = " ".join(str(exc).split())
            tracker.message(redact(f"booru-async: image {image_id}: {label}: {message}", s.key))
            outcome.failures.append((image_id, code))
            tracker.advance()

        async def one(item: ba.Image | int) -> None:
            image_id = item if isinstance(item, int) else item.id
            if archive is not None and (site, image_id) in archive:
                outcome.archived += 1
                tracker.advance()
                return
            try:
                image = item if isinstance(item, ba.Image) else await client.images.get(item)
                path, fetched = await _fetch_one(client, image, options)
                size = (await anyio.Path(path).stat()).st_size if fetched else 0
                if options.metadata and (
                    fetched or not await anyio.Path(f"{path}.json").is_file()
                ):
                    await anyio.to_thread.run_sync(_write_sidecar, path, image)
            except OSError as exc:
                if exc.errno in STOP_ERRNOS:
                    raise  # no other file can be written either: stop with one line
                fail(image_id, exc)  # this file's name or folder: the rest continue
                return
            except (ba.BooruError, ValueError) as exc:
                fail(image_id, exc)
                return
            if archive is not None:
                archive.add(site, image.id, path)
            if fetched:
                outcome.downloaded += 1
            else:
                outcome.skipped += 1
            tracker.advance(nbytes=size)

        async def worker(receive: ObjectReceiveStream[ba.Image | int]) -> None:
            async with receive:
                async for item in receive:
                    await one(item)

        async def produce(send: ObjectSendStream[ba.Image | int]) -> None:
            async with send:
                for image in wanted.images:
                    await send.send(image)
                for image_id in wanted.ids:
                    await send.send(image_id)
                if query:
                    seen = {*wanted.ids, *(i.id for i in wanted.images)}
                    sent = 0
                    pager = client.images.search(query, limit=limit)
                    async for page in pager.pages():
                        if page.total is not None and page.number == 1:
                            total = page.total if limit is None else min(limit, page.total)
                            outcome.total += total
                            tracker.set_total(len(wanted) + total)
                        for image in page.items:
                            if limit is not None and sent >= limit:
                                break
                            sent += 1
                            if image.id not in seen:
                                seen.add(image.id)
                                await send.send(image)
                    if sent == 0:
                        tracker.message(f"booru-async: no images match {query!r} on {site}")

        try:
            async with track(tracker):
                send, receive = anyio.create_memory_object_stream[ba.Image | int](
                    options.concurrency * 2
                )
                async with anyio.create_task_group() as group:
                    for _ in range(options.concurrency):
                        group.start_soon(worker, receive.clone())
                    receive.close()
                    group.start_soon(produce, send)
        finally:
            tracker.print_summary(outcome.counts())


def _split_targets(s: Settings, targets: tuple[str, ...]) -> tuple[str | None, dict[str, Wanted]]:
    """The query (at most one non-URL argument) and the images the URLs name, by site."""
    query: str | None = None
    by_site: dict[str, Wanted] = {}
    for target in targets:
        if looks_like_url(target):
            try:
                site, image_id = site_of_url(s, target)
            except ValueError as exc:
                raise click.BadParameter(str(exc), param_hint="URL") from None
            ids = by_site.setdefault(site, Wanted()).ids
            if image_id not in ids:
                ids.append(image_id)
        elif query is None:
            query = target
        else:
            raise click.UsageError(
                f"give one QUERY (quote it: 'a, b'), not {query!r} and {target!r}"
            )
    return query, by_site


@click.command()
@click.argument("targets", nargs=-1, metavar="[QUERY] [URL]...")
@click.option("--ids", callback=parse_ids, metavar="1,2,3", help="Image ids (comma-separated).")
@click.option(
    "--from",
    "from_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Download what a `booru-async crawl` JSON-lines file lists (no lookup per image).",
)
@click.option(
    "--dest",
    "-d",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write files into (created if missing).",
)
@click.option(
    "--template",
    metavar="TEXT",
    help="File name from image fields, inside --dest: {id} {ext} {site} {artists} {rating} "
    "{sha512_hash} {created_at:%Y} ... ('/' makes folders). Default: {id}.{ext} "
    "(thumbnails {id}.<size>.{ext}).",
)
@click.option(
    "--archive",
    type=click.Path(dir_okay=False, path_type=Path),
    help="SQLite file recording downloaded (site, id); recorded images are skipped without "
    "a request, even when their files were moved away.",
)
@click.option("--metadata", is_flag=True, default=None, help="Write <file>.json (the image).")
@click.option(
    "--concurrency",
    "-j",
    type=click.IntRange(1, 64),
    default=4,
    show_default=True,
    help="Files downloaded at once.",
)
@click.option(
    "--representation",
    type=click.Choice(get_args(ba.Representation)),
    default="full",
    show_default=True,
    help="Which file: full (hash-checked), original (an SVG's source), a thumbnail size, "
    "or webm/mp4 for GIFs.",
)
@limit_option("Stop after this many images from QUERY (0: no limit).")
@common_options()
def download(
    targets: tuple[str, ...],
    ids: list[int],
    from_file: Path | None,
    dest: Path,
    template: str | None,
    archive: Path | None,
    metadata: bool | None,
    concurrency: int,
    representation: str,
) -> None:
    """Download images matching QUERY, image page URLs (https://derpibooru.org/images/1),
    --ids and/or --from into --dest. Files already there with a matching SHA-512 (or,
    without one, the size the image gives) are skipped; each failure is reported and the
    rest continue, except a full or read-only disk, which stops the download (status 12)."""
    s = settings()
    query, by_site = _split_targets(s, targets)
    site = s.site.lower()
    if ids:
        own = by_site.setdefault(site, Wanted()).ids
        own[:0] = [i for i in ids if i not in own]
    bad_lines = 0
    if from_file is not None:
        listed, bad_lines = read_lines(from_file, site)
        for name, wanted in listed.items():
            target = by_site.setdefault(name, Wanted())
            target.images += wanted.images
            target.ids += [i for i in wanted.ids if i not in target.ids]
    if not query and not by_site:
        raise click.UsageError("give a QUERY, image URLs, --ids or --from")
    if template is not None:
        try:
            check_template(template)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--template") from None
    if query and site not in by_site:
        by_site[site] = Wanted()

    async def work() -> int:
        await anyio.Path(dest).mkdir(parents=True, exist_ok=True)  # OSError: one line, 12
        outcome = _Outcome()
        record = None
        if archive is not None:
            try:
                record = Archive(archive)
            except ValueError as exc:
                raise click.BadParameter(str(exc), param_hint="--archive") from None
        options = _Options(dest, concurrency, representation, template, record, bool(metadata))
        if bad_lines:
            click.echo(f"booru-async: {from_file}: {bad_lines} line(s) without an image id "
                       "ignored", err=True)
        try:
            # The --site first (it owns the query), then the other sites URLs named.
            for name in sorted(by_site, key=lambda n: n != site):
                await _download_site(
                    for_site(s, name), query if name == site else None, by_site[name],
                    options, outcome,
                )
        finally:
            if record is not None:
                record.close()
        codes = {code for _, code in outcome.failures}
        if not codes:
            return ExitCode.OK
        return codes.pop() if len(codes) == 1 else ExitCode.FAILURE

    run(s, work)
