"""Philomena ``/api/v1/json`` routes (1.2, with the master differences)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from booru_async.testing._board import Image, User
from booru_async.testing._context import Call, Route, route
from booru_async.testing._http import (
    INT4_MAX,
    INT4_MIN,
    Response,
    Upload,
    empty_text,
    json_response,
    parse_int_exact,
    parse_int_prefix,
)
from booru_async.testing._media import find_marker, sniff
from booru_async.testing._search import (
    Index,
    Page,
    SearchError,
    compile_search,
    filter_visible,
    pagination,
)
from booru_async.testing._sorting import parse_philomena_sort, sort_images
from booru_async.testing._views_philomena import (
    comment_json,
    filter_json,
    forum_json,
    gallery_json,
    image_json,
    interactions,
    oembed_json,
    post_json,
    profile_json,
    tag_json,
    topic_json,
)

T = TypeVar("T")
PREFIX = "/api/v1/json"
RATINGS_SAFE = {"safe"}
RATINGS_SEXUAL = {"suggestive", "questionable", "explicit"}
RATINGS_HORROR = {"semi-grimdark", "grimdark"}
RATINGS_GROSS = {"grotesque"}
UPLOAD_MIME = ("image/gif", "image/jpeg", "image/png", "image/svg+xml", "video/webm")


# ------------------------------------------------------------------- helpers


def not_found(c: Call) -> Response:
    """1.2: empty ``text/plain`` 404; master: ``{"error":"Not found"}``."""
    if c.behaviour.master:
        return json_response(404, {"error": "Not found"})
    return empty_text(404)


def bad_request() -> Response:
    return json_response(400, {"error": "Bad Request"})


def internal_error() -> Response:
    return json_response(500, {"error": "Internal Error"})


def int_id(raw: str) -> int | Response:
    """Ecto cast of a path id: non-integer -> 400, outside int4 -> 500."""
    n = parse_int_exact(raw)
    if n is None:
        return bad_request()
    if not INT4_MIN <= n <= INT4_MAX:
        return internal_error()
    return n


def master_int_id(c: Call, raw: str) -> int | Response:
    """Master's ``IntegerId.parse`` routes: anything unparsable is a 404."""
    if c.behaviour.master:
        n = parse_int_exact(raw)
        if n is None or not INT4_MIN <= n <= INT4_MAX:
            return not_found(c)
        return n
    return int_id(raw)


def search_error(message: str) -> Response:
    return json_response(400, {"error": message})


def paginate(items: list[T], page: Page) -> list[T]:
    return page.window(items)


def _search(
    c: Call,
    index: Index,
    candidates: Iterable[T],
    key: Callable[[T], Any],
    reverse: bool,
    obj_doc: Callable[[T], dict[str, Any]] | None = None,
) -> tuple[list[T], int] | Response:
    try:
        pred = compile_search(c.params.get("q"), index, c.qctx)
    except SearchError as exc:
        return search_error(exc.message)
    hits = [o for o in candidates if pred(obj_doc(o) if obj_doc else c.doc(index, o))]
    hits.sort(key=key, reverse=reverse)
    page = pagination(c.params, 25)
    return paginate(hits, page), len(hits)


# -------------------------------------------------------------------- images


def _show_image(c: Call, image: Image) -> Response:
    return json_response(
        200,
        {
            "image": image_json(c.view, image),
            "interactions": interactions(c.board, [image], c.user),
        },
    )


def image_show(c: Call) -> Response:
    iid = int_id(c.args["id"])
    if isinstance(iid, Response):
        return iid
    image = c.board.images.get(iid)
    if image is None:
        return not_found(c)
    return _show_image(c, image)


def image_featured(c: Call) -> Response:
    for feature in sorted(c.board.features, key=lambda f: f.created_at, reverse=True):
        image = c.board.images.get(feature.image_id)
        if image is not None and not image.hidden_from_users:
            return _show_image(c, image)
    return not_found(c)


