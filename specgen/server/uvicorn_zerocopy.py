"""uvicorn's httptools protocol plus two extensions that take Python out of the data path of blobs:

- the ASGI "Zero Copy Send" extension (``http.response.zerocopy``), which uvicorn does not
  implement: ``loop.sendfile`` uses ``os.sendfile`` on asyncio's selector transports, so a blob GET
  moves file pages to the socket in the kernel. Run with ``loop="asyncio"`` (uvloop would copy).
- ``specgen.raw_body`` for request bodies with a large Content-Length: instead of the body arriving
  as ASGI messages (a parser callback, two copies and an event-loop round trip per read), the app
  can read it straight from the socket into its own buffers from a worker thread
  (``RawBody.read_into``), while reading is paused on the event loop; the HTTP parser is replaced
  by a fresh one afterwards, exactly at the end of the body.

It also keeps one client from taking the server down (``specgen.server.limits`` holds the numbers):
request line, head size and header count are counted as the head arrives (httptools has no limit
of its own) and answered 414/431 at once; the head must arrive within ``header_timeout``; a body
must keep up ``body_min_rate`` over each ``body_idle_timeout`` window (the raw reader checks the
same), else the connection is closed, which ends the request and frees any upload session it held.
"""

from __future__ import annotations

import asyncio
import logging
import os
import select
import socket
import time
from typing import Any

import httptools
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle

from specgen.server import limits as _limits
from specgen.server.process import install_loop_guard
from specgen.server.runtime import RAW_BODY, ZEROCOPY

log = logging.getLogger("specgen.server")

#: Bodies at least this long may be read raw.
RAW_MIN = 1 << 20
#: Seconds a refused connection is kept half-closed, its input discarded, so that the client reads
#: the answer before the close (closing with unread input would reset the connection at once).
LINGER = 2.0


class RawBody:
    """The rest of one request body, read from the socket by a worker thread.

    ``prepare()`` and ``finish()`` run on the event loop; ``read_into()`` in between, in one thread.
    """

    def __init__(self, protocol: ZeroCopyHttpToolsProtocol, cycle: RequestResponseCycle, length: int):
        self.protocol, self.cycle, self.length = protocol, cycle, length
        self.initial = memoryview(b"")
        self.remaining = 0
        self.fd = -1
        self.used = False
        self.client_failed = False
        limits = _limits.current()
        self.idle_timeout = limits.body_idle_timeout
        self.min_bytes = max(1, int(limits.body_min_rate * limits.body_idle_timeout))
        self._waited = 0.0  # seconds spent waiting for the client in the current window
        self._window_bytes = 0

    def prepare(self) -> None:
        proto, cycle = self.protocol, self.cycle
        self.used = True
        if cycle.waiting_for_100_continue and not proto.transport.is_closing():
            proto.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            cycle.waiting_for_100_continue = False
        proto.flow.pause_reading()
        self.initial = memoryview(bytes(cycle.body))
        cycle.body = bytearray()
        self.remaining = self.length - proto._body_seen if cycle.more_body else 0
        sock = proto.transport.get_extra_info("socket")
        self.fd = sock.fileno() if sock is not None else -1

    def read_into(self, view: memoryview) -> int:
        """Up to ``len(view)`` body bytes into ``view``; 0 at the end of the body."""
        if len(self.initial):
            n = min(len(view), len(self.initial))
            view[:n] = self.initial[:n]
            self.initial = self.initial[n:]
            return n
        if self.remaining <= 0:
            return 0
        want = view[: min(len(view), self.remaining)]
        poller = None
        while True:
            try:
                n = os.readv(self.fd, [want])
            except BlockingIOError:
                if poller is None:
                    poller = select.poll()
                    poller.register(self.fd, select.POLLIN | select.POLLPRI)
                # only time spent waiting for the client counts against it (not our disk's)
                left = max(self.idle_timeout - self._waited, 0.001)
                began = time.monotonic()
                ready = poller.poll(left * 1000)
                self._waited += time.monotonic() - began
                if not ready and self._waited >= self.idle_timeout:
                    self.client_failed = True
                    raise TimeoutError("client sent no body data") from None
                self._check_rate()
                continue
            except OSError as exc:  # reset by the client
                self.client_failed = True
                raise ConnectionError(f"reading the body failed: {exc.strerror}") from None
            if n == 0:
                self.client_failed = True
                raise ConnectionError("client closed the connection in the middle of the body")
            self.remaining -= n
            self._window_bytes += n
            return n

    def _check_rate(self) -> None:
        """At the end of each window of waiting: too few bytes in it is a timeout."""
        if self._waited < self.idle_timeout:
            return
        if self._window_bytes < self.min_bytes:
            self.client_failed = True
            raise TimeoutError("client sent its body too slowly")
        self._waited, self._window_bytes = 0.0, 0

    def finish(self) -> None:
        """Back to the event loop. A body not read to its end leaves the connection unusable: when
        the client failed (timeout, gone) it is closed at once; else (say the storage failed) the
        app still answers, and the connection is closed right after the response."""
        proto, cycle = self.protocol, self.cycle
        if self.remaining > 0 or len(self.initial):
            if not self.client_failed and not proto.transport.is_closing():
                cycle.linger = proto  # type: ignore[attr-defined]  # answer, then let the connection go
                return
            proto.transport.close()
            cycle.disconnected = True
            return
        if proto._body_seen < self.length:
            proto.parser = httptools.HttpRequestParser(proto)  # it still expects the body we took
        cycle.more_body = False
        cycle.message_event.set()
        if getattr(proto.transport, "max_size", None) == BODY_READ_SIZE:
            proto.transport.max_size = 256 * 1024  # type: ignore[attr-defined]
        proto.flow.resume_reading()


