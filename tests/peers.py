"""Real peers for the tests: Debian's ``docker-registry`` (distribution 2.8.2) and ``specgen serve``.

Every server binds 127.0.0.1 on a free port, keeps its data in a temporary directory, runs in its own
process group, and is killed (group and all) when its fixture ends. The plain functions are also used
by ``benchmarks/run.py``; the pytest fixtures are registered from ``tests/conftest.py``.

Fixtures:

- ``docker_registry`` (session): ``"http://127.0.0.1:PORT"``, no auth, delete enabled.
- ``docker_registry_htpasswd`` (session): ``(url, user, password)``, HTTP basic auth via htpasswd.
- ``specgen_server`` (function): factory ``specgen_server(set=None, workers=None) -> url``; each call
  starts a fresh ``specgen serve`` with an empty root, stopped when the test ends.
- ``specgen_server_shared`` (session): the same factory, memoised per arguments, stopped at session end.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

DOCKER_REGISTRY = "/usr/bin/docker-registry"
DOCKER_REGISTRY_PACKAGE = "docker-registry"  # the Debian package shipping it
READY_TIMEOUT = 30.0


def free_port() -> int:
    """A port the kernel considers free on 127.0.0.1 right now (bind to port 0, read it, close)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Peer:
    """A server process we started: its URL, process, and where its log goes."""

    url: str
    proc: subprocess.Popen
    log: Path
    workdir: Path
    extra: dict = field(default_factory=dict)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def log_tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def stop(self) -> None:
        stop_process(self.proc)


def stop_process(proc: subprocess.Popen, timeout: float = 10.0) -> None:
    """Terminate the process group of ``proc`` (started with start_new_session), then kill it."""
    if proc.poll() is not None:
        return
    try:
        pgid = os.getpgid(proc.pid)
    except ProcessLookupError:
        return
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(wait)
            # the leader is gone; make sure no child of the group outlives it
            try:
                os.killpg(pgid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            return
        except subprocess.TimeoutExpired:
            continue


def wait_ready(url: str, proc: subprocess.Popen, log: Path, timeout: float = READY_TIMEOUT,
               path: str = "/v2/", ready: Callable[[int], bool] = lambda status: status in (200, 401)) -> None:
    """Poll ``url + path`` until its status satisfies ``ready`` (default: 200 or 401, a registry's
    base check), with a deadline; fail early with the log if the process dies."""
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"server exited with {proc.returncode} before answering {url}{path}:\n"
                + log.read_text(errors="replace")[-4000:]
            )
        try:
            with urllib.request.urlopen(url + path, timeout=2) as resp:
                last = resp.status
        except urllib.error.HTTPError as exc:
            last = exc.code
        except (OSError, urllib.error.URLError) as exc:
            last = exc
        if isinstance(last, int) and ready(last):
            return
        time.sleep(0.02)  # poll interval, bounded by the deadline above
    stop_process(proc)
    raise RuntimeError(f"{url}{path} did not answer within {timeout}s (last: {last!r}):\n"
                       + log.read_text(errors="replace")[-4000:])


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM when the test process dies, so a server never outlives a
    test session that was killed before its fixtures could stop it (Linux ``PR_SET_PDEATHSIG``)."""
    import ctypes
    import signal

    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG = 1
    except (OSError, AttributeError):
        pass


def _spawn(argv: Sequence[str], workdir: Path, env: dict[str, str] | None = None) -> tuple[subprocess.Popen, Path]:
    log = workdir / "server.log"
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            list(argv), stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            cwd=workdir, env=env, start_new_session=True, preexec_fn=_die_with_parent,
        )
    return proc, log


# --- docker-registry -----------------------------------------------------------------------------

def docker_registry_available() -> bool:
    return os.access(DOCKER_REGISTRY, os.X_OK)


def htpasswd_line(user: str, password: str) -> str:
    """An htpasswd entry with a bcrypt hash (the only scheme distribution's htpasswd auth accepts)."""
    import bcrypt

    hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=5)).decode()
    return f"{user}:{hashed}\n"


