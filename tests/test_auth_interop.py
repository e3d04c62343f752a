"""Clients no one here wrote against ``specgen serve`` over TLS with htpasswd and with token auth
(``specgen token-server`` as the realm): skopeo (``--creds``, ``--cert-dir``), oras-py
(``login``) and python-dxf (``authenticate``) push and pull; the pull-only account is refused."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid

import ocilayout
import pytest
from auth_peers import USERS, auth_world  # noqa: F401 - the fixture

pytestmark = [pytest.mark.slow, pytest.mark.interop]

MODES = ["basic", "token"]


def _url(world, mode):
    return world.basic_url if mode == "basic" else world.token_registry_url


def _host(url):
    return url.removeprefix("https://")


# -- skopeo -----------------------------------------------------------------------------------------
SKOPEO = shutil.which("skopeo")


@pytest.fixture(scope="module")
def skopeo(tmp_path_factory):
    if SKOPEO is None:
        pytest.skip("skopeo missing: install the Debian package 'skopeo' (.ci/run does)")
    from test_interop_skopeo import Skopeo

    return Skopeo(tmp_path_factory.mktemp("skopeo-auth"))


@pytest.fixture(scope="module")
def layout(tmp_path_factory):
    return ocilayout.write_layout(tmp_path_factory.mktemp("layout-auth") / "oci", seed=12, tags=("v1",))


@pytest.mark.parametrize("mode", MODES)
def test_skopeo_push_pull_with_creds_and_cert_dir(auth_world, skopeo, layout, mode, tmp_path):  # noqa: F811
    certs = str(auth_world.tls.cert_dir)
    dest = f"docker://{_host(_url(auth_world, mode))}/team/skopeo-{mode}:v1"
    skopeo.run("copy", "--all", "--preserve-digests", "--dest-cert-dir", certs,
               "--dest-creds", f"alice:{USERS['alice']}", f"oci:{layout.path}:v1", dest)
    raw = skopeo.run("inspect", "--raw", "--cert-dir", certs, "--creds", f"bob:{USERS['bob']}", dest).stdout
    assert hashlib.sha256(raw.encode()).hexdigest() == layout.index_digest.split(":")[1]
    out = tmp_path / "out"
    skopeo.run("copy", "--all", "--preserve-digests", "--src-cert-dir", certs, "--src-creds",
               f"bob:{USERS['bob']}", dest, f"oci:{out}:v1")
    assert ocilayout.read_blobs(out) == layout.blobs
    # the pull-only account cannot push; no certificate trust, no connection
    denied = skopeo.run("copy", "--all", "--dest-cert-dir", certs, "--dest-creds", f"bob:{USERS['bob']}",
                        f"oci:{layout.path}:v1", f"docker://{_host(_url(auth_world, mode))}/team/bob:v1", check=False)
    assert denied.returncode != 0
    untrusted = skopeo.run("inspect", "--raw", "--creds", f"alice:{USERS['alice']}", dest, check=False)
    assert untrusted.returncode != 0 and "certificate" in untrusted.stderr


# -- oras-py --------------------------------------------------------------------------------------
def _oras_artifact(world, url, repo, data):
    """An oras-style artifact (one layer titled artifact.bin) pushed with the project's client."""
    from specgen.client import RegistryClient

    with RegistryClient(url, username="alice", password=USERS["alice"], verify=str(world.tls.ca)) as client:
        layer = client.push_blob(repo, data)
        config = client.push_blob(repo, b"{}")
        manifest = json.dumps({
            "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": config, "size": 2},
            "layers": [{"mediaType": "application/octet-stream", "digest": layer, "size": len(data),
                        "annotations": {"org.opencontainers.image.title": "artifact.bin"}}],
        }).encode()
        client.push_manifest(repo, "v1", manifest, "application/vnd.oci.image.manifest.v1+json")


@pytest.mark.parametrize("mode", MODES)
def test_oras_login_push_pull(auth_world, mode, tmp_path):  # noqa: F811
    """Basic mode: oras-py logs in, pushes and pulls. Token mode: it logs in and pulls; its push
    reuses the first token it got (pull scope, from a HEAD) for the POST that needs pull,push and
    only refreshes on 403, so it fails the same way against docker-registry's token auth (tried):
    an oras-py 0.2.43 limitation, so the artifact is pushed with the project's client there."""
    oras_client = pytest.importorskip("oras.client", reason="python 'oras' (the test extra) is the client under test")
    url = _url(auth_world, mode)
    host = _host(url)
    data = os.urandom(4096)
    repo = f"team/oras-{mode}"
    client = oras_client.OrasClient(hostname=host, tls_verify=str(auth_world.tls.ca),
                                    auth_backend="basic" if mode == "basic" else "token")
    client.session.verify = str(auth_world.tls.ca)
    login = client.login(username="bob" if mode == "token" else "alice",
                         password=USERS["bob" if mode == "token" else "alice"], hostname=host, tls_verify=True,
                         config_path=str(tmp_path / "config.json"))
    assert login.get("Status") == "Login Succeeded", login
    if mode == "basic":
        (tmp_path / "artifact.bin").write_bytes(data)
        cwd = os.getcwd()
        os.chdir(tmp_path)
        try:
            client.push(target=f"{host}/{repo}:v1", files=["artifact.bin"])
        finally:
            os.chdir(cwd)
    else:
        _oras_artifact(auth_world, url, repo, data)
    files = client.pull(target=f"{host}/{repo}:v1", outdir=str(tmp_path / "pulled"))
    assert [open(f, "rb").read() for f in files] == [data]


# -- python-dxf ------------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", MODES)
def test_dxf_authenticate_push_pull(auth_world, mode):  # noqa: F811
    dxf_mod = pytest.importorskip("dxf", reason="python 'python-dxf' (the test extra) is the client under test")
    host = _host(_url(auth_world, mode))
    repo = f"team/dxf-{uuid.uuid4().hex[:6]}"

    def client(user):
        def auth(d, response):
            d.authenticate(user, USERS[user], response=response)
        return dxf_mod.DXF(host, repo, auth=auth, tlsverify=str(auth_world.tls.ca), timeout=30)

    data = os.urandom(70_000)
    with client("alice") as alice:
        digest = alice.push_blob(data=iter([data[:30_000], data[30_000:]]),
                                 digest="sha256:" + hashlib.sha256(data).hexdigest())
        alice.set_alias("v1", digest)
    with client("bob") as bob:
        assert b"".join(bob.pull_blob(digest)) == data
        assert bob.list_aliases() == ["v1"]
        import requests

        refused = (requests.HTTPError, dxf_mod.exceptions.DXFUnauthorizedError)
        with pytest.raises(refused) as info:
            bob.push_blob(data=b"nope", digest="sha256:" + hashlib.sha256(b"nope").hexdigest())
        if mode == "basic":  # 403 DENIED; with tokens dxf gets 401 again and says unauthorized
            assert isinstance(info.value, requests.HTTPError) and info.value.response.status_code == 403
        else:
            assert isinstance(info.value, dxf_mod.exceptions.DXFUnauthorizedError)
