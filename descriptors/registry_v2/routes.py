"""The routes of the Registry HTTP API V2, mirroring distribution's registry/api/v2/descriptors.go.

It reads top to bottom like the Go file: first the shared descriptors (parameters, headers, the
common failure responses and body formats), then ``ROUTE_DESCRIPTORS`` in the source's order. Shared
descriptors are module constants referenced, never copied, so a change to one reaches every route
that uses it. Descriptions and formats are byte-identical to the Go source; nothing is corrected
here (that is the extension sets' job).
"""

from __future__ import annotations

from specgen.descriptors.registry_v2 import errors
from specgen.distribution import grammar, routenames
from specgen.model import (
    BodyDescriptor,
    MethodDescriptor,
    ParameterDescriptor,
    RequestDescriptor,
    ResponseDescriptor,
    RouteDescriptor,
)

# Route names (registry/api/v2/routes.go), shared with the server, the client and the checker.
ROUTE_NAME_BASE = routenames.BASE
ROUTE_NAME_TAGS = routenames.TAGS
ROUTE_NAME_MANIFEST = routenames.MANIFEST
ROUTE_NAME_BLOB = routenames.BLOB
ROUTE_NAME_BLOB_UPLOAD = routenames.BLOB_UPLOAD
ROUTE_NAME_BLOB_UPLOAD_CHUNK = routenames.BLOB_UPLOAD_CHUNK
ROUTE_NAME_CATALOG = routenames.CATALOG


# Body formats (the Go file declares them as constants after its var block).
MANIFEST_BODY = (
    '{\n'
    '    "name": <name>,\n'
    '    "tag": <tag>,\n'
    '    "fsLayers": [\n'
    '        {\n'
    '            "blobSum": "<digest>"\n'
    '        },\n'
    '        ...\n'
    '    ],\n'
    '    "history": <v1 images>,\n'
    '    "signature": <JWS>\n'
    '}'
)


ERRORS_BODY = (
    '{\n'
    '\t"errors": [\n'
    '\t    {\n'
    '            "code": <error code>,\n'
    '            "message": "<error message>",\n'
    '            "detail": ...\n'
    '        },\n'
    '        ...\n'
    '    ]\n'
    '}'
)


# Shared parameters and headers.
NAME_PARAMETER = ParameterDescriptor(
    name="name",
    type="string",
    description="Name of the target repository.",
    required=True,
    format=grammar.NAME_REGEXP.go_pattern,
)


REFERENCE_PARAMETER = ParameterDescriptor(
    name="reference",
    type="string",
    description="Tag or digest of the target manifest.",
    required=True,
    format=grammar.TAG_REGEXP.go_pattern,
)


UUID_PARAMETER = ParameterDescriptor(
    name="uuid",
    type="opaque",
    description=(
        "A uuid identifying the upload. This field can accept characters that match "
        "`[a-zA-Z0-9-_.=]+`."
    ),
    required=True,
)


DIGEST_PATH_PARAMETER = ParameterDescriptor(
    name="digest",
    type="path",
    description="Digest of desired blob.",
    required=True,
    format=grammar.GO_DIGEST_REGEXP.go_pattern,
)


HOST_HEADER = ParameterDescriptor(
    name="Host",
    type="string",
    description="Standard HTTP Host Header. Should be set to the registry host.",
    format="<registry host>",
    examples=("registry-1.docker.io",),
)


AUTH_HEADER = ParameterDescriptor(
    name="Authorization",
    type="string",
    description="An RFC7235 compliant authorization header.",
    format="<scheme> <token>",
    examples=("Bearer dGhpcyBpcyBhIGZha2UgYmVhcmVyIHRva2VuIQ==",),
)


AUTH_CHALLENGE_HEADER = ParameterDescriptor(
    name="WWW-Authenticate",
    type="string",
    description="An RFC7235 compliant authentication challenge header.",
    format="<scheme> realm=\"<realm>\", ...\"",
    examples=(
        (
            "Bearer realm=\"https://auth.docker.com/\", service=\"registry.docker.com\", "
            "scopes=\"repository:library/ubuntu:pull\""
        ),
    ),
)


CONTENT_LENGTH_ZERO_HEADER = ParameterDescriptor(
    name="Content-Length",
    type="integer",
    description="The `Content-Length` header must be zero and the body must be empty.",
    format="0",
)


DOCKER_UPLOAD_UUID_HEADER = ParameterDescriptor(
    name="Docker-Upload-UUID",
    type="uuid",
    description="Identifies the docker upload uuid for the current request.",
    format="<uuid>",
)


DIGEST_HEADER = ParameterDescriptor(
    name="Docker-Content-Digest",
    type="digest",
    description="Digest of the targeted content for the request.",
    format="<digest>",
)


LINK_HEADER = ParameterDescriptor(
    name="Link",
    type="link",
    description="RFC5988 compliant rel='next' with URL to next result set, if available",
    format="<<url>?n=<last n value>&last=<last entry from response>>; rel=\"next\"",
)


PAGINATION_PARAMETERS = (
    ParameterDescriptor(
        name="n",
        type="integer",
        description=(
            "Limit the number of entries in each response. It not present, 100 entries will be "
            "returned."
        ),
        format="<integer>",
    ),
    ParameterDescriptor(
        name="last",
        type="string",
        description="Result set will include values lexically after last.",
        format="<integer>",
    ),
)


# Shared failure responses.
UNAUTHORIZED_RESPONSE = ResponseDescriptor(
    name="Authentication Required",
    description="The client is not authenticated.",
    status_code=401,
    headers=(
        AUTH_CHALLENGE_HEADER,
        ParameterDescriptor(
            name="Content-Length",
            type="integer",
            description="Length of the JSON response body.",
            format="<length>",
        ),
    ),
    error_codes=(errors.UNAUTHORIZED,),
    body=BodyDescriptor(
        content_type="application/json",
        format=ERRORS_BODY,
    ),
)


REPOSITORY_NOT_FOUND_RESPONSE = ResponseDescriptor(
    name="No Such Repository Error",
    description="The repository is not known to the registry.",
    status_code=404,
    headers=(
        ParameterDescriptor(
            name="Content-Length",
            type="integer",
            description="Length of the JSON response body.",
            format="<length>",
        ),
    ),
    error_codes=(errors.NAME_UNKNOWN,),
    body=BodyDescriptor(
        content_type="application/json",
        format=ERRORS_BODY,
    ),
)


