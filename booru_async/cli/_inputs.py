"""What ``download`` and ``get`` take besides a query: image page URLs, and the JSON lines a
crawl wrote (``download --from crawl.jsonl``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import cattrs

import booru_async as ba

from ._context import Settings
from ._urls import parse_image_url

__all__ = ["Wanted", "for_site", "image_from_data", "read_lines", "site_of_url"]

_converter = cattrs.Converter()
_converter.register_structure_hook(datetime, lambda value, _t: datetime.fromisoformat(value))


def image_from_data(data: Any) -> ba.Image | None:
    """The image a crawl line holds (what ``booru-async crawl`` writes), or ``None`` when the
    line is not a whole image (then its ``id`` is looked up instead)."""
    if not isinstance(data, dict) or not isinstance(data.get("id"), int):
        return None
    try:
        image = _converter.structure(data, ba.Image)
    except Exception:  # any shape we did not write: fall back to a lookup by id
        return None
    if image.created_at is not None and image.created_at.tzinfo is None:
        return None
    return image


@dataclass
class Wanted:
    """What one site is asked for: ids to look up, images already in hand."""

    ids: list[int] = field(default_factory=list)
    images: list[ba.Image] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ids) + len(self.images)


def read_lines(path: Path, default_site: str) -> tuple[dict[str, Wanted], int]:
    """Images listed in a JSON-lines file, by site (a line's ``site``, else
    ``default_site``), and how many lines were not usable (a torn last line, blanks)."""
    by_site: dict[str, Wanted] = {}
    bad = 0
    seen: set[tuple[str, int]] = set()
    for line in _lines(path):
        try:
            data = json.loads(line)
        except ValueError:
            bad += 1
            continue
        image_id = data.get("id") if isinstance(data, dict) else None
        if isinstance(image_id, bool) or not isinstance(image_id, int) or image_id < 0:
            bad += 1
            continue
        site = data.get("site")
        site = site if isinstance(site, str) and site in ba.SITES else default_site
        if (site, image_id) in seen:
            continue
        seen.add((site, image_id))
        wanted = by_site.setdefault(site, Wanted())
        image = image_from_data(data)
        if image is not None and not image.hidden:
            wanted.images.append(image)
        else:
            wanted.ids.append(image_id)
    return by_site, bad


def _lines(path: Path) -> Iterator[str]:
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            if line.strip():
                yield line


def site_of_url(s: Settings, url: str) -> tuple[str, int]:
    """``(site, id)`` for an image page URL; a URL on ``--base-url``'s host is ``--site``'s."""
    return parse_image_url(url, prefer=s.site.lower(), base_url=s.base_url)


def for_site(s: Settings, site: str) -> Settings:
    """Settings for another site than ``--site``: the command line's key, filter and base
    URL belong to ``--site`` and are not carried over (a key is never sent to another
    site); the config file's ``[sites.<site>]`` table applies."""
    if site == s.site.lower():
        return s
    given = s.given - {"key", "base_url", "filter_id"}
    fresh = Settings()
    kept = {name: getattr(s, name) for name in given - {"site"} if hasattr(fresh, name)}
    other = replace(fresh, **kept, site=site, config=s.config, resolved=False)
    other.given = given | {"site"}
    other.resolve()
    return other
