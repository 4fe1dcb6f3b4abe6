"""Fixtures for the hostile-server suite: raw loopback servers, a keyed client factory,
realistic image JSON and a log capture that sees every logger at DEBUG."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hostile_server import HostileServer, running

import booru_async as ba

#: A key distinctive enough that finding it anywhere is a leak, never a coincidence.
KEY = "hk7SECRETq2Zx9LEAKME"
#: For tests that make the client abandon a body on purpose (a bomb at the cap, gzip that
#: lies): the connection is closed, but httpx reads a body through nested async generators
#: (``aiter_raw`` over its transport's stream over httpcore's) that only exhaustion closes,
#: and trio reports each one when the garbage collector finds it unexhausted.
ABANDONS_BODY = pytest.mark.filterwarnings(
    "ignore:Exception ignored in.*async_generator object "
    "(Response.aiter_raw|AsyncResponseStream.__aiter__|PoolByteStream.__aiter__)"
    ":pytest.PytestUnraisableExceptionWarning"
)
#: Retries as the default policy has them, with backoff short enough for tests.
FAST_RETRY = ba.RetryPolicy(backoff_base=0.01, backoff_cap=0.05)


@pytest.fixture
def api() -> Iterator[HostileServer]:
    """The site's API host (127.0.0.1)."""
    with running() as server:
        yield server


@pytest.fixture
def other() -> Iterator[HostileServer]:
    """Another host (127.0.0.2): a CDN, or wherever a hostile redirect points."""
    with running(host="127.0.0.2") as server:
        yield server


def site_for(server: HostileServer, *, cdn: tuple[str, ...] = (), **budgets: Any) -> ba.Site:
    """A Philomena profile on ``server`` with no budgets (unless given): the scheduler
    then only acts on what the server announces."""
    return ba.Site(
        name="hostile",
        base_url=server.url,
        flavour="philomena",
        cdn_hosts=cdn,
        budgets=budgets,
    )


ClientFactory = Callable[..., ba.Client]


@pytest.fixture
def client_for() -> ClientFactory:
    """``client_for(server, **kwargs)``: a keyed client for ``server``, no cache, fast
    retries (each overridable)."""

    def make(server: HostileServer, **kwargs: Any) -> ba.Client:
        options: dict[str, Any] = {"key": KEY, "cache": None, "retry": FAST_RETRY, "timeout": 5.0}
        options.update(kwargs)
        cdn = options.pop("cdn", ())
        return ba.Client(site_for(server, cdn=cdn), **options)

    return make


def file_bytes(image_id: int, size: int = 2048) -> bytes:
    """A file's content: a PNG signature then deterministic filler."""
    seed = hashlib.sha256(str(image_id).encode()).digest()
    body = (seed * (size // len(seed) + 1))[: size - 8]
    return b"\x89PNG\r\n\x1a\n" + body


def image_json(
    image_id: int, *, cdn: str | None = None, data: bytes | None = None, **overrides: Any
) -> dict[str, Any]:
    """A Philomena ``image.json`` whose files live under ``cdn`` (``http://host:port``)."""
    data = file_bytes(image_id) if data is None else data
    root = f"{cdn or 'https://cdn.invalid'}/img/2024/1/1/{image_id}"
    out: dict[str, Any] = {
        "id": image_id,
        "created_at": "2024-01-01T00:00:00Z",
        "updated_at": "2024-01-01T00:00:00Z",
        "first_seen_at": "2024-01-01T00:00:00Z",
        "width": 100,
        "height": 100,
        "mime_type": "image/png",
        "format": "png",
        "size": len(data),
        "orig_size": len(data),
        "sha512_hash": hashlib.sha512(data).hexdigest(),
        "orig_sha512_hash": hashlib.sha512(data).hexdigest(),
        "tags": ["safe", "artist:someone"],
        "tag_ids": [1, 2],
        "score": 1,
        "upvotes": 1,
        "downvotes": 0,
        "faves": 0,
        "comment_count": 0,
        "wilson_score": 0.5,
        "aspect_ratio": 1.0,
        "animated": False,
        "duration": 0.0,
        "name": f"{image_id}.png",
        "source_urls": [],
        "description": "",
        "view_url": f"{root}/full.png",
        "representations": {
            name: f"{root}/{name}.png"
            for name in ("full", "tall", "large", "medium", "small", "thumb", "thumb_small",
                         "thumb_tiny")
        },
        "spoilered": False,
        "thumbnails_generated": True,
        "processed": True,
        "deletion_reason": None,
        "duplicate_of": None,
        "hidden_from_users": False,
    }
    out.update(overrides)
    return out


class LogCapture(logging.Handler):
    """Every record of every logger, at DEBUG (httpx and httpcore included)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def texts(self) -> list[str]:
        out = []
        for record in self.records:
            out.append(record.getMessage())
            if record.exc_info and record.exc_info[1] is not None:
                out.append(repr(record.exc_info[1]))
                out.append(str(record.exc_info[1]))
        return out


@pytest.fixture
def all_logs() -> Iterator[LogCapture]:
    capture = LogCapture()
    root = logging.getLogger()
    names = ("booru_async", "httpx", "httpcore", "hishel")
    levels = {name: logging.getLogger(name).level for name in names}
    previous = root.level
    root.addHandler(capture)
    root.setLevel(logging.DEBUG)
    for name in names:
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        yield capture
    finally:
        root.removeHandler(capture)
        root.setLevel(previous)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