DENIED_RESPONSE = ResponseDescriptor(
    name="Access Denied",
    description="The client does not have required access to the repository.",
    status_code=403,
    headers=(
        ParameterDescriptor(
            name="Content-Length",
            type="integer",
            description="Length of the JSON response body.",
            format="<length>",
        ),
    ),
    error_codes=(errors.DENIED,),
    body=BodyDescriptor(
        content_type="application/json",
        format=ERRORS_BODY,
    ),
)


TOO_MANY_REQUESTS_RESPONSE = ResponseDescriptor(
    name="Too Many Requests",
    description="The client made too many requests within a time interval.",
    status_code=429,
    headers=(
        ParameterDescriptor(
            name="Content-Length",
            type="integer",
            description="Length of the JSON response body.",
            format="<length>",
        ),
    ),
    error_codes=(errors.TOO_MANY_REQUESTS,),
    body=BodyDescriptor(
        content_type="application/json",
        format=ERRORS_BODY,
    ),
)


INVALID_PAGINATION_RESPONSE = ResponseDescriptor(
    name="Invalid pagination number",
    description=(
        "The received parameter n was invalid in some way, as described by the error code. The "
        "client should resolve the issue and retry the request."
    ),
    status_code=400,
    error_codes=(errors.PAGINATION_NUMBER_INVALID,),
    body=BodyDescriptor(
        content_type="application/json",
        format=ERRORS_BODY,
    ),
)


# The routes (routeDescriptors).
BASE = RouteDescriptor(
    name=ROUTE_NAME_BASE,
    path="/v2/",
    entity="Base",
    description=(
        "Base V2 API route. Typically, this can be used for lightweight version checks and to "
        "validate registry authentication."
    ),
    methods=(
        MethodDescriptor(
            method="GET",
            description="Check that the endpoint implements Docker Registry API V2.",
            requests=(
                RequestDescriptor(
                    headers=(HOST_HEADER, AUTH_HEADER),
                    successes=(
                        ResponseDescriptor(
                            description="The API implements V2 protocol and is accessible.",
                            status_code=200,
                        ),
                    ),
                    failures=(
                        ResponseDescriptor(
                            description="The registry does not implement the V2 API.",
                            status_code=404,
                        ),
                        UNAUTHORIZED_RESPONSE,
                        TOO_MANY_REQUESTS_RESPONSE,
                    ),
                ),
            ),
        ),
    ),
)


TAGS = RouteDescriptor(
    name=ROUTE_NAME_TAGS,
    path=(
        "/v2/{name:"
        + grammar.NAME_REGEXP.go_pattern
        + "}/tags/list"
    ),
    entity="Tags",
    description="Retrieve information about tags.",
    methods=(
        MethodDescriptor(
            method="GET",
            description="Fetch the tags under the repository identified by `name`.",
            requests=(
                RequestDescriptor(
                    name="Tags",
                    description="Return all tags for the repository",
                    headers=(HOST_HEADER, AUTH_HEADER),
                    path_parameters=(NAME_PARAMETER,),
                    successes=(
                        ResponseDescriptor(
                            description="A list of tags for the named repository.",
                            status_code=200,
                            headers=(
                                ParameterDescriptor(
                                    name="Content-Length",
                                    type="integer",
                                    description="Length of the JSON response body.",
                                    format="<length>",
                                ),
                            ),
                            body=BodyDescriptor(
                                content_type="application/json",
                                format=(
                                    '{\n'
                                    '    "name": <name>,\n'
                                    '    "tags": [\n'
                                    '        <tag>,\n'
                                    '        ...\n'
                                    '    ]\n'
                                    '}'
                                ),
                            ),
                        ),
                    ),
                    failures=(
                        UNAUTHORIZED_RESPONSE,
                        REPOSITORY_NOT_FOUND_RESPONSE,
                        DENIED_RESPONSE,
                        TOO_MANY_REQUESTS_RESPONSE,
                    ),
                ),
                RequestDescriptor(
                    name="Tags Paginated",
                    description="Return a portion of the tags for the specified repository.",
                    path_parameters=(NAME_PARAMETER,),
                    query_parameters=PAGINATION_PARAMETERS,
                    successes=(
                        ResponseDescriptor(
                            description="A list of tags for the named repository.",
                            status_code=200,
                            headers=(
                                ParameterDescriptor(
                                    name="Content-Length",
                                    type="integer",
                                    description="Length of the JSON response body.",
                                    format="<length>",
                                ),
                                LINK_HEADER,
                            ),
                            body=BodyDescriptor(
                                content_type="application/json",
                                format=(
                                    '{\n'
                                    '    "name": <name>,\n'
                                    '    "tags": [\n'
                                    '        <tag>,\n'
                                    '        ...\n'
                                    '    ],\n'
                                    '}'
                                ),
                            ),
                        ),
                    ),
                    failures=(
                        INVALID_PAGINATION_RESPONSE,
                        UNAUTHORIZED_RESPONSE,
                        REPOSITORY_NOT_FOUND_RESPONSE,
                        DENIED_RESPONSE,
                        TOO_MANY_REQUESTS_RESPONSE,
                    ),
                ),
            ),
        ),
    ),
)


