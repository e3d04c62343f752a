"""The registry's route table for tests of paths/router/urls.

Until the registry_v2 descriptor set lands, this builds the 7 routes (names and gorilla paths, in
descriptors.go's order) from grammar.py exactly as descriptors.go builds them; tests pin each path's
sha256 against the ported router table (tests/data/router_cases.json).
"""

from __future__ import annotations

from specgen.descriptors import SetNotFound, load_set
from specgen.descriptors.registry_v2.grammar import GO_DIGEST, NAME, TAG
from specgen.model import DescriptorSet, RouteDescriptor

NAME_VAR = "{name:" + NAME + "}"

ROUTES = (
    RouteDescriptor(name="base", path="/v2/"),
    RouteDescriptor(name="tags", path="/v2/" + NAME_VAR + "/tags/list"),
    RouteDescriptor(name="manifest", path="/v2/" + NAME_VAR + "/manifests/{reference:" + TAG + "|" + GO_DIGEST + "}"),
    RouteDescriptor(name="blob", path="/v2/" + NAME_VAR + "/blobs/{digest:" + GO_DIGEST + "}"),
    RouteDescriptor(name="blob-upload", path="/v2/" + NAME_VAR + "/blobs/uploads/"),
    RouteDescriptor(name="blob-upload-chunk", path="/v2/" + NAME_VAR + "/blobs/uploads/{uuid:[a-zA-Z0-9-_.=]+}"),
    RouteDescriptor(name="catalog", path="/v2/_catalog"),
)

MINIMAL_SET = DescriptorSet(name="registry_v2_routes", title="Registry routes (test table)", routes=ROUTES)


def registry_set() -> DescriptorSet:
    """The bundled registry_v2 set once it exists, else the minimal route table above."""
    try:
        return load_set("registry_v2")
    except SetNotFound:
        return MINIMAL_SET
