"""The ``booru-async`` command line.

It needs the ``cli`` extra (click and rich): ``pip install 'booru-async[cli]'``. Without them,
``booru-async`` prints one line saying so instead of a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

__all__ = ["INSTALL_HINT", "main"]

INSTALL_HINT = "booru-async: the command line needs click and rich: pip install 'booru-async[cli]'"


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the ``booru-async`` console script and ``python -m booru_async``."""
    try:
        import click  # noqa: F401
        import rich  # noqa: F401
    except ImportError:
        print(INSTALL_HINT, file=sys.stderr)
        raise SystemExit(1) from None
    from ._app import cli

    cli.main(args=list(argv) if argv is not None else None, prog_name="booru-async")