MANIFEST = RouteDescriptor(
    name=ROUTE_NAME_MANIFEST,
    path=(
        "/v2/{name:"
        + grammar.NAME_REGEXP.go_pattern
        + "}/manifests/{reference:"
        + grammar.TAG_REGEXP.go_pattern
        + "|"
        + grammar.GO_DIGEST_REGEXP.go_pattern
        + "}"
    ),
    entity="Manifest",
    description="Create, update, delete and retrieve manifests.",
    methods=(
        MethodDescriptor(
            method="GET",
            description=(
                "Fetch the manifest identified by `name` and `reference` where `reference` can be"
                " a tag or digest. A `HEAD` request can also be issued to this endpoint to obtain"
                " resource information without receiving all data."
            ),
            requests=(
                RequestDescriptor(
                    headers=(HOST_HEADER, AUTH_HEADER),
                    path_parameters=(NAME_PARAMETER, REFERENCE_PARAMETER),
                    successes=(
                        ResponseDescriptor(
                            description=(
                                "The manifest identified by `name` and `reference`. The contents "
                                "can be used to identify and resolve resources required to run "
                                "the specified image."
                            ),
                            status_code=200,
                            headers=(DIGEST_HEADER,),
                            body=BodyDescriptor(
                                content_type="<media type of manifest>",
                                format=MANIFEST_BODY,
                            ),
                        ),
                    ),
                    failures=(
                        ResponseDescriptor(
                            description="The name or reference was invalid.",
                            status_code=400,
                            error_codes=(errors.NAME_INVALID, errors.TAG_INVALID),
                            body=BodyDescriptor(
                                content_type="application/json",
                                format=ERRORS_BODY,
                            ),
                        ),
                        UNAUTHORIZED_RESPONSE,
                        REPOSITORY_NOT_FOUND_RESPONSE,
                        DENIED_RESPONSE,
                        TOO_MANY_REQUESTS_RESPONSE,
                    ),
                ),
            ),
        ),
        MethodDescriptor(
            method="PUT",
            description=(
                "Put the manifest identified by `name` and `reference` where `reference` can be a"
                " tag or digest."
            ),
            requests=(
                RequestDescriptor(
                    headers=(HOST_HEADER, AUTH_HEADER),
                    path_parameters=(NAME_PARAMETER, REFERENCE_PARAMETER),
                    body=BodyDescriptor(
                        content_type="<media type of manifest>",
                        format=MANIFEST_BODY,
                    ),
                    successes=(
                        ResponseDescriptor(
                            description=(
                                "The manifest has been accepted by the registry and is stored "
                                "under the specified `name` and `tag`."
                            ),
                            status_code=201,
                            headers=(
                                ParameterDescriptor(
                                    name="Location",
                                    type="url",
                                    description=(
                                        "The canonical location url of the uploaded manifest."
                                    ),
                                    format="<url>",
                                ),
                                CONTENT_LENGTH_ZERO_HEADER,
                                DIGEST_HEADER,
                            ),
                        ),
                    ),
                    failures=(
                        ResponseDescriptor(
                            name="Invalid Manifest",
                            description=(
                                "The received manifest was invalid in some way, as described by "
                                "the error codes. The client should resolve the issue and retry "
                                "the request."
                            ),
                            status_code=400,
                            error_codes=(
                                errors.NAME_INVALID,
                                errors.TAG_INVALID,
                                errors.MANIFEST_INVALID,
                                errors.MANIFEST_UNVERIFIED,
                                errors.BLOB_UNKNOWN,
                            ),
                            body=BodyDescriptor(
                                content_type="application/json",
                                format=ERRORS_BODY,
                            ),
                        ),
                        UNAUTHORIZED_RESPONSE,
                        REPOSITORY_NOT_FOUND_RESPONSE,
                        DENIED_RESPONSE,
                        TOO_MANY_REQUESTS_RESPONSE,
                        ResponseDescriptor(
                            name="Missing Layer(s)",
                            description=(
                                "One or more layers may be missing during a manifest upload. If "
                                "so, the missing layers will be enumerated in the error response."
                            ),
                            status_code=400,
                            error_codes=(errors.BLOB_UNKNOWN,),
                            body=BodyDescriptor(
                                content_type="application/json",
                                format=(
                                    '{\n'
                                    '    "errors": [\n'
                                    '        {\n'
                                    '            "code": "BLOB_UNKNOWN",\n'
                                    '            "message": "blob unknown to registry",\n'
                                    '            "detail": {\n'
                                    '                "digest": "<digest>"\n'
                                    '            }\n'
                                    '        },\n'
                                    '        ...\n'
                                    '    ]\n'
                                    '}'
                                ),
                            ),
                        ),
                        ResponseDescriptor(
                            name="Not allowed",
                            description=(
                                "Manifest put is not allowed because the registry is configured "
                                "as a pull-through cache or for some other reason"
                            ),
                            status_code=405,
                            error_codes=(errors.UNSUPPORTED,),
                        ),
                    ),
                ),
            ),
        ),
        MethodDescriptor(
            method="DELETE",
            description=(
                "Delete the manifest or tag identified by `name` and `reference` where "
                "`reference` can be a tag or digest. Note that a manifest can _only_ be deleted "
                "by digest."
            ),
            requests=(
                RequestDescriptor(
                    headers=(HOST_HEADER, AUTH_HEADER),
                    path_parameters=(NAME_PARAMETER, REFERENCE_PARAMETER),
                    successes=(
                        ResponseDescriptor(
                            status_code=202,
                        ),
                    ),
                    failures=(
                        ResponseDescriptor(
                            name="Invalid Name or Reference",
                            description=(
                                "The specified `name` or `reference` were invalid and the delete "
                                "was unable to proceed."
                            ),
                            status_code=400,
                            error_codes=(errors.NAME_INVALID, errors.TAG_INVALID),
                            body=BodyDescriptor(
                                content_type="application/json",
                                format=ERRORS_BODY,
                            ),
                        ),
                        UNAUTHORIZED_RESPONSE,
                        REPOSITORY_NOT_FOUND_RESPONSE,
                        DENIED_RESPONSE,
                        TOO_MANY_REQUESTS_RESPONSE,
                        ResponseDescriptor(
                            name="Unknown Manifest",
                            description=(
                                "The specified `name` or `reference` are unknown to the registry "
                                "and the delete was unable to proceed. Clients can assume the "
                                "manifest or tag was already deleted if this response is "
                                "returned."
                            ),
                            status_code=404,
                            error_codes=(errors.NAME_UNKNOWN, errors.MANIFEST_UNKNOWN),
                            body=BodyDescriptor(
                                content_type="application/json",
                                format=ERRORS_BODY,
                            ),
                        ),
                        ResponseDescriptor(
                            name="Not allowed",
                            description=(
                                "Manifest or tag delete is not allowed because the registry is "
                                "configured as a pull-through cache or `delete` has been "
                                "disabled."
                            ),
                            status_code=405,
                            error_codes=(errors.UNSUPPORTED,),
                        ),
                    ),
                ),
            ),
        ),
    ),
)


