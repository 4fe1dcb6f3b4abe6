"""A raw loopback HTTP/1.1 server whose every byte the test decides.

Not the fake booru: this one sends whatever it is told, including things no well-behaved
server (and no ASGI framework) can send: header bytes outside ASCII, a ``Content-Length``
that lies, gzip that inflates to hundreds of megabytes, a body trickled at N bytes/s, a stall
or a TCP reset before or after the headers, redirects that echo the query string.

It runs its own asyncio loop in a thread, so a client under test may run on asyncio or trio.
Every request it receives is recorded (raw request line and headers included) so a test can
check what reached which host.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import socket
import struct
import threading
import zlib
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx

__all__ = [
    "Conn",
    "HostileServer",
    "Reroute",
    "Request",
    "gzip_bomb",
    "running",
]

HeaderPair = tuple[str | bytes, str | bytes]
Handler = Callable[["Request", "Conn"], Awaitable[None]]

REASONS = {
    200: "OK",
    301: "Moved Permanently",
    302: "Found",
    307: "Temporary Redirect",
    308: "Permanent Redirect",
    400: "Bad Request",
    404: "Not Found",
    429: "Too Many Requests",
    500: "Internal Server Error",
    501: "Not Implemented",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


@dataclass
class Request:
    """One request as the server received it."""

    method: str
    target: str
    headers: list[tuple[bytes, bytes]]
    raw: bytes
    server: str  # "host:port" the server listens on
    body: bytes = b""

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def query(self) -> dict[str, str]:
        return dict(parse_qsl(urlsplit(self.target).query, keep_blank_values=True))

    @property
    def query_string(self) -> str:
        return urlsplit(self.target).query

    def header(self, name: str) -> str | None:
        wanted = name.lower().encode()
        for key, value in self.headers:
            if key.lower() == wanted:
                return value.decode("latin-1")
        return None


def _bytes(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else value.encode("latin-1")


class Conn:
    """What a handler uses to answer: raw writes, whole responses, stalls and resets."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer
        self.closed = False

    async def send(self, data: bytes) -> None:
        self._writer.write(data)
        await self._writer.drain()

    async def head(
        self,
        status: int,
        headers: Sequence[HeaderPair] = (),
        *,
        reason: str | None = None,
    ) -> None:
        """The status line and headers, exactly as given (no header added)."""
        line = f"HTTP/1.1 {status} {reason or REASONS.get(status, 'Whatever')}\r\n".encode()
        lines = b"".join(_bytes(k) + b": " + _bytes(v) + b"\r\n" for k, v in headers)
        await self.send(line + lines + b"\r\n")

    async def respond(
        self,
        status: int = 200,
        body: bytes = b"",
        headers: Sequence[HeaderPair] = (),
        *,
        content_type: str | None = "application/json",
        length: int | None = None,
    ) -> None:
        """A whole response; ``Content-Length`` is ``len(body)`` unless ``length`` lies."""
        extra: list[HeaderPair] = []
        if content_type is not None:
            extra.append(("Content-Type", content_type))
        extra.append(("Content-Length", str(len(body) if length is None else length)))
        await self.head(status, [*extra, *headers])
        if body:
            await self.send(body)

    async def json(self, obj: Any, headers: Sequence[HeaderPair] = (), status: int = 200) -> None:
        import orjson

        await self.respond(status, orjson.dumps(obj), headers)

    async def trickle(self, data: bytes, *, rate: float, chunk: int = 1) -> None:
        """``data`` at ``rate`` bytes per second, ``chunk`` bytes at a time."""
        for start in range(0, len(data), chunk):
            await self.send(data[start : start + chunk])
            await asyncio.sleep(chunk / rate)

    async def stall(self, seconds: float = 60.0) -> None:
        """Send nothing until ``seconds`` pass or the client hangs up."""
        with contextlib.suppress(asyncio.TimeoutError, ConnectionError):
            await asyncio.wait_for(self._reader.read(), timeout=seconds)

    def reset(self) -> None:
        """Drop the connection with a TCP RST (SO_LINGER 0), not a clean FIN."""
        sock = self._writer.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self._writer.transport.abort()
        self.closed = True

    def close(self) -> None:
        """A clean close (FIN) after what was sent."""
        self._writer.close()
        self.closed = True


