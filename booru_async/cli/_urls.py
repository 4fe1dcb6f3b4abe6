"""Image page URLs of known sites -> ``(site profile, image id)``: a pure function.

Accepted, on a profile's host (``www.`` and Derpibooru's ``trixiebooru.org`` alias too):
``/images/<id>`` (Philomena's page), ``/<id>`` (the short form Philomena redirects and the
page of Twibooru and the legacy app), and, on a CDN host, the file paths the sites serve
(``/img/<y>/<m>/<d>/<id>/<name>.<ext>``, ``/img/view/<y>/<m>/<d>/<id>[__slugs].<ext>``,
``/img/download/...``). A query or fragment is ignored. Anything else is a ``ValueError``
that says what was expected.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import urlsplit

import booru_async as ba

__all__ = ["HOST_ALIASES", "looks_like_url", "parse_image_url"]

#: Other host names of a built-in profile.
HOST_ALIASES: Mapping[str, str] = {"trixiebooru.org": "derpibooru"}

_PAGE = re.compile(r"^/(?:images/)?(\d+)/?$")
_CDN = re.compile(r"^/img/(?:view/|download/)?\d{4}/\d{1,2}/\d{1,2}/(\d+)(?:[/_.]|$)")


def looks_like_url(text: str) -> bool:
    """Whether a command-line argument is meant as a URL rather than a query or an id."""
    return bool(re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", text.strip()))


def _host_port(url: str) -> tuple[str, int | None]:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    return host, port


def parse_image_url(
    url: str,
    sites: Mapping[str, ba.Site] = ba.SITES,
    *,
    prefer: str | None = None,
    base_url: str | None = None,
) -> tuple[str, int]:
    """The site profile name and image id an image page (or file) URL names.

    ``prefer`` picks among profiles that share a host (``twibooru`` and
    ``twibooru-legacy``); without it the non-legacy one wins. A URL on the host of
    ``base_url`` (a mirror, `booru-async serve`) belongs to ``prefer``.
    """
    text = url.strip()
    if not looks_like_url(text):
        raise ValueError(f"not a URL: {url!r}")
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https"):
        raise ValueError(f"not an http(s) URL: {url!r}")
    host, port = _host_port(text)
    bare = host.removeprefix("www.")
    candidates: list[tuple[str, bool]] = []  # (profile, is CDN host)
    if base_url is not None and prefer is not None and (host, port) == _host_port(base_url):
        candidates.append((prefer, False))
    for name, site in sites.items():
        if site.host.removeprefix("www.") == bare:
            candidates.append((name, False))
        elif bare in (h.lower().removeprefix("www.") for h in site.cdn_hosts):
            candidates.append((name, True))
    if bare in HOST_ALIASES:
        candidates.append((HOST_ALIASES[bare], False))
    if not candidates:
        known = ", ".join(sorted({s.host for s in sites.values()} | set(HOST_ALIASES)))
        raise ValueError(f"{host or url!r} is not a known site; known hosts: {known}")
    names = [name for name, _ in candidates]
    if prefer in names:
        name, cdn = candidates[names.index(prefer)]
    else:
        ranked = sorted(candidates, key=lambda c: sites[c[0]].flavour == "legacy")
        name, cdn = ranked[0]
    path = parts.path or "/"
    match = _PAGE.match(path) or (_CDN.match(path) if cdn or path.startswith("/img/") else None)
    if match is None:
        raise ValueError(
            f"{url!r} is not an image page of {name} (expected {sites[name].base_url}"
            f"/images/<id> or {sites[name].base_url}/<id>)"
        )
    return name, int(match[1])
