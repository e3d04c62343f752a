"""Registry authentication: anonymous, HTTP basic, and the bearer token flow.

The token flow (Docker's token authentication, as registries use it): a request answered 401 with
``WWW-Authenticate: Bearer realm="...",service="...",scope="..."`` is retried once with a token
fetched by ``GET realm?service=...&scope=...`` (with basic credentials when given). Tokens are
cached per scope until shortly before they expire; the token of the last challenge is sent up
front on the next requests, so a streamed body is normally sent once, already authorised.
"""

from __future__ import annotations

import base64
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from specgen.client.errors import ClientError

_PARAM = re.compile(r'\s*([A-Za-z0-9_.-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*,?')


class AuthError(ClientError):
    """The token endpoint refused us or answered something that is not a token."""


@dataclass(frozen=True)
class Challenge:
    scheme: str  # lower case: "bearer", "basic", ...
    params: dict[str, str]


def parse_challenges(header: str) -> list[Challenge]:
    """Parse a ``WWW-Authenticate`` value (possibly several challenges) into challenges.

    >>> parse_challenges('Bearer realm="https://a/token",service="reg",scope="repository:x:pull"')
    [Challenge(scheme='bearer', params={'realm': 'https://a/token', 'service': 'reg', 'scope': 'repository:x:pull'})]
    """
    out: list[Challenge] = []
    pos = 0
    while pos < len(header):
        m = re.compile(r"\s*,?\s*([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*)").match(header, pos)
        if not m or not m.group(1):
            break
        scheme, pos = m.group(1).lower(), m.end()
        params: dict[str, str] = {}
        while pos < len(header):
            pm = _PARAM.match(header, pos)
            if not pm:
                break
            params[pm.group(1).lower()] = (
                re.sub(r"\\(.)", r"\1", pm.group(2)) if pm.group(2) is not None else pm.group(3)
            )
            pos = pm.end()
        out.append(Challenge(scheme, params))
    return out


def _basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode("ascii")


@dataclass
class _Token:
    value: str
    expires: float


class RegistryAuth:
    """Credentials (or none) and the state of the auth flow for one client.

    ``username``/``password`` are used for HTTP basic when the registry asks for it and to fetch
    bearer tokens; without them the token is fetched anonymously.
    """

    #: seconds before expiry at which a cached token is considered gone
    MARGIN = 10.0

    def __init__(
        self, username: str | None = None, password: str | None = None, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.username = username
        self.password = password
        self._clock = clock
        self._tokens: dict[tuple[str, str, str], _Token] = {}
        self._last: tuple[str, str, str] | None = None
        self._basic_wanted = False
        self._lock = threading.Lock()
        #: how many tokens were fetched (tests read it to prove the cache works)
        self.fetches = 0

    def headers(self) -> dict[str, str]:
        """The Authorization header to send up front, if any."""
        with self._lock:
            if self._last is not None:
                tok = self._tokens.get(self._last)
                if tok is not None and tok.expires > self._clock():
                    return {"Authorization": "Bearer " + tok.value}
            if self._basic_wanted and self.username is not None:
                return {"Authorization": _basic(self.username, self.password or "")}
        return {}

    def handle_401(self, response: httpx.Response, http: httpx.Client, sent: str | None) -> bool:
        """React to a 401: True when a retry with new credentials makes sense.

        ``sent`` is the Authorization header the refused request carried.
        """
        for ch in parse_challenges(response.headers.get("www-authenticate", "")):
            if ch.scheme == "bearer" and "realm" in ch.params:
                key = (ch.params["realm"], ch.params.get("service", ""), ch.params.get("scope", ""))
                with self._lock:
                    tok = self._tokens.get(key)
                    if tok is not None and tok.expires > self._clock() and sent != "Bearer " + tok.value:
                        self._last = key  # cached token for this scope: reuse it
                        return True
                self._fetch(key, http)
                return True
            if ch.scheme == "basic" and self.username is not None:
                if sent is not None and sent.startswith("Basic "):
                    return False  # our credentials were refused
                self._basic_wanted = True
                with self._lock:
                    self._last = None
                return True
        return False

    def _fetch(self, key: tuple[str, str, str], http: httpx.Client) -> None:
        realm, service, scope = key
        params: list[tuple[str, str | int | float | bool | None]] = [("service", service)] if service else []
        params += [("scope", s) for s in scope.split(" ") if s]
        headers = {}
        if self.username is not None:
            headers["Authorization"] = _basic(self.username, self.password or "")
        try:
            resp = http.get(realm, params=params, headers=headers)
        except httpx.HTTPError as exc:
            raise AuthError(f"token endpoint {realm} unreachable: {exc}") from exc
        if resp.status_code != 200:
            raise AuthError(f"token endpoint {realm} answered HTTP {resp.status_code}: {resp.text[:200]}")
        try:
            data = resp.json()
            value = data.get("token") or data.get("access_token")
            lifetime = float(data.get("expires_in") or 60)
        except (ValueError, AttributeError, TypeError):
            value, lifetime = None, 0.0
        if not isinstance(value, str) or not value:
            raise AuthError(f"token endpoint {realm} answered no token")
        with self._lock:
            self.fetches += 1
            self._tokens[key] = _Token(value, self._clock() + max(lifetime - self.MARGIN, 1.0))
            self._last = key
