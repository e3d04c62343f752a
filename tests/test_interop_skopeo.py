"""skopeo (Debian) against the registries: copy a multi-arch OCI layout in (gzip and zstd layers),
inspect the raw manifests byte for byte, list tags, copy back out and compare every blob, copy between
repositories (cross-repository mount), sync, delete by digest.

skopeo runs with a policy, registries.conf, auth file, HOME and XDG dirs of the test's own. As root,
containers/image keeps its blob-info cache in /var/lib/containers/cache whatever XDG says, so when
possible each call runs in a private mount namespace with a temporary directory bound over /var/lib.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import ocilayout
import pytest

pytestmark = pytest.mark.interop

SKOPEO = shutil.which("skopeo")
if SKOPEO is None:
    pytest.skip("skopeo missing: install the Debian package 'skopeo' (.ci/run does)", allow_module_level=True)
pytest.importorskip("zstandard", reason="python 'zstandard' (the test extra) writes the zstd layers")


class Skopeo:
    """Runs skopeo with everything it reads or writes inside ``home``."""

    def __init__(self, home: Path) -> None:
        self.home = home
        for d in ("home/.config", "home/.local/share", "home/.cache", "run", "varlib"):
            (home / d).mkdir(parents=True, exist_ok=True)
        (home / "run").chmod(0o700)
        self.policy = home / "policy.json"
        self.policy.write_text(json.dumps({"default": [{"type": "insecureAcceptAnything"}]}))
        (home / "registries.conf").write_text("# empty: no mirrors, no search registries\n")
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(home / "home"),
            "XDG_CONFIG_HOME": str(home / "home/.config"),
            "XDG_DATA_HOME": str(home / "home/.local/share"),
            "XDG_CACHE_HOME": str(home / "home/.cache"),
            "XDG_RUNTIME_DIR": str(home / "run"),
            "CONTAINERS_REGISTRIES_CONF": str(home / "registries.conf"),
            "REGISTRY_AUTH_FILE": str(home / "auth.json"),
            "TMPDIR": str(home),
        }
        self.wrapper: list[str] = []
        if os.geteuid() == 0:
            wrapper = ["unshare", "--mount", "--propagation", "private", "--", "sh", "-c",
                       'mount --bind "$0" /var/lib && exec "$@"', str(home / "varlib")]
            probe = subprocess.run([*wrapper, "true"], capture_output=True)
            if probe.returncode == 0:
                self.wrapper = wrapper

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = [*self.wrapper, SKOPEO, "--policy", str(self.policy), *args]
        proc = subprocess.run(cmd, env=self.env, capture_output=True, text=True, timeout=120)
        if check and proc.returncode != 0:
            pytest.fail(f"skopeo {' '.join(args)} exited {proc.returncode}:\n{proc.stderr[-4000:]}")
        return proc

    def raw(self, ref: str) -> bytes:
        cmd = [*self.wrapper, SKOPEO, "--policy", str(self.policy), "inspect", "--raw",
               "--tls-verify=false", ref]
        proc = subprocess.run(cmd, env=self.env, capture_output=True, timeout=60)
        if proc.returncode != 0:
            pytest.fail(f"skopeo inspect --raw {ref} exited {proc.returncode}:\n{proc.stderr.decode()[-4000:]}")
        return proc.stdout


@pytest.fixture(scope="module")
def skopeo(tmp_path_factory) -> Skopeo:
    return Skopeo(tmp_path_factory.mktemp("skopeo"))


@pytest.fixture(scope="module")
def layout(tmp_path_factory) -> ocilayout.Layout:
    return ocilayout.write_layout(tmp_path_factory.mktemp("layout") / "oci", seed=5, tags=("v1", "v2"))


def _host(url: str) -> str:
    return url.removeprefix("http://")


def _status(url: str, method: str = "HEAD") -> int:
    req = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.fixture(scope="module")
def pushed(interop_registry, skopeo, layout) -> str:
    """The layout copied into a fresh repository under tags v1 and v2; returns the docker:// base."""
    base = f"docker://{_host(interop_registry)}/skopeo/{uuid.uuid4().hex[:8]}/multi"
    for tag in layout.tags:
        skopeo.run("copy", "--all", "--preserve-digests", "--dest-tls-verify=false",
                   f"oci:{layout.path}:{tag}", f"{base}:{tag}")
    return base


def test_inspect_raw_is_byte_identical(pushed, skopeo, layout):
    assert skopeo.raw(f"{pushed}:v1") == layout.index
    assert skopeo.raw(f"{pushed}@{layout.index_digest}") == layout.index
    for image in layout.images:
        assert skopeo.raw(f"{pushed}@{image.digest}") == image.manifest


