"""Manifests of each kind, by tag and by digest, and their deletion."""

from __future__ import annotations

import json

from specgen.checker.context import Context, Declined, StepFailed
from specgen.checker.scenarios.scenario import Decline, declares_query, scenario
from specgen.checker.scenarios.steps import (
    DELETE_DECLINED,
    Manifest,
    get_manifest,
    image,
    index,
    push_blob,
    put_manifest,
    random_digest,
)
from specgen.checker.scenarios.values import expect_value
from specgen.checker.validate import Exchange
from specgen.distribution.digest import digest_of
from specgen.distribution.mediatypes import (
    ACCEPT_ALL,
    DOCKER_LIST,
    DOCKER_MANIFEST,
    OCI_CONFIG,
    OCI_INDEX,
    OCI_MANIFEST,
)
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


@scenario("manifest-oci-image", "OCI image manifest by tag and by digest, then the tag moved to another")
def manifest_oci_image(ctx: Context) -> None:
    with ctx.check("push config and layer"):
        manifest = image(ctx, "oci-image")
    roundtrip(ctx, "oci-image", manifest)
    with ctx.check("PUT another manifest under the same tag moves it; the first stays by digest"):
        other = image(ctx, "oci-image-moved")
        put_manifest(ctx, "oci-image", other)
        get_manifest(ctx, "oci-image", other)
        get_manifest(ctx, digest_of(manifest[0]), manifest)


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
    with ctx.check("the deleted manifest is unknown, by digest and by its tag"):
        ctx.call("GET", url, headers={"Accept": ACCEPT_ALL}, expect=404)
        ctx.call("GET", ctx.urls.manifest(ctx.repo, "to-delete"), headers={"Accept": ACCEPT_ALL}, expect=404)
    with ctx.check("DELETE of an unknown manifest answers 404"):
        ctx.call("DELETE", url, expect=404, codes=("MANIFEST_UNKNOWN",))


# -- the data matrix: digests, shapes and sizes a registry meets -----------------------------------

NONDISTRIBUTABLE = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"
#: The OCI distribution spec recommends registries take manifests of at least 4 MiB; distribution
#: takes exactly that much.
LARGEST_MANIFEST = 4 << 20


def _oci_image(ctx: Context, label: str, layers: list[dict], extra: dict | None = None) -> Manifest:
    """An OCI image manifest over a pushed config and the given layer descriptors."""
    config = json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "rootfs": {"type": "layers", "diff_ids": []},
            "config": {"Labels": {"specgen.check": f"{ctx.repo} {label}"}},
        }
    ).encode()
    cfg = push_blob(ctx, config)
    doc = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG, "digest": cfg, "size": len(config)},
        "layers": layers,
    }
    return json.dumps(doc | (extra or {}), indent=2).encode(), OCI_MANIFEST


def _by_digest(ctx: Context, manifest: Manifest, algorithm: str = "sha256") -> str:
    digest = digest_of(manifest[0], algorithm)
    declined = {400: "the registry takes no manifest by a sha512 digest (sha512 is optional)"}
    put_manifest(ctx, digest, manifest, decline=declined if algorithm != "sha256" else None)
    get_manifest(ctx, digest, manifest)
    get_manifest(ctx, digest, manifest, "HEAD")
    return digest


@scenario(
    "manifest-sha512",
    "an image manifest pushed and pulled by its sha512 digest, answered in sha512",
    declines=(Decline(MANIFEST, "PUT", 400),),
)
def manifest_sha512(ctx: Context) -> None:
    with ctx.check("push config and layer"):
        manifest = image(ctx, "sha512")
    with ctx.check("PUT, GET and HEAD by sha512 digest answer Docker-Content-Digest in sha512"):
        _by_digest(ctx, manifest, "sha512")


#: Tags one ``?tag=`` push creates: at least the 10 the OCI spec (main, end-7b) asks registries to take.
PUSHED_TAGS = tuple(f"pushed-tag-{i}" for i in range(10))


def _oci_tags(ex: Exchange) -> list[str]:
    """The tags an answer's ``OCI-Tag`` headers name (RFC 9110 list syntax: repeated or comma separated)."""
    values = [v for k, v in ex.response_headers.items() if k.lower() == "oci-tag"]
    return [t.strip() for v in values for t in v.split(",") if t.strip()]


