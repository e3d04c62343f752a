"""Liveness and readiness (storage writable and readable), the request id (kept when sane, made
otherwise, echoed and in the scope for inner layers), and the access log (combined or JSON lines,
never ``Authorization`` nor a token)."""

from __future__ import annotations

import json
import logging

import pytest
from registry_harness import CheckedClient

from specgen.config import defaults
from specgen.descriptors import load_set
from specgen.server import operate, serving
from specgen.server.accesslog import LOGGER, REDACTED, redact_query
from specgen.server.observe import REQUEST_ID, Observe, ObserveSettings


def observed(tmp_path, **changes) -> CheckedClient:
    dset = load_set("oci_v1_1")
    settings = {**defaults(), **changes}
    app = serving.create_app(dset, serving.committed_stub("oci_v1_1"), str(tmp_path / "root"), settings=settings)
    reg = CheckedClient(operate.wrap(app, settings), dset)
    return reg


class Lines(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(record.getMessage())


@pytest.fixture
def access_lines():
    handler = Lines()
    logger = logging.getLogger(LOGGER)
    logger.addHandler(handler)
    yield handler.lines
    logger.removeHandler(handler)


def test_liveness_and_readiness(tmp_path):
    reg = observed(tmp_path)
    try:
        r = reg.request("GET", "/healthz", declared=False)
        assert r.status_code == 200 and r.json() == {"status": "ok"}
        r = reg.request("GET", "/readyz", declared=False)
        assert r.status_code == 200 and r.json()["status"] == "ready"
        assert reg.request("HEAD", "/readyz", declared=False).status_code == 200
        assert reg.request("POST", "/healthz", declared=False).status_code == 405
        # the probe leaves no blob behind
        assert not list((tmp_path / "root" / "blobs").rglob("data"))
    finally:
        reg.close()


def test_readiness_fails_when_the_storage_cannot_be_written(tmp_path):
    reg = observed(tmp_path)
    try:
        (tmp_path / "root" / "blobs").rename(tmp_path / "aside")
        (tmp_path / "root" / "blobs").write_text("a file where the blob store was")
        r = reg.request("GET", "/readyz", declared=False)
        assert r.status_code == 503 and r.json()["status"] == "unavailable"
        assert str(tmp_path) not in r.text  # no path leaks to the client
        assert reg.request("GET", "/healthz", declared=False).status_code == 200  # alive all the same
    finally:
        reg.close()


def test_paths_are_configurable_and_can_be_turned_off(tmp_path):
    reg = observed(tmp_path, **{"health.liveness_path": "/live", "metrics.enabled": False, "health.readiness_path": "/ready"})
    try:
        assert reg.request("GET", "/live", declared=False).status_code == 200
        assert reg.request("GET", "/ready", declared=False).status_code == 200
        assert reg.request("GET", "/metrics", declared=False).status_code == 404
        assert reg.request("GET", "/healthz", declared=False).status_code == 404
    finally:
        reg.close()


def test_request_id_is_kept_when_sane_made_otherwise_and_in_the_scope(tmp_path):
    seen = []

    async def inner(scope, receive, send):
        seen.append(scope[REQUEST_ID])
        await send({"type": "http.response.start", "status": 204, "headers": [(b"x-request-id", b"inner")]})
        await send({"type": "http.response.body", "body": b""})

    client = CheckedClient(Observe(inner, ObserveSettings(metrics=False, access_log=False)), load_set("oci_v1_1"))
    try:
        r = client.request("GET", "/x", headers={"X-Request-Id": "build-42.a:b"}, declared=False)
        assert r.headers.get_list("x-request-id") == ["build-42.a:b"] and seen[-1] == "build-42.a:b"
        for bad in ("has space", "x" * 200, "new\x7fline"):
            r = client.request("GET", "/x", headers={"X-Request-Id": bad}, declared=False)
            rid = r.headers["x-request-id"]
            assert rid != bad and len(rid) == 32 and seen[-1] == rid
        ids = {client.request("GET", "/x", declared=False).headers["x-request-id"] for _ in range(5)}
        assert len(ids) == 5
    finally:
        client.close()


@pytest.mark.parametrize("fmt", ["combined", "json"])
def test_access_log_never_holds_authorization_or_tokens(tmp_path, access_lines, fmt):
    reg = observed(tmp_path, **{"log.format": fmt})
    secret = "s3cr3t-VALUE"
    try:
        data = b"logged blob"
        d = reg.push_blob("lib/app", data)
        r = reg.request("GET", f"/v2/lib/app/blobs/{d}?access_token={secret}&X-Amz-Signature={secret}&n=1",
                        headers={"Authorization": f"Bearer {secret}", "Cookie": f"session={secret}",
                                 "User-Agent": "tester/1", "X-Request-Id": "rid-1"}, declared=False)
        assert r.status_code == 200
    finally:
        reg.close()
    assert len(access_lines) == 2
    assert not any(secret in line for line in access_lines)
    line = access_lines[-1]
    if fmt == "json":
        doc = json.loads(line)
        assert doc["request_id"] == "rid-1" and doc["status"] == 200 and doc["bytes_out"] == len(data)
        assert doc["method"] == "GET" and doc["route"] == "blob" and doc["user_agent"] == "tester/1"
        assert f"access_token={REDACTED}" in doc["query"] and "n=1" in doc["query"]
        assert json.loads(access_lines[0])["bytes_in"] == len(data)
    else:
        assert line.startswith("127.0.0.1 - - [")
        assert f'"GET /v2/lib/app/blobs/{d}?access_token={REDACTED}' in line
        assert f'" 200 {len(data)} "-" "tester/1" request_id=rid-1 duration=' in line


def test_access_log_can_be_turned_off(tmp_path, access_lines):
    reg = observed(tmp_path, **{"log.access": False})
    try:
        reg.get("/v2/")
    finally:
        reg.close()
    assert access_lines == []


def test_redaction_keeps_ordinary_parameters():
    assert redact_query("n=10&last=a%2Fb") == "n=10&last=a/b"
    assert redact_query("token=x&digest=sha256:ab") == f"token={REDACTED}&digest=sha256:ab"
    assert redact_query("") == ""
