"""Gorilla/mux path templates (``/v2/{name:<re>}/blobs/{digest:<re>}``) compiled the way
gorilla/mux v1.8 compiles them, plus the forms other compilers print.

    >>> p = compile_path("/api/{shelf:[a-z]+(?:/[a-z]+)*}/widgets/{id}")
    >>> p.doc_form, p.openapi_template, p.variables
    ('/api/<shelf>/widgets/<id>', '/api/{shelf}/widgets/{id}', ('shelf', 'id'))
    >>> p.regex.match("/api/a/b/widgets/7").groupdict()
    {'shelf': 'a/b', 'id': '7'}
    >>> p.expand({"shelf": "a/b", "id": "7"})
    '/api/a/b/widgets/7'

A variable without a pattern matches ``[^/]+`` (gorilla's default for paths). Variable patterns are
Go (RE2) syntax, translated by :mod:`specgen.goregexp`; like gorilla, they must not contain capturing
groups.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import NamedTuple

from specgen.goregexp import go_to_python

#: Gorilla's pattern for a path variable written without one (``{id}``).
DEFAULT_PATTERN = "[^/]+"


class PathTemplateError(ValueError):
    """A path template gorilla/mux would refuse (its message is gorilla's)."""


class CompiledPath(NamedTuple):
    template: str  # the gorilla path as written
    doc_form: str  # "/v2/<name>/blobs/<digest>"
    openapi_template: str  # "/v2/{name}/blobs/{digest}"
    variables: tuple[str, ...]
    regex: re.Pattern[str]  # anchored at both ends; named groups = variables
    patterns: tuple[str, ...] = ()  # the Go pattern of each variable, in order
    strict_slash: bool = False  # regex also accepts the path with the final '/' toggled
    literals: tuple[str, ...] = ()  # the text around the variables (len(variables) + 1 parts)

    def expand(self, values: Mapping[str, str]) -> str:
        """The path with ``values`` filled in, checked as gorilla's ``Route.URL`` checks it.

        Values are inserted as given (no escaping). Raises :class:`ValueError` with gorilla's
        messages: a missing variable, or (only when the whole path does not match) the first
        variable whose value does not match its own pattern.
        """
        parts = [self.literals[0]]
        for i, name in enumerate(self.variables):
            if name not in values:
                raise ValueError(f"mux: missing route variable {_go_quote(name)}")
            parts.append(str(values[name]))
            parts.append(self.literals[i + 1])
        built = "".join(parts)
        if self.regex.match(built) is None:
            for name, pattern in zip(self.variables, self.patterns):
                anchored = "^" + pattern + "$"
                if re.match(go_to_python(anchored), str(values[name]), re.ASCII) is None:
                    raise ValueError(
                        f"mux: variable {_go_quote(str(values[name]))} doesn't match, expected {_go_quote(anchored)}"
                    )
        return built


def brace_indices(template: str) -> list[tuple[int, int]]:
    """(start, end) of each top-level ``{...}`` (nested braces count, as in gorilla)."""
    level, start, spans = 0, 0, []
    for i, ch in enumerate(template):
        if ch == "{":
            level += 1
            if level == 1:
                start = i
        elif ch == "}":
            level -= 1
            if level == 0:
                spans.append((start, i + 1))
            elif level < 0:
                raise PathTemplateError(f"mux: unbalanced braces in {_go_quote(template)}")
    if level != 0:
        raise PathTemplateError(f"mux: unbalanced braces in {_go_quote(template)}")
    return spans


def compile_path(path: str, *, strict_slash: bool = False) -> CompiledPath:
    """Compile a gorilla path template.

    With ``strict_slash`` (gorilla's ``StrictSlash(true)``) the regex also matches the path with
    its final slash added or removed; a router then redirects to the canonical form.
    """
    if not path.startswith("/"):
        raise PathTemplateError(f"mux: path must start with a slash, got {_go_quote(path)}")
    tpl = path
    end_slash = strict_slash and tpl.endswith("/")
    if end_slash:
        tpl = tpl[:-1]
    names: list[str] = []
    patterns: list[str] = []
    literals: list[str] = []
    regex_parts = ["^"]
    doc, oapi = [], []
    end = 0
    for start, stop in brace_indices(tpl):
        raw = tpl[end:start]
        end = stop
        name, sep, pattern = tpl[start + 1 : stop - 1].partition(":")
        if not sep:
            pattern = DEFAULT_PATTERN
        if not name or not pattern:
            raise PathTemplateError(f"mux: missing name or pattern in {_go_quote(tpl[start:stop])}")
        if not name.isidentifier() or name in names:
            raise PathTemplateError(f"path variable {name!r} must be a unique identifier in {path!r}")
        python = go_to_python(pattern)
        try:
            groups = re.compile(python, re.ASCII).groups
        except re.error as exc:
            raise PathTemplateError(f"pattern of {{{name}}} does not compile: {exc}") from None
        if groups:
            raise PathTemplateError(
                f"route {path} contains capture groups in its regexp. Only non-capturing groups "
                "are accepted: e.g. (?:pattern) instead of (pattern)"
            )
        regex_parts.append(re.escape(raw) + f"(?P<{name}>{python})")
        literals.append(raw)
        names.append(name)
        patterns.append(pattern)
        doc.append(f"{raw}<{name}>")
        oapi.append(f"{raw}{{{name}}}")
    raw = tpl[end:]
    regex_parts.append(re.escape(raw))
    if strict_slash:
        regex_parts.append("[/]?")
    regex_parts.append(r"\Z")
    literals.append(raw + ("/" if end_slash else ""))
    tail = path[end:]
    doc.append(tail)
    oapi.append(tail)
    return CompiledPath(
        template=path,
        doc_form="".join(doc),
        openapi_template="".join(oapi),
        variables=tuple(names),
        regex=re.compile("".join(regex_parts), re.ASCII),
        patterns=tuple(patterns),
        strict_slash=strict_slash,
        literals=tuple(literals),
    )


def _go_quote(text: str) -> str:
    """Go's ``%q`` for the printable ASCII text these messages carry."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
