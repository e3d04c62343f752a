"""Image operations of our client with real peers: an image our client pushed is pulled by skopeo
and oras-py byte for byte and the reverse; skopeo reads the layouts we write and we read the ones
it writes; copy between ``specgen serve`` and Debian's docker-registry both ways (relayed, and
mounted inside one registry); the socket path through TLS with basic auth and through bearer
tokens."""

from __future__ import annotations

import json
import os
import time
import uuid
from pathlib import Path

import ocilayout
import peers
import pytest
from test_client_token_registry import token_registry  # noqa: F401  (fixture)
from test_interop_skopeo import Skopeo

from specgen.client import ClientError, RegistryClient
from specgen.image import Descriptor, LayoutStore, OCILayout, RegistryStore, copy_image

pytestmark = [pytest.mark.interop, pytest.mark.slow]

TITLE = "org.opencontainers.image.title"
BIG = 12 << 20  # above the client's monolithic threshold: the socket path moves it


@pytest.fixture(scope="module")
def skopeo(tmp_path_factory) -> Skopeo:
    return Skopeo(tmp_path_factory.mktemp("skopeo-image"))


@pytest.fixture(scope="module")
def spec_url(specgen_server_shared) -> str:
    return specgen_server_shared()


def _repo(prefix: str) -> str:
    return f"{prefix}/{uuid.uuid4().hex[:8]}"


def _blobs_of(path: Path) -> dict[str, bytes]:
    return {d: b for d, b in ocilayout.read_blobs(path).items()}


def _file_image(path: Path, files: dict[str, bytes], tag: str) -> tuple[OCILayout, bytes]:
    """A layout with one manifest whose layers are ``files`` (titled, as oras names them)."""
    lay = OCILayout(path, create=True)
    config = b"{}"
    lay.write_blob(config)
    layers = []
    for name, data in files.items():
        lay.write_blob(data)
        layers.append(ocilayout.descriptor("application/octet-stream", data, annotations={TITLE: name}))
    manifest = ocilayout.dumps({
        "schemaVersion": 2, "mediaType": ocilayout.OCI_MANIFEST,
        "artifactType": "application/vnd.specgen.test",
        "config": ocilayout.descriptor("application/vnd.oci.empty.v1+json", config),
        "layers": layers,
    })
    lay.add(Descriptor(ocilayout.OCI_MANIFEST, lay.write_blob(manifest), len(manifest)), tag)
    return lay, manifest


# -- skopeo ---------------------------------------------------------------------------------------

def test_skopeo_pulls_what_we_pushed(interop_registry, skopeo, tmp_path):
    layout = ocilayout.write_layout(tmp_path / "src", seed=11)
    repo = _repo("ours")
    with RegistryClient(interop_registry) as reg:
        copy_image(LayoutStore(layout.path), "v1", RegistryStore(reg, repo))
    host = interop_registry.removeprefix("http://")
    skopeo.run("copy", "--all", "--preserve-digests", "--src-tls-verify=false",
               f"docker://{host}/{repo}:v1", f"oci:{tmp_path / 'skopeo-out'}:v1")
    assert _blobs_of(tmp_path / "skopeo-out") == layout.blobs


def test_we_pull_what_skopeo_pushed(interop_registry, skopeo, tmp_path):
    layout = ocilayout.write_layout(tmp_path / "src", seed=12)
    repo = _repo("theirs")
    host = interop_registry.removeprefix("http://")
    skopeo.run("copy", "--all", "--preserve-digests", "--dest-tls-verify=false",
               f"oci:{layout.path}:v1", f"docker://{host}/{repo}:v1")
    with RegistryClient(interop_registry) as reg:
        copy_image(RegistryStore(reg, repo), "v1", LayoutStore(tmp_path / "ours", create=True))
    assert _blobs_of(tmp_path / "ours") == layout.blobs


def test_layouts_are_exchanged_with_skopeo(spec_url, skopeo, tmp_path):
    """skopeo reads the layout we wrote (oci: transport), and we push the one skopeo wrote."""
    layout = ocilayout.write_layout(tmp_path / "src", seed=13)
    with RegistryClient(spec_url) as reg:
        repo = _repo("layouts")
        copy_image(LayoutStore(layout.path), "v1", RegistryStore(reg, repo))
        copy_image(RegistryStore(reg, repo), "v1", LayoutStore(tmp_path / "ours", create=True), "v1")
        skopeo.run("copy", "--all", "--preserve-digests", f"oci:{tmp_path / 'ours'}:v1",
                   f"oci:{tmp_path / 'skopeo-copy'}:v2")
        assert _blobs_of(tmp_path / "skopeo-copy") == layout.blobs
        assert json.loads(skopeo.raw(f"oci:{tmp_path / 'ours'}:v1")) == json.loads(layout.index)
        back = _repo("layouts")
        result = copy_image(LayoutStore(tmp_path / "skopeo-copy"), "v2", RegistryStore(reg, back))
        assert result.digest == layout.index_digest
        assert reg.get_manifest(back, "v2").content == layout.index


