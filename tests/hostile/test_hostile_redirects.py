"""Redirects (issue 12 items 1 and 9): a ``Location`` that echoes the query string never
carries the key anywhere, and downloads follow redirects only to https."""

# ruff: noqa: PT017  (a refused redirect is acceptable when its error is clean)
from __future__ import annotations

from collections.abc import Callable

import anyio
import pytest
from conftest import KEY, ClientFactory, LogCapture, file_bytes, image_json
from hostile_server import Conn, HostileServer, Request, Reroute

import booru_async as ba

pytestmark = pytest.mark.anyio

IMAGE = 7


def echo_redirect(location: Callable[[Request], str], status: int = 301):  # type: ignore[no-untyped-def]
    """An API that redirects every request, echoing its query string, the way a
    ``return 301 https://new$request_uri`` rule does; the target answers the image."""

    async def handler(request: Request, conn: Conn) -> None:
        if request.path.startswith("/moved"):
            await conn.json({"image": image_json(IMAGE)})
            return
        await conn.respond(status, b"", [("Location", location(request))], content_type=None)

    return handler


async def answer_image(_request: Request, conn: Conn) -> None:
    await conn.json({"image": image_json(IMAGE)})


def key_in(requests: list[Request]) -> list[str]:
    return [r.raw.decode("latin-1") for r in requests if KEY.encode() in r.raw]


async def test_same_host_redirect_echoing_the_query_keeps_the_key_out_of_httpx_logs(
    api: HostileServer, client_for: ClientFactory, all_logs: LogCapture
) -> None:
    api.handler = echo_redirect(lambda r: f"/moved{r.path}?{r.query_string}")
    async with client_for(api) as client:
        with anyio.fail_after(10):
            image = await client.images.get(IMAGE)
    assert image.id == IMAGE
    # Both hops reached the API host, which is where the key belongs: it was sent there.
    assert [r.path.startswith("/moved") for r in api.requests] == [False, True]
    assert all(r.query.get("key") == KEY for r in api.requests)
    # ... but the URL httpx logs is the one the client built from the echoed Location.
    assert not [t for t in all_logs.texts() if KEY in t]


@pytest.mark.parametrize("status", [301, 302, 307, 308])
async def test_redirect_to_another_loopback_host_never_carries_the_key(
    api: HostileServer,
    other: HostileServer,
    client_for: ClientFactory,
    all_logs: LogCapture,
    status: int,
) -> None:
    api.handler = echo_redirect(lambda r: f"{other.url}/moved{r.path}?{r.query_string}", status)
    other.handler = answer_image
    async with client_for(api) as client:
        with anyio.fail_after(10):
            try:
                image = await client.images.get(IMAGE)
            except ba.BooruError as exc:  # refused: fine, as long as it is typed and clean
                assert KEY not in str(exc) and KEY not in repr(exc)
            else:
                assert image.id == IMAGE
    assert not key_in(other.requests)
    assert not [t for t in all_logs.texts() if KEY in t]


@pytest.mark.parametrize(
    "target",
    [
        "http://evil.example/moved{path}?{qs}",  # plain http, not loopback
        "https://mirror.example/moved{path}?{qs}",  # https, another host
        "//evil.example/moved{path}?{qs}",  # scheme-relative
        "http://evil.example/moved/{key}",  # the key in the path
        "http://evil.example/moved?KEY={key}&Key={key}",  # other spellings
        "http://evil.example/moved?{qs}#key={key}",  # in a fragment
    ],
)
async def test_redirect_off_the_api_host_never_carries_the_key(
    api: HostileServer,
    other: HostileServer,
    client_for: ClientFactory,
    all_logs: LogCapture,
    target: str,
) -> None:
    api.handler = echo_redirect(
        lambda r: target.format(path=r.path, qs=r.query_string, key=KEY)
    )
    other.handler = answer_image
    network = Reroute({api.host: api, "evil.example": other, "mirror.example": other})
    async with client_for(api, transport=network) as client:
        with anyio.fail_after(10):
            try:
                await client.images.get(IMAGE)
            except ba.BooruError as exc:
                assert KEY not in str(exc) and KEY not in repr(exc)
    off_host = [u for u in network.sent if u.host != api.host]
    assert not [str(u) for u in off_host if KEY in str(u)]
    assert not key_in(other.requests)
    assert not [t for t in all_logs.texts() if KEY in t]


# -- downloads (item 9) -------------------------------------------------------------------



@pytest.mark.parametrize(
    ("scheme", "host", "followed"),
    [
        ("http", "cdn2.example", False),  # plain http off the CDN
        ("http", "cdn.example", False),  # ... even on the CDN itself
        ("https", "cdn2.example", True),  # https anywhere: followed
    ],
)
async def test_download_follows_redirects_only_to_https(
    api: HostileServer,
    other: HostileServer,
    client_for: ClientFactory,
    tmp_path: anyio.Path,
    scheme: str,
    host: str,
    followed: bool,
) -> None:
    data = file_bytes(IMAGE)

    async def cdn(request: Request, conn: Conn) -> None:
        if request.path.startswith("/elsewhere"):
            await conn.respond(200, data, content_type="image/png")
        else:
            location = f"{scheme}://{host}/elsewhere{request.path}"
            await conn.respond(302, b"", [("Location", location)], content_type=None)

    async def meta(_request: Request, conn: Conn) -> None:
        await conn.json({"image": image_json(IMAGE, cdn="https://cdn.example")})

    api.handler = meta
    other.handler = cdn
    network = Reroute({"cdn.example": other, "cdn2.example": other})
    async with client_for(api, transport=network, cdn=("cdn.example",)) as client:
        with anyio.fail_after(10):
            image = await client.images.get(IMAGE)
            if followed:
                path = await client.images.download(image, tmp_path)
                assert path.read_bytes() == data
            else:
                with pytest.raises(ba.TransportError, match="https"):
                    await client.images.download(image, tmp_path)
    assert not [u for u in network.sent if u.host != api.host and KEY in str(u)]
    files = [u for u in network.sent if u.host != api.host]
    if not followed:
        assert [u.path.startswith("/elsewhere") for u in files] == [False]
        assert list(tmp_path.iterdir()) == []  # type: ignore[attr-defined]
