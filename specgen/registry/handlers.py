"""``Registry``: the hand-written backend behind the generated handler interface.

It implements the handler methods of the bundled registry sets (``registry_v2`` and its extension);
methods a set does not declare are simply never called. Failures are raised as ``APIError`` with
preferred codes first, so each set answers with a code it declares (``MANIFEST_UNKNOWN`` where
declared, else ``NAME_UNKNOWN``).
"""

from __future__ import annotations

import asyncio
import re
import uuid
from typing import Any
from urllib.parse import quote

from specgen.distribution.grammar import NAME_REGEXP
from specgen.registry import digests
from specgen.registry.hashing import Hasher
from specgen.registry.manifests import INDEX_TYPES, ManifestInvalid, parse
from specgen.registry.storage import Storage, purge_uploads
from specgen.registry.uploads import RangeMismatch, UploadBusy, Uploads, UploadUnknown
from specgen.server.runtime import APIError, FileBody, Request, Response

MAX_MANIFEST = 4 << 20
NAME_MAX = 255
_CONTENT_RANGE = re.compile(r"^(?:bytes )?(\d+)-(\d+)(?:/(?:\d+|\*))?$")
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_NAME = NAME_REGEXP.python


def _digest(text: str | None, *codes: str) -> tuple[str, str]:
    try:
        return digests.parse(text or "")
    except digests.InvalidDigest as exc:
        raise APIError(*(codes or ("DIGEST_INVALID",)), message=str(exc), detail=text) from None


