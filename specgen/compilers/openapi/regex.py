"""Go (RE2) patterns as the ECMA-262 patterns OpenAPI 3.1 / JSON Schema use, and whether a pattern
can match a ``/`` (a path parameter that spans several segments).

    >>> go_to_ecma(r"[a-z0-9]+:[[:xdigit:]]{32,}")
    '^(?:[a-z0-9]+:[0-9A-Fa-f]{32,})$'
    >>> can_match_char(r"[a-z]+(?:/[a-z]+)*", "/"), can_match_char(r"[\\w][\\w.-]{0,127}", "/")
    (True, False)

JSON Schema's ``pattern`` is not anchored, while a Go descriptor pattern describes the whole value,
so the translation is anchored. Constructs with no faithful ECMA spelling (inline flags, ``\\Q..\\E``,
Unicode classes) raise ``Untranslatable``; the compiler then keeps only the Go text.
"""

from __future__ import annotations

import re
import re._parser as sre_parse  # the stdlib parser behind ``re``; stable since 3.11
from re._constants import (
    ANY,
    BRANCH,
    CATEGORY,
    CATEGORY_DIGIT,
    CATEGORY_NOT_DIGIT,
    CATEGORY_NOT_SPACE,
    CATEGORY_NOT_WORD,
    CATEGORY_SPACE,
    CATEGORY_WORD,
    IN,
    LITERAL,
    MAX_REPEAT,
    MIN_REPEAT,
    NEGATE,
    NOT_LITERAL,
    RANGE,
    SUBPATTERN,
)

from specgen.goregexp import _POSIX_CLASSES, go_to_python


class Untranslatable(ValueError):
    """A Go pattern construct that ECMA-262 cannot spell the same way."""


# RE2's \s is [\t\n\f\r ]; ECMA's also takes Unicode spaces and \v.
_ESCAPES = {"s": r"[\t\n\f\r ]", "S": r"[^\t\n\f\r ]", "z": "$", "A": "^"}
_CLASS_ESCAPES = {"s": r"\t\n\f\r "}


def go_to_ecma(pattern: str, anchor: bool = True) -> str:
    """Translate an RE2 pattern to ECMA-262 (no flags), anchored unless ``anchor`` is false."""
    out: list[str] = []
    i, in_class = 0, False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            nxt = pattern[i + 1 : i + 2]
            if nxt in ("p", "P", "Q", "C"):
                raise Untranslatable(f"\\{nxt} in {pattern!r}")
            if in_class and nxt in _CLASS_ESCAPES:
                out.append(_CLASS_ESCAPES[nxt])
            elif in_class and nxt == "S":
                raise Untranslatable(f"\\S inside a class in {pattern!r}")
            elif not in_class and nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
            else:
                out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            m = re.match(r"\[:(\^?)([a-z]+):\]", pattern[i:])
            if m:
                if m.group(1) or m.group(2) not in _POSIX_CLASSES:
                    raise Untranslatable(f"POSIX class {m.group(0)} in {pattern!r}")
                out.append(_POSIX_CLASSES[m.group(2)])
                i += m.end()
                continue
            if ch == "]":
                in_class = False
        elif ch == "[":
            in_class = True
            out.append(ch)
            i += 1
            if pattern[i : i + 1] == "^":
                out.append("^")
                i += 1
            if pattern[i : i + 1] == "]":
                out.append("\\]")
                i += 1
            continue
        elif ch == "(" and pattern[i + 1 : i + 2] == "?":
            m = re.match(r"\(\?P?<([A-Za-z_][A-Za-z0-9_]*)>", pattern[i:])
            if m:
                out.append(f"(?<{m.group(1)}>")
                i += m.end()
                continue
            if pattern[i + 2 : i + 3] != ":":
                raise Untranslatable(f"inline flags in {pattern!r}")
        out.append(ch)
        i += 1
    body = "".join(out)
    if not anchor or (body.startswith("^") and body.endswith("$") and not body.endswith("\\$")):
        return body
    return f"^(?:{body})$"


def _in_set(items, code: int) -> bool:
    negate, hit = False, False
    for op, av in items:
        if op is NEGATE:
            negate = True
        elif op is LITERAL:
            hit |= av == code
        elif op is RANGE:
            hit |= av[0] <= code <= av[1]
        elif op is CATEGORY:
            hit |= _category(av, code)
    return hit != negate


def _category(cat, code: int) -> bool:
    ch = chr(code)
    word = ch.isalnum() or ch == "_"
    return {
        CATEGORY_DIGIT: ch.isdigit(),
        CATEGORY_NOT_DIGIT: not ch.isdigit(),
        CATEGORY_SPACE: ch.isspace(),
        CATEGORY_NOT_SPACE: not ch.isspace(),
        CATEGORY_WORD: word,
        CATEGORY_NOT_WORD: not word,
    }.get(cat, False)


def _can_match(parsed, code: int) -> bool:
    for op, av in parsed:
        if op is LITERAL and av == code:
            return True
        if op is NOT_LITERAL and av != code:
            return True
        if op is ANY and code != 10:
            return True
        if op is IN and _in_set(av, code):
            return True
        if op is CATEGORY and _category(av, code):
            return True
        if op is BRANCH and any(_can_match(alt, code) for alt in av[1]):
            return True
        if op is SUBPATTERN and _can_match(av[-1], code):
            return True
        if op in (MAX_REPEAT, MIN_REPEAT) and av[1] > 0 and _can_match(av[2], code):
            return True
    return False


def can_match_char(go_pattern: str, char: str) -> bool:
    """Whether some string the Go pattern matches contains ``char`` (e.g. ``/``)."""
    parsed = sre_parse.parse(go_to_python(go_pattern), re.ASCII)
    return _can_match(parsed, ord(char))
