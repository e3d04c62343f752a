"""An in-process client for the registry app whose every exchange goes through ``specgen.checker.validate``.

``CheckedClient.request`` fails the test at once when the response is not declared for the request
(status, headers, error codes, body schema), and records which request descriptor each exchange
exercised so a test can assert that every descriptor of the set was covered.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from typing import Any

import httpx

from specgen.checker.validate import Exchange, locate, validate
from specgen.model import DescriptorSet


def digest(data: bytes, algorithm: str = "sha256") -> str:
    return f"{algorithm}:{hashlib.new(algorithm, data).hexdigest()}"


class CheckedClient:
    def __init__(self, app: Any, dset: DescriptorSet, coverage: set | None = None,
                 base_url: str = "http://registry.test"):
        self.dset = dset
        self.loop = asyncio.new_event_loop()
        self.client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url)
        self.coverage = coverage if coverage is not None else set()
        self.exchanges: list[Exchange] = []

    def close(self) -> None:
        self.loop.run_until_complete(self.client.aclose())
        self.loop.close()

    def request(self, method: str, url: str, *, declared: bool = True, **kw) -> httpx.Response:
        """Send a request; unless ``declared=False`` (a deliberate probe of something the set does
        not declare, e.g. an undeclared method), fail on any finding of ``validate``."""
        r = self.loop.run_until_complete(self.client.request(method, url, **kw))
        body = kw.get("content")
        if body is None and "json" in kw:
            body = json.dumps(kw["json"]).encode()
        ex = Exchange(method, str(r.request.url), dict(r.request.headers), r.status_code,
                      dict(r.headers), r.content, body if isinstance(body, bytes) else None)
        self.exchanges.append(ex)
        if not declared:
            return r
        errors = [f for f in validate(ex, self.dset) if f.severity == "error"]
        assert not errors, f"{method} {url} -> {r.status_code} {r.content[:300]!r}: " + "; ".join(
            f"{f.path}: {f.message}" for f in errors)
        target = locate(ex, self.dset)
        if hasattr(target, "route") and not target.ambiguous:
            self.coverage.add((target.route.name, target.method.method, target.request_label))
        return r

    def get(self, url: str, **kw) -> httpx.Response:
        return self.request("GET", url, **kw)

    def head(self, url: str, **kw) -> httpx.Response:
        return self.request("HEAD", url, **kw)

    def put(self, url: str, **kw) -> httpx.Response:
        return self.request("PUT", url, **kw)

    def post(self, url: str, **kw) -> httpx.Response:
        return self.request("POST", url, **kw)

    def patch(self, url: str, **kw) -> httpx.Response:
        return self.request("PATCH", url, **kw)

    def delete(self, url: str, **kw) -> httpx.Response:
        return self.request("DELETE", url, **kw)

    # -- conveniences ------------------------------------------------------------------------------
    def push_blob(self, repo: str, data: bytes, algorithm: str = "sha256") -> str:
        d = digest(data, algorithm)
        r = self.post(f"/v2/{repo}/blobs/uploads/?digest={d}", content=data)
        assert r.status_code == 201, r.text
        return d

    def push_manifest(self, repo: str, ref: str, doc: dict | bytes,
                      media_type: str = "application/vnd.oci.image.manifest.v1+json") -> httpx.Response:
        body = doc if isinstance(doc, bytes) else json.dumps(doc, indent=2).encode()
        return self.put(f"/v2/{repo}/manifests/{ref}", content=body, headers={"Content-Type": media_type})


def all_requests(dset: DescriptorSet) -> set[tuple[str, str, str]]:
    from specgen.checker.validate import request_label

    out = set()
    for route in dset.routes:
        for method in route.methods or ():
            for i, _ in enumerate(method.requests or ()):
                out.add((route.name, method.method, request_label(method, i)))
    return out
