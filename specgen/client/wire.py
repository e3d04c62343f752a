"""A lean HTTP/1.1 path over a socket, for blob bodies only.

httpx moves a body through Python-level iterators and copies it several times per chunk; measured
on a 256 MiB blob that held our client at python-dxf's speed (~400 MiB/s), a third of what the
server takes. This path sends a file slice with ``sendfile(2)`` (plain sockets; TLS sockets fall
back to large ``send`` calls) and receives into reused buffers with ``recv_into``, so bytes are
copied once into the kernel and once out of it. Everything else (manifests, listings, errors of
the generated client) stays on httpx.

It speaks just enough HTTP/1.1 for the registry API: keep-alive connections pooled per host,
``Content-Length`` and chunked response bodies, TLS with the transport's verification settings,
and the transport's ``RegistryAuth`` (basic and bearer challenges; a 401 is answered once more
with the new credentials).
"""

from __future__ import annotations

import select
import socket
import ssl
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import IO, Any
from urllib.parse import urlsplit

import httpx

from specgen.client.runtime import RETRY_STATUSES, Transport, TransportError

#: how many bytes one recv/readinto asks for at most (large reads keep syscalls few)
RECV_SIZE = 1 << 20
_MAX_HEADER = 64 << 10
#: bytes per sendfile/sendall call of a body: progress is reported after each
SEND_STEP = 16 << 20
#: buffer of a relay from one registry's response into another's request
RELAY_BUFFER = 4 << 20


@dataclass(frozen=True)
class FileSlice:
    """``count`` bytes of ``file`` from ``offset``: a request body sent with sendfile."""

    file: IO[bytes]
    offset: int
    count: int


@dataclass(frozen=True)
class Relay:
    """``count`` bytes read from ``source`` (anything with ``readinto``, e.g. another registry's
    ``WireResponse``) as a request body. It can be sent once only: no retry replays it."""

    source: Any
    count: int


Body = bytes | bytearray | memoryview | FileSlice | Relay | None


class _Conn:
    """One socket plus the bytes read past the end of what was consumed."""

    def __init__(self, sock: socket.socket, key: tuple[str, str, int]) -> None:
        self.sock = sock
        self.key = key
        self.buf = bytearray()
        self.reused = False

    def fill(self) -> bool:
        data = self.sock.recv(RECV_SIZE)
        if not data:
            return False
        self.buf += data
        return True

    def readline(self) -> bytes:
        while True:
            i = self.buf.find(b"\n")
            if i >= 0:
                line = bytes(self.buf[: i + 1])
                del self.buf[: i + 1]
                return line
            if len(self.buf) > _MAX_HEADER:
                raise OSError("response line too long")
            if not self.fill():
                raise ConnectionError("connection closed in the response head")

    def readinto(self, view: memoryview) -> int:
        """Some bytes into ``view`` (leftover buffer first, then the socket); 0 at EOF."""
        if self.buf:
            n = min(len(view), len(self.buf))
            view[:n] = self.buf[:n]
            del self.buf[:n]
            return n
        return self.sock.recv_into(view, len(view))

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


def _dropped(sock: socket.socket) -> bool:
    """An idle connection is readable only when the server closed it (or sent garbage)."""
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