def test_inspect_platform_image(pushed, skopeo, layout):
    out = skopeo.run("--override-arch", "arm64", "--override-os", "linux", "inspect",
                     "--tls-verify=false", f"{pushed}:v1").stdout
    info = json.loads(out)
    assert info["Digest"] == layout.index_digest  # skopeo reports the digest it was asked for
    assert info["Architecture"] == "arm64"
    layer_digests = [d["digest"] for d in json.loads(layout.images[1].manifest)["layers"]]
    assert info["Layers"] == layer_digests


def test_list_tags(pushed, skopeo, layout):
    out = json.loads(skopeo.run("list-tags", "--tls-verify=false", pushed).stdout)
    assert sorted(out["Tags"]) == sorted(layout.tags)


def test_copy_back_out_every_blob_identical(pushed, skopeo, layout, tmp_path):
    out = tmp_path / "out"
    skopeo.run("copy", "--all", "--preserve-digests", "--src-tls-verify=false",
               f"{pushed}:v1", f"oci:{out}:v1")
    got = ocilayout.read_blobs(out)
    assert set(got) == set(layout.blobs)
    for digest, data in layout.blobs.items():
        assert got[digest] == data, digest
        assert ocilayout.sha256(data) == digest


def test_copy_between_repositories_mounts(interop_registry, pushed, skopeo, layout):
    other = f"docker://{_host(interop_registry)}/skopeo/{uuid.uuid4().hex[:8]}/copied"
    proc = skopeo.run("--debug", "copy", "--all", "--preserve-digests", "--src-tls-verify=false",
                      "--dest-tls-verify=false", f"{pushed}:v1", f"{other}:v1")
    # skopeo's blob-info cache knows the layers sit in the source repository, so it mounts them
    assert "mount OK" in proc.stderr, proc.stderr[-3000:]
    assert skopeo.raw(f"{other}:v1") == layout.index
    name = other.removeprefix(f"docker://{_host(interop_registry)}/")
    for digest in layout.blobs:
        if any(digest == img.digest for img in layout.images) or digest == layout.index_digest:
            continue
        assert _status(f"{interop_registry}/v2/{name}/blobs/{digest}") == 200, digest


def test_sync(interop_registry, pushed, skopeo, layout):
    dest = f"{_host(interop_registry)}/synced{uuid.uuid4().hex[:8]}"
    skopeo.run("sync", "--all", "--src", "docker", "--dest", "docker", "--src-tls-verify=false",
               "--dest-tls-verify=false", pushed.removeprefix("docker://"), dest)
    synced = f"docker://{dest}/multi"
    tags = json.loads(skopeo.run("list-tags", "--tls-verify=false", synced).stdout)["Tags"]
    assert sorted(tags) == sorted(layout.tags)
    for tag in layout.tags:
        assert skopeo.raw(f"{synced}:{tag}") == layout.index


def test_delete_by_digest(interop_registry, skopeo, layout):
    base = f"docker://{_host(interop_registry)}/skopeo/{uuid.uuid4().hex[:8]}/doomed"
    skopeo.run("copy", "--all", "--preserve-digests", "--dest-tls-verify=false",
               f"oci:{layout.path}:v1", f"{base}:v1")
    child = layout.images[0].digest
    skopeo.run("delete", "--tls-verify=false", f"{base}@{child}")
    gone = skopeo.run("inspect", "--raw", "--tls-verify=false", f"{base}@{child}", check=False)
    assert gone.returncode != 0 and "manifest unknown" in gone.stderr.lower()
    skopeo.run("delete", "--tls-verify=false", f"{base}@{layout.index_digest}")
    gone = skopeo.run("inspect", "--raw", "--tls-verify=false", f"{base}:v1", check=False)
    assert gone.returncode != 0 and "manifest unknown" in gone.stderr.lower()
    # the sibling image is untouched by deleting the index
    assert skopeo.raw(f"{base}@{layout.images[1].digest}") == layout.images[1].manifest


def test_basic_auth_registry(docker_registry_htpasswd, skopeo, layout):
    """The htpasswd fixture works with a real client: refused without credentials, fine with them."""
    url, user, password = docker_registry_htpasswd
    dest = f"docker://{_host(url)}/skopeo/auth:v1"
    denied = skopeo.run("copy", "--all", "--dest-tls-verify=false", f"oci:{layout.path}:v1", dest, check=False)
    assert denied.returncode != 0 and "authentication required" in denied.stderr.lower()
    skopeo.run("copy", "--all", "--preserve-digests", "--dest-tls-verify=false", "--dest-creds",
               f"{user}:{password}", f"oci:{layout.path}:v1", dest)
    raw = skopeo.run("inspect", "--raw", "--tls-verify=false", "--creds", f"{user}:{password}", dest).stdout
    assert raw.encode() == layout.index
