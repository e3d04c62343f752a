"""A regular expression kept twice: Go's pattern text (byte-identical, for ``Format`` fields and
dumps) and a Python ``re`` pattern that accepts exactly what the Go (RE2) one accepts.

    >>> GoRegexp(r"[a-z]+:[[:xdigit:]]{2,}").fullmatch("sha:ab") is not None
    True
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# POSIX classes RE2 knows inside brackets, spelled as ASCII ranges for Python.
_POSIX_CLASSES = {
    "alnum": "0-9A-Za-z", "alpha": "A-Za-z", "ascii": "\\x00-\\x7f", "blank": "\\t ",
    "cntrl": "\\x00-\\x1f\\x7f", "digit": "0-9", "graph": "!-~", "lower": "a-z",
    "print": " -~", "punct": "!-/:-@\\[-`{-~", "space": "\\t\\n\\v\\f\\r ",
    "upper": "A-Z", "word": "0-9A-Za-z_", "xdigit": "0-9A-Fa-f",
}


def go_to_python(pattern: str) -> str:
    """Translate RE2 syntax to Python ``re`` syntax (used with ``re.ASCII``).

    POSIX bracket classes become ranges; ``$`` (end of text in Go without the m flag) becomes
    ``\\Z`` since Python's ``$`` also matches before a trailing newline.
    """
    out: list[str] = []
    i, in_class = 0, False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            m = re.match(r"\[:(\^?)([a-z]+):\]", pattern[i:])
            if m:
                if m.group(1):
                    raise ValueError(f"negated POSIX class in {pattern!r} is not supported")
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
        elif ch == "$":
            out.append(r"\Z")
            i += 1
            continue
        out.append(ch)
        i += 1
    return "".join(out)


@dataclass(frozen=True)
class GoRegexp:
    go_pattern: str
    python: re.Pattern[str] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "python", re.compile(go_to_python(self.go_pattern), re.ASCII))

    def __str__(self) -> str:
        return self.go_pattern

    def fullmatch(self, text: str) -> re.Match[str] | None:
        return self.python.fullmatch(text)

    def search(self, text: str) -> re.Match[str] | None:
        """Go's ``MatchString``: a match anywhere unless the pattern anchors itself."""
        return self.python.search(text)
