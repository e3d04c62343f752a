"""distribution's registry ``URLBuilder`` methods (``BuildBaseURL``, ``BuildTagsURL``, ...) on top
of the generic :class:`specgen.distribution.urls.URLBuilder`, for any route table whose routes carry
the registry's route names (``specgen.distribution.routenames``): a descriptor set, or the
(name, gorilla path) pairs of a generated server.

    >>> from specgen.distribution.reference import parse
    >>> routes = [("base", "/v2/"), ("manifest", "/v2/{name:[a-z/]+}/manifests/{reference}"),
    ...           ("blob-upload", "/v2/{name:[a-z/]+}/blobs/uploads/")]
    >>> b = RegistryURLBuilder("https://registry.example.com/", routes=routes)
    >>> b.manifest(parse("team/app:v1"))
    'https://registry.example.com/v2/team/app/manifests/v1'
    >>> b.blob_upload("team/app", {"digest": "sha256:ab", "size": "3"})
    'https://registry.example.com/v2/team/app/blobs/uploads/?digest=sha256%3Aab&size=3'
"""

from __future__ import annotations

from specgen.distribution.reference import Reference
from specgen.distribution.routenames import (
    BASE,
    BLOB,
    BLOB_UPLOAD,
    BLOB_UPLOAD_CHUNK,
    CATALOG,
    MANIFEST,
    REFERRERS,
    TAGS,
)
from specgen.distribution.urls import Headers, Query, Routes, URLBuilder, root_from_request, route_paths


def _name(name: str | Reference) -> str:
    return name.name if isinstance(name, Reference) else name


class RegistryURLBuilder:
    """URLs of the registry routes of ``routes`` (a descriptor set such as ``registry_v2`` or an
    extension of it, or (route name, gorilla path) pairs); no set is assumed."""

    def __init__(self, base_url: str, relative: bool = False, *, routes: Routes) -> None:
        self.builder = URLBuilder(routes, base_url, relative)

    @classmethod
    def from_request(
        cls, url: str, host: str, headers: Headers = (), tls: bool = False, relative: bool = False, *, routes: Routes
    ) -> RegistryURLBuilder:
        """``NewURLBuilderFromRequest``: the root the client used, proxies' headers considered."""
        paths = route_paths(routes)
        base_path = dict(paths).get(BASE, "/v2/")
        root = root_from_request(url, host, headers, tls, base_path=base_path)
        return cls(root, relative, routes=paths)

    def base(self) -> str:
        return self.builder.build(BASE)

    def catalog(self, values: Query = None) -> str:
        return self.builder.build(CATALOG, {}, values)

    def tags(self, name: str | Reference, values: Query = None) -> str:
        return self.builder.build(TAGS, {"name": _name(name)}, values)

    def manifest(self, name: str | Reference, reference: str | None = None) -> str:
        """By a tag or digest; given a parsed reference alone, its tag (else its digest)."""
        if reference is None and isinstance(name, Reference):
            reference = name.tag or name.digest
        if not reference:
            raise ValueError("reference must have a tag or digest")
        return self.builder.build(MANIFEST, {"name": _name(name), "reference": reference})

    def blob(self, name: str | Reference, digest: str | None = None) -> str:
        if digest is None and isinstance(name, Reference):
            digest = name.digest
        return self.builder.build(BLOB, {"name": _name(name), "digest": digest or ""})

    def blob_upload(self, name: str | Reference, values: Query = None) -> str:
        return self.builder.build(BLOB_UPLOAD, {"name": _name(name)}, values)

    def blob_upload_chunk(self, name: str | Reference, uuid: str, values: Query = None) -> str:
        return self.builder.build(BLOB_UPLOAD_CHUNK, {"name": _name(name), "uuid": uuid}, values)

    def referrers(self, name: str | Reference, digest: str, values: Query = None) -> str:
        """OCI v1.1's referrers of a manifest (no route of distribution's; sets that extend it)."""
        return self.builder.build(REFERRERS, {"name": _name(name), "digest": digest}, values)
