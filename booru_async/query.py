"""Build search strings for Philomena-family boorus, escaped correctly for each grammar.

A :class:`Query` is an immutable expression tree.  Combine queries with ``&`` (AND),
``|`` (OR) and ``~`` (NOT), or with :func:`all_of`, :func:`any_of` and :func:`not_`;
plain strings are accepted wherever a query is and are embedded as-is (see :func:`raw`).
``str(q)`` renders for Philomena; ``q.render("twibooru")`` (or ``"legacy"``) renders for
the booru-on-rails ``fancy_searchable`` grammar that Twibooru and pre-2020 Derpibooru use.

>>> from booru_async import query as q
>>> str(q.tag("safe") & ~q.tag("fluttershy (g4)") & q.field("score", gte=100))
'safe, -"fluttershy (g4)", score.gte:100'
>>> recent = q.field("created_at", gt=q.ago(3, "days"))
>>> str(q.any_of(q.tag("artist:foo"), q.tag("score:5")) & recent)
'(artist:foo OR score\\\\:5), created_at.gt:3 days ago'

Meaning
-------
* :func:`tag` matches exactly one tag name: no wildcard, no fuzziness, no field prefix,
  whatever characters it holds.  The server normalises the name before comparing it with
  the (already normalised) tags of each image: Philomena lower-cases it and applies its
  tag-name cleaning (unicode spaces and curly quotes made plain, ``_`` read as a space
  except after ``artist:``/``oc:``/..., ``namespace : x`` tightened, spaces trimmed and
  collapsed); the legacy grammar only lower-cases it.  The builder itself trims the name
  and collapses runs of whitespace to one space (tag names never hold anything else).
* String values of :func:`field` are exact literals too (the server trims and, for most
  fields, lower-cases them).  For analysed text fields such as ``description`` the
  server matches the string as a phrase.
* Numbers, booleans, :class:`datetime.date`, :class:`datetime.datetime` and :func:`ago`
  values are written in the form both grammars read.  A date stands for its whole day and
  a datetime for its whole second (sub-second parts are dropped; naive datetimes are read
  as UTC).  ``gte``/``lt`` compare with the start of that interval, ``gt``/``lte`` with its
  end, ``eq`` means "within".  For absolute dates ``gt``/``lte`` are written as ``gte``/``lt``
  of the following day or second, because the two grammars disagree by one instant on
  ``gt``/``lte`` at the boundary.
* ``N units ago`` denotes the interval ``[now - (N+1) units, now - N units)``, so
  ``field("created_at", gt=ago(3, "days"))`` means "in the last 3 days" and
  ``lte=ago(3, "days")`` means "3 or more days ago".  Philomena counts a month as 30
  days and a year as 365; the legacy grammar uses calendar months and years.
* Which fields exist depends on the site and grammar (the legacy grammar has no
  ``animated`` or ``mime_type``, for instance, and reads an unknown ``name:value`` as a
  tag); the builder does not check field names against a site.

Flavours
--------
``"philomena"`` quotes a term (``"..."`` with ``\\"`` and ``\\\\`` inside) when its text is
not plain, and backslash-escapes ``\\ * ? ~ ^`` in values (``\\*`` is a literal star), plus
the colon of a leading ``word:`` that has the shape of a field name (lower-case letters,
digits, ``_``, optional ``.gte`` etc.), unless it is a tag namespace such as ``artist``.

``"legacy"``/``"twibooru"``: the old lexer cannot escape commas or parentheses outside
quotes, a quoted term cannot use backslash escapes except ``\\"`` (and even that ends the
quoted token, so what follows is lexed as bare words), and quoted terms still split on a
leading ``field:`` (case-insensitively; only real field names matter there, unknown ones
fall back to the tag field, so a fixed list of every known field is used).  Terms are
therefore written bare when plain, quoted when that is safe, and otherwise bare with
every character backslash-escaped (parenthesised when combined if they end in ``)``,
whose token swallows the following space into the term).  A few names have no exact
legacy spelling (a ``"`` followed later by a comma or a spaced ``AND``/``OR``, or a name
starting with a real field such as ``score:`` that also holds a comma); rendering them
raises ``ValueError`` instead of producing a query that means something else.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Final, Literal, TypeAlias

from ._flavours import Flavour

__all__ = [
    "Ago",
    "Flavour",
    "Query",
    "QueryLike",
    "ago",
    "all_of",
    "any_of",
    "between",
    "field",
    "my",
    "not_",
    "raw",
    "render",
    "tag",
    "wildcard",
]

_Grammar: TypeAlias = Literal["philomena", "legacy"]
Value: TypeAlias = "bool | int | float | str | date | datetime | Ago"

# Binding strength of what a node renders to (higher binds tighter).
_RAW, _OR, _AND, _NOT, _ATOM = 0, 1, 2, 3, 4

# ---------------------------------------------------------------------------------------
# Relative dates


_UNITS: Final = ("second", "minute", "hour", "day", "week", "month", "year")
_UNIT_SECONDS: Final = {
    "second": 1,
    "minute": 60,
    "hour": 3600,
    "day": 86_400,
    "week": 604_800,
    "month": 2_592_000,
    "year": 31_536_000,
}


@dataclass(frozen=True, slots=True)
class Ago:
    """A relative date, ``<count> <unit>s ago``; build it with :func:`ago`."""

    count: int
    unit: str

    def __str__(self) -> str:
        return f"{self.count} {self.unit}{'' if self.count == 1 else 's'} ago"


def ago(count: int, unit: str) -> Ago:
    """``count`` units before now: ``ago(3, "days")`` renders ``3 days ago``.

    Units: second, minute, hour, day, week, month, year (singular or plural).  Philomena
    refuses anything more than 1000 years back, so this does too.
    """
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise ValueError(f"ago() needs a non-negative integer count, not {count!r}")
    name = unit.strip().lower()
    if name.endswith("s"):
        name = name[:-1]
    if name not in _UNITS:
        raise ValueError(f"unknown time unit {unit!r}; use one of {', '.join(_UNITS)}")
    if count * _UNIT_SECONDS[name] > 1000 * _UNIT_SECONDS["year"]:
        raise ValueError("relative dates may not reach more than 1000 years back")
    return Ago(count, name)


# ---------------------------------------------------------------------------------------
# The expression tree


class Query:
    """An immutable search expression; ``str()`` gives the Philomena search string."""

    __slots__ = ()

    def _emit(self, grammar: _Grammar) -> tuple[str, int]:
        raise NotImplementedError

    def render(self, flavour: Flavour = "philomena") -> str:
        """The search string for ``flavour`` (``"twibooru"`` is the legacy grammar)."""
        return self._emit(_grammar(flavour))[0]

    def __str__(self) -> str:
        return self.render("philomena")

    def __repr__(self) -> str:
        return f"<Query {self.render('philomena')!r}>"

    def __and__(self, other: QueryLike) -> Query:
        return all_of(self, other)

    def __rand__(self, other: QueryLike) -> Query:
        return all_of(other, self)

    def __or__(self, other: QueryLike) -> Query:
        return any_of(self, other)

    def __ror__(self, other: QueryLike) -> Query:
        return any_of(other, self)

    def __invert__(self) -> Query:
        return not_(self)


QueryLike: TypeAlias = Query | str


def _grammar(flavour: str) -> _Grammar:
    if flavour == "philomena":
        return "philomena"
    if flavour in ("twibooru", "legacy"):
        return "legacy"
    raise ValueError(f"unknown flavour {flavour!r}; use 'philomena', 'twibooru' or 'legacy'")


def _wrap(query: Query, grammar: _Grammar, minimum: int) -> str:
    text, strength = query._emit(grammar)
    return f"({text})" if strength < minimum else text


@dataclass(frozen=True, slots=True, repr=False)
class _Raw(Query):
    text: str

    def _emit(self, grammar: _Grammar) -> tuple[str, int]:
        return self.text, _RAW


@dataclass(frozen=True, slots=True, repr=False)
class _All(Query):
    children: tuple[Query, ...]

    def _emit(self, grammar: _Grammar) -> tuple[str, int]:
        return ", ".join(_wrap(child, grammar, _AND) for child in self.children), _AND


@dataclass(frozen=True, slots=True, repr=False)
class _Any(Query):
    children: tuple[Query, ...]

    def _emit(self, grammar: _Grammar) -> tuple[str, int]:
        return " OR ".join(_wrap(child, grammar, _OR) for child in self.children), _OR


@dataclass(frozen=True, slots=True, repr=False)
class _Not(Query):
    child: Query

    def _emit(self, grammar: _Grammar) -> tuple[str, int]:
        return "-" + _wrap(self.child, grammar, _ATOM), _NOT


@dataclass(frozen=True, slots=True, repr=False)
class _Tag(Query):
    name: str

    def _emit(self, grammar: _Grammar) -> tuple[str, int]:
        if grammar == "philomena":
            return _philomena_term(_philomena_default(_philomena_escape(self.name))), _ATOM
        return _legacy_atom(_legacy_literal("", self.name))


@dataclass(frozen=True, slots=True, repr=False)
class _Wildcard(Query):
    pattern: str
    field: str | None

    def _emit(self, grammar: _Grammar) -> tuple[str, int]:
        prefix = f"{self.field}:" if self.field else ""
        if grammar == "philomena":
            text = _philomena_escape(self.pattern, wildcard=True)
            if not prefix:
                text = _philomena_default(text)
            return _philomena_term(prefix + text, wildcard=True), _ATOM
        if not _bare_safe(self.pattern):
            raise ValueError(
                "the legacy grammar cannot express a wildcard holding a comma or an "
                f"unbalanced parenthesis: {self.pattern!r}"
            )
        if _legacy_bare(self.pattern, _LEGACY_PLAIN_WILDCARD, field=bool(prefix)):
            return prefix + self.pattern, _ATOM
        return _legacy_atom(prefix + _escape_all(self.pattern, keep="*?"))


@dataclass(frozen=True, slots=True, repr=False)
class _Field(Query):
    name: str
    op: str  # "eq", "gt", "gte", "lt", "lte"
    value: Value

    def _emit(self, grammar: _Grammar) -> tuple[str, int]:
        value = self.value
        if isinstance(value, str) and self.op == "eq":
            if grammar == "philomena":
                return _philomena_term(f"{self.name}:" + _philomena_escape(value)), _ATOM
            return _legacy_atom(_legacy_literal(f"{self.name}:", value))
        suffix = "" if self.op == "eq" else f".{self.op}"
        return f"{self.name}{suffix}:{_format_value(value)}", _ATOM


# ---------------------------------------------------------------------------------------
# Public constructors


def raw(text: str) -> Query:
    """Embed a search string as-is (parenthesised whenever it is combined with others)."""
    if not isinstance(text, str):
        raise TypeError(f"raw() needs a str, not {type(text).__name__}")
    stripped = text.strip()
    if not stripped:
        raise ValueError("an empty search string matches nothing; refusing to embed it")
    return _Raw(stripped)


def _coerce(query: QueryLike) -> Query:
    if isinstance(query, Query):
        return query
    if isinstance(query, str):
        return raw(query)
    raise TypeError(f"expected a Query or a str, not {type(query).__name__}")


def _gather(kind: type[_All] | type[_Any], queries: Iterable[QueryLike]) -> list[Query]:
    out: list[Query] = []
    for query in map(_coerce, queries):
        out.extend(query.children if isinstance(query, kind) else (query,))
    return out


def all_of(*queries: QueryLike) -> Query:
    """Everything must match (AND).  Strings are embedded raw."""
    children = _gather(_All, queries)
    if not children:
        raise ValueError("all_of() needs at least one query (an empty query matches nothing)")
    return children[0] if len(children) == 1 else _All(tuple(children))


def any_of(*queries: QueryLike) -> Query:
    """At least one must match (OR).  Strings are embedded raw."""
    children = _gather(_Any, queries)
    if not children:
        raise ValueError("any_of() needs at least one query (an empty query matches nothing)")
    return children[0] if len(children) == 1 else _Any(tuple(children))


def not_(query: QueryLike) -> Query:
    """The negation (NOT); a double negation cancels out."""
    inner = _coerce(query)
    return inner.child if isinstance(inner, _Not) else _Not(inner)


def tag(name: str) -> Query:
    """Images carrying exactly this tag (see the module notes on normalisation)."""
    return _Tag(_clean_name(name, "tag name"))


def wildcard(pattern: str, *, field: str | None = None) -> Query:
    """A wildcard: ``*`` matches any run of characters, ``?`` one character.

    Every other character is literal.  Without ``field`` the pattern is matched against
    tag names (normalised like :func:`tag`); with it, against that literal field.
    Backslashes are refused (the two grammars give them different meanings).
    """
    text = _clean_name(pattern, "wildcard pattern")
    if "\\" in text:
        raise ValueError("wildcard patterns cannot hold a backslash")
    if field is not None:
        _check_field_name(field)
    return _Wildcard(text, field)


def my(what: str) -> Query:
    """``my:faves``, ``my:upvotes``, ``my:downvotes``, ``my:uploads``, ``my:hidden``,
    ``my:watched`` (and ``my:comments``/``posts``/``filters``/``galleries``/``subs`` on the
    indexes and versions that have them).  The request needs an API key."""
    if what not in _MY_VALUES:
        raise ValueError(f"unknown my: value {what!r}; use one of {', '.join(sorted(_MY_VALUES))}")
    return _Field("my", "eq", what)


def field(
    name: str,
    value: Value | None = None,
    /,
    *,
    gt: Value | None = None,
    gte: Value | None = None,
    lt: Value | None = None,
    lte: Value | None = None,
) -> Query:
    """Compare a field: ``field("uploader", "foo")``, ``field("score", gte=100)``,
    ``field("created_at", gte=date(2020, 1, 1), lt=date(2021, 1, 1))``.

    Several comparisons are AND-ed.  Ranges take numbers, dates, datetimes and :func:`ago`
    values; equality also takes booleans and strings (exact literals).
    """
    _check_field_name(name)
    parts: list[Query] = []
    if value is not None:
        _check_value(value, ranged=False)
        if isinstance(value, str):
            value = _clean_value(value)
        parts.append(_Field(name, "eq", value))
    for op, bound in (("gt", gt), ("gte", gte), ("lt", lt), ("lte", lte)):
        if bound is None:
            continue
        _check_value(bound, ranged=True)
        parts.append(_comparison(name, op, bound))
    if not parts:
        raise ValueError(f"field({name!r}) needs a value or at least one comparison")
    return all_of(*parts)


def between(name: str, start: Value, end: Value) -> Query:
    """``start <= name < end`` (``name.gte:start, name.lt:end``)."""
    return field(name, gte=start, lt=end)


def render(query: QueryLike, flavour: Flavour = "philomena") -> str:
    """The search string for ``query``; a plain string is returned unchanged."""
    if isinstance(query, str):
        _grammar(flavour)
        return query
    return query.render(flavour)


# ---------------------------------------------------------------------------------------
# Validation and value formatting

_FIELD_NAME = re.compile(r"[a-z][a-z0-9_]*")
_SAFE_RANGE_TEXT = re.compile(r"[0-9A-Za-z.:+ -]+")
_MY_VALUES: Final = frozenset(
    {"faves", "upvotes", "downvotes", "uploads", "hidden", "watched", "subs", "comments",
     "posts", "filters", "galleries"}
)  # fmt: skip


def _check_field_name(name: str) -> None:
    if not isinstance(name, str) or _FIELD_NAME.fullmatch(name) is None:
        raise ValueError(f"not a field name: {name!r}")


def _check_value(value: object, *, ranged: bool) -> None:
    if isinstance(value, bool):
        if ranged:
            raise ValueError("booleans cannot be compared with gt/gte/lt/lte")
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"not a finite number: {value!r}")
    elif isinstance(value, str):
        if ranged and _SAFE_RANGE_TEXT.fullmatch(value.strip()) is None:
            raise ValueError(
                f"range bounds given as text must be plain numbers or dates: {value!r}"
            )
    elif not isinstance(value, int | date | Ago):
        raise TypeError(f"unsupported field value {value!r}")


def _comparison(name: str, op: str, bound: Value) -> Query:
    # Absolute dates: "after the interval" is written as "from the next interval on".
    if op in ("gt", "lte") and isinstance(bound, date):
        following = _following(bound)
        if following is not None:
            return _Field(name, "gte" if op == "gt" else "lt", following)
    if isinstance(bound, str):
        bound = bound.strip()
    return _Field(name, op, bound)


def _following(moment: date) -> date | None:
    try:
        if isinstance(moment, datetime):
            return _utc_second(moment) + timedelta(seconds=1)
        return moment + timedelta(days=1)
    except OverflowError:
        return None


def _utc_second(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0)


def _format_value(value: Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = repr(value)
        return format(Decimal(text), "f") if "e" in text or "E" in text else text
    if isinstance(value, datetime):
        m = _utc_second(value)
        return f"{m.year:04d}-{m.month:02d}-{m.day:02d}T{m.hour:02d}:{m.minute:02d}:{m.second:02d}Z"
    if isinstance(value, date):
        return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
    return str(value)


def _clean_name(name: str, what: str) -> str:
    if not isinstance(name, str):
        raise TypeError(f"a {what} must be a str, not {type(name).__name__}")
    text = " ".join(name.split())
    if not text:
        raise ValueError(f"empty {what}")
    _refuse_controls(text, what)
    return text


def _clean_value(value: str) -> str:
    text = value.strip()
    if not text:
        raise ValueError("empty field value")
    _refuse_controls(text, "field value")
    if any(char in "\n\r" for char in text):
        raise ValueError("field values cannot hold line breaks")
    return text


def _refuse_controls(text: str, what: str) -> None:
    bad = next((c for c in text if unicodedata.category(c) == "Cc" and not c.isspace()), None)
    if bad is not None:
        raise ValueError(f"{what} holds the control character {bad!r}")


# ---------------------------------------------------------------------------------------
# Philomena: quote when needed; backslash-escape inside the value

# Characters that may appear unquoted in a term; anything else makes it quoted.
_PLAIN_CHARS = r"[\w.'+/@#$%;<>=\[\]{}:-]"
_WILD_CHARS = r"[\w.'+/@#$%;<>=\[\]{}:*?-]"


def _words(unit: str) -> re.Pattern[str]:
    return re.compile(rf"(?:{unit})+(?: (?:{unit})+)*")


_PHILOMENA_PLAIN = _words(rf"{_PLAIN_CHARS}|\\\S")
_PHILOMENA_PLAIN_WILDCARD = _words(rf"{_WILD_CHARS}|\\\S")
_LEGACY_PLAIN = _words(_PLAIN_CHARS)
_LEGACY_PLAIN_WILDCARD = _words(_WILD_CHARS)
_OPERATOR_WORDS: Final = frozenset({"AND", "OR", "NOT", "&&", "||"})
_PHILOMENA_PREFIX = re.compile(r"[a-z0-9_]+(?:\.(?:eq|gt|gte|lt|lte))?(?=:)")
# Namespaces that are never field names: ``artist:foo`` needs no escaped colon.
_NAMESPACES: Final = frozenset(
    {"artist", "ask", "blog", "colorist", "comic", "commissioner", "editor", "fanfic", "oc",
     "parent", "parents", "photographer", "series", "species", "spoiler", "video"}
)  # fmt: skip


def _philomena_escape(text: str, *, wildcard: bool = False) -> str:
    """Value-level escapes: ``\\`` ``*`` ``?`` (literal), ``~`` (fuzz), ``^`` (boost)."""
    specials = "\\~^" if wildcard else "\\*?~^"
    return "".join("\\" + char if char in specials else char for char in text)


def _philomena_default(text: str) -> str:
    """Escape the colon of a leading ``word:`` the parser could take for a field."""
    found = _PHILOMENA_PREFIX.match(text)
    if found is None or found.group() in _NAMESPACES:
        return text
    return text[: found.end()] + "\\" + text[found.end() :]


def _plain(text: str, pattern: re.Pattern[str]) -> bool:
    return (
        pattern.fullmatch(text) is not None
        and not text.startswith("-")
        # A leading '-' is a NOT token in the legacy grammar: '-AND' still holds an AND.
        and _OPERATOR_WORDS.isdisjoint(word.lstrip("-") for word in text.split(" "))
    )


def _philomena_term(text: str, *, wildcard: bool = False) -> str:
    if _plain(text, _PHILOMENA_PLAIN_WILDCARD if wildcard else _PHILOMENA_PLAIN):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


# ---------------------------------------------------------------------------------------
# Legacy (fancy_searchable): bare when plain, quoted when safe, else escape everything

# Every search field the legacy gem or Philomena knows on any index (staff-only ones
# included).  Only a real field name before the first colon changes a quoted term's
# meaning there: unknown prefixes fall back to the default field.
_KNOWN_FIELD_NAMES: Final = """
    id width height score upvotes downvotes faves pixels size orig_size comment_count
    source_count tag_count hides body_type_tag_count error_tag_count character_tag_count
    content_fanmade_tag_count content_official_tag_count oc_tag_count origin_tag_count
    rating_tag_count species_tag_count spoiler_tag_count uploader_id faved_by_id
    duplicate_id aspect_ratio wilson_score duration created_at updated_at first_seen_at
    faved_by orig_sha512_hash sha512_hash uploader source_url original_format mime_type
    file_name animated processed thumbnails_generated description gallery_id filter_id my
    ip fingerprint upvoted_by upvoted_by_id downvoted_by downvoted_by_id true_uploader
    true_uploader_id hidden_by hidden_by_id deleted_by_user deleted_by_user_id
    deletion_reason anonymous deleted tags slug name name_in_namespace namespace implies
    alias_of implied_by aliases category analyzed_name aliased images short_description
    image_id body author user_id topic_position forum_id topic_id forum subject
    image_count watcher_count image_ids watcher_ids title user subscriber_count
    thumbnail_id spoiler_warning creator spoilered_count hidden_count public system
    image_tag_ids watcher_id hide_empty include_image user_count spoilered_tags hidden_tags
    media_type
