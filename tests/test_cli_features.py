"""gallery-dl-style features of the installed ``booru-async`` command: page URLs as input,
``download --template/--archive/--metadata/--from``, ``--config``, overall progress on
resume and the empty-result line. Every end-to-end test runs the console script in a
subprocess against the fake server on a real loopback socket."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import booru_async as ba
from booru_async.cli._config import default_path
from booru_async.cli._template import check_template, render
from booru_async.cli._urls import parse_image_url
from booru_async.testing import Board, FakeBooru, serve_in_thread

SCRIPT = Path(sys.executable).with_name("booru-async")


@pytest.fixture(scope="module")
def board() -> Board:
    return Board.generate(seed=21, images=80, users=10, galleries=2, topics=2)


@pytest.fixture
def served(board: Board) -> Iterator[tuple[FakeBooru, str]]:
    fake = FakeBooru(board)
    with serve_in_thread(fake) as url:
        yield fake, url


def cli(*args: str, home: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run the installed console script (never the user's own config)."""
    env = {k: v for k, v in os.environ.items() if k not in ("BOORU_API_KEY", "XDG_CONFIG_HOME")}
    env["XDG_CONFIG_HOME"] = str(home / "xdg")
    done = subprocess.run(
        [str(SCRIPT), *args], capture_output=True, text=True, env=env, timeout=120
    )
    if check:
        assert done.returncode == 0, done.stderr
    return done


def at(url: str, *args: str) -> list[str]:
    return ["--site", "derpibooru", "--base-url", url, "--priority", "normal", *args]


def plain(board: Board, n: int, *, skip: int = 0) -> list[int]:
    ids = sorted(
        i.id for i in board.images.values()
        if not i.hidden_from_users and i.approved and i.format != "svg"
    )  # fmt: skip
    return ids[skip : skip + n]


def requests_in(fake: FakeBooru, group: str) -> int:
    return len(fake.stats.in_group(group))


# -- page URLs ----------------------------------------------------------------------------

URLS = [
    ("https://derpibooru.org/images/123", "derpibooru", 123),
    ("https://derpibooru.org/images/0", "derpibooru", 0),
    ("https://www.derpibooru.org/images/123?q=safe#comments", "derpibooru", 123),
    ("http://derpibooru.org/123", "derpibooru", 123),
    ("https://trixiebooru.org/images/5/", "derpibooru", 5),
    ("https://derpicdn.net/img/2020/1/2/2250000/full.png", "derpibooru", 2250000),
    ("https://derpicdn.net/img/view/2012/1/2/1__safe_artist-colon-x.png", "derpibooru", 1),
    ("https://derpicdn.net/img/download/2012/1/2/77.gif", "derpibooru", 77),
    ("https://furbooru.org/images/42", "furbooru", 42),
    ("https://ponybooru.org/images/9", "ponybooru", 9),
    ("https://manebooru.art/images/9", "manebooru", 9),
    ("https://tantabus.ai/images/3", "tantabus", 3),
    ("https://twibooru.org/2720", "twibooru", 2720),
    ("https://cdn.twibooru.org/img/2020/7/8/1/full.png", "twibooru", 1),
    ("https://demo.booru-async.invalid/images/7", "demo", 7),
]


