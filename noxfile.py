"""Developer sessions: ``nox -s tests lint typecheck docs bench``."""

from __future__ import annotations

import nox

nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.default_venv_backend = "venv"

PYTHONS = ["3.11", "3.12", "3.13"]


def install(session: nox.Session, *args: str) -> None:
    """pip >= 25.1 first: dependency groups (``--group``) need it."""
    session.install("-U", "pip>=25.1")
    session.install(*args)


@nox.session(python=PYTHONS[0])
def tests(session: nox.Session) -> None:
    """The whole test suite (asyncio and trio)."""
    install(session, "-e", ".", "--group", "test")
    # As in .ci/run: the Redis tests must run against a real redis-server, not skip.
    session.run("pytest", *session.posargs, env={"BOORU_REQUIRE_REDIS": "1"})


@nox.session(python=PYTHONS[0])
def lint(session: nox.Session) -> None:
    """ruff."""
    install(session, "--group", "lint")
    session.run("ruff", "check", "booru_async", "tests", "benchmarks", "docs", "noxfile.py")


@nox.session(python=PYTHONS[0])
def typecheck(session: nox.Session) -> None:
    """mypy --strict on the package."""
    install(session, "-e", ".", "--group", "typecheck")
    session.run("mypy", "--strict", "booru_async")


@nox.session(python=PYTHONS[0])
def docs(session: nox.Session) -> None:
    """Build the mkdocs site (strict: broken links fail)."""
    install(session, "-e", ".", "--group", "docs")
    session.run("mkdocs", "build", "--strict", "--site-dir", "site")


@nox.session(python=PYTHONS[0])
def bench(session: nox.Session) -> None:
    """Speed targets, printed as ratios against a baseline measured in the same run."""
    install(session, "-e", ".", "--group", "bench")
    # Exit status 1 means "a target was missed": report it and go on to the next bench.
    session.run("python", "benchmarks/bench_convert.py", *session.posargs, success_codes=[0, 1])
    session.run("python", "benchmarks/bench_scheduler.py", success_codes=[0, 1])
    session.run("python", "benchmarks/bench_budget.py", success_codes=[0, 1])
    # Needs redis-server on PATH (apt-get install -y redis-server); exit 1 without it.
    session.run("python", "benchmarks/bench_redis.py", success_codes=[0, 1])
