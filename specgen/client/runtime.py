"""What every generated client runs on: one ``httpx.Client`` (connection reuse, streaming both
ways), authentication, timeouts, and retries with backoff.

Retry policy: a connection that could not be opened, and a 429 or 503 answer (the server refused
the request without applying it), are retried with exponential backoff (``Retry-After`` honoured).
A request that failed after it was sent (read error, dropped connection) is retried only when its
method is idempotent (GET, HEAD, PUT, DELETE, OPTIONS): a POST or PATCH may have been applied.
A body that cannot be replayed (a one-shot iterator) is never sent twice.
"""

from __future__ import annotations

import io
import os
import re
import ssl
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any, ClassVar, Union
from urllib.parse import quote, urljoin

import httpx

from specgen.client.auth import RegistryAuth
from specgen.client.errors import APIError, ClientError, raise_for

IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
RETRY_STATUSES = frozenset({429, 503})

#: what a request body may be: bytes, a binary file, an iterable of bytes, or a zero-argument
#: callable returning one of those (a callable or a seekable file can be replayed on retry)
Body = Union[bytes, bytearray, memoryview, IO[bytes], Iterable[bytes], Callable[[], Any], None]
Progress = Callable[[int, "int | None"], None]


class TransportError(ClientError):
    """The registry could not be reached or the connection broke (after any retries)."""

    def __init__(self, message: str, *, cause: Exception | None = None, sent: bool = False) -> None:
        super().__init__(message)
        self.cause = cause
        #: True when the request may have reached the server before the failure
        self.sent = sent


@dataclass(frozen=True)
class Operation:
    """One request descriptor, as the generated client needs it at run time."""

    name: str  # python method name
    route: str  # route descriptor name
    method: str  # HTTP method
    request: str  # request descriptor name ("" when unnamed)
    template: str  # "/v2/{name}/blobs/{digest}"
    variables: tuple[str, ...]
    regex: re.Pattern[str]  # full match on the unquoted path
    successes: tuple[int, ...]
    default_content_type: str | None = None

    def path(self, variables: Mapping[str, Any]) -> str:
        """The URL path with ``variables`` substituted, checked against the route's pattern."""
        raw = self.template.format(**{k: str(variables[k]) for k in self.variables})
        if not self.regex.fullmatch(raw):
            shown = ", ".join(f"{k}={variables[k]!r}" for k in self.variables)
            raise ValueError(f"{self.name}: {shown} do not fit the route path {self.template}")
        return self.template.format(**{k: quote(str(variables[k]), safe="/:@+") for k in self.variables})


@dataclass
class Result:
    """A success: status, the declared headers (as typed attributes of the generated subclass),
    the parsed body (JSON decoded, else bytes; ``None`` when streamed) and the raw response."""

    status: int = 0
    body: Any = None
    content: bytes | None = None
    response: httpx.Response | None = field(default=None, repr=False)

    #: (attribute, header name, type) of each declared header; filled by generated subclasses
    HEADERS: ClassVar[tuple[tuple[str, str, str], ...]] = ()

    @property
    def headers(self) -> httpx.Headers:
        return self.response.headers if self.response is not None else httpx.Headers()

    def iter_bytes(self, chunk_size: int | None = None) -> Iterator[bytes]:
        """The body of a streamed result (``stream=True``), then the connection is released."""
        assert self.response is not None
        try:
            yield from self.response.iter_bytes(chunk_size)
        finally:
            self.response.close()

    def close(self) -> None:
        if self.response is not None:
            self.response.close()

    @classmethod
    def from_response(cls, response: httpx.Response, *, stream: bool) -> Result:
        values: dict[str, Any] = {}
        for attr, header, kind in cls.HEADERS:
            raw = response.headers.get(header)
            if raw is not None and kind == "integer":
                try:
                    values[attr] = int(raw)
                except ValueError:
                    values[attr] = None
            else:
                values[attr] = raw
        body: Any = None
        content: bytes | None = None
        if not stream:
            content = response.content
            body = content
            ctype = response.headers.get("content-type", "").split(";")[0].strip().lower()
            if content and (ctype == "application/json" or ctype.endswith("+json")):
                try:
                    body = response.json()
                except ValueError:
                    body = content
        return cls(status=response.status_code, body=body, content=content, response=response, **values)


