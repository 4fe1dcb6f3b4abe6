"""One pure verdict per HTTP answer: what it means for stats, scheduler, retry and errors.

Every layer used to classify answers on its own, each with its own idea of "HTML"; a 501
with a ``text/plain`` header and an ``<html>`` body was a challenge to the error mapping and
nothing to the scheduler. :func:`classify` is now the only place that reads a status, the
rate-limit headers and an error body; everyone else acts on its :class:`Verdict`.

Rows (server-behaviour.md §3.1, §3.2 and the Twibooru error table):

====== ========================================== ==================
status condition                                  kind
====== ========================================== ==================
< 400                                             ``ok``
400    ``{"errors": {...}}``                      ``upload_rejected``
400    anything else                              ``bad_query``
422                                               ``bad_query``
401                                               ``unauthorized``
403                                               ``forbidden``
404                                               ``not_found``
429                                               ``rate_limited``
501    HTML (content type *or* body)              ``challenge``
500    empty body                                 ``empty_500`` (the ban after a challenge)
502-504                                           ``transient``
other 5xx                                         ``server_error``
other                                             ``unexpected``
====== ========================================== ==================
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final, Literal, TypeAlias

import attrs
import httpx
import orjson

from ._headers import RateHeaders, parse_rate_headers

__all__ = ["Kind", "Verdict", "classify", "excerpt", "verdict_of"]

Kind: TypeAlias = Literal[
    "ok",
    "bad_query",
    "upload_rejected",
    "unauthorized",
    "forbidden",
    "not_found",
    "rate_limited",
    "challenge",
    "empty_500",
    "transient",
    "server_error",
    "unexpected",
]

#: Gateway failures worth another attempt (500 and 501 never are: on Philomena they are the
#: ban and the anti-bot challenge, and every request during a ban restarts it).
TRANSIENT_STATUSES: Final = frozenset({502, 503, 504})
_EXCERPT = 200
#: Where the transport layers leave the verdict for the layers above.
EXTENSION: Final = "booru.verdict"


def excerpt(body: bytes | str, limit: int = _EXCERPT) -> str:
    """A short, printable excerpt of a body for error messages."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@attrs.frozen
class Verdict:
    """What one answer means."""

    status: int
    kind: Kind
    #: The rate-limit hints the answer carried, parsed once.
    rate: RateHeaders
    #: The server's own error text (``{"error": "..."}``), if any.
    message: str | None = None
    #: An upload's per-field messages (``{"errors": {...}}``).
    upload_errors: Mapping[str, tuple[str, ...]] | None = None
    excerpt: str = ""
    html: bool = False
    empty: bool = False
    #: The answer's headers, for the scheduler, which reads the rate-limit hints again on
    #: its own estimate of the server's clock (several answers' ``Date`` headers).
    headers: Mapping[str, str] = attrs.field(factory=dict, eq=False, repr=False)

    @property
    def ok(self) -> bool:
        return self.kind == "ok"


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


def is_html(headers: Mapping[str, str], body: bytes) -> bool:
    """HTML by its content type or by its first byte: the one definition everyone uses."""
    return "html" in headers.get("content-type", "").lower() or body.lstrip()[:1] == b"<"


def _kind(status: int, html: bool, empty: bool, upload: bool) -> Kind:
    if status < 400:
        return "ok"
    simple: dict[int, Kind] = {
        401: "unauthorized",
        403: "forbidden",
        404: "not_found",
        422: "bad_query",
        429: "rate_limited",
    }
    if status in simple:
        return simple[status]
    if status == 400:
        return "upload_rejected" if upload else "bad_query"
    if status == 501 and html:
        return "challenge"
    if status == 500 and empty:
        return "empty_500"
    if status in TRANSIENT_STATUSES:
        return "transient"
    if status >= 500:
        return "server_error"
    return "unexpected"


def classify(status: int, headers: Mapping[str, str], body: bytes, *, now: datetime) -> Verdict:
    """The verdict on one answer. ``headers`` must look keys up case-insensitively;
    ``body`` matters only for errors (pass ``b""`` for a success whose body is unread);
    ``now`` is the local time, used when the answer has no ``Date`` header."""
    rate = parse_rate_headers(headers, local_now=now)
    if status < 400:
        return Verdict(status=status, kind="ok", rate=rate, headers=headers)
    obj = _json_object(body)
    errors = _upload_errors(obj) if status == 400 else None
    html = is_html(headers, body)
    empty = not body.strip()
    return Verdict(
        status=status,
        kind=_kind(status, html, empty, errors is not None),
        rate=rate,
        message=_error_text(obj),
        upload_errors=errors,
        excerpt=excerpt(body),
        html=html,
        empty=empty,
        headers=headers,
    )


def verdict_of(response: httpx.Response) -> Verdict | None:
    """The verdict the scheduling layer left on a response (``None`` for cache hits)."""
    verdict = response.extensions.get(EXTENSION)
    return verdict if isinstance(verdict, Verdict) else None
