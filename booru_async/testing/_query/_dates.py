"""Date values of both grammars, as half-open intervals of epoch microseconds.

Instants are plain integers (microseconds since 1970-01-01T00:00:00Z) computed with
proleptic-Gregorian day arithmetic, so years outside ``datetime``'s range (year 0 is a
valid Philomena date) need no special casing.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from ._errors import QueryError

SECOND = 1_000_000
_DAY = 86_400 * SECOND
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def days_from_civil(year: int, month: int, day: int) -> int:
    """Days between 1970-01-01 and the given proleptic-Gregorian date."""
    year -= month <= 2
    era = year // 400
    year_of_era = year - era * 400
    shifted_month = month + (9 if month <= 2 else -3)
    day_of_year = (153 * shifted_month + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146_097 + day_of_era - 719_468


def is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def days_in_month(year: int, month: int) -> int:
    if month == 2:
        return 29 if is_leap(year) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def instant(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> int:
    """Epoch microseconds of a UTC wall-clock time (no range checks)."""
    seconds = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second
    return seconds * SECOND


def to_micros(value: object) -> int | None:
    """A document date (aware or naive-UTC ``datetime``, or ISO-8601 text) as microseconds."""
    if isinstance(value, str):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return (value - _EPOCH) // timedelta(microseconds=1)


# --- Philomena -----------------------------------------------------------------------------

_LABEL = "a RFC3339 datetime fragment, like `2019-01-01', or relative date, like `3 days ago'"
_WS = " \t\n\r\v\f"
# Each optional part is possessive: once a part matches it is kept, as the server's
# PEG parser does, even when the rest of the input then fails.
_ABSOLUTE = re.compile(
    r"([0-9]{4})"
    r"(?:-([0-9]{2})(?:-([0-9]{2})(?:[Tt \t\n\r\v\f]"
    r"(?:([0-9]{2})(?::([0-9]{2})(?::([0-9]{2}))?+)?+)?+)?+)?+)?+"
    r"(?:([+-])([0-9]{2})(?::([0-9]{2}))?+|[Zz])?+"
)
_UNITS = (
    ("second", 1),
    ("minute", 60),
    ("hour", 3_600),
    ("day", 86_400),
    ("week", 604_800),
    ("month", 2_592_000),
    ("year", 31_536_000),
)
_MILLENNIUM = 31_536_000_000


def _date_error(message: str) -> QueryError:
    # Errors raised from inside the date parser reach the user with the parser's
    # "starting at" suffix; for these the remaining input is always empty.
    return QueryError(message + ", starting at: ")


def philomena_date(value: str, now: int) -> tuple[int, int]:
    """Parse a Philomena date value into ``[lower, upper)`` (epoch microseconds)."""
    match = _ABSOLUTE.fullmatch(value)
    if match is not None:
        return _absolute(match)
    return _relative(value, now)


def _absolute(match: re.Match[str]) -> tuple[int, int]:
    groups = match.groups()
    parts = [int(g) for g in groups[:6] if g is not None]
    sign, tz_hour, tz_minute = groups[6], groups[7], groups[8]
    tz_parts: list[str] = []
    offset = 0
    if sign is not None:
        tz_parts = [sign, str(int(tz_hour)), *([str(int(tz_minute))] if tz_minute else [])]
    failure = _date_error(
        "invalid date format in input, parsed as " + ", ".join([*map(str, parts), *tz_parts])
    )
    if sign is not None:
        hours, minutes = int(tz_hour), int(tz_minute or 0)
        if hours > 23 or minutes > 59:
            raise failure
        offset = (hours * 3600 + minutes * 60) * (1 if sign == "+" else -1)

    year = parts[0]
    month = parts[1] if len(parts) > 1 else 1
    day = parts[2] if len(parts) > 2 else 1
    hour, minute, second = [*parts[3:], 0, 0, 0][:3]
    if not 1 <= month <= 12 or not 1 <= day <= days_in_month(year, month):
        raise failure
    if hour > 23 or minute > 59 or second > 59:
        raise failure

    lower = instant(year, month, day, hour, minute, second)
    if len(parts) == 1:
        span = (366 if is_leap(year) else 365) * _DAY
    elif len(parts) == 2:
        span = days_in_month(year, month) * _DAY
    else:
        span = (_DAY, 3600 * SECOND, 60 * SECOND, SECOND)[len(parts) - 3]
    upper = lower + span
    # The upper bound is re-read as ISO-8601 text, which only has room for four-digit years.
    if upper >= instant(10_000, 1, 1):
        raise failure
    shift = offset * SECOND
    return lower - shift, upper - shift


def _relative(value: str, now: int) -> tuple[int, int]:
    pos = 0
    while pos < len(value) and "0" <= value[pos] <= "9":
        pos += 1
    if pos == 0:
        raise _label_error(value, 0)
    count = int(value[:pos])
    if pos >= len(value) or value[pos] not in _WS:
        raise _label_error(value, pos)
    pos += 1
    unit = next(((w, s) for w, s in _UNITS if value.startswith(w, pos)), None)
    if unit is None:
        raise _label_error(value, pos)
    word, scale = unit
    pos += len(word)
    if value.startswith("s", pos):
        pos += 1
    if value[pos:] != " ago":
        raise _label_error(value, pos)
    if count * scale > _MILLENNIUM:
        raise _date_error(
            "invalid date format in input; requested time "
            f"{count * scale} seconds is over a millennium ago"
        )
    return now - (count + 1) * scale * SECOND, now - count * scale * SECOND


def _label_error(value: str, pos: int) -> QueryError:
    return QueryError(f"expected {_LABEL}, starting at: {value[pos:]}")


# --- legacy (fancy_searchable) -------------------------------------------------------------

_LEGACY_RELATIVE = re.compile(
    r"(\d+) (second|minute|hour|day|week|fortnight|month|year)s? ago", re.ASCII
)
_LEGACY_ZONE = re.compile(r"(?:[ \t\r\n\f\v]*[Zz]|[+\-]\d{2}:\d{2})$", re.ASCII | re.MULTILINE)
_LEGACY_SPLIT = re.compile(r"[-:tT \t\r\n\f\v]")
_LEADING_INT = re.compile(r"[ \t\r\n\f\v]*[+-]?\d+(?:_\d+)*", re.ASCII)


def squish(text: str) -> str:
    """Ruby's ``String#squish``: trim, then collapse whitespace runs to one space."""
    return " ".join(text.split())


