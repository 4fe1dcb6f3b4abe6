"""The ASGI application: pipeline, routing, proxy behaviour, faults."""

from __future__ import annotations

import hashlib
import math
import random
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import UTC, datetime
from email.utils import formatdate
from typing import Any

import anyio

from booru_async.testing import _api_legacy, _api_philomena, _api_twibooru
from booru_async.testing._board import Board, Image, User
from booru_async.testing._cdn import serve_cdn
from booru_async.testing._config import (
    CACHE_PROXY,
    CACHE_RAILS,
    LEGACY_BUDGETS,
    TWIBOORU_BUDGETS,
    TWIBOORU_HEADER_FALLBACK,
    FakeBehaviour,
    Fault,
)
from booru_async.testing._context import Call, Route
from booru_async.testing._faults import (
    CHALLENGE_501,
    ERROR_50X,
    NGINX_502,
    AntiBotState,
    FaultPicker,
    RateLimiter,
    RecordedRequest,
    Stats,
    format_reset,
)
from booru_async.testing._http import (
    Request,
    Response,
    build_request,
    empty_text,
    error_page,
    html_response,
    json_response,
    parse_int_exact,
    split_path,
)
from booru_async.testing._media import Sniffed
from booru_async.testing._search import (
    Doc,
    Index,
    comment_document,
    filter_document,
    filter_visible,
    gallery_document,
    image_document,
    post_document,
    tag_document,
)
from booru_async.testing._urls import Roots, parse_cdn_path

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

DEFAULT_BASE_URL = "http://booru.test"


class FakeConnectionAbort(ConnectionResetError):
    """Raised inside the app to drop the connection (``reset``/``truncate`` faults).

    Over a socket uvicorn closes the connection; in-process, use
    :meth:`FakeBooru.transport` so httpx reports it as a transport error.
    """


_DOCUMENT_BUILDERS: dict[str, Callable[[Board, Any], Doc]] = {
    "images": image_document,
    "tags": tag_document,
    "comments": comment_document,
    "posts": post_document,
    "galleries": gallery_document,
    "filters": filter_document,
}


