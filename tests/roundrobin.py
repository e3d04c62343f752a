"""A round-robin HTTP/1.1 proxy for the multi-node tests: every request (not every connection)
goes to the next backend, so one client's consecutive requests land on different registry nodes.

It reads each request's head and body (Content-Length or chunked), sends them to the chosen
backend on a fresh connection with ``Connection: close``, and relays the response until the
backend closes; the ``Host`` header stays the client's, so the nodes build Locations that point
back at the proxy. ``log`` records (backend index, method, target) of every request.
"""

from __future__ import annotations

import asyncio
import threading


class RoundRobinProxy:
    def __init__(self, backends: list[tuple[str, int]]):
        self.backends = list(backends)
        self.log: list[tuple[int, str, str]] = []
        self.errors: list[str] = []  # connection failures seen (the tests print them when they fail)
        self._next = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="roundrobin-proxy", daemon=True)
        self._server: asyncio.AbstractServer | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> RoundRobinProxy:
        self._thread.start()
        fut = asyncio.run_coroutine_threadsafe(asyncio.start_server(self._handle, "127.0.0.1", 0), self._loop)
        self._server = fut.result(10)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        async def close() -> None:
            if self._server is not None:
                self._server.close()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def _choose(self, method: str, target: str) -> tuple[str, int]:
        i = self._next % len(self.backends)
        self._next += 1
        self.log.append((i, method, target))
        return self.backends[i]

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                try:
                    first = await reader.readexactly(1)
                    if not first.isalpha():  # a TLS handshake (clients try https first): refuse at once
                        return
                    head = first + await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                    return
                lines = head.decode("latin-1").split("\r\n")[:-2]
                method, target, _ = lines[0].split(" ", 2)
                headers = [line.split(":", 1) for line in lines[1:] if ":" in line]
                names = {k.strip().lower(): v.strip() for k, v in headers}
                keep = [f"{k}:{v}" for k, v in headers if k.strip().lower() not in ("connection", "expect")]
                if names.get("expect", "").lower() == "100-continue":
                    writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
                host, port = self._choose(method, target)
                br, bw = await asyncio.open_connection(host, port)
                try:
                    bw.write(("\r\n".join([lines[0], *keep, "Connection: close"]) + "\r\n\r\n").encode("latin-1"))
                    if "chunked" in names.get("transfer-encoding", "").lower():
                        await _copy_chunked(reader, bw)
                    else:
                        await _copy_exact(reader, bw, int(names.get("content-length", "0") or 0))
                    await bw.drain()
                    while data := await br.read(1 << 16):
                        writer.write(data)
                        await writer.drain()
                finally:
                    bw.close()
                if names.get("connection", "").lower() == "close":
                    return
        except (ConnectionError, OSError) as exc:
            self.errors.append(repr(exc))
            return
        finally:
            writer.close()


async def _copy_exact(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
    while n > 0:
        data = await reader.read(min(n, 1 << 16))
        if not data:
            raise ConnectionError("client went away mid-body")
        writer.write(data)
        await writer.drain()
        n -= len(data)


async def _copy_chunked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while True:
        line = await reader.readuntil(b"\r\n")
        writer.write(line)
        size = int(line.split(b";")[0].strip() or b"0", 16)
        if size == 0:
            while True:  # trailers, then the empty line
                trailer = await reader.readuntil(b"\r\n")
                writer.write(trailer)
                if trailer == b"\r\n":
                    return
        await _copy_exact(reader, writer, size + 2)  # the chunk and its CRLF
