"""The ``booru-async`` command line, end to end against the fake server on a real loopback
socket: in-process through click's CliRunner where nothing is killed, in subprocesses (and
a pty) where something is."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import pty
import re
import select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
from click.testing import CliRunner, Result

import booru_async as ba
from booru_async.cli import INSTALL_HINT
from booru_async.cli._app import cli
from booru_async.cli._exit import ExitCode, classify
from booru_async.cli._progress import wait_status
from booru_async.testing import AntiBot, Board, FakeBooru, Fault, serve_in_thread

ANSI = "\x1b["
ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
BAR = "━"


@pytest.fixture(scope="module")
def board() -> Board:
    return Board.generate(seed=5, images=120, users=20, galleries=5, topics=5)


@pytest.fixture
def served(board: Board) -> Iterator[tuple[FakeBooru, str]]:
    """A fake (no rate budgets) on a loopback socket, and its URL."""
    fake = FakeBooru(board)
    with serve_in_thread(fake) as url:
        yield fake, url


def clean_env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("FORCE_COLOR", "NO_COLOR", "TTY_COMPATIBLE", "COLUMNS", "BOORU_API_KEY")
    }
    return {**env, **extra}


def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def at(url: str, *args: str) -> list[str]:
    """Arguments that point the derpibooru profile at the fake, quickly."""
    return ["--site", "derpibooru", "--base-url", url, "--priority", "normal", *args]


def visible(board: Board) -> list[int]:
    return sorted(
        (i.id for i in board.images.values() if not i.hidden_from_users and i.approved),
        reverse=True,
    )


def reference(url: str, query: str = "") -> list[int]:
    """Every image id the library's own crawl yields (newest first): the oracle."""

    async def main() -> list[int]:
        async with ba.Client("derpibooru", base_url=url) as client:
            return [image.id async for image in client.images.crawl(query)]

    return asyncio.run(main())


def spawn(*args: str, **kwargs: Any) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "booru_async", *args], env=clean_env(), **kwargs)


def one_error_line(result: Result, label: str) -> None:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"booru-async: {label}: "), lines[0]
    assert "Traceback" not in result.stderr


# -- help, sites, demo ----------------------------------------------------------------------


def test_help_documents_every_exit_code() -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    for command in ("search", "get", "tags", "crawl", "download", "serve", "sites"):
        assert command in result.stdout
    assert "Exit status" in result.stdout
    for code in ExitCode:
        assert f" {int(code)}  " in result.stdout, code


def test_sites_lists_every_profile_with_budgets() -> None:
    table = invoke("sites")
    assert table.exit_code == 0
    for name in ba.SITES:
        assert name in table.stdout
    assert "site 30/5s" in table.stdout and "search 10/60s" in table.stdout
    data = json.loads(invoke("sites", "--format", "json").stdout)
    assert [d["name"] for d in data] == list(ba.SITES)
    derpi = data[0]
    assert derpi["budgets"]["site"] == {"requests": 30, "seconds": 5.0}
    assert derpi["budgets"]["search"] == {"requests": 20, "seconds": 10.0}


def test_demo_search_works_offline() -> None:
    result = invoke("--site", "demo", "search", "safe", "--limit", "5")
    assert result.exit_code == 0, result.stderr
    rows = [line for line in result.stdout.splitlines() if line.strip()[:1].isdigit()]
    assert len(rows) == 5
    assert "id" in result.stdout.splitlines()[0] and "tags" in result.stdout.splitlines()[0]
    assert ANSI not in result.stdout
    lines = invoke("search", "safe", "-n", "5", "-f", "jsonl", "--site", "demo").stdout
    images = [json.loads(line) for line in lines.splitlines()]
    assert len(images) == 5 and all("safe" in i["tags"] for i in images)


# -- get, search, tags: formats -------------------------------------------------------------


