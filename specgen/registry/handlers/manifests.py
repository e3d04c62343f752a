"""The manifest route: fetch or check a manifest by tag or digest, push one (validated, its blobs
and child manifests present, its subject recorded as a referrer), delete one or untag."""

from __future__ import annotations

import asyncio

from specgen.distribution.grammar import ANCHORED_TAG_REGEXP
from specgen.registry.handlers.common import Entity, checked_digest, repository
from specgen.registry.handlers.requests import ManifestRequest
from specgen.registry.hashing import Hasher
from specgen.registry.manifests import ManifestInvalid, parse
from specgen.server.runtime import APIError, Response

#: Largest manifest accepted (distribution's limit).
MAX_MANIFEST = 4 << 20
#: Most ``tag`` query parameters one manifest PUT creates; the OCI spec (main, end-7b) asks for at
#: least 10 and allows 414 beyond what a registry takes.
MAX_TAGS_PER_PUSH = 100
TAG = ANCHORED_TAG_REGEXP


def _unknown(reference: str, by_tag: bool) -> APIError:
    return APIError(
        "MANIFEST_UNKNOWN",
        "NAME_UNKNOWN",
        message="manifest unknown",
        detail={"Tag" if by_tag else "Digest": reference},
    )


class Manifests(Entity):
    async def _resolve(self, name: str, reference: str) -> tuple[str, bool]:
        """(digest, whether by tag) of ``reference``; ``APIError`` for a tag that is not there."""
        if ":" in reference:
            return checked_digest(reference, "DIGEST_INVALID", "TAG_INVALID"), False
        found = await self.driver.get_tag(name, reference)
        if found is None:
            raise _unknown(reference, True)
        return found, True

    async def get_manifest(self, request: ManifestRequest) -> Response:
        name = repository(request)
        reference = request.reference
        digest, by_tag = await self._resolve(name, reference)
        data = b""
        if request.head:
            media_type = await self.driver.manifest_media_type(name, digest)
            size = await self.driver.stat_blob(digest) if media_type is not None else None
            if media_type is None or size is None:
                raise _unknown(reference, by_tag)
        else:
            found = await self.driver.get_manifest(name, digest)
            if found is None:
                raise _unknown(reference, by_tag)
            data, media_type = found
        accept = [a.split(";")[0].strip() for a in request.headers.get("accept", "").split(",") if a.strip()]
        if by_tag and accept and not any(a in ("*/*", media_type) or a.endswith("/*") for a in accept):
            raise APIError(
                "MANIFEST_UNKNOWN",
                "NAME_UNKNOWN",
                message=f"manifest of type {media_type} not accepted",
                detail={"Tag": reference},
            )
        headers = {"Content-Type": media_type, "Docker-Content-Digest": digest, "Etag": f'"{digest}"'}
        if request.head:
            return Response(200, {**headers, "Content-Length": str(size)})
        return Response(200, headers, data)

    async def check_manifest(self, request: ManifestRequest) -> Response:
        """HEAD, where the set declares it (``request.head`` is set)."""
        return await self.get_manifest(request)

    async def _body(self, request: ManifestRequest) -> bytes:
        try:
            return await request.read(MAX_MANIFEST)
        except APIError as exc:
            if exc.status != 413 or 413 in request.operation.failure_statuses:
                raise
            # a set that declares no 413 here (registry_v2) gets distribution's answer
            raise APIError(
                "MANIFEST_INVALID", message=f"manifest larger than {MAX_MANIFEST} bytes", headers=exc.headers
            ) from None

    def _pushed_tags(self, request: ManifestRequest) -> list[str]:
        """The ``tag`` query parameters of a push (OCI main, end-7b), in order, each once: only
        where the set declares the parameter (a registry_v2 registry ignores it, as distribution
        does). ``APIError`` for one that is not a tag, or for more than the registry takes."""
        if not hasattr(request, "tag"):
            return []
        tags = list(dict.fromkeys(value for key, value in request.query_params if key == "tag"))
        if len(tags) > MAX_TAGS_PER_PUSH:
            raise APIError(status=414)  # declared without a body (no error code fits)
        for tag in tags:
            if TAG.fullmatch(tag) is None:
                raise APIError("TAG_INVALID", message="invalid tag", detail={"Tag": tag})
        return tags

    async def put_manifest(self, request: ManifestRequest) -> Response:
        name = repository(request)
        reference = request.reference
        extra_tags = self._pushed_tags(request)
        data = await self._body(request)
        try:
            parsed = parse(self.ctx.dset, data, request.headers.get("content-type"))
        except ManifestInvalid as exc:
            raise APIError("MANIFEST_INVALID", message="manifest invalid", detail=str(exc)) from None
        by_digest = ":" in reference
        algorithm = (
            checked_digest(reference, "DIGEST_INVALID", "MANIFEST_INVALID").partition(":")[0] if by_digest else "sha256"
        )
        hasher = Hasher(algorithm)
        hasher.update(data)
        digest = f"{algorithm}:{hasher.hexdigest()}"
        if by_digest and digest != reference:
            raise APIError(
                "DIGEST_INVALID", "MANIFEST_INVALID", message="manifest digest did not match", detail=reference
            )
        # mark what the manifest references as used *before* checking it is there, so a garbage
        # collection running meanwhile keeps it (the protocol: specgen/registry/gc.py)
        # (all at once: on an object store each touch is a few round trips)
        referenced = list(dict.fromkeys((*parsed.blobs, *parsed.manifests, digest)))
        touched = dict(zip(referenced, await asyncio.gather(*map(self.driver.touch_blob, referenced))))
        linked = await asyncio.gather(*(self.driver.repo_has_blob(name, blob) for blob in parsed.blobs))
        for blob, in_repository in zip(parsed.blobs, linked):
            if not touched[blob] or not in_repository:
                raise APIError(
                    "MANIFEST_BLOB_UNKNOWN", "BLOB_UNKNOWN", message="blob unknown to registry", detail={"digest": blob}
                )
        kinds = await asyncio.gather(*(self.driver.manifest_media_type(name, child) for child in parsed.manifests))
        for child, kind in zip(parsed.manifests, kinds):
            if not touched[child] or kind is None:
                raise APIError(
                    "MANIFEST_BLOB_UNKNOWN",
                    "MANIFEST_UNKNOWN",
                    "BLOB_UNKNOWN",
                    message="manifest unknown to registry",
                    detail={"digest": child},
                )
        tags = list(dict.fromkeys(([] if by_digest else [reference]) + extra_tags))
        await self.driver.put_manifest(name, digest, data, parsed.media_type, tuple(tags))
        headers = {
            "Location": request.urls.manifest(name, digest),
            "Content-Length": "0",
            "Docker-Content-Digest": digest,
        }
        if extra_tags:
            headers["OCI-Tag"] = ", ".join(extra_tags)
        if parsed.subject is not None:
            descriptor = {"mediaType": parsed.media_type, "digest": digest, "size": len(data)}
            if parsed.artifact_type:
                descriptor["artifactType"] = parsed.artifact_type
            if parsed.annotations:
                descriptor["annotations"] = parsed.annotations
            await self.driver.add_referrer(name, parsed.subject["digest"], digest, descriptor)
            headers["OCI-Subject"] = parsed.subject["digest"]
        return Response(201, headers)

    async def delete_manifest(self, request: ManifestRequest) -> Response:
        name = repository(request)
        reference = request.reference
        if ":" not in reference:
            if not await self.driver.delete_tag(name, reference):
                raise _unknown(reference, True)
            return Response(202, {"Content-Length": "0"})
        digest = checked_digest(reference, "DIGEST_INVALID", "TAG_INVALID")
        if await self.driver.manifest_media_type(name, digest) is None:
            raise _unknown(reference, False)
        for tag in await self.driver.tags(name):  # distribution untags a deleted manifest
            if await self.driver.get_tag(name, tag) == digest:
                await self.driver.delete_tag(name, tag)
        await self.driver.delete_manifest(name, digest)
        await self.driver.remove_referrer(name, digest)
        return Response(202, {"Content-Length": "0"})