def visible_images(c: Call) -> list[Image]:
    """Images that pass del/hidden/filter rules for this request."""
    user = c.user
    delp = c.params.get("del")
    staff = user is not None and user.is_staff
    hidden = c.params.get("hidden")
    out: list[Image] = []
    for image in c.board.images.values():
        if not image.approved:
            continue
        if delp != "1":
            if staff and delp == "only":
                if not image.hidden_from_users:
                    continue
            elif staff and delp == "deleted":
                if not image.hidden_from_users or image.duplicate_id is not None:
                    continue
            elif image.hidden_from_users:
                continue
        if user is not None and hidden != "1" and user.id in image.hidden_by:
            continue
        if c.compiled.hides(c.doc("images", image)):
            continue
        out.append(image)
    return out


def search_images(c: Call) -> Response:
    try:
        pred = compile_search(c.params.get("q"), "images", c.qctx)
    except SearchError as exc:
        return search_error(exc.message)
    hits = [i for i in visible_images(c) if pred(c.doc("images", i))]
    spec = parse_philomena_sort(
        c.params.get("sf"),
        c.params.get("sd"),
        master=c.behaviour.master,
        random_seed=c.fake.random_seed,
    )
    ordered = sort_images(c.board, hits, spec)
    default = c.user.images_per_page if c.user is not None else 15
    window = pagination(c.params, default).window(ordered)
    return json_response(
        200,
        {
            "images": [image_json(c.view, i) for i in window],
            "interactions": interactions(c.board, window, c.user),
            "total": len(ordered),
        },
    )


EMPTY_IMAGES = {"images": [], "interactions": [], "total": 0}


def _distance(value: object) -> float | None:
    """``Float.parse("0" <> value)``: ``.3`` -> 0.3, garbage -> 0.0."""
    if value is None:
        return 0.25
    if not isinstance(value, str):
        return None
    m = re.match(r"[+-]?\d+(\.\d+)?([eE][+-]?\d+)?", "0" + value)
    return float(m[0]) if m else 0.0


def fetch_input_file(c: Call, params: dict[str, Any]) -> bytes | None:
    """The file of a reverse search or upload: multipart ``image[image]`` or ``url``."""
    image_params = params.get("image")
    if isinstance(image_params, dict) and isinstance(image_params.get("image"), Upload):
        upload: Upload = image_params["image"]
        return upload.data
    url = params.get("url")
    if isinstance(url, str) and url:
        return c.fake.resolve_url(url)
    return None


def _analyse(c: Call, data: bytes) -> tuple[dict[str, float], float] | None:
    marked = find_marker(data)
    if marked is not None and marked[0] == c.board.seed:
        image = c.board.images.get(marked[1])
        if image is not None and image.intensities is not None:
            return dict(image.intensities), image.aspect_ratio
    info = sniff(data)
    if info is None or info.mime_type not in UPLOAD_MIME or info.width <= 0 or info.height <= 0:
        return None
    digest = hashlib.sha512(data).digest()
    ints = {k: float(digest[i]) for i, k in enumerate(("nw", "ne", "sw", "se"))}
    return ints, info.width / info.height


def search_reverse(c: Call) -> Response:
    dist = _distance(c.params.get("distance"))
    raw_limit = c.params.get("limit")
    limit = (
        10
        if raw_limit is None
        else parse_int_exact(raw_limit)
        if isinstance(raw_limit, str)
        else None
    )
    data = fetch_input_file(c, c.params)
    if dist is None or not 0 <= dist <= 1 or limit is None or not 1 <= limit <= 50 or data is None:
        return json_response(200, EMPTY_IMAGES)
    analysed = _analyse(c, data)
    if analysed is None:
        return json_response(200, EMPTY_IMAGES)
    ints, aspect = analysed
    box = dist * 3
    scored: list[tuple[float, int, Image]] = []
    for image in c.board.images.values():
        it = image.intensities
        if it is None:
            continue
        if any(abs(it[k] - ints[k]) > box for k in ("nw", "ne", "sw", "se")):
            continue
        if abs(image.aspect_ratio - aspect) > dist:
            continue
        d = sum((it[k] - ints[k]) ** 2 for k in ints) + (image.aspect_ratio - aspect) ** 2
        scored.append((d, image.id, image))
    scored.sort(key=lambda s: (s[0], s[1]))
    found = [s[2] for s in scored[:limit]]
    return json_response(
        200,
        {
            "images": [image_json(c.view, i) for i in found],
            "interactions": interactions(c.board, found, c.user),
            "total": len(found),
        },
    )


