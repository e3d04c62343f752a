#!/usr/bin/env python3
"""Benchmark ``specgen serve`` against Debian's docker-registry (distribution 2.8.2), side by side on
this machine in the same run, and write docs/benchmarks.md.

    python benchmarks/run.py [--size-mib 512] [--chunk-mib 16] [--manifests 200] [--runs 3]
                             [--workers N] [--set SET] [--no-write]
                             [--burst | --burst-only] [--burst-count 30] [--burst-mib 200]

``--burst`` adds the memory case (``benchmarks/burst.py``: 30 concurrent 200 MiB uploads, peak RSS
against docker-registry's, RSS 10 s after the burst against idle); ``--burst-only`` runs it alone.

Measured per server (both bind 127.0.0.1, storage in one temporary directory on the same disk):

- blob push, monolithic (POST, then PUT with the whole body) and chunked (POST, PATCH per chunk with
  Content-Range, PUT with the digest), MiB/s; each run pushes a blob with a new digest;
- blob pull (GET), MiB/s;
- N small manifests: PUT, then HEAD, then GET by tag on one keep-alive connection, req/s, p50, p99;
- before each timed push and manifest round, an untimed sync(2), so neither server pays for the
  other's (or its own earlier) dirty pages;
- peak RSS of the server's process group while the big-blob runs go on (VmRSS sampled every 10 ms,
  summed over the group's processes), and the sum of VmHWM at the end.

The client sends bodies with sendfile(2) and reads responses into a reused buffer, so it is not the
bottleneck; ``client ceiling`` measures the same client against a null server that discards uploads
and serves downloads with sendfile.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import platform
import shlex
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

import peers  # noqa: E402  (tests/peers.py: starts the servers)

MiB = 1 << 20
TARGETS = {  # specgen / Go ratio wanted, and whether higher is better
    "push_mono": (2.0, True), "push_chunked": (2.0, True), "pull": (1.0, True),
    "manifest_put": (1.0, True), "manifest_head": (1.0, True), "manifest_get": (1.0, True),
    "rss": (2.0, False),
}


# --- a minimal fast HTTP/1.1 client ----------------------------------------------------------------

class Client:
    """One keep-alive connection; bodies from files go out with sendfile(2)."""

    def __init__(self, base: str) -> None:
        u = urllib.parse.urlsplit(base)
        self.host, self.port = u.hostname, u.port
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=300, blocksize=MiB)
        self.buf = bytearray(4 * MiB)

    def request(self, method: str, path: str, headers: dict | None = None, body: bytes = b"",
                file: tuple[object, int, int] | None = None) -> tuple[int, http.client.HTTPMessage, bytes]:
        """Send a request; ``file`` = (fileobj, offset, count) streams that slice with sendfile."""
        c = self.conn
        if c.sock is None:
            c.connect()
            c.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        c.putrequest(method, path, skip_accept_encoding=True)
        length = file[2] if file else len(body)
        hdrs = {"Content-Length": str(length)} if (file or body or method in ("PUT", "POST", "PATCH")) else {}
        hdrs.update(headers or {})
        for k, v in hdrs.items():
            c.putheader(k, v)
        c.endheaders()
        if file:
            f, off, count = file
            sent = 0
            while sent < count:
                n = c.sock.sendfile(f, off + sent, count - sent)
                if n == 0:
                    raise OSError("sendfile sent nothing")
                sent += n
        elif body:
            c.sock.sendall(body)
        resp = c.getresponse()
        data = resp.read()  # empty for HEAD (http.client knows the method)
        return resp.status, resp.headers, data

    def download(self, path: str) -> int:
        """GET ``path`` and discard the body into a reused buffer; returns the byte count."""
        c = self.conn
        if c.sock is None:
            c.connect()
        c.request("GET", path, headers={"Accept-Encoding": "identity"})
        resp = c.getresponse()
        if resp.status != 200:
            raise RuntimeError(f"GET {path}: {resp.status} {resp.read()[:300]!r}")
        view, total = memoryview(self.buf), 0
        while True:
            n = resp.readinto(view)
            if not n:
                break
            total += n
        return total

    def close(self) -> None:
        self.conn.close()


def _path(location: str) -> str:
    u = urllib.parse.urlsplit(location)
    return u.path + ("?" + u.query if u.query else "")


def _with_query(path: str, **params: str) -> str:
    sep = "&" if "?" in path else "?"
    return path + sep + urllib.parse.urlencode(params)


def _expect(status: int, want: int, what: str, body: bytes) -> None:
    if status != want:
        raise RuntimeError(f"{what}: HTTP {status} (wanted {want}): {body[:500]!r}")


# --- workloads -------------------------------------------------------------------------------------

@dataclass
class Blob:
    path: Path
    size: int
    digest: str = ""

    def rekey(self, run: int) -> None:
        """Give the blob a new digest for this run (first 16 bytes), so no server can skip work."""
        with open(self.path, "r+b") as f:
            f.write(f"run{run:013d}".encode())
        h = hashlib.sha256()
        with open(self.path, "rb") as f:
            while chunk := f.read(8 * MiB):
                h.update(chunk)
        self.digest = "sha256:" + h.hexdigest()


def push_monolithic(cl: Client, repo: str, blob: Blob) -> None:
    st, h, body = cl.request("POST", f"/v2/{repo}/blobs/uploads/")
    _expect(st, 202, "POST upload", body)
    with open(blob.path, "rb") as f:
        st, h, body = cl.request("PUT", _with_query(_path(h["Location"]), digest=blob.digest),
                                 {"Content-Type": "application/octet-stream"}, file=(f, 0, blob.size))
    _expect(st, 201, "PUT monolithic", body)


def push_chunked(cl: Client, repo: str, blob: Blob, chunk: int) -> None:
    st, h, body = cl.request("POST", f"/v2/{repo}/blobs/uploads/")
    _expect(st, 202, "POST upload", body)
    loc = _path(h["Location"])
    with open(blob.path, "rb") as f:
        for off in range(0, blob.size, chunk):
            n = min(chunk, blob.size - off)
            st, h, body = cl.request("PATCH", loc, {"Content-Type": "application/octet-stream",
                                                    "Content-Range": f"{off}-{off + n - 1}"},
                                     file=(f, off, n))
            _expect(st, 202, f"PATCH {off}", body)
            loc = _path(h["Location"])
    st, h, body = cl.request("PUT", _with_query(loc, digest=blob.digest))
    _expect(st, 201, "PUT close", body)


def pull(cl: Client, repo: str, blob: Blob) -> None:
    got = cl.download(f"/v2/{repo}/blobs/{blob.digest}")
    if got != blob.size:
        raise RuntimeError(f"pulled {got} bytes, wanted {blob.size}")


def push_small_blob(cl: Client, repo: str, data: bytes) -> dict:
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    st, h, body = cl.request("POST", f"/v2/{repo}/blobs/uploads/")
    _expect(st, 202, "POST", body)
    st, h, body = cl.request("PUT", _with_query(_path(h["Location"]), digest=digest),
                             {"Content-Type": "application/octet-stream"}, body=data)
    _expect(st, 201, "PUT", body)
    return {"digest": digest, "size": len(data)}


OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"


def manifests(cl: Client, repo: str, count: int) -> dict[str, list[float]]:
    """PUT ``count`` distinct small manifests by tag, then HEAD them all, then GET them all."""
    config = push_small_blob(cl, repo, b'{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}')
    layer = push_small_blob(cl, repo, os.urandom(1024))
    bodies = []
    for i in range(count):
        bodies.append(json.dumps({
            "schemaVersion": 2, "mediaType": OCI_MANIFEST,
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", **config},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", **layer}],
            "annotations": {"n": str(i)},
        }, indent=2).encode())
    times: dict[str, list[float]] = {"manifest_put": [], "manifest_head": [], "manifest_get": []}
    for i, body in enumerate(bodies):
        t = time.perf_counter()
        st, _, resp = cl.request("PUT", f"/v2/{repo}/manifests/t{i}", {"Content-Type": OCI_MANIFEST}, body=body)
        times["manifest_put"].append(time.perf_counter() - t)
        _expect(st, 201, "PUT manifest", resp)
    for method, key in (("HEAD", "manifest_head"), ("GET", "manifest_get")):
        for i, body in enumerate(bodies):
            t = time.perf_counter()
            st, _, resp = cl.request(method, f"/v2/{repo}/manifests/t{i}", {"Accept": OCI_MANIFEST})
            times[key].append(time.perf_counter() - t)
            _expect(st, 200, f"{method} manifest", resp)
            if method == "GET" and resp != body:
                raise RuntimeError(f"manifest t{i} came back changed")
    return times


# --- memory ----------------------------------------------------------------------------------------

def group_pids(pgid: int) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid:  # field 5 of stat: process group
                pids.append(int(entry))
    return pids


def _status_kib(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


_TCK = os.sysconf("SC_CLK_TCK")


def group_cpu(pgid: int) -> float:
    """User + system CPU seconds used so far by the processes of a group (its live members)."""
    total = 0
    for pid in group_pids(pgid):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / _TCK


class RssSampler:
    """Samples the summed VmRSS of a process group every ``interval`` seconds while active."""

    def __init__(self, pgid: int, interval: float = 0.01) -> None:
        self.pgid, self.interval = pgid, interval
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> RssSampler:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        assert self._thread is not None
        self._thread.join()

    def _run(self) -> None:
        pids, refreshed = group_pids(self.pgid), time.monotonic()
        while not self._stop.is_set():
            if time.monotonic() - refreshed > 0.5:
                pids, refreshed = group_pids(self.pgid), time.monotonic()
            self.peak_kib = max(self.peak_kib, sum(_status_kib(p, "VmRSS") for p in pids))
            time.sleep(self.interval)

    def hwm_kib(self) -> int:
        return sum(_status_kib(p, "VmHWM") for p in group_pids(self.pgid))


# --- the null server: how fast is the client alone? ------------------------------------------------

def null_server(blob: Blob) -> tuple[str, socket.socket]:
    """Answers POST with a Location, discards PATCH/PUT bodies, serves GET from ``blob`` with sendfile."""
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)

    def handle(conn: socket.socket) -> None:
        f = conn.makefile("rb", buffering=MiB)
        buf = bytearray(4 * MiB)
        with conn, open(blob.path, "rb") as src:
            while True:
                line = f.readline()
                if not line:
                    return
                method = line.split()[0]
                length = 0
                while (h := f.readline()) not in (b"\r\n", b""):
                    if h.lower().startswith(b"content-length:"):
                        length = int(h.split(b":")[1])
                while length:
                    n = f.readinto(memoryview(buf)[:min(length, len(buf))])
                    length -= n
                if method == b"GET":
                    conn.sendall(f"HTTP/1.1 200 OK\r\nContent-Length: {blob.size}\r\n\r\n".encode())
                    conn.sendfile(src, 0, blob.size)
                else:
                    code = b"201 Created" if method == b"PUT" else b"202 Accepted"
                    conn.sendall(b"HTTP/1.1 " + code + b"\r\nLocation: /v2/null/blobs/uploads/x\r\n"
                                 b"Content-Length: 0\r\n\r\n")

    def serve() -> None:
        while True:
            try:
                conn, _ = srv.accept()
            except OSError:
                return
            threading.Thread(target=handle, args=(conn,), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    return f"http://127.0.0.1:{srv.getsockname()[1]}", srv


# --- running it ------------------------------------------------------------------------------------

@dataclass
class Result:
    name: str
    pid: int | None
    mibs: dict[str, list[float]] = field(default_factory=dict)
    cpu: dict[str, list[float]] = field(default_factory=dict)  # server CPU seconds per GiB
    latencies: dict[str, list[list[float]]] = field(default_factory=dict)  # per round
    rss_peak_kib: int = 0
    rss_hwm_kib: int = 0

    def rate(self, key: str) -> float:
        return statistics.median(self.mibs[key])

    def spread(self, key: str) -> str:
        v = self.mibs[key]
        return f"{statistics.median(v):.0f} ({min(v):.0f}–{max(v):.0f})"

    def rps(self, key: str) -> float:
        """Requests per second of the median round."""
        return statistics.median(len(r) / sum(r) for r in self.latencies[key])

    def pct(self, key: str, q: float) -> float:
        """Latency percentile over all rounds, in ms."""
        lat = sorted(t for r in self.latencies[key] for t in r)
        return lat[min(len(lat) - 1, int(q * len(lat)))] * 1000


def measure(servers: list[tuple[str, str, int]], blob: Blob, args) -> list[Result]:
    """Big-blob runs interleaved between the servers (run 1 on each, run 2 on each, ...) so drift in
    the machine's state hits both alike; then the manifest runs, one server after the other."""
    results = [Result(name, pgid, {k: [] for k in ("push_mono", "push_chunked", "pull")})
               for name, _, pgid in servers]
    clients = [Client(url) for _, url, _ in servers]
    samplers = [RssSampler(pgid) for _, _, pgid in servers]
    try:
        for s in samplers:
            s.__enter__()
        rekeys = 0
        for _ in range(args.runs):
            for res, cl in zip(results, clients):
                for key in ("push_mono", "push_chunked"):
                    blob.rekey(rekeys)
                    rekeys += 1
                    os.sync()  # untimed: no server pays for the other's dirty pages
                    repo = f"bench/{key.replace('_', '-')}"
                    c, t = group_cpu(res.pid), time.perf_counter()
                    if key == "push_mono":
                        push_monolithic(cl, repo, blob)
                    else:
                        push_chunked(cl, repo, blob, args.chunk_mib * MiB)
                    res.mibs[key].append(blob.size / MiB / (time.perf_counter() - t))
                    res.cpu.setdefault(key, []).append((group_cpu(res.pid) - c) * (1 << 30) / blob.size)
                for _ in range(args.pulls):
                    c, t = group_cpu(res.pid), time.perf_counter()
                    pull(cl, "bench/push-chunked", blob)
                    res.mibs["pull"].append(blob.size / MiB / (time.perf_counter() - t))
                    res.cpu.setdefault("pull", []).append((group_cpu(res.pid) - c) * (1 << 30) / blob.size)
        for res, s in zip(results, samplers):
            s.__exit__(None, None, None)
            res.rss_peak_kib, res.rss_hwm_kib = s.peak_kib, s.hwm_kib()
        samplers = []
        for rnd in range(args.runs):
            for res, cl in zip(results, clients):
                os.sync()
                for key, lat in manifests(cl, f"bench/manifests-{rnd}", args.manifests).items():
                    res.latencies.setdefault(key, []).append(lat)
    finally:
        for s in samplers:
            s.__exit__(None, None, None)
        for cl in clients:
            cl.close()
    return results


