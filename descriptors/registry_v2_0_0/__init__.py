"""The descriptor set ``registry_v2_0_0``: distribution's descriptors at v2.0.0 (commit 62b70f95),
the first release, nearest to the 2015 descriptors.go this project started from. Written as what
changed from ``registry_v2_8_2`` since then, each change undone here.

Its Go types were older too (``dump_format`` v2.0.0): responses had no ``Fields``, error codes
lived in ``registry/api/v2`` without groups, each with a list of statuses.
"""

from __future__ import annotations

import dataclasses

from specgen.compilers.markdown import DETAIL_TEMPLATE_KEY, ERROR_TABLE_KEY
from specgen.descriptors import registry_v2_8_2 as v2_8_2
from specgen.descriptors.registry_v2 import errors, routes
from specgen.descriptors.registry_v2_0_0 import grammar, schemas
from specgen.descriptors.registry_v2_8_2 import grammar as grammar_v2_8_2
from specgen.model import FORMAT_V2_0_0, BodyDescriptor, ParameterDescriptor, ResponseDescriptor
from specgen.revise import Revision

_set = Revision(v2_8_2.DESCRIPTOR_SET)
BLOB_UPLOAD_CHUNK = routes.ROUTE_NAME_BLOB_UPLOAD_CHUNK

# Repository names followed registry/api/v2/names.go, before the reference package existed.
_set.substitute(grammar_v2_8_2.NAME_REGEXP.go_pattern, grammar.REPOSITORY_NAME_REGEXP.go_pattern)

# The catalog route and blob DELETE came later.
_set.drop_route(routes.ROUTE_NAME_CATALOG)
_set.drop_method(routes.ROUTE_NAME_BLOB, "DELETE")

# The error body of the old-style failures, and the example the 401s of blob routes showed.
ERRORS_BODY = BodyDescriptor("application/json; charset=utf-8", routes.ERRORS_BODY.replace(
    '"errors": [', '"errors:" ['))
UNAUTHORIZED_BODY = BodyDescriptor(ERRORS_BODY.content_type, ERRORS_BODY.format.replace(
    '"code": <error code>,\n            "message": "<error message>"',
    '"code": "UNAUTHORIZED",\n            "message": "access to the requested resource is not authorized"'))
_challenge = routes.AUTH_CHALLENGE_HEADER
_error_length = dataclasses.replace(
    routes.UNAUTHORIZED_RESPONSE.headers[1],  # type: ignore[index]
    description="Length of the JSON error response body.")


def _failure(status: int, description: str, *codes: str, headers=None, body=ERRORS_BODY,
             name: str = "") -> ResponseDescriptor:
    """A failure as v2.0.0 wrote them: mostly unnamed, described per route."""
    return ResponseDescriptor(
        name=name, description=description, status_code=status, headers=headers,
        error_codes=tuple(errors.ERROR_DESCRIPTORS[[e.value for e in errors.ERROR_DESCRIPTORS].index(c)]
                          for c in codes) or None,
        body=body)


def _unauthorized(description: str, headers=(_challenge, _error_length), body=UNAUTHORIZED_BODY):
    return _failure(401, description, "UNAUTHORIZED", headers=headers, body=body)


# The named shared failures (401 Authentication Required, 404 No Such Repository Error, 403 Access
# Denied, 429 Too Many Requests, 405 Not allowed) did not exist: each route had its own unnamed 401
# (and some a 404), listed in the order below.
def _failures(route: str, method: str, request, *failures) -> None:
    _set.request(route, method, request, failures=failures)


def _kept(route: str, method: str, request, which) -> ResponseDescriptor:
    found = _set.find_request(route, method, request)
    for r in found.failures or ():
        if (r.name if isinstance(which, str) else r.status_code) == which:
            return r
    raise LookupError(which)


# -- base
_set.route(routes.ROUTE_NAME_BASE, description=(
    "Base V2 API route. Typically, this can be used for lightweight version checks and to validate "
    "registry authorization."))
_failures(routes.ROUTE_NAME_BASE, "GET", 0,
          _unauthorized("The client is not authorized to access the registry.", headers=(_challenge,),
                        body=ERRORS_BODY),
          _kept(routes.ROUTE_NAME_BASE, "GET", 0, 404))

