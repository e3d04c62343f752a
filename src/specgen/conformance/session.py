"""HTTP for the checker: an httpx client that authenticates the way registries ask (basic, or a
bearer token fetched from the challenge's realm/service/scope) and records each exchange."""

from __future__ import annotations

import re
import time
from collections.abc import Generator, Mapping
from urllib.parse import urljoin

import httpx

from specgen.conformance.results import Record
from specgen.errors import UserError
from specgen.validate import Exchange

REDACTED = "<redacted>"
_SECRET_HEADERS = {"authorization", "proxy-authorization", "cookie", "set-cookie"}
_CHALLENGE_PARAM = re.compile(r'(\w+)="([^"]*)"|(\w+)=([^\s,]+)')


def parse_challenge(header: str) -> tuple[str, dict[str, str]]:
    """``Bearer realm="...",service="..."`` -> ("bearer", {"realm": ..., "service": ...})."""
    scheme, _, rest = header.strip().partition(" ")
    params = {}
    for m in _CHALLENGE_PARAM.finditer(rest):
        key = m.group(1) or m.group(3)
        params[key.lower()] = m.group(2) if m.group(1) else m.group(4)
    return scheme.lower(), params


class ProtocolViolation(Exception):
    """The server broke HTTP itself (e.g. a Content-Length its body does not honour)."""


class RegistryAuth(httpx.Auth):
    """Answers 401 challenges: Basic with the user's credentials, Bearer by asking the realm for a
    token (with basic credentials when given); a fixed ``token`` is sent from the start."""

    requires_response_body = True

    def __init__(self, user: str | None = None, password: str | None = None, token: str | None = None,
                 verify: bool = True) -> None:
        self.user, self.password, self.token = user, password, token
        self.verify = verify
        self._tokens: dict[tuple[str, str, str], str] = {}
        self._basic = False

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self.token:
            request.headers["Authorization"] = f"Bearer {self.token}"
        elif self._basic and self.user is not None:
            request.headers["Authorization"] = httpx.BasicAuth(self.user, self.password or "")._auth_header
        response = yield request
        if response.status_code != 401 or self.token or "Authorization" in request.headers and self._basic:
            return
        header = response.headers.get("WWW-Authenticate", "")
        scheme, params = parse_challenge(header)
        if scheme == "basic" and self.user is not None:
            self._basic = True
            request.headers["Authorization"] = httpx.BasicAuth(self.user, self.password or "")._auth_header
            yield request
        elif scheme == "bearer" and "realm" in params:
            key = (params["realm"], params.get("service", ""), params.get("scope", ""))
            token = self._tokens.get(key) or self._fetch_token(*key)
            if token:
                self._tokens[key] = token
                request.headers["Authorization"] = f"Bearer {token}"
                yield request

    def _fetch_token(self, realm: str, service: str, scope: str) -> str | None:
        query = {k: v for k, v in (("service", service), ("scope", scope)) if v}
        auth = httpx.BasicAuth(self.user, self.password or "") if self.user is not None else None
        try:
            resp = httpx.get(realm, params=query, auth=auth, verify=self.verify, timeout=30)
            data = resp.json()
        except (httpx.HTTPError, ValueError):
            return None
        return data.get("token") or data.get("access_token")


def redact(headers: Mapping[str, str] | httpx.Headers) -> list[tuple[str, str]]:
    items = headers.multi_items() if isinstance(headers, httpx.Headers) else list(headers.items())
    return [(k, REDACTED if k.lower() in _SECRET_HEADERS else v) for k, v in items]


class Session:
    """One base URL; ``send`` performs a request and returns (Exchange for validate, Record)."""

    def __init__(self, base_url: str, *, user: str | None = None, password: str | None = None,
                 token: str | None = None, insecure: bool = False, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.auth = RegistryAuth(user, password, token, verify=not insecure)
        self.client = httpx.Client(auth=self.auth, verify=not insecure, timeout=timeout,
                                   follow_redirects=False, headers={"User-Agent": "specgen-check"})

    def url(self, path_or_url: str) -> str:
        if path_or_url.startswith(("http://", "https://")):
            return path_or_url
        return urljoin(self.base_url + "/", path_or_url.lstrip("/")) if path_or_url else self.base_url

    def send(self, method: str, path_or_url: str, *, headers: Mapping[str, str] | None = None,
             body: bytes | None = None, auth: bool = True) -> tuple[Exchange, Record]:
        url = self.url(path_or_url)
        request = self.client.build_request(method, url, headers=dict(headers or {}), content=body)
        start = time.monotonic()
        try:
            response = self.client.send(request, auth=self.auth if auth else None)
        except (httpx.RemoteProtocolError, httpx.DecodingError) as exc:
            raise ProtocolViolation(f"{method} {url}: malformed HTTP response: {exc}") from None
        except httpx.HTTPError as exc:
            raise UserError(f"{method} {url}: {type(exc).__name__}: {exc}") from None
        elapsed = time.monotonic() - start
        sent = response.request  # the final request, after any auth round trip
        content = response.content
        exchange = Exchange(method, str(sent.url), dict(sent.headers), response.status_code,
                            dict(response.headers), content, body)
        record = Record(method, str(sent.url), redact(sent.headers), body or b"", response.status_code,
                        redact(response.headers), content, elapsed=elapsed)
        return exchange, record

    def close(self) -> None:
        self.client.close()