class _Replayable:
    """A request body that knows whether and how it can be produced again."""

    def __init__(self, body: Body, progress: Progress | None, total: int | None) -> None:
        self._body = body
        self._progress = progress
        self.total = total
        self._used = False
        self._start: int | None = None
        if hasattr(body, "read") and hasattr(body, "seek"):
            try:
                self._start = body.tell()  # type: ignore[union-attr]
            except (OSError, ValueError):
                self._start = None
        if self.total is None:
            self.total = _length(body)

    @property
    def replayable(self) -> bool:
        b = self._body
        return (
            b is None
            or isinstance(b, (bytes, bytearray, memoryview))
            or callable(b)
            or self._start is not None
            or not self._used
        )

    def content(self) -> Any:
        b = self._body
        if self._used and self._start is not None:
            b.seek(self._start)  # type: ignore[union-attr]
        self._used = True
        if callable(b) and not hasattr(b, "read"):
            b = b()
        if b is None:
            return None
        if isinstance(b, (bytes, bytearray, memoryview)):
            data = bytes(b)
            if self._progress is None:
                return data
            b = [data]
        elif hasattr(b, "read"):
            b = _file_chunks(b)  # type: ignore[arg-type]
        return self._counted(iter(b))

    def _counted(self, chunks: Iterator[bytes]) -> Iterator[bytes]:
        done = 0
        for chunk in chunks:
            if chunk:
                yield chunk
                done += len(chunk)
                if self._progress is not None:
                    self._progress(done, self.total)


def _file_chunks(f: IO[bytes], size: int = 1 << 20) -> Iterator[bytes]:
    while True:
        chunk = f.read(size)
        if not chunk:
            return
        yield chunk


def _length(body: Body) -> int | None:
    if body is None:
        return 0
    if isinstance(body, (bytes, bytearray, memoryview)):
        return len(body)
    if hasattr(body, "fileno") and hasattr(body, "tell"):
        try:
            return os.fstat(body.fileno()).st_size - body.tell()
        except (OSError, ValueError, io.UnsupportedOperation):
            return None
    return None