def _tag_names(tag_input: str) -> list[str]:
    names = []
    for raw in tag_input.split(","):
        name = " ".join(raw.strip().lower().split())
        if name:
            names.append(name)
    return list(dict.fromkeys(names))


def _validate_tags(c: Call, names: list[str]) -> list[str]:
    added: list[str] = []
    tagset = set(names)
    minimum = c.behaviour.min_upload_tags
    if len(tagset) < minimum:
        added.append(f"must contain at least {minimum} tags")
    for bad in sorted(tagset & set(c.board.blacklisted_tags)):
        added.append(f"contains forbidden tag `{bad}'")
    safe, sexual = tagset & RATINGS_SAFE, tagset & RATINGS_SEXUAL
    horror, gross = tagset & RATINGS_HORROR, tagset & RATINGS_GROSS
    if not (safe or sexual or horror or gross):
        added.append("must contain at least one rating tag")
    if safe and (sexual or horror or gross):
        added.append("may not contain any other rating if safe")
    if len(sexual) > 1:
        added.append("may contain at most one sexual rating")
    if len(horror) > 1:
        added.append("may contain at most one grim rating")
    return list(reversed(added))


_BLANK_FIELDS = (
    "image_aspect_ratio",
    "image_duration",
    "image_format",
    "image_height",
    "image_is_animated",
    "image_mime_type",
    "image_orig_sha512_hash",
    "image_orig_size",
    "image_sha512_hash",
    "image_size",
    "image_width",
    "uploaded_image",
)


def image_create(c: Call) -> Response:
    user = c.user
    if user is None:
        return empty_text(401)
    if user.banned:
        return empty_text(403)
    image_params = c.params.get("image")
    if not isinstance(image_params, dict):
        return bad_request()
    errors: dict[str, list[str]] = {}
    data = fetch_input_file(c, c.params)
    info = sniff(data) if data else None
    if data is None or info is None:
        errors["image"] = [
            "contents corrupt, not recognized, or dimensions are too large to process",
            "can't be blank",
        ]
        for name in _BLANK_FIELDS:
            errors[name] = ["can't be blank"]
    else:
        if info.mime_type not in UPLOAD_MIME:
            errors["image_mime_type"] = [f"({info.mime_type}) is invalid"]
        if len(data) > 131_072_000:
            errors["image_size"] = ["must be less than or equal to 131072000"]
        sha = hashlib.sha512(data).hexdigest()
        for existing in c.board.images.values():
            if c.board.image_sha512(existing) == sha or existing.orig_sha512_hash == sha:
                errors.setdefault("image", []).append(
                    f"has already been uploaded: it's image {existing.id}"
                )
                break
    tag_input = image_params.get("tag_input")
    names = _tag_names(tag_input if isinstance(tag_input, str) else "")
    tag_errors = _validate_tags(c, names)
    if tag_errors:
        errors["tag_input"] = tag_errors
    description = image_params.get("description")
    description = description if isinstance(description, str) else ""
    if len(description.encode()) > 50_000:
        errors["description"] = ["should be at most 50000 character(s)"]
    sources = _sources(image_params)
    if len(sources) > 15:
        errors["sources"] = ["must have at most 15 sources"]
    if errors or data is None or info is None:
        return json_response(400, {"errors": errors})
    image = c.fake.add_upload(user, data, info, names, description, sources, image_params)
    return json_response(200, {"image": image_json(c.view, image), "interactions": []})


def _sources(image_params: dict[str, Any]) -> list[str]:
    raw = image_params.get("sources")
    out: list[str] = []
    if isinstance(raw, dict):
        for key in sorted(raw, key=lambda k: parse_int_prefix(k) or 0):
            entry = raw[key]
            if isinstance(entry, dict) and isinstance(entry.get("source"), str) and entry["source"]:
                out.append(entry["source"])
    elif isinstance(raw, list):
        for entry in raw:
            if isinstance(entry, dict) and isinstance(entry.get("source"), str) and entry["source"]:
                out.append(entry["source"])
    return out


