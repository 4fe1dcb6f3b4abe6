"""The real recorded payloads in ``shared/fixtures/real`` (beside the repository)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "real"


def fixture_json(name: str) -> Any:
    """A real payload by its path under ``shared/fixtures/real`` (never edited)."""
    return orjson.loads((FIXTURES / name).read_bytes())