# -- oras-py --------------------------------------------------------------------------------------

def test_oras_pulls_what_we_pushed(interop_registry, tmp_path):
    oras_client = pytest.importorskip("oras.client")
    files = {"small.txt": b"hello oras\n", "big.bin": os.urandom(BIG)}
    lay, manifest = _file_image(tmp_path / "src", files, "files")
    repo = _repo("ours-oras")
    with RegistryClient(interop_registry) as reg:
        copy_image(LayoutStore(lay), "files", RegistryStore(reg, repo))
    client = oras_client.OrasClient(hostname=interop_registry.removeprefix("http://"), insecure=True)
    target = f"{interop_registry.removeprefix('http://')}/{repo}:files"
    pulled = client.pull(target=target, outdir=str(tmp_path / "oras-out"))
    assert sorted(Path(p).name for p in pulled) == sorted(files)
    for name, data in files.items():
        assert (tmp_path / "oras-out" / name).read_bytes() == data
    assert client.get_manifest(target) == json.loads(manifest)


def test_we_pull_what_oras_pushed(interop_registry, tmp_path):
    oras_client = pytest.importorskip("oras.client")
    files = {"a.bin": os.urandom(BIG + 17), "b.txt": b"text layer\n"}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    client = oras_client.OrasClient(hostname=interop_registry.removeprefix("http://"), insecure=True)
    repo = _repo("theirs-oras")
    target = f"{interop_registry.removeprefix('http://')}/{repo}:art"
    old = os.getcwd()
    os.chdir(tmp_path)  # oras titles layers by the path it is given
    try:
        client.push(target=target, files=list(files), disable_path_validation=True, quiet=True)
    finally:
        os.chdir(old)
    with RegistryClient(interop_registry) as reg:
        result = copy_image(RegistryStore(reg, repo), "art", LayoutStore(tmp_path / "ours", create=True))
    lay = OCILayout(tmp_path / "ours")
    manifest = json.loads(lay.read_blob(result.digest))
    assert manifest == client.get_manifest(target)
    by_title = {d["annotations"][TITLE]: d["digest"] for d in manifest["layers"]}
    assert set(by_title) == set(files)
    for name, data in files.items():
        assert lay.blob_path(by_title[name]).read_bytes() == data


# -- specgen serve <-> docker-registry ------------------------------------------------------------

@pytest.mark.parametrize("direction", ["specgen-to-docker", "docker-to-specgen"])
def test_copy_between_specgen_and_docker_registry(direction, spec_url, docker_registry, tmp_path):
    layout = ocilayout.write_layout(tmp_path / "src", seed=21)
    big = os.urandom(BIG)
    repo = _repo("copy")
    first, second = (spec_url, docker_registry) if direction == "specgen-to-docker" else (docker_registry, spec_url)
    with RegistryClient(first) as a, RegistryClient(second) as b:
        copy_image(LayoutStore(layout.path), "v1", RegistryStore(a, repo))
        big_digest = a.push_blob(repo, big)
        relayed = copy_image(RegistryStore(a, repo), "v1", RegistryStore(b, repo))
        assert relayed.copied and not relayed.mounted and not relayed.skipped
        assert b.get_manifest(repo, "v1").content == layout.index
        manifests = {layout.index_digest, *(img.digest for img in layout.images)}
        for digest, data in layout.blobs.items():
            if digest not in manifests:
                assert b.pull_blob(repo, digest) == data
        # one large blob through the relay (not part of an image: moved as the copy moves blobs)
        from specgen.image.stores import relay_blob

        relay_blob(RegistryStore(a, repo), RegistryStore(b, repo), Descriptor("", big_digest, len(big)), None)
        b.pull_blob_to(repo, big_digest, tmp_path / "big")
        assert (tmp_path / "big").read_bytes() == big
        mounted = copy_image(RegistryStore(b, repo), "v1", RegistryStore(b, repo + "-mounted"), "v2")
        assert sorted(mounted.mounted) == sorted(relayed.copied)


# -- TLS and auth on the socket path -------------------------------------------------------------