def measure_null(blob: Blob, args) -> Result:
    url, srv = null_server(blob)
    try:
        res = Result("client ceiling (null server)", None)
        cl = Client(url)
        res.mibs = {"push_mono": [], "push_chunked": [], "pull": []}
        for _ in range(args.runs):
            for key, fn in (("push_mono", lambda: push_monolithic(cl, "null", blob)),
                            ("push_chunked", lambda: push_chunked(cl, "null", blob, args.chunk_mib * MiB)),
                            ("pull", lambda: pull(cl, "null", blob))):
                t = time.perf_counter()
                fn()
                res.mibs[key].append(blob.size / MiB / (time.perf_counter() - t))
        cl.close()
        return res
    finally:
        srv.close()


def ratio(key: str, spec: Result, go: Result) -> float:
    if key == "rss":
        return spec.rss_peak_kib / go.rss_peak_kib if go.rss_peak_kib else float("nan")
    if key.startswith("manifest"):
        return spec.rps(key) / go.rps(key)
    return spec.rate(key) / go.rate(key)


def verdict(key: str, r: float) -> str:
    target, higher = TARGETS[key]
    ok = r >= target if higher else r <= target
    return ("met" if ok else "MISSED") + f" (target {'≥' if higher else '≤'}{target:g}x)"