def _ruby_to_i(text: str) -> int:
    match = _LEADING_INT.match(text)
    return int(match.group().replace("_", "")) if match else 0


def _shift_months(year: int, month: int, day: int, delta: int) -> tuple[int, int, int]:
    total = year * 12 + (month - 1) + delta
    year, month = divmod(total, 12)
    month += 1
    return year, month, min(day, days_in_month(year, month))


def _civil_from_days(days: int) -> tuple[int, int, int]:
    days += 719_468
    era = days // 146_097
    day_of_era = days - era * 146_097
    year_of_era = (
        day_of_era - day_of_era // 1460 + day_of_era // 36_524 - day_of_era // 146_096
    ) // 365
    year = year_of_era + era * 400
    day_of_year = day_of_era - (365 * year_of_era + year_of_era // 4 - year_of_era // 100)
    shifted_month = (5 * day_of_year + 2) // 153
    day = day_of_year - (153 * shifted_month + 2) // 5 + 1
    month = shifted_month + (3 if shifted_month < 10 else -9)
    return year + (month <= 2), month, day


def _months_ago(moment: int, months: int) -> int:
    days, rest = divmod(moment, _DAY)
    year, month, day = _civil_from_days(days)
    year, month, day = _shift_months(year, month, day, -months)
    return days_from_civil(year, month, day) * _DAY + rest


def legacy_relative(value: str, now: int) -> tuple[int, int] | None:
    """``N units ago`` as ActiveSupport computes it (calendar months and years)."""
    match = _LEGACY_RELATIVE.fullmatch(squish(value))
    if match is None:
        return None
    count, unit = int(match.group(1)), match.group(2)
    months = {"month": 1, "year": 12}.get(unit)
    if months is not None:
        upper = _months_ago(now, count * months)
        return _months_ago(upper, months), upper
    seconds = {"second": 1, "minute": 60, "hour": 3600, "day": 86_400, "week": 604_800}.get(
        unit, 1_209_600
    )
    upper = now - count * seconds * SECOND
    return upper - seconds * SECOND, upper


def _ruby_time(parts: list[int], offset: int) -> int:
    """``Time.utc``/``Time.new`` with Ruby's range checks and day overflow."""
    year, month, day, hour, minute, second = parts
    if not 1 <= month <= 12 or not 1 <= day <= 31:
        raise ValueError
    if not 0 <= minute <= 59 or not 0 <= second <= 60:
        raise ValueError
    if not 0 <= hour <= 23 and not (hour == 24 and minute == 0 and second == 0):
        raise ValueError
    base = days_from_civil(year, month, 1) + day - 1
    return (base * 86_400 + hour * 3600 + minute * 60 + second - offset) * SECOND


def legacy_absolute(value: str) -> tuple[int, int]:
    """fancy_searchable's lenient ISO-8601 reading; raises ``ValueError`` when it gives up."""
    zone: str | None = None

    def take_zone(match: re.Match[str]) -> str:
        nonlocal zone
        zone = match.group().strip(" \t\r\n\f\v")
        return ""

    value = _LEGACY_ZONE.sub(take_zone, value)
    offset = 0
    if zone is not None and zone not in ("z", "Z"):
        hours, minutes = int(zone[1:3]), int(zone[4:6])
        if hours > 23 or minutes > 59:
            raise ValueError
        offset = (hours * 3600 + minutes * 60) * (1 if zone[0] == "+" else -1)
    colon = value.find(":")
    if colon >= 0:
        dash = value.find("-")
        if dash < 0 or colon < dash:
            raise ValueError
    pieces = _LEGACY_SPLIT.split(squish(value))
    while pieces and pieces[-1] == "":
        pieces.pop()
    parts = [_ruby_to_i(piece) for piece in pieces] or [0]
    if len(parts) > 6:
        raise ValueError
    given = len(parts)
    start = parts + [1, 1, 0, 0, 0][given - 1 :]
    month = parts[1] if given > 1 else 12
    if not 1 <= month <= 12:
        raise ValueError
    end_parts = [
        parts[0],
        month,
        parts[2] if given > 2 else days_in_month(parts[0], month),
        parts[3] if given > 3 else 23,
        parts[4] if given > 4 else 59,
        parts[5] if given > 5 else 59,
    ]
    lower = _ruby_time(start, offset)
    upper = _ruby_time(end_parts, offset) + SECOND
    return lower, upper


# --- booru-on-rails (pre-2020 Derpibooru) --------------------------------------------------

# lib/search_parser.rb, SearchTerm#normalize_val (date branch) of derpibooru/booru-on-rails
# 8aa5a8f: the value is consumed piece by piece with these patterns and anything that does
# not fit is an error, unlike fancy_searchable's lenient ``split.map(&:to_i)`` (so
# ``created_at:garbage`` is a 400 on booru-on-rails but year 0 on Twibooru).
_RAILS_PIECES = (
    re.compile(r"(\d{4})", re.ASCII),
    re.compile(r"-(\d{2})", re.ASCII),
    re.compile(r"-(\d{2})", re.ASCII),
    re.compile(r"(?:[ \t\r\n\f\v]+|T|t)(\d{2})", re.ASCII),
    re.compile(r":(\d{2})", re.ASCII),
    re.compile(r":(\d{2})", re.ASCII),
)
_RAILS_DEFAULTS = (0, 1, 1, 0, 0, 0)


def rails_relative(value: str, now: int) -> tuple[int, int] | None:
    """lib/relative_date_parser.rb of booru-on-rails: like fancy_searchable's, without
    ``fortnight``."""
    bounds = legacy_relative(value, now)
    if bounds is None or "fortnight" in value:
        return None
    return bounds


def rails_absolute(value: str) -> tuple[int, int]:
    """booru-on-rails' strict ISO-8601 reading: ``[lower, upper)``; ``ValueError`` when the
    server would fall through to the relative parser (and then refuse the value)."""
    zone: str | None = None

    def take_zone(match: re.Match[str]) -> str:
        nonlocal zone
        zone = match.group().strip(" \t\r\n\f\v")
        return ""

    rest = _LEGACY_ZONE.sub(take_zone, value)
    offset = 0
    if zone is not None and zone not in ("z", "Z"):
        hours, minutes = int(zone[1:3]), int(zone[4:6])
        if hours > 23 or minutes > 59:
            raise ValueError
        offset = (hours * 3600 + minutes * 60) * (1 if zone[0] == "+" else -1)
    parts: list[int | None] = [None] * 6
    target = -1
    for pattern in _RAILS_PIECES:
        if not rest:
            break
        target += 1
        match = pattern.match(rest)
        if match is None:
            raise ValueError
        parts[target] = int(match.group(1))
        rest = rest[match.end() :]
    # Pieces beyond the sixth are ignored, as the Ruby loop stops after six patterns.

    def build(values: list[int | None]) -> int:
        filled = [d if v is None else v for v, d in zip(values, _RAILS_DEFAULTS, strict=True)]
        return _ruby_time(filled, offset)

    lower = build(parts)
    while True:
        current = parts[target]
        assert current is not None
        parts[target] = current + 1
        try:
            return lower, build(parts)
        except ValueError:
            # Days and months roll back to 1, time pieces to 0, and the next larger piece
            # is increased (the ``rescue`` branch of the Ruby loop).
            parts[target] = 1 if target < 3 else 0
            target -= 1
            if target < 0:
                raise