# ---------------------------------------------------------- other searches


def search_tags(c: Call) -> Response:
    res = _search(c, "tags", c.board.tags.values(), lambda t: (t.images_count, -t.id), True)
    if isinstance(res, Response):
        return res
    tags, total = res
    return json_response(200, {"tags": [tag_json(c.view, t) for t in tags], "total": total})


def search_posts(c: Call) -> Response:
    board = c.board

    def eligible(post: Any) -> bool:
        topic = board.topics.get(post.topic_id)
        forum = board.forums.get(topic.forum_id) if topic else None
        if post.hidden_from_users or forum is None or forum.access_level != "normal":
            return False
        return not (c.behaviour.master and topic is not None and topic.hidden_from_users)

    res = _search(
        c,
        "posts",
        [p for p in board.posts.values() if eligible(p)],
        lambda p: (p.created_at, p.id),
        True,
    )
    if isinstance(res, Response):
        return res
    posts, total = res
    return json_response(200, {"posts": [post_json(c.view, p) for p in posts], "total": total})


def search_comments(c: Call) -> Response:
    board = c.board
    hidden_tags = set(c.compiled.filter.hidden_tag_ids)

    def eligible(comment: Any) -> bool:
        if comment.hidden_from_users or not comment.approved:
            return False
        image = board.images.get(comment.image_id)
        if image is None:
            return False
        if c.behaviour.master and image.hidden_from_users:
            return False
        return not (set(image.tag_ids) & hidden_tags)

    res = _search(
        c,
        "comments",
        [cm for cm in board.comments.values() if eligible(cm)],
        lambda cm: (cm.created_at, cm.id),
        True,
    )
    if isinstance(res, Response):
        return res
    comments, total = res
    return json_response(
        200, {"comments": [comment_json(c.view, cm) for cm in comments], "total": total}
    )


def search_galleries(c: Call) -> Response:
    res = _search(c, "galleries", c.board.galleries.values(), lambda g: (g.created_at, g.id), True)
    if isinstance(res, Response):
        return res
    galleries, total = res
    return json_response(
        200, {"galleries": [gallery_json(c.view, g) for g in galleries], "total": total}
    )


def search_filters(c: Call) -> Response:
    user = c.user

    def eligible(f: Any) -> bool:
        return bool(f.public or f.system or (user is not None and f.user_id == user.id))

    candidates = sorted((f for f in c.board.filters.values() if eligible(f)), key=lambda f: -f.id)
    try:
        pred = compile_search(c.params.get("q"), "filters", c.qctx)
    except SearchError as exc:
        return search_error(exc.message)
    hits = [f for f in candidates if pred(c.doc("filters", f))]
    hits.sort(key=lambda f: f.name.lower())  # stable: id desc within a name
    window = pagination(c.params, 25).window(hits)
    return json_response(
        200, {"filters": [filter_json(c.view, f) for f in window], "total": len(hits)}
    )


# --------------------------------------------------------------------- oembed

_CDN_12 = re.compile(r"/img/.*/(\d+)(\.|[/_][_\w])")
_CDN_MASTER = re.compile(r"/img/(?:view/|download/)?\d{4}/\d{1,2}/\d{1,2}/(\d+)[./_-]")
_SITE = re.compile(r"/(\d+)")


def oembed(c: Call) -> Response:
    master = c.behaviour.master

    def miss() -> Response:
        if master:
            return json_response(404, {"error": "Not found"})
        return json_response(404, {"error": "Couldn't find an image"})

    url = c.params.get("url")
    if not isinstance(url, str):
        return miss()
    path = urlsplit(url).path
    if master and not path:
        return miss()
    cdn = (_CDN_MASTER if master else _CDN_12).search(path)
    if cdn:
        raw = cdn[1]
    elif master and "/img/" in path:
        return miss()
    else:
        site = _SITE.search(path)
        if not site:
            return miss()
        raw = site[1]
    n = int(raw)
    if not INT4_MIN <= n <= INT4_MAX:
        return miss() if master else internal_error()
    image = c.board.images.get(n)
    if image is None or image.hidden_from_users:
        return miss()
    return json_response(200, oembed_json(c.view, image))


