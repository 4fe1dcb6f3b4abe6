"""Types a user can lean on: a user's script passes ``mypy --strict`` (and runs), and the
misuses in ``typed/rejected.py`` are each rejected with the expected error code."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import get_args

from mypy_check import mypy_strict

import booru_async as ba
from booru_async._flavours import SPECS

TYPED = Path(__file__).resolve().parent / "typed"


def test_user_script_passes_mypy_strict() -> None:
    status, report = mypy_strict([TYPED / "user_script.py"])
    assert status == 0, report


def test_user_script_runs_on_the_demo_site(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(TYPED / "user_script.py")],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert len(list((tmp_path / "downloads").iterdir())) == 2


def test_misuses_are_rejected_by_mypy() -> None:
    source = (TYPED / "rejected.py").read_text().splitlines()
    expected = {
        (n, m[1])
        for n, line in enumerate(source, start=1)
        if (m := re.search(r"# rejected: ([\w-]+)$", line))
    }
    status, report = mypy_strict([TYPED / "rejected.py"])
    got = {
        (int(m[1]), m[2])
        for m in re.finditer(r"rejected\.py:(\d+): error: .*\[([\w-]+)\]$", report, re.M)
    }
    assert status == 1
    assert len(expected) >= 6
    assert got == expected, report


def test_image_sort_literal_is_every_flavour_sort() -> None:
    # The Literal a type checker sees and the data the session checks at run time agree.
    every = set().union(*(spec.sorts for spec in SPECS.values()))
    assert set(get_args(ba.ImageSort)) == every
