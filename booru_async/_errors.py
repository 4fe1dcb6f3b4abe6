"""The error tree, and the pure mapping from an HTTP answer to it.

::

    BooruError                      root; .request is a RequestInfo (method + URL, key removed)
    ├── HTTPStatusError             an unexpected status; .status_code, .body_excerpt
    │   ├── NotFound                404
    │   ├── Unauthorized            401 (upload without a valid key)
    │   ├── Forbidden               403
    │   ├── BadQuery                400 / 422: the server rejected the query or parameters
    │   │   └── UploadRejected      400 {"errors": {...}} from an upload; .errors
    │   └── ServerError             other 5xx
    ├── RateLimited                 the budget is spent (a 429 past the retries, or a predicted
    │                               wait beyond max_wait, raised before sending); .retry_after
    ├── Blocked                     501 anti-bot challenge, or the empty-500 ban after it; .reason
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

from ._verdict import Verdict, classify, excerpt

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
    "error_for",
    "error_for_response",
    "excerpt",
    "redact_url",
]

#: Query parameters that are secrets and never leave the transport that adds them.
SECRET_PARAMS = frozenset({"key"})
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


class RateLimited(BooruError):
    """The budget is spent: raised when the wait would exceed ``max_wait`` (before anything
    is sent), when a server-imposed wait is longer than the client accepts, or when the
    retries after 429 answers ran out.

    ``retry_after`` is the number of seconds after which a request may succeed (``None``
    when the server gave no hint); ``status_code`` is 429 when an answer said so, ``None``
    when nothing was sent.
    """

    def __init__(
        self,
        message: str,
        *,
        request: RequestInfo | None = None,
        retry_after: float | None = None,
        status_code: int | None = None,
        body_excerpt: str = "",
    ) -> None:
        super().__init__(message, request=request)
        self.retry_after = retry_after
        self.status_code = status_code
        self.body_excerpt = body_excerpt


class Blocked(BooruError):
    """The site's anti-bot guard answered (``reason="challenge"``: a 501 challenge) or banned
    this client (``reason="ban"``: an empty 500 after a challenge).

    The client stops sending to the site until ``retry_after`` seconds have passed; every
    request during a ban would restart it. ``status_code`` is the answer's status, ``None``
    when the call was refused before sending because a ban is running.
    """

    def __init__(
        self,
        message: str,
        *,
        request: RequestInfo | None = None,
        reason: Literal["challenge", "ban"],
        retry_after: float,
        status_code: int | None = None,
        body_excerpt: str = "",
    ) -> None:
        super().__init__(message, request=request)
        self.reason = reason
        self.retry_after = retry_after
        self.status_code = status_code
        self.body_excerpt = body_excerpt


class ServerError(HTTPStatusError):
    """5xx: the server failed (retried for idempotent requests before it is raised)."""


class TransportError(BooruError):
    """The request did not complete: connection refused or reset, timeout, TLS failure."""


class DecodeError(BooruError):
    """The body is not the JSON shape expected. ``excerpt`` shows its start; ``errors``
    lists where the shape differed (``$.images[3].id: expected int``). For an item a list
    skipped (``pager.skipped``), ``raw`` is the item as the server sent it (JSON values)."""

    def __init__(
        self,
        message: str,
        *,
        request: RequestInfo | None = None,
        excerpt: str = "",
        errors: Sequence[str] = (),
        raw: Any = None,
    ) -> None:
        super().__init__(message, request=request)
        self.excerpt = excerpt
        self.errors = tuple(errors)
        self.raw = raw


class UnsupportedOperation(BooruError):
    """The site's API flavour has no such route; raised before anything is sent."""


class IntegrityError(BooruError):
    """A downloaded file's SHA-512 does not match the image's ``sha512_hash``."""


def error_for(
    verdict: Verdict, *, request: RequestInfo | None = None, banned: bool = False
) -> BooruError | None:
    """The error a verdict means, or ``None`` for a success (2xx/3xx).

    ``banned`` says whether the scheduler took this answer for the ban (an empty-bodied 500
    soon after a 501 challenge).
    """
    kind = verdict.kind
    if kind == "ok":
        return None
    text = verdict.message
    common: dict[str, Any] = {
        "request": request,
        "status_code": verdict.status,
        "body_excerpt": verdict.excerpt,
    }
    if kind == "upload_rejected" and verdict.upload_errors is not None:
        errors = verdict.upload_errors
        detail = "; ".join(f"{field}: {', '.join(msgs)}" for field, msgs in errors.items())
        return UploadRejected(f"upload rejected: {detail}", errors=errors, **common)
    if kind == "bad_query":
        if verdict.status == 422:
            return BadQuery(text or "the server rejected the search query", **common)
        if text is not None:
            return BadQuery(text, **common)
        if verdict.empty:
            # The reference proxy answers any path ending in .json with an empty 400.
            return BadQuery(
                "400 with an empty body (a Philomena proxy refuses legacy *.json URLs; "
                "is the site's flavour right?)",
                **common,
            )
        return BadQuery("the server rejected the request", **common)
    if kind == "unauthorized":
        return Unauthorized(text or "a valid API key is required", **common)
    if kind == "forbidden":
        return Forbidden(text or "forbidden", **common)
    if kind == "not_found":
        return NotFound(text or "not found", **common)
    if kind == "rate_limited":
        wait = verdict.rate.wait
        suffix = f"; retry after {wait:g} s" if wait is not None else ""
        return RateLimited(f"rate limited{suffix}", retry_after=wait, **common)
    if kind == "challenge":
        return Blocked(
            "the site's anti-bot challenge answered; pausing all requests to it",
            reason="challenge",
            retry_after=CHALLENGE_PAUSE,
            **common,
        )
    if kind == "empty_500" and banned:
        return Blocked(
            "the site banned this client after a challenge (empty 500); "
            "any request during the ban restarts it",
            reason="ban",
            retry_after=BAN_PERIOD,
            **common,
        )
    if verdict.status >= 500:
        reason = text or ("empty body" if verdict.empty else verdict.excerpt)
        return ServerError(f"server error {verdict.status}: {reason}", **common)
    return HTTPStatusError(
        f"unexpected status {verdict.status}: {text or verdict.excerpt}", **common
    )


def error_for_response(
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    *,
    request: RequestInfo | None = None,
    local_now: datetime,
    banned: bool = False,
) -> BooruError | None:
    """:func:`error_for` of :func:`~booru_async._verdict.classify`: the error an answer means."""
    return error_for(classify(status, headers, body, now=local_now), request=request, banned=banned)


# Users meet these as ``booru_async.NotFound``, not as a private module's names.
for _cls in (
    BooruError,
    HTTPStatusError,
    NotFound,
    Unauthorized,
    Forbidden,
    BadQuery,
    UploadRejected,
    RateLimited,
    Blocked,
    ServerError,
    TransportError,
    DecodeError,
    UnsupportedOperation,
    IntegrityError,
    RequestInfo,
):
    _cls.__module__ = "booru_async"
