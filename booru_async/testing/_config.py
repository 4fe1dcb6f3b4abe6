"""Frozen behaviour configuration of the fake server.

Everything a test may want to switch lives in :class:`FakeBehaviour`, an
immutable value.  A running :class:`~booru_async.testing.FakeBooru` holds one
and can be handed a new one at any time (``fake.behaviour = replace(...)`` or
``fake.configure(...)``); the next request sees the change.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, get_args

from .._flavours import Flavour

RateLimitStyle = Literal["twibooru", "proxy"]
ResetFormat = Literal["ruby", "iso", "epoch", "delta"]
FaultKind = Literal["latency", "reset", "truncate", "html502", "wrong_content_type"]

#: Phoenix/Plug default header on every Philomena application response.
CACHE_PHOENIX = "max-age=0, private, must-revalidate"
#: What the reference production proxy (Caddy) overrides API responses with.
CACHE_PROXY = "no-store, no-cache"
#: Rails default on 200 responses (booru-on-rails / Twibooru), used with weak ETags.
CACHE_RAILS = "max-age=0, private, must-revalidate"


def cacheable(max_age: int) -> str:
    """A ``Cache-Control`` value that lets clients cache for ``max_age`` seconds."""
    return f"public, max-age={max_age}"


@dataclass(frozen=True)
class RateBudget:
    """``limit`` requests per ``window`` seconds for the route groups in ``groups``.

    ``groups`` holds route-group names (see ``FakeBooru.route_groups()``); ``"*"``
    matches every API group (not the ``"cdn"`` group).  Several budgets may apply
    to one request (e.g. a site-wide one and a search one); the request is
    refused with 429 if any of them is exhausted.  Refused requests do not
    consume budget.  ``algorithm`` is ``"sliding"`` (caddy-ratelimit: a request
    is allowed if fewer than ``limit`` accepted requests happened in the last
    ``window`` seconds) or ``"fixed"`` (Twibooru/Rack::Attack style windows
    aligned to multiples of ``window``).
    """

    limit: int
    window: float
    groups: tuple[str, ...] = ("*",)
    algorithm: Literal["sliding", "fixed"] = "sliding"

    def applies_to(self, group: str) -> bool:
        """Whether a request in ``group`` consumes this budget."""
        if group in self.groups:
            return True
        return "*" in self.groups and group != "cdn"


@dataclass(frozen=True)
class AntiBot:
    """Derpibooru's anti-bot middleware.

    While a challenge is active (``FakeBooru.trigger_challenge()``, or
    automatically when a rate budget is exceeded and ``trigger_on_rate_limit``)
    every API request gets ``501`` with an HTML page.  A client that sends
    another request less than ``min_backoff`` seconds after a 501 is blocked for
    ``ban_duration`` seconds: every request then gets ``500`` with an empty body,
    and each request during the block restarts the block.
    """

    challenge_duration: float = 60.0
    min_backoff: float = 5.0
    ban_duration: float = 900.0
    trigger_on_rate_limit: bool = False


@dataclass(frozen=True)
class Fault:
    """An injected fault.

    ``kind``:

    * ``"latency"`` - wait ``delay`` seconds (wall clock) before answering;
    * ``"reset"`` - send the status line and headers, then drop the connection;
    * ``"truncate"`` - send headers (with the full ``Content-Length``) and only
      ``truncate_to`` bytes of the body, then drop the connection;
    * ``"html502"`` - answer ``502`` with an nginx-style HTML page;
    * ``"wrong_content_type"`` - the normal body labelled ``content_type``.

    The fault applies to requests whose route group is in ``groups`` (``"*"`` =
    every group, including ``"cdn"``) and, if ``paths`` is non-empty, whose path
    starts with one of ``paths``.  It fires with ``probability`` (drawn from the
    fake's seeded RNG) and at most ``times`` times (``None`` = unlimited).

    Raises:
        ValueError: an unknown ``kind`` (the message lists the valid ones), a
            ``probability`` outside [0, 1] or a negative ``times``.

    Example::

        fake.configure(faults=(Fault("html502", groups=("search",), times=1),))
    """

    kind: FaultKind
    groups: tuple[str, ...] = ("*",)
    paths: tuple[str, ...] = ()
    probability: float = 1.0
    times: int | None = None
    delay: float = 0.05
    truncate_to: int = 10
    content_type: str = "text/html; charset=utf-8"

    def __post_init__(self) -> None:
        # A mistyped kind used to be a fault that never fired: the test then passed
        # while exercising nothing.
        kinds = get_args(FaultKind)
        if self.kind not in kinds:
            raise ValueError(
                f"Fault kind {self.kind!r} is not one of {', '.join(map(repr, kinds))} "
                "(statuses such as 429 or 501 come from RateBudget and AntiBot)"
            )
        if not 0.0 <= self.probability <= 1.0:
            raise ValueError(f"Fault probability must be within [0, 1], got {self.probability!r}")
        if self.times is not None and self.times < 0:
            raise ValueError(f"Fault times must be None or >= 0, got {self.times!r}")

    def matches(self, group: str, path: str) -> bool:
        """Whether this fault is eligible for a request."""
        if "*" not in self.groups and group not in self.groups:
            return False
        return not self.paths or any(path.startswith(p) for p in self.paths)


@dataclass(frozen=True)
class FakeBehaviour:
    """Everything about the fake that a test may switch (immutable).

    Flavour and version:

    * ``flavour`` - ``"philomena"`` (``/api/v1/json``), ``"twibooru"`` (``/api/v3``
      plus Twibooru's legacy ``.json`` routes) or ``"legacy"`` (booru-on-rails).
    * ``master`` - Philomena master (future 1.3) differences instead of 1.2.
    * ``legacy_variant`` - ``"derpibooru"`` or ``"twibooru"`` shapes on legacy routes.

    Site identity: ``site_name`` (``"Derpibooru"``, ``"Furbooru"``...),
    ``site_url`` (``None`` = the URL the fake is reached at: ``http://booru.test``
    in-process, the loopback URL under :func:`serve`), ``img_root`` (``None`` =
    ``<site_url>/img``, so the fake's own CDN serves the files),
    ``avatar_root``/``badge_root``/``tag_root`` likewise.

    Headers: ``cache_control`` (one of :data:`CACHE_PHOENIX`, :data:`CACHE_PROXY`,
    :func:`cacheable`; ``None`` = flavour default: :data:`CACHE_PROXY` on Philomena, as
    production answers behind its proxy, :data:`CACHE_RAILS` on the legacy routes),
    ``etag`` (weak ETags plus ``304`` on ``If-None-Match``; ``None`` = on for legacy
    routes only),
    ``date_skew`` (seconds added to the ``Date`` header).

    Rate limiting: ``rate_budgets``, ``rate_limit_style`` (``"twibooru"``: ``X-RL``
    headers on every response; ``"proxy"``: ``Retry-After`` + HTML body on 429; a
    ``twibooru`` flavour fake sends ``X-RL`` headers whatever the style, counted against
    the documented budgets when ``rate_budgets`` covers no budget for the route),
    ``reset_format`` for ``X-RL-Reset``, ``anti_bot``.

    Faults: ``faults`` (tried in order; the first that fires wins), ``seed`` for
    the fault RNG, ``corrupt_images`` (image ids whose CDN bytes are altered).

    Search: ``min_upload_tags`` (3 upstream, 5 on Furbooru), ``json_suffix_guard``
    (Philomena's reference proxy answers ``*.json`` paths with an empty 400).
    """

    flavour: Flavour = "philomena"
    master: bool = False
    legacy_variant: Literal["derpibooru", "twibooru"] = "derpibooru"
    site_name: str = "Derpibooru"
    site_url: str | None = None
    img_root: str | None = None
    avatar_root: str | None = None
    badge_root: str | None = None
    tag_root: str | None = None
    cache_control: str | None = None
    etag: bool | None = None
    date_skew: float = 0.0
    rate_budgets: tuple[RateBudget, ...] = ()
    rate_limit_style: RateLimitStyle = "proxy"
    reset_format: ResetFormat = "ruby"
    anti_bot: AntiBot | None = None
    faults: tuple[Fault, ...] = ()
    seed: int = 0
    corrupt_images: frozenset[int] = frozenset()
    min_upload_tags: int = 3
    json_suffix_guard: bool = True
    extra_headers: Mapping[str, str] = field(default_factory=dict)

    def replace(self, **changes: object) -> FakeBehaviour:
        """A copy with ``changes`` applied (``dataclasses.replace``)."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]


#: Derpibooru's documented limits (upstream openapi): 30 requests / 5 s overall,
#: search 20 / 10 s, answered Caddy-style.
DERPIBOORU_BUDGETS = (
    RateBudget(limit=30, window=5.0, groups=("*",)),
    RateBudget(limit=20, window=10.0, groups=("search",)),
)

#: Twibooru's documented v3 limits (per minute), fixed windows.
TWIBOORU_BUDGETS = (
    RateBudget(limit=10, window=60.0, groups=("search/posts",), algorithm="fixed"),
    RateBudget(limit=60, window=60.0, groups=("search/tags",), algorithm="fixed"),
    RateBudget(limit=60, window=60.0, groups=("posts",), algorithm="fixed"),
    RateBudget(limit=60, window=60.0, groups=("posts/comments",), algorithm="fixed"),
)

#: The legacy ``.json`` routes' groups (``search``, ``image``, ``comments``) under
#: Twibooru's per-minute figures. booru-on-rails limited no read route (only the
#: ``RateLimitable`` actions: uploads, comments, reports); Twibooru documents its limits
#: for the v3 routes only, so these are an assumption: the same kind of request, the same
#: budget.
LEGACY_BUDGETS = (
    RateBudget(limit=10, window=60.0, groups=("search",), algorithm="fixed"),
    RateBudget(limit=60, window=60.0, groups=("image",), algorithm="fixed"),
    RateBudget(limit=60, window=60.0, groups=("comments",), algorithm="fixed"),
)

#: What a Twibooru fake reports in ``X-RL*`` for a route no configured budget covers: the
#: real site sends the headers on every API answer. Twibooru documents four routes; any
#: other is assumed to have the common 60 per minute.
TWIBOORU_HEADER_FALLBACK = RateBudget(limit=60, window=60.0, groups=("*",), algorithm="fixed")
