"""Running a :class:`FakeBooru` on a real loopback socket with uvicorn."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING

import anyio
import anyio.to_thread

if TYPE_CHECKING:
    from types import ModuleType

    from booru_async.testing._app import FakeBooru


def _uvicorn() -> ModuleType:
    """uvicorn, or an error that names the extra to install (it is optional)."""
    try:
        import uvicorn
    except ModuleNotFoundError as exc:
        raise ModuleNotFoundError(
            "serving the fake booru on a loopback socket (serve, serve_in_thread, the "
            "fake_booru_url fixture) needs uvicorn, which comes with the 'serve' extra: "
            "pip install 'booru-async[serve]'. The in-process fake (fake_booru, "
            "FakeBooru.transport()) needs nothing extra.",
            name="uvicorn",
        ) from exc
    return uvicorn


@contextlib.contextmanager
def serve_in_thread(fake: FakeBooru, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve ``fake`` from a background thread; yields the base URL.

    While serving, ``fake.base_url`` is the loopback URL, so representation
    URLs point at the fake's own CDN routes.

    Raises:
        ModuleNotFoundError: uvicorn is not installed (the ``serve`` extra).
    """
    uvicorn = _uvicorn()
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    bound_port = sock.getsockname()[1]
    config = uvicorn.Config(
        fake,
        lifespan="off",
        log_level="critical",
        access_log=False,
        date_header=False,
        server_header=False,
        http="h11",
        ws="none",
        loop="asyncio",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="fake-booru", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            sock.close()
            raise RuntimeError("fake booru server failed to start")
        time.sleep(0.005)
    netloc = f"[{host}]" if ":" in host else host
    url = f"http://{netloc}:{bound_port}"
    previous = fake.base_url
    fake.base_url = url
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(10)
        fake.base_url = previous
        sock.close()


@contextlib.asynccontextmanager
async def serve(fake: FakeBooru, host: str = "127.0.0.1", port: int = 0) -> AsyncIterator[str]:
    """``async with serve(fake) as base_url:`` - uvicorn in a background thread.

    Works under any async library (the server runs its own asyncio loop in a
    thread); ``port=0`` picks a free port.
    """
    cm = serve_in_thread(fake, host, port)
    url = await anyio.to_thread.run_sync(cm.__enter__)
    try:
        yield url
    finally:
        await anyio.to_thread.run_sync(cm.__exit__, None, None, None)