class ZeroCopyCycle(RequestResponseCycle):
    #: set when the request's body was left unread: after the response, ``linger_close``
    linger: ZeroCopyHttpToolsProtocol | None = None

    async def send(self, message) -> None:
        if message["type"] != ZEROCOPY:
            final = message["type"] == "http.response.body" and not message.get("more_body", False)
            if final and self.linger is not None:
                self.keep_alive = True  # not closed by uvicorn at once: linger_close does it
            await super().send(message)
            if final and self.linger is not None:
                self.linger.linger_close()
            return
        if self.disconnected:
            return
        if not self.response_started or self.response_complete:
            raise RuntimeError("zero-copy body sent outside a response")
        count = int(message.get("count") or 0)
        if self.scope["method"] != "HEAD" and count:
            if self.chunked_encoding or count > self.expected_content_length:
                raise RuntimeError("zero-copy send needs a Content-Length covering it")
            if self.flow.write_paused:
                await self.flow.drain()
            try:
                await asyncio.get_running_loop().sendfile(
                    self.transport, message["file"], int(message.get("offset") or 0), count
                )
            except (ConnectionError, RuntimeError):
                self.disconnected = True
                self.transport.close()
                return
            self.expected_content_length -= count
        await super().send(
            {"type": "http.response.body", "body": b"", "more_body": bool(message.get("more_body", False))}
        )


#: Request body bytes buffered before reading pauses (uvicorn's default is 64 KiB, which costs a
#: pause/resume round trip through the event loop for every 64-256 KiB of a blob upload).
BODY_HIGH_WATER = 1 << 20
#: Socket read size while a large body streams in (asyncio's default is 256 KiB).
BODY_READ_SIZE = 1 << 20


_REASONS = {414: b"URI Too Long", 431: b"Request Header Fields Too Large", 408: b"Request Timeout"}


