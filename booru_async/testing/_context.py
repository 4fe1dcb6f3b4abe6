"""Per-request context handed to route handlers, and the route table type."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from booru_async.testing._board import Board, Filter, Image, User
from booru_async.testing._config import FakeBehaviour
from booru_async.testing._http import Request, Response
from booru_async.testing._search import (
    CompiledFilter,
    Doc,
    Grammar,
    Index,
    QueryContext,
    compiled_filter,
)
from booru_async.testing._urls import Roots
from booru_async.testing._views_philomena import ViewContext

if TYPE_CHECKING:
    from booru_async.testing._app import FakeBooru

Handler = Callable[["Call"], Response]


@dataclass(frozen=True)
class Route:
    """``method`` + path ``pattern`` (``:name`` segments capture) -> ``handler``."""

    method: str
    pattern: tuple[str, ...]
    handler: Handler
    group: str

    def match(self, method: str, segments: list[str]) -> dict[str, str] | None:
        if len(segments) != len(self.pattern):
            return None
        args: dict[str, str] = {}
        for want, got in zip(self.pattern, segments, strict=True):
            if want.startswith(":"):
                args[want[1:]] = got
            elif want != got:
                return None
        return args if method == self.method else None


def route(method: str, path: str, handler: Handler, group: str) -> Route:
    return Route(method, tuple(p for p in path.split("/") if p), handler, group)


@dataclass
class Call:
    """One request being handled."""

    fake: FakeBooru
    req: Request
    args: dict[str, str]
    group: str
    now: float
    user: User | None = None
    filter: Filter | None = None
    grammar: Grammar = "philomena"
    _compiled: CompiledFilter | None = field(default=None, repr=False)

    @property
    def board(self) -> Board:
        return self.fake.board

    @property
    def behaviour(self) -> FakeBehaviour:
        return self.fake.behaviour

    @property
    def params(self) -> dict[str, Any]:
        return self.req.params

    @property
    def now_dt(self) -> datetime:
        return datetime.fromtimestamp(self.now, UTC)

    @property
    def roots(self) -> Roots:
        return self.fake.roots()

    @property
    def qctx(self) -> QueryContext:
        b = self.behaviour
        rails = b.flavour == "legacy" and b.legacy_variant == "derpibooru"
        return QueryContext(
            self.board, self.now_dt, self.user, self.grammar, b.master, rails_dates=rails
        )

    @property
    def compiled(self) -> CompiledFilter:
        if self._compiled is None:
            flt = (
                self.filter
                or self.board.filters.get(self.board.default_filter_id)
                or Filter(0, "none")
            )
            self._compiled = compiled_filter(flt, self.qctx)
        return self._compiled

    def doc(self, index: Index, obj: Any) -> Doc:
        return self.fake.document(index, obj)

    def spoilered(self, image: Image) -> bool:
        return self.compiled.spoilers(self.doc("images", image))

    @property
    def view(self) -> ViewContext:
        return ViewContext(self.board, self.roots, self.behaviour.master, self.spoilered)
