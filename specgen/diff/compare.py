"""The walk that lists every change between two descriptor sets.

Routes are matched by name, methods by method, requests by name (an unnamed one by its position
among the unnamed), response by kind and name (by status too where names repeat; a named response
whose status changed is one change, not a removal and an addition), parameters by location and
name (headers case-insensitively), error codes by value, grammar patterns by group and name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from typing import TypeVar

from specgen.diff.changes import Change
from specgen.model import (
    DescriptorSet,
    ParameterDescriptor,
    RequestDescriptor,
    ResponseDescriptor,
    RouteDescriptor,
)
from specgen.paths import compile_path

T = TypeVar("T")
KIND = {"successes": "success", "failures": "failure"}
PARAMETER_LOCATIONS = (("headers", "header"), ("path_parameters", "path"), ("query_parameters", "query"))


def _keyed(items: Sequence[T], key: Callable[[T], object]) -> dict[object, T]:
    """Items by key; a repeated key gets its occurrence number, so nothing is lost."""
    out: dict[object, T] = {}
    seen: dict[object, int] = {}
    for item in items:
        k = key(item)
        n = seen.get(k, 0)
        seen[k] = n + 1
        out[(k, n) if n else k] = item
    return out


def diff_sets(old: DescriptorSet, new: DescriptorSet) -> list[Change]:
    """Every change from ``old`` to ``new``, in the order of the sets (old's order, additions after)."""
    return [*_routes(old, new), *_errors(old, new), *_grammar(old, new)]


def _routes(old: DescriptorSet, new: DescriptorSet) -> Iterator[Change]:
    a, b = _keyed(old.routes, lambda r: r.name), _keyed(new.routes, lambda r: r.name)
    for key, route in a.items():
        if key not in b:
            yield Change("route-removed", route.name, old=route.path)
            continue
        yield from _route(route, b[key])
    for key, route in b.items():
        if key not in a:
            yield Change("route-added", route.name, new=route.path)


def _route(a: RouteDescriptor, b: RouteDescriptor) -> Iterator[Change]:
    name = a.name
    if a.path != b.path:
        yield Change("route-path-changed", name, old=a.path, new=b.path)
    if a.entity != b.entity:
        yield Change("route-entity-changed", name, old=a.entity, new=b.entity)
    if a.description != b.description:
        yield Change("route-description-changed", name, old=a.description, new=b.description)
    ma, mb = _keyed(a.methods or (), lambda m: m.method), _keyed(b.methods or (), lambda m: m.method)
    for key, m in ma.items():
        if key not in mb:
            yield Change("method-removed", name, m.method)
            continue
        n = mb[key]
        if m.description != n.description:
            yield Change("method-description-changed", name, m.method, old=m.description, new=n.description)
        qa, qb = _keyed(m.requests or (), lambda q: q.name), _keyed(n.requests or (), lambda q: q.name)
        for qkey, q in qa.items():
            if qkey not in qb:
                yield Change("request-removed", name, m.method, q.name)
            else:
                yield from _request(name, m.method, q, qb[qkey], (a.path, b.path))
        for qkey, q in qb.items():
            if qkey not in qa:
                yield Change("request-added", name, m.method, q.name)
    for key, m in mb.items():
        if key not in ma:
            yield Change("method-added", name, m.method)


def _request(
    route: str, method: str, a: RequestDescriptor, b: RequestDescriptor, paths: tuple[str, str] = ("", "")
) -> Iterator[Change]:
    at = {"route": route, "method": method, "request": a.name}
    (a, named_a), (b, named_b) = _by_variable(a, paths[0]), _by_variable(b, paths[1])
    for variable in dict.fromkeys([*named_a, *named_b]):
        old, new = named_a.get(variable, variable), named_b.get(variable, variable)
        if old != new:
            yield Change("path-parameter-renamed", **at, item=f"path {variable}", old=old, new=new)
    if a.description != b.description:
        yield Change("request-description-changed", **at, old=a.description, new=b.description)
    if a.body.content_type != b.body.content_type:
        yield Change("request-body-type-changed", **at, item="body", old=a.body.content_type, new=b.body.content_type)
    if a.body.format != b.body.format:
        yield Change("request-body-format-changed", **at, item="body", old=a.body.format, new=b.body.format)
    for attr, where in PARAMETER_LOCATIONS:
        yield from _request_parameters(at, where, getattr(a, attr) or (), getattr(b, attr) or ())
    for attr in ("successes", "failures"):
        yield from _responses(at, attr, getattr(a, attr) or (), getattr(b, attr) or ())


def _by_variable(q: RequestDescriptor, path: str) -> tuple[RequestDescriptor, dict[str, str]]:
    """The request with its path parameters named by the template variable each describes, and
    variable -> descriptor name where those differ (distribution v2.0.0 describes ``{reference}``
    as ``tag``: one descriptor naming no variable, one variable without a descriptor)."""
    if not path or not q.path_parameters:
        return q, {}
    variables = compile_path(path).variables
    names = [p.name for p in q.path_parameters]
    strays = [n for n in names if n not in variables]
    missing = [v for v in variables if v not in names]
    if len(strays) != 1 or len(missing) != 1:
        return q, {}
    params = tuple(replace(p, name=missing[0]) if p.name == strays[0] else p for p in q.path_parameters)
    return replace(q, path_parameters=params), {missing[0]: strays[0]}


def _param_key(where: str) -> Callable[[ParameterDescriptor], object]:
    return (lambda p: p.name.lower()) if where in ("header", "response header") else (lambda p: p.name)


def _request_parameters(
    at: dict, where: str, a: Sequence[ParameterDescriptor], b: Sequence[ParameterDescriptor]
) -> Iterator[Change]:
    pa, pb = _keyed(a, _param_key(where)), _keyed(b, _param_key(where))
    for key, p in pa.items():
        item = f"{where} {p.name}"
        if key not in pb:
            rule = "request-parameter-required-removed" if p.required else "request-parameter-removed"
            yield Change(rule, **at, item=item, old=p.name)
            continue
        q = pb[key]
        if p.required != q.required:
            rule = "request-parameter-now-required" if q.required else "request-parameter-now-optional"
            yield Change(rule, **at, item=item, old=p.required, new=q.required)
        yield from _parameter(at, item, where, p, q)
    for key, p in pb.items():
        if key not in pa:
            rule = "request-parameter-added-required" if p.required else "request-parameter-added-optional"
            yield Change(rule, **at, item=f"{where} {p.name}", new=p.name)
    yield from _order(at, where, pa, pb)


def _order(at: dict, where: str, pa: dict, pb: dict) -> Iterator[Change]:
    common_a = [k for k in pa if k in pb]
    common_b = [k for k in pb if k in pa]
    if common_a != common_b:
        yield Change(
            "parameter-order-changed",
            **at,
            item=f"{where}s",
            old=[pa[k].name for k in common_a],
            new=[pb[k].name for k in common_b],
        )


def _parameter(at: dict, item: str, where: str, p: ParameterDescriptor, q: ParameterDescriptor) -> Iterator[Change]:
    if p.type != q.type:
        yield Change("parameter-type-changed", **at, item=item, old=p.type, new=q.type)
    pattern_a = p.regexp.go_pattern if p.regexp is not None else None
    pattern_b = q.regexp.go_pattern if q.regexp is not None else None
    if pattern_a != pattern_b:
        yield Change("parameter-pattern-changed", **at, item=item, old=pattern_a, new=pattern_b)
    if p.format != q.format:
        # a path parameter's format is the pattern its route matches; elsewhere it is an example
        rule = "parameter-pattern-changed" if where == "path" else "parameter-format-changed"
        yield Change(rule, **at, item=item, old=p.format, new=q.format)
    if p.examples != q.examples:
        yield Change("parameter-format-changed", **at, item=f"{item} examples", old=p.examples, new=q.examples)
    if p.description != q.description:
        yield Change("parameter-description-changed", **at, item=item, old=p.description, new=q.description)


def _response_label(kind: str, r: ResponseDescriptor) -> str:
    return f"{KIND[kind]} {r.name!r} {r.status_code}" if r.name else f"{KIND[kind]} {r.status_code}"


def _responses(
    at: dict, kind: str, a: Sequence[ResponseDescriptor], b: Sequence[ResponseDescriptor]
) -> Iterator[Change]:
    names_a = [r.name for r in a]
    names_b = [r.name for r in b]

    def key(r: ResponseDescriptor, names: list[str]) -> object:
        return r.name if r.name and names.count(r.name) == 1 else (r.name, r.status_code)

    ra = _keyed(a, lambda r: key(r, names_a))
    rb = _keyed(b, lambda r: key(r, names_b))
    matched = {k: rb[k] for k in ra if k in rb}
    came = {k: r for k, r in rb.items() if k not in ra}
    # a response whose status changed where its name alone does not identify it (unnamed, or a
    # name repeated): paired when exactly one of that name went and one came
    gone = [k for k in ra if k not in rb]
    for name in dict.fromkeys(ra[k].name for k in gone):
        olds = [k for k in gone if ra[k].name == name]
        news = [k for k, r in came.items() if r.name == name]
        if len(olds) == 1 and len(news) == 1:
            matched[olds[0]] = came.pop(news[0])
    for k, r in ra.items():
        if k in matched:
            yield from _response(at, kind, r, matched[k])
        else:
            yield Change(f"{KIND[kind]}-removed", **at, response=_response_label(kind, r), old=r.status_code)
    for r in came.values():
        yield Change(f"{KIND[kind]}-added", **at, response=_response_label(kind, r), new=r.status_code)


def _response(at: dict, kind: str, a: ResponseDescriptor, b: ResponseDescriptor) -> Iterator[Change]:
    where = {**at, "response": _response_label(kind, b)}
    if a.status_code != b.status_code:
        yield Change("response-status-changed", **where, old=a.status_code, new=b.status_code)
    if a.description != b.description:
        yield Change("response-description-changed", **where, old=a.description, new=b.description)
    ta, tb = a.body.content_type, b.body.content_type
    if ta != tb:
        same_type = ta.split(";")[0].strip() == tb.split(";")[0].strip() and ta and tb
        rule = "response-body-type-parameters-changed" if same_type else "response-body-type-changed"
        yield Change(rule, **where, item="body", old=ta, new=tb)
    if a.body.format != b.body.format:
        yield Change("response-body-format-changed", **where, item="body", old=a.body.format, new=b.body.format)
    for attr, label in (("headers", "response header"), ("fields", "field")):
        pa = _keyed(getattr(a, attr) or (), _param_key(label))
        pb = _keyed(getattr(b, attr) or (), _param_key(label))
        added, removed = (
            ("response-header-added", "response-header-removed")
            if attr == "headers"
            else ("response-field-added", "response-field-removed")
        )
        for k, p in pa.items():
            if k not in pb:
                yield Change(removed, **where, item=f"{label} {p.name}", old=p.name)
            else:
                yield from _parameter(where, f"{label} {p.name}", label, p, pb[k])
        for k, p in pb.items():
            if k not in pa:
                yield Change(added, **where, item=f"{label} {p.name}", new=p.name)
        yield from _order(where, label, pa, pb)
    codes_a = [e.value for e in a.error_codes or ()]
    codes_b = [e.value for e in b.error_codes or ()]
    for code in codes_a:
        if code not in codes_b:
            yield Change("response-error-code-removed", **where, item=f"error code {code}", old=code)
    for code in codes_b:
        if code not in codes_a:
            yield Change("response-error-code-added", **where, item=f"error code {code}", new=code)


def _errors(old: DescriptorSet, new: DescriptorSet) -> Iterator[Change]:
    # by value, whatever order the sets register them in (a Go dump lists them sorted)
    a = {e.value: e for e in sorted(old.errors, key=lambda e: e.value)}
    b = {e.value: e for e in sorted(new.errors, key=lambda e: e.value)}
    for value, e in a.items():
        item = f"error code {value}"
        if value not in b:
            yield Change("error-code-removed", item=item, old=value)
            continue
        f = b[value]
        sa, sb = old.error_statuses(e), new.error_statuses(f)
        if sa != sb:
            yield Change("error-code-status-changed", item=item, old=list(sa), new=list(sb))
        if e.message != f.message:
            yield Change("error-code-message-changed", item=item, old=e.message, new=f.message)
        if e.description != f.description:
            yield Change("error-code-description-changed", item=item, old=e.description, new=f.description)
    for value in b:
        if value not in a:
            yield Change("error-code-added", item=f"error code {value}", new=value)


def _grammar(old: DescriptorSet, new: DescriptorSet) -> Iterator[Change]:
    def flat(dset: DescriptorSet) -> dict[str, str]:
        found = {f"{g}.{k}": v.go_pattern for g, pats in dset.grammar.items() for k, v in pats.items()}
        return dict(sorted(found.items()))

    a, b = flat(old), flat(new)
    for name, pattern in a.items():
        if name not in b:
            yield Change("grammar-pattern-removed", item=f"pattern {name}", old=pattern)
        elif b[name] != pattern:
            yield Change("grammar-pattern-changed", item=f"pattern {name}", old=pattern, new=b[name])
    for name, pattern in b.items():
        if name not in a:
            yield Change("grammar-pattern-added", item=f"pattern {name}", new=pattern)