def docker_registry_config(root: Path, port: int, htpasswd: Path | None = None) -> str:
    """A distribution 2.8 config of our own: filesystem storage under ``root``, delete enabled,
    only 127.0.0.1, no debug listener, warnings only."""
    lines = [
        "version: 0.1",
        "log:",
        "  level: warn",
        "  accesslog:",
        "    disabled: true",
        "storage:",
        "  filesystem:",
        f"    rootdirectory: {root}",
        "  delete:",
        "    enabled: true",
        "  maintenance:",
        "    uploadpurging:",
        "      enabled: false",
        "http:",
        f"  addr: 127.0.0.1:{port}",
        f"  secret: {secrets.token_hex(16)}",
        "  headers:",
        "    X-Content-Type-Options: [nosniff]",
    ]
    if htpasswd is not None:
        lines += [
            "auth:",
            "  htpasswd:",
            "    realm: specgen-test",
            f"    path: {htpasswd}",
        ]
    return "\n".join(lines) + "\n"


def start_docker_registry(workdir: Path, htpasswd: Path | None = None, port: int | None = None) -> Peer:
    """Start Debian's docker-registry with data and config in ``workdir``; returns once /v2/ answers."""
    workdir.mkdir(parents=True, exist_ok=True)
    root = workdir / "storage"
    root.mkdir(exist_ok=True)
    for attempt in range(3):
        p = port or free_port()
        config = workdir / "config.yml"
        config.write_text(docker_registry_config(root, p, htpasswd))
        # A clean environment: REGISTRY_* variables would override our config.
        env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
        proc, log = _spawn([DOCKER_REGISTRY, "serve", str(config)], workdir, env)
        url = f"http://127.0.0.1:{p}"
        try:
            wait_ready(url, proc, log)
            return Peer(url, proc, log, workdir)
        except RuntimeError:
            stop_process(proc)
            if attempt == 2 or port is not None:
                raise
    raise AssertionError("unreachable")


# --- specgen serve -------------------------------------------------------------------------------

def default_set() -> str:
    """The set ``specgen serve`` serves by default."""
    from specgen.descriptors import DEFAULT_SET

    return DEFAULT_SET


def start_specgen(workdir: Path, set: str | None = None, workers: int | None = None,
                  port: int | None = None, extra_args: Sequence[str] = (), ready_path: str = "/v2/",
                  ready: Callable[[int], bool] = lambda status: status in (200, 401)) -> Peer:
    """Start ``python -m specgen serve`` with an empty root in ``workdir``; returns once
    ``ready_path`` answers a status ``ready`` accepts (a set of your own has no ``/v2/``: pass a
    path it routes and e.g. ``lambda status: status == 501``)."""
    workdir.mkdir(parents=True, exist_ok=True)
    root = workdir / "root"
    root.mkdir(exist_ok=True)
    set = set or default_set()
    for attempt in range(3):
        p = port or free_port()
        argv = [sys.executable, "-m", "specgen", "serve", "--set", set, "--root", str(root),
                "--host", "127.0.0.1", "--port", str(p)]
        if workers is not None:
            argv += ["--workers", str(workers)]
        argv += list(extra_args)
        proc, log = _spawn(argv, workdir)
        url = f"http://127.0.0.1:{p}"
        try:
            wait_ready(url, proc, log, path=ready_path, ready=ready)
            return Peer(url, proc, log, workdir, {"set": set, "root": root})
        except RuntimeError:
            stop_process(proc)
            if attempt == 2 or port is not None:
                raise
    raise AssertionError("unreachable")


# --- fixtures ------------------------------------------------------------------------------------

def _need_docker_registry() -> None:
    if not docker_registry_available():
        pytest.skip(f"{DOCKER_REGISTRY} missing: install the Debian package "
                    f"'{DOCKER_REGISTRY_PACKAGE}' (.ci/run does)")


