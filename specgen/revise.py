"""Edits of a descriptor set, so an older (or newer) set is written as what changed from its
neighbour and reads like a changelog.

A ``Revision`` starts from a set and records edits addressed by name, as the Go source names
things: route name, method, request name (or index, for unnamed requests), then ``successes`` or
``failures`` with a response name, status code or index. ``build()`` returns the new set; error
codes referenced by responses are resolved again by value, so a changed error descriptor reaches
every response that lists it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from specgen.model import (
    DescriptorSet,
    ErrorDescriptor,
    MethodDescriptor,
    ParameterDescriptor,
    RequestDescriptor,
    ResponseDescriptor,
    RouteDescriptor,
)

T = TypeVar("T")
#: A request or response chosen by name, by status code (responses) or by position.
Which = str | int


def _replace(obj: T, **changes: Any) -> T:
    """``dataclasses.replace``, but ``obj`` itself when nothing changes, so what a revision leaves
    alone stays the very object of the set it revises."""
    if all(getattr(obj, k) == v for k, v in changes.items()):
        return obj
    return dataclasses.replace(obj, **changes)  # type: ignore[type-var]


def _tuple(items: tuple[T, ...] | None, fn: Callable[[T], T]) -> tuple[T, ...] | None:
    if items is None:
        return None
    new = tuple(fn(x) for x in items)
    return items if all(a is b for a, b in zip(new, items)) else new


class RevisionError(LookupError):
    """An edit names something the set does not have."""


def _index(items: tuple[T, ...], which: Which, key: Callable[[T], Any], what: str) -> int:
    if isinstance(which, int) and not isinstance(which, bool) and which < 0:
        return len(items) + which
    matches = [i for i, item in enumerate(items) if key(item) == which]
    if len(matches) != 1:
        raise RevisionError(f"{what} {which!r}: {len(matches)} matches")
    return matches[0]


def _response_key(which: Which) -> Callable[[ResponseDescriptor], Any]:
    return (lambda r: r.status_code) if isinstance(which, int) else (lambda r: r.name)


class Revision:
    """A mutable working copy of a set's routes and errors; ``build`` freezes it."""

    def __init__(self, base: DescriptorSet) -> None:
        self.base = base
        self.routes: list[RouteDescriptor] = list(base.routes)
        self.errors: list[ErrorDescriptor] = list(base.errors)

    # routes, methods, requests, responses -------------------------------------------------

    def _route_i(self, route: str) -> int:
        return _index(tuple(self.routes), route, lambda r: r.name, "route")

    def route(self, route: str, **changes: Any) -> None:
        i = self._route_i(route)
        self.routes[i] = dataclasses.replace(self.routes[i], **changes)

    def drop_route(self, route: str) -> None:
        del self.routes[self._route_i(route)]

    def _with_methods(self, route: str, fn: Callable[[list[MethodDescriptor]], None]) -> None:
        i = self._route_i(route)
        methods = list(self.routes[i].methods or ())
        fn(methods)
        self.routes[i] = dataclasses.replace(self.routes[i], methods=tuple(methods))

    def method(self, route: str, method: str, **changes: Any) -> None:
        def edit(ms: list[MethodDescriptor]) -> None:
            j = _index(tuple(ms), method, lambda m: m.method, f"{route} method")
            ms[j] = dataclasses.replace(ms[j], **changes)

        self._with_methods(route, edit)

    def drop_method(self, route: str, method: str) -> None:
        def edit(ms: list[MethodDescriptor]) -> None:
            del ms[_index(tuple(ms), method, lambda m: m.method, "method")]

        self._with_methods(route, edit)

    def _with_requests(self, route: str, method: str, fn: Callable[[list[RequestDescriptor]], None]) -> None:
        def edit(ms: list[MethodDescriptor]) -> None:
            j = _index(tuple(ms), method, lambda m: m.method, f"{route} method")
            requests = list(ms[j].requests or ())
            fn(requests)
            ms[j] = dataclasses.replace(ms[j], requests=tuple(requests))

        self._with_methods(route, edit)

    def request(self, route: str, method: str, request: Which, **changes: Any) -> None:
        def edit(qs: list[RequestDescriptor]) -> None:
            k = self._request_i(qs, request, route, method)
            qs[k] = dataclasses.replace(qs[k], **changes)

        self._with_requests(route, method, edit)

    def requests(self, route: str, method: str, requests: Iterable[RequestDescriptor]) -> None:
        """Replace a method's request list outright."""
        self.method(route, method, requests=tuple(requests))

    def find_request(self, route: str, method: str, request: Which) -> RequestDescriptor:
        for r in self.routes:
            if r.name == route:
                for m in r.methods or ():
                    if m.method == method:
                        qs = list(m.requests or ())
                        return qs[self._request_i(qs, request, route, method)]
        raise RevisionError(f"{route} {method}: no such method")

    @staticmethod
    def _request_i(qs: list[RequestDescriptor], request: Which, route: str, method: str) -> int:
        if isinstance(request, int):
            return request
        return _index(tuple(qs), request, lambda q: q.name, f"{route} {method} request")

    def response(self, route: str, method: str, request: Which, kind: str, which: Which, **changes: Any) -> None:
        """Change one response (``kind`` is ``successes`` or ``failures``)."""

        def edit(qs: list[RequestDescriptor]) -> None:
            k = self._request_i(qs, request, route, method)
            responses = list(getattr(qs[k], kind) or ())
            i = _index(tuple(responses), which, _response_key(which), f"{route} {method} {kind}")
            responses[i] = dataclasses.replace(responses[i], **changes)
            qs[k] = dataclasses.replace(qs[k], **{kind: tuple(responses)})  # type: ignore[arg-type]

        self._with_requests(route, method, edit)

    # everywhere ---------------------------------------------------------------------------

    def every_response(self, fn: Callable[[ResponseDescriptor], ResponseDescriptor]) -> None:
        """Apply ``fn`` to every response of every request."""
        self.every_request(lambda q: _replace(q, successes=_tuple(q.successes, fn), failures=_tuple(q.failures, fn)))

    def every_request(self, fn: Callable[[RequestDescriptor], RequestDescriptor]) -> None:
        def method(m: MethodDescriptor) -> MethodDescriptor:
            return _replace(m, requests=_tuple(m.requests, fn))

        self.routes = [_replace(r, methods=_tuple(r.methods, method)) for r in self.routes]

    def every_parameter(self, fn: Callable[[ParameterDescriptor], ParameterDescriptor]) -> None:
        """Apply ``fn`` to every request header, path and query parameter and response header."""
        self.every_response(lambda r: _replace(r, headers=_tuple(r.headers, fn), fields=_tuple(r.fields, fn)))
        self.every_request(
            lambda q: _replace(
                q,
                headers=_tuple(q.headers, fn),
                path_parameters=_tuple(q.path_parameters, fn),
                query_parameters=_tuple(q.query_parameters, fn),
            )
        )

    def substitute(self, old: str, new: str) -> None:
        """Replace the text ``old`` by ``new`` in every route path and parameter format (a grammar
        pattern spelled into them); parameters whose regexp is ``old`` get ``new``'s."""
        from specgen.goregexp import GoRegexp

        compiled = GoRegexp(new)

        def param(p: ParameterDescriptor) -> ParameterDescriptor:
            regexp = compiled if p.regexp is not None and p.regexp.go_pattern == old else p.regexp
            return _replace(p, format=p.format.replace(old, new), regexp=regexp)

        self.every_parameter(param)
        self.routes = [_replace(r, path=r.path.replace(old, new)) for r in self.routes]

    # errors -------------------------------------------------------------------------------

    def error(self, value: str, **changes: Any) -> None:
        i = _index(tuple(self.errors), value, lambda e: e.value, "error code")
        self.errors[i] = dataclasses.replace(self.errors[i], **changes)

    def every_error(self, fn: Callable[[ErrorDescriptor], ErrorDescriptor]) -> None:
        self.errors = [fn(e) for e in self.errors]  # every error object is then new: build() re-resolves

    def drop_error(self, value: str) -> None:
        """Unregister an error code and take it off every response that lists it."""
        del self.errors[_index(tuple(self.errors), value, lambda e: e.value, "error code")]
        self.every_response(
            lambda r: (
                r
                if r.error_codes is None
                else _replace(r, error_codes=tuple(e for e in r.error_codes if e.value != value))
            )
        )

    def build(self, **changes: Any) -> DescriptorSet:
        """The revised set (``changes`` replace ``DescriptorSet`` fields such as ``name``)."""
        by_value = {e.value: e for e in self.errors}

        def resolve(r: ResponseDescriptor) -> ResponseDescriptor:
            if r.error_codes is None:
                return r
            try:
                codes = tuple(by_value[e.value] for e in r.error_codes)
            except KeyError as exc:
                raise RevisionError(f"response {r.name or r.status_code} lists unregistered code {exc}") from None
            return r if all(a is b for a, b in zip(codes, r.error_codes)) else dataclasses.replace(r, error_codes=codes)

        self.every_response(resolve)
        return dataclasses.replace(self.base, routes=tuple(self.routes), errors=tuple(self.errors), **changes)
