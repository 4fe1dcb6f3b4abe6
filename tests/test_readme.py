"""Every fenced code block in README.md runs as written.

* ``python`` blocks are complete programs (run twice in a fresh folder: the second run resumes
  the crawl from the saved cursor) or a pytest file (run by pytest in a subprocess, where the
  ``fake_booru`` fixture comes from the plugin's entry point); all pass ``mypy --strict``.
* ``sh`` blocks: the command-line lines run against the ``demo`` site (``serve`` is started,
  queried and stopped). The two install lines of "Fresh machine" build a virtualenv and run
  this very suite, so ``.ci/run`` runs them verbatim; here we check that it does, and run
  their ``booru-async`` step with this environment's install.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from mypy_check import mypy_strict

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text()
BLOCKS = re.findall(r"^```(\w+)\n(.*?)^```", README, re.S | re.M)
PYTHON = [body for lang, body in BLOCKS if lang == "python"]
SHELL = [body for lang, body in BLOCKS if lang == "sh"]
BIN = Path(sys.executable).parent
TIMEOUT = 120


def env() -> dict[str, str]:
    # The cli extra's entry point from this environment first on PATH; no key leaks in.
    out = {k: v for k, v in os.environ.items() if k != "BOORU_API_KEY"}
    out["PATH"] = f"{BIN}{os.pathsep}{out.get('PATH', '')}"
    return out


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=cwd, env=env(), capture_output=True, text=True, timeout=TIMEOUT, check=False
    )


def commands(block: str) -> list[str]:
    """The block's command lines, trailing ``# comments`` removed."""
    lines = []
    for line in block.splitlines():
        words = shlex.split(line, comments=True)
        if words:
            lines.append(shlex.join(words))
    return lines


def test_readme_has_the_blocks_this_test_knows() -> None:
    assert len(PYTHON) == 2 and len(SHELL) == 3
    assert sum("def test_" in body for body in PYTHON) == 1


def test_python_snippets_pass_mypy_strict(tmp_path: Path) -> None:
    paths = []
    for n, body in enumerate(PYTHON):
        path = tmp_path / f"readme_snippet_{n}.py"
        path.write_text(body)
        paths.append(path)
    status, report = mypy_strict(paths)
    assert status == 0, report


def test_python_program_runs_and_resumes(tmp_path: Path) -> None:
    [program] = [body for body in PYTHON if "def test_" not in body]
    (tmp_path / "main.py").write_text(program)
    first = run([sys.executable, "main.py"], tmp_path)
    assert first.returncode == 0, first.stderr
    cursor = (tmp_path / "crawl.cursor").read_text()
    files = sorted((tmp_path / "downloads").iterdir())
    assert re.fullmatch(r"id:\d+", cursor) and len(files) == 5
    second = run([sys.executable, "main.py"], tmp_path)
    assert second.returncode == 0, second.stderr
    # The second crawl went on below the saved cursor: five more, older files.
    assert int((tmp_path / "crawl.cursor").read_text()[3:]) < int(cursor[3:])
    assert len(list((tmp_path / "downloads").iterdir())) == 10


def test_pytest_snippet_passes_with_no_plugin_line(tmp_path: Path) -> None:
    [suite] = [body for body in PYTHON if "def test_" in body]
    assert "pytest_plugins" not in suite
    (tmp_path / "test_bot.py").write_text(suite)
    result = run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


def test_fresh_machine_commands_are_what_ci_runs(tmp_path: Path) -> None:
    install = [c for c in SHELL if c.startswith("python3 -m venv .venv")]
    assert len(install) == 2
    ci = (REPO / ".ci" / "run").read_text()
    assert "grep '^python3 -m venv .venv' README.md" in ci
    assert [line for line in README.splitlines() if line.startswith("python3 -m venv .venv")] == [
        b.strip() for b in install
    ]
    # The main job: the booru-async step of the first line, with this environment's install.
    steps = [s.strip() for s in install[0].split("&&")]
    [job] = [s for s in steps if s.startswith(".venv/bin/booru-async ")]
    result = run(shlex.split(job.removeprefix(".venv/bin/")), tmp_path)
    assert result.returncode == 0, result.stderr
    assert "safe" in result.stdout or "solo" in result.stdout
    assert install[1].rstrip().endswith(".venv/bin/pytest")  # the test command CI runs


def test_command_line_block_runs_on_the_demo_site(tmp_path: Path) -> None:
    [block] = [c for c in SHELL if "booru-async sites" in c]
    ran = []
    for line in commands(block):
        args = shlex.split(line)
        if args[1] == "serve":
            ran.append(serve_then_search(args, tmp_path))
            continue
        result = run(args, tmp_path)
        assert result.returncode == 0, (line, result.stderr)
        ran.append(args[1] if args[1] != "--site" else args[3])
    assert ran == ["search", "get", "crawl", "download", "serve", "sites"]
    assert len((tmp_path / "crawl.jsonl").read_text().splitlines()) == 20
    assert len(list((tmp_path / "pics").iterdir())) == 10


def serve_then_search(args: list[str], cwd: Path) -> str:
    with subprocess.Popen(
        args, cwd=cwd, env=env(), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    ) as server:
        try:
            assert server.stdout is not None
            first = server.stdout.readline()
            match = re.search(r"http://127\.0\.0\.1:\d+", first)
            assert match, first
            search = run(
                ["booru-async", "--site", "twibooru", "--base-url", match[0], "search", "safe",
                 "--limit", "3"],
                cwd,
            )
            assert search.returncode == 0, search.stderr
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    return "serve"


@pytest.mark.parametrize("word", ["pytest_plugins", "../shared", "existing folder"])
def test_readme_no_longer_says(word: str) -> None:
    assert word not in README.replace("no\n`pytest_plugins` line", "")
