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
    "alnum": "0-9A-Za-z",
    "alpha": "A-Za-z",
    "ascii": "\\x00-\\x7f",
    "blank": "\\t ",
    "cntrl": "\\x00-\\x1f\\x7f",
    "digit": "0-9",
    "graph": "!-~",
    "lower": "a-z",
    "print": " -~",
    "punct": "!-/:-@\\[-`{-~",
    "space": "\\t\\n\\v\\f\\r ",
    "upper": "A-Z",
    "word": "0-9A-Za-z_",
    "xdigit": "0-9A-Fa-f",
}


# RE2's \s is [\t\n\f\r ] (no \v, unlike Python's ASCII \s).
_GO_SPACE = "\\t\\n\\f\\r "
# Characters Python may read as set operations or nested sets inside a class (FutureWarning).
_CLASS_ESCAPE = set("[&~|")
_REPEAT = re.compile(r"\{(\d+)(,(\d*))?\}")


# RE2 matches in linear time; Python backtracks. distribution's path component up to v2.8.x allowed
# an empty separator (`[-]*`), so a run of alphanumerics splits every possible way and a failing
# match takes exponential time in Python. The same language without the empty separator (an empty
# one only joins two alphanumeric runs into one) is matched in linear time.
_LINEAR_EQUIVALENTS = {
    "[a-z0-9]+(?:(?:(?:[._]|__|[-]*)[a-z0-9]+)+)?": "[a-z0-9]+(?:(?:(?:[._]|__|[-]+)[a-z0-9]+)+)?",
}


def go_to_python(pattern: str) -> str:
    """Translate RE2 syntax to Python ``re`` syntax (used with ``re.ASCII``).

    - POSIX bracket classes (``[[:xdigit:]]``) become ASCII ranges;
    - ``$`` (end of text in Go without the m flag) becomes ``\\Z``, since Python's ``$`` also
      matches before a final newline; ``\\z`` becomes ``\\Z``;
    - ``\\s``/``\\S`` become RE2's ASCII space set, which lacks ``\\v``;
    - ``\\Q...\\E`` becomes escaped text, ``\\x{hhhh}`` a code point, ``(?<name>`` ``(?P<name>``;
    - a ``{`` that does not open ``{n}``, ``{n,}`` or ``{n,m}`` is a literal in Go (``{,n}`` is a
      repetition in Python 3.11+), so it is escaped.

    ``\\w``, ``\\d`` and ``\\b`` are ASCII in both once ``re.ASCII`` is set. Constructs Python cannot
    express (Unicode classes ``\\pL``, negated POSIX classes, the m/U flags) raise ``ValueError``.
    """
    for slow, linear in _LINEAR_EQUIVALENTS.items():
        pattern = pattern.replace(slow, linear)
    out: list[str] = []
    i, in_class, n = 0, False, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "\\":
            esc = pattern[i + 1 : i + 2]
            if esc == "Q":
                stop = pattern.find("\\E", i + 2)
                literal = pattern[i + 2 :] if stop < 0 else pattern[i + 2 : stop]
                out.append("".join("\\" + c if not c.isalnum() else c for c in literal))
                i = n if stop < 0 else stop + 2
                continue
            if esc in ("p", "P", "C"):
                raise ValueError(f"\\{esc} in {pattern!r} has no Python re equivalent")
            if esc == "x" and pattern[i + 2 : i + 3] == "{":
                close = pattern.index("}", i)
                out.append("\\U%08x" % int(pattern[i + 3 : close], 16))
                i = close + 1
                continue
            if esc == "z":
                out.append(r"\Z")
            elif esc == "s":
                out.append(_GO_SPACE if in_class else "[" + _GO_SPACE + "]")
            elif esc == "S":
                if in_class:
                    raise ValueError(f"\\S inside a class in {pattern!r} is not supported")
                out.append("[^" + _GO_SPACE + "]")
            else:
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
            elif ch in _CLASS_ESCAPE or (ch == "-" and pattern[i + 1 : i + 2] == "-"):
                out.append("\\" + ch)
                i += 1
                continue
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
        elif ch == "{":
            if _REPEAT.match(pattern, i) is None:
                out.append("\\{")
                i += 1
                continue
        elif ch == "(" and pattern.startswith("(?", i):
            m = re.compile(r"\(\?([a-zA-Z-]*)([:)])").match(pattern, i)
            if pattern.startswith("(?<", i):
                out.append("(?P<")
                i += 3
                continue
            if m and m.group(1):
                if set(m.group(1)) & set("mU"):
                    raise ValueError(f"flags {m.group(1)!r} in {pattern!r} are not supported")
                if m.group(2) == ")" and i != 0:
                    raise ValueError(f"inline flags not at the start of {pattern!r} are not supported")
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
