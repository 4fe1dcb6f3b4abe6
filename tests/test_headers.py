"""Rate-limit header parsing (pure): every reset form, skew-proof, absurd values -> None."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from booru_async._headers import (
    MAX_DELAY,
    parse_delay,
    parse_http_date,
    parse_rate_headers,
)

SERVER_NOW = datetime(2022, 2, 18, 22, 43, 27, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("30", 30.0),
        ("0", 0.0),
        ("2.5", 2.5),
        (" 12 ", 12.0),
        ("2022-02-18 22:43:57 UTC", 30.0),  # Ruby Time#to_s, what gallery-dl saw
        ("2022-02-18 22:43:57", 30.0),
        ("2022-02-18T22:43:57Z", 30.0),
        ("2022-02-18T22:43:57.500Z", 30.5),
        ("2022-02-18T23:43:57+01:00", 30.0),
        ("Fri, 18 Feb 2022 22:43:57 GMT", 30.0),  # HTTP-date
        (str(int(SERVER_NOW.timestamp()) + 30), 30.0),  # epoch
        # absurd or garbage -> None (callers fall back to the profile budgets)
        ("-5", None),
        ("2022-02-18 22:40:00 UTC", None),  # in the past
        (str(MAX_DELAY + 1), None),
        ("99999999999999999999", None),
        ("1e308", None),
        ("nan", None),
        ("inf", None),
        ("soon", None),
        ("", None),
        (None, None),
        ("2022-13-45 99:99:99 UTC", None),
    ],
)
def test_parse_delay(value: str | None, expected: float | None) -> None:
    assert parse_delay(value, server_now=SERVER_NOW) == expected


def test_http_date() -> None:
    assert parse_http_date("Fri, 18 Feb 2022 22:43:27 GMT") == SERVER_NOW
    assert parse_http_date("not a date") is None
    assert parse_http_date(None) is None


@pytest.mark.parametrize("skew", [timedelta(hours=-1), timedelta(0), timedelta(hours=1)])
def test_absolute_resets_use_the_server_date_not_the_local_clock(skew: timedelta) -> None:
    headers = httpx.Headers(
        {
            "date": "Fri, 18 Feb 2022 22:43:27 GMT",
            "x-rl": "10",
            "x-rl-remaining": "3",
            "x-rl-reset": "2022-02-18 22:43:57 UTC",
        }
    )
    hints = parse_rate_headers(headers, local_now=SERVER_NOW + skew)
    assert (hints.limit, hints.remaining, hints.reset_after) == (10, 3, 30.0)
    assert hints.wait == 30.0


@pytest.mark.parametrize(
    ("limit", "remaining", "expected"),
    [
        ("10", "0", (10, 0)),
        ("0", "-1", (None, None)),
        ("ten", "3.5", (None, None)),
        ("99999999999", "5", (None, 5)),
    ],
)
def test_counts_are_sane_or_none(limit: str, remaining: str, expected: tuple[object, ...]) -> None:
    hints = parse_rate_headers(
        httpx.Headers({"x-rl": limit, "x-rl-remaining": remaining}), local_now=SERVER_NOW
    )
    assert (hints.limit, hints.remaining) == expected


def test_no_date_header_falls_back_to_local_clock() -> None:
    hints = parse_rate_headers(
        httpx.Headers({"x-rl-reset": "2022-02-18 22:43:57 UTC"}), local_now=SERVER_NOW
    )
    assert hints.reset_after == 30.0 and hints.retry_after is None
