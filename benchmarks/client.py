#!/usr/bin/env python3
"""Benchmark registry clients side by side against one ``specgen serve``: ours
(``specgen.client``), python-dxf, oras-py and skopeo; push and pull of one large blob and of a
10-layer image; MiB/s and the client's peak RSS; plus the two ceilings of this machine (sha256
alone, loopback TCP alone). Writes its table into docs/benchmarks.md's
``client`` section (``benchmarks/docsection.py``), touching nothing else there.

    python benchmarks/client.py [--size-mib 256] [--layers 10] [--layer-mib 24] [--runs 3]
                                [--clients ours,dxf,oras,skopeo] [--no-write]

Every transfer runs in a fresh child process (``--worker``); its peak RSS is the VmHWM of the
process that moves the bytes (the worker, or the skopeo it runs), its time is measured inside the child around the transfer alone
(imports and connection setup excluded, but auth and existence checks included). Each run pushes
into a new repository, so no client can skip a blob. Pulls are verified by each client as it
verifies them (ours: sha256 while receiving, file renamed only once it matches; python-dxf:
sha256 of the stream; oras-py and skopeo: digest checks of their own).

How each client is driven (what a user of it would write):

- ours: ``RegistryClient.push_blob(path)`` (digest unknown: hashed while it is sent) and
  ``pull_blob_to(digest, path)``; the image with ``specgen.image.copy_image`` between an OCI
  layout and the registry (4 blobs in flight);
- python-dxf: ``push_blob(filename)`` (it hashes the file first) and ``pull_blob(digest,
  chunk_size=1 MiB)`` written to a file (its default chunk is 8 KiB, which is slower); the image as
  a loop over the layers plus ``set_manifest``/``get_manifest``;
- oras-py: ``OrasClient.push(files=...)`` and ``pull(outdir=...)`` (the blob as a one-file artifact;
  the image as ten files);
- skopeo: ``copy oci:LAYOUT docker://...`` and back into a new layout (the blob as a one-layer
  image).
"""

from __future__ import annotations

import argparse
import hashlib
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
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

MiB = 1 << 20
CLIENTS = ("ours", "dxf", "oras", "skopeo")
NAMES = {"ours": "specgen.client", "dxf": "python-dxf", "oras": "oras-py", "skopeo": "skopeo"}
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
LAYER = "application/vnd.oci.image.layer.v1.tar"


# --- inputs ----------------------------------------------------------------------------------------

def random_file(path: Path, size: int) -> str:
    h = hashlib.sha256()
    with open(path, "wb") as f:
        left = size
        while left:
            chunk = os.urandom(min(MiB, left))
            f.write(chunk)
            h.update(chunk)
            left -= len(chunk)
    return "sha256:" + h.hexdigest()


def make_layout(path: Path, layers: list[Path], tag: str = "v1") -> str:
    """An OCI image layout of one manifest whose layers are ``layers`` (hard-linked in)."""
    blobs = path / "blobs" / "sha256"
    blobs.mkdir(parents=True)
    descs = []
    for f in layers:
        digest = "sha256:" + hashlib.file_digest(open(f, "rb"), "sha256").hexdigest()
        target = blobs / digest.split(":")[1]
        if not target.exists():
            os.link(f, target)
        descs.append({"mediaType": LAYER, "digest": digest, "size": f.stat().st_size})
    config = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": [
        d["digest"] for d in descs]}}).encode()
    config_digest = "sha256:" + hashlib.sha256(config).hexdigest()
    (blobs / config_digest.split(":")[1]).write_bytes(config)
    manifest = json.dumps({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                           "config": {"mediaType": OCI_CONFIG, "digest": config_digest, "size": len(config)},
                           "layers": descs}).encode()
    digest = "sha256:" + hashlib.sha256(manifest).hexdigest()
    (blobs / digest.split(":")[1]).write_bytes(manifest)
    (path / "oci-layout").write_text('{"imageLayoutVersion":"1.0.0"}')
    (path / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": [{
        "mediaType": OCI_MANIFEST, "digest": digest, "size": len(manifest),
        "annotations": {"org.opencontainers.image.ref.name": tag}}]}))
    return digest


# --- ceilings --------------------------------------------------------------------------------------

def sha256_ceiling(path: Path) -> float:
    """MiB/s of hashing the file (page cache warm), 4 MiB reads."""
    size = path.stat().st_size
    t = time.perf_counter()
    h = hashlib.sha256()
    buf = memoryview(bytearray(4 * MiB))
    with open(path, "rb", buffering=0) as f:
        while n := f.readinto(buf):
            h.update(buf[:n])
    return size / MiB / (time.perf_counter() - t)


