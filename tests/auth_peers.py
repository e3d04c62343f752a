"""Servers with auth for the live auth tests, all on 127.0.0.1, key material made in the session:

- ``specgen token-server`` over TLS (users alice: everything, bob: pull only; anonymous pull on
  ``public/**``);
- ``specgen serve`` over TLS with htpasswd auth (the same users and rules) and with token auth
  trusting the token server's certificate;
- Debian's ``docker-registry`` with ``auth: token`` trusting the same certificate (it never talks to
  the token server: clients do).

``AuthWorld`` holds them; ``auth_world`` is the fixture (module scope in each test module).
"""

from __future__ import annotations

import os
import ssl
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import auth_material
import peers
import pytest

SERVICE = "specgen-test-registry"
ISSUER = "specgen-test-issuer"
USERS = {"alice": "alice-pw-9f3", "bob": "bob-pw-2c7", "carol": "carol-pw-5e1"}
RULES = """\
rules:
  - repository: "**"
    users: [alice]
    actions: ["*"]
  - repository: "**"
    users: [bob]
    actions: [pull]
  - repository: "carol/**"
    users: [carol]
    actions: [pull, push]
  - repository: "public/**"
    anonymous: true
    actions: [pull]
  - registry: catalog
    users: [alice]
    actions: ["*"]
"""


def wait_https(url: str, proc, log: Path, cafile: Path, ready=lambda s: s in (200, 401), timeout: float = 30.0) -> None:
    """Poll ``url`` over TLS (trusting ``cafile``) until its status satisfies ``ready``."""
    context = ssl.create_default_context(cafile=str(cafile))
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited {proc.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2, context=context) as resp:
                last = resp.status
        except urllib.error.HTTPError as exc:
            last = exc.code
        except OSError as exc:
            last = exc
        if isinstance(last, int) and ready(last):
            return
        time.sleep(0.02)  # poll interval, bounded by the deadline
    peers.stop_process(proc)
    raise RuntimeError(f"{url} not ready in {timeout}s (last: {last!r}):\n{log.read_text(errors='replace')[-3000:]}")


@dataclass
class AuthWorld:
    workdir: Path
    tls: auth_material.TLSMaterial
    signer: auth_material.Pair
    htpasswd: Path
    rules: Path
    token_url: str = ""
    basic_url: str = ""
    token_registry_url: str = ""
    procs: list = field(default_factory=list)

    def spawn(self, argv, name, url, ready_path, ready=lambda s: s in (200, 401)):
        d = self.workdir / name
        d.mkdir(exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SPECGEN_", "REGISTRY_"))}
        proc, log = peers._spawn(argv, d, env)
        self.procs.append(proc)
        wait_https(url + ready_path, proc, log, self.tls.ca, ready)
        return d

    def tls_args(self) -> list[str]:
        return ["--tls-cert", str(self.tls.server.cert), "--tls-key", str(self.tls.server.key)]

    def serve(self, name: str, *args: str) -> str:
        port = peers.free_port()
        url = f"https://127.0.0.1:{port}"
        argv = [sys.executable, "-m", "specgen", "serve", "--root", str(self.workdir / name / "root"),
                "--port", str(port), *self.tls_args(), *args]
        self.spawn(argv, name, url, "/v2/")
        return url

    def stop(self) -> None:
        for proc in self.procs:
            peers.stop_process(proc)


def start_world(workdir: Path, docker_registry: bool = False) -> AuthWorld:
    tls = auth_material.tls_material(workdir / "tls")
    signer = auth_material.self_signed(workdir, "token-signer")
    htpasswd = auth_material.htpasswd_file(workdir / "htpasswd", USERS)
    rules = workdir / "rules.yml"
    rules.write_text(RULES)
    world = AuthWorld(workdir, tls, signer, htpasswd, rules)
    try:
        port = peers.free_port()
        world.token_url = f"https://127.0.0.1:{port}/token"
        world.spawn([sys.executable, "-m", "specgen", "token-server", "--port", str(port),
                     "--signing-key", str(signer.key), "--signing-cert", str(signer.cert),
                     "--issuer", ISSUER, "--service", SERVICE, "--htpasswd", str(htpasswd),
                     "--access-rules", str(rules), *world.tls_args()],
                    "token-server", f"https://127.0.0.1:{port}", f"/token?service={SERVICE}", lambda s: s == 200)
        world.basic_url = world.serve("serve-basic", "--auth", "htpasswd", "--htpasswd", str(htpasswd),
                                      "--access-rules", str(rules))
        world.token_registry_url = world.serve(
            "serve-token", "--auth", "token", "--token-realm", world.token_url, "--token-service", SERVICE,
            "--token-issuer", ISSUER, "--token-rootcertbundle", str(signer.cert))
    except BaseException:
        world.stop()
        raise
    return world


def docker_registry_token(world: AuthWorld) -> str:
    """docker-registry (2.8.2) with ``auth: token`` trusting our issuer's certificate, plain HTTP."""
    if not peers.docker_registry_available():
        pytest.skip(f"{peers.DOCKER_REGISTRY} missing: install the Debian package 'docker-registry' (.ci/run does)")
    d = world.workdir / "docker-registry-token"
    (d / "storage").mkdir(parents=True, exist_ok=True)
    port = peers.free_port()
    config = d / "config.yml"
    config.write_text(peers.docker_registry_config(d / "storage", port) + "\n".join([
        "auth:", "  token:", f"    realm: {world.token_url}", f"    service: {SERVICE}",
        f"    issuer: {ISSUER}", f"    rootcertbundle: {world.signer.cert}"]) + "\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
    proc, log = peers._spawn([peers.DOCKER_REGISTRY, "serve", str(config)], d, env)
    world.procs.append(proc)
    url = f"http://127.0.0.1:{port}"
    peers.wait_ready(url, proc, log)
    return url


@pytest.fixture(scope="module")
def auth_world(tmp_path_factory):
    world = start_world(tmp_path_factory.mktemp("auth-world"))
    try:
        yield world
    finally:
        world.stop()
