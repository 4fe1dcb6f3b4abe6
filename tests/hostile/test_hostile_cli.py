"""The command line against hostile answers and hostile file systems (issue 12 items 4 and
12): every failure is one line and a documented exit status; a per-file failure in
``download`` is counted and the rest continue; a full disk stops at once."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from click.testing import CliRunner, Result
from conftest import KEY, file_bytes, image_json
from hostile_server import Conn, HostileServer, Request, running

from booru_async import _download
from booru_async.cli._app import cli
from booru_async.cli._exit import EPILOG, ExitCode

IDS = list(range(101, 113))
LONG = "x" * 300


@pytest.fixture
def booru() -> Iterator[tuple[HostileServer, HostileServer]]:
    """An API answering any image id, and a CDN serving its files; image 105's file URL
    carries a 300-character extension."""
    with running() as api, running(host="127.0.0.2") as cdn:

        async def meta(request: Request, conn: Conn) -> None:
            image_id = int(request.path.rsplit("/", 1)[1])
            raw = image_json(image_id, cdn=cdn.url)
            if image_id == 105:
                raw["representations"]["full"] = f"{cdn.url}/img/105/full.{LONG}"
            await conn.json({"image": raw})

        async def files(request: Request, conn: Conn) -> None:
            image_id = int(request.path.split("/")[-2])
            await conn.respond(200, file_bytes(image_id), content_type="image/png")

        api.handler, cdn.handler = meta, files
        yield api, cdn


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def at(api: HostileServer, *args: str) -> list[str]:
    return ["--site", "derpibooru", "--base-url", api.url, "--key", KEY, *args]


def one_line(result: Result) -> str:
    lines = [line for line in result.stderr.splitlines() if line.startswith("booru-async:")]
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    assert KEY not in result.stderr and KEY not in result.stdout
    return lines[-1]


def documented(code: int) -> bool:
    return re.search(rf"^\s*{code}\s", EPILOG, re.MULTILINE) is not None


def test_every_exit_code_is_documented() -> None:
    assert all(documented(code) for code in ExitCode)


def test_get_profile_by_name_is_a_usage_error() -> None:
    result = invoke("--site", "demo", "get", "profile", "somename")
    assert result.exit_code == ExitCode.USAGE
    assert "Traceback" not in result.stderr and "number" in result.stderr


def test_get_profile_by_id_works() -> None:
    result = invoke("--site", "demo", "get", "profile", "1", "--format", "json")
    assert result.exit_code in (ExitCode.OK, ExitCode.NOT_FOUND), result.stderr


def test_crawl_output_in_a_missing_folder_is_created(tmp_path: Path) -> None:
    out = tmp_path / "missing" / "dir" / "out.jsonl"
    result = invoke("--site", "demo", "crawl", "-o", str(out), "--limit", "3")
    assert result.exit_code == 0, result.stderr
    assert len(out.read_text().splitlines()) == 3
    assert (out.parent / "out.jsonl.cursor").exists()


def test_crawl_output_under_a_file_is_one_line_and_status_12(tmp_path: Path) -> None:
    blocker = tmp_path / "afile"
    blocker.write_text("not a folder")
    result = invoke("--site", "demo", "crawl", "-o", str(blocker / "out.jsonl"), "--limit", "1")
    assert result.exit_code == ExitCode.FILES
    assert "file error" in one_line(result)


@pytest.mark.parametrize("content", [b"not sqlite at all", b"\x00" * 100, b"SQLite format 2\x00"])
def test_cache_that_is_not_sqlite_is_one_line_and_a_usage_error(
    tmp_path: Path, content: bytes
) -> None:
    cache = tmp_path / "cache.db"
    cache.write_bytes(content)
    result = invoke("--site", "demo", "--cache", str(cache), "get", "image", "1")
    assert result.exit_code == ExitCode.USAGE
    assert "not an SQLite database" in result.stderr
    assert "Traceback" not in result.stderr
    assert cache.read_bytes() == content  # left as it was


def test_cache_in_a_new_or_empty_file_works(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    for path in (empty, tmp_path / "new" / "cache.db"):
        result = invoke("--site", "demo", "--cache", str(path), "get", "image", "1")
        assert result.exit_code == 0, result.stderr


def test_download_counts_a_per_file_failure_and_continues(
    booru: tuple[HostileServer, HostileServer], tmp_path: Path
) -> None:
    api, cdn = booru
    dest = tmp_path / "files"
    dest.mkdir()
    (dest / "107.png").mkdir()  # a folder where a file must go: this file alone fails
    ids = ",".join(map(str, IDS))
    result = invoke(*at(api, "download", "--ids", ids, "--dest", str(dest), "-j", "3"))
    assert result.exit_code == ExitCode.FILES, result.stderr
    names = sorted(p.name for p in dest.iterdir() if p.is_file())
    # 105's 300-character extension falls back to its format: a normal name.
    assert names == sorted(f"{i}.png" for i in IDS if i != 107)
    assert f"{len(IDS) - 1} downloaded, 0 skipped, 1 failed" in result.stderr
    assert "image 107: file error" in result.stderr
    assert "Traceback" not in result.stderr and KEY not in result.stderr
    assert not [p for p in dest.iterdir() if p.name.endswith(".part")]
    assert not [r for r in cdn.requests if KEY.encode() in r.raw]


def test_a_full_disk_stops_the_download_with_one_line(
    booru: tuple[HostileServer, HostileServer], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    api, cdn = booru
    real_open = anyio.open_file

    async def onto_a_full_disk(path: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if str(path).endswith(".part"):
            return await real_open("/dev/full", mode)  # every write: ENOSPC, from the kernel
        return await real_open(path, mode, *args, **kwargs)

    monkeypatch.setattr(_download.anyio, "open_file", onto_a_full_disk)
    dest = tmp_path / "files"
    ids = ",".join(map(str, IDS))
    result = invoke(*at(api, "download", "--ids", ids, "--dest", str(dest), "-j", "2"))
    assert result.exit_code == ExitCode.FILES
    line = one_line(result)
    assert "file error" in line and "No space left on device" in line
    assert len(cdn.requests) < len(IDS)  # it stopped, rather than failing every file
    assert list(dest.iterdir()) == []


def test_an_unexpected_error_is_one_line_and_status_1(
    booru: tuple[HostileServer, HostileServer], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    api, _cdn = booru

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise TypeError("something nobody expected")

    monkeypatch.setattr("booru_async.cli._cmd_query.Emitter", broken)
    result = invoke(*at(api, "get", "image", "101"))
    assert result.exit_code == ExitCode.FAILURE
    assert "TypeError: something nobody expected" in one_line(result)


def test_crawl_skips_a_malformed_image_and_says_so(tmp_path: Path) -> None:
    async def keyset(request: Request, conn: Conn) -> None:
        below = re.search(r"id\.lt:(\d+)", request.query.get("q", ""))
        top = min(60, int(below[1]) - 1) if below else 60
        ids = range(top, max(top - int(request.query.get("per_page", 25)), 0), -1)
        items = [{"id": i, "tags": 5} if i == 30 else image_json(i) for i in ids]
        await conn.json({"images": items, "total": top})

    with running(keyset) as api:
        out = tmp_path / "out.jsonl"
        result = invoke(*at(api, "crawl", "-o", str(out), "--per-page", "10"))
    assert result.exit_code == 0, result.stderr
    ids = [json.loads(line)["id"] for line in out.read_text().splitlines()]
    assert ids == [i for i in range(60, 0, -1) if i != 30]
    assert "skipped 1 image(s)" in result.stderr and "ids 30" in result.stderr
    assert "Traceback" not in result.stderr
