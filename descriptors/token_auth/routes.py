"""The token service's one route, ``/token``, as distribution's docs/spec/auth/token.md (``GET``)
and oauth.md (``POST``) describe it. The realm a registry's challenge names is this URL."""

from __future__ import annotations

from specgen.descriptors.registry_v2.routes import AUTH_CHALLENGE_HEADER, AUTH_HEADER
from specgen.descriptors.token_auth import errors
from specgen.model import (
    BodyDescriptor,
    MethodDescriptor,
    ParameterDescriptor,
    RequestDescriptor,
    ResponseDescriptor,
    RouteDescriptor,
)

ROUTE_NAME_TOKEN = "token"

#: scope.md's grammar, for the ``scope`` parameter.
SCOPE_FORMAT = "<resourcetype>:<resourcename>:<action>[,<action>...]"

SERVICE_PARAMETER = ParameterDescriptor(
    name="service",
    type="string",
    description="The name of the service which hosts the resource (the `service` of the registry's challenge).",
    format="<service>",
    examples=("registry.docker.io",),
)

SCOPE_PARAMETER = ParameterDescriptor(
    name="scope",
    type="string",
    description=(
        "The resource in question, formatted as one of the space-delimited entries from the `scope` "
        "parameters of the registry's `WWW-Authenticate` challenge (scope.md). Repeat the parameter "
        "(or separate scopes with spaces) to ask for several resources."
    ),
    format=SCOPE_FORMAT,
    examples=("repository:samalba/my-app:pull,push", "registry:catalog:*"),
)

ACCOUNT_PARAMETER = ParameterDescriptor(
    name="account",
    type="string",
    description="The name of the account which the client is acting as; must match the basic credentials' user when both are given.",
    format="<account>",
)

CLIENT_ID_PARAMETER = ParameterDescriptor(
    name="client_id",
    type="string",
    description="String identifying the client (informational).",
    format="<client id>",
    examples=("docker",),
)

OFFLINE_TOKEN_PARAMETER = ParameterDescriptor(
    name="offline_token",
    type="string",
    description="Whether to return a refresh token along with the bearer token (`true` or `false`).",
    format="true|false",
)

BASIC_AUTH_HEADER = ParameterDescriptor(
    name="Authorization",
    type="string",
    description="HTTP basic credentials of the account; without them the token is anonymous.",
    format="Basic <base64 of user:password>",
    examples=("Basic YWxpY2U6czNjcmV0",),
)

#: The OAuth2 request body's encoding (its ``Content-Type``).
FORM = "application/x-www-form-urlencoded"

JSON_CONTENT_TYPE = ParameterDescriptor(
    name="Content-Type",
    type="string",
    description="The response body is JSON.",
    format="application/json",
)

BASIC_CHALLENGE_HEADER = ParameterDescriptor(
    name="WWW-Authenticate",
    type="string",
    description="A basic authentication challenge for the token endpoint itself.",
    format='Basic realm="<realm>"',
    examples=('Basic realm="specgen token server"',),
)

TOKEN_RESPONSE_BODY = (
    "{\n"
    '    "token": "<JWT bearer token>",\n'
    '    "access_token": "<the same token>",\n'
    '    "expires_in": <seconds>,\n'
    '    "issued_at": "<RFC3339 time>",\n'
    '    "refresh_token": "<refresh token, if offline_token=true>"\n'
    "}"
)

OAUTH_REQUEST_BODY = (
    "grant_type=password&service=<service>&client_id=<client id>&username=<user>&password=<password>"
    "&scope=<scope>&access_type=offline\n"
    "or\n"
    "grant_type=refresh_token&service=<service>&client_id=<client id>&refresh_token=<refresh token>&scope=<scope>"
)

OAUTH_RESPONSE_BODY = (
    "{\n"
    '    "access_token": "<JWT bearer token>",\n'
    '    "scope": "<the scopes granted, space separated>",\n'
    '    "expires_in": <seconds>,\n'
    '    "issued_at": "<RFC3339 time>",\n'
    '    "refresh_token": "<refresh token, if access_type=offline or grant_type=refresh_token>"\n'
    "}"
)

OAUTH_ERROR_BODY = '{\n    "error": "invalid_grant",\n    "error_description": "<why>"\n}'

