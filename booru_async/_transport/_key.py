"""Key injection: the only layer that sees the API key, and the one that keeps it from
coming back up.

The key goes down on the request it adds it to, and never comes up: whatever the server
echoes (a ``Location`` that repeats the query string, ``return 301 https://new$request_uri``;
an error page or a JSON body quoting the URL; any header) is scrubbed here, before the
layers above (redirect following, logging, the cache, decoding, errors) see it. A
``Location`` loses its ``key`` parameter, so a redirect is followed without the key, and
this layer adds it again only to the API host over https (or loopback): never to another
host, never over plain http.

Below this layer only httpx's transport and httpcore run. httpcore logs response headers at
DEBUG as they came, so a filter on its loggers (and httpx's) blanks every live key out of
their records.
"""

from __future__ import annotations

import ipaddress
import logging
from collections import Counter
from urllib.parse import quote

import httpx

from .._options import options_of

__all__ = ["KeyTransport", "is_loopback", "scrub_location"]

#: Loggers below (or beside) the key layer that may print what a server sent.
_FOREIGN_LOGGERS = (
    "httpx",
    "httpcore",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
)
_MASK = "***"


class _KeyFilter(logging.Filter):
    """Blanks every key of a live client out of a log record (message and arguments)."""

    def __init__(self) -> None:
        super().__init__()
        self.keys: Counter[str] = Counter()

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.keys:
            return True
        message = record.getMessage()
        clean = message
        for key in self.keys:
            clean = clean.replace(key, _MASK)
        if clean != message:
            record.msg, record.args = clean, None
        return True


_FILTER = _KeyFilter()
for _name in _FOREIGN_LOGGERS:
    logging.getLogger(_name).addFilter(_FILTER)


def _forms(key: str) -> tuple[bytes, ...]:
    """The key as a server may echo it: raw, and percent-encoded."""
    forms = {key.encode(), quote(key, safe="").encode()}
    return tuple(sorted(forms, key=len, reverse=True))


def scrub_location(location: str, key: str) -> str:
    """``location`` without a ``key`` parameter carrying ``key`` and without ``key``
    anywhere else (blanked): what a redirect may be followed to."""
    try:
        url = httpx.URL(location)
    except (httpx.InvalidURL, ValueError):
        return location.replace(key, _MASK)
    if url.params.get("key") is not None:
        url = url.copy_remove_param("key")
    text = str(url)
    for form in _forms(key):
        text = text.replace(form.decode(), _MASK)
    return text


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

    Answers come back with the key blanked out of every header and body (see the module
    docstring); a ``Location`` loses its ``key`` parameter.
    """

    def __init__(self, inner: httpx.AsyncBaseTransport, *, key: str, api_host: str) -> None:
        self._inner = inner
        self._key = key
        self._api_host = api_host
        self._forms = _forms(key)
        _FILTER.keys[key] += 1
        self._registered = True

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
        if options_of(request).stream:
            return response  # files: the key was never sent, and bodies are the file
        return await self._scrubbed(request, response)

    def _scrub(self, data: bytes) -> bytes:
        for form in self._forms:
            data = data.replace(form, b"***")
        return data

    async def _scrubbed(self, request: httpx.Request, response: httpx.Response) -> httpx.Response:
        headers = response.headers.raw
        dirty = any(form in value for _, value in headers for form in self._forms)
        body = await response.aread()  # already read whole by the attempt layer below
        if not dirty and not any(form in body for form in self._forms):
            return response
        clean: list[tuple[bytes, bytes]] = []
        for name, value in headers:
            if name.lower() in (b"content-encoding", b"content-length", b"transfer-encoding"):
                continue
            if any(form in value for form in self._forms):
                if name.lower() == b"location":
                    text = scrub_location(value.decode("latin-1"), self._key)
                    value = text.encode("latin-1", "replace")
                value = self._scrub(value)
            clean.append((name, value))
        await response.aclose()
        return httpx.Response(
            response.status_code,
            headers=clean,
            content=self._scrub(body),
            request=request,
            extensions=dict(response.extensions),
        )

    async def aclose(self) -> None:
        if self._registered:
            self._registered = False
            _FILTER.keys[self._key] -= 1
            if _FILTER.keys[self._key] <= 0:
                del _FILTER.keys[self._key]
        await self._inner.aclose()
