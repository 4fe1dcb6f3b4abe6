"""Search-query language of the fake server: Philomena 1.2's grammar and the legacy one.

``compile_query`` parses a ``q`` string once and returns a predicate to run over
in-memory documents.  Parsing follows the server's own parser (error texts are the
server's, verbatim); matching imitates what the search engine does with the query the
server builds.  ``grammar="legacy"`` switches to the booru-on-rails / Twibooru
``fancy_searchable`` grammar.

Documents
---------
A document is a plain mapping, keyed by search-field name, holding the values as the
site's API shows them (the module applies the index's own lower-casing).  A missing key,
``None`` or an empty list simply never matches.  Lists are accepted wherever a field can
hold several values.  Dates are aware ``datetime`` objects (naive ones are read as UTC)
or ISO-8601 strings.

``images``
    ``id``, ``width``, ``height``, ``score``, ``upvotes``, ``downvotes``, ``faves``,
    ``size``, ``orig_size``, ``comment_count``, the ten ``<category>_tag_count`` ints;
    ``pixels``, ``tag_count``, ``source_count`` (derived from ``width*height``,
    ``len(tags)``, ``len(source_urls)`` when absent); ``aspect_ratio``,
    ``wilson_score``, ``duration`` (floats; ``duration`` counts as 0 unless
    ``animated``); ``created_at``, ``updated_at``, ``first_seen_at``;
    ``animated``, ``processed``, ``thumbnails_generated`` (bools); ``tags`` (tag names,
    the default field) plus optional ``tag_aliases`` (names of aliases of those tags,
    which the default field matches as well); ``uploader`` (name, ``None`` when
    anonymous), ``uploader_id`` (``None`` when anonymous); ``source_urls`` (list, the
    ``source_url`` field); ``faved_by`` (names), ``faved_by_ids`` (the ``faved_by_id``
    field and ``my:faves``); ``orig_sha512_hash``, ``sha512_hash``, ``original_format``
    (``format`` in the API), ``mime_type``, ``file_name`` (``name`` in the API; matched
    case-sensitively); ``duplicate_id``; ``description``.  For ``my:``:
    ``upvoted_by_ids``, ``downvoted_by_ids``, ``hidden_by_ids`` and
    ``true_uploader_id`` (the uploader even when anonymous).  For ``gallery_id:`` without
    a resolver: ``gallery_ids``.
``tags``
    ``id``, ``images`` (count); ``slug``, ``name``, ``name_in_namespace``,
    ``namespace``, ``category``; ``implies``, ``implied_by``, ``aliases`` (lists of tag
    **names**), ``alias_of`` (name or ``None``); ``aliased`` (bool, derived from
    ``alias_of`` when absent); ``description``, ``short_description``.
    ``analyzed_name`` searches the words of ``name``.
``comments``
    ``id``, ``image_id``, ``created_at``, ``body``, ``author`` (user name, ``None`` when
    anonymous), ``user_id`` (the poster's id **even for anonymous comments**, as the
    index keeps it), ``anonymous`` (bool; ``author:``/``user_id:`` skip anonymous ones).
``posts``
    ``id``, ``topic_position``, ``forum_id``, ``topic_id``, ``created_at``,
    ``updated_at``, ``forum`` (forum short name), ``body``, ``subject`` (topic title),
    ``author``, ``user_id``, ``anonymous`` as for comments.
``galleries``
    ``id``, ``image_count``, ``watcher_count``, ``image_ids``, ``watcher_ids``,
    ``title``, ``user`` (creator name), ``created_at``, ``updated_at``, ``description``.
``filters``
    ``id``, ``spoilered_count``, ``hidden_count``, ``user_id``, ``created_at``,
    ``description``, ``name``, ``creator`` (creator name), ``public``, ``system``
    (system filters count as public).

Legacy-only keys: comments ``image_tag_ids``; filters ``spoilered_tags``,
``hidden_tags`` (names), ``user_count``.

Matching model
--------------
Keyword fields match whole values; wildcards use ``*``/``?`` with ``\\`` escapes;
``~N`` fuzziness allows ``min(2, int(N))`` edits (adjacent swaps count as one), which
is what the search engine does with the number the server sends.  Analysed text
(``description``, ``body``...) is split into lower-case words with English stop words
and a possessive ``'s`` dropped, **without stemming**; a phrase matches its words in
sequence, a wildcard matches single words.  Boosts never change matching.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Literal

from . import _legacy, _parser
from ._ast import Predicate
from ._dates import to_micros
from ._errors import QueryError
from ._evaluate import compile_node
from ._fields import DEFAULT_FIELD, FIELDS, FieldType, IndexName

__all__ = [
    "DEFAULT_FIELD",
    "FIELDS",
    "FieldType",
    "IndexName",
    "QueryError",
    "compile_complex_filter",
    "compile_query",
]

Grammar = Literal["philomena", "legacy"]


def compile_query(
    q: str | None,
    *,
    index: IndexName,
    grammar: Grammar = "philomena",
    now: datetime,
    user_id: int | None = None,
    resolve_gallery: Callable[[int], set[int] | None] | None = None,
    resolve_filter: Callable[[int], Callable[[Mapping[str, Any]], bool] | None] | None = None,
    watched: Callable[[Mapping[str, Any]], bool] | None = None,
    in_filter: bool = False,
    in_watch: bool = False,
    master: bool = False,
    rails_dates: bool = False,
) -> Callable[[Mapping[str, Any]], bool]:
    """Parse ``q`` for ``index`` and return a predicate over documents.

    Raises ``QueryError`` with the server's message when the server would answer 400.
    An empty or blank ``q`` gives a predicate that matches nothing.

    * ``now`` anchors relative dates (``3 days ago``).
    * ``user_id`` is the keyed user; without it ``my:`` is not a field (Philomena 1.2
      then reads ``my:faves`` as a tag name).
    * ``resolve_gallery(n)`` gives the image ids of gallery *n* (``None``: no such
      gallery, nothing matches).  Without it the document's ``gallery_ids`` are used.
    * ``resolve_filter(n)`` gives filter *n*'s **hide** predicate (true for images its
      hidden tags or hidden complex query hide), or ``None`` when the filter does not
      exist or the requester may not see it (an ``Invalid filter`` error).
      ``filter_id:n`` matches the images that predicate does *not* hide.
    * ``watched`` is the user's ``my:watched`` predicate (nothing matches without it).
    * ``in_filter`` / ``in_watch`` mark a query being compiled as a filter's complex
      string or as a user's watch query; ``filter_id:`` and ``my:watched`` are then
      errors, as on the server.
    * ``master`` follows Philomena master: an anonymous ``my:`` query is an error
      (``You must be logged in to use `my' queries.``) rather than a tag name.
    * ``rails_dates`` (legacy grammar) reads dates as booru-on-rails did, strictly,
      rather than as Twibooru's lenient ``fancy_searchable`` gem.
    """
    if q is None:
        q = ""
    if not isinstance(q, str):
        raise QueryError("search query is not a string")
    micros = to_micros(now)
    if micros is None:
        raise TypeError("now must be a datetime")
    ctx = _parser.Context(
        index=index,
        now=micros,
        user_id=user_id,
        resolve_gallery=resolve_gallery,
        resolve_filter=resolve_filter,
        watched=watched,
        in_filter=in_filter,
        in_watch=in_watch,
        master=master and grammar == "philomena",
        rails_dates=rails_dates and grammar == "legacy",
    )
    if grammar == "legacy":
        tree = _legacy.parse(q, ctx)
    elif grammar == "philomena":
        tree = _parser.parse(q, ctx)
    else:
        raise ValueError(f"unknown grammar {grammar!r}")
    return compile_node(tree)


def compile_complex_filter(
    text: str | None,
    *,
    now: datetime,
    user_id: int | None = None,
    resolve_gallery: Callable[[int], set[int] | None] | None = None,
    grammar: Grammar = "philomena",
) -> Predicate:
    """A filter's hidden/spoilered complex string, compiled the way the server does.

    Each non-empty line is one alternative (lines are OR-ed), the query is compiled as
    being inside a filter, and a string that fails to parse matches every image.
    """
    lines = [line for line in (text or "").replace("\r", "").split("\n") if line]
    joined = " || ".join(f"({line})" for line in lines)
    try:
        return compile_query(
            joined,
            index="images",
            grammar=grammar,
            now=now,
            user_id=user_id,
            resolve_gallery=resolve_gallery,
            in_filter=True,
        )
    except QueryError:
        return lambda _doc: True
