"""``--config FILE``: defaults for every option from a TOML file.

The default file is ``$XDG_CONFIG_HOME/booru-async/config.toml`` (``~/.config/...`` when the
variable is unset); a missing default file is no error, a missing ``--config`` file is.
Layout::

    site = "derpibooru"          # common options at the top
    priority = "normal"
    cache = "~/.cache/booru-async/http.sqlite"

    [download]                   # one table per command: its own options
    dest = "~/Pictures/booru"
    template = "{site}/{rating}/{id}.{ext}"
    archive = "~/.local/share/booru-async/archive.sqlite"
    metadata = true

    [sites.derpibooru]           # per site: key, filter_id, base_url
    key = "..."
    filter_id = 56027

Precedence, highest first: the command line, ``BOORU_API_KEY``, ``[sites.<site>]``, the top
of the file, the built-in default. ``key`` and ``base_url`` are accepted only under
``[sites.<name>]``: a key belongs to one site and must never be sent to another. Paths may
start with ``~``.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["COMMON_KEYS", "SITE_KEYS", "Config", "default_path", "load_config"]

#: Common options a config file may set at its top.
COMMON_KEYS = frozenset({"site", "filter_id", "cache", "priority", "retries", "limit", "format"})
#: Options a ``[sites.<name>]`` table may set.
SITE_KEYS = frozenset({"key", "filter_id", "base_url", "cache", "priority", "retries"})
_PATH_KEYS = frozenset({"cache", "dest", "archive", "output", "cursor_file", "from_file"})


@dataclass(frozen=True)
class Config:
    """A parsed config file: top-level options, per-command tables, per-site tables."""

    path: Path | None = None
    common: Mapping[str, Any] = field(default_factory=dict)
    commands: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    sites: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


def default_path(environ: Mapping[str, str] | None = None) -> Path:
    """``$XDG_CONFIG_HOME/booru-async/config.toml`` (``~/.config`` when unset or relative,
    as the XDG base directory specification says)."""
    env = os.environ if environ is None else environ
    base = env.get("XDG_CONFIG_HOME", "")
    root = Path(base) if base and os.path.isabs(base) else Path.home() / ".config"
    return root / "booru-async" / "config.toml"


def _expand(key: str, value: Any) -> Any:
    if key in _PATH_KEYS and isinstance(value, str):
        return os.path.expanduser(value)
    return value


def load_config(
    path: Path, *, commands: Mapping[str, frozenset[str]], sites: frozenset[str] | None = None
) -> Config:
    """Read and check ``path``. ``commands`` maps each command to its option names (a
    table for an unknown command or option is an error, so a typo does not go unnoticed).
    Raises ``ValueError`` with one line saying what is wrong and where."""
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: not valid TOML: {exc}") from None
    common: dict[str, Any] = {}
    tables: dict[str, dict[str, Any]] = {}
    site_tables: dict[str, dict[str, Any]] = {}
    for key, value in data.items():
        if key == "sites":
            if not isinstance(value, dict):
                raise ValueError(f"{path}: 'sites' must be a table of [sites.<name>] tables")
            for name, table in value.items():
                if sites is not None and name not in sites:
                    raise ValueError(
                        f"{path}: [sites.{name}]: unknown site; one of {', '.join(sorted(sites))}"
                    )
                if not isinstance(table, dict):
                    raise ValueError(f"{path}: [sites.{name}] must be a table")
                unknown = set(table) - SITE_KEYS
                if unknown:
                    raise ValueError(
                        f"{path}: [sites.{name}]: unknown option(s) {', '.join(sorted(unknown))};"
                        f" allowed: {', '.join(sorted(SITE_KEYS))}"
                    )
                site_tables[name] = {k: _expand(k, v) for k, v in table.items()}
        elif key in commands and isinstance(value, dict):
            allowed = commands[key]
            unknown = {k.replace("-", "_") for k in value} - allowed
            if unknown:
                raise ValueError(
                    f"{path}: [{key}]: unknown option(s) {', '.join(sorted(unknown))};"
                    f" allowed: {', '.join(sorted(allowed))}"
                )
            tables[key] = {k.replace("-", "_"): _expand(k, v) for k, v in value.items()}
        elif key in ("key", "base_url"):
            raise ValueError(
                f"{path}: '{key}' belongs under [sites.<name>]: a {key.replace('_', ' ')} is"
                " one site's, never sent to another"
            )
        elif key.replace("-", "_") in COMMON_KEYS:
            common[key.replace("-", "_")] = _expand(key, value)
        else:
            raise ValueError(
                f"{path}: unknown option {key!r}; top-level options: "
                f"{', '.join(sorted(COMMON_KEYS))}, tables: [<command>], [sites.<name>]"
            )
    return Config(path=path, common=common, commands=tables, sites=site_tables)