class Registry:
    def __init__(self, root: str, dset: Any = None, upload_ttl: float = 24 * 3600,
                 purge_interval: float = 3600):
        self.storage = Storage(root)
        self.uploads = Uploads(self.storage)
        self.dset = dset
        self.upload_ttl = upload_ttl
        self.purge_interval = purge_interval
        self._purger: asyncio.Task | None = None

    # -- lifecycle ---------------------------------------------------------------------------------
    async def startup(self) -> None:
        purge_uploads(self.storage.root, self.upload_ttl)
        self._purger = asyncio.get_running_loop().create_task(self._purge_loop())

    async def shutdown(self) -> None:
        if self._purger is not None:
            self._purger.cancel()

    async def _purge_loop(self) -> None:
        while True:
            await asyncio.sleep(self.purge_interval)
            purge_uploads(self.storage.root, self.upload_ttl)

    # -- helpers -----------------------------------------------------------------------------------
    @staticmethod
    def _name(request: Request) -> str:
        name = request.path_params["name"]
        if len(name) > NAME_MAX:
            raise APIError("NAME_INVALID", message="repository name too long", detail=name)
        return name

    def _upload_headers(self, request: Request, name: str, upload_id: str, offset: int) -> dict:
        return {
            "Location": f"{request.base_url}/v2/{name}/blobs/uploads/{upload_id}",
            "Range": f"0-{max(offset - 1, 0)}",
            "Content-Length": "0",
            "Docker-Upload-UUID": upload_id,
            "OCI-Chunk-Min-Length": "1",  # any chunk size is fine here
        }

    def _blob_created(self, request: Request, name: str, digest: str, size: int | None = None,
                      upload_id: str | None = None) -> Response:
        headers = {"Location": f"{request.base_url}/v2/{name}/blobs/{digest}", "Content-Length": "0",
                   "Docker-Content-Digest": digest,
                   # declared on every 201 of the upload route, even when no session was needed
                   "Docker-Upload-UUID": upload_id or str(uuid.uuid4())}
        if size is not None:
            headers["Content-Range"] = f"0-{max(size - 1, 0)}"
        return Response(201, headers)

    async def _new_upload(self, request: Request, name: str) -> Response:
        algorithm = request.query("digest-algorithm") or "sha256"
        if algorithm not in digests.ALGORITHMS:
            raise APIError("DIGEST_INVALID", message=f"unsupported digest algorithm {algorithm!r}")
        st = self.uploads.create(name, algorithm)
        await request.drain()
        return Response(202, self._upload_headers(request, name, st.id, 0))

    # -- base ----------------------------------------------------------------------------------------
    async def get_base(self, request: Request) -> Response:
        return Response.json({})

    # -- blob uploads ---------------------------------------------------------------------------------
    async def initiate_resumable_blob_upload(self, request: Request) -> Response:
        return await self._new_upload(request, self._name(request))

    async def initiate_monolithic_blob_upload(self, request: Request) -> Response:
        name = self._name(request)
        alg, hexd = _digest(request.query("digest"))
        st = self.uploads.create(name, alg)
        size, ok = await self._finish(name, st.id, request, alg, hexd)
        return self._blob_created(request, name, f"{alg}:{hexd}", upload_id=st.id)

    async def mount_blob(self, request: Request) -> Response:
        name = self._name(request)
        mount = request.query("mount")
        if not mount and request.query("digest"):
            return await self.initiate_monolithic_blob_upload(request)
        alg, hexd = _digest(mount)
        source = request.query("from")
        if source:  # a name outside the grammar (say "../x") never reaches the filesystem
            found = (_NAME.fullmatch(source) is not None and len(source) <= NAME_MAX
                     and self.storage.repo_has_blob(source, alg, hexd))
        else:  # anonymous mount: the blob may be linked anywhere in this registry
            found = self.storage.find_blob_anywhere(alg, hexd)
        if not found or not self.storage.find_blob_anywhere(alg, hexd):
            return await self._new_upload(request, name)  # clients with stale caches rely on this
        await request.drain()
        self.storage.link_blob(name, alg, hexd)
        return self._blob_created(request, name, f"{alg}:{hexd}")

    anonymous_mount_blob = mount_blob

    def _state(self, name: str, upload_id: str):
        try:
            return self.uploads.status(name, upload_id)
        except UploadUnknown:
            raise APIError("BLOB_UPLOAD_UNKNOWN", message="upload unknown", detail=upload_id) from None

    async def get_blob_upload(self, request: Request) -> Response:
        name = self._name(request)
        st = self._state(name, request.path_params["uuid"])
        headers = self._upload_headers(request, name, st.id, st.offset)
        return Response(204, headers)

    async def stream_upload(self, request: Request) -> Response:
        return await self._append(request, None)

    async def chunked_upload(self, request: Request) -> Response:
        return await self._append(request, request.headers.get("content-range"))

    async def _append(self, request: Request, content_range: str | None) -> Response:
        name = self._name(request)
        upload_id = request.path_params["uuid"]
        start = end = None
        if content_range:
            m = _CONTENT_RANGE.match(content_range.strip())
            if m is None:
                st = self._state(name, upload_id)
                raise APIError("RANGE_INVALID", status=416, message="malformed Content-Range",
                               headers=self._upload_headers(request, name, upload_id, st.offset))
            start, end = int(m.group(1)), int(m.group(2))
        try:
            st = await self.uploads.append(name, upload_id, request.stream(), start, end,
                                           raw=request.raw_body())
        except UploadUnknown:
            raise APIError("BLOB_UPLOAD_UNKNOWN", message="upload unknown", detail=upload_id) from None
        except UploadBusy:
            raise APIError("BLOB_UPLOAD_INVALID", message="upload is in use by another request") from None
        except RangeMismatch as exc:
            offset = exc.args[0]
            message = ("chunk length does not match its Content-Range" if start == offset and end is not None
                       and end >= start else "chunk does not start at the end of the upload")
            raise APIError("RANGE_INVALID", status=416, message=message,
                           headers=self._upload_headers(request, name, upload_id, offset)) from None
        return Response(202, self._upload_headers(request, name, st.id, st.offset))

    async def _finish(self, name: str, upload_id: str, request: Request, alg: str, hexd: str):
        start = None
        content_range = request.headers.get("content-range")
        if content_range:
            m = _CONTENT_RANGE.match(content_range.strip())
            if m is None:
                raise APIError("RANGE_INVALID", status=416, message="malformed Content-Range")
            start = int(m.group(1))
        try:
            size, ok = await self.uploads.finish(name, upload_id, request.stream(), alg, hexd,
                                                 raw=request.raw_body(), start=start)
        except RangeMismatch as exc:
            raise APIError("RANGE_INVALID", "BLOB_UPLOAD_INVALID", status=416,
                           message="closing chunk does not start at the end of the upload",
                           headers=self._upload_headers(request, name, upload_id, exc.args[0])) from None
        except UploadUnknown:
            raise APIError("BLOB_UPLOAD_UNKNOWN", message="upload unknown", detail=upload_id) from None
        except UploadBusy:
            raise APIError("BLOB_UPLOAD_INVALID", message="upload is in use by another request") from None
        if not ok:
            raise APIError("DIGEST_INVALID", message="provided digest did not match uploaded content",
                           detail=f"{alg}:{hexd}")
        return size, ok

    async def put_blob_upload(self, request: Request) -> Response:
        name = self._name(request)
        upload_id = request.path_params["uuid"]
        self._state(name, upload_id)
        alg, hexd = _digest(request.query("digest"))
        size, _ = await self._finish(name, upload_id, request, alg, hexd)
        return self._blob_created(request, name, f"{alg}:{hexd}", size=size)

    async def delete_blob_upload(self, request: Request) -> Response:
        name = self._name(request)
        upload_id = request.path_params["uuid"]
        try:
            self.uploads.cancel(name, upload_id)
        except UploadUnknown:
            raise APIError("BLOB_UPLOAD_UNKNOWN", message="upload unknown", detail=upload_id) from None
        except UploadBusy:
            raise APIError("BLOB_UPLOAD_INVALID", message="upload is in use by another request") from None
        return Response(204, {"Content-Length": "0"})

    # -- blobs ---------------------------------------------------------------------------------------
    def _blob(self, request: Request) -> tuple[str, str, str, int]:
        name = self._name(request)
        digest = request.path_params["digest"]
        alg, hexd = _digest(digest)
        size = self.storage.blob_size(alg, hexd)
        if size is None or not self.storage.repo_has_blob(name, alg, hexd):
            raise APIError("BLOB_UNKNOWN", "NAME_UNKNOWN", message="blob unknown to registry",
                           detail=digest)
        return name, alg, hexd, size

    async def fetch_blob(self, request: Request) -> Response:
        name, alg, hexd, size = self._blob(request)
        headers = {"Content-Type": "application/octet-stream", "Docker-Content-Digest": f"{alg}:{hexd}",
                   "Accept-Ranges": "bytes", "Etag": f'"{alg}:{hexd}"',
                   "Cache-Control": "max-age=31536000"}
        return Response(200, headers, FileBody(self.storage.blob_path(alg, hexd), 0, size))

    check_blob = fetch_blob  # HEAD, where the set declares it

    async def fetch_blob_part(self, request: Request) -> Response:
        name, alg, hexd, size = self._blob(request)
        header = (request.headers.get("range") or "").strip()
        m = _RANGE.match(header)
        start = end = None
        if m is not None and (m.group(1) or m.group(2)):
            if m.group(1):
                start = int(m.group(1))
                end = int(m.group(2)) if m.group(2) else size - 1
            else:  # suffix range: the last N bytes
                n = int(m.group(2))
                start, end = max(size - n, 0), size - 1
                if n == 0:
                    start = size
            end = min(end, size - 1)
        if start is None or start > end or start >= size:
            raise APIError("RANGE_INVALID", status=416, message="requested range not satisfiable",
                           headers={"Content-Range": f"bytes */{size}"})
        headers = {"Content-Type": "application/octet-stream", "Docker-Content-Digest": f"{alg}:{hexd}",
                   "Content-Range": f"bytes {start}-{end}/{size}", "Accept-Ranges": "bytes"}
        return Response(206, headers, FileBody(self.storage.blob_path(alg, hexd), start, end - start + 1))

    async def delete_blob(self, request: Request) -> Response:
        name = self._name(request)
        digest = request.path_params["digest"]
        alg, hexd = _digest(digest)
        if not self.storage.unlink_blob(name, alg, hexd):
            raise APIError("BLOB_UNKNOWN", "NAME_UNKNOWN", message="blob unknown to registry",
                           detail=digest)
        return Response(202, {"Content-Length": "0", "Docker-Content-Digest": digest})

    # -- manifests -----------------------------------------------------------------------------------
    def _resolve(self, name: str, reference: str) -> tuple[str, str, bool]:
        """(algorithm, hex, by tag) of an existing manifest, else ``APIError``."""
        if ":" in reference:
            alg, hexd = _digest(reference, "DIGEST_INVALID", "TAG_INVALID")
            if self.storage.manifest_media_type(name, alg, hexd) is None:
                raise APIError("MANIFEST_UNKNOWN", "NAME_UNKNOWN", message="manifest unknown",
                               detail={"Digest": reference})
            return alg, hexd, False
        digest = self.storage.resolve_tag(name, reference)
        if digest is None:
            raise APIError("MANIFEST_UNKNOWN", "NAME_UNKNOWN", message="manifest unknown",
                           detail={"Tag": reference})
        alg, hexd = digest.split(":", 1)
        return alg, hexd, True

    async def get_manifest(self, request: Request) -> Response:
        name = self._name(request)
        reference = request.path_params["reference"]
        alg, hexd, by_tag = self._resolve(name, reference)
        path = self.storage.blob_path(alg, hexd)
        media_type = self.storage.manifest_media_type(name, alg, hexd) or _media_type_of(path)
        accept = [a.split(";")[0].strip() for a in request.headers.get("accept", "").split(",") if a.strip()]
        if by_tag and accept and not any(a in ("*/*", media_type) or a.endswith("/*") for a in accept):
            raise APIError("MANIFEST_UNKNOWN", "NAME_UNKNOWN",
                           message=f"manifest of type {media_type} not accepted", detail={"Tag": reference})
        size = path.stat().st_size
        headers = {"Content-Type": media_type, "Docker-Content-Digest": f"{alg}:{hexd}",
                   "Etag": f'"{alg}:{hexd}"'}
        if request.head:
            return Response(200, {**headers, "Content-Length": str(size)})
        return Response(200, headers, path.read_bytes())

    check_manifest = get_manifest  # HEAD, where the set declares it (request.head is set)

    async def put_manifest(self, request: Request) -> Response:
        name = self._name(request)
        reference = request.path_params["reference"]
        try:
            data = await request.read(MAX_MANIFEST)
        except APIError as exc:
            if exc.status != 413 or 413 in request.operation.failure_statuses:
                raise
            # a set that declares no 413 here (registry_v2) gets distribution's answer
            raise APIError("MANIFEST_INVALID", message=f"manifest larger than {MAX_MANIFEST} bytes",
                           headers=exc.headers) from None
        try:
            parsed = parse(self.dset, data, request.headers.get("content-type"))
        except ManifestInvalid as exc:
            raise APIError("MANIFEST_INVALID", message="manifest invalid", detail=str(exc)) from None
        by_digest = ":" in reference
        if by_digest:
            alg, hexd = _digest(reference, "DIGEST_INVALID", "MANIFEST_INVALID")
        else:
            alg = "sha256"
        hasher = Hasher(alg)
        hasher.update(data)
        computed = hasher.hexdigest()
        if by_digest and computed != hexd:
            raise APIError("DIGEST_INVALID", "MANIFEST_INVALID", message="manifest digest did not match",
                           detail=reference)
        for blob in parsed.blobs:
            b_alg, b_hex = digests.parse(blob)
            if not self.storage.repo_has_blob(name, b_alg, b_hex):
                raise APIError("MANIFEST_BLOB_UNKNOWN", "BLOB_UNKNOWN", message="blob unknown to registry",
                               detail={"digest": blob})
        for child in parsed.manifests:
            c_alg, c_hex = digests.parse(child)
            if self.storage.manifest_media_type(name, c_alg, c_hex) is None:
                raise APIError("MANIFEST_BLOB_UNKNOWN", "MANIFEST_UNKNOWN", "BLOB_UNKNOWN",
                               message="manifest unknown to registry", detail={"digest": child})
        digest = f"{alg}:{computed}"
        await asyncio.get_running_loop().run_in_executor(
            None, self.storage.put_manifest, name, alg, computed, data, parsed.media_type,
            None if by_digest else reference)
        headers = {"Location": f"{request.base_url}/v2/{name}/manifests/{digest}", "Content-Length": "0",
                   "Docker-Content-Digest": digest}
        if parsed.subject is not None:
            descriptor = {"mediaType": parsed.media_type, "digest": digest, "size": len(data)}
            if parsed.artifact_type:
                descriptor["artifactType"] = parsed.artifact_type
            if parsed.annotations:
                descriptor["annotations"] = parsed.annotations
            self.storage.add_referrer(name, parsed.subject["digest"], digest, descriptor)
            headers["OCI-Subject"] = parsed.subject["digest"]
        return Response(201, headers)

    async def delete_manifest(self, request: Request) -> Response:
        name = self._name(request)
        reference = request.path_params["reference"]
        if ":" in reference:
            alg, hexd = _digest(reference, "DIGEST_INVALID", "TAG_INVALID")
            if not self.storage.delete_manifest(name, alg, hexd):
                raise APIError("MANIFEST_UNKNOWN", "NAME_UNKNOWN", message="manifest unknown",
                               detail={"Digest": reference})
        elif not self.storage.untag(name, reference):
            raise APIError("MANIFEST_UNKNOWN", "NAME_UNKNOWN", message="manifest unknown",
                           detail={"Tag": reference})
        return Response(202, {"Content-Length": "0"})

    # -- referrers -----------------------------------------------------------------------------------
    async def list_referrers(self, request: Request) -> Response:
        name = self._name(request)
        digest = request.path_params["digest"]
        _digest(digest)
        items = self.storage.referrers(name, digest)
        headers = {}
        artifact_type = request.query("artifactType")
        if artifact_type:
            items = [d for d in items if d.get("artifactType") == artifact_type]
            headers["OCI-Filters-Applied"] = "artifactType"
        body = {"schemaVersion": 2, "mediaType": INDEX_TYPES[0], "manifests": items}
        return Response.json(body, headers=headers, content_type=INDEX_TYPES[0])

    # -- listings ------------------------------------------------------------------------------------
    @staticmethod
    def _page(items: list[str], request: Request, url_path: str) -> tuple[list[str], dict]:
        n = getattr(request, "n", None)
        last = request.query("last")
        if n is None and request.query("n") not in (None, ""):
            try:
                n = int(request.query("n") or "")
            except ValueError:
                raise APIError("PAGINATION_NUMBER_INVALID", message="n must be an integer") from None
        if last:
            items = [t for t in items if t > last]
        headers = {}
        if n is not None:
            if n < 0:
                raise APIError("PAGINATION_NUMBER_INVALID", message="n must not be negative")
            if len(items) > n:
                items = items[:n]
                if items:
                    headers["Link"] = f'<{url_path}?n={n}&last={quote(items[-1], safe="")}>; rel="next"'
        return items, headers

    async def tags(self, request: Request) -> Response:
        name = self._name(request)
        if not self.storage.repo_exists(name):
            raise APIError("NAME_UNKNOWN", message="repository name not known to registry",
                           detail={"name": name})
        tags, headers = self._page(self.storage.tags(name), request, f"/v2/{name}/tags/list")
        return Response.json({"name": name, "tags": tags}, headers=headers)

    tags_paginated = tags

    async def catalog_fetch(self, request: Request) -> Response:
        repos, headers = self._page(self.storage.repositories(), request, "/v2/_catalog")
        return Response.json({"repositories": repos}, headers=headers)

    catalog_fetch_paginated = catalog_fetch


def _media_type_of(path) -> str:
    """The mediaType field of a stored manifest (when its link lost the media type in a crash)."""
    import json

    try:
        doc = json.loads(path.read_bytes())
        return str(doc.get("mediaType") or "application/vnd.oci.image.manifest.v1+json")
    except (OSError, ValueError, AttributeError):
        return "application/octet-stream"
