"""Tokeniser for Philomena's search syntax.

At every position the alternatives are tried in a fixed order: ``,``, ``-``/``!``,
`` AND ``/`` && `` (whitespace required on both sides), `` OR ``/`` || ``, ``NOT`` plus
whitespace, parentheses, ``^number`` boosts, whitespace (skipped), and finally a term.
A term is either a quoted string or a run of text that stops before a comma, a spaced
operator, optional spaces plus ``)``, or optional spaces plus a boost; balanced
parentheses and backslash escapes are allowed inside it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

TokenKind = Literal["and", "or", "not", "lparen", "rparen", "boost", "term"]

_WS = " \t\n\r\v\f"
_AND = re.compile(r"[ \t\n\r\v\f]+(AND|&&)[ \t\n\r\v\f]+")
_OR = re.compile(r"[ \t\n\r\v\f]+(OR|\|\|)[ \t\n\r\v\f]+")
_NOT = re.compile(r"NOT[ \t\n\r\v\f]+")
_BOOST = re.compile(r"\^([-+]?[0-9]+(?:\.[0-9]+)?)")
_STOP_RPAREN_OR_BOOST = re.compile(r"[ \t\n\r\v\f]*(?:\)|\^[-+]?[0-9])")


@dataclass(frozen=True, slots=True)
class Token:
    kind: TokenKind
    text: str
    number: float = 0.0


def _to_number(text: str) -> int | float:
    return float(text) if "." in text else int(text)


def number_text(number: int | float) -> str:
    """A number as the server prints it back (``2``, ``2.5``, ``1.0e16``)."""
    if isinstance(number, int):
        return str(number)
    text = repr(number)
    if "e" in text:
        mantissa, exponent = text.split("e")
        if "." not in mantissa:
            mantissa += ".0"
        return f"{mantissa}e{int(exponent)}"
    return text


def lex(source: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    end = len(source)
    while pos < end:
        char = source[pos]
        if char == ",":
            tokens.append(Token("and", ","))
            pos += 1
        elif char in "-!":
            tokens.append(Token("not", char))
            pos += 1
        elif (match := _AND.match(source, pos)) is not None:
            tokens.append(Token("and", match.group(1)))
            pos = match.end()
        elif (match := _OR.match(source, pos)) is not None:
            tokens.append(Token("or", match.group(1)))
            pos = match.end()
        elif (match := _NOT.match(source, pos)) is not None:
            tokens.append(Token("not", "NOT"))
            pos = match.end()
        elif char == "(":
            tokens.append(Token("lparen", "("))
            pos += 1
        elif char == ")":
            tokens.append(Token("rparen", ")"))
            pos += 1
        elif (match := _BOOST.match(source, pos)) is not None:
            number = _to_number(match.group(1))
            tokens.append(Token("boost", number_text(number), float(number)))
            pos = match.end()
        elif char in _WS:
            pos += 1
        else:
            quoted = _quoted(source, pos)
            if quoted is not None:
                text, pos = quoted
            else:
                stop = _dirty_text(source, pos)
                # The term alternative cannot fail here: every character that could stop
                # it at its first position was consumed by an earlier alternative.
                assert stop is not None
                text, pos = source[pos:stop], stop
            tokens.append(Token("term", text))
    return tokens


def _quoted(source: str, pos: int) -> tuple[str, int] | None:
    if source[pos] != '"':
        return None
    out: list[str] = []
    pos += 1
    end = len(source)
    while pos < end:
        char = source[pos]
        if char == "\\" and pos + 1 < end:
            following = source[pos + 1]
            out.append(following if following in '"\\' else "\\" + following)
            pos += 2
        elif char == '"':
            return "".join(out), pos + 1
        else:
            out.append(char)
            pos += 1
    return None


def _stops(source: str, pos: int) -> bool:
    return (
        source[pos] == ","
        or _AND.match(source, pos) is not None
        or _OR.match(source, pos) is not None
        or _STOP_RPAREN_OR_BOOST.match(source, pos) is not None
    )


def _dirty_text(source: str, pos: int) -> int | None:
    """End of the unquoted term starting at ``pos`` (``None`` when it would be empty)."""
    start = pos
    end = len(source)
    while pos < end and not _stops(source, pos):
        char = source[pos]
        if char == "\\" and pos + 1 < end:
            pos += 2
        elif char == "(":
            inner = _dirty_text(source, pos + 1)
            if inner is None or inner >= end or source[inner] != ")":
                break
            pos = inner + 1
        elif char == ")":
            break
        else:
            pos += 1
    return pos if pos > start else None
