"""The attempt layer, just above the network: one attempt, body included, within the
client's ``timeout``, and API bodies read whole here, decompressed and capped.

Why at the bottom: httpx's timeouts are per network operation, so a server that trickles a
byte a second never trips a read timeout; and an API body read by the layers above turns a
reset or a stall after the headers into a failure the retry layer never sees. Read here,
inside the attempt, both become ``httpx.TransportError`` of the attempt: retried for
idempotent requests exactly like a failure before the headers (issue 12 items 6 and 8).

``max_body_bytes`` caps the *decompressed* size of an API body: a gzip bomb (500 MB from
500 KB) is refused at the cap with :class:`booru_async.DecodeError`, without reading on, and
an announced ``Content-Length`` beyond the cap is refused before reading at all. Files
(streamed requests) are not capped, since videos may be large, but are bounded in time: each chunk
must arrive before the attempt's deadline.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import AsyncIterator, Iterator
from typing import Any

import anyio
import httpx

from .._errors import DecodeError, RequestInfo
from .._options import options_of

__all__ = ["DEFAULT_MAX_BODY_BYTES", "AttemptTransport", "attempt_seconds"]

#: The default cap on a decompressed API body.
DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024
#: Headers that describe the body as it came over the wire, not as it is handed up.
_WIRE_HEADERS = (b"content-encoding", b"content-length", b"transfer-encoding")


def attempt_seconds(request: httpx.Request) -> float | None:
    """How long one attempt may take: the largest of the timeouts httpx put on the request
    (a plain ``timeout=30`` sets all four to 30 s); ``None`` when none is set."""
    timeouts = request.extensions.get("timeout")
    if not isinstance(timeouts, dict):
        return None
    values = [v for v in timeouts.values() if isinstance(v, int | float) and math.isfinite(v)]
    return max(values) if values else None


def _timed_out(request: httpx.Request, seconds: float) -> httpx.ReadTimeout:
    return httpx.ReadTimeout(
        f"timed out: the whole attempt (headers and body) took longer than {seconds:g} s",
        request=request,
    )


class AttemptTransport(httpx.AsyncBaseTransport):
    """Bounds each attempt by its timeout and reads API bodies whole, capped."""

    def __init__(
        self, inner: httpx.AsyncBaseTransport, *, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    ) -> None:
        self._inner = inner
        self._max = max_body_bytes

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        seconds = attempt_seconds(request)
        deadline = math.inf if seconds is None else anyio.current_time() + seconds
        with anyio.move_on_after(seconds) as scope:
            response = await self._inner.handle_async_request(request)
        if scope.cancelled_caught:
            raise _timed_out(request, seconds or 0.0)
        if options_of(request).stream:
            response.stream = _Deadline(response.stream, request, deadline, seconds or 0.0)
            return response
        try:
            with anyio.move_on_after(deadline - anyio.current_time()) as scope:
                body = await self._read(request, response)
            if scope.cancelled_caught:
                raise _timed_out(request, seconds or 0.0)
        finally:
            with anyio.CancelScope(shield=True):
                await response.aclose()
        return httpx.Response(
            response.status_code,
            headers=[(k, v) for k, v in response.headers.raw if k.lower() not in _WIRE_HEADERS],
            content=body,
            request=request,
            extensions=dict(response.extensions),
        )

    async def _read(self, request: httpx.Request, response: httpx.Response) -> bytes:
        try:
            # Already read (a mock or an ASGI transport that builds answers in memory):
            # nothing left to bound.
            content = response.content
        except httpx.ResponseNotRead:
            pass
        else:
            if len(content) > self._max:
                raise self._too_big(request)
            return content
        announced = response.headers.get("content-length", "")
        if announced.strip().isdigit() and int(announced) > self._max:
            raise self._too_big(request)
        inflate = _Inflater.for_encoding(response.headers.get("content-encoding", ""))
        parts: list[bytes] = []
        size = 0
        try:
            async for chunk in response.aiter_raw():
                for part in inflate.feed(chunk, room=self._max - size):
                    size += len(part)
                    if size > self._max:
                        raise self._too_big(request)
                    parts.append(part)
            tail = inflate.finish()
        except _BadEncoding as exc:
            # The server's Content-Encoding lies: its answer, not a network failure.
            raise DecodeError(
                f"the body does not decode as its Content-Encoding says ({exc})",
                request=RequestInfo(request.method, str(request.url)),
            ) from None
        if size + len(tail) > self._max:
            raise self._too_big(request)
        parts.append(tail)
        return b"".join(parts)

    def _too_big(self, request: httpx.Request) -> DecodeError:
        return DecodeError(
            f"the answer is larger than max_body_bytes ({self._max} bytes once "
            "decompressed); not read further",
            request=RequestInfo(request.method, str(request.url)),
        )

    async def aclose(self) -> None:
        await self._inner.aclose()


class _BadEncoding(Exception):
    pass


class _Inflater:
    """Content-Encoding decoding with a bound on every step's output.

    httpx's own decoders inflate a whole network chunk at once (a 64 KB chunk of a gzip bomb
    is 64 MB in one call); ``zlib``'s ``max_length`` lets the cap stop it within a chunk.
    The client asks for ``gzip, deflate`` only, so those and ``identity`` are all it meets.
    """

    def __init__(self, wbits: int | None) -> None:
        self._wbits = wbits
        self._zlib: Any = None if wbits is None else zlib.decompressobj(wbits)
        self._first = True

    @classmethod
    def for_encoding(cls, header: str) -> _Inflater:
        codings = [c.strip().lower() for c in header.split(",") if c.strip()]
        codings = [c for c in codings if c != "identity"]
        if not codings:
            return cls(None)
        if len(codings) > 1 or codings[0] not in ("gzip", "x-gzip", "deflate"):
            raise _BadEncoding(f"unsupported Content-Encoding {header!r}")
        return cls(16 + zlib.MAX_WBITS if codings[0] != "deflate" else zlib.MAX_WBITS)

    def feed(self, data: bytes, *, room: int) -> Iterator[bytes]:
        if self._zlib is None:
            yield data
            return
        try:
            while data:
                out = self._zlib.decompress(data, max(room, 0) + 1)
                room -= len(out)
                yield out
                data = self._zlib.unconsumed_tail
        except zlib.error as exc:
            if self._first and self._wbits == zlib.MAX_WBITS:
                # "deflate" sent as a raw stream without the zlib header, as some servers do.
                self._zlib, self._wbits = zlib.decompressobj(-zlib.MAX_WBITS), -zlib.MAX_WBITS
                yield from self.feed(data, room=room)
                return
            raise _BadEncoding(str(exc)) from None
        finally:
            self._first = False

    def finish(self) -> bytes:
        if self._zlib is None:
            return b""
        try:
            tail: bytes = self._zlib.flush()
        except zlib.error as exc:
            raise _BadEncoding(str(exc)) from None
        if not self._zlib.eof:
            raise _BadEncoding("the compressed stream ends early")
        return tail


class _Deadline(httpx.AsyncByteStream):
    """A streamed body whose every chunk must arrive before the attempt's deadline.

    An iterator object, not an async generator: one left unfinished (a failed download)
    has nothing to finalise, which trio would otherwise warn about."""

    def __init__(
        self, inner: Any, request: httpx.Request, deadline: float, seconds: float
    ) -> None:
        self._inner = inner
        self._request = request
        self._deadline = deadline
        self._seconds = seconds
        self._iterator: AsyncIterator[bytes] | None = None

    def __aiter__(self) -> AsyncIterator[bytes]:
        self._iterator = self._inner.__aiter__()
        return self

    async def __anext__(self) -> bytes:
        assert self._iterator is not None
        with anyio.move_on_after(self._deadline - anyio.current_time()):
            return await self._iterator.__anext__()
        raise _timed_out(self._request, self._seconds)

    async def aclose(self) -> None:
        await self._inner.aclose()
