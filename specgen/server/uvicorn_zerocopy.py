"""uvicorn's httptools protocol plus two extensions that take Python out of the data path of blobs:

- the ASGI "Zero Copy Send" extension (``http.response.zerocopy``), which uvicorn does not
  implement: ``loop.sendfile`` uses ``os.sendfile`` on asyncio's selector transports, so a blob GET
  moves file pages to the socket in the kernel. Run with ``loop="asyncio"`` (uvloop would copy).
- ``specgen.raw_body`` for request bodies with a large Content-Length: instead of the body arriving
  as ASGI messages (a parser callback, two copies and an event-loop round trip per read), the app
  can read it straight from the socket into its own buffers from a worker thread
  (``RawBody.read_into``), while reading is paused on the event loop; the HTTP parser is replaced
  by a fresh one afterwards, exactly at the end of the body.
"""

from __future__ import annotations

import asyncio
import os
import select
import socket

import httptools
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle

from specgen.server.runtime import RAW_BODY, ZEROCOPY

#: Bodies at least this long may be read raw.
RAW_MIN = 1 << 20
#: Seconds a raw read waits for the client before giving up.
RAW_TIMEOUT = 120.0


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
                if not poller.poll(RAW_TIMEOUT * 1000):
                    raise TimeoutError("client sent no body data") from None
                continue
            if n == 0:
                raise ConnectionError("client closed the connection in the middle of the body")
            self.remaining -= n
            return n

    def finish(self) -> None:
        proto, cycle = self.protocol, self.cycle
        if self.remaining > 0 or len(self.initial):
            proto.transport.close()  # the body was not read to its end: the connection is unusable
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
    async def send(self, message) -> None:
        if message["type"] != ZEROCOPY:
            await super().send(message)
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


class ZeroCopyHttpToolsProtocol(HttpToolsProtocol):
    """Use as uvicorn's ``http`` protocol class."""

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:
                pass

    _body_seen = 0

    def on_body(self, body: bytes) -> None:
        cycle = self.cycle
        if cycle.response_complete or (self.parser.should_upgrade() and self._should_upgrade()):
            return
        self._body_seen += len(body)
        cycle.body += body
        if len(cycle.body) > BODY_HIGH_WATER:
            self.flow.pause_reading()
        cycle.message_event.set()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        if getattr(self.transport, "max_size", None) == BODY_READ_SIZE:
            self.transport.max_size = 256 * 1024  # type: ignore[attr-defined]

    def on_headers_complete(self) -> None:
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
