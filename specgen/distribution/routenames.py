"""The registry's route names (distribution ``registry/api/v2/routes.go``: ``RouteNameBase`` ...).

Descriptor sets name their routes with these; the server dispatches on them and the checker and
the URL builder address routes by them, so no route name is typed twice.
"""

BASE = "base"
TAGS = "tags"
MANIFEST = "manifest"
BLOB = "blob"
BLOB_UPLOAD = "blob-upload"
BLOB_UPLOAD_CHUNK = "blob-upload-chunk"
CATALOG = "catalog"
#: OCI Distribution Spec v1.1 "Listing Referrers" (no route of distribution's).
REFERRERS = "referrers"
