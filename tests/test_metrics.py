"""Prometheus ``/metrics`` of ``specgen serve``'s outer layer, read with prometheus-client's own
parser: requests by route, method and status, latency histograms, bytes in and out, uploads in
progress, storage errors, GC runs; across worker processes too."""

from __future__ import annotations

import os
import time

import pytest
from prometheus_client.parser import text_string_to_metric_families
from registry_harness import CheckedClient, digest

from specgen.config import defaults
from specgen.descriptors import load_set
from specgen.server import operate, serving


def families(text: str) -> dict:
    return {f.name: f for f in text_string_to_metric_families(text)}


def value(fams: dict, name: str, suffix: str = "", **labels) -> float:
    """The sample ``name + suffix`` whose labels include ``labels`` (0 when there is none)."""
    fam = fams.get(name)
    if fam is None:
        return 0.0
    total = 0.0
    for s in fam.samples:
        if s.name == name + suffix and all(s.labels.get(k) == v for k, v in labels.items()):
            total += s.value
    return total


@pytest.fixture
def observed(tmp_path):
    dset = load_set("oci_v1_1")
    settings = defaults()
    app = serving.create_app(dset, serving.committed_stub("oci_v1_1"), str(tmp_path / "root"), settings=settings)
    outer = operate.wrap(app, settings)
    reg = CheckedClient(outer, dset)
    reg.app = outer
    yield reg
    reg.close()


def scrape(reg) -> dict:
    r = reg.request("GET", "/metrics", declared=False)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain; version=0.0.4")
    return families(r.text)


def test_requests_latency_and_bytes_by_route_method_and_status(observed):
    reg = observed
    data = os.urandom(3000)
    d = reg.push_blob("lib/app", data)  # POST monolithic: 201, 3000 bytes in
    assert reg.get(f"/v2/lib/app/blobs/{d}").content == data  # 3000 bytes out
    assert reg.get(f"/v2/lib/app/blobs/{digest(b'absent')}").status_code == 404
    assert reg.get("/v2/").status_code == 200
    fams = scrape(reg)
    assert value(fams, "specgen_http_requests", "_total", route="blob-upload", method="POST", status="201") == 1
    assert value(fams, "specgen_http_requests", "_total", route="blob", method="GET", status="200") == 1
    assert value(fams, "specgen_http_requests", "_total", route="blob", method="GET", status="404") == 1
    assert value(fams, "specgen_http_requests", "_total", route="base", method="GET", status="200") == 1
    assert value(fams, "specgen_http_request_duration_seconds", "_count", route="blob", method="GET") == 2
    assert value(fams, "specgen_http_request_duration_seconds", "_bucket", route="blob", method="GET", le="+Inf") == 2
    assert value(fams, "specgen_http_request_duration_seconds", "_sum", route="blob", method="GET") > 0
    assert value(fams, "specgen_http_request_body_bytes", "_total", route="blob-upload", method="POST") == 3000
    out = value(fams, "specgen_http_response_body_bytes", "_total", route="blob", method="GET")
    assert 3000 < out < 3300  # the blob and the 404's error envelope
    assert value(fams, "specgen_uploads_in_progress") == 0
    # the scrape itself is counted on the next one
    fams = scrape(reg)
    assert value(fams, "specgen_http_requests", "_total", route="metrics", method="GET", status="200") == 1
    assert {"specgen_storage_errors", "specgen_gc_runs", "specgen_gc_freed_bytes"} <= set(fams)


def test_uploads_in_progress_counts_requests_being_served(observed):
    reg = observed
    seen = []
    gauge = reg.app.metrics.uploads

    async def body():
        seen.append(gauge._value.get())  # read while the server takes the body in
        yield b"chunk"

    loc = reg.post("/v2/lib/app/blobs/uploads/").headers["Location"]
    r = reg.request("PATCH", loc, content=body(), declared=False)
    assert r.status_code == 202
    assert seen == [1.0]
    assert value(scrape(reg), "specgen_uploads_in_progress") == 0


def test_storage_errors_are_counted_by_operation(observed, tmp_path):
    """A real failure: the blob store's folder replaced by a file, so storing fails (ENOTDIR)."""
    reg = observed
    blobs = tmp_path / "root" / "blobs"
    blobs.rename(tmp_path / "blobs-aside")
    blobs.write_bytes(b"not a folder")
    r = reg.request("GET", "/readyz", declared=False)
    assert r.status_code == 503 and r.json()["status"] == "unavailable"
    data = b"cannot be stored"
    r = reg.request("POST", f"/v2/lib/app/blobs/uploads/?digest={digest(data)}", content=data, declared=False)
    assert r.status_code >= 500
    fams = scrape(reg)
    assert value(fams, "specgen_storage_errors", "_total", operation="put_blob") == 1  # the probe
    assert value(fams, "specgen_storage_errors", "_total", operation="commit_upload") == 1


# -- live: several workers, periodic GC --------------------------------------------------------------


@pytest.mark.slow
def test_metrics_of_every_worker_and_periodic_gc_runs(tmp_path):
    """Two worker processes: ``/metrics`` sums both (prometheus-client's multiprocess mode), and
    the periodic garbage collection (``--gc-interval``) counts its runs."""
    import httpx
    from peers import start_specgen

    peer = start_specgen(tmp_path / "serve", workers=2,
                         extra_args=["--gc-interval", "0.2", "--gc-grace", "0", "--no-access-log"])
    try:
        with httpx.Client(base_url=peer.url, timeout=10) as c:
            before = value(families(c.get("/metrics").text), "specgen_http_requests", "_total", route="base")
            n = 20  # new connections: the kernel spreads them over both workers; each scrape sees all
            for _ in range(n):
                with httpx.Client(base_url=peer.url, timeout=10) as one:
                    assert one.get("/v2/").status_code == 200
            deadline = time.monotonic() + 20
            while True:  # poll (with a deadline) until the periodic GC has run in some worker
                fams = families(c.get("/metrics").text)
                if value(fams, "specgen_gc_runs", "_total", result="ok") >= 1:
                    break
                assert time.monotonic() < deadline, "no periodic gc run"
            assert value(fams, "specgen_http_requests", "_total", route="base", method="GET", status="200") == before + n
    finally:
        peer.stop()
    assert "Traceback" not in peer.log_tail(200)