# ------------------------------------------------------------ single objects


def tag_show(c: Call) -> Response:
    tag = c.board.tag_by_slug(c.args["slug"])
    if tag is None:
        return not_found(c)
    return json_response(200, {"tag": tag_json(c.view, tag)})


def comment_show(c: Call) -> Response:
    cid = int_id(c.args["id"])
    if isinstance(cid, Response):
        return cid
    comment = c.board.comments.get(cid)
    if comment is None or comment.destroyed_content:
        return not_found(c)
    image = c.board.images.get(comment.image_id)
    if image is not None and image.hidden_from_users:
        return empty_text(403)
    return json_response(200, {"comment": comment_json(c.view, comment)})


def _post_visible(
    c: Call, post: Any, forum_short: str | None = None, topic_slug: str | None = None
) -> bool:
    if post.destroyed_content:
        return False
    topic = c.board.topics.get(post.topic_id)
    if topic is None or topic.hidden_from_users:
        return False
    forum = c.board.forums.get(topic.forum_id)
    if forum is None or forum.access_level != "normal":
        return False
    if forum_short is not None and forum.short_name != forum_short:
        return False
    return topic_slug is None or topic.slug == topic_slug


def post_show(c: Call) -> Response:
    pid = int_id(c.args["id"])
    if isinstance(pid, Response):
        return pid
    post = c.board.posts.get(pid)
    if post is None or not _post_visible(c, post):
        return not_found(c)
    return json_response(200, {"post": post_json(c.view, post)})


def profile_show(c: Call) -> Response:
    uid = int_id(c.args["id"])
    if isinstance(uid, Response):
        return uid
    user = c.board.users.get(uid)
    if user is None or user.deactivated:
        return not_found(c)
    return json_response(200, {"user": profile_json(c.view, user)})


def filter_show(c: Call) -> Response:
    fid = master_int_id(c, c.args["id"])
    if isinstance(fid, Response):
        return fid
    flt = c.board.filters.get(fid)
    if flt is None or not filter_visible(flt, c.user):
        return not_found(c)
    return json_response(200, {"filter": filter_json(c.view, flt)})


def filters_system(c: Call) -> Response:
    filters = sorted((f for f in c.board.filters.values() if f.system), key=lambda f: f.id)
    window = pagination(c.params, 25).window(filters)
    return json_response(
        200, {"filters": [filter_json(c.view, f) for f in window], "total": len(filters)}
    )


def filters_user(c: Call) -> Response:
    user: User | None = c.user
    if user is None:
        return empty_text(403)
    filters = sorted(
        (f for f in c.board.filters.values() if f.user_id == user.id), key=lambda f: f.id
    )
    window = pagination(c.params, 25).window(filters)
    return json_response(
        200, {"filters": [filter_json(c.view, f) for f in window], "total": len(filters)}
    )


# --------------------------------------------------------------------- forums


def forums_index(c: Call) -> Response:
    forums = sorted(
        (f for f in c.board.forums.values() if f.access_level == "normal"), key=lambda f: f.name
    )
    window = pagination(c.params, 25).window(forums)
    return json_response(
        200, {"forums": [forum_json(c.view, f) for f in window], "total": len(forums)}
    )


def forum_show(c: Call) -> Response:
    forum = c.board.forum_by_short_name(c.args["forum"])
    if forum is None or forum.access_level != "normal":
        return not_found(c)
    return json_response(200, {"forum": forum_json(c.view, forum)})


def _normal_topic(c: Call) -> Any:
    forum = c.board.forum_by_short_name(c.args["forum"])
    if forum is None or forum.access_level != "normal":
        return None
    topic = c.board.topic_by_slug(forum, c.args["topic"])
    if topic is None or topic.hidden_from_users:
        return None
    return topic


