"""Shared test fixtures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

#: The real recorded payloads (shared/fixtures/real beside the repository).
FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "real"


def fixture_json(name: str) -> Any:
    """A real payload by its path under ``shared/fixtures/real`` (never edited)."""
    return orjson.loads((FIXTURES / name).read_bytes())


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """Run ``@pytest.mark.anyio`` tests on both backends."""
    return str(request.param)
