"""The S3 driver's object keys in its bucket (under an optional ``rootdirectory`` prefix).

Layout (distribution's, with flat keys where listing order matters)::

    blobs/<alg>/<hex[:2]>/<hex>/data                              every blob (and manifest) once
    blobs/<alg>/<hex[:2]>/<hex>/touched                           last use by a push (empty; gc: ``collect``)
    blobs/<alg>/<hex[:2]>/<hex>/gc                                a collector's claim (created If-None-Match)
    repositories/<name>/_layers/<alg>/<hex>/link                    blob linked into a repository
    repositories/<name>/_manifests/revisions/<alg>/<hex>/link       manifest revision (body: media type)
    repositories/<name>/_manifests/tags/<tag>                       tag (body: digest)
    repositories/<name>/_referrers/<alg>/<hex>/<alg>-<hex>          referrer descriptor (JSON) of a subject
    _catalog/<name>                                                 repository marker (empty)
    _uploads/<id>/state.json                                        upload session: offset, hash state, parts
    _uploads/<id>/lock                                              the session's lease (created If-None-Match)
    _uploads/<id>/pending-<n>                                       buffered tail, shorter than a part
    _uploads/<id>/data                                              the session's multipart upload target

Tags and catalog markers are whole keys under one prefix, so S3's listing order (UTF-8 byte order,
which is code point order) is the order the API promises, and ``StartAfter``/``MaxKeys`` paginate
it directly: a ``tags/<tag>/current/link`` layout would list ``a-b/`` before ``a/``. (Repository
names hold ``/``, which SeaweedFS lists folder by folder: the driver sorts the catalog itself.)
"""

from __future__ import annotations

import re

from specgen.registry.storage.driver import InvalidName, UploadUnknown
from specgen.registry.storage.names import component, split_digest

_UUID = re.compile(r"^[0-9a-f]{32}$")


class Keys:
    """Keys of everything under ``prefix``; names are checked so none leaves its place."""

    def __init__(self, prefix: str = ""):
        prefix = prefix.strip("/")
        self.prefix = prefix + "/" if prefix else ""
        self.catalog = self.prefix + "_catalog/"
        self.uploads = self.prefix + "_uploads/"
        self.repositories = self.prefix + "repositories/"
        self.blobs = self.prefix + "blobs/"

    def blob_dir(self, digest: str) -> str:
        alg, hexd = split_digest(digest)
        return f"{self.blobs}{alg}/{hexd[:2]}/{hexd}/"

    def blob(self, digest: str) -> str:
        return self.blob_dir(digest) + "data"

    def touched(self, digest: str) -> str:
        return self.blob_dir(digest) + "touched"

    def claim(self, digest: str) -> str:
        return self.blob_dir(digest) + "gc"

    def layers(self, name: str) -> str:
        return f"{self.repo(name)}_layers/"

    def repo(self, name: str) -> str:
        # names follow the reference grammar, whose components never start with "." or "_"
        if not name or "\0" in name or any(not p or p[0] in "._" for p in name.split("/")):
            raise InvalidName(f"invalid repository name: {name!r}")
        return f"{self.repositories}{name}/"

    def marker(self, name: str) -> str:
        self.repo(name)
        return self.catalog + name

    def layer_link(self, name: str, digest: str) -> str:
        alg, hexd = split_digest(digest)
        return f"{self.layers(name)}{alg}/{hexd}/link"

    def revisions(self, name: str) -> str:
        return f"{self.repo(name)}_manifests/revisions/"

    def revision_link(self, name: str, digest: str) -> str:
        alg, hexd = split_digest(digest)
        return f"{self.revisions(name)}{alg}/{hexd}/link"

    def tags(self, name: str) -> str:
        return f"{self.repo(name)}_manifests/tags/"

    def tag(self, name: str, tag: str) -> str:
        return self.tags(name) + component(tag, "tag")

    def referrers(self, name: str) -> str:
        return f"{self.repo(name)}_referrers/"

    def referrers_of(self, name: str, subject: str) -> str:
        alg, hexd = split_digest(subject)
        return f"{self.referrers(name)}{alg}/{hexd}/"

    def referrer(self, name: str, subject: str, digest: str) -> str:
        alg, hexd = split_digest(digest)
        return f"{self.referrers_of(name, subject)}{alg}-{hexd}"

    def upload(self, upload_id: str) -> str:
        """The folder-like prefix of a session; ids are ours (32 hex digits), anything else is unknown."""
        if not _UUID.match(upload_id or ""):
            raise UploadUnknown(upload_id)
        return f"{self.uploads}{upload_id}/"