class WireResponse:
    """Status, headers and a body read with ``readinto`` (into the caller's buffer)."""

    def __init__(self, conn: _Conn, pool: Wire, method: str) -> None:
        self._conn: _Conn | None = conn
        self._pool = pool
        line = conn.readline()
        parts = line.decode("latin-1").split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/"):
            raise ConnectionError(f"not an HTTP response: {line[:80]!r}")
        self.status = int(parts[1])
        self.headers: list[tuple[str, str]] = []
        while True:
            raw = conn.readline()
            if raw in (b"\r\n", b"\n"):
                break
            name, _, value = raw.decode("latin-1").partition(":")
            self.headers.append((name.strip().lower(), value.strip()))
        self._keep = self.header("connection", "").lower() != "close" and parts[0] != "HTTP/1.0"
        self._chunked = "chunked" in self.header("transfer-encoding", "").lower()
        length = self.header("content-length")
        self.length: int | None = int(length) if length is not None and not self._chunked else None
        if method == "HEAD" or self.status in (204, 304) or 100 <= self.status < 200:
            self.length = 0
            self._chunked = False
        self._left = self.length  # bytes of the body not read yet (None: chunked or until close)
        self._chunk_left = 0
        if self._left == 0:
            self._release()

    def header(self, name: str, default: Any = None) -> Any:
        for k, v in self.headers:
            if k == name:
                return v
        return default

    def httpx_response(self) -> httpx.Response:
        """A header-only httpx response (what ``RegistryAuth`` and error parsing read)."""
        return httpx.Response(self.status, headers=self.headers)

    def readinto(self, view: memoryview) -> int:
        """Up to ``len(view)`` body bytes into ``view``; 0 at the end of the body."""
        conn = self._conn
        if conn is None:
            return 0
        if self._chunked:
            return self._readinto_chunked(conn, view)
        if self._left is not None:
            view = view[: self._left]
        n = conn.readinto(view) if len(view) else 0
        if n == 0:
            if self._left:
                self.close()
                raise ConnectionError(f"connection closed with {self._left} body bytes unread")
            self._release() if self._left == 0 else self.close()
            return 0
        if self._left is not None:
            self._left -= n
            if self._left == 0:
                self._release()
        return n

    def _readinto_chunked(self, conn: _Conn, view: memoryview) -> int:
        if self._chunk_left == 0:
            size = int(conn.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while conn.readline() not in (b"\r\n", b"\n"):  # trailers
                    pass
                self._release()
                return 0
            self._chunk_left = size
        n = conn.readinto(view[: self._chunk_left])
        if n == 0:
            self.close()
            raise ConnectionError("connection closed inside a chunk")
        self._chunk_left -= n
        if self._chunk_left == 0:
            conn.readline()  # the CRLF after the chunk
        return n

    def read(self, limit: int = 1 << 20) -> bytes:
        """The rest of a (small) body, at most ``limit`` bytes kept."""
        out = bytearray()
        buf = memoryview(bytearray(65536))
        while True:
            n = self.readinto(buf)
            if n == 0:
                return bytes(out)
            if len(out) < limit:
                out += buf[:n]

    def _release(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            if self._keep:
                self._pool._put(conn)
            else:
                conn.close()

    def close(self) -> None:
        """Drop the connection unless the body was read to its end."""
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()


class Wire:
    """Keep-alive connections to the registry (and to hosts it redirects to), shared by threads."""

    def __init__(self, transport: Transport) -> None:
        self.transport = transport
        self._idle: dict[tuple[str, str, int], list[_Conn]] = {}
        self._lock = threading.Lock()
        self._ssl: ssl.SSLContext | None = None

    def close(self) -> None:
        with self._lock:
            conns = [c for cs in self._idle.values() for c in cs]
            self._idle.clear()
        for c in conns:
            c.close()

    def _context(self) -> ssl.SSLContext:
        if self._ssl is None:
            verify = self.transport.verify
            if verify is False:
                ctx = ssl.create_default_context()
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
            elif verify is True:
                ctx = ssl.create_default_context()
            else:
                ctx = ssl.create_default_context(cafile=str(verify))
            self._ssl = ctx
        return self._ssl

    def _get(self, key: tuple[str, str, int]) -> _Conn:
        while True:
            with self._lock:
                idle = self._idle.get(key)
                conn = idle.pop() if idle else None
            if conn is None:
                break
            if _dropped(conn.sock):  # the server closed it while it was idle
                conn.close()
                continue
            conn.reused = True
            return conn
        scheme, host, port = key
        try:
            sock = socket.create_connection((host, port), timeout=self.transport.connect_timeout)
        except OSError as exc:
            raise TransportError(f"{scheme}://{host}:{port}: cannot connect: {exc}", cause=exc) from exc
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.settimeout(self.transport.read_timeout)
        if scheme == "https":
            try:
                sock = self._context().wrap_socket(sock, server_hostname=host)
            except (OSError, ssl.SSLError) as exc:
                sock.close()
                raise TransportError(f"https://{host}:{port}: TLS: {exc}", cause=exc) from exc
        return _Conn(sock, key)

    def _put(self, conn: _Conn) -> None:
        with self._lock:
            self._idle.setdefault(conn.key, []).append(conn)

    def exchange(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: Body = None,
        progress: Callable[[int], None] | None = None,
    ) -> WireResponse:
        """One request on a pooled connection; the response head read, its body left to read.

        A keep-alive connection the server closed while idle is replaced once, transparently.
        """
        parts = urlsplit(url)
        scheme = parts.scheme or "http"
        port = parts.port or (443 if scheme == "https" else 80)
        key = (scheme, parts.hostname or "", port)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        host = parts.netloc.rpartition("@")[2]
        size = body.count if isinstance(body, (FileSlice, Relay)) else len(body) if body is not None else 0
        lines = [f"{method} {target} HTTP/1.1", f"Host: {host}", "User-Agent: specgen-client"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        if body is not None or method in ("PUT", "POST", "PATCH"):
            lines.append(f"Content-Length: {size}")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        for attempt in range(2):
            conn = self._get(key)
            try:
                self._send(conn, head, body, progress)
                return WireResponse(conn, self, method)
            except (OSError, ConnectionError) as exc:
                conn.close()
                if conn.reused and attempt == 0 and size <= 65536 and not isinstance(body, Relay):
                    continue  # closed by the server as we reused it: a small request goes again
                    # (a large body may have been partly applied: the caller asks the registry)
                raise TransportError(f"{method} {url}: connection failed: {exc!r}", cause=exc, sent=True) from exc
        raise AssertionError("unreachable")

    @staticmethod
    def _send(conn: _Conn, head: bytes, body: Body, progress: Callable[[int], None] | None) -> None:
        """The head, then the body: a file slice with sendfile, bytes with sendall, in steps of
        ``SEND_STEP`` so progress is reported while it goes."""
        sock = conn.sock
        if isinstance(body, Relay):
            sock.sendall(head)
            Wire._relay(sock, body, progress)
            return
        if body is None or (not isinstance(body, FileSlice) and len(body) <= 65536):
            sock.sendall(head + bytes(body or b""))
            if progress is not None and body:
                progress(len(body))
            return
        sock.sendall(head)
        size = body.count if isinstance(body, FileSlice) else len(body)
        view = None if isinstance(body, FileSlice) else memoryview(body).cast("B")
        sent = 0
        while sent < size:
            step = min(SEND_STEP, size - sent)
            if isinstance(body, FileSlice):
                n = sock.sendfile(body.file, body.offset + sent, step)
                if not n:
                    raise ConnectionError(f"the file ended after {sent} of {size} bytes")
            else:
                assert view is not None
                sock.sendall(view[sent : sent + step])
                n = step
            sent += n
            if progress is not None:
                progress(sent)

    @staticmethod
    def _relay(sock: socket.socket, body: Relay, progress: Callable[[int], None] | None) -> None:
        view = memoryview(bytearray(min(RELAY_BUFFER, max(body.count, 1))))
        sent = 0
        while sent < body.count:
            n = body.source.readinto(view[: body.count - sent])
            if not n:
                raise ConnectionError(f"the source ended after {sent} of {body.count} bytes")
            sock.sendall(view[:n])
            sent += n
            if progress is not None:
                progress(sent)

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        body: Body = None,
        authorize: bool = True,
        progress: Callable[[int], None] | None = None,
    ) -> WireResponse:
        """A request with the transport's auth and retry policy (401 challenges answered, 429/503
        retried with backoff; the body is a file slice or bytes, so it can always be sent again)."""
        url = self.transport.url(url)
        attempt = auth_tries = 0
        while True:
            hdrs = dict(headers or {})
            if authorize:
                hdrs.update({k: v for k, v in self.transport.auth.headers().items() if k not in hdrs})
            resp = self.exchange(method, url, hdrs, body, progress)
            if isinstance(body, Relay):
                return resp  # sent once: the caller starts the relay over if it must
            if resp.status == 401 and authorize and auth_tries < 2:
                resp.read()
                if self.transport.auth.handle_401(
                    resp.httpx_response(), self.transport.http, hdrs.get("Authorization")
                ):
                    auth_tries += 1
                    continue
                return resp
            if resp.status in RETRY_STATUSES and attempt < self.transport.retries:
                resp.read()
                self.transport._sleep(self.transport._delay(attempt, resp.httpx_response()))
                attempt += 1
                continue
            return resp

    def get_following(self, url: str, headers: Mapping[str, str] | None = None, hops: int = 5) -> WireResponse:
        """GET following redirects; credentials go only to the registry's own host."""
        own = urlsplit(self.transport.url("/")).netloc
        current = self.transport.url(url)
        for _ in range(hops):
            resp = self.request("GET", current, headers=headers, authorize=urlsplit(current).netloc == own)
            if resp.status in (301, 302, 303, 307, 308) and resp.header("location"):
                resp.read()
                current = httpx.URL(current).join(resp.header("location")).__str__()
                continue
            return resp
        raise TransportError(f"GET {url}: more than {hops} redirects")