def test_get_every_kind(board: Board, served: tuple[FakeBooru, str]) -> None:
    _, url = served
    image_id = visible(board)[0]
    comment = next(
        c
        for c in board.comments.values()
        if not c.hidden_from_users and c.approved and c.image_id in set(visible(board))
    )
    user = next(iter(board.users.values()))
    gallery = next(iter(board.galleries.values()))
    tag = board.tags[board.images[image_id].tag_ids[0]]
    cases = [
        ("image", str(image_id), "id", image_id),
        ("tag", tag.name, "name", tag.name),
        ("comment", str(comment.id), "id", comment.id),
        ("profile", str(user.id), "name", user.name),
        ("filter", "56027", "id", 56027),
        ("gallery", str(gallery.id), "id", gallery.id),
    ]
    for kind, key, field, expected in cases:
        result = invoke(*at(url, "get", kind, key, "--format", "json"))
        assert result.exit_code == 0, (kind, result.stderr)
        assert json.loads(result.stdout)[field] == expected
    table = invoke(*at(url, "get", "image", str(image_id)))
    assert table.exit_code == 0 and "sha512_hash" in table.stdout and ANSI not in table.stdout


def test_model_json_has_iso_dates_lists_and_extra(
    board: Board, served: tuple[FakeBooru, str]
) -> None:
    _, url = served
    image_id = visible(board)[0]
    data = json.loads(invoke(*at(url, "get", "image", str(image_id), "-f", "json")).stdout)
    assert isinstance(data["tags"], list) and isinstance(data["locations"], list)
    assert data["created_at"].endswith("+00:00") and "T" in data["created_at"]
    assert "extra" in data and isinstance(data["representations"], dict)
    assert data["sha512_hash"] == board.images[image_id].sha512_hash or data["sha512_hash"]
    listing = json.loads(invoke(*at(url, "search", "safe", "-n", "3", "-f", "json")).stdout)
    assert isinstance(listing, list) and len(listing) == 3
    tags = invoke(*at(url, "tags", "*", "-n", "4", "-f", "jsonl")).stdout.splitlines()
    assert len(tags) == 4 and all("slug" in json.loads(t) for t in tags)


def test_options_before_or_after_the_command(served: tuple[FakeBooru, str]) -> None:
    _, url = served
    before = invoke("--base-url", url, "--limit", "2", "--format", "jsonl", "search", "safe")
    after = invoke("search", "safe", "--base-url", url, "--limit", "2", "--format", "jsonl")
    assert before.exit_code == after.exit_code == 0
    assert before.stdout == after.stdout and len(after.stdout.splitlines()) == 2


# -- exit codes -----------------------------------------------------------------------------


def test_bad_query_exit_code(served: tuple[FakeBooru, str]) -> None:
    result = invoke(*at(served[1], "search", "(safe"))
    assert result.exit_code == 3
    one_error_line(result, "bad query")


def test_not_found_exit_code(served: tuple[FakeBooru, str]) -> None:
    result = invoke(*at(served[1], "get", "image", "99999999"))
    assert result.exit_code == 4
    one_error_line(result, "not found")


def test_blocked_exit_code(board: Board) -> None:
    fake = FakeBooru(board, anti_bot=AntiBot())
    with serve_in_thread(fake) as url:
        fake.trigger_challenge()
        result = invoke(*at(url, "search", "safe"))
    assert result.exit_code == 6
    one_error_line(result, "blocked")


def test_network_down_exit_code() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = invoke(*at(f"http://127.0.0.1:{port}", "--retries", "0", "search", "safe"))
    assert result.exit_code == 7
    one_error_line(result, "network error")


def test_unsupported_operation_exit_code() -> None:
    # Raised before anything is sent: nothing listens on this port.
    base = ["--site", "twibooru-legacy", "--base-url", "http://127.0.0.1:9"]
    result = invoke(*base, "get", "comment", "1")
    assert result.exit_code == 9
    one_error_line(result, "unsupported")
    crawl = invoke(*base, "crawl", "safe")
    assert crawl.exit_code == 9 and "legacy API cannot sort" in crawl.stderr


