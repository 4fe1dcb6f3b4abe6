"""``images.download(image, "downloads/")`` creates the folder when its parent exists."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

import booru_async as ba

pytestmark = pytest.mark.anyio


async def first_image(client: ba.Client) -> ba.Image:
    async for image in client.images.search("safe", limit=1):
        return image
    raise AssertionError("the demo site has safe images")


async def test_download_creates_a_missing_folder(tmp_path: Path) -> None:
    dest = tmp_path / "downloads"
    async with ba.Client("demo") as client:
        image = await first_image(client)
        path = await client.images.download(image, dest)
        again = await client.images.download(image, dest)  # the folder exists now
    assert path.parent == dest and path == again and path.stat().st_size == image.size


async def test_download_refuses_a_missing_parent_or_a_file(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_bytes(b"x")
    async with ba.Client("demo") as client:
        image = await first_image(client)
        with pytest.raises(ValueError, match="parent folder does not exist"):
            await client.images.download(image, tmp_path / "typo" / "downloads")
        with pytest.raises(ValueError, match="not a file"):
            await client.images.download(image, tmp_path / "a-file")
    assert sorted([p.name async for p in anyio.Path(tmp_path).iterdir()]) == ["a-file"]
