"""What a flavour is, as data: its routes, parameter names, sort names and quirks.

One module per flavour (``_philomena.py``, ``_twibooru.py``, ``_legacy.py``) fills a
:class:`FlavourSpec`; the session and the resources read it and contain no
``if flavour == ...``. The wire *shapes* of the models are the converter's data
(``booru_async/_convert/_shapes.py``, keyed by flavour name).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, Literal, TypeAlias

import attrs

__all__ = ["FLAVOURS", "Flavour", "FlavourSpec", "ImageSort", "Route"]

#: The API flavours: Philomena's ``/api/v1/json``, Twibooru's ``/api/v3``, and the pre-2020
#: booru-on-rails ``*.json`` routes.
Flavour: TypeAlias = Literal["philomena", "twibooru", "legacy"]
FLAVOURS: Final[tuple[Flavour, ...]] = ("philomena", "twibooru", "legacy")


#: The unified sort fields of ``images.search`` (the Philomena names; each flavour maps them
#: and refuses, before sending, those its server does not sort by). Seeded orders
#: ``random:<n>`` and ``gallery_id:<n>`` are accepted too; a type checker cannot spell
#: them, so pass ``typing.cast(ba.ImageSort, f"random:{seed}")``.
ImageSort: TypeAlias = Literal[
    "id",
    "created_at",
    "updated_at",
    "first_seen_at",
    "aspect_ratio",
    "faves",
    "downvotes",
    "upvotes",
    "width",
    "height",
    "score",
    "comment_count",
    "tag_count",
    "wilson_score",
    "pixels",
    "size",
    "duration",
    "_score",
    "random",
]


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
    #: Envelope members sent beside the payload object that belong in it (the legacy tag
    #: page sends ``aliases`` and ``dnp_entries`` next to ``tag``).
    siblings: tuple[str, ...] = ()
    #: Answers differ on every call (random picks): never coalesced, never cached.
    shareable: bool = True
    #: The server chooses the page size from the user's settings and ignores ours; the
    #: pager counts items against ``total`` (legacy comments: ``CommentQuery.paginate``).
    server_sized: bool = False
    #: A redirect answers "nothing found" (legacy reverse search sends the browser back to
    #: its HTML form, ``SearchController#reverse``): an empty list, and it is not followed.
    redirect_is_empty: bool = False


@attrs.frozen(kw_only=True)
class FlavourSpec:
    """Everything the SDK knows about one API flavour."""

    name: Flavour
    #: Operation name (``"images.search"``) -> route; an absent operation is unsupported.
    routes: Mapping[str, Route]
    #: Unified parameter names -> this flavour's.
    params: Mapping[str, str]
    #: Unified (Philomena) sort fields -> this flavour's names; others pass through.
    sort_names: Mapping[str, str] = attrs.field(factory=dict)
    #: The unified sort fields the server really sorts by (besides ``random:<n>`` and
    #: ``gallery_id:<n>``, which every flavour reads). Anything else is refused before
    #: sending: every server silently falls back to its default order for a name it
    #: does not know.
    sorts: frozenset[str] = frozenset()
    #: How ``images.random`` picks: a one-item search sorted ``random`` (``"sort"``), or an
    #: id answered by ``random_image=1`` and then fetched (``"id"``).
    random: Literal["sort", "id"] = "sort"
    #: How ``images.crawl`` walks by id: a search sorted by id (``"search"``), or the raw
    #: ``/images.json`` window, which takes no query (``"window"``).
    keyset: Literal["search", "window"] = "search"
    #: ``images.changes`` walks a search sorted by ``updated_at`` with ``updated_at`` ranges
    #: (Philomena's ``ImageSorter`` and date grammar; Twibooru's search alike).
    changes: bool = True
    #: The multipart field of a reverse search by file.
    reverse_file_field: str = "image[image]"
    #: How ``tags.get`` finds a tag: by slug route (``"slug"``) or by a name search
    #: (``"search"``, where the API has no tag route).
    tag_lookup: Literal["slug", "search"] = "slug"
    #: The slug spellings tried for a tag *name*, in order: ``False`` is the current form
    #: (``artist-colon-foo``), ``True`` booru-on-rails' escaped one (``artist%3Afoo``).
    tag_slug_forms: tuple[bool, ...] = (False, True)
    #: Profiles are addressed by slug as well as by id.
    profiles_by_slug: bool = False
