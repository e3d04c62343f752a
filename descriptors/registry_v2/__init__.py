"""The descriptor set ``registry_v2``: a faithful mirror of distribution's Registry HTTP API V2
descriptors (registry/api/v2/descriptors.go and the errcode registry), with the reference grammar,
the JSON Schemas of its bodies and the introduction of its reference document."""

from __future__ import annotations

from pathlib import Path

from specgen.descriptors.registry_v2 import errors, routes, schemas
from specgen.distribution import grammar
from specgen.model import DescriptorSet

#: The error table of distribution's api.md: its doc generator lists the registry.api.v2 group, then
#: three errcode codes the routes return.
DOC_ERROR_CODES = tuple(e.value for e in sorted(errors.ERROR_DESCRIPTORS, key=lambda e: e.value)
                        if e.group == "registry.api.v2") + (
    errors.UNAUTHORIZED.value, errors.DENIED.value, errors.UNSUPPORTED.value)

DESCRIPTOR_SET = DescriptorSet(
    name="registry_v2",
    title="Docker Registry HTTP API V2",
    routes=routes.ROUTE_DESCRIPTORS,
    errors=errors.ERROR_DESCRIPTORS,
    grammar=grammar.GRAMMAR,
    schemas=schemas.SCHEMAS,
    intro=Path(__file__).with_name("intro.md").read_text(encoding="utf-8"),
    extensions={"markdown_error_codes": DOC_ERROR_CODES},
)
