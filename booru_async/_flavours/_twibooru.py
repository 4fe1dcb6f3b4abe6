"""Twibooru's ``/api/v3`` (posts are images; §6)."""

from __future__ import annotations

from ._spec import FlavourSpec, Route

__all__ = ["TWIBOORU"]

_V3 = "/api/v3"

TWIBOORU = FlavourSpec(
    name="twibooru",
    routes={
        "images.get": Route(f"{_V3}/posts/{{id}}", "post", "image"),
        "images.featured": Route(f"{_V3}/posts/featured", "post", "image"),
        "images.search": Route(f"{_V3}/search/posts", "posts", "search"),
        "images.random": Route(
            f"{_V3}/search/posts", "posts", "search", params={"sf": "random"}, shareable=False
        ),
        # Documented as "all comments" with no paging; paged like the rest in case it is
        # (the pager stops if the server ignores the page number).
        "images.comments": Route(f"{_V3}/posts/{{id}}/comments", "comments", "comments"),
        "tags.search": Route(f"{_V3}/search/tags", "tags", "search_tags"),
        # Undocumented, but gallery-dl relies on it (§6.1).
        "galleries.get": Route(f"{_V3}/galleries/{{id}}", "gallery", "image"),
    },
    params={"sort": "sf", "order": "sd", "per_page": "per_page", "filter_id": "filter_id"},
    # Twibooru v3 has no tag route; its tag index is searched by name instead (§6.1).
    tag_lookup="search",
)
