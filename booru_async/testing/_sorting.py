"""Image sort orders: Philomena's ``ImageSorter`` and the legacy sort names."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from booru_async.testing._board import Board, Image
from booru_async.testing._http import parse_int_prefix

SortValue = float | int | str

PHILOMENA_FIELDS = (
    "id",
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
)
#: Legacy (booru-on-rails) ``sf`` names and the index field they sort by.
LEGACY_FIELDS = {
    "created_at": "created_at",
    "updated_at": "updated_at",
    "first_seen_at": "first_seen_at",
    "width": "width",
    "height": "height",
    "score": "score",
    "relevance": "_score",
    "comments": "comment_count",
    "tag_count": "tag_count",
    "wilson": "wilson_score",
}


def field_value(board: Board, image: Image, name: str) -> SortValue:
    """Value of a sortable index field for ``image``."""
    if name in ("created_at", "updated_at", "first_seen_at"):
        value: SortValue = getattr(image, name).timestamp()
        return value
    if name == "pixels":
        return image.width * image.height
    if name == "tag_count":
        return len(image.tag_ids)
    if name == "comment_count":
        return image.comments_count
    if name == "wilson_score":
        return float(image.wilson_score)
    value = getattr(image, name)
    if isinstance(value, (int, float, str)):
        return value
    return 0


def random_score(seed: int, image_id: int) -> int:
    """A deterministic stand-in for OpenSearch's ``random_score`` on ``id``."""
    digest = hashlib.blake2b(f"{seed}:{image_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


@dataclass(frozen=True)
class SortSpec:
    """A resolved sort: ``kind`` plus its parameters."""

    kind: Literal["field", "id", "random", "gallery", "none", "score"]
    field: str = "first_seen_at"
    descending: bool = True
    seed: int = 0
    gallery_id: int = 0
    #: booru-on-rails: ties broken by id descending whatever the direction.
    id_desc_tiebreak: bool = False


def parse_philomena_sort(
    sf: object, sd: object, *, master: bool, random_seed: Callable[[], int]
) -> SortSpec:
    """Philomena ``ImageSorter.parse_sort`` (``sf``/``sd`` params)."""
    desc = sd != "asc"
    allowed = (*PHILOMENA_FIELDS, "hides") if master else PHILOMENA_FIELDS
    if not isinstance(sf, str):
        return SortSpec("field", "first_seen_at", desc)
    if sf == "id":
        return SortSpec("id", "id", desc)
    if sf in allowed:
        return SortSpec("field", sf, desc)
    if sf == "_score":
        return SortSpec("score", "_score", desc)
    if sf == "random":
        return SortSpec("random", descending=desc, seed=random_seed())
    if sf.startswith("random:"):
        seed = parse_int_prefix(sf[len("random:") :])
        return SortSpec("random", descending=desc, seed=random_seed() if seed is None else seed)
    if sf.startswith("gallery_id:"):
        gid = parse_int_prefix(sf[len("gallery_id:") :])
        if gid is None:
            return SortSpec("none")
        return SortSpec("gallery", descending=desc, gallery_id=gid)
    return SortSpec("field", "first_seen_at", desc)


def parse_legacy_sort(sf: object, sd: object, *, random_seed: Callable[[], int]) -> SortSpec:
    """booru-on-rails ``ApplicationController#parse_sort`` (derpibooru/booru-on-rails 8aa5a8f).

    ``sd`` is ``asc`` or ``desc`` (anything else: ``desc``); ``sf`` is one of the names in
    :data:`LEGACY_FIELDS`, ``random``, ``random:<digits>`` or ``gallery_id:<digits>``.
    Anything else, Philomena names such as ``faves`` or ``id`` included, silently falls
    back to ``created_at``. ``created_at``, ``updated_at`` and ``random`` sort on their own;
    every other field is followed by ``id`` descending.
    """
    desc = sd != "asc"
    if isinstance(sf, str):
        if sf == "random":
            return SortSpec("random", descending=desc, seed=random_seed())
        if re.fullmatch(r"random:(\d+)", sf):
            return SortSpec("random", descending=desc, seed=int(sf[len("random:") :]))
        if re.fullmatch(r"gallery_id:(\d+)", sf):
            return SortSpec("gallery", descending=desc, gallery_id=int(sf[len("gallery_id:") :]))
    target = LEGACY_FIELDS.get(sf, "created_at") if isinstance(sf, str) else "created_at"
    if target == "_score":
        return SortSpec("score", "_score", desc)
    alone = target in ("created_at", "updated_at")
    return SortSpec("field", target, desc, id_desc_tiebreak=not alone)


def parse_twibooru_sort(sf: object, sd: object, *, random_seed: Callable[[], int]) -> SortSpec:
    """Twibooru v3 ``/search/posts``: its source is not public. The fake reads the legacy
    names and Philomena's (the page documents ``sf`` without listing values); the SDK
    only sends the names both lineages share."""
    if isinstance(sf, str) and sf not in LEGACY_FIELDS and sf in PHILOMENA_FIELDS:
        return SortSpec("field", sf, sd != "asc")
    return parse_legacy_sort(sf, sd, random_seed=random_seed)


def sort_images(board: Board, images: Sequence[Image], spec: SortSpec) -> list[Image]:
    """Order ``images`` by ``spec`` (ties broken by id, as upstream does)."""
    items = list(images)
    desc = spec.descending
    if spec.kind == "none":
        return sorted(items, key=lambda i: i.id)
    if spec.kind in ("id", "score"):
        # The fake has no relevance model: every hit scores the same, so
        # ``_score`` degenerates to the id tie-break.
        return sorted(items, key=lambda i: i.id, reverse=desc)
    if spec.kind == "random":
        return sorted(items, key=lambda i: (random_score(spec.seed, i.id), i.id), reverse=desc)
    if spec.kind == "gallery":
        gallery = board.galleries.get(spec.gallery_id)
        positions = {iid: pos for pos, iid in enumerate(gallery.image_ids)} if gallery else {}
        items.sort(key=lambda i: i.id, reverse=True)
        inside = [i for i in items if i.id in positions]
        outside = [i for i in items if i.id not in positions]
        inside.sort(key=lambda i: positions[i.id], reverse=desc)
        return inside + outside
    if spec.id_desc_tiebreak:
        # Two stable sorts: id descending first, then the field (Python keeps the order
        # of equal keys, also with ``reverse=True``).
        items.sort(key=lambda i: i.id, reverse=True)
        items.sort(key=lambda i: field_value(board, i, spec.field), reverse=desc)
        return items
    return sorted(items, key=lambda i: (field_value(board, i, spec.field), i.id), reverse=desc)
