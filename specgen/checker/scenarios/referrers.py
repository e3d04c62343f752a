"""OCI v1.1 referrers: an artifact's subject lists it, filtered or not."""

from __future__ import annotations

import json

from specgen.checker.context import Context, StepFailed
from specgen.checker.scenarios.scenario import has_route, scenario
from specgen.checker.scenarios.steps import header, image, push_blob, put_manifest, random_digest
from specgen.distribution.digest import digest_of
from specgen.distribution.mediatypes import OCI_EMPTY, OCI_MANIFEST
from specgen.distribution.routenames import REFERRERS


@scenario("referrers", "referrers of a manifest, with and without artifactType filter", requires=has_route(REFERRERS))
def referrers(ctx: Context) -> None:
    artifact_type = "application/vnd.specgen.check.test"
    with ctx.check("push a subject image"):
        subject = image(ctx, "subject")
        subject_digest = put_manifest(ctx, "subject", subject)
    with ctx.check("push an artifact whose subject is that image"):
        empty = push_blob(ctx, b"{}")
        doc = {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "artifactType": artifact_type,
            "config": {"mediaType": OCI_EMPTY, "digest": empty, "size": 2},
            "layers": [{"mediaType": OCI_EMPTY, "digest": empty, "size": 2}],
            "subject": {"mediaType": OCI_MANIFEST, "digest": subject_digest, "size": len(subject[0])},
            "annotations": {"org.example.check": ctx.repo},
        }
        artifact = (json.dumps(doc, indent=2).encode(), OCI_MANIFEST)
        artifact_digest = put_manifest(ctx, digest_of(artifact[0]), artifact)
    with ctx.check("GET referrers lists the artifact"):
        ex = ctx.call("GET", ctx.urls.referrers(ctx.repo, subject_digest), expect=200)
        found = [m for m in json.loads(ex.body).get("manifests") or [] if m.get("digest") == artifact_digest]
        if not found or found[0].get("artifactType") != artifact_type:
            raise StepFailed(f"referrers of {subject_digest} lack {artifact_digest} with artifactType {artifact_type}")
    with ctx.check("GET referrers filtered by artifactType"):
        ex = ctx.call("GET", ctx.urls.referrers(ctx.repo, subject_digest, {"artifactType": artifact_type}), expect=200)
        listed = json.loads(ex.body).get("manifests") or []
        if header(ex, "OCI-Filters-Applied") and any(m.get("artifactType") != artifact_type for m in listed):
            raise StepFailed("OCI-Filters-Applied says artifactType, yet other types are listed")
        if artifact_digest not in {m.get("digest") for m in listed}:
            raise StepFailed("the filtered list lacks the artifact")
    with ctx.check("GET referrers of a digest nothing refers to is an empty index"):
        ex = ctx.call("GET", ctx.urls.referrers(ctx.repo, random_digest()), expect=200)
        if json.loads(ex.body).get("manifests") != []:
            raise StepFailed("expected an empty manifests list")
    with ctx.check("GET referrers with an invalid digest", independent=True):
        ctx.call("GET", ctx.urls.referrers(ctx.repo, "sha256:abc"), expect=400, codes=("DIGEST_INVALID",))
