"""What a user of ``booru_async.testing`` meets first: the pytest plugin loaded by its entry
point, clear errors for a missing extra, a missing fixture directory and a mistyped fault."""

from __future__ import annotations

import shutil
import sys
import textwrap
from pathlib import Path

import pytest
from realdata import FIXTURES

from booru_async.testing import Board, FakeBooru, Fault, serve_in_thread

USER_TESTS = '''
import pytest

import booru_async as ba
from booru_async.testing import FakeBooru


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_my_bot_finds_images(fake_booru: FakeBooru) -> None:
    async with ba.Client("derpibooru", base_url=fake_booru.base_url,
                         transport=fake_booru.transport()) as client:
        found = [image async for image in client.images.search("safe", limit=3)]
    assert len(found) == 3
    assert all("safe" in image.tags for image in found)


@pytest.mark.anyio
async def test_my_bot_on_loopback(fake_booru_url: str) -> None:
    async with ba.Client("derpibooru", base_url=fake_booru_url) as client:
        image = await client.images.get(1)
    assert image.id == 1
'''


@pytest.fixture
def user_project(pytester: pytest.Pytester) -> pytest.Pytester:
    # A user's project: one test file, no conftest, no pytest_plugins line anywhere.
    pytester.makepyfile(test_user_bot=USER_TESTS)
    return pytester


def test_plugin_loads_from_the_entry_point(user_project: pytest.Pytester) -> None:
    assert not list(user_project.path.rglob("conftest.py"))
    result = user_project.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_without_the_entry_point_the_fixtures_are_missing(user_project: pytest.Pytester) -> None:
    # The control: disabling the plugin by its entry-point name removes the fixtures.
    result = user_project.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:booru_async")
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(["*fixture 'fake_booru' not found*"])


def test_loopback_without_uvicorn_names_the_serve_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "uvicorn", None)  # `import uvicorn` now fails
    fake = FakeBooru(Board.generate(1, images=20))
    with (
        pytest.raises(ModuleNotFoundError, match=r"pip install 'booru-async\[serve\]'"),
        serve_in_thread(fake),
    ):
        pass


def test_fake_booru_url_fixture_without_uvicorn(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_url=textwrap.dedent(
            """
            import sys
            import pytest

            @pytest.fixture(autouse=True)
            def _no_uvicorn(monkeypatch):
                monkeypatch.setitem(sys.modules, "uvicorn", None)

            def test_needs_loopback(fake_booru_url):
                pass
            """
        )
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*ModuleNotFoundError*'serve' extra*booru-async[[]serve[]]*"])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "429"}, "'latency', 'reset', 'truncate', 'html502', 'wrong_content_type'"),
        ({"kind": "HTML502"}, "is not one of"),
        ({"kind": "reset", "probability": 1.5}, r"within \[0, 1\]"),
        ({"kind": "reset", "times": -1}, ">= 0"),
    ],
)
def test_fault_rejects_what_would_never_fire(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Fault(**kwargs)  # type: ignore[arg-type]


def test_every_documented_fault_kind_is_accepted() -> None:
    kinds = ("latency", "reset", "truncate", "html502", "wrong_content_type")
    assert [Fault(k).kind for k in kinds] == list(kinds)


def test_from_fixtures_finds_the_checkout_copy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BOORU_FIXTURES", raising=False)
    board = Board.from_fixtures()
    assert len(board.images) == 7 and len(board.forums) == 9 and 216494 in board.users


def test_from_fixtures_on_an_empty_folder_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no recorded payloads") as info:
        Board.from_fixtures(tmp_path)
    assert str(tmp_path / "derpibooru") in str(info.value)
    assert "BOORU_FIXTURES" in str(info.value)


def test_from_fixtures_names_missing_files(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES, tmp_path / "real")
    (tmp_path / "real" / "derpibooru" / "appledash-2024-11-posts.json").unlink()
    with pytest.raises(FileNotFoundError, match=r"1 of 12 .*appledash-2024-11-posts\.json"):
        Board.from_fixtures(tmp_path / "real")


def test_from_fixtures_env_variable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("BOORU_FIXTURES", str(tmp_path / "nowhere"))
    with pytest.raises(FileNotFoundError, match=r"\$BOORU_FIXTURES"):
        Board.from_fixtures()  # a named directory is never silently replaced by the default
    shutil.copytree(FIXTURES, tmp_path / "nowhere")
    assert len(Board.from_fixtures().images) == 7
