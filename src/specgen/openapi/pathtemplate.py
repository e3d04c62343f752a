"""A route's gorilla path template as the OpenAPI compiler needs it: the OpenAPI template, the doc
form and each variable's Go pattern. ``specgen.paths.compile_path`` gives the forms; the variable
patterns are read here (gorilla's ``[^/]+`` when a variable has none)."""

from __future__ import annotations

from typing import NamedTuple

try:
    from specgen.paths import compile_path
except ImportError:  # pragma: no cover - until the paths module lands
    compile_path = None

DEFAULT_PATTERN = "[^/]+"


class Template(NamedTuple):
    openapi_template: str          # "/v2/{name}/blobs/{digest}"
    doc_form: str                  # "/v2/<name>/blobs/<digest>"
    variables: tuple[str, ...]
    patterns: dict[str, str]       # variable -> Go pattern


def _variables(path: str) -> list[tuple[int, int, str, str]]:
    """(start, stop, name, pattern) of each top-level ``{...}``; nested braces count, as in gorilla."""
    out, level, start = [], 0, 0
    for i, ch in enumerate(path):
        if ch == "{":
            level += 1
            if level == 1:
                start = i
        elif ch == "}":
            level -= 1
            if level == 0:
                name, sep, pattern = path[start + 1 : i].partition(":")
                out.append((start, i + 1, name, pattern if sep else DEFAULT_PATTERN))
    if level:
        raise ValueError(f"unbalanced braces in path {path!r}")
    return out


def compile_template(path: str) -> Template:
    spans = _variables(path)
    patterns = {name: pattern for _, _, name, pattern in spans}
    if compile_path is not None:
        c = compile_path(path)
        return Template(c.openapi_template, c.doc_form, tuple(c.variables), patterns)
    oapi, doc, end = [], [], 0
    for start, stop, name, _ in spans:
        oapi.append(path[end:start] + "{" + name + "}")
        doc.append(path[end:start] + "<" + name + ">")
        end = stop
    return Template("".join(oapi) + path[end:], "".join(doc) + path[end:], tuple(patterns), patterns)
