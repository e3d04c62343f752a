"""The descriptor model: frozen dataclasses mirroring distribution's Go structs field for field.

Go's nil slices are ``None`` here and its zero values are the defaults, so a descriptor written in
Python reads like the Go composite literal it mirrors and dumps to the same JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from specgen.goregexp import GoRegexp

#: ``DescriptorSet.dump_format``: the Go types of distribution since errcode (v2.1 on, v2.8.2, main):
#: one ``HTTPStatusCode`` per error, error groups, ``ResponseDescriptor.Fields``.
FORMAT_ERRCODE = "errcode"
#: The Go types of distribution v2.0.0: no ``Fields``, no groups, ``HTTPStatusCodes`` lists.
FORMAT_V2_0_0 = "v2.0.0"


@dataclass(frozen=True)
class ErrorDescriptor:
    """One registered error code (errcode.ErrorDescriptor plus the group it is registered in).

    ``http_status_codes`` is v2.0.0's ``HTTPStatusCodes`` list (``None`` is Go's nil), which only a
    set of ``FORMAT_V2_0_0`` dumps; ``http_status_code`` stays the one status a server answers with.
    """

    group: str = ""
    value: str = ""
    message: str = ""
    description: str = ""
    http_status_code: int = 0
    http_status_codes: tuple[int, ...] | None = None


@dataclass(frozen=True)
class ParameterDescriptor:
    name: str = ""
    type: str = ""
    description: str = ""
    required: bool = False
    format: str = ""
    regexp: GoRegexp | None = None
    examples: tuple[str, ...] | None = None


@dataclass(frozen=True)
class BodyDescriptor:
    content_type: str = ""
    format: str = ""


@dataclass(frozen=True)
class ResponseDescriptor:
    name: str = ""
    description: str = ""
    status_code: int = 0
    headers: tuple[ParameterDescriptor, ...] | None = None
    fields: tuple[ParameterDescriptor, ...] | None = None
    error_codes: tuple[ErrorDescriptor, ...] | None = None
    body: BodyDescriptor = BodyDescriptor()


@dataclass(frozen=True)
class RequestDescriptor:
    name: str = ""
    description: str = ""
    headers: tuple[ParameterDescriptor, ...] | None = None
    path_parameters: tuple[ParameterDescriptor, ...] | None = None
    query_parameters: tuple[ParameterDescriptor, ...] | None = None
    body: BodyDescriptor = BodyDescriptor()
    successes: tuple[ResponseDescriptor, ...] | None = None
    failures: tuple[ResponseDescriptor, ...] | None = None


@dataclass(frozen=True)
class MethodDescriptor:
    method: str = ""
    description: str = ""
    requests: tuple[RequestDescriptor, ...] | None = None


@dataclass(frozen=True)
class RouteDescriptor:
    name: str = ""
    path: str = ""
    entity: str = ""
    description: str = ""
    methods: tuple[MethodDescriptor, ...] | None = None


@dataclass(frozen=True)
class DescriptorSet:
    """Everything a compiler needs about one API: routes, error codes, grammar and body schemas.

    ``grammar`` maps a group name to named patterns, in the shape of the oracle's ``Regexps`` block
    (for the registry: ``Reference``, ``ReferenceUnexported``, ``Digest``).
    ``schemas`` maps a body content type (or a schema name) to a JSON Schema.
    ``intro`` is Markdown prose that precedes the generated ``## Detail`` part of the reference.
    ``extensions`` holds set-specific data a compiler may read by documented key.
    ``dump_format`` names the Go types the set is dumped as (``FORMAT_ERRCODE``, ``FORMAT_V2_0_0``).
    """

    name: str
    title: str
    routes: tuple[RouteDescriptor, ...]
    errors: tuple[ErrorDescriptor, ...] = ()
    grammar: Mapping[str, Mapping[str, GoRegexp]] = field(default_factory=dict)
    schemas: Mapping[str, Any] = field(default_factory=dict)
    intro: str = ""
    version: str = "2.0"
    extensions: Mapping[str, Any] = field(default_factory=dict)
    dump_format: str = FORMAT_ERRCODE

    def error_groups(self) -> list[tuple[str, list[ErrorDescriptor]]]:
        """Errors grouped as errcode's registry is: groups sorted by name, codes sorted by value."""
        groups: dict[str, list[ErrorDescriptor]] = {}
        for err in self.errors:
            groups.setdefault(err.group, []).append(err)
        return [(g, sorted(groups[g], key=lambda e: e.value)) for g in sorted(groups)]

    def error(self, value: str) -> ErrorDescriptor:
        """The registered error descriptor with this value (``KeyError`` if none)."""
        for err in self.errors:
            if err.value == value:
                return err
        raise KeyError(value)

    def error_statuses(self, err: ErrorDescriptor) -> tuple[int, ...]:
        """The statuses ``err`` is registered with, as this set's Go types record them."""
        if self.dump_format == FORMAT_V2_0_0:
            return tuple(err.http_status_codes or ())
        return (err.http_status_code,)

    def route(self, name: str) -> RouteDescriptor:
        for route in self.routes:
            if route.name == name:
                return route
        raise KeyError(name)
