"""The registry's bearer tokens (distribution ``docs/spec/auth/jwt.md``): minting, and verifying
as distribution's ``registry/auth/token`` access controller does.

A token is a JWS (RS256/ES256...) whose header carries ``x5c`` (the issuer's certificate chain) and
``kid`` (its libtrust key id); its claims::

    {"iss": issuer, "sub": account, "aud": service, "exp", "nbf", "iat", "jti",
     "access": [{"type": "repository", "name": "samalba/my-app", "actions": ["pull", "push"]}]}

Verification: the issuer must be the trusted one, the audience must contain the service, ``exp`` and
``nbf`` hold within a 60 s leeway, and the signature verifies with the key of the ``x5c`` chain when
it leads to a root certificate, else with the trusted key named by ``kid``.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

import jwt

from specgen.auth.keys import SigningKey, TrustedKeys, algorithm
from specgen.auth.scopes import Access

#: distribution's ``token.Leeway``: clock skew allowed on ``exp`` and ``nbf``.
LEEWAY = 60
#: What distribution's token package accepts.
ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "ES512"]


class InvalidToken(Exception):
    """A token the registry refuses (the reason goes into the challenge's ``error_description``)."""


@dataclass(frozen=True)
class Claims:
    subject: str
    access: tuple[Access, ...]
    expires: int

    def grants(self, type: str, name: str, action: str) -> bool:
        return any(a.type == type and a.name == name and (action in a.actions) for a in self.access)


def mint(
    key: SigningKey,
    *,
    issuer: str,
    audience: str,
    subject: str,
    access: list[Access],
    lifetime: int,
    now: int | None = None,
    extra: dict | None = None,
) -> str:
    """A signed token granting ``access`` to ``subject`` for ``lifetime`` seconds."""
    now = int(time.time()) if now is None else now
    claims = {
        "iss": issuer,
        "sub": subject,
        "aud": audience,
        "exp": now + lifetime,
        "nbf": now - 1,
        "iat": now,
        "jti": secrets.token_urlsafe(16),
        "access": [a.claim() for a in access],
        **(extra or {}),
    }
    headers = {"typ": "JWT", "kid": key.kid, "x5c": key.x5c()}
    return jwt.encode(claims, key.private_key, algorithm=key.alg, headers=headers)


def verify(token: str, trusted: TrustedKeys, *, issuer: str, service: str) -> Claims:
    """The claims of a token the registry accepts; ``InvalidToken`` saying why not."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise InvalidToken(f"malformed token: {exc}") from None
    if header.get("alg") not in ALGORITHMS:
        raise InvalidToken(f"unsupported signing algorithm {header.get('alg')!r}")
    if "x5c" in header:
        try:
            key = trusted.verify_chain(list(header["x5c"]))
        except (ValueError, TypeError) as exc:
            raise InvalidToken(str(exc)) from None
    elif header.get("kid") in trusted.by_kid:
        key = trusted.by_kid[header["kid"]]
    else:
        raise InvalidToken("token signed by an untrusted key (no x5c chain to a root, unknown kid)")
    if algorithm(key)[:2] != header["alg"][:2]:
        raise InvalidToken(f"a {header['alg']} signature cannot come from this key")
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[header["alg"]],
            audience=service,
            issuer=issuer,
            leeway=LEEWAY,
            options={"require": ["iss", "aud", "exp"]},
        )
    except jwt.PyJWTError as exc:
        raise InvalidToken(f"token rejected: {exc}") from None
    access = []
    for entry in claims.get("access") or []:
        try:
            access.append(Access(str(entry["type"]), str(entry["name"]), tuple(map(str, entry["actions"]))))
        except (KeyError, TypeError):
            raise InvalidToken("malformed access claim") from None
    return Claims(str(claims.get("sub", "")), tuple(access), int(claims["exp"]))
