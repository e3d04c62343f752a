"""Consistency checks of any descriptor set.

Each check is a small generator yielding located findings, so callers collect lazily::

    >>> from specgen.model import DescriptorSet, RouteDescriptor
    >>> dset = DescriptorSet("x", "x", routes=(RouteDescriptor(name="a", path="/{id}"),) * 2)
    >>> [str(f) for f in lint(dset)]
    ['error: a: duplicate route name (routes #0 and #1)']

A location reads ``route/METHOD/request/response/parameter``: a request is named by its ``Name``
or, when it has none, by its index (``#0``); a response by its list and index plus status
(``failures[3] 404``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from typing import NamedTuple

from specgen.goregexp import GoRegexp
from specgen.model import (
    DescriptorSet,
    ErrorDescriptor,
    MethodDescriptor,
    ParameterDescriptor,
    RequestDescriptor,
    ResponseDescriptor,
    RouteDescriptor,
)
from specgen.paths import PathTemplateError, brace_indices, compile_path

ERROR = "error"
WARNING = "warning"


class LintFinding(NamedTuple):
    level: str  # "error" | "warning"
    location: str  # e.g. "blob-upload-chunk/PATCH/Chunked upload/failures[0] 400"
    message: str

    def __str__(self) -> str:
        return f"{self.level}: {self.location}: {self.message}"


def path_variables(path: str) -> list[tuple[str, str | None]]:
    """The ``{name}`` and ``{name:pattern}`` variables of a gorilla/mux path template, in order.

    Braces nest inside a pattern (``{n:[a-z]{2}}``), as gorilla's ``braceIndices`` allows; a
    template whose braces do not balance raises ``PathTemplateError``.

    >>> path_variables("/v2/{name:[a-z]+(?:/[a-z]+)*}/blobs/{digest}")
    [('name', '[a-z]+(?:/[a-z]+)*'), ('digest', None)]
    """
    found: list[tuple[str, str | None]] = []
    for start, stop in brace_indices(path):
        name, sep, pattern = path[start + 1 : stop - 1].partition(":")
        found.append((name, pattern if sep else None))
    return found


def _compile_error(pattern: str) -> str | None:
    """Why a Go pattern has no Python translation, or ``None`` when it compiles."""
    try:
        GoRegexp(pattern)
    except (re.error, ValueError, KeyError) as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


# --- walking a set, with locations ------------------------------------------------------------


def _request_label(request: RequestDescriptor, index: int) -> str:
    return request.name or f"#{index}"


def _requests(dset: DescriptorSet) -> Iterator[tuple[str, RouteDescriptor, MethodDescriptor, RequestDescriptor]]:
    for route in dset.routes:
        for method in route.methods or ():
            for i, request in enumerate(method.requests or ()):
                yield f"{route.name}/{method.method}/{_request_label(request, i)}", route, method, request


def _responses(dset: DescriptorSet) -> Iterator[tuple[str, ResponseDescriptor]]:
    for loc, _, _, request in _requests(dset):
        for kind in ("successes", "failures"):
            for i, response in enumerate(getattr(request, kind) or ()):
                yield f"{loc}/{kind}[{i}] {response.status_code}", response


def _parameters(dset: DescriptorSet) -> Iterator[tuple[str, ParameterDescriptor]]:
    for loc, _, _, request in _requests(dset):
        for kind in ("headers", "path_parameters", "query_parameters"):
            for param in getattr(request, kind) or ():
                yield f"{loc}/{kind}/{param.name}", param
    for loc, response in _responses(dset):
        for kind in ("headers", "fields"):
            for param in getattr(response, kind) or ():
                yield f"{loc}/{kind}/{param.name}", param


# --- the checks ---------------------------------------------------------------------------------


def check_route_names(dset: DescriptorSet) -> Iterator[LintFinding]:
    first: dict[str, int] = {}
    for i, route in enumerate(dset.routes):
        if not route.name:
            yield LintFinding(ERROR, f"#{i}", "route without a name")
        elif route.name in first:
            yield LintFinding(ERROR, route.name, f"duplicate route name (routes #{first[route.name]} and #{i})")
        else:
            first[route.name] = i


def check_methods(dset: DescriptorSet) -> Iterator[LintFinding]:
    for route in dset.routes:
        seen: set[str] = set()
        for method in route.methods or ():
            if method.method in seen:
                yield LintFinding(ERROR, f"{route.name}/{method.method}", "method declared twice")
            seen.add(method.method)


def _bad_patterns(path: str) -> list[tuple[str, str]]:
    """(variable, reason) for each variable pattern of ``path`` without a Python translation."""
    return [
        (name, why)
        for name, pattern in path_variables(path)
        if pattern is not None and (why := _compile_error(pattern))
    ]


def check_path_variables(dset: DescriptorSet) -> Iterator[LintFinding]:
    """The template compiles as gorilla/mux compiles it, and each path variable has a
    path-parameter descriptor in every request of the route, and the reverse."""
    variables: dict[int, tuple[str, ...]] = {}
    for route in dset.routes:
        try:
            if _bad_patterns(route.path):
                continue  # reported by check_patterns
            variables[id(route)] = compile_path(route.path).variables
        except (PathTemplateError, ValueError, re.error) as exc:
            yield LintFinding(ERROR, route.name, f"path template: {exc}")
    for loc, route, _, request in _requests(dset):
        if id(route) not in variables:
            continue
        declared = [p.name for p in request.path_parameters or ()]
        for name in variables[id(route)]:
            if name not in declared:
                yield LintFinding(ERROR, loc, f"path variable {name!r} has no path parameter descriptor")
        for name in declared:
            if name not in variables[id(route)]:
                yield LintFinding(
                    ERROR,
                    f"{loc}/path_parameters/{name}",
                    f"path parameter {name!r} is not a variable of {route.path!r}",
                )


def check_patterns(dset: DescriptorSet) -> Iterator[LintFinding]:
    """Path variable patterns and parameter regexps translate to Python patterns that compile."""
    for route in dset.routes:
        try:
            bad = _bad_patterns(route.path)
        except PathTemplateError:
            continue  # reported by check_path_variables
        for name, why in bad:
            yield LintFinding(ERROR, f"{route.name}/{{{name}}}", f"pattern does not compile ({why})")
    for loc, param in _parameters(dset):
        rx = param.regexp
        if rx is None:
            continue
        if isinstance(rx, GoRegexp):
            continue  # compiled when it was made
        text = rx if isinstance(rx, str) else getattr(rx, "go_pattern", None)
        if not isinstance(text, str):
            yield LintFinding(ERROR, loc, f"regexp is a {type(rx).__name__}, not a GoRegexp")
        elif why := _compile_error(text):
            yield LintFinding(ERROR, loc, f"regexp does not compile ({why})")
        else:
            yield LintFinding(ERROR, loc, "regexp is a string, not a GoRegexp")
    for group, patterns in dset.grammar.items():
        for key, rx in patterns.items():
            if not isinstance(rx, GoRegexp):
                text = rx if isinstance(rx, str) else repr(rx)
                why = _compile_error(text) if isinstance(rx, str) else None
                yield LintFinding(
                    ERROR, f"grammar/{group}/{key}", f"pattern does not compile ({why})" if why else "not a GoRegexp"
                )


def check_status_codes(dset: DescriptorSet) -> Iterator[LintFinding]:
    for loc, response in _responses(dset):
        code = response.status_code
        if not isinstance(code, int) or isinstance(code, bool) or not 100 <= code <= 599:
            yield LintFinding(ERROR, loc, f"invalid HTTP status code {code!r}")
    for err in dset.errors:
        code = err.http_status_code
        if not isinstance(code, int) or isinstance(code, bool) or not 100 <= code <= 599:
            yield LintFinding(ERROR, f"errors/{err.group}/{err.value}", f"invalid HTTP status code {code!r}")


def check_error_registry(dset: DescriptorSet) -> Iterator[LintFinding]:
    """Registered values are unique; responses name only registered codes, as registered."""
    registered: dict[str, ErrorDescriptor] = {}
    for err in dset.errors:
        if err.value in registered:
            yield LintFinding(ERROR, f"errors/{err.group}/{err.value}", "error code registered twice")
        registered.setdefault(err.value, err)
    for loc, response in _responses(dset):
        for err in response.error_codes or ():
            value = getattr(err, "value", err)
            if value not in registered:
                yield LintFinding(ERROR, loc, f"error code {value!r} is not registered in the set")
            elif err != registered[value]:
                yield LintFinding(ERROR, loc, f"error code {value!r} differs from its registered descriptor")


def check_error_status(dset: DescriptorSet) -> Iterator[LintFinding]:
    """A warning per error code listed under a response of another status than it is registered with."""
    registered = {err.value: err for err in dset.errors}
    for loc, response in _responses(dset):
        for err in response.error_codes or ():
            known = registered.get(err.value if isinstance(err, ErrorDescriptor) else err)
            if known is not None and known.http_status_code != response.status_code:
                yield LintFinding(
                    WARNING,
                    loc,
                    f"{known.value} is registered with status "
                    f"{known.http_status_code}, listed under {response.status_code}",
                )


CHECKS: tuple[Callable[[DescriptorSet], Iterable[LintFinding]], ...] = (
    check_route_names,
    check_methods,
    check_path_variables,
    check_patterns,
    check_status_codes,
    check_error_registry,
    check_error_status,
)


def lint(dset: DescriptorSet) -> Iterator[LintFinding]:
    """Every finding of every check, checks in order, each check in descriptor order."""
    for check in CHECKS:
        yield from check(dset)
