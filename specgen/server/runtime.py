"""Hand-written runtime shared by every generated server stub: ASGI plumbing, request body
streaming, parameter checks, error envelopes and response sending.

The generated ``routes.py`` is data (``Route``/``Operation``/``Param``); ``App`` interprets it:

    path ──Router (gorilla)──▶ Route ──method──▶ Operation(s) ──discriminators──▶ Operation
         ├─ unclean / other slash form: 301   └─ undeclared: 405 + Allow
         └─ no match: 404                                       └─ checks: 400 with the declared code
    ──▶ typed request ──▶ handlers.<operation.handler>(request) ──▶ Response | APIError ──▶ ASGI

HEAD on a route that declares GET but not HEAD runs the GET operation and drops the body.
Backends build absolute URLs (``Location``) with ``request.urls`` (a ``RegistryURLBuilder`` over
this table's routes at ``request.base_url``, which honours ``Forwarded`` / ``X-Forwarded-*``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable, Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl

from specgen.distribution.registry_urls import RegistryURLBuilder
from specgen.distribution.router import Router
from specgen.distribution.urls import root_from_request

log = logging.getLogger("specgen.server")

#: Size of the pieces a file body is read in when the server offers no zero-copy send.
FILE_CHUNK = 1 << 20
#: A body refused as too large is read and discarded up to this size, so that the client, still
#: sending, gets the answer; past it the connection is closed at once instead.
DRAIN_MAX = 64 << 20
#: ASGI extension (asgiref "Zero Copy Send") that ``specgen.server.uvicorn_zerocopy`` provides.
ZEROCOPY = "http.response.zerocopy"
#: Extension (``specgen.server.uvicorn_zerocopy``) to read a large body straight from the socket.
RAW_BODY = "specgen.raw_body"


#: ASGI scope key of the request's route resolution (see ``resolve_request``).
RESOLUTION = "specgen.resolution"


def resolve_request(router: Router[Any], scope: dict) -> Any:
    """``router``'s resolution of the request in ``scope``, computed once per request: the layers
    in front of the app (access log and metrics, the access controller) and the app itself share
    the app's router, and whichever asks first leaves the answer in the scope for the others."""
    cached = scope.get(RESOLUTION)
    if cached is not None and cached[0] is router:
        return cached[1]
    qs = scope.get("query_string", b"")
    answer = router.resolve(scope["path"], qs.decode("latin-1") if qs else "")
    scope[RESOLUTION] = (router, answer)
    return answer


def tune_malloc() -> None:
    """Keep a long-running server's memory flat with large, short-lived buffers (glibc only):
    few malloc arenas instead of one per thread that ever allocated, and a fixed 1 MiB mmap
    threshold, so big buffers go back to the system when freed instead of raising the threshold
    and staying in the heap."""
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(-8, 2)  # M_ARENA_MAX
        libc.mallopt(-3, 1 << 20)  # M_MMAP_THRESHOLD
    except (OSError, AttributeError):
        pass


#: A Host header fit to put in a URL: reg-name, IPv4 or [IPv6], optional port (RFC 3986 3.2.2).
_HOST = re.compile(r"(?:[A-Za-z0-9._~-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?", re.ASCII)
#: A URL scheme (RFC 3986 3.1), what a forwarded ``proto`` must be to go into a URL.
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*", re.ASCII)


class Param:
    """One declared parameter of a request and how it is checked."""

    __slots__ = ("name", "attr", "location", "required", "integer", "pattern", "error_code", "key")

    def __init__(
        self,
        name: str,
        attr: str,
        location: str,
        *,
        required: bool = False,
        integer: bool = False,
        pattern: str | None = None,
        error_code: str | None = None,
    ):
        self.name, self.attr, self.location = name, attr, location
        self.required, self.integer, self.error_code = required, integer, error_code
        self.pattern = re.compile(pattern, re.ASCII) if pattern else None
        self.key = name.lower() if location == "header" else name


