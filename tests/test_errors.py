"""error_for_response: every case of server-behaviour.md §3.1 plus Twibooru's errors (§6.1)."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

import booru_async as ba
from booru_async._errors import BAN_PERIOD, CHALLENGE_PAUSE, RequestInfo, error_for_response

NOW = datetime(2026, 11, 22, 12, 0, 0, tzinfo=UTC)
JSON = {"content-type": "application/json; charset=utf-8"}
TEXT = {"content-type": "text/plain"}
HTML = {"content-type": "text/html"}
HTML_50X = b"<!DOCTYPE html><html><body><h1>Too many requests</h1></body></html>"

# (case, status, headers, body, expected class, expected message or None, banned)
CASES = [
    ("philomena parse error", 400, JSON, b'{"error":"Imbalanced parentheses."}',
     ba.BadQuery, "Imbalanced parentheses.", False),
    ("missing resource 1.2", 404, TEXT, b"", ba.NotFound, "not found", False),
    ("missing resource master", 404, JSON, b'{"error":"Not found"}', ba.NotFound, "Not found",
     False),
    ("oembed miss", 404, JSON, b'{"error":"Couldn\'t find an image"}', ba.NotFound,
     "Couldn't find an image", False),
    ("comment on hidden image", 403, TEXT, b"", ba.Forbidden, "forbidden", False),
    ("filters/user without key", 403, TEXT, b"", ba.Forbidden, "forbidden", False),
    ("upload without key", 401, TEXT, b"", ba.Unauthorized, "a valid API key is required",
     False),
    ("upload banned", 403, TEXT, b"", ba.Forbidden, "forbidden", False),
    ("upload validation", 400, JSON,
     b'{"errors":{"tag_input":["must contain at least 3 tags"],'
     b'"image":["has already been uploaded: it\'s image 5"]}}',
     ba.UploadRejected,
     "upload rejected: tag_input: must contain at least 3 tags; "
     "image: has already been uploaded: it's image 5", False),
    ("malformed id", 400, JSON, b'{"error":"Bad Request"}', ba.BadQuery, "Bad Request", False),
    ("unknown route json", 404, JSON, b'{"error":"Not Found"}', ba.NotFound, "Not Found", False),
    ("unknown route html", 404, HTML, b"<html>nope</html>", ba.NotFound, "not found", False),
    ("unexpected exception", 500, JSON, b'{"error":"Internal Error"}', ba.ServerError,
     "server error 500: Internal Error", False),
    ("accept without json", 406, TEXT, b"", ba.HTTPStatusError, "unexpected status 406: ",
     False),
    ("proxy legacy guard", 400, TEXT, b"", ba.BadQuery, None, False),
    ("proxy 429", 429, {**HTML, "retry-after": "3"}, HTML_50X, ba.RateLimited,
     "rate limited; retry after 3 s", False),
    ("limitplug 429", 429, TEXT, b"", ba.RateLimited, "rate limited", False),
    ("anti-bot challenge", 501, HTML, b"<html>checking your browser</html>", ba.Blocked, None,
     False),
    ("ban after challenge", 500, TEXT, b"", ba.Blocked, None, True),
    ("empty 500 without challenge", 500, TEXT, b"", ba.ServerError,
     "server error 500: empty body", False),
    ("proxy 502 page", 502, HTML, HTML_50X, ba.ServerError, None, False),
    ("proxy 504 page", 504, HTML, HTML_50X, ba.ServerError, None, False),
    ("twibooru 401", 401, JSON, b'{"error":"Invalid API key"}', ba.Unauthorized,
     "Invalid API key", False),
    ("twibooru 404", 404, JSON, b'{"error":"Post not found"}', ba.NotFound, "Post not found",
     False),
    ("twibooru 422", 422, JSON, b'{"error":"Expected a term."}', ba.BadQuery,
     "Expected a term.", False),
    ("twibooru 429", 429,
     {**JSON, "x-rl": "10", "x-rl-remaining": "0", "x-rl-reset": "2026-11-22 12:00:40 UTC",
      "date": "Sun, 22 Nov 2026 12:00:10 GMT"},
     b'{"error":"Rate limit exceeded"}', ba.RateLimited, "rate limited; retry after 30 s",
     False),
    ("twibooru 500", 500, JSON, b'{"error":"Internal server error"}', ba.ServerError,
     "server error 500: Internal server error", False),
    ("legacy bad query", 400, JSON, b"{}", ba.BadQuery, "the server rejected the request",
     False),
    ("legacy rate limit", 429, JSON, b"{}", ba.RateLimited, "rate limited", False),
]


@pytest.mark.parametrize(
    ("status", "headers", "body", "cls", "message", "banned"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_error_table(
    status: int,
    headers: dict[str, str],
    body: bytes,
    cls: type[ba.BooruError],
    message: str | None,
    banned: bool,
) -> None:
    info = RequestInfo("GET", "https://derpibooru.org/api/v1/json/x?key=SECRET&q=a")
    error = error_for_response(
        status,
        httpx.Headers(headers),
        body,
        request=info,
        local_now=NOW,
        banned=banned,
    )
    assert type(error) is cls
    assert error is not None
    assert error.status_code == status
    if message is not None:
        assert error.message == message
    assert error.request is info
    assert "SECRET" not in str(error) and "SECRET" not in repr(error.request)


@pytest.mark.parametrize("status", [200, 201, 204, 301, 304])
def test_success_is_no_error(status: int) -> None:
    assert error_for_response(status, httpx.Headers(), b"", local_now=NOW) is None


def test_rate_limited_carries_retry_after_from_either_header() -> None:
    retry = error_for_response(429, httpx.Headers({"retry-after": "7"}), b"", local_now=NOW)
    assert isinstance(retry, ba.RateLimited) and retry.retry_after == 7.0
    reset = error_for_response(429, httpx.Headers({"x-rl-reset": "12"}), b"", local_now=NOW)
    assert isinstance(reset, ba.RateLimited) and reset.retry_after == 12.0
    both = error_for_response(
        429, httpx.Headers({"retry-after": "2", "x-rl-reset": "50"}), b"", local_now=NOW
    )
    assert isinstance(both, ba.RateLimited) and both.retry_after == 2.0
    garbage = error_for_response(429, httpx.Headers({"retry-after": "soon"}), b"", local_now=NOW)
    assert isinstance(garbage, ba.RateLimited) and garbage.retry_after is None


def test_blocked_reasons_and_periods() -> None:
    challenge = error_for_response(501, httpx.Headers(HTML), b"<html/>", local_now=NOW)
    assert isinstance(challenge, ba.Blocked)
    assert (challenge.reason, challenge.retry_after) == ("challenge", CHALLENGE_PAUSE)
    ban = error_for_response(500, httpx.Headers(), b"", local_now=NOW, banned=True)
    assert isinstance(ban, ba.Blocked)
    assert (ban.reason, ban.retry_after) == ("ban", BAN_PERIOD)
    # A 501 that is not the HTML challenge page is an ordinary server error.
    plain = error_for_response(501, httpx.Headers(JSON), b'{"error":"x"}', local_now=NOW)
    assert type(plain) is ba.ServerError


def test_upload_rejected_keeps_field_errors() -> None:
    error = error_for_response(
        400,
        httpx.Headers(JSON),
        b'{"errors":{"tag_input":["must contain at least 3 tags",'
        b'"must contain at least one rating tag"],"description":"too long"}}',
        local_now=NOW,
    )
    assert isinstance(error, ba.UploadRejected) and isinstance(error, ba.BadQuery)
    assert error.errors == {
        "tag_input": ("must contain at least 3 tags", "must contain at least one rating tag"),
        "description": ("too long",),
    }


def test_error_tree() -> None:
    for cls in (ba.NotFound, ba.Unauthorized, ba.Forbidden, ba.BadQuery, ba.ServerError):
        assert issubclass(cls, ba.HTTPStatusError)
    # Raised before anything is sent as often as after an answer: not HTTP status errors.
    for cls in (ba.RateLimited, ba.Blocked):
        assert not issubclass(cls, ba.HTTPStatusError)
    for cls in (ba.HTTPStatusError, ba.TransportError, ba.DecodeError, ba.RateLimited,
                ba.Blocked, ba.UnsupportedOperation, ba.IntegrityError):
        assert issubclass(cls, ba.BooruError)
        assert cls.__module__ == "booru_async"
        assert repr(cls).startswith("<class 'booru_async.")
    assert issubclass(ba.UploadRejected, ba.BadQuery)


def test_request_info_removes_the_key() -> None:
    info = RequestInfo("GET", "https://x.test/api?q=safe&key=hunter2&page=2")
    assert info.url == "https://x.test/api?q=safe&page=2"
    assert str(info) == "GET https://x.test/api?q=safe&page=2"
    untouched = "https://x.test/api?q=a%2Cb"
    assert RequestInfo("GET", untouched).url == untouched


def test_excerpt_is_short_and_printable() -> None:
    error = error_for_response(502, httpx.Headers(HTML), b"<p>" + b"x" * 5000, local_now=NOW)
    assert error is not None and len(error.body_excerpt) <= 200