@pytest.fixture(scope="session")
def docker_registry_peer(tmp_path_factory) -> Iterator[Peer]:
    """The no-auth docker-registry as a Peer (url, pid, log) for tests that need more than the URL."""
    _need_docker_registry()
    peer = start_docker_registry(tmp_path_factory.mktemp("docker-registry"))
    try:
        yield peer
    finally:
        peer.stop()


@pytest.fixture(scope="session")
def docker_registry(docker_registry_peer: Peer) -> str:
    """Base URL of Debian's docker-registry (distribution 2.8.2), no auth, delete enabled."""
    return docker_registry_peer.url


@pytest.fixture(scope="session")
def docker_registry_htpasswd(tmp_path_factory) -> Iterator[tuple[str, str, str]]:
    """(base URL, user, password) of a docker-registry with htpasswd basic auth."""
    _need_docker_registry()
    pytest.importorskip("bcrypt", reason="python 'bcrypt' (the test extra) writes the htpasswd file")
    workdir = tmp_path_factory.mktemp("docker-registry-htpasswd")
    user, password = "specgen", secrets.token_urlsafe(12)
    htpasswd = workdir / "htpasswd"
    htpasswd.write_text(htpasswd_line(user, password))
    peer = start_docker_registry(workdir, htpasswd=htpasswd)
    try:
        yield peer.url, user, password
    finally:
        peer.stop()


class SpecgenServers:
    """Starts ``specgen serve`` processes on demand and stops all of them in ``close``."""

    def __init__(self, tmp_path_factory, memoise: bool) -> None:
        self._tmp = tmp_path_factory
        self._memoise = memoise
        self._peers: dict[object, Peer] = {}
        self._all: list[Peer] = []

    def peer(self, set: str | None = None, workers: int | None = None,
             extra_args: Sequence[str] = ()) -> Peer:
        key = (set or default_set(), workers, tuple(extra_args))
        if self._memoise and key in self._peers:
            return self._peers[key]
        peer = start_specgen(self._tmp.mktemp("specgen-serve"), set=key[0], workers=workers,
                             extra_args=extra_args)
        self._all.append(peer)
        self._peers[key] = peer
        return peer

    def __call__(self, set: str | None = None, workers: int | None = None,
                 extra_args: Sequence[str] = ()) -> str:
        return self.peer(set, workers, extra_args).url

    def close(self) -> None:
        for peer in self._all:
            peer.stop()
        self._all.clear()
        self._peers.clear()


@pytest.fixture
def specgen_server(tmp_path_factory) -> Iterator[Callable[..., str]]:
    """Factory: ``specgen_server(set=None, workers=None) -> url`` of a fresh ``specgen serve``
    (set defaults to specgen's default set, oci_v1_1); stopped when the test ends."""
    servers = SpecgenServers(tmp_path_factory, memoise=False)
    try:
        yield servers
    finally:
        servers.close()


@pytest.fixture(scope="session")
def specgen_server_shared(tmp_path_factory) -> Iterator[SpecgenServers]:
    """Like ``specgen_server`` but one server per (set, workers) for the whole session."""
    servers = SpecgenServers(tmp_path_factory, memoise=True)
    try:
        yield servers
    finally:
        servers.close()


def tool_path(name: str) -> str | None:
    return shutil.which(name)


@pytest.fixture(scope="session", params=["specgen", "specgen-2workers", "docker-registry"])
def interop_registry(request) -> str:
    """Each interop test runs against ``specgen serve`` (the default set, oci_v1_1; once with
    one worker, once with two worker processes sharing the root, so a client's requests land on
    different processes) and, as a check of the test itself, against docker-registry; the test id
    says which."""
    if request.param == "specgen":
        return request.getfixturevalue("specgen_server_shared")()
    if request.param == "specgen-2workers":
        return request.getfixturevalue("specgen_server_shared")(workers=2)
    return request.getfixturevalue("docker_registry")
