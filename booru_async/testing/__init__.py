"""A faithful fake Philomena-family image board for testing clients and bots.

``FakeBooru`` is a plain ASGI application (standard library, orjson and anyio
only) that behaves like the real servers as documented in
``server-behaviour.md``: Philomena 1.2 (Derpibooru, Furbooru) with a
``master=True`` switch for the future 1.3 differences, Twibooru's ``/api/v3``
(plus its legacy ``.json`` routes) and the pre-2020 booru-on-rails API.  It
serves exact JSON views, exact error statuses and bodies, search with the real
query grammar, pagination and sort rules, a CDN for image files, and the
proxy-level behaviour clients must survive: rate limits, the anti-bot
challenge and ban, cache headers and injected network faults.

Quick start (in-process, no sockets)::

    import httpx
    from booru_async.testing import Board, FakeBooru

    fake = FakeBooru(Board.generate(seed=1))
    async with httpx.AsyncClient(transport=fake.transport(), base_url=fake.base_url) as http:
        r = await http.get("/api/v1/json/search/images", params={"q": "safe"})
        assert r.json()["total"] > 0

Over a real loopback socket (uvicorn in a background thread)::

    from booru_async.testing import serve

    async with serve(fake) as base_url:          # e.g. "http://127.0.0.1:54321"
        ...                                       # representation URLs point here too

Switching behaviour (a frozen :class:`FakeBehaviour`; change it at any time)::

    from booru_async.testing import AntiBot, Fault, FakeBehaviour, RateBudget

    fake = FakeBooru(board, FakeBehaviour(flavour="twibooru", rate_limit_style="twibooru",
                                          rate_budgets=TWIBOORU_BUDGETS))
    fake.configure(faults=(Fault("html502", groups=("search",), times=1),))
    fake.configure(master=True)                   # Philomena master views and errors

Injectable clock: ``FakeBooru(board, clock=my_clock)`` where ``my_clock()``
returns epoch seconds; rate windows, bans, relative dates (``created_at.gt:3
days ago``) and the ``Date`` header (plus ``date_skew``) follow it.

Asserting politeness::

    assert fake.max_requests_in_window("search", 10.0) <= 20
    assert not fake.stats.rate_limited
    [r.params for r in fake.stats.requests]      # never contains ``key``

Users and keys: every generated user has an ``api_key``
(``next(iter(board.users.values())).api_key``); an unknown key is silently
anonymous, as on the real sites.  ``board.filters`` holds system filters
("Default" 100073 for anonymous users, "Everything" 56027) and user filters.

Real payloads: :meth:`Board.from_fixtures` loads the recorded Derpibooru payloads into a
board. It looks, first match wins, at its ``root`` argument, then ``$BOORU_FIXTURES``, then
the repository's ``tests/fixtures/real`` in a development checkout, and raises
:class:`FileNotFoundError` (naming where it looked) when the files are not there.

pytest: installing booru-async registers the plugin ``booru_async.testing.pytest_plugin``
through the ``pytest11`` entry point, so a test may ask for ``fake_booru`` (in-process)
or ``fake_booru_url`` (loopback; needs the ``serve`` extra) with no ``pytest_plugins`` line.
``-p no:booru_async`` turns it off.
"""

from __future__ import annotations

from booru_async.testing._app import FakeBooru, FakeConnectionAbort
from booru_async.testing._board import (
    Board,
    Comment,
    Filter,
    Forum,
    Gallery,
    Image,
    Post,
    Tag,
    Topic,
    User,
    tag_slug,
)
from booru_async.testing._clock import FakeClock
from booru_async.testing._config import (
    CACHE_PHOENIX,
    CACHE_PROXY,
    CACHE_RAILS,
    DERPIBOORU_BUDGETS,
    LEGACY_BUDGETS,
    TWIBOORU_BUDGETS,
    AntiBot,
    FakeBehaviour,
    Fault,
    RateBudget,
    cacheable,
)
from booru_async.testing._faults import RecordedRequest, Stats
from booru_async.testing._serve import serve, serve_in_thread

__all__ = [
    "CACHE_PHOENIX",
    "CACHE_PROXY",
    "CACHE_RAILS",
    "DERPIBOORU_BUDGETS",
    "LEGACY_BUDGETS",
    "TWIBOORU_BUDGETS",
    "AntiBot",
    "Board",
    "Comment",
    "FakeBehaviour",
    "FakeBooru",
    "FakeClock",
    "FakeConnectionAbort",
    "Fault",
    "Filter",
    "Forum",
    "Gallery",
    "Image",
    "Post",
    "RateBudget",
    "RecordedRequest",
    "Stats",
    "Tag",
    "Topic",
    "User",
    "cacheable",
    "serve",
    "serve_in_thread",
    "tag_slug",
]
