"""``download``: images by query or id into a folder, concurrently, hash-checked.

Files already in the folder whose SHA-512 matches are skipped without a request to the CDN,
so running the same command again resumes an interrupted download. The library writes each
file through a temporary name and deletes it on any failure or cancellation, so nothing
partial is ever left under a final name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import anyio
import anyio.to_thread
import click
from anyio.abc import ObjectReceiveStream, ObjectSendStream

import booru_async as ba

from .._download import REPRESENTATIONS, complete_file
from ._context import common_options, limit_option, make_client, run, settings
from ._exit import ExitCode, classify, redact
from ._progress import Tracker, track

__all__ = ["download", "parse_ids"]


def parse_ids(_ctx: click.Context, _param: click.Parameter, value: str | None) -> list[int]:
    if not value:
        return []
    ids: list[int] = []
    for part in value.replace(" ", ",").split(","):
        if not part:
            continue
        if not part.isdigit() or int(part) < 1:
            raise click.BadParameter(f"image ids are positive numbers, not {part!r}")
        ids.append(int(part))
    return list(dict.fromkeys(ids))


@dataclass
class _Outcome:
    downloaded: int = 0
    skipped: int = 0
    failures: list[tuple[int, ExitCode]] = field(default_factory=list)


@click.command()
@click.argument("query", required=False)
@click.option("--ids", callback=parse_ids, metavar="1,2,3", help="Image ids (comma-separated).")
@click.option(
    "--dest",
    "-d",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write <id>.<ext> files into (created if missing).",
)
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
    type=click.Choice(REPRESENTATIONS),
    default="full",
    show_default=True,
    help="Which file: full (hash-checked), original (an SVG's source), a thumbnail size, "
    "or webm/mp4 for GIFs.",
)
@limit_option("Stop after this many images from QUERY (0: no limit).")
@common_options()
def download(
    query: str | None, ids: list[int], dest: Path, concurrency: int, representation: str
) -> None:
    """Download images matching QUERY and/or --ids into --dest. Files already there with
    a matching SHA-512 are skipped; each failure is reported and the rest continue."""
    s = settings()
    if not query and not ids:
        raise click.UsageError("give a QUERY, --ids, or both")
    limit = s.limit or None

    async def work() -> int:
        await anyio.Path(dest).mkdir(parents=True, exist_ok=True)
        outcome = _Outcome()
        async with make_client(s, priority="bulk") as client:
            tracker = Tracker(
                client,
                what="download",
                unit="files",
                group="cdn",
                total=len(ids) if not query else None,
                show_bytes=True,
                key=s.key,
            )

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
                try:
                    image = item if isinstance(item, ba.Image) else await client.images.get(item)
                    if await complete_file(dest, image, representation):
                        outcome.skipped += 1
                        tracker.advance()
                        return
                    path = await client.images.download(
                        image,
                        dest,
                        representation=representation,  # type: ignore[arg-type]
                    )
                    size = (await anyio.Path(path).stat()).st_size
                except (ba.BooruError, ValueError) as exc:
                    fail(image_id, exc)
                    return
                outcome.downloaded += 1
                tracker.advance(nbytes=size)

            async def worker(receive: ObjectReceiveStream[ba.Image | int]) -> None:
                async with receive:
                    async for item in receive:
                        await one(item)

            async def produce(send: ObjectSendStream[ba.Image | int]) -> None:
                async with send:
                    for image_id in ids:
                        await send.send(image_id)
                    if query:
                        seen = set(ids)
                        sent = 0
                        pager = client.images.search(query, limit=limit)
                        async for page in pager.pages():
                            if page.total is not None and page.number == 1:
                                total = page.total if limit is None else min(limit, page.total)
                                tracker.set_total(len(ids) + total)
                            for image in page.items:
                                if limit is not None and sent >= limit:
                                    break
                                sent += 1
                                if image.id not in seen:
                                    seen.add(image.id)
                                    await send.send(image)

            try:
                async with track(tracker):
                    send, receive = anyio.create_memory_object_stream[ba.Image | int](
                        concurrency * 2
                    )
                    async with anyio.create_task_group() as group:
                        for _ in range(concurrency):
                            group.start_soon(worker, receive.clone())
                        receive.close()
                        group.start_soon(produce, send)
            finally:
                tracker.print_summary(
                    f"{outcome.downloaded} downloaded, {outcome.skipped} skipped, "
                    f"{len(outcome.failures)} failed"
                )
        codes = {code for _, code in outcome.failures}
        if not codes:
            return ExitCode.OK
        return codes.pop() if len(codes) == 1 else ExitCode.FAILURE

    run(s, work)
