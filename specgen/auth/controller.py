"""The access controller: an ASGI app in front of the registry app that lets a request through
only when its caller may do what the request needs (``specgen.auth.access``).

- ``BasicPolicy``: htpasswd users and access rules. No or wrong credentials where they are needed:
  ``401 UNAUTHORIZED`` with ``WWW-Authenticate: Basic realm="..."``; a known user without the right:
  ``403 DENIED``.
- ``TokenPolicy``: bearer tokens verified as distribution does. No, a bad or an expired token, or
  one not granting what the request needs: ``401 UNAUTHORIZED`` with ``WWW-Authenticate: Bearer
  realm="...",service="...",scope="..."`` (``error="invalid_token"`` / ``"insufficient_scope"``
  as RFC 6750 says), exactly as distribution answers.

A request let through carries its ``Caller`` in the ASGI scope (``scope[CALLER]``), so a handler
can ask what else the caller may do (the mount's source repository).
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from specgen.auth.access import Needs, needs
from specgen.auth.caller import CALLER, Caller
from specgen.auth.htpasswd import Htpasswd
from specgen.auth.keys import TrustedKeys
from specgen.auth.rules import Rules
from specgen.auth.scopes import Access, challenge_scope
from specgen.auth.tokens import LEEWAY, Claims, InvalidToken, verify
from specgen.distribution.router import Router
from specgen.model import DescriptorSet
from specgen.server.runtime import resolve_request

log = logging.getLogger("specgen.auth")

#: Verified tokens remembered per process (least recently used dropped first).
CACHE_SIZE = 4096


@dataclass
class Refusal:
    status: int  # 401 or 403
    challenge: str | None
    code: str
    message: str
    detail: Any = None


def quote(value: str) -> str:
    """An RFC 7230 quoted-string."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _authorization(headers: dict[str, str], scheme: str) -> str | None:
    value = headers.get("authorization")
    if value is None:
        return None
    given, _, credentials = value.partition(" ")
    return credentials.strip() if given.lower() == scheme else None


def _detail(accesses: tuple[Access, ...]) -> list[dict[str, str]] | None:
    """distribution's error detail: one access record per action (``null`` for none)."""
    return [{"Type": a.type, "Class": "", "Name": a.name, "Action": act} for a in accesses for act in a.actions] or None


class BasicPolicy:
    def __init__(self, users: Htpasswd, rules: Rules, realm: str):
        self.users, self.rules, self.realm = users, rules, realm

    def challenge(self) -> str:
        return f"Basic realm={quote(self.realm)}"

    def decide(self, headers: dict[str, str], need: Needs, base: bool) -> Caller | Refusal:
        user: str | None = None
        credentials = _authorization(headers, "basic")
        if credentials is not None:
            try:
                name, sep, password = base64.b64decode(credentials, validate=True).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                name, sep, password = "", "", ""
            if not sep or not self.users.check(name, password):
                return Refusal(401, self.challenge(), "UNAUTHORIZED", "invalid username or password")
            user = name
        if user is None and (base or not all(self._granted(None, a) for a in need.required)):
            return Refusal(401, self.challenge(), "UNAUTHORIZED", "authentication required", _detail(need.required))
        if not all(self._granted(user, a) for a in need.required):
            return Refusal(403, None, "DENIED", "requested access to the resource is denied", _detail(need.required))
        rules = self.rules
        return Caller(user, lambda t, n, a: rules.may(user, t, n, a))

    def _granted(self, user: str | None, access: Access) -> bool:
        return self.rules.granted(user, access) == access.actions


class TokenPolicy:
    def __init__(self, trusted: TrustedKeys, *, realm: str, service: str, issuer: str):
        self.trusted, self.realm, self.service, self.issuer = trusted, realm, service, issuer
        self._cache: OrderedDict[str, Claims] = OrderedDict()

    def challenge(self, need: Needs, error: str | None = None) -> str:
        parts = [f"realm={quote(self.realm)}", f"service={quote(self.service)}"]
        scope = challenge_scope(list(need.required + need.optional))
        if scope:
            parts.append(f"scope={quote(scope)}")
        if error:
            parts.append(f"error={quote(error)}")
        return "Bearer " + ",".join(parts)

    def _verified(self, token: str) -> Claims:
        """``verify``, remembered: a client sends the same token on many requests, and checking its
        chain and signature costs far more than the request (~0.7 ms). A remembered token is
        still refused once it expires."""
        hit = self._cache.get(token)
        if hit is not None:
            if time.time() <= hit.expires + LEEWAY:
                self._cache.move_to_end(token)
                return hit
            del self._cache[token]
        claims = verify(token, self.trusted, issuer=self.issuer, service=self.service)
        self._cache[token] = claims
        if len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        return claims

    def decide(self, headers: dict[str, str], need: Needs, base: bool) -> Caller | Refusal:
        token = _authorization(headers, "bearer")
        detail = _detail(need.required + need.optional)
        if token is None:
            return Refusal(401, self.challenge(need), "UNAUTHORIZED", "authentication required", detail)
        try:
            claims = self._verified(token)
        except InvalidToken as exc:  # as distribution: the reason goes to the log, not the client
            log.info("token refused: %s", exc)
            return Refusal(
                401, self.challenge(need, "invalid_token"), "UNAUTHORIZED", "authentication required", detail
            )
        for access in need.required:
            for action in access.actions:
                if not claims.grants(access.type, access.name, action):
                    return Refusal(
                        401,
                        self.challenge(need, "insufficient_scope"),
                        "UNAUTHORIZED",
                        "authentication required",
                        detail,
                    )
        return Caller(claims.subject or None, claims.grants)


Policy = BasicPolicy | TokenPolicy


class AccessController:
    """ASGI app: ``policy`` decides each request routed to ``dset``'s routes before ``app`` sees it."""

    def __init__(self, app: Any, dset: DescriptorSet, policy: Policy):
        self.app, self.policy = app, policy
        # the app's own router where it has one, so a request is resolved once for every layer
        self.router = getattr(app, "router", None) or Router(dset)

    async def __call__(self, scope: dict, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        answer = resolve_request(self.router, scope)
        if answer.status != 200 or answer.match is None:
            return await self.app(scope, receive, send)  # 301 and 404 need no identity
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True))
        route = answer.match.route
        need = needs(route.name, scope["method"], answer.match.variables, query)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", ())}
        verdict = self.policy.decide(headers, need, base=not need.required)
        if isinstance(verdict, Caller):
            scope[CALLER] = verdict
            return await self.app(scope, receive, send)
        await _refuse(scope, send, verdict)


async def _refuse(scope: dict, send, refusal: Refusal) -> None:
    body = json.dumps(
        {"errors": [{"code": refusal.code, "message": refusal.message, "detail": refusal.detail}]}
    ).encode()
    headers = [
        (b"content-type", b"application/json; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        (b"docker-distribution-api-version", b"registry/2.0"),
    ]
    if refusal.challenge:
        headers.append((b"www-authenticate", refusal.challenge.encode("latin-1", "replace")))
    await send({"type": "http.response.start", "status": refusal.status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})
