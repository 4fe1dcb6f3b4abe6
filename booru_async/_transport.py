"""The httpx transport stack, assembled in one place.

The full order is ``cache -> retry -> scheduler -> key injection -> network`` (contract §3);
this module assembles the layers that exist so far: key injection over the network. The API
key is added here, below everything that could store or log a request, and only to the
site's own API host, never to CDN hosts.
"""

from __future__ import annotations

import ipaddress

import httpx

__all__ = ["KeyTransport", "build_transport", "is_loopback"]


def is_loopback(host: str) -> bool:
    """``localhost`` or a loopback address (``127.0.0.0/8``, ``::1``)."""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class KeyTransport(httpx.AsyncBaseTransport):
    """Adds ``key=<api key>`` to requests for ``api_host``; nothing else sees the key."""

    def __init__(self, inner: httpx.AsyncBaseTransport, *, key: str, api_host: str) -> None:
        self._inner = inner
        self._key = key
        self._api_host = api_host

    def __repr__(self) -> str:
        return f"<KeyTransport api_host={self._api_host!r} key=***>"

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.host == self._api_host and (url.scheme == "https" or is_loopback(url.host)):
            # A new request, not a mutation: the layers above (the cache above all) keep
            # the key-less original.
            request = httpx.Request(
                request.method,
                url.copy_set_param("key", self._key),
                headers=request.headers,
                stream=request.stream,
                extensions=request.extensions,
            )
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


def build_transport(
    *,
    api_host: str,
    key: str | None,
    network: httpx.AsyncBaseTransport | None = None,
) -> httpx.AsyncBaseTransport:
    """The transport stack for one client; ``network`` replaces the real network (tests)."""
    transport: httpx.AsyncBaseTransport = network or httpx.AsyncHTTPTransport(retries=0)
    if key:
        transport = KeyTransport(transport, key=key, api_host=api_host)
    return transport