BLOB = RouteDescriptor(
    name=ROUTE_NAME_BLOB,
    path=(
        "/v2/{name:"
        + grammar.NAME_REGEXP.go_pattern
        + "}/blobs/{digest:"
        + grammar.GO_DIGEST_REGEXP.go_pattern
        + "}"
    ),
    entity="Blob",
    description=(
        "Operations on blobs identified by `name` and `digest`. Used to fetch or delete layers by"
        " digest."
    ),
    methods=(
        MethodDescriptor(
            method="GET",
            description=(
                "Retrieve the blob from the registry identified by `digest`. A `HEAD` request can"
                " also be issued to this endpoint to obtain resource information without "
                "receiving all data."
            ),
            requests=(
                RequestDescriptor(
                    name="Fetch Blob",
                    headers=(HOST_HEADER, AUTH_HEADER),
                    path_parameters=(NAME_PARAMETER, DIGEST_PATH_PARAMETER),
                    successes=(
                        ResponseDescriptor(
                            description=(
                                "The blob identified by `digest` is available. The blob content "
                                "will be present in the body of the request."
                            ),
                            status_code=200,
                            headers=(
                                ParameterDescriptor(
                                    name="Content-Length",
                                    type="integer",
                                    description="The length of the requested blob content.",
                                    format="<length>",
                                ),
                                DIGEST_HEADER,
                            ),
                            body=BodyDescriptor(
                                content_type="application/octet-stream",
                                format="<blob binary data>",
                            ),
                        ),
                        ResponseDescriptor(
                            description=(
                                "The blob identified by `digest` is available at the provided "
                                "location."
                            ),
                            status_code=307,
                            headers=(
                                ParameterDescriptor(
                                    name="Location",
                                    type="url",
                                    description=(
                                        "The location where the layer should be accessible."
                                    ),
                                    format="<blob location>",
                                ),
                                DIGEST_HEADER,
                            ),
                        ),
                    ),
                    failures=(
                        ResponseDescriptor(
                            description=(
                                "There was a problem with the request that needs to be addressed "
                                "by the client, such as an invalid `name` or `tag`."
                            ),
                            status_code=400,
                            error_codes=(errors.NAME_INVALID, errors.DIGEST_INVALID),
                            body=BodyDescriptor(
                                content_type="application/json",
                                format=ERRORS_BODY,
                            ),
                        ),
                        ResponseDescriptor(
                            description=(
                                "The blob, identified by `name` and `digest`, is unknown to the "
                                "registry."
                            ),
                            status_code=404,
                            error_codes=(errors.NAME_UNKNOWN, errors.BLOB_UNKNOWN),
                            body=BodyDescriptor(
                                content_type="application/json",
                                format=ERRORS_BODY,
                            ),
                        ),
                        UNAUTHORIZED_RESPONSE,
                        REPOSITORY_NOT_FOUND_RESPONSE,
                        DENIED_RESPONSE,
                        TOO_MANY_REQUESTS_RESPONSE,
                    ),
                ),
                RequestDescriptor(
                    name="Fetch Blob Part",
                    description=(
                        "This endpoint may also support RFC7233 compliant range requests. Support"
                        " can be detected by issuing a HEAD request. If the header `Accept-Range:"
                        " bytes` is returned, range requests can be used to fetch partial "
                        "content."
                    ),
                    headers=(
                        HOST_HEADER,
                        AUTH_HEADER,
                        ParameterDescriptor(
                            name="Range",
                            type="string",
                            description="HTTP Range header specifying blob chunk.",
                            format="bytes=<start>-<end>",
                        ),
                    ),
                    path_parameters=(NAME_PARAMETER, DIGEST_PATH_PARAMETER),
                    successes=(
                        ResponseDescriptor(
                            description=(
                                "The blob identified by `digest` is available. The specified "
                                "chunk of blob content will be present in the body of the "
                                "request."
                            ),
                            status_code=206,
                            headers=(
                                ParameterDescriptor(
                                    name="Content-Length",
                                    type="integer",
                                    description="The length of the requested blob chunk.",
                                    format="<length>",
                                ),
                                ParameterDescriptor(
                                    name="Content-Range",
                                    type="byte range",
                                    description="Content range of blob chunk.",
                                    format="bytes <start>-<end>/<size>",
                                ),
                            ),
                            body=BodyDescriptor(
                                content_type="application/octet-stream",
                                format="<blob binary data>",
                            ),
                        ),
                    ),
                    failures=(
                        ResponseDescriptor(
                            description=(
                                "There was a problem with the request that needs to be addressed "
                                "by the client, such as an invalid `name` or `tag`."
                            ),
                            status_code=400,
                            error_codes=(errors.NAME_INVALID, errors.DIGEST_INVALID),
                            body=BodyDescriptor(
                                content_type="application/json",
                                format=ERRORS_BODY,
                            ),
                        ),
                        ResponseDescriptor(
                            status_code=404,
                            error_codes=(errors.NAME_UNKNOWN, errors.BLOB_UNKNOWN),
                            body=BodyDescriptor(
                                content_type="application/json",
                                format=ERRORS_BODY,
                            ),
                        ),
                        ResponseDescriptor(
                            description=(
                                "The range specification cannot be satisfied for the requested "
                                "content. This can happen when the range is not formatted "
                                "correctly or if the range is outside of the valid size of the "
                                "content."
                            ),
                            status_code=416,
                        ),
                        UNAUTHORIZED_RESPONSE,
                        REPOSITORY_NOT_FOUND_RESPONSE,
                        DENIED_RESPONSE,
                        TOO_MANY_REQUESTS_RESPONSE,
                    ),
                ),
            ),
        ),
        MethodDescriptor(
            method="DELETE",
            description="Delete the blob identified by `name` and `digest`",
            requests=(
                RequestDescriptor(
                    headers=(HOST_HEADER, AUTH_HEADER),
                    path_parameters=(NAME_PARAMETER, DIGEST_PATH_PARAMETER),
                    successes=(
                        ResponseDescriptor(
                            status_code=202,
                            headers=(
                                ParameterDescriptor(
                                    name="Content-Length",
                                    type="integer",
                                    description="0",
                                    format="0",
                                ),
                                DIGEST_HEADER,
                            ),
                        ),
                    ),
                    failures=(
                        ResponseDescriptor(
                            name="Invalid Name or Digest",
                            status_code=400,
                            error_codes=(errors.DIGEST_INVALID, errors.NAME_INVALID),
                        ),
                        ResponseDescriptor(
                            description=(
                                "The blob, identified by `name` and `digest`, is unknown to the "
                                "registry."
                            ),
                            status_code=404,
                            error_codes=(errors.NAME_UNKNOWN, errors.BLOB_UNKNOWN),
                            body=BodyDescriptor(
                                content_type="application/json",
                                format=ERRORS_BODY,
                            ),
                        ),
                        ResponseDescriptor(
                            description=(
                                "Blob delete is not allowed because the registry is configured as"
                                " a pull-through cache or `delete` has been disabled"
                            ),
                            status_code=405,
                            error_codes=(errors.UNSUPPORTED,),
                            body=BodyDescriptor(
                                content_type="application/json",
                                format=ERRORS_BODY,
                            ),
                        ),
                        UNAUTHORIZED_RESPONSE,
                        REPOSITORY_NOT_FOUND_RESPONSE,
                        DENIED_RESPONSE,
                        TOO_MANY_REQUESTS_RESPONSE,
                    ),
                ),
            ),
        ),
    ),
)


