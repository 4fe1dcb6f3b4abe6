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

from booru_async.testing._api_philomena import _analyse, visible_images
from booru_async.testing._board import Image
from booru_async.testing._context import Call, Route, route
from booru_async.testing._http import (
    INT4_MAX,
    JSON_TYPE,
    Response,
    Upload,
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
from booru_async.testing._sorting import parse_legacy_sort, random_score, sort_images
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


def _to_i(raw: object) -> int:
    """Ruby's ``String#to_i``: the leading integer, else 0."""
    if not isinstance(raw, str):
        return 0
    n = parse_int_prefix(raw)
    return n if n is not None else 0


def _page(c: Call) -> tuple[int, int]:
    """``ApplicationController#setup_pagination_and_tags``: ``perpage`` counts only when it
    is between 1 and 50 (otherwise the default stays: 15, or the user's setting), and
    ``page`` is ``to_i`` (0 and below read as the first page)."""
    size = c.user.images_per_page if c.user is not None else 15
    wanted = _to_i(c.params.get("perpage"))
    if 1 <= wanted <= 50:
        size = wanted
    page = max(1, _to_i(c.params.get("page")))
    return (page - 1) * size, size


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


#: Kaminari's ``default_per_page``: what ``Image.where(...).limit(n).page(@page)`` really
#: returns, because the ``page`` scope sets its own ``limit`` after ours (kaminari 1.1.1,
#: ``ActiveRecordModelExtension#page``), and booru-on-rails configures no other.
CONSTRAINT_PAGE_SIZE = 25
#: The front page lags by three minutes (``ApplicationController#frontpage_images``).
FRONT_PAGE_LAG = 180


def _constrained(c: Call, field: str) -> Response:
    """``ImagesController#index_constraints`` (booru-on-rails 8aa5a8f).

    A raw database window: ``order`` blank or ``a`` is ascending, ``d`` descending and
    anything else an empty list; ``gt``/``gte``/``lt``/``lte`` bound the constraint
    column; ``deleted`` (any value) keeps hidden images. ``page`` and ``perpage`` do
    nothing: the controller pages with ``@page``, which it never sets, and Kaminari's
    ``page`` scope replaces the ``limit(@per_page)`` before it, so every answer is the
    first 25 rows.
    """
    order = c.params.get("order")
    if order not in (None, "", "a", "d"):
        return _index_body(c, [])

    def value(i: Image) -> float:
        return float(i.id) if field == "id" else getattr(i, field).timestamp()

    include_deleted = "deleted" in c.params
    images = [i for i in c.board.images.values() if include_deleted or not i.hidden_from_users]
    for op in ("gt", "gte", "lt", "lte"):
        raw = c.params.get(op)
        if raw is None:
            continue
        bound = _bound(field, raw)
        if bound is None:
            # PostgreSQL refuses the cast ("invalid input syntax"); the query runs lazily in
            # ``index``, outside the ``rescue`` of ``index_constraints``, so Rails answers 500.
            return json_response(500, {"status": 500, "error": "Internal Server Error"})
        images = [i for i in images if _compare(op, value(i), bound)]
    images.sort(key=value, reverse=order == "d")
    return _index_body(c, images[:CONSTRAINT_PAGE_SIZE], index_stubs=True)


def _index_body(c: Call, window: list[Image], *, index_stubs: bool = False) -> Response:
    return json_response(
        200,
        {
            "images": _images_payload(c, window, index_stubs=index_stubs),
            "interactions": interactions(c.view, window, c.user, variant(c)),
        },
    )


def images_index(c: Call) -> Response:
    """``GET /images.json``: the keyset window with ``constraint``, else the front page."""
    constraint = c.params.get("constraint")
    if constraint is not None:
        field = _CONSTRAINTS.get(constraint) if isinstance(constraint, str) else None
        if field is None:
            return _index_body(c, [])  # ``index_constraints``: ``else return []``
        return _constrained(c, field)
    # ``frontpage_images``: ``created_at.lte: 3 minutes ago``, newest first, paged.
    cutoff = c.now_dt - timedelta(seconds=FRONT_PAGE_LAG)
    images = [i for i in visible_images(c) if i.created_at < cutoff]
    twibooru = variant(c) == "twibooru"
    if twibooru and "deleted" in c.params:
        # Twibooru's page documents ``deleted`` on the front page (booru-on-rails honours
        # it only with ``constraint``; staff use ``del`` there).
        images += [i for i in c.board.images.values() if i.hidden_from_users]
    if twibooru and "random_image" in c.params:
        # Documented by Twibooru as "order the images randomly"; its source is not public.
        seed = c.fake.random_seed()
        images.sort(key=lambda i: (random_score(seed, i.id), i.id))
    else:
        images.sort(key=lambda i: (i.created_at, i.id), reverse=True)
    offset, size = _page(c)
    return _index_body(c, images[offset : offset + size], index_stubs=True)


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
    """``Images::CommentsController#index`` with ``CommentQuery.paginate``: pages of the
    user's ``comments_per_page`` (20 when anonymous) whatever ``perpage`` says, newest
    first; ``total`` is the image's ``comments_count``."""
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
    size = c.user.comments_per_page if c.user is not None else COMMENTS_PER_PAGE
    page = max(1, _to_i(c.params.get("page")))
    window = comments[(page - 1) * size : page * size]
    return json_response(
        200,
        {"comments": [comment_json(c.view, cm) for cm in window], "total": image.comments_count},
    )


#: ``CommentQuery.paginate``: ``current_user&.comments_per_page || 20``.
COMMENTS_PER_PAGE = 20


def watched(c: Call) -> Response:
    """``Images::WatchedsController#show``: ``my:watched``, newest first, paged."""
    user = c.user
    if user is None:
        # ``UserFilter#require_user`` for a JSON request.
        return json_response(403, {"message": "Sorry, you need to sign in to view this page."})
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
#: ``ListsController#index`` asks for three images per list.
LIST_SIZE = 3


def lists(c: Call) -> Response:
    """``ListsController#index``: three lists of three images; ``last`` (``TimePeriod``:
    the first ``<n>h|d|w`` anywhere in the value) bounds ``first_seen_at`` of the top
    scoring and top commented lists. booru-on-rails defaults to 3 days, Twibooru's page
    says 7."""
    last = c.params.get("last")
    m = re.search(r"(\d+)([hdw])", last) if isinstance(last, str) else None
    seconds = int(m[1]) * _PERIODS[m[2]] if m else (7 if variant(c) == "twibooru" else 3) * 86400
    since = c.now_dt - timedelta(seconds=seconds)
    pool = visible_images(c)
    recent = [i for i in pool if i.first_seen_at >= since]

    def top(items: list[Image], key: Any) -> list[Image]:
        return sorted(items, key=key, reverse=True)[:LIST_SIZE]

    # ``get_top_scoring``: score, then first_seen_at; ``get_top_commented``: comments, id.
    ts = top(recent, lambda i: (i.score, i.first_seen_at))
    tc = top(recent, lambda i: (i.comments_count, i.id))
    at = top(pool, lambda i: (i.score, i.first_seen_at))
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
            # ``TagsController#show``: ``@tag.aliases.map(&:name)``.
            "aliases": [t.name for t in c.board.tags.values() if t.aliased_to == tag.id],
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
    """``GalleryIndex#as_json`` (``image_ids`` only with ``include_images``)."""
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
        out["image_ids"] = list(reversed(gallery.image_ids))  # ``order(position: :desc)``
    return out


def galleries_index(c: Call) -> Response:
    """``GalleriesController#index``: a bare array; ``include_images`` adds ``image_ids``."""
    galleries = sorted(c.board.galleries.values(), key=lambda g: (g.created_at, g.id), reverse=True)
    galleries = [g for g in galleries if g.image_ids or c.params.get("show_empty")]
    offset, size = _page(c)
    with_images = bool(c.params.get("include_images"))
    return json_response(
        200, [_gallery(c, g, with_images) for g in galleries[offset : offset + size]]
    )


def gallery_show(c: Call) -> Response:
    """``GalleriesController#show``: ``{gallery, images, interactions}``, the images in
    gallery order (newest position first), filtered and paged like a search."""
    gid = _id(c.args["id"])
    gallery = c.board.galleries.get(gid) if gid is not None else None
    if gallery is None:
        return rails_not_found()
    positions = {iid: pos for pos, iid in enumerate(gallery.image_ids)}
    members = [i for i in visible_images(c) if i.id in positions]
    members.sort(key=lambda i: positions[i.id], reverse=True)
    offset, size = _page(c)
    window = members[offset : offset + size]
    return json_response(
        200,
        {
            "gallery": _gallery(c, gallery, False),
            "images": _images_payload(c, window),
            "interactions": interactions(c.view, window, c.user, variant(c)),
        },
    )


def _to_reverse_form(c: Call) -> Response:
    """``redirect_to search_reverse_path`` after a flash: a 302 to the HTML form."""
    location = f"{c.roots.site_url}/search/reverse"
    body = f'<html><body>You are being <a href="{escape(location)}">redirected</a>.</body></html>'
    resp = Response(302, body.encode(), "text/html; charset=utf-8")
    resp.set_header("Location", location)
    return resp


def reverse(c: Call) -> Response:
    """``SearchController#reverse`` (POST ``/search/reverse.json``).

    ``scraper_url`` is scraped, or the multipart ``image`` read; when neither gives an
    image, or the image cannot be analysed, the controller sets a flash and redirects to
    the HTML form (302), JSON request or not. ``fuzziness`` is clamped to 0.1..5.0.
    """
    upload = c.params.get("image")
    data: bytes | None
    if isinstance(upload, Upload):
        data = upload.data
    else:
        url = c.params.get("scraper_url")
        data = c.fake.resolve_url(url) if isinstance(url, str) and url else None
    if data is None:
        return _to_reverse_form(c)
    analysed = _analyse(c, data)
    if analysed is None:
        return _to_reverse_form(c)
    raw = c.params.get("fuzziness")
    fuzz = float(raw) if isinstance(raw, str) and re.fullmatch(r"\d+(\.\d+)?", raw) else 0.25
    fuzz = min(5.0, max(0.1, fuzz))
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


def reverse_form(c: Call) -> Response:
    """``GET /search/reverse``: the HTML form the failed JSON requests are sent to."""
    form = (
        "<!DOCTYPE html><html><head><title>Reverse Search</title></head><body>"
        '<form action="/search/reverse" method="post" enctype="multipart/form-data">'
        '<input type="url" name="scraper_url"><input type="file" name="image">'
        '<input type="number" name="fuzziness" value="0.25"></form></body></html>'
    )
    return Response(200, form.encode(), "text/html; charset=utf-8")


# Groups: ``search``, ``image`` and ``comments`` take the names the SDK's profiles and
# :data:`~booru_async.testing.LEGACY_BUDGETS` use; the rest share ``api``.
ROUTES: tuple[Route, ...] = (
    route("GET", "/images", images_index, "api"),
    route("GET", "/images/watched", watched, "api"),
    # Twibooru's page names its watched feed ``/posts/watched.json``.
    route("GET", "/posts/watched", watched, "api"),
    route("GET", "/images/:id", image_show, "image"),
    route("GET", "/images/:id/comments", image_comments, "comments"),
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

#: The HTML form a failed reverse search is redirected to (no ``.json`` suffix).
REVERSE_FORM = route("GET", "/search/reverse", reverse_form, "api")

#: The subset Twibooru documents for its legacy API (§6.3).
TWIBOORU_LEGACY_PATHS = frozenset(
    {
        "/images",
        "/images/:id",
        "/search",
        "/oembed",
        "/lists",
        "/images/watched",
        "/posts/watched",
    }
)
