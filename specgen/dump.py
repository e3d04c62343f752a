"""A descriptor set as plain JSON data, in the shape of distribution's descriptor dump.

Go field names, nil lists as ``null``, a regexp as its pattern text, error codes as their values,
and the grammar as the ``Regexps`` block. ``load`` reads that shape back, so a dump round-trips.
"""

from __future__ import annotations

import json
from typing import Any

from specgen.goregexp import GoRegexp
from specgen.model import (
    FORMAT_ERRCODE,
    FORMAT_V2_0_0,
    BodyDescriptor,
    DescriptorSet,
    ErrorDescriptor,
    MethodDescriptor,
    ParameterDescriptor,
    RequestDescriptor,
    ResponseDescriptor,
    RouteDescriptor,
)


def _list(items, fn):
    return None if items is None else [fn(x) for x in items]


def _param(p: ParameterDescriptor) -> dict[str, Any]:
    return {
        "Name": p.name,
        "Type": p.type,
        "Description": p.description,
        "Required": p.required,
        "Format": p.format,
        "Regexp": None if p.regexp is None else p.regexp.go_pattern,
        "Examples": None if p.examples is None else list(p.examples),
    }


def _body(b: BodyDescriptor) -> dict[str, Any]:
    return {"ContentType": b.content_type, "Format": b.format}


def _response(r: ResponseDescriptor, fmt: str = FORMAT_ERRCODE) -> dict[str, Any]:
    out = {
        "Name": r.name,
        "Description": r.description,
        "StatusCode": r.status_code,
        "Headers": _list(r.headers, _param),
        "Fields": _list(r.fields, _param),
        "ErrorCodes": _list(r.error_codes, lambda e: e.value),
        "Body": _body(r.body),
    }
    if fmt == FORMAT_V2_0_0:  # ResponseDescriptor had no Fields member yet
        del out["Fields"]
    return out


def _error(e: ErrorDescriptor, fmt: str = FORMAT_ERRCODE) -> dict[str, Any]:
    if fmt == FORMAT_V2_0_0:  # no groups; a list of statuses (nil when unset)
        codes = None if e.http_status_codes is None else list(e.http_status_codes)
        return {"Value": e.value, "Message": e.message, "Description": e.description, "HTTPStatusCodes": codes}
    return {
        "Group": e.group,
        "Value": e.value,
        "Message": e.message,
        "Description": e.description,
        "HTTPStatusCode": e.http_status_code,
    }


def _request(r: RequestDescriptor, fmt: str = FORMAT_ERRCODE) -> dict[str, Any]:
    return {
        "Name": r.name,
        "Description": r.description,
        "Headers": _list(r.headers, _param),
        "PathParameters": _list(r.path_parameters, _param),
        "QueryParameters": _list(r.query_parameters, _param),
        "Body": _body(r.body),
        "Successes": _list(r.successes, lambda x: _response(x, fmt)),
        "Failures": _list(r.failures, lambda x: _response(x, fmt)),
    }


def _method(m: MethodDescriptor, fmt: str = FORMAT_ERRCODE) -> dict[str, Any]:
    return {
        "Method": m.method,
        "Description": m.description,
        "Requests": _list(m.requests, lambda x: _request(x, fmt)),
    }


def _route(r: RouteDescriptor, fmt: str = FORMAT_ERRCODE) -> dict[str, Any]:
    return {
        "Name": r.name,
        "Path": r.path,
        "Entity": r.entity,
        "Description": r.description,
        "Methods": _list(r.methods, lambda x: _method(x, fmt)),
    }


def dump(dset: DescriptorSet) -> dict[str, Any]:
    """The set as the oracle's JSON object (without ``Meta``), in the Go types of its
    ``dump_format``."""
    fmt = dset.dump_format
    return {
        "RouteDescriptors": [_route(r, fmt) for r in dset.routes],
        "ErrorDescriptors": [_error(e, fmt) for _, group in dset.error_groups() for e in group],
        "Regexps": {g: {k: v.go_pattern for k, v in pats.items()} for g, pats in dset.grammar.items()},
    }


