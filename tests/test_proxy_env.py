"""``HTTP_PROXY`` from the environment is honoured (httpx's ``trust_env``), shown through a
recording forward proxy on loopback.

The site's host, ``booru.test``, does not resolve: the only way the client can reach it is
through the proxy named by ``HTTP_PROXY``. The proxy records each request line (absolute
form, as a forward proxy receives it) and its headers, and answers from the fake server.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import anyio
import anyio.abc
import httpx
import pytest

import booru_async as ba
from booru_async.testing import Board, FakeBooru

pytestmark = pytest.mark.anyio

SITE = "http://booru.test"
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te"}


class RecordingProxy:
    """A minimal HTTP/1.1 forward proxy for plain-http requests; one request per connection."""

    def __init__(self, upstream: httpx.AsyncBaseTransport) -> None:
        self.upstream = upstream
        self.seen: list[tuple[str, dict[str, str]]] = []

    async def handle(self, stream: anyio.abc.SocketStream) -> None:
        async with stream:
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = await stream.receive(65536)
                if not chunk:
                    return
                head += chunk
            raw_head, _, body = head.partition(b"\r\n\r\n")
            line, *lines = raw_head.decode("latin-1").split("\r\n")
            headers = {k.strip().lower(): v.strip() for k, v in (h.split(":", 1) for h in lines)}
            self.seen.append((line, headers))
            method, target, _ = line.split(" ")
            while len(body) < int(headers.get("content-length", "0")):
                body += await stream.receive(65536)
            forward = {k: v for k, v in headers.items() if k not in HOP_BY_HOP}
            request = httpx.Request(method, target, headers=forward, content=body)
            response = await self.upstream.handle_async_request(request)
            content = await response.aread()
            out = [f"HTTP/1.1 {response.status_code} {response.reason_phrase}"]
            out += [
                f"{k}: {v}" for k, v in response.headers.items()
                if k.lower() not in HOP_BY_HOP and k.lower() != "content-length"
            ]
            out += [f"content-length: {len(content)}", "connection: close", "", ""]
            await stream.send("\r\n".join(out).encode("latin-1") + content)


@pytest.fixture
async def proxy_url() -> AsyncIterator[tuple[str, RecordingProxy]]:
    fake = FakeBooru(Board.generate(seed=5, images=60))
    fake.base_url = SITE
    proxy = RecordingProxy(fake.transport())
    listener = await anyio.create_tcp_listener(local_host="127.0.0.1", local_port=0)
    port = listener.extra(anyio.abc.SocketAttribute.local_port)
    async with listener, anyio.create_task_group() as tg:
        tg.start_soon(listener.serve, proxy.handle)
        yield f"http://127.0.0.1:{port}", proxy
        tg.cancel_scope.cancel()


async def test_http_proxy_from_the_environment_is_used(
    proxy_url: tuple[str, RecordingProxy], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, proxy = proxy_url
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", url)
    async with ba.Client("derpibooru", base_url=SITE, cache=None) as client:
        image = await client.images.get(1)
        page = await client.images.search("safe", per_page=3).page(1)
    assert image.id == 1 and len(page.items) == 3
    lines = [line for line, _ in proxy.seen]
    assert lines[0] == f"GET {SITE}/api/v1/json/images/1 HTTP/1.1"
    assert lines[1].startswith(f"GET {SITE}/api/v1/json/search/images?")
    assert all(headers["host"] == "booru.test" for _, headers in proxy.seen)


async def test_trust_env_false_ignores_the_proxy(
    proxy_url: tuple[str, RecordingProxy], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, proxy = proxy_url
    monkeypatch.setenv("HTTP_PROXY", url)
    async with ba.Client(
        "derpibooru", base_url=SITE, cache=None, trust_env=False,
        retry=ba.RetryPolicy(retries=0),
    ) as client:
        with pytest.raises(ba.TransportError):
            await client.images.get(1)  # booru.test does not resolve without the proxy
    assert proxy.seen == []


async def test_proxy_argument_without_the_environment(
    proxy_url: tuple[str, RecordingProxy], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, proxy = proxy_url
    monkeypatch.delenv("HTTP_PROXY", raising=False)
    async with ba.Client(
        "derpibooru", base_url=SITE, cache=None, trust_env=False, proxy=url
    ) as client:
        tag = await client.tags.get("safe")
    assert tag.name == "safe"
    assert proxy.seen
    assert all(line.startswith(f"GET {SITE}/api/v1/json/") for line, _ in proxy.seen)
