"""Tag slugs, both ways: Philomena's reversible slug, booru-on-rails' escaped one, and
telling a slug from a name (server-behaviour.md §1.8)."""

from __future__ import annotations

import re
from urllib.parse import quote, quote_plus, unquote_plus

__all__ = ["is_tag_name", "slugify", "tag_name", "tag_slug", "tag_url_path"]

_SLUG_STEPS = (
    ("-", "-dash-"),
    ("/", "-fwslash-"),
    ("\\", "-bwslash-"),
    (":", "-colon-"),
    (".", "-dot-"),
    ("+", "-plus-"),
    (" ", "+"),
)


def slugify(name: str, *, escaped: bool = False) -> str:
    """A tag name's slug (server-behaviour.md §1.8): ``artist:foo bar`` -> ``artist-colon-foo+bar``.

    ``escaped=True`` also percent-encodes everything but letters, digits and ``_.-~`` (space
    still becomes ``+``), as booru-on-rails did: ``twilight sparkle (alicorn)`` ->
    ``twilight+sparkle+%28alicorn%29``. Every slug in the real legacy ``/tags.json`` has that
    form, and Derpibooru kept such slugs for tags created before the move to Philomena
    (``apple+flitter+%28ship%29`` next to the newer ``mop+(r63)`` in the 2023 payload), so
    a name alone cannot tell which form an old Philomena tag has.
    """
    for char, replacement in _SLUG_STEPS[:-1]:
        name = name.replace(char, replacement)
    if escaped:
        return quote_plus(name, safe="")
    return name.replace(" ", "+")


def tag_url_path(slug: str) -> str:
    """The slug percent-encoded for a URL path (``+`` may stay raw)."""
    return quote(slug, safe="+")


# Characters a slug never contains (they are all escaped by the slug encoding, §1.8).
_NAME_ONLY = re.compile(r"[ :./\\]")
_ESCAPES = re.compile(r"-(?:dash|fwslash|bwslash|colon|dot|plus)-")
_UNESCAPES = (
    ("-fwslash-", "/"),
    ("-bwslash-", "\\"),
    ("-colon-", ":"),
    ("-dot-", "."),
    ("-plus-", "+"),
    ("-dash-", "-"),
)


def is_tag_name(slug_or_name: str) -> bool:
    """Whether a string can only be a tag name: it has a space, ``:``, ``.``, ``/`` or
    ``\\``, or a ``-`` outside a slug escape. Anything else is taken as a slug."""
    return bool(_NAME_ONLY.search(slug_or_name)) or "-" in _ESCAPES.sub("", slug_or_name)


def tag_slug(slug_or_name: str) -> str:
    """The (current-form) slug for a tag given by slug or by name."""
    return slugify(slug_or_name) if is_tag_name(slug_or_name) else slug_or_name


def tag_name(slug: str) -> str:
    """The name a slug stands for (both the current and the percent-encoded legacy form)."""
    name = unquote_plus(slug)
    for escape, char in _UNESCAPES:
        name = name.replace(escape, char)
    return name
