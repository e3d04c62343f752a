"""The descriptor set ``registry_v2_8_2``: distribution's descriptors at v2.8.2 (commit 7c354a4b),
the release Debian and most installed registries run. Written as what changed from
``registry_v2`` (main) since then, each change undone here, newest first in reading order.
"""

from __future__ import annotations

import dataclasses

from specgen.compilers.markdown import DETAIL_TEMPLATE_KEY, ERROR_TABLE_KEY
from specgen.descriptors import registry_v2 as main
from specgen.descriptors.registry_v2 import errors, routes
from specgen.descriptors.registry_v2_8_2 import grammar
from specgen.distribution import grammar as main_grammar
from specgen.model import BodyDescriptor, ResponseDescriptor
from specgen.revise import Revision

_set = Revision(main.DESCRIPTOR_SET)

# The reference grammar became github.com/distribution/reference (IPv6 domains, `[-]+`) and
# go-digest v1.0.0's digest pattern; both are spelled into route paths and parameters.
_set.substitute(main_grammar.NAME_REGEXP.go_pattern, grammar.NAME_REGEXP.go_pattern)
_set.substitute(main_grammar.GO_DIGEST_REGEXP.go_pattern, grammar.GO_DIGEST_REGEXP.go_pattern)

# RANGE_INVALID (416) was registered after v2.8.2.
_set.drop_error(errors.RANGE_INVALID.value)

# JSON bodies were declared `application/json; charset=utf-8` (but for the invalid-pagination 400,
# already `application/json`), and the shared error body format carried the `"errors:"` typo.
def _json_body(r: ResponseDescriptor) -> ResponseDescriptor:
    body = r.body
    if body.content_type == "application/json" and r.name != routes.INVALID_PAGINATION_RESPONSE.name:
        body = dataclasses.replace(body, content_type="application/json; charset=utf-8")
    body = dataclasses.replace(body, format=body.format.replace('\t"errors": [', '\t"errors:" ['))
    return r if body == r.body else dataclasses.replace(r, body=body)


_set.every_response(_json_body)

# The Missing Layer(s) example opened its first error on the `"errors:" [` line.
_missing = _set.find_request(routes.ROUTE_NAME_MANIFEST, "PUT", 0).failures[5]  # type: ignore[index]
_set.response(routes.ROUTE_NAME_MANIFEST, "PUT", 0, "failures", "Missing Layer(s)", body=dataclasses.replace(
    _missing.body, format=_missing.body.format.replace('"errors": [\n        {', '"errors:" [{')))

# The catalog bodies had a comma after the repositories list.
for _request, _format in (
    ("Catalog Fetch", '{\n\t"repositories": [\n\t\t<name>,\n\t\t...\n\t]\n}'),
    ("Catalog Fetch Paginated",
     '{\n\t"repositories": [\n\t\t<name>,\n\t\t...\n\t]\n\t"next": "<url>?last=<name>&n=<last value of n>"\n}'),
):
    _set.response(routes.ROUTE_NAME_CATALOG, "GET", _request, "successes", 200,
                  body=BodyDescriptor("application/json; charset=utf-8", _format))

# The schema 1 manifest body was indented by three, with a stray bracket.
MANIFEST_BODY = (
    '{\n   "name": <name>,\n   "tag": <tag>,\n   "fsLayers": [\n      {\n         "blobSum": "<digest>"\n'
    '      },\n      ...\n    ]\n   ],\n   "history": <v1 images>,\n   "signature": <JWS>\n}'
)
_manifest_body = BodyDescriptor("<media type of manifest>", MANIFEST_BODY)
_set.response(routes.ROUTE_NAME_MANIFEST, "GET", 0, "successes", 200, body=_manifest_body)
_set.request(routes.ROUTE_NAME_MANIFEST, "PUT", 0, body=_manifest_body)

# Upload PATCH answered 204 (now 202) and the completing PUT 204 (now 201).
_set.response(routes.ROUTE_NAME_BLOB_UPLOAD_CHUNK, "PATCH", "Stream upload", "successes", "Data Accepted",
              status_code=204)
_set.response(routes.ROUTE_NAME_BLOB_UPLOAD_CHUNK, "PATCH", "Chunked upload", "successes", "Chunk Accepted",
              status_code=204)
_set.response(routes.ROUTE_NAME_BLOB_UPLOAD_CHUNK, "PUT", 0, "successes", "Upload Complete", status_code=204)

# A new resumable upload's 202 listed Content-Length first, and its empty Range as `0-0`.
_resumable = _set.find_request(routes.ROUTE_NAME_BLOB_UPLOAD, "POST", "Initiate Resumable Blob Upload")
_location, _range, _length, _uuid = _resumable.successes[0].headers  # type: ignore[index,misc]
_set.response(routes.ROUTE_NAME_BLOB_UPLOAD, "POST", "Initiate Resumable Blob Upload", "successes", 202,
              headers=(_length, _location, dataclasses.replace(_range, format="0-0"), _uuid))

# The monolithic upload's body type had a typo.
_monolithic = _set.find_request(routes.ROUTE_NAME_BLOB_UPLOAD, "POST", "Initiate Monolithic Blob Upload")
_set.request(routes.ROUTE_NAME_BLOB_UPLOAD, "POST", "Initiate Monolithic Blob Upload",
             body=dataclasses.replace(_monolithic.body, content_type="application/octect-stream"))

# Without `n`, a paginated listing was said to return all entries (now 100).
_n, _last = routes.PAGINATION_PARAMETERS
PAGINATION_PARAMETERS = (
    dataclasses.replace(_n, description=_n.description.replace("100 entries", "all entries")), _last)
_set.request(routes.ROUTE_NAME_TAGS, "GET", "Tags Paginated", query_parameters=PAGINATION_PARAMETERS)
_set.request(routes.ROUTE_NAME_CATALOG, "GET", "Catalog Fetch Paginated", query_parameters=PAGINATION_PARAMETERS)

# Manifest DELETE did not mention tags yet.
_set.method(routes.ROUTE_NAME_MANIFEST, "DELETE", description=(
    "Delete the manifest identified by `name` and `reference`. Note that a manifest can _only_ be "
    "deleted by `digest`."))
_set.response(routes.ROUTE_NAME_MANIFEST, "DELETE", 0, "failures", "Unknown Manifest", description=(
    "The specified `name` or `reference` are unknown to the registry and the delete was unable to "
    "proceed. Clients can assume the manifest was already deleted if this response is returned."))
_set.response(routes.ROUTE_NAME_MANIFEST, "DELETE", 0, "failures", "Not allowed", description=(
    "Manifest delete is not allowed because the registry is configured as a pull-through cache or "
    "`delete` has been disabled."))

_errors = tuple(e for e in main.DOC_ERROR_CODES if e != errors.RANGE_INVALID.value)

DESCRIPTOR_SET = _set.build(
    name="registry_v2_8_2",
    title="Docker Registry HTTP API V2 (distribution v2.8.2)",
    grammar=grammar.GRAMMAR,
    extensions={
        **main.DESCRIPTOR_SET.extensions,
        ERROR_TABLE_KEY: _errors,
        DETAIL_TEMPLATE_KEY: "markdown/detail-classic.md.jinja",
    },
)
