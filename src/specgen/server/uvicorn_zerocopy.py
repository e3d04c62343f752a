"""uvicorn's httptools protocol plus the ASGI "Zero Copy Send" extension (``http.response.zerocopy``).

uvicorn does not implement zero-copy sends; this subclass does, with ``loop.sendfile`` which uses
``os.sendfile`` on asyncio's selector transports, so a blob GET moves file pages to the socket in
the kernel. Run it with ``loop="asyncio"`` (uvloop has no native sendfile and would copy).
"""

from __future__ import annotations

import asyncio
import socket

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle

from specgen.server.runtime import ZEROCOPY


class ZeroCopyCycle(RequestResponseCycle):
    async def send(self, message) -> None:  # type: ignore[override]
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
                    self.transport, message["file"], int(message.get("offset") or 0), count)
            except (ConnectionError, RuntimeError):
                self.disconnected = True
                self.transport.close()
                return
            self.expected_content_length -= count
        await super().send({"type": "http.response.body", "body": b"",
                            "more_body": bool(message.get("more_body", False))})


#: Request body bytes buffered before reading pauses (uvicorn's default is 64 KiB, which costs a
#: pause/resume round trip through the event loop for every 64-256 KiB of a blob upload).
BODY_HIGH_WATER = 4 << 20
#: Socket read size while a large body streams in (asyncio's default is 256 KiB).
BODY_READ_SIZE = 1 << 20


class ZeroCopyHttpToolsProtocol(HttpToolsProtocol):
    """Use as uvicorn's ``http`` protocol class."""

    def connection_made(self, transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:
                pass

    def on_body(self, body: bytes) -> None:
        cycle = self.cycle
        if cycle.response_complete or (self.parser.should_upgrade() and self._should_upgrade()):
            return
        cycle.body += body
        if len(cycle.body) > BODY_HIGH_WATER:
            self.flow.pause_reading()
        cycle.message_event.set()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        if getattr(self.transport, "max_size", None) == BODY_READ_SIZE:
            self.transport.max_size = 256 * 1024  # type: ignore[attr-defined]

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        for name, value in self.headers:
            if (name == b"content-length" and value.isdigit() and int(value) >= BODY_READ_SIZE) or (
                    name == b"transfer-encoding" and b"chunked" in value.lower()):
                if hasattr(self.transport, "max_size"):
                    self.transport.max_size = BODY_READ_SIZE  # type: ignore[attr-defined]
                break
        cycle = self.cycle
        if cycle is not None and type(cycle) is RequestResponseCycle and not cycle.response_started:
            cycle.__class__ = ZeroCopyCycle
            extensions = self.scope.setdefault("extensions", {})  # type: ignore[typeddict-item]
            extensions[ZEROCOPY] = {}
