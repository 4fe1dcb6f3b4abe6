"""Minimal HTTP plumbing for the ASGI app: requests, params, responses."""

from __future__ import annotations

import email.parser
import email.policy
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote

import orjson

Params = dict[str, Any]

JSON_TYPE = "application/json; charset=utf-8"
TEXT_TYPE = "text/plain; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart body."""

    filename: str
    content_type: str
    data: bytes


@dataclass
class Request:
    """A parsed request: path segments, merged params (Plug style), headers."""

    method: str
    path: str
    query_string: str
    headers: dict[str, str]
    body: bytes
    params: Params = field(default_factory=dict)
    query_params: Params = field(default_factory=dict)
    body_error: bool = False

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def str_param(self, name: str) -> str | None:
        value = self.params.get(name)
        return value if isinstance(value, str) else None


def _put(target: Params, key: str, value: Any) -> None:
    """Plug-style nested param decoding: ``a[b][]=v``."""
    if "[" not in key or not key.endswith("]"):
        target[key] = value
        return
    head, _, rest = key.partition("[")
    parts = [head, *rest[:-1].split("][")]
    node: Any = target
    for i, part in enumerate(parts[:-1]):
        nxt = parts[i + 1]
        if isinstance(node, dict):
            child = node.get(part)
            if nxt == "":
                if not isinstance(child, list):
                    child = []
                    node[part] = child
            elif not isinstance(child, dict):
                child = {}
                node[part] = child
            node = child
        else:
            return
    last = parts[-1]
    if isinstance(node, list):
        node.append(value)
    elif isinstance(node, dict):
        node[last] = value


def decode_query(qs: str) -> Params:
    params: Params = {}
    for key, value in parse_qsl(qs, keep_blank_values=True):
        _put(params, key, value)
    return params


def parse_multipart(content_type: str, body: bytes) -> Params:
    msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    params: Params = {}
    if not msg.is_multipart():
        return params
    for part in msg.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename is not None:
            _put(params, name, Upload(filename, part.get_content_type(), data))
        else:
            _put(params, name, data.decode("utf-8", "replace"))
    return params


def build_request(scope: dict[str, Any], body: bytes) -> Request:
    headers: dict[str, str] = {}
    for k, v in scope.get("headers", []):
        name = k.decode("latin-1").lower()
        val = v.decode("latin-1")
        headers[name] = f"{headers[name]}, {val}" if name in headers else val
    raw_path = scope.get("path", "/")
    qs = scope.get("query_string", b"").decode("latin-1")
    query = decode_query(qs)
    req = Request(
        method=scope.get("method", "GET"),
        path=raw_path,
        query_string=qs,
        headers=headers,
        body=body,
        query_params=query,
    )
    params: Params = dict(query)
    ctype = headers.get("content-type", "").split(";")[0].strip().lower()
    if body:
        try:
            if ctype == "application/json":
                parsed = orjson.loads(body)
                if isinstance(parsed, dict):
                    params.update(parsed)
                else:
                    params["_json"] = parsed
            elif ctype == "application/x-www-form-urlencoded":
                for key, value in decode_query(body.decode("utf-8", "replace")).items():
                    params[key] = value
            elif ctype == "multipart/form-data":
                params.update(parse_multipart(headers["content-type"], body))
        except (orjson.JSONDecodeError, ValueError, KeyError):
            req.body_error = True
    req.params = params
    return req


def split_path(path: str) -> list[str]:
    return [unquote(p) for p in path.split("/") if p != ""]


@dataclass
class Response:
    """A complete response; ``fault`` is applied by the app when sending."""

    status: int
    body: bytes = b""
    content_type: str | None = JSON_TYPE
    headers: list[tuple[str, str]] = field(default_factory=list)

    def set_header(self, name: str, value: str) -> None:
        lname = name.lower()
        self.headers = [(k, v) for k, v in self.headers if k.lower() != lname]
        self.headers.append((name, value))

    def get_header(self, name: str) -> str | None:
        lname = name.lower()
        for k, v in self.headers:
            if k.lower() == lname:
                return v
        return None


def json_response(status: int, obj: object) -> Response:
    return Response(status, orjson.dumps(obj), JSON_TYPE)


def empty_text(status: int) -> Response:
    """Phoenix ``text(conn, "")``: an empty ``text/plain`` body."""
    return Response(status, b"", TEXT_TYPE)


def html_response(status: int, html: str) -> Response:
    return Response(status, html.encode(), HTML_TYPE)


def error_page(status: int, title: str, message: str) -> str:
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>'
        f"{title}</title></head><body><h1>{title}</h1><p>{message}</p></body></html>\n"
    )


def _int_prefix(value: str) -> tuple[int, int] | None:
    i = 1 if value[:1] in ("+", "-") else 0
    j = i
    while j < len(value) and value[j] in "0123456789":
        j += 1
    if j == i:
        return None
    return int(value[:j]), j


def parse_int_prefix(value: object) -> int | None:
    """Elixir ``Integer.parse``: optional sign and leading digits; ``None`` if none."""
    if not isinstance(value, str):
        return None
    parsed = _int_prefix(value)
    return parsed[0] if parsed else None


def parse_int_exact(value: str) -> int | None:
    """The whole string is an integer literal (Ecto's integer cast)."""
    parsed = _int_prefix(value)
    if parsed is None or parsed[1] != len(value):
        return None
    return parsed[0]


INT4_MIN = -(2**31)
INT4_MAX = 2**31 - 1