def loopback_ceiling(path: Path) -> float:
    """MiB/s of sendfile(2) over a 127.0.0.1 TCP connection into recv_into a reused buffer."""
    size = path.stat().st_size
    srv = socket.create_server(("127.0.0.1", 0))
    got = [0]

    def sink() -> None:
        conn, _ = srv.accept()
        buf = memoryview(bytearray(4 * MiB))
        while n := conn.recv_into(buf):
            got[0] += n
        conn.close()

    th = threading.Thread(target=sink)
    th.start()
    cl = socket.create_connection(srv.getsockname())
    t = time.perf_counter()
    with open(path, "rb") as f:
        cl.sendfile(f)
    cl.shutdown(socket.SHUT_WR)
    th.join()
    dt = time.perf_counter() - t
    cl.close()
    srv.close()
    assert got[0] == size
    return size / MiB / dt


# --- workers (one transfer each, in a child process) -----------------------------------------------

def skopeo_cmd(home: Path) -> tuple[list[str], dict[str, str]]:
    """skopeo with a policy, registries.conf, HOME and caches of its own; as root its blob-info
    cache (/var/lib/containers) is hidden behind a private mount, so it cannot reuse a blob it saw
    in an earlier run."""
    for d in ("home", "run", "varlib"):
        (home / d).mkdir(parents=True, exist_ok=True)
    (home / "policy.json").write_text(json.dumps({"default": [{"type": "insecureAcceptAnything"}]}))
    (home / "registries.conf").write_text("")
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home / "home"),
           "XDG_RUNTIME_DIR": str(home / "run"), "CONTAINERS_REGISTRIES_CONF": str(home / "registries.conf"),
           "TMPDIR": str(home)}
    cmd = ["skopeo", "--policy", str(home / "policy.json")]
    if os.geteuid() == 0:
        wrap = ["unshare", "--mount", "--propagation", "private", "--", "sh", "-c",
                'mount --bind "$0" /var/lib && exec "$@"', str(home / "varlib")]
        if subprocess.run([*wrap, "true"], capture_output=True).returncode == 0:
            cmd = wrap + cmd
    return cmd, env


def worker(argv: list[str]) -> None:
    """``client op url repo path [extra]``: do one transfer, print its seconds as JSON. ``extra`` is
    the blob's digest, or skopeo's home directory."""
    client, op, url, repo, path, digest = (argv + [""])[:6]
    host = url.removeprefix("http://")
    p = Path(path)
    if client == "ours":
        from specgen.client import RegistryClient
        from specgen.image import LayoutStore, RegistryStore, copy_image

        with RegistryClient(url) as reg:
            reg.ping()
            t = time.perf_counter()
            if op == "push-blob":
                assert reg.push_blob(repo, p) == digest
            elif op == "pull-blob":
                reg.pull_blob_to(repo, digest, p)
            elif op == "push-image":
                copy_image(LayoutStore(p), "v1", RegistryStore(reg, repo))
            elif op == "pull-image":
                copy_image(RegistryStore(reg, repo), "v1", LayoutStore(p, create=True))
    elif client == "dxf":
        import dxf

        d = dxf.DXF(host, repo, insecure=True)
        d.api_version_check()
        t = time.perf_counter()
        if op == "push-blob":
            assert d.push_blob(str(p)) == digest
        elif op == "pull-blob":
            with open(p, "wb") as f:
                for chunk in d.pull_blob(digest, chunk_size=MiB):
                    f.write(chunk)
        elif op == "push-image":
            manifest = _layout_manifest(p)
            for desc in [manifest["config"], *manifest["layers"]]:
                d.push_blob(str(p / "blobs/sha256" / desc["digest"].split(":")[1]))
            d.set_manifest("v1", json.dumps(manifest))
        elif op == "pull-image":
            manifest = json.loads(d.get_manifest("v1"))
            p.mkdir(parents=True)
            for desc in [manifest["config"], *manifest["layers"]]:
                with open(p / desc["digest"].split(":")[1], "wb") as f:
                    for chunk in d.pull_blob(desc["digest"], chunk_size=MiB):
                        f.write(chunk)
    elif client == "oras":
        import oras.client

        c = oras.client.OrasClient(hostname=host, insecure=True)
        t = time.perf_counter()
        target = f"{host}/{repo}:v1"
        if op.startswith("push"):
            files = sorted(str(f) for f in p.iterdir()) if p.is_dir() else [str(p)]
            os.chdir(p if p.is_dir() else p.parent)
            c.push(target=target, files=[os.path.basename(f) for f in files], disable_path_validation=True,
                   quiet=True)
        else:
            c.pull(target=target, outdir=str(p))
    elif client == "skopeo":
        cmd, env = skopeo_cmd(Path(digest))
        t = time.perf_counter()
        if op.startswith("push"):
            args = ["copy", "--preserve-digests", "--dest-tls-verify=false", f"oci:{p}:v1", f"docker://{host}/{repo}:v1"]
        else:
            args = ["copy", "--preserve-digests", "--src-tls-verify=false", f"docker://{host}/{repo}:v1", f"oci:{p}:v1"]
        child_peak = run_watched([*cmd, *args], env)
    else:
        raise SystemExit(f"unknown client {client}")
    seconds = time.perf_counter() - t
    # skopeo moves the bytes in a process of its own: its peak counts, not this wrapper's
    peak = child_peak if client == "skopeo" else vm_hwm_mib(os.getpid())
    print(json.dumps({"seconds": seconds, "peak_rss_mib": peak}))


