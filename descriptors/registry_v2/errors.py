"""The registered error codes, as distribution registers them: errcode's own group
(registry/api/errcode/register.go) and the V2 API's group (registry/api/v2/errors.go).

Message and description text is byte-identical to the Go source, including the tab indentation that
Go's raw string literals carry into the descriptions.
"""

from __future__ import annotations

from specgen.model import ErrorDescriptor

#: errcode.Register group names.
ERRCODE_GROUP = "errcode"
V2_GROUP = "registry.api.v2"

# registry/api/errcode/register.go

UNKNOWN = ErrorDescriptor(
    group=ERRCODE_GROUP,
    value="UNKNOWN",
    message="unknown error",
    description=(
        'Generic error returned when the error does not have an\n'
        '\t\t\t                                            API classification.'
    ),
    http_status_code=500,
)

UNSUPPORTED = ErrorDescriptor(
    group=ERRCODE_GROUP,
    value="UNSUPPORTED",
    message="The operation is unsupported.",
    description=(
        'The operation was unsupported due to a missing\n'
        '\t\timplementation or invalid set of parameters.'
    ),
    http_status_code=405,
)

UNAUTHORIZED = ErrorDescriptor(
    group=ERRCODE_GROUP,
    value="UNAUTHORIZED",
    message="authentication required",
    description=(
        'The access controller was unable to authenticate\n'
        '\t\tthe client. Often this will be accompanied by a\n'
        '\t\tWww-Authenticate HTTP response header indicating how to\n'
        '\t\tauthenticate.'
    ),
    http_status_code=401,
)

DENIED = ErrorDescriptor(
    group=ERRCODE_GROUP,
    value="DENIED",
    message="requested access to the resource is denied",
    description=(
        'The access controller denied access for the\n'
        '\t\toperation on a resource.'
    ),
    http_status_code=403,
)

UNAVAILABLE = ErrorDescriptor(
    group=ERRCODE_GROUP,
    value="UNAVAILABLE",
    message="service unavailable",
    description="Returned when a service is not available",
    http_status_code=503,
)

TOO_MANY_REQUESTS = ErrorDescriptor(
    group=ERRCODE_GROUP,
    value="TOOMANYREQUESTS",
    message="too many requests",
    description=(
        'Returned when a client attempts to contact a\n'
        '\t\tservice too many times'
    ),
    http_status_code=429,
)

# registry/api/v2/errors.go

DIGEST_INVALID = ErrorDescriptor(
    group=V2_GROUP,
    value="DIGEST_INVALID",
    message="provided digest did not match uploaded content",
    description=(
        'When a blob is uploaded, the registry will check that\n'
        '\t\tthe content matches the digest provided by the client. The error may\n'
        '\t\tinclude a detail structure with the key "digest", including the\n'
        '\t\tinvalid digest string. This error may also be returned when a manifest\n'
        '\t\tincludes an invalid layer digest.'
    ),
    http_status_code=400,
)

SIZE_INVALID = ErrorDescriptor(
    group=V2_GROUP,
    value="SIZE_INVALID",
    message="provided length did not match content length",
    description=(
        'When a layer is uploaded, the provided size will be\n'
        '\t\tchecked against the uploaded content. If they do not match, this error\n'
        '\t\twill be returned.'
    ),
    http_status_code=400,
)

RANGE_INVALID = ErrorDescriptor(
    group=V2_GROUP,
    value="RANGE_INVALID",
    message="invalid content range",
    description=(
        'When a layer is uploaded, the provided range is checked\n'
        '\t\tagainst the uploaded chunk. This error is returned if the range is\n'
        '\t\tout of order.'
    ),
    http_status_code=416,
)

NAME_INVALID = ErrorDescriptor(
    group=V2_GROUP,
    value="NAME_INVALID",
    message="invalid repository name",
    description=(
        'Invalid repository name encountered either during\n'
        '\t\tmanifest validation or any API operation.'
    ),
    http_status_code=400,
)

TAG_INVALID = ErrorDescriptor(
    group=V2_GROUP,
    value="TAG_INVALID",
    message="manifest tag did not match URI",
    description=(
        'During a manifest upload, if the tag in the manifest\n'
        '\t\tdoes not match the uri tag, this error will be returned.'
    ),
    http_status_code=400,
)

