"""The registry's route names (distribution ``registry/api/v2/routes.go``: ``RouteNameBase`` ...).

Descriptor sets name their routes with these; the server dispatches on them and the checker and
the URL builder address routes by them, so no route name is typed twice.
"""

from collections.abc import Iterable

BASE = "base"
TAGS = "tags"
MANIFEST = "manifest"
BLOB = "blob"
BLOB_UPLOAD = "blob-upload"
BLOB_UPLOAD_CHUNK = "blob-upload-chunk"
CATALOG = "catalog"
#: OCI Distribution Spec v1.1 "Listing Referrers" (no route of distribution's).
REFERRERS = "referrers"

#: The routes a client needs to push and pull: a set declaring them speaks the registry protocol
#: (the registry backend serves it, the conformance scenarios drive it).
PUSH_PULL = frozenset({BASE, MANIFEST, BLOB, BLOB_UPLOAD, BLOB_UPLOAD_CHUNK})


def speaks_registry(route_names: Iterable[str]) -> bool:
    """Whether a set with these route names has every route of ``PUSH_PULL``."""
    return PUSH_PULL <= set(route_names)
