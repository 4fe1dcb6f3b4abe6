"""Property tests over what a hostile server controls before any model is built: the
rate-limit and date headers, the verdict table (``_verdict.classify``) and the error mapping
of a status + headers + body, and the JSON envelope. Only typed results (``None`` or a sane value, an error of the ``BooruError``
tree), never another exception, never a hang (hypothesis' deadline bounds each example)."""

# ruff: noqa: PT017  (a DecodeError is one acceptable outcome among two)
from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import get_args

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st

from booru_async._convert import Context, Decoder
from booru_async._errors import BooruError, DecodeError, error_for_response, excerpt
from booru_async._headers import MAX_DELAY, parse_delay, parse_http_date, parse_rate_headers
from booru_async._verdict import Kind, classify

NOW = datetime(2024, 6, 1, 12, 0, 0, tzinfo=UTC)
NAMES = ["x-rl", "x-rl-remaining", "x-rl-reset", "retry-after", "date", "content-type"]

# Header values as a server sends them: any bytes, read as latin-1 (what httpx does for a
# byte it cannot decode), plus the shapes the parsers look for, slightly broken.
raw_values = st.binary(max_size=64).map(lambda b: b.decode("latin-1"))
near_values = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.datetimes(timezones=st.just(UTC)).map(lambda d: d.strftime("%Y-%m-%d %H:%M:%S UTC")),
    st.datetimes(timezones=st.just(UTC)).map(lambda d: d.isoformat()),
    st.datetimes().map(lambda d: d.strftime("%a, %d %b %Y %H:%M:%S GMT")),
    st.text(alphabet="0123456789-:. TZUCGMT+e", max_size=40),
)
values = st.one_of(raw_values, near_values)
header_lists = st.lists(st.tuples(st.sampled_from(NAMES), values), max_size=8)


def _headers(pairs: list[tuple[str, str]]) -> httpx.Headers:
    return httpx.Headers([(k.encode(), v.encode("latin-1")) for k, v in pairs])


@settings(max_examples=400)
@given(header_lists)
def test_rate_headers_are_sane_or_none(pairs: list[tuple[str, str]]) -> None:
    hints = parse_rate_headers(_headers(pairs), local_now=NOW)
    assert hints.limit is None or 1 <= hints.limit <= 1_000_000
    assert hints.remaining is None or 0 <= hints.remaining <= 1_000_000
    for delay in (hints.reset_after, hints.retry_after, hints.wait):
        assert delay is None or (math.isfinite(delay) and 0 <= delay <= MAX_DELAY)
    assert hints.server_now.tzinfo is not None


@settings(max_examples=400)
@given(values, st.datetimes(timezones=st.just(UTC)))
def test_delays_are_sane_or_none(value: str, server_now: datetime) -> None:
    delay = parse_delay(value, server_now=server_now)
    assert delay is None or (math.isfinite(delay) and 0 <= delay <= MAX_DELAY)


@given(values)
def test_http_dates_are_aware_or_none(value: str) -> None:
    parsed = parse_http_date(value)
    assert parsed is None or parsed.utcoffset() is not None


@settings(max_examples=300)
@given(
    st.integers(min_value=100, max_value=999),
    header_lists,
    st.one_of(st.binary(max_size=300), st.sampled_from([b"", b"{}", b'{"error": 5}',
                                                        b'{"errors": {"a": 1}}', b"<html>"])),
    st.booleans(),
)
def test_any_answer_maps_to_none_or_a_status_error(
    status: int, pairs: list[tuple[str, str]], body: bytes, banned: bool
) -> None:
    error = error_for_response(status, _headers(pairs), body, local_now=NOW, banned=banned)
    if status < 400:
        assert error is None
    else:
        assert isinstance(error, BooruError)
        assert getattr(error, "status_code", status) == status
        assert len(getattr(error, "body_excerpt", "")) <= 200
        str(error), repr(error)


DECODER = Decoder(Context(site="x", base_url="https://x.test", flavour="philomena"))


@settings(max_examples=300)
@given(st.one_of(st.binary(max_size=400), st.text(max_size=200).map(str.encode)))
def test_any_body_parses_or_is_a_decode_error(body: bytes) -> None:
    try:
        DECODER.loads(body)
    except DecodeError as exc:
        assert len(exc.excerpt) <= 200


@given(st.one_of(st.binary(max_size=1000), st.text(max_size=1000)))
def test_excerpts_are_short_single_lines(body: bytes | str) -> None:
    text = excerpt(body)
    assert len(text) <= 200 and "\n" not in text


@settings(max_examples=300)
@given(
    st.integers(min_value=100, max_value=999),
    header_lists,
    st.binary(max_size=300),
    st.datetimes(timezones=st.just(UTC)),
)
def test_the_verdict_table_is_total(
    status: int, pairs: list[tuple[str, str]], body: bytes, now: datetime
) -> None:
    verdict = classify(status, _headers(pairs), body, now=now)
    assert verdict.status == status
    assert verdict.kind in get_args(Kind)
    assert verdict.ok == (status < 400)
    assert len(verdict.excerpt) <= 200
    if status >= 400:  # success bodies are not read for a verdict
        assert verdict.empty == (not body.strip())
    for delay in (verdict.rate.reset_after, verdict.rate.retry_after):
        assert delay is None or 0 <= delay <= MAX_DELAY
