"""The recorded payloads live in the repository, byte-for-byte as recorded.

A clone with nothing beside it must run the whole suite: ``realdata.FIXTURES`` points inside
the checkout, and ``SHA256SUMS`` (written when the files were copied from the shared store)
pins every byte, so a re-formatted or "tidied" fixture fails here rather than quietly
changing what the converter tests prove.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from realdata import FIXTURES

REPO = Path(__file__).resolve().parents[1]


def _manifest() -> dict[str, str]:
    lines = (FIXTURES / "SHA256SUMS").read_text().splitlines()
    return {name.removeprefix("./"): digest for digest, name in (ln.split(maxsplit=1) for ln in lines)}


def test_fixtures_are_inside_the_checkout() -> None:
    assert FIXTURES == REPO / "tests" / "fixtures" / "real"
    assert (FIXTURES / "SOURCES.md").is_file()


def test_every_fixture_is_byte_for_byte_as_recorded() -> None:
    manifest = _manifest()
    on_disk = {p.relative_to(FIXTURES).as_posix() for p in FIXTURES.rglob("*.json")}
    assert on_disk == set(manifest)
    assert len(manifest) == 16
    for name, digest in manifest.items():
        assert hashlib.sha256((FIXTURES / name).read_bytes()).hexdigest() == digest, name


def test_every_fixture_has_provenance() -> None:
    sources = (FIXTURES / "SOURCES.md").read_text()
    for name in _manifest():
        assert f"`{Path(name).name}`" in sources, name


def test_no_test_or_benchmark_reads_the_shared_store() -> None:
    # ../shared is optional: nothing under tests/ or benchmarks/ may build a path into it.
    offenders = [
        str(p.relative_to(REPO))
        for folder in ("tests", "benchmarks")
        for p in (REPO / folder).rglob("*.py")
        if p.resolve() != Path(__file__).resolve()
        and ("shared/fixtures" in p.read_text() or '"shared"' in p.read_text())
    ]
    assert offenders == []
