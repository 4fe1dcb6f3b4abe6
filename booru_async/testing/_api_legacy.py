"""booru-on-rails ``.json`` routes (pre-2020 Derpibooru; Twibooru's legacy fork).

Routes are matched on the path without its ``.json``/``.xml`` suffix; the
suffix is in ``c.args["format"]``.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

from booru_async.testing._api_philomena import _analyse, fetch_input_file, visible_images
from booru_async.testing._board import Image
from booru_async.testing._context import Call, Route, route
from booru_async.testing._http import (
    INT4_MAX,
    JSON_TYPE,
    Response,
    json_response,
    parse_int_exact,
    parse_int_prefix,
)
from booru_async.testing._search import (
    SearchError,
    compile_search,
    filter_visible,
    pagination,
)
from booru_async.testing._sorting import parse_legacy_sort, sort_images
from booru_async.testing._urls import iso_ms
from booru_async.testing._views_legacy import (
    Variant,
    comment_json,
    filter_json,
    image_json,
    image_stub,
    interactions,
    oembed_json,
    tag_json,
    user_json,
)


def rails_not_found() -> Response:
    """``ActionDispatch::PublicExceptions`` for a JSON request."""
    return json_response(404, {"status": 404, "error": "Not Found"})


def variant(c: Call) -> Variant:
    return "twibooru" if c.behaviour.flavour == "twibooru" else c.behaviour.legacy_variant


def _id(raw: str) -> int | None:
    n = parse_int_exact(raw)
    return n if n is not None and 0 <= n <= INT4_MAX else None


def _page(c: Call) -> tuple[int, int]:
    default = c.user.images_per_page if c.user is not None else 15
    page = pagination(c.params, default, size_param="perpage")
    return page.offset, page.size


def _images_payload(
    c: Call, images: list[Image], *, index_stubs: bool = False
) -> list[dict[str, Any]]:
    v = variant(c)
    return [
        image_stub(c.view, i, v, index=index_stubs)
        if i.hidden_from_users
        else image_json(c.view, i, v)
        for i in images
    ]


# -------------------------------------------------------------------- images


_CONSTRAINTS = {
    "id": "id",
    "updated": "updated_at",
    "created": "created_at",
    "first_seen_at": "first_seen_at",
}


def _bound(field: str, raw: object) -> float | None:
    if not isinstance(raw, str):
        return None
    if field == "id":
        n = parse_int_prefix(raw)
        return float(n) if n is not None else None
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _compare(op: str, a: float, b: float) -> bool:
    if op == "gt":
        return a > b
    if op == "gte":
        return a >= b
    if op == "lt":
        return a < b
    return a <= b


def images_index(c: Call) -> Response:
    deleted = "deleted" in c.params
    constraint = c.params.get("constraint")
    offset, size = _page(c)
    if isinstance(constraint, str) and constraint in _CONSTRAINTS:
        field = _CONSTRAINTS[constraint]

        def value(i: Image) -> float:
            return float(i.id) if field == "id" else getattr(i, field).timestamp()

        images = [i for i in c.board.images.values() if deleted or not i.hidden_from_users]
        for op in ("gt", "gte", "lt", "lte"):
            bound = _bound(field, c.params.get(op))
            if bound is not None:
                images = [i for i in images if _compare(op, value(i), bound)]
        images.sort(key=lambda i: (value(i), i.id), reverse=c.params.get("order") != "a")
    else:
        images = list(visible_images(c))
        if deleted:
            images += [i for i in c.board.images.values() if i.hidden_from_users]
        images.sort(key=lambda i: (i.created_at, i.id), reverse=True)
    window = images[offset : offset + size]
    return json_response(
        200,
        {
            "images": _images_payload(c, window, index_stubs=True),
            "interactions": interactions(c.view, window, c.user, variant(c)),
        },
    )


def image_show(c: Call) -> Response:
    iid = _id(c.args["id"])
    image = c.board.images.get(iid) if iid is not None else None
    if image is None:
        return rails_not_found()
    v = variant(c)
    if image.hidden_from_users:
        return json_response(200, image_stub(c.view, image, v))
    body = image_json(c.view, image, v, single=True)
    body["interactions"] = interactions(c.view, [image], c.user, v)
    return json_response(200, body)


def _search_hits(c: Call) -> list[Image] | Response:
    try:
        pred = compile_search(c.params.get("q"), "images", c.qctx)
    except SearchError:
        return json_response(400, {})
    pool = visible_images(c)
    if "deleted" in c.params:
        pool += [i for i in c.board.images.values() if i.hidden_from_users]
    return [i for i in pool if pred(c.doc("images", i))]


def search(c: Call) -> Response:
    q = c.params.get("q")
    if not isinstance(q, str) or not q.strip():
        return Response(200, b"", JSON_TYPE)
    hits = _search_hits(c)
    if isinstance(hits, Response):
        return hits
    if "random_image" in c.params:
        if not hits:
            return rails_not_found()
        pick = hits[c.fake.random_seed() % len(hits)]
        return json_response(200, {"id": pick.id})
    spec = parse_legacy_sort(c.params.get("sf"), c.params.get("sd"), random_seed=c.fake.random_seed)
    ordered = sort_images(c.board, hits, spec)
    offset, size = _page(c)
    window = ordered[offset : offset + size]
    return json_response(
        200,
        {
            "search": _images_payload(c, window),
            "total": len(ordered),
            "interactions": interactions(c.view, window, c.user, variant(c)),
        },
    )


def image_comments(c: Call) -> Response:
    iid = _id(c.args["id"])
    image = c.board.images.get(iid) if iid is not None else None
    if image is None:
        return rails_not_found()
    comments = sorted(
        (
            cm
            for cm in c.board.comments.values()
            if cm.image_id == image.id and not cm.destroyed_content
        ),
        key=lambda cm: (cm.created_at, cm.id),
        reverse=True,
    )
    window = pagination(c.params, 25, size_param="perpage").window(comments)
    return json_response(
        200, {"comments": [comment_json(c.view, cm) for cm in window], "total": len(comments)}
    )


def watched(c: Call) -> Response:
    user = c.user
    if user is None:
        return json_response(403, {})
    wanted = set(user.watched_tag_ids)
    images = [i for i in visible_images(c) if wanted & set(i.tag_ids)]
    images.sort(key=lambda i: (i.created_at, i.id), reverse=True)
    offset, size = _page(c)
    window = images[offset : offset + size]
    return json_response(
        200,
        {
            "images": _images_payload(c, window),
            "interactions": interactions(c.view, window, c.user, variant(c)),
        },
    )


_PERIODS = {"h": 3600, "d": 86400, "w": 7 * 86400}


def lists(c: Call) -> Response:
    last = c.params.get("last")
    default = "7d" if variant(c) == "twibooru" else "3d"
    m = re.fullmatch(r"(\d+)([hdw])", last if isinstance(last, str) else default) or re.fullmatch(
        r"(\d+)([hdw])", default
    )
    assert m is not None
    since = c.now_dt - timedelta(seconds=int(m[1]) * _PERIODS[m[2]])
    pool = visible_images(c)
    recent = [i for i in pool if i.created_at >= since]
    offset, size = _page(c)

    def top(items: list[Image], key: Any) -> list[Image]:
        return sorted(items, key=key, reverse=True)[offset : offset + size]

    ts = top(recent, lambda i: (i.score, i.id))
    tc = top(recent, lambda i: (i.comments_count, i.id))
    at = top(pool, lambda i: (i.score, i.id))
    return json_response(
        200,
        {
            "top_scoring": _images_payload(c, ts),
            "top_commented": _images_payload(c, tc),
            "all_time_top_scoring": _images_payload(c, at),
            "interactions": interactions(c.view, ts + tc + at, c.user, variant(c)),
        },
    )


# ---------------------------------------------------------------------- tags


def tags_index(c: Call) -> Response:
    tq = c.params.get("tq")
    tags = list(c.board.tags.values())
    if isinstance(tq, str) and tq.strip():
        try:
            pred = compile_search(tq, "tags", c.qctx)
        except SearchError:
            return json_response(400, {})
        tags = [t for t in tags if pred(c.doc("tags", t))]
    tags.sort(key=lambda t: (-t.images_count, t.id))
    page = pagination({"page": c.params.get("page", "1")}, 250)
    return json_response(200, [tag_json(c.view, t) for t in page.window(tags)])


def tag_show(c: Call) -> Response:
    tag = c.board.tag_by_slug(c.args["slug"])
    if tag is None:
        return rails_not_found()
    if tag.aliased_to is not None and tag.aliased_to in c.board.tags:
        target = c.board.tags[tag.aliased_to]
        resp = Response(301, b"", "text/html; charset=utf-8")
        resp.set_header("Location", f"/tags/{target.slug}.{c.args.get('format', 'json')}")
        return resp
    images = [i for i in visible_images(c) if tag.id in i.tag_ids]
    images.sort(key=lambda i: (i.created_at, i.id), reverse=True)
    offset, size = _page(c)
    window = images[offset : offset + size]
    return json_response(
        200,
        {
            "tag": tag_json(c.view, tag),
            "aliases": [
                tag_json(c.view, t) for t in c.board.tags.values() if t.aliased_to == tag.id
            ],
            "dnp_entries": [
                {
                    "id": d.id,
                    "dnp_type": d.dnp_type,
                    "conditions": d.conditions,
                    "reason": None if d.hide_reason else d.reason,
                    "created_at": iso_ms(d.created_at),
                }
                for d in tag.dnp_entries
            ],
            "images": _images_payload(c, window),
            "interactions": interactions(c.view, window, c.user, variant(c)),
        },
    )


# -------------------------------------------------------------------- oembed


def oembed(c: Call) -> Response:
    url = c.params.get("url")
    if not isinstance(url, str):
        return rails_not_found()
    path = urlsplit(url).path
    m = re.search(r"/img/.*/(\d+)(\.|[/_][_\w])", path) or re.search(r"/(\d+)", path)
    image = c.board.images.get(int(m[1])) if m else None
    if image is None or image.hidden_from_users:
        return rails_not_found()
    site_key = "twibooru" if variant(c) == "twibooru" else "derpibooru"
    body = oembed_json(c.view, image, site_key)
    if c.args.get("format") == "xml":

        def text(v: Any) -> str:
            return ", ".join(v) if isinstance(v, list) else "" if v is None else str(v)

        items = "".join(f"<{k}>{escape(text(v))}</{k}>" for k, v in body.items())
        xml = f'<?xml version="1.0" encoding="utf-8" standalone="yes"?><oembed>{items}</oembed>'
        return Response(200, xml.encode(), "text/xml; charset=utf-8")
    return json_response(200, body)


# ------------------------------------------------------- filters, profiles


def filters_index(c: Call) -> Response:
    user = c.user
    filters = sorted(c.board.filters.values(), key=lambda f: f.id)
    return json_response(
        200,
        {
            "system_filters": [filter_json(c.view, f) for f in filters if f.system],
            "user_filters": [
                filter_json(c.view, f) for f in filters if user is not None and f.user_id == user.id
            ],
            "search_filters": [
                filter_json(c.view, f) for f in filters if f.public and not f.system
            ],
        },
    )


def filter_show(c: Call) -> Response:
    fid = _id(c.args["id"])
    flt = c.board.filters.get(fid) if fid is not None else None
    if flt is None or not filter_visible(flt, c.user):
        return rails_not_found()
    return json_response(200, filter_json(c.view, flt))


def profile_show(c: Call) -> Response:
    user = c.board.user_by_name(c.args["slug"])
    if user is None or user.deactivated:
        return rails_not_found()
    return json_response(200, user_json(c.view, user))


def _gallery(c: Call, gallery: Any, with_images: bool) -> dict[str, Any]:
    out = {
        "id": gallery.id,
        "title": gallery.title,
        "description": gallery.description,
        "spoiler_warning": gallery.spoiler_warning,
        "updated_at": iso_ms(gallery.updated_at),
        "created_at": iso_ms(gallery.created_at),
        "creator_id": gallery.creator_id,
        "watcher_count": len(gallery.watcher_ids),
        "image_count": len(gallery.image_ids),
    }
    if with_images:
        out["image_ids"] = list(gallery.image_ids)
    return out


def galleries_index(c: Call) -> Response:
    galleries = sorted(c.board.galleries.values(), key=lambda g: (g.created_at, g.id), reverse=True)
    window = pagination(c.params, 25, size_param="perpage").window(galleries)
    return json_response(200, {"galleries": [_gallery(c, g, False) for g in window]})


def gallery_show(c: Call) -> Response:
    gid = _id(c.args["id"])
    gallery = c.board.galleries.get(gid) if gid is not None else None
    if gallery is None:
        return rails_not_found()
    return json_response(200, _gallery(c, gallery, True))


def reverse(c: Call) -> Response:
    params = dict(c.params)
    if "scraper_url" in params and "url" not in params:
        params["url"] = params["scraper_url"]
    data = fetch_input_file(c, params)
    raw = c.params.get("fuzziness")
    fuzz = float(raw) if isinstance(raw, str) and re.fullmatch(r"\d+(\.\d+)?", raw) else 0.25
    fuzz = min(5.0, max(0.1, fuzz))
    analysed = _analyse(c, data) if data is not None else None
    if analysed is None:
        return json_response(200, {"search": [], "total": 0})
    ints, aspect = analysed
    found = [
        i
        for i in c.board.images.values()
        if i.intensities is not None
        and not i.hidden_from_users
        and all(abs(i.intensities[k] - ints[k]) <= fuzz for k in ints)
        and abs(i.aspect_ratio - aspect) <= 0.05
    ]
    found.sort(key=lambda i: (sum((i.intensities or {})[k] - ints[k] for k in ints) ** 2, i.id))
    return json_response(200, {"search": _images_payload(c, found), "total": len(found)})


ROUTES: tuple[Route, ...] = (
    route("GET", "/images", images_index, "api"),
    route("GET", "/images/watched", watched, "api"),
    route("GET", "/images/:id", image_show, "api"),
    route("GET", "/images/:id/comments", image_comments, "api"),
    route("GET", "/search", search, "search"),
    route("POST", "/search/reverse", reverse, "search"),
    route("GET", "/tags", tags_index, "api"),
    route("GET", "/tags/:slug", tag_show, "api"),
    route("GET", "/lists", lists, "api"),
    route("GET", "/oembed", oembed, "api"),
    route("GET", "/filters", filters_index, "api"),
    route("GET", "/filters/:id", filter_show, "api"),
    route("GET", "/profiles/:slug", profile_show, "api"),
    route("GET", "/galleries", galleries_index, "api"),
    route("GET", "/galleries/:id", gallery_show, "api"),
)

#: The subset Twibooru documents for its legacy API (§6.3).
TWIBOORU_LEGACY_PATHS = frozenset(
    {"/images", "/images/:id", "/search", "/oembed", "/lists", "/images/watched"}
)