def report(results: list[Result], null: Result | None, args, command: str, info: dict) -> str:
    go = next(r for r in results if r.name == "docker-registry")
    spec = next(r for r in results if r.name.startswith("specgen"))
    lines = [
        "## Server: specgen serve vs docker-registry",
        "",
        "Generated by `benchmarks/run.py`; do not edit by hand, re-run it. Both servers ran side by side",
        "on the same machine in the same run, bound to 127.0.0.1, storage in one temporary directory.",
        "",
        "Command:",
        "",
        "```sh",
        command,
        "```",
        "",
        "| | |",
        "|---|---|",
    ] + [f"| {k} | {v} |" for k, v in info.items()] + [
        "",
        f"### Blobs ({args.size_mib} MiB; chunked push in {args.chunk_mib} MiB PATCHes; MiB/s, median "
        f"of {args.runs} pushes and {args.runs * args.pulls} pulls, the servers taking turns)",
        "",
        "Cells: median (min–max).",
        "",
        "| | push monolithic | push chunked | pull | peak RSS (MiB) | VmHWM sum (MiB) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in ([null] if null else []) + results:
        rss = f"{r.rss_peak_kib / 1024:.1f}" if r.pid else "–"
        hwm = f"{r.rss_hwm_kib / 1024:.1f}" if r.pid else "–"
        lines.append(f"| {r.name} | {r.spread('push_mono')} | {r.spread('push_chunked')} | "
                     f"{r.spread('pull')} | {rss} | {hwm} |")
    lines += [
        "",
        "Server CPU seconds (user + system, whole process group) per GiB moved, median: the work each "
        "server does per byte, which depends less than MiB/s on how many cores were free.",
        "",
        "| | push monolithic | push chunked | pull |",
        "|---|---:|---:|---:|",
    ]
    for r in results:
        lines.append(f"| {r.name} | " + " | ".join(f"{statistics.median(r.cpu[k]):.2f}"
                                                    for k in ("push_mono", "push_chunked", "pull")) + " |")
    lines += [
        "",
        f"### Manifests ({args.manifests} small OCI manifests by tag, one keep-alive connection, sequential; "
        f"req/s of the median of {args.runs} rounds, latencies over all rounds)",
        "",
        "| | PUT req/s | PUT p50 / p99 ms | HEAD req/s | HEAD p50 / p99 ms | GET req/s | GET p50 / p99 ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        cells = []
        for key in ("manifest_put", "manifest_head", "manifest_get"):
            cells += [f"{r.rps(key):.0f}", f"{r.pct(key, 0.5):.2f} / {r.pct(key, 0.99):.2f}"]
        lines.append(f"| {r.name} | " + " | ".join(cells) + " |")
    lines += ["", "### Ratios specgen / docker-registry", ""]
    busy = float(args.load_before)  # before our own servers and client added theirs
    if busy > (os.cpu_count() or 1) * 0.5:
        lines += [f"**The machine was busy during this run** (load average {busy:.1f} on "
                  f"{os.cpu_count()} cores before it started: other jobs competed with the client and "
                  "both servers), so "
                  "absolute numbers are low and single runs vary widely (see min–max above). The servers "
                  "took turns under the same load, so the ratios are indicative; re-run on a quiet "
                  "machine before reading them as final.", ""]
    lines += ["| measure | ratio | verdict |", "|---|---:|---|"]
    labels = {"push_mono": "push monolithic MiB/s", "push_chunked": "push chunked MiB/s", "pull": "pull MiB/s",
              "manifest_put": "manifest PUT req/s", "manifest_head": "manifest HEAD req/s",
              "manifest_get": "manifest GET req/s", "rss": "peak RSS (lower is better)"}
    for key in TARGETS:
        r = ratio(key, spec, go)
        lines.append(f"| {labels[key]} | {r:.2f} | {verdict(key, r)} |")
    return "\n".join(lines) + "\n"


def _loadavg() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


def machine_info(args, spec_set: str) -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    try:
        go_version = subprocess.run([peers.DOCKER_REGISTRY, "--version"], capture_output=True,
                                    text=True, timeout=10).stdout.strip()
    except OSError:
        go_version = "?"
    return {
        "date (UTC)": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
        "CPU": f"{cpu}, {os.cpu_count()} cores",
        "kernel": platform.release(),
        "Python": platform.python_version(),
        "docker-registry": go_version,
        "load average (1 min) before / after": f"{args.load_before} / {_loadavg()}",
        "specgen serve": f"--set {spec_set}" + (f" --workers {args.workers}" if args.workers else " (default workers)"),
    }


def _burst(servers: list[tuple[str, str, int]], tmp: Path, args) -> list:
    """The memory case (``benchmarks/burst.py``): ``--burst-count`` concurrent ``--burst-mib`` uploads."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import burst

    blob = Blob(tmp / "burst.bin", args.burst_mib * MiB)
    with open(blob.path, "wb") as f:
        for _ in range(args.burst_mib):
            f.write(os.urandom(MiB))
    blob.rekey(0)
    print(f"memory case: {args.burst_count} concurrent {args.burst_mib} MiB uploads per server ...",
          file=sys.stderr, flush=True)
    return burst.measure_burst(sys.modules[__name__], servers, blob, args.burst_count, args.burst_settle)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--size-mib", type=int, default=512)
    p.add_argument("--chunk-mib", type=int, default=16)
    p.add_argument("--manifests", type=int, default=200)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--pulls", type=int, default=3, help="pulls per run (pull times are noisy)")
    p.add_argument("--workers", type=int, default=None, help="passed to specgen serve --workers")
    p.add_argument("--set", default=None, help="descriptor set for specgen serve (default: oci_v1_1 if bundled)")
    p.add_argument("--no-null", action="store_true", help="skip the client-ceiling run")
    p.add_argument("--no-write", action="store_true", help="do not write docs/benchmarks.md")
    p.add_argument("--tmp", default=None, help="directory for the servers' storage (default: system tmp)")
    p.add_argument("--burst-count", type=int, default=30, help="memory case: concurrent uploads (default: 30)")
    p.add_argument("--burst-mib", type=int, default=200, help="memory case: MiB per upload (default: 200)")
    p.add_argument("--burst-settle", type=float, default=10.0, help="memory case: seconds after the burst "
                   "before RSS is read again (default: 10)")
    p.add_argument("--burst", action="store_true", help="also run the memory case (benchmarks/burst.py)")
    p.add_argument("--burst-only", action="store_true", help="run the memory case alone (prints; writes nothing)")
    args = p.parse_args(argv)
    if args.burst_only:
        args.no_write = args.no_null = args.burst = True
    if not peers.docker_registry_available():
        print(f"{peers.DOCKER_REGISTRY} missing: apt-get install docker-registry", file=sys.stderr)
        return 2
    args.load_before = _loadavg()
    command = "python benchmarks/run.py " + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:]))
    with tempfile.TemporaryDirectory(prefix="specgen-bench-", dir=args.tmp) as tmp:
        tmp = Path(tmp)
        blob = Blob(tmp / "blob.bin", args.size_mib * MiB)
        with open(blob.path, "wb") as f:
            for _ in range(args.size_mib):
                f.write(os.urandom(MiB))
        go = peers.start_docker_registry(tmp / "go")
        spec_set = args.set or peers.default_set()
        try:
            spec = peers.start_specgen(tmp / "specgen", set=spec_set, workers=args.workers)
        except Exception:
            go.stop()
            raise
        try:
            print(f"measuring docker-registry at {go.url} and specgen serve at {spec.url} ...",
                  file=sys.stderr, flush=True)
            servers = [("docker-registry", go.url, go.pid), ("specgen serve", spec.url, spec.pid)]
            results = [] if args.burst_only else measure(servers, blob, args)
            bursts = _burst(servers, tmp, args) if args.burst else []
        finally:
            go.stop()
            spec.stop()
        null = None if args.no_null else measure_null(blob, args)
    text = report(results, null, args, command, machine_info(args, spec_set)) if results else (
        "## Server: specgen serve vs docker-registry (memory case only)\n\n```sh\n" + command + "\n```\n")
    if bursts:
        import burst

        text += "\n".join(burst.burst_report(bursts, args.burst_count, args.burst_mib, args.burst_settle)) + "\n"
    print(text)
    if not args.no_write:
        import docsection

        out = docsection.write_section("server", text)
        print(f"wrote the server section of {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
