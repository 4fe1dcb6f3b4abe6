"""The error tree, and the pure mapping from an HTTP answer to it.

::

    BooruError                      root; .request is a RequestInfo (method + URL, key removed)
    ├── HTTPStatusError             an unexpected status; .status_code, .body_excerpt
    │   ├── NotFound                404
    │   ├── Unauthorized            401 (upload without a valid key)
    │   ├── Forbidden               403
    │   ├── BadQuery                400 / 422: the server rejected the query or parameters
    │   │   └── UploadRejected      400 {"errors": {...}} from an upload; .errors
    │   ├── RateLimited             429, or a predicted wait beyond max_wait; .retry_after
    │   ├── Blocked                 501 anti-bot challenge, or the empty-500 ban after it
    │   └── ServerError             other 5xx
    ├── TransportError              connection failed, reset or timed out
    ├── DecodeError                 the body is not the JSON shape expected; .excerpt
    ├── UnsupportedOperation        the flavour has no such route (raised before sending)
    └── IntegrityError              a download's SHA-512 does not match
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import attrs
import orjson

from ._headers import parse_rate_headers

__all__ = [
    "BadQuery",
    "Blocked",
    "BooruError",
    "DecodeError",
    "Forbidden",
    "HTTPStatusError",
    "IntegrityError",
    "NotFound",
    "RateLimited",
    "RequestInfo",
    "ServerError",
    "TransportError",
    "Unauthorized",
    "UnsupportedOperation",
    "UploadRejected",
    "error_for_response",
    "excerpt",
    "redact_url",
]

#: Query parameters that are secrets and never leave the transport that adds them.
SECRET_PARAMS = frozenset({"key"})
_EXCERPT = 200
#: How long to stay silent after a 501 challenge (the site asks for at least 5 s).
CHALLENGE_PAUSE = 5.0
#: How long a ban lasts after an empty-bodied 500 (at least 15 min; each request restarts it).
BAN_PERIOD = 15 * 60.0


def redact_url(url: str) -> str:
    """``url`` without secret query parameters."""
    parts = urlsplit(url)
    if not parts.query:
        return url
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    kept = [(k, v) for k, v in pairs if k not in SECRET_PARAMS]
    if len(kept) == len(pairs):
        return url
    return urlunsplit(parts._replace(query=urlencode(kept)))


@attrs.frozen
class RequestInfo:
    """What a request was, safe to log: method and URL with the API key removed."""

    method: str
    url: str = attrs.field(converter=redact_url)

    def __str__(self) -> str:
        return f"{self.method} {self.url}"


def excerpt(body: bytes | str, limit: int = _EXCERPT) -> str:
    """A short, printable excerpt of a body for error messages."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class BooruError(Exception):
    """Root of every error the SDK raises."""

    def __init__(self, message: str, *, request: RequestInfo | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.request = request

    def __str__(self) -> str:
        return f"{self.message} ({self.request})" if self.request else self.message


class HTTPStatusError(BooruError):
    """The server answered with a status the SDK does not treat as success."""

    def __init__(
        self,
        message: str,
        *,
        request: RequestInfo | None = None,
        status_code: int,
        body_excerpt: str = "",
    ) -> None:
        super().__init__(message, request=request)
        self.status_code = status_code
        self.body_excerpt = body_excerpt


class NotFound(HTTPStatusError):
    """404: no such image, tag, comment, ...; also an unknown route."""


class Unauthorized(HTTPStatusError):
    """401: the route needs a valid API key."""


class Forbidden(HTTPStatusError):
    """403: the key's user may not do this (banned; hidden image; ``filters.user()`` keyless)."""


class BadQuery(HTTPStatusError):
    """400 / 422: the server rejected the query or a parameter; ``message`` keeps its text."""


class UploadRejected(BadQuery):
    """400 with ``{"errors": {field: [messages]}}``: upload validation failed."""

    def __init__(
        self,
        message: str,
        *,
        request: RequestInfo | None = None,
        status_code: int,
        body_excerpt: str = "",
        errors: Mapping[str, Sequence[str]],
    ) -> None:
        super().__init__(
            message, request=request, status_code=status_code, body_excerpt=body_excerpt
        )
        self.errors = errors


class RateLimited(HTTPStatusError):
    """The budget is spent: raised when the wait would exceed ``max_wait`` or retries ran out.

    ``retry_after`` is the number of seconds after which a request may succeed (``None``
    when the server gave no hint).
    """

    def __init__(
        self,
        message: str,
        *,
        request: RequestInfo | None = None,
        status_code: int = 429,
        body_excerpt: str = "",
        retry_after: float | None = None,
    ) -> None:
        super().__init__(
            message, request=request, status_code=status_code, body_excerpt=body_excerpt
        )
        self.retry_after = retry_after


class Blocked(HTTPStatusError):
    """The site's anti-bot guard answered (501 challenge, or an empty 500 ban after one).

    The client stops sending to the site until ``retry_after`` seconds have passed; every
    request during a ban would restart it.
    """

    def __init__(
        self,
        message: str,
        *,
        request: RequestInfo | None = None,
        status_code: int,
        body_excerpt: str = "",
        reason: Literal["challenge", "ban"],
        retry_after: float,
    ) -> None:
        super().__init__(
            message, request=request, status_code=status_code, body_excerpt=body_excerpt
        )
        self.reason = reason
        self.retry_after = retry_after


class ServerError(HTTPStatusError):
    """5xx: the server failed (retried for idempotent requests before it is raised)."""


class TransportError(BooruError):
    """The request did not complete: connection refused or reset, timeout, TLS failure."""


class DecodeError(BooruError):
    """The body is not the JSON shape expected. ``excerpt`` shows its start; ``errors``
    lists where the shape differed (``$.images[3].id: expected int``)."""

    def __init__(
        self,
        message: str,
        *,
        request: RequestInfo | None = None,
        excerpt: str = "",
        errors: Sequence[str] = (),
    ) -> None:
        super().__init__(message, request=request)
        self.excerpt = excerpt
        self.errors = tuple(errors)


class UnsupportedOperation(BooruError):
    """The site's API flavour has no such route; raised before anything is sent."""


class IntegrityError(BooruError):
    """A downloaded file's SHA-512 does not match the image's ``sha512_hash``."""


def _json_object(body: bytes) -> dict[str, Any] | None:
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


def _error_text(obj: dict[str, Any] | None) -> str | None:
    if obj is None:
        return None
    message = obj.get("error")
    return message if isinstance(message, str) and message else None


def _upload_errors(obj: dict[str, Any] | None) -> dict[str, tuple[str, ...]] | None:
    if obj is None or not isinstance(obj.get("errors"), dict):
        return None
    out: dict[str, tuple[str, ...]] = {}
    for field, messages in obj["errors"].items():
        if isinstance(messages, list):
            out[str(field)] = tuple(str(m) for m in messages)
        else:
            out[str(field)] = (str(messages),)
    return out


def _is_html(headers: Mapping[str, str], body: bytes) -> bool:
    content_type = headers.get("content-type", "").lower()
    return "html" in content_type or body.lstrip()[:1] == b"<"


def error_for_response(
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    *,
    request: RequestInfo | None = None,
    local_now: datetime,
    banned: bool = False,
) -> HTTPStatusError | None:
    """The error an answer means, or ``None`` for a success (2xx/3xx).

    ``headers`` must look keys up case-insensitively. ``banned`` says whether the scheduler
    took this answer for the ban (an empty-bodied 500 soon after a 501 challenge).
    """
    if status < 400:
        return None
    obj = _json_object(body)
    text = _error_text(obj)
    snippet = excerpt(body)
    common: dict[str, Any] = {
        "request": request,
        "status_code": status,
        "body_excerpt": snippet,
    }

    if status == 400:
        errors = _upload_errors(obj)
        if errors is not None:
            detail = "; ".join(f"{field}: {', '.join(msgs)}" for field, msgs in errors.items())
            return UploadRejected(f"upload rejected: {detail}", errors=errors, **common)
        if text is not None:
            return BadQuery(text, **common)
        if not body.strip():
            # The reference proxy answers any path ending in .json with an empty 400.
            return BadQuery(
                "400 with an empty body (a Philomena proxy refuses legacy *.json URLs; "
                "is the site's flavour right?)",
                **common,
            )
        return BadQuery("the server rejected the request", **common)
    if status == 422:
        return BadQuery(text or "the server rejected the search query", **common)
    if status == 401:
        return Unauthorized(text or "a valid API key is required", **common)
    if status == 403:
        return Forbidden(text or "forbidden", **common)
    if status == 404:
        return NotFound(text or "not found", **common)
    if status == 429:
        hints = parse_rate_headers(headers, local_now=local_now)
        wait = hints.wait
        suffix = f"; retry after {wait:g} s" if wait is not None else ""
        return RateLimited(f"rate limited{suffix}", retry_after=wait, **common)
    if status == 501 and _is_html(headers, body):
        return Blocked(
            "the site's anti-bot challenge answered; pausing all requests to it",
            reason="challenge",
            retry_after=CHALLENGE_PAUSE,
            **common,
        )
    if status == 500 and not body.strip() and banned:
        return Blocked(
            "the site banned this client after a challenge (empty 500); "
            "any request during the ban restarts it",
            reason="ban",
            retry_after=BAN_PERIOD,
            **common,
        )
    if status >= 500:
        reason = text or ("empty body" if not body.strip() else snippet)
        return ServerError(f"server error {status}: {reason}", **common)
    return HTTPStatusError(f"unexpected status {status}: {text or snippet}", **common)
