"""The bottom of the stack: httpx's own transport, with httpx's proxy and TLS conventions.

``httpx.AsyncClient`` reads ``HTTP(S)_PROXY``/``ALL_PROXY``/``NO_PROXY`` only when it builds
its own transports; ours is handed a stack, so this layer routes each request to a direct or
a proxied ``httpx.AsyncHTTPTransport`` the way httpx would.
"""

from __future__ import annotations

import urllib.request

import httpx

__all__ = ["NetworkTransport", "bypasses_proxy"]


def bypasses_proxy(host: str, no_proxy: str) -> bool:
    """Whether ``NO_PROXY`` (comma-separated hosts or domain suffixes, ``*`` for all)
    exempts ``host``, as httpx and curl read it."""
    host = host.lower().strip("[]")
    for entry in no_proxy.split(","):
        entry = entry.strip().lower().lstrip(".")
        if entry.startswith("*."):
            entry = entry[2:]
        if not entry:
            continue
        if entry == "*" or host == entry or host.endswith("." + entry):
            return True
    return False


def _with_scheme(kind: str, value: str) -> str:
    """``proxy:3128`` means ``http://proxy:3128``, as httpx and curl read it (``no`` is
    the bypass list, not a URL)."""
    if kind == "no" or "://" in value:
        return value
    return f"http://{value}"


class NetworkTransport(httpx.AsyncBaseTransport):
    """Direct connections, or through ``proxy`` (else the environment's, with ``trust_env``)."""

    def __init__(
        self,
        *,
        proxy: str | httpx.URL | httpx.Proxy | None = None,
        verify: bool | str = True,
        http2: bool = False,
        limits: httpx.Limits | None = None,
        trust_env: bool = True,
    ) -> None:
        self._verify = verify
        self._http2 = http2
        self._limits = limits or httpx.Limits(max_connections=100, max_keepalive_connections=20)
        self._trust_env = trust_env
        self._direct = self._make(None)
        self._fixed = self._make(proxy) if proxy is not None else None
        self._env: dict[str, str] = (
            {k: _with_scheme(k, v) for k, v in urllib.request.getproxies().items() if v}
            if trust_env and proxy is None
            else {}
        )
        self._proxied: dict[str, httpx.AsyncHTTPTransport] = {}

    def _make(self, proxy: str | httpx.URL | httpx.Proxy | None) -> httpx.AsyncHTTPTransport:
        return httpx.AsyncHTTPTransport(
            verify=self._verify,
            http2=self._http2,
            limits=self._limits,
            trust_env=self._trust_env,
            proxy=proxy,
            retries=0,
        )

    def _route(self, url: httpx.URL) -> httpx.AsyncHTTPTransport:
        if self._fixed is not None:
            return self._fixed
        if not self._env:
            return self._direct
        if bypasses_proxy(url.host, self._env.get("no", "")):
            return self._direct
        proxy = self._env.get(url.scheme) or self._env.get("all")
        if not proxy:
            return self._direct
        transport = self._proxied.get(proxy)
        if transport is None:
            transport = self._proxied[proxy] = self._make(proxy)
        return transport

    def __repr__(self) -> str:
        proxies = sorted(self._env) if self._env else ("fixed" if self._fixed else "none")
        return f"<NetworkTransport proxies={proxies}>"

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._route(request.url).handle_async_request(request)

    async def aclose(self) -> None:
        for transport in (self._direct, self._fixed, *self._proxied.values()):
            if transport is not None:
                await transport.aclose()
