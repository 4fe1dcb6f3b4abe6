"""Philomena 1.2 (Derpibooru, Furbooru, Ponybooru, ...): ``/api/v1/json`` (§1, §2)."""

from __future__ import annotations

from typing import get_args

from ._spec import FlavourSpec, ImageSort, Route

__all__ = ["PHILOMENA"]

_V1 = "/api/v1/json"

PHILOMENA = FlavourSpec(
    name="philomena",
    routes={
        "images.get": Route(f"{_V1}/images/{{id}}", "image", "image"),
        "images.featured": Route(f"{_V1}/images/featured", "image", "image"),
        "images.search": Route(f"{_V1}/search/images", "images", "search"),
        # The API page's watched feed: a keyed search of ``my:watched`` (§2.5).
        "images.watched": Route(
            f"{_V1}/search/images", "images", "search", params={"q": "my:watched"}
        ),
        "images.random": Route(
            f"{_V1}/search/images", "images", "search", params={"sf": "random"}, shareable=False
        ),
        "images.comments": Route(
            f"{_V1}/search/comments", "comments", "search", params={"q": "image_id:{id}"}
        ),
        "images.reverse_search": Route(
            f"{_V1}/search/reverse", "images", "search", method="POST"
        ),
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
        "forums.post": Route(
            f"{_V1}/forums/{{forum}}/topics/{{topic}}/posts/{{id}}", "post", "site"
        ),
        "posts.get": Route(f"{_V1}/posts/{{id}}", "post", "site"),
        "posts.search": Route(f"{_V1}/search/posts", "posts", "search"),
        "profiles.get": Route(f"{_V1}/profiles/{{id}}", "user", "site"),
        "filters.get": Route(f"{_V1}/filters/{{id}}", "filter", "site"),
        "filters.system": Route(f"{_V1}/filters/system", "filters", "site"),
        "filters.user": Route(f"{_V1}/filters/user", "filters", "site"),
        "filters.search": Route(f"{_V1}/search/filters", "filters", "search"),
        "oembed": Route(f"{_V1}/oembed", None, "oembed"),
    },
    params={
        "sort": "sf",
        "order": "sd",
        "per_page": "per_page",
        "filter_id": "filter_id",
        # ``del=1`` keeps hidden images (as stubs); the code honours it for everyone (§2.4).
        "deleted": "del",
    },
    # lib/philomena_web/image_sorter.ex ``parse_sf``: any other field, ``created_at``
    # included, falls back to first_seen_at; that one is spelled out so that the common
    # ``created_at`` asks for what the server does anyway. ``hides`` is master only.
    sort_names={"created_at": "first_seen_at"},
    # Philomena sorts by every unified name: the ImageSort Literal is this list.
    sorts=frozenset(get_args(ImageSort)),
)