def vm_hwm_mib(pid: int) -> float:
    """The process's peak RSS (VmHWM: per address space, so it starts afresh at exec, unlike
    ru_maxrss, which Linux carries over from the parent that forked)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def run_watched(argv: list[str], env: dict[str, str]) -> float:
    """Run a command to its end, reading its VmHWM every 10 ms; returns the last (highest) one."""
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0.0
    while proc.poll() is None:
        peak = max(peak, vm_hwm_mib(proc.pid))
        time.sleep(0.01)  # sampling interval; the process ends the loop
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {proc.returncode}: {err[-2000:]}")
    return peak


def _layout_manifest(layout: Path) -> dict:
    entry = json.loads((layout / "index.json").read_text())["manifests"][0]
    return json.loads((layout / "blobs/sha256" / entry["digest"].split(":")[1]).read_bytes())


def run_worker(args: list[str]) -> tuple[float, float]:
    """(seconds, peak RSS MiB) of one worker process's transfer."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, __file__, "--worker", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env)
    out, err = proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"worker {' '.join(args)} failed:\n{err.decode()[-3000:]}")
    answer = json.loads(out.decode().strip().splitlines()[-1])
    return answer["seconds"], answer["peak_rss_mib"]


# --- driver ----------------------------------------------------------------------------------------

def sync() -> None:
    os.sync()


def measure(args, url: str, tmp: Path) -> dict:
    blob = tmp / "blob.bin"
    blob_digest = random_file(blob, args.size_mib * MiB)
    blob_dir = tmp / "blob-dir"  # oras pushes a directory's files by name; skopeo a layout
    blob_dir.mkdir()
    os.link(blob, blob_dir / "blob.bin")
    blob_layout = tmp / "blob-layout"
    make_layout(blob_layout, [blob])
    layer_dir = tmp / "layers"
    layer_dir.mkdir()
    layers = []
    for i in range(args.layers):
        f = layer_dir / f"layer{i:02d}.tar"
        random_file(f, args.layer_mib * MiB)
        layers.append(f)
    image_layout = tmp / "image-layout"
    make_layout(image_layout, layers)
    image_bytes = args.layers * args.layer_mib * MiB
    results: dict = {"ceiling": {"sha256": sha256_ceiling(blob), "loopback": loopback_ceiling(blob)}}
    for run in range(args.runs):
        order = args.clients[run % len(args.clients):] + args.clients[: run % len(args.clients)]
        for client in order:  # each run starts with another client: no one always goes first
            for what, size in (("blob", args.size_mib * MiB), ("image", image_bytes)):
                repo = f"bench/{client}-{what}-{run}"
                out = tmp / f"out-{client}-{what}-{run}"
                if client == "ours" or client == "dxf":
                    push_src = blob if what == "blob" else image_layout
                elif client == "oras":
                    push_src = blob_dir if what == "blob" else layer_dir
                else:
                    push_src = blob_layout if what == "blob" else image_layout
                extra = blob_digest if (client != "skopeo" and what == "blob") else ""
                if client == "skopeo":
                    extra = str(tmp / f"skopeo-home-{what}-{run}")
                sync()
                t, rss = run_worker([client, f"push-{what}", url, repo, str(push_src), extra])
                results.setdefault((client, f"push {what}"), []).append((size / MiB / t, rss))
                sync()
                t, rss = run_worker([client, f"pull-{what}", url, repo, str(out), extra])
                results.setdefault((client, f"pull {what}"), []).append((size / MiB / t, rss))
                _check_pulled(client, what, out, blob if what == "blob" else None, layers)
                _remove(out)
            print(f"run {run + 1}/{args.runs}: {client} done", file=sys.stderr, flush=True)
    return results


