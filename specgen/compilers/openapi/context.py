"""What compiling any operation of a set needs to know about the whole set."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from specgen.compilers.openapi.links import opaque_links
from specgen.compilers.openapi.schemas import Components
from specgen.compilers.openapi.security import scheme_names
from specgen.model import DescriptorSet, MethodDescriptor, RouteDescriptor
from specgen.naming import camel
from specgen.paths import CompiledPath, compile_path


def operation_id(route: RouteDescriptor, method: MethodDescriptor) -> str:
    """``GET`` on ``blob-upload`` → ``getBlobUpload``."""
    return camel(f"{method.method.lower()} {route.name}")


@dataclass
class Context:
    dset: DescriptorSet
    server: str | None
    #: route name → its compiled path template
    templates: dict[str, CompiledPath]
    #: (route name, method) → operationId
    op_ids: dict[tuple[str, str], str]
    components: Components
    #: route name → ``x-opaque-location``
    opaque_links: dict[str, dict[str, Any]]
    #: the set's authentication schemes (``security``), empty when none
    schemes: list[str]

    @classmethod
    def of(cls, dset: DescriptorSet, server: str | None = None) -> Context:
        """Raises ``ValueError`` when two operations would share an operationId."""
        templates = {r.name: compile_path(r.path) for r in dset.routes}
        op_ids: dict[tuple[str, str], str] = {}
        for route in dset.routes:
            for method in route.methods or ():
                oid = operation_id(route, method)
                if oid in op_ids.values():
                    raise ValueError(f"two operations would be called {oid!r} ({route.name} {method.method})")
                op_ids[(route.name, method.method)] = oid
        components = Components(dset)
        links = opaque_links(dset, templates, op_ids)
        return cls(dset, server, templates, op_ids, components, links, scheme_names(dset))