class Operation:
    """One request descriptor: its handler method, request class, parameters and declarations."""

    def __init__(
        self,
        *,
        handler: str,
        request_class: type,
        method: str,
        name: str,
        params: Iterable[Param],
        discriminators: Iterable[str] = (),
        required_discriminators: Iterable[str] = (),
        failure_codes: Mapping[str, int] | Iterable[str] = (),
        success_statuses: Iterable[int] = (),
        failure_statuses: Iterable[int] = (),
    ):
        self.handler, self.request_class, self.method, self.name = handler, request_class, method, name
        self.params = tuple(params)
        self.discriminators = frozenset(discriminators)
        self.required_discriminators = frozenset(required_discriminators)
        #: declared error code → HTTP status of the (first) failure response declaring it
        self.failure_codes = (
            dict(failure_codes) if isinstance(failure_codes, Mapping) else {c: 0 for c in failure_codes}
        )
        self.success_statuses = tuple(success_statuses)
        self.failure_statuses = tuple(failure_statuses)

    def __repr__(self) -> str:
        return f"<Operation {self.method} {self.handler}>"


class Route:
    """One route of the table: its name, gorilla path template (matched by ``Router``), methods."""

    def __init__(self, *, name: str, doc_path: str, path: str, methods: Mapping[str, tuple[Operation, ...]]):
        self.name, self.doc_path, self.path = name, doc_path, path
        self.methods = dict(methods)
        allowed = list(self.methods)
        if "GET" in allowed and "HEAD" not in allowed:
            allowed.append("HEAD")
        self.allow = ", ".join(allowed)

    def operations(self, method: str) -> tuple[tuple[Operation, ...] | None, bool]:
        """(operations for ``method``, whether it is HEAD served by GET)."""
        ops = self.methods.get(method)
        if ops is None and method == "HEAD":
            ops = self.methods.get("GET")
            return ops, ops is not None
        return ops, False


def choose(ops: tuple[Operation, ...], present: set[str]) -> Operation:
    """The request descriptor that fits: all its required discriminators present, most of its
    discriminators present, then the fewest discriminators (the most general one)."""
    if len(ops) == 1:
        return ops[0]
    best, best_key = ops[0], None
    for op in ops:
        if not op.required_discriminators <= present:
            continue
        key = (len(op.discriminators & present), -len(op.discriminators))
        if best_key is None or key > best_key:
            best, best_key = op, key
    return best


class APIError(Exception):
    """A failure answered with the errors envelope.

    ``codes`` are tried in order; the first one the matched request descriptor declares is sent
    (so a backend can say ``APIError("MANIFEST_UNKNOWN", "NAME_UNKNOWN")`` and stay within what
    each set declares). ``status`` overrides the code's registered HTTP status; ``status`` with no
    code sends an empty body (e.g. 416).
    """

    def __init__(
        self,
        *codes: str,
        message: str | None = None,
        detail: Any = None,
        status: int | None = None,
        headers: Mapping[str, str] | None = None,
    ):
        super().__init__(message or (codes[0] if codes else str(status)))
        self.codes, self.message, self.detail = codes, message, detail
        self.status, self.headers = status, dict(headers or {})


class FileBody:
    """Send ``count`` bytes of the file at ``path`` from ``offset`` (zero-copy when offered)."""

    __slots__ = ("path", "offset", "count")

    def __init__(self, path: str | os.PathLike[str], offset: int, count: int):
        self.path, self.offset, self.count = os.fspath(path), offset, count


Body = bytes | FileBody | AsyncIterable[bytes]


class Response:
    """Status, headers and a body: bytes, a ``FileBody``, or an async iterable of bytes (give a
    Content-Length header for it, else the server uses chunked encoding)."""

    __slots__ = ("status", "headers", "body")

    def __init__(
        self, status: int = 200, headers: Mapping[str, str] | Iterable[tuple[str, str]] = (), body: Body = b""
    ):
        self.status = status
        self.headers = list(headers.items()) if isinstance(headers, Mapping) else list(headers)
        self.body = body

    @classmethod
    def json(
        cls,
        data: Any,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        content_type: str = "application/json; charset=utf-8",
    ) -> Response:
        body = (json.dumps(data) + "\n").encode()
        return cls(status, {"Content-Type": content_type, **(headers or {})}, body)