def topics_index(c: Call) -> Response:
    forum = c.board.forum_by_short_name(c.args["forum"])
    topics: list[Any] = []
    if forum is not None and forum.access_level == "normal":
        topics = [
            t for t in c.board.topics.values() if t.forum_id == forum.id and not t.hidden_from_users
        ]
    # sticky first, then last_replied_to_at desc (Postgres: NULLs first on DESC)
    topics.sort(
        key=lambda t: (
            t.sticky,
            t.last_replied_to_at is None,
            t.last_replied_to_at.timestamp() if t.last_replied_to_at else 0.0,
            t.id,
        ),
        reverse=True,
    )
    window = pagination(c.params, 25).window(topics)
    return json_response(
        200, {"topics": [topic_json(c.view, t) for t in window], "total": len(topics)}
    )


def topic_show(c: Call) -> Response:
    topic = _normal_topic(c)
    if topic is None:
        return not_found(c)
    return json_response(200, {"topic": topic_json(c.view, topic)})


def topic_posts_index(c: Call) -> Response:
    topic = _normal_topic(c)
    master = c.behaviour.master
    if topic is None:
        return not_found(c) if master else internal_error()
    page = pagination(c.params, 25)
    size = page.size if master else 25
    lo, hi = size * (page.number - 1), size * page.number
    posts = [
        p
        for p in c.board.topic_posts(topic)
        if not p.destroyed_content and lo <= p.topic_position < hi
    ]
    if not posts and not master:
        return internal_error()  # 1.2 takes hd/1 of an empty list
    return json_response(
        200,
        {"posts": [post_json(c.view, p) for p in posts], "total": c.board.topic_post_count(topic)},
    )


def topic_post_show(c: Call) -> Response:
    pid = master_int_id(c, c.args["id"])
    if isinstance(pid, Response):
        return pid
    post = c.board.posts.get(pid)
    if post is None or not _post_visible(c, post, c.args["forum"], c.args["topic"]):
        return not_found(c)
    return json_response(200, {"post": post_json(c.view, post)})


# ---------------------------------------------------------------------- table

ROUTES: tuple[Route, ...] = (
    route("GET", f"{PREFIX}/images/featured", image_featured, "api"),
    route("GET", f"{PREFIX}/images/:id", image_show, "api"),
    route("POST", f"{PREFIX}/images", image_create, "api"),
    route("POST", f"{PREFIX}/search/reverse", search_reverse, "search"),
    route("GET", f"{PREFIX}/search/images", search_images, "search"),
    route("GET", f"{PREFIX}/search/tags", search_tags, "search"),
    route("GET", f"{PREFIX}/search/posts", search_posts, "search"),
    route("GET", f"{PREFIX}/search/comments", search_comments, "search"),
    route("GET", f"{PREFIX}/search/galleries", search_galleries, "search"),
    route("GET", f"{PREFIX}/search/filters", search_filters, "search"),
    route("GET", f"{PREFIX}/search", search_images, "search"),
    route("GET", f"{PREFIX}/oembed", oembed, "api"),
    route("GET", f"{PREFIX}/tags/:slug", tag_show, "api"),
    route("GET", f"{PREFIX}/comments/:id", comment_show, "api"),
    route("GET", f"{PREFIX}/posts/:id", post_show, "api"),
    route("GET", f"{PREFIX}/profiles/:id", profile_show, "api"),
    route("GET", f"{PREFIX}/filters/user", filters_user, "api"),
    route("GET", f"{PREFIX}/filters/system", filters_system, "api"),
    route("GET", f"{PREFIX}/filters/:id", filter_show, "api"),
    route("GET", f"{PREFIX}/forums", forums_index, "api"),
    route("GET", f"{PREFIX}/forums/:forum", forum_show, "api"),
    route("GET", f"{PREFIX}/forums/:forum/topics", topics_index, "api"),
    route("GET", f"{PREFIX}/forums/:forum/topics/:topic", topic_show, "api"),
    route("GET", f"{PREFIX}/forums/:forum/topics/:topic/posts", topic_posts_index, "api"),
    route("GET", f"{PREFIX}/forums/:forum/topics/:topic/posts/:id", topic_post_show, "api"),
)
