"""What every command shares: the common options, the client they build, and the runner
that turns errors and Ctrl-C into one line and an exit status."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import click

import booru_async as ba

from ._config import Config, default_path, load_config
from ._exit import ExitCode, redact, report
from ._output import FORMATS, Format

__all__ = [
    "PRIORITIES",
    "Settings",
    "common_options",
    "config_option",
    "files_guard",
    "format_option",
    "limit_option",
    "make_client",
    "run",
    "settings",
]

F = TypeVar("F", bound=Callable[..., Any])
PRIORITIES: tuple[ba.Priority, ...] = ("interactive", "normal", "bulk")
KEY_ENV = "BOORU_API_KEY"


@dataclass
class Settings:
    """The common options, gathered from the group and the subcommand (the subcommand's
    win when both are given)."""

    site: str = "derpibooru"
    base_url: str | None = None
    key: str | None = None
    filter_id: int | None = None
    cache: Path | None = None
    limit: int | None = None
    format: Format | None = None
    priority: ba.Priority | None = None
    retries: int | None = None
    verbose: int = 0
    #: Options given on the command line or through the environment (config fills the rest).
    given: set[str] = field(default_factory=set)
    config: Config | None = None
    resolved: bool = False

    def output_format(self) -> Format:
        return self.format or "table"

    def resolve(self) -> None:
        """Fill the options not given from the config file: ``[sites.<site>]`` first, then
        the top of the file. Idempotent."""
        if self.resolved:
            return
        self.resolved = True
        config = self.config
        if config is None:
            return
        origin = str(config.path)
        if "site" not in self.given and "site" in config.common:
            self.site = _checked("site", config.common["site"], origin)
        per_site = config.sites.get(self.site.lower(), {})
        for name in ("key", "base_url", "filter_id", "cache", "priority", "retries", "limit",
                     "format"):
            if name in self.given:
                continue
            if name in per_site:
                where = f"{origin} [sites.{self.site.lower()}]"
                setattr(self, name, _checked(name, per_site[name], where))
            elif name in config.common:
                setattr(self, name, _checked(name, config.common[name], origin))


def _checked(name: str, value: Any, where: str) -> Any:
    """A config value, checked as the command line would check it."""

    def bad(expected: str) -> click.UsageError:
        return click.UsageError(f"{where}: {name} must be {expected}, not {value!r}")

    if name == "site":
        if not isinstance(value, str) or value.lower() not in ba.SITES:
            raise bad(f"one of {', '.join(sorted(ba.SITES))}")
        return value.lower()
    if name in ("key", "base_url"):
        if not isinstance(value, str):
            raise bad("a string")
        return value.strip() or None
    if name in ("filter_id", "retries", "limit"):
        low = 1 if name == "filter_id" else 0
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise bad(f"a whole number >= {low}")
        return value
    if name == "cache":
        if not isinstance(value, str):
            raise bad("a file path")
        return Path(value)
    if name == "priority":
        if value not in PRIORITIES:
            raise bad(f"one of {', '.join(PRIORITIES)}")
        return value
    if name == "format":
        if value not in FORMATS:
            raise bad(f"one of {', '.join(FORMATS)}")
        return value
    return value  # pragma: no cover - every config key is listed above


def settings() -> Settings:
    """The current invocation's :class:`Settings`, with the config file applied."""
    s = click.get_current_context().ensure_object(Settings)
    s.resolve()
    return s


def _load_config(ctx: click.Context, _param: click.Parameter, value: Path | None) -> None:
    target = ctx.ensure_object(Settings)
    path = value if value is not None else default_path()
    if value is None and not path.is_file():
        return
    group = ctx.command
    commands: dict[str, frozenset[str]] = {}
    if isinstance(group, click.Group):
        for name, command in group.commands.items():
            commands[name] = frozenset(
                p.name for p in command.params if p.name and p.expose_value
            )
    try:
        config = load_config(path, commands=commands, sites=frozenset(ba.SITES))
    except FileNotFoundError:
        raise click.BadParameter(f"{path} does not exist", param_hint="--config") from None
    except (OSError, ValueError) as exc:
        raise click.UsageError(str(exc)) from None
    # Check every value now, not only the used site's: a mistake shows on the first run.
    for name, value in config.common.items():
        _checked(name, value, str(path))
    for site, table in config.sites.items():
        for name, value in table.items():
            _checked(name, value, f"{path} [sites.{site}]")
    target.config = config
    # Per-command tables are click defaults: the command line still wins.
    ctx.default_map = {**(ctx.default_map or {}), **config.commands}


