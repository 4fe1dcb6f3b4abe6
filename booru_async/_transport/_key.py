"""Key injection: the lowest layer above the network, the only one that sees the API key."""

from __future__ import annotations

import ipaddress

import httpx

from .._options import options_of

__all__ = ["KeyTransport", "is_loopback"]


def is_loopback(host: str) -> bool:
    """``localhost`` or a loopback address (``127.0.0.0/8``, ``::1``)."""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class KeyTransport(httpx.AsyncBaseTransport):
    """Adds ``key=<api key>`` to requests for ``api_host``; nothing above sees the key.

    Error bodies come back with the key blanked out: a server may echo the request URL in
    its error page, and the layers above keep excerpts of error bodies.
    """

    def __init__(self, inner: httpx.AsyncBaseTransport, *, key: str, api_host: str) -> None:
        self._inner = inner
        self._key = key
        self._api_host = api_host

    def __repr__(self) -> str:
        return f"<KeyTransport api_host={self._api_host!r} key=***>"

    def _wants_key(self, request: httpx.Request) -> bool:
        url = request.url
        return (
            url.host == self._api_host
            and (url.scheme == "https" or is_loopback(url.host))
            # Files never carry the key, even where the CDN shares the API's host.
            and not options_of(request).is_file
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._wants_key(request):
            # A new request, not a mutation: the layers above (the cache above all) keep
            # the key-less original.
            request = httpx.Request(
                request.method,
                request.url.copy_set_param("key", self._key),
                headers=request.headers,
                stream=request.stream,
                extensions=request.extensions,
            )
        response = await self._inner.handle_async_request(request)
        if response.status_code < 400:
            return response
        body = await response.aread()
        secret = self._key.encode()
        if secret not in body:
            return response
        await response.aclose()
        return httpx.Response(
            response.status_code,
            headers=[
                (k, v)
                for k, v in response.headers.raw
                if k.lower() not in (b"content-encoding", b"content-length", b"transfer-encoding")
            ],
            content=body.replace(secret, b"***"),
            request=request,
            extensions=dict(response.extensions),
        )

    async def aclose(self) -> None:
        await self._inner.aclose()
