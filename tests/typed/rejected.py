"""Calls mypy --strict must reject: each line marked ``# rejected: <error code>`` is expected
to produce exactly that error (``tests/test_typed.py``). Never run."""

from __future__ import annotations

import booru_async as ba


async def misuse(client: ba.Client) -> None:
    client.with_options(priority="urgent")  # rejected: arg-type
    client.with_options(max_wiat=1)  # rejected: call-arg
    client.with_options(max_wait="soon")  # rejected: arg-type
    ba.Client("demo", priority="asap")  # rejected: arg-type
    client.images.search("safe", order="up")  # rejected: arg-type
    client.images.search("safe", sort="scroe")  # rejected: arg-type
    image = await client.images.get(1)
    print(image.representations.full)  # rejected: union-attr
