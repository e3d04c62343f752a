"""A bearer-token gateway for the client tests: a token endpoint plus a proxy that only lets a
request through to the upstream registry with a token for its scope, like a registry configured
with ``auth: token``. Runs in a thread on 127.0.0.1, port 0."""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import httpx

SERVICE = "test-registry"
_REPO = re.compile(r"^/v2/(.+?)/(?:blobs|manifests|tags|referrers)/")


def scope_for(method: str, path: str) -> str | None:
    if path.startswith("/v2/_catalog"):
        return "registry:catalog:*"
    m = _REPO.match(path)
    if not m:
        return None
    actions = "pull" if method in ("GET", "HEAD") else "pull,push"
    return f"repository:{m.group(1)}:{actions}"


class TokenGateway:
    def __init__(self, upstream: str | None, *, credentials: tuple[str, str] | None = None,
                 lifetime: int = 300, mint=None) -> None:
        """``upstream=None``: only the token endpoint. ``mint(scopes, lifetime) -> str`` makes the
        tokens (default: random strings this gateway checks itself)."""
        self.upstream = upstream.rstrip("/") if upstream else None
        self.mint = mint
        self.credentials = credentials
        self.lifetime = lifetime
        self.tokens: dict[str, tuple[set[str], float]] = {}   # token -> (granted scopes, expiry)
        self.token_requests: list[dict[str, list[str]]] = []
        self.challenges = 0
        self.http = httpx.Client(timeout=30)
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _reply(self, status, headers, body=b""):
                self.send_response(status)
                for k, v in headers:
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def _token(self):
                query = parse_qs(urlsplit(self.path).query)
                gateway.token_requests.append(query)
                if gateway.credentials is not None:
                    user, pw = gateway.credentials
                    want = "Basic " + base64.b64encode(f"{user}:{pw}".encode()).decode()
                    if self.headers.get("Authorization") != want:
                        return self._reply(401, [("Content-Type", "application/json")],
                                           b'{"details": "bad credentials"}')
                scopes = query.get("scope", [])
                token = gateway.mint(scopes, gateway.lifetime) if gateway.mint else secrets.token_hex(16)
                gateway.tokens[token] = (set(scopes), time.time() + gateway.lifetime)
                body = json.dumps({"token": token, "expires_in": gateway.lifetime}).encode()
                self._reply(200, [("Content-Type", "application/json")], body)

            def _proxy(self):
                if urlsplit(self.path).path == "/token":
                    return self._token()
                if gateway.upstream is None:
                    return self._reply(404, [])
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                path = urlsplit(self.path).path
                scope = scope_for(self.command, path)
                auth = self.headers.get("Authorization", "")
                granted = gateway.tokens.get(auth[7:]) if auth.startswith("Bearer ") else None
                ok = granted is not None and granted[1] > time.time() and (
                    scope is None or scope in granted[0])
                if not ok:
                    gateway.challenges += 1
                    host = self.headers["Host"]
                    challenge = f'Bearer realm="http://{host}/token",service="{SERVICE}"'
                    if scope:
                        challenge += f',scope="{scope}"'
                    err = {"errors": [{"code": "UNAUTHORIZED", "message": "authentication required",
                                       "detail": None}]}
                    return self._reply(401, [("WWW-Authenticate", challenge),
                                             ("Content-Type", "application/json")],
                                       json.dumps(err).encode())
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in ("authorization", "connection", "content-length",
                                                "transfer-encoding")}
                resp = gateway.http.request(self.command, gateway.upstream + self.path,
                                            headers=headers, content=body)
                out = [(k, v) for k, v in resp.headers.multi_items()
                       if k.lower() not in ("content-length", "connection", "transfer-encoding",
                                            "content-encoding")]
                self._reply(resp.status_code, out, resp.content)

            do_GET = do_HEAD = do_PUT = do_POST = do_PATCH = do_DELETE = _proxy

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> TokenGateway:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.http.close()