@pytest.fixture(scope="module")
def tls_registry(tmp_path_factory):
    """docker-registry over HTTPS (self-signed for 127.0.0.1) with htpasswd basic auth."""
    pytest.importorskip("cryptography", reason="cryptography (test extra) makes the certificate")
    pytest.importorskip("bcrypt", reason="bcrypt (test extra) writes the htpasswd file")
    if not peers.docker_registry_available():
        pytest.skip(f"{peers.DOCKER_REGISTRY} missing: install the Debian package 'docker-registry'")
    from test_client_auth import _self_signed

    work = tmp_path_factory.mktemp("tls-registry")
    cert, key = _self_signed(work)
    htpasswd = work / "htpasswd"
    htpasswd.write_text(peers.htpasswd_line("bob", "hunter2"))
    (work / "storage").mkdir()
    port = peers.free_port()
    config = peers.docker_registry_config(work / "storage", port, htpasswd)
    config = config.replace("http:\n", f"http:\n  tls:\n    certificate: {cert}\n    key: {key}\n", 1)
    (work / "config.yml").write_text(config)
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
    proc, log = peers._spawn([peers.DOCKER_REGISTRY, "serve", str(work / "config.yml")], work, env)
    url = f"https://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + peers.READY_TIMEOUT
        while True:
            try:
                with RegistryClient(url, username="bob", password="hunter2", verify=str(cert), retries=0) as reg:
                    reg.ping()
                break
            except ClientError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError(log.read_text(errors="replace")[-2000:]) from None
                time.sleep(0.05)  # poll interval, bounded by the deadline
        yield url, cert
    finally:
        peers.stop_process(proc)


def test_socket_path_over_tls_with_basic_auth(tls_registry, tmp_path):
    url, cert = tls_registry
    data = os.urandom(BIG)
    (tmp_path / "blob").write_bytes(data)
    with RegistryClient(url, username="bob", password="hunter2", verify=str(cert)) as reg:
        digest = reg.push_blob("tls/app", tmp_path / "blob")
        assert digest == ocilayout.sha256(data)
        assert reg.push_blob("tls/other", data, chunk_size=5 << 20) == digest
        reg.pull_blob_to("tls/other", digest, tmp_path / "out")
        assert (tmp_path / "out").read_bytes() == data
    with RegistryClient(url, username="bob", password="wrong", verify=str(cert), retries=0) as reg:
        with pytest.raises(ClientError):
            reg.pull_blob_to("tls/app", digest, tmp_path / "denied")
    assert not (tmp_path / "denied").exists()


def test_image_copy_through_bearer_tokens(token_registry, spec_url, tmp_path):  # noqa: F811
    url, gw, signer = token_registry
    layout = ocilayout.write_layout(tmp_path / "src", seed=31)
    big = os.urandom(BIG)
    with RegistryClient(url, username="alice", password="s3cret") as reg, RegistryClient(spec_url) as ours:
        result = copy_image(LayoutStore(layout.path), "v1", RegistryStore(reg, "secure/image"))
        assert result.digest == layout.index_digest
        digest = reg.push_blob("secure/image", big)
        reg.pull_blob_to("secure/image", digest, tmp_path / "big")
        assert (tmp_path / "big").read_bytes() == big
        back = copy_image(RegistryStore(reg, "secure/image"), "v1", RegistryStore(ours, "from/token"))
        assert back.digest == layout.index_digest


def test_command_takes_passwords_from_env_and_stdin(docker_registry_htpasswd, tmp_path, monkeypatch, capsys):
    import io
    import sys

    from specgen.cli import main

    url, user, password = docker_registry_htpasswd
    layout = ocilayout.write_layout(tmp_path / "src", seed=41)
    monkeypatch.delenv("SPECGEN_SRC_PASSWORD", raising=False)
    monkeypatch.delenv("SPECGEN_DEST_PASSWORD", raising=False)
    monkeypatch.setenv("SPECGEN_PASSWORD", password)
    assert main(["image", "push", f"oci:{layout.path}:v1", f"{url}/auth/app:v1", "--user", user]) == 0
    monkeypatch.delenv("SPECGEN_PASSWORD")
    monkeypatch.setattr(sys, "stdin", io.StringIO(password + "\n"))
    assert main(["image", "pull", f"{url}/auth/app:v1", f"oci:{tmp_path / 'out'}", "--user", user,
                 "--password-stdin"]) == 0
    assert _blobs_of(tmp_path / "out") == layout.blobs
    capsys.readouterr()
    monkeypatch.setenv("SPECGEN_PASSWORD", "wrong")
    assert main(["image", "pull", f"{url}/auth/app:v1", f"oci:{tmp_path / 'denied'}", "--user", user]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "UNAUTHORIZED" in err.upper()
