"""Failures a client can provoke, each of which must be answered as the descriptors declare."""

from __future__ import annotations

import json
import uuid

from specgen.checker.context import Context, with_query
from specgen.checker.scenarios.scenario import declares_status, scenario
from specgen.checker.scenarios.steps import (
    OCTETS,
    Manifest,
    image,
    patch,
    payload,
    put_manifest,
    random_digest,
    start_upload,
)
from specgen.distribution.digest import digest_of
from specgen.distribution.mediatypes import ACCEPT_ALL
from specgen.distribution.registry_urls import RegistryURLBuilder
from specgen.distribution.routenames import BLOB_UPLOAD_CHUNK, CATALOG, REFERRERS

#: (method, URL, request headers, body) of a request
Request = tuple[str, str, "dict[str, str] | None", "bytes | None"]


def _upload_id() -> str:
    return str(uuid.uuid4())


def _name_requests(urls: RegistryURLBuilder, name: str, manifest: Manifest, source: str) -> list[Request]:
    """A request to every route taking a repository name, each meant to fail on the name alone
    (a mount's ``from`` is ``source``, a valid name)."""
    bad = random_digest()
    octets = {"Content-Type": OCTETS}
    return [
        ("GET", urls.manifest(name, "latest"), {"Accept": ACCEPT_ALL}, None),
        ("PUT", urls.manifest(name, "latest"), {"Content-Type": manifest[1]}, manifest[0]),
        ("DELETE", urls.manifest(name, bad), None, None),
        ("GET", urls.blob(name, bad), None, None),
        ("GET", urls.blob(name, bad), {"Range": "bytes=0-1"}, None),
        ("DELETE", urls.blob(name, bad), None, None),
        ("POST", urls.blob_upload(name), None, None),
        ("POST", urls.blob_upload(name, {"digest": bad}), octets, b"x"),
        ("POST", urls.blob_upload(name, [("mount", bad), ("from", source)]), None, None),
        ("GET", urls.blob_upload_chunk(name, _upload_id()), None, None),
        ("PATCH", urls.blob_upload_chunk(name, _upload_id()), octets, b"x"),
        ("PATCH", urls.blob_upload_chunk(name, _upload_id()), {**octets, "Content-Range": "0-0"}, b"x"),
        ("PUT", urls.blob_upload_chunk(name, _upload_id(), {"digest": bad}), octets, b""),
        ("DELETE", urls.blob_upload_chunk(name, _upload_id()), None, None),
    ]


