"""Wire shapes -> canonical dicts: the per-flavour differences, as data plus small pure fixers.

A :class:`Shape` says, for one model class on one flavour, which wire keys are renamed to
which model fields, which values need fixing on the way (protocol-relative URLs, legacy
string ids, comma-separated tag strings, names that must become slugs, ``""`` that means
"none") and which fields are derived from others. :func:`prepare` applies a shape to one raw
JSON object and returns the canonical dict that the cattrs hooks structure; every key the
shape does not claim goes into ``extra``.

Fixers never raise: a value of an unexpected type is passed on unchanged so that the strict
cattrs hooks reject it with a path (``$.images[2].tag_ids``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from .. import _models as m
from .._slugs import slugify, tag_url_path

__all__ = ["SHAPES", "Context", "Shape", "prepare", "slugify", "split"]


@attrs.frozen
class Context:
    """What a converter knows about where the data came from."""

    site: str
    base_url: str
    flavour: str


Fixer = Callable[[Any, Context], Any]
Finisher = Callable[[dict[str, Any], dict[str, Any], Context], None]


@attrs.frozen
class Shape:
    """How one flavour spells one model class."""

    fields: frozenset[str]
    renames: Mapping[str, str] = attrs.field(factory=dict)
    fixers: Mapping[str, Fixer] = attrs.field(factory=dict)
    finish: Finisher | None = None
    #: Fields holding URLs: protocol-relative (``//cdn/...``) and root-relative (``/img/...``)
    #: values are made absolute (after the fixers and the finisher), see :func:`absolute_url`.
    urls: frozenset[str] = frozenset()
    # Derived once, for :func:`prepare`: the wire keys the shape claims, and the renames
    # whose target is a model field (a rename to anything else leaves the key in ``extra``).
    claimed: frozenset[str] = attrs.field(init=False, eq=False, repr=False)
    _field_renames: tuple[tuple[str, str], ...] = attrs.field(init=False, eq=False, repr=False)

    @claimed.default
    def _claimed(self) -> frozenset[str]:
        return self.fields | {wire for wire, name in self.renames.items() if name in self.fields}

    @_field_renames.default
    def _active_renames(self) -> tuple[tuple[str, str], ...]:
        return tuple((w, n) for w, n in self.renames.items() if n in self.fields and w != n)


class ShapeError(TypeError):
    """The JSON value is not an object where one is expected."""


def prepare(raw: Any, shape: Shape, ctx: Context) -> dict[str, Any]:
    """Apply ``shape`` to the JSON object ``raw``: the canonical dict, with ``extra``.

    Unclaimed keys land in ``extra``. When a wire object carries both a field's own name and
    a spelling renamed onto it (``creator`` and ``user``), the field's own name wins and the
    other stays in ``extra``.
    """
    out, extra = split(raw, shape, ctx)
    for name in shape.urls:
        if name in out:
            out[name] = absolute_url(out[name], ctx)
    out["extra"] = extra
    return out


def split(raw: Any, shape: Shape, ctx: Context) -> tuple[dict[str, Any], dict[str, Any]]:
    """:func:`prepare` without the URL step: ``(fields, extra)``; ``raw`` is not changed.

    The generated fast path uses this and fixes ``shape.urls`` inline once it has checked
    that they are strings.
    """
    if type(raw) is not dict:
        raise ShapeError(f"expected a JSON object, got {type(raw).__name__}")
    # Set and dict operations run in C; the Python loops below only touch the few keys
    # that need work (unknown keys, renames, fixers), not every key of the object.
    out: dict[str, Any] = raw.copy()
    extra: dict[str, Any] = {}
    unknown = out.keys() - shape.claimed
    if unknown:
        for key in unknown:
            extra[key] = out.pop(key)
    for wire, name in shape._field_renames:
        if wire in out:
            value = out.pop(wire)
            if name in out:
                extra[wire] = value
            else:
                out[name] = value
    for name, fixer in shape.fixers.items():
        if name in out:
            out[name] = fixer(out[name], ctx)
    if shape.finish is not None:
        shape.finish(out, extra, ctx)
    return out, extra


# --- fixers ------------------------------------------------------------------------------


def absolute_url(value: Any, ctx: Context) -> Any:
    """Protocol-relative URLs become https; root-relative ones (dev setups) join the base."""
    if type(value) is str and value[:1] == "/":
        if value[:2] == "//":
            return "https:" + value
        return ctx.base_url.rstrip("/") + value
    return value


def int_or_digits(value: Any, _: Context) -> Any:
    """Legacy serialisers send ids as strings (``"1248664"``)."""
    if type(value) is str and value.isascii() and value.isdigit():
        return int(value)
    return value


def int_list(value: Any, ctx: Context) -> Any:
    if type(value) is list:
        return [int_or_digits(v, ctx) for v in value]
    return value


def comma_list(value: Any, _: Context) -> Any:
    """Legacy tag lists: ``"artist:foo, safe, solo"`` -> ``["artist:foo", "safe", "solo"]``."""
    if type(value) is str:
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def slug_or_none(value: Any, _: Context) -> Any:
    return slugify(value, escaped=True) if type(value) is str else value


def slug_list(value: Any, ctx: Context) -> Any:
    """Names (a list, or a legacy comma string) -> escaped slugs (booru-on-rails lineage)."""
    value = comma_list(value, ctx)
    if type(value) is list:
        return [slugify(v, escaped=True) if type(v) is str else v for v in value]
    return value


def empty_is_none(value: Any, _: Context) -> Any:
    return None if value == "" else value


# --- finishers ---------------------------------------------------------------------------


def _site_url(out: dict[str, Any], ctx: Context, path: str) -> None:
    out["site"] = ctx.site
    out["url"] = ctx.base_url + path


def _image_url_path(image_id: Any, flavour: str) -> str:
    # Philomena pages live at /images/:id; Twibooru and the legacy app answer /:id.
    return f"/images/{image_id}" if flavour == "philomena" else f"/{image_id}"


def _finish_image(out: dict[str, Any], extra: dict[str, Any], ctx: Context) -> None:
    _site_url(out, ctx, _image_url_path(out.get("id"), ctx.flavour))
    # ``source_url`` is the deprecated first source; keep it only when it adds something.
    if "source_url" in extra:
        first = extra["source_url"]
        sources = out.get("source_urls")
        if first is None or first == "":
            del extra["source_url"]
        elif sources is None and type(first) is str:
            out["source_urls"] = [first]
            del extra["source_url"]
        elif type(sources) is list and first in sources:
            del extra["source_url"]
    if out.get("source_urls") is None:
        out.pop("source_urls", None)
    if "hidden" not in out:
        # Legacy stubs carry no flag; they are the objects without the file fields.
        out["hidden"] = "sha512_hash" not in out and (
            "duplicate_of" in out or "deletion_reason" in out
        )
    if "media_type" not in out and not out["hidden"]:
        out["media_type"] = "image"  # Philomena and booru-on-rails host images only.
    for key in ("tags", "tag_ids", "locations", "interactions"):
        if out.get(key) is None:
            out.pop(key, None)
    if "tag_count" not in out and not out["hidden"] and type(out.get("tags")) is list:
        # Twibooru's v3 posts and pre-2017 legacy payloads do not send it.
        out["tag_count"] = len(out["tags"])


#: How the legacy app names an anonymous uploader: ``ImageIndex#as_json`` sends the
#: model's ``uploader`` (booru-on-rails ``AnonUserAttributable``: "Background Pony #ABCD",
#: older payloads plain "Background Pony"); Twibooru, an anonymous-only site, "Anonymous".
_LEGACY_ANONYMOUS = re.compile(r"Background Pony(?: #[0-9A-Fa-f]{4})?|Anonymous")


def _finish_legacy_image(out: dict[str, Any], extra: dict[str, Any], ctx: Context) -> None:
    # Philomena sends null for an anonymous uploader; the model says None everywhere and
    # keeps the legacy string. ``uploader_id`` cannot decide it: 2016 payloads send null
    # ids for named uploaders too.
    name = out.get("uploader")
    if type(name) is str and _LEGACY_ANONYMOUS.fullmatch(name):
        extra["uploader"] = out.pop("uploader")
    _finish_image(out, extra, ctx)


def _finish_tag(out: dict[str, Any], extra: dict[str, Any], ctx: Context) -> None:
    slug = out.get("slug")
    path = f"/tags/{tag_url_path(slug)}" if type(slug) is str else "/tags"
    _site_url(out, ctx, path)
    for key in ("aliases", "implied_tags", "implied_by_tags", "dnp_entries"):
        if out.get(key) is None:
            out.pop(key, None)
    if out.get("description") is None:
        out.pop("description", None)
    if out.get("images") is None:
        out.pop("images", None)


def _finish_text(out: dict[str, Any], extra: dict[str, Any], ctx: Context) -> None:
    # Philomena nulls the body of hidden comments/posts; the legacy app sends ``deleted``.
    if "hidden" not in out:
        out["hidden"] = "body" in out and out["body"] is None
    elif type(out["hidden"]) is bool and out["hidden"] and out.get("body") == "Deleted":
        out["body"] = None


def _finish_topic(out: dict[str, Any], extra: dict[str, Any], ctx: Context) -> None:
    if "locked" not in out and "locked_at" in extra:
        out["locked"] = extra["locked_at"] is not None
    for key in ("sticky", "locked"):
        if out.get(key) is None:
            out.pop(key, None)


def _finish_lists(*keys: str) -> Finisher:
    def finish(out: dict[str, Any], extra: dict[str, Any], ctx: Context) -> None:
        for key in keys:
            if out.get(key) is None:
                out.pop(key, None)

    return finish


def _finish_oembed(out: dict[str, Any], extra: dict[str, Any], ctx: Context) -> None:
    # Site-prefixed keys: derpibooru_id (also on Furbooru), twibooru_id, <site>_score, ...
    for suffix, field in (
        ("_id", "image_id"),
        ("_score", "score"),
        ("_comments", "comment_count"),
        ("_tags", "tags"),
    ):
        for key in [k for k in extra if k.endswith(suffix) and k.count("_") == 1]:
            if field not in out:
                fix = comma_list if field == "tags" else int_or_digits
                out[field] = fix(extra.pop(key), ctx)
    if out.get("tags") is None:
        out.pop("tags", None)


# --- the shapes --------------------------------------------------------------------------


def _names(cls: type) -> frozenset[str]:
    return frozenset(f.name for f in attrs.fields(cls) if f.name != "extra")


_IMAGE_FIELDS = _names(m.Image) - {"site", "url"}
_PHILOMENA_IMAGE = Shape(
    fields=_IMAGE_FIELDS,
    renames={"hidden_from_users": "hidden"},
    finish=_finish_image,
    urls=frozenset({"view_url"}),
)
_LEGACY_IMAGE = Shape(
    fields=_IMAGE_FIELDS,
    renames={
        "hidden_from_users": "hidden",
        "file_name": "name",
        "original_format": "format",
        "image": "view_url",
        "is_rendered": "thumbnails_generated",
        "is_optimized": "processed",
    },
    fixers={
        "id": int_or_digits,
        "uploader_id": int_or_digits,
        "duplicate_of": int_or_digits,
        "tag_ids": int_list,
        "tags": comma_list,
    },
    finish=_finish_legacy_image,
    urls=frozenset({"view_url"}),
)

_TAG_FIELDS = _names(m.Tag) - {"site", "url"}
_PHILOMENA_TAG = Shape(
    fields=_TAG_FIELDS,
    # Furbooru's API page spells it ``spoiler_image``; the code emits ``spoiler_image_uri``.
    renames={"spoiler_image": "spoiler_image_uri"},
    finish=_finish_tag,
    urls=frozenset({"spoiler_image_uri"}),
)
# Twibooru v3 and the legacy app send names in the relation fields; the model holds slugs.
# Both descend from booru-on-rails, whose slugs are percent-escaped (see ``slugify``).
_NAME_RELATIONS: dict[str, Fixer] = {
    "aliased_tag": slug_or_none,
    "aliases": slug_list,
    "implied_tags": slug_list,
    "implied_by_tags": slug_list,
}
_TWIBOORU_TAG = Shape(
    fields=_TAG_FIELDS,
    fixers=_NAME_RELATIONS,
    finish=_finish_tag,
    urls=frozenset({"spoiler_image_uri"}),
)
_LEGACY_TAG = Shape(
    fields=_TAG_FIELDS,
    renames={"aliased_to": "aliased_tag"},
    fixers={**_NAME_RELATIONS, "id": int_or_digits},
    finish=_finish_tag,
    urls=frozenset({"spoiler_image_uri"}),
)

_TEXT_FIXERS: dict[str, Fixer] = {
    "edit_reason": empty_is_none,
    "id": int_or_digits,
    "user_id": int_or_digits,
    "image_id": int_or_digits,
}
_COMMENT = Shape(
    fields=_names(m.Comment),
    renames={"posted_at": "created_at", "deleted": "hidden", "post_id": "image_id"},
    fixers=_TEXT_FIXERS,
    finish=_finish_text,
    urls=frozenset({"avatar"}),
)
_POST = Shape(
    fields=_names(m.ForumPost),
    renames={"deleted": "hidden"},
    fixers=_TEXT_FIXERS,
    finish=_finish_text,
    urls=frozenset({"avatar"}),
)
_TOPIC = Shape(fields=_names(m.Topic), fixers={"user_id": int_or_digits}, finish=_finish_topic)
_FORUM = Shape(fields=_names(m.Forum))
_USER = Shape(
    fields=_names(m.User),
    renames={
        "comment_count": "comments_count",
        "post_count": "posts_count",
        "topic_count": "topics_count",
    },
    fixers={"id": int_or_digits},
    finish=_finish_lists("links", "awards"),
    urls=frozenset({"avatar_url"}),
)
_FILTER = Shape(
    fields=_names(m.Filter),
    fixers={
        "hidden_complex": empty_is_none,
        "spoilered_complex": empty_is_none,
        "hidden_tag_ids": int_list,
        "spoilered_tag_ids": int_list,
        "id": int_or_digits,
        "user_id": int_or_digits,
    },
    finish=_finish_lists("hidden_tag_ids", "spoilered_tag_ids"),
)
_GALLERY = Shape(
    fields=_names(m.Gallery),
    renames={"user": "creator", "user_id": "creator_id"},
    fixers={"id": int_or_digits, "creator_id": int_or_digits, "thumbnail_id": int_or_digits},
)
_OEMBED = Shape(
    fields=_names(m.Oembed),
    fixers={"author_url": empty_is_none},
    finish=_finish_oembed,
    urls=frozenset({"author_url", "provider_url", "thumbnail_url", "url"}),
)

_COMMON: dict[type, Shape] = {
    m.Representations: Shape(fields=_names(m.Representations), urls=_names(m.Representations)),
    m.Intensities: Shape(fields=_names(m.Intensities)),
    m.Location: Shape(
        fields=_names(m.Location),
        fixers={"id_at_location": int_or_digits},
        urls=frozenset({"url_at_location"}),
    ),
    m.Interaction: Shape(
        fields=_names(m.Interaction),
        renames={"post_id": "image_id"},
        fixers={"value": empty_is_none, "image_id": int_or_digits, "user_id": int_or_digits},
    ),
    m.DnpEntry: Shape(fields=_names(m.DnpEntry)),
    m.Link: Shape(fields=_names(m.Link)),
    m.Award: Shape(fields=_names(m.Award), urls=frozenset({"image_url"})),
    m.Comment: _COMMENT,
    m.ForumPost: _POST,
    m.Topic: _TOPIC,
    m.Forum: _FORUM,
    m.User: _USER,
    m.Filter: _FILTER,
    m.Gallery: _GALLERY,
    m.Oembed: _OEMBED,
}

SHAPES: Mapping[str, Mapping[type, Shape]] = {
    "philomena": {**_COMMON, m.Image: _PHILOMENA_IMAGE, m.Tag: _PHILOMENA_TAG},
    "twibooru": {**_COMMON, m.Image: _PHILOMENA_IMAGE, m.Tag: _TWIBOORU_TAG},
    "legacy": {**_COMMON, m.Image: _LEGACY_IMAGE, m.Tag: _LEGACY_TAG},
}