@pytest.mark.parametrize(("url", "site", "image_id"), URLS)
def test_parse_image_url(url: str, site: str, image_id: int) -> None:
    assert parse_image_url(url) == (site, image_id)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://example.com/images/1", "not a known site"),
        ("https://derpibooru.org/tags/safe", "not an image page"),
        ("https://derpibooru.org/images/x1", "not an image page"),
        ("ftp://derpibooru.org/images/1", "not an http"),
        ("derpibooru.org/images/1", "not a URL"),
    ],
)
def test_parse_image_url_refuses(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_image_url(url)


def test_parse_image_url_prefers_the_given_profile_and_base_url() -> None:
    assert parse_image_url("https://twibooru.org/5", prefer="twibooru-legacy") == (
        "twibooru-legacy", 5)
    mirror = "http://127.0.0.1:8123"
    assert parse_image_url(f"{mirror}/images/5", prefer="furbooru", base_url=mirror) == (
        "furbooru", 5)
    with pytest.raises(ValueError):
        parse_image_url("http://127.0.0.1:9999/images/5", prefer="furbooru", base_url=mirror)


def test_get_by_page_url_on_the_demo_site(tmp_path: Path) -> None:
    done = cli("get", "https://demo.booru-async.invalid/images/7", "--format", "json",
               home=tmp_path)
    image = json.loads(done.stdout)
    assert image["id"] == 7 and image["url"] == "https://demo.booru-async.invalid/images/7"


def test_get_url_errors_are_usage_errors(tmp_path: Path) -> None:
    done = cli("get", "https://example.com/images/1", home=tmp_path, check=False)
    assert done.returncode == 2 and "not a known site" in done.stderr
    done = cli("get", "https://derpibooru.org/images/1", "5", home=tmp_path, check=False)
    assert done.returncode == 2


# -- download: URLs, template, archive, metadata --------------------------------------------


def test_download_urls_with_template_metadata_and_archive(
    board: Board, served: tuple[FakeBooru, str], tmp_path: Path
) -> None:
    fake, url = served
    ids = plain(board, 4)
    dest = tmp_path / "files"
    archive = tmp_path / "archive.sqlite"
    template = "{rating}/{artists}/{created_at:%Y}/{id}-{sha512_hash:.12}.{ext}"
    urls = [f"{url}/images/{i}" for i in ids]
    args = at(url, "download", *urls, "--dest", str(dest), "--template", template,
              "--archive", str(archive), "--metadata")
    first = cli(*args, home=tmp_path)
    assert "4 downloaded, 0 skipped, 0 failed; 4 of 4 done (0 already there)" in first.stderr
    files = sorted(p for p in dest.rglob("*") if p.is_file() and p.suffix != ".json")
    assert len(files) == 4
    for image_id in ids:
        image = board.images[image_id]
        sha = board.image_sha512(image)
        found = [p for p in files if p.name.startswith(f"{image_id}-{sha[:12]}.")]
        assert len(found) == 1, files
        relative = found[0].relative_to(dest).parts
        tags = [board.tags[t].name for t in image.tag_ids]
        rating = next((r for r in reversed(ba.RATINGS) if r in tags), "unrated")
        assert relative[0] == rating and relative[2] == str(image.created_at.year)
        sidecar = json.loads(found[0].with_name(found[0].name + ".json").read_text())
        assert sidecar["id"] == image_id and sidecar["sha512_hash"] == sha
    assert not (dest / ".booru-async-staging").exists()
    # Moved away: the archive still says they are done, and nothing is asked for.
    shutil.rmtree(dest)
    api, cdn = requests_in(fake, "api"), requests_in(fake, "cdn")
    second = cli(*args, home=tmp_path)
    assert (requests_in(fake, "api"), requests_in(fake, "cdn")) == (api, cdn)
    assert "0 downloaded, 4 skipped, 0 failed; 4 of 4 done (4 already there)" in second.stderr
    assert not dest.exists() or not any(dest.rglob("*.png"))


def test_download_without_archive_resumes_from_the_files_with_overall_progress(
    board: Board, served: tuple[FakeBooru, str], tmp_path: Path
) -> None:
    fake, url = served
    ids = plain(board, 5, skip=4)
    dest = tmp_path / "files"
    template = "{site}/{id}.{ext}"
    few = at(url, "download", "--ids", ",".join(map(str, ids[:2])), "--dest", str(dest),
             "--template", template)
    cli(*few, home=tmp_path)
    every = at(url, "download", "--ids", ",".join(map(str, ids)), "--dest", str(dest),
               "--template", template)
    cdn = requests_in(fake, "cdn")
    done = cli(*every, home=tmp_path)
    assert "3 downloaded, 2 skipped, 0 failed; 5 of 5 done (2 already there)" in done.stderr
    assert requests_in(fake, "cdn") == cdn + 3
    assert sorted(int(p.stem) for p in (dest / "derpibooru").iterdir()) == ids


def test_download_from_a_crawl_file_needs_no_lookups(
    board: Board, served: tuple[FakeBooru, str], tmp_path: Path
) -> None:
    fake, url = served
    crawl = tmp_path / "crawl.jsonl"
    cli(*at(url, "crawl", "id.lte:12", "--output", str(crawl)), home=tmp_path)
    lines = [json.loads(line) for line in crawl.read_text().splitlines()]
    assert lines
    with open(crawl, "a", encoding="utf-8") as handle:
        handle.write('{"id": 3, "torn')  # a crawl killed mid-line
    dest = tmp_path / "files"
    before = requests_in(fake, "api")
    done = cli(*at(url, "download", "--from", str(crawl), "--dest", str(dest)), home=tmp_path)
    assert requests_in(fake, "api") == before  # every line held the whole image
    assert "1 line(s) without an image id ignored" in done.stderr
    names = {int(p.name.split(".")[0]) for p in dest.iterdir()}
    assert names == {line["id"] for line in lines}


def test_download_empty_result_says_so_in_one_line(
    served: tuple[FakeBooru, str], tmp_path: Path
) -> None:
    _, url = served
    done = cli(*at(url, "download", "no such tag at all", "--dest", str(tmp_path / "d")),
               home=tmp_path)
    said = [line for line in done.stderr.splitlines() if "no images match" in line]
    assert said == ["booru-async: no images match 'no such tag at all' on derpibooru"]
    done = cli(*at(url, "search", "no such tag at all"), home=tmp_path)
    assert done.stdout == ""
    assert done.stderr.strip() == "booru-async: no images match 'no such tag at all' on derpibooru"


def test_template_errors_are_usage_errors(served: tuple[FakeBooru, str], tmp_path: Path) -> None:
    _, url = served
    for template, message in (("../{id}.{ext}", "'..'"), ("{nope}.{ext}", "unknown"),
                              ("/abs/{id}", "relative"), ("fixed.png", "names no field")):
        done = cli(*at(url, "download", "--ids", "1", "--dest", str(tmp_path / "d"),
                       "--template", template), home=tmp_path, check=False)
        assert done.returncode == 2 and message in done.stderr, done.stderr


# -- config -------------------------------------------------------------------------------


def test_config_file_gives_defaults_and_per_site_keys(
    board: Board, served: tuple[FakeBooru, str], tmp_path: Path
) -> None:
    fake, url = served
    user = next(u for u in board.users.values() if not u.banned and not u.deactivated)
    dest = tmp_path / "from-config"
    config = default_path({"XDG_CONFIG_HOME": str(tmp_path / "xdg")})
    config.parent.mkdir(parents=True)
    config.write_text(
        f'site = "derpibooru"\npriority = "normal"\n\n'
        f'[download]\ndest = "{dest}"\ntemplate = "cfg-{{id}}.{{ext}}"\n\n'
        f'[sites.derpibooru]\nbase_url = "{url}"\nkey = "{user.api_key}"\nfilter_id = 56027\n'
        f'[sites.furbooru]\nkey = "another-sites-key"\n',
        encoding="utf-8",
    )
    image_id = plain(board, 1)[0]
    done = cli("download", "--ids", str(image_id), home=tmp_path)  # nothing else given
    assert user.api_key not in done.stderr + done.stdout
    assert [p.name.split(".")[0] for p in dest.iterdir()] == [f"cfg-{image_id}"]
    api = [r for r in fake.stats.requests if r.group == "api"]
    assert api[-1].params.get("filter_id") == "56027"
    assert api[-1].authenticated  # the key went to its own site
    # The command line wins over the file; an explicit --config replaces the default one.
    other = tmp_path / "other.toml"
    other.write_text('[sites.derpibooru]\nfilter_id = 100073\n', encoding="utf-8")
    cli(*at(url, "--config", str(other), "get", "image", str(image_id), "--format", "json"),
        home=tmp_path)
    assert fake.stats.requests[-1].params.get("filter_id") == "100073"
    assert not fake.stats.requests[-1].authenticated  # the default file (and its key) unread


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('key = "k"\n', "belongs under [sites.<name>]"),
        ("colour = 1\n", "unknown option 'colour'"),
        ("[download]\ntemplat = 'x'\n", "unknown option(s) templat"),
        ("[sites.nowhere]\nkey = 'k'\n", "unknown site"),
        ("[sites.derpibooru]\nfilter_id = 'x'\n", "filter_id must be a whole number"),
        ("site = [\n", "not valid TOML"),
    ],
)
def test_config_mistakes_are_one_line_usage_errors(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    done = cli("--config", str(path), "--site", "demo", "search", "safe", "--limit", "1",
               home=tmp_path, check=False)
    assert done.returncode == 2 and message in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


def test_missing_explicit_config_is_an_error(tmp_path: Path) -> None:
    done = cli("--config", str(tmp_path / "none.toml"), "sites", home=tmp_path, check=False)
    assert done.returncode == 2 and "does not exist" in done.stderr


# -- templates never leave --dest -----------------------------------------------------------

TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=300
)
LITERAL = st.sampled_from(["", "/", "a", "a/", "-", " ", ".", "x.y/", "sub/dir/", "…", "\\"])
FIELD = st.sampled_from(["{id}", "{ext}", "{artists}", "{rating}", "{sha512_hash}", "{name}",
                         "{created_at:%Y}", "{created_at:%Y/%m}", "{source}", "{tags}",
                         "{uploader}", "{artist}", "{format}", "{site}"])