class Request:
    """What every typed request carries; generated subclasses add one attribute per parameter."""

    scope: dict
    receive: Callable[[], Awaitable[dict]]
    method: str
    path: str
    query_params: list[tuple[str, str]]
    headers: dict[str, str]
    path_params: dict[str, str]
    route: Route
    operation: Operation
    head: bool
    content_length: int | None

    def __init__(
        self,
        scope: dict,
        receive: Callable[[], Awaitable[dict]],
        route: Route,
        operation: Operation,
        path_params: dict[str, str],
        query: list[tuple[str, str]],
        headers: dict[str, str],
        head: bool,
        url_routes: tuple[tuple[str, str], ...] = (),
    ):
        self.scope, self.receive = scope, receive
        self._url_routes = url_routes
        self.method, self.path = scope["method"], scope["path"]
        self.query_params, self.headers, self.path_params = query, headers, path_params
        self.route, self.operation, self.head = route, operation, head
        cl = headers.get("content-length")
        self.content_length = int(cl) if cl is not None and cl.isdigit() else None
        self._done = False
        self._started = False

    def query(self, name: str) -> str | None:
        for k, v in self.query_params:
            if k == name:
                return v
        return None

    @property
    def base_url(self) -> str:
        """``scheme://host`` as the client addressed us (for absolute Location headers), proxies
        considered as distribution's ``NewURLBuilderFromRequest`` does (``Forwarded``, else
        ``X-Forwarded-Proto`` / ``X-Forwarded-Host``). A host or scheme that could not stand in a
        URL (header injection into ``Location``) is not used: then our own address."""
        host = self.headers.get("host")
        if not host or _HOST.fullmatch(host) is None:  # absent or not a host[:port]: ours
            server = self.scope.get("server") or ("127.0.0.1", 80)
            host = f"{server[0]}:{server[1]}"
        scheme = self.scope.get("scheme", "http")
        raw = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in self.scope.get("headers", ())]
        root = root_from_request(f"{scheme}://{host}/", host, raw).rstrip("/")
        fscheme, sep, fhost = root.partition("://")
        if not sep or _SCHEME.fullmatch(fscheme) is None or _HOST.fullmatch(fhost) is None:
            return f"{scheme}://{host}"
        return root

    @property
    def urls(self) -> RegistryURLBuilder:
        """URLs of this server's routes as the client addressed it (``base_url``), by route name
        (``specgen.distribution.routenames``): ``request.urls.blob(name, digest)``."""
        builder = self.__dict__.get("_urls")
        if builder is None:
            builder = self.__dict__["_urls"] = _url_builder(self.base_url + "/", self._url_routes)
        return builder

    def raw_body(self):
        """A ``RawBody`` (``prepare``/``read_into``/``finish``) when the server offers one for this
        request's body and nothing of it was read yet, else None (then use ``stream``)."""
        if self._done:
            return None
        ext = (self.scope.get("extensions") or {}).get(RAW_BODY)
        if ext is None or ext["reader"].used:
            return None
        self._done = True
        return ext["reader"]

    @property
    def started(self) -> bool:
        """Whether reading the body began (so a ``100 Continue`` went out)."""
        ext = (self.scope.get("extensions") or {}).get(RAW_BODY)
        return self._started or (ext is not None and ext["reader"].used)

    async def stream(self) -> AsyncIterator[bytes]:
        """The request body as it arrives (chunked transfer encoding already decoded)."""
        if self._done:
            return
        self._started = True
        receive = self.receive
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise ClientDisconnected()
            body = message.get("body", b"")
            if body:
                yield body
            if not message.get("more_body", False):
                self._done = True
                return

    async def read(self, limit: int | None = None) -> bytes:
        """The whole body; ``APIError(status=413)`` past ``limit`` bytes."""
        if limit is not None and self.content_length is not None and self.content_length > DRAIN_MAX:
            # refuse before reading: draining an announced huge body would keep the client
            # waiting for its answer; closing the connection discards whatever it still sends
            self._done = True
            raise APIError(status=413, message="request body too large", headers={"Connection": "close"})
        parts, size = [], 0
        async for chunk in self.stream():
            size += len(chunk)
            if limit is not None and size > limit:
                raise APIError(status=413, message="request body too large")
            parts.append(chunk)
        return b"".join(parts)

    async def drain(self) -> None:
        """Discard any unread body (before answering early, keeps the connection usable)."""
        try:
            async for _ in self.stream():
                pass
        except ClientDisconnected:
            pass


