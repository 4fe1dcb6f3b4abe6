"""Site profiles: which API flavour a booru speaks, where it lives and what it allows.

Profiles are frozen data. The budgets are the documented limits quoted in
``server-behaviour.md`` §3.2; where a site documents none, the profile says so and uses
the upstream reference proxy's limits, which is what a stock Philomena deployment enforces.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from types import MappingProxyType
from typing import TypeAlias
from urllib.parse import urlsplit

import attrs

from ._flavours._spec import FLAVOURS, Flavour

__all__ = ["SITES", "Budget", "Budgets", "Flavour", "Site", "get_site"]


Budget: TypeAlias = tuple[int, float]
"""A rate budget: at most ``requests`` requests per ``seconds`` seconds."""


class Budgets(Mapping[str, Budget]):
    """An immutable, hashable mapping of endpoint group -> ``(requests, seconds)``."""

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[str, Budget] | Iterable[tuple[str, Budget]] = ()) -> None:
        pairs = items.items() if isinstance(items, Mapping) else items
        checked: dict[str, Budget] = {}
        for group, budget in pairs:
            if not isinstance(group, str) or not group:
                raise ValueError(f"budget group names are non-empty strings, not {group!r}")
            try:
                requests, seconds = budget
            except (TypeError, ValueError):
                raise ValueError(
                    f"budget for {group!r} must be (requests, seconds), not {budget!r}"
                ) from None
            if isinstance(requests, bool) or not isinstance(requests, int) or requests < 1:
                raise ValueError(f"budget for {group!r}: requests must be an int >= 1")
            if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds <= 0:
                raise ValueError(f"budget for {group!r}: seconds must be a number > 0")
            checked[group] = (requests, float(seconds))
        self._items = tuple(sorted(checked.items()))

    def __getitem__(self, key: str) -> Budget:
        for group, budget in self._items:
            if group == key:
                return budget
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return (group for group, _ in self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(self._items)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Budgets):
            return self._items == other._items
        if isinstance(other, Mapping):
            return dict(self._items) == dict(other)
        return NotImplemented

    def __repr__(self) -> str:
        return f"Budgets({dict(self._items)!r})"


def _to_budgets(value: Mapping[str, Budget] | Budgets) -> Budgets:
    return value if isinstance(value, Budgets) else Budgets(value)


def _check_base_url(_: object, attribute: attrs.Attribute[str], value: str) -> None:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{attribute.name} must be an absolute http(s) URL, not {value!r}")
    if parts.query or parts.fragment:
        raise ValueError(f"{attribute.name} must not carry a query or fragment: {value!r}")


def _strip_slash(value: str) -> str:
    return value.rstrip("/")


def _to_tuple(value: Iterable[str]) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    return tuple(value)


@attrs.frozen(kw_only=True)
class Site:
    """One booru: its name, base URL, API flavour, CDN hosts and rate budgets.

    ``budgets`` maps an endpoint group to ``(requests, seconds)``; ``"site"`` is the
    site-wide gate every request passes. Group names used by the built-in profiles:
    ``site``, ``search`` (image/post search), ``search_tags``, ``image`` (one image or
    post), ``comments``. Requests of a group the profile does not name pass only the
    ``site`` gate.

    Example::

        ba.Site(name="mybooru", base_url="https://mybooru.example", flavour="philomena",
                budgets={"site": (30, 5.0), "search": (20, 10.0)},
                cdn_hosts=("cdn.mybooru.example",))
    """

    name: str
    base_url: str = attrs.field(converter=_strip_slash, validator=_check_base_url)
    flavour: Flavour = attrs.field(validator=attrs.validators.in_(FLAVOURS))
    budgets: Budgets = attrs.field(factory=Budgets, converter=_to_budgets)
    cdn_hosts: tuple[str, ...] = attrs.field(default=(), converter=_to_tuple)
    #: Where the budgets come from (documentation, reference proxy, assumption).
    budget_source: str = ""
    #: The site's "Everything"-style system filter id, if known (for users who want it).
    everything_filter_id: int | None = None
    #: Served by the built-in fake server (``booru_async.testing``) inside this process:
    #: no network at all. The ``demo`` profile is such a site.
    in_process: bool = False

    @property
    def host(self) -> str:
        """The API host name (``derpibooru.org``)."""
        return urlsplit(self.base_url).hostname or ""

    def with_base_url(self, base_url: str) -> Site:
        """The same profile served from another base URL (tests, mirrors, local servers)."""
        return attrs.evolve(self, base_url=base_url)


# Derpibooru's documented limits (upstream openapi "Rate Limits") and its reference proxy.
_PROXY_BUDGETS: dict[str, Budget] = {"site": (30, 5.0), "search": (20, 10.0)}
_PROXY_SOURCE = "reference proxy: 30 per 5 s per IP, search 20 per 10 s (upstream openapi)"
# Twibooru's API page: per minute, search/posts 10; search/tags, posts/:id, comments 60.
_TWIBOORU_BUDGETS: dict[str, Budget] = {
    "search": (10, 60.0),
    "search_tags": (60, 60.0),
    "image": (60, 60.0),
    "comments": (60, 60.0),
}


def _philomena(name: str, host: str, cdn: tuple[str, ...], *, documented: bool) -> Site:
    return Site(
        name=name,
        base_url=f"https://{host}",
        flavour="philomena",
        budgets=_PROXY_BUDGETS,
        cdn_hosts=cdn,
        budget_source=(
            "documented: " + _PROXY_SOURCE
            if documented
            else "undocumented; assumed the upstream " + _PROXY_SOURCE
        ),
    )


SITES: Mapping[str, Site] = MappingProxyType(
    {
        site.name: site
        for site in (
            attrs.evolve(
                _philomena("derpibooru", "derpibooru.org", ("derpicdn.net",), documented=True),
                everything_filter_id=56027,
            ),
            attrs.evolve(
                _philomena("furbooru", "furbooru.org", ("furrycdn.org",), documented=True),
                everything_filter_id=2,
            ),
            _philomena("ponybooru", "ponybooru.org", ("cdn.ponybooru.org",), documented=False),
            _philomena("manebooru", "manebooru.art", ("static.manebooru.art",), documented=False),
            _philomena("ponerpics", "ponerpics.org", ("ponerpics.org",), documented=False),
            _philomena("tantabus", "tantabus.ai", ("static.tantabus.ai",), documented=False),
            Site(
                name="twibooru",
                base_url="https://twibooru.org",
                flavour="twibooru",
                budgets=_TWIBOORU_BUDGETS,
                cdn_hosts=("cdn.twibooru.org",),
                budget_source="documented: Twibooru API page, per minute",
                everything_filter_id=2,
            ),
            Site(
                name="twibooru-legacy",
                base_url="https://twibooru.org",
                flavour="legacy",
                # Same host and the same limits as its v3 API; the legacy page documents none.
                budgets=_TWIBOORU_BUDGETS,
                cdn_hosts=("cdn.twibooru.org",),
                budget_source="assumed: Twibooru's v3 per-minute limits (same host)",
                everything_filter_id=2,
            ),
            Site(
                name="demo",
                # A reserved name (RFC 2606) that never resolves: nothing leaves the process.
                base_url="https://demo.booru-async.invalid",
                flavour="philomena",
                budgets=_PROXY_BUDGETS,
                cdn_hosts=("demo.booru-async.invalid",),
                budget_source="Derpibooru's documented limits, so the demo behaves like it",
                everything_filter_id=56027,
                in_process=True,
            ),
        )
    }
)


def get_site(site: str | Site, base_url: str | None = None) -> Site:
    """Resolve a profile name or a :class:`Site`, optionally moved to ``base_url``."""
    if isinstance(site, Site):
        profile = site
    else:
        try:
            profile = SITES[site]
        except KeyError:
            known = ", ".join(sorted(SITES))
            raise ValueError(f"unknown site {site!r}; built-in profiles: {known}") from None
    return profile.with_base_url(base_url) if base_url else profile