@settings(max_examples=300, deadline=None)
@given(
    pieces=st.lists(st.tuples(LITERAL, FIELD), min_size=1, max_size=6),
    tail=LITERAL,
    tags=st.lists(TEXT, max_size=5),
    texts=st.tuples(TEXT, TEXT, TEXT, TEXT, TEXT),
    ext=TEXT,
)
def test_templates_never_leave_dest(
    tmp_path_factory: pytest.TempPathFactory,
    pieces: list[tuple[str, str]],
    tail: str,
    tags: list[str],
    texts: tuple[str, str, str, str, str],
    ext: str,
) -> None:
    template = "".join(a + b for a, b in pieces) + tail
    image = ba.Image(
        id=5, site=texts[0], url="https://x.test/5",
        tags=tuple(tags) + tuple(f"artist:{t}" for t in tags),
        sha512_hash=texts[1], name=texts[2], uploader=texts[3], format=texts[4],
        source_urls=(texts[1],), created_at=datetime(2020, 5, 6, tzinfo=UTC),
    )
    try:
        check_template(template)
    except ValueError:
        return  # refused before any download: nothing is written
    try:
        relative = render(template, image, ext)
    except ValueError as exc:
        refused = str(exc)
        assert "empty name" in refused  # the only refusal left after check_template
        return
    assert isinstance(relative, PurePosixPath) and not relative.is_absolute()
    for part in relative.parts:
        assert part not in ("", ".", "..") and "/" not in part and "\\" not in part
        assert "\x00" not in part and len(part.encode()) <= 255
    dest = tmp_path_factory.getbasetemp() / "dest"
    assert (dest / relative).resolve().is_relative_to(dest.resolve())


