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
        # The page's ``/posts/watched.json`` answers in the legacy shape, whose Twibooru
        # serialiser is not public; the same feed is a keyed ``my:watched`` search here.
        "images.watched": Route(
            f"{_V3}/search/posts", "posts", "search", params={"q": "my:watched"}
        ),
        # The API page documents /oembed.json (and .xml) with maxwidth/maxheight (§5.4).
        "oembed": Route("/oembed.json", None, "oembed"),
    },
    params={
        "sort": "sf",
        "order": "sd",
        "per_page": "per_page",
        "filter_id": "filter_id",
        "max_width": "maxwidth",
        "max_height": "maxheight",
    },
    # Twibooru's source is not public and its page lists no ``sf`` values: the safe reading
    # is the names its booru-on-rails lineage and Philomena share, plus ``id`` (its search
    # sorts by id, which the keyset crawl relies on).
    sorts=frozenset(
        {
            "id",
            "created_at",
            "updated_at",
            "first_seen_at",
            "width",
            "height",
            "score",
            "tag_count",
            "random",
        }
    ),
    # Twibooru v3 has no tag route; its tag index is searched by name instead (§6.1).
    tag_lookup="search",
)