@scenario(
    "manifest-push-tags",
    "a manifest pushed by sha512 digest with ten ?tag= parameters: OCI-Tag names them, each answers in sha512",
    requires=lambda d: None if declares_query(d, "tag") else "the set declares no tag parameter on manifest PUT",
    declines=(Decline(MANIFEST, "PUT", 400), Decline(MANIFEST, "PUT", 414)),
)
def manifest_push_tags(ctx: Context) -> None:
    with ctx.check("push config and layer"):
        manifest = image(ctx, "push-tags")
    digest = digest_of(manifest[0], "sha512")
    with ctx.check("PUT by sha512 digest with ten tag parameters answers OCI-Tag naming each"):
        query = "&".join(f"tag={t}" for t in PUSHED_TAGS)
        ex = ctx.call(
            "PUT",
            f"{ctx.urls.manifest(ctx.repo, digest)}?{query}",
            headers={"Content-Type": manifest[1]},
            body=manifest[0],
            expect=201,
            decline={
                400: "the registry takes no manifest by a sha512 digest (sha512 is optional)",
                414: "the registry takes fewer than ten tags in one push (it should take ten)",
            },
        )
        ctx.ledger.manifests.append((ctx.repo, digest))
        expect_value(ex, "Docker-Content-Digest", digest, required=False)
        named = _oci_tags(ex)
        if not named:
            raise Declined("the registry answered no OCI-Tag: it does not create tags from ?tag= (optional)")
        if sorted(named) != sorted(PUSHED_TAGS):
            raise StepFailed(f"OCI-Tag names {named}, the request asked for {list(PUSHED_TAGS)}")
    with ctx.check("GET and HEAD by each tag answer the manifest, in sha512"):
        for tag in PUSHED_TAGS:
            for method in ("GET", "HEAD"):
                got = ctx.call(method, ctx.urls.manifest(ctx.repo, tag), headers={"Accept": ACCEPT_ALL}, expect=200)
                if method == "GET" and got.body != manifest[0]:
                    raise StepFailed(f"GET by tag {tag} did not return the bytes pushed")
                expect_value(got, "Docker-Content-Digest", digest)
    with ctx.check("the tag list holds every tag the push created"):
        listed = json.loads(ctx.call("GET", ctx.urls.tags(ctx.repo), expect=200).body).get("tags") or []
        missing = sorted(set(PUSHED_TAGS) - set(listed))
        if missing:
            raise StepFailed(f"the tag list lacks {missing}")


@scenario("manifest-zero-layer", "an image manifest with no layers")
def manifest_zero_layer(ctx: Context) -> None:
    with ctx.check("PUT, GET and HEAD a zero-layer image by digest"):
        _by_digest(ctx, _oci_image(ctx, "zero-layer", []))


@scenario("manifest-nested-index", "an index whose child is an index")
def manifest_nested_index(ctx: Context) -> None:
    with ctx.check("push an image and an index over it"):
        child = image(ctx, "nested")
        put_manifest(ctx, digest_of(child[0]), child)
        inner = index([child])
        put_manifest(ctx, digest_of(inner[0]), inner)
    with ctx.check("PUT, GET and HEAD an index over that index"):
        doc = {
            "schemaVersion": 2,
            "mediaType": OCI_INDEX,
            "manifests": [{"mediaType": OCI_INDEX, "digest": digest_of(inner[0]), "size": len(inner[0])}],
        }
        _by_digest(ctx, (json.dumps(doc, indent=2).encode(), OCI_INDEX))


@scenario(
    "manifest-sparse-index",
    "an index naming a manifest the registry lacks (a registry may refuse it)",
    declines=(Decline(MANIFEST, "PUT", 400),),
)
def manifest_sparse_index(ctx: Context) -> None:
    with ctx.check("PUT an index over one pushed and one absent manifest"):
        child = image(ctx, "sparse")
        put_manifest(ctx, digest_of(child[0]), child)
        absent = _oci_image(ctx, "sparse-absent", [])
        sparse = index([child, absent])
        put_manifest(
            ctx,
            digest_of(sparse[0]),
            sparse,
            decline={400: "the registry refuses an index naming a manifest it lacks (allowed)"},
        )
    with ctx.check("GET and HEAD the sparse index"):
        get_manifest(ctx, digest_of(sparse[0]), sparse)
        get_manifest(ctx, digest_of(sparse[0]), sparse, "HEAD")


@scenario(
    "manifest-nondistributable",
    "an image with a non-distributable layer the registry never received",
    declines=(Decline(MANIFEST, "PUT", 400),),
)
def manifest_nondistributable(ctx: Context) -> None:
    foreign = {
        "mediaType": NONDISTRIBUTABLE,
        "digest": random_digest(),
        "size": 1234,
        "urls": ["https://example.invalid/layer.tar.gz"],
    }
    with ctx.check("PUT an image whose layer is non-distributable and not pushed"):
        manifest = _oci_image(ctx, "nondistributable", [foreign])
        put_manifest(
            ctx,
            digest_of(manifest[0]),
            manifest,
            decline={400: "the registry wants every layer pushed, non-distributable ones too (allowed)"},
        )
    with ctx.check("GET and HEAD it"):
        get_manifest(ctx, digest_of(manifest[0]), manifest)
        get_manifest(ctx, digest_of(manifest[0]), manifest, "HEAD")


@scenario(
    "manifest-large",
    "a manifest of exactly 4 MiB, the size the OCI spec recommends registries take",
    declines=(Decline(MANIFEST, "PUT", 413),),
)
def manifest_large(ctx: Context) -> None:
    with ctx.check("PUT a 4 MiB manifest"):
        small = _oci_image(ctx, "large", [], {"annotations": {"org.example.padding": ""}})
        doc = json.loads(small[0])
        doc["annotations"]["org.example.padding"] = "x" * (LARGEST_MANIFEST - len(small[0]))
        body = json.dumps(doc, indent=2).encode()
        assert len(body) == LARGEST_MANIFEST, len(body)
        manifest = (body, OCI_MANIFEST)
        put_manifest(
            ctx,
            digest_of(body),
            manifest,
            decline={413: "the registry takes no manifest of 4 MiB (the OCI spec recommends it)"},
        )
    with ctx.check("GET and HEAD return it whole"):
        get_manifest(ctx, digest_of(body), manifest)
        get_manifest(ctx, digest_of(body), manifest, "HEAD")