def test_template_field_values_are_made_safe() -> None:
    image = ba.Image(id=9, site="derpibooru", url="https://x.test/9",
                     tags=("artist:../../etc", "artist:con", "safe"), sha512_hash="ab/cd")
    assert render("{artists}/{id}.{ext}", image, "png") == PurePosixPath("_.._etc+con/9.png")
    assert render("{artist}.{ext}", image, "png") == PurePosixPath("_.._etc.png")
    only_con = attrs.evolve(image, tags=("artist:con",))
    assert render("{artist}.{ext}", only_con, "png") == PurePosixPath("_con.png")
    assert render("{sha512_hash}", image, "png") == PurePosixPath("ab_cd")


# -- stream and changes -------------------------------------------------------------------


def test_stream_command_prints_new_uploads_as_json_lines(
    board: Board, served: tuple[FakeBooru, str], tmp_path: Path
) -> None:
    _, url = served
    ids = sorted(i.id for i in board.images.values() if not i.hidden_from_users and i.approved)
    done = cli(*at(url, "stream", "--since-id", str(ids[-6]), "--limit", "5"), home=tmp_path)
    got = [json.loads(line)["id"] for line in done.stdout.splitlines()]
    assert got == ids[-5:]


def test_changes_command_lists_edits_and_resumes_from_its_cursor(
    board: Board, tmp_path: Path
) -> None:
    fake = FakeBooru(board)
    since = fake.now().replace(microsecond=0)
    targets = plain(board, 3, skip=30)
    for image_id in targets:
        fake.edit_tags(image_id, add=("cli changes",))
    with serve_in_thread(fake) as url:
        stamp = since.strftime("%Y-%m-%dT%H:%M:%SZ")
        first = cli(*at(url, "changes", "--since", stamp, "--limit", "1"), home=tmp_path)
        assert [json.loads(line)["id"] for line in first.stdout.splitlines()] == targets[:1]
        cursor = first.stderr.split("--cursor '")[1].split("'")[0]
        rest = cli(*at(url, "changes", "--since", stamp, "--cursor", cursor), home=tmp_path)
        assert [json.loads(line)["id"] for line in rest.stdout.splitlines()] == targets[1:]
        legacy = cli("--site", "twibooru-legacy", "--base-url", url, "changes", "--since", "1d",
                     home=tmp_path, check=False)
    assert legacy.returncode != 0 and "legacy" in legacy.stderr


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-02", datetime(2024, 1, 2, tzinfo=UTC)),
        ("2024-01-02T03:04:05Z", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2024-01-02T03:04:05+01:00", datetime(2024, 1, 2, 2, 4, 5, tzinfo=UTC)),
        ("90s", datetime(2024, 6, 1, 11, 58, 30, tzinfo=UTC)),
        ("12h", datetime(2024, 6, 1, tzinfo=UTC)),
        ("7d", datetime(2024, 5, 25, 12, tzinfo=UTC)),
    ],
)
def test_parse_since(text: str, expected: datetime) -> None:
    from booru_async.cli._cmd_updates import parse_since

    assert parse_since(text, datetime(2024, 6, 1, 12, tzinfo=UTC)) == expected


def test_crawl_resume_reports_overall_progress_and_empty_crawls_say_so(
    served: tuple[FakeBooru, str], tmp_path: Path
) -> None:
    _, url = served
    out = tmp_path / "c.jsonl"
    first = cli(*at(url, "crawl", "id.lte:30", "--output", str(out), "--limit", "7"),
                home=tmp_path)
    assert first.stderr.startswith("crawl: 7 images ·")
    total = len(out.read_text().splitlines())
    second = cli(*at(url, "crawl", "id.lte:30", "--output", str(out)), home=tmp_path)
    everything = len(out.read_text().splitlines())
    assert total == 7 and everything > 7
    assert f"crawl: {everything - 7} images this run; {everything} of {everything} in all" in (
        second.stderr)
    empty = cli(*at(url, "crawl", "no such tag at all"), home=tmp_path)
    assert "booru-async: no images match 'no such tag at all' on derpibooru" in empty.stderr
