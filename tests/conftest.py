"""Shared test fixtures."""

from __future__ import annotations

import pytest

# pytester runs a user's test file in a subprocess (the booru_async plugin itself needs no line
# here: it is loaded from its pytest11 entry point).
pytest_plugins = ["pytester"]


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """Run ``@pytest.mark.anyio`` tests on both backends."""
    return str(request.param)
