"""OCI v1.1 referrers: artifacts list their subject's referrers (pushed before and after the subject
exists), each entry carrying the artifact's ``artifactType`` (or its config's media type) and
annotations; ``OCI-Filters-Applied`` only when the filter was applied; ``OCI-Subject`` on a
subject's PUT from a registry that lists referrers."""

from __future__ import annotations

import json

from specgen.checker.context import Context, StepFailed
from specgen.checker.scenarios.scenario import Decline, has_route, scenario
from specgen.checker.scenarios.steps import Manifest, header, image, push_blob, put_manifest, random_digest
from specgen.checker.validate import Exchange
from specgen.distribution.digest import digest_of
from specgen.distribution.mediatypes import OCI_EMPTY, OCI_INDEX, OCI_MANIFEST
from specgen.distribution.routenames import REFERRERS

TYPED = "application/vnd.specgen.check.typed"
UNTYPED_CONFIG = "application/vnd.specgen.check.config+json"


def artifact(
    ctx: Context, subject: tuple[str, int], artifact_type: str | None, config_type: str, label: str
) -> Manifest:
    """An artifact manifest whose subject is ``subject`` (digest, size), with annotations."""
    empty = push_blob(ctx, b"{}")
    doc: dict = {"schemaVersion": 2, "mediaType": OCI_MANIFEST}
    if artifact_type:
        doc["artifactType"] = artifact_type
    doc |= {
        "config": {"mediaType": config_type, "digest": empty, "size": 2},
        "layers": [{"mediaType": OCI_EMPTY, "digest": empty, "size": 2}],
        "subject": {"mediaType": OCI_MANIFEST, "digest": subject[0], "size": subject[1]},
        "annotations": {"org.example.check": f"{ctx.repo} {label}"},
    }
    return json.dumps(doc, indent=2).encode(), OCI_MANIFEST


def entries(ex: Exchange) -> list[dict]:
    """The referrers answer's entries; it must be an image index (schemaVersion 2, its mediaType)."""
    doc = json.loads(ex.body)
    if doc.get("schemaVersion") != 2 or doc.get("mediaType") != OCI_INDEX:
        raise StepFailed(
            f"the referrers answer is not an image index: schemaVersion {doc.get('schemaVersion')!r}, "
            f"mediaType {doc.get('mediaType')!r}"
        )
    manifests = doc.get("manifests")
    if not isinstance(manifests, list):
        raise StepFailed("the referrers answer has no manifests list")
    return [m for m in manifests if isinstance(m, dict)]


def expect_entry(listed: list[dict], manifest: Manifest, artifact_type: str) -> None:
    """The referrers index describes ``manifest``: digest, media type, size, artifactType and
    annotations as pushed."""
    body, media_type = manifest
    digest = digest_of(body)
    found = [m for m in listed if m.get("digest") == digest]
    if not found:
        raise StepFailed(f"the referrers lack {digest} (listed: {[m.get('digest') for m in listed]})")
    entry = found[0]
    want = {
        "mediaType": media_type,
        "size": len(body),
        "artifactType": artifact_type,
        "annotations": json.loads(body).get("annotations"),
    }
    wrong = [f"{k} {entry.get(k)!r}, expected {v!r}" for k, v in want.items() if entry.get(k) != v]
    if wrong:
        raise StepFailed(f"the referrers entry of {digest} has " + "; ".join(wrong))


@scenario(
    "referrers",
    "referrers before and after the subject exists, artifactType and annotations carried, the filter",
    requires=has_route(REFERRERS),
    declines=(Decline(REFERRERS, "GET", 404),),
)
def referrers(ctx: Context) -> None:
    with ctx.check("build a subject image (not pushed yet)"):
        subject = image(ctx, "subject")
        subject_digest = digest_of(subject[0])
        ref = (subject_digest, len(subject[0]))
    with ctx.check("push an artifact whose subject does not exist yet"):
        typed = artifact(ctx, ref, TYPED, OCI_EMPTY, "typed")
        put_manifest(ctx, digest_of(typed[0]), typed)
    url = ctx.urls.referrers(ctx.repo, subject_digest)
    with ctx.check("GET referrers of the missing subject lists the artifact"):
        # a registry that announced no OCI-Subject may have no referrers API (clients then fall
        # back to the tag schema): its 404 is a decline; one that announced it must list
        announced = digest_of(typed[0]) not in ctx.unannounced_subjects
        decline = None if announced else {404: "the registry has no referrers API (and sent no OCI-Subject)"}
        ex = ctx.call("GET", url, expect=200, decline=decline)
        expect_entry(entries(ex), typed, TYPED)
    with ctx.check("push the subject, and an artifact without artifactType"):
        put_manifest(ctx, "subject", subject)
        untyped = artifact(ctx, ref, None, UNTYPED_CONFIG, "untyped")
        put_manifest(ctx, digest_of(untyped[0]), untyped)
    with ctx.check("GET referrers lists both, the untyped one by its config's media type"):
        ex = ctx.call("GET", url, expect=200)
        listed = entries(ex)
        expect_entry(listed, typed, TYPED)
        expect_entry(listed, untyped, UNTYPED_CONFIG)
        digests = [str(m.get("digest")) for m in listed]
        if sorted(digests) != sorted({digest_of(typed[0]), digest_of(untyped[0])}):
            raise StepFailed(f"the referrers list {digests}, expected exactly the two artifacts, once each")
        if header(ex, "OCI-Filters-Applied") is not None:
            raise StepFailed(f"OCI-Filters-Applied: {header(ex, 'OCI-Filters-Applied')} on a request with no filter")
    with ctx.check("every PUT with a subject answered OCI-Subject (the registry lists referrers)"):
        if ctx.unannounced_subjects:
            raise StepFailed(
                f"the registry lists referrers but answered no OCI-Subject to the PUT of {ctx.unannounced_subjects}"
            )
    with ctx.check("GET referrers filtered by artifactType"):
        ex = ctx.call("GET", ctx.urls.referrers(ctx.repo, subject_digest, {"artifactType": TYPED}), expect=200)
        listed = entries(ex)
        expect_entry(listed, typed, TYPED)
        applied = header(ex, "OCI-Filters-Applied")
        others = [m.get("digest") for m in listed if m.get("artifactType") != TYPED]
        if applied is not None:
            if "artifactType" not in [f.strip() for f in applied.split(",")]:
                raise StepFailed(f"OCI-Filters-Applied: {applied} does not name artifactType, the filter asked")
            if others:
                raise StepFailed(f"OCI-Filters-Applied: {applied}, yet entries of other types are listed: {others}")
    with ctx.check("GET referrers of a digest nothing refers to is an empty index"):
        ex = ctx.call("GET", ctx.urls.referrers(ctx.repo, random_digest()), expect=200)
        if entries(ex) != []:
            raise StepFailed("expected an empty manifests list")
    with ctx.check("GET referrers with an invalid digest", independent=True):
        ctx.call("GET", ctx.urls.referrers(ctx.repo, "sha256:abc"), expect=400, codes=("DIGEST_INVALID",))