BLOB_UPLOAD = RouteDescriptor(
    name=ROUTE_NAME_BLOB_UPLOAD,
    path=(
        "/v2/{name:"
        + grammar.NAME_REGEXP.go_pattern
        + "}/blobs/uploads/"
    ),
    entity="Initiate Blob Upload",
    description=(
        "Initiate a blob upload. This endpoint can be used to create resumable uploads or "
        "monolithic uploads."
    ),
    methods=(
        MethodDescriptor(
            method="POST",
            description=(
                "Initiate a resumable blob upload. If successful, an upload location will be "
                "provided to complete the upload. Optionally, if the `digest` parameter is "
                "present, the request body will be used to complete the upload in a single "
                "request."
            ),
            requests=(
                RequestDescriptor(
                    name="Initiate Monolithic Blob Upload",
                    description=(
                        "Upload a blob identified by the `digest` parameter in single request. "
                        "This upload will not be resumable unless a recoverable error is "
                        "returned."
                    ),
                    headers=(
                        HOST_HEADER,
                        AUTH_HEADER,
                        ParameterDescriptor(
                            name="Content-Length",
                            type="integer",
                            format="<length of blob>",
                        ),
                    ),
                    path_parameters=(NAME_PARAMETER,),
                    query_parameters=(
                        ParameterDescriptor(
                            name="digest",
                            type="query",
                            description=(
                                "Digest of uploaded blob. If present, the upload will be "
                                "completed, in a single request, with contents of the request "
                                "body as the resulting blob."
                            ),
                            format="<digest>",
                            regexp=grammar.GO_DIGEST_REGEXP,
                        ),
                    ),
                    body=BodyDescriptor(
                        content_type="application/octet-stream",
                        format="<binary data>",
                    ),
                    successes=(
                        ResponseDescriptor(
                            description=(
                                "The blob has been created in the registry and is available at "
                                "the provided location."
                            ),
                            status_code=201,
                            headers=(
                                ParameterDescriptor(
                                    name="Location",
                                    type="url",
                                    format="<blob location>",
                                ),
                                CONTENT_LENGTH_ZERO_HEADER,
                                DOCKER_UPLOAD_UUID_HEADER,
                            ),
                        ),
                    ),
                    failures=(
                        ResponseDescriptor(
                            name="Invalid Name or Digest",
                            status_code=400,
                            error_codes=(errors.DIGEST_INVALID, errors.NAME_INVALID),
                        ),
                        ResponseDescriptor(
                            name="Not allowed",
                            description=(
                                "Blob upload is not allowed because the registry is configured as"
                                " a pull-through cache or for some other reason"
                            ),
                            status_code=405,
                            error_codes=(errors.UNSUPPORTED,),
                        ),
                        UNAUTHORIZED_RESPONSE,
                        REPOSITORY_NOT_FOUND_RESPONSE,
                        DENIED_RESPONSE,
                        TOO_MANY_REQUESTS_RESPONSE,
                    ),
                ),
                RequestDescriptor(
                    name="Initiate Resumable Blob Upload",
                    description=(
                        "Initiate a resumable blob upload with an empty request body."
                    ),
                    headers=(
                        HOST_HEADER,
                        AUTH_HEADER,
                        CONTENT_LENGTH_ZERO_HEADER,
                    ),
                    path_parameters=(NAME_PARAMETER,),
                    successes=(
                        ResponseDescriptor(
                            description=(
                                "The upload has been created. The `Location` header must be used "
                                "to complete the upload. The response should be identical to a "
                                "`GET` request on the contents of the returned `Location` header."
                            ),
                            status_code=202,
                            headers=(
                                ParameterDescriptor(
                                    name="Location",
                                    type="url",
                                    description=(
                                        "The location of the created upload. Clients should use "
                                        "the contents verbatim to complete the upload, adding "
                                        "parameters where required."
                                    ),
                                    format="/v2/<name>/blobs/uploads/<uuid>",
                                ),
                                ParameterDescriptor(
                                    name="Range",
                                    description=(
                                        "Range header indicating the progress of the upload. When"
                                        " starting an upload, it will return an empty range, "
                                        "since no content has been received."
                                    ),
                                    format="0-<offset>",
                                ),
                                CONTENT_LENGTH_ZERO_HEADER,
                                DOCKER_UPLOAD_UUID_HEADER,
                            ),
                        ),
                    ),
                    failures=(
                        ResponseDescriptor(
                            name="Invalid Name or Digest",
                            status_code=400,
                            error_codes=(errors.DIGEST_INVALID, errors.NAME_INVALID),
                        ),
                        UNAUTHORIZED_RESPONSE,
                        REPOSITORY_NOT_FOUND_RESPONSE,
                        DENIED_RESPONSE,
                        TOO_MANY_REQUESTS_RESPONSE,
                    ),
                ),
                RequestDescriptor(
                    name="Mount Blob",
                    description=(
                        "Mount a blob identified by the `mount` parameter from another "
                        "repository."
                    ),
                    headers=(
                        HOST_HEADER,
                        AUTH_HEADER,
                        CONTENT_LENGTH_ZERO_HEADER,
                    ),
                    path_parameters=(NAME_PARAMETER,),
                    query_parameters=(
                        ParameterDescriptor(
                            name="mount",
                            type="query",
                            description=(
                                "Digest of blob to mount from the source repository."
                            ),
                            format="<digest>",
                            regexp=grammar.GO_DIGEST_REGEXP,
                        ),
                        ParameterDescriptor(
                            name="from",
                            type="query",
                            description="Name of the source repository.",
                            format="<repository name>",
                            regexp=grammar.NAME_REGEXP,
                        ),
                    ),
                    successes=(
                        ResponseDescriptor(
                            description=(
                                "The blob has been mounted in the repository and is available at "
                                "the provided location."
                            ),
                            status_code=201,
                            headers=(
                                ParameterDescriptor(
                                    name="Location",
                                    type="url",
                                    format="<blob location>",
                                ),
                                CONTENT_LENGTH_ZERO_HEADER,
                                DOCKER_UPLOAD_UUID_HEADER,
                            ),
                        ),
                    ),
                    failures=(
                        ResponseDescriptor(
                            name="Invalid Name or Digest",
                            status_code=400,
                            error_codes=(errors.DIGEST_INVALID, errors.NAME_INVALID),
                        ),
                        ResponseDescriptor(
                            name="Not allowed",
                            description=(
                                "Blob mount is not allowed because the registry is configured as "
                                "a pull-through cache or for some other reason"
                            ),
                            status_code=405,
                            error_codes=(errors.UNSUPPORTED,),
                        ),
                        UNAUTHORIZED_RESPONSE,
                        REPOSITORY_NOT_FOUND_RESPONSE,
                        DENIED_RESPONSE,
                        TOO_MANY_REQUESTS_RESPONSE,
                    ),
                ),
            ),
        ),
    ),
)