def test_usage_errors_exit_2() -> None:
    assert invoke("search").exit_code == 2
    assert invoke("--site", "nowhere", "sites").exit_code == 2
    assert invoke("get", "image", "abc", "--site", "demo").exit_code == 2
    assert invoke("download", "--dest", "x").exit_code == 2


def test_every_error_class_has_its_code() -> None:
    def status(cls: type[ba.HTTPStatusError], **kw: Any) -> ba.HTTPStatusError:
        return cls("x", status_code=kw.pop("status_code", 500), **kw)

    cases = [
        (status(ba.BadQuery, status_code=400), ExitCode.BAD_QUERY),
        (status(ba.NotFound, status_code=404), ExitCode.NOT_FOUND),
        (ba.RateLimited("x", retry_after=3.0), ExitCode.RATE_LIMITED),
        (status(ba.Blocked, reason="ban", retry_after=9.0), ExitCode.BLOCKED),
        (ba.TransportError("x"), ExitCode.NETWORK),
        (ba.IntegrityError("x"), ExitCode.INTEGRITY),
        (ba.UnsupportedOperation("x"), ExitCode.UNSUPPORTED),
        (status(ba.ServerError), ExitCode.SERVER),
        (ba.DecodeError("x"), ExitCode.SERVER),
        (status(ba.Unauthorized, status_code=401), ExitCode.AUTH),
        (status(ba.Forbidden, status_code=403), ExitCode.AUTH),
    ]
    for error, code in cases:
        assert classify(error)[0] == code, error
    assert len({int(c) for c in ExitCode}) == len(ExitCode)


# -- the API key is never shown -------------------------------------------------------------


def test_key_never_appears_in_output_or_logs(board: Board, served: tuple[FakeBooru, str]) -> None:
    fake, url = served
    key = next(iter(board.users.values())).api_key
    ok = invoke(*at(url, "--key", key, "-v", "-v", "search", "safe", "-n", "3"))
    assert ok.exit_code == 0 and "DEBUG" in ok.stderr and "GET http://127.0.0.1" in ok.stderr
    from_env = invoke(*at(url, "-vv", "get", "image", "99999999"), env={"BOORU_API_KEY": key})
    assert from_env.exit_code == 4 and "Traceback" in from_env.stderr  # -vv shows it
    crawl = invoke(*at(url, "-v", "crawl", "safe", "-n", "5"), env={"BOORU_API_KEY": key})
    assert crawl.exit_code == 0
    refused = invoke("--key", key, "--base-url", "http://booru.example", "search", "safe")
    assert refused.exit_code == 2 and "plain http" in refused.stderr
    for result in (ok, from_env, crawl, refused):
        assert key not in result.stdout and key not in result.stderr
    assert any(r.authenticated for r in fake.stats.requests)  # the key did reach the server


# -- crawl ----------------------------------------------------------------------------------


def read_ids(path: Path) -> list[int]:
    return [json.loads(line)["id"] for line in path.read_text().splitlines()]


def test_crawl_writes_every_image_once_and_records_the_cursor(
    board: Board, served: tuple[FakeBooru, str], tmp_path: Path
) -> None:
    _, url = served
    out = tmp_path / "all.jsonl"
    result = invoke(*at(url, "crawl", "", "--output", str(out), "--per-page", "50"))
    assert result.exit_code == 0, result.stderr
    ids = read_ids(out)
    assert ids == reference(url) and len(ids) > 50
    state = json.loads((tmp_path / "all.jsonl.cursor").read_text())
    assert state["done"] and state["cursor"] == f"id:{ids[-1]}" and state["count"] == len(ids)
    # Non-TTY stderr: the summary line, and no progress bar or colour codes.
    assert f"crawl: {len(ids)} images" in result.stderr and "requests" in result.stderr
    assert ANSI not in result.stderr and BAR not in result.stderr
    again = invoke(*at(url, "crawl", "", "--output", str(out)))
    assert again.exit_code == 0 and "already complete" in again.stderr
    assert read_ids(out) == ids
    other = invoke(*at(url, "crawl", "safe", "--output", str(out)))
    assert other.exit_code == 2 and "belongs to a crawl of ''" in other.stderr


