"""The real recorded payloads in ``tests/fixtures/real`` (provenance in ``SOURCES.md`` there)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

#: Inside the repository, so a clone runs its tests alone (no ``../shared`` needed).
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "real"


def fixture_json(name: str) -> Any:
    """A real payload by its path under ``tests/fixtures/real`` (never edited)."""
    return orjson.loads((FIXTURES / name).read_bytes())
