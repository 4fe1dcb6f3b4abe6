"""The coalescing layer: identical concurrent GETs share one answer (hishel has no request
collapsing, so it sits above the cache)."""

from __future__ import annotations

import anyio
import httpx

from .._options import options_of
from .._stats import Counters

__all__ = ["CoalesceTransport"]


class CoalesceTransport(httpx.AsyncBaseTransport):
    """The first caller sends; the others wait for its body and get their own copy.

    Only bodies that are read whole (API JSON) take part: streamed files and answers that
    must not be shared (random picks) pass straight through.
    """

    def __init__(self, inner: httpx.AsyncBaseTransport, *, counters: Counters) -> None:
        self._inner = inner
        self._counters = counters
        self._flights: dict[str, _Flight] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        options = options_of(request)
        if request.method != "GET" or options.stream or not options.shareable:
            return await self._inner.handle_async_request(request)
        # Only requests that would wait alike share a flight: an interactive call with a
        # max_wait must not sit behind a queued bulk call for the same URL.
        key = (
            f"{options.partition} {options.priority} {options.max_wait} {options.max_pause} "
            f"{request.url}"
        )
        while True:
            flight = self._flights.get(key)
            if flight is None:
                break
            await flight.done.wait()
            if flight.response is not None or isinstance(flight.error, httpx.TransportError):
                self._counters.add(coalesced=1)
                return flight.copy(request)
            # The leader was cancelled or failed in our own code: try again, maybe as leader.
        flight = self._flights[key] = _Flight()
        try:
            response = await self._inner.handle_async_request(request)
            flight.content = await response.aread()
            flight.response = response
            return flight.copy(request)
        except BaseException as exc:
            flight.error = exc
            raise
        finally:
            del self._flights[key]
            flight.done.set()

    async def aclose(self) -> None:
        await self._inner.aclose()


class _Flight:
    def __init__(self) -> None:
        self.done = anyio.Event()
        self.response: httpx.Response | None = None
        self.content = b""
        self.error: BaseException | None = None

    def copy(self, request: httpx.Request) -> httpx.Response:
        if self.response is None:
            assert isinstance(self.error, httpx.TransportError)
            raise type(self.error)(str(self.error), request=request)
        original = self.response
        # Raw header bytes, as the server sent them: a non-ASCII byte must not break a copy.
        headers = [
            (k, v)
            for k, v in original.headers.raw
            if k.lower() not in (b"content-encoding", b"transfer-encoding", b"content-length")
        ]
        return httpx.Response(
            original.status_code,
            headers=headers,
            content=self.content,
            request=request,
            extensions=dict(original.extensions),
        )
