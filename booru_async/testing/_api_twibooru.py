"""Twibooru ``/api/v3`` routes."""

from __future__ import annotations

from booru_async.testing._api_philomena import visible_images
from booru_async.testing._context import Call, Route, route
from booru_async.testing._http import INT4_MAX, Response, json_response, parse_int_exact
from booru_async.testing._search import SearchError, compile_search, pagination
from booru_async.testing._sorting import parse_twibooru_sort, sort_images
from booru_async.testing._views_twibooru import comment_json, gallery_json, post_json, tag_json

PREFIX = "/api/v3"


def error(status: int, message: str) -> Response:
    """Twibooru's documented error body: ``{"error": "<text>"}``."""
    return json_response(status, {"error": message})


def not_found() -> Response:
    return error(404, "Not found")


def _id(raw: str) -> int | None:
    n = parse_int_exact(raw)
    return n if n is not None and 0 <= n <= INT4_MAX else None


def post_show(c: Call) -> Response:
    pid = _id(c.args["id"])
    image = c.board.images.get(pid) if pid is not None else None
    if image is None:
        return not_found()
    return json_response(200, {"post": post_json(c.view, image)})


def post_featured(c: Call) -> Response:
    for feature in sorted(c.board.features, key=lambda f: f.created_at, reverse=True):
        image = c.board.images.get(feature.image_id)
        if image is not None and not image.hidden_from_users:
            return json_response(200, {"post": post_json(c.view, image)})
    return not_found()


def post_comments(c: Call) -> Response:
    pid = _id(c.args["id"])
    image = c.board.images.get(pid) if pid is not None else None
    if image is None or image.hidden_from_users:
        return not_found()
    comments = sorted(
        (
            cm
            for cm in c.board.comments.values()
            if cm.image_id == image.id and not cm.destroyed_content
        ),
        key=lambda cm: (cm.created_at, cm.id),
        reverse=True,
    )
    window = pagination(c.params, 25).window(comments)
    return json_response(200, {"comments": [comment_json(c.view, cm) for cm in window]})


def search_posts(c: Call) -> Response:
    try:
        pred = compile_search(c.params.get("q"), "images", c.qctx)
    except SearchError as exc:
        return error(422, exc.message)
    hits = [i for i in visible_images(c) if pred(c.doc("images", i))]
    spec = parse_twibooru_sort(
        c.params.get("sf"), c.params.get("sd"), random_seed=c.fake.random_seed
    )
    ordered = sort_images(c.board, hits, spec)
    default = c.user.images_per_page if c.user is not None else 15
    window = pagination(c.params, default).window(ordered)
    return json_response(
        200, {"posts": [post_json(c.view, i) for i in window], "total": len(ordered)}
    )


def search_tags(c: Call) -> Response:
    try:
        pred = compile_search(c.params.get("q"), "tags", c.qctx)
    except SearchError as exc:
        return error(422, exc.message)
    hits = [t for t in c.board.tags.values() if pred(c.doc("tags", t))]
    hits.sort(key=lambda t: (-t.images_count, t.id))
    window = pagination(c.params, 25).window(hits)
    return json_response(200, {"tags": [tag_json(c.view, t) for t in window], "total": len(hits)})


def gallery_show(c: Call) -> Response:
    gid = _id(c.args["id"])
    gallery = c.board.galleries.get(gid) if gid is not None else None
    if gallery is None:
        return not_found()
    return json_response(200, {"gallery": gallery_json(c.view, gallery)})


ROUTES: tuple[Route, ...] = (
    route("GET", f"{PREFIX}/posts/featured", post_featured, "posts"),
    route("GET", f"{PREFIX}/posts/:id", post_show, "posts"),
    route("GET", f"{PREFIX}/posts/:id/comments", post_comments, "posts/comments"),
    route("GET", f"{PREFIX}/search/posts", search_posts, "search/posts"),
    route("GET", f"{PREFIX}/search/tags", search_tags, "search/tags"),
    route("GET", f"{PREFIX}/galleries/:id", gallery_show, "galleries"),
)