@lru_cache(maxsize=256)
def _url_builder(root: str, routes: tuple[tuple[str, str], ...]) -> RegistryURLBuilder:
    """One builder per root clients address this server by (usually one or two), not per request."""
    return RegistryURLBuilder(root, routes=routes)


class ClientDisconnected(Exception):
    pass


def join_headers(raw: Iterable[tuple[bytes, bytes]]) -> dict[str, str]:
    """Header name → value, repeated fields joined with ", " (RFC 9110 5.3), in time linear in
    their total size (joining each repeat onto a growing string was quadratic)."""
    parts: dict[str, list[str]] = {}
    for k, v in raw:
        name = k.decode("latin-1").lower()
        values = parts.get(name)
        if values is None:
            parts[name] = [v.decode("latin-1")]
        else:
            values.append(v.decode("latin-1"))
    return {name: values[0] if len(values) == 1 else ", ".join(values) for name, values in parts.items()}


#: Key of the request id in the ASGI scope (set by the operations middleware when present).
REQUEST_ID = "specgen.request_id"


def request_id(scope: dict) -> str:
    """The request's id: the one an outer middleware put in the scope, else a new one (kept in the
    scope so every log line of the request shows the same)."""
    rid = scope.get(REQUEST_ID)
    if not rid:
        import uuid

        rid = scope[REQUEST_ID] = uuid.uuid4().hex
    return str(rid)


def log_unhandled(scope: dict, handler: str) -> None:
    """One error line for a request that failed unexpectedly (request id, handler, exception type);
    the traceback, which names paths of this machine, only at debug level."""
    import sys

    exc = sys.exc_info()[1]
    rid = request_id(scope)
    log.error(
        "request %s: %s %s failed in %s: %s",
        rid,
        scope.get("method"),
        scope.get("path"),
        handler,
        type(exc).__name__ if exc is not None else "error",
    )
    log.debug("request %s traceback", rid, exc_info=True)


def _bad_param(op: Operation, p: Param, message: str) -> APIError:
    return APIError(*(c for c in [p.error_code] if c), message=message, detail={"parameter": p.name})


def check_params(
    op: Operation, path_params: Mapping[str, str], query: list[tuple[str, str]], headers: Mapping[str, str]
) -> dict[str, Any]:
    """Attribute → value for the typed request; ``APIError`` with the parameter's code if invalid."""
    values: dict[str, Any] = {}
    qmap: dict[str, str] | None = None
    for p in op.params:
        if p.location == "path":
            value = path_params.get(p.name)
        elif p.location == "header":
            value = headers.get(p.key)
        else:
            if qmap is None:
                qmap = {}
                for k, v in query:
                    qmap.setdefault(k, v)
            value = qmap.get(p.name)
        if value is None:
            if p.required and p.error_code:
                raise _bad_param(op, p, f"{p.location} parameter {p.name} is required")
            values[p.attr] = None
            continue
        if p.error_code:
            if p.integer:
                if not (value.isascii() and value.isdigit()):
                    raise _bad_param(op, p, f"{p.location} parameter {p.name} must be a non-negative integer")
            elif p.pattern is not None and p.pattern.fullmatch(value) is None:
                raise _bad_param(op, p, f"invalid {p.location} parameter {p.name}: {value!r}")
        if p.integer and value.isascii() and value.isdigit():
            values[p.attr] = int(value)
        else:
            values[p.attr] = value
    return values


Handler = Callable[[Request], Awaitable[Response]]