ERRORS_BODY = '{\n    "errors": [\n        {\n            "code": <error code>,\n            "message": "<error message>",\n            "detail": ...\n        }\n    ]\n}'

TOKEN = RouteDescriptor(
    name=ROUTE_NAME_TOKEN,
    path="/token",
    entity="Token",
    description=(
        "The token service a registry's bearer challenge points at (its `realm`). It authenticates "
        "the client, decides which of the requested actions it may perform, and answers a signed "
        "token (jwt.md) whose `access` claim lists them; the registry verifies the token and its "
        "`access` on every request."
    ),
    methods=(
        MethodDescriptor(
            method="GET",
            description="Request a bearer token (token.md).",
            requests=(
                RequestDescriptor(
                    name="Token",
                    description=(
                        "Ask for a token for the given service and scopes. With basic credentials the "
                        "token is the account's; without, it is anonymous. The token grants the "
                        "intersection of the requested actions and what the account may do, possibly "
                        "none: a request is never refused for asking too much."
                    ),
                    headers=(BASIC_AUTH_HEADER,),
                    query_parameters=(
                        SERVICE_PARAMETER,
                        SCOPE_PARAMETER,
                        ACCOUNT_PARAMETER,
                        CLIENT_ID_PARAMETER,
                        OFFLINE_TOKEN_PARAMETER,
                    ),
                    successes=(
                        ResponseDescriptor(
                            name="Token Issued",
                            description="The token, its lifetime and when it was issued.",
                            status_code=200,
                            headers=(JSON_CONTENT_TYPE,),
                            body=BodyDescriptor(content_type="application/json", format=TOKEN_RESPONSE_BODY),
                        ),
                    ),
                    failures=(
                        ResponseDescriptor(
                            name="Bad Credentials",
                            description="The basic credentials are not those of a known account.",
                            status_code=401,
                            headers=(BASIC_CHALLENGE_HEADER, JSON_CONTENT_TYPE),
                            error_codes=(errors.UNAUTHORIZED,),
                            body=BodyDescriptor(content_type="application/json", format=ERRORS_BODY),
                        ),
                        ResponseDescriptor(
                            name="Invalid Request",
                            description="A scope does not follow the grammar, or the service is not one this server issues tokens for.",
                            status_code=400,
                            headers=(JSON_CONTENT_TYPE,),
                            error_codes=(errors.INVALID_REQUEST,),
                            body=BodyDescriptor(content_type="application/json", format=ERRORS_BODY),
                        ),
                    ),
                ),
            ),
        ),
        MethodDescriptor(
            method="POST",
            description="Request a token with OAuth2 (oauth.md): the password or the refresh token grant.",
            requests=(
                RequestDescriptor(
                    name="OAuth2 Token",
                    description=(
                        "`grant_type=password` authenticates with `username` and `password` "
                        "(`access_type=offline` also returns a refresh token); `grant_type=refresh_token` "
                        "with a `refresh_token` an earlier answer gave. `service` and `client_id` are "
                        "required, `scope` is optional."
                    ),
                    body=BodyDescriptor(content_type=FORM, format=OAUTH_REQUEST_BODY),
                    successes=(
                        ResponseDescriptor(
                            name="Token Issued",
                            description="The access token, the scopes it grants, its lifetime, and a refresh token when asked for.",
                            status_code=200,
                            headers=(JSON_CONTENT_TYPE,),
                            body=BodyDescriptor(content_type="application/json", format=OAUTH_RESPONSE_BODY),
                        ),
                    ),
                    failures=(
                        ResponseDescriptor(
                            name="OAuth2 Error",
                            description=(
                                "RFC 6749 section 5.2: `invalid_request` (a missing field, a bad scope or "
                                "service), `invalid_grant` (wrong password, bad or expired refresh token), "
                                "`unsupported_grant_type`."
                            ),
                            status_code=400,
                            headers=(JSON_CONTENT_TYPE,),
                            body=BodyDescriptor(content_type="application/json", format=OAUTH_ERROR_BODY),
                        ),
                    ),
                ),
            ),
        ),
    ),
)

ROUTE_DESCRIPTORS = (TOKEN,)

# the registry's challenge and authorization headers, reused for the docs of the flow
REGISTRY_HEADERS = (AUTH_CHALLENGE_HEADER, AUTH_HEADER)
