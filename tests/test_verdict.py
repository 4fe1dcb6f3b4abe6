"""classify(): one verdict per answer, one table for every row of server-behaviour.md §3.1,
the Twibooru errors and the content-type quirks; and every layer acting on the same verdict."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
import respx

import booru_async as ba
from booru_async._verdict import classify

NOW = datetime(2026, 1, 1, tzinfo=UTC)
HTML = {"content-type": "text/html; charset=utf-8"}
TEXT = {"content-type": "text/plain"}
JSON = {"content-type": "application/json"}


@pytest.mark.parametrize(
    ("status", "headers", "body", "kind"),
    [
        (200, JSON, b'{"images": []}', "ok"),
        (301, {"location": "/x"}, b"", "ok"),
        # 400: upload validation errors, the search parser's message, the proxy's empty 400.
        (400, JSON, b'{"errors": {"image": ["can\'t be blank"]}}', "upload_rejected"),
        (400, JSON, b'{"error": "Unsupported query"}', "bad_query"),
        (400, {}, b"", "bad_query"),
        (401, JSON, b'{"error": "unauthorized"}', "unauthorized"),
        (403, JSON, b"", "forbidden"),
        (404, JSON, b'{"error": "not found"}', "not_found"),
        (404, HTML, b"<html>Not Found</html>", "not_found"),
        (422, JSON, b'{"error": "bad"}', "bad_query"),  # Twibooru's query errors
        (429, {"retry-after": "5"}, b"", "rate_limited"),
        (429, {"x-rl-reset": "3"}, b"<html>slow down</html>", "rate_limited"),
        # 501: the anti-bot challenge is HTML, by header or by body.
        (501, HTML, b"<html>are you a bot</html>", "challenge"),
        (501, TEXT, b"<html>are you a bot</html>", "challenge"),
        (501, TEXT, b"   <!doctype html><p>check</p>", "challenge"),
        (501, JSON, b'{"error": "not implemented"}', "server_error"),
        (501, {}, b"", "server_error"),
        # 500: the empty one is the ban (after a challenge); Twibooru's JSON 500 is an error.
        (500, {}, b"", "empty_500"),
        (500, {}, b"  \n", "empty_500"),
        (500, JSON, b'{"error": "Internal server error"}', "server_error"),
        (502, HTML, b"<html>bad gateway</html>", "transient"),
        (503, {}, b"", "transient"),
        (504, {}, b"", "transient"),
        (505, {}, b"", "server_error"),
        (418, {}, b"teapot", "unexpected"),
    ],
)
def test_verdict_table(status: int, headers: dict[str, str], body: bytes, kind: str) -> None:
    verdict = classify(status, httpx.Headers(headers), body, now=NOW)
    assert verdict.kind == kind
    assert verdict.status == status


def test_rate_headers_are_parsed_once_into_the_verdict() -> None:
    verdict = classify(
        429,
        httpx.Headers({"x-rl": "60", "x-rl-remaining": "0", "x-rl-reset": "12",
                       "retry-after": "7", "date": "Thu, 01 Jan 2026 00:00:00 GMT"}),
        b"",
        now=NOW,
    )
    assert (verdict.rate.limit, verdict.rate.remaining) == (60, 0)
    assert verdict.rate.reset_after == 12 and verdict.rate.wait == 7


def test_error_body_fields() -> None:
    verdict = classify(400, httpx.Headers(JSON), b'{"error": "Unsupported query"}', now=NOW)
    assert verdict.message == "Unsupported query" and not verdict.html and not verdict.empty
    upload = classify(400, httpx.Headers(JSON), b'{"errors": {"tag_input": ["x", "y"]}}',
                      now=NOW)
    assert upload.upload_errors == {"tag_input": ("x", "y")}



@pytest.mark.anyio
async def test_a_501_with_a_text_header_and_an_html_body_is_a_challenge_everywhere() -> None:
    """The bug this module was made for: the error said "challenge" while the scheduler did
    not pause and the stats did not count it."""
    with respx.mock(base_url="https://derpibooru.org") as router:
        route = router.get("/api/v1/json/images/1").respond(
            501, headers=TEXT, content=b"<html><body>are you a bot?</body></html>")
        async with ba.Client("derpibooru") as client:
            with pytest.raises(ba.Blocked) as info:
                await client.images.get(1)
            assert info.value.reason == "challenge" and info.value.status_code == 501
            assert client.stats.challenges == 1  # the stats counted it
            assert client.predicted_wait("image") > 4.0  # the scheduler paused the site
            with pytest.raises(ba.RateLimited):  # and a bot with max_wait hears so at once
                await client.with_options(max_wait=1.0).images.get(1)
    assert route.call_count == 1
