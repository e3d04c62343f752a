"""Workflows for the registry descriptor sets (registry_v2 and its OCI extension), one module per
entity.

Each scenario is a group of checks; a check is one step of a realistic client workflow. Every
request goes through ``Context.call``, so every exchange is validated against the descriptors; the
steps add what a single exchange cannot show (the blob we pushed comes back, the tag is listed...).
"""

from __future__ import annotations

from specgen.checker.scenarios import auth, base, blobs, catalog, errors, manifests, pull, referrers, tags, uploads
from specgen.checker.scenarios.cleanup import cleanup, observe
from specgen.checker.scenarios.scenario import Decline, Scenario
from specgen.checker.scenarios.unprovokable import unprovokable_reason
from specgen.distribution.routenames import speaks_registry
from specgen.model import DescriptorSet

#: The groups, in the order they run (each runs in a push run, a read-only run, or both: its mode).
SCENARIOS: list[Scenario] = [
    base.base,
    blobs.blob_monolithic,
    blobs.blob_post_put,
    uploads.blob_chunked,
    uploads.blob_streamed,
    uploads.blob_resumed,
    uploads.upload_cancel,
    blobs.blob_mount,
    blobs.blob_fetch,
    blobs.blob_digests,
    blobs.blob_digest_algorithm,
    referrers.referrers,
    blobs.blob_delete,
    manifests.manifest_oci_image,
    manifests.manifest_docker_v2,
    manifests.manifest_oci_index,
    manifests.manifest_docker_list,
    manifests.manifest_sha512,
    manifests.manifest_push_tags,
    manifests.manifest_zero_layer,
    manifests.manifest_nested_index,
    manifests.manifest_sparse_index,
    manifests.manifest_nondistributable,
    manifests.manifest_large,
    manifests.manifest_delete,
    tags.tags,
    catalog.catalog,
    errors.errors,
    # read-only runs (--read-only): base and these
    pull.pull_image,
    pull.pull_tags,
    pull.pull_catalog,
    pull.pull_referrers,
    pull.pull_errors,
    auth.auth,  # issue 12: run when credentials are given, Skip otherwise
]


def applies(dset: DescriptorSet) -> bool:
    """These scenarios speak the registry protocol: the set must have its push/pull routes."""
    return speaks_registry(r.name for r in dset.routes)


__all__ = ["SCENARIOS", "Decline", "Scenario", "applies", "cleanup", "observe", "unprovokable_reason"]