# -- tags: one unnamed request, without pagination
_tags = _set.find_request(routes.ROUTE_NAME_TAGS, "GET", "Tags")
_set.requests(routes.ROUTE_NAME_TAGS, "GET", [dataclasses.replace(
    _tags, name="", description="", failures=(
        _failure(404, "The repository is not known to the registry.", "NAME_UNKNOWN"),
        _unauthorized("The client does not have access to the repository.", headers=None, body=ERRORS_BODY),
    ))])

# -- manifest: addressed by `tag`; PUT answered 202; v1 manifests only, with tarsum digests
TAG_PARAMETER = ParameterDescriptor(name="tag", type="string", description="Tag of the target manifiest.",
                                    required=True, format=routes.REFERENCE_PARAMETER.format)
MANIFEST_BODY = BodyDescriptor("application/json; charset=utf-8",
                               v2_8_2.MANIFEST_BODY.replace('"<digest>"', "<tarsum>"))
_set.route(routes.ROUTE_NAME_MANIFEST, description="Create, update and retrieve manifests.")
for _method in ("GET", "PUT", "DELETE"):
    _q = _set.find_request(routes.ROUTE_NAME_MANIFEST, _method, 0)
    _set.request(routes.ROUTE_NAME_MANIFEST, _method, 0,
                 path_parameters=(_q.path_parameters[0], TAG_PARAMETER))  # type: ignore[index]
_set.method(routes.ROUTE_NAME_MANIFEST, "GET", description=(
    "Fetch the manifest identified by `name` and `reference` where `reference` can be a tag or digest."))
_get = _set.find_request(routes.ROUTE_NAME_MANIFEST, "GET", 0)
_set.request(routes.ROUTE_NAME_MANIFEST, "GET", 0, successes=(dataclasses.replace(
    _get.successes[0], body=MANIFEST_BODY, description=(  # type: ignore[index]
        "The manifest idenfied by `name` and `reference`. The contents can be used to identify and "
        "resolve resources required to run the specified image.")),))
_failures(routes.ROUTE_NAME_MANIFEST, "GET", 0,
          _kept(routes.ROUTE_NAME_MANIFEST, "GET", 0, 400),
          _unauthorized("The client does not have access to the repository.", headers=None, body=ERRORS_BODY),
          _failure(404, "The named manifest is not known to the registry.", "NAME_UNKNOWN", "MANIFEST_UNKNOWN"))
_put = _set.find_request(routes.ROUTE_NAME_MANIFEST, "PUT", 0)
_created = _put.successes[0]  # type: ignore[index]
_set.request(routes.ROUTE_NAME_MANIFEST, "PUT", 0, body=MANIFEST_BODY, successes=(dataclasses.replace(
    _created, status_code=202, description=(
        "The manifest has been accepted by the registry and is stored under the specified `name` and `tag`."),
    headers=(dataclasses.replace(_created.headers[0], format="<url>"),  # type: ignore[index]
             *_created.headers[1:])),))  # type: ignore[index]
_missing = _kept(routes.ROUTE_NAME_MANIFEST, "PUT", 0, "Missing Layer(s)")
_failures(routes.ROUTE_NAME_MANIFEST, "PUT", 0,
          _kept(routes.ROUTE_NAME_MANIFEST, "PUT", 0, "Invalid Manifest"),
          _unauthorized("The client does not have permission to push to the repository.", headers=None,
                        body=ERRORS_BODY),
          dataclasses.replace(_missing, body=dataclasses.replace(
              _missing.body, format=_missing.body.format.replace('"<digest>"', "<tarsum>"))),
          _unauthorized("", body=ERRORS_BODY))
_set.method(routes.ROUTE_NAME_MANIFEST, "DELETE", description=(
    "Delete the manifest identified by `name` and `reference` where `reference` can be a tag or digest."))
_failures(routes.ROUTE_NAME_MANIFEST, "DELETE", 0,
          _failure(400, "The specified `name` or `tag` were invalid and the delete was unable to proceed.",
                   "NAME_INVALID", "TAG_INVALID", name="Invalid Name or Tag"),
          _unauthorized("", body=ERRORS_BODY),
          dataclasses.replace(_kept(routes.ROUTE_NAME_MANIFEST, "DELETE", 0, "Unknown Manifest"), description=(
              "The specified `name` or `tag` are unknown to the registry and the delete was unable to "
              "proceed. Clients can assume the manifest was already deleted if this response is returned.")))

