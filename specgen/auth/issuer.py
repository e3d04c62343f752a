"""The token service (distribution's docs/spec/auth/token.md and oauth.md) as a backend of the
``token_auth`` set's generated stub: ``TokenService`` implements its handler interface, ``Issuer``
decides and signs.

A token grants the intersection of what was asked and what the account may do under the access
rules (``specgen.auth.rules``), possibly nothing; a request is never refused for asking too much.
Without credentials the token is anonymous (what the rules give ``anonymous: true``). Refresh
tokens are JWTs too, signed by the same key for an audience only this issuer accepts, so every
worker and every restart with the same key honours them.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import jwt

from specgen.auth.htpasswd import Htpasswd
from specgen.auth.keys import SigningKey
from specgen.auth.rules import Rules
from specgen.auth.scopes import Access, ScopeError, parse_many
from specgen.auth.tokens import LEEWAY, mint
from specgen.server.runtime import APIError, Response

#: Lifetime of an access token when none is configured (token.md: at least 60 s).
DEFAULT_LIFETIME = 300
REFRESH_LIFETIME = 24 * 3600
#: The largest OAuth2 form body read.
FORM_LIMIT = 64 << 10


@dataclass
class Grant:
    token: str
    expires_in: int
    issued_at: str
    access: list[Access]


class Issuer:
    def __init__(
        self,
        key: SigningKey,
        *,
        issuer: str,
        users: Htpasswd | None,
        rules: Rules,
        services: tuple[str, ...] = (),
        lifetime: int = DEFAULT_LIFETIME,
        realm: str = "specgen token server",
    ):
        self.key, self.issuer, self.users, self.rules = key, issuer, users, rules
        self.services, self.lifetime, self.realm = services, lifetime, realm

    def authenticate(self, user: str, password: str) -> bool:
        return self.users is not None and self.users.check(user, password)

    def service(self, asked: str | None) -> str:
        """The audience of the token: the service asked for, which must be one we serve."""
        if asked:
            if self.services and asked not in self.services:
                raise ValueError(f"unknown service {asked!r}")
            return asked
        if len(self.services) == 1:
            return self.services[0]
        raise ValueError("missing service")

    def granted(self, user: str | None, asked: list[Access]) -> list[Access]:
        out = []
        for access in asked:
            actions = self.rules.granted(user, access)
            if actions:
                out.append(access._replace(actions=actions))
        return out

    def issue(self, user: str | None, service: str, asked: list[Access]) -> Grant:
        now = int(time.time())
        access = self.granted(user, asked)
        token = mint(
            self.key,
            issuer=self.issuer,
            audience=service,
            subject=user or "",
            access=access,
            lifetime=self.lifetime,
            now=now,
        )
        issued = datetime.datetime.fromtimestamp(now, datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return Grant(token, self.lifetime, issued, access)

    # refresh tokens: the account, for this issuer only
    def refresh_token(self, user: str) -> str:
        return mint(
            self.key,
            issuer=self.issuer,
            audience=self._refresh_audience,
            subject=user,
            access=[],
            lifetime=REFRESH_LIFETIME,
        )

    def refresh_user(self, token: str) -> str:
        try:
            claims = jwt.decode(
                token,
                self.key.private_key.public_key(),
                algorithms=[self.key.alg],
                audience=self._refresh_audience,
                issuer=self.issuer,
                leeway=LEEWAY,
            )
        except jwt.PyJWTError as exc:
            raise ValueError(f"invalid refresh token: {exc}") from None
        user = claims.get("sub")
        if not user or self.users is None or user not in self.users.entries:
            raise ValueError("invalid refresh token: unknown account")
        return str(user)

    @property
    def _refresh_audience(self) -> str:
        return self.issuer + "#refresh"


def _basic(value: str | None) -> tuple[str, str] | None:
    if not value:
        return None
    scheme, _, encoded = value.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, sep, password = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return ("", "")
    return (user, password) if sep else ("", "")


class TokenService:
    """The handler interface of ``build/token_auth/server``: ``token`` (GET) and ``oauth2_token``
    (POST)."""

    def __init__(self, issuer: Issuer):
        self.issuer = issuer

    def _unauthorized(self, message: str) -> APIError:
        return APIError(
            "UNAUTHORIZED", message=message, headers={"WWW-Authenticate": f'Basic realm="{self.issuer.realm}"'}
        )

    async def token(self, request: Any) -> Response:
        await request.drain()
        credentials = _basic(request.headers.get("authorization"))
        user = None
        if credentials is not None:
            if not self.issuer.authenticate(*credentials):
                raise self._unauthorized("invalid username or password")
            user = credentials[0]
        account = request.query("account")
        if account and user is not None and account != user:
            raise self._unauthorized("account does not match the credentials")
        try:
            service = self.issuer.service(request.query("service"))
            asked = parse_many([v for k, v in request.query_params if k == "scope"])
        except (ValueError, ScopeError) as exc:
            raise APIError("INVALID_REQUEST", message=str(exc)) from None
        grant = self.issuer.issue(user, service, asked)
        body: dict[str, Any] = {
            "token": grant.token,
            "access_token": grant.token,
            "expires_in": grant.expires_in,
            "issued_at": grant.issued_at,
        }
        if user is not None and (request.query("offline_token") or "").lower() == "true":
            body["refresh_token"] = self.issuer.refresh_token(user)
        return Response.json(body, headers={"Cache-Control": "no-store"})

    async def oauth2_token(self, request: Any) -> Response:
        raw = await request.read(FORM_LIMIT)
        form = dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
        grant_type = form.get("grant_type")
        refresh = None
        if grant_type == "password":
            user, password = form.get("username", ""), form.get("password", "")
            if not user or not self.issuer.authenticate(user, password):
                return _oauth_error("invalid_grant", "invalid username or password")
            if form.get("access_type") == "offline":
                refresh = self.issuer.refresh_token(user)
        elif grant_type == "refresh_token":
            try:
                user = self.issuer.refresh_user(form.get("refresh_token", ""))
            except ValueError as exc:
                return _oauth_error("invalid_grant", str(exc))
            refresh = self.issuer.refresh_token(user)
        else:
            return _oauth_error("unsupported_grant_type", f"grant_type {grant_type!r} (want password or refresh_token)")
        if not form.get("client_id"):
            return _oauth_error("invalid_request", "missing client_id")
        try:
            service = self.issuer.service(form.get("service"))
            asked = parse_many([form["scope"]] if form.get("scope") else [])
        except (ValueError, ScopeError) as exc:
            return _oauth_error("invalid_request", str(exc))
        grant = self.issuer.issue(user, service, asked)
        body: dict[str, Any] = {
            "access_token": grant.token,
            "scope": " ".join(str(a) for a in grant.access),
            "expires_in": grant.expires_in,
            "issued_at": grant.issued_at,
        }
        if refresh:
            body["refresh_token"] = refresh
        return Response.json(body, headers={"Cache-Control": "no-store"})


def _oauth_error(error: str, description: str) -> Response:
    return Response.json(
        {"error": error, "error_description": description}, status=400, headers={"Cache-Control": "no-store"}
    )
