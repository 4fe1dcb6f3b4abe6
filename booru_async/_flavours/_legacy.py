"""The pre-2020 booru-on-rails ``*.json`` API (Twibooru's legacy API; §5)."""

from __future__ import annotations

from ._spec import FlavourSpec, Route

__all__ = ["LEGACY"]

LEGACY = FlavourSpec(
    name="legacy",
    routes={
        "images.get": Route("/images/{id}.json", None, "image"),
        "images.search": Route("/search.json", "search", "search", empty_body_is_empty=True),
        # The legacy app answers {"id": N} for random_image=1 (§5.1).
        "images.random": Route(
            "/search.json", None, "search", params={"random_image": "1"}, shareable=False
        ),
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
        "tags.get": Route("/tags/{slug}.json", "tag", "site", siblings=("aliases", "dnp_entries")),
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
    },
    params={"sort": "sf", "order": "sd", "per_page": "perpage", "filter_id": "filter_id"},
    sort_names={
        "_score": "relevance",
        "comment_count": "comments",
        "wilson_score": "wilson",
    },
    random="id",
    keyset="window",
    reverse_file_field="image",
    tag_slug_forms=(True,),
    profiles_by_slug=True,
)