class ZeroCopyHttpToolsProtocol(HttpToolsProtocol):
    """Use as uvicorn's ``http`` protocol class."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        install_loop_guard(self.loop)
        self.limits = _limits.current()
        self.timeout_keep_alive = self.limits.keepalive_timeout  # type: ignore[assignment]
        self._in_head = True  # between connecting / a message's first byte and its headers' end
        self._head_fed = 0  # bytes read while in the head (an upper bound of its size)
        self._head_bytes = 0  # request line and header fields parsed so far
        self._header_count = 0
        self._refused = False
        self._head_timer: asyncio.TimerHandle | None = None
        self._body_timer: asyncio.TimerHandle | None = None
        self._body_window = 0  # body bytes received in the current window

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:
                pass
        self._arm_head_timer()

    def connection_lost(self, exc) -> None:
        self._cancel_timers()
        super().connection_lost(exc)

    # -- limits on the request head ---------------------------------------------------------------
    def data_received(self, data: bytes) -> None:
        if self._refused:
            return  # answered and half-closed: what still comes is discarded
        self._unset_keepalive_if_required()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
            return
        except httptools.HttpParserError:
            if self._refused:
                return  # a limit stopped the parser in a callback and answered already
            msg = "Invalid HTTP request received."
            self.logger.warning(msg)
            self.send_400_response(msg)
            return
        if self._in_head and not self._refused:
            # an upper bound of the head's size so far (it counts the bytes of this read that came
            # before the head began), which catches a header still growing inside the parser
            self._head_fed += len(data)
            if self._head_fed > self.limits.max_header_bytes + len(data):
                self.refuse(431, "request head too large")

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head = True
        self._head_fed = self._head_bytes = self._header_count = 0
        if self._head_timer is None:
            self._arm_head_timer()

    def on_url(self, url: bytes) -> None:
        super().on_url(url)
        self._head_bytes += len(url)
        if len(self.url) > self.limits.max_request_line:
            self.refuse(414, "request line too long")
            raise _Refused()

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_count += 1
        self._head_bytes += len(name) + len(value) + 4
        if self._header_count > self.limits.max_header_count:
            self.refuse(431, "too many header fields")
            raise _Refused()
        if self._head_bytes > self.limits.max_header_bytes:
            self.refuse(431, "request head too large")
            raise _Refused()
        super().on_header(name, value)

    def refuse(self, status: int, message: str) -> None:
        """Answer ``status`` at once and close: the connection's input is no longer parseable."""
        if self._refused:
            return
        self._refused = True
        self._cancel_timers()
        body = message.encode() + b"\n"
        head = [b"HTTP/1.1 %d %s\r\n" % (status, _REASONS.get(status, b"Error"))]
        head.extend(name + b": " + value + b"\r\n" for name, value in self.server_state.default_headers)
        head.append(b"content-type: text/plain; charset=utf-8\r\n")
        head.append(b"content-length: %d\r\nconnection: close\r\n\r\n" % len(body))
        self.transport.write(b"".join(head) + body)
        log.info("refused a request from %s: %d %s", _peer(self.client), status, message)
        self._refused = False  # linger_close sets it again
        self.linger_close()

    def linger_close(self) -> None:
        """Close a connection whose input cannot be parsed any more (a body left unread) without
        losing what was written: our side is shut, the client's input discarded for ``LINGER``
        seconds, then the connection closed (closing at once would reset it, and the client could
        lose the answer it has not read yet)."""
        if self._refused or self.transport.is_closing():
            return
        self._refused = True
        self._cancel_timers()
        transport = self.transport
        try:
            transport.write_eof()
        except (NotImplementedError, OSError, RuntimeError):
            transport.close()
            return
        self.flow.resume_reading()
        self.loop.call_later(LINGER, transport.close)

    # -- timeouts ---------------------------------------------------------------------------------
    def _arm_head_timer(self) -> None:
        self._head_timer = self.loop.call_later(self.limits.header_timeout, self._head_timeout)

    def _head_timeout(self) -> None:
        self._head_timer = None
        if self._in_head and not self.transport.is_closing():
            log.info("closed a connection from %s: no complete request head in time", _peer(self.client))
            self.transport.close()

    def _arm_body_timer(self) -> None:
        self._body_window = 0
        self._body_timer = self.loop.call_later(self.limits.body_idle_timeout, self._body_check)

    def _body_check(self) -> None:
        """Once per window while a body arrives through the parser: a client that sent less than
        the minimum rate, while we were ready to read, is let go."""
        self._body_timer = None
        cycle = self.cycle
        if cycle is None or not cycle.more_body or self.transport.is_closing():
            return
        raw: Any = (self.scope.get("extensions") or {}).get(RAW_BODY) if self.scope else None
        waiting = self.flow.read_paused or cycle.waiting_for_100_continue or (raw is not None and raw["reader"].used)
        need = max(1, int(self.limits.body_min_rate * self.limits.body_idle_timeout))
        if not waiting and self._body_window < need:
            log.info("closed a connection from %s: request body too slow", _peer(self.client))
            self.transport.close()
            return
        self._arm_body_timer()

    def _cancel_timers(self) -> None:
        for timer in (self._head_timer, self._body_timer):
            if timer is not None:
                timer.cancel()
        self._head_timer = self._body_timer = None

    _body_seen = 0

    def on_body(self, body: bytes) -> None:
        cycle = self.cycle
        if cycle.response_complete or (self.parser.should_upgrade() and self._should_upgrade()):
            return
        self._body_window += len(body)
        self._body_seen += len(body)
        cycle.body += body
        if len(cycle.body) > BODY_HIGH_WATER:
            self.flow.pause_reading()
        cycle.message_event.set()

    def on_message_complete(self) -> None:
        if self._body_timer is not None:
            self._body_timer.cancel()
            self._body_timer = None
        super().on_message_complete()
        if getattr(self.transport, "max_size", None) == BODY_READ_SIZE:
            self.transport.max_size = 256 * 1024  # type: ignore[attr-defined]

    def on_headers_complete(self) -> None:
        self._in_head = False
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None
        self._body_seen = 0
        super().on_headers_complete()
        cycle = self.cycle
        if cycle is not None and type(cycle) is RequestResponseCycle and not cycle.response_started:
            cycle.__class__ = ZeroCopyCycle
            extensions = self.scope.setdefault("extensions", {})
            extensions[ZEROCOPY] = {}
        length, chunked = None, False
        for name, value in self.headers:
            if name == b"content-length" and value.isdigit():
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
        cycle = self.cycle
        if length or chunked:
            self._arm_body_timer()
        if (length or 0) >= BODY_READ_SIZE or chunked:
            if hasattr(self.transport, "max_size"):
                self.transport.max_size = BODY_READ_SIZE
        if (
            length is not None
            and length >= RAW_MIN
            and not chunked
            and cycle is not None
            and isinstance(cycle, ZeroCopyCycle)
            and not self.pipeline
        ):
            self.flow.pause_reading()  # until the app reads the body one way or the other
            self.scope.setdefault("extensions", {})[RAW_BODY] = {"reader": RawBody(self, cycle, length)}


class _Refused(Exception):
    """Raised from a parser callback to stop parsing a request already refused."""


def _peer(client: tuple[str, int] | None) -> str:
    return f"{client[0]}:{client[1]}" if client else "a client"
