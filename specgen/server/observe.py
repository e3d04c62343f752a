"""The outer ASGI layer of ``specgen serve``: a request id, the access log, Prometheus metrics,
and the liveness and readiness endpoints, around any app (the registry or a stub).

Request id: an incoming ``X-Request-Id`` of up to 128 safe characters is kept, else a new one is
made; it is stored in the ASGI scope under ``"specgen.request_id"`` (``REQUEST_ID``) for inner
layers' logs, echoed in the ``X-Request-Id`` response header and written in the access log.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from specgen.distribution import routenames
from specgen.server import accesslog
from specgen.server.metrics import Metrics
from specgen.server.runtime import RAW_BODY, ZEROCOPY, resolve_request

log = logging.getLogger("specgen.server")

#: The scope key holding the request's id (read by other layers for their log lines).
REQUEST_ID = "specgen.request_id"
_SAFE_ID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}", re.ASCII)
_UPLOAD_ROUTES = frozenset({routenames.BLOB_UPLOAD, routenames.BLOB_UPLOAD_CHUNK})

ASGIApp = Callable[[dict, Callable[[], Awaitable[dict]], Callable[[dict], Awaitable[None]]], Awaitable[None]]


@dataclass
class ObserveSettings:
    access_log: bool = True
    log_format: str = "combined"
    metrics: bool = True
    metrics_path: str = "/metrics"
    health: bool = True
    liveness_path: str = "/healthz"
    readiness_path: str = "/readyz"

    @classmethod
    def from_values(cls, values: dict[str, Any]) -> ObserveSettings:
        """From the flat settings (``specgen.config``)."""
        return cls(
            access_log=values["log.access"],
            log_format=values["log.format"],
            metrics=values["metrics.enabled"],
            metrics_path=values["metrics.path"],
            health=values["health.enabled"],
            liveness_path=values["health.liveness_path"],
            readiness_path=values["health.readiness_path"],
        )


def request_id(scope: dict) -> str:
    """The client's ``X-Request-Id`` when it is sane, else a new one."""
    for key, value in scope.get("headers", ()):
        if key.lower() == b"x-request-id":
            text = value.decode("latin-1").strip()
            if _SAFE_ID.fullmatch(text):
                return text
            break
    return uuid.uuid4().hex