def _check_pulled(client: str, what: str, out: Path, blob: Path | None, layers: list[Path]) -> None:
    """The pulled bytes are the pushed ones (a benchmark of a wrong transfer measures nothing)."""
    want = [blob] if blob is not None else layers
    digests = {"sha256:" + hashlib.file_digest(open(f, "rb"), "sha256").hexdigest() for f in want}
    if out.is_file():
        found = {"sha256:" + hashlib.file_digest(open(out, "rb"), "sha256").hexdigest()}
    else:
        found = {"sha256:" + hashlib.file_digest(open(f, "rb"), "sha256").hexdigest()
                 for f in out.rglob("*") if f.is_file() and f.stat().st_size >= min(w.stat().st_size for w in want)}
    missing = digests - found
    if missing:
        raise RuntimeError(f"{client} {what}: pulled content lacks {sorted(missing)}")


def _remove(path: Path) -> None:
    import shutil

    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


def tune(args, url: str, tmp: Path) -> str:
    """The measurements behind the client's choices, in this process: push as one PATCH, as
    PATCHes of 16 / 64 MiB, as one PUT with the digest known, and through httpx (an iterable
    source, 8 MiB PATCHes); pull with receive buffers of several sizes, and through httpx
    (``iter_blob``). MiB/s and this process's CPU seconds per transfer, medians, variants
    interleaved run by run."""
    import resource

    import specgen.client.receive as receive
    from specgen.client import RegistryClient

    def cpu() -> float:
        r = resource.getrusage(resource.RUSAGE_SELF)
        return r.ru_utime + r.ru_stime

    blob = tmp / "tune.bin"
    digest = random_file(blob, args.size_mib * MiB)
    size = args.size_mib * MiB

    def file_chunks():
        with open(blob, "rb") as f:
            while chunk := f.read(8 * MiB):
                yield chunk

    pushes = {
        "one PATCH, hashed while sent": lambda reg, repo: reg.push_blob(repo, blob),
        "PATCHes of 16 MiB": lambda reg, repo: reg.push_blob(repo, blob, chunk_size=16 * MiB),
        "PATCHes of 64 MiB": lambda reg, repo: reg.push_blob(repo, blob, chunk_size=64 * MiB),
        "one PUT, digest known (no client hashing)": lambda reg, repo: reg.push_blob(repo, blob, digest=digest),
        "httpx path (iterable, 8 MiB PATCHes)": lambda reg, repo: reg.push_blob(repo, file_chunks()),
    }
    buffers = [(4, 4 * MiB), (4, MiB), (8, 512 << 10), (8, 256 << 10), (16, 128 << 10)]
    out = tmp / "tune-out.bin"

    def httpx_pull(reg) -> None:
        with open(out, "wb") as f:
            for piece in reg.iter_blob("tune/pull", digest, chunk_size=MiB):
                f.write(piece)

    rows: dict[str, list[tuple[float, float]]] = {}
    repos = iter(range(1 << 30))  # a new repository for every push: nothing can be skipped
    default = (receive.BUFFERS, receive.BUFFER)
    with RegistryClient(url) as reg:
        reg.push_blob("tune/pull", blob, digest=digest)
        for run in range(args.runs):
            for name, push in pushes.items():
                sync()
                c, t = cpu(), time.perf_counter()
                push(reg, f"tune/push-{next(repos)}")
                rows.setdefault(f"push: {name}", []).append((size / MiB / (time.perf_counter() - t), cpu() - c))
            for count, each in buffers:
                receive.BUFFERS, receive.BUFFER = count, each
                c, t = cpu(), time.perf_counter()
                reg.pull_blob_to("tune/pull", digest, out)
                rows.setdefault(f"pull: {count} x {each >> 10} KiB buffers", []).append(
                    (size / MiB / (time.perf_counter() - t), cpu() - c))
            receive.BUFFERS, receive.BUFFER = default
            receive.PIPELINE = False
            c, t = cpu(), time.perf_counter()
            reg.pull_blob_to("tune/pull", digest, out)
            rows.setdefault(f"pull: one thread, recv / hash / write in turn, {default[1] >> 10} KiB", []).append(
                (size / MiB / (time.perf_counter() - t), cpu() - c))
            receive.PIPELINE = True
            c, t = cpu(), time.perf_counter()
            httpx_pull(reg)
            rows.setdefault("pull: httpx path (iter_blob, 1 MiB pieces)", []).append(
                (size / MiB / (time.perf_counter() - t), cpu() - c))
            print(f"tune run {run + 1}/{args.runs} done", file=sys.stderr, flush=True)
    lines = [
        f"Tuning ({args.size_mib} MiB blob, {args.runs} runs, medians; client CPU = user + system "
        "seconds of the client process for one transfer):",
        "",
        "| variant | MiB/s | client CPU s |",
        "|---|---:|---:|",
    ]
    for name, vals in rows.items():
        lines.append(f"| {name} | {statistics.median(v for v, _ in vals):.0f} | "
                     f"{statistics.median(c for _, c in vals):.2f} |")
    return "\n".join(lines) + "\n"


