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
            "/images/{id}/comments.json",
            "comments",
            "comments",
            fixed_per_page=20,
            server_sized=True,
        ),
        # SearchController#reverse: no image from ``scraper_url`` (or one it cannot
        # analyse) sets a flash and redirects to the HTML form, JSON request or not.
        "images.reverse_search": Route(
            "/search/reverse.json",
            "search",
            "search",
            method="POST",
            rename={"url": "scraper_url", "distance": "fuzziness"},
            redirect_is_empty=True,
        ),
        # Images::WatchedsController#show: ``my:watched``, paged like a search, no total.
        "images.watched": Route("/images/watched.json", "images", "search"),
        # ImagesController#index without ``constraint``: the front page (three minutes
        # behind), paged; Twibooru documents ``deleted`` and ``random_image`` on it.
        "images.front_page": Route("/images.json", "images", "search"),
        "images.front_page_random": Route(
            "/images.json", "images", "search", params={"random_image": "1"}, shareable=False
        ),
        # ListsController#index: three lists of three, ``last=<n>h|d|w``.
        "images.rankings": Route("/lists.json", None, "site"),
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
    params={
        "sort": "sf",
        "order": "sd",
        "per_page": "perpage",
        "filter_id": "filter_id",
        # SearchController#index: ``params.key?(:deleted)`` for JSON requests.
        "deleted": "deleted",
        # The oEmbed thumbnail box (§5.4).
        "max_width": "maxwidth",
        "max_height": "maxheight",
    },
    sort_names={
        "_score": "relevance",
        "comment_count": "comments",
        "wilson_score": "wilson",
    },
    # ApplicationController#parse_sort: any other ``sf`` sorts by created_at.
    sorts=frozenset(
        {
            "created_at",
            "updated_at",
            "first_seen_at",
            "width",
            "height",
            "score",
            "_score",
            "comment_count",
            "tag_count",
            "random",
            "wilson_score",
        }
    ),
    random="id",
    keyset="window",
    # The issue and contract pin images.changes() as unsupported here: booru-on-rails'
    # /search.json does take sf=updated_at (server-behaviour.md §5.1), but its date grammar
    # reads ranges differently (§5.5: gt -> gte: end) and Twibooru's legacy routes are
    # deprecated in favour of /api/v3, which has changes().
    changes=False,
    reverse_file_field="image",
    tag_slug_forms=(True,),
    profiles_by_slug=True,
)