def canonical_json(obj: Any) -> bytes:
    """The serialisation the golden figures are computed over."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


class DumpError(ValueError):
    """A dump that does not have the descriptor shape; the message names the path."""


def load(data: dict[str, Any], name: str = "loaded", title: str = "") -> DescriptorSet:
    """Read a dump back into a ``DescriptorSet`` (error codes resolved against ``ErrorDescriptors``)."""
    try:
        fmt = dump_format_of(data)
        errors = tuple(_load_error(e, fmt) for e in data.get("ErrorDescriptors") or ())
        by_value = {e.value: e for e in errors}
        regexps: dict[str, GoRegexp] = {}

        def rx(text):
            if text is None:
                return None
            return regexps.setdefault(text, GoRegexp(text))

        def tup(items, fn):
            return None if items is None else tuple(fn(x) for x in items)

        def param(p):
            return ParameterDescriptor(
                p["Name"],
                p["Type"],
                p["Description"],
                p["Required"],
                p["Format"],
                rx(p["Regexp"]),
                tup(p["Examples"], str),
            )

        def body(b):
            return BodyDescriptor(b["ContentType"], b["Format"])

        def code(v):
            if v not in by_value:
                raise DumpError(f"error code {v!r} is not among ErrorDescriptors")
            return by_value[v]

        def response(r):
            return ResponseDescriptor(
                r["Name"],
                r["Description"],
                r["StatusCode"],
                tup(r["Headers"], param),
                None if fmt == FORMAT_V2_0_0 else tup(r["Fields"], param),
                tup(r["ErrorCodes"], code),
                body(r["Body"]),
            )

        def request(r):
            return RequestDescriptor(
                r["Name"],
                r["Description"],
                tup(r["Headers"], param),
                tup(r["PathParameters"], param),
                tup(r["QueryParameters"], param),
                body(r["Body"]),
                tup(r["Successes"], response),
                tup(r["Failures"], response),
            )

        routes = tuple(
            RouteDescriptor(
                r["Name"],
                r["Path"],
                r["Entity"],
                r["Description"],
                tup(
                    r["Methods"], lambda m: MethodDescriptor(m["Method"], m["Description"], tup(m["Requests"], request))
                ),
            )
            for r in data["RouteDescriptors"]
        )
        grammar = {g: {k: GoRegexp(v) for k, v in pats.items()} for g, pats in (data.get("Regexps") or {}).items()}
    except (KeyError, TypeError, AttributeError) as exc:
        raise DumpError(f"not a descriptor dump: missing or malformed field {exc}") from None
    return DescriptorSet(name=name, title=title or name, routes=routes, errors=errors, grammar=grammar, dump_format=fmt)


def dump_format_of(data: dict[str, Any]) -> str:
    """``FORMAT_V2_0_0`` for a dump in v2.0.0's Go types (errors with ``HTTPStatusCodes``, or
    responses without ``Fields``), else ``FORMAT_ERRCODE``."""
    errors = data.get("ErrorDescriptors") or ()
    if errors:
        return FORMAT_V2_0_0 if "HTTPStatusCodes" in errors[0] else FORMAT_ERRCODE
    for route in data.get("RouteDescriptors") or ():
        for method in route.get("Methods") or ():
            for request in method.get("Requests") or ():
                for response in (request.get("Successes") or []) + (request.get("Failures") or []):
                    return FORMAT_ERRCODE if "Fields" in response else FORMAT_V2_0_0
    return FORMAT_ERRCODE


def _load_error(e: dict[str, Any], fmt: str) -> ErrorDescriptor:
    if fmt == FORMAT_V2_0_0:
        codes = e["HTTPStatusCodes"]
        statuses = None if codes is None else tuple(int(c) for c in codes)
        # the status a server answers with: the first registered one (500 when there is none)
        primary = statuses[0] if statuses else 500
        return ErrorDescriptor("", e["Value"], e["Message"], e["Description"], primary, statuses)
    return ErrorDescriptor(e["Group"], e["Value"], e["Message"], e["Description"], e["HTTPStatusCode"])
