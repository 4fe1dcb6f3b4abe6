"""String helpers: tag-name cleaning, a light text analyser, wildcards and edit distance."""

from __future__ import annotations

import re
from functools import lru_cache

# Tag namespaces that ``namespace : name`` is tightened for, and the prefixes that keep
# their underscores (Philomena's Tag module).
_NAMESPACES = frozenset(
    {
        "artist", "art pack", "ask", "blog", "colorist", "comic", "commissioner", "editor",
        "fanfic", "oc", "parent", "parents", "photographer", "series", "species", "spoiler",
        "video",
    }
)  # fmt: skip
_UNDERSCORE_KEEPERS = ("artist:", "colorist:", "commissioner:", "editor:", "oc:", "photographer:")

_SPACE_RUN = re.compile("[\\s\u00a0\u1680\u180e\u2000-\u200f\u202f\u205f\u3000\ufeff]+")
_SINGLE_QUOTES = re.compile("[\u00b4\u2018\u2019\u201a\u201b\u2032]")
_DOUBLE_QUOTES = re.compile("[\u201c\u201d\u201e\u201f\u2033]")
_SPACES = re.compile(" +")


def clean_tag_name(name: str) -> str:
    """Normalise a tag name the way the image index's default field expects it."""
    name = name.lower()
    name = _SPACE_RUN.sub(" ", name)
    name = _SINGLE_QUOTES.sub("'", name)
    name = _DOUBLE_QUOTES.sub('"', name)
    namespace, colon, rest = name.partition(":")
    if colon and namespace.strip() in _NAMESPACES:
        name = namespace.strip() + ":" + rest.strip()
    if not name.startswith(_UNDERSCORE_KEEPERS):
        name = name.replace("_", " ")
    return _SPACES.sub(" ", name.strip())


# --- analysed text ----------------------------------------------------------------------
#
# The real index runs a snowball (English) analyser over descriptions and bodies.  This is
# an approximation: lower-case word tokens, English stop words dropped, possessive "'s"
# removed, no stemming.

_WORD = re.compile(r"\w+(?:['\u2019]\w+)*")
_STOP_WORDS = frozenset(
    {
        "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is",
        "it", "no", "not", "of", "on", "or", "such", "that", "the", "their", "then", "there",
        "these", "they", "this", "to", "was", "will", "with",
    }
)  # fmt: skip


@lru_cache(maxsize=16_384)
def analyse(text: str, analyzer: str) -> tuple[str, ...]:
    """Tokens of ``text`` under a (simplified) analyser."""
    if analyzer == "keyword":
        return (text,)
    words = _WORD.findall(text.lower())
    if analyzer == "standard":
        return tuple(words)
    out = []
    for word in words:
        if word in _STOP_WORDS:
            continue
        if word.endswith(("'s", "\u2019s")):
            word = word[:-2]
        out.append(word)
    return tuple(out)


# --- wildcards ----------------------------------------------------------------------------


@lru_cache(maxsize=512)
def wildcard_regex(pattern: str) -> re.Pattern[str]:
    """Compile an engine wildcard (``*``, ``?``, backslash escapes) to a full-match regex."""
    parts: list[str] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            parts.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        if char == "*":
            parts.append(".*")
        elif char == "?":
            parts.append(".")
        else:
            parts.append(re.escape(char))
        i += 1
    return re.compile("".join(parts), re.DOTALL)


# --- fuzzy matching ----------------------------------------------------------------------


@lru_cache(maxsize=65_536)
def within_edits(query: str, candidate: str, max_edits: int) -> bool:
    """Optimal-string-alignment distance (adjacent swaps count once) is at most ``max_edits``."""
    if abs(len(query) - len(candidate)) > max_edits:
        return False
    if query == candidate:
        return True
    if max_edits == 0:
        return False
    width = len(candidate) + 1
    before_prev: list[int] = []
    prev = list(range(width))
    for i in range(1, len(query) + 1):
        row = [i] + [0] * (width - 1)
        for j in range(1, width):
            cost = 0 if query[i - 1] == candidate[j - 1] else 1
            best = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost)
            if (
                i > 1
                and j > 1
                and query[i - 1] == candidate[j - 2]
                and query[i - 2] == candidate[j - 1]
            ):
                best = min(best, before_prev[j - 2] + 1)
            row[j] = best
        if min(row) > max_edits:
            return False
        before_prev, prev = prev, row
    return prev[-1] <= max_edits


def edit_budget(fuzziness: float) -> int:
    """Edits the engine allows for a numeric ``fuzziness``: its integer part, at most 2."""
    return min(2, int(fuzziness))