class App:
    """The ASGI application: a generated route table in front of a backend."""

    def __init__(
        self,
        routes: Iterable[Route],
        errors: Mapping[str, tuple[int, str]],
        handlers: Any,
        *,
        handler_methods: Iterable[str] = (),
        method_not_allowed: str | None = None,
        set_name: str = "",
        on_startup: Iterable[Callable[[], Any]] = (),
        on_shutdown: Iterable[Callable[[], Any]] = (),
        default_headers: Mapping[str, str] | None = None,
    ):
        self.routes = tuple(routes)
        #: (route name, gorilla path) of each route: what a request's URL builder builds from
        self.url_routes = tuple((route.name, route.path) for route in self.routes)
        #: distribution's router over the table: the one matcher of server, checker and validate
        self.router: Router[Route] = Router.of((route, route.path) for route in self.routes)
        self.default_headers = [
            (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (default_headers or {}).items()
        ]
        self.errors = dict(errors)
        self.handlers = handlers
        self.method_not_allowed = method_not_allowed
        self.set_name = set_name
        self.on_startup = list(on_startup) + [f for f in [getattr(handlers, "startup", None)] if f]
        self.on_shutdown = list(on_shutdown) + [f for f in [getattr(handlers, "shutdown", None)] if f]
        missing = [name for name in handler_methods if not callable(getattr(handlers, name, None))]
        if missing:
            raise TypeError(
                f"{type(handlers).__name__} does not implement the handler methods of set "
                f"{set_name!r}: {', '.join(missing)}"
            )
        self._bound: dict[str, Handler] = {name: getattr(handlers, name) for name in handler_methods}

    async def __call__(self, scope: dict, receive, send) -> None:
        kind = scope["type"]
        if kind == "http":
            started = False

            async def tracked(message: dict) -> None:
                nonlocal started
                if message["type"] == "http.response.start":
                    started = True
                await send(message)

            try:
                await self.handle(scope, receive, tracked)
            except Exception:
                log_unhandled(scope, "the server")
                if not started:  # else the server cuts the connection: the answer cannot be mended
                    err = APIError("UNKNOWN", status=500, message="internal error")
                    response = self.error_response(err, None)
                    response.headers.append(("Connection", "close"))
                    await send_response(scope, send, self.default_headers, response, scope["method"] == "HEAD")
        elif kind == "lifespan":
            await self._lifespan(receive, send)

    async def _lifespan(self, receive, send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    for fn in self.on_startup:
                        result = fn()
                        if asyncio.iscoroutine(result):
                            await result
                except Exception as exc:  # pragma: no cover - reported to the server
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                for fn in self.on_shutdown:
                    result = fn()
                    if asyncio.iscoroutine(result):
                        await result
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def handle(self, scope: dict, receive, send) -> None:
        method = scope["method"]
        headers = join_headers(scope["headers"])
        qs = scope.get("query_string", b"")
        answer = resolve_request(self.router, scope)
        if answer.status != 200:
            if answer.status == 301:
                response = Response(301, {"Location": answer.location or "/", "Content-Length": "0"}, b"")
            else:
                response = Response(404, {"Content-Type": "text/plain; charset=utf-8"}, b"404 page not found\n")
            await self._discard(receive, headers, None, response)
            await send_response(scope, send, self.default_headers, response, method == "HEAD")
            return
        assert answer.match is not None
        route, path_params = answer.match.route, answer.match.variables
        ops, head = route.operations(method)
        head = head or method == "HEAD"
        if ops is None:
            err = APIError(
                *(c for c in [self.method_not_allowed] if c),
                status=405,
                message=f"{method} is not supported on {route.doc_path}",
                headers={"Allow": route.allow},
            )
            response = self.error_response(err, None)
            await self._discard(receive, headers, None, response)
            await send_response(scope, send, self.default_headers, response, head)
            return
        query = parse_qsl(qs.decode("latin-1"), keep_blank_values=True) if qs else []
        present = {f"query:{k}" for k, _ in query}
        present.update(f"header:{k}" for k in headers)
        op = choose(ops, present)
        request = None
        try:
            values = check_params(op, path_params, query, headers)
            request = op.request_class(scope, receive, route, op, path_params, query, headers, head, self.url_routes)
            request.__dict__.update(values)
            response = await self._bound[op.handler](request)
        except APIError as err:
            response = self.error_response(err, op)
            await self._discard(receive, headers, request, response)
        except (ClientDisconnected, ConnectionError, TimeoutError):
            return  # the client left in the middle of its body: nobody to answer
        except Exception:
            log_unhandled(scope, op.handler)
            response = self.error_response(APIError("UNKNOWN", status=500, message="internal error"), op)
            response.headers.append(("Connection", "close"))  # the body may be half read
        await send_response(scope, send, self.default_headers, response, head)

    def error_response(self, err: APIError, op: Operation | None) -> Response:
        """The errors envelope for ``err`` with the first code ``op`` declares (else the first)."""
        codes = [c for c in err.codes if c]
        code = None
        if codes:
            declared = op.failure_codes if op is not None else {}
            code = next((c for c in codes if c in declared), None)
            if code is None and (op is None or err.status is None or err.status >= 500):
                code = codes[0]  # undeclared, but better than nothing (a server failure always says)
            # else: a status the request declares without codes (e.g. a bare 416): empty body
        headers = dict(err.headers)
        if code is None:
            return Response(err.status or 400, headers, b"")
        status, message = self.errors.get(code, (err.status or 400, code.lower().replace("_", " ")))
        declared_status = op.failure_codes.get(code) if op is not None else None
        if err.status is not None:
            status = err.status
        elif declared_status:
            status = declared_status  # the status this request declares for the code
        entry: dict[str, Any] = {"code": code, "message": err.message or message}
        if err.detail is not None:
            entry["detail"] = err.detail
        body = (json.dumps({"errors": [entry]}) + "\n").encode()
        headers.setdefault("Content-Type", "application/json; charset=utf-8")
        return Response(status, headers, body)

    async def _discard(self, receive, headers: Mapping[str, str], request: Request | None, response: Response) -> None:
        """Drop the unread body of a request answered early, keeping the connection usable; but a
        client awaiting ``100 Continue`` has sent no body: answer at once and close instead."""
        if "100-continue" in headers.get("expect", "").lower() and (request is None or not request.started):
            response.headers.append(("Connection", "close"))
        elif request is not None:
            await request.drain()
        else:
            await self._drain(receive)

    @staticmethod
    async def _drain(receive) -> None:
        while True:
            message = await receive()
            if message["type"] != "http.request" or not message.get("more_body", False):
                return


async def send_response(
    scope: dict, send, default_headers: list[tuple[bytes, bytes]], response: Response, head: bool
) -> None:
    body = response.body
    headers = [(k.lower().encode("latin-1"), str(v).encode("latin-1")) for k, v in response.headers]
    if response.status == 204 or response.status < 200:  # RFC 9110 8.6: no Content-Length here
        headers = [(k, v) for k, v in headers if k != b"content-length"]
    headers.extend(default_headers)
    names = {k for k, _ in headers}
    if isinstance(body, (bytes, bytearray)):
        if body:  # the body's own length wins over any announced one
            headers = [(k, v) for k, v in headers if k != b"content-length"]
            headers.append((b"content-length", str(len(body)).encode()))
        elif (
            b"content-length" not in names and response.status not in (204, 304) and not (100 <= response.status < 200)
        ):
            headers.append((b"content-length", b"0"))
        await send({"type": "http.response.start", "status": response.status, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if head else bytes(body)})
        return
    if isinstance(body, FileBody):
        if b"content-length" not in names:
            headers.append((b"content-length", str(body.count).encode()))
        await send({"type": "http.response.start", "status": response.status, "headers": headers})
        if head or body.count == 0:
            await send({"type": "http.response.body", "body": b""})
            return
        await send_file(scope, send, body)
        return
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    if head:
        await send({"type": "http.response.body", "body": b""})
        return
    async for chunk in body:
        if chunk:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
    await send({"type": "http.response.body", "body": b""})


async def send_file(scope: dict, send, body: FileBody) -> None:
    with open(body.path, "rb") as f:
        if ZEROCOPY in (scope.get("extensions") or {}):
            await send({"type": ZEROCOPY, "file": f, "offset": body.offset, "count": body.count, "more_body": False})
            return
        fd, offset, left = f.fileno(), body.offset, body.count
        while left > 0:
            chunk = os.pread(fd, min(FILE_CHUNK, left), offset)
            if not chunk:
                raise RuntimeError(f"{body.path} is shorter than announced")
            offset += len(chunk)
            left -= len(chunk)
            await send({"type": "http.response.body", "body": chunk, "more_body": left > 0})