BLOB_UPLOAD_CHUNK = RouteDescriptor(
    name=ROUTE_NAME_BLOB_UPLOAD_CHUNK,
    path=(
        "/v2/{name:"
        + grammar.NAME_REGEXP.go_pattern
        + "}/blobs/uploads/{uuid:[a-zA-Z0-9-_.=]+}"
    ),
    entity="Blob Upload",
    description=(
        "Interact with blob uploads. Clients should never assemble URLs for this endpoint and "
        "should only take it through the `Location` header on related API requests. The "
        "`Location` header and its parameters should be preserved by clients, using the latest "
        "value returned via upload related API calls."
    ),
    methods=(
        MethodDescriptor(
            method="GET",
            description=(
                "Retrieve status of upload identified by `uuid`. The primary purpose of this "
                "endpoint is to resolve the current status of a resumable upload."
            ),
            requests=(
                RequestDescriptor(
                    description=(
                        "Retrieve the progress of the current upload, as reported by the `Range` "
                        "header."
                    ),
                    headers=(HOST_HEADER, AUTH_HEADER),
                    path_parameters=(NAME_PARAMETER, UUID_PARAMETER),
                    successes=(
                        ResponseDescriptor(
                            name="Upload Progress",
                            description=(
                                "The upload is known and in progress. The last received offset is"
                                " available in the `Range` header."
                            ),
                            status_code=204,
                            headers=(
                                ParameterDescriptor(
                                    name="Range",
                                    type="header",
                                    description=(
                                        "Range indicating the current progress of the upload."
                                    ),
                                    format="0-<offset>",
                                ),
                                CONTENT_LENGTH_ZERO_HEADER,
                                DOCKER_UPLOAD_UUID_HEADER,
                            ),
                        ),
                    ),
                    failures=(
                        ResponseDescriptor(
                            description=(
                                "There was an error processing the upload and it must be "
                                "restarted."
                            ),
                            status_code=400,
                            error_codes=(
                                errors.DIGEST_INVALID,
                                errors.NAME_INVALID,
                                errors.BLOB_UPLOAD_INVALID,
                            ),
                            body=BodyDescriptor(
                                content_type="application/json",
                                format=ERRORS_BODY,
                            ),
                        ),
                        ResponseDescriptor(
                            description=(
                                "The upload is unknown to the registry. The upload must be "
                                "restarted."
                            ),
                            status_code=404,
                            error_codes=(errors.BLOB_UPLOAD_UNKNOWN,),
                            body=BodyDescriptor(
                                content_type="application/json",
                                format=ERRORS_BODY,
                            ),
                        ),
                        UNAUTHORIZED_RESPONSE,
                        REPOSITORY_NOT_FOUND_RESPONSE,
                        DENIED_RESPONSE,
                        TOO_MANY_REQUESTS_RESPONSE,
                    ),
                ),
            ),
        ),
        MethodDescriptor(
            method="PATCH",
            description="Upload a chunk of data for the specified upload.",
            requests=(
                RequestDescriptor(
                    name="Stream upload",
                    description=(
                        "Upload a stream of data to upload without completing the upload."
                    ),
                    headers=(HOST_HEADER, AUTH_HEADER),
                    path_parameters=(NAME_PARAMETER, UUID_PARAMETER),
                    body=BodyDescriptor(
                        content_type="application/octet-stream",
                        format="<binary data>",
                    ),
                    successes=(
                        ResponseDescriptor(
                            name="Data Accepted",
                            description=(
                                "The stream of data has been accepted and the current progress is"
                                " available in the range header. The updated upload location is "
                                "available in the `Location` header."
                            ),
                            status_code=202,
                            headers=(
                                ParameterDescriptor(
                                    name="Location",
                                    type="url",
                                    description=(
                                        "The location of the upload. Clients should assume this "
                                        "changes after each request. Clients should use the "
                                        "contents verbatim to complete the upload, adding "
                                        "parameters where required."
                                    ),
                                    format="/v2/<name>/blobs/uploads/<uuid>",
                                ),
                                ParameterDescriptor(
                                    name="Range",
                                    type="header",
                                    description=(
                                        "Range indicating the current progress of the upload."
                                    ),
                                    format="0-<offset>",
                                ),
                                CONTENT_LENGTH_ZERO_HEADER,
                                DOCKER_UPLOAD_UUID_HEADER,
                            ),
                        ),
                    ),
                    failures=(
                        ResponseDescriptor(
                            description=(
                                "There was an error processing the upload and it must be "
                                "restarted."
                            ),
                            status_code=400,
                            error_codes=(
                                errors.DIGEST_INVALID,
                                errors.NAME_INVALID,
                                errors.BLOB_UPLOAD_INVALID,
                            ),
                            body=BodyDescriptor(
                                content_type="application/json",
                                format=ERRORS_BODY,
                            ),
                        ),
                        ResponseDescriptor(
                            description=(
                                "The upload is unknown to the registry. The upload must be "
                                "restarted."
                            ),
                            status_code=404,
                            error_codes=(errors.BLOB_UPLOAD_UNKNOWN,),
                            body=BodyDescriptor(
                                content_type="application/json",
                                format=ERRORS_BODY,
                            ),
                        ),
                        UNAUTHORIZED_RESPONSE,
                        REPOSITORY_NOT_FOUND_RESPONSE,
                        DENIED_RESPONSE,
                        TOO_MANY_REQUESTS_RESPONSE,
                    ),
                ),
                RequestDescriptor(
                    name="Chunked upload",
                    description=(
                        "Upload a chunk of data to specified upload without completing the "
                        "upload. The data will be uploaded to the specified Content Range."
                    ),
                    headers=(
                        HOST_HEADER,
                        AUTH_HEADER,
                        ParameterDescriptor(
                            name="Content-Range",
                            type="header",
                            description=(
                                "Range of bytes identifying the desired block of content "
                                "represented by the body. Start must the end offset retrieved via"
                                " status check plus one. Note that this is a non-standard use of "
                                "the `Content-Range` header."
                            ),
                            required=True,
                            format="<start of range>-<end of range, inclusive>",
                        ),
                        ParameterDescriptor(
                            name="Content-Length",
                            type="integer",
                            description=(
                                "Length of the chunk being uploaded, corresponding the length of "
                                "the request body."
                            ),
                            format="<length of chunk>",
                        ),
                    ),
                    path_parameters=(NAME_PARAMETER, UUID_PARAMETER),
                    body=BodyDescriptor(
                        content_type="application/octet-stream",
                        format="<binary chunk>",
                    ),
                    successes=(
                        ResponseDescriptor(
                            name="Chunk Accepted",
                            description=(
                                "The chunk of data has been accepted and the current progress is "
                                "available in the range header. The updated upload location is "
                                "available in the `Location` header."
                            ),
                            status_code=202,
                            headers=(
                                ParameterDescriptor(
                                    name="Location",
                                    type="url",
                                    description=(
                                        "The location of the upload. Clients should assume this "
                                        "changes after each request. Clients should use the "
                                        "contents verbatim to complete the upload, adding "
                                        "parameters where required."
                                    ),
                                    format="/v2/<name>/blobs/uploads/<uuid>",
                                ),
                                ParameterDescriptor(
                                    name="Range",
                                    type="header",
                                    description=(
                                        "Range indicating the current progress of the upload."
                                    ),
                                    format="0-<offset>",
                                ),
                                CONTENT_LENGTH_ZERO_HEADER,
                                DOCKER_UPLOAD_UUID_HEADER,
                            ),
                        ),
                    ),
                    failures=(
                        ResponseDescriptor(
                            description=(
                                "There was an error processing the upload and it must be "
                                "restarted."
                            ),
                            status_code=400,
                            error_codes=(
                                errors.DIGEST_INVALID,
                                errors.NAME_INVALID,
                                errors.BLOB_UPLOAD_INVALID,
                            ),
                            body=BodyDescriptor(
                                content_type="application/json",
                                format=ERRORS_BODY,
                            ),
                        ),
                        ResponseDescriptor(
                            description=(
                                "The upload is unknown to the registry. The upload must be "
                                "restarted."
                            ),
                            status_code=404,
                            error_codes=(errors.BLOB_UPLOAD_UNKNOWN,),
                            body=BodyDescriptor(
                                content_type="application/json",
                                format=ERRORS_BODY,
                            ),
                        ),
                        ResponseDescriptor(
                            description=(
                                "The `Content-Range` specification cannot be accepted, either "
                                "because it does not overlap with the current progress or it is "
                                "invalid."
                            ),
                            status_code=416,
                        ),
                        UNAUTHORIZED_RESPONSE,
                        REPOSITORY_NOT_FOUND_RESPONSE,
                        DENIED_RESPONSE,
                        TOO_MANY_REQUESTS_RESPONSE,
                    ),
                ),
            ),
        ),
        MethodDescriptor(
            method="PUT",
            description=(
                "Complete the upload specified by `uuid`, optionally appending the body as the "
                "final chunk."
            ),
            requests=(
                RequestDescriptor(
                    description=(
                        "Complete the upload, providing all the data in the body, if necessary. A"
                        " request without a body will just complete the upload with previously "
                        "uploaded content."
                    ),
                    headers=(
                        HOST_HEADER,
                        AUTH_HEADER,
                        ParameterDescriptor(
                            name="Content-Length",
                            type="integer",
                            description=(
                                "Length of the data being uploaded, corresponding to the length "
                                "of the request body. May be zero if no data is provided."
                            ),
                            format="<length of data>",
                        ),
                    ),
                    path_parameters=(NAME_PARAMETER, UUID_PARAMETER),
                    query_parameters=(
                        ParameterDescriptor(
                            name="digest",
                            type="string",
                            description="Digest of uploaded blob.",
                            required=True,
                            format="<digest>",
                            regexp=grammar.GO_DIGEST_REGEXP,
                        ),
                    ),
                    body=BodyDescriptor(
                        content_type="application/octet-stream",
                        format="<binary data>",
                    ),
                    successes=(
                        ResponseDescriptor(
                            name="Upload Complete",
                            description=(
                                "The upload has been completed and accepted by the registry. The "
                                "canonical location will be available in the `Location` header."
                            ),
                            status_code=201,
                            headers=(
                                ParameterDescriptor(
                                    name="Location",
                                    type="url",
                                    description=(
                                        "The canonical location of the blob for retrieval"
                                    ),
                                    format="<blob location>",
                                ),
                                ParameterDescriptor(
                                    name="Content-Range",
                                    type="header",
                                    description=(
                                        "Range of bytes identifying the desired block of content "
                                        "represented by the body. Start must match the end of "
                                        "offset retrieved via status check. Note that this is a "
                                        "non-standard use of the `Content-Range` header."
                                    ),
                                    format="<start of range>-<end of range, inclusive>",
                                ),
                                CONTENT_LENGTH_ZERO_HEADER,
                                DIGEST_HEADER,
                            ),
                        ),
                    ),
                    failures=(
                        ResponseDescriptor(
                            description=(
                                "There was an error processing the upload and it must be "
                                "restarted."
                            ),
                            status_code=400,
                            error_codes=(
                                errors.DIGEST_INVALID,
                                errors.NAME_INVALID,
                                errors.BLOB_UPLOAD_INVALID,
                                errors.UNSUPPORTED,
                            ),
                            body=BodyDescriptor(
                                content_type="application/json",
                                format=ERRORS_BODY,
                            ),
                        ),
                        ResponseDescriptor(
                            description=(
                                "The upload is unknown to the registry. The upload must be "
                                "restarted."
                            ),
                            status_code=404,
                            error_codes=(errors.BLOB_UPLOAD_UNKNOWN,),
                            body=BodyDescriptor(
                                content_type="application/json",
                                format=ERRORS_BODY,
                            ),
                        ),
                        UNAUTHORIZED_RESPONSE,
                        REPOSITORY_NOT_FOUND_RESPONSE,
                        DENIED_RESPONSE,
                        TOO_MANY_REQUESTS_RESPONSE,
                    ),
                ),
            ),
        ),
        MethodDescriptor(
            method="DELETE",
            description=(
                "Cancel outstanding upload processes, releasing associated resources. If this is "
                "not called, the unfinished uploads will eventually timeout."
            ),
            requests=(
                RequestDescriptor(
                    description="Cancel the upload specified by `uuid`.",
                    headers=(
                        HOST_HEADER,
                        AUTH_HEADER,
                        CONTENT_LENGTH_ZERO_HEADER,
                    ),
                    path_parameters=(NAME_PARAMETER, UUID_PARAMETER),
                    successes=(
                        ResponseDescriptor(
                            name="Upload Deleted",
                            description="The upload has been successfully deleted.",
                            status_code=204,
                            headers=(CONTENT_LENGTH_ZERO_HEADER,),
                        ),
                    ),
                    failures=(
                        ResponseDescriptor(
                            description=(
                                "An error was encountered processing the delete. The client may "
                                "ignore this error."
                            ),
                            status_code=400,
                            error_codes=(errors.NAME_INVALID, errors.BLOB_UPLOAD_INVALID),
                            body=BodyDescriptor(
                                content_type="application/json",
                                format=ERRORS_BODY,
                            ),
                        ),
                        ResponseDescriptor(
                            description=(
                                "The upload is unknown to the registry. The client may ignore "
                                "this error and assume the upload has been deleted."
                            ),
                            status_code=404,
                            error_codes=(errors.BLOB_UPLOAD_UNKNOWN,),
                            body=BodyDescriptor(
                                content_type="application/json",
                                format=ERRORS_BODY,
                            ),
                        ),
                        UNAUTHORIZED_RESPONSE,
                        REPOSITORY_NOT_FOUND_RESPONSE,
                        DENIED_RESPONSE,
                        TOO_MANY_REQUESTS_RESPONSE,
                    ),
                ),
            ),
        ),
    ),
)