class Transport:
    """One HTTP connection pool plus auth and the retry policy, shared by the layers above."""

    def __init__(
        self,
        base_url: str,
        *,
        username: str | None = None,
        password: str | None = None,
        auth: RegistryAuth | None = None,
        verify: bool | str = True,
        timeout: float | httpx.Timeout = 30.0,
        retries: int = 3,
        backoff: float = 0.25,
        max_backoff: float = 8.0,
        http: httpx.Client | None = None,
        headers: Mapping[str, str] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.auth = auth if auth is not None else RegistryAuth(username, password)
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self._sleep = sleep
        self._own_http = http is None
        self.verify = verify
        seconds = timeout if isinstance(timeout, (int, float)) else None
        self.connect_timeout = seconds if seconds is not None else getattr(timeout, "connect", None)
        self.read_timeout = seconds if seconds is not None else getattr(timeout, "read", None)
        self._wire: Any = None
        trust: bool | ssl.SSLContext = (
            ssl.create_default_context(cafile=os.fspath(verify)) if isinstance(verify, (str, os.PathLike)) else verify
        )  # a CA bundle
        self.http = (
            http
            if http is not None
            else httpx.Client(
                verify=trust,
                timeout=timeout,
                follow_redirects=False,
                headers={"User-Agent": "specgen-client", **(headers or {})},
            )
        )

        self._made_http = self.http

    @property
    def wire(self) -> Any:
        """The socket-level path for blob bodies (``specgen.client.wire.Wire``), or ``None`` when
        requests must go through ``http`` (one passed in or swapped, e.g. a mock transport)."""
        if self.http is not self._made_http or not self._own_http or _proxied(self.base_url):
            return None
        if self._wire is None:
            from specgen.client.wire import Wire

            self._wire = Wire(self)
        return self._wire

    def close(self) -> None:
        if self._wire is not None:
            self._wire.close()
        if self._own_http:
            self.http.close()

    def url(self, path_or_url: str) -> str:
        return urljoin(self.base_url + "/", path_or_url)

    def _delay(self, attempt: int, response: httpx.Response | None = None) -> float:
        if response is not None:
            after = response.headers.get("retry-after", "")
            if after.isdigit():
                return min(float(after), self.max_backoff)
        return min(self.backoff * (2**attempt), self.max_backoff)

    def send(
        self,
        method: str,
        url: str,
        *,
        params: Sequence[tuple[str, str]] = (),
        headers: Mapping[str, str] | None = None,
        body: Body = None,
        content_length: int | None = None,
        progress: Progress | None = None,
        stream: bool = False,
        follow_redirects: bool | None = None,
    ) -> httpx.Response:
        """Send one request, authenticating and retrying as the policy allows.

        The response is returned unread when ``stream`` is true (close it), else read.
        """
        method = method.upper()
        idempotent = method in IDEMPOTENT
        payload = _Replayable(body, progress, content_length)
        attempt, auth_tries = 0, 0
        if follow_redirects is None:
            follow_redirects = method in ("GET", "HEAD")
        while True:
            hdrs = dict(headers or {})
            hdrs.update({k: v for k, v in self.auth.headers().items() if k not in hdrs})
            if body is not None and payload.total is not None:
                hdrs.setdefault("Content-Length", str(payload.total))
            target = httpx.URL(self.url(url))
            if params:  # keep the query a Location carries (e.g. distribution's _state)
                target = target.copy_merge_params(list(params))
            request = self.http.build_request(method, target, headers=hdrs, content=payload.content())
            try:
                response = self.http.send(request, stream=True, follow_redirects=follow_redirects)
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
                if attempt < self.retries and payload.replayable:
                    self._sleep(self._delay(attempt))
                    attempt += 1
                    continue
                raise TransportError(f"{method} {request.url}: cannot connect: {exc}", cause=exc) from exc
            except httpx.TransportError as exc:
                if idempotent and attempt < self.retries and payload.replayable:
                    self._sleep(self._delay(attempt))
                    attempt += 1
                    continue
                raise TransportError(
                    f"{method} {request.url}: connection failed: {exc!r}", cause=exc, sent=True
                ) from exc
            if response.status_code == 401 and auth_tries < 2 and payload.replayable:
                response.read()
                if self.auth.handle_401(response, self.http, hdrs.get("Authorization")):
                    auth_tries += 1
                    response.close()
                    continue
                return response
            if response.status_code in RETRY_STATUSES and attempt < self.retries and payload.replayable:
                response.read()
                response.close()
                self._sleep(self._delay(attempt, response))
                attempt += 1
                continue
            if not stream:
                try:
                    response.read()
                except httpx.TransportError as exc:
                    raise TransportError(
                        f"{method} {request.url}: reading the response: {exc!r}", cause=exc, sent=True
                    ) from exc
            return response


def _proxied(url: str) -> bool:
    """Whether the environment routes ``url`` through a proxy (httpx follows it; the socket path
    does not speak to proxies, so it steps aside)."""
    import urllib.request
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    proxies = urllib.request.getproxies()
    if not (proxies.get(parts.scheme) or proxies.get("all")):
        return False
    return not urllib.request.proxy_bypass(parts.hostname or "")


class BaseClient:
    """Base of every generated client: holds the transport and turns responses into results."""

    #: error code -> exception class; set by the generated subclass
    ERRORS: ClassVar[dict[str, type[APIError]]] = {}

    def __init__(self, base_url: str | None = None, *, transport: Transport | None = None, **options: Any) -> None:
        if transport is None:
            if base_url is None:
                raise TypeError("give base_url or transport")
            transport = Transport(base_url, **options)
        self.transport = transport

    def close(self) -> None:
        self.transport.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(
        self,
        op: Operation,
        result: type[Result],
        *,
        path: Mapping[str, Any],
        query: Sequence[tuple[str, Any]] = (),
        headers: Sequence[tuple[str, Any]] = (),
        extra_headers: Mapping[str, str] | None = None,
        body: Body = None,
        content_type: str | None = None,
        content_length: int | None = None,
        url: str | None = None,
        stream: bool = False,
        progress: Progress | None = None,
        method: str | None = None,
    ) -> Result:
        target = url if url is not None else op.path(path)
        params = [(k, _qs(v)) for k, v in query if v is not None]
        hdrs = {k: str(v) for k, v in headers if v is not None}
        if content_type is not None:
            hdrs["Content-Type"] = content_type
        hdrs.update(extra_headers or {})
        response = self.transport.send(
            method or op.method,
            target,
            params=params,
            headers=hdrs,
            body=body,
            content_length=content_length,
            progress=progress,
            stream=stream,
        )
        ok = response.status_code in op.successes or 200 <= response.status_code < 300
        if not ok:
            if stream:
                response.read()
                response.close()
            raise_for(response, self.ERRORS)
        return result.from_response(response, stream=stream)


def _qs(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