def config_option() -> Callable[[F], F]:
    """``--config FILE`` on the group (read before every other option)."""
    decorator: Callable[[F], F] = click.option(
        "--config",
        type=click.Path(dir_okay=False, path_type=Path),
        callback=_load_config,
        expose_value=False,
        is_eager=True,
        help="TOML file of option defaults and per-site keys "
        "(default $XDG_CONFIG_HOME/booru-async/config.toml).",
    )
    return decorator


def _store(name: str) -> Callable[[click.Context, click.Parameter, Any], None]:
    def callback(ctx: click.Context, _param: click.Parameter, value: Any) -> None:
        if value is None:
            return
        target = ctx.ensure_object(Settings)
        target.given.add(name)
        if name == "verbose":
            target.verbose += int(value)
        elif name == "key":
            target.key = value.strip() or None
        else:
            setattr(target, name, value)

    return callback


def _option(*decls: str, name: str, **kwargs: Any) -> Callable[[F], F]:
    decorator: Callable[[F], F] = click.option(
        *decls, callback=_store(name), expose_value=False, **kwargs
    )
    return decorator


def common_options(*, group: bool = False) -> Callable[[F], F]:
    """The options every client command takes; on the group and again on each command."""

    def decorate(f: F) -> F:
        options = [
            _option(
                "--site",
                name="site",
                type=click.Choice(sorted(ba.SITES), case_sensitive=False),
                help="Built-in site profile (default derpibooru; 'demo' works offline).",
            ),
            _option(
                "--base-url",
                name="base_url",
                metavar="URL",
                help="Serve the profile from another host (mirrors, `booru-async serve`).",
            ),
            _option(
                "--key",
                name="key",
                metavar="KEY",
                envvar=KEY_ENV if group else None,
                show_envvar=group,
                help="API key (or BOORU_API_KEY); never printed.",
            ),
            _option(
                "--filter-id",
                name="filter_id",
                type=click.IntRange(min=1),
                help="Search with this filter id.",
            ),
            _option(
                "--cache",
                name="cache",
                type=click.Path(dir_okay=False, path_type=Path),
                help="Keep an HTTP cache in this SQLite file.",
            ),
            _option(
                "--priority",
                name="priority",
                type=click.Choice(PRIORITIES),
                help="Scheduling priority (crawl and download default to bulk).",
            ),
            _option(
                "--retries",
                name="retries",
                type=click.IntRange(min=0),
                help="Retries after transient failures (default 3).",
            ),
            _option(
                "-v",
                "--verbose",
                name="verbose",
                count=True,
                default=None,
                help="Log the booru_async logger to stderr; twice: tracebacks too.",
            ),
        ]
        for option in reversed(options):
            f = option(f)
        return f

    return decorate


def limit_option(help: str = "Stop after this many items (0: no limit).") -> Callable[[F], F]:
    return _option("--limit", "-n", name="limit", type=click.IntRange(min=0), help=help)


def format_option() -> Callable[[F], F]:
    return _option(
        "--format",
        "-f",
        name="format",
        type=click.Choice(FORMATS),
        help="table (default), json (one document) or jsonl (one object per line).",
    )


def make_client(s: Settings, *, priority: ba.Priority = "normal") -> ba.Client:
    """A client for the settings; a bad site/URL/key combination is a usage error."""
    extra: dict[str, Any] = {}
    if s.retries is not None:
        extra["retry"] = ba.RetryPolicy(retries=s.retries)
    try:
        if s.cache is not None:
            extra["cache"] = ba.SQLiteCache(s.cache)  # refuses a file that is not SQLite
        return ba.Client(
            s.site.lower(),
            key=s.key,
            filter_id=s.filter_id,
            base_url=s.base_url,
            priority=s.priority or priority,
            **extra,
        )
    except ValueError as exc:
        raise click.UsageError(redact(str(exc), s.key)) from None


