"""Per-index search fields: their query types and where a document keeps their values.

Two views of every field live here:

* the *query type* (``FieldType``) decides how a value is parsed, which is what the
  public ``FIELDS`` table exposes;
* the *storage* (``Storage``) describes what the search index would hold for a
  document, so the evaluator can reproduce the index: which document key the
  value comes from, whether the index lower-cases it, and whether it is analysed
  text (matched word by word) or a keyword (matched whole).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

IndexName = Literal["images", "tags", "comments", "posts", "galleries", "filters"]
FieldType = Literal["int", "float", "numeric", "date", "literal", "ngram", "bool", "custom"]
StorageKind = Literal["keyword", "text", "int", "float", "bool", "date"]
Analyzer = Literal["snowball", "standard", "keyword"]

INDEXES: tuple[IndexName, ...] = ("images", "tags", "comments", "posts", "galleries", "filters")


@dataclass(frozen=True, slots=True)
class Storage:
    """How one searchable field is held by the (simulated) index."""

    kind: StorageKind
    key: str
    lower: bool = False
    analyzer: Analyzer = "snowball"
    # A second document key whose values the index merges into this field.
    extra_key: str | None = None


def _table(**groups: str) -> dict[str, FieldType]:
    out: dict[str, FieldType] = {}
    for kind, names in groups.items():
        for name in names.split():
            out[name] = kind  # type: ignore[assignment]
    return out


_TAG_COUNTS = (
    "body_type_tag_count error_tag_count character_tag_count content_fanmade_tag_count "
    "content_official_tag_count oc_tag_count origin_tag_count rating_tag_count "
    "species_tag_count spoiler_tag_count"
)

# Philomena 1.2 (anonymous and ordinary keyed users; staff-only fields are left out).
_PHILOMENA: dict[IndexName, dict[str, FieldType]] = {
    "images": _table(
        int="id width height score upvotes downvotes faves pixels size orig_size "
        "comment_count source_count tag_count " + _TAG_COUNTS,
        numeric="uploader_id faved_by_id duplicate_id",
        float="aspect_ratio wilson_score duration",
        date="created_at updated_at first_seen_at",
        literal="faved_by orig_sha512_hash sha512_hash uploader source_url original_format "
        "mime_type file_name",
        bool="animated processed thumbnails_generated",
        ngram="description",
        custom="gallery_id filter_id my",
    ),
    "tags": _table(
        int="id images",
        literal="slug name name_in_namespace namespace implies alias_of implied_by aliases "
        "category analyzed_name",
        bool="aliased",
        ngram="description short_description",
    ),
    "comments": _table(
        int="id",
        numeric="image_id",
        date="created_at",
        ngram="body",
        custom="author user_id my",
    ),
    "posts": _table(
        int="id topic_position",
        numeric="forum_id topic_id",
        date="created_at updated_at",
        literal="forum",
        ngram="body subject",
        custom="author user_id my",
    ),
    "galleries": _table(
        int="id image_count watcher_count",
        numeric="image_ids watcher_ids",
        literal="title user",
        date="created_at updated_at",
        ngram="description",
    ),
    "filters": _table(
        int="id spoilered_count hidden_count",
        numeric="user_id",
        date="created_at",
        ngram="description",
        literal="name creator",
        bool="public system",
        custom="my",
    ),
}

FIELDS: Mapping[IndexName, Mapping[str, FieldType]] = MappingProxyType(
    {name: MappingProxyType(table) for name, table in _PHILOMENA.items()}
)

#: The document key that an unprefixed term searches (``tags`` is the image tag list,
#: which is not itself addressable as ``tags:``).
DEFAULT_FIELD: Mapping[IndexName, str] = MappingProxyType(
    {
        "images": "tags",
        "tags": "name",
        "comments": "body",
        "posts": "body",
        "galleries": "title",
        "filters": "name",
    }
)

# Fields that only exist for a keyed user (the anonymous parser does not know them, so
# ``my:faves`` is then an ordinary default-field value).
USER_ONLY_FIELDS: Mapping[IndexName, frozenset[str]] = MappingProxyType(
    {
        "images": frozenset({"my"}),
        "comments": frozenset({"my"}),
        "posts": frozenset({"my"}),
        "filters": frozenset({"my"}),
        "tags": frozenset(),
        "galleries": frozenset(),
    }
)

# Literal fields whose query values are not lower-cased.
NO_DOWNCASE: Mapping[IndexName, frozenset[str]] = MappingProxyType(
    {"images": frozenset({"file_name"})}
)

# Name the parser uses for the default field when it must name it (never in messages
# that a user can trigger, since the default field takes no range).
DEFAULT_FIELD_QUERY_NAME: Mapping[IndexName, str] = MappingProxyType(
    {
        "images": "namespaced_tags.name",
        "tags": "name",
        "comments": "body",
        "posts": "body",
        "galleries": "title",
        "filters": "name",
    }
)


def _kw(key: str, *, lower: bool = False, extra: str | None = None) -> Storage:
    return Storage("keyword", key, lower=lower, extra_key=extra)


def _storage_for(index: IndexName, name: str, ftype: FieldType) -> Storage | None:
    special = _SPECIAL_STORAGE.get(index, {}).get(name)
    if special is not None:
        return special
    if ftype in ("int", "numeric"):
        return Storage("int", name)
    if ftype == "float":
        return Storage("float", name)
    if ftype == "date":
        return Storage("date", name)
    if ftype == "bool":
        return Storage("bool", name)
    if ftype == "literal":
        return _kw(name)
    if ftype == "ngram":
        return Storage("text", name)
    return None


# Where the index deviates from "document key == field name, value stored as given".
_SPECIAL_STORAGE: dict[IndexName, dict[str, Storage]] = {
    "images": {
        "tags": _kw("tags", extra="tag_aliases"),
        "faved_by": _kw("faved_by", lower=True),
        "faved_by_id": Storage("int", "faved_by_ids"),
        "uploader": _kw("uploader", lower=True),
        "source_url": _kw("source_urls", lower=True),
    },
    "tags": {
        "analyzed_name": Storage("text", "name", analyzer="standard"),
    },
    "galleries": {
        "title": _kw("title", lower=True),
        "user": _kw("user", lower=True),
    },
    "filters": {
        "name": _kw("name", lower=True),
        "creator": _kw("creator", lower=True),
    },
}


def storage(index: IndexName, name: str, ftype: FieldType) -> Storage | None:
    """Storage of a Philomena field (``None`` for custom fields)."""
    return _storage_for(index, name, ftype)


def default_storage(index: IndexName) -> Storage:
    name = DEFAULT_FIELD[index]
    if index == "images":
        return _SPECIAL_STORAGE["images"]["tags"]
    found = _storage_for(index, name, _PHILOMENA[index][name])
    assert found is not None
    return found


# ---------------------------------------------------------------------------------------
# Legacy (booru-on-rails / Twibooru fancy_searchable) field tables.  The legacy parser
# derives a field's kind from the index mapping: keyword -> literal, text -> full text,
# integer, float, date, boolean.  Fields listed without a mapping are literals.

LegacyKind = Literal["integer", "float", "date", "literal", "full_text", "boolean"]


def _legacy(**groups: str) -> dict[str, LegacyKind]:
    out: dict[str, LegacyKind] = {}
    for kind, names in groups.items():
        for name in names.split():
            out[name] = kind  # type: ignore[assignment]
    return out


LEGACY_FIELDS: Mapping[IndexName, Mapping[str, LegacyKind]] = MappingProxyType(
    {
        "images": _legacy(
            integer="id width height comment_count score upvotes downvotes faves tag_count",
            float="aspect_ratio wilson_score",
            date="created_at updated_at first_seen_at",
            literal="faved_by orig_sha512_hash sha512_hash uploader source_url uploader_id "
            "faved_by_id original_format gallery_id",
            full_text="tags description",
        ),
        "tags": _legacy(
            integer="id images",
            literal="slug name name_in_namespace namespace implies alias_of implied_by "
            "aliases category",
            boolean="aliased",
            full_text="analyzed_name description short_description",
        ),
        "comments": _legacy(
            integer="id",
            literal="image_tag_ids user_id author image_id",
            full_text="body",
        ),
        "posts": _legacy(integer="topic_position", literal="author", full_text="subject body"),
        "galleries": _legacy(
            literal="title creator watcher_id hide_empty include_image", full_text="description"
        ),
        "filters": _legacy(
            integer="user_count",
            literal="name spoilered_tags hidden_tags",
            boolean="system",
            full_text="description",
        ),
    }
)

LEGACY_DEFAULT_FIELD: Mapping[IndexName, str] = MappingProxyType(
    {
        "images": "namespaced_tags.name",
        "tags": "analyzed_name",
        "comments": "body",
        "posts": "namespaced_tags.name",
        "galleries": "namespaced_tags.name",
        "filters": "namespaced_tags.name",
    }
)

LEGACY_NO_DOWNCASE: Mapping[IndexName, frozenset[str]] = MappingProxyType(
    {"comments": frozenset({"author"})}
)


def legacy_storage(index: IndexName, name: str) -> Storage:
    """Storage of a legacy field (the default field included)."""
    if name == "namespaced_tags.name":
        # Posts, galleries and filters documents carry no tags, so this never matches there.
        return _kw("tags", extra="tag_aliases")
    if index == "images":
        if name == "tags":
            # A text field analysed as one keyword: the whole comma-joined tag list.
            return Storage("text", "tags", analyzer="keyword")
        if name in ("faved_by", "uploader"):
            return _kw(name, lower=True)
        if name == "faved_by_id":
            return _kw("faved_by_ids")
        if name == "source_url":
            return _kw("source_urls", lower=True)
    if index == "tags" and name == "analyzed_name":
        return Storage("text", "name", analyzer="standard")
    kind = LEGACY_FIELDS[index][name]
    if kind == "integer":
        return Storage("int", name)
    if kind == "float":
        return Storage("float", name)
    if kind == "date":
        return Storage("date", name)
    if kind == "boolean":
        return Storage("bool", name)
    if kind == "full_text":
        return Storage("text", name)
    return _kw(name)
