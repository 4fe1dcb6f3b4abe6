"""The error every grammar raises for a query the server would refuse."""

from __future__ import annotations


class QueryError(Exception):
    """A search query the server rejects; ``message`` is the server's exact error text."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
