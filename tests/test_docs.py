"""The documentation site: its nav, its API reference coverage, its generated tables, and
every code block of the guides and reference pages this project writes (run as written)."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from mypy_check import mypy_strict

import booru_async as ba
import booru_async.testing

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
MKDOCS = (REPO / "mkdocs.yml").read_text()
NAV = re.findall(r"^\s*- (?:[^:\n]+: )?([\w/.-]+\.md)\s*$", MKDOCS, re.M)
#: The pages whose code blocks are run here (pages other changes add test their own).
GUIDES = [
    "index.md", "getting-started.md", "model.md", "rate-limits.md", "caching.md",
    "crawling.md", "discord.md", "testing.md", "errors.md", "cli.md", "examples.md",
]
PAGES = GUIDES + sorted(p.relative_to(DOCS).as_posix() for p in (DOCS / "reference").glob("*.md"))
GUIDE_NAMES = [
    "getting-started.md", "model.md", "rate-limits.md", "caching.md", "crawling.md",
    "redis.md", "discord.md", "testing.md", "errors.md", "cli.md", "routes.md", "design.md",
]
TIMEOUT = 120


def blocks(page: str, lang: str) -> list[str]:
    text = (DOCS / page).read_text()
    return [body for kind, body in re.findall(r"^```(\w+)\n(.*?)^```", text, re.S | re.M)
            if kind == lang]


PYTHON = [
    pytest.param(page, n, body, id=f"{page}:{n}")
    for page in PAGES
    for n, body in enumerate(blocks(page, "python"))
    if not body.lstrip().startswith("--8<--")  # included example files: tests/test_examples.py
]


def test_every_nav_page_exists_and_every_guide_is_in_the_nav() -> None:
    assert NAV, "mkdocs.yml has an explicit nav"
    assert [page for page in NAV if not (DOCS / page).is_file()] == []
    assert [page for page in GUIDE_NAMES if page not in NAV] == []
    assert all(page in NAV for page in PAGES)


def test_api_reference_covers_every_public_name() -> None:
    reference = "\n".join(p.read_text() for p in (DOCS / "reference").glob("*.md"))
    documented = set(re.findall(r"^::: ([\w.]+)", reference, re.M))
    public = {f"booru_async.{n}" for n in ba.__all__} | {
        f"booru_async.testing.{n}" for n in booru_async.testing.__all__
    }
    assert sorted(public - documented) == [], (
        "add a '::: booru_async.NAME' line for each to a page in docs/reference/"
    )


def test_every_public_name_has_a_docstring() -> None:
    missing = [
        f"{module.__name__}.{name}"
        for module in (ba, booru_async.testing)
        for name in module.__all__
        if isinstance(obj := getattr(module, name), type) and not (obj.__doc__ or "").strip()
    ]
    assert missing == []


def test_model_tables_are_generated_from_the_shapes() -> None:
    sys.path.insert(0, str(DOCS))
    try:
        import gen_model_table
    finally:
        sys.path.remove(str(DOCS))
    assert (DOCS / "model.md").read_text() == gen_model_table.page(), (
        "docs/model.md is stale: run python docs/gen_model_table.py"
    )


def test_python_blocks_pass_mypy_strict(tmp_path: Path) -> None:
    paths = []
    for param in PYTHON:
        page, n, body = param.values
        name = str(page).removesuffix('.md').replace('-', '_').replace('/', '_')
        path = tmp_path / f"{name}_{n}.py"
        path.write_text(str(body))
        paths.append(path)
    status, report = mypy_strict(paths)
    assert status == 0, report


@pytest.mark.parametrize(("page", "n", "body"), PYTHON)
def test_python_block_runs(page: str, n: int, body: str, tmp_path: Path) -> None:
    if "def test_" in body:
        (tmp_path / "test_snippet.py").write_text(body)
        args = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_snippet.py"]
    else:
        (tmp_path / "snippet.py").write_text(body)
        args = [sys.executable, "snippet.py"]
    result = subprocess.run(
        args, cwd=tmp_path, capture_output=True, text=True, timeout=TIMEOUT, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_getting_started_commands_are_the_readme_commands() -> None:
    readme = (REPO / "README.md").read_text()
    for command in blocks("getting-started.md", "sh"):
        assert command.strip() in readme.splitlines()


def test_command_line_guide_runs_on_the_demo_site(tmp_path: Path) -> None:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    ran = 0
    for line in blocks("cli.md", "sh")[0].splitlines():
        args = shlex.split(line, comments=True)
        if not args or "serve" in args:  # serve runs until stopped: tests/test_readme.py
            continue
        result = subprocess.run(
            args, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=TIMEOUT,
            check=False,
        )
        assert result.returncode == 0, (line, result.stderr)
        ran += 1
    assert ran == 7
    # -n 100, and the demo board has 85 'safe, fluttershy' images: all of them, once each.
    assert len(list((tmp_path / "pics").iterdir())) == 85


def test_budget_figure_is_drawn_from_the_committed_benchmark_json() -> None:
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        import plot_budget
    finally:
        sys.path.remove(str(REPO / "benchmarks"))
    data = json.loads((REPO / "benchmarks" / "results" / "bench_budget.json").read_text())
    assert {"headers", "stricter", "silent"} <= set(data["modes"])
    assert all(row["timeline"] for mode in data["modes"].values() for row in mode["rows"])
    assert (DOCS / "img" / "budget.svg").read_text() == plot_budget.render(data)
