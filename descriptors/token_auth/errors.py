"""The error codes of the token service.

token.md and oauth.md define no error codes of their own. The ``GET`` endpoint answers bad
credentials as the registry does (``UNAUTHORIZED`` in the errcode envelope, distribution's
errcode group) and a malformed request with ``INVALID_REQUEST`` (specgen's name for RFC 6749
section 5.2's ``invalid_request``); the OAuth2 ``POST`` answers RFC 6749's own error body.
"""

from __future__ import annotations

from specgen.descriptors.registry_v2 import errors as registry_errors
from specgen.model import ErrorDescriptor

TOKEN_GROUP = "token"

#: distribution's errcode ``UNAUTHORIZED``, the same object the registry sets use.
UNAUTHORIZED = registry_errors.UNAUTHORIZED

INVALID_REQUEST = ErrorDescriptor(
    group=TOKEN_GROUP,
    value="INVALID_REQUEST",
    message="invalid token request",
    description=(
        "The token request is malformed: a scope that does not follow the scope grammar "
        "(scope.md), or a service this token server does not issue tokens for."
    ),
    http_status_code=400,
)

ERROR_DESCRIPTORS = (UNAUTHORIZED, INVALID_REQUEST)
