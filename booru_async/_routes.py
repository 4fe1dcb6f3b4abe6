"""Each flavour's routes as data: path, envelope member, rate-limit group, parameters, quirks.

An operation a flavour lacks is simply absent from its table; the resources turn that into
:class:`booru_async.UnsupportedOperation` before anything is sent. Operations the API offers
only through a search (a gallery by id, an image's comments on Philomena) are routes with
fixed parameters, so the resources need no per-flavour code for them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import attrs

from ._sites import Flavour

__all__ = ["PARAMS", "ROUTES", "SORT_NAMES", "Route"]


@attrs.frozen
class Route:
    """One API route of one flavour."""

    path: str
    #: The envelope member that holds the payload; ``None`` when the body is the payload.
    member: str | None
    #: The rate-limit group (see :class:`booru_async.Site`).
    group: str
    method: Literal["GET", "POST"] = "GET"
    #: Fixed parameters, formatted with the call's arguments (``{"q": "image_id:{id}"}``).
    params: Mapping[str, str] = attrs.field(factory=dict)
    #: A list answer whose first item is the result (a lookup done through a search).
    first: bool = False
    #: Legacy ``/search.json`` answers an empty query with a 200 and an empty body.
    empty_body_is_empty: bool = False
    max_per_page: int = 50
    #: The server ignores ``per_page`` and always pages by this many (1.2 topic posts: 25).
    fixed_per_page: int | None = None
    #: The whole list comes in one answer; there is no page 2.
    single_page: bool = False
    #: A page past the end answers 500 instead of an empty list (1.2 topic posts, §1.2).
    past_end_is_500: bool = False
    #: Route-specific names for unified parameters (legacy reverse search: ``scraper_url``).
    rename: Mapping[str, str] = attrs.field(factory=dict)


_V1 = "/api/v1/json"
_PHILOMENA: dict[str, Route] = {
    "images.get": Route(f"{_V1}/images/{{id}}", "image", "image"),
    "images.featured": Route(f"{_V1}/images/featured", "image", "image"),
    "images.search": Route(f"{_V1}/search/images", "images", "search"),
    "images.comments": Route(
        f"{_V1}/search/comments", "comments", "search", params={"q": "image_id:{id}"}
    ),
    "images.reverse_search": Route(f"{_V1}/search/reverse", "images", "search", method="POST"),
    "images.upload": Route(f"{_V1}/images", "image", "upload", method="POST"),
    "tags.get": Route(f"{_V1}/tags/{{slug}}", "tag", "site"),
    "tags.search": Route(f"{_V1}/search/tags", "tags", "search"),
    "comments.get": Route(f"{_V1}/comments/{{id}}", "comment", "site"),
    "comments.search": Route(f"{_V1}/search/comments", "comments", "search"),
    # Philomena has no gallery route; a search on its id stands in.
    "galleries.get": Route(
        f"{_V1}/search/galleries", "galleries", "search", params={"q": "id:{id}"}, first=True
    ),
    "galleries.search": Route(f"{_V1}/search/galleries", "galleries", "search"),
    "forums.list": Route(f"{_V1}/forums", "forums", "site"),
    "forums.get": Route(f"{_V1}/forums/{{forum}}", "forum", "site"),
    "forums.topics": Route(f"{_V1}/forums/{{forum}}/topics", "topics", "site"),
    "forums.topic": Route(f"{_V1}/forums/{{forum}}/topics/{{topic}}", "topic", "site"),
    "forums.posts": Route(
        f"{_V1}/forums/{{forum}}/topics/{{topic}}/posts",
        "posts",
        "site",
        fixed_per_page=25,
        past_end_is_500=True,
    ),
    "forums.post": Route(f"{_V1}/forums/{{forum}}/topics/{{topic}}/posts/{{id}}", "post", "site"),
    "posts.get": Route(f"{_V1}/posts/{{id}}", "post", "site"),
    "posts.search": Route(f"{_V1}/search/posts", "posts", "search"),
    "profiles.get": Route(f"{_V1}/profiles/{{id}}", "user", "site"),
    "filters.get": Route(f"{_V1}/filters/{{id}}", "filter", "site"),
    "filters.system": Route(f"{_V1}/filters/system", "filters", "site"),
    "filters.user": Route(f"{_V1}/filters/user", "filters", "site"),
    "filters.search": Route(f"{_V1}/search/filters", "filters", "search"),
    "oembed": Route(f"{_V1}/oembed", None, "oembed"),
}

_V3 = "/api/v3"
_TWIBOORU: dict[str, Route] = {
    "images.get": Route(f"{_V3}/posts/{{id}}", "post", "image"),
    "images.featured": Route(f"{_V3}/posts/featured", "post", "image"),
    "images.search": Route(f"{_V3}/search/posts", "posts", "search"),
    # Documented as "all comments" with no paging; paged like the rest in case it is
    # (the pager stops if the server ignores the page number).
    "images.comments": Route(f"{_V3}/posts/{{id}}/comments", "comments", "comments"),
    "tags.search": Route(f"{_V3}/search/tags", "tags", "search_tags"),
    # Undocumented, but gallery-dl relies on it (§6.1).
    "galleries.get": Route(f"{_V3}/galleries/{{id}}", "gallery", "image"),
}

_LEGACY: dict[str, Route] = {
    "images.get": Route("/images/{id}.json", None, "image"),
    "images.search": Route(
        "/search.json", "search", "search", empty_body_is_empty=True
    ),
    "images.random": Route("/search.json", None, "search", params={"random_image": "1"}),
    # /search.json cannot sort by id; the raw window by id is the legacy keyset walk (§5.1).
    # booru-on-rails ImagesController#index_constraints reads ``order`` (blank or ``a``:
    # ascending, ``d``: descending), not ``sd``, so the unified name keeps its own spelling.
    "images.walk": Route(
        "/images.json",
        "images",
        "search",
        params={"constraint": "id", "order": "d"},
        rename={"order": "order"},
    ),
    # CommentQuery.paginate pages by the user's comments_per_page (20 anonymous) and
    # never reads ``perpage``.
    "images.comments": Route(
        "/images/{id}/comments.json", "comments", "comments", fixed_per_page=20
    ),
    "images.reverse_search": Route(
        "/search/reverse.json",
        "search",
        "search",
        method="POST",
        rename={"url": "scraper_url", "distance": "fuzziness"},
    ),
    "tags.get": Route("/tags/{slug}.json", "tag", "site"),
    "tags.search": Route(
        "/tags.json", None, "site", fixed_per_page=250, max_per_page=250, rename={"q": "tq"}
    ),
    # GalleriesController#show: {"gallery": ..., "images": [...], "interactions": [...]}.
    "galleries.get": Route("/galleries/{id}.json", "gallery", "site"),
    "profiles.get": Route("/profiles/{id}.json", None, "site"),
    "filters.get": Route("/filters/{id}.json", None, "site"),
    "filters.system": Route("/filters.json", "system_filters", "site", single_page=True),
    "filters.user": Route("/filters.json", "user_filters", "site", single_page=True),
    "oembed": Route("/oembed.json", None, "oembed"),
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