# -- blob
_set.route(routes.ROUTE_NAME_BLOB, description=(
    "Fetch the blob identified by `name` and `digest`. Used to fetch layers by tarsum digest."))
_failures(routes.ROUTE_NAME_BLOB, "GET", "Fetch Blob",
          _kept(routes.ROUTE_NAME_BLOB, "GET", "Fetch Blob", 400),
          _unauthorized("The client does not have access to the repository."),
          _failure(404, "The blob, identified by `name` and `digest`, is unknown to the registry.",
                   "NAME_UNKNOWN", "BLOB_UNKNOWN"))
_failures(routes.ROUTE_NAME_BLOB, "GET", "Fetch Blob Part",
          _kept(routes.ROUTE_NAME_BLOB, "GET", "Fetch Blob Part", 400),
          _unauthorized("The client does not have access to the repository."),
          _failure(404, "", "NAME_UNKNOWN", "BLOB_UNKNOWN"),
          _kept(routes.ROUTE_NAME_BLOB, "GET", "Fetch Blob Part", 416))

# -- blob-upload: no cross-repository mount; digests were tarsums
_set.route(routes.ROUTE_NAME_BLOB_UPLOAD, entity="Intiate Blob Upload")
_set.requests(routes.ROUTE_NAME_BLOB_UPLOAD, "POST", [
    _set.find_request(routes.ROUTE_NAME_BLOB_UPLOAD, "POST", "Initiate Monolithic Blob Upload"),
    _set.find_request(routes.ROUTE_NAME_BLOB_UPLOAD, "POST", "Initiate Resumable Blob Upload")])
_invalid_upload = _failure(400, "", "DIGEST_INVALID", "NAME_INVALID", headers=None,
                           body=BodyDescriptor(), name="Invalid Name or Digest")
for _request in ("Initiate Monolithic Blob Upload", "Initiate Resumable Blob Upload"):
    _failures(routes.ROUTE_NAME_BLOB_UPLOAD, "POST", _request, _invalid_upload,
              _unauthorized("The client does not have access to push to the repository."))
_monolithic = _set.find_request(routes.ROUTE_NAME_BLOB_UPLOAD, "POST", "Initiate Monolithic Blob Upload")
_set.request(routes.ROUTE_NAME_BLOB_UPLOAD, "POST", "Initiate Monolithic Blob Upload",
             query_parameters=(dataclasses.replace(_monolithic.query_parameters[0],  # type: ignore[index]
                                                   format="<tarsum>"),))

# -- blob-upload-chunk: one PATCH request, with Content-Range; PUT took a final chunk
_upload_invalid = _failure(400, "There was an error processing the upload and it must be restarted.",
                           "DIGEST_INVALID", "NAME_INVALID", "BLOB_UPLOAD_INVALID")
_upload_unknown = _failure(404, "The upload is unknown to the registry. The upload must be restarted.",
                           "BLOB_UPLOAD_UNKNOWN")
_failures(BLOB_UPLOAD_CHUNK, "GET", 0, _upload_invalid,
          _unauthorized("The client does not have access to the repository."), _upload_unknown)
_chunked = _set.find_request(BLOB_UPLOAD_CHUNK, "PATCH", "Chunked upload")
_set.requests(BLOB_UPLOAD_CHUNK, "PATCH", [dataclasses.replace(
    _chunked, name="", description="Upload a chunk of data to specified upload without completing the upload.",
    failures=(_upload_invalid, _unauthorized("The client does not have access to push to the repository."),
              _upload_unknown,
              _failure(416, "The `Content-Range` specification cannot be accepted, either because it does "
                       "not overlap with the current progress or it is invalid.", body=BodyDescriptor())))])
_put_chunk = _set.find_request(BLOB_UPLOAD_CHUNK, "PUT", 0)
_host, _auth, _length = _put_chunk.headers  # type: ignore[misc]
_content_range = dataclasses.replace(
    _chunked.headers[2], required=False, description=(  # type: ignore[index]
        "Range of bytes identifying the block of content represented by the body. Start must the end "
        "offset retrieved via status check plus one. Note that this is a non-standard use of the "
        "`Content-Range` header. May be omitted if no data is provided."))
