"""The descriptor set ``oci_v1_1``: ``registry_v2`` extended with what the OCI Distribution
Specification v1.1 requires and distribution's Go descriptors state only in prose or not at all
(explicit HEAD, the referrers API, OCI-Subject, anonymous mount, sha512, 416 on out-of-order
chunks, OCI-Chunk-Min-Length, tag-list pagination). Error codes, grammar and body schemas are
registry_v2's own objects."""

from __future__ import annotations

from pathlib import Path

from specgen.descriptors.oci_v1_1 import examples, routes
from specgen.descriptors.registry_v2 import errors, schemas
from specgen.distribution import grammar
from specgen.model import DescriptorSet

DESCRIPTOR_SET = DescriptorSet(
    name="oci_v1_1",
    title="OCI Distribution Specification v1.1 (Registry HTTP API V2)",
    routes=routes.ROUTE_DESCRIPTORS,
    # The spec's error code table (section "Error Codes") lists 14 codes, all registered by
    # distribution already; none needs adding.
    errors=errors.ERROR_DESCRIPTORS,
    grammar=grammar.GRAMMAR,
    schemas=schemas.SCHEMAS,
    intro=Path(__file__).with_name("intro.md").read_text(encoding="utf-8"),
    version="1.1",
    extensions={"body_examples": examples.BODY_EXAMPLES},
)
