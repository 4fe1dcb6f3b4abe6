"""What every resource namespace shares: the session it was reached through, argument checks."""

from __future__ import annotations

from typing import TypeVar

from .._pagination import OnDecodeError, Pager
from .._session import Session
from ..query import Query

T = TypeVar("T")

__all__ = ["Resource", "check_id", "check_name"]


def check_id(value: object, what: str = "id") -> int:
    """An integer id >= 0 (Derpibooru's first image is id 0), or a clear TypeError/ValueError."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be an int, not {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{what} must be >= 0, not {value}")
    return value


def check_name(value: object, what: str) -> str:
    """A non-empty string path segment (forum short names, topic slugs, user slugs)."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what} must be a non-empty string")
    if "/" in value or "?" in value or "#" in value:
        raise ValueError(f"{what} must not contain '/', '?' or '#': {value!r}")
    return value.strip()


class Resource:
    """Base of the namespaces; holds the session (one client view) it was reached through."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._session.site.name!r}>"

    def _search(
        self,
        operation: str,
        cls: type[T],
        query: str | Query,
        per_page: int | None,
        limit: int | None,
        on_decode_error: OnDecodeError,
    ) -> Pager[T]:
        """The pager of a plain ``q=`` search route (the smaller namespaces' ``search``)."""
        return self._session.list(
            operation,
            cls,
            params={"q": self._session.query_text(query)},
            per_page=per_page,
            limit=limit,
            on_decode_error=on_decode_error,
        )