_progress = _chunked.successes[0].headers[:2]  # type: ignore[index]  # Location, Range
_set.request(
    BLOB_UPLOAD_CHUNK, "PUT", 0,
    description=(
        "Complete the upload, providing the _final_ chunk of data, if necessary. This method may take a "
        "body with all the data. If the `Content-Range` header is specified, it may include the final "
        "chunk. A request without a body will just complete the upload with previously uploaded content."),
    headers=(_host, _auth, _content_range, dataclasses.replace(
        _length, format="<length of chunk>", description=(
            "Length of the chunk being uploaded, corresponding to the length of the request body. May be "
            "zero if no data is provided."))),
    query_parameters=(dataclasses.replace(_put_chunk.query_parameters[0], format="<tarsum>"),),  # type: ignore[index]
    body=dataclasses.replace(_put_chunk.body, format="<binary chunk>"),
    failures=(_upload_invalid, _unauthorized("The client does not have access to push to the repository."),
              _upload_unknown,
              _failure(416, "The `Content-Range` specification cannot be accepted, either because it does "
                       "not overlap with the current progress or it is invalid. The contents of the `Range` "
                       "header may be used to resolve the condition.", headers=_progress,
                       body=BodyDescriptor())))
_failures(BLOB_UPLOAD_CHUNK, "DELETE", 0,
          _failure(400, "An error was encountered processing the delete. The client may ignore this error.",
                   "NAME_INVALID", "BLOB_UPLOAD_INVALID"),
          _unauthorized("The client does not have access to the repository."),
          _failure(404, "The upload is unknown to the registry. The client may ignore this error and assume "
                   "the upload has been deleted.", "BLOB_UPLOAD_UNKNOWN"))

# -- error codes: registered in registry/api/v2 with a list of statuses, no groups; five came later
for _value in ("DENIED", "MANIFEST_BLOB_UNKNOWN", "PAGINATION_NUMBER_INVALID", "TOOMANYREQUESTS", "UNAVAILABLE"):
    _set.drop_error(_value)
STATUS_LISTS: dict[str, tuple[int, ...] | None] = {
    "BLOB_UNKNOWN": (400, 404), "DIGEST_INVALID": (400, 404), "NAME_INVALID": (400, 404),
    "TAG_INVALID": (400, 404), "UNKNOWN": None, "UNSUPPORTED": None, "UNAUTHORIZED": None,
}
_set.every_error(lambda e: dataclasses.replace(
    e, group="", http_status_codes=STATUS_LISTS.get(e.value, (e.http_status_code,))))
_set.error("UNAUTHORIZED", message="access to the requested resource is not authorized", description=(
    "The access controller denied access for the operation on\n\t\ta resource. Often this will be "
    "accompanied by a 401 Unauthorized\n\t\tresponse status."))
_set.error("UNKNOWN", description="Generic error returned when the error does not have an\n\t\tAPI classification.")

#: api.md's error table at v2.0.0: v2.APIDescriptor.ErrorDescriptors in its source order.
DOC_ERROR_CODES = (
    "UNKNOWN", "UNSUPPORTED", "UNAUTHORIZED", "DIGEST_INVALID", "SIZE_INVALID", "NAME_INVALID", "TAG_INVALID",
    "NAME_UNKNOWN", "MANIFEST_UNKNOWN", "MANIFEST_INVALID", "MANIFEST_UNVERIFIED", "BLOB_UNKNOWN",
    "BLOB_UPLOAD_UNKNOWN", "BLOB_UPLOAD_INVALID")

DESCRIPTOR_SET = _set.build(
    name="registry_v2_0_0",
    title="Docker Registry HTTP API V2 (distribution v2.0.0)",
    grammar=grammar.GRAMMAR,
    schemas=schemas.SCHEMAS,
    dump_format=FORMAT_V2_0_0,
    extensions={
        **v2_8_2.DESCRIPTOR_SET.extensions,
        ERROR_TABLE_KEY: DOC_ERROR_CODES,
        DETAIL_TEMPLATE_KEY: "markdown/detail-classic.md.jinja",
    },
)