def report(results: dict, args, command: str, load_before: str) -> str:
    ops = ("push blob", "pull blob", "push image", "pull image")
    lines = [
        "## Clients: specgen.client vs python-dxf vs oras-py vs skopeo",
        "",
        f"Generated by `benchmarks/client.py`; do not edit by hand, re-run it. Command: `{command}`.",
        f"One `specgen serve` on 127.0.0.1; blob: {args.size_mib} MiB of random bytes; image: "
        f"{args.layers} layers of {args.layer_mib} MiB. Cells: MiB/s of the transfer alone, median of "
        f"{args.runs} run(s) (min–max), then the client process's peak RSS in MiB (max over runs). "
        f"{platform.python_version()}, {os.cpu_count()} cores, load average before / after "
        f"{load_before} / {os.getloadavg()[0]:.2f}, {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC.",
        "",
        "| client | " + " | ".join(ops) + " |",
        "|---|" + "---:|" * len(ops),
    ]
    for client in args.clients:
        cells = []
        for op in ops:
            runs = results.get((client, op), [])
            rates = [r for r, _ in runs]
            peak = max((m for _, m in runs), default=0.0)
            cells.append(f"{statistics.median(rates):.0f} ({min(rates):.0f}–{max(rates):.0f}), {peak:.0f} MiB"
                         if rates else "–")
        lines.append(f"| {NAMES[client]} | " + " | ".join(cells) + " |")
    ceiling = results["ceiling"]
    lines += [
        f"| ceiling: sha256 alone | {ceiling['sha256']:.0f} | | | |",
        f"| ceiling: loopback TCP alone (sendfile → recv_into) | {ceiling['loopback']:.0f} | | | |",
    ]
    if "ours" in args.clients and "dxf" in args.clients:
        lines.append("| ours / python-dxf (medians) | " + " | ".join(_ratio(results, op) for op in ops) + " |")
    lines.append("")
    if args.tuning:
        lines += [args.tuning]
    return "\n".join(lines) + "\n"


def _ratio(results: dict, op: str) -> str:
    ours = [r for r, _ in results.get(("ours", op), [])]
    theirs = [r for r, _ in results.get(("dxf", op), [])]
    if not ours or not theirs:
        return "–"
    return f"{statistics.median(ours) / statistics.median(theirs):.2f}x"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--worker"]:
        worker(argv[1:])
        return 0
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--size-mib", type=int, default=256)
    p.add_argument("--layers", type=int, default=10)
    p.add_argument("--layer-mib", type=int, default=24)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--clients", default=",".join(CLIENTS), help=f"comma-separated subset of {','.join(CLIENTS)}")
    p.add_argument("--workers", type=int, default=None, help="passed to specgen serve --workers")
    p.add_argument("--tmp", default=None, help="directory for the files and the server's storage")
    p.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    p.add_argument("--tune", action="store_true",
                   help="also measure our push variants and pull buffer sizes (the choices the client makes)")
    args = p.parse_args(argv)
    args.clients = [c for c in args.clients.split(",") if c]
    unknown = set(args.clients) - set(CLIENTS)
    if unknown:
        p.error(f"unknown clients {sorted(unknown)}; choose from {','.join(CLIENTS)}")
    import peers

    load_before = f"{os.getloadavg()[0]:.2f}"
    command = "python benchmarks/client.py " + " ".join(shlex.quote(a) for a in argv)
    with tempfile.TemporaryDirectory(prefix="specgen-client-bench-", dir=args.tmp) as tmp:
        server = peers.start_specgen(Path(tmp) / "server", workers=args.workers)
        try:
            args.tuning = tune(args, server.url, Path(tmp)) if args.tune else ""
            results = measure(args, server.url, Path(tmp))
        finally:
            server.stop()
    text = report(results, args, command, load_before)
    print(text)
    if not args.no_write:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import docsection

        docsection.write_section("client", text)
        print("wrote docs/benchmarks.md (client section)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