@scenario("errors", "failures a client can provoke, each answered as declared")
def errors(ctx: Context) -> None:
    urls, repo = ctx.urls, ctx.repo
    long_name = f"{repo}/{'n' * 256}"
    with ctx.check("set up: an image in the repository"):
        manifest = image(ctx, "errors")
        put_manifest(ctx, "errors", manifest)
    with ctx.check("invalid name (longer than 255)", independent=True):
        for method, url, headers, body in _name_requests(urls, long_name, manifest, repo):
            ctx.call(method, url, headers=headers, body=body, expect=400, codes=("NAME_INVALID",), soft=True)
    with ctx.check("invalid tag (reference neither a tag nor a digest)", independent=True):
        # which 400 code is a matter of taste (the reference is neither a tag nor a digest); validate
        # checks it is one the descriptors declare for that 400
        put_manifest(
            ctx,
            "sha256:abc",
            manifest,
            expect=400,
            codes=("TAG_INVALID", "DIGEST_INVALID", "MANIFEST_INVALID", "NAME_INVALID"),
        )
        ctx.call(
            "DELETE",
            urls.manifest(repo, "sha256:abc"),
            expect=400,
            codes=("TAG_INVALID", "DIGEST_INVALID", "NAME_INVALID"),
            soft=True,
        )
    with ctx.check("invalid digest", independent=True):
        octets = {"Content-Type": OCTETS}
        ctx.call("GET", urls.blob(repo, "sha256:abc"), expect=400, codes=("DIGEST_INVALID",), soft=True)
        ctx.call("HEAD", urls.blob(repo, "sha256:abc"), expect=400, soft=True)
        ctx.call("HEAD", urls.manifest(repo, "sha256:abc"), headers={"Accept": ACCEPT_ALL}, expect=400, soft=True)
        ctx.call(
            "POST",
            urls.blob_upload(repo, {"mount": "sha256:abc"}),
            expect=400,
            codes=("DIGEST_INVALID",),
            decline={202: "the registry ignored the bad anonymous mount"},
            soft=True,
        )
        ctx.call(
            "GET",
            urls.blob(repo, "sha256:abc"),
            headers={"Range": "bytes=0-1"},
            expect=400,
            codes=("DIGEST_INVALID",),
            soft=True,
        )
        ctx.call("DELETE", urls.blob(repo, "sha256:abc"), expect=400, codes=("DIGEST_INVALID",), soft=True)
        ctx.call(
            "POST",
            urls.blob_upload(repo, {"digest": "sha256:abc"}),
            body=b"x",
            headers=octets,
            expect=400,
            codes=("DIGEST_INVALID",),
            soft=True,
        )
        ctx.call(
            "POST",
            urls.blob_upload(repo, [("mount", "sha256:abc"), ("from", repo)]),
            expect=400,
            codes=("DIGEST_INVALID",),
            decline={202: "the registry ignored the bad mount"},
            soft=True,
        )
        url = start_upload(ctx)
        ctx.call("PUT", with_query(url, digest="sha256:abc"), body=b"", expect=400, codes=("DIGEST_INVALID",))
    with ctx.check("unknown repository", independent=True):
        never = f"{repo}/never-pushed"
        some = random_digest()
        octets = {"Content-Type": OCTETS}
        upload_or_name = ("NAME_UNKNOWN", "BLOB_UPLOAD_UNKNOWN")
        blob_or_name = ("NAME_UNKNOWN", "BLOB_UNKNOWN")
        unknown: list[tuple[str, str, dict[str, str] | None, tuple[str, ...]]] = [
            ("GET", urls.tags(never), None, ("NAME_UNKNOWN",)),
            ("GET", urls.tags(never, {"n": "1"}), None, ("NAME_UNKNOWN",)),
            ("GET", urls.manifest(never, "latest"), {"Accept": ACCEPT_ALL}, ("NAME_UNKNOWN", "MANIFEST_UNKNOWN")),
            ("HEAD", urls.manifest(never, "latest"), {"Accept": ACCEPT_ALL}, ()),
            ("DELETE", urls.manifest(never, some), None, ("NAME_UNKNOWN", "MANIFEST_UNKNOWN")),
            ("GET", urls.blob(never, some), None, blob_or_name),
            ("GET", urls.blob(never, some), {"Range": "bytes=0-1"}, blob_or_name),
            ("HEAD", urls.blob(never, some), None, ()),
            ("DELETE", urls.blob(never, some), None, blob_or_name),
            ("GET", urls.blob_upload_chunk(never, _upload_id()), None, upload_or_name),
            ("PATCH", urls.blob_upload_chunk(never, _upload_id()), octets, upload_or_name),
            ("PATCH", urls.blob_upload_chunk(never, _upload_id()), {**octets, "Content-Range": "0-0"}, upload_or_name),
            ("PUT", urls.blob_upload_chunk(never, _upload_id(), {"digest": some}), None, upload_or_name),
            ("DELETE", urls.blob_upload_chunk(never, _upload_id()), None, upload_or_name),
        ]
        for method, url, headers, codes in unknown:
            body = b"x" if method in ("PATCH", "PUT") else None
            ctx.call(method, url, headers=headers, body=body, expect=404, codes=codes or None, soft=True)
        if any(r.name == REFERRERS for r in ctx.dset.routes):
            # an empty referrers list is as right for an unknown repository as a 404
            ctx.call("GET", urls.referrers(never, some), expect=(200, 404), codes=("NAME_UNKNOWN",), soft=True)
    with ctx.check("unknown blob", independent=True):
        ctx.call("GET", urls.blob(repo, random_digest()), expect=404, codes=("BLOB_UNKNOWN",), soft=True)
        ctx.call(
            "GET",
            urls.blob(repo, random_digest()),
            headers={"Range": "bytes=0-1"},
            expect=404,
            codes=("BLOB_UNKNOWN",),
            soft=True,
        )
    with ctx.check("unknown manifest", independent=True):
        ctx.call(
            "GET",
            urls.manifest(repo, "no-such-tag"),
            headers={"Accept": ACCEPT_ALL},
            expect=404,
            codes=("MANIFEST_UNKNOWN", "NAME_UNKNOWN"),
        )  # registry_v2 declares only NAME_UNKNOWN here
    with ctx.check("unknown upload (cancelled)", independent=True):
        gone = start_upload(ctx)
        ctx.call("DELETE", gone, expect=204)
        ctx.call("GET", gone, expect=404, codes=("BLOB_UPLOAD_UNKNOWN",), soft=True)
        ctx.call(
            "PATCH",
            gone,
            body=b"x",
            headers={"Content-Type": OCTETS},
            expect=404,
            codes=("BLOB_UPLOAD_UNKNOWN",),
            soft=True,
        )
        ctx.call(
            "PATCH",
            gone,
            body=b"x",
            headers={"Content-Type": OCTETS, "Content-Range": "0-0", "Content-Length": "1"},
            expect=404,
            codes=("BLOB_UPLOAD_UNKNOWN",),
            soft=True,
        )
        ctx.call(
            "PUT",
            with_query(gone, digest=digest_of(b"x")),
            body=b"x",
            expect=404,
            codes=("BLOB_UPLOAD_UNKNOWN",),
            soft=True,
        )
        ctx.call("DELETE", gone, expect=404, codes=("BLOB_UPLOAD_UNKNOWN",), soft=True)
    with ctx.check("unknown upload (id never issued)", independent=True):
        ctx.call("GET", urls.blob_upload_chunk(repo, _upload_id()), expect=404, codes=("BLOB_UPLOAD_UNKNOWN",))
    with ctx.check("digest mismatch", independent=True):
        data = payload(ctx, "mismatch", 50)
        url = start_upload(ctx)
        ctx.call(
            "PUT",
            with_query(url, digest=digest_of(data + b"!")),
            body=data,
            expect=400,
            headers={"Content-Type": OCTETS},
            codes=("DIGEST_INVALID",),
        )
    with ctx.check("out-of-order chunk", independent=True):
        url = start_upload(ctx)
        patch(ctx, url, b"0123456789", 5, expect=416)
        url = patch(ctx, start_upload(ctx), b"0123456789", 0)
        if declares_status(ctx.dset, BLOB_UPLOAD_CHUNK, "PUT", 416):  # a closing chunk out of order
            ctx.call(
                "PUT",
                with_query(url, digest=digest_of(b"0123456789" * 2)),
                body=b"0123456789",
                headers={"Content-Type": OCTETS, "Content-Range": "20-29"},
                expect=416,
                soft=True,
            )
    with ctx.check("manifest referencing a missing blob", independent=True):
        body, media_type = manifest
        doc = json.loads(body)
        doc["layers"][0]["digest"] = random_digest()
        put_manifest(
            ctx,
            "missing-blob",
            (json.dumps(doc).encode(), media_type),
            expect=400,
            codes=("BLOB_UNKNOWN", "MANIFEST_BLOB_UNKNOWN"),
        )
    with ctx.check("bad pagination number", independent=True):
        ctx.call("GET", urls.tags(repo, {"n": "-1"}), expect=400, codes=("PAGINATION_NUMBER_INVALID",), soft=True)
        if any(r.name == CATALOG for r in ctx.dset.routes):
            ctx.call("GET", urls.catalog({"n": "-1"}), expect=400, codes=("PAGINATION_NUMBER_INVALID",), soft=True)
