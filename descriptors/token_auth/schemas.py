"""JSON Schemas (Draft 2020-12) of the token service's bodies and of the token's claim set,
written from distribution's docs/spec/auth/token.md, oauth.md and jwt.md."""

from __future__ import annotations

from typing import Any

from specgen.bodies import errors_schema

DIALECT = "https://json-schema.org/draft/2020-12/schema"

_ACCESS_ENTRY: dict[str, Any] = {
    "type": "object",
    "properties": {
        "type": {"type": "string"},
        "name": {"type": "string"},
        "actions": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["type", "name", "actions"],
}

#: token.md "Token Response Fields".
TOKEN_RESPONSE_SCHEMA: dict[str, Any] = {
    "$schema": DIALECT,
    "type": "object",
    "properties": {
        "token": {"type": "string"},
        "access_token": {"type": "string"},
        "expires_in": {"type": "integer", "minimum": 1},
        "issued_at": {"type": "string"},
        "refresh_token": {"type": "string"},
    },
    "required": ["token"],
}

#: oauth.md "Token Response Fields".
OAUTH_TOKEN_RESPONSE_SCHEMA: dict[str, Any] = {
    "$schema": DIALECT,
    "type": "object",
    "properties": {
        "access_token": {"type": "string"},
        "scope": {"type": "string"},
        "expires_in": {"type": "integer", "minimum": 1},
        "issued_at": {"type": "string"},
        "refresh_token": {"type": "string"},
    },
    "required": ["access_token"],
}

#: RFC 6749 section 5.2, the error body of the OAuth2 endpoint.
OAUTH_ERROR_SCHEMA: dict[str, Any] = {
    "$schema": DIALECT,
    "type": "object",
    "properties": {
        "error": {
            "type": "string",
            "enum": ["invalid_request", "invalid_client", "invalid_grant", "unauthorized_client",
                     "unsupported_grant_type", "invalid_scope"],
        },
        "error_description": {"type": "string"},
    },
    "required": ["error"],
}

#: jwt.md: the claim set of the token (not a body of the API; the registry reads it).
CLAIM_SET_SCHEMA: dict[str, Any] = {
    "$schema": DIALECT,
    "type": "object",
    "properties": {
        "iss": {"type": "string"},
        "sub": {"type": "string"},
        "aud": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
        "exp": {"type": "integer"},
        "nbf": {"type": "integer"},
        "iat": {"type": "integer"},
        "jti": {"type": "string"},
        "access": {"type": "array", "items": _ACCESS_ENTRY},
    },
    "required": ["iss", "aud", "exp", "access"],
}

SCHEMAS: dict[str, Any] = {
    "errors": errors_schema(()),
    "token": TOKEN_RESPONSE_SCHEMA,
    "oauth_token": OAUTH_TOKEN_RESPONSE_SCHEMA,
    "oauth_error": OAUTH_ERROR_SCHEMA,
    "claim_set": CLAIM_SET_SCHEMA,
}
