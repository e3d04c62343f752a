"""The descriptor set ``registry_v2``: a faithful mirror of distribution's Registry HTTP API V2
descriptors (registry/api/v2/descriptors.go and the errcode registry), with the reference grammar,
the JSON Schemas of its bodies and the introduction of its reference document."""

from __future__ import annotations

from importlib import resources

from specgen.descriptors.registry_v2 import errors, grammar, routes, schemas
from specgen.model import DescriptorSet

#: The codes of the reference's error table, as distribution's doc generator
#: (cmd/registry-api-descriptor-template) passes them to api.md.tmpl: the registry.api.v2 group
#: sorted by value, then three codes errcode provides by default.
MARKDOWN_ERROR_CODES = tuple(sorted(e.value for e in errors.ERROR_DESCRIPTORS
                                    if e.group == errors.V2_GROUP)) + (
    errors.UNAUTHORIZED.value, errors.DENIED.value, errors.UNSUPPORTED.value)

DESCRIPTOR_SET = DescriptorSet(
    name="registry_v2",
    title="Docker Registry HTTP API V2",
    routes=routes.ROUTE_DESCRIPTORS,
    errors=errors.ERROR_DESCRIPTORS,
    grammar=grammar.GRAMMAR,
    schemas=schemas.SCHEMAS,
    intro=resources.files(__name__).joinpath("intro.md").read_text(encoding="utf-8"),
    extensions={"markdown_error_codes": MARKDOWN_ERROR_CODES},
)
