"""How much structuring a page of images costs compared with decoding its JSON.

Builds synthetic Philomena ``/search/images`` bodies from the real 2024 image fixture
(ids, tags, tag ids, hashes and counts varied per image), then times, on the same bytes and
in the same run (best of ``--repeat`` rounds):

* ``decode``    ``orjson.loads(body)``
* ``total``     ``orjson.loads(body)`` + ``Decoder.structure_list(...)`` (what a client does)
* ``structure`` ``Decoder.structure_list(...)`` alone on an already decoded body

and prints images per second and the ratios ``structure / decode`` and ``total / decode``.
The target is ``total / decode <= 3``.

Run: ``python benchmarks/bench_convert.py [--repeat N] [--profile]``.
"""

from __future__ import annotations

import argparse
import copy
import cProfile
import pstats
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from booru_async._convert import Context, Decoder
from booru_async._models import Image

FIXTURE = (
    Path(__file__).resolve().parents[1]
    / "tests/fixtures/real/derpibooru/appledash-2024-11-images.json"
)
CTX = Context(site="derpibooru", base_url="https://derpibooru.org", flavour="philomena")


def _template() -> dict[str, Any]:
    raw = orjson.loads(FIXTURE.read_bytes())
    image: dict[str, Any] = raw["images"][0]
    # The fixture's author trimmed these two keys; the live site always sends them.
    image.setdefault("source_url", "")
    image.setdefault("orig_size", None)
    return image


def build_page(count: int, *, seed_id: int = 3_000_000) -> bytes:
    """A ``{"images": [...], "interactions": [], "total": N}`` body of ``count`` images."""
    template = _template()
    extra_tags = [f"tag number {n}" for n in range(400)]
    images = []
    for n in range(count):
        image = copy.deepcopy(template)
        image_id = seed_id - n
        image["id"] = image_id
        tags = list(template["tags"])[: 20 + n % 22] + extra_tags[n % 300 : n % 300 + n % 7]
        image["tags"] = tags
        image["tag_ids"] = [10_000 + (n * 37 + k) % 900_000 for k in range(len(tags))]
        image["tag_count"] = len(tags)
        image["score"] = n * 3 - 40
        image["upvotes"] = n * 4
        image["faves"] = n * 2
        image["wilson_score"] = 0 if n % 10 == 0 else (n % 97) / 100
        image["sha512_hash"] = f"{image_id:0128x}"
        image["orig_sha512_hash"] = None if n % 5 == 0 else f"{image_id * 7:0128x}"
        image["source_urls"] = [f"https://example.com/art/{image_id}"] if n % 3 else []
        image["source_url"] = image["source_urls"][0] if image["source_urls"] else ""
        date = f"2024/{1 + n % 12}/{1 + n % 28}"
        image["representations"] = {
            key: f"https://derpicdn.net/img/{date}/{image_id}/{key}.jpg"
            for key in template["representations"]
        }
        image["representations"]["full"] = f"https://derpicdn.net/img/view/{date}/{image_id}.jpg"
        image["created_at"] = f"2024-{1 + n % 12:02}-{1 + n % 28:02}T{n % 24:02}:10:59Z"
        images.append(image)
    return orjson.dumps({"images": images, "interactions": [], "total": 9_000_000})


def _best(fn: Callable[[], object], repeat: int, number: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - start) / number)
    return best


def measure(body: bytes, count: int, repeat: int) -> dict[str, float]:
    decoder = Decoder(CTX)
    decoded = orjson.loads(body)

    def decode() -> object:
        return orjson.loads(body)

    def total() -> object:
        return decoder.structure_list(orjson.loads(body)["images"], Image)

    def structure() -> object:
        return decoder.structure_list(decoded["images"], Image)

    assert len(total()) == count  # type: ignore[arg-type]
    # Aim each timing round at ~50 ms so small pages are not dominated by timer noise.
    probe = _best(total, 1, 1)
    number = max(1, int(0.05 / max(probe, 1e-6)))
    t_decode = _best(decode, repeat, number)
    t_total = _best(total, repeat, number)
    t_structure = _best(structure, repeat, number)
    return {"decode": t_decode, "total": t_total, "structure": t_structure}


def report(label: str, count: int, body: bytes, times: dict[str, float]) -> None:
    print(f"{label}: {count} images, {len(body) / 1024:.0f} KiB")
    for key in ("decode", "structure", "total"):
        t = times[key]
        print(f"  {key:<9} {t * 1e3:9.3f} ms/page {count / t:12,.0f} images/s")
    print(
        f"  structure / decode = {times['structure'] / times['decode']:.2f}x   "
        f"total / decode = {times['total'] / times['decode']:.2f}x   (target total <= 3x)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=7, help="rounds; the best is reported")
    parser.add_argument("--large", type=int, default=5000, help="images on the large page")
    parser.add_argument("--profile", action="store_true", help="cProfile the large page")
    args = parser.parse_args(argv)

    print(f"Python {sys.version.split()[0]}, orjson {orjson.__version__}")
    worst = 0.0
    for label, count in (("small page", 50), ("large page", args.large)):
        body = build_page(count)
        times = measure(body, count, args.repeat)
        report(label, count, body, times)
        worst = max(worst, times["total"] / times["decode"])

    if args.profile:
        body = build_page(args.large)
        decoder = Decoder(CTX)
        decoded = orjson.loads(body)
        profiler = cProfile.Profile()
        profiler.enable()
        decoder.structure_list(decoded["images"], Image)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(15)
    return 0 if worst <= 3.0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
