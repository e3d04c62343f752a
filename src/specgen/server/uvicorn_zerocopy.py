"""uvicorn's httptools protocol plus the ASGI "Zero Copy Send" extension (``http.response.zerocopy``).

uvicorn does not implement zero-copy sends; this subclass does, with ``loop.sendfile`` which uses
``os.sendfile`` on asyncio's selector transports, so a blob GET moves file pages to the socket in
the kernel. Run it with ``loop="asyncio"`` (uvloop has no native sendfile and would copy).
"""

from __future__ import annotations

import asyncio

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


class ZeroCopyHttpToolsProtocol(HttpToolsProtocol):
    """Use as uvicorn's ``http`` protocol class."""

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        cycle = self.cycle
        if cycle is not None and type(cycle) is RequestResponseCycle and not cycle.response_started:
            cycle.__class__ = ZeroCopyCycle
            extensions = self.scope.setdefault("extensions", {})  # type: ignore[typeddict-item]
            extensions[ZEROCOPY] = {}