NAME_UNKNOWN = ErrorDescriptor(
    group=V2_GROUP,
    value="NAME_UNKNOWN",
    message="repository name not known to registry",
    description=(
        'This is returned if the name used during an operation is\n'
        '\t\tunknown to the registry.'
    ),
    http_status_code=404,
)

MANIFEST_UNKNOWN = ErrorDescriptor(
    group=V2_GROUP,
    value="MANIFEST_UNKNOWN",
    message="manifest unknown",
    description=(
        'This error is returned when the manifest, identified by\n'
        '\t\tname and tag is unknown to the repository.'
    ),
    http_status_code=404,
)

MANIFEST_INVALID = ErrorDescriptor(
    group=V2_GROUP,
    value="MANIFEST_INVALID",
    message="manifest invalid",
    description=(
        'During upload, manifests undergo several checks ensuring\n'
        '\t\tvalidity. If those checks fail, this error may be returned, unless a\n'
        '\t\tmore specific error is included. The detail will contain information\n'
        '\t\tthe failed validation.'
    ),
    http_status_code=400,
)

MANIFEST_UNVERIFIED = ErrorDescriptor(
    group=V2_GROUP,
    value="MANIFEST_UNVERIFIED",
    message="manifest failed signature verification",
    description=(
        'During manifest upload, if the manifest fails signature\n'
        '\t\tverification, this error will be returned.'
    ),
    http_status_code=400,
)

MANIFEST_BLOB_UNKNOWN = ErrorDescriptor(
    group=V2_GROUP,
    value="MANIFEST_BLOB_UNKNOWN",
    message="blob unknown to registry",
    description=(
        'This error may be returned when a manifest blob is \n'
        '\t\tunknown to the registry.'
    ),
    http_status_code=400,
)

BLOB_UNKNOWN = ErrorDescriptor(
    group=V2_GROUP,
    value="BLOB_UNKNOWN",
    message="blob unknown to registry",
    description=(
        'This error may be returned when a blob is unknown to the\n'
        '\t\tregistry in a specified repository. This can be returned with a\n'
        '\t\tstandard get or if a manifest references an unknown layer during\n'
        '\t\tupload.'
    ),
    http_status_code=404,
)

BLOB_UPLOAD_UNKNOWN = ErrorDescriptor(
    group=V2_GROUP,
    value="BLOB_UPLOAD_UNKNOWN",
    message="blob upload unknown to registry",
    description=(
        'If a blob upload has been cancelled or was never\n'
        '\t\tstarted, this error code may be returned.'
    ),
    http_status_code=404,
)

BLOB_UPLOAD_INVALID = ErrorDescriptor(
    group=V2_GROUP,
    value="BLOB_UPLOAD_INVALID",
    message="blob upload invalid",
    description=(
        'The blob upload encountered an error and can no\n'
        '\t\tlonger proceed.'
    ),
    http_status_code=404,
)

PAGINATION_NUMBER_INVALID = ErrorDescriptor(
    group=V2_GROUP,
    value="PAGINATION_NUMBER_INVALID",
    message="invalid number of results requested",
    description=(
        'Returned when the "n" parameter (number of results\n'
        '\t\tto return) is not an integer, "n" is negative or "n" is bigger than\n'
        '\t\tthe maximum allowed.'
    ),
    http_status_code=400,
)


#: Every registered error descriptor, in registration order.
ERROR_DESCRIPTORS = (
    UNKNOWN,
    UNSUPPORTED,
    UNAUTHORIZED,
    DENIED,
    UNAVAILABLE,
    TOO_MANY_REQUESTS,
    DIGEST_INVALID,
    SIZE_INVALID,
    RANGE_INVALID,
    NAME_INVALID,
    TAG_INVALID,
    NAME_UNKNOWN,
    MANIFEST_UNKNOWN,
    MANIFEST_INVALID,
    MANIFEST_UNVERIFIED,
    MANIFEST_BLOB_UNKNOWN,
    BLOB_UNKNOWN,
    BLOB_UPLOAD_UNKNOWN,
    BLOB_UPLOAD_INVALID,
    PAGINATION_NUMBER_INVALID,
)
