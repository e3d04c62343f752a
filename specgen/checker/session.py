"""HTTP for the checker: an httpx client that authenticates the way registries ask (basic, or a
bearer token fetched from the challenge's realm/service/scope) and records each exchange."""

from __future__ import annotations

import re
import time
from collections.abc import Generator, Mapping
from urllib.parse import urljoin

import httpx

from specgen.checker.results import Record
from specgen.checker.validate import Exchange
from specgen.errors import UserError

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
    """Answers 401 challenges: Basic with the user's credentials, Bearer by asking the challenge's
    realm for a token (with basic credentials when given, as the token spec says); a fixed
    ``token`` is sent from the start. Tokens are cached per (realm, service, scope)."""

    requires_response_body = True

    def __init__(self, user: str | None = None, password: str | None = None, token: str | None = None) -> None:
        self.user, self.password, self.token = user, password, token
        self._tokens: dict[tuple[str, str, str], str] = {}
        self._last: str | None = None  # the latest bearer token, sent up front to save a round trip
        self._basic = False

    def _basic_header(self) -> str:
        return httpx.BasicAuth(self.user or "", self.password or "")._auth_header

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self.token:
            request.headers["Authorization"] = f"Bearer {self.token}"
        elif self._basic and self.user is not None:
            request.headers["Authorization"] = self._basic_header()
        elif self._last:
            request.headers["Authorization"] = f"Bearer {self._last}"
        sent = request.headers.get("Authorization")
        response = yield request
        if response.status_code != 401 or self.token:
            return
        scheme, params = parse_challenge(response.headers.get("WWW-Authenticate", ""))
        if scheme == "basic" and self.user is not None and not self._basic:
            self._basic = True
            request.headers["Authorization"] = self._basic_header()
            yield request
        elif scheme == "bearer" and "realm" in params:
            key = (params["realm"], params.get("service", ""), params.get("scope", ""))
            token = self._tokens.get(key)
            if token is None or sent == f"Bearer {token}":  # none yet, or it no longer suffices
                query = {k: v for k, v in (("service", key[1]), ("scope", key[2])) if v}
                token_request = httpx.Request("GET", key[0], params=query)
                if self.user is not None:
                    token_request.headers["Authorization"] = self._basic_header()
                token_response = yield token_request
                try:
                    data = token_response.json()
                    token = data.get("token") or data.get("access_token")
                except ValueError:
                    token = None
                if token_response.status_code != 200 or not token:
                    yield request  # end on the registry's own 401, not the token service's answer
                    return
                self._tokens[key] = token
            self._last = token
            request.headers["Authorization"] = f"Bearer {token}"
            yield request


def redact(headers: Mapping[str, str] | httpx.Headers) -> list[tuple[str, str]]:
    items = headers.multi_items() if isinstance(headers, httpx.Headers) else list(headers.items())
    return [(k, REDACTED if k.lower() in _SECRET_HEADERS else v) for k, v in items]


class Session:
    """One base URL; ``send`` performs a request and returns (Exchange for validate, Record)."""

    def __init__(
        self,
        base_url: str,
        *,
        user: str | None = None,
        password: str | None = None,
        token: str | None = None,
        insecure: bool = False,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.auth = RegistryAuth(user, password, token)
        # identity: bodies are checked byte for byte against Content-Length and digests
        self.client = httpx.Client(
            auth=self.auth,
            verify=not insecure,
            timeout=timeout,
            transport=transport,
            follow_redirects=False,
            headers={"User-Agent": "specgen-check", "Accept-Encoding": "identity"},
        )

    def url(self, path_or_url: str) -> str:
        if path_or_url.startswith(("http://", "https://")):
            return path_or_url
        return urljoin(self.base_url + "/", path_or_url.lstrip("/")) if path_or_url else self.base_url

    def send(
        self,
        method: str,
        path_or_url: str,
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        auth: bool = True,
    ) -> tuple[Exchange, Record]:
        url = self.url(path_or_url)
        request = self.client.build_request(method, url, headers=dict(headers or {}), content=body)
        start = time.monotonic()
        try:
            response = self.client.send(request, auth=self.auth if auth else None)
        except (httpx.RemoteProtocolError, httpx.DecodingError, httpx.ReadError) as exc:
            # the server took the request and broke the answer: its failure, not the checker's
            raise ProtocolViolation(f"{method} {url}: malformed HTTP response: {type(exc).__name__}: {exc}") from None
        except httpx.HTTPError as exc:
            raise UserError(f"{method} {url}: {type(exc).__name__}: {exc}") from None
        elapsed = time.monotonic() - start
        sent = response.request  # the final request, after any auth round trip
        content = response.content
        exchange = Exchange(
            method, str(sent.url), dict(sent.headers), response.status_code, dict(response.headers), content, body
        )
        record = Record(
            method,
            str(sent.url.copy_with(username=None, password=None)),
            redact(sent.headers),
            body or b"",
            response.status_code,
            redact(response.headers),
            content,
            elapsed=elapsed,
        )
        return exchange, record

    def close(self) -> None:
        self.client.close()
