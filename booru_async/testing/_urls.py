"""URL building shared by all flavours: CDN paths, representations, timestamps."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from booru_async.testing._board import DISPLAY_CATEGORY_ORDER, Board, Image, Tag

#: Thumbnail boxes (width, height) of Philomena's thumbnailer.
THUMB_VERSIONS: dict[str, tuple[int, int]] = {
    "thumb_tiny": (50, 50),
    "thumb_small": (150, 150),
    "thumb": (250, 250),
    "small": (320, 240),
    "medium": (800, 600),
    "large": (1280, 1024),
    "tall": (1024, 4096),
}


@dataclass(frozen=True)
class Roots:
    """Where the site and its static files live."""

    site_name: str
    site_url: str
    img_root: str
    avatar_root: str
    badge_root: str
    tag_root: str


def iso_z(dt: datetime | None) -> str | None:
    """``2012-01-02T03:12:33Z`` (Philomena, second precision)."""
    if dt is None:
        return None
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_ms(dt: datetime | None) -> str | None:
    """``2020-07-08T22:26:55.743Z`` (Rails / Twibooru, millisecond precision)."""
    if dt is None:
        return None
    dt = dt.astimezone(UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def display_order(tags: list[Tag]) -> list[Tag]:
    """Philomena's tag display order: by category rank, then name."""

    def key(tag: Tag) -> tuple[int, str]:
        try:
            rank = DISPLAY_CATEGORY_ORDER.index(tag.category or "")
        except ValueError:
            rank = len(DISPLAY_CATEGORY_ORDER)
        return rank, tag.name

    return sorted(tags, key=key)


def _date_path(image: Image) -> str:
    d = image.created_at.astimezone(UTC)
    return f"{d.year}/{d.month}/{d.day}"


def _ext(image: Image, *, svg_as_png: bool = True) -> str:
    fmt = image.format.lower()
    return "png" if fmt == "svg" and svg_as_png else fmt


def thumb_url(image: Image, img_root: str, version: str) -> str:
    return f"{img_root}/{_date_path(image)}/{image.id}/{version}.{_ext(image)}"


def short_view_url(image: Image, img_root: str) -> str:
    return f"{img_root}/view/{_date_path(image)}/{image.id}.{_ext(image)}"


def verbose_view_url(board: Board, image: Image, img_root: str) -> str:
    slugs = "_".join(t.slug for t in display_order(board.image_tags(image)))
    kept = re.sub(r"[^a-z0-9_\-+]", "", slugs)[:151]
    return f"{img_root}/view/{_date_path(image)}/{image.id}__{kept}.{_ext(image)}"


def representations(image: Image, img_root: str, *, full: str | None = None) -> dict[str, str]:
    """The ``representations`` object (``full`` = short view URL unless given)."""
    reps: dict[str, str] = {}
    for name, (w, h) in THUMB_VERSIONS.items():
        version = name if image.width > w or image.height > h else "full"
        reps[name] = thumb_url(image, img_root, version)
    reps["full"] = full if full is not None else short_view_url(image, img_root)
    if image.mime_type == "image/gif":
        base = thumb_url(image, img_root, "full")
        reps["webm"] = base.replace(".gif", ".webm")
        reps["mp4"] = base.replace(".gif", ".mp4")
    return reps


def large_thumb_size(image: Image, img_root: str) -> tuple[str, int, int]:
    """oEmbed thumbnail: the ``large`` version scaled to fit 1280x1024."""
    max_w, max_h = THUMB_VERSIONS["large"]
    w, h = image.width, image.height
    if w > max_w or h > max_h:
        ar = image.aspect_ratio
        if ar > max_w / max_h:
            return thumb_url(image, img_root, "large"), max_w, int(max_w // ar)
        return thumb_url(image, img_root, "large"), int(max_h * ar // 1), max_h
    return thumb_url(image, img_root, "full"), w, h


_CDN_RE = re.compile(
    r"^/img/(?:(?P<view>view|download)/)?(?P<y>\d{4})/(?P<m>\d{1,2})/(?P<d>\d{1,2})/"
    r"(?P<rest>.+)$"
)


@dataclass(frozen=True)
class CdnPath:
    """A parsed CDN path."""

    image_id: int
    version: str  # "full", a thumb version, or "view"
    ext: str
    date: tuple[int, int, int]


def parse_cdn_path(path: str) -> CdnPath | None:
    """Parse ``/img/Y/M/D/<id>/<version>.<ext>`` and ``/img/view/Y/M/D/<id>[__slugs].<ext>``."""
    m = _CDN_RE.match(path)
    if not m:
        return None
    date = (int(m["y"]), int(m["m"]), int(m["d"]))
    rest = m["rest"]
    if m["view"]:
        vm = re.fullmatch(r"(\d+)(?:__[^/]*)?\.([a-z0-9]+)", rest)
        if not vm:
            return None
        return CdnPath(int(vm[1]), "view", vm[2], date)
    tm = re.fullmatch(r"(\d+)/([a-z_]+)\.([a-z0-9]+)", rest)
    if not tm:
        return None
    return CdnPath(int(tm[1]), tm[2], tm[3], date)