"""
_KNOWN_FIELDS: Final = frozenset(_KNOWN_FIELD_NAMES.split())
_LEGACY_FIELD_SPLIT = re.compile(r"(.*?[^\\]):")
# An operator followed by whitespace, right after a token boundary (start, whitespace, a
# parenthesis or a NOT token).
_LEGACY_TAIL_OPERATOR = re.compile(r"(?:^|[ \t\r\n\f\v()!-])(?:AND|OR|&&|\|\|)[ \t\r\n\f\v]")


def _legacy_field_prefix(text: str) -> bool:
    """Would the gem split ``text`` into a known ``field:`` and a value?"""
    found = _LEGACY_FIELD_SPLIT.match(text)
    if found is None:
        return False
    name = found.group(1).lower()
    base, dot, op = name.rpartition(".")
    return name in _KNOWN_FIELDS or (
        bool(dot) and op in ("eq", "gt", "gte", "lt", "lte") and base in _KNOWN_FIELDS
    )


def _legacy_quoted(prefix: str, value: str) -> str | None:
    body = (prefix + value).replace('"', '\\"')
    if not prefix and _legacy_field_prefix(body):
        return None
    if '"' in value:
        # The quoted token ends at the first '"' (escaped or not); the rest of the term is
        # lexed as bare words, which must not end the term.  The closing quote must be
        # swallowed by the last word: right after a '-', '!' or parenthesis token (or with
        # nothing left) it would open a new quoted token reaching past the term.
        tail = body[body.index('"') + 1 :]
        if (
            not tail
            or tail[-1] in "-!()"
            or not _bare_safe(tail)
            or _LEGACY_TAIL_OPERATOR.search(tail)
        ):
            return None
    return f'"{body}"'


def _bare_safe(text: str) -> bool:
    """Can ``text`` stay one term outside quotes?  Backslashes do not protect commas or
    parentheses there, but parentheses that pair up inside a term are kept in it."""
    depth = 0
    for char in text:
        if char == ",":
            return False
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def _escape_all(text: str, keep: str = "") -> str:
    return "".join(c if c.isspace() or c in keep else "\\" + c for c in text)


def _legacy_bare(value: str, pattern: re.Pattern[str], *, field: bool) -> bool:
    """Can ``value`` be written as it is?  Besides being plain, its last word must not be
    a run of ``-``: that lexes as a NOT token, which also swallows the following space
    into the term."""
    return (
        _plain(value, pattern)
        and value.rsplit(" ", 1)[-1].strip("-") != ""
        and (field or not _legacy_field_prefix(value))
    )


def _legacy_atom(text: str) -> tuple[str, int]:
    # A bare term ending in ')' gets the whitespace after it (say, before " OR ") added
    # to its value, since the ')' token swallows it; parentheses around it prevent that.
    return text, (_RAW if text.endswith(")") else _ATOM)


def _legacy_literal(prefix: str, value: str) -> str:
    if _legacy_bare(value, _LEGACY_PLAIN, field=bool(prefix)):
        return prefix + value
    quoted = _legacy_quoted(prefix, value)
    if quoted is not None:
        return quoted
    if _bare_safe(value):
        return prefix + _escape_all(value)
    raise ValueError(
        f"the legacy grammar has no exact spelling for {value!r} "
        "(a '\"' followed by a comma, an unbalanced parenthesis or a spaced operator, or a "
        "field name before the first ':' together with a comma or unbalanced parenthesis)"
    )
