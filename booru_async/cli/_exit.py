"""Exit codes, and turning an exception into one clear line on stderr."""

from __future__ import annotations

import traceback
from enum import IntEnum

import click

import booru_async as ba

__all__ = ["EPILOG", "ExitCode", "classify", "describe", "redact", "report"]


class ExitCode(IntEnum):
    """The documented exit statuses of ``booru-async``."""

    OK = 0
    FAILURE = 1
    USAGE = 2
    BAD_QUERY = 3
    NOT_FOUND = 4
    RATE_LIMITED = 5
    BLOCKED = 6
    NETWORK = 7
    INTEGRITY = 8
    UNSUPPORTED = 9
    SERVER = 10
    AUTH = 11
    FILES = 12
    INTERRUPTED = 130


#: (exception class, exit code, label), most specific first.
_TABLE: tuple[tuple[type[BaseException], ExitCode, str], ...] = (
    (ba.BadQuery, ExitCode.BAD_QUERY, "bad query"),
    (ba.NotFound, ExitCode.NOT_FOUND, "not found"),
    (ba.RateLimited, ExitCode.RATE_LIMITED, "rate limited"),
    (ba.Blocked, ExitCode.BLOCKED, "blocked"),
    (ba.TransportError, ExitCode.NETWORK, "network error"),
    (ba.IntegrityError, ExitCode.INTEGRITY, "integrity error"),
    (ba.UnsupportedOperation, ExitCode.UNSUPPORTED, "unsupported"),
    (ba.Unauthorized, ExitCode.AUTH, "unauthorized"),
    (ba.Forbidden, ExitCode.AUTH, "forbidden"),
    (ba.ServerError, ExitCode.SERVER, "server error"),
    (ba.DecodeError, ExitCode.SERVER, "bad answer"),
    (ba.HTTPStatusError, ExitCode.SERVER, "server error"),
)

EPILOG = """\b
Exit status:
   0  success
   1  other error (several kinds of download failure at once; missing click/rich;
      anything unexpected, shown as one line: -vv adds its traceback)
   2  usage error (bad option, unknown site, cursor file of another crawl)
   3  bad query (the server rejected the search: ba.BadQuery)
   4  not found (ba.NotFound; also a hidden image asked for by id)
   5  rate limited (ba.RateLimited: retries spent or the wait exceeded the budget)
   6  blocked (ba.Blocked: the site's anti-bot challenge or a ban)
   7  network error (ba.TransportError: connection refused, reset, timed out)
   8  integrity error (ba.IntegrityError: a download's SHA-512 did not match)
   9  unsupported operation (the site's API flavour has no such route)
  10  server error (5xx, or an answer that is not the JSON expected)
  11  unauthorized or forbidden (401/403)
  12  file error (cannot write --dest, --output or a cursor file: disk full,
      permission denied, no such folder; a full disk stops a download at once)
 130  interrupted (Ctrl-C or SIGTERM); run the same crawl/download again to resume
"""


def classify(exc: BaseException) -> tuple[ExitCode, str]:
    """The exit code and a short label for an exception."""
    for cls, code, label in _TABLE:
        if isinstance(exc, cls):
            return code, label
    if isinstance(exc, ba.BooruError):
        return ExitCode.FAILURE, "error"
    if isinstance(exc, OSError):
        return ExitCode.FILES, "file error"
    return ExitCode.FAILURE, type(exc).__name__


def redact(text: str, key: str | None) -> str:
    """``text`` without the API key (belt and braces: the library already omits it)."""
    return text.replace(key, "***") if key else text


def describe(exc: BaseException) -> str:
    """``str(exc)`` on one line; for an ``OSError``, what failed on which file."""
    if isinstance(exc, OSError) and exc.strerror:
        where = f": {exc.filename}" if exc.filename else ""
        return f"{exc.strerror}{where}"
    return " ".join(str(exc).split()) or type(exc).__name__


def report(exc: BaseException, *, key: str | None, verbose: int, prefix: str = "") -> ExitCode:
    """Print one line for ``exc`` on stderr (and its traceback with ``-vv``)."""
    code, label = classify(exc)
    if verbose >= 2:
        trace = "".join(traceback.format_exception(exc))
        click.echo(redact(trace.rstrip(), key), err=True)
    message = describe(exc)
    click.echo(redact(f"booru-async: {prefix}{label}: {message}", key), err=True)
    return code
