"""Each flavour's routes as data: path, envelope member, rate-limit group, parameter names.

An operation a flavour lacks is simply absent from its table; the resources turn that into
:class:`booru_async.UnsupportedOperation` before anything is sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import attrs

from ._sites import Flavour

__all__ = ["PARAMS", "ROUTES", "Route", "SORT_NAMES"]


@attrs.frozen
class Route:
    """One API route of one flavour."""

    path: str
    #: The envelope member that holds the payload; ``None`` when the body is the payload.
    member: str | None
    #: The rate-limit group (see :class:`booru_async.Site`).
    group: str
    method: Literal["GET", "POST"] = "GET"
    #: Legacy ``/search.json`` answers an empty query with a 200 and an empty body.
    empty_body_is_empty: bool = False
    #: Page size the server uses when none is sent (§2.1: image search is 15 anonymous).
    default_per_page: int = 25


_PHILOMENA: dict[str, Route] = {
    "images.get": Route("/api/v1/json/images/{id}", "image", "image"),
    "images.featured": Route("/api/v1/json/images/featured", "image", "image"),
    "images.search": Route("/api/v1/json/search/images", "images", "search", default_per_page=15),
    "tags.get": Route("/api/v1/json/tags/{slug}", "tag", "site"),
    "tags.search": Route("/api/v1/json/search/tags", "tags", "search"),
}

_TWIBOORU: dict[str, Route] = {
    "images.get": Route("/api/v3/posts/{id}", "post", "image"),
    "images.featured": Route("/api/v3/posts/featured", "post", "image"),
    "images.search": Route("/api/v3/search/posts", "posts", "search"),
    # v3 has no tag-by-slug route; a tag search on its slug stands in (§6.1).
    "tags.search": Route("/api/v3/search/tags", "tags", "search_tags"),
}

_LEGACY: dict[str, Route] = {
    "images.get": Route("/images/{id}.json", None, "image"),
    "images.search": Route(
        "/search.json", "search", "search", empty_body_is_empty=True, default_per_page=15
    ),
    "tags.get": Route("/tags/{slug}.json", "tag", "site"),
}

ROUTES: Mapping[Flavour, Mapping[str, Route]] = {
    "philomena": _PHILOMENA,
    "twibooru": _TWIBOORU,
    "legacy": _LEGACY,
}

#: Unified parameter names -> each flavour's own.
PARAMS: Mapping[Flavour, Mapping[str, str]] = {
    "philomena": {"sort": "sf", "order": "sd", "per_page": "per_page", "filter_id": "filter_id"},
    "twibooru": {"sort": "sf", "order": "sd", "per_page": "per_page", "filter_id": "filter_id"},
    "legacy": {"sort": "sf", "order": "sd", "per_page": "perpage", "filter_id": "filter_id"},
}

#: Unified (Philomena) sort fields -> the legacy app's names (§5.1); others pass through.
SORT_NAMES: Mapping[Flavour, Mapping[str, str]] = {
    "philomena": {},
    "twibooru": {},
    "legacy": {
        "_score": "relevance",
        "comment_count": "comments",
        "wilson_score": "wilson",
    },
}