def test_crawl_resume_repairs_a_torn_line_and_a_lagging_cursor(
    board: Board, served: tuple[FakeBooru, str], tmp_path: Path
) -> None:
    """The two states a kill can leave: the last line flushed but the cursor not yet
    replaced, and a line cut off mid-write. The resumed crawl still yields each image once."""
    _, url = served
    out, cursor = tmp_path / "out.jsonl", tmp_path / "state.json"
    args = at(url, "crawl", "", "-o", str(out), "--cursor-file", str(cursor), "--per-page", "7")
    first = invoke(*args, "--limit", "15")
    assert first.exit_code == 0 and len(read_ids(out)) == 15
    ids = read_ids(out)
    state = json.loads(cursor.read_text())
    assert state["cursor"] == f"id:{ids[-1]}" and not state["done"]
    state["cursor"] = f"id:{ids[-2]}"  # killed between the flush and the cursor update
    cursor.write_text(json.dumps(state))
    with out.open("a") as handle:
        handle.write('{"id": 1, "site": "derpi')  # killed mid-write
    resumed = invoke(*args)
    assert resumed.exit_code == 0, resumed.stderr
    assert f"resuming the crawl after id:{ids[-1]}" in resumed.stderr
    assert read_ids(out) == reference(url)


def wait_for_lines(path: Path, n: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and process.poll() is None:
        with contextlib.suppress(FileNotFoundError):
            if path.read_bytes().count(b"\n") >= n:
                return
        time.sleep(0.005)
    raise AssertionError(f"the crawl ended or stalled before {n} lines")


@pytest.mark.parametrize(
    "sig",
    [pytest.param(signal.SIGKILL, id="SIGKILL"), pytest.param(signal.SIGINT, id="SIGINT")],
)
def test_crawl_killed_and_resumed_yields_every_image_exactly_once(
    board: Board, tmp_path: Path, sig: signal.Signals
) -> None:
    # Slow pages (50 ms each, 10 images a page) so the kill lands mid-crawl.
    fake = FakeBooru(board, faults=(Fault("latency", groups=("search",), delay=0.05),))
    out = tmp_path / "out.jsonl"
    with serve_in_thread(fake) as url:
        args = at(url, "crawl", "", "--output", str(out), "--per-page", "10")
        process = spawn(*args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wait_for_lines(out, 25, process)
        process.send_signal(sig)
        _, err = process.communicate(timeout=20)
        killed = read_ids(out)
        expected = reference(url)
        assert 25 <= len(killed) < len(expected)
        if sig == signal.SIGINT:
            assert process.returncode == 130
            assert b"booru-async: interrupted" in err and b"Traceback" not in err
            state = json.loads((tmp_path / "out.jsonl.cursor").read_text())
            assert state["cursor"] == f"id:{killed[-1]}"  # in step with the output
        else:
            assert process.returncode == -signal.SIGKILL
        resumed = subprocess.run(
            [sys.executable, "-m", "booru_async", *args], env=clean_env(), capture_output=True
        )
    assert resumed.returncode == 0, resumed.stderr
    ids = read_ids(out)
    assert ids == expected and len(set(ids)) == len(ids)


# -- download -------------------------------------------------------------------------------


def plain_ids(board: Board, n: int) -> list[int]:
    """Visible images whose full file carries a checkable hash (not SVG)."""
    return [i for i in visible(board) if board.images[i].format.lower() != "svg"][:n]


def cdn_requests(fake: FakeBooru) -> int:
    return len(fake.stats.in_group("cdn"))


def test_download_then_skip_when_complete(
    board: Board, served: tuple[FakeBooru, str], tmp_path: Path
) -> None:
    fake, url = served
    ids = plain_ids(board, 4)
    dest = tmp_path / "files"
    args = at(url, "download", "--ids", ",".join(map(str, ids)), "--dest", str(dest), "-j", "3")
    first = invoke(*args)
    assert first.exit_code == 0, first.stderr
    names = sorted(p.name for p in dest.iterdir())
    assert [int(n.split(".")[0]) for n in names] == sorted(ids)
    assert cdn_requests(fake) == 4
    assert "download: 4 downloaded, 0 skipped, 0 failed" in first.stderr
    assert ANSI not in first.stderr and BAR not in first.stderr
    second = invoke(*args)
    assert second.exit_code == 0
    assert cdn_requests(fake) == 4  # nothing fetched from the CDN again
    assert "0 downloaded, 4 skipped, 0 failed" in second.stderr
    # A file that does not match its hash is fetched again.
    (dest / names[0]).write_bytes(b"tampered")
    third = invoke(*args)
    assert third.exit_code == 0 and "1 downloaded, 3 skipped" in third.stderr
    assert cdn_requests(fake) == 5


def test_download_by_query(served: tuple[FakeBooru, str], tmp_path: Path) -> None:
    _, url = served
    result = invoke(*at(url, "download", "safe", "--limit", "3", "--dest", str(tmp_path)))
    assert result.exit_code == 0, result.stderr
    assert len(list(tmp_path.iterdir())) == 3


def test_download_reports_a_corrupt_file_and_keeps_the_rest(board: Board, tmp_path: Path) -> None:
    ids = plain_ids(board, 4)
    bad = ids[1]
    fake = FakeBooru(board, corrupt_images=frozenset({bad}))
    dest = tmp_path / "files"
    with serve_in_thread(fake) as url:
        result = invoke(*at(url, "download", "--ids", ",".join(map(str, ids)), "--dest", str(dest)))
    assert result.exit_code == 8
    errors = [line for line in result.stderr.splitlines() if line.startswith("booru-async:")]
    assert len(errors) == 1 and errors[0].startswith(f"booru-async: image {bad}: integrity error")
    assert "3 downloaded, 0 skipped, 1 failed" in result.stderr
    kept = sorted(p.name for p in dest.iterdir())  # hidden temporary files included
    assert [int(n.split(".")[0]) for n in kept] == sorted(set(ids) - {bad})


def test_download_failures_of_several_kinds(
    board: Board, served: tuple[FakeBooru, str], tmp_path: Path
) -> None:
    _, url = served
    ids = plain_ids(board, 1)
    result = invoke(*at(url, "download", "--ids", f"{ids[0]},99999999", "--dest", str(tmp_path)))
    assert result.exit_code == ExitCode.NOT_FOUND
    assert "image 99999999: not found" in result.stderr
    assert len(list(tmp_path.iterdir())) == 1


@pytest.mark.parametrize(
    "sig",
    [pytest.param(signal.SIGINT, id="SIGINT"), pytest.param(signal.SIGTERM, id="SIGTERM")],
)
def test_download_interrupted_leaves_no_partial_files(
    board: Board, tmp_path: Path, sig: signal.Signals
) -> None:
    fake = FakeBooru(board, faults=(Fault("latency", groups=("cdn",), delay=0.3),))
    dest = tmp_path / "files"
    with serve_in_thread(fake) as url:
        ids = ",".join(map(str, plain_ids(board, 6)))
        process = spawn(
            *at(url, "download", "--ids", ids, "--dest", str(dest), "-j", "2"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:  # until one file is complete
            if dest.exists() and any(not p.name.startswith(".") for p in dest.iterdir()):
                break
            time.sleep(0.01)
        process.send_signal(sig)
        _, err = process.communicate(timeout=20)
    assert process.returncode == 130 and b"interrupted" in err
    assert 1 <= len(list(dest.iterdir())) < 6  # stopped part-way
    assert not [p for p in dest.iterdir() if p.name.startswith(".")]
    for path in dest.iterdir():
        image = board.images[int(path.name.split(".")[0])]
        assert len(path.read_bytes()) > 0 and image is not None


# -- progress on a terminal -----------------------------------------------------------------


def run_in_pty(*args: str, stdout: Path) -> tuple[int, str]:
    """Run the CLI with stderr on a pseudo-terminal; its exit status and what it drew."""
    master, slave = pty.openpty()
    env = clean_env(TERM="xterm-256color", COLUMNS="140", LINES="40")
    with stdout.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "booru_async", *args],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=slave,
            env=env,
        )
    os.close(slave)
    drawn = b""
    while True:
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            drawn += chunk
        elif process.poll() is not None:
            break
    os.close(master)
    return process.wait(timeout=20), drawn.decode("utf-8", "replace")


def test_progress_and_summary_on_a_terminal(
    board: Board, served: tuple[FakeBooru, str], tmp_path: Path
) -> None:
    _, url = served
    ids = plain_ids(board, 3)
    code, drawn = run_in_pty(
        *at(url, "download", "--ids", ",".join(map(str, ids)), "--dest", str(tmp_path / "d")),
        stdout=tmp_path / "stdout",
    )
    assert code == 0
    assert ANSI in drawn and BAR in drawn  # a rich progress bar, in colour
    assert "download" in drawn and "3/3" in drawn and "KB" in drawn
    summary = ESCAPES.sub("", drawn).strip().splitlines()[-1]
    assert summary.startswith("download: 3 downloaded, 0 skipped, 0 failed")
    assert "requests" in summary and "cache hits" in summary and "(429)" in summary
    assert (tmp_path / "stdout").read_bytes() == b""  # progress never goes to stdout

    out = tmp_path / "c.jsonl"
    code, drawn = run_in_pty(*at(url, "crawl", "", "-o", str(out)), stdout=tmp_path / "stdout")
    n = len(reference(url))
    assert code == 0 and f"{n}/{n}" in drawn and BAR in drawn
    assert ESCAPES.sub("", drawn).strip().splitlines()[-1].startswith(f"crawl: {n} images")


def test_wait_status_names_the_rate_limit_when_it_is_the_bottleneck(board: Board) -> None:
    fake = FakeBooru(board)
    fake.base_url = "https://booru.test"
    site = attrs.evolve(ba.SITES["derpibooru"], budgets={"site": (1, 30.0)})

    async def main() -> tuple[str, str]:
        async with ba.Client(site, base_url=fake.base_url, transport=fake.transport()) as client:
            before = wait_status(client, "search")
            await client.images.search("safe").page(1)
            return before, wait_status(client, "search")

    before, after = asyncio.run(main())
    assert before == "" and after.startswith("waiting ") and "rate limit" in after


# -- serve, packaging -----------------------------------------------------------------------


def test_serve_prints_its_url_and_stops_on_ctrl_c() -> None:
    process = spawn(
        "serve",
        "--port",
        "0",
        "--images",
        "30",
        "--seed",
        "2",
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().decode()
        assert line.startswith("Serving a fake philomena booru at http://127.0.0.1:")
        url = line.split(" at ", 1)[1].split()[0]
        result = invoke(*at(url, "search", "safe", "-n", "2", "-f", "jsonl"))
        assert result.exit_code == 0 and len(result.stdout.splitlines()) == 2
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=20)
    assert process.returncode == 0


def test_serve_refuses_other_hosts() -> None:
    result = invoke("serve", "--host", "0.0.0.0")
    assert result.exit_code == 2 and "loopback" in result.stderr


def test_missing_click_or_rich_gives_one_line() -> None:
    code = "import sys; sys.modules['rich'] = None; from booru_async.cli import main; main()"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, env=clean_env())
    assert result.returncode == 1
    assert result.stderr.decode().strip() == INSTALL_HINT
    assert "pip install 'booru-async[cli]'" in INSTALL_HINT


def test_python_dash_m_and_version() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "booru_async", "--version"], capture_output=True, env=clean_env()
    )
    assert result.returncode == 0 and ba.__version__ in result.stdout.decode()
