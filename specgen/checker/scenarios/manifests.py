"""Manifests of each kind, by tag and by digest, and their deletion."""

from __future__ import annotations

from specgen.checker.context import Context
from specgen.checker.scenarios.scenario import Decline, scenario
from specgen.checker.scenarios.steps import DELETE_DECLINED, Manifest, get_manifest, image, index, put_manifest
from specgen.distribution.digest import digest_of
from specgen.distribution.mediatypes import ACCEPT_ALL, DOCKER_LIST, DOCKER_MANIFEST
from specgen.distribution.routenames import MANIFEST


def roundtrip(ctx: Context, tag: str, manifest: Manifest) -> None:
    with ctx.check(f"PUT by tag {tag}"):
        digest = put_manifest(ctx, tag, manifest)
    with ctx.check("GET and HEAD by tag"):
        get_manifest(ctx, tag, manifest)
        get_manifest(ctx, tag, manifest, "HEAD")
    with ctx.check("GET and HEAD by digest"):
        get_manifest(ctx, digest, manifest)
        get_manifest(ctx, digest, manifest, "HEAD")
    with ctx.check("PUT by digest"):
        put_manifest(ctx, digest, manifest)


@scenario("manifest-oci-image", "OCI image manifest by tag and by digest")
def manifest_oci_image(ctx: Context) -> None:
    with ctx.check("push config and layer"):
        manifest = image(ctx, "oci-image")
    roundtrip(ctx, "oci-image", manifest)


@scenario("manifest-docker-v2", "Docker schema 2 manifest by tag and by digest")
def manifest_docker_v2(ctx: Context) -> None:
    with ctx.check("push config and layer"):
        manifest = image(ctx, "docker-v2", DOCKER_MANIFEST)
    roundtrip(ctx, "docker-v2", manifest)


@scenario("manifest-oci-index", "OCI image index over two image manifests")
def manifest_oci_index(ctx: Context) -> None:
    with ctx.check("push two image manifests by digest"):
        children = [image(ctx, f"index-{i}") for i in range(2)]
        for child in children:
            put_manifest(ctx, digest_of(child[0]), child)
    roundtrip(ctx, "oci-index", index(children))


@scenario("manifest-docker-list", "Docker manifest list over two schema 2 manifests")
def manifest_docker_list(ctx: Context) -> None:
    with ctx.check("push two schema 2 manifests by digest"):
        children = [image(ctx, f"list-{i}", DOCKER_MANIFEST) for i in range(2)]
        for child in children:
            put_manifest(ctx, digest_of(child[0]), child)
    roundtrip(ctx, "docker-list", index(children, DOCKER_LIST))


@scenario(
    "manifest-delete", "manifest DELETE by digest, then it is unknown", declines=(Decline(MANIFEST, "DELETE", 405),)
)
def manifest_delete(ctx: Context) -> None:
    with ctx.check("push a manifest"):
        manifest = image(ctx, "delete")
        digest = put_manifest(ctx, "to-delete", manifest)
    url = ctx.urls.manifest(ctx.repo, digest)
    with ctx.check("DELETE by digest answers 202"):
        ctx.call("DELETE", url, expect=202, decline={405: DELETE_DECLINED})
        ctx.ledger.manifests.remove((ctx.repo, digest))
    with ctx.check("the deleted manifest is unknown"):
        ctx.call("GET", url, headers={"Accept": ACCEPT_ALL}, expect=404)
    with ctx.check("DELETE of an unknown manifest answers 404"):
        ctx.call("DELETE", url, expect=404, codes=("MANIFEST_UNKNOWN",))