class Observe:
    """``Observe(app, settings, readiness=probe)``: ``probe()`` is an async callable raising when
    the storage cannot be written and read back (``specgen.server.health.storage_probe``)."""

    def __init__(
        self,
        app: Any,
        settings: ObserveSettings | None = None,
        *,
        readiness: Callable[[], Awaitable[None]] | None = None,
        metrics: Metrics | None = None,
        on_startup: Callable[[], Awaitable[None]] | None = None,
        on_shutdown: Callable[[], Awaitable[None]] | None = None,
    ):
        self.app = app
        self.settings = settings or ObserveSettings()
        self.readiness = readiness
        self.metrics = metrics if metrics is not None else (Metrics() if self.settings.metrics else None)
        self.router = getattr(app, "router", None)
        self._on_startup, self._on_shutdown = on_startup, on_shutdown

    def route_name(self, scope: dict) -> str:
        """The matched route's name (a bounded label), or ``none``."""
        if self.router is None:
            return "none"
        answer = resolve_request(self.router, scope)
        return answer.match.route.name if answer.status == 200 and answer.match is not None else "none"

    async def __call__(self, scope: dict, receive, send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(scope, receive, send)
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, clock = time.time(), time.perf_counter()
        rid = scope[REQUEST_ID] = request_id(scope)
        path, method = scope["path"], scope["method"]
        s = self.settings
        own = None
        if s.metrics and self.metrics is not None and path == s.metrics_path:
            own = "metrics"
        elif s.health and path in (s.liveness_path, s.readiness_path):
            own = "liveness" if path == s.liveness_path else "readiness"
        route = own or self.route_name(scope)
        state = {"status": 0, "out": 0, "in": 0}
        rid_header = (b"x-request-id", rid.encode("latin-1"))

        async def counting_receive() -> dict:
            message = await receive()
            if message["type"] == "http.request":
                state["in"] += len(message.get("body", b""))
            return message

        async def counting_send(message: dict) -> None:
            kind = message["type"]
            if kind == "http.response.start":
                state["status"] = message["status"]
                headers = [h for h in message.get("headers", ()) if h[0].lower() != b"x-request-id"]
                message = {**message, "headers": [*headers, rid_header]}
            elif kind == "http.response.body":
                state["out"] += len(message.get("body", b""))
            elif kind == ZEROCOPY:
                state["out"] += message.get("count") or 0
            await send(message)

        upload = route in _UPLOAD_ROUTES and method in ("POST", "PATCH", "PUT") and self.metrics is not None
        if upload:
            self.metrics.uploads.inc()  # type: ignore[union-attr]
        try:
            if own is not None:
                await self._own(own, method, counting_send)
            else:
                await self.app(scope, counting_receive, counting_send)
        except BaseException:
            state["status"] = state["status"] or 500  # what the server answers for an unhandled error
            raise
        finally:
            if upload:
                self.metrics.uploads.dec()  # type: ignore[union-attr]
            raw = (scope.get("extensions") or {}).get(RAW_BODY)
            if raw is not None and raw["reader"].used:
                reader = raw["reader"]
                state["in"] += max(reader.length - reader.remaining - len(reader.initial), 0)
            duration = time.perf_counter() - clock
            self._record(scope, route, state, duration, started, rid)

    def _record(self, scope: dict, route: str, state: dict, duration: float, started: float, rid: str) -> None:
        method, status = scope["method"], state["status"] or 499  # 499: the client left before an answer
        m = self.metrics
        if m is not None:
            m.requests.labels(route, method, str(status)).inc()
            m.latency.labels(route, method).observe(duration)
            if state["in"]:
                m.bytes_in.labels(route, method).inc(state["in"])
            if state["out"]:
                m.bytes_out.labels(route, method).inc(state["out"])
        if self.settings.access_log:
            headers = {k.lower(): v for k, v in scope.get("headers", ())}
            client = scope.get("client") or ("", 0)
            qs = scope.get("query_string", b"").decode("latin-1")
            accesslog.write(
                accesslog.Entry(
                    remote=client[0] if client else "",
                    method=method,
                    path=scope["path"],
                    query=accesslog.redact_query(qs),
                    protocol=scope.get("http_version", "1.1"),
                    status=status,
                    bytes_out=state["out"],
                    bytes_in=state["in"],
                    duration=duration,
                    request_id=rid,
                    route=route,
                    referer=headers.get(b"referer", b"").decode("latin-1"),
                    user_agent=headers.get(b"user-agent", b"").decode("latin-1"),
                    started=started,
                ),
                self.settings.log_format,
            )

    async def _own(self, what: str, method: str, send) -> None:
        """Answer ``/metrics``, liveness or readiness."""
        head = method == "HEAD"
        if method not in ("GET", "HEAD"):
            await _answer(send, 405, b"", "text/plain; charset=utf-8", [(b"allow", b"GET, HEAD")])
            return
        if what == "metrics":
            assert self.metrics is not None
            body = self.metrics.exposition()
            await _answer(send, 200, b"" if head else body, Metrics.CONTENT_TYPE, length=len(body))
            return
        status, doc = 200, {"status": "ok"}
        if what == "readiness" and self.readiness is not None:
            try:
                await self.readiness()
                doc = {"status": "ready", "storage": "writable and readable"}
            except Exception as exc:  # any failure means: do not send traffic here
                log.warning("readiness probe failed: %s: %s", type(exc).__name__, exc)
                status, doc = 503, {"status": "unavailable", "storage": type(exc).__name__}
        body = (json.dumps(doc) + "\n").encode()
        await _answer(send, status, b"" if head else body, "application/json; charset=utf-8", length=len(body))

    async def _lifespan(self, scope: dict, receive, send) -> None:
        """Pass the lifespan to the app; run our own hooks after its startup and before its shutdown."""

        async def our_receive() -> dict:
            message = await receive()
            if message["type"] == "lifespan.shutdown" and self._on_shutdown is not None:
                await self._on_shutdown()
            return message

        async def our_send(message: dict) -> None:
            if message["type"] == "lifespan.startup.complete" and self._on_startup is not None:
                await self._on_startup()
            await send(message)

        await self.app(scope, our_receive, our_send)


async def _answer(
    send, status: int, body: bytes, content_type: str, extra: list | None = None, length: int | None = None
) -> None:
    headers = [
        (b"content-type", content_type.encode()),
        (b"content-length", str(len(body) if length is None else length).encode()),
        (b"cache-control", b"no-store"),
        *(extra or []),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
