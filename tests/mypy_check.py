"""Run ``mypy --strict`` through its API on files a test wrote (README snippets, examples,
typed user scripts), with one cache per checkout so repeated runs take seconds."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from mypy import api

REPO = Path(__file__).resolve().parents[1]


def mypy_strict(paths: Sequence[Path]) -> tuple[int, str]:
    """``(exit status, report)`` of ``mypy --strict`` over ``paths``."""
    stdout, stderr, status = api.run(
        [
            "--strict",
            "--no-error-summary",
            "--show-error-codes",
            "--cache-dir",
            str(REPO / ".mypy_cache"),
            *map(str, paths),
        ]
    )
    return status, stdout + stderr
