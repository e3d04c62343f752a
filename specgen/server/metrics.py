"""The server's Prometheus metrics (``prometheus-client``): one ``Metrics`` per app, on a registry
of its own; with several worker processes (``PROMETHEUS_MULTIPROC_DIR`` set by ``specgen serve``),
each worker writes its values there and ``/metrics`` reads them all."""

from __future__ import annotations

import os

#: prometheus-client's variable: the folder where worker processes share their values.
ENV_MULTIPROC = "PROMETHEUS_MULTIPROC_DIR"
#: Latency buckets (seconds): from a cached manifest to a multi-gigabyte layer.
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)


class Metrics:
    """The metric families; ``exposition()`` is the ``/metrics`` body."""

    CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

    def __init__(self) -> None:
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        self.multiproc_dir = os.environ.get(ENV_MULTIPROC) or None
        self.registry = CollectorRegistry(auto_describe=True)
        reg = None if self.multiproc_dir else self.registry
        by_request = ["route", "method"]
        self.requests = Counter(
            "specgen_http_requests", "HTTP requests answered", ["route", "method", "status"], registry=reg
        )
        self.latency = Histogram(
            "specgen_http_request_duration_seconds",
            "Time from a request's arrival to the end of its answer",
            by_request,
            buckets=BUCKETS,
            registry=reg,
        )
        self.bytes_in = Counter(
            "specgen_http_request_body_bytes", "Request body bytes received", by_request, registry=reg
        )
        self.bytes_out = Counter(
            "specgen_http_response_body_bytes", "Response body bytes sent", by_request, registry=reg
        )
        self.uploads = Gauge(
            "specgen_uploads_in_progress",
            "Blob upload requests (POST, PATCH, PUT on the upload routes) being served now",
            registry=reg,
            multiprocess_mode="livesum",
        )
        self.storage_errors = Counter(
            "specgen_storage_errors",
            "Storage driver calls that failed with an I/O error or StorageUnavailable",
            ["operation"],
            registry=reg,
        )
        self.gc_runs = Counter("specgen_gc_runs", "Garbage collection runs", ["result"], registry=reg)
        self.gc_deleted_blobs = Counter("specgen_gc_deleted_blobs", "Blobs garbage collection deleted", registry=reg)
        self.gc_freed_bytes = Counter("specgen_gc_freed_bytes", "Bytes garbage collection freed", registry=reg)

    def exposition(self) -> bytes:
        from prometheus_client import CollectorRegistry, generate_latest

        if self.multiproc_dir:
            from prometheus_client import multiprocess

            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry, path=self.multiproc_dir)
            return generate_latest(registry)
        return generate_latest(self.registry)