CATALOG = RouteDescriptor(
    name=ROUTE_NAME_CATALOG,
    path="/v2/_catalog",
    entity="Catalog",
    description=(
        "List a set of available repositories in the local registry cluster. Does not provide any"
        " indication of what may be available upstream. Applications can only determine if a "
        "repository is available but not if it is not available."
    ),
    methods=(
        MethodDescriptor(
            method="GET",
            description=(
                "Retrieve a sorted, json list of repositories available in the registry."
            ),
            requests=(
                RequestDescriptor(
                    name="Catalog Fetch",
                    description=(
                        "Request an unabridged list of repositories available.  The "
                        "implementation may impose a maximum limit and return a partial set with "
                        "pagination links."
                    ),
                    successes=(
                        ResponseDescriptor(
                            description=(
                                "Returns the unabridged list of repositories as a json response."
                            ),
                            status_code=200,
                            headers=(
                                ParameterDescriptor(
                                    name="Content-Length",
                                    type="integer",
                                    description="Length of the JSON response body.",
                                    format="<length>",
                                ),
                            ),
                            body=BodyDescriptor(
                                content_type="application/json",
                                format=(
                                    '{\n'
                                    '\t"repositories": [\n'
                                    '\t\t<name>,\n'
                                    '\t\t...\n'
                                    '\t],\n'
                                    '}'
                                ),
                            ),
                        ),
                    ),
                ),
                RequestDescriptor(
                    name="Catalog Fetch Paginated",
                    description="Return the specified portion of repositories.",
                    query_parameters=PAGINATION_PARAMETERS,
                    successes=(
                        ResponseDescriptor(
                            status_code=200,
                            headers=(
                                ParameterDescriptor(
                                    name="Content-Length",
                                    type="integer",
                                    description="Length of the JSON response body.",
                                    format="<length>",
                                ),
                                LINK_HEADER,
                            ),
                            body=BodyDescriptor(
                                content_type="application/json",
                                format=(
                                    '{\n'
                                    '\t"repositories": [\n'
                                    '\t\t<name>,\n'
                                    '\t\t...\n'
                                    '\t],\n'
                                    '\t"next": "<url>?last=<name>&n=<last value of n>"\n'
                                    '}'
                                ),
                            ),
                        ),
                    ),
                    failures=(INVALID_PAGINATION_RESPONSE,),
                ),
            ),
        ),
    ),
)


#: Every route, in the order of descriptors.go.
ROUTE_DESCRIPTORS = (BASE, TAGS, MANIFEST, BLOB, BLOB_UPLOAD, BLOB_UPLOAD_CHUNK, CATALOG)

