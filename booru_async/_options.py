"""Per-request policy as one frozen, typed value: what every transport layer reads.

A request carries its :class:`RequestOptions` in ``request.extensions["booru"]``; each layer
asks :func:`options_of` and gets the defaults defined here, once, when a request carries none.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, Literal, TypeAlias

import attrs
import httpx

__all__ = ["PRIORITIES", "Priority", "RequestOptions", "options_of", "rank"]

#: Who waits for whom at the rate limit: ``"interactive"`` calls never wait behind queued
#: ``"normal"`` or ``"bulk"`` ones, and bulk traffic is paced rather than burst.
Priority: TypeAlias = Literal["interactive", "normal", "bulk"]
PRIORITIES: Final[tuple[Priority, ...]] = ("interactive", "normal", "bulk")
_RANK: Final[Mapping[str, int]] = {name: index for index, name in enumerate(PRIORITIES)}

#: The extension key under which a request carries its options.
EXTENSION: Final = "booru"


def rank(priority: Priority) -> int:
    """The serving order of a priority: lower is served first."""
    return _RANK[priority]


def _check_max_wait(_: object, __: object, value: float | None) -> None:
    if value is not None and (
        isinstance(value, bool) or not isinstance(value, int | float) or value < 0
    ):
        raise ValueError(f"max_wait must be a number of seconds >= 0, not {value!r}")


@attrs.frozen(kw_only=True)
class RequestOptions:
    """How the transport stack treats one request."""

    #: The rate-limit group (a key of :attr:`booru_async.Site.budgets`; ``"cdn"`` for files).
    group: str = "site"
    priority: Priority = attrs.field(default="normal", validator=attrs.validators.in_(PRIORITIES))
    #: Raise :class:`booru_async.RateLimited` at once when the predicted wait is longer.
    max_wait: float | None = attrs.field(default=None, validator=_check_max_wait)
    #: The longest wait a *server* may impose (``Retry-After``, a spent announced window)
    #: before :class:`booru_async.RateLimited` is raised instead; ``None``: the scheduler's
    #: default (15 minutes, the ban period).
    max_pause: float | None = attrs.field(default=None, validator=_check_max_wait)
    #: The cache and coalescing partition: a one-way hash of the API key (``"anon"``).
    partition: str = "anon"
    #: The caller reads the body in pieces (downloads): no coalescing, no cache.
    stream: bool = False
    #: Identical answers may be shared (coalesced, cached); ``False`` for random picks.
    shareable: bool = True

    @property
    def is_file(self) -> bool:
        """A CDN file request: it never carries the key and has its own budget."""
        return self.group == "cdn"


_DEFAULT = RequestOptions()


def options_of(request: httpx.Request) -> RequestOptions:
    """The options a request carries (the defaults when it carries none)."""
    options = request.extensions.get(EXTENSION)
    return options if isinstance(options, RequestOptions) else _DEFAULT