class _StderrHandler(logging.Handler):
    """Writes to whatever ``sys.stderr`` is at the time, so log lines go above a progress
    bar (rich swaps ``sys.stderr`` while one is shown)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
            sys.stderr.flush()
        except Exception:
            self.handleError(record)


class _Redact(logging.Filter):
    def __init__(self, key: str | None) -> None:
        super().__init__()
        self._key = key

    def filter(self, record: logging.LogRecord) -> bool:
        if self._key:
            message = record.getMessage()
            if self._key in message:
                record.msg = message.replace(self._key, "***")
                record.args = None
        return True


@contextmanager
def _logging(s: Settings) -> Iterator[None]:
    if not s.verbose:
        yield
        return
    logger = logging.getLogger("booru_async")
    handler = _StderrHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(_Redact(s.key))
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)


def _first_error(exc: BaseException) -> BaseException:
    """The error that matters inside (nested) exception groups."""
    while isinstance(exc, BaseExceptionGroup):
        inner = [e for e in exc.exceptions if not isinstance(e, asyncio.CancelledError)]
        exc = inner[0] if inner else exc.exceptions[0]
    return exc


async def _cancel_on_sigterm(work: Callable[[], Coroutine[Any, Any, int | None]]) -> int | None:
    """Run ``work``; SIGTERM cancels it like Ctrl-C does, so the same cleanup runs (the
    library deletes temporary download files; the crawl cursor is already in step)."""
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    installed = False
    if task is not None:
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signal.SIGTERM, task.cancel)
            installed = True
    try:
        return await work()
    finally:
        if installed:
            loop.remove_signal_handler(signal.SIGTERM)


def run(s: Settings, work: Callable[[], Coroutine[Any, Any, int | None]]) -> None:
    """Run ``work`` on asyncio; errors become one line on stderr and their exit status,
    Ctrl-C (or SIGTERM) becomes status 130."""
    code: int | None
    with _logging(s):
        try:
            code = asyncio.run(_cancel_on_sigterm(work))
        except (KeyboardInterrupt, asyncio.CancelledError):
            click.echo("booru-async: interrupted", err=True)
            code = ExitCode.INTERRUPTED
        except click.ClickException:
            raise
        except (ba.BooruError, BaseExceptionGroup) as exc:
            error = _first_error(exc)
            if isinstance(error, click.ClickException):
                raise error from None
            if isinstance(error, KeyboardInterrupt):
                click.echo("booru-async: interrupted", err=True)
                code = ExitCode.INTERRUPTED
            else:
                code = report(error, key=s.key, verbose=s.verbose)
        except UnicodeError as exc:  # a ValueError, but never the user's mistake
            code = report(exc, key=s.key, verbose=s.verbose)
        except ValueError as exc:
            # The library's argument checks (per_page out of range, bad cursor, ...).
            if s.verbose >= 2:
                report(exc, key=s.key, verbose=s.verbose)
            raise click.UsageError(redact(str(exc), s.key)) from None
        except BrokenPipeError:
            # The reader went away (`| head`): stop quietly, and keep Python from
            # complaining when it flushes stdout at exit.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            code = ExitCode.FAILURE
        except Exception as exc:
            # OSError (a file that cannot be written) and anything unexpected: one line and
            # its documented status, never a traceback (-vv shows it).
            code = report(exc, key=s.key, verbose=s.verbose)
    if code:
        raise click.exceptions.Exit(int(code))


@contextmanager
def files_guard(s: Settings) -> Iterator[None]:
    """Around a command's own file work outside :func:`run` (opening ``--output``, cursor
    files): an ``OSError`` becomes one line and exit status 12."""
    try:
        yield
    except OSError as exc:
        raise click.exceptions.Exit(int(report(exc, key=s.key, verbose=s.verbose))) from None