class HostileServer:
    """A loopback server on ``host`` that answers each request with ``handler``.

    ``handler(request, conn)`` writes whatever it likes; if it leaves the connection open
    the next request on it is read (keep-alive). Set ``handler`` at any time.
    """

    def __init__(self, handler: Handler | None = None, *, host: str = "127.0.0.1") -> None:
        self.handler: Handler = handler or _not_found
        self.host = host
        self.port = 0
        self.requests: list[Request] = []
        self.connections = 0
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def netloc(self) -> str:
        return f"{self.host}:{self.port}"

    def start(self) -> HostileServer:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._start(), self._loop)
        future.result(timeout=10)
        return self

    async def _start(self) -> None:
        self._server = await asyncio.start_server(self._serve, self.host, 0, limit=1 << 20)
        self.port = self._server.sockets[0].getsockname()[1]

    def stop(self) -> None:
        if self._loop is None or self._thread is None:
            return

        async def _stop() -> None:
            if self._server is not None:
                self._server.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.sleep(0)

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(_stop(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def seen(self, path_prefix: str = "") -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.path.startswith(path_prefix)]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        with self._lock:
            self.connections += 1
        conn = Conn(reader, writer)
        try:
            while not conn.closed:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
                    break
                request = _parse(head, self.netloc)
                length = int(request.header("content-length") or 0)
                if length:
                    request.body = await reader.readexactly(length)
                with self._lock:
                    self.requests.append(request)
                await self.handler(request, conn)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        except asyncio.CancelledError:
            pass
        finally:
            self._tasks.discard(task)
            if not conn.closed:
                with contextlib.suppress(Exception):
                    writer.close()


def _parse(head: bytes, netloc: str) -> Request:
    lines = head.split(b"\r\n")
    method, target, _version = lines[0].decode("latin-1").split(" ", 2)
    headers = []
    for line in lines[1:]:
        if not line:
            continue
        name, _, value = line.partition(b":")
        headers.append((name.strip(), value.strip()))
    return Request(method=method, target=target, headers=headers, raw=head, server=netloc)


async def _not_found(_request: Request, conn: Conn) -> None:
    await conn.respond(404, b'{"error":"not found"}')


@contextlib.contextmanager
def running(handler: Handler | None = None, *, host: str = "127.0.0.1") -> Iterator[HostileServer]:
    server = HostileServer(handler, host=host).start()
    try:
        yield server
    finally:
        server.stop()


@dataclass
class Reroute(httpx.AsyncBaseTransport):
    """A real network transport whose DNS is a table: requests for the named hosts go to
    loopback servers instead, whatever their scheme (no TLS on loopback). ``sent`` records
    every URL as the client sent it (scheme, host and query as they were), so a test can
    see which host would have received what."""

    hosts: dict[str, HostileServer]
    sent: list[httpx.URL] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._inner = httpx.AsyncHTTPTransport(retries=0)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request.url)
        target = self.hosts.get(request.url.host)
        if target is not None:
            url = request.url.copy_with(scheme="http", host=target.host, port=target.port)
            request = httpx.Request(
                request.method,
                url,
                headers=[
                    (k, v) for k, v in request.headers.raw if k.lower() != b"host"
                ]
                + [(b"Host", request.url.netloc)],
                stream=request.stream,
                extensions=request.extensions,
            )
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


def gzip_bomb(inflated: int, *, chunk: int = 1 << 20) -> bytes:
    """A gzip body of zeros that inflates to ``inflated`` bytes (about 1000:1)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = bytes(chunk)
    parts = []
    left = inflated
    while left > 0:
        parts.append(compressor.compress(zeros[: min(chunk, left)]))
        left -= chunk
    parts.append(compressor.flush())
    return b"".join(parts)


def gzipped(data: bytes) -> bytes:
    return gzip.compress(data)