class FakeBooru:
    """An in-memory Philomena-family site, as a plain ASGI application.

    ``FakeBooru(board=None, behaviour=None, *, clock=None, **changes)``:

    * ``board`` - a :class:`~booru_async.testing.Board` (default
      ``Board.generate(0)``);
    * ``behaviour`` - a :class:`~booru_async.testing.FakeBehaviour`; keyword
      ``changes`` are applied on top (``FakeBooru(flavour="twibooru")``);
    * ``clock`` - a callable returning the current time as epoch seconds
      (default :func:`time.time`); rate windows, bans, relative-date queries and
      the ``Date`` header all use it.

    Runtime controls: :attr:`behaviour` (assign a new value or call
    :meth:`configure`), :meth:`trigger_challenge`, :meth:`ban`,
    :meth:`reset_state`, :meth:`invalidate` (after mutating the board),
    :meth:`add_remote_file` (URLs the server may "download" for uploads and
    reverse search), :meth:`edit_tags` and :meth:`hide_image` (a user's tag edit and a
    moderator's deletion, each moving ``updated_at`` to the fake's clock).
    Observation: :attr:`stats` and :meth:`max_requests_in_window`.
    """

    def __init__(
        self,
        board: Board | None = None,
        behaviour: FakeBehaviour | None = None,
        *,
        clock: Callable[[], float] | None = None,
        **changes: Any,
    ) -> None:
        self.board = board if board is not None else Board.generate(0)
        base = behaviour if behaviour is not None else FakeBehaviour()
        self._behaviour = base.replace(**changes) if changes else base
        self.clock: Callable[[], float] = clock if clock is not None else time.time
        self.stats = Stats()
        self.base_url = DEFAULT_BASE_URL
        self._limiter = RateLimiter()
        # Accounting behind the X-RL headers of a Twibooru fake whose configured budgets do
        # not cover a route (never refuses anything).
        self._header_limiter = RateLimiter()
        self._antibot = AntiBotState()
        self._faults = FaultPicker(self._behaviour.seed)
        self._rng = random.Random(f"fake:{self._behaviour.seed}")
        self._docs: dict[tuple[str, int], Doc] = {}
        self._remote: dict[str, bytes] = {}
        self._lock = threading.RLock()

    # ------------------------------------------------------------ config

    @property
    def behaviour(self) -> FakeBehaviour:
        return self._behaviour

    @behaviour.setter
    def behaviour(self, value: FakeBehaviour) -> None:
        with self._lock:
            if value.seed != self._behaviour.seed:
                self._faults.reseed(value.seed)
            self._behaviour = value

    def configure(self, **changes: Any) -> FakeBehaviour:
        """Apply ``changes`` to the behaviour (takes effect on the next request)."""
        self.behaviour = self._behaviour.replace(**changes)
        return self._behaviour

    def roots(self) -> Roots:
        b = self._behaviour
        site = (b.site_url or self.base_url).rstrip("/")
        return Roots(
            site_name=b.site_name,
            site_url=site,
            img_root=b.img_root or f"{site}/img",
            avatar_root=b.avatar_root or f"{site}/avatars",
            badge_root=b.badge_root or f"{site}/badges",
            tag_root=b.tag_root or f"{site}/media",
        )

    def now(self) -> datetime:
        """The fake's clock as an aware UTC datetime."""
        return datetime.fromtimestamp(self.clock(), UTC)

    def random_seed(self) -> int:
        """A seed for ``sf=random`` (drawn from the fake's seeded RNG)."""
        with self._lock:
            return self._rng.randrange(4_294_967_296)

    # ------------------------------------------------------------ state

    def trigger_challenge(self, duration: float | None = None) -> None:
        """Start the anti-bot 501 phase now (needs ``behaviour.anti_bot``)."""
        cfg = self._behaviour.anti_bot
        if cfg is None:
            raise RuntimeError("behaviour.anti_bot is not configured")
        self._antibot.trigger(cfg, self.clock(), duration)

    def ban(self, duration: float | None = None) -> None:
        """Block the client now (500 empty bodies; needs ``behaviour.anti_bot``)."""
        cfg = self._behaviour.anti_bot
        if cfg is None:
            raise RuntimeError("behaviour.anti_bot is not configured")
        self._antibot.ban(cfg, self.clock(), duration)

    @property
    def ban_until(self) -> float | None:
        return self._antibot.ban_until

    def reset_state(self) -> None:
        """Forget rate-limit windows, challenges, bans, fault counters and stats."""
        with self._lock:
            self._limiter.reset()
            self._header_limiter.reset()
            self._antibot.reset()
            self._faults.reseed(self._behaviour.seed)
            self.stats.clear()

    def invalidate(self) -> None:
        """Drop derived search documents (call after mutating :attr:`board`)."""
        with self._lock:
            self.board.recount()
            self._docs.clear()

    def _stamp(self) -> datetime:
        # Philomena stores ``updated_at`` as ``:utc_datetime`` (second precision);
        # Twibooru and the Rails app keep milliseconds (server-behaviour.md §1, §6.1).
        now = self.now()
        if self._behaviour.flavour == "philomena":
            return now.replace(microsecond=0)
        return now.replace(microsecond=now.microsecond // 1000 * 1000)

    def edit_tags(
        self, image_id: int, *, add: tuple[str, ...] = (), remove: tuple[str, ...] = ()
    ) -> Image:
        """Change an image's tags as a user's tag edit does: add the named tags (created when
        unknown), remove the named ones, and set ``updated_at`` to the fake's clock, so
        ``sf=updated_at`` and ``updated_at.gte:`` see the change."""
        from booru_async.testing._board import NAMESPACE_CATEGORIES, Tag, split_namespace

        with self._lock:
            image = self.board.images[image_id]
            ids = list(image.tag_ids)
            for name in add:
                tag = self.board.tag_by_name(name)
                if tag is None:
                    ns, _ = split_namespace(name)
                    tag = Tag(
                        id=max(self.board.tags, default=0) + 1,
                        name=name,
                        category=NAMESPACE_CATEGORIES.get(ns or ""),
                    )
                    self.board.tags[tag.id] = tag
                if tag.id not in ids:
                    ids.append(tag.id)
            gone = {t.id for name in remove if (t := self.board.tag_by_name(name)) is not None}
            image.tag_ids = [t for t in ids if t not in gone]
            image.updated_at = self._stamp()
            self.invalidate()
            return image

    def hide_image(
        self, image_id: int, *, reason: str = "Rule #0", duplicate_of: int | None = None
    ) -> Image:
        """Delete (or, with ``duplicate_of``, merge) an image as a moderator does: it leaves
        search and its page becomes a hidden stub. ``updated_at`` moves to the fake's clock."""
        with self._lock:
            image = self.board.images[image_id]
            image.hidden_from_users = True
            image.deletion_reason = None if duplicate_of is not None else reason
            image.duplicate_id = duplicate_of
            image.updated_at = self._stamp()
            self.invalidate()
            return image

    def add_remote_file(self, url: str, data: bytes) -> None:
        """Make ``url`` downloadable by the server (uploads and reverse search)."""
        self._remote[url] = data

    def max_requests_in_window(self, group: str | None, window: float) -> int:
        """Most requests the fake received in ``group`` within any ``window`` seconds."""
        return self.stats.max_in_window(group, window)

    def route_groups(self) -> list[str]:
        """The rate-limit group names of the current flavour's routes."""
        return sorted({r.group for r in self._routes()} | {"cdn"})

    def document(self, index: Index, obj: Any) -> Doc:
        """The query document of a board object (cached)."""
        key = (index, obj.id)
        doc = self._docs.get(key)
        if doc is None:
            doc = _DOCUMENT_BUILDERS[index](self.board, obj)
            self._docs[key] = doc
        return doc

    def resolve_url(self, url: str) -> bytes | None:
        """Bytes the server gets when it downloads ``url`` (own CDN or registered)."""
        if url in self._remote:
            return self._remote[url]
        path = url
        if "://" in url:
            path = "/" + url.split("://", 1)[1].split("/", 1)[-1]
        if parse_cdn_path(path) is None:
            return None
        resp = serve_cdn(self.board, path, frozenset())
        return resp.body if resp.status == 200 else None

    def add_upload(
        self,
        user: User,
        data: bytes,
        info: Sniffed,
        tag_names: list[str],
        description: str,
        sources: list[str],
        image_params: dict[str, Any],
    ) -> Image:
        """Store an accepted upload as a new image (unprocessed, no thumbnails)."""
        board = self.board
        tag_ids: list[int] = []
        for name in tag_names:
            tag = board.tag_by_name(name)
            if tag is None:
                from booru_async.testing._board import NAMESPACE_CATEGORIES, Tag, split_namespace

                ns, _ = split_namespace(name)
                tag = Tag(
                    id=max(board.tags, default=0) + 1,
                    name=name,
                    category=NAMESPACE_CATEGORIES.get(ns or ""),
                )
                board.tags[tag.id] = tag
            if tag.aliased_to is not None and tag.aliased_to in board.tags:
                tag = board.tags[tag.aliased_to]
            tag_ids.append(tag.id)
        now = self.now().replace(microsecond=0)
        anonymous = image_params.get("anonymous") in (True, "true", "1")
        width = info.width or 640
        height = info.height or 360
        image = Image(
            id=max(board.images, default=0) + 1,
            created_at=now,
            updated_at=now,
            first_seen_at=now,
            width=width,
            height=height,
            format=info.format,
            mime_type=info.mime_type,
            size=len(data),
            orig_size=len(data),
            duration=0.04 if not info.animated else 1.0,
            animated=info.animated,
            name="upload." + info.format,
            tag_ids=list(dict.fromkeys(tag_ids)),
            sha512_hash=hashlib.sha512(data).hexdigest(),
            orig_sha512_hash=hashlib.sha512(data).hexdigest(),
            uploader_id=user.id,
            anonymous=anonymous,
            description=description,
            sources=sources,
            intensities=None,
            thumbnails_generated=False,
            processed=False,
        )
        board.images[image.id] = image
        self._remote[f"upload:{image.id}"] = data
        self.invalidate()
        return image

    # ------------------------------------------------------------ httpx

    def transport(self) -> Any:
        """An ``httpx.ASGITransport`` for this app that maps dropped connections
        (``reset``/``truncate`` faults) to ``httpx.RemoteProtocolError``, as a real
        socket would."""
        import httpx

        app = self

        class _Transport(httpx.ASGITransport):
            async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
                try:
                    return await super().handle_async_request(request)
                except FakeConnectionAbort as exc:
                    raise httpx.RemoteProtocolError(
                        "peer closed connection without sending complete message body",
                        request=request,
                    ) from exc

        return _Transport(app=app)

    # ------------------------------------------------------------ routing

    def _routes(self) -> tuple[Route, ...]:
        flavour = self._behaviour.flavour
        if flavour == "philomena":
            return _api_philomena.ROUTES
        if flavour == "twibooru":
            legacy = tuple(
                r
                for r in _api_legacy.ROUTES
                if "/" + "/".join(r.pattern) in _api_legacy.TWIBOORU_LEGACY_PATHS
            )
            return _api_twibooru.ROUTES + legacy
        return _api_legacy.ROUTES

    def _match(self, method: str, path: str) -> tuple[Route | None, dict[str, str], bool]:
        """(route, args, whether the path exists for another method)."""
        segments = split_path(path)
        fmt: str | None = None
        if self._behaviour.flavour != "philomena" and not path.startswith("/api/"):
            # legacy routes carry the format as a suffix of the last segment
            last = segments[-1] if segments else ""
            for suffix in (".json", ".xml"):
                if last.endswith(suffix):
                    segments[-1] = last[: -len(suffix)]
                    fmt = suffix[1:]
                    break
            else:
                if _api_legacy.REVERSE_FORM.match(method, segments) is not None:
                    return _api_legacy.REVERSE_FORM, {"format": "html"}, True
                return None, {}, False
        exists = False
        for r in self._routes():
            args = r.match(method, segments)
            if args is not None:
                if fmt == "xml" and r.handler is not _api_legacy.oembed:
                    continue
                if fmt is not None:
                    args["format"] = fmt
                return r, args, True
            if r.match(r.method, segments) is not None:
                exists = True
        return None, {}, exists

    # ------------------------------------------------------------ ASGI

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        req = build_request(dict(scope), body)
        with self._lock:
            resp, fault, record = self._handle(req)
        if fault is not None and fault.kind == "latency":
            await anyio.sleep(fault.delay)
        await self._send(send, resp, fault, record)

    async def _send(
        self, send: Send, resp: Response, fault: Fault | None, record: RecordedRequest
    ) -> None:
        headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in resp.headers]
        if resp.content_type is not None:
            headers.append((b"content-type", resp.content_type.encode("latin-1")))
        headers.append((b"content-length", str(len(resp.body)).encode()))
        await send({"type": "http.response.start", "status": resp.status, "headers": headers})
        if fault is not None and fault.kind == "reset":
            raise FakeConnectionAbort("fake: connection reset after headers")
        if fault is not None and fault.kind == "truncate":
            await send(
                {
                    "type": "http.response.body",
                    "body": resp.body[: fault.truncate_to],
                    "more_body": True,
                }
            )
            raise FakeConnectionAbort("fake: connection dropped mid-body")
        await send({"type": "http.response.body", "body": resp.body, "more_body": False})

    # ------------------------------------------------------------ pipeline

    def _handle(self, req: Request) -> tuple[Response, Fault | None, RecordedRequest]:
        b = self._behaviour
        now = self.clock()
        is_cdn = req.path.startswith("/img/")
        matched: Route | None = None
        args: dict[str, str] = {}
        exists = False
        if not is_cdn:
            matched, args, exists = self._match(req.method, req.path)
        group = "cdn" if is_cdn else matched.group if matched else "api"
        params = {
            k: v for k, v in req.params.items() if k != "key" and isinstance(v, (str, list, dict))
        }
        record = RecordedRequest(req.method, req.path, params, now, group)
        record.authenticated = self.board.user_by_key(req.str_param("key")) is not None
        self.stats.requests.append(record)

        resp, fault, rl_headers = self._gatekeep(req, group, now, record)
        if resp is None:
            if is_cdn:
                resp = serve_cdn(self.board, req.path, b.corrupt_images)
            else:
                resp = self._dispatch(req, matched, args, exists, group, now)
        for name, value in rl_headers:
            resp.set_header(name, value)
        if not is_cdn:
            self._decorate(req, resp, now)
        if fault is not None and fault.kind == "wrong_content_type":
            resp.content_type = fault.content_type
        record.status = resp.status
        if fault is not None:
            record.fault = fault.kind
            self.stats.faults.append(record)
        return resp, fault, record

    def _gatekeep(
        self, req: Request, group: str, now: float, record: RecordedRequest
    ) -> tuple[Response | None, Fault | None, list[tuple[str, str]]]:
        """Proxy-level behaviour: anti-bot, rate budgets, injected faults."""
        b = self._behaviour
        if b.anti_bot is not None and group != "cdn":
            verdict = self._antibot.check(b.anti_bot, now)
            if verdict == 500:
                self.stats.banned.append(record)
                return Response(500, b"", None), None, []
            if verdict == 501:
                self.stats.challenged.append(record)
                return html_response(501, CHALLENGE_501), None, []
        decision = self._limiter.check(b.rate_budgets, group, now)
        rl_headers: list[tuple[str, str]] = []
        shown = decision
        if b.flavour == "twibooru" and decision.limit is None and group != "cdn":
            # Twibooru answers every API request with X-RL headers (its API page); report
            # the documented budget of the route without enforcing it.
            documented = tuple(
                r for r in TWIBOORU_BUDGETS + LEGACY_BUDGETS if r.applies_to(group)
            ) or (TWIBOORU_HEADER_FALLBACK,)
            shown = self._header_limiter.check(documented, group, now)
        if (
            (b.rate_limit_style == "twibooru" or b.flavour == "twibooru")
            and shown.limit is not None
            and shown.reset_at is not None
        ):
            rl_headers = [
                ("X-RL", str(shown.limit)),
                ("X-RL-Remaining", str(shown.remaining or 0)),
                ("X-RL-Reset", format_reset(shown.reset_at, now, b.reset_format)),
            ]
        if not decision.allowed:
            self.stats.rate_limited.append(record)
            if b.anti_bot is not None and b.anti_bot.trigger_on_rate_limit:
                self._antibot.trigger(b.anti_bot, now)
                self._antibot.last_challenge_at = now
                self.stats.challenged.append(record)
                return html_response(501, CHALLENGE_501), None, []
            if b.rate_limit_style == "proxy":
                resp = html_response(429, ERROR_50X)
                resp.set_header("Retry-After", str(max(1, math.ceil(decision.retry_after))))
            elif b.flavour == "legacy" or (
                b.flavour == "twibooru" and not req.path.startswith("/api/")
            ):
                resp = json_response(429, {})
            else:
                resp = json_response(429, {"error": "Rate limit exceeded. Please try again later."})
            return resp, None, rl_headers
        fault = self._faults.pick(b.faults, group, req.path)
        if fault is not None and fault.kind == "html502":
            return html_response(502, NGINX_502), fault, rl_headers
        return None, fault, rl_headers

    def _decorate(self, req: Request, resp: Response, now: float) -> None:
        b = self._behaviour
        legacy = b.flavour == "legacy" or (
            b.flavour == "twibooru" and not req.path.startswith("/api/")
        )
        if resp.get_header("cache-control") is None:
            # Production Philomena sits behind its reference proxy, which replaces Phoenix's
            # ``max-age=0, private, must-revalidate`` (docker/production/web/Caddyfile).
            default = CACHE_PROXY if b.flavour == "philomena" else CACHE_RAILS
            resp.set_header("cache-control", b.cache_control or default)
        resp.set_header("date", formatdate(now + b.date_skew, usegmt=True))
        resp.set_header("x-request-id", uuid.UUID(int=random.Random(now).getrandbits(128)).hex)
        for name, value in b.extra_headers.items():
            resp.set_header(name, value)
        etag_on = b.etag if b.etag is not None else legacy
        if etag_on and resp.status == 200 and resp.body:
            tag = f'W/"{hashlib.md5(resp.body).hexdigest()}"'
            resp.set_header("etag", tag)
            inm = req.headers.get("if-none-match", "")
            if tag in [t.strip() for t in inm.split(",")]:
                resp.status = 304
                resp.body = b""
                resp.content_type = None

    def _dispatch(
        self,
        req: Request,
        matched: Route | None,
        args: dict[str, str],
        exists: bool,
        group: str,
        now: float,
    ) -> Response:
        b = self._behaviour
        if b.flavour == "philomena":
            return self._philomena(req, matched, args, group, now)
        if matched is None:
            if b.flavour == "twibooru" and req.path.startswith("/api/"):
                return json_response(404, {"error": "Not found"})
            return json_response(404, {"status": 404, "error": "Not Found"})
        user = self.board.user_by_key(req.str_param("key"))
        call = Call(self, req, args, group, now, user=user, grammar="legacy")
        call.filter = self._current_filter(req, user)
        if isinstance(call.filter, Response):
            return call.filter
        try:
            return matched.handler(call)
        except Exception:
            if b.flavour == "twibooru" and req.path.startswith("/api/"):
                return json_response(500, {"error": "Internal server error"})
            return json_response(500, {"status": 500, "error": "Internal Server Error"})

    def _current_filter(self, req: Request, user: User | None) -> Any:
        board = self.board
        flt = None
        if user is not None and user.current_filter_id in board.filters:
            flt = board.filters[user.current_filter_id]
        if flt is None and user is None:
            cookie = _cookie(req, "filter_id")
            cid = parse_int_exact(cookie) if cookie else None
            cf = board.filters.get(cid) if cid is not None else None
            if cf is not None and filter_visible(cf, None):
                flt = cf
        if flt is None:
            flt = board.filters.get(board.default_filter_id)
        raw = req.params.get("filter_id")
        if raw is not None:
            fid = parse_int_exact(raw) if isinstance(raw, str) else None
            if fid is None:
                return json_response(400, {"error": "Bad Request"})
            candidate = board.filters.get(fid)
            if candidate is not None and filter_visible(candidate, user):
                flt = candidate
        return flt

    def _philomena(
        self, req: Request, matched: Route | None, args: dict[str, str], group: str, now: float
    ) -> Response:
        b = self._behaviour
        if b.json_suffix_guard and req.path.endswith(".json"):
            return Response(400, b"", None)
        if matched is None:
            if _negotiate_json(req.header("accept")):
                return json_response(404, {"error": "Not Found"})
            return html_response(
                404, error_page(404, "Not Found", "Couldn't find what you were looking for!")
            )
        if not _accepts_json(req.header("accept")):
            return html_response(
                406, error_page(406, "Internal Error", "Couldn't process your request!")
            )
        if req.body_error:
            return json_response(400, {"error": "Bad Request"})
        user = self.board.user_by_key(req.str_param("key"))
        if user is not None and (user.deactivated or not user.confirmed):
            return empty_text(403) if b.master else json_response(500, {"error": "Internal Error"})
        flt = self._current_filter(req, user)
        if isinstance(flt, Response):
            return flt
        call = Call(self, req, args, group, now, user=user, filter=flt, grammar="philomena")
        try:
            return matched.handler(call)
        except Exception:
            return json_response(500, {"error": "Internal Error"})


def _cookie(req: Request, name: str) -> str | None:
    for part in (req.header("cookie") or "").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


def _accept_types(accept: str | None) -> list[str]:
    if not accept:
        return []
    out: list[tuple[float, int, str]] = []
    for i, part in enumerate(accept.split(",")):
        media, *options = (p.strip() for p in part.split(";"))
        q = 1.0
        for opt in options:
            if opt.startswith("q="):
                try:
                    q = float(opt[2:])
                except ValueError:
                    q = 0.0
        if q > 0 and media:
            out.append((-q, i, media.lower()))
    return [m for _, _, m in sorted(out)]


def _accepts_json(accept: str | None) -> bool:
    """Phoenix ``accepts(["json"])``: no header, ``*/*`` or a JSON type."""
    types = _accept_types(accept)
    if not accept or not accept.strip():
        return True
    return any(t in ("application/json", "*/*", "application/*") for t in types)


def _negotiate_json(accept: str | None) -> bool:
    """Error rendering negotiates between ``html`` (first) and ``json``."""
    for t in _accept_types(accept):
        if t in ("text/html", "*/*", "text/*"):
            return False
        if t in ("application/json", "application/*"):
            return True
    return False
