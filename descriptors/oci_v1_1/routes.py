"""The routes of ``oci_v1_1``: registry_v2's routes plus what the OCI Distribution Specification
(v1.1) requires and the Go descriptors state only in prose or not at all.

Built on ``registry_v2`` by reference: unchanged routes, methods, requests, responses and
parameters are registry_v2's own objects; changed ones are new objects made with
``dataclasses.replace`` (registry_v2 is never mutated and stays a faithful mirror). Every addition
names the section of the OCI Distribution Specification it comes from, written ``[OCI: Section]``
in a comment and, where a reader of the generated docs needs it, in the description.

The set follows the specification's main branch: what main added after the v1.1 releases (v1.1.0,
v1.1.1) is cited ``[OCI main: Section]`` instead, so each part says which version it comes from
(``docs/oci-coverage.md`` maps every requirement sentence of main to what states and checks it).
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache

from specgen.descriptors.registry_v2 import errors
from specgen.descriptors.registry_v2 import routes as v2
from specgen.distribution import grammar, routenames
from specgen.goregexp import GoRegexp
from specgen.model import (
    BodyDescriptor,
    MethodDescriptor,
    ParameterDescriptor,
    RequestDescriptor,
    ResponseDescriptor,
    RouteDescriptor,
)

ROUTE_NAME_REFERRERS = routenames.REFERRERS

OCI_INDEX_MEDIA_TYPE = "application/vnd.oci.image.index.v1+json"

# --- helpers: derive new descriptors from registry_v2's without touching them ------------------


def _method(route: RouteDescriptor, verb: str) -> MethodDescriptor:
    return next(m for m in route.methods or () if m.method == verb)


def _request(method: MethodDescriptor, name: str = "") -> RequestDescriptor:
    return next(r for r in method.requests or () if r.name == name)


def _swap(items, old, new) -> tuple:
    """``items`` with ``old`` (by identity) replaced by ``new``; it must be there."""
    items = tuple(items or ())
    if not any(x is old for x in items):
        raise ValueError(f"{old!r} not found")
    return tuple(new if x is old else x for x in items)


def _after(items, anchor, *extra) -> tuple:
    """``items`` with ``extra`` inserted right after ``anchor`` (by identity)."""
    items = tuple(items or ())
    i = next(i for i, x in enumerate(items) if x is anchor)
    return items[: i + 1] + extra + items[i + 1 :]


def _with_codes(response: ResponseDescriptor, *codes) -> ResponseDescriptor:
    return replace(response, error_codes=tuple(response.error_codes or ()) + codes)


@cache
def _bodiless(response: ResponseDescriptor) -> ResponseDescriptor:
    """The response to a HEAD request: same status, headers and error codes, no body
    (RFC 9110, 9.3.2). Cached, so a shared response stays one shared object under HEAD too."""
    if response.body == BodyDescriptor():
        return response
    return replace(response, body=BodyDescriptor())


def _head_of(get: RequestDescriptor, *, method_description: str, name: str, description: str,
             found: str) -> MethodDescriptor:
    """An explicit HEAD method with one request answering like the ``get`` request, without
    bodies; ``found`` describes its first (200) response."""
    ok, *other = get.successes
    return MethodDescriptor(
        method="HEAD",
        description=method_description,
        requests=(
            replace(
                get,
                name=name,
                description=description,
                successes=(replace(_bodiless(ok), description=found),) + tuple(map(_bodiless, other)),
                failures=tuple(map(_bodiless, get.failures or ())) or None,
            ),
        ),
    )


# --- shared parameters and headers ------------------------------------------------------------

# [OCI: Pulling blobs], [OCI: Pushing blobs] and image-spec's digest grammar: sha256 and sha512.
DIGEST_NOTE = (
    " Digests use the algorithms `sha256` (64 hex characters) and `sha512` (128 hex characters)"
    " [OCI: Pushing blobs]."
)

DIGEST_PATH_PARAMETER = replace(
    v2.DIGEST_PATH_PARAMETER, description=v2.DIGEST_PATH_PARAMETER.description + DIGEST_NOTE,
)

# [OCI: Listing Referrers] the digest of the manifest named in the referrers' `subject` field.
SUBJECT_DIGEST_PARAMETER = replace(
    v2.DIGEST_PATH_PARAMETER,
    description="Digest of the manifest named in the `subject` field of the referrers to list."
    + DIGEST_NOTE,
)

# [OCI: Pulling manifests] "The client SHOULD include an Accept header".
ACCEPT_HEADER = ParameterDescriptor(
    name="Accept",
    type="string",
    description="The manifest media types the client supports, for content negotiation "
    "[OCI: Pulling manifests].",
    format="<media type>[, <media type>...]",
    examples=(
        "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json",
    ),
)

# [OCI: Pushing Manifests] "Clients SHOULD set the Content-Type header to the type of the manifest".
MANIFEST_CONTENT_TYPE_REQUEST_HEADER = ParameterDescriptor(
    name="Content-Type",
    type="string",
    description="The media type of the manifest being pushed; it must equal the manifest's "
    "`mediaType` field when that is present [OCI: Pushing Manifests].",
    format="<media type of manifest>",
    examples=("application/vnd.oci.image.manifest.v1+json",),
)

# [OCI: Pulling manifests] "the Content-Type header will indicate the type of the returned manifest".
MANIFEST_CONTENT_TYPE_HEADER = ParameterDescriptor(
    name="Content-Type",
    type="string",
    description="The media type of the returned manifest [OCI: Pulling manifests].",
    format="<media type of manifest>",
)

# [OCI: Checking if content exists in the registry] size of the manifest or blob.
CONTENT_SIZE_HEADER = ParameterDescriptor(
    name="Content-Length",
    type="integer",
    description="The size in bytes of the manifest or blob "
    "[OCI: Checking if content exists in the registry].",
    format="<length>",
)

# [OCI: Pushing Manifests with Subject]
OCI_SUBJECT_HEADER = ParameterDescriptor(
    name="OCI-Subject",
    type="digest",
    description="Present when the registry processed the `subject` field of the pushed manifest: "
    "the digest of that subject. A client that does not see it maintains the referrers tag "
    "itself [OCI: Pushing Manifests with Subject].",
    format="<subject digest>",
)

# [OCI: Pushing a blob in chunks]
OCI_CHUNK_MIN_LENGTH_HEADER = ParameterDescriptor(
    name="OCI-Chunk-Min-Length",
    type="integer",
    description="The registry's minimum chunk size in bytes: every chunk but the last should be "
    "at least this long [OCI: Pushing a blob in chunks].",
    format="<size>",
)

# [OCI: Listing Referrers]
OCI_FILTERS_APPLIED_HEADER = ParameterDescriptor(
    name="OCI-Filters-Applied",
    type="string",
    description="The filters the registry applied, comma separated; `artifactType` when the "
    "`artifactType` query parameter was honoured [OCI: Listing Referrers].",
    format="artifactType",
)

# [OCI: Pushing a blob in chunks] "It MUST match the following regular expression".
CONTENT_RANGE_REGEXP = GoRegexp(r"^[0-9]+-[0-9]+$")

# [OCI main: Pushing a blob in chunks] end-4c: the algorithm of a blob pushed in chunks.
DIGEST_ALGORITHM_REGEXP = GoRegexp(r"^[a-z0-9]+(?:[.+_-][a-z0-9]+)*$")
DIGEST_ALGORITHM_QUERY_PARAMETER = ParameterDescriptor(
    name="digest-algorithm",
    type="query",
    description="The digest algorithm the registry should use for the blob, when it is not "
    "`sha256` (for example `sha512`) [OCI main: Pushing a blob in chunks].",
    format="<algorithm>",
    regexp=DIGEST_ALGORITHM_REGEXP,
    examples=("sha512",),
)

# [OCI: Listing Referrers] end-12b.
ARTIFACT_TYPE_QUERY_PARAMETER = ParameterDescriptor(
    name="artifactType",
    type="query",
    description="List only referrers with this `artifactType`. A registry that applies the filter "
    "says so in `OCI-Filters-Applied` [OCI: Listing Referrers].",
    format="<artifactType>",
    examples=("application/vnd.example.sbom.v1",),
)

# [OCI: Listing Tags] pagination semantics the Go descriptors leave out.
PAGINATION_NUMBER_REGEXP = GoRegexp(r"^[0-9]+$")
PAGINATION_PARAMETERS = (
    ParameterDescriptor(
        name="n",
        type="integer",
        description="Limit the number of entries in the response. The response holds exactly `n` "
        "entries unless fewer remain or a `Link` header points to the next page; when `n` is "
        "zero the list is empty and there is no `Link` header [OCI: Listing Tags].",
        format="<integer>",
        regexp=PAGINATION_NUMBER_REGEXP,
    ),
    ParameterDescriptor(
        name="last",
        type="string",
        description="Return only entries lexically after `last`, which is itself an entry (a "
        "tag), not a numerical index, and is not included. `n` is optional with `last` "
        "[OCI: Listing Tags].",
        format="<tag>",
        regexp=grammar.ANCHORED_TAG_REGEXP,
    ),
)

LINK_HEADER = replace(
    v2.LINK_HEADER,
    description="RFC5988 compliant rel=\"next\" with the URL of the next page, present when more "
    "entries remain [OCI: Listing Tags], [OCI: Listing Referrers].",
)


# [OCI main: Pushing Manifests] end-7b: tags created along with a manifest pushed by digest.
TAG_QUERY_PARAMETER = ParameterDescriptor(
    name="tag",
    type="string",
    description="A tag to point at the manifest, which is pushed by digest; repeat the parameter "
    "for several tags (a registry supports at least 10 per request). Each tag created is listed "
    "in the `OCI-Tag` response header [OCI main: Pushing Manifests].",
    format="<tag>",
    regexp=grammar.ANCHORED_TAG_REGEXP,
    examples=("1.2.3",),
)
OCI_TAG_HEADER = ParameterDescriptor(
    name="OCI-Tag",
    type="string",
    description="Present when the request carried `tag` query parameters: the tags they created, "
    "comma separated (the header may also repeat) [OCI main: Pushing Manifests].",
    format="<tag>[, <tag>...]",
    examples=("1.2.3, 1.2, 1, latest",),
)

# [OCI main: Registry Proxying] the source host of a pull through a proxy registry.
NS_QUERY_PARAMETER = ParameterDescriptor(
    name="ns",
    type="string",
    description="On a pull through a proxy registry, the host of the repository name the client "
    "used (its source host). A registry may ignore it; one that scopes the request by it names it "
    "in the `OCI-Namespace` response header [OCI main: Registry Proxying].",
    format="<host>[:<port>]",
    examples=("registry.example.org",),
)
OCI_NAMESPACE_HEADER = ParameterDescriptor(
    name="OCI-Namespace",
    type="string",
    description="Present when the registry used the `ns` query parameter to scope the request: "
    "its value [OCI main: Registry Proxying].",
    format="<host>[:<port>]",
)

# [OCI main: Error Codes] "A 429 Too Many Requests response ... SHOULD include a Retry-After header".
RETRY_AFTER_HEADER = ParameterDescriptor(
    name="Retry-After",
    type="string",
    description="Sent when the registry can tell how long to wait before retrying: a number of "
    "seconds or an HTTP date (RFC 9110, section 10.2.3) [OCI main: Error Codes].",
    format="<seconds> | <HTTP-date>",
    examples=("30",),
)


# --- responses ----------------------------------------------------------------------------------

# [OCI: Pulling manifests] "If the manifest is not found in the repository, the response code
# MUST be 404 Not Found" -- the Go descriptors list only NAME_UNKNOWN under GET's 404.
MANIFEST_UNKNOWN_RESPONSE = ResponseDescriptor(
    name="Manifest Unknown",
    description="The manifest identified by `name` and `reference` is unknown to the repository "
    "[OCI: Pulling manifests].",
    status_code=404,
    error_codes=(errors.MANIFEST_UNKNOWN,),
    body=BodyDescriptor(content_type="application/json", format=v2.ERRORS_BODY),
)

# [OCI: Pushing a blob monolithically] (Single POST) and [OCI: Mounting a blob from another
# repository]: a registry that does not complete the request opens an upload session instead.
_RESUMABLE = _request(_method(v2.BLOB_UPLOAD, "POST"), "Initiate Resumable Blob Upload")
UPLOAD_SESSION_RESPONSE = replace(
    _RESUMABLE.successes[0],
    headers=tuple(_RESUMABLE.successes[0].headers) + (OCI_CHUNK_MIN_LENGTH_HEADER,),
)

# [OCI: Pushing a blob in chunks] "If a chunk is uploaded out of order, the registry MUST respond
# with a 416 Requested Range Not Satisfiable code."
RANGE_INVALID_RESPONSE = ResponseDescriptor(
    name="Range Not Satisfiable",
    description="The chunk's `Content-Range` does not start right after the data received so "
    "far. A `GET` on the upload location tells the current offset [OCI: Pushing a blob in chunks].",
    status_code=416,
    error_codes=(errors.RANGE_INVALID,),
    body=BodyDescriptor(content_type="application/json", format=v2.ERRORS_BODY),
)


# [OCI main: Pushing Manifests] "MAY return a 414 Request-URI Too Long status if too many tags are
# included in the request".
TOO_MANY_TAGS_RESPONSE = ResponseDescriptor(
    name="Too Many Tags",
    description="The request carries more `tag` query parameters than the registry creates in one "
    "request; nothing was stored [OCI main: Pushing Manifests].",
    status_code=414,
)

# [OCI main: API] "implementations SHOULD follow the HTTP semantics defined in RFC 9110": a
# registry whose storage cannot complete a request now answers 503 with distribution's registered
# UNAVAILABLE code (no route of the Go descriptors lists it) and when to try again.
STORAGE_UNAVAILABLE_RESPONSE = ResponseDescriptor(
    name="Service Unavailable",
    description="The registry's storage cannot complete the request now (a full disk, an I/O error, "
    "an object store that does not answer); nothing acknowledged before is lost and nothing of this "
    "request was kept. Retry later [OCI main: API].",
    status_code=503,
    headers=(RETRY_AFTER_HEADER,),
    error_codes=(errors.UNAVAILABLE,),
    body=BodyDescriptor(content_type="application/json", format=v2.ERRORS_BODY),
)

# [OCI main: Error Codes] a 429 carries Retry-After.
TOO_MANY_REQUESTS_RESPONSE = replace(
    v2.TOO_MANY_REQUESTS_RESPONSE,
    headers=tuple(v2.TOO_MANY_REQUESTS_RESPONSE.headers or ()) + (RETRY_AFTER_HEADER,),
)


# --- routes -------------------------------------------------------------------------------------

BASE = v2.BASE

# Tags: [OCI: Listing Tags] lexical order, `n`/`last` semantics and the `Link` header.
_TAGS_GET = _method(v2.TAGS, "GET")
_TAGS_PAGINATED = _request(_TAGS_GET, "Tags Paginated")
TAGS = replace(
    v2.TAGS,
    methods=(
        replace(
            _TAGS_GET,
            description=_TAGS_GET.description + " Tags are listed in lexical (\"ASCIIbetical\") "
            "order [OCI: Listing Tags].",
            requests=_swap(_TAGS_GET.requests, _TAGS_PAGINATED, replace(
                _TAGS_PAGINATED,
                query_parameters=PAGINATION_PARAMETERS,
                successes=(replace(
                    _TAGS_PAGINATED.successes[0],
                    headers=_swap(_TAGS_PAGINATED.successes[0].headers, v2.LINK_HEADER, LINK_HEADER),
                ),),
            )),
        ),
    ),
)

# Manifests.
_MANIFEST_GET = _method(v2.MANIFEST, "GET")
_MANIFEST_GET_REQUEST = _request(_MANIFEST_GET)
_MANIFEST_GET_OK = _MANIFEST_GET_REQUEST.successes[0]
_MANIFEST_GET_400 = _MANIFEST_GET_REQUEST.failures[0]
MANIFEST_GET_REQUEST = replace(
    _MANIFEST_GET_REQUEST,
    headers=tuple(_MANIFEST_GET_REQUEST.headers) + (ACCEPT_HEADER,),  # [OCI: Pulling manifests]
    query_parameters=(NS_QUERY_PARAMETER,),  # [OCI main: Registry Proxying]
    successes=(replace(
        _MANIFEST_GET_OK,
        headers=tuple(_MANIFEST_GET_OK.headers)
        + (MANIFEST_CONTENT_TYPE_HEADER, CONTENT_SIZE_HEADER, OCI_NAMESPACE_HEADER),
    ),),
    failures=_after(
        # [OCI: Pulling manifests] `reference` is a tag or a digest: a malformed digest is invalid.
        _swap(_MANIFEST_GET_REQUEST.failures, _MANIFEST_GET_400,
              _with_codes(_MANIFEST_GET_400, errors.DIGEST_INVALID)),
        v2.REPOSITORY_NOT_FOUND_RESPONSE, MANIFEST_UNKNOWN_RESPONSE,
    ),
)

_MANIFEST_PUT = _method(v2.MANIFEST, "PUT")
_MANIFEST_PUT_REQUEST = _request(_MANIFEST_PUT)
_MANIFEST_PUT_CREATED = _MANIFEST_PUT_REQUEST.successes[0]
_INVALID_MANIFEST = next(f for f in _MANIFEST_PUT_REQUEST.failures if f.name == "Invalid Manifest")
MANIFEST_PUT_REQUEST = replace(
    _MANIFEST_PUT_REQUEST,
    headers=tuple(_MANIFEST_PUT_REQUEST.headers) + (MANIFEST_CONTENT_TYPE_REQUEST_HEADER,),
    query_parameters=(TAG_QUERY_PARAMETER,),  # [OCI main: Pushing Manifests] end-7b
    successes=(replace(
        _MANIFEST_PUT_CREATED,
        # [OCI: Pushing Manifests with Subject]; [OCI main: Pushing Manifests] OCI-Tag
        headers=tuple(_MANIFEST_PUT_CREATED.headers) + (OCI_SUBJECT_HEADER, OCI_TAG_HEADER),
    ),),
    failures=_swap(
        _MANIFEST_PUT_REQUEST.failures, _INVALID_MANIFEST,
        # [OCI: Push] a manifest referencing unknown blobs or manifests fails with
        # MANIFEST_BLOB_UNKNOWN; [OCI: Pushing Manifests] pushed by digest, the content must match.
        _with_codes(_INVALID_MANIFEST, errors.MANIFEST_BLOB_UNKNOWN, errors.DIGEST_INVALID),
    ) + (
        # [OCI: Pushing Manifests] "SHOULD respond ... with a response code 413 Payload Too Large".
        ResponseDescriptor(
            name="Manifest Too Large",
            description="The manifest exceeds the size the registry accepts (at least 4 MiB is "
            "expected to be accepted) [OCI: Pushing Manifests].",
            status_code=413,
        ),
        TOO_MANY_TAGS_RESPONSE,
    ),
)

_MANIFEST_DELETE = _method(v2.MANIFEST, "DELETE")
_MANIFEST_DELETE_REQUEST = _request(_MANIFEST_DELETE)
_MANIFEST_DELETE_400 = _MANIFEST_DELETE_REQUEST.failures[0]
MANIFEST_DELETE_REQUEST = replace(
    _MANIFEST_DELETE_REQUEST,
    # [OCI: Deleting Manifests] deletion is by digest: a malformed digest is invalid.
    failures=_swap(_MANIFEST_DELETE_REQUEST.failures, _MANIFEST_DELETE_400,
                   _with_codes(_MANIFEST_DELETE_400, errors.DIGEST_INVALID)),
)

MANIFEST = replace(
    v2.MANIFEST,
    methods=(
        replace(_MANIFEST_GET, requests=(MANIFEST_GET_REQUEST,)),
        # [OCI: Checking if content exists in the registry]
        _head_of(
            MANIFEST_GET_REQUEST,
            method_description="Check that the manifest identified by `name` and `reference` "
            "exists, and learn its digest, media type and size, without receiving it "
            "[OCI: Checking if content exists in the registry].",
            name="Check Manifest",
            description="The headers of a `GET` on the same manifest, without its body "
            "[OCI: Checking if content exists in the registry].",
            found="The manifest exists; `Docker-Content-Digest`, `Content-Type` and "
            "`Content-Length` describe it.",
        ),
        replace(_MANIFEST_PUT, requests=(MANIFEST_PUT_REQUEST,)),
        replace(_MANIFEST_DELETE, requests=(MANIFEST_DELETE_REQUEST,)),
    ),
)


# Blobs: the digest path parameter notes sha512.
def _with_oci_digest(request: RequestDescriptor) -> RequestDescriptor:
    return replace(request, path_parameters=_swap(request.path_parameters, v2.DIGEST_PATH_PARAMETER,
                                                  DIGEST_PATH_PARAMETER))


def _blob_pull(request: RequestDescriptor) -> RequestDescriptor:
    """A blob fetch: the sha512 note, and [OCI main: Registry Proxying] ``ns`` with its answer."""
    return replace(
        _with_oci_digest(request),
        query_parameters=tuple(request.query_parameters or ()) + (NS_QUERY_PARAMETER,),
        successes=tuple(
            replace(ok, headers=tuple(ok.headers or ()) + (OCI_NAMESPACE_HEADER,)) if ok.status_code < 300 else ok
            for ok in request.successes or ()
        ),
    )


_BLOB_GET = _method(v2.BLOB, "GET")
FETCH_BLOB_REQUEST = _blob_pull(_request(_BLOB_GET, "Fetch Blob"))
_BLOB_DELETE = _method(v2.BLOB, "DELETE")
BLOB = replace(
    v2.BLOB,
    methods=(
        replace(_BLOB_GET, requests=tuple(map(_blob_pull, _BLOB_GET.requests))),
        # [OCI: Checking if content exists in the registry]
        _head_of(
            FETCH_BLOB_REQUEST,
            method_description="Check that the blob identified by `name` and `digest` exists, "
            "and learn its size, without receiving it "
            "[OCI: Checking if content exists in the registry].",
            name="Check Blob",
            description="The headers of a `GET` on the same blob, without its body "
            "[OCI: Checking if content exists in the registry].",
            found="The blob exists; `Content-Length` is its size and `Docker-Content-Digest` its "
            "digest.",
        ),
        replace(_BLOB_DELETE, requests=tuple(map(_with_oci_digest, _BLOB_DELETE.requests))),
    ),
)

# Upload initiation.
_UPLOAD_POST = _method(v2.BLOB_UPLOAD, "POST")
_MONOLITHIC = _request(_UPLOAD_POST, "Initiate Monolithic Blob Upload")
_MOUNT = _request(_UPLOAD_POST, "Mount Blob")
_DIGEST_QUERY, = _MONOLITHIC.query_parameters
_MOUNT_QUERY, _FROM_QUERY = _MOUNT.query_parameters
_INVALID_NAME_OR_DIGEST = _MONOLITHIC.failures[0]

MONOLITHIC_DIGEST_QUERY_PARAMETER = replace(
    _DIGEST_QUERY, required=True, description=_DIGEST_QUERY.description + DIGEST_NOTE)
MOUNT_QUERY_PARAMETER = replace(_MOUNT_QUERY, required=True, description=_MOUNT_QUERY.description + DIGEST_NOTE)
FROM_QUERY_PARAMETER = replace(_FROM_QUERY, required=True)

MONOLITHIC_REQUEST = replace(
    _MONOLITHIC,
    query_parameters=(MONOLITHIC_DIGEST_QUERY_PARAMETER,),
    # [OCI: Pushing a blob monolithically] (Single POST): a registry that does not support it
    # answers 202 with an upload session.
    successes=tuple(_MONOLITHIC.successes) + (UPLOAD_SESSION_RESPONSE,),
    # [OCI: Pushing a blob monolithically] "The Content-Length header MUST match the blob's
    # actual content length."
    failures=_swap(_MONOLITHIC.failures, _INVALID_NAME_OR_DIGEST,
                   _with_codes(_INVALID_NAME_OR_DIGEST, errors.SIZE_INVALID)),
)

RESUMABLE_REQUEST = replace(
    _RESUMABLE,
    query_parameters=(DIGEST_ALGORITHM_QUERY_PARAMETER,),  # [OCI: Pushing a blob in chunks]
    successes=(UPLOAD_SESSION_RESPONSE,),  # [OCI: Pushing a blob in chunks] OCI-Chunk-Min-Length
)

_MOUNTED = _MOUNT.successes[0]
MOUNTED_RESPONSE = replace(
    _MOUNTED,
    # [OCI: Mounting a blob from another repository] "The Docker-Content-Digest header returns the
    # digest of the uploaded blob".
    headers=tuple(_MOUNTED.headers) + (v2.DIGEST_HEADER,),
)

MOUNT_REQUEST = replace(
    _MOUNT,
    query_parameters=(MOUNT_QUERY_PARAMETER, FROM_QUERY_PARAMETER),
    # [OCI: Mounting a blob from another repository] "if a registry ... is unable to mount the
    # requested blob, it SHOULD return a 202".
    successes=(MOUNTED_RESPONSE, UPLOAD_SESSION_RESPONSE),
)

# [OCI: Mounting a blob from another repository] "The registry MAY treat the from parameter as
# optional, and it MAY cross-mount the blob if it can be found."
ANONYMOUS_MOUNT_REQUEST = replace(
    MOUNT_REQUEST,
    name="Anonymous Mount Blob",
    description="Mount a blob identified by the `mount` parameter from whichever repository of "
    "the registry holds it, without naming one. A registry that cannot mount it opens an upload "
    "session instead (202) [OCI: Mounting a blob from another repository].",
    query_parameters=(MOUNT_QUERY_PARAMETER,),
)

BLOB_UPLOAD = replace(
    v2.BLOB_UPLOAD,
    methods=(
        replace(_UPLOAD_POST, requests=(
            MONOLITHIC_REQUEST, RESUMABLE_REQUEST, MOUNT_REQUEST, ANONYMOUS_MOUNT_REQUEST,
        )),
    ),
)

# Upload sessions.
_STATUS_GET = _method(v2.BLOB_UPLOAD_CHUNK, "GET")
_STATUS_REQUEST = _request(_STATUS_GET)
_PROGRESS = _STATUS_REQUEST.successes[0]
_CHUNK_PATCH = _method(v2.BLOB_UPLOAD_CHUNK, "PATCH")
_CHUNKED = _request(_CHUNK_PATCH, "Chunked upload")
_CHUNKED_RANGE = next(h for h in _CHUNKED.headers if h.name == "Content-Range")
_CHUNKED_416 = next(f for f in _CHUNKED.failures if f.status_code == 416)
_CLOSE_PUT = _method(v2.BLOB_UPLOAD_CHUNK, "PUT")
_CLOSE = _request(_CLOSE_PUT)
_CLOSE_DIGEST, = _CLOSE.query_parameters
_CLOSE_400 = _CLOSE.failures[0]

UPLOAD_LOCATION_HEADER = next(h for h in _CHUNKED.successes[0].headers if h.name == "Location")

# [OCI: Pushing a blob in chunks] the chunk range MUST match ^[0-9]+-[0-9]+$.
CONTENT_RANGE_HEADER = replace(
    _CHUNKED_RANGE,
    regexp=CONTENT_RANGE_REGEXP,
    description=_CHUNKED_RANGE.description + " It must match `^[0-9]+-[0-9]+$`; the first chunk "
    "starts at 0 [OCI: Pushing a blob in chunks].",
)
# [OCI: Pushing a blob in chunks] the closing PUT may carry the final chunk and its range.
CLOSING_CONTENT_RANGE_HEADER = replace(
    CONTENT_RANGE_HEADER,
    required=False,
    description="Range of the final chunk, when the closing request carries one "
    "[OCI: Pushing a blob in chunks].",
)

BLOB_UPLOAD_CHUNK = replace(
    v2.BLOB_UPLOAD_CHUNK,
    methods=(
        replace(_STATUS_GET, requests=(replace(
            _STATUS_REQUEST,
            # [OCI: Pushing a blob in chunks] the status response "MUST have ... Location".
            successes=(replace(_PROGRESS, headers=(UPLOAD_LOCATION_HEADER,) + tuple(_PROGRESS.headers)),),
        ),)),
        replace(_CHUNK_PATCH, requests=_swap(_CHUNK_PATCH.requests, _CHUNKED, replace(
            _CHUNKED,
            headers=_swap(_CHUNKED.headers, _CHUNKED_RANGE, CONTENT_RANGE_HEADER),
            failures=_swap(_CHUNKED.failures, _CHUNKED_416, RANGE_INVALID_RESPONSE),
        ))),
        replace(_CLOSE_PUT, requests=(replace(
            _CLOSE,
            headers=tuple(_CLOSE.headers) + (CLOSING_CONTENT_RANGE_HEADER,),
            query_parameters=(replace(_CLOSE_DIGEST, description=_CLOSE_DIGEST.description + DIGEST_NOTE),),
            # [OCI: Pushing a blob monolithically] the size must match; [OCI main: Pushing a blob
            # in chunks] "If the final chunk is uploaded out of order ... 416" (end-6).
            failures=_swap(_CLOSE.failures, _CLOSE_400, _with_codes(_CLOSE_400, errors.SIZE_INVALID))
            + (RANGE_INVALID_RESPONSE,),
        ),)),
        _method(v2.BLOB_UPLOAD_CHUNK, "DELETE"),
    ),
)

CATALOG = v2.CATALOG

# [OCI: Listing Referrers] end-12a / end-12b.
REFERRERS_BODY = """{
    "schemaVersion": 2,
    "mediaType": "application/vnd.oci.image.index.v1+json",
    "manifests": [
        {
            "mediaType": <media type of the referrer>,
            "size": <size>,
            "digest": <digest>,
            "artifactType": <artifactType>,
            "annotations": {...}
        },
        ...
    ]
}"""

REFERRERS = RouteDescriptor(
    name=ROUTE_NAME_REFERRERS,
    path=(
        "/v2/{name:"
        + grammar.NAME_REGEXP.go_pattern
        + "}/referrers/{digest:"
        + grammar.GO_DIGEST_REGEXP.go_pattern
        + "}"
    ),
    entity="Referrers",
    description="List the manifests whose `subject` field names a given manifest "
    "[OCI: Listing Referrers].",
    methods=(
        MethodDescriptor(
            method="GET",
            description="Fetch an image index listing the manifests in repository `name` whose "
            "`subject` is `digest`. A registry that supports the referrers API never answers "
            "404 for an unknown `digest`: it returns an empty list [OCI: Listing Referrers].",
            requests=(
                RequestDescriptor(
                    name="List Referrers",
                    description="Return the referrers of `digest`, optionally only those of one "
                    "`artifactType`. Each descriptor carries the referrer's `artifactType` (or its "
                    "config media type) and its annotations [OCI: Listing Referrers].",
                    headers=(v2.HOST_HEADER, v2.AUTH_HEADER),
                    path_parameters=(v2.NAME_PARAMETER, SUBJECT_DIGEST_PARAMETER),
                    query_parameters=(ARTIFACT_TYPE_QUERY_PARAMETER,),
                    successes=(
                        ResponseDescriptor(
                            description="An image index of the referrers; its `manifests` list "
                            "is empty when there are none.",
                            status_code=200,
                            headers=(
                                ParameterDescriptor(
                                    name="Content-Type",
                                    type="string",
                                    description="Always the OCI image index media type "
                                    "[OCI: Listing Referrers].",
                                    format=OCI_INDEX_MEDIA_TYPE,
                                ),
                                ParameterDescriptor(
                                    name="Content-Length",
                                    type="integer",
                                    description="Length of the JSON response body.",
                                    format="<length>",
                                ),
                                LINK_HEADER,
                                OCI_FILTERS_APPLIED_HEADER,
                            ),
                            body=BodyDescriptor(content_type=OCI_INDEX_MEDIA_TYPE, format=REFERRERS_BODY),
                        ),
                    ),
                    failures=(
                        ResponseDescriptor(
                            name="Invalid Name or Digest",
                            description="The `name` or the `digest` is malformed "
                            "[OCI: Listing Referrers].",
                            status_code=400,
                            error_codes=(errors.NAME_INVALID, errors.DIGEST_INVALID),
                            body=BodyDescriptor(content_type="application/json", format=v2.ERRORS_BODY),
                        ),
                        v2.UNAUTHORIZED_RESPONSE,
                        v2.REPOSITORY_NOT_FOUND_RESPONSE,
                        v2.DENIED_RESPONSE,
                        v2.TOO_MANY_REQUESTS_RESPONSE,
                    ),
                ),
            ),
        ),
    ),
)



def _with_shared_answers(route: RouteDescriptor) -> RouteDescriptor:
    """``route`` with registry_v2's 429 answer replaced by ours, which carries ``Retry-After``, and
    the 503 of an unavailable storage on every request but the version check of ``/v2/``."""
    def answer(failure: ResponseDescriptor) -> ResponseDescriptor:
        if failure is v2.TOO_MANY_REQUESTS_RESPONSE:
            return TOO_MANY_REQUESTS_RESPONSE
        if failure.status_code == 429:  # a HEAD's bodiless copy
            return replace(failure, headers=tuple(failure.headers or ()) + (RETRY_AFTER_HEADER,))
        return failure

    def request(req: RequestDescriptor, head: bool) -> RequestDescriptor:
        failures = tuple(map(answer, req.failures or ()))
        if route is not BASE:
            failures += (_bodiless(STORAGE_UNAVAILABLE_RESPONSE) if head else STORAGE_UNAVAILABLE_RESPONSE,)
        return replace(req, failures=failures)

    return replace(route, methods=tuple(
        replace(m, requests=tuple(request(q, m.method == "HEAD") for q in m.requests or ()))
        for m in route.methods or ()
    ))


#: registry_v2's routes in its order, then the referrers API.
ROUTE_DESCRIPTORS = tuple(map(_with_shared_answers, (
    BASE, TAGS, MANIFEST, BLOB, BLOB_UPLOAD, BLOB_UPLOAD_CHUNK, CATALOG, REFERRERS,
)))
